//! The JSON the Worker reads back from its own stores: the pending login sealed into the tx
//! cookie (`transaction::Transaction`) and the session kept in KV (`session::SessionRecord`).
//! Both are authenticated before they are read, so this guards against a shape change or a
//! serde corner, not an attacker: what reads must write back to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::NOW;
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::transaction::{Pending, Transaction};

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = serde_json::from_slice::<Transaction>(data) {
        let again = serde_json::to_vec(&tx).expect("a transaction serialises");
        assert_eq!(
            serde_json::from_slice::<Transaction>(&again).ok(),
            Some(tx.clone())
        );
        let _ = tx.is_live(NOW);
        let _ = format!("{tx:?}");
        match &tx.pending {
            Pending::Tokens {
                tx: value,
                return_to,
            } => {
                let uri = tx.redirect_uri("https://app.example/cb");
                assert!(uri.starts_with("https://app.example/cb?tx="));
                assert_eq!(
                    tx.check_tokens(&tx.provider, Some(value)),
                    Ok(return_to.as_str())
                );
            }
            Pending::Code { .. } => {
                assert_eq!(
                    tx.redirect_uri("https://app.example/cb"),
                    "https://app.example/cb"
                );
            }
        }
    }
    if let Ok(record) = serde_json::from_slice::<SessionRecord>(data) {
        let again = serde_json::to_vec(&record).expect("a session serialises");
        assert_eq!(
            serde_json::from_slice::<SessionRecord>(&again).ok(),
            Some(record.clone())
        );
        let view = serde_json::to_value(record.token_view()).expect("the view serialises");
        assert_eq!(
            view.get("access_token").is_some(),
            record.browser_may_hold_token()
        );
        let _ = record.needs_refresh(NOW);
    }
});
