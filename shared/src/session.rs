//! What the Worker keeps per session (sealed in KV), and the view of it the browser receives.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::secret::{AccessToken, DpopSecret, IdToken, RefreshToken, SigningKey};
use crate::token::TokenSet;
use crate::UnixTime;

/// The lifetime assumed for an access token whose provider gave no `expires_in`.
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: u64 = 3600;

/// Refresh this many seconds before the access token expires.
pub const REFRESH_LEEWAY: u64 = 30;

/// A logged-in session as the Worker stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The provider's configured name.
    pub provider: String,
    /// The current access token.
    pub access_token: AccessToken,
    /// Its type (`Bearer`, `mac`, …).
    pub token_type: String,
    /// When it expires (UNIX seconds).
    pub expires_at: UnixTime,
    /// The refresh token, if the provider issued one.
    pub refresh_token: Option<RefreshToken>,
    /// The MAC key of a `mac` access token: API calls are signed by the Worker's proxy, so
    /// neither it nor the token goes to the browser.
    #[serde(default)]
    pub mac_key: Option<SigningKey>,
    /// The granted scope.
    pub scope: Option<String>,
    /// What is known of the user (userinfo claims or the dialect's user fields).
    pub user: Map<String, Value>,
    /// When the session began.
    pub created_at: UnixTime,
    /// When its access token was last obtained.
    pub refreshed_at: UnixTime,
    /// The latest ID token (OpenID Connect), kept for RP-initiated logout's `id_token_hint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<IdToken>,
    /// The DPoP key the session's tokens are bound to (RFC 9449), when the provider
    /// sender-constrains them: the Worker signs every use, so the token is useless elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<DpopSecret>,
}

impl SessionRecord {
    /// A new session from a code exchange at `now`.
    pub fn new(provider: &str, tokens: TokenSet, user: Map<String, Value>, now: UnixTime) -> Self {
        let mut record = Self {
            provider: provider.to_owned(),
            access_token: tokens.access_token.clone(),
            token_type: String::new(),
            expires_at: 0,
            refresh_token: None,
            mac_key: None,
            scope: None,
            user,
            created_at: now,
            refreshed_at: now,
            id_token: None,
            dpop_key: None,
        };
        record.apply_tokens(tokens, now);
        record
    }

    /// Takes a refresh's answer. A refresh token that is not re-issued stays (RFC 6749 §6); a
    /// scope that is not re-sent stays too (§5.1: it is the same as before).
    pub fn apply_tokens(&mut self, tokens: TokenSet, now: UnixTime) {
        self.expires_at = tokens.expiry(now);
        self.access_token = tokens.access_token;
        self.token_type = tokens.token_type.as_str().to_owned();
        self.mac_key = tokens.mac_key;
        if tokens.refresh_token.is_some() {
            self.refresh_token = tokens.refresh_token;
        }
        if tokens.scope.is_some() {
            self.scope = tokens.scope;
        }
        if tokens.id_token.is_some() {
            self.id_token = tokens.id_token;
        }
        self.refreshed_at = now;
    }

    /// Whether the access token is expired or within the refresh leeway of it: [`REFRESH_LEEWAY`],
    /// but never more than a quarter of the token's own lifetime, so that a provider whose tokens
    /// live 60 s or less does not see a refresh (and a rotation) on every call (issue 7).
    pub fn needs_refresh(&self, now: UnixTime) -> bool {
        let lifetime = self.expires_at.saturating_sub(self.refreshed_at);
        now.saturating_add(REFRESH_LEEWAY.min(lifetime / 4)) >= self.expires_at
    }

    /// Whether the stored access token is newer than one a caller holds (another tab or call
    /// already refreshed), so it can be handed out without asking the provider again.
    pub fn newer_than(&self, held_expires_at: Option<UnixTime>, now: UnixTime) -> bool {
        held_expires_at.is_some_and(|held| self.expires_at > held) && !self.needs_refresh(now)
    }

    /// Whether the browser may hold the access token: not a MAC token (useless without its
    /// key, which stays in the Worker); those sessions use the API proxy.
    pub fn browser_may_hold_token(&self) -> bool {
        self.mac_key.is_none() && self.dpop_key.is_none()
    }

    /// How long the Worker keeps the session: the configured TTL, shortened to what is left of
    /// the refresh token's documented lifetime (`None` = unknown), and never less than a minute.
    pub fn ttl(&self, now: UnixTime, configured: u64, refresh_token_lifetime: Option<u64>) -> u64 {
        let left = refresh_token_lifetime
            .map(|life| (self.refreshed_at + life).saturating_sub(now))
            .unwrap_or(u64::MAX);
        configured.min(left).max(60)
    }

    /// What the browser receives.
    pub fn token_view(&self) -> TokenView<'_> {
        TokenView {
            access_token: self
                .browser_may_hold_token()
                .then(|| self.access_token.expose()),
            token_type: &self.token_type,
            expires_at: self.expires_at,
            scope: self.scope.as_deref(),
            user: &self.user,
            provider: &self.provider,
        }
    }
}

/// The session as the browser sees it (the Worker's JSON answer). It holds the access token —
/// the browser's to use — and never the refresh token.
#[derive(Debug, Serialize)]
pub struct TokenView<'a> {
    /// The access token; absent for tokens only the Worker's API proxy can use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<&'a str>,
    /// Its type.
    pub token_type: &'a str,
    /// When it expires (UNIX seconds).
    pub expires_at: UnixTime,
    /// The granted scope.
    pub scope: Option<&'a str>,
    /// What is known of the user.
    pub user: &'a Map<String, Value>,
    /// The provider's configured name.
    pub provider: &'a str,
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::token::TokenType;

    fn tokens(at: &str, rt: Option<&str>, expires_in: Option<u64>) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new(at),
            token_type: TokenType::Bearer,
            expires_in,
            expires_at: None,
            mac_key: None,
            refresh_token: rt.map(RefreshToken::new),
            scope: Some("openid".into()),
            id_token: None,
            extra: Map::new(),
        }
    }

    #[test]
    fn lifecycle() {
        let mut s = SessionRecord::new(
            "default",
            tokens("a1", Some("r1"), Some(300)),
            Map::new(),
            1000,
        );
        assert_eq!(s.expires_at, 1300);
        assert!(!s.needs_refresh(1269));
        assert!(s.needs_refresh(1270));
        // Rotation: a new refresh token replaces the old one; none keeps it.
        s.apply_tokens(tokens("a2", Some("r2"), Some(300)), 1280);
        assert_eq!(s.refresh_token.as_ref().unwrap().expose(), "r2");
        s.apply_tokens(tokens("a3", None, None), 1290);
        assert_eq!(s.refresh_token.as_ref().unwrap().expose(), "r2");
        assert_eq!(s.expires_at, 1290 + DEFAULT_ACCESS_TOKEN_LIFETIME);
    }

    /// Issue 7: short-lived tokens are refreshed a quarter of their lifetime before they expire,
    /// not on every call.
    #[test]
    fn leeway_is_capped_by_the_lifetime() {
        let s = SessionRecord::new("d", tokens("a", Some("r"), Some(20)), Map::new(), 1000);
        assert!(!s.needs_refresh(1000));
        assert!(!s.needs_refresh(1014));
        assert!(s.needs_refresh(1015));
        let long = SessionRecord::new("d", tokens("a", Some("r"), Some(3600)), Map::new(), 0);
        assert!(!long.needs_refresh(3569));
        assert!(long.needs_refresh(3570));
    }

    /// Found by the `token_response` fuzz target: `expires_in` = u64::MAX overflowed.
    #[test]
    fn an_absurd_lifetime_saturates() {
        let s = SessionRecord::new(
            "default",
            tokens("a", None, Some(u64::MAX)),
            Map::new(),
            1000,
        );
        assert_eq!(s.expires_at, u64::MAX);
        assert!(!s.needs_refresh(u64::MAX - 1_000));
    }

    #[test]
    fn single_refresh_rule() {
        let s = SessionRecord::new(
            "default",
            tokens("a", Some("r"), Some(300)),
            Map::new(),
            1000,
        );
        // A caller holding an older token gets the stored one.
        assert!(s.newer_than(Some(1200), 1100));
        // A caller holding this very token (or none) needs a real refresh.
        assert!(!s.newer_than(Some(1300), 1100));
        assert!(!s.newer_than(None, 1100));
        // A stored token that is itself about to expire is not handed out.
        assert!(!s.newer_than(Some(1200), 1290));
    }

    #[test]
    fn view_never_holds_the_refresh_token() {
        let s = SessionRecord::new(
            "default",
            tokens("at-1", Some("rt-secret"), Some(60)),
            Map::new(),
            0,
        );
        let json = serde_json::to_string(&s.token_view()).unwrap();
        assert!(json.contains("at-1"));
        assert!(!json.contains("rt-secret"));
        assert!(!format!("{s:?}").contains("rt-secret"));
        assert!(!format!("{s:?}").contains("at-1"));
    }

    #[test]
    fn mac_sessions_keep_the_token_in_the_worker() {
        let mut t = tokens("at-mac", Some("rt"), Some(3600));
        t.token_type = TokenType::Mac;
        t.mac_key = Some(SigningKey::new("k-secret"));
        let s = SessionRecord::new("paysera", t, Map::new(), 0);
        assert!(!s.browser_may_hold_token());
        let json = serde_json::to_string(&s.token_view()).unwrap();
        assert!(
            !json.contains("at-mac") && !json.contains("k-secret"),
            "{json}"
        );
        // The key survives the sealed store's round trip.
        let back: SessionRecord =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back.mac_key.unwrap().expose(), "k-secret");
    }

    #[test]
    fn ttl_follows_the_refresh_token_lifetime() {
        let s = SessionRecord::new("p", tokens("a", Some("r"), Some(3600)), Map::new(), 1000);
        let ninety_days = 90 * 24 * 3600;
        assert_eq!(
            s.ttl(1000, 30 * 24 * 3600, Some(ninety_days)),
            30 * 24 * 3600
        );
        assert_eq!(s.ttl(1000, 365 * 24 * 3600, Some(ninety_days)), ninety_days);
        assert_eq!(
            s.ttl(1000 + ninety_days - 10, 365 * 24 * 3600, Some(ninety_days)),
            60
        );
        assert_eq!(s.ttl(1000, 500, None), 500);
    }

    #[test]
    fn absolute_expiry_wins() {
        let mut t = tokens("a", None, None);
        t.expires_at = Some(5000);
        assert_eq!(
            SessionRecord::new("p", t, Map::new(), 1000).expires_at,
            5000
        );
    }
}
