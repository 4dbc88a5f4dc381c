// oidc-client-ts: a UserManager with the metadata given (no discovery), signinRedirect /
// signinRedirectCallback, refresh with the refresh token through signinSilent. Same four exports
// as entries/oauth-edge.js. The redirect goes through the UserManager's public navigator argument.
import { UserManager } from "oidc-client-ts";

let mgr;

export function init(c, hooks = {}) {
  // The library's RedirectNavigator calls location.assign; this one hands the URL to hooks.navigate.
  const navigator = hooks.navigate && {
    prepare: async () => ({
      navigate: async (params) => {
        hooks.navigate(params.url);
        return { url: params.url };
      },
      close() {},
    }),
    callback: async () => {},
  };
  mgr = new UserManager(
    {
      authority: c.issuer,
      client_id: c.clientId,
      redirect_uri: c.redirectUri,
      response_type: "code",
      scope: c.scope,
      metadata: { issuer: c.issuer, authorization_endpoint: c.authorizationEndpoint, token_endpoint: c.tokenEndpoint },
      automaticSilentRenew: false,
    },
    navigator || undefined,
  );
  return mgr;
}

export function login() {
  return mgr.signinRedirect();
}

export function callback(url = location.href) {
  return mgr.signinRedirectCallback(url);
}

export function refresh() {
  return mgr.signinSilent();
}
