//! Newtypes for secrets: their `Debug` and `Display` never print the value.
//!
//! Read the value with [`AccessToken::expose`] (and the same method on the others) at the one
//! place it has to leave the process: a request body, a header, a sealed store.
use serde::{Deserialize, Serialize};

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            /// The secret value itself; use it only where it must be sent or sealed.
            // A field access: always inlined (under opt-level "z" a shared out-of-line copy
            // costs the browser bundle bytes).
            #[inline(always)]
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("[redacted]")
            }
        }
    };
}

secret!(
    /// An OAuth access token (RFC 6749 §1.4).
    AccessToken
);
secret!(
    /// An OAuth refresh token (RFC 6749 §1.5). Lives only in the Worker's sealed store.
    RefreshToken
);
secret!(
    /// The confidential client's secret (RFC 6749 §2.3.1). Lives only in the Worker.
    ClientSecret
);
secret!(
    /// An authorization code (RFC 6749 §4.1.2).
    AuthorizationCode
);
secret!(
    /// An OpenID Connect ID token ([OIDC Core §2](https://openid.net/specs/openid-connect-core-1_0.html#IDToken)),
    /// kept raw: a signed JWT carrying the user's claims.
    IdToken
);
secret!(
    /// A key used to sign requests (the MAC key of a MAC token).
    SigningKey
);
secret!(
    /// The private key a session proves possession of with DPoP (RFC 9449): a P-256 scalar,
    /// base64url. It never leaves the Worker.
    DpopSecret
);

/// A stand-in whose `Debug` prints `[redacted]`, for hand-written `Debug` impls of types that
/// hold a secret as plain text (`.field("password", &Redacted)`).
pub struct Redacted;

impl core::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let t = AccessToken::new("super-secret-value");
        assert_eq!(format!("{t:?}"), "AccessToken([redacted])");
        assert_eq!(format!("{t}"), "[redacted]");
        assert!(!format!("{:?}", Some(RefreshToken::new("r-123"))).contains("r-123"));
        assert_eq!(t.expose(), "super-secret-value");
        let id = IdToken::new("eyJhbGciOiJSUzI1NiJ9.claims.sig");
        assert_eq!(format!("{id:?}"), "IdToken([redacted])");
        let code = AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA");
        assert!(!format!("{code:?} {code}").contains("SplxlOBeZQQYbYS6WxSbIA"));
        assert_eq!(format!("{:?}", Redacted), "[redacted]");
    }

    #[test]
    fn serde_is_transparent() {
        let t: RefreshToken = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(t.expose(), "abc");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"abc\"");
    }
}
