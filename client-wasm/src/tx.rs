//! The pending login of this tab: ONE single-use transaction in `sessionStorage`, plus a marker
//! of the last consumed `state` so that a replayed callback is told apart from a stranger's.
//!
//! The verifier stays in this tab (it never enters a URL); the Worker keeps its own sealed copy
//! of the challenge in the transaction cookie.
use wasm_bindgen::JsValue;

use crate::error::OAuthError;
use crate::js;
use crate::storage::{self, Area};

const PENDING_KEY: &str = "oauth-edge:pending";
const USED_KEY: &str = "oauth-edge:used-state";

/// What `login()` remembers for `handleCallback()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingTx {
    pub(crate) state: String,
    pub(crate) verifier: String,
    pub(crate) return_to: String,
    pub(crate) issuer: Option<String>,
    pub(crate) provider: Option<String>,
}

impl PendingTx {
    /// Stores this transaction, replacing any earlier one (one login at a time per tab).
    pub(crate) fn save(&self) -> Result<(), OAuthError> {
        let o = js::object();
        js::set(&o, "state", &JsValue::from_str(&self.state));
        js::set(&o, "verifier", &JsValue::from_str(&self.verifier));
        js::set(&o, "returnTo", &JsValue::from_str(&self.return_to));
        js::set_opt_str(&o, "issuer", self.issuer.as_deref());
        js::set_opt_str(&o, "provider", self.provider.as_deref());
        let text = js::stringify(&o).unwrap_or_default();
        storage::write(Area::Session, PENDING_KEY, &text)
    }

    /// Removes the pending transaction and returns it: after this call it is gone, whatever the
    /// caller goes on to decide (single use).
    pub(crate) fn take() -> Option<Self> {
        let text = storage::read(Area::Session, PENDING_KEY);
        storage::remove(Area::Session, PENDING_KEY);
        let o: JsValue = js::parse_object(&text?)?.into();
        Some(Self {
            state: js::get_str(&o, "state")?,
            verifier: js::get_str(&o, "verifier")?,
            return_to: js::get_str(&o, "returnTo").unwrap_or_default(),
            issuer: js::get_str(&o, "issuer"),
            provider: js::get_str(&o, "provider"),
        })
    }
}

/// Records `state` as consumed.
pub(crate) fn mark_used(state: &str) {
    let _ = storage::write(Area::Session, USED_KEY, state);
}

/// The last consumed `state`, if any.
pub(crate) fn last_used() -> Option<String> {
    storage::read(Area::Session, USED_KEY)
}
