// oauth-edge, as an app using the package's plain-ESM entry (`oauth-edge/web`) would: init() loads
// the wasm core (next to the bundle, found through import.meta.url), then one OAuthClient talking to
// the oauth-edge Worker at /auth (the benchmark page stubs that Worker with an in-page fetch).
//
// Every entry exports the same four functions (see README.md):
//   init(cfg, hooks)  -> a ready client
//   login()           -> PKCE + state, the authorization redirect (navigation)
//   callback(url)     -> check state, exchange the code (oauth-edge reads the address bar instead of url)
//   refresh()         -> a new access token
// oauth-edge has no navigation hook: login() ends in location.assign(authorization_url), a real call
// (the stubbed Worker answers with a same-document #fragment URL; the benchmark measures it apart).
import initWasm, { OAuthClient } from "oauth-edge/web";

let client;

export async function init(cfg) {
  await initWasm(); // fetches and instantiates oauth_edge_bg.wasm (import.meta.url)
  client = new OAuthClient({ worker: cfg.worker });
  return client;
}

export function login() {
  return client.login();
}

export function callback() {
  return client.handleCallback();
}

export function refresh() {
  return client.refresh();
}
