//! The import parsers: pure functions from a file's bytes to [`Entry`]s,
//! with no I/O and no vault. Each format has its own module; [`parse`]
//! picks one from the content (or takes the caller's word for it).
//!
//! What every parser guarantees:
//! - Values come through byte for byte (no trimming, no `$VAR`
//!   substitution, no line-ending changes inside a value).
//! - An entry's key is derived in one documented way per format (the
//!   variable name, the JSON object key, the KeePass or Bitwarden title
//!   with surrounding white space removed) and checked by the same rule
//!   as a key typed by hand. An invalid key is an error naming the line or
//!   entry, never a silent rename; so is a key used twice in one file.
//! - Empty values are dropped from multi-field entries; an entry left
//!   with no value at all is an error.
//! - Error messages name the line (text formats) or entry number and what
//!   is wrong, never a key or a value.

mod bitwarden;
mod csv_formats;
mod dotenv;
mod json;
mod kdbx;

use std::collections::HashMap;

use secrecy::SecretString;

use crate::api::ImportFormat;
use crate::error::{Error, Result};
use crate::validate;

pub(crate) use kdbx::MAGIC as KDBX_MAGIC;

/// One entry of an import file.
pub(crate) struct Entry {
    /// 1-based position in the file.
    pub number: u32,
    /// The line it starts on, for text formats.
    pub line: Option<u32>,
    pub key: String,
    /// In the file's order; names unique, values non-empty.
    pub fields: Vec<(String, SecretString)>,
    /// From the file (a KeePass group path, Bitwarden folders).
    pub tags: Vec<String>,
}

crate::redact::redacted_debug!(Entry { number, line } hides { key, fields, tags });

impl Entry {
    /// Where the entry is, for messages: "line 12" or "entry 3".
    pub(crate) fn place(&self) -> String {
        place(self.number, self.line)
    }
}

pub(crate) fn place(number: u32, line: Option<u32>) -> String {
    match line {
        Some(l) => format!("line {l}"),
        None => format!("entry {number}"),
    }
}

/// An error about one place in the file.
pub(crate) fn bad(at: &str, what: impl std::fmt::Display) -> Error {
    Error::invalid(format!("{at}: {what}"))
}

/// A parsed file (its `Debug` shows no keys or values).
#[derive(Debug)]
pub(crate) struct Parsed {
    pub format: ImportFormat,
    pub entries: Vec<Entry>,
}

/// Picks the format from the content: a KeePass database by its magic
/// bytes, JSON by its shape (Bitwarden's has `items`), CSV by its header
/// row, and anything else as `.env`.
pub(crate) fn sniff(bytes: &[u8]) -> ImportFormat {
    if bytes.starts_with(&KDBX_MAGIC) {
        return ImportFormat::Kdbx;
    }
    let text = strip_bom(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    if let Some(i) = start
        && text[i] == b'{'
    {
        return match serde_json::from_slice::<serde_json::Value>(text) {
            Ok(v) if v.get("items").is_some() || v.get("encrypted").is_some() => {
                ImportFormat::BitwardenJson
            }
            _ => ImportFormat::Json,
        };
    }
    let first_line = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let header = String::from_utf8_lossy(first_line).to_ascii_lowercase();
    if header.contains("login_password") || header.contains("login_username") {
        return ImportFormat::BitwardenCsv;
    }
    if header.contains("title") && header.contains("password") && header.contains(',') {
        return ImportFormat::KeepassxcCsv;
    }
    ImportFormat::Env
}

/// Parses a file in `format` (or the sniffed one).
pub(crate) fn parse(
    bytes: &[u8],
    format: Option<ImportFormat>,
    password: Option<&SecretString>,
) -> Result<Parsed> {
    let format = format.unwrap_or_else(|| sniff(bytes));
    let entries = match format {
        ImportFormat::Kdbx => {
            let password = password.ok_or_else(|| {
                Error::invalid("a KeePass database needs its password to be imported")
            })?;
            kdbx::parse(bytes, password)?
        }
        other => {
            let text = std::str::from_utf8(strip_bom(bytes)).map_err(|e| {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1;
                Error::invalid(format!("line {line}: the file is not UTF-8 text"))
            })?;
            match other {
                ImportFormat::Json => json::parse(text)?,
                ImportFormat::Env => dotenv::parse(text)?,
                ImportFormat::KeepassxcCsv => csv_formats::keepassxc(text)?,
                ImportFormat::BitwardenJson => bitwarden::parse(text)?,
                ImportFormat::BitwardenCsv => csv_formats::bitwarden(text)?,
                ImportFormat::Kdbx => Vec::new(),
            }
        }
    };
    check_unique(&entries)?;
    Ok(Parsed { format, entries })
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Two entries with one key would be one secret twice at the same scope.
fn check_unique(entries: &[Entry]) -> Result<()> {
    let mut seen: HashMap<&str, &Entry> = HashMap::with_capacity(entries.len());
    for e in entries {
        if let Some(first) = seen.insert(e.key.as_str(), e) {
            return Err(bad(
                &e.place(),
                format!(
                    "the same key as {}: keys must be unique in a file; rename one of them",
                    first.place()
                ),
            ));
        }
    }
    Ok(())
}

/// Builds an entry from a title and candidate fields: the key is the title
/// without surrounding white space; empty fields are dropped.
pub(crate) struct Builder {
    number: u32,
    line: Option<u32>,
    fields: Vec<(String, SecretString)>,
    tags: Vec<String>,
}

impl Builder {
    pub(crate) fn new(number: u32, line: Option<u32>) -> Self {
        Self {
            number,
            line,
            fields: Vec::new(),
            tags: Vec::new(),
        }
    }

    fn at(&self) -> String {
        place(self.number, self.line)
    }

    /// Adds a field unless its value is empty.
    pub(crate) fn field(&mut self, name: &str, value: &str) -> Result<()> {
        if value.is_empty() {
            return Ok(());
        }
        if self.fields.iter().any(|(n, _)| n == name) {
            return Err(bad(
                &self.at(),
                "two fields have the same name: rename one of them",
            ));
        }
        validate::field_name(name).map_err(|e| bad(&self.at(), e))?;
        let value = SecretString::from(value);
        validate::field_value(&value).map_err(|e| bad(&self.at(), e))?;
        self.fields.push((name.to_string(), value));
        Ok(())
    }

    /// Adds a tag unless empty (checked with the secret's other tags).
    pub(crate) fn tag(&mut self, tag: &str) {
        let tag = tag.trim();
        if !tag.is_empty() && !self.tags.iter().any(|t| t == tag) {
            self.tags.push(tag.to_string());
        }
    }

    pub(crate) fn finish(self, title: &str) -> Result<Entry> {
        let at = self.at();
        let key = title.trim();
        if key.is_empty() {
            return Err(bad(&at, "the entry has no title to use as its key"));
        }
        validate::secret_key(key).map_err(|e| bad(&at, e))?;
        if self.fields.is_empty() {
            return Err(bad(&at, "the entry has no value to import"));
        }
        validate::tags(&self.tags).map_err(|e| bad(&at, e))?;
        Ok(Entry {
            number: self.number,
            line: self.line,
            key: key.to_string(),
            fields: self.fields,
            tags: self.tags,
        })
    }
}

/// A single-value entry (`.env`, a string in `secrets.json`): the key as
/// written, one field named `value`.
pub(crate) fn single(
    number: u32,
    line: Option<u32>,
    key: &str,
    value: SecretString,
) -> Result<Entry> {
    let at = place(number, line);
    validate::secret_key(key).map_err(|e| bad(&at, e))?;
    validate::field_value(&value).map_err(|e| bad(&at, e))?;
    Ok(Entry {
        number,
        line,
        key: key.to_string(),
        fields: vec![("value".to_string(), value)],
        tags: Vec::new(),
    })
}

/// The group path of a KeePass entry without its root group's name
/// (`Root/Work/DB` -> `Work/DB`; an entry at the root has none).
pub(crate) fn group_tag(path: &str) -> Option<&str> {
    path.split_once('/')
        .map(|(_, rest)| rest)
        .filter(|r| !r.is_empty())
}

#[cfg(test)]
pub(crate) fn values(e: &Entry) -> Vec<(&str, &str)> {
    use secrecy::ExposeSecret;
    e.fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.expose_secret()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_format() {
        assert_eq!(sniff(b"A=1\n"), ImportFormat::Env);
        assert_eq!(sniff(b"  {\"A\": \"1\"}"), ImportFormat::Json);
        assert_eq!(
            sniff(b"{\"encrypted\": false, \"items\": []}"),
            ImportFormat::BitwardenJson
        );
        assert_eq!(
            sniff(b"\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\"\n"),
            ImportFormat::KeepassxcCsv
        );
        assert_eq!(
            sniff(b"folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n"),
            ImportFormat::BitwardenCsv
        );
        assert_eq!(sniff(&KDBX_MAGIC), ImportFormat::Kdbx);
    }

    #[test]
    fn duplicate_keys_name_both_places() {
        let e = parse(b"A=1\nB=2\nA=3\n", None, None).expect_err("duplicate");
        let msg = e.to_string();
        assert!(msg.contains("line 3") && msg.contains("line 1"), "{msg}");
    }

    #[test]
    fn not_utf8_names_the_line() {
        let e = parse(b"A=1\nB=\xff\n", Some(ImportFormat::Env), None).expect_err("binary");
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn group_paths_drop_the_root() {
        assert_eq!(group_tag("Root"), None);
        assert_eq!(group_tag("Root/Work/DB"), Some("Work/DB"));
    }
}
