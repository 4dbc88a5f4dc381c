//! The client-token object's decision (`objects::client_tokens::must_fetch` and
//! `ClientToken::new` / `usable`, the pure core of the `ClientTokens` Durable Object): fetch when
//! no token is held or it is within its margin of expiry (`MARGIN`, at most a quarter of its
//! lifetime); when a caller reports the
//! held token refused (by its fingerprint), replace it only once it is `REPLACE_FLOOR` seconds
//! old; a report about another token changes nothing. A token's expiry is the answer's absolute
//! one, else fetch time + `expires_in` (saturating), else the default lifetime.
//!
//! Input (binary, little-endian; missing bytes read as 0): expires_at, fetched_at, now (u64 each),
//! a flag byte (bit 0: no token held; bit 1: its own fingerprint reported, bit 2: another one;
//! bit 3: the answer had `expires_at`, bit 4: `expires_in`), expires_in (u64), then the token.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{text, Bytes};
use oauth_edge_shared::secret::AccessToken;
use oauth_edge_shared::session::DEFAULT_ACCESS_TOKEN_LIFETIME;
use oauth_edge_shared::token::{TokenSet, TokenType};
use oauth_edge_worker::fuzzing::{
    client_token, client_token_usable, fingerprint, must_fetch, ClientToken, MARGIN, REPLACE_FLOOR,
};

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let (expires_at, fetched_at, now) = (input.u64(), input.u64(), input.u64());
    let flags = input.u8();
    let expires_in = input.u64();
    let token = text(input.0).into_owned();
    let held = ClientToken {
        access_token: token.clone(),
        expires_at,
        fetched_at,
    };
    let own = fingerprint(&token);
    assert_eq!(own.len(), 16);
    assert_eq!(fingerprint(&token), own);

    let usable = client_token_usable(&held, now);
    // The margin is MARGIN, or a quarter of the token's lifetime when that is less.
    let margin = MARGIN.min(expires_at.saturating_sub(fetched_at) / 4);
    assert_eq!(
        usable,
        u128::from(now) + u128::from(margin) < u128::from(expires_at)
    );
    let refused = match (flags & 2 != 0, flags & 4 != 0) {
        (true, _) => Some(own.as_str()),
        (false, true) => Some("another-token-fp"),
        (false, false) => None,
    };
    let held_ref = (flags & 1 == 0).then_some(&held);
    let fetch = must_fetch(held_ref, refused, now);
    let old_enough = u128::from(now) >= u128::from(fetched_at) + u128::from(REPLACE_FLOOR);
    let expected = match held_ref {
        None => true,
        Some(_) if !usable => true,
        Some(_) => refused == Some(own.as_str()) && old_enough,
    };
    assert_eq!(
        fetch,
        expected,
        "held {}, usable {usable}, refused {refused:?}",
        held_ref.is_some()
    );
    // A report about another token never makes a usable one be replaced.
    if held_ref.is_some() && usable {
        assert!(!must_fetch(held_ref, Some("another-token-fp"), now));
        assert!(!must_fetch(held_ref, None, now));
    }

    // A token from a client-credentials answer received at `now`.
    let answer = TokenSet {
        access_token: AccessToken::new(token.clone()),
        token_type: TokenType::Bearer,
        expires_in: (flags & 16 != 0).then_some(expires_in),
        expires_at: (flags & 8 != 0).then_some(expires_at),
        mac_key: None,
        refresh_token: None,
        scope: None,
        id_token: None,
        extra: serde_json::Map::new(),
    };
    let (answer_in, answer_at) = (answer.expires_in, answer.expires_at);
    let fresh = client_token(answer, now);
    assert_eq!(fresh.access_token, token);
    assert_eq!(fresh.fetched_at, now);
    let lifetime = answer_in.unwrap_or(DEFAULT_ACCESS_TOKEN_LIFETIME);
    assert_eq!(
        fresh.expires_at,
        answer_at.unwrap_or_else(|| now.saturating_add(lifetime))
    );
    // A token just fetched is not replaced on a report, however soon it comes.
    if client_token_usable(&fresh, now) {
        assert!(!must_fetch(Some(&fresh), Some(&own), now));
    }
});
