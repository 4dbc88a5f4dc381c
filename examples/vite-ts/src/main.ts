// oauth-edge in a Vite + TypeScript app: log in, show the user and the access token's expiry, call
// an API with the token (client.fetch) and through the Worker's proxy (client.apiFetch), log out.
//
// The page is served by the oauth-edge Worker (wrangler.toml: the Worker from the npm package,
// dist/ as its assets), so `/auth/*` and `/api/*` are on the page's own origin.
import init, { OAuthClient, OAuthError } from "oauth-edge/web";
// Vite gives the wasm file a hashed URL in dist/; the web entry instantiates it from there.
import wasmUrl from "oauth-edge/web/core/oauth_edge_bg.wasm?url";

const API_URL = import.meta.env.VITE_API_URL ?? "http://127.0.0.1:9010/api/hello";
const PROXY_PATH = import.meta.env.VITE_PROXY_PATH ?? "default/hello";

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el;
}

function showError(err: unknown): void {
  const code = err instanceof OAuthError ? err.code : "unexpected";
  const message = err instanceof Error ? err.message : String(err);
  $("error").dataset.code = code;
  $("error").textContent = `${code}: ${message}`;
}

function clearError(): void {
  $("error").dataset.code = "";
  $("error").textContent = "";
}

/** "12:34:56 (in 119 s)", counting down. */
function renderExpiry(): void {
  const el = $("expires");
  const at = client.expiresAt;
  if (at === null) {
    el.textContent = client.loggedIn ? "not given by the provider" : "";
    delete el.dataset.expiresAt;
    return;
  }
  el.dataset.expiresAt = String(at);
  const left = Math.round(at - Date.now() / 1000);
  el.textContent = `${new Date(at * 1000).toLocaleTimeString()} (${left > 0 ? `in ${left} s` : "expired"})`;
}

function render(): void {
  const loggedIn = client.loggedIn;
  $("status").textContent = loggedIn ? "logged-in" : "logged-out";
  $("logged-in").hidden = !loggedIn;
  $("logged-out").hidden = loggedIn;
  const user = client.user;
  $("user").textContent = user ? `${user.name ?? "(no name)"} (sub ${user.sub ?? "?"})` : "";
  renderExpiry();
  if (!loggedIn) {
    $("api-result").textContent = "";
    $("proxy-result").textContent = "";
  }
}

async function show(target: string, res: Response): Promise<void> {
  $(target).textContent = `HTTP ${res.status}\n${await res.text()}`;
}

/** A button that runs `fn`, showing its error. */
function onClick(id: string, fn: () => Promise<void>): void {
  $(id).addEventListener("click", () => {
    clearError();
    fn().catch(showError).finally(render);
  });
}

await init({ module_or_path: wasmUrl });
const client = new OAuthClient({ worker: "/auth" });

// Events are `CustomEvent`s: the payload is `e.detail` (a TokenInfo, or the OAuthError).
client.addEventListener("login", (e) => {
  console.info("logged in as", e.detail.user?.sub, "until", e.detail.expiresAt);
  render();
});
client.addEventListener("tokenRefreshed", (e) => {
  console.info("token refreshed, now until", e.detail.expiresAt);
  render();
});
client.addEventListener("sessionEnded", (e) => {
  showError(e.detail);
  render();
});
client.addEventListener("logout", () => render());

$("api-url").textContent = API_URL;
$("proxy-path").textContent = PROXY_PATH;
onClick("login", () => client.login({ returnTo: "/" }));
onClick("call-api", async () => show("api-result", await client.fetch(API_URL)));
onClick("call-proxy", async () => show("proxy-result", await client.apiFetch(PROXY_PATH)));
onClick("refresh", async () => {
  await client.refresh();
});
onClick("logout", () => client.logout());
setInterval(renderExpiry, 1000);

try {
  if (client.isCallback()) {
    // Back from the provider: scrubs ?code&state first, then redeems the code through the Worker.
    const { returnTo } = await client.handleCallback();
    history.replaceState(null, "", returnTo);
  } else {
    // A reload: the access token lived in memory only; the Worker knows the session (cookie).
    await client.restore();
  }
} catch (err) {
  showError(err);
}
render();
$("status").dataset.ready = "";
