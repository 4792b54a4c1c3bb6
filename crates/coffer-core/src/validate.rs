//! Input validation. Every message says what is wrong and how to fix it,
//! and none repeats the input (it might be a value pasted in the wrong box).

use std::collections::HashSet;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

pub(crate) const MAX_KEY_CHARS: usize = 256;
pub(crate) const MAX_FIELD_NAME_CHARS: usize = 128;
pub(crate) const MAX_FIELDS: usize = 100;
pub(crate) const MAX_VALUE_BYTES: usize = 64 * 1024;
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 2000;
pub(crate) const MAX_TAG_CHARS: usize = 40;
pub(crate) const MAX_TAGS: usize = 32;
pub(crate) const MIN_PASSWORD_CHARS: usize = 8;
pub(crate) const MAX_PASSWORD_BYTES: usize = 1024;

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

fn trimmed(s: &str) -> bool {
    s.trim() == s
}

/// A secret's key: what scripts fetch it by.
pub(crate) fn secret_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::invalid(
            "the key is empty: give the secret a key such as DB_PASSWORD",
        ));
    }
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(Error::invalid(format!(
            "the key is longer than {MAX_KEY_CHARS} characters"
        )));
    }
    if has_control(key) {
        return Err(Error::invalid(
            "the key contains a control character (such as a tab or newline)",
        ));
    }
    if !trimmed(key) {
        return Err(Error::invalid(
            "the key starts or ends with a space: remove it",
        ));
    }
    Ok(())
}

/// Field names: at least one field, names unique, values within bounds.
pub(crate) fn field_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid(
            "a field has no name: name every field (a single value is usually `value`)",
        ));
    }
    if name.chars().count() > MAX_FIELD_NAME_CHARS {
        return Err(Error::invalid(format!(
            "a field name is longer than {MAX_FIELD_NAME_CHARS} characters"
        )));
    }
    if has_control(name) || !trimmed(name) {
        return Err(Error::invalid(
            "a field name has a control character or leading/trailing space",
        ));
    }
    Ok(())
}

pub(crate) fn field_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut seen = HashSet::new();
    let mut count = 0;
    for name in names {
        field_name(name)?;
        if !seen.insert(name) {
            return Err(Error::invalid(
                "two fields have the same name: field names must be unique",
            ));
        }
        count += 1;
    }
    if count == 0 {
        return Err(Error::invalid("a secret needs at least one field"));
    }
    if count > MAX_FIELDS {
        return Err(Error::invalid(format!(
            "a secret can have at most {MAX_FIELDS} fields"
        )));
    }
    Ok(())
}

pub(crate) fn field_value(value: &SecretString) -> Result<()> {
    let v = value.expose_secret();
    if v.is_empty() {
        return Err(Error::invalid(
            "a field's value is empty: enter a value or remove the field",
        ));
    }
    if v.len() > MAX_VALUE_BYTES {
        return Err(Error::invalid(format!(
            "a field's value is larger than {} KiB",
            MAX_VALUE_BYTES / 1024
        )));
    }
    Ok(())
}

pub(crate) fn description(d: &str) -> Result<()> {
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Error::invalid(format!(
            "the description is longer than {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    if d.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::invalid(
            "the description contains a control character",
        ));
    }
    Ok(())
}

/// Tags form a set: trimmed, duplicates (ignoring case) dropped, order kept.
pub(crate) fn tags(input: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for raw in input {
        let tag = raw.trim();
        if tag.is_empty() {
            return Err(Error::invalid("a tag is empty"));
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(Error::invalid(format!(
                "a tag is longer than {MAX_TAG_CHARS} characters"
            )));
        }
        if has_control(tag) || tag.contains(',') {
            return Err(Error::invalid(
                "a tag contains a comma or a control character",
            ));
        }
        if !out.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            out.push(tag.to_string());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(Error::invalid(format!(
            "a secret can have at most {MAX_TAGS} tags"
        )));
    }
    Ok(out)
}

/// Department codes: short, letters, digits, `-` and `_`; stored upper-case.
pub(crate) fn department_code(code: &str) -> Result<String> {
    let ok = !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(Error::invalid(
            "a department code must be 1 to 32 letters, digits, `-` or `_` (for example FIN)",
        ));
    }
    Ok(code.to_ascii_uppercase())
}

pub(crate) fn department_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || has_control(name) {
        return Err(Error::invalid(
            "a department name must be 1 to 100 characters with no control characters",
        ));
    }
    Ok(name.to_string())
}

pub(crate) fn username(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !ok {
        return Err(Error::invalid(
            "a username must be 1 to 64 letters, digits, `.`, `_`, `-` or `@` (for example ana.lima)",
        ));
    }
    Ok(())
}

pub(crate) fn display_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.chars().count() > 100 || has_control(name) {
        return Err(Error::invalid(
            "a display name must be at most 100 characters with no control characters",
        ));
    }
    Ok(name.to_string())
}

/// The least zxcvbn score a new password must reach: 3, "safely
/// unguessable" (10^8 guesses or more before Argon2 makes each one slow).
pub(crate) const MIN_PASSWORD_SCORE: u8 = 3;

/// zxcvbn's matching grows quickly with length; a password's first 100
/// characters decide (a long password whose start is weak is refused).
const SCORED_CHARS: usize = 100;

/// How a password measures up to the rule for new ones (`api` turns this
/// into the wire type `PasswordCheck`).
pub(crate) struct Strength {
    /// zxcvbn's score, 0 to 4.
    pub score: u8,
    /// What is wrong, if anything, in a sentence without the password.
    pub problem: Option<String>,
    pub suggestions: Vec<String>,
}

/// How a password measures up to the rule for new ones. `context`: words
/// it must not lean on (the username, the display name).
pub(crate) fn check_password(password: &SecretString, context: &[&str]) -> Strength {
    let p = password.expose_secret();
    let chars = p.chars().count();
    let scored: String = p.chars().take(SCORED_CHARS).collect();
    let mut words: Vec<&str> = context.iter().copied().filter(|w| !w.is_empty()).collect();
    words.push("coffer");
    let estimate = zxcvbn::zxcvbn(&scored, &words);
    let score = u8::from(estimate.score());
    // zxcvbn's warnings and suggestions are its own fixed sentences.
    let suggestions = estimate
        .feedback()
        .map(|f| f.suggestions().iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    let problem = if chars < MIN_PASSWORD_CHARS {
        Some(format!(
            "The password is too short: use at least {MIN_PASSWORD_CHARS} characters."
        ))
    } else if p.len() > MAX_PASSWORD_BYTES {
        Some(format!(
            "The password is longer than {MAX_PASSWORD_BYTES} bytes."
        ))
    } else if p.trim() != p {
        Some(
            "The password starts or ends with whitespace, which is easy to mistype: remove it."
                .into(),
        )
    } else if score < MIN_PASSWORD_SCORE {
        let why = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(" ({})", w.to_string().trim_end_matches('.').to_lowercase()))
            .unwrap_or_default();
        Some(format!(
            "This password is too easy to guess{why}: use a longer one, for example four or more random words."
        ))
    } else {
        None
    };
    Strength {
        score,
        problem,
        suggestions,
    }
}

/// Checks a password someone chooses (a vault's first, a new one, or an
/// initial one an admin sets): refused unless [`check_password`] accepts it.
pub(crate) fn new_password(password: &SecretString, context: &[&str]) -> Result<()> {
    match check_password(password, context).problem {
        None => Ok(()),
        Some(problem) => {
            // As an error: a clause, like every core message.
            let mut msg = problem.trim_end_matches('.').to_string();
            if let Some(first) = msg.get(..1) {
                msg = first.to_lowercase() + &msg[1..];
            }
            Err(Error::invalid(msg))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(secret_key("DB_PASSWORD").is_ok());
        assert!(secret_key("KEY 1").is_ok());
        assert!(secret_key("").is_err());
        assert!(secret_key(" KEY").is_err());
        assert!(secret_key("A\nB").is_err());
        assert!(secret_key(&"k".repeat(MAX_KEY_CHARS + 1)).is_err());
    }

    #[test]
    fn errors_never_echo_input() {
        let canary = "CANARY-hunter2-\u{7}";
        for err in [secret_key(canary), field_name(canary), description(canary)] {
            let msg = err.expect_err("invalid").to_string();
            assert!(!msg.contains("CANARY"), "{msg}");
        }
    }

    #[test]
    fn field_names_unique_and_present() {
        assert!(field_names(["host", "port"]).is_ok());
        assert!(field_names(["host", "host"]).is_err());
        assert!(field_names(std::iter::empty()).is_err());
    }

    #[test]
    fn tags_are_a_set() {
        let t = tags(&["prod".into(), " Prod ".into(), "db".into()]).expect("tags");
        assert_eq!(t, vec!["prod".to_string(), "db".to_string()]);
        assert!(tags(&["a,b".into()]).is_err());
        assert!(tags(&["  ".into()]).is_err());
    }

    #[test]
    fn codes_and_usernames() {
        assert_eq!(department_code("fin").expect("code"), "FIN");
        assert!(department_code("F I N").is_err());
        assert!(username("ana.lima").is_ok());
        assert!(username("ana lima").is_err());
    }

    #[test]
    fn passwords() {
        let check = |p: &str, context: &[&str]| new_password(&SecretString::from(p), context);
        assert!(check("correct horse battery staple", &[]).is_ok());
        assert!(check("short", &[]).is_err());
        assert!(check(" padded but otherwise a fine password", &[]).is_err());
        for weak in [
            "password",
            "Password1!",
            "12345678",
            "qwertyuiop",
            "letmein123",
        ] {
            let e = check(weak, &[]).expect_err(weak);
            assert!(e.to_string().contains("too easy to guess"), "{e}");
        }
        let e = check("Zebra1234", &[]).expect_err("weak");
        assert!(
            !e.to_string().contains("Zebra"),
            "never repeats the password: {e}"
        );
        // The user's own name makes a password easier to guess.
        assert!(check("ana-lima-1984", &[]).is_ok());
        assert!(check("ana-lima-1984", &["ana-lima"]).is_err());
        // Only the first 100 characters are scored: fast on the longest.
        let long = "x".repeat(MAX_PASSWORD_BYTES);
        let started = std::time::Instant::now();
        assert!(check(&long, &[]).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
