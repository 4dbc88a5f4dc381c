//! Userinfo answers (`userinfo::parse_userinfo`) and the user fields a dialect keeps from a
//! token response (`user_from_token_fields`), under every provider configuration.
//!
//! Input: the HTTP status on the first line, the body after it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{lines, providers, status};
use oauth_edge_shared::http::HttpResponse;
use oauth_edge_shared::userinfo::{parse_userinfo, user_from_token_fields};

fuzz_target!(|data: &[u8]| {
    let [first, body] = lines::<2>(data);
    let response = HttpResponse {
        status: status(first),
        headers: vec![],
        body: body.to_vec(),
    };
    let claims = parse_userinfo(&response);
    if claims.is_some() {
        assert_eq!(response.status, 200);
    }
    // The same body read as a token response's extra fields.
    let extra = match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => claims.unwrap_or_default(),
    };
    for (_, provider) in providers() {
        let user = user_from_token_fields(provider, &extra);
        for (k, v) in &user {
            assert!(provider.dialect.user_fields.contains(k));
            assert_eq!(extra.get(k), Some(v));
        }
    }
});
