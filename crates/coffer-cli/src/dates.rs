//! Dates as people type and read them. The vault stores UTC milliseconds;
//! the command line speaks local dates, because "expires 2025-03-31" means
//! "usable through the 31st where I am".

use coffer_core::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::error::{CliError, CliResult};

const EXPIRES_HELP: &str =
    "--expires takes a date as YYYY-MM-DD or an RFC 3339 date-time such as 2025-03-31T18:00:00Z";

/// Parses `--expires`: a date means valid through that day (it expires at
/// the start of the next day, local time); a date-time is taken as given.
pub fn parse_expires(input: &str) -> CliResult<Timestamp> {
    let input = input.trim();
    let bad = || CliError::usage(EXPIRES_HELP);
    if input.len() == 10 {
        let date: Date = input.parse().map_err(|_| bad())?;
        let next = date
            .tomorrow()
            .and_then(|d| d.to_zoned(TimeZone::system()))
            .map_err(|_| bad())?;
        return Ok(next.timestamp().as_millisecond());
    }
    let at: jiff::Timestamp = input.parse().map_err(|_| bad())?;
    Ok(at.as_millisecond())
}

/// Parses a `--since`/`--until` bound: a date is the start of that day,
/// local time; a date-time is taken as given.
pub fn parse_bound(flag: &str, input: &str) -> CliResult<Timestamp> {
    let input = input.trim();
    let bad = || {
        CliError::usage(format!(
            "{flag} takes a date as YYYY-MM-DD or an RFC 3339 date-time such as 2025-03-31T18:00:00Z"
        ))
    };
    if input.len() == 10 {
        let date: Date = input.parse().map_err(|_| bad())?;
        let start = date.to_zoned(TimeZone::system()).map_err(|_| bad())?;
        return Ok(start.timestamp().as_millisecond());
    }
    let at: jiff::Timestamp = input.parse().map_err(|_| bad())?;
    Ok(at.as_millisecond())
}

fn local(ms: Timestamp) -> Option<jiff::Zoned> {
    jiff::Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.to_zoned(TimeZone::system()))
}

/// A short local date and time: `2025-03-31 18:00`.
pub fn datetime(ms: Timestamp) -> String {
    local(ms).map_or_else(|| "?".into(), |z| z.strftime("%Y-%m-%d %H:%M").to_string())
}

/// When a secret stops working: `through 2025-03-31` for a date given as
/// a day (it ends at the next local midnight), else the date and time.
pub fn expiry(ms: Timestamp) -> String {
    let Some(z) = local(ms) else {
        return "?".into();
    };
    let midnight = z.hour() == 0 && z.minute() == 0 && z.second() == 0 && z.millisecond() == 0;
    match z.yesterday() {
        Ok(day) if midnight => format!("through {}", day.strftime("%Y-%m-%d")),
        _ => z.strftime("%Y-%m-%d %H:%M").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_lasts_through_its_day() {
        let end = parse_expires("2030-01-31").expect("date");
        let start = parse_expires("2030-01-30").expect("date");
        assert_eq!(end - start, 24 * 3600 * 1000);
        assert!(datetime(end - 1).starts_with("2030-01-31 23:59"));
        assert_eq!(expiry(end), "through 2030-01-31");
        assert_ne!(expiry(end + 60_000), "through 2030-01-31");
    }

    #[test]
    fn rfc3339_and_garbage() {
        assert_eq!(
            parse_expires("2030-01-01T00:00:00Z").expect("rfc3339"),
            1_893_456_000_000
        );
        for bad in ["", "tomorrow", "2030-13-01", "2030-02-30", "31/01/2030"] {
            assert!(parse_expires(bad).is_err(), "{bad}");
        }
    }
}
