//! Token endpoint answers under every built-in provider profile and a plain standard config:
//! `token::parse_token_response`, tokens delivered in the redirect (`parse_redirect_tokens`) and
//! their confirmation with the provider (`token::delivered`), and what the Worker does next with
//! a token set (the session record, its browser view, its stored JSON).
//!
//! Input: the HTTP status on the first line, the body after it. The whole input is also read as
//! a redirect query, whose tokens are then confirmed with that response as the provider's answer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{lines, providers, status, text, NOW};
use oauth_edge_shared::http::HttpResponse;
use oauth_edge_shared::provider::{Delivery, SuccessSignal};
use oauth_edge_shared::secret::ClientSecret;
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::token::delivered::{confirmation_request, confirmed};
use oauth_edge_shared::token::{
    parse_redirect_tokens, parse_token_response, RequestContext, TokenError, TokenSet, TokenType,
};
use oauth_edge_shared::userinfo::user_from_token_fields;
use serde_json::{Map, Value};

fn check_set(set: &TokenSet) {
    assert!(!set.access_token.expose().is_empty());
    assert_eq!(set.token_type == TokenType::Mac, set.mac_key.is_some());
    for key in [
        "access_token",
        "token_type",
        "refresh_token",
        "scope",
        "id_token",
    ] {
        assert!(!set.extra.contains_key(key), "{key} left in extra");
    }
}

/// What the Worker does with a token set: a session, its browser view, its stored JSON, and a
/// refresh that answers the same set.
fn session(name: &str, set: TokenSet, user: Map<String, Value>) {
    let record = SessionRecord::new(name, set.clone(), user, NOW);
    // The browser's view never holds the refresh token or a MAC key, nor a MAC token.
    let view = serde_json::to_value(record.token_view()).expect("the browser view serialises");
    let view = view.as_object().expect("the view is an object");
    assert!(!view.contains_key("refresh_token") && !view.contains_key("mac_key"));
    assert_eq!(view.contains_key("access_token"), record.mac_key.is_none());
    let stored = serde_json::to_vec(&record).expect("a session serialises");
    let back: SessionRecord = serde_json::from_slice(&stored).expect("a stored session reads back");
    assert_eq!(back, record);
    let mut refreshed = record;
    refreshed.apply_tokens(set, NOW + 60);
    let _ = refreshed.needs_refresh(NOW + 60);
}

fuzz_target!(|data: &[u8]| {
    let [first, body] = lines::<2>(data);
    let response = HttpResponse {
        status: status(first),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.to_vec(),
    };
    let query = text(data);
    let ctx = RequestContext {
        now: NOW,
        entropy: [3; 32],
    };
    for (name, provider) in providers() {
        match parse_token_response(provider, &response) {
            Ok(set) => {
                assert!(response.status < 500);
                if provider.dialect.success == SuccessSignal::HttpStatus {
                    assert!((200..300).contains(&response.status));
                }
                check_set(&set);
                let user = user_from_token_fields(provider, &set.extra);
                assert!(user
                    .keys()
                    .all(|k| provider.dialect.user_fields.contains(k)));
                session(name, set, user);
            }
            Err(e) => {
                if response.status >= 500 {
                    let unavailable = TokenError::Unavailable {
                        status: response.status,
                    };
                    assert_eq!(e, unavailable);
                }
                let _ = (e.code(), e.provider_error());
            }
        }
        match parse_redirect_tokens(provider, &query) {
            Ok((set, user)) => {
                let delivery = &provider.dialect.delivery;
                assert!(matches!(delivery, Delivery::RedirectTokens { .. }));
                check_set(&set);
                assert!(set.expires_in.is_none());
                assert!(user.len() <= 1);
                // Confirmed with the provider before use; the input's response is its answer.
                let _ = confirmation_request(provider, &ClientSecret::new(""), &set, &user, &ctx);
                if let Ok((set, user)) = confirmed(provider, set, user, &response) {
                    assert!(response.status < 500);
                    check_set(&set);
                    session(name, set, user);
                }
            }
            Err(e) => assert_eq!(e.code(), "invalid_token_response"),
        }
    }
});
