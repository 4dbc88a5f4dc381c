//! Futures as JS promises, through ONE `future_to_promise` instantiation: each distinct future
//! type would otherwise get its own copy of the executor glue (~2 KB of wasm each).
use std::future::Future;
use std::pin::Pin;

use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;

/// A boxed operation whose promise resolves or rejects with a JS value.
pub(crate) type Op = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Runs `op` as a promise.
pub(crate) fn promise(op: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    future_to_promise(Box::pin(op) as Op)
}
