//! Provider metadata: [OpenID Connect Discovery 1.0 §4](https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig)
//! and [RFC 8414 §3](https://www.rfc-editor.org/rfc/rfc8414#section-3). The Worker fetches both
//! documents (some providers list e.g. `revocation_endpoint` only in the RFC 8414 one), checks
//! that each names the configured issuer byte for byte, merges them, and fills what the
//! provider entry leaves out: endpoints written in the entry win.
use serde::{Deserialize, Serialize};

use crate::http::{HttpRequest, HttpResponse, Method};
use crate::provider::ProviderConfig;

/// The OpenID Connect document, appended to the issuer.
pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
/// The RFC 8414 document, inserted between the issuer's host and its path.
pub const OAUTH_AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";

/// What oauth-edge reads of a provider's metadata. Unknown members are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Metadata {
    /// `issuer`
    pub issuer: String,
    /// `authorization_endpoint`
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`
    pub token_endpoint: Option<String>,
    /// `jwks_uri`
    pub jwks_uri: Option<String>,
    /// `userinfo_endpoint`
    pub userinfo_endpoint: Option<String>,
    /// `revocation_endpoint` (RFC 7009)
    pub revocation_endpoint: Option<String>,
    /// `end_session_endpoint` (RP-Initiated Logout 1.0)
    pub end_session_endpoint: Option<String>,
    /// `pushed_authorization_request_endpoint` (RFC 9126)
    pub pushed_authorization_request_endpoint: Option<String>,
    /// `require_pushed_authorization_requests` (RFC 9126 §5)
    pub require_pushed_authorization_requests: bool,
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3)
    pub authorization_response_iss_parameter_supported: bool,
    /// `id_token_signing_alg_values_supported`
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// `backchannel_logout_supported`
    pub backchannel_logout_supported: bool,
}

/// Why a metadata document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryError {
    /// The issuer is not an absolute https URL (http only for loopback) without query or
    /// fragment (RFC 8414 §2).
    BadIssuer,
    /// The document could not be fetched: the HTTP status (0: no answer).
    Unavailable(u16),
    /// Not a JSON object of metadata.
    NotMetadata,
    /// Its `issuer` is not the configured one (OpenID RP test `discovery-issuer-mismatch`).
    IssuerMismatch(String),
    /// An endpoint it names is not https (http only on loopback): a network attacker could
    /// answer it, e.g. with keys of its own at `jwks_uri`.
    InsecureEndpoint(&'static str),
}

/// Whether `url` is https, or http on a loopback host (local development and tests).
pub fn is_secure_url(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// The two metadata URLs of `issuer`: the OpenID Connect one, then the RFC 8414 one.
pub fn metadata_urls(issuer: &str) -> Result<[String; 2], DiscoveryError> {
    let rest = issuer
        .strip_prefix("https://")
        .or_else(|| issuer.strip_prefix("http://"))
        .ok_or(DiscoveryError::BadIssuer)?;
    if issuer.contains(['?', '#']) || rest.is_empty() || !is_secure_url(issuer) {
        return Err(DiscoveryError::BadIssuer);
    }
    let scheme = &issuer[..issuer.len() - rest.len()];
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let path = path.trim_end_matches('/');
    let openid = format!("{}{OPENID_CONFIGURATION}", issuer.trim_end_matches('/'));
    let oauth = if path.is_empty() {
        format!("{scheme}{host}{OAUTH_AUTHORIZATION_SERVER}")
    } else {
        format!("{scheme}{host}{OAUTH_AUTHORIZATION_SERVER}/{path}")
    };
    Ok([openid, oauth])
}

/// A `GET` of a metadata (or JWKS) document.
pub fn document_request(url: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: url.to_owned(),
        headers: vec![("Accept".into(), "application/json".into())],
        body: Vec::new(),
    }
}

/// The metadata in `response`, if it names `issuer` exactly.
pub fn parse_metadata(issuer: &str, response: &HttpResponse) -> Result<Metadata, DiscoveryError> {
    if response.status != 200 {
        return Err(DiscoveryError::Unavailable(response.status));
    }
    let value: serde_json::Value =
        serde_json::from_slice(&response.body).map_err(|_| DiscoveryError::NotMetadata)?;
    if !value.is_object() {
        return Err(DiscoveryError::NotMetadata);
    }
    let metadata: Metadata =
        serde_json::from_value(value).map_err(|_| DiscoveryError::NotMetadata)?;
    if metadata.issuer != issuer {
        return Err(DiscoveryError::IssuerMismatch(metadata.issuer));
    }
    for (name, url) in [
        ("authorization_endpoint", &metadata.authorization_endpoint),
        ("token_endpoint", &metadata.token_endpoint),
        ("jwks_uri", &metadata.jwks_uri),
        ("userinfo_endpoint", &metadata.userinfo_endpoint),
        ("revocation_endpoint", &metadata.revocation_endpoint),
        ("end_session_endpoint", &metadata.end_session_endpoint),
        (
            "pushed_authorization_request_endpoint",
            &metadata.pushed_authorization_request_endpoint,
        ),
    ] {
        if url.as_deref().is_some_and(|u| !is_secure_url(u)) {
            return Err(DiscoveryError::InsecureEndpoint(name));
        }
    }
    Ok(metadata)
}

impl Metadata {
    /// This document with the gaps filled from `other` (the same issuer's other document).
    pub fn merged(mut self, other: Self) -> Self {
        let fill = |a: &mut Option<String>, b: Option<String>| {
            if a.is_none() {
                *a = b;
            }
        };
        fill(
            &mut self.authorization_endpoint,
            other.authorization_endpoint,
        );
        fill(&mut self.token_endpoint, other.token_endpoint);
        fill(&mut self.jwks_uri, other.jwks_uri);
        fill(&mut self.userinfo_endpoint, other.userinfo_endpoint);
        fill(&mut self.revocation_endpoint, other.revocation_endpoint);
        fill(&mut self.end_session_endpoint, other.end_session_endpoint);
        fill(
            &mut self.pushed_authorization_request_endpoint,
            other.pushed_authorization_request_endpoint,
        );
        self.require_pushed_authorization_requests |= other.require_pushed_authorization_requests;
        self.authorization_response_iss_parameter_supported |=
            other.authorization_response_iss_parameter_supported;
        self.backchannel_logout_supported |= other.backchannel_logout_supported;
        if self.id_token_signing_alg_values_supported.is_empty() {
            self.id_token_signing_alg_values_supported =
                other.id_token_signing_alg_values_supported;
        }
        self
    }

    /// Fills what `config` leaves out; what it sets wins. RFC 9207: when the provider says it
    /// sends `iss` in authorization responses, a response without it is refused from now on.
    pub fn apply_to(&self, config: &mut ProviderConfig) {
        let fill = |a: &mut String, b: &Option<String>| {
            if a.is_empty() {
                *a = b.clone().unwrap_or_default();
            }
        };
        fill(
            &mut config.authorization_endpoint,
            &self.authorization_endpoint,
        );
        fill(&mut config.token_endpoint, &self.token_endpoint);
        let fill = |a: &mut Option<String>, b: &Option<String>| {
            if a.is_none() {
                a.clone_from(b);
            }
        };
        fill(&mut config.jwks_uri, &self.jwks_uri);
        fill(&mut config.userinfo_endpoint, &self.userinfo_endpoint);
        fill(&mut config.revocation_endpoint, &self.revocation_endpoint);
        fill(&mut config.end_session_endpoint, &self.end_session_endpoint);
        fill(
            &mut config.pushed_authorization_request_endpoint,
            &self.pushed_authorization_request_endpoint,
        );
        if self.require_pushed_authorization_requests && config.par.is_none() {
            config.par = Some(true);
        }
        config.require_iss |= self.authorization_response_iss_parameter_supported;
        if config.id_token_signing_algs.is_empty() {
            config
                .id_token_signing_algs
                .clone_from(&self.id_token_signing_alg_values_supported);
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use serde_json::json;

    use super::*;

    fn answer(body: serde_json::Value) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![],
            body: body.to_string().into_bytes(),
        }
    }

    #[test]
    fn rfc8414_3_1_urls() {
        assert_eq!(
            metadata_urls("https://example.com").unwrap(),
            [
                "https://example.com/.well-known/openid-configuration",
                "https://example.com/.well-known/oauth-authorization-server"
            ]
        );
        // RFC 8414 §3.1's example: the well-known part goes between host and path.
        assert_eq!(
            metadata_urls("https://example.com/issuer1").unwrap(),
            [
                "https://example.com/issuer1/.well-known/openid-configuration",
                "https://example.com/.well-known/oauth-authorization-server/issuer1"
            ]
        );
        assert!(metadata_urls("http://127.0.0.1:9010").is_ok());
        for bad in [
            "example.com",
            "https://",
            "https://a/?x",
            "https://a/#f",
            "ftp://a",
            "http://op.example",
            "http://127.0.0.1.evil.example",
        ] {
            assert_eq!(metadata_urls(bad), Err(DiscoveryError::BadIssuer), "{bad}");
        }
    }

    #[test]
    fn discovery_issuer_mismatch() {
        let doc =
            json!({"issuer": "https://op.example/", "token_endpoint": "https://op.example/t"});
        assert_eq!(
            parse_metadata("https://op.example", &answer(doc)),
            Err(DiscoveryError::IssuerMismatch("https://op.example/".into()))
        );
        let doc = json!({"token_endpoint": "https://op.example/t"});
        assert_eq!(
            parse_metadata("https://op.example", &answer(doc)),
            Err(DiscoveryError::IssuerMismatch(String::new()))
        );
        assert_eq!(
            parse_metadata("https://op.example", &answer(json!(["issuer"]))),
            Err(DiscoveryError::NotMetadata)
        );
        let insecure =
            json!({"issuer": "https://op.example", "jwks_uri": "http://op.example/jwks"});
        assert_eq!(
            parse_metadata("https://op.example", &answer(insecure)),
            Err(DiscoveryError::InsecureEndpoint("jwks_uri"))
        );
        let mut down = answer(json!({}));
        down.status = 503;
        assert_eq!(
            parse_metadata("https://op.example", &down),
            Err(DiscoveryError::Unavailable(503))
        );
    }

    #[test]
    fn both_documents_merge_and_the_entry_wins() {
        let openid = parse_metadata(
            "https://op.example",
            &answer(json!({
                "issuer": "https://op.example",
                "authorization_endpoint": "https://op.example/auth",
                "token_endpoint": "https://op.example/token",
                "jwks_uri": "https://op.example/jwks",
                "id_token_signing_alg_values_supported": ["ES256"],
                "authorization_response_iss_parameter_supported": true,
                "unknown_member": {"ignored": true}
            })),
        )
        .unwrap();
        let oauth = parse_metadata(
            "https://op.example",
            &answer(json!({
                "issuer": "https://op.example",
                "token_endpoint": "https://elsewhere.example/token",
                "revocation_endpoint": "https://op.example/revoke"
            })),
        )
        .unwrap();
        let merged = openid.merged(oauth);
        assert_eq!(
            merged.token_endpoint.as_deref(),
            Some("https://op.example/token")
        );
        assert_eq!(
            merged.revocation_endpoint.as_deref(),
            Some("https://op.example/revoke")
        );

        let mut config: ProviderConfig = serde_json::from_value(json!({
            "issuer": "https://op.example",
            "client_id": "app",
            "redirect_uri": "https://app.example/cb",
            "token_endpoint": "https://proxy.example/token"
        }))
        .unwrap();
        merged.apply_to(&mut config);
        assert_eq!(config.authorization_endpoint, "https://op.example/auth");
        assert_eq!(config.token_endpoint, "https://proxy.example/token");
        assert_eq!(config.jwks_uri.as_deref(), Some("https://op.example/jwks"));
        assert!(config.require_iss);
        assert_eq!(config.id_token_signing_algs, ["ES256"]);
    }
}
