//! Logout tokens, [OpenID Connect Back-Channel Logout 1.0 §2.4–2.6](https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken):
//! the provider's signed statement that a user's session with it ended. Checked like an ID token
//! where the two agree (signature, `iss`, `aud`, `iat`), plus what makes it a logout token and
//! not something else: the back-channel logout event, `jti` (so a replay can be refused), `sid`
//! and/or `sub`, and no `nonce` (an ID token replayed here has one).
use serde_json::{Map, Value};

use super::id_token::CLOCK_SKEW;
use crate::jose::{Alg, JoseError, JwkSet, Jws};
use crate::UnixTime;

/// The event member a logout token must carry (§2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// How old a logout token may be (its `iat`), in seconds: older ones are refused (§2.6 step 6
/// lets the RP pick; a replay window needs a bound anyway, the `jti` memory lasts this long).
pub const MAX_AGE: u64 = 300;

/// What a valid logout token ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutToken {
    /// The user, if named.
    pub sub: Option<String>,
    /// The provider session, if named (then only sessions of it end).
    pub sid: Option<String>,
    /// The token's id, for replay detection.
    pub jti: String,
    /// When it was issued.
    pub iat: UnixTime,
}

/// Why a logout token was refused (the Worker answers `400`, §2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutTokenError {
    /// Not a JWS, or its payload is not a JSON object, or `typ` is not `logout+jwt` (§2.4).
    Malformed,
    /// `alg` not allowed.
    Alg,
    /// No key fits (after the caller's one refetch).
    UnknownKey,
    /// The signature does not verify.
    Signature,
    /// `iss` is not the provider's.
    Iss,
    /// `aud` does not hold this client (or holds others).
    Aud,
    /// `iat` missing, in the future, or older than [`MAX_AGE`].
    Iat,
    /// `exp` past (or not a number).
    Exp,
    /// `jti` missing.
    Jti,
    /// No back-channel logout event.
    Events,
    /// Neither `sid` nor `sub`.
    SidOrSub,
    /// A `nonce` is present (§2.4: it must not be).
    Nonce,
}

impl LogoutTokenError {
    /// A stable name (logged, and in the `400` answer's `error_description`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Alg => "alg",
            Self::UnknownKey => "kid",
            Self::Signature => "signature",
            Self::Iss => "iss",
            Self::Aud => "aud",
            Self::Iat => "iat",
            Self::Exp => "exp",
            Self::Jti => "jti",
            Self::Events => "events",
            Self::SidOrSub => "sid_or_sub",
            Self::Nonce => "nonce",
        }
    }
}

/// Validates a logout token for `client_id` at `issuer` (signature first).
pub fn validate(
    token: &str,
    keys: &JwkSet,
    issuer: &str,
    client_id: &str,
    algs: &[Alg],
    now: UnixTime,
) -> Result<LogoutToken, LogoutTokenError> {
    use LogoutTokenError as E;
    let jws = Jws::decode(token).map_err(|_| E::Malformed)?;
    // RFC 7515 §4.1.9: `application/logout+jwt` is the same type written in full.
    let typ = jws.typ().map(|t| {
        t.strip_prefix("application/")
            .or_else(|| t.strip_prefix("Application/"))
            .unwrap_or(t)
    });
    if typ.is_some_and(|t| !t.eq_ignore_ascii_case("logout+jwt")) {
        return Err(E::Malformed);
    }
    match jws.verify(keys, algs) {
        Ok(_) => {}
        Err(JoseError::Malformed) => return Err(E::Malformed),
        Err(JoseError::AlgNotAllowed(_)) => return Err(E::Alg),
        Err(JoseError::UnknownKey) => return Err(E::UnknownKey),
        Err(JoseError::BadSignature) => return Err(E::Signature),
    }
    let claims: Map<String, Value> = match serde_json::from_slice(&jws.payload) {
        Ok(Value::Object(c)) => c,
        _ => return Err(E::Malformed),
    };
    let text = |n: &str| claims.get(n).and_then(Value::as_str).map(str::to_owned);
    if text("iss").as_deref() != Some(issuer) {
        return Err(E::Iss);
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().map(|a| a.as_str().unwrap_or("")).collect(),
        _ => Vec::new(),
    };
    if audiences.is_empty() || audiences.iter().any(|a| *a != client_id) {
        return Err(E::Aud);
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_u64)
        .filter(|iat| *iat <= now.saturating_add(CLOCK_SKEW) && now.saturating_sub(*iat) <= MAX_AGE)
        .ok_or(E::Iat)?;
    // §2.4 (errata set 1): `exp` is required; validated as an ID token's. A token without one is
    // still bounded by MAX_AGE above.
    if let Some(exp) = claims.get("exp") {
        match exp.as_u64() {
            Some(exp) if now < exp.saturating_add(CLOCK_SKEW) => {}
            _ => return Err(E::Exp),
        }
    }
    let jti = text("jti").filter(|j| !j.is_empty()).ok_or(E::Jti)?;
    let event = claims
        .get("events")
        .and_then(Value::as_object)
        .and_then(|e| e.get(BACKCHANNEL_LOGOUT_EVENT));
    if !matches!(event, Some(Value::Object(_))) {
        return Err(E::Events);
    }
    let (sub, sid) = (
        text("sub").filter(|s| !s.is_empty()),
        text("sid").filter(|s| !s.is_empty()),
    );
    if sub.is_none() && sid.is_none() {
        return Err(E::SidOrSub);
    }
    if claims.contains_key("nonce") {
        return Err(E::Nonce);
    }
    Ok(LogoutToken { sub, sid, jti, iat })
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
    const ISS: &str = "https://op.example";

    /// §2.4's example logout token's claims.
    fn example() -> Value {
        json!({"iss": ISS, "sub": "248289761001", "aud": "s6BhdRkqt3", "iat": NOW, "jti": "bWJq",
               "sid": "08a5019c-17e1-4977-8f42-65a12843ea02",
               "events": {BACKCHANNEL_LOGOUT_EVENT: {}}})
    }

    fn check(claims: Value) -> Result<LogoutToken, LogoutTokenError> {
        let token = sign(json!({"alg": "EdDSA", "typ": "logout+jwt"}), claims);
        validate(&token, &keys(), ISS, "s6BhdRkqt3", &[Alg::EdDsa], NOW)
    }

    fn with(change: impl FnOnce(&mut Map<String, Value>)) -> Value {
        let mut v = example();
        change(v.as_object_mut().unwrap());
        v
    }

    #[test]
    fn the_specs_example_is_valid() {
        let full_type = sign(
            json!({"alg": "EdDSA", "typ": "application/logout+jwt"}),
            example(),
        );
        assert!(validate(&full_type, &keys(), ISS, "s6BhdRkqt3", &[Alg::EdDsa], NOW).is_ok());
        assert!(check(with(|c| drop(c.insert("exp".into(), json!(NOW + 120))))).is_ok());
        let t = check(example()).unwrap();
        assert_eq!(t.sub.as_deref(), Some("248289761001"));
        assert_eq!(
            t.sid.as_deref(),
            Some("08a5019c-17e1-4977-8f42-65a12843ea02")
        );
        assert_eq!(t.jti, "bWJq");
        // sid alone, sub alone: both fine.
        assert!(check(with(|c| drop(c.remove("sub")))).is_ok());
        assert!(check(with(|c| drop(c.remove("sid")))).is_ok());
    }

    /// Named after the OpenID RP tests `oidcc-client-test-rp-backchannel-*`.
    #[test]
    fn what_is_refused() {
        use LogoutTokenError as E;
        let cases: Vec<(Value, E)> = vec![
            (
                with(|c| drop(c.insert("nonce".into(), json!("n")))),
                E::Nonce,
            ),
            (
                with(|c| drop(c.insert("events".into(), json!({"http://other/event": {}})))),
                E::Events,
            ),
            (
                with(|c| drop(c.insert("events".into(), json!({BACKCHANNEL_LOGOUT_EVENT: "yes"})))),
                E::Events,
            ),
            (with(|c| drop(c.remove("events"))), E::Events),
            (
                with(|c| drop(c.insert("aud".into(), json!("other")))),
                E::Aud,
            ),
            (
                with(|c| drop(c.insert("aud".into(), json!(["s6BhdRkqt3", "other"])))),
                E::Aud,
            ),
            (
                with(|c| drop(c.insert("iss".into(), json!("https://evil.example")))),
                E::Iss,
            ),
            (with(|c| drop(c.remove("jti"))), E::Jti),
            (
                with(|c| drop(c.insert("exp".into(), json!(NOW - CLOCK_SKEW)))),
                E::Exp,
            ),
            (
                with(|c| drop(c.insert("exp".into(), json!("soon")))),
                E::Exp,
            ),
            (with(|c| drop(c.remove("iat"))), E::Iat),
            (
                with(|c| drop(c.insert("iat".into(), json!(NOW - MAX_AGE - 1)))),
                E::Iat,
            ),
            (
                with(|c| drop(c.insert("iat".into(), json!(NOW + CLOCK_SKEW + 1)))),
                E::Iat,
            ),
            (
                with(|c| {
                    c.remove("sub");
                    c.remove("sid");
                }),
                E::SidOrSub,
            ),
        ];
        for (claims, expected) in cases {
            assert_eq!(check(claims.clone()), Err(expected), "{claims}");
        }
        // An ID token is not a logout token (wrong typ, or no event).
        let id_token = sign(json!({"alg": "EdDSA", "typ": "JWT"}), example());
        assert_eq!(
            validate(&id_token, &keys(), ISS, "s6BhdRkqt3", &[Alg::EdDsa], NOW),
            Err(E::Malformed)
        );
        let unsigned = format!(
            "{}.{}.",
            b64::url_encode(br#"{"alg":"none"}"#),
            b64::url_encode(example().to_string().as_bytes())
        );
        assert_eq!(
            validate(&unsigned, &keys(), ISS, "s6BhdRkqt3", &[Alg::EdDsa], NOW),
            Err(E::Alg)
        );
    }
}
