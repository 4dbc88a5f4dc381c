// @auth0/auth0-spa-js: createAuth0Client, loginWithRedirect, handleRedirectCallback, refresh tokens
// through getTokenSilently({cacheMode: "off"}). Same four exports as entries/oauth-edge.js.
// cacheLocation "localstorage": with the default in-memory cache the token requests run in the
// library's Web Worker, out of reach of the page's fetch stub (README.md, caveats).
import { createAuth0Client } from "@auth0/auth0-spa-js";

let client, openUrl;

export async function init(c, hooks = {}) {
  openUrl = hooks.navigate; // the library's own hook; by default it calls location.assign
  client = await createAuth0Client({
    domain: c.issuer.replace(/\/$/, ""), // the issuer is "<domain>/"
    clientId: c.clientId,
    authorizationParams: { redirect_uri: c.redirectUri, scope: c.scope },
    useRefreshTokens: true,
    cacheLocation: "localstorage",
  });
  return client;
}

export function login() {
  return client.loginWithRedirect(openUrl ? { openUrl } : {});
}

export function callback(url = location.href) {
  return client.handleRedirectCallback(url);
}

export function refresh() {
  return client.getTokenSilently({ cacheMode: "off" });
}
