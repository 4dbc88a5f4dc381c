//! The [Web Locks API](https://w3c.github.io/web-locks/): one refresh at a time across every tab
//! of the origin. Bound by hand: web-sys only has `LockManager` behind `web_sys_unstable_apis`.
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    type LockManager;

    /// `navigator`, seen only for its `locks`.
    type LockNavigator;

    #[wasm_bindgen(method, getter)]
    fn locks(this: &LockNavigator) -> Option<LockManager>;

    #[wasm_bindgen(method, catch)]
    fn request(this: &LockManager, name: &str, callback: &Function) -> Result<Promise, JsValue>;
}

/// Runs `work` while holding the lock `name` in every tab of this origin, and returns a promise
/// of its result. Without the Web Locks API (old browsers, insecure origins) `work` runs at once:
/// the Worker's `held_expires_at` rule still keeps the tabs consistent.
pub(crate) fn with_lock(name: &str, work: impl FnOnce() -> Promise + 'static) -> Promise {
    let navigator: LockNavigator = crate::env::window().navigator().unchecked_into();
    match navigator.locks() {
        Some(locks) => {
            let slot = std::rc::Rc::new(std::cell::Cell::new(Some(work)));
            let inner = slot.clone();
            let callback = Closure::once_into_js(move |_lock: JsValue| match inner.take() {
                Some(work) => work(),
                None => Promise::resolve(&JsValue::UNDEFINED),
            });
            match locks.request(name, callback.unchecked_ref()) {
                Ok(p) => p,
                // `request` threw synchronously (e.g. opaque origin): run without the lock.
                Err(_) => match slot.take() {
                    Some(work) => work(),
                    None => Promise::resolve(&JsValue::UNDEFINED),
                },
            }
        }
        None => work(),
    }
}
