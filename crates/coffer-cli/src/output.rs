//! How results look: aligned tables for people, JSON for scripts.
//!
//! Nothing here sees a value. Printing a secret happens in the `get` and
//! `show` commands, at the one line that exposes it.

use std::io::Write;

use coffer_core::{DeptScope, ExpiryState, Scope, SecretSummary, UserScope};
use serde::Serialize;

use crate::dates;
use crate::error::{CliError, CliResult};

/// Writes to stdout. A reader that went away (`coffer list | head -1`) is
/// not a failure: the rest of the output is dropped, as it would be with
/// the default SIGPIPE behaviour of C tools.
pub fn out(text: &str) -> CliResult<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::new(
            coffer_core::ErrorCode::Io,
            format!("cannot write output: {}", e.kind()),
        )),
    }
}

/// Prints a line.
pub fn line(text: impl AsRef<str>) -> CliResult<()> {
    out(&format!("{}\n", text.as_ref()))
}

/// Prints a value as one line of JSON.
pub fn json<T: Serialize + ?Sized>(value: &T) -> CliResult<()> {
    let text = serde_json::to_string(value).map_err(|_| {
        CliError::new(
            coffer_core::ErrorCode::Io,
            "cannot encode the output as JSON",
        )
    })?;
    line(text)
}

/// Replaces control characters so stored text cannot move the cursor or
/// break a table.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Left-aligned columns, two spaces apart; the last column is not padded.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let header: Vec<String> = headers.iter().map(|h| (*h).to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i < last {
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

pub fn departments(scope: &Scope) -> String {
    match &scope.departments {
        DeptScope::All => "all".into(),
        DeptScope::Departments { codes } => codes.join(","),
    }
}

pub fn users(scope: &Scope, creator: &str) -> String {
    match scope.users {
        UserScope::All => "all".into(),
        UserScope::Creator => format!("only {creator}"),
    }
}

/// The expiry badge of the secrets table.
pub fn expiry(s: &SecretSummary) -> String {
    match (s.expiry, s.expires_at) {
        (ExpiryState::Expired, _) => "EXPIRED".into(),
        (ExpiryState::ExpiringSoon, Some(at)) => format!("soon: {}", dates::expiry(at)),
        (_, Some(at)) => dates::expiry(at),
        (_, None) => "-".into(),
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The secrets table (no values, ever).
pub fn secrets_table(list: &[SecretSummary]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                if s.damaged {
                    "(damaged)".into()
                } else {
                    clean(&s.key)
                },
                clean(&s.field_names.join(",")),
                departments(&s.scope),
                users(&s.scope, &s.created_by),
                clean(&s.tags.join(",")),
                expiry(s),
                yes_no(s.active).into(),
                dates::datetime(s.updated_at),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "KEY",
            "FIELDS",
            "DEPARTMENTS",
            "USERS",
            "TAGS",
            "EXPIRES",
            "ACTIVE",
            "UPDATED",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align() {
        let t = table(
            &["ID", "KEY"],
            &[
                vec!["1".into(), "A".into()],
                vec!["100".into(), "LONGER".into()],
            ],
        );
        assert_eq!(t, "ID   KEY\n1    A\n100  LONGER\n");
    }

    #[test]
    fn clean_removes_control_characters() {
        assert_eq!(clean("a\x1b[2Jb\n"), "a [2Jb ");
    }
}
