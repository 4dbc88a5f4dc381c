//! Request bodies (edge-worker/src/body.rs and the routes): the declared `Content-Length` a body is
//! refused by before it is read (`body::declared_too_large`), and the JSON each auth endpoint reads
//! into its request (`/login`, `/token`, `/password`, `/register`, `/refresh`; an empty body is
//! `{}`), with the shape checks `/login` and `/token` make before anything else.
//!
//! A length is too large exactly when it is a whole number (white space around it, an optional
//! `+`) above the limit. A body is accepted only if it is a JSON object with the endpoint's fields
//! and no other, each of its type (a string; an optional one may be `null`); a refusal is `400
//! bad_request`; an object of the right shape without a repeated field is accepted.
//!
//! Input: the `Content-Length` value on the first line (`-`: none), the body after it.
#![no_main]
use std::fmt;

use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::{lines, text};
use oauth_edge_worker::fuzzing::{declared_too_large, read_body, Body, BODIES};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

/// What a body must hold: (field, required, kind).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Number,
}

fn fields(endpoint: Body) -> &'static [(&'static str, bool, Kind)] {
    use Kind::{Number, Text};
    match endpoint {
        Body::Login => &[
            ("provider", false, Text),
            ("state", true, Text),
            ("code_challenge", true, Text),
            ("variant", false, Text),
            ("return_to", false, Text),
        ],
        Body::Token => &[
            ("code", true, Text),
            ("state", true, Text),
            ("code_verifier", true, Text),
            ("iss", false, Text),
        ],
        Body::Password | Body::Register => &[
            ("provider", false, Text),
            ("username", true, Text),
            ("password", true, Text),
        ],
        Body::Refresh => &[("held_expires_at", false, Number)],
    }
}

fn url_safe(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `body` is what `endpoint` takes, by the rules in this file's header.
fn model(endpoint: Body, body: &Value) -> bool {
    let Value::Object(map) = body else {
        return false;
    };
    let spec = fields(endpoint);
    let typed = map.iter().all(|(name, value)| {
        spec.iter()
            .find(|(f, _, _)| f == name)
            .is_some_and(|(_, required, kind)| match (kind, value) {
                (_, Value::Null) => !required,
                (Kind::Text, v) => v.is_string(),
                (Kind::Number, v) => v.is_u64(),
            })
    });
    let complete = spec
        .iter()
        .all(|(f, required, _)| !required || map.contains_key(*f));
    let text = |f: &str| map.get(f).and_then(Value::as_str).unwrap_or_default();
    let shaped = match endpoint {
        Body::Login => {
            (22..=256).contains(&text("state").len())
                && url_safe(text("state"))
                && text("code_challenge").len() == 43
                && url_safe(text("code_challenge"))
        }
        Body::Token => !text("code").is_empty(),
        _ => true,
    };
    typed && complete && shaped
}

/// Whether a JSON object names a field twice (serde refuses it; a `Value` keeps the last).
fn repeats_a_field(body: &[u8]) -> bool {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut seen = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                if seen.contains(&key) {
                    return Ok(true);
                }
                seen.push(key);
                map.next_value::<IgnoredAny>()?;
            }
            Ok(false)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    de.deserialize_map(Keys).unwrap_or(true)
}

/// Whether `value` is a whole number above `limit`: digits after an optional `+`, compared as
/// text so that any length of digits is read.
fn over(value: &str, limit: usize) -> bool {
    let digits = value.trim();
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits = digits.trim_start_matches('0');
    let max = u64::MAX.to_string();
    if digits.len() > max.len() || (digits.len() == max.len() && digits > max.as_str()) {
        return false; // beyond u64: unreadable, left to the streaming check
    }
    let limit = limit.to_string();
    digits.len() > limit.len() || (digits.len() == limit.len() && digits > limit.as_str())
}

fuzz_target!(|data: &[u8]| {
    let [length, body] = lines::<2>(data);
    let length = text(length);
    let length = (length != "-").then_some(&*length);
    for limit in [
        0,
        1,
        1024,
        16 * 1024,
        1024 * 1024,
        100 * 1024 * 1024,
        usize::MAX,
    ] {
        let refused = declared_too_large(length, limit);
        assert_eq!(
            refused,
            length.is_some_and(|l| over(l, limit)),
            "{length:?} vs {limit}"
        );
        if refused && limit > 0 {
            assert!(
                declared_too_large(length, limit - 1),
                "a lower limit refuses it too"
            );
        }
    }

    let empty = body.iter().all(u8::is_ascii_whitespace);
    let value: Option<Value> = if empty {
        Some(Value::Object(Default::default()))
    } else {
        serde_json::from_slice(body).ok()
    };
    for endpoint in BODIES {
        match read_body(endpoint, body) {
            Ok(()) => {
                let value = value.as_ref().expect("an accepted body is JSON");
                assert!(model(endpoint, value), "{endpoint:?} accepted {value}");
            }
            Err(e) => {
                assert_eq!((e.code, e.status), ("bad_request", 400));
                if let Some(value) = &value {
                    assert!(
                        !model(endpoint, value) || (!empty && repeats_a_field(body)),
                        "{endpoint:?} refused {value}: {}",
                        e.message
                    );
                }
            }
        }
    }
});
