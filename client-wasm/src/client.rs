//! The state one `OAuthClient` holds: its options, the token view, the refresh in flight and the
//! event listeners. Shared (`Rc`) by every pending operation of the client.
use std::cell::RefCell;

use js_sys::Promise;
use wasm_bindgen::JsValue;

use crate::error::{ClientErrorCode, OAuthError};
use crate::events::Events;
use crate::js;
use crate::storage::{self, Area};
use crate::token::TokenView;
use crate::worker::WorkerApi;

/// Where the opt-in persisted token view is kept.
const TOKEN_KEY: &str = "oauth-edge:token";

/// `new OAuthClient(options)`, checked.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) worker: String,
    pub(crate) provider: Option<String>,
    /// `None`: memory only (the default).
    pub(crate) persist: Option<Area>,
    pub(crate) leeway: f64,
}

impl Options {
    /// Reads `{worker, provider?, storage?, refreshLeewaySeconds?}`.
    pub(crate) fn from_js(o: &JsValue) -> Result<Self, OAuthError> {
        let bad = || OAuthError::from(ClientErrorCode::InvalidOptions);
        let worker = js::get_str(o, "worker")
            .filter(|w| !w.is_empty())
            .ok_or_else(bad)?;
        let provider = match js::get(o, "provider") {
            v if v.is_undefined() || v.is_null() => None,
            v => Some(v.as_string().ok_or_else(bad)?),
        };
        let storage = js::get(o, "storage");
        let persist = match storage.as_string().as_deref() {
            _ if storage.is_undefined() => None,
            Some("memory") => None,
            Some("session") => Some(Area::Session),
            Some("local") => Some(Area::Local),
            _ => return Err(bad()),
        };
        let leeway = js::get(o, "refreshLeewaySeconds");
        let leeway = match leeway.as_f64() {
            _ if leeway.is_undefined() => 60.0,
            Some(s) if s.is_finite() && s >= 0.0 => s,
            _ => return Err(bad()),
        };
        Ok(Self {
            worker,
            provider,
            persist,
            leeway,
        })
    }
}

/// One client's state.
pub(crate) struct Inner {
    pub(crate) api: WorkerApi,
    pub(crate) provider: Option<String>,
    pub(crate) leeway: f64,
    persist: Option<Area>,
    token: RefCell<Option<TokenView>>,
    /// The refresh in flight in this tab: every caller awaits this one promise.
    pub(crate) refreshing: RefCell<Option<Promise>>,
    pub(crate) events: Events,
}

impl Inner {
    /// A client; with opt-in persistence, the stored token view is loaded back.
    pub(crate) fn new(options: Options) -> Self {
        let token = options
            .persist
            .and_then(|area| storage::read(area, TOKEN_KEY))
            .and_then(|text| js::parse_object(&text))
            .and_then(|o| TokenView::from_js(o.into()));
        Self {
            api: WorkerApi::new(&options.worker),
            provider: options.provider,
            leeway: options.leeway,
            persist: options.persist,
            token: RefCell::new(token),
            refreshing: RefCell::new(None),
            events: Events::default(),
        }
    }

    /// Holds a new token view (and persists it when asked to).
    pub(crate) fn set_token(&self, view: TokenView) {
        if let Some(area) = self.persist {
            if let Some(text) = js::stringify(&view.raw) {
                let _ = storage::write(area, TOKEN_KEY, &text);
            }
        }
        *self.token.borrow_mut() = Some(view);
    }

    /// Forgets the token view, in memory and in storage.
    pub(crate) fn clear(&self) {
        if let Some(area) = self.persist {
            storage::remove(area, TOKEN_KEY);
        }
        *self.token.borrow_mut() = None;
    }

    /// Reads the held token view, if any.
    pub(crate) fn with_token<R>(&self, f: impl FnOnce(&TokenView) -> R) -> Option<R> {
        self.token.borrow().as_ref().map(f)
    }
}
