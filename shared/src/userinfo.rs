//! The userinfo request ([OIDC Core §5.3](https://openid.net/specs/openid-connect-core-1_0.html#UserInfo)),
//! a Bearer-authenticated GET ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1)).
use serde_json::{Map, Value};

use crate::http::{HttpRequest, HttpResponse, Method};
use crate::provider::ProviderConfig;
use crate::resource::authorize_request;
use crate::secret::AccessToken;
use crate::token::RequestContext;

/// The userinfo request, or `None` when the provider has no userinfo endpoint.
pub fn userinfo_request(provider: &ProviderConfig, token: &AccessToken) -> Option<HttpRequest> {
    let url = provider.userinfo_endpoint.as_deref()?;
    let mut request = HttpRequest {
        method: Method::Get,
        url: url.to_owned(),
        headers: vec![("Accept".into(), "application/json".into())],
        body: Vec::new(),
    };
    // Bearer: no MAC key, so no signature and no context needed.
    let ctx = RequestContext {
        now: 0,
        entropy: [0; 32],
    };
    authorize_request(&mut request, token, None, &ctx).ok()?;
    Some(request)
}

/// The claims of a successful userinfo answer; `None` for anything else (the login still
/// succeeds, with less to show).
pub fn parse_userinfo(response: &HttpResponse) -> Option<Map<String, Value>> {
    if response.status != 200 {
        return None;
    }
    match serde_json::from_slice(&response.body) {
        Ok(Value::Object(claims)) => Some(claims),
        _ => None,
    }
}

/// User details kept from the token response itself (the dialect's `user_fields`).
pub fn user_from_token_fields(
    provider: &ProviderConfig,
    extra: &Map<String, Value>,
) -> Map<String, Value> {
    provider
        .dialect
        .user_fields
        .iter()
        .filter_map(|f| extra.get(f).map(|v| (f.clone(), v.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::provider::tests::standard;

    #[test]
    fn request_and_answer() {
        let req = userinfo_request(&standard(), &AccessToken::new("at")).unwrap();
        assert_eq!(req.method, Method::Get);
        assert_eq!(req.header("authorization"), Some("Bearer at"));
        let ok = HttpResponse {
            status: 200,
            headers: vec![],
            body: br#"{"sub":"alice","name":"Alice"}"#.to_vec(),
        };
        assert_eq!(parse_userinfo(&ok).unwrap()["sub"], "alice");
        let bad = HttpResponse { status: 401, ..ok };
        assert_eq!(parse_userinfo(&bad), None);
    }

    #[test]
    fn user_fields_from_token_response() {
        let mut p = standard();
        p.dialect.user_fields = vec!["username".into(), "printedCardNumber".into()];
        let extra: Map<String, Value> = serde_json::from_str(
            r#"{"username":"johndoe","printedCardNumber":"6000986775","other":1}"#,
        )
        .unwrap();
        let user = user_from_token_fields(&p, &extra);
        assert_eq!(user.len(), 2);
        assert_eq!(user["printedCardNumber"], "6000986775");
    }
}
