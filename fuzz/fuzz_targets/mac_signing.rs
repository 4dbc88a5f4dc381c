//! MAC request signing (`provider::signing`, the Paysera scheme): the URL split it relies on
//! (`split_url`, the one parser there), `normalized_string`, `mac_authorization` and `sign_mac`
//! over arbitrary URLs, methods and bodies, and `http::Method::parse`.
//!
//! Input: the URL on the first line, the method on the second, the body after it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{lines, text, NOW};
use oauth_edge_shared::http::{HttpRequest, Method};
use oauth_edge_shared::provider::signing::{
    body_hash_ext, mac_authorization, normalized_string, sign_mac, split_url,
};
use oauth_edge_shared::secret::SigningKey;

fuzz_target!(|data: &[u8]| {
    let [url, method, body] = lines::<3>(data);
    let url = text(url);
    let method = text(method);
    let parsed_method = Method::parse(&method);
    if let Some(m) = parsed_method {
        assert_eq!(m.as_str(), method);
    }
    let parts = split_url(&url);
    if let Some(p) = &parts {
        assert!(url.starts_with("https://") || url.starts_with("http://"));
        assert!(!p.host.contains(['/', '?', '@']), "{p:?}");
        assert!(p.path_and_query.starts_with(['/', '?']), "{p:?}");
        assert!(p.path_and_query == "/" || url.ends_with(p.path_and_query));
    }
    let ext = body_hash_ext(body);
    assert_eq!(ext.is_empty(), body.is_empty());
    let mut req = HttpRequest {
        method: parsed_method.unwrap_or(Method::Post),
        url: url.clone().into_owned(),
        headers: vec![("authorization".into(), "Basic x".into())],
        body: body.to_vec(),
    };
    let nonce = "nQnNaSNyubfPErjRO55yaaEYo9YZfKHN";
    let normalized = normalized_string(NOW, nonce, &req, &ext);
    assert_eq!(normalized.is_some(), parts.is_some());
    if let Some(n) = &normalized {
        assert!(n.ends_with('\n'));
    }
    let key = SigningKey::new(method.clone().into_owned());
    let header = mac_authorization(&req, "wkVd93h2uS", &key, NOW, nonce);
    assert_eq!(header.is_some(), parts.is_some());
    let signed = sign_mac(&mut req, "wkVd93h2uS", &key, NOW, nonce);
    assert_eq!(signed, parts.is_some());
    if signed {
        assert_eq!(req.headers.len(), 1);
        assert_eq!(req.header("Authorization"), header.as_deref());
    }
});
