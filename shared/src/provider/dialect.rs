//! The closed set of ways a provider can differ from RFC 6749, each a small enum or struct with
//! a standard default. A provider profile sets only what differs.
use serde::{Deserialize, Serialize};

/// Client authentication at the token and revocation endpoints ([RFC 6749 §2.3.1](https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1),
/// names as in [RFC 8414 §2](https://www.rfc-editor.org/rfc/rfc8414#section-2)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// HTTP Basic with the form-encoded id and secret (the RFC's recommended method).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the request body.
    ClientSecretPost,
    /// Only `client_id` in the body (a public client, or a provider that wants no secret).
    None,
    /// A MAC `Authorization` header with `id` = client id and the client secret as the key
    /// (see [`super::signing`]).
    Mac,
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

/// The names a provider uses for the grant field and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrantNames {
    /// The body field naming the grant (`grant_type`).
    pub field: String,
    /// `authorization_code`
    pub authorization_code: String,
    /// `refresh_token`
    pub refresh_token: String,
    /// `password`
    pub password: String,
    /// `client_credentials`
    pub client_credentials: String,
}

impl Default for GrantNames {
    fn default() -> Self {
        Self {
            field: "grant_type".into(),
            authorization_code: "authorization_code".into(),
            refresh_token: "refresh_token".into(),
            password: "password".into(),
            client_credentials: "client_credentials".into(),
        }
    }
}

/// How the result of a login reaches the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// An authorization code in the redirect's query, in parameter `param` (RFC 6749 §4.1.2).
    Code {
        /// The parameter's name (`code`).
        param: String,
    },
    /// The tokens themselves appended to the redirect URI. They must never reach page scripts:
    /// the redirect goes to the Worker, which stores them and sends the browser on.
    RedirectTokens {
        /// The access token's parameter.
        access_token: String,
        /// The refresh token's parameter.
        refresh_token: String,
        /// The absolute expiry's parameter (UNIX seconds).
        expires_at: String,
        /// The user id's parameter (kept as user information under the same name, once the
        /// provider has confirmed it).
        user_id: String,
        /// How the Worker confirms the delivered tokens with the provider before it believes
        /// them: anyone can type tokens into a redirect URL.
        #[serde(default)]
        verify: TokenCheck,
    },
}

/// How tokens that arrived in a redirect (from the browser, so from anyone) are confirmed with
/// the provider before a session is made of them (issue 6, finding 3). See
/// [`crate::token::delivered`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenCheck {
    /// A refresh grant with the delivered refresh token and the claimed user (the dialect's
    /// `refresh_params_from_user`): the provider's success proves both that the token is real
    /// and that it is that user's. Its answer becomes the session's tokens.
    #[default]
    Refresh,
    /// A userinfo request with the delivered access token: the user is what the provider says,
    /// the claimed user id is ignored.
    Userinfo,
}

impl Default for Delivery {
    fn default() -> Self {
        Self::Code {
            param: "code".into(),
        }
    }
}

/// How a token response gives the access token's lifetime.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    /// `expires_in`, seconds from now (RFC 6749 §5.1).
    #[default]
    ExpiresIn,
    /// An absolute UNIX time in `field`.
    ExpiresAt {
        /// The field's name.
        field: String,
    },
}

/// Where a failed token response puts its error code and description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ErrorFields {
    /// The code's field (`error`).
    pub code: String,
    /// The description's field (`error_description`).
    pub description: String,
}

impl Default for ErrorFields {
    fn default() -> Self {
        Self {
            code: "error".into(),
            description: "error_description".into(),
        }
    }
}

/// How tokens are revoked at logout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revocation {
    /// RFC 7009: POST the refresh token (or the access token when there is none).
    #[default]
    Rfc7009,
    /// `DELETE <endpoint>?access_token=<token>`, authenticated as the client.
    DeleteAccessToken,
}

/// A provider's dialect. The default is standard OAuth 2.0 with PKCE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dialect {
    /// The token request body encoding.
    pub token_body: BodyEncoding,
    /// Where a token response signals success.
    pub success: SuccessSignal,
    /// Where a failed token response puts its error.
    pub error_fields: ErrorFields,
    /// The grant field's name and values.
    pub grant_names: GrantNames,
    /// Fixed extra fields added to every token request body (JSON values keep their type).
    pub token_params: Vec<(String, serde_json::Value)>,
    /// Fixed extra fields for password-grant requests only.
    pub password_params: Vec<(String, serde_json::Value)>,
    /// Whether token requests repeat the configured `scope`.
    pub send_scope: bool,
    /// Refresh-request fields taken from the session's user information: `(body field, user
    /// fields tried in order)`.
    pub refresh_params_from_user: Vec<(String, Vec<String>)>,
    /// Whether to send PKCE (RFC 7636). On by default; off only for providers that reject it.
    pub pkce: bool,
    /// Token response fields to keep as user information (besides a userinfo endpoint).
    pub user_fields: Vec<String>,
    /// How the login result reaches the app.
    pub delivery: Delivery,
    /// How the access token's lifetime is given.
    pub expiry: Expiry,
    /// How tokens are revoked.
    pub revocation: Revocation,
    /// The refresh token's lifetime, when the provider documents one: the session ends then.
    pub refresh_token_lifetime: Option<u64>,
    /// Tolerance, off by default: a JSON token response may give `expires_in` (or the
    /// `expires_at` field) as a numeric string (`"3600"`). Off, such an answer is
    /// `invalid_token_response`. (Tokens in a redirect's query are text by nature and always
    /// read this way.)
    pub numeric_strings: bool,
}

impl Default for Dialect {
    fn default() -> Self {
        Self {
            token_body: BodyEncoding::Form,
            success: SuccessSignal::HttpStatus,
            error_fields: ErrorFields::default(),
            grant_names: GrantNames::default(),
            token_params: Vec::new(),
            password_params: Vec::new(),
            send_scope: false,
            refresh_params_from_user: Vec::new(),
            pkce: true,
            user_fields: Vec::new(),
            delivery: Delivery::default(),
            expiry: Expiry::ExpiresIn,
            revocation: Revocation::Rfc7009,
            refresh_token_lifetime: None,
            numeric_strings: false,
        }
    }
}

impl Dialect {
    /// The callback parameter carrying the code, for code delivery.
    pub fn code_param(&self) -> Option<&str> {
        match &self.delivery {
            Delivery::Code { param } => Some(param),
            Delivery::RedirectTokens { .. } => None,
        }
    }
}
