//! Coffer's core: the encrypted vault and every rule of the product.
//!
//! Front ends (the `coffer` CLI, the desktop app) are thin shells over
//! [`Vault`]: they parse input, call one method, and present the result or
//! the [`Error`]'s [`ErrorCode`]. Nothing here prints, and nothing here
//! knows about Tauri or clap.
//!
//! Layout: `crypto` is the only module that touches raw primitives;
//! `wire` and `codec` are the binary encodings; `store` owns the SQLite
//! file; `trust` is the signed directory and this device's memory of it;
//! `keys`, `account` and `enroll` manage who holds which key; `header` and
//! `record` sign and seal secrets; `policy` and `resolve` are the pure
//! rules; `secrets`, `lookup`, `users`, `usages` and `device` are the
//! operations; `legacy` and `upgrade` read and upgrade vaults of format 1.

mod account;
mod codec;
mod crypto;
mod device;
mod enroll;
mod error;
mod header;
mod history;
mod keys;
mod legacy;
mod listing;
mod lookup;
mod model;
mod policy;
pub mod prefs;
mod record;
mod rekey;
mod resolve;
mod secrets;
mod store;
pub mod time;
mod trust;
mod upgrade;
mod usages;
mod users;
mod validate;
mod vault;
mod wire;

#[cfg(test)]
mod adversary;

pub use crypto::{Fingerprint, KdfParams};
pub use device::{CredentialStore, DeviceInfo, OsKeyring};
pub use error::{Error, ErrorCode, Result};
pub use history::VersionInfo;
pub use model::*;
pub use secrecy::{ExposeSecret, SecretString};
pub use trust::device::default_state_dir;
pub use usages::{NewUsage, Usage};
pub use vault::{InitOptions, KdfChoice, Vault, VaultOptions, sign_in_delay_secs};

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
