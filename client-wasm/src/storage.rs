//! `sessionStorage` and `localStorage`, failing soft: a blocked storage reads as empty.
use crate::env::window;
use crate::error::{ClientErrorCode, OAuthError};

/// Which Web Storage area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Area {
    /// Per tab, survives reloads: the pending login lives here.
    Session,
    /// Per origin, shared by tabs.
    Local,
}

fn area(area: Area) -> Option<web_sys::Storage> {
    let w = window();
    match area {
        Area::Session => w.session_storage(),
        Area::Local => w.local_storage(),
    }
    .ok()
    .flatten()
}

/// The stored text, if any.
pub(crate) fn read(which: Area, key: &str) -> Option<String> {
    area(which)?.get_item(key).ok().flatten()
}

/// Stores `value` (quota or privacy settings may refuse).
pub(crate) fn write(which: Area, key: &str, value: &str) -> Result<(), OAuthError> {
    area(which)
        .ok_or(ClientErrorCode::StorageUnavailable)?
        .set_item(key, value)
        .map_err(|_| ClientErrorCode::StorageUnavailable.into())
}

/// Removes the key (nothing to do when storage is blocked).
pub(crate) fn remove(which: Area, key: &str) {
    if let Some(s) = area(which) {
        let _ = s.remove_item(key);
    }
}
