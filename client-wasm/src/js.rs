//! Reading and building plain JS objects without serde_json: the Worker speaks JSON and the
//! browser already parses it, so `Reflect` on the parsed value costs nothing in the bundle.
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// `obj[key]` as a string, or `None` when absent or not a string.
pub(crate) fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

/// `obj[key]` as a number, or `None` when absent or not a number.
pub(crate) fn get_f64(obj: &JsValue, key: &str) -> Option<f64> {
    get(obj, key).as_f64()
}

/// `obj[key]`, `undefined` when `obj` is not an object.
pub(crate) fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// A new empty object.
pub(crate) fn object() -> Object {
    Object::new()
}

/// `obj[key] = value` on an object this crate made (cannot fail).
pub(crate) fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// `obj[key] = value` for an optional string (`null` when `None`).
pub(crate) fn set_opt_str(obj: &Object, key: &str, value: Option<&str>) {
    set(obj, key, &value.map_or(JsValue::NULL, JsValue::from_str));
}

/// `obj[key] = value` for an optional number (`null` when `None`).
pub(crate) fn set_opt_f64(obj: &Object, key: &str, value: Option<f64>) {
    set(obj, key, &value.map_or(JsValue::NULL, JsValue::from_f64));
}

/// `JSON.stringify(value)`.
pub(crate) fn stringify(value: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
}

/// `JSON.parse(text)` when it gives an object.
pub(crate) fn parse_object(text: &str) -> Option<Object> {
    js_sys::JSON::parse(text).ok()?.dyn_into().ok()
}
