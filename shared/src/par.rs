//! Pushed authorization requests ([RFC 9126](https://www.rfc-editor.org/rfc/rfc9126)): the
//! authorization request's parameters go to the provider in a back-channel POST, with client
//! authentication, and the browser's URL carries only `client_id` and the `request_uri` the
//! provider answered — no `state`, challenge, scope or nonce for anyone to read or change.
use serde_json::Value;

use crate::authorize::authorization_params;
use crate::form;
use crate::http::{HttpRequest, HttpResponse};
use crate::provider::{BodyEncoding, ClientAuth, ProviderConfig};
use crate::secret::ClientSecret;
use crate::token::{
    client_request, parse_error_response, sign_as_client, RequestContext, TokenError,
};

/// What the provider answered a push (§2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The reference to the pushed request.
    pub request_uri: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
}

/// The push: the authorization request's parameters, authenticated as the token request is
/// (§2.1). `None` when the provider has no pushed-authorization endpoint.
pub fn par_request(
    provider: &ProviderConfig,
    secret: &ClientSecret,
    state: &str,
    code_challenge: &str,
    ctx: &RequestContext,
) -> Option<HttpRequest> {
    let endpoint = provider.pushed_authorization_request_endpoint.as_deref()?;
    // client_request adds the client's credentials, and `client_id` itself when they go in the
    // body: then the request's own `client_id` is left out (a parameter must not appear twice,
    // RFC 6749 §3.1). The body is a form whatever the token endpoint takes (§2.1).
    let credentials_in_body = matches!(
        provider.client_auth,
        ClientAuth::ClientSecretPost | ClientAuth::None
    );
    let params = authorization_params(provider, state, code_challenge)
        .into_iter()
        .filter(|(k, _)| !(credentials_in_body && *k == "client_id"))
        .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
        .collect();
    let mut form_provider;
    let provider = if provider.dialect.token_body == BodyEncoding::Form {
        provider
    } else {
        form_provider = provider.clone();
        form_provider.dialect.token_body = BodyEncoding::Form;
        &form_provider
    };
    let mut req = client_request(provider, secret, endpoint, params);
    sign_as_client(provider, secret, &mut req, ctx);
    Some(req)
}

/// The provider's answer to a push: `201` with `request_uri` and `expires_in` (§2.2), or an
/// OAuth error (§2.3) as [`TokenError::Provider`].
pub fn parse_par_response(
    provider: &ProviderConfig,
    response: &HttpResponse,
) -> Result<Pushed, TokenError> {
    if response.status != 201 && response.status != 200 {
        return Err(parse_error_response(provider, response));
    }
    let doc: Value = serde_json::from_slice(&response.body).map_err(|_| TokenError::NotJson {
        status: response.status,
        body: response.body.clone(),
    })?;
    let request_uri = doc
        .get("request_uri")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .ok_or(TokenError::InvalidField {
            field: "request_uri",
        })?;
    let expires_in = doc
        .get("expires_in")
        .and_then(Value::as_u64)
        .filter(|s| *s > 0)
        .ok_or(TokenError::InvalidField {
            field: "expires_in",
        })?;
    Ok(Pushed {
        request_uri: request_uri.to_owned(),
        expires_in,
    })
}

/// The URL the browser goes to after a push (§4): `client_id` and `request_uri` only.
pub fn pushed_authorization_url(
    provider: &ProviderConfig,
    variant: Option<&str>,
    pushed: &Pushed,
) -> String {
    form::append_query(
        provider.authorization_endpoint_for(variant),
        [
            ("client_id", provider.client_id.as_str()),
            ("request_uri", pushed.request_uri.as_str()),
        ],
    )
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::provider::tests::standard;

    fn ctx() -> RequestContext {
        RequestContext {
            now: 1_800_000_000,
            entropy: [1; 32],
        }
    }

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// RFC 9126 §2.1's example request and §2.2's example answer.
    #[test]
    fn rfc9126_examples() {
        let mut p = standard();
        assert!(par_request(&p, &ClientSecret::new("s"), "af0ifjsldkj", "c", &ctx()).is_none());
        p.pushed_authorization_request_endpoint = Some("https://as.example/as/par".into());
        let req = par_request(
            &p,
            &ClientSecret::new("s"),
            "af0ifjsldkj",
            "K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U",
            &ctx(),
        )
        .unwrap();
        assert_eq!(req.url, "https://as.example/as/par");
        let body = String::from_utf8(req.body).unwrap();
        assert!(body.starts_with("response_type=code&client_id="), "{body}");
        assert!(body.contains("&state=af0ifjsldkj&"));
        assert!(body.contains("code_challenge_method=S256"));
        assert!(req
            .headers
            .iter()
            .any(|(n, v)| n == "Authorization" && v.starts_with("Basic ")));

        let pushed = parse_par_response(&standard(), &answer(
            201,
            r#"{"request_uri": "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c", "expires_in": 60}"#,
        ))
        .unwrap();
        assert_eq!(pushed.expires_in, 60);
        let url = pushed_authorization_url(&p, None, &pushed);
        assert!(url.ends_with(
            "&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c"
        ));
        assert!(!url.contains("state=") && !url.contains("code_challenge"));
    }

    #[test]
    fn client_id_once_whatever_the_client_authentication() {
        for auth in [
            ClientAuth::ClientSecretBasic,
            ClientAuth::ClientSecretPost,
            ClientAuth::None,
        ] {
            let mut p = standard();
            p.client_auth = auth;
            p.dialect.token_body = BodyEncoding::Json;
            p.pushed_authorization_request_endpoint = Some("https://as.example/par".into());
            let req = par_request(&p, &ClientSecret::new("s"), "st", "ch", &ctx()).unwrap();
            let body = String::from_utf8(req.body).unwrap();
            assert_eq!(body.matches("client_id=").count(), 1, "{auth:?}: {body}");
            assert!(body.starts_with("response_type=code"), "a form: {body}");
        }
    }

    #[test]
    fn refusals_and_malformed_answers() {
        let refused = parse_par_response(
            &standard(),
            &answer(
                400,
                r#"{"error": "invalid_request", "error_description": "The redirect_uri is not valid"}"#,
            ),
        );
        assert!(
            matches!(refused, Err(TokenError::Provider { .. })),
            "{refused:?}"
        );
        assert_eq!(
            parse_par_response(&standard(), &answer(201, r#"{"expires_in": 60}"#)),
            Err(TokenError::InvalidField {
                field: "request_uri"
            })
        );
        assert_eq!(
            parse_par_response(
                &standard(),
                &answer(201, r#"{"request_uri": "urn:x", "expires_in": 0}"#)
            ),
            Err(TokenError::InvalidField {
                field: "expires_in"
            })
        );
    }
}
