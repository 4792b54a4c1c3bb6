//! The vault: one SQLite file, and at most one signed-in user per handle.
//!
//! Every operation runs in one transaction through [`Vault::run`]: it loads
//! and verifies the signed-in user afresh (so role or membership changes
//! made by another process apply at once), and on any error rolls back the
//! database and forgets keys cached during the attempt. Bad input changes
//! nothing.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, TransactionBehavior, params};
use secrecy::SecretString;

use crate::account::{self, NewAccount, PasswordLock};
use crate::crypto::{KdfParams, random_bytes};
use crate::directory;
use crate::error::{Error, Result};
use crate::keys::{self, KeyCache, KeyKind};
use crate::listing::ListCache;
use crate::model::{KdfProfile, Role, SessionInfo, Timestamp};
use crate::policy::Actor;
use crate::rekey;
use crate::store;
use crate::time::now_ms;
use crate::validate;

/// How password hashing is set up for a new vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfChoice {
    /// Calibrate Argon2id on this machine (0.5 to 1 s, never below the floor).
    Calibrate,
    /// Cheap parameters for automated tests. Recorded in the vault and
    /// flagged by every front end; never for real secrets.
    InsecureTest,
}

/// What `coffer init` needs.
#[derive(Debug)]
pub struct InitOptions {
    pub owner: String,
    pub display_name: String,
    pub password: SecretString,
    pub kdf: KdfChoice,
}

/// Sign-in attempts allowed before delays start.
const FREE_ATTEMPTS: i64 = 3;
/// Longest wait between attempts.
const MAX_DELAY_SECS: i64 = 300;

/// The wait before the next sign-in after `failures` consecutive failures:
/// none for the first three, then 2, 4, 8, ... seconds up to five minutes.
pub fn sign_in_delay_secs(failures: i64) -> i64 {
    if failures <= FREE_ATTEMPTS {
        0
    } else {
        let exp = (failures - FREE_ATTEMPTS).min(20) as u32;
        (1i64 << exp).min(MAX_DELAY_SECS)
    }
}

/// What every operation sees: its transaction, the user's keys, the user
/// as policy sees them, and one clock reading.
pub(crate) struct Cx<'a> {
    pub conn: &'a Connection,
    pub keys: &'a mut KeyCache,
    pub listing: &'a mut ListCache,
    /// Counts this handle's committed writes (see `listing`).
    pub epoch: u64,
    pub actor: Actor,
    pub now: Timestamp,
}

/// A signed-in user's keys and decrypted table, wiped together on lock.
struct Session {
    keys: KeyCache,
    listing: ListCache,
}

pub struct Vault {
    conn: Connection,
    path: PathBuf,
    vault_id: String,
    profile: KdfProfile,
    kdf: KdfParams,
    session: Option<Session>,
    write_epoch: u64,
}

impl Vault {
    /// `$XDG_DATA_HOME/coffer/vault.db` on Linux, the platform data folder
    /// elsewhere.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "coffer").map(|d| d.data_dir().join("vault.db"))
    }

    /// Creates a vault with its owner (a member of `DEFAULT`) and signs the
    /// owner in.
    pub fn create(path: &Path, opts: InitOptions) -> Result<Self> {
        validate::username(&opts.owner)?;
        let display = validate::display_name(&opts.display_name)?;
        validate::new_password(&opts.password)?;
        let (profile, kdf) = match opts.kdf {
            KdfChoice::Calibrate => (KdfProfile::Standard, KdfParams::calibrate()),
            KdfChoice::InsecureTest => (KdfProfile::InsecureTest, KdfParams::INSECURE_TEST),
        };
        let lock = PasswordLock::new(&opts.password, kdf)?;
        let mut conn = store::create(path)?;
        let vault_id: String = random_bytes::<16>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let made = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = now_ms();
            tx.execute(
                "INSERT INTO vault_meta (id, vault_id, kdf_profile, kdf_m, kdf_t, kdf_p, created_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
                params![vault_id, profile.as_str(), kdf.m_kib, kdf.t, kdf.p, now],
            )?;
            tx.execute(
                "INSERT INTO departments (code, name, created_at) VALUES ('DEFAULT', 'Default', ?1)",
                [now],
            )?;
            let default = tx.last_insert_rowid();
            let acct = NewAccount {
                username: &opts.owner,
                display_name: if display.is_empty() {
                    &opts.owner
                } else {
                    &display
                },
                role: Role::Owner,
                primary: Some(default),
                must_change_password: false,
            };
            let (id, pair) = account::insert(&tx, &acct, &lock, now)?;
            tx.execute(
                "INSERT INTO memberships (user_id, dept_id) VALUES (?1, ?2)",
                params![id, default],
            )?;
            let holders = vec![(id, pair.public_bytes().to_vec())];
            let mut cache = KeyCache::new(id, pair);
            for kind in [
                KeyKind::Index,
                KeyKind::All,
                KeyKind::Dept(default),
                KeyKind::Personal(id),
            ] {
                keys::create(&tx, &mut cache, kind, &holders, now)?;
            }
            directory::seal_record(&tx, &mut cache, id)?;
            tx.commit()?;
            cache.commit();
            Ok::<_, Error>(cache)
        })();
        match made {
            Ok(keys) => Ok(Self {
                conn,
                path: path.to_path_buf(),
                vault_id,
                profile,
                kdf,
                session: Some(Session {
                    keys,
                    listing: ListCache::default(),
                }),
                write_epoch: 0,
            }),
            Err(e) => {
                drop(conn);
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.as_os_str().to_owned();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
                Err(e)
            }
        }
    }

    /// Opens an existing vault, signed out.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = store::open(path)?;
        let (vault_id, profile, m, t, p): (String, String, u32, u32, u32) = conn.query_row(
            "SELECT vault_id, kdf_profile, kdf_m, kdf_t, kdf_p FROM vault_meta WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let profile = if profile == "standard" {
            KdfProfile::Standard
        } else {
            KdfProfile::InsecureTest
        };
        let kdf = KdfParams { m_kib: m, t, p };
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            vault_id,
            profile,
            kdf,
            session: None,
            write_epoch: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A random id naming this vault (keyring entries are per vault).
    pub fn id(&self) -> &str {
        &self.vault_id
    }

    pub fn kdf_profile(&self) -> KdfProfile {
        self.profile
    }

    pub fn is_unlocked(&self) -> bool {
        self.session.is_some()
    }

    /// Signs out and wipes every key held in memory.
    pub fn lock(&mut self) {
        self.session = None;
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn kdf(&self) -> KdfParams {
        self.kdf
    }

    /// Signs in with a password. Wrong passwords are counted per user;
    /// after three in a row each attempt must wait longer (2 s, 4 s, ...).
    pub fn unlock_with_password(
        &mut self,
        username: &str,
        password: &SecretString,
    ) -> Result<SessionInfo> {
        self.lock();
        let Some(user) = directory::find_unverified(&self.conn, username)? else {
            account::burn_time(&self.kdf);
            return Err(Error::WrongPassword {
                retry_after_secs: 0,
            });
        };
        let (failures, last_failed): (i64, Option<i64>) = self.conn.query_row(
            "SELECT failed_attempts, last_failed_at FROM users WHERE id = ?1",
            [user.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let now = now_ms();
        let wait_until = last_failed.unwrap_or(0) + sign_in_delay_secs(failures) * 1000;
        if failures > FREE_ATTEMPTS && now < wait_until {
            return Err(Error::Locked {
                retry_after_secs: ((wait_until - now) as u64).div_ceil(1000),
            });
        }
        let lock = account::stored_lock(&self.conn, user.id)?;
        let Some(pair) = account::open_with_password(user.id, &lock, password)? else {
            self.conn.execute(
                "UPDATE users SET failed_attempts = failed_attempts + 1, last_failed_at = ?2 WHERE id = ?1",
                params![user.id, now_ms()],
            )?;
            // Say now how long the next attempt must wait, so a person sees
            // the delay grow instead of meeting it on their next try.
            return Err(Error::WrongPassword {
                retry_after_secs: sign_in_delay_secs(failures + 1) as u64,
            });
        };
        if failures > 0 {
            self.conn.execute(
                "UPDATE users SET failed_attempts = 0, last_failed_at = NULL WHERE id = ?1",
                [user.id],
            )?;
        }
        self.start_session(user.id, user.disabled, pair)
    }

    /// Installs a session for a user whose bundle was just opened.
    pub(crate) fn start_session(
        &mut self,
        user_id: i64,
        disabled: bool,
        pair: crate::crypto::KeyPair,
    ) -> Result<SessionInfo> {
        if disabled {
            return Err(Error::AuthFailed(
                "this account is disabled: ask an admin".into(),
            ));
        }
        self.session = Some(Session {
            keys: KeyCache::new(user_id, pair),
            listing: ListCache::default(),
        });
        match self.session_info() {
            Ok(info) => Ok(info),
            Err(e) => {
                self.lock();
                Err(e)
            }
        }
    }

    /// Who is signed in, and how the vault is set up.
    pub fn session_info(&mut self) -> Result<SessionInfo> {
        let (vault_id, profile, kdf) = (self.vault_id.clone(), self.profile, self.kdf);
        self.run(false, true, |cx| {
            let user = directory::load(cx.conn, cx.keys, cx.actor.id)?;
            let codes = directory::dept_codes(cx.conn)?;
            Ok(SessionInfo {
                user: user.info(&codes),
                vault_id,
                kdf_profile: profile,
                kdf,
            })
        })
    }

    /// Changes the signed-in user's password (required after an initial
    /// one). The current password is checked first.
    pub fn change_password(&mut self, current: &SecretString, new: &SecretString) -> Result<()> {
        validate::new_password(new)?;
        let user_id = self
            .session
            .as_ref()
            .map(|s| s.keys.user_id())
            .ok_or_else(not_signed_in)?;
        let stored = account::stored_lock(&self.conn, user_id)?;
        if account::open_with_password(user_id, &stored, current)?.is_none() {
            return Err(Error::AuthFailed("the current password is wrong".into()));
        }
        if current.expose_secret_eq(new) {
            return Err(Error::invalid(
                "the new password must differ from the current one",
            ));
        }
        let lock = PasswordLock::new(new, self.kdf)?;
        self.run(true, true, |cx| {
            lock.store(cx.conn, cx.actor.id, cx.keys.pair())?;
            cx.conn.execute(
                "UPDATE users SET must_change_password = 0 WHERE id = ?1",
                [cx.actor.id],
            )?;
            directory::seal_record(cx.conn, cx.keys, cx.actor.id)
        })
    }

    /// Runs `f` in one transaction as the signed-in user. `write` takes the
    /// write lock up front; `during_password_change` lets the operation run
    /// while the user still has to replace an initial password.
    pub(crate) fn run<T>(
        &mut self,
        write: bool,
        during_password_change: bool,
        f: impl FnOnce(&mut Cx) -> Result<T>,
    ) -> Result<T> {
        let Session { keys, listing } = self.session.as_mut().ok_or_else(not_signed_in)?;
        let epoch = self.write_epoch;
        let behavior = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        let tx = self.conn.transaction_with_behavior(behavior)?;
        let result = (|| {
            let actor = directory::actor(&tx, keys)?;
            if actor.must_change_password && !during_password_change {
                return Err(Error::PasswordChangeRequired);
            }
            let mut cx = Cx {
                conn: &tx,
                keys,
                listing,
                epoch,
                actor,
                now: now_ms(),
            };
            let out = f(&mut cx)?;
            if write {
                rekey::rotate_worn(&mut cx)?;
            }
            Ok(out)
        })();
        let committed = result.and_then(|v| tx.commit().map(|()| v).map_err(Error::from));
        match committed {
            Ok(v) => {
                keys.commit();
                if write {
                    self.write_epoch += 1;
                }
                Ok(v)
            }
            Err(e) => {
                keys.rollback();
                Err(e)
            }
        }
    }
}

fn not_signed_in() -> Error {
    Error::AuthFailed("the vault is locked: sign in first".into())
}

/// Compares two secrets without exposing them at the call site.
trait ExposeSecretEq {
    fn expose_secret_eq(&self, other: &Self) -> bool;
}

impl ExposeSecretEq for SecretString {
    fn expose_secret_eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        use subtle::ConstantTimeEq;
        self.expose_secret()
            .as_bytes()
            .ct_eq(other.expose_secret().as_bytes())
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_cap() {
        let delays: Vec<i64> = (0..=12).map(sign_in_delay_secs).collect();
        assert_eq!(&delays[..7], &[0, 0, 0, 0, 2, 4, 8]);
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(sign_in_delay_secs(1000), MAX_DELAY_SECS);
    }
}
