// The whole local stack, as the demo and the end-to-end tests run it:
//   - the local authorization server (oidc-provider, tests/idp/server.mjs) on 127.0.0.1,
//   - the built Worker under workerd (`wrangler dev --local`, real local KV), serving www/.
//
// The app is opened at http://localhost:<port> (not 127.0.0.1) so that its cookies and the
// authorization server's cookies live in different cookie jars, as they would on two real sites.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { startIdp } from "../idp/server.mjs";
import { freePort } from "./ports.mjs";
import { startProcess } from "./proc.mjs";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

export const DEMO_CLIENT_ID = "oauth-edge-demo";

/** Quiet, offline wrangler. */
export const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
};

/** One dotenv line. Single quotes keep the value literal (dotenv unescapes nothing inside them). */
function envLine(key, value) {
  if (value.includes("'") || value.includes("\n")) throw new Error(`${key}: value cannot go in a .env file`);
  return `${key}='${value}'`;
}

/** Reads the authorization server's metadata (OIDC discovery / RFC 8414). */
export async function discover(issuer) {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`discovery at ${issuer} answered ${res.status}`);
  return res.json();
}

/** The Worker's provider entry for a standards-conformant provider, from its metadata. */
export function standardProvider(meta, { clientId, redirectUri, scope = "openid profile offline_access" }) {
  return {
    issuer: meta.issuer,
    authorization_endpoint: meta.authorization_endpoint,
    token_endpoint: meta.token_endpoint,
    revocation_endpoint: meta.revocation_endpoint,
    userinfo_endpoint: meta.userinfo_endpoint,
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    // oidc-provider issues a refresh token for offline_access only together with prompt=consent.
    authorization_params: [["prompt", "consent"]],
  };
}

/**
 * Starts the stack.
 * @param {object} [opts]
 * @param {number} [opts.appPort]           the Worker's port (free one by default)
 * @param {number} [opts.idpPort]           the authorization server's port (free one by default)
 * @param {number} [opts.accessTokenTtl]    access-token lifetime at the IdP, seconds
 * @param {boolean} [opts.testHooks=true]   the IdP's fault-injection hooks
 * @param {Record<string,string>} [opts.vars] extra Worker vars/secrets
 * @param {boolean} [opts.echo=false]       copy the Worker's output to stderr
 */
export async function startStack(opts = {}) {
  const appPort = opts.appPort ?? (await freePort());
  const appOrigin = `http://localhost:${appPort}`;
  const redirectUri = `${appOrigin}/callback`;
  const clientSecret = randomBytes(24).toString("base64url");
  const idp = await startIdp({
    port: opts.idpPort ?? 0,
    clients: [{ client_id: DEMO_CLIENT_ID, client_secret: clientSecret, redirect_uris: [redirectUri] }],
    appOrigins: [appOrigin],
    accessTokenTtl: opts.accessTokenTtl ?? 300,
    testHooks: opts.testHooks ?? true,
  });
  const stateDir = mkdtempSync(join(tmpdir(), "oauth-edge-stack-"));
  let worker;
  try {
    const meta = await discover(idp.issuer);
    const providers = {
      default: standardProvider(meta, { clientId: DEMO_CLIENT_ID, redirectUri }),
    };
    const vars = {
      PROVIDERS: JSON.stringify(providers),
      CLIENT_SECRET_DEFAULT: clientSecret,
      SESSION_KEY: randomBytes(32).toString("base64"),
      ALLOWED_ORIGINS: appOrigin,
      APP_CONFIG: JSON.stringify({ api_url: `${idp.issuer}/api/hello`, issuer: idp.issuer }),
      ...opts.vars,
    };
    const envFile = join(stateDir, "worker.env");
    writeFileSync(
      envFile,
      Object.entries(vars).map(([k, v]) => envLine(k, String(v))).join("\n") + "\n",
      { mode: 0o600 },
    );
    worker = await startProcess(
      join(ROOT, "node_modules/.bin/wrangler"),
      [
        "dev", "--local", "--ip", "127.0.0.1", "--port", String(appPort),
        "--persist-to", join(stateDir, "state"), "--env-file", envFile,
        "--show-interactive-dev-session=false", "--log-level", "warn",
        ...(opts.wranglerArgs ?? []),
      ],
      {
        cwd: ROOT,
        env: { ...WRANGLER_ENV, OAUTH_EDGE_SKIP_BUILD: opts.build ? "" : "1" },
        readyUrl: `http://127.0.0.1:${appPort}/`,
        timeoutMs: 180_000,
        name: "wrangler dev",
        echo: opts.echo ?? false,
        logFile: join(stateDir, "wrangler.log"),
      },
    );
  } catch (e) {
    await idp.close();
    rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  return {
    appOrigin,
    appPort,
    redirectUri,
    idp,
    stateDir,
    kvDir: join(stateDir, "state"),
    workerOutput: () => worker.output(),
    async stop() {
      await worker.stop().catch(() => {});
      await idp.close().catch(() => {});
      if (!opts.keepState) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
