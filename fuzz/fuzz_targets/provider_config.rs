//! Provider configuration JSON: the whole `PROVIDERS` map (`catalog::providers_from_json`), one
//! entry merged over a built-in profile (`provider_from_json`), `ProviderConfig` read directly
//! and `resolve`d; then every request a configuration drives (authorization URL with each
//! endpoint variant, token requests for every grant, MAC signing, revocation, userinfo,
//! registration), since each reads the configured strings.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::NOW;
use oauth_edge_shared::authorize::authorization_url_for;
use oauth_edge_shared::provider::catalog::{provider_from_json, providers_from_json};
use oauth_edge_shared::provider::ProviderConfig;
use oauth_edge_shared::register::registration_request;
use oauth_edge_shared::revoke::session_revocation_request;
use oauth_edge_shared::secret::{AccessToken, AuthorizationCode, ClientSecret, RefreshToken};
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::token::{signed_token_request, Grant, RequestContext, TokenSet, TokenType};
use oauth_edge_shared::userinfo::userinfo_request;
use serde_json::{Map, Value};

fn absolute(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

fn exercise(p: &ProviderConfig) {
    // An endpoint is absolute, or left to the provider's metadata (then `issuer` is set and
    // discovery is on: the Worker fills it before any request).
    for url in [&p.authorization_endpoint, &p.token_endpoint] {
        assert!(
            absolute(url) || (url.is_empty() && p.issuer.is_some() && p.uses_discovery()),
            "{url:?}"
        );
    }
    if p.authorization_endpoint.is_empty() || p.token_endpoint.is_empty() {
        return; // the requests below need the endpoints discovery would give
    }
    for url in [
        &p.revocation_endpoint,
        &p.userinfo_endpoint,
        &p.registration_endpoint,
        &p.jwks_uri,
        &p.end_session_endpoint,
        &p.pushed_authorization_request_endpoint,
    ]
    .into_iter()
    .flatten()
    .chain(p.authorization_endpoints.values())
    .chain(p.api.as_ref().map(|a| &a.base_url))
    {
        assert!(absolute(url), "{url}");
    }
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    for variant in
        std::iter::once(None).chain(p.authorization_endpoints.keys().map(|k| Some(k.as_str())))
    {
        let url = authorization_url_for(p, variant, "st", challenge);
        assert!(url.starts_with(p.authorization_endpoint_for(variant)));
    }
    let ctx = RequestContext {
        now: NOW,
        entropy: [9; 32],
    };
    let secret = ClientSecret::new("s3cr3t");
    let code = AuthorizationCode::new("c0de");
    let refresh = RefreshToken::new("r3fresh");
    let user: Map<String, Value> = [("username".to_owned(), Value::from("john"))]
        .into_iter()
        .collect();
    for grant in [
        Grant::AuthorizationCode {
            code: &code,
            code_verifier: Some("v"),
        },
        Grant::RefreshToken {
            refresh_token: &refresh,
        },
        Grant::Password {
            username: "john",
            password: "1234",
        },
        Grant::ClientCredentials,
    ] {
        let req = signed_token_request(p, &secret, &grant, &user, &ctx);
        assert_eq!(req.url, p.token_endpoint);
    }
    let set = TokenSet {
        access_token: AccessToken::new("at"),
        token_type: TokenType::Bearer,
        expires_in: Some(3600),
        expires_at: None,
        mac_key: None,
        refresh_token: Some(refresh.clone()),
        scope: None,
        id_token: None,
        extra: Map::new(),
    };
    let session = SessionRecord::new("p", set, Map::new(), NOW);
    let _ = session_revocation_request(p, &secret, &session, &ctx);
    let _ = userinfo_request(p, &AccessToken::new("at"));
    let _ = registration_request(p, "john", "1234");
}

fuzz_target!(|data: &[u8]| {
    // Typed, straight from the bytes (serde's own paths for unknown keys, enums and defaults).
    if let Ok(config) = serde_json::from_slice::<ProviderConfig>(data) {
        if let Ok(resolved) = config.resolve() {
            exercise(&resolved);
        }
    }
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(config) = provider_from_json(value.clone()) {
        exercise(&config);
    }
    if let Ok(all) = providers_from_json(value) {
        assert!(!all.is_empty());
        for (_, config) in &all {
            exercise(config);
        }
    }
});
