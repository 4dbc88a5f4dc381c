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
    DuplicateParameter(String),
    /// A parameter is present but empty.
    EmptyParameter(String),
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
    let mut found: [Option<String>; 6] = Default::default();
    for (name, value) in form::parse(query) {
        // Any parameter twice is malformed, known or not.
        if let Some(i) = KNOWN.iter().position(|k| *k == name) {
            if found[i].replace(value).is_some() {
                return Err(CallbackError::DuplicateParameter(name));
            }
        }
    }
    let [code, state, iss, error, error_description, error_uri] = found;
    for (name, value) in [("state", &state), ("iss", &iss)] {
        if value.as_deref() == Some("") {
            return Err(CallbackError::EmptyParameter(name.into()));
        }
    }
    match (code, error) {
        (_, Some(error)) if !error.is_empty() => Ok(Callback::Error {
            error: ProviderError {
                error: ErrorCode::from(error),
                error_description,
                error_uri,
            },
            state,
            iss,
        }),
        (Some(code), _) if !code.is_empty() => Ok(Callback::Code {
            code: AuthorizationCode::new(code),
            state,
            iss,
        }),
        (Some(_), _) => Err(CallbackError::EmptyParameter("code".into())),
        (None, Some(_)) => Err(CallbackError::EmptyParameter("error".into())),
        (None, None) => Err(CallbackError::NotACallback),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

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
            Err(CallbackError::DuplicateParameter("code".into()))
        );
        assert_eq!(
            parse_callback("code=a&state=s&state=t"),
            Err(CallbackError::DuplicateParameter("state".into()))
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
            Err(CallbackError::EmptyParameter("code".into()))
        );
        assert_eq!(
            parse_callback("code=c&state="),
            Err(CallbackError::EmptyParameter("state".into()))
        );
        // A missing state is reported as None: the caller turns it into `state_missing`.
        assert_eq!(parse_callback("code=c").unwrap().state(), None);
    }
}
