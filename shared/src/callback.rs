//! The authorization response on the redirect URI
//! ([RFC 6749 §4.1.2](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2), errors §4.1.2.1,
//! `iss` from [RFC 9207](https://www.rfc-editor.org/rfc/rfc9207)).
//!
//! Parsing is strict where it matters: a parameter given twice is rejected (RFC 6749 §3.1:
//! "parameters MUST NOT be included more than once"), and a response that is neither a code nor
//! an error is an error of its own. Checking `state` against the pending transaction is the
//! caller's job (the parser only reports what was there).
use crate::error::{ErrorCode, ProviderError};
use crate::form;
use crate::secret::AuthorizationCode;

/// The parameters the callback parser looks at.
const KNOWN: &[&str] = &[
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "error_uri",
];

/// A parsed authorization response. Its `Debug` does not print the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// The provider issued a code.
    Code {
        /// `code` (the shell sends it on at once).
        code: AuthorizationCode,
        /// `state`, if present.
        state: Option<String>,
        /// `iss` (RFC 9207), if present.
        iss: Option<String>,
    },
    /// The provider redirected with an error.
    Error {
        /// The provider's error.
        error: ProviderError,
        /// `state`, if present.
        state: Option<String>,
        /// `iss`, if present.
        iss: Option<String>,
    },
}

impl Callback {
    /// The `state` the provider returned.
    pub fn state(&self) -> Option<&str> {
        match self {
            Self::Code { state, .. } | Self::Error { state, .. } => state.as_deref(),
        }
    }
    /// The `iss` the provider returned.
    pub fn iss(&self) -> Option<&str> {
        match self {
            Self::Code { iss, .. } | Self::Error { iss, .. } => iss.as_deref(),
        }
    }
}

/// Why a callback could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackError {
    /// Neither `code` nor `error` is present: this is not an authorization response.
    NotACallback,
    /// A parameter appears more than once.
    DuplicateParameter(&'static str),
    /// A parameter is present but empty.
    EmptyParameter(&'static str),
}

impl CallbackError {
    /// A stable code for the JS side.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotACallback => "not_a_callback",
            Self::DuplicateParameter(_) | Self::EmptyParameter(_) => "malformed_callback",
        }
    }
}

/// Whether a query carries any authorization-response parameter (so the page is a callback).
pub fn is_callback(query: &str) -> bool {
    form::parse(query)
        .iter()
        .any(|(k, _)| k == "code" || k == "error")
}

/// Parses the query (or fragment) of the redirect URI.
pub fn parse_callback(query: &str) -> Result<Callback, CallbackError> {
    let mut pairs = form::parse(query);
    // Where each known parameter is in `pairs`: the values are moved out only at the end, so a
    // refusal drops one vector (a smaller browser wasm than six owned options, issue 9).
    let mut at: [Option<usize>; 6] = [None; 6];
    for (n, (name, _)) in pairs.iter().enumerate() {
        if let Some(i) = KNOWN.iter().position(|k| k == name) {
            if at[i].replace(n).is_some() {
                return Err(CallbackError::DuplicateParameter(KNOWN[i]));
            }
        }
    }
    let is_empty = |i: usize| at[i].map(|n| pairs[n].1.is_empty());
    // state, iss: absent is fine (the caller decides), empty is malformed.
    for i in [1, 2] {
        if is_empty(i) == Some(true) {
            return Err(CallbackError::EmptyParameter(KNOWN[i]));
        }
    }
    let (code, error) = (is_empty(0), is_empty(3));
    let mut take = |i: usize| at[i].map(|n| core::mem::take(&mut pairs[n].1));
    match (code, error) {
        (_, Some(false)) => Ok(Callback::Error {
            error: ProviderError {
                error: ErrorCode::from(take(3).unwrap_or_default()),
                error_description: take(4),
                error_uri: take(5),
            },
            state: take(1),
            iss: take(2),
        }),
        (Some(false), _) => Ok(Callback::Code {
            code: AuthorizationCode::new(take(0).unwrap_or_default()),
            state: take(1),
            iss: take(2),
        }),
        (Some(true), _) => Err(CallbackError::EmptyParameter("code")),
        (None, Some(true)) => Err(CallbackError::EmptyParameter("error")),
        (None, None) => Err(CallbackError::NotACallback),
    }
}

/// The parameter of the Worker's failure redirect (`/?oauth_edge_error=<code>`, docs/worker-api.md).
pub const WORKER_ERROR_PARAM: &str = "oauth_edge_error";

/// A redirect's query once the two dialects are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// The Worker's failure redirect: one `oauth_edge_error` of `[a-z0-9_]`, at most 64.
    Worker(String),
    /// An authorization response, with the provider's code parameter renamed to `code` so
    /// [`parse_callback`] reads it (with its duplicate checks).
    Query(String),
}

/// A redirect [`read_redirect`] refuses (the client's `malformed_callback`): a repeated, empty
/// or odd `oauth_edge_error` (a forged link writing words onto the page), or, when the provider
/// names its code parameter otherwise, a `code` as well (ambiguous). A unit error: the browser
/// client shows one code for all of them, and a reason string would cost it bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedRedirect;

/// Reads the Worker's failure redirect and a provider's own code parameter (`code_param`, e.g.
/// PayoutID's `authorization_code`; `code` for RFC 6749) in one pass over the redirect's query.
pub fn read_redirect(query: &str, code_param: &str) -> Result<Redirect, MalformedRedirect> {
    let mut out = String::with_capacity(query.len());
    let mut worker = None;
    for part in form::raw_parts(query) {
        let (raw_name, value) = form::name_value(part);
        let name = form::decode(raw_name);
        if name == WORKER_ERROR_PARAM {
            let value = form::decode(value.unwrap_or_default());
            let well_formed = value.len() <= 64
                && value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if worker.is_some() || value.is_empty() || !well_formed {
                return Err(MalformedRedirect);
            }
            worker = Some(value);
        } else if name == "code" && code_param != "code" {
            return Err(MalformedRedirect);
        }
        if !out.is_empty() {
            out.push('&');
        }
        if name == code_param {
            out.push_str("code");
            if let Some(v) = value {
                out.push('=');
                out.push_str(v);
            }
        } else {
            out.push_str(part);
        }
    }
    Ok(worker.map_or(Redirect::Query(out), Redirect::Worker))
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_providers_code_parameter_is_read_as_code() {
        assert_eq!(
            read_redirect("?x=1&authorization%5Fcode=a", "authorization_code"),
            Ok(Redirect::Query("x=1&code=a".into()))
        );
        assert_eq!(
            read_redirect("code=a&state=s", "code"),
            Ok(Redirect::Query("code=a&state=s".into()))
        );
        // Ambiguous: both names.
        assert_eq!(
            read_redirect("authorization_code=a&code=b", "authorization_code"),
            Err(MalformedRedirect)
        );
        // Renamed, a repeat is still a repeat for the RFC 6749 parser.
        let Ok(Redirect::Query(q)) = read_redirect(
            "authorization_code=a&authorization_code=b&state=s",
            "authorization_code",
        ) else {
            panic!("read");
        };
        assert_eq!(
            parse_callback(&q),
            Err(CallbackError::DuplicateParameter("code"))
        );
    }

    #[test]
    fn the_workers_failure_redirect_is_one_well_formed_code() {
        assert_eq!(
            read_redirect("?oauth_edge_error=no_transaction", "code"),
            Ok(Redirect::Worker("no_transaction".into()))
        );
        assert_eq!(
            read_redirect("a=1", "code"),
            Ok(Redirect::Query("a=1".into()))
        );
        let long = format!("oauth_edge_error={}", "a".repeat(65));
        for bad in [
            "oauth_edge_error=",
            "oauth_edge_error",
            "oauth_edge_error=Call+us",
            "oauth_edge_error=X",
            "oauth_edge_error=a&oauth_edge_error=b",
            "oauth%5Fedge%5Ferror=a&oauth_edge_error=b",
            &long,
        ] {
            assert_eq!(read_redirect(bad, "code"), Err(MalformedRedirect), "{bad}");
        }
    }

    #[test]
    fn rfc6749_4_1_2_example() {
        let cb = parse_callback("?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz").unwrap();
        assert_eq!(
            cb,
            Callback::Code {
                code: AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA"),
                state: Some("xyz".into()),
                iss: None
            }
        );
    }

    #[test]
    fn debug_does_not_print_the_code() {
        let cb = parse_callback("code=SplxlOBeZQQYbYS6WxSbIA&state=xyz").unwrap();
        let printed = format!("{cb:?}");
        assert!(!printed.contains("SplxlOBeZQQYbYS6WxSbIA"), "{printed}");
        assert!(
            printed.contains("AuthorizationCode([redacted])"),
            "{printed}"
        );
    }

    #[test]
    fn rfc9207_iss_is_reported() {
        let cb = parse_callback("code=c&state=s&iss=https%3A%2F%2Fhonest.as.example").unwrap();
        assert_eq!(cb.iss(), Some("https://honest.as.example"));
        assert_eq!(cb.state(), Some("s"));
    }

    #[test]
    fn error_response_keeps_code_and_description() {
        let cb =
            parse_callback("error=access_denied&error_description=User+said+no&state=xyz").unwrap();
        match cb {
            Callback::Error { error, state, .. } => {
                assert_eq!(error.error, ErrorCode::AccessDenied);
                assert_eq!(error.error_description.as_deref(), Some("User said no"));
                assert_eq!(state.as_deref(), Some("xyz"));
            }
            other => panic!("{other:?}"),
        }
        // An unknown error code is kept verbatim.
        let cb = parse_callback("error=login_required").unwrap();
        assert!(
            matches!(cb, Callback::Error { error, .. } if error.error == ErrorCode::Other("login_required".into()))
        );
    }

    #[test]
    fn duplicates_are_rejected() {
        assert_eq!(
            parse_callback("code=a&code=b&state=s"),
            Err(CallbackError::DuplicateParameter("code"))
        );
        assert_eq!(
            parse_callback("code=a&state=s&state=t"),
            Err(CallbackError::DuplicateParameter("state"))
        );
        assert_eq!(
            parse_callback("code=a&state=s&iss=x&iss=y")
                .unwrap_err()
                .code(),
            "malformed_callback"
        );
    }

    #[test]
    fn not_a_callback_and_empty_values() {
        assert_eq!(parse_callback(""), Err(CallbackError::NotACallback));
        assert_eq!(parse_callback("?page=2"), Err(CallbackError::NotACallback));
        assert!(!is_callback("?page=2"));
        assert!(is_callback("?code=x"));
        assert_eq!(
            parse_callback("code=&state=s"),
            Err(CallbackError::EmptyParameter("code"))
        );
        assert_eq!(
            parse_callback("code=c&state="),
            Err(CallbackError::EmptyParameter("state"))
        );
        // A missing state is reported as None: the caller turns it into `state_missing`.
        assert_eq!(parse_callback("code=c").unwrap().state(), None);
    }
}
