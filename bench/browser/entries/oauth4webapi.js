// oauth4webapi: the authorization server's metadata given (no discovery), a public client, PKCE S256
// + state, the transaction and the tokens in sessionStorage (what an SPA has to write itself with
// this low-level library). Same four exports as entries/oauth-edge.js.
import * as oauth from "oauth4webapi";

let as, client, cfg, navigate, opts;

export function init(c, hooks = {}) {
  cfg = c;
  navigate = hooks.navigate || ((url) => location.assign(url));
  as = { issuer: c.issuer, authorization_endpoint: c.authorizationEndpoint, token_endpoint: c.tokenEndpoint };
  client = { client_id: c.clientId };
  // The (stubbed) token endpoint is http://127.0.0.1; oauth4webapi refuses plain http unless told.
  opts = { [oauth.allowInsecureRequests]: true };
  return client;
}

export async function login() {
  const code_verifier = oauth.generateRandomCodeVerifier();
  const code_challenge = await oauth.calculatePKCECodeChallenge(code_verifier);
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", client.client_id);
  url.searchParams.set("redirect_uri", cfg.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", cfg.scope);
  url.searchParams.set("code_challenge", code_challenge);
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", state);
  sessionStorage.setItem("o4w.tx", JSON.stringify({ code_verifier, state }));
  navigate(url.href);
}

export async function callback(currentUrl = location.href) {
  const tx = JSON.parse(sessionStorage.getItem("o4w.tx"));
  sessionStorage.removeItem("o4w.tx");
  const params = oauth.validateAuthResponse(as, client, new URL(currentUrl), tx.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    cfg.redirectUri,
    tx.code_verifier,
    opts,
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  sessionStorage.setItem("o4w.tokens", JSON.stringify(result));
  return result;
}

export async function refresh() {
  const tokens = JSON.parse(sessionStorage.getItem("o4w.tokens"));
  const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, opts);
  const result = await oauth.processRefreshTokenResponse(as, client, response);
  sessionStorage.setItem("o4w.tokens", JSON.stringify({ ...tokens, ...result }));
  return result;
}
