//! `list --expiring [DAYS]`: your active secrets that expired or expire
//! within DAYS (default 7), soonest first, for scripts and cron. The core
//! picks them; this prints them.

use coffer_core::time::now_ms;

use crate::args::Global;
use crate::dates;
use crate::error::CliResult;
use crate::output::{self, clean, line, table};
use crate::session;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// "expired 2 days ago", "expires today", "expires in 3 days".
fn when(at: i64, now: i64) -> String {
    let days = (at - now).div_euclid(DAY_MS);
    match days {
        d if at <= now && d >= -1 => "expired".into(),
        d if at <= now => format!("expired {} days ago", -d - 1),
        0 => "expires within a day".into(),
        1 => "expires in 1 day".into(),
        d => format!("expires in {d} days"),
    }
}

pub fn list(g: &Global, days: u32) -> CliResult<()> {
    let (mut vault, _) = session::sign_in(g)?;
    let list = vault.expiring_secrets(days)?;
    if g.json {
        return output::json(&list);
    }
    if list.is_empty() {
        return line(format!(
            "None of your secrets has expired or expires within {days} day(s)."
        ));
    }
    let now = now_ms();
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|s| {
            let at = s.expires_at.unwrap_or_default();
            vec![
                s.id.to_string(),
                clean(&s.key),
                output::departments(&s.scope),
                dates::expiry(at),
                when(at, now),
            ]
        })
        .collect();
    output::out(&table(
        &["ID", "KEY", "DEPARTMENTS", "EXPIRES", "STATE"],
        &rows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_when() {
        let now = 100 * DAY_MS;
        assert_eq!(when(now - 1, now), "expired");
        assert_eq!(when(now - 3 * DAY_MS - 5, now), "expired 3 days ago");
        assert_eq!(when(now + 5, now), "expires within a day");
        assert_eq!(when(now + DAY_MS + 5, now), "expires in 1 day");
        assert_eq!(when(now + 6 * DAY_MS + 5, now), "expires in 6 days");
    }
}
