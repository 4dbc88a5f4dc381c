//! Opening what the Worker sealed (edge-worker/src/seal.rs, `store::open_record`,
//! `transaction::open`): the tx cookie a browser sends back, a session read from KV, a client
//! token read from a Durable Object's storage. Any text must open to `None` without a panic, the
//! same way under a keyring that rotated (previous key kept); and what opens as a record is the
//! JSON sealed in it.
//!
//! The input is used twice: as sealed text (under every purpose and location, two keyrings), and
//! as the plaintext of a value sealed for real, so that the JSON behind the seal is fuzzed too:
//! `open_record` and `open_transaction` of a sealed input read exactly what `serde_json` reads.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{text, NOW};
use oauth_edge_shared::session::SessionRecord;
use oauth_edge_shared::transaction::Transaction;
use oauth_edge_worker::fuzzing::{
    open, open_record, open_transaction, seal, Keyring, Purpose, PURPOSES, TX_COOKIE,
};

/// The root key the seeds in corpus/worker_unseal were sealed under, and another one.
const KEY: [u8; 32] = [7; 32];
const NEW_KEY: [u8; 32] = [8; 32];
/// The KV key of the seeds' session.
const KV_KEY: &str = "session:fuzz";
const LOCATIONS: [&str; 3] = [TX_COOKIE, KV_KEY, "client-token:px"];

fuzz_target!(|data: &[u8]| {
    let keys = Keyring::new(KEY, None);
    let rotated = Keyring::new(NEW_KEY, Some(KEY));
    let input = text(data);
    let sealed = input.trim();
    for purpose in PURPOSES {
        for location in LOCATIONS {
            let opened = open(&keys, purpose, location, sealed);
            // A key kept as the previous one still opens what it sealed; the new key alone
            // opens nothing of the old one.
            assert_eq!(open(&rotated, purpose, location, sealed), opened);
            assert_eq!(
                open(&Keyring::new(NEW_KEY, None), purpose, location, sealed),
                None
            );
            if opened.is_some() {
                // Bound to one purpose and one location.
                for other in PURPOSES.into_iter().filter(|p| *p != purpose) {
                    assert_eq!(open(&keys, other, location, sealed), None);
                }
                for other in LOCATIONS.into_iter().filter(|l| *l != location) {
                    assert_eq!(open(&keys, purpose, other, sealed), None);
                }
            }
        }
    }
    let record = open_record(&keys, KV_KEY, sealed);
    if let Some(record) = &record {
        let json = open(&keys, Purpose::Session, KV_KEY, sealed).expect("a record opened");
        assert_eq!(
            serde_json::from_slice::<SessionRecord>(&json).ok().as_ref(),
            Some(record)
        );
    }
    assert_eq!(open_record(&rotated, KV_KEY, sealed), record);
    let tx = open_transaction(&keys, sealed, NOW);
    assert_eq!(open_transaction(&rotated, sealed, NOW), tx);
    if let Some(tx) = &tx {
        assert!(tx.is_live(NOW));
    }

    // The input as the sealed JSON.
    let nonce = [3; 12];
    let as_record = seal(&keys, Purpose::Session, KV_KEY, data, nonce);
    assert_eq!(
        open_record(&rotated, KV_KEY, &as_record),
        serde_json::from_slice::<SessionRecord>(data).ok()
    );
    assert_eq!(open_record(&keys, "session:other", &as_record), None);
    let as_tx = seal(&keys, Purpose::Transaction, TX_COOKIE, data, nonce);
    assert_eq!(
        open_transaction(&rotated, &as_tx, NOW),
        serde_json::from_slice::<Transaction>(data)
            .ok()
            .filter(|tx| tx.is_live(NOW))
    );
    // A transaction sealed as a session (or the other way round) does not open.
    assert_eq!(open_transaction(&keys, &as_record, NOW), None);
    assert_eq!(open_record(&keys, KV_KEY, &as_tx), None);
});
