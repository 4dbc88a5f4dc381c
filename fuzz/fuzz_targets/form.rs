//! `application/x-www-form-urlencoded` (`form`): `parse`, `decode`, and their round trips with
//! `encode`, `serialize` and `append_query`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::text;
use oauth_edge_shared::form;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    let pairs = form::parse(&input);
    // Each pair written out and read back is the same pair.
    let written = form::serialize(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(form::parse(&written), pairs);
    // Decoding never grows the text past its bytes (escapes shrink, U+FFFD may replace 1-3).
    let decoded = form::decode(&input);
    assert!(decoded.len() <= 3 * input.len());
    // Any text survives encode then decode.
    let mut encoded = String::new();
    form::encode(&input, &mut encoded);
    assert!(encoded
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._*+%".contains(&b)));
    assert_eq!(form::decode(&encoded), input);
    // Appending keeps the URL and adds exactly the serialized pairs.
    let url = form::append_query(&input, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert!(url.starts_with(&*input));
    assert_eq!(
        url.len() - input.len(),
        if written.is_empty() {
            0
        } else {
            written.len() + 1
        }
    );
});
