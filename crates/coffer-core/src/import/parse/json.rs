//! `secrets.json`: one object whose members are secrets, in file order.
//! A string member is a single-value secret (field `value`); an object
//! member is a multi-field secret whose members are its fields, each a
//! string. The key is the member's name as written.

use std::fmt;

use secrecy::SecretString;
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};

use super::{Builder, Entry, bad, single};
use crate::error::{Error, Result};

/// Members in file order (serde_json's own map sorts them).
struct Ordered<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V2<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, V>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V2(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Member {
    Value(String),
    Fields(Ordered<serde_json::Value>),
    Other(IgnoredAny),
}

pub(crate) fn parse(text: &str) -> Result<Vec<Entry>> {
    let doc: Ordered<Member> = serde_json::from_str(text).map_err(|e| {
        // serde_json's messages name the line and column, not the text.
        let what = match e.classify() {
            serde_json::error::Category::Data => {
                "expected an object of key -> string or key -> object of fields"
            }
            serde_json::error::Category::Eof => "the file ends too early",
            _ => "not valid JSON",
        };
        Error::invalid(format!("line {}: {what}", e.line()))
    })?;
    let mut out = Vec::with_capacity(doc.0.len());
    for (i, (key, member)) in doc.0.into_iter().enumerate() {
        let number = i as u32 + 1;
        let entry = match member {
            Member::Value(v) => single(number, None, &key, SecretString::from(v))?,
            Member::Fields(fields) => {
                let mut b = Builder::new(number, None);
                if fields.0.is_empty() {
                    return Err(bad(&format!("entry {number}"), "the object has no fields"));
                }
                for (name, value) in &fields.0 {
                    let serde_json::Value::String(value) = value else {
                        return Err(bad(
                            &format!("entry {number}"),
                            "a field's value is not a string",
                        ));
                    };
                    if value.is_empty() {
                        return Err(bad(&format!("entry {number}"), "a field's value is empty"));
                    }
                    b.field(name, value)?;
                }
                if key.trim() != key {
                    return Err(bad(
                        &format!("entry {number}"),
                        "the key starts or ends with a space: remove it",
                    ));
                }
                b.finish(&key)?
            }
            Member::Other(_) => {
                return Err(bad(
                    &format!("entry {number}"),
                    "expected a string or an object of fields",
                ));
            }
        };
        out.push(entry);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::values;
    use super::*;

    #[test]
    fn strings_and_objects_in_file_order() {
        let e = parse(
            r#"{"Z_TOKEN": "pa$s\"word", "database": {"host": "db", "password": "p"}, "A": "1"}"#,
        )
        .expect("ok");
        let keys: Vec<_> = e.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["Z_TOKEN", "database", "A"]);
        assert_eq!(values(&e[0]), [("value", "pa$s\"word")]);
        assert_eq!(values(&e[1]), [("host", "db"), ("password", "p")]);
    }

    #[test]
    fn bad_shapes_are_named() {
        for (text, want) in [
            (r#"{"A": "1", "B": 2}"#, "entry 2"),
            (r#"{"A": {"f": 1}}"#, "entry 1"),
            (r#"{"A": {}}"#, "entry 1"),
            (r#"{"A": ""}"#, "entry 1"),
            ("{\"A\": \"1\",\n\"B\": }", "line 2"),
            (r#"["A"]"#, "line 1"),
        ] {
            let e = parse(text).expect_err(text);
            assert!(e.to_string().starts_with(want), "{text}: {e}");
        }
    }
}
