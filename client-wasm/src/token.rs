//! The token view the Worker answers (`docs/worker-api.md`): what the page holds in memory.
use wasm_bindgen::JsValue;

use crate::js;

/// The Worker's token view: `{access_token, token_type, expires_at, scope, user, provider}`.
#[derive(Debug, Clone)]
pub(crate) struct TokenView {
    pub(crate) access_token: String,
    /// UNIX seconds; `None` when the provider gave no lifetime (never refreshed early).
    pub(crate) expires_at: Option<f64>,
    pub(crate) scope: Option<String>,
    pub(crate) user: JsValue,
    /// The view as received, for opt-in persistence.
    pub(crate) raw: JsValue,
}

impl TokenView {
    /// Reads a token view; `None` without a string `access_token`.
    pub(crate) fn from_js(raw: JsValue) -> Option<Self> {
        let user = js::get(&raw, "user");
        Some(Self {
            access_token: js::get_str(&raw, "access_token")?,
            expires_at: js::get_f64(&raw, "expires_at"),
            scope: js::get_str(&raw, "scope"),
            user: if user.is_object() {
                user
            } else {
                JsValue::NULL
            },
            raw,
        })
    }

    /// Whether the token expires within `leeway` seconds of `now`.
    pub(crate) fn needs_refresh(&self, now: f64, leeway: f64) -> bool {
        needs_refresh(self.expires_at, now, leeway)
    }

    /// `{expiresAt, scope, user}`: the detail of `login` and `tokenRefreshed`, and what
    /// `refresh()` resolves to. The access token itself is only handed out by `getAccessToken`.
    pub(crate) fn info(&self) -> JsValue {
        let o = js::object();
        js::set_opt_f64(&o, "expiresAt", self.expires_at);
        js::set_opt_str(&o, "scope", self.scope.as_deref());
        js::set(&o, "user", &self.user);
        o.into()
    }
}

/// The refresh rule: refresh when `expires_at - leeway <= now`; never for a token without expiry.
pub(crate) fn needs_refresh(expires_at: Option<f64>, now: f64, leeway: f64) -> bool {
    expires_at.is_some_and(|exp| exp - leeway <= now)
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::needs_refresh;

    #[test]
    fn refresh_inside_the_leeway_only() {
        assert!(!needs_refresh(Some(1000.0), 900.0, 60.0));
        assert!(needs_refresh(Some(1000.0), 940.0, 60.0));
        assert!(needs_refresh(Some(1000.0), 2000.0, 0.0));
        assert!(!needs_refresh(None, 1e12, 60.0));
    }
}
