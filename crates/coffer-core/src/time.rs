//! The clock, in the vault's unit: milliseconds since the Unix epoch.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (UTC).
pub type Timestamp = i64;

/// One week, the horizon for "expiring soon".
pub const EXPIRY_WARNING_MS: Timestamp = 7 * 24 * 60 * 60 * 1000;

pub fn now_ms() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Timestamp)
        .unwrap_or(0)
}
