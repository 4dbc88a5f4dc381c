//! The closed set of ways a provider can differ from RFC 6749, each a small enum.
use serde::{Deserialize, Serialize};

/// Client authentication at the token endpoint ([RFC 6749 §2.3.1](https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1),
/// names as in [RFC 8414 §2](https://www.rfc-editor.org/rfc/rfc8414#section-2)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// HTTP Basic with the form-encoded id and secret (the RFC's recommended method).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the request body.
    ClientSecretPost,
    /// Only `client_id` in the body (a public client).
    None,
}

/// How a token request body is encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyEncoding {
    /// `application/x-www-form-urlencoded` (RFC 6749 §4.1.3).
    #[default]
    Form,
    /// `application/json`.
    Json,
}

impl BodyEncoding {
    /// The `Content-Type` of a body in this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Form => "application/x-www-form-urlencoded",
            Self::Json => "application/json",
        }
    }
}

/// Where a token response says it succeeded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuccessSignal {
    /// A 2xx status is success; an error is a 4xx with an `error` field (RFC 6749 §5.2).
    #[default]
    HttpStatus,
    /// Success only when the body's `field` equals `equals` (as JSON), whatever the status.
    Field {
        /// The body field that signals the outcome.
        field: String,
        /// The value that means success.
        equals: serde_json::Value,
    },
}

/// A provider's dialect. The default is standard OAuth 2.0 with PKCE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dialect {
    /// The token request body encoding.
    pub token_body: BodyEncoding,
    /// Where a token response signals success.
    pub success: SuccessSignal,
    /// Fixed extra fields added to every token request body (JSON values keep their type).
    pub token_params: Vec<(String, serde_json::Value)>,
    /// Whether to send PKCE (RFC 7636). On by default; off only for providers that reject it.
    pub pkce: bool,
    /// Token response fields to keep as user information (besides a userinfo endpoint).
    pub user_fields: Vec<String>,
}

impl Default for Dialect {
    fn default() -> Self {
        Self {
            token_body: BodyEncoding::Form,
            success: SuccessSignal::HttpStatus,
            token_params: Vec::new(),
            pkce: true,
            user_fields: Vec::new(),
        }
    }
}
