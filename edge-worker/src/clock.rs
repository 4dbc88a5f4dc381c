//! The shell's clock: the runtime's `Date.now()`, as UNIX seconds for the pure code.
//!
//! On Workers the clock advances only across I/O, which is all a session expiry check needs.
use oauth_edge_shared::UnixTime;

/// Now, in whole seconds since the UNIX epoch.
pub(crate) fn now() -> UnixTime {
    worker::Date::now().as_millis() / 1000
}

/// Now, in milliseconds since the UNIX epoch (for waits measured inside one request).
pub(crate) fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}
