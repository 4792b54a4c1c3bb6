//! The one binary encoding Coffer uses for what it seals and signs.
//!
//! A tag byte names the content and its version; then fixed-width integers
//! (little-endian) and length-prefixed byte strings (u32 length). Encoding is
//! canonical (one value, one encoding), so signatures and hashes over it are
//! well defined, and decoding is total: bad input gives `None`, never a
//! panic or an allocation sized by the input.

use zeroize::Zeroizing;

/// Builds one encoded value. The buffer is wiped on drop, because some
/// values (fields) hold secrets.
pub(crate) struct Writer(Zeroizing<Vec<u8>>);

impl Writer {
    pub(crate) fn new(tag: u8, capacity: usize) -> Self {
        let mut buf = Zeroizing::new(Vec::with_capacity(capacity + 1));
        buf.push(tag);
        Self(buf)
    }

    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }

    pub(crate) fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }

    pub(crate) fn count(&mut self, n: usize) -> &mut Self {
        self.0.extend_from_slice(&(n as u32).to_le_bytes());
        self
    }

    pub(crate) fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub(crate) fn opt_i64(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.u8(1).i64(v),
            None => self.u8(0),
        }
    }

    /// A fixed-size value (a hash, a public key): no length prefix.
    pub(crate) fn fixed(&mut self, v: &[u8]) -> &mut Self {
        self.0.extend_from_slice(v);
        self
    }

    pub(crate) fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.count(v.len());
        self.0.extend_from_slice(v);
        self
    }

    pub(crate) fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    pub(crate) fn strs<'a>(
        &mut self,
        items: impl ExactSizeIterator<Item = &'a String>,
    ) -> &mut Self {
        self.count(items.len());
        for s in items {
            self.str(s);
        }
        self
    }

    pub(crate) fn i64s<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a i64>) -> &mut Self {
        self.count(items.len());
        for v in items {
            self.i64(*v);
        }
        self
    }

    pub(crate) fn finish(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

/// Reads one encoded value; every method returns `None` on bad input.
pub(crate) struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// Starts reading a value that must begin with `tag`.
    pub(crate) fn new(bytes: &'a [u8], tag: u8) -> Option<Self> {
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

    pub(crate) fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    pub(crate) fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    pub(crate) fn count(&mut self) -> Option<usize> {
        let raw: [u8; 4] = self.take(4)?.try_into().ok()?;
        Some(u32::from_le_bytes(raw) as usize)
    }

    pub(crate) fn i64(&mut self) -> Option<i64> {
        let raw: [u8; 8] = self.take(8)?.try_into().ok()?;
        Some(i64::from_le_bytes(raw))
    }

    pub(crate) fn opt_i64(&mut self) -> Option<Option<i64>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.i64()?)),
            _ => None,
        }
    }

    pub(crate) fn fixed<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.count()?;
        self.take(n)
    }

    pub(crate) fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// A list whose items each take at least `min_item` bytes: a count larger
    /// than what is left is refused before anything is allocated.
    fn list_len(&mut self, min_item: usize) -> Option<usize> {
        let n = self.count()?;
        (n.saturating_mul(min_item) <= self.0.len()).then_some(n)
    }

    pub(crate) fn strs(&mut self) -> Option<Vec<String>> {
        let n = self.list_len(4)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.str()?.to_string());
        }
        Some(out)
    }

    pub(crate) fn i64s(&mut self) -> Option<Vec<i64>> {
        let n = self.list_len(8)?;
        (0..n).map(|_| self.i64()).collect()
    }

    /// A list of items read by `item`, each at least `min_item` bytes long.
    pub(crate) fn list<T>(
        &mut self,
        min_item: usize,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let n = self.list_len(min_item)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(item(self)?);
        }
        Some(out)
    }

    /// Everything must have been read.
    pub(crate) fn done<T>(self, value: T) -> Option<T> {
        self.0.is_empty().then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_input() {
        let mut w = Writer::new(b'T', 16);
        w.u8(7)
            .bool(true)
            .i64(-5)
            .opt_i64(None)
            .opt_i64(Some(9))
            .fixed(&[1, 2])
            .str("été")
            .i64s([3i64, 4].iter());
        let enc = w.finish();
        let mut r = Reader::new(&enc, b'T').expect("tag");
        assert_eq!(r.u8(), Some(7));
        assert_eq!(r.bool(), Some(true));
        assert_eq!(r.i64(), Some(-5));
        assert_eq!(r.opt_i64(), Some(None));
        assert_eq!(r.opt_i64(), Some(Some(9)));
        assert_eq!(r.fixed::<2>(), Some([1, 2]));
        assert_eq!(r.str(), Some("été"));
        assert_eq!(r.i64s(), Some(vec![3, 4]));
        assert_eq!(r.done(()), Some(()));
        assert!(Reader::new(&enc, b'X').is_none(), "wrong tag");
        // A huge count is refused without allocating.
        let mut r = Reader::new(&[b'T', 0xff, 0xff, 0xff, 0xff], b'T').expect("tag");
        assert!(r.i64s().is_none());
        let mut r = Reader::new(&[b'T', 2], b'T').expect("tag");
        assert!(r.bool().is_none(), "a bool is 0 or 1");
    }
}
