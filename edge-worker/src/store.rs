//! The session store: KV namespace `SESSIONS` (docs/worker-api.md, "Cookies").
//!
//! Key: `session:` + base64url(SHA-256(session id)), so the id itself — the bearer credential in
//! the cookie — is never stored. Value: the [`SessionRecord`] as JSON, sealed (AES-GCM), so KV
//! never holds a token in the clear. KV expires the entry at the end of the session's absolute
//! lifetime (`created_at` + `SESSION_TTL_SECONDS`).
use oauth_edge_shared::b64;
use oauth_edge_shared::provider::ProviderConfig;
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::UnixTime;
use sha2::{Digest, Sha256};

use crate::effects::{random, Kv, Log, Randomness};
use crate::error::WorkerError;
use crate::seal::{self, Keyring, Purpose, NONCE_LEN};

/// KV's smallest `expirationTtl`.
const MIN_KV_TTL: u64 = 60;

/// A session id: 256 random bits, base64url. Its `Debug` never prints it.
#[derive(Clone)]
pub(crate) struct SessionId(String);

impl SessionId {
    /// A fresh id from 32 random bytes.
    pub(crate) fn from_entropy(entropy: &[u8; 32]) -> Self {
        Self(b64::url_encode(entropy))
    }

    /// An id read from a cookie, if it has the shape of one.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let valid = text.len() == 43
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid.then(|| Self(text.to_owned()))
    }

    /// The cookie value.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The KV key of this session.
    pub(crate) fn kv_key(&self) -> String {
        format!(
            "session:{}",
            b64::url_encode(&Sha256::digest(self.0.as_bytes()))
        )
    }
}

impl core::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SessionId([redacted])")
    }
}

/// Seals a record for KV under `kv_key` (bound to it: copied elsewhere, it does not open).
pub(crate) fn seal_record(
    keys: &Keyring,
    kv_key: &str,
    record: &SessionRecord,
    nonce: [u8; NONCE_LEN],
) -> String {
    // Serializing a record (strings, numbers, a JSON map) cannot fail.
    let json = serde_json::to_vec(record).unwrap_or_default();
    seal::seal(keys, Purpose::Session, kv_key, &json, nonce)
}

/// Opens a record read from KV key `kv_key`; `None` if it was sealed under a key the keyring no
/// longer holds, under another KV key, or is damaged.
pub(crate) fn open_record(keys: &Keyring, kv_key: &str, sealed: &str) -> Option<SessionRecord> {
    let json = seal::open(keys, Purpose::Session, kv_key, sealed)?;
    serde_json::from_slice(&json).ok()
}

/// The KV TTL of a record saved at `now`: what is left of the session's absolute lifetime
/// (`created_at + session_ttl`, the cookie's too), shortened to what is left of the refresh
/// token's documented lifetime, never below KV's one-minute minimum.
pub(crate) fn kv_ttl(
    record: &SessionRecord,
    session_ttl: u64,
    now: UnixTime,
    provider: &ProviderConfig,
) -> u64 {
    let left = (record.created_at + session_ttl).saturating_sub(now);
    record
        .ttl(now, left, provider.dialect.refresh_token_lifetime)
        .max(MIN_KV_TTL)
}

/// Sessions in KV, sealed under the Worker's key, through the [`Kv`] effect.
pub(crate) struct SessionStore<'a, E> {
    fx: &'a E,
    keys: &'a Keyring,
    session_ttl: u64,
}

impl<'a, E: Kv + Randomness + Log> SessionStore<'a, E> {
    /// The store in `fx`'s session namespace.
    pub(crate) fn new(fx: &'a E, keys: &'a Keyring, session_ttl: u64) -> Self {
        Self {
            fx,
            keys,
            session_ttl,
        }
    }

    /// The session `id` names, if it exists, opens, and has not outlived the session lifetime. A
    /// value that does not open (corrupt, moved from another key, or sealed under a key the
    /// keyring no longer holds) ends that session cleanly: it is deleted, and the caller sees no
    /// session. A KV read that fails is an error (never mistaken for "no session").
    pub(crate) async fn load(
        &self,
        id: &SessionId,
        now: UnixTime,
    ) -> Result<Option<SessionRecord>, WorkerError> {
        self.load_at(&id.kv_key(), now).await
    }

    /// [`load`](Self::load) by KV key (a back-channel logout knows sessions by their key only).
    pub(crate) async fn load_at(
        &self,
        key: &str,
        now: UnixTime,
    ) -> Result<Option<SessionRecord>, WorkerError> {
        let Some(sealed) = self.fx.kv_get(key).await? else {
            return Ok(None);
        };
        match open_record(self.keys, key, &sealed) {
            Some(record) => Ok(Some(record).filter(|r| now < r.created_at + self.session_ttl)),
            None => {
                self.fx
                    .warn("session store: a stored session did not open; it ends");
                self.delete_at(key).await?;
                Ok(None)
            }
        }
    }

    /// Stores `record` under `id` until the end of the session's lifetime (see [`kv_ttl`]).
    pub(crate) async fn save(
        &self,
        id: &SessionId,
        record: &SessionRecord,
        now: UnixTime,
        provider: &ProviderConfig,
    ) -> Result<(), WorkerError> {
        self.save_at(&id.kv_key(), record, now, provider).await
    }

    /// [`save`](Self::save) by KV key (the refresh authority knows the session by its key only).
    pub(crate) async fn save_at(
        &self,
        key: &str,
        record: &SessionRecord,
        now: UnixTime,
        provider: &ProviderConfig,
    ) -> Result<(), WorkerError> {
        let sealed = seal_record(self.keys, key, record, random(self.fx)?);
        let ttl = kv_ttl(record, self.session_ttl, now, provider);
        self.fx.kv_put(key, sealed, ttl).await
    }

    /// Deletes the session (no error if it is already gone).
    pub(crate) async fn delete(&self, id: &SessionId) -> Result<(), WorkerError> {
        self.delete_at(&id.kv_key()).await
    }

    /// [`delete`](Self::delete) by KV key.
    pub(crate) async fn delete_at(&self, key: &str) -> Result<(), WorkerError> {
        self.fx.kv_delete(key).await
    }
}

#[cfg(test)]
mod tests {
    use oauth_edge_shared::secret::{AccessToken, RefreshToken};
    use oauth_edge_shared::token::{TokenSet, TokenType};
    use serde_json::Map;

    use super::*;

    fn record() -> SessionRecord {
        let tokens = TokenSet {
            access_token: AccessToken::new("at-secret-1"),
            token_type: TokenType::Bearer,
            expires_in: Some(300),
            expires_at: None,
            mac_key: None,
            refresh_token: Some(RefreshToken::new("rt-secret-1")),
            scope: Some("openid".into()),
            id_token: None,
            extra: Map::new(),
        };
        SessionRecord::new("default", tokens, Map::new(), 1_000)
    }

    #[test]
    fn kv_key_hides_the_id() {
        let id = SessionId::from_entropy(&[5; 32]);
        let key = id.kv_key();
        assert!(key.starts_with("session:"));
        assert_eq!(key.len(), "session:".len() + 43);
        assert!(!key.contains(id.as_str()));
        assert_eq!(format!("{id:?}"), "SessionId([redacted])");
    }

    #[test]
    fn parse_accepts_only_id_shapes() {
        let id = SessionId::from_entropy(&[9; 32]);
        assert!(SessionId::parse(id.as_str()).is_some());
        assert!(SessionId::parse("short").is_none());
        assert!(SessionId::parse(&"+".repeat(43)).is_none());
        assert!(SessionId::parse(&format!("{}=", &id.as_str()[..42])).is_none());
    }

    #[test]
    fn sealed_record_holds_no_token_text() {
        let key = Keyring::new([1; 32], None);
        let sealed = seal_record(&key, "session:a", &record(), [3; 12]);
        assert!(!sealed.contains("secret"));
        assert_eq!(open_record(&key, "session:a", &sealed), Some(record()));
        assert_eq!(
            open_record(&Keyring::new([2; 32], None), "session:a", &sealed),
            None
        );
        // Copied under another session's KV key, it does not open (issue 6, finding 6).
        assert_eq!(open_record(&key, "session:b", &sealed), None);
    }

    #[test]
    fn ttl_ends_at_the_absolute_lifetime() {
        let r = record(); // created (and refreshed) at 1000
        let mut p: ProviderConfig = serde_json::from_value(serde_json::json!({
            "authorization_endpoint": "https://as/a", "token_endpoint": "https://as/t",
            "client_id": "c", "redirect_uri": "https://app/cb"
        }))
        .unwrap();
        assert_eq!(kv_ttl(&r, 3600, 1000, &p), 3600);
        assert_eq!(kv_ttl(&r, 3600, 4000, &p), 600);
        assert_eq!(kv_ttl(&r, 3600, 4590, &p), 60);
        assert_eq!(kv_ttl(&r, 3600, 9000, &p), 60);
        // A documented refresh-token lifetime shortens it.
        p.dialect.refresh_token_lifetime = Some(1800);
        assert_eq!(kv_ttl(&r, 3600, 2000, &p), 800);
    }
}
