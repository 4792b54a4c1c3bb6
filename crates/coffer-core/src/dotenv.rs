//! `.env` files, both ways: one parser for every reader (`import`, `run`)
//! and the writer that `get --env`, copy-as-env and export share.
//!
//! Reading: `NAME=value` lines, `#` comments, an optional `export `
//! prefix. Single quotes are literal; double quotes take the escapes
//! `\n`, `\r`, `\t`, `\"`, `\\`, `\$` and `` \` `` (any other backslash
//! stays as written); both may span lines. An unquoted value runs to the
//! end of the line or to a ` #` comment, without trailing blanks. Nothing
//! is substituted: `pa$word` reads as written. What a name and a value may
//! be is the caller's rule (a secret's key for import, a variable name for
//! run); errors name the line, never a name or a value.
//!
//! Writing: a secret as one `NAME="value"` line per field. A single-field
//! secret is named by its key (`DB_PASSWORD="..."`); each field of a
//! multi-field one by key and field (`DATABASE_HOST="..."`). Names are
//! upper-cased, with anything but letters, digits and `_` turned into `_`
//! (and a leading digit prefixed by `_`). Values are double-quoted with
//! `\`, `"`, `$`, newlines and carriage returns escaped, as dotenv readers
//! expect, so every byte comes back as it was stored.

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::api::RevealedField;
use crate::error::{Error, Result};

/// The variable name for `parts` joined by `_`.
pub fn var_name(parts: &[&str]) -> String {
    let mut name: String = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
    out.push('"');
}

/// The `.env` lines for a secret with this key and these fields.
pub fn to_env(key: &str, fields: &[RevealedField]) -> SecretString {
    let mut out = Zeroizing::new(String::new());
    for f in fields {
        let name = if fields.len() == 1 {
            var_name(&[key])
        } else {
            var_name(&[key, &f.name])
        };
        out.push_str(&name);
        out.push('=');
        push_quoted(&mut out, f.value.expose_secret());
        out.push('\n');
    }
    SecretString::from(out.as_str())
}

/// One `NAME=value` line (or several, for a quoted value that spans
/// lines) of a `.env` file.
pub struct Assignment {
    /// The 1-based line it starts on.
    pub line: u32,
    /// As written, checked only for being non-empty and free of blanks and
    /// quotes.
    pub name: String,
    /// As written, unquoted and unescaped; may be empty.
    pub value: SecretString,
}

crate::redact::redacted_debug!(Assignment { line } hides { name, value });

fn bad(line: u32, what: impl std::fmt::Display) -> Error {
    Error::invalid(format!("line {line}: {what}"))
}

/// Every assignment of a `.env` file, in the file's order.
pub fn parse(text: &str) -> Result<Vec<Assignment>> {
    let mut out = Vec::new();
    let mut lines = Lines::new(text);
    while let Some((no, line)) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let body = trimmed
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(trimmed);
        let Some((name, rest)) = body.split_once('=') else {
            return Err(bad(no, "expected NAME=value"));
        };
        let name = name.trim_end();
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
            return Err(bad(
                no,
                "expected NAME=value with a name without spaces or quotes",
            ));
        }
        let rest = rest.trim_start_matches([' ', '\t']);
        let value = match rest.chars().next() {
            Some(q @ ('\'' | '"')) => {
                let (value, after) = quoted(&rest[1..], q, &mut lines).ok_or_else(|| {
                    bad(no, format!("the {} quote is never closed", quote_name(q)))
                })?;
                let after = after.trim();
                if !(after.is_empty() || after.starts_with('#')) {
                    return Err(bad(no, "unexpected text after the closing quote"));
                }
                value
            }
            _ => unquoted(rest).to_string(),
        };
        out.push(Assignment {
            line: no,
            name: name.to_string(),
            value: SecretString::from(value),
        });
    }
    Ok(out)
}

fn quote_name(q: char) -> &'static str {
    if q == '"' { "double" } else { "single" }
}

/// An unquoted value: up to a comment that follows a blank, without
/// trailing blanks (and the `\r` of a CRLF line).
fn unquoted(rest: &str) -> &str {
    let mut end = rest.len();
    let bytes = rest.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && i > 0 && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
            end = i;
            break;
        }
    }
    rest[..end].trim_end_matches([' ', '\t', '\r'])
}

/// A quoted value starting after its opening quote, possibly continuing on
/// the following lines (joined with the line breaks as written). Returns
/// the value and what follows the closing quote on its line.
fn quoted<'a>(first: &'a str, q: char, lines: &mut Lines<'a>) -> Option<(String, &'a str)> {
    let mut out = String::new();
    let mut chunk = first;
    loop {
        let mut chars = chunk.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == q {
                return Some((out, &chunk[i + 1..]));
            }
            if c == '\\' && q == '"' {
                match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 'r')) => out.push('\r'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, e @ ('"' | '\\' | '$' | '`'))) => out.push(e),
                    Some((_, other)) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        let (_, next) = lines.next_raw()?;
        out.push_str(lines.last_break());
        chunk = next;
    }
}

/// Lines with their 1-based numbers, keeping track of the line break that
/// ended each (so a multi-line value keeps `\r\n` where the file had it).
struct Lines<'a> {
    rest: &'a str,
    no: u32,
    brk: &'a str,
    prev_brk: &'a str,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            rest: text,
            no: 0,
            brk: "",
            prev_brk: "",
        }
    }

    fn next_raw(&mut self) -> Option<(u32, &'a str)> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, brk, rest) = match self.rest.find('\n') {
            Some(i) if i > 0 && self.rest.as_bytes()[i - 1] == b'\r' => (
                &self.rest[..i - 1],
                &self.rest[i - 1..=i],
                &self.rest[i + 1..],
            ),
            Some(i) => (&self.rest[..i], &self.rest[i..=i], &self.rest[i + 1..]),
            None => (self.rest, "", ""),
        };
        self.rest = rest;
        self.no += 1;
        self.prev_brk = self.brk;
        self.brk = brk;
        Some((self.no, line))
    }

    /// The line break before the line just returned.
    fn last_break(&self) -> &'a str {
        self.prev_brk
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (u32, &'a str);
    fn next(&mut self) -> Option<Self::Item> {
        self.next_raw()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, value: &str) -> RevealedField {
        RevealedField {
            name: name.into(),
            value: SecretString::from(value),
        }
    }

    /// Reads a quoted value back the way dotenv readers do.
    fn unquote(s: &str) -> String {
        let inner = &s[1..s.len() - 1];
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some(other) => out.push(other),
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn names_and_values_round_trip() {
        let pem = "-----BEGIN KEY-----\r\nMIIB\t\"x\" $HOME \\n é\n-----END KEY-----\n";
        let single = to_env("db.password", &[field("value", pem)]);
        let line = single.expose_secret();
        let (name, value) = line
            .trim_end_matches('\n')
            .split_once('=')
            .expect("one line");
        assert_eq!(name, "DB_PASSWORD");
        assert!(!value.contains('\n'), "one line per variable");
        assert_eq!(unquote(value), pem, "every byte comes back");
        let multi = to_env("database", &[field("host", "h"), field("2fa-seed", "s")]);
        assert_eq!(
            multi.expose_secret(),
            "DATABASE_HOST=\"h\"\nDATABASE_2FA_SEED=\"s\"\n"
        );
        assert_eq!(var_name(&["9lives"]), "_9LIVES");
        assert_eq!(var_name(&[""]), "_");
    }

    /// The reader's own contract (import adds its rules on top: see
    /// `import::parse::dotenv`'s tests for quotes, escapes and errors).
    #[test]
    fn reads_names_values_and_lines_as_written() {
        let text = "# c\nexport A=coffer:KEY#field\nEMPTY=\nM=\"x\ny\"\nlower.name = 'v' # note\n";
        let got: Vec<(u32, String, String)> = parse(text)
            .expect("parses")
            .into_iter()
            .map(|a| (a.line, a.name, a.value.expose_secret().to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "A".into(), "coffer:KEY#field".into()),
                (3, "EMPTY".into(), String::new()),
                (4, "M".into(), "x\ny".into()),
                (6, "lower.name".into(), "v".into()),
            ]
        );
        let e = parse("A=1\nB='open\n").expect_err("unclosed");
        assert!(e.to_string().starts_with("line 2"), "{e}");
        let shown = format!("{:?}", parse("SECRET_NAME=hunter22\n").expect("ok"));
        assert!(
            !shown.contains("hunter22") && !shown.contains("SECRET_NAME"),
            "{shown}"
        );
    }
}
