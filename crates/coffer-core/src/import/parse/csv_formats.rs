//! CSV exports, columns found by their header (case-insensitive, in any
//! order; unknown columns are ignored).
//!
//! - KeePassXC: `Group, Title, Username, Password, URL, Notes` (older
//!   versions), then `TOTP, Icon, Last Modified, Created`. The key is the
//!   title; the fields `username`, `password`, `url`, `notes`, `totp`;
//!   the group path without the root group becomes a tag.
//! - Bitwarden: `folder` (or `collections` in an organization export),
//!   `favorite, type, name, notes, fields, reprompt, login_uri,
//!   login_username, login_password, login_totp`. The key is the name; the
//!   fields `username`, `password`, `url`, `totp`, `notes`, then each
//!   custom field (the `fields` column: one `name: value` per line); the
//!   folder and each collection become tags.

use super::{Builder, Entry, bad, group_tag};
use crate::error::{Error, Result};

struct Table {
    header: Vec<String>,
    rows: Vec<(u32, csv::StringRecord)>,
}

impl Table {
    fn read(text: &str) -> Result<Self> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let header = r
            .headers()
            .map_err(|e| csv_error(&e))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| csv_error(&e))?;
            let line = rec.position().map_or(0, |p| p.line() as u32);
            rows.push((line, rec));
        }
        Ok(Self { header, rows })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

fn csv_error(e: &csv::Error) -> Error {
    let line = e.position().map_or(1, |p| p.line());
    let what = match e.kind() {
        csv::ErrorKind::UnequalLengths { .. } => {
            "this row has a different number of columns than the header"
        }
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text",
        _ => "not a valid CSV row",
    };
    Error::invalid(format!("line {line}: {what}"))
}

fn get(rec: &csv::StringRecord, col: Option<usize>) -> &str {
    col.and_then(|c| rec.get(c)).unwrap_or("")
}

pub(crate) fn keepassxc(text: &str) -> Result<Vec<Entry>> {
    let t = Table::read(text)?;
    let title = t
        .col("title")
        .ok_or_else(|| Error::invalid("line 1: a KeePassXC CSV needs a Title column"))?;
    let cols = [
        ("username", t.col("username")),
        ("password", t.col("password")),
        ("url", t.col("url")),
        ("notes", t.col("notes")),
        ("totp", t.col("totp")),
    ];
    let group = t.col("group");
    let mut out = Vec::with_capacity(t.rows.len());
    for (i, (line, rec)) in t.rows.iter().enumerate() {
        let mut b = Builder::new(i as u32 + 1, Some(*line));
        for (name, col) in cols {
            b.field(name, get(rec, col))?;
        }
        if let Some(tag) = group_tag(get(rec, group)) {
            b.tag(tag);
        }
        out.push(b.finish(get(rec, Some(title)))?);
    }
    Ok(out)
}

pub(crate) fn bitwarden(text: &str) -> Result<Vec<Entry>> {
    let t = Table::read(text)?;
    let name = t
        .col("name")
        .ok_or_else(|| Error::invalid("line 1: a Bitwarden CSV needs a name column"))?;
    let cols = [
        ("username", t.col("login_username")),
        ("password", t.col("login_password")),
        ("url", t.col("login_uri")),
        ("totp", t.col("login_totp")),
        ("notes", t.col("notes")),
    ];
    let (folder, collections, custom) = (t.col("folder"), t.col("collections"), t.col("fields"));
    let mut out = Vec::with_capacity(t.rows.len());
    for (i, (line, rec)) in t.rows.iter().enumerate() {
        let at = format!("line {line}");
        let mut b = Builder::new(i as u32 + 1, Some(*line));
        for (field, col) in cols {
            b.field(field, get(rec, col))?;
        }
        for l in get(rec, custom).lines().filter(|l| !l.trim().is_empty()) {
            let Some((n, v)) = l.split_once(": ") else {
                return Err(bad(&at, "a custom field is not written as `name: value`"));
            };
            b.field(n.trim(), v)?;
        }
        b.tag(get(rec, folder));
        for c in get(rec, collections).split(',') {
            b.tag(c);
        }
        out.push(b.finish(get(rec, Some(name)))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::values;
    use super::*;

    const KEEPASSXC_NEW: &str = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n\
\"Root\",\"mail\",\"ana\",\"p,a\"\"ss\",\"https://mail\",\"\",\"\",\"0\",\"2024-01-01T00:00:00Z\",\"2024-01-01T00:00:00Z\"\n\
\"Root/Work/DB\",\"prod db\",\"\",\"s3cr$t\",\"\",\"line one\nline two\",\"otpauth://totp/x?secret=AB\",\"0\",\"\",\"\"\n";

    const KEEPASSXC_OLD: &str = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\"\n\"Root/Old\",\"legacy\",\"u\",\"p\",\"\",\"\"\n";

    #[test]
    fn keepassxc_new_header() {
        let e = keepassxc(KEEPASSXC_NEW).expect("ok");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].key, "mail");
        assert_eq!(
            values(&e[0]),
            [
                ("username", "ana"),
                ("password", "p,a\"ss"),
                ("url", "https://mail")
            ]
        );
        assert!(e[0].tags.is_empty());
        assert_eq!(e[1].key, "prod db");
        assert_eq!(
            values(&e[1]),
            [
                ("password", "s3cr$t"),
                ("notes", "line one\nline two"),
                ("totp", "otpauth://totp/x?secret=AB")
            ]
        );
        assert_eq!(e[1].tags, ["Work/DB"]);
        assert_eq!(e[1].line, Some(3));
    }

    #[test]
    fn keepassxc_old_header() {
        let e = keepassxc(KEEPASSXC_OLD).expect("ok");
        assert_eq!(values(&e[0]), [("username", "u"), ("password", "p")]);
        assert_eq!(e[0].tags, ["Old"]);
    }

    #[test]
    fn keepassxc_bad_rows_are_named() {
        let no_title = format!("{KEEPASSXC_OLD}\"Root\",\"  \",\"u\",\"p\",\"\",\"\"\n");
        let e = keepassxc(&no_title).expect_err("no title");
        assert!(e.to_string().starts_with("line 3:"), "{e}");
        let short = format!("{KEEPASSXC_OLD}\"Root\",\"x\"\n");
        let e = keepassxc(&short).expect_err("short row");
        assert!(e.to_string().starts_with("line 3:"), "{e}");
        let empty = format!("{KEEPASSXC_OLD}\"Root\",\"x\",\"\",\"\",\"\",\"\"\n");
        let e = keepassxc(&empty).expect_err("no values");
        assert!(e.to_string().contains("no value"), "{e}");
    }

    #[test]
    fn bitwarden_csv() {
        let text = "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n\
Work,1,login,GitHub,,\"env: prod\nrecovery: a b c\",0,https://github.com,ana,gh$pass,JBSWY3DP\n\
,,note,Wifi,\"the code is 1234\",,,,,,\n";
        let e = bitwarden(text).expect("ok");
        assert_eq!(e[0].key, "GitHub");
        assert_eq!(
            values(&e[0]),
            [
                ("username", "ana"),
                ("password", "gh$pass"),
                ("url", "https://github.com"),
                ("totp", "JBSWY3DP"),
                ("env", "prod"),
                ("recovery", "a b c")
            ]
        );
        assert_eq!(e[0].tags, ["Work"]);
        assert_eq!(values(&e[1]), [("notes", "the code is 1234")]);
        assert_eq!(e[1].line, Some(4));
        let org = "collections,type,name,notes,fields,login_uri,login_username,login_password,login_totp\n\"Ops,Finance\",login,db,,,,u,p,\n";
        assert_eq!(bitwarden(org).expect("ok")[0].tags, ["Ops", "Finance"]);
    }
}
