//! The registry of every stable error code oauth-edge answers or throws (issue 7): who produces
//! it, its HTTP status (for the Worker's), and what it means in plain words.
//!
//! It is the one list the others are checked against: the Worker's `WorkerError` (a unit test in
//! `edge-worker/src/error.rs`), the browser library's `ClientErrorCode`, the `WorkerErrorCode` and
//! `ClientErrorCode` unions of `client-wasm/js/client.d.ts`, the error table of
//! `docs/worker-api.md` and the README's (`shared/tests/error_registry.rs`). A code added in one
//! place and not the others fails the test command.

/// Who gives a code to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The Worker answers it, with this status.
    Worker(Status),
    /// The browser library detects it itself.
    Client,
}

/// The HTTP status of a Worker error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Always this one.
    Fixed(u16),
    /// The provider's own 4xx status, or 502 when the provider failed (`registration_failed`).
    Provider,
}

/// One stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// The string the app switches on.
    pub code: &'static str,
    /// Who gives it.
    pub origin: Origin,
    /// What it means, in plain words.
    pub meaning: &'static str,
}

const fn worker(code: &'static str, status: u16, meaning: &'static str) -> Code {
    Code {
        code,
        origin: Origin::Worker(Status::Fixed(status)),
        meaning,
    }
}

const fn client(code: &'static str, meaning: &'static str) -> Code {
    Code {
        code,
        origin: Origin::Client,
        meaning,
    }
}

/// Every code.
pub const CODES: &[Code] = &[
    worker(
        "bad_request",
        400,
        "the request body is not what the endpoint takes",
    ),
    worker(
        "unknown_provider",
        400,
        "no provider is configured under that name",
    ),
    worker("no_transaction", 400, "no login is pending in this browser"),
    worker(
        "transaction_mismatch",
        400,
        "the callback does not belong to the login this browser started",
    ),
    worker(
        "issuer_mismatch",
        400,
        "the callback came from another authorization server (RFC 9207)",
    ),
    worker(
        "bad_path",
        400,
        "the API proxy refused a path that could leave the API's base",
    ),
    worker("no_session", 401, "not logged in"),
    worker("session_ended", 401, "the provider ended the session"),
    worker(
        "login_failed",
        401,
        "the provider refused the user name or password",
    ),
    worker(
        "csrf_header_missing",
        403,
        "the X-OAuth-Edge header is missing",
    ),
    worker("origin_not_allowed", 403, "the Origin is not allowed"),
    worker(
        "password_grant_disabled",
        403,
        "the provider does not allow password login here",
    ),
    worker(
        "provider_mismatch",
        403,
        "the session belongs to another provider than the API's",
    ),
    worker("not_found", 404, "nothing is served at this path"),
    worker(
        "registration_unavailable",
        404,
        "the provider offers no registration",
    ),
    worker(
        "method_not_allowed",
        405,
        "the path does not take this method",
    ),
    worker(
        "body_too_large",
        413,
        "the request body is over the Worker's limit",
    ),
    worker(
        "rate_limited",
        429,
        "too many attempts: wait Retry-After seconds",
    ),
    Code {
        code: "registration_failed",
        origin: Origin::Worker(Status::Provider),
        meaning: "the provider refused the registration",
    },
    worker(
        "provider_rejected",
        502,
        "the token endpoint answered an OAuth error",
    ),
    worker(
        "provider_unavailable",
        502,
        "the provider failed, could not be reached or was too slow",
    ),
    worker(
        "invalid_token_response",
        502,
        "the token endpoint's answer is not a token response",
    ),
    worker(
        "logout_token_invalid",
        400,
        "a back-channel logout token was refused (invalid or replayed): nothing ended",
    ),
    worker(
        "id_token_invalid",
        502,
        "the provider's ID token failed a check (named in `check`): no session was made",
    ),
    worker(
        "config_error",
        500,
        "the Worker is misconfigured (its log names the setting)",
    ),
    worker(
        "internal_error",
        500,
        "the Worker's storage, randomness or refresh authority failed",
    ),
    client("invalid_options", "the OAuthClient options are not valid"),
    client("unknown_event", "there is no such event"),
    client("worker_unreachable", "the Worker could not be reached"),
    client(
        "worker_bad_response",
        "the Worker answered something unexpected",
    ),
    client(
        "unsafe_authorization_url",
        "the login address is not a web address",
    ),
    client(
        "crypto_unavailable",
        "the browser has no secure random numbers",
    ),
    client("storage_unavailable", "the browser blocks session storage"),
    client(
        "not_a_callback",
        "the page was not opened by a login redirect",
    ),
    client(
        "malformed_callback",
        "the login redirect had repeated or empty parameters",
    ),
    client("state_missing", "the login redirect carried no state"),
    client(
        "state_mismatch",
        "the login redirect belongs to another login of this tab",
    ),
    client("unknown_state", "no login was started in this tab"),
    client("state_used", "the login redirect was already used"),
    client(
        "issuer_mismatch",
        "the login redirect came from another authorization server",
    ),
    client("not_logged_in", "no access token is held"),
    client("fetch_failed", "the app's own API call could not be sent"),
    client(
        "token_not_available",
        "the session's token never reaches the page: use apiFetch",
    ),
    client(
        "unexpected_error",
        "something went wrong inside the library",
    ),
];

/// The Worker's entry for `code`.
pub fn worker_code(code: &str) -> Option<&'static Code> {
    CODES
        .iter()
        .find(|c| c.code == code && matches!(c.origin, Origin::Worker(_)))
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn each_code_once_per_origin() {
        for (i, a) in CODES.iter().enumerate() {
            for b in &CODES[i + 1..] {
                let same_origin = matches!(
                    (a.origin, b.origin),
                    (Origin::Worker(_), Origin::Worker(_)) | (Origin::Client, Origin::Client)
                );
                assert!(!(a.code == b.code && same_origin), "{} twice", a.code);
            }
            assert!(
                a.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                a.code
            );
        }
        assert_eq!(
            worker_code("rate_limited").unwrap().origin,
            Origin::Worker(Status::Fixed(429))
        );
        assert!(worker_code("state_used").is_none());
    }
}
