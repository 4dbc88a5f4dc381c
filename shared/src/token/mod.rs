//! The token endpoint: requests ([RFC 6749 §4.1.3](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3),
//! [§6](https://www.rfc-editor.org/rfc/rfc6749#section-6)) and responses (§5.1, §5.2).
pub mod delivered;
mod request;
mod response;

pub use request::{client_request, sign_as_client, signed_token_request, Grant, RequestContext};
pub use response::{
    parse_error_response, parse_redirect_tokens, parse_token_response, TokenError, TokenSet,
    TokenType,
};
