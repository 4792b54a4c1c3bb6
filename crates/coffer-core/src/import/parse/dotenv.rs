//! `.env` files for import: the core's one `.env` parser
//! ([`crate::dotenv::parse`]) gives the lines; each becomes a secret whose
//! key is the variable's name and whose one field is the value. An empty
//! value is refused (Coffer keeps no empty secrets), and the name must be
//! a valid key.

use secrecy::ExposeSecret;

use super::{Entry, bad, single};
use crate::error::Result;

pub(crate) fn parse(text: &str) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for a in crate::dotenv::parse(text)? {
        if a.value.expose_secret().is_empty() {
            return Err(bad(
                &format!("line {}", a.line),
                "the value is empty: Coffer keeps no empty secrets; remove the line or give it a value",
            ));
        }
        out.push(single(
            out.len() as u32 + 1,
            Some(a.line),
            &a.name,
            a.value,
        )?);
    }
    Ok(out)
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
