//! RP-initiated logout ([OpenID Connect RP-Initiated Logout 1.0 §2](https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout)):
//! where to send the browser so that the provider ends its own session too.
use crate::form;
use crate::provider::ProviderConfig;

/// The provider's `end_session_endpoint` with `id_token_hint` (the session's latest ID token),
/// `client_id`, and — when the entry names one — `post_logout_redirect_uri` with a `state`.
/// `None` when the provider has no such endpoint.
pub fn end_session_url(
    provider: &ProviderConfig,
    id_token_hint: Option<&str>,
    state: &str,
) -> Option<String> {
    let endpoint = provider.end_session_endpoint.as_deref()?;
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    if let Some(hint) = id_token_hint {
        pairs.push(("id_token_hint", hint));
    }
    pairs.push(("client_id", &provider.client_id));
    if let Some(uri) = provider.post_logout_redirect_uri.as_deref() {
        pairs.push(("post_logout_redirect_uri", uri));
        pairs.push(("state", state));
    }
    Some(form::append_query(endpoint, pairs))
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::provider::tests::standard;

    #[test]
    fn rp_initiated_logout_url() {
        let mut p = standard();
        assert_eq!(end_session_url(&p, Some("h.t.s"), "st"), None);
        p.end_session_endpoint = Some("https://as.example/logout".into());
        assert_eq!(
            end_session_url(&p, Some("h.t.s"), "st").unwrap(),
            format!(
                "https://as.example/logout?id_token_hint=h.t.s&client_id={}",
                p.client_id
            )
        );
        p.post_logout_redirect_uri = Some("https://app.example/bye".into());
        let url = end_session_url(&p, None, "st").unwrap();
        assert!(url.ends_with("&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye&state=st"));
        assert!(!url.contains("id_token_hint"));
    }
}
