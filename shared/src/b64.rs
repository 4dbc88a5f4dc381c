//! base64 (RFC 4648 §4, padded: HTTP Basic, MAC signatures, the sealing key) and base64url
//! without padding (§5: PKCE values, state, session ids, JOSE).
//!
//! Written here rather than taken from the `base64` crate: its generic engine was 2.6 KB of the
//! browser package's wasm (issue 9); these loops are a few hundred bytes. Decoding is strict,
//! like that crate's default: the alphabet only, no whitespace, padding exactly as the variant
//! says, and the unused low bits of the last character zero (one text per byte string).

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes bytes as base64url without padding.
pub fn url_encode(bytes: &[u8]) -> String {
    encode(bytes, URL, false)
}

/// Decodes base64url without padding; `None` when the text is not valid.
pub fn url_decode(text: &str) -> Option<Vec<u8>> {
    decode(text.as_bytes(), true)
}

/// Encodes bytes as standard base64 with padding (HTTP Basic, MAC signatures).
pub fn std_encode(bytes: &[u8]) -> String {
    encode(bytes, STD, true)
}

/// Decodes standard base64 with padding; `None` when the text is not valid.
pub fn std_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let pad = text
        .iter()
        .rev()
        .take(2)
        .take_while(|&&c| c == b'=')
        .count();
    decode(&text[..text.len() - pad], false)
}

fn encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        // 2, 3 or 4 characters for 1, 2 or 3 bytes.
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
        }
        if pad {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

fn value(c: u8, url: bool) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' if url => 62,
        b'_' if url => 63,
        b'+' if !url => 62,
        b'/' if !url => 63,
        _ => return None,
    }))
}

/// Decodes unpadded text of one alphabet.
fn decode(text: &[u8], url: bool) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c, url)? << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1; // 1, 2 or 3
        if n & (0x00ff_ffff >> (8 * bytes)) != 0 {
            return None; // bits past the last byte: not the canonical text
        }
        out.extend_from_slice(&n.to_be_bytes()[1..=bytes]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 §10.
    const VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn rfc_4648_vectors_both_ways() {
        for (plain, text) in VECTORS {
            assert_eq!(std_encode(plain.as_bytes()), text);
            assert_eq!(
                std_decode(text).as_deref(),
                Some(plain.as_bytes()),
                "{text}"
            );
            let url = text.trim_end_matches('=');
            assert_eq!(url_encode(plain.as_bytes()), url);
            assert_eq!(url_decode(url).as_deref(), Some(plain.as_bytes()), "{url}");
        }
    }

    #[test]
    fn the_two_alphabets_differ_in_two_characters() {
        let bytes = [0xfb, 0xff, 0xbf];
        assert_eq!(std_encode(&bytes), "+/+/");
        assert_eq!(url_encode(&bytes), "-_-_");
        assert_eq!(std_decode("+/+/").as_deref(), Some(&bytes[..]));
        assert_eq!(url_decode("-_-_").as_deref(), Some(&bytes[..]));
        assert_eq!(url_decode("+/+/"), None);
        assert_eq!(std_decode("-_-_"), None);
    }

    #[test]
    fn every_byte_round_trips_at_every_length() {
        let bytes: Vec<u8> = (0..=255).collect();
        for len in 0..bytes.len() {
            let b = &bytes[..len];
            assert_eq!(url_decode(&url_encode(b)).as_deref(), Some(b));
            assert_eq!(std_decode(&std_encode(b)).as_deref(), Some(b));
        }
    }

    #[test]
    fn malformed_text_is_refused() {
        for bad in [
            "Z", "Zg=", "Zm9v=", "Zh", "Zm9", "Zm 9v", "Zm9v\n", "Zg==", "Z===", "é",
        ] {
            assert_eq!(url_decode(bad), None, "{bad:?}");
        }
        // Padding is required, counted, and only at the end; no trailing bits set.
        for bad in [
            "Zg", "Zm8", "Zg=", "Zg===", "Z===", "=Zg=", "Zh==", "Zm9=", "Zg==Zg==", "Zm9vYg",
        ] {
            assert_eq!(std_decode(bad), None, "{bad:?}");
        }
    }
}
