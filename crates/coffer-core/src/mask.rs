//! Masking secret values in a stream of output (`coffer run`): every
//! occurrence of a value becomes [`REPLACEMENT`], even when the value
//! arrives split across two reads.
//!
//! The output of a stream fed in pieces is exactly the output of the same
//! bytes fed at once: matches are leftmost-longest and non-overlapping, as
//! one scan of the whole stream would find them. To get there without
//! holding output back longer than needed, [`Masker::feed`] keeps only a
//! tail that could still turn into (or into a longer) match: the bytes
//! from the first position whose rest is a proper prefix of some value.
//! That tail is shorter than the longest value, so a prompt such as
//! `Password: ` is passed on at once unless it ends with the start of a
//! value.
//!
//! Values shorter than [`MIN_LEN`] bytes are not masked: replacing every
//! `1` or `yes` in a program's output would wreck it and hide nothing (the
//! caller says so). Masking is best effort by nature: a value the program
//! transforms (base64, URL-encoding, reversed) is not recognised.
//!
//! The masker holds values: its own copies and its held-back tail are
//! wiped on drop; the search automaton's internal tables are not.

use aho_corasick::{AhoCorasick, MatchKind};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// What a masked value is replaced with.
pub const REPLACEMENT: &[u8] = b"<concealed by coffer>";

/// Values shorter than this many bytes are not masked.
pub const MIN_LEN: usize = 4;

/// Whether a value is long enough to be masked.
pub fn maskable(value: &[u8]) -> bool {
    value.len() >= MIN_LEN
}

/// One output stream's masker.
pub struct Masker {
    /// `None` when there is nothing to mask: output passes through.
    search: Option<AhoCorasick>,
    values: Vec<Zeroizing<Vec<u8>>>,
    longest: usize,
    /// Bytes received but not yet passed on.
    held: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker")
            .field("values", &self.values.len())
            .field("held", &self.held.len())
            .finish()
    }
}

impl Masker {
    /// A masker for these values (short ones and repeats are skipped).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Result<Self> {
        let mut kept: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        for v in values {
            if maskable(v) && !kept.iter().any(|k| k.as_slice() == v) {
                kept.push(Zeroizing::new(v.to_vec()));
            }
        }
        let search = if kept.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(kept.iter().map(|v| v.as_slice()))
                    .map_err(|_| {
                        Error::invalid("the values to mask are too large to search for")
                    })?,
            )
        };
        let longest = kept.iter().map(|v| v.len()).max().unwrap_or(0);
        Ok(Self {
            search,
            values: kept,
            longest,
            held: Zeroizing::new(Vec::new()),
        })
    }

    /// How many distinct values are masked.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Takes the next piece of the stream and appends to `out` everything
    /// that can be passed on now.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let Some(search) = &self.search else {
            out.extend_from_slice(chunk);
            return;
        };
        self.held.extend_from_slice(chunk);
        let buf = self.held.as_slice();
        let mut pos = 0;
        let mut stop = None;
        for m in search.find_iter(buf) {
            // A match is final only if no match could start at or before
            // it and run past what has arrived (one that starts earlier,
            // or a longer one at the same place, would win).
            if let Some(open) = self.first_open(buf, pos, m.start() + 1) {
                stop = Some(open);
                break;
            }
            out.extend_from_slice(&buf[pos..m.start()]);
            out.extend_from_slice(REPLACEMENT);
            pos = m.end();
        }
        let keep =
            stop.unwrap_or_else(|| self.first_open(buf, pos, buf.len()).unwrap_or(buf.len()));
        out.extend_from_slice(&buf[pos..keep]);
        let rest = Zeroizing::new(buf[keep..].to_vec());
        self.held.zeroize();
        self.held.extend_from_slice(&rest);
    }

    /// The stream ended: appends what was held back, masked.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if let Some(search) = &self.search {
            let buf = self.held.as_slice();
            let mut pos = 0;
            for m in search.find_iter(buf) {
                out.extend_from_slice(&buf[pos..m.start()]);
                out.extend_from_slice(REPLACEMENT);
                pos = m.end();
            }
            out.extend_from_slice(&buf[pos..]);
        }
        self.held.zeroize();
    }

    /// The first position in `from..to` where the rest of `buf` is a proper
    /// prefix of a value: a match could start there and end in data that
    /// has not arrived yet. Only the last `longest - 1` positions can be.
    fn first_open(&self, buf: &[u8], from: usize, to: usize) -> Option<usize> {
        let start = from.max(buf.len().saturating_sub(self.longest.saturating_sub(1)));
        (start..to).find(|&p| {
            let tail = &buf[p..];
            self.values
                .iter()
                .any(|v| v.len() > tail.len() && v.starts_with(tail))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn masker(values: &[&str]) -> Masker {
        Masker::new(values.iter().map(|v| v.as_bytes())).expect("masker")
    }

    /// Feeds `pieces` one by one, then finishes.
    fn stream(m: &mut Masker, pieces: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in pieces {
            m.feed(p, &mut out);
        }
        m.finish(&mut out);
        out
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).expect("UTF-8")
    }

    /// The rule written the slow, obvious way: at each position the
    /// longest value that starts there is replaced; otherwise one byte
    /// passes.
    fn reference(values: &[Vec<u8>], input: &[u8]) -> Vec<u8> {
        let values: Vec<&Vec<u8>> = values.iter().filter(|v| maskable(v)).collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < input.len() {
            let best = values
                .iter()
                .filter(|v| input[i..].starts_with(v))
                .map(|v| v.len())
                .max();
            match best {
                Some(n) => {
                    out.extend_from_slice(REPLACEMENT);
                    i += n;
                }
                None => {
                    out.push(input[i]);
                    i += 1;
                }
            }
        }
        out
    }

    #[test]
    fn replaces_every_occurrence() {
        let mut m = masker(&["hunter22", "s3cr3t-token"]);
        let out = stream(
            &mut m,
            &[b"pw=hunter22 token=s3cr3t-token again hunter22\n"],
        );
        assert_eq!(
            text(out),
            "pw=<concealed by coffer> token=<concealed by coffer> again <concealed by coffer>\n"
        );
    }

    #[test]
    fn a_value_split_across_reads_is_caught() {
        let mut m = masker(&["hunter22"]);
        let mut out = Vec::new();
        m.feed(b"password: hun", &mut out);
        // The start of the value is held back, the rest passed on.
        assert_eq!(text(out.clone()), "password: ");
        m.feed(b"ter22 done", &mut out);
        assert_eq!(text(out.clone()), "password: <concealed by coffer> done");
        m.finish(&mut out);
        assert_eq!(text(out), "password: <concealed by coffer> done");
    }

    #[test]
    fn output_that_cannot_start_a_value_is_not_held_back() {
        let mut m = masker(&["hunter22"]);
        let mut out = Vec::new();
        m.feed(b"Password: ", &mut out);
        assert_eq!(text(out), "Password: ");
    }

    #[test]
    fn a_false_start_is_passed_on_at_the_end() {
        let mut m = masker(&["hunter22"]);
        assert_eq!(text(stream(&mut m, &[b"hunt", b"er2"])), "hunter2");
    }

    #[test]
    fn the_longest_value_wins_even_when_it_arrives_later() {
        let mut m = masker(&["abcd", "abcdefgh"]);
        let mut out = Vec::new();
        m.feed(b"x abcd", &mut out);
        assert_eq!(text(out.clone()), "x ", "abcd may still become abcdefgh");
        m.feed(b"efgh y", &mut out);
        m.finish(&mut out);
        assert_eq!(text(out), "x <concealed by coffer> y");
    }

    #[test]
    fn short_values_and_nothing_to_mask_pass_through() {
        let mut m = masker(&["abc", "", "yes"]);
        assert!(m.is_empty());
        let input = b"abc yes \x1b[31mred\x1b[0m\r\n\xff";
        assert_eq!(stream(&mut m, &[input]), input.to_vec());
    }

    #[test]
    fn unmasked_output_is_untouched_byte_for_byte() {
        let mut m = masker(&["hunter22"]);
        let input: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let pieces: Vec<&[u8]> = input.chunks(7).collect();
        assert_eq!(stream(&mut m, &pieces), input);
    }

    #[test]
    fn multi_line_values_are_masked() {
        let pem = "-----BEGIN KEY-----\nMIIB\n-----END KEY-----";
        let mut m = masker(&[pem]);
        let whole = format!("key:\n{pem}\nok\n");
        let (a, b) = whole.as_bytes().split_at(20);
        assert_eq!(
            text(stream(&mut m, &[a, b])),
            "key:\n<concealed by coffer>\nok\n"
        );
    }

    #[test]
    fn debug_shows_no_value() {
        let mut m = masker(&["hunter22"]);
        let mut out = Vec::new();
        m.feed(b"hunte", &mut out);
        let shown = format!("{m:?}");
        assert!(!shown.contains("hunte"), "{shown}");
    }

    /// Values and text over a small alphabet, so that values overlap,
    /// share prefixes and occur often; none of it occurs in REPLACEMENT.
    fn values_and_text() -> impl Strategy<Value = (Vec<Vec<u8>>, Vec<u8>, Vec<usize>)> {
        let value =
            proptest::collection::vec(prop_oneof![Just(b'A'), Just(b'B'), Just(b'C')], 1..9);
        (
            proptest::collection::vec(value, 1..5),
            proptest::collection::vec(
                prop_oneof![Just(b'A'), Just(b'B'), Just(b'C'), Just(b'\n')],
                0..120,
            ),
            proptest::collection::vec(0usize..130, 0..12),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// However the stream is cut into reads, the output is the one the
        /// reference gives for the whole stream, and no value survives.
        #[test]
        fn random_split_points_never_leak_a_value((values, input, cuts) in values_and_text()) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(input.len())).collect();
            cuts.sort_unstable();
            let mut pieces: Vec<&[u8]> = Vec::new();
            let mut at = 0;
            for c in cuts {
                pieces.push(&input[at..c]);
                at = c;
            }
            pieces.push(&input[at..]);
            let mut m = Masker::new(values.iter().map(Vec::as_slice)).expect("masker");
            let out = stream(&mut m, &pieces);
            prop_assert_eq!(&out, &reference(&values, &input));
            for v in values.iter().filter(|v| maskable(v)) {
                prop_assert!(
                    !out.windows(v.len()).any(|w| w == v.as_slice()),
                    "a value survived"
                );
            }
        }

        /// Output held back never exceeds the longest value minus one byte.
        #[test]
        fn holds_back_less_than_the_longest_value((values, input, _) in values_and_text()) {
            let mut m = Masker::new(values.iter().map(Vec::as_slice)).expect("masker");
            let longest = values.iter().filter(|v| maskable(v)).map(Vec::len).max().unwrap_or(0);
            let mut out = Vec::new();
            for b in &input {
                m.feed(std::slice::from_ref(b), &mut out);
                prop_assert!(m.held.len() < longest.max(1));
            }
        }
    }
}
