//! `.env` files: `NAME=value` lines, `#` comments, an optional `export `
//! prefix. Single quotes are literal; double quotes take the escapes
//! `\n`, `\r`, `\t`, `\"`, `\\`, `\$` and `` \` `` (any other backslash
//! stays as written); both may span lines. An unquoted value runs to the
//! end of the line or to a ` #` comment, without trailing blanks. Nothing
//! is substituted: `pa$word` imports as written. The key is the name.

use super::{Entry, bad, single};
use crate::error::Result;

pub(crate) fn parse(text: &str) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut lines = Lines::new(text);
    while let Some((no, line)) = lines.next() {
        let at = format!("line {no}");
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let body = trimmed
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(trimmed);
        let Some((name, rest)) = body.split_once('=') else {
            return Err(bad(&at, "expected NAME=value"));
        };
        let name = name.trim_end();
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
            return Err(bad(
                &at,
                "expected NAME=value with a name without spaces or quotes",
            ));
        }
        let rest = rest.trim_start_matches([' ', '\t']);
        let value = match rest.chars().next() {
            Some(q @ ('\'' | '"')) => {
                let (value, after) = quoted(&rest[1..], q, &mut lines).ok_or_else(|| {
                    bad(&at, format!("the {} quote is never closed", quote_name(q)))
                })?;
                let after = after.trim();
                if !(after.is_empty() || after.starts_with('#')) {
                    return Err(bad(&at, "unexpected text after the closing quote"));
                }
                value
            }
            _ => unquoted(rest).to_string(),
        };
        if value.is_empty() {
            return Err(bad(
                &at,
                "the value is empty: Coffer keeps no empty secrets; remove the line or give it a value",
            ));
        }
        out.push(single(out.len() as u32 + 1, Some(no), name, value)?);
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
    use super::super::values;
    use super::*;

    fn one(text: &str) -> String {
        let e = parse(text).expect("parses");
        assert_eq!(e.len(), 1);
        values(&e[0])[0].1.to_string()
    }

    #[test]
    fn plain_comments_and_export() {
        let e = parse("# a comment\n\nexport A=1\nB = two words  # note\n  C=x#y\n").expect("ok");
        let got: Vec<_> = e
            .iter()
            .map(|e| (e.key.as_str(), values(e)[0].1.to_string(), e.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A", "1".to_string(), Some(3)),
                ("B", "two words".to_string(), Some(4)),
                ("C", "x#y".to_string(), Some(5)),
            ]
        );
        assert_eq!(values(&e[0])[0].0, "value");
    }

    #[test]
    fn no_substitution() {
        assert_eq!(one("P=pa$word\n"), "pa$word");
        assert_eq!(one("P=\"pa$word ${HOME}\"\n"), "pa$word ${HOME}");
        assert_eq!(one("P='pa$word'"), "pa$word");
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(one(r#"P="a\nb\"c\\d\$e\tf\qg""#), "a\nb\"c\\d$e\tf\\qg");
        assert_eq!(one(r"P='a\nb'"), r"a\nb");
        assert_eq!(one("P=\"has # hash\"  # comment"), "has # hash");
        assert_eq!(one("P=\"  spaces kept  \""), "  spaces kept  ");
    }

    #[test]
    fn multi_line_values() {
        let pem = "-----BEGIN KEY-----\nMIIB\n-----END KEY-----";
        assert_eq!(one(&format!("K=\"{pem}\"\n")), pem);
        assert_eq!(one(&format!("K='{pem}'\n")), pem);
        assert_eq!(one("K=\"a\r\nb\"\r\n"), "a\r\nb");
        let e = parse("K=\"a\nb\"\nNEXT=1\n").expect("ok");
        assert_eq!(e[1].line, Some(3));
    }

    #[test]
    fn crlf_lines() {
        let e = parse("A=1\r\nB=\"2\"\r\n").expect("ok");
        assert_eq!(values(&e[0])[0].1, "1");
        assert_eq!(values(&e[1])[0].1, "2");
    }

    #[test]
    fn bad_lines_are_named() {
        for (text, line) in [
            ("A=1\nnot a pair\n", "line 2"),
            ("A=1\nB=\"open\nC=2\n", "line 2"),
            ("A=1\n\nB='x' trailing\n", "line 3"),
            ("A=\n", "line 1"),
            ("A B=1\n", "line 1"),
        ] {
            let e = parse(text).expect_err(text);
            assert!(e.to_string().starts_with(line), "{text:?}: {e}");
        }
    }
}
