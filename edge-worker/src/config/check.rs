//! The configuration check before a deploy (`scripts/check-config.mjs`), run as an ignored native
//! test so that it applies exactly the Worker's own rules ([`Config::check`]): the crate is a
//! `cdylib` only (see edge-worker/Cargo.toml), so there is no binary to link it into.
//!
//! `OAUTH_EDGE_CHECK_BINDINGS` names a JSON file of binding name → text (the script gathers it
//! from wrangler.toml's `[vars]` and the secrets); the problems are written as a JSON list of
//! `{key, provider, problem}` to the file `OAUTH_EDGE_CHECK_REPORT` names. The test fails only
//! when it cannot read or write those files: the script decides the exit code from the report.
use std::collections::HashMap;

use serde_json::json;

use super::Config;

#[test]
#[ignore = "the check-config command: run by scripts/check-config.mjs"]
fn command() {
    let path = std::env::var("OAUTH_EDGE_CHECK_BINDINGS").expect("OAUTH_EDGE_CHECK_BINDINGS");
    let report = std::env::var("OAUTH_EDGE_CHECK_REPORT").expect("OAUTH_EDGE_CHECK_REPORT");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let bindings: HashMap<String, String> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let problems: Vec<_> = Config::check(|k| bindings.get(k).cloned())
        .into_iter()
        .map(|p| json!({"key": p.key, "provider": p.provider, "problem": p.problem}))
        .collect();
    std::fs::write(&report, serde_json::to_string_pretty(&problems).unwrap())
        .unwrap_or_else(|e| panic!("{report}: {e}"));
}
