//! The core's structured answers, written as JSON text for the shell's `JSON.parse`.
//!
//! Strings cross the wasm boundary with wasm-bindgen's two small string helpers; building JS
//! objects field by field (`Reflect.set`) cost more wasm and glue than this writer (issue 9).
//! Only what the answers need: objects of strings, `null` and nested objects.

/// A JSON object being written.
pub(crate) struct Obj(String);

impl Obj {
    pub(crate) fn new() -> Self {
        Self(String::from("{"))
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        quote(&mut self.0, key);
        self.0.push(':');
    }

    /// `"key": "value"`.
    pub(crate) fn str(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        quote(&mut self.0, value);
        self
    }

    /// `"key": "value"`, or `"key": null` for `None`.
    pub(crate) fn opt(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(key, v),
            None => self.raw(key, "null"),
        }
    }

    /// `"key": <another object>`.
    pub(crate) fn obj(self, key: &str, value: Obj) -> Self {
        self.raw(key, &value.end())
    }

    fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.0.push_str(json);
        self
    }

    /// The text.
    pub(crate) fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// A JSON string literal (RFC 8259 §7): quote, backslash and control characters escaped.
fn quote(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(c as u8 >> 4)]));
                out.push(char::from(HEX[usize::from(c as u8 & 15)]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn writes_escaped_strings_nulls_and_nesting() {
        let inner = Obj::new().str("a", "b");
        let text = Obj::new()
            .str("q", "say \"hi\"\\ \n\u{1}\u{1f} é €")
            .opt("n", None)
            .obj("o", inner)
            .end();
        assert_eq!(
            text,
            r#"{"q":"say \"hi\"\\ \u000a\u0001\u001f é €","n":null,"o":{"a":"b"}}"#
        );
        assert_eq!(Obj::new().end(), "{}");
    }
}
