//! Where passwords and values come from: the environment, a file, standard
//! input, or the terminal.
//!
//! Standard input is reserved for data (`--value-stdin`,
//! `--new-password-stdin`), so a prompt talks to the terminal itself, and
//! only when a person is plausibly there: a script with every stream
//! redirected fails fast with a message instead of hanging on a prompt.

use std::fs::File;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;

use coffer_core::{ExposeSecret, SecretString};

use crate::error::{CliError, CliResult};

/// Larger than any value or password the vault accepts, so the core's own
/// limit is what people see; this only stops reading an endless stream.
const STDIN_LIMIT: u64 = 1024 * 1024;

/// Drops one trailing `\n` (or `\r\n`), in place.
fn strip_one_newline(s: &mut String) {
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
}

fn first_line(mut s: String) -> String {
    if let Some(end) = s.find('\n') {
        s.truncate(end);
    }
    strip_one_newline(&mut s);
    if s.ends_with('\r') {
        s.pop();
    }
    s
}

/// The acting user's password given explicitly: `COFFER_PASSWORD`, else
/// the first line of `--password-file`.
pub fn explicit(password_file: Option<&Path>) -> CliResult<Option<SecretString>> {
    if let Some(p) = std::env::var_os("COFFER_PASSWORD") {
        let p = p
            .into_string()
            .map_err(|_| CliError::usage("COFFER_PASSWORD is not valid UTF-8"))?;
        if !p.is_empty() {
            return Ok(Some(SecretString::from(p)));
        }
    }
    let Some(path) = password_file else {
        return Ok(None);
    };
    let mut text = String::new();
    File::open(path)
        .and_then(|f| f.take(STDIN_LIMIT).read_to_string(&mut text))
        .map_err(|e| {
            CliError::usage(format!(
                "cannot read the password file {}: {}",
                path.display(),
                e.kind()
            ))
        })?;
    let line = first_line(text);
    if line.is_empty() {
        return Err(CliError::usage(format!(
            "the password file {} is empty",
            path.display()
        )));
    }
    Ok(Some(SecretString::from(line)))
}

/// Whether a person can answer a prompt: a terminal exists and we were
/// started from it (not with every stream redirected, as scripts and tests
/// do).
fn can_prompt() -> bool {
    (std::io::stdin().is_terminal() || std::io::stderr().is_terminal())
        && File::open("/dev/tty").is_ok()
}

/// Asks on the terminal; `None` when nobody can answer.
pub fn prompt(question: &str) -> CliResult<Option<SecretString>> {
    if !can_prompt() {
        return Ok(None);
    }
    let answer = rpassword::prompt_password(question)
        .map_err(|e| CliError::usage(format!("cannot read from the terminal: {}", e.kind())))?;
    Ok(Some(SecretString::from(answer)))
}

/// Asks a yes-or-no question on the terminal; `None` when nobody can
/// answer. An empty answer is `default`.
pub fn ask_yes_no(question: &str, default: bool) -> CliResult<Option<bool>> {
    if !can_prompt() {
        return Ok(None);
    }
    let cannot =
        |e: std::io::Error| CliError::usage(format!("cannot use the terminal: {}", e.kind()));
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(cannot)?;
    let hint = if default { "[Y/n]" } else { "[y/N]" };
    loop {
        write!(tty, "{question} {hint} ").map_err(cannot)?;
        tty.flush().map_err(cannot)?;
        let mut answer = String::new();
        let read = std::io::BufReader::new(&tty)
            .take(256)
            .read_line(&mut answer)
            .map_err(cannot)?;
        if read == 0 {
            // The terminal closed: nobody answered.
            return Ok(None);
        }
        match answer.trim().to_lowercase().as_str() {
            "" => return Ok(Some(default)),
            "y" | "yes" => return Ok(Some(true)),
            "n" | "no" => return Ok(Some(false)),
            _ => writeln!(tty, "Please answer y or n.").map_err(cannot)?,
        }
    }
}

/// Asks for a new password twice; `None` when nobody can answer.
pub fn prompt_new(whose: &str) -> CliResult<Option<SecretString>> {
    let Some(first) = prompt(&format!("New password for {whose}: "))? else {
        return Ok(None);
    };
    let Some(again) = prompt("Repeat it: ")? else {
        return Ok(None);
    };
    // Compared here only to catch a typo; neither is printed.
    if first.expose_secret() != again.expose_secret() {
        return Err(CliError::usage(
            "the two passwords differ: nothing was changed",
        ));
    }
    Ok(Some(first))
}

fn read_stdin() -> CliResult<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(STDIN_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::usage(format!("cannot read standard input: {}", e.kind())))?;
    if bytes.len() as u64 > STDIN_LIMIT {
        return Err(CliError::usage("standard input is larger than 1 MiB"));
    }
    String::from_utf8(bytes).map_err(|_| CliError::usage("standard input is not valid UTF-8"))
}

/// A value from standard input: all of it, minus one trailing newline.
pub fn stdin_value() -> CliResult<SecretString> {
    let mut s = read_stdin()?;
    strip_one_newline(&mut s);
    Ok(SecretString::from(s))
}

/// A new password from the first line of standard input.
pub fn stdin_password() -> CliResult<SecretString> {
    let line = first_line(read_stdin()?);
    if line.is_empty() {
        return Err(CliError::usage(
            "--new-password-stdin: standard input holds no password",
        ));
    }
    Ok(SecretString::from(line))
}

/// A new password for `init`, `user add` or `passwd`: standard input when
/// asked, else (for `init`) `COFFER_PASSWORD`, else the terminal.
pub fn new_password(
    from_stdin: bool,
    env_allowed: bool,
    whose: &str,
) -> CliResult<Option<SecretString>> {
    if from_stdin {
        return stdin_password().map(Some);
    }
    let env = std::env::var_os("COFFER_PASSWORD").and_then(|p| p.into_string().ok());
    if let Some(p) = env.filter(|p| env_allowed && !p.is_empty()) {
        return Ok(Some(SecretString::from(p)));
    }
    prompt_new(whose)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines() {
        let mut s = String::from("abc\n\n");
        strip_one_newline(&mut s);
        assert_eq!(s, "abc\n");
        let mut s = String::from("abc\r\n");
        strip_one_newline(&mut s);
        assert_eq!(s, "abc");
        assert_eq!(first_line("pw\r\nrest\n".into()), "pw");
        assert_eq!(first_line("pw".into()), "pw");
    }
}
