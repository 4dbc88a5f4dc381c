//! The API proxy's client-credentials tokens (RFC 6749 §4.4), cached in KV so that calls share one
//! token until shortly before it expires.
//!
//! Key `cc:<provider>`; value: the token (and MAC key, for MAC tokens) as JSON, sealed (AES-GCM)
//! like sessions, with a KV TTL ending [`MARGIN`] seconds before the token expires. A token that
//! lives too briefly for that is used once and not cached (KV's smallest TTL is one minute).
use oauth_edge_shared::secret::{AccessToken, SigningKey};
use oauth_edge_shared::session::DEFAULT_ACCESS_TOKEN_LIFETIME;
use oauth_edge_shared::token::TokenSet;
use oauth_edge_shared::UnixTime;
use serde::{Deserialize, Serialize};
use worker::KvStore;

use crate::entropy;
use crate::error::WorkerError;
use crate::seal::{self, Purpose, SealKey};
use crate::store::BINDING;

/// A cached token is not used in its last minute.
pub(crate) const MARGIN: u64 = 60;
/// KV's smallest `expirationTtl`.
const MIN_KV_TTL: u64 = 60;

/// A token for the app itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ClientToken {
    /// The access token.
    pub(crate) access_token: AccessToken,
    /// Its MAC key, for a `mac` token.
    pub(crate) mac_key: Option<SigningKey>,
    /// When it expires (UNIX seconds).
    pub(crate) expires_at: UnixTime,
}

impl ClientToken {
    /// The token of a client-credentials answer received at `now`.
    pub(crate) fn new(tokens: TokenSet, now: UnixTime) -> Self {
        Self {
            expires_at: tokens.expires_at.unwrap_or_else(|| {
                now + tokens.expires_in.unwrap_or(DEFAULT_ACCESS_TOKEN_LIFETIME)
            }),
            access_token: tokens.access_token,
            mac_key: tokens.mac_key,
        }
    }

    /// Whether it may still be sent at `now` (not within [`MARGIN`] of its expiry).
    pub(crate) fn usable(&self, now: UnixTime) -> bool {
        now + MARGIN < self.expires_at
    }

    /// How long KV may keep it from `now`; `None` when that is less than KV's minimum.
    pub(crate) fn kv_ttl(&self, now: UnixTime) -> Option<u64> {
        Some(self.expires_at.saturating_sub(now + MARGIN)).filter(|ttl| *ttl >= MIN_KV_TTL)
    }
}

/// The KV key of a provider's cached token.
pub(crate) fn kv_key(provider: &str) -> String {
    format!("cc:{provider}")
}

/// Client tokens in the `SESSIONS` namespace, sealed under the Worker's key.
pub(crate) struct ClientTokenCache<'a> {
    kv: KvStore,
    key: &'a SealKey,
}

impl<'a> ClientTokenCache<'a> {
    /// The cache in `env`'s KV namespace.
    pub(crate) fn new(env: &worker::Env, key: &'a SealKey) -> Result<Self, WorkerError> {
        let kv = env.kv(BINDING).map_err(|_| WorkerError::Config {
            key: BINDING.to_owned(),
            problem: "is not bound to a KV namespace".to_owned(),
        })?;
        Ok(Self { kv, key })
    }

    /// The provider's cached token, if there is one still usable at `now`.
    pub(crate) async fn load(
        &self,
        provider: &str,
        now: UnixTime,
    ) -> Result<Option<ClientToken>, WorkerError> {
        let sealed = self
            .kv
            .get(&kv_key(provider))
            .text()
            .await
            .map_err(kv_error)?;
        Ok(sealed
            .and_then(|s| seal::open(self.key, Purpose::ClientToken, &s))
            .and_then(|json| serde_json::from_slice::<ClientToken>(&json).ok())
            .filter(|t| t.usable(now)))
    }

    /// Caches `token` (or nothing, when it lives too briefly to be worth it).
    pub(crate) async fn save(
        &self,
        provider: &str,
        token: &ClientToken,
        now: UnixTime,
    ) -> Result<(), WorkerError> {
        let Some(ttl) = token.kv_ttl(now) else {
            return Ok(());
        };
        let json = serde_json::to_vec(token).unwrap_or_default();
        let sealed = seal::seal(self.key, Purpose::ClientToken, &json, entropy::random()?);
        self.kv
            .put(&kv_key(provider), sealed)
            .map_err(kv_error)?
            .expiration_ttl(ttl)
            .execute()
            .await
            .map_err(kv_error)
    }

    /// Forgets the provider's token (the API refused it).
    pub(crate) async fn forget(&self, provider: &str) -> Result<(), WorkerError> {
        self.kv.delete(&kv_key(provider)).await.map_err(kv_error)
    }
}

fn kv_error(e: worker::KvError) -> WorkerError {
    WorkerError::Internal(format!("KV: {e}"))
}

#[cfg(test)]
mod tests {
    use oauth_edge_shared::token::TokenType;
    use serde_json::Map;

    use super::*;

    fn tokens(expires_in: Option<u64>) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new("cc-secret"),
            token_type: TokenType::Bearer,
            expires_in,
            expires_at: None,
            mac_key: None,
            refresh_token: None,
            scope: None,
            id_token: None,
            extra: Map::new(),
        }
    }

    #[test]
    fn cached_until_a_minute_before_expiry() {
        let t = ClientToken::new(tokens(Some(3600)), 1_000);
        assert_eq!(t.expires_at, 4_600);
        assert_eq!(t.kv_ttl(1_000), Some(3_540));
        assert!(t.usable(4_539));
        assert!(!t.usable(4_540));
        // Too short-lived to cache (KV's minimum TTL is a minute), still usable once.
        let brief = ClientToken::new(tokens(Some(100)), 1_000);
        assert_eq!(brief.kv_ttl(1_000), None);
        assert!(brief.usable(1_000));
        assert_eq!(
            ClientToken::new(tokens(None), 0).expires_at,
            DEFAULT_ACCESS_TOKEN_LIFETIME
        );
    }

    #[test]
    fn sealed_value_holds_no_token_text() {
        let key = SealKey::new([1; 32]);
        let t = ClientToken::new(tokens(Some(3600)), 0);
        let json = serde_json::to_vec(&t).unwrap();
        let sealed = seal::seal(&key, Purpose::ClientToken, &json, [2; 12]);
        assert!(!sealed.contains("cc-secret"));
        assert!(seal::open(&key, Purpose::Session, &sealed).is_none());
        assert_eq!(kv_key("payout"), "cc:payout");
    }
}
