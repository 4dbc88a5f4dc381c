//! The rate limiter's decision (`objects::rate_limiter::attempt`, the pure core of the
//! `RateLimiter` Durable Object): a fixed window of `window_seconds`, at most `max` attempts
//! counted in it. Run over a sequence of attempts from an arbitrary stored window and clock:
//! the count never exceeds `max` (once the stored window is one it wrote); a refusal counts
//! nothing and says to retry after at least 1 s and at most the window; an attempt that waits that
//! long is allowed; a clock that goes back, or a window that has ended, starts a new window.
//!
//! Input (binary, little-endian; missing bytes read as 0): max (u16), window_seconds (u32), a
//! flag byte (bit 0: a window is stored, then its start_ms u64 and count u16), now_ms (u64), then
//! up to 64 steps of a byte (bit 7: the clock goes back; bits 0–5: a shift) and a u16, the step
//! being that u16 shifted left by the shift, in milliseconds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth_edge_fuzz::Bytes;
use oauth_edge_worker::fuzzing::{rate_attempt, Decision, Rate, Window};

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let rate = Rate {
        max: u32::from(input.u16()),
        window_seconds: input.u32(),
    };
    let length = u64::from(rate.window_seconds) * 1000;
    let mut stored = (input.u8() & 1 == 1).then(|| Window {
        start_ms: input.u64(),
        count: u32::from(input.u16()),
    });
    let mut now = input.u64();
    let mut ours = stored.is_none_or(|w| w.count <= rate.max);
    for _ in 0..64 {
        // (A window whose end lies beyond u64::MAX ends there.)
        let live = stored.filter(|w| w.start_ms <= now && now < w.start_ms.saturating_add(length));
        let (window, decision) = rate_attempt(stored, rate, now);
        match decision {
            Decision::Allowed => {
                let before = live.map_or(0, |w| w.count);
                assert!(before < rate.max, "allowed over max");
                assert_eq!(window.count, before + 1);
                assert_eq!(window.start_ms, live.map_or(now, |w| w.start_ms));
            }
            Decision::Refused { retry_after } => {
                assert!(retry_after >= 1, "retry_after 0");
                assert!(
                    retry_after <= u64::from(rate.window_seconds).max(1),
                    "retry_after {retry_after} beyond the window"
                );
                assert_eq!(
                    Some(window),
                    live.or(Some(Window {
                        start_ms: now,
                        count: 0
                    })),
                    "a refusal counts nothing"
                );
                assert!(window.count >= rate.max);
                // Waiting as told is enough.
                if let Some(later) = now.checked_add(retry_after * 1000) {
                    if rate.max >= 1 {
                        assert_eq!(
                            rate_attempt(Some(window), rate, later).1,
                            Decision::Allowed,
                            "still refused after {retry_after} s"
                        );
                    }
                }
            }
        }
        assert!(
            !ours || window.count <= rate.max,
            "count {} over max {}",
            window.count,
            rate.max
        );
        if live.is_none() {
            ours = true; // a window the limiter started
        }
        stored = Some(window);
        if input.is_empty() {
            break;
        }
        let step = input.u8();
        let delta = u64::from(input.u16())
            .checked_shl(u32::from(step & 0x3f))
            .unwrap_or(u64::MAX);
        let back = step & 0x80 != 0;
        now = if back {
            now.saturating_sub(delta)
        } else {
            now.saturating_add(delta)
        };
        if back {
            // A clock that went back before the window's start opens a new window.
            let (w, _) = rate_attempt(stored, rate, now);
            if stored.is_some_and(|s| now < s.start_ms) {
                assert!(w.start_ms == now && w.count <= 1);
            }
        }
    }
});
