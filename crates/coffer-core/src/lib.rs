//! Coffer's core: the encrypted vault and every rule of the product.
//!
//! Front ends (the `coffer` CLI, the desktop app) are thin shells over
//! [`Vault`]: they parse input, call one method, and present the result or
//! the [`Error`]'s [`ErrorCode`]. Nothing here prints, and nothing here
//! knows about Tauri or clap.
//!
//! Layout, in layers that only point down:
//!
//! 1. `crypto` (the only module that touches raw primitives), `error`,
//!    `time`, `api` (every type that crosses IPC or `--json`), `redact`,
//!    `dotenv` (reading and writing `.env` files), `mask` (hiding values
//!    in a stream of output), `inject` (a command's variables from
//!    references), `private_file` (files only
//!    their owner can read), `plain` (the plaintexts
//!    Coffer encrypts), `wire` and `codec` (their binary encodings).
//! 2. `store`: every SQL statement, behind the `Store` trait.
//! 3. `seal`: signed headers, associated data, and sealing and opening
//!    every encrypted column. `trust`: the signed directory and this
//!    device's memory of it.
//! 4. `keys`, `account`: who holds which key; `cx`: the transaction
//!    context; `record`: one secret as stored, the one way to write a
//!    revision and to make a new version; `rekey`: sharing and replacing
//!    keys as the directory changes.
//! 5. `policy` and `resolve` (the pure rules) and `access` (who may see,
//!    edit and use a secret as stored).
//! 6. Features, which do not import each other: `secrets`, `usages`,
//!    `history`, `lookup`, `users`, `device`, `export`, `expiry`; with `listing` (the
//!    session's decrypted table) and `legacy` (reading vaults of format 1).
//! 7. `vault`: opening a vault, running transactions, signing in,
//!    enrollment and upgrades, and every public operation.

mod access;
mod account;
mod api;
mod audit;
mod codec;
mod crypto;
mod cx;
mod device;
pub mod dotenv;
mod error;
mod expiry;
mod export;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod history;
mod import;
pub mod inject;
mod keys;
mod legacy;
mod listing;
mod lookup;
pub mod mask;
mod plain;
mod policy;
pub mod prefs;
pub mod private_file;
mod record;
mod redact;
mod rekey;
mod resolve;
mod seal;
mod secrets;
mod store;
pub mod time;
mod trust;
mod usages;
mod users;
mod validate;
mod vault;
mod wire;

#[cfg(test)]
mod adversary;

pub use api::*;
pub use crypto::{Fingerprint, KdfParams};
pub use device::{CredentialStore, MemoryStore, OsKeyring};
pub use error::{Error, ErrorCode, Result};
pub use secrecy::{ExposeSecret, SecretString};

/// How a password measures up to the rule every new password must meet
/// (`context`: the username and display name it must not lean on).
pub fn check_password(password: &SecretString, context: &[&str]) -> PasswordCheck {
    let s = validate::check_password(password, context);
    PasswordCheck {
        acceptable: s.problem.is_none(),
        score: s.score,
        problem: s.problem,
        suggestions: s.suggestions,
    }
}
pub use store::device::default_state_dir;

/// The format `import` would pick for a file with these bytes (from its
/// content: KeePass magic bytes, JSON shape, CSV header, else `.env`), so a
/// front end knows whether to ask for a database password first.
pub fn detect_import_format(bytes: &[u8]) -> ImportFormat {
    import::parse::sniff(bytes)
}
pub use vault::{
    ChangeWatch, CopyReport, InitOptions, KdfChoice, Vault, VaultOptions, sign_in_delay_secs,
};

/// A random password for a new user's first sign-in: 20 characters from an
/// alphabet without look-alikes (about 115 bits).
pub fn generate_password() -> SecretString {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        // Rejection sampling keeps every character equally likely.
        let [b] = crypto::random_bytes::<1>();
        if (b as usize) < ALPHABET.len() * (256 / ALPHABET.len()) {
            out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
        }
    }
    SecretString::from(out)
}
