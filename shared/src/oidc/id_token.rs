//! ID token validation, [OpenID Connect Core 1.0 §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation)
//! (and §12.2 for a refreshed one), before any session exists. Each refusal names the check
//! ([`Check`]), which the Worker hands to the app as `id_token_invalid` + `check`.
use serde_json::{Map, Value};

use crate::jose::{Alg, JoseError, JwkSet, Jws};
use crate::pkce::constant_time_eq;
use crate::UnixTime;

/// How far the provider's clock may be from ours, in seconds, for `exp` and `iat`.
pub const CLOCK_SKEW: u64 = 60;

/// What an ID token is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The provider's issuer identifier, compared byte for byte.
    pub issuer: &'a str,
    /// This app's `client_id`: the only audience trusted.
    pub client_id: &'a str,
    /// The `nonce` of the login (`None` for a refresh, where the token carries none to match).
    pub nonce: Option<&'a str>,
    /// The algorithms the provider signs ID tokens with (its metadata).
    pub algs: &'a [Alg],
    /// Now.
    pub now: UnixTime,
}

/// The check an ID token failed. Names follow the claims (and JOSE) they are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// Not a JWS, or a payload that is not a JSON object.
    Malformed,
    /// `alg`: `none`, HMAC, or one the provider does not list.
    Alg,
    /// No key of the provider's JWKS fits (also after fetching it again).
    Kid,
    /// The signature does not verify.
    Signature,
    /// `iss` is not the provider's issuer.
    Iss,
    /// `aud` does not hold this client, or holds another audience too.
    Aud,
    /// `azp` is present and is not this client.
    Azp,
    /// `exp` is missing or past.
    Exp,
    /// `iat` is missing or in the future.
    Iat,
    /// `nonce` is missing or not the login's.
    Nonce,
    /// `sub` is missing or empty.
    Sub,
    /// A refreshed ID token names another user (`sub`) or issuer than the session's.
    RefreshSub,
    /// The userinfo answer's `sub` is not the ID token's.
    UserinfoSub,
    /// The token response has no `id_token` although the login asked for `openid`.
    Missing,
}

impl Check {
    /// The stable name of the check (in the Worker's error answer).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Alg => "alg",
            Self::Kid => "kid",
            Self::Signature => "signature",
            Self::Iss => "iss",
            Self::Aud => "aud",
            Self::Azp => "azp",
            Self::Exp => "exp",
            Self::Iat => "iat",
            Self::Nonce => "nonce",
            Self::Sub => "sub",
            Self::RefreshSub => "refresh_sub",
            Self::UserinfoSub => "userinfo_sub",
            Self::Missing => "missing",
        }
    }
}

/// A validated ID token's claims.
#[derive(Debug, Clone, PartialEq)]
pub struct IdToken {
    /// Every claim.
    pub claims: Map<String, Value>,
}

impl IdToken {
    /// `sub`.
    pub fn sub(&self) -> &str {
        self.claims.get("sub").and_then(Value::as_str).unwrap_or("")
    }

    /// `iss`.
    pub fn iss(&self) -> &str {
        self.claims.get("iss").and_then(Value::as_str).unwrap_or("")
    }

    /// The claims an app may show as its user: all but the token's own bookkeeping.
    pub fn user_claims(&self) -> Map<String, Value> {
        const BOOKKEEPING: &[&str] = &[
            "aud",
            "azp",
            "exp",
            "iat",
            "nbf",
            "nonce",
            "at_hash",
            "c_hash",
            "auth_time",
            "jti",
            "sid",
        ];
        self.claims
            .iter()
            .filter(|(k, _)| !BOOKKEEPING.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Why an ID token was refused: the check, or an unknown key the caller should look up again
/// (fetch the JWKS once more, then call [`validate`] again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Fetch the provider's keys again: no key fits this token's `kid` or `alg`.
    UnknownKey,
    /// The check that failed.
    Failed(Check),
}

/// Validates `token` (signature first, then the claims) against `keys` and `expected`.
pub fn validate(token: &str, keys: &JwkSet, expected: &Expected<'_>) -> Result<IdToken, Refusal> {
    let failed = Refusal::Failed;
    let jws = Jws::decode(token).map_err(|_| failed(Check::Malformed))?;
    match jws.verify(keys, expected.algs) {
        Ok(_) => {}
        Err(JoseError::Malformed) => return Err(failed(Check::Malformed)),
        Err(JoseError::AlgNotAllowed(_)) => return Err(failed(Check::Alg)),
        Err(JoseError::UnknownKey) => return Err(Refusal::UnknownKey),
        Err(JoseError::BadSignature) => return Err(failed(Check::Signature)),
    }
    let claims = match serde_json::from_slice::<Value>(&jws.payload) {
        Ok(Value::Object(claims)) => claims,
        _ => return Err(failed(Check::Malformed)),
    };
    check_claims(&claims, expected).map_err(failed)?;
    Ok(IdToken { claims })
}

fn check_claims(claims: &Map<String, Value>, expected: &Expected<'_>) -> Result<(), Check> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let time = |name: &str| claims.get(name).and_then(Value::as_u64);
    // §3.1.3.7 step 2: byte for byte.
    if text("iss") != Some(expected.issuer) {
        return Err(Check::Iss);
    }
    // Step 3: this client, and no audience it does not trust (it trusts none other).
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().map(|a| a.as_str().unwrap_or("")).collect(),
        _ => Vec::new(),
    };
    if audiences.is_empty() || audiences.iter().any(|a| *a != expected.client_id) {
        return Err(Check::Aud);
    }
    // Steps 4-5: an `azp` must name this client.
    if claims.contains_key("azp") && text("azp") != Some(expected.client_id) {
        return Err(Check::Azp);
    }
    // Step 9: not expired (with the skew allowance).
    match time("exp") {
        Some(exp) if expected.now < exp.saturating_add(CLOCK_SKEW) => {}
        _ => return Err(Check::Exp),
    }
    // Step 10: issued, and not in the future.
    match time("iat") {
        Some(iat) if iat <= expected.now.saturating_add(CLOCK_SKEW) => {}
        _ => return Err(Check::Iat),
    }
    // Step 11: the login's nonce, compared in constant time.
    if let Some(nonce) = expected.nonce {
        match text("nonce") {
            Some(got) if constant_time_eq(got.as_bytes(), nonce.as_bytes()) => {}
            _ => return Err(Check::Nonce),
        }
    }
    // §2: `sub` is required, at most 255 ASCII characters.
    match text("sub") {
        Some(sub) if !sub.is_empty() && sub.len() <= 255 => Ok(()),
        _ => Err(Check::Sub),
    }
}

/// §12.2: an ID token from a refresh must be about the same user at the same issuer as the
/// session's first one.
pub fn check_refreshed(session: &IdToken, refreshed: &IdToken) -> Result<(), Check> {
    if refreshed.iss() == session.iss() && refreshed.sub() == session.sub() {
        Ok(())
    } else {
        Err(Check::RefreshSub)
    }
}

/// §5.3.2: the userinfo answer's `sub` must be the ID token's, or the answer is not used.
pub fn check_userinfo(id_token: &IdToken, userinfo: &Map<String, Value>) -> Result<(), Check> {
    if userinfo.get("sub").and_then(Value::as_str) == Some(id_token.sub()) {
        Ok(())
    } else {
        Err(Check::UserinfoSub)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use serde_json::json;

    use super::*;
    use crate::b64;
    use crate::oidc::test_signer::{keys, sign};

    const NOW: UnixTime = 1_800_000_000;
    const ISSUER: &str = "https://op.example";

    fn good() -> Value {
        json!({"iss": ISSUER, "aud": "app", "sub": "alice", "exp": NOW + 300, "iat": NOW,
               "nonce": "n-0S6_WzA2Mj", "name": "Alice"})
    }

    fn check(claims: Value) -> Result<IdToken, Refusal> {
        let token = sign(json!({"alg": "EdDSA", "kid": "k1"}), claims);
        validate(&token, &keys(), &expected())
    }

    fn expected() -> Expected<'static> {
        Expected {
            issuer: ISSUER,
            client_id: "app",
            nonce: Some("n-0S6_WzA2Mj"),
            algs: &[Alg::EdDsa, Alg::Rs256],
            now: NOW,
        }
    }

    fn with(change: impl FnOnce(&mut Map<String, Value>)) -> Value {
        let mut v = good();
        change(v.as_object_mut().unwrap());
        v
    }

    #[test]
    fn a_good_token_gives_its_claims() {
        let t = check(good()).unwrap();
        assert_eq!(t.sub(), "alice");
        let user = t.user_claims();
        assert_eq!(user["name"], "Alice");
        assert!(!user.contains_key("nonce") && !user.contains_key("aud"));
    }

    /// Named after the OpenID RP conformance tests they mirror (`oidcc-client-test-…`).
    #[test]
    fn invalid_iss() {
        let bad = with(|c| {
            c.insert("iss".into(), json!("https://op.example/"));
        });
        assert_eq!(check(bad), Err(Refusal::Failed(Check::Iss)));
    }

    #[test]
    fn invalid_aud() {
        for aud in [
            json!("other"),
            json!(["app", "untrusted"]),
            json!([]),
            json!(7),
        ] {
            let bad = with(|c| {
                c.insert("aud".into(), aud.clone());
            });
            assert_eq!(check(bad), Err(Refusal::Failed(Check::Aud)), "{aud}");
        }
        let missing = with(|c| {
            c.remove("aud");
        });
        assert_eq!(check(missing), Err(Refusal::Failed(Check::Aud)));
        // One audience in an array is this client.
        assert!(check(with(|c| {
            c.insert("aud".into(), json!(["app"]));
        }))
        .is_ok());
    }

    #[test]
    fn azp_names_this_client() {
        let bad = with(|c| {
            c.insert("azp".into(), json!("other"));
        });
        assert_eq!(check(bad), Err(Refusal::Failed(Check::Azp)));
        assert!(check(with(|c| {
            c.insert("azp".into(), json!("app"));
        }))
        .is_ok());
    }

    #[test]
    fn nonce_invalid() {
        let bad = with(|c| {
            c.insert("nonce".into(), json!("other"));
        });
        assert_eq!(check(bad), Err(Refusal::Failed(Check::Nonce)));
        let missing = with(|c| {
            c.remove("nonce");
        });
        assert_eq!(check(missing), Err(Refusal::Failed(Check::Nonce)));
    }

    #[test]
    fn expired_and_future_tokens() {
        let expired = with(|c| {
            c.insert("exp".into(), json!(NOW - CLOCK_SKEW));
        });
        assert_eq!(check(expired), Err(Refusal::Failed(Check::Exp)));
        // Within the skew allowance.
        assert!(check(with(|c| {
            c.insert("exp".into(), json!(NOW - CLOCK_SKEW + 1));
        }))
        .is_ok());
        let future = with(|c| {
            c.insert("iat".into(), json!(NOW + CLOCK_SKEW + 1));
        });
        assert_eq!(check(future), Err(Refusal::Failed(Check::Iat)));
    }

    #[test]
    fn missing_claims() {
        for (claim, check_) in [
            ("sub", Check::Sub),
            ("iat", Check::Iat),
            ("exp", Check::Exp),
        ] {
            let bad = with(|c| {
                c.remove(claim);
            });
            assert_eq!(check(bad), Err(Refusal::Failed(check_)), "{claim}");
        }
        let empty_sub = with(|c| {
            c.insert("sub".into(), json!(""));
        });
        assert_eq!(check(empty_sub), Err(Refusal::Failed(Check::Sub)));
    }

    #[test]
    fn signatures_and_keys() {
        // idtoken-sig-none
        let none = format!(
            "{}.{}.",
            b64::url_encode(br#"{"alg":"none"}"#),
            b64::url_encode(good().to_string().as_bytes())
        );
        assert_eq!(
            validate(&none, &keys(), &expected()),
            Err(Refusal::Failed(Check::Alg))
        );
        // invalid-sig: a valid token's payload swapped for another.
        let token = sign(json!({"alg": "EdDSA", "kid": "k1"}), good());
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = b64::url_encode(
            with(|c| drop(c.insert("sub".into(), json!("mallory"))))
                .to_string()
                .as_bytes(),
        );
        assert_eq!(
            validate(&parts.join("."), &keys(), &expected()),
            Err(Refusal::Failed(Check::Signature))
        );
        // An unknown kid: the caller refetches the keys.
        let token = sign(json!({"alg": "EdDSA", "kid": "rotated"}), good());
        assert_eq!(
            validate(&token, &keys(), &expected()),
            Err(Refusal::UnknownKey)
        );
        // kid absent, one key: used.
        let token = sign(json!({"alg": "EdDSA"}), good());
        assert!(validate(&token, &keys(), &expected()).is_ok());
        assert_eq!(
            validate("x.y", &keys(), &expected()),
            Err(Refusal::Failed(Check::Malformed))
        );
        // A payload that is not an object.
        let token = sign(json!({"alg": "EdDSA"}), json!(["sub"]));
        assert_eq!(
            validate(&token, &keys(), &expected()),
            Err(Refusal::Failed(Check::Malformed))
        );
    }

    #[test]
    fn refresh_token_invalid_sub_and_userinfo_invalid_sub() {
        let first = check(good()).unwrap();
        let same = IdToken {
            claims: good().as_object().unwrap().clone(),
        };
        assert_eq!(check_refreshed(&first, &same), Ok(()));
        let other = IdToken {
            claims: with(|c| drop(c.insert("sub".into(), json!("mallory"))))
                .as_object()
                .unwrap()
                .clone(),
        };
        assert_eq!(check_refreshed(&first, &other), Err(Check::RefreshSub));
        let info = |sub: &str| json!({"sub": sub}).as_object().unwrap().clone();
        assert_eq!(check_userinfo(&first, &info("alice")), Ok(()));
        assert_eq!(
            check_userinfo(&first, &info("mallory")),
            Err(Check::UserinfoSub)
        );
    }
}
