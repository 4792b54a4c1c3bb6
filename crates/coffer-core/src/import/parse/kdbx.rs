//! A KeePass database (`.kdbx`, KDBX 3.1 and 4 with AES-KDF or Argon2),
//! opened with its password by the `keepass` crate, in memory. Every
//! entry outside the recycle bin becomes a secret keyed by its title,
//! with the fields `username`, `password`, `url`, `notes`, `totp` (from
//! KeePassXC's `otp` attribute) and then each custom attribute by its own
//! name, in name order. Entries are numbered depth first, groups and
//! entries in the database's order. The group path without the root group
//! and the entry's own KeePass tags become tags.

use keepass::db::{DatabaseOpenError, GroupRef};
use keepass::{Database, DatabaseKey};
use secrecy::{ExposeSecret, SecretString};

use super::{Builder, Entry};
use crate::error::{Error, Result};

/// The first four bytes of every KeePass 2 database.
pub(crate) const MAGIC: [u8; 4] = [0x03, 0xD9, 0xA2, 0x9A];

/// Standard attributes and the field each becomes.
const STANDARD: [(&str, &str); 5] = [
    ("UserName", "username"),
    ("Password", "password"),
    ("URL", "url"),
    ("Notes", "notes"),
    ("otp", "totp"),
];

/// The most key-derivation work a database may ask for. The file sets
/// its own cost, so without a ceiling a crafted `.kdbx` could make the
/// import allocate any amount of memory or run for hours. KeePassXC's
/// defaults (Argon2 64 MiB, a few iterations; AES-KDF calibrated to about
/// a second) are far below these.
const MAX_ARGON2_MEMORY: u64 = 1 << 30;
const MAX_ARGON2_ITERATIONS: u64 = 1_000;
const MAX_ARGON2_LANES: u64 = 64;
const MAX_AES_ROUNDS: u64 = 500_000_000;

/// KDBX 4's KDF parameters by name, each with its ceiling and how the
/// refusal names it.
const KDBX4_CEILINGS: [(&[u8], u64, &str); 4] = [
    (b"M", MAX_ARGON2_MEMORY, "Argon2 memory"),
    (b"I", MAX_ARGON2_ITERATIONS, "Argon2 iterations"),
    (b"P", MAX_ARGON2_LANES, "Argon2 parallelism"),
    (b"R", MAX_AES_ROUNDS, "AES-KDF rounds"),
];

/// Refuses a database whose header asks for more key-derivation work than
/// the ceilings above. A header this cannot read is left to the parser,
/// which says what is wrong with it.
fn check_kdf_cost(bytes: &[u8]) -> Result<()> {
    let too_costly = |what: &str| {
        Error::invalid(format!(
            "this KeePass database asks for an unusually high key-derivation cost ({what}): lower it in KeePassXC (Database → Database Security → Encryption settings) and try again"
        ))
    };
    let Some(major) = bytes.get(10..12).map(|b| u16::from_le_bytes([b[0], b[1]])) else {
        return Ok(());
    };
    let mut at = 12usize;
    loop {
        let Some(&id) = bytes.get(at) else {
            return Ok(());
        };
        let (len, head) = if major >= 4 {
            match bytes.get(at + 1..at + 5) {
                Some(b) => (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 5),
                None => return Ok(()),
            }
        } else {
            match bytes.get(at + 1..at + 3) {
                Some(b) => (usize::from(u16::from_le_bytes([b[0], b[1]])), 3),
                None => return Ok(()),
            }
        };
        let Some(data) = at
            .checked_add(head)
            .and_then(|start| bytes.get(start..start.checked_add(len)?))
        else {
            return Ok(());
        };
        match id {
            0 => return Ok(()),
            // KDBX 3: AES-KDF rounds.
            6 if major < 4 && read_u64(data).is_some_and(|r| r > MAX_AES_ROUNDS) => {
                return Err(too_costly("AES-KDF rounds"));
            }
            // KDBX 4: the KDF's parameters.
            11 if major >= 4 => {
                for (name, value) in variant_numbers(data) {
                    let ceiling = KDBX4_CEILINGS.iter().find(|(n, _, _)| *n == name);
                    if let Some((_, _, what)) = ceiling.filter(|(_, max, _)| value > *max) {
                        return Err(too_costly(what));
                    }
                }
            }
            _ => {}
        }
        at += head + len;
    }
}

fn read_u64(b: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(..8)?.try_into().ok()?))
}

/// The numeric items (UInt32, UInt64) of a KDBX 4 variant dictionary, as
/// (name, value); stops at the end marker or at anything malformed.
fn variant_numbers(d: &[u8]) -> Vec<(&[u8], u64)> {
    let mut out = Vec::new();
    let mut at = 2usize; // the dictionary's version
    while let Some(&kind) = d.get(at) {
        if kind == 0 {
            break;
        }
        let field = |from: usize| -> Option<(&[u8], usize)> {
            let n = u32::from_le_bytes(d.get(from..from + 4)?.try_into().ok()?) as usize;
            let start = from + 4;
            Some((d.get(start..start.checked_add(n)?)?, start + n))
        };
        let Some((name, next)) = field(at + 1) else {
            break;
        };
        let Some((value, next)) = field(next) else {
            break;
        };
        let number = match (kind, value.len()) {
            (0x04, 4) => Some(u64::from(u32::from_le_bytes([
                value[0], value[1], value[2], value[3],
            ]))),
            (0x05, 8) => read_u64(value),
            _ => None,
        };
        if let Some(v) = number {
            out.push((name, v));
        }
        at = next;
    }
    out
}

pub(crate) fn parse(bytes: &[u8], password: &SecretString) -> Result<Vec<Entry>> {
    check_kdf_cost(bytes)?;
    let key = DatabaseKey::new().with_password(password.expose_secret());
    let db = Database::parse(bytes, key).map_err(|e| match e {
        // The wrong key is reported from several layers (KDBX 3 and 4),
        // each wrapping the key error transparently: its text is the
        // stable part (and never holds anything secret).
        e if e.to_string().contains("Incorrect key") => Error::AuthFailed(
            "the KeePass database's password is wrong (a database that also needs a key file cannot be imported)"
                .into(),
        ),
        // KDBX 3 has no key check before decrypting: a wrong key shows
        // as the payload's padding failing.
        DatabaseOpenError::Cryptography(_) => Error::AuthFailed(
            "the KeePass database's password is wrong, or the database is damaged".into(),
        ),
        DatabaseOpenError::UnsupportedVersion => Error::invalid(
            "this KeePass database's version is not supported: save it with KeePassXC 2.x (KDBX 4) and try again",
        ),
        _ => Error::invalid("this KeePass database is damaged or not a .kdbx file"),
    })?;
    let bin = db.recycle_bin().map(|g| g.id());
    let mut out = Vec::new();
    walk(&db.root(), "", bin, &mut out)?;
    Ok(out)
}

fn walk(
    group: &GroupRef<'_>,
    path: &str,
    bin: Option<keepass::db::GroupId>,
    out: &mut Vec<Entry>,
) -> Result<()> {
    for e in group.entries() {
        let mut b = Builder::new(out.len() as u32 + 1, None);
        for (attr, field) in STANDARD {
            b.field(field, e.get(attr).unwrap_or(""))?;
        }
        let mut custom: Vec<(&String, &str)> = e
            .fields
            .iter()
            .filter(|(name, _)| {
                name.as_str() != "Title" && !STANDARD.iter().any(|(a, _)| a == name)
            })
            .map(|(name, v)| (name, v.get().as_str()))
            .collect();
        custom.sort();
        for (name, value) in custom {
            b.field(name.trim(), value)?;
        }
        if !path.is_empty() {
            b.tag(path);
        }
        for t in &e.tags {
            b.tag(t);
        }
        out.push(b.finish(e.get("Title").unwrap_or(""))?);
    }
    for g in group.groups() {
        if Some(g.id()) == bin {
            continue;
        }
        let sub = if path.is_empty() {
            g.name.clone()
        } else {
            format!("{path}/{}", g.name)
        };
        walk(&g, &sub, bin, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::values;
    use super::*;

    /// Made by pykeepass (`create_database`): KDBX 4, Argon2d; password
    /// `fixture-pw`.
    const KDBX4: &[u8] = include_bytes!("testdata/kdbx4-argon2.kdbx");
    /// Made by `keepassxc-cli db-create` 2.7.4: KDBX 3.1, AES-KDF; password
    /// `pw`; root group "Passwords".
    const KDBX3: &[u8] = include_bytes!("testdata/kdbx31-aes.kdbx");

    /// `bytes` with the 8 bytes after the first `marker` set to `value`.
    fn patched(bytes: &[u8], marker: &[u8], value: u64) -> Vec<u8> {
        let at = bytes
            .windows(marker.len())
            .position(|w| w == marker)
            .expect("marker in the fixture's header")
            + marker.len();
        let mut out = bytes.to_vec();
        out[at..at + 8].copy_from_slice(&value.to_le_bytes());
        out
    }

    #[test]
    fn a_crafted_key_derivation_cost_is_refused_before_any_work() {
        let pw = SecretString::from("fixture-pw");
        // Argon2 memory (UInt64 "M") and iterations ("I") in KDBX 4.
        for (name, value) in [(b'M', 1u64 << 40), (b'I', 1u64 << 32)] {
            let marker = [0x05, 1, 0, 0, 0, name, 8, 0, 0, 0];
            let err = parse(&patched(KDBX4, &marker, value), &pw).expect_err("refused");
            assert_eq!(err.code(), crate::error::ErrorCode::InvalidInput);
            assert!(err.to_string().contains("key-derivation cost"), "{err}");
        }
        // At the ceiling it is only a wrong password (the file's own KDF
        // runs, with the cost it asks for: keep it small here).
        let same = patched(KDBX4, &[0x05, 1, 0, 0, 0, b'I', 8, 0, 0, 0], 2);
        assert!(parse(&same, &SecretString::from("wrong")).is_err());
        // AES-KDF rounds in KDBX 3 (header field 6, a u16 length of 8).
        let err = parse(
            &patched(KDBX3, &[6, 8, 0], 1 << 40),
            &SecretString::from("pw"),
        )
        .expect_err("refused");
        assert!(err.to_string().contains("AES-KDF rounds"), "{err}");
        // A header this cannot read is left to the parser.
        assert!(check_kdf_cost(&KDBX4[..20]).is_ok());
    }

    #[test]
    fn kdbx4_with_argon2() {
        let e = parse(KDBX4, &SecretString::from("fixture-pw")).expect("opens");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].key, "mail");
        assert_eq!(
            values(&e[0]),
            [
                ("username", "ana"),
                ("password", "hunter$2"),
                ("url", "https://mail"),
                ("notes", "line one\nline two")
            ]
        );
        assert!(e[0].tags.is_empty());
        assert_eq!(e[1].key, "prod db");
        assert_eq!(
            values(&e[1]),
            [
                ("username", "bob"),
                ("password", "x\"y é"),
                ("totp", "otpauth://totp/x?secret=JBSWY3DP"),
                ("port", "5432")
            ]
        );
        assert_eq!(e[1].tags, ["Work"]);
    }

    #[test]
    fn kdbx3_from_keepassxc_cli() {
        let e = parse(KDBX3, &SecretString::from("pw")).expect("opens");
        let keys: Vec<_> = e.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["mail", "prod db"]);
        assert_eq!(values(&e[1]), [("username", "bob"), ("password", "x\"y")]);
        assert_eq!(e[1].tags, ["Work"]);
    }

    #[test]
    fn wrong_password_and_damage() {
        let e = parse(KDBX4, &SecretString::from("nope")).expect_err("wrong");
        assert_eq!(e.code(), crate::error::ErrorCode::AuthFailed);
        assert!(e.to_string().contains("password is wrong"), "{e}");
        let e = parse(&KDBX3[..200], &SecretString::from("pw")).expect_err("cut");
        assert_eq!(e.code(), crate::error::ErrorCode::InvalidInput);
    }
}
