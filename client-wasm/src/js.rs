//! Reading and building plain JS objects with `Reflect` (no serde_json in the browser bundle).
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// `obj[key]` as a string, or `None` when absent, not a string, or `obj` is not an object.
pub(crate) fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    if !obj.is_object() {
        return None;
    }
    Reflect::get(obj, &JsValue::from_str(key)).ok()?.as_string()
}

/// `obj[key] = value` on an object this crate made (cannot fail).
pub(crate) fn set(obj: &Object, key: &str, value: &str) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), &JsValue::from_str(value));
}

/// `obj[key] = value` for an optional string (`null` when `None`).
pub(crate) fn set_opt(obj: &Object, key: &str, value: Option<&str>) {
    let value = value.map_or(JsValue::NULL, JsValue::from_str);
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value);
}
