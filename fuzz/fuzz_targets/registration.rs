//! User-registration answers (`register::parse_registration_response`), read with each
//! provider configuration's error fields.
//!
//! Input: the HTTP status on the first line, the body after it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{lines, providers, status};
use oauth_edge_shared::http::HttpResponse;
use oauth_edge_shared::register::parse_registration_response;

fuzz_target!(|data: &[u8]| {
    let [first, body] = lines::<2>(data);
    let response = HttpResponse {
        status: status(first),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.to_vec(),
    };
    for (_, provider) in providers() {
        match parse_registration_response(provider, &response) {
            Ok(()) => assert!((200..300).contains(&response.status)),
            Err(refused) => {
                assert!(!(200..300).contains(&response.status));
                assert_eq!(refused.status, response.status);
                if let Some(error) = refused.error {
                    assert_eq!(error.error_uri, None);
                }
            }
        }
    }
});
