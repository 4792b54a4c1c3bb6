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

/// A moment as people at this machine read it: local time and date,
/// `10:42 (2026-12-03)` (for messages such as a conflicting save's).
pub(crate) fn local_label(ms: Timestamp) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%H:%M (%Y-%m-%d)")
            .to_string(),
        Err(_) => "an unknown time".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_label_is_time_then_date() {
        let label = local_label(now_ms());
        let (time, date) = label.split_once(' ').expect("two parts");
        assert_eq!(time.len(), 5, "{label}");
        assert_eq!(time.as_bytes()[2], b':', "{label}");
        assert!(date.starts_with('(') && date.ends_with(')'), "{label}");
        assert_eq!(date.len(), "(2026-12-03)".len(), "{label}");
        assert_eq!(local_label(i64::MAX), "an unknown time");
    }
}
