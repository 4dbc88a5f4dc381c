// The whole local stack, as the demo and the end-to-end tests run it:
//   - the local authorization server (oidc-provider, tests/idp/server.mjs) on 127.0.0.1,
//   - with `providers: true`, the emulators of the four documented providers (tests/providers/):
//     Paytronix, PayoutID (a sandbox and a production instance), Paysera Wallet, the plain SSO,
//     each configured in the Worker's PROVIDERS through its built-in profile (shared/profiles/),
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
import { startPayoutId } from "../providers/payoutid.mjs";
import { startPaysera } from "../providers/paysera.mjs";
import { startPaytronix } from "../providers/paytronix.mjs";
import { startPlainSso } from "../providers/plain-sso.mjs";
import { rememberBindings, workerLogPath } from "./log-ledger.mjs";
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

/** JSON with every non-ASCII character escaped (the .env file stays ASCII). */
function asciiJson(value) {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The Paytronix merchant of document 001's examples. */
export const PAYTRONIX_MERCHANT_ID = 777777;

/**
 * Starts the four provider emulators for an app at `appOrigin` and describes them for the Worker:
 * `providers` (PROVIDERS entries naming the built-in profiles), `secrets` (CLIENT_SECRET_<NAME>)
 * and `demo` (the APP_CONFIG provider list the demo app shows).
 */
export async function startProviderEmulators({ appOrigin, testHooks = true, options = {} }) {
  const callback = `${appOrigin}/callback`;
  const started = [];
  const start = async (fn, name, o) => {
    const clientId = `oauth-edge-${name}`;
    const clientSecret = randomBytes(24).toString("base64url");
    const e = await fn({ clientId, clientSecret, testHooks, appOrigins: [appOrigin], ...o, ...options[name] });
    started.push(e);
    return Object.assign(e, { clientId, clientSecret });
  };
  try {
    const paytronix = await start(startPaytronix, "paytronix", {
      redirectUris: [callback],
      merchantId: PAYTRONIX_MERCHANT_ID,
    });
    const payoutid = {
      sandbox: await start(startPayoutId, "payoutid", { redirectUris: [callback], environment: "sandbox" }),
    };
    // The production instance knows the same client (one registration per environment).
    payoutid.production = await start(startPayoutId, "payoutid-production", {
      redirectUris: [callback],
      environment: "production",
      clientId: payoutid.sandbox.clientId,
      clientSecret: payoutid.sandbox.clientSecret,
    });
    Object.assign(payoutid.production, {
      clientId: payoutid.sandbox.clientId,
      clientSecret: payoutid.sandbox.clientSecret,
    });
    const paysera = await start(startPaysera, "paysera", { redirectUris: [callback] });
    const sso = await start(startPlainSso, "sso", { redirectUris: [`${appOrigin}/auth/callback/sso`] });

    const providers = {
      paytronix: {
        profile: "paytronix",
        authorization_endpoint: paytronix.endpoints.authorization,
        token_endpoint: paytronix.endpoints.token,
        client_id: paytronix.clientId,
        redirect_uri: callback,
        allow_password_grant: true,
        dialect: { token_params: [["merchantId", PAYTRONIX_MERCHANT_ID]] },
      },
      payoutid: {
        profile: "payoutid",
        environments: { sandbox: payoutid.sandbox.url, production: payoutid.production.url },
        environment: "sandbox",
        token_endpoint: "/api/oauth/token",
        client_id: payoutid.sandbox.clientId,
        redirect_uri: callback,
        // The app's own calls (no user): a client-credentials token, attached by the Worker.
        api: { base_url: "/api/v1/", token: "client_credentials" },
      },
      paysera: {
        profile: "paysera",
        authorization_endpoint: paysera.endpoints.authorization,
        authorization_endpoints: paysera.endpoints.authorizationLocale,
        token_endpoint: paysera.endpoints.token,
        revocation_endpoint: paysera.endpoints.revoke,
        client_id: paysera.clientId,
        redirect_uri: callback,
        // MAC tokens never reach the page: the app calls the wallet API through the Worker.
        api: { base_url: `${paysera.url}/rest/v1/` },
      },
      sso: {
        profile: "plain-sso",
        authorization_endpoint: sso.endpoints.login,
        token_endpoint: sso.endpoints.token,
        registration_endpoint: sso.endpoints.register,
        client_id: sso.clientId,
        redirect_uri: `${appOrigin}/auth/callback/sso`,
        allow_password_grant: true,
      },
    };
    const secrets = {
      CLIENT_SECRET_PAYTRONIX: paytronix.clientSecret,
      CLIENT_SECRET_PAYOUTID: payoutid.sandbox.clientSecret,
      CLIENT_SECRET_PAYSERA: paysera.clientSecret, // the client's MAC key
      CLIENT_SECRET_SSO: sso.clientSecret, // unused by the service (document 004 has none)
    };
    const demo = [
      {
        name: "paytronix",
        label: "Paytronix",
        flows: ["redirect", "password"],
        api: paytronix.endpoints.accountInformation,
      },
      {
        name: "payoutid",
        label: "PayoutID (sandbox)",
        flows: ["redirect"],
        api: payoutid.sandbox.endpoints.user,
        app_api: "/api/payoutid/rates",
        app_api_label: "Exchange rates (app token, through the Worker)",
      },
      {
        name: "paysera",
        label: "Paysera Wallet",
        flows: ["redirect"],
        api: "/api/paysera/user/me",
        proxy: true,
        variants: [
          { name: "", label: "Default" },
          { name: "en", label: "English" },
          { name: "lt", label: "Lietuvių" },
          { name: "ru", label: "Русский" },
        ],
      },
      {
        name: "sso",
        label: "Plain SSO",
        flows: ["redirect", "password", "register"],
        api: sso.endpoints.me,
      },
    ];
    return {
      paytronix,
      payoutid,
      paysera,
      sso,
      providers,
      secrets,
      demo,
      close: () => Promise.all(started.map((e) => e.close().catch(() => {}))),
    };
  } catch (e) {
    await Promise.all(started.map((x) => x.close().catch(() => {})));
    throw e;
  }
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
 * @param {boolean} [opts.providers=false]  also start the four provider emulators and configure
 *        them in PROVIDERS (after `default`, which stays the default) and APP_CONFIG
 * @param {Record<string,object>} [opts.providerOptions] extra start options per emulator
 *        (`paytronix`, `payoutid`, `payoutid-production`, `paysera`, `sso`)
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
  let emulators = null;
  try {
    const meta = await discover(idp.issuer);
    const providers = {
      default: standardProvider(meta, { clientId: DEMO_CLIENT_ID, redirectUri }),
    };
    const appConfig = { api_url: `${idp.issuer}/api/hello`, issuer: idp.issuer };
    let secrets = {};
    if (opts.providers) {
      emulators = await startProviderEmulators({
        appOrigin,
        testHooks: opts.testHooks ?? true,
        options: opts.providerOptions,
      });
      Object.assign(providers, emulators.providers);
      secrets = emulators.secrets;
      appConfig.providers = [
        {
          name: "default",
          label: "Standard OAuth 2.0 (local authorization server)",
          flows: ["redirect"],
          api: `${idp.issuer}/api/hello`,
        },
        ...emulators.demo,
      ];
    }
    const vars = {
      PROVIDERS: JSON.stringify(providers),
      CLIENT_SECRET_DEFAULT: clientSecret,
      ...secrets,
      SESSION_KEY: randomBytes(32).toString("base64"),
      ALLOWED_ORIGINS: appOrigin,
      APP_CONFIG: asciiJson(appConfig),
      ...opts.vars,
    };
    rememberBindings(vars);
    const envFile = join(stateDir, "worker.env");
    writeFileSync(
      envFile,
      Object.entries(vars)
        .map(([k, v]) => envLine(k, String(v)))
        .join("\n") + "\n",
      { mode: 0o600 },
    );
    worker = await startProcess(
      join(ROOT, "node_modules/.bin/wrangler"),
      [
        "dev",
        "--local",
        "--ip",
        "127.0.0.1",
        "--port",
        String(appPort),
        "--persist-to",
        join(stateDir, "state"),
        "--env-file",
        envFile,
        // `log`: everything the Worker prints reaches the log ledger (tests/logs/no-secrets.check.mjs).
        "--show-interactive-dev-session=false",
        "--log-level",
        "log",
        ...(opts.wranglerArgs ?? []),
      ],
      {
        cwd: ROOT,
        env: { ...WRANGLER_ENV, OAUTH_EDGE_SKIP_BUILD: opts.build ? "" : "1" },
        readyUrl: `http://127.0.0.1:${appPort}/`,
        timeoutMs: 180_000,
        name: "wrangler dev",
        echo: opts.echo ?? false,
        logFile: workerLogPath("wrangler"),
      },
    );
  } catch (e) {
    await idp.close();
    await emulators?.close();
    rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  return {
    appOrigin,
    appPort,
    redirectUri,
    idp,
    /** With `providers: true`: `{paytronix, payoutid: {sandbox, production}, paysera, sso}`, each
     * the emulator's handle (`url`, `endpoints`, `stats()`, …) plus its `clientId`/`clientSecret`. */
    providers: emulators,
    stateDir,
    kvDir: join(stateDir, "state"),
    workerOutput: () => worker.output(),
    async stop() {
      await worker.stop().catch(() => {});
      await idp.close().catch(() => {});
      await emulators?.close();
      if (!opts.keepState) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
