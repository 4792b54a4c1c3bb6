//! The plaintext encoding of what Coffer encrypts: metadata and fields.
//!
//! A tag byte names the content and its version; then strings and counts,
//! each length-prefixed (u32, little-endian). Encoding goes into a buffer
//! wiped on drop, and decoding allocates only the strings it returns: JSON
//! would leave unwiped copies of values behind and, for metadata, cost
//! more than the AES-GCM that protects it.

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::record::{Fields, Meta};

const META_V1: u8 = b'M';
const FIELDS_V1: u8 = b'F';

struct Writer(Zeroizing<Vec<u8>>);

impl Writer {
    fn new(tag: u8, capacity: usize) -> Self {
        let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
        buf.push(tag);
        Self(buf)
    }

    fn count(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u32).to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        self.count(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn strs<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a String>) {
        self.count(items.len());
        for s in items {
            self.str(s);
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], tag: u8) -> Option<Self> {
        let (&first, rest) = bytes.split_first()?;
        (first == tag).then_some(Self(rest))
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn count(&mut self) -> Option<usize> {
        let raw: [u8; 4] = self.take(4)?.try_into().ok()?;
        Some(u32::from_le_bytes(raw) as usize)
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.count()?;
        std::str::from_utf8(self.take(n)?).ok()
    }

    fn strs(&mut self) -> Option<Vec<String>> {
        let n = self.count()?;
        // Never trust a count for an allocation size.
        let mut out = Vec::with_capacity(n.min(256));
        for _ in 0..n {
            out.push(self.str()?.to_string());
        }
        Some(out)
    }

    /// Everything must have been read.
    fn done<T>(self, value: T) -> Option<T> {
        self.0.is_empty().then_some(value)
    }
}

pub(crate) fn encode_meta(m: &Meta) -> Zeroizing<Vec<u8>> {
    let mut w = Writer::new(META_V1, 64 + m.key.len() + m.description.len());
    w.str(&m.key);
    w.str(&m.description);
    w.strs(m.tags.iter());
    w.strs(m.field_names.iter());
    w.0
}

pub(crate) fn decode_meta(bytes: &[u8]) -> Option<Meta> {
    let mut r = Reader::new(bytes, META_V1)?;
    let key = r.str()?.to_string();
    let description = r.str()?.to_string();
    let tags = r.strs()?;
    let field_names = r.strs()?;
    r.done(Meta {
        key,
        description,
        tags,
        field_names,
    })
}

pub(crate) fn encode_fields(f: &Fields) -> Zeroizing<Vec<u8>> {
    let mut w = Writer::new(FIELDS_V1, 64);
    w.count(f.0.len());
    for (name, value) in &f.0 {
        w.str(name);
        w.str(value.expose_secret());
    }
    w.0
}

pub(crate) fn decode_fields(bytes: &[u8]) -> Option<Fields> {
    let mut r = Reader::new(bytes, FIELDS_V1)?;
    let n = r.count()?;
    let mut out = Vec::with_capacity(n.min(256));
    for _ in 0..n {
        let name = r.str()?.to_string();
        out.push((name, SecretString::from(r.str()?)));
    }
    r.done(Fields(out))
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
