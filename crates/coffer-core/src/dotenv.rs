//! A secret as `.env` lines, for a project's environment file: one
//! `NAME="value"` line per field. A single-field secret is named by its key
//! (`DB_PASSWORD="..."`); each field of a multi-field one by key and field
//! (`DATABASE_HOST="..."`). Names are upper-cased, with anything but
//! letters, digits and `_` turned into `_` (and a leading digit prefixed
//! by `_`). Values are double-quoted with `\`, `"`, `$`, newlines and
//! carriage returns escaped, as dotenv readers expect, so every byte comes
//! back as it was stored.

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::api::RevealedField;

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
}
