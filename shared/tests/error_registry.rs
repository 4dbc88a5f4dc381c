//! The error codes cannot drift (issue 7): the registry `oauth_edge_shared::codes` against the
//! browser library's `ClientErrorCode` list, the unions of `client-wasm/js/client.d.ts`, the error
//! table of `docs/worker-api.md` and the README's. (The Worker's `WorkerError` is checked against
//! the registry by a unit test in `edge-worker/src/error.rs`.)
use std::collections::BTreeSet;
use std::path::Path;

use oauth_edge_shared::codes::{Origin, Status, CODES};

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `"..."` (TypeScript) or `` `...` `` (Markdown) quoted word made of `a-z_` in `text`.
fn quoted(text: &str, quote: char) -> BTreeSet<String> {
    text.split(quote)
        .skip(1)
        .step_by(2)
        .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(str::to_owned)
        .collect()
}

fn registry(worker: bool) -> BTreeSet<String> {
    CODES
        .iter()
        .filter(|c| matches!(c.origin, Origin::Worker(_)) == worker)
        .map(|c| c.code.to_owned())
        .collect()
}

/// The members of `export type <name> = | "a" | "b";` in the declarations.
fn union(dts: &str, name: &str) -> BTreeSet<String> {
    let start = dts
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("{name} not in client.d.ts"));
    let body = &dts[start..];
    quoted(&body[..body.find(';').unwrap()], '"')
}

#[test]
fn client_library_codes_match_the_registry() {
    let source = read("client-wasm/src/error.rs");
    let start = source
        .find("const CODES")
        .expect("CODES in client-wasm/src/error.rs");
    let block = &source[start..];
    let block = &block[..block.find("\n};").unwrap()];
    assert_eq!(
        quoted(block, '"'),
        registry(false),
        "client-wasm/src/error.rs CODES"
    );
}

#[test]
fn typescript_unions_match_the_registry() {
    let dts = read("client-wasm/js/client.d.ts");
    assert_eq!(
        union(&dts, "WorkerErrorCode"),
        registry(true),
        "WorkerErrorCode"
    );
    assert_eq!(
        union(&dts, "ClientErrorCode"),
        registry(false),
        "ClientErrorCode"
    );
}

#[test]
fn the_contracts_error_table_matches_the_registry() {
    let doc = read("docs/worker-api.md");
    let mut seen = BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(status), Some(codes)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let status = match *status {
            "4xx" => Status::Provider,
            s => match s.parse() {
                Ok(n) => Status::Fixed(n),
                Err(_) => continue, // not the error table
            },
        };
        for code in quoted(codes, '`') {
            let entry = oauth_edge_shared::codes::worker_code(&code).unwrap_or_else(|| {
                panic!("docs/worker-api.md has `{code}`, the registry does not")
            });
            assert_eq!(entry.origin, Origin::Worker(status), "{code}'s status");
            seen.insert(code);
        }
    }
    assert_eq!(seen, registry(true), "codes in docs/worker-api.md's table");
}

#[test]
fn the_readmes_error_table_lists_every_code() {
    let readme = read("README.md");
    let start = readme
        .find("| code | when |")
        .expect("the README's error table");
    let table = &readme[start..];
    let table = &table[..table.find("\n\n").unwrap_or(table.len())];
    let listed = quoted(table, '`');
    for code in CODES {
        assert!(
            listed.contains(code.code),
            "README's error table lacks `{}`",
            code.code
        );
    }
}
