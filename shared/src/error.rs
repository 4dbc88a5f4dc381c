//! OAuth 2.0 error codes and the provider errors that carry them.
//!
//! Codes from [RFC 6749 §4.1.2.1](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1)
//! (authorization response), [§5.2](https://www.rfc-editor.org/rfc/rfc6749#section-5.2) (token
//! response) and [RFC 6750 §3.1](https://www.rfc-editor.org/rfc/rfc6750#section-3.1) (resource
//! requests). Anything else is kept as [`ErrorCode::Other`].
use serde::{Deserialize, Serialize};

/// An OAuth error code as a provider sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum ErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `access_denied`
    AccessDenied,
    /// `unsupported_response_type`
    UnsupportedResponseType,
    /// `invalid_scope`
    InvalidScope,
    /// `server_error`
    ServerError,
    /// `temporarily_unavailable`
    TemporarilyUnavailable,
    /// `invalid_client`
    InvalidClient,
    /// `invalid_grant`
    InvalidGrant,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
    /// `invalid_token` (RFC 6750)
    InvalidToken,
    /// `insufficient_scope` (RFC 6750)
    InsufficientScope,
    /// Any other code, kept verbatim.
    Other(String),
}

const CODES: &[(&str, ErrorCode)] = &[
    ("invalid_request", ErrorCode::InvalidRequest),
    ("unauthorized_client", ErrorCode::UnauthorizedClient),
    ("access_denied", ErrorCode::AccessDenied),
    (
        "unsupported_response_type",
        ErrorCode::UnsupportedResponseType,
    ),
    ("invalid_scope", ErrorCode::InvalidScope),
    ("server_error", ErrorCode::ServerError),
    ("temporarily_unavailable", ErrorCode::TemporarilyUnavailable),
    ("invalid_client", ErrorCode::InvalidClient),
    ("invalid_grant", ErrorCode::InvalidGrant),
    ("unsupported_grant_type", ErrorCode::UnsupportedGrantType),
    ("invalid_token", ErrorCode::InvalidToken),
    ("insufficient_scope", ErrorCode::InsufficientScope),
];

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(code) => code,
            known => CODES
                .iter()
                .find(|(_, c)| c == known)
                .map_or("", |(s, _)| s),
        }
    }

    /// What the code means for a person, and what to do.
    pub fn message(&self) -> &'static str {
        match self {
            Self::InvalidRequest => "The sign-in request was malformed. Start the login again; if it keeps failing, the app's configuration needs fixing.",
            Self::UnauthorizedClient => "This app is not allowed to sign you in this way. The app's registration with the provider needs fixing.",
            Self::AccessDenied => "Sign-in was cancelled or access was denied. Log in again and approve the request to continue.",
            Self::UnsupportedResponseType => "The provider does not support this kind of sign-in. The app's configuration needs fixing.",
            Self::InvalidScope => "The app asked for permissions the provider does not recognise. The app's configured scope needs fixing.",
            Self::ServerError => "The sign-in service had an internal error. Try again in a moment.",
            Self::TemporarilyUnavailable => "The sign-in service is temporarily unavailable. Try again in a few minutes.",
            Self::InvalidClient => "The provider did not accept the app's credentials. The Worker's client id or secret needs fixing.",
            Self::InvalidGrant => "The sign-in has expired or was already used. Log in again.",
            Self::UnsupportedGrantType => "The provider does not support this grant. The app's configuration needs fixing.",
            Self::InvalidToken => "The access token was not accepted. Refresh the session or log in again.",
            Self::InsufficientScope => "The access token lacks a permission this call needs. Log in again granting it.",
            Self::Other(_) => "The sign-in service reported an error. Try again, or log in again.",
        }
    }
}

impl From<String> for ErrorCode {
    fn from(code: String) -> Self {
        CODES
            .iter()
            .find(|(s, _)| *s == code)
            .map_or(Self::Other(code), |(_, c)| c.clone())
    }
}

impl From<ErrorCode> for String {
    fn from(code: ErrorCode) -> Self {
        code.as_str().to_owned()
    }
}

/// An error a provider returned: its code and, when given, its description and URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderError {
    /// `error`
    pub error: ErrorCode,
    /// `error_description`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// `error_uri`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_is_kept() {
        for (s, c) in CODES {
            assert_eq!(ErrorCode::from(s.to_string()), *c);
            assert_eq!(c.as_str(), *s);
        }
        let other = ErrorCode::from("slow_down".to_string());
        assert_eq!(other, ErrorCode::Other("slow_down".into()));
        assert_eq!(other.as_str(), "slow_down");
    }

    #[test]
    fn every_message_says_what_to_do() {
        for (_, c) in CODES {
            assert!(c.message().len() > 30, "{c:?}");
        }
    }

    #[test]
    fn provider_error_from_json() {
        let e: ProviderError =
            serde_json::from_str(r#"{"error":"invalid_grant","error_description":"gone"}"#)
                .unwrap();
        assert_eq!(e.error, ErrorCode::InvalidGrant);
        assert_eq!(e.error_description.as_deref(), Some("gone"));
    }
}
