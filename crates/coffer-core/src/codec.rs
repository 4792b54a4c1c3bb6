//! The plaintext encoding of what Coffer encrypts: metadata and fields.
//!
//! In the [`wire`](crate::wire) encoding: a tag byte names the content and
//! its version; strings and counts are length-prefixed. Encoding goes into a
//! buffer wiped on drop, and decoding allocates only the strings it returns:
//! JSON would leave unwiped copies of values behind and, for metadata, cost
//! more than the AES-GCM that protects it.

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::plain::{Fields, Meta, PlainValue, UsageLabel};
use crate::wire::{Reader, Writer};

const META_V1: u8 = b'M';
/// `META_V1` followed by the plain-text fields' names and values; written
/// only when there are any, so older metadata reads back byte for byte.
const META_V2: u8 = b'N';
const FIELDS_V1: u8 = b'F';
const USAGE_V1: u8 = b'U';

pub(crate) fn encode_meta(m: &Meta) -> Zeroizing<Vec<u8>> {
    let strings = m.tags.iter().chain(&m.field_names);
    let plain = m
        .plain
        .iter()
        .map(|p| 8 + p.name.len() + p.value.len())
        .sum::<usize>();
    let capacity = 20
        + m.key.len()
        + m.description.len()
        + strings.map(|s| 4 + s.len()).sum::<usize>()
        + plain;
    let tag = if m.plain.is_empty() { META_V1 } else { META_V2 };
    let mut w = Writer::new(tag, capacity);
    w.str(&m.key)
        .str(&m.description)
        .strs(m.tags.iter())
        .strs(m.field_names.iter());
    if !m.plain.is_empty() {
        w.count(m.plain.len());
        for p in &m.plain {
            w.str(&p.name).str(&p.value);
        }
    }
    w.finish()
}

pub(crate) fn decode_meta(bytes: &[u8]) -> Option<Meta> {
    let v2 = bytes.first() == Some(&META_V2);
    let mut r = Reader::new(bytes, if v2 { META_V2 } else { META_V1 })?;
    let key = r.str()?.to_string();
    let description = r.str()?.to_string();
    let tags = r.strs()?;
    let field_names = r.strs()?;
    let plain = if v2 {
        let list = r.list(8, |r| {
            let name = r.str()?.to_string();
            let value = r.str()?.to_string();
            Some(PlainValue { name, value })
        })?;
        // Each a distinct field of this secret, in field order, and at
        // least one: anything else was not written by Coffer.
        let mut at = field_names.iter();
        let ordered = list.iter().all(|p| at.any(|n| *n == p.name));
        if list.is_empty() || !ordered {
            return None;
        }
        list
    } else {
        Vec::new()
    };
    r.done(Meta {
        key,
        description,
        tags,
        field_names,
        plain,
    })
}

pub(crate) fn encode_fields(f: &Fields) -> Zeroizing<Vec<u8>> {
    // Sized exactly up front: growing the buffer would leave copies of
    // values behind in freed memory that nothing wipes.
    let capacity = 4 + f
        .0
        .iter()
        .map(|(n, v)| 8 + n.len() + v.expose_secret().len())
        .sum::<usize>();
    let mut w = Writer::new(FIELDS_V1, capacity);
    w.count(f.0.len());
    for (name, value) in &f.0 {
        w.str(name).str(value.expose_secret());
    }
    w.finish()
}

pub(crate) fn decode_fields(bytes: &[u8]) -> Option<Fields> {
    let mut r = Reader::new(bytes, FIELDS_V1)?;
    let out = r.list(8, |r| {
        let name = r.str()?.to_string();
        Some((name, SecretString::from(r.str()?)))
    })?;
    r.done(Fields(out))
}

pub(crate) fn encode_usage(u: &UsageLabel) -> Zeroizing<Vec<u8>> {
    let mut w = Writer::new(USAGE_V1, 16 + u.name.len() + u.kind.len());
    w.str(&u.name).str(&u.kind);
    match &u.field {
        Some(f) => w.u8(1).str(f),
        None => w.u8(0),
    };
    w.finish()
}

pub(crate) fn decode_usage(bytes: &[u8]) -> Option<UsageLabel> {
    let mut r = Reader::new(bytes, USAGE_V1)?;
    let name = r.str()?.to_string();
    let kind = r.str()?.to_string();
    let field = match r.u8()? {
        0 => None,
        1 => Some(r.str()?.to_string()),
        _ => return None,
    };
    r.done(UsageLabel { name, kind, field })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips_and_rejects_garbage() {
        let m = Meta {
            key: "DB".into(),
            description: "été".into(),
            tags: vec!["a".into(), "b".into()],
            field_names: vec!["host".into()],
            plain: vec![],
        };
        let enc = encode_meta(&m);
        let back = decode_meta(&enc).expect("decode");
        assert_eq!(
            (back.key.as_str(), back.description.as_str()),
            ("DB", "été")
        );
        assert_eq!(back.tags, ["a", "b"]);
        assert_eq!(back.field_names, ["host"]);
        assert!(decode_meta(&enc[..enc.len() - 1]).is_none());
        assert!(
            decode_meta(&encode_fields(&Fields(vec![]))).is_none(),
            "wrong tag"
        );
        let mut trailing = enc.to_vec();
        trailing.push(0);
        assert!(decode_meta(&trailing).is_none());
        assert!(decode_meta(&[META_V1, 0xff, 0xff, 0xff, 0xff]).is_none());
    }

    #[test]
    fn plain_fields_round_trip_in_field_order_only() {
        let plain = |name: &str, value: &str| PlainValue {
            name: name.into(),
            value: value.into(),
        };
        let mut m = Meta {
            key: "DB".into(),
            description: String::new(),
            tags: vec![],
            field_names: vec!["host".into(), "port".into(), "password".into()],
            plain: vec![plain("host", "db.internal\n"), plain("port", "5432")],
        };
        let enc = encode_meta(&m);
        assert_eq!(enc[0], META_V2);
        let back = decode_meta(&enc).expect("decode");
        assert!(back.plain == m.plain, "names and values, in order");
        assert!(back.is_plain("port") && !back.is_plain("password"));
        assert!(decode_meta(&enc[..enc.len() - 1]).is_none());
        // Out of field order, or naming no field: not Coffer's.
        m.plain.reverse();
        assert!(decode_meta(&encode_meta(&m)).is_none());
        m.plain = vec![plain("user", "x")];
        assert!(decode_meta(&encode_meta(&m)).is_none());
        // A V2 tag with an empty list is refused too.
        m.plain.clear();
        let mut empty = encode_meta(&m).to_vec();
        empty[0] = META_V2;
        empty.extend_from_slice(&0u32.to_le_bytes());
        assert!(decode_meta(&empty).is_none());
    }

    #[test]
    fn usages_round_trip_and_reject_garbage() {
        let u = UsageLabel {
            name: "nightly".into(),
            kind: "pipeline".into(),
            field: Some("password".into()),
        };
        let enc = encode_usage(&u);
        let back = decode_usage(&enc).expect("decode");
        assert_eq!(
            (
                back.name.as_str(),
                back.kind.as_str(),
                back.field.as_deref()
            ),
            ("nightly", "pipeline", Some("password"))
        );
        assert!(decode_usage(&enc[..enc.len() - 1]).is_none());
        assert!(
            decode_usage(&encode_meta(&Meta {
                key: String::new(),
                description: String::new(),
                tags: vec![],
                field_names: vec![],
                plain: vec![],
            }))
            .is_none()
        );
        let mut bad_flag = enc.to_vec();
        let last = bad_flag.len() - "password".len() - 5;
        bad_flag[last] = 7;
        assert!(decode_usage(&bad_flag).is_none());
    }

    #[test]
    fn fields_round_trip_and_reject_garbage() {
        let f = Fields(vec![
            ("host".into(), SecretString::from("db")),
            ("password".into(), SecretString::from("p@ss")),
        ]);
        let enc = encode_fields(&f);
        let back = decode_fields(&enc).expect("decode");
        assert_eq!(back.names(), ["host", "password"]);
        assert_eq!(back.0[1].1.expose_secret(), "p@ss");
        assert!(decode_fields(&enc[..enc.len() - 1]).is_none());
        assert!(decode_fields(&[FIELDS_V1, 0xff, 0xff, 0xff, 0xff]).is_none());
        assert!(decode_fields(&[]).is_none());
    }
}
