use serde_json::{Map, Value};

use crate::error::{ErrorCode, ProviderError};
use crate::http::HttpResponse;
use crate::provider::{Delivery, ErrorFields, Expiry, ProviderConfig, SuccessSignal};
use crate::secret::{AccessToken, IdToken, RefreshToken, SigningKey};
use crate::session::DEFAULT_ACCESS_TOKEN_LIFETIME;
use crate::{form, UnixTime};

/// The access token type ([RFC 6749 §7.1](https://www.rfc-editor.org/rfc/rfc6749#section-7.1)),
/// compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenType {
    /// `Bearer` (RFC 6750).
    Bearer,
    /// `mac`.
    Mac,
    /// Anything else, kept verbatim.
    Other(String),
}

impl TokenType {
    fn parse(text: &str) -> Self {
        if text.eq_ignore_ascii_case("bearer") {
            Self::Bearer
        } else if text.eq_ignore_ascii_case("mac") {
            Self::Mac
        } else {
            Self::Other(text.to_owned())
        }
    }

    /// The canonical spelling (`Bearer`, `mac`, or the original).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Bearer => "Bearer",
            Self::Mac => "mac",
            Self::Other(t) => t,
        }
    }
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenSet {
    /// `access_token`
    pub access_token: AccessToken,
    /// `token_type`; a provider that omits it is read as `Bearer`.
    pub token_type: TokenType,
    /// `expires_in` in seconds; `None` when absent (the caller picks a default lifetime).
    pub expires_in: Option<u64>,
    /// An absolute expiry (UNIX seconds), for providers that give one instead of `expires_in`.
    pub expires_at: Option<UnixTime>,
    /// The MAC key of a `mac` token (`mac_key`); it never leaves the Worker.
    pub mac_key: Option<SigningKey>,
    /// `refresh_token`, if issued.
    pub refresh_token: Option<RefreshToken>,
    /// `scope`, if given (when absent, the requested scope was granted, §5.1).
    pub scope: Option<String>,
    /// `id_token` (OIDC), if given; kept raw.
    pub id_token: Option<IdToken>,
    /// Every other field, kept as sent.
    pub extra: Map<String, Value>,
}

impl TokenSet {
    /// When the access token expires, for an answer received at `now`: the provider's absolute
    /// time, or `now + expires_in`, or `now` + [`DEFAULT_ACCESS_TOKEN_LIFETIME`] when it said
    /// nothing. Saturating: an absurd `expires_in` must not overflow (found by fuzzing). The one
    /// place this arithmetic lives (sessions and the app's client tokens both use it).
    pub fn expiry(&self, now: UnixTime) -> UnixTime {
        self.expires_at.unwrap_or_else(|| {
            now.saturating_add(self.expires_in.unwrap_or(DEFAULT_ACCESS_TOKEN_LIFETIME))
        })
    }
}

/// Why a token response is not a token set.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TokenError {
    /// The provider answered with an OAuth error (RFC 6749 §5.2).
    Provider {
        /// The HTTP status.
        status: u16,
        /// The error it reported.
        error: ProviderError,
    },
    /// The provider failed (5xx): try again later.
    Unavailable {
        /// The HTTP status.
        status: u16,
    },
    /// The body is not a JSON object.
    NotJson {
        /// The HTTP status.
        status: u16,
        /// The raw body, kept as evidence.
        body: Vec<u8>,
    },
    /// A required field is missing or of the wrong type.
    InvalidField {
        /// Its name.
        field: &'static str,
    },
    /// A status that is neither success nor an OAuth error.
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
    },
}

impl TokenError {
    /// A stable code for logs and the JS side.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Provider { .. } => "provider_rejected",
            Self::Unavailable { .. } => "provider_unavailable",
            Self::NotJson { .. } | Self::InvalidField { .. } | Self::UnexpectedStatus { .. } => {
                "invalid_token_response"
            }
        }
    }

    /// The provider's OAuth error, when it sent one.
    pub fn provider_error(&self) -> Option<&ProviderError> {
        match self {
            Self::Provider { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Reads a token endpoint's answer according to the provider's dialect.
pub fn parse_token_response(
    provider: &ProviderConfig,
    response: &HttpResponse,
) -> Result<TokenSet, TokenError> {
    let status = response.status;
    if status >= 500 {
        return Err(TokenError::Unavailable { status });
    }
    let object = match serde_json::from_slice::<Value>(&response.body) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(TokenError::NotJson {
                status,
                body: response.body.clone(),
            })
        }
    };
    let success = match &provider.dialect.success {
        SuccessSignal::HttpStatus => (200..300).contains(&status),
        SuccessSignal::Field { field, equals } => object.get(field) == Some(equals),
    };
    if !success {
        return Err(
            match provider_error(&object, &provider.dialect.error_fields) {
                Some(error) => TokenError::Provider { status, error },
                None => TokenError::UnexpectedStatus { status },
            },
        );
    }
    token_set(
        object,
        &provider.dialect.expiry,
        provider.dialect.numeric_strings,
    )
}

/// The error an endpoint that takes client authentication answered (a token endpoint's §5.2
/// shape, e.g. a pushed authorization request's refusal, RFC 9126 §2.3).
pub fn parse_error_response(provider: &ProviderConfig, response: &HttpResponse) -> TokenError {
    let status = response.status;
    if status >= 500 {
        return TokenError::Unavailable { status };
    }
    match serde_json::from_slice::<Value>(&response.body) {
        Ok(Value::Object(object)) => {
            match provider_error(&object, &provider.dialect.error_fields) {
                Some(error) => TokenError::Provider { status, error },
                None => TokenError::UnexpectedStatus { status },
            }
        }
        _ => TokenError::NotJson {
            status,
            body: response.body.clone(),
        },
    }
}

/// An error object: its code field must be a string.
fn provider_error(object: &Map<String, Value>, fields: &ErrorFields) -> Option<ProviderError> {
    let text = |k: &str| object.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(ProviderError {
        error: ErrorCode::from(text(&fields.code)?),
        error_description: text(&fields.description),
        error_uri: text("error_uri"),
    })
}

/// A non-negative integer given as a JSON number or a numeric string.
fn seconds(
    value: Option<Value>,
    field: &'static str,
    numeric_strings: bool,
) -> Result<Option<u64>, TokenError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or(TokenError::InvalidField { field }),
        Some(Value::String(s)) if numeric_strings => s
            .parse()
            .map(Some)
            .map_err(|_| TokenError::InvalidField { field }),
        Some(_) => Err(TokenError::InvalidField { field }),
    }
}

fn token_set(
    mut object: Map<String, Value>,
    expiry: &Expiry,
    numeric_strings: bool,
) -> Result<TokenSet, TokenError> {
    let access_token = match object.remove("access_token") {
        Some(Value::String(t)) if !t.is_empty() => AccessToken::new(t),
        _ => {
            return Err(TokenError::InvalidField {
                field: "access_token",
            })
        }
    };
    let token_type = match object.remove("token_type") {
        None | Some(Value::Null) => TokenType::Bearer,
        Some(Value::String(t)) => TokenType::parse(&t),
        Some(_) => {
            return Err(TokenError::InvalidField {
                field: "token_type",
            })
        }
    };
    // Some providers send `"3600"`: accept a non-negative integer as a number or a string.
    let (expires_in, expires_at) = match expiry {
        Expiry::ExpiresIn => (
            seconds(object.remove("expires_in"), "expires_in", numeric_strings)?,
            None,
        ),
        Expiry::ExpiresAt { field } => {
            let at = seconds(object.remove(field.as_str()), "expires_at", numeric_strings)?;
            (None, at)
        }
    };
    let mut optional = |field: &'static str| match object.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(TokenError::InvalidField { field }),
    };
    let refresh_token = optional("refresh_token")?.map(RefreshToken::new);
    let scope = optional("scope")?;
    let id_token = optional("id_token")?.map(IdToken::new);
    let mac_key = match token_type {
        TokenType::Mac => Some(SigningKey::new(
            optional("mac_key")?.ok_or(TokenError::InvalidField { field: "mac_key" })?,
        )),
        _ => None,
    };
    Ok(TokenSet {
        access_token,
        token_type,
        expires_in,
        expires_at,
        mac_key,
        refresh_token,
        scope,
        id_token,
        extra: object,
    })
}

/// Reads tokens that a provider appended to the redirect URI (`Delivery::RedirectTokens`).
/// The user id, when present, is returned as user information under its parameter name.
pub fn parse_redirect_tokens(
    provider: &ProviderConfig,
    query: &str,
) -> Result<(TokenSet, Map<String, Value>), TokenError> {
    let Delivery::RedirectTokens {
        access_token,
        refresh_token,
        expires_at,
        user_id,
        ..
    } = &provider.dialect.delivery
    else {
        return Err(TokenError::InvalidField { field: "delivery" });
    };
    let mut object = Map::new();
    let mut user = Map::new();
    for (name, value) in form::parse(query) {
        let (key, target) = if name == *access_token {
            ("access_token", &mut object)
        } else if name == *refresh_token {
            ("refresh_token", &mut object)
        } else if name == *expires_at {
            ("expires_at", &mut object)
        } else if name == *user_id {
            (user_id.as_str(), &mut user)
        } else {
            continue;
        };
        if target
            .insert(key.to_owned(), Value::String(value))
            .is_some()
        {
            return Err(TokenError::InvalidField {
                field: "duplicate parameter",
            });
        }
    }
    let expiry = Expiry::ExpiresAt {
        field: "expires_at".into(),
    };
    Ok((token_set(object, &expiry, true)?, user))
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::provider::tests::standard;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// RFC 6749 §5.1's example response, with an extra field.
    #[test]
    fn rfc6749_successful_response() {
        let set = parse_token_response(
            &standard(),
            &answer(
                200,
                r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,
                    "refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","example_parameter":"example_value"}"#,
            ),
        )
        .unwrap();
        assert_eq!(set.access_token.expose(), "2YotnFZFEjr1zCsicMWpAA");
        assert_eq!(set.token_type, TokenType::Other("example".into()));
        assert_eq!(set.expires_in, Some(3600));
        assert_eq!(
            set.refresh_token.as_ref().map(RefreshToken::expose),
            Some("tGzv3JOkF0XG5Qx2TlKWIA")
        );
        assert_eq!(set.extra["example_parameter"], "example_value");
    }

    /// Every token in a token set redacts itself: `{:?}` of the set shows none of them.
    #[test]
    fn debug_prints_no_token() {
        let set = parse_token_response(
            &standard(),
            &answer(
                200,
                r#"{"access_token":"at-SECRET-1","token_type":"mac","mac_key":"mk-SECRET-2",
                    "refresh_token":"rt-SECRET-3","id_token":"eyJ.id-SECRET-4.sig"}"#,
            ),
        )
        .unwrap();
        assert_eq!(
            set.id_token.as_ref().map(IdToken::expose),
            Some("eyJ.id-SECRET-4.sig")
        );
        let printed = format!("{set:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(printed.contains("IdToken([redacted])"), "{printed}");
    }

    #[test]
    fn token_type_is_case_insensitive_and_expires_in_optional() {
        let set = parse_token_response(
            &standard(),
            &answer(200, r#"{"access_token":"a","token_type":"bEaReR"}"#),
        )
        .unwrap();
        assert_eq!(set.token_type, TokenType::Bearer);
        assert_eq!(set.token_type.as_str(), "Bearer");
        assert_eq!(set.expires_in, None);
        let stringly = answer(
            200,
            r#"{"access_token":"a","token_type":"MAC","expires_in":"60","mac_key":"k"}"#,
        );
        // A numeric string is a tolerance a profile must ask for (issue 8), never silent.
        assert_eq!(
            parse_token_response(&standard(), &stringly),
            Err(TokenError::InvalidField {
                field: "expires_in"
            })
        );
        let mut lenient = standard();
        lenient.dialect.numeric_strings = true;
        let set = parse_token_response(&lenient, &stringly).unwrap();
        assert_eq!((set.token_type, set.expires_in), (TokenType::Mac, Some(60)));
    }

    /// RFC 6749 §5.2's example error response.
    #[test]
    fn rfc6749_error_response() {
        let err = parse_token_response(&standard(), &answer(400, r#"{"error":"invalid_request"}"#))
            .unwrap_err();
        assert_eq!(err.code(), "provider_rejected");
        assert_eq!(
            err.provider_error().map(|e| e.error.clone()),
            Some(ErrorCode::InvalidRequest)
        );
        let err = parse_token_response(
            &standard(),
            &answer(
                400,
                r#"{"error":"invalid_grant","error_description":"revoked"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(
            err,
            TokenError::Provider {
                status: 400,
                error: ProviderError {
                    error: ErrorCode::InvalidGrant,
                    error_description: Some("revoked".into()),
                    error_uri: None
                }
            }
        );
    }

    #[test]
    fn malformed_answers_are_typed_errors() {
        let p = standard();
        assert_eq!(
            parse_token_response(&p, &answer(200, "<html>oops</html>")).unwrap_err(),
            TokenError::NotJson {
                status: 200,
                body: b"<html>oops</html>".to_vec()
            }
        );
        assert_eq!(
            parse_token_response(&p, &answer(200, r#"{"access_token":"a""#))
                .unwrap_err()
                .code(),
            "invalid_token_response"
        );
        assert_eq!(
            parse_token_response(&p, &answer(200, r#"{"token_type":"Bearer"}"#)).unwrap_err(),
            TokenError::InvalidField {
                field: "access_token"
            }
        );
        assert_eq!(
            parse_token_response(&p, &answer(200, r#"{"access_token":"a","expires_in":-5}"#))
                .unwrap_err(),
            TokenError::InvalidField {
                field: "expires_in"
            }
        );
        assert_eq!(
            parse_token_response(&p, &answer(200, r#"["access_token"]"#))
                .unwrap_err()
                .code(),
            "invalid_token_response"
        );
        assert_eq!(
            parse_token_response(&p, &answer(302, r#"{}"#)).unwrap_err(),
            TokenError::UnexpectedStatus { status: 302 }
        );
    }

    #[test]
    fn server_errors_are_unavailable() {
        let err =
            parse_token_response(&standard(), &answer(500, "Internal Server Error")).unwrap_err();
        assert_eq!(err, TokenError::Unavailable { status: 500 });
        assert_eq!(err.code(), "provider_unavailable");
    }

    #[test]
    fn success_in_a_body_field() {
        let mut p = standard();
        p.dialect.success = SuccessSignal::Field {
            field: "result".into(),
            equals: "success".into(),
        };
        let set = parse_token_response(
            &p,
            &answer(
                200,
                r#"{"result":"success","access_token":"a","username":"johndoe"}"#,
            ),
        )
        .unwrap();
        assert_eq!(set.extra["username"], "johndoe");
        let err = parse_token_response(
            &p,
            &answer(200, r#"{"result":"failure","error":"invalid_grant"}"#),
        )
        .unwrap_err();
        assert_eq!(err.code(), "provider_rejected");
    }

    #[test]
    fn provider_error_fields_and_absolute_expiry() {
        let mut p = standard();
        p.dialect.success = SuccessSignal::Field {
            field: "success".into(),
            equals: true.into(),
        };
        p.dialect.error_fields.description = "message".into();
        p.dialect.expiry = Expiry::ExpiresAt {
            field: "expiration".into(),
        };
        let set = parse_token_response(
            &p,
            &answer(200, r#"{"access_token":"a","refresh_token":"r","expiration":1790000000,"status_code":201,"error":null,"success":true}"#),
        )
        .unwrap();
        assert_eq!((set.expires_in, set.expires_at), (None, Some(1790000000)));
        assert_eq!(set.extra["status_code"], 201);
        let err = parse_token_response(
            &p,
            &answer(401, r#"{"success":false,"error":"Invalid credentials","message":"try again","status_code":401}"#),
        )
        .unwrap_err();
        let e = err.provider_error().unwrap();
        assert_eq!(e.error, ErrorCode::Other("Invalid credentials".into()));
        assert_eq!(e.error_description.as_deref(), Some("try again"));
    }

    #[test]
    fn mac_tokens_keep_their_key_apart() {
        // The Paysera document's example response.
        let set = parse_token_response(
            &standard(),
            &answer(200, r#"{"access_token":"SlAV32hkKG","token_type":"mac","expires_in":3600,"mac_key":"adijq39jdlaska9asud","mac_algorithm":"hmac-sha-256","refresh_token":"0UnzbsnOLSkC7ftN"}"#),
        )
        .unwrap();
        assert_eq!(set.token_type, TokenType::Mac);
        assert_eq!(
            set.mac_key.as_ref().map(SigningKey::expose),
            Some("adijq39jdlaska9asud")
        );
        assert!(!set.extra.contains_key("mac_key"));
        assert_eq!(set.extra["mac_algorithm"], "hmac-sha-256");
        let err = parse_token_response(
            &standard(),
            &answer(200, r#"{"access_token":"a","token_type":"mac"}"#),
        )
        .unwrap_err();
        assert_eq!(err, TokenError::InvalidField { field: "mac_key" });
    }

    #[test]
    fn tokens_in_the_redirect() {
        let mut p = standard();
        p.dialect.delivery = Delivery::RedirectTokens {
            access_token: "access_token".into(),
            refresh_token: "refresh_token".into(),
            expires_at: "expiration".into(),
            user_id: "user_id".into(),
            verify: Default::default(),
        };
        let (set, user) = parse_redirect_tokens(
            &p,
            "tx=abc&access_token=at&refresh_token=rt&expiration=1790000000&user_id=john",
        )
        .unwrap();
        assert_eq!(set.access_token.expose(), "at");
        assert_eq!(set.refresh_token.unwrap().expose(), "rt");
        assert_eq!(set.expires_at, Some(1790000000));
        assert_eq!(user["user_id"], "john");
        assert_eq!(
            parse_redirect_tokens(&p, "refresh_token=rt").unwrap_err(),
            TokenError::InvalidField {
                field: "access_token"
            }
        );
        assert!(parse_redirect_tokens(&p, "access_token=a&access_token=b").is_err());
        assert!(parse_redirect_tokens(&standard(), "access_token=a").is_err());
    }
}
