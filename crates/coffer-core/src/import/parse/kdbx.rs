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

pub(crate) fn parse(bytes: &[u8], password: &SecretString) -> Result<Vec<Entry>> {
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
