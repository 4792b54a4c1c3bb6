//! The vault: one SQLite file, this device's memory of it, and at most one
//! signed-in user per handle.
//!
//! Every operation runs in one transaction through [`Vault::read`] or
//! [`Vault::write`]: it verifies the directory afresh (only new log entries
//! cost anything), so role or membership changes made by another process
//! apply at once; a write's directory changes become one signed log entry;
//! on any error the database rolls back and keys cached during the attempt
//! are forgotten. Bad input changes nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, TransactionBehavior, params};
use secrecy::SecretString;

use crate::account::{self, PasswordLock};
use crate::crypto::{KdfParams, random_bytes};
use crate::error::{Error, Result};
use crate::keys::{self, Identity, KeyCache};
use crate::listing::ListCache;
use crate::model::{KdfProfile, Role, SessionInfo, Timestamp};
use crate::policy::Actor;
use crate::store;
use crate::time::now_ms;
use crate::trust::device::{DELETED, DeviceStore, Seen, default_state_dir};
use crate::trust::log::{Change, Entry, apply, check_change};
use crate::trust::state::{Config, DeptEntry, Identity as DirIdentity, Scope, State, UserEntry};
use crate::trust::{self, fingerprint};
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

/// Where this device keeps its memory of vaults (see `trust::device`).
#[derive(Debug, Clone, Default)]
pub struct VaultOptions {
    /// Defaults to `COFFER_STATE_DIR`, else `$XDG_STATE_HOME/coffer`.
    pub state_dir: Option<PathBuf>,
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

/// What every operation sees: its transaction, the user's keys, this
/// device's memory, the verified directory (with this transaction's own
/// changes), the user as policy sees them, and one clock reading.
pub(crate) struct Cx<'a> {
    pub conn: &'a Connection,
    pub keys: &'a mut KeyCache,
    pub listing: &'a mut ListCache,
    pub device: &'a DeviceStore,
    /// Counts this handle's committed writes (see `listing`).
    pub epoch: u64,
    pub actor: Actor,
    pub now: Timestamp,
    /// The directory as verified when the transaction began.
    before: Arc<State>,
    /// The directory with this transaction's changes.
    dir: Arc<State>,
    changes: Vec<Change>,
    /// Secret revisions read or written, for this device's memory.
    seen: Vec<Seen>,
}

impl Cx<'_> {
    /// The directory (with this transaction's changes so far).
    pub(crate) fn dir(&self) -> &State {
        &self.dir
    }

    /// A handle on the directory that does not borrow `self`.
    pub(crate) fn dir_arc(&self) -> Arc<State> {
        Arc::clone(&self.dir)
    }

    /// The directory as it was before this transaction's changes (whose
    /// rules decide what this transaction may change).
    pub(crate) fn before(&self) -> &State {
        &self.before
    }

    /// Adds a directory change, checked now under the rules of the state
    /// before the transaction; all changes become one signed entry when
    /// the transaction ends.
    pub(crate) fn change(&mut self, c: Change) -> Result<()> {
        let signer = self
            .before
            .user(self.actor.id)
            .ok_or_else(|| Error::AuthFailed("your account is not in the directory".into()))?
            .clone();
        let mut next = (*self.dir).clone();
        check_change(&self.before, &mut next, &signer, &c)
            .map_err(|why| Error::PermissionDenied(why.0.to_string()))?;
        self.dir = Arc::new(next);
        self.changes.push(c);
        Ok(())
    }

    /// The vault's id (as the directory's signed configuration says).
    pub(crate) fn vault_id(&self) -> &str {
        &self.before.config.vault_id
    }

    /// Checks a secret's revision against this device's memory and
    /// remembers it: an older revision than one seen is a rollback.
    pub(crate) fn fresh(&mut self, id: i64, revision: i64) -> Result<()> {
        let known = self.device.revisions(&self.before.config.vault_id, &[id])?;
        if known.get(&id).is_some_and(|k| *k > revision) {
            return Err(Error::secret_rollback(id));
        }
        self.saw(id, revision);
        Ok(())
    }

    /// Remembers a revision this transaction wrote (or read and checked).
    pub(crate) fn saw(&mut self, id: i64, revision: i64) {
        self.seen.push(Seen {
            id,
            revision,
            verified: None,
        });
    }

    /// Remembers a revision whose header signature this device verified
    /// (`stamp`: the digest of header and signature), so it need not be
    /// verified again while unchanged.
    pub(crate) fn saw_verified(&mut self, id: i64, revision: i64, stamp: crate::crypto::Hash) {
        self.seen.push(Seen {
            id,
            revision,
            verified: Some(stamp),
        });
    }

    /// Remembers that this device deleted a secret: it must not come back.
    pub(crate) fn deleted(&mut self, id: i64) {
        self.saw(id, DELETED);
    }

    /// Signs this transaction's directory changes into one entry and
    /// appends it.
    fn finish_directory(&mut self) -> Result<()> {
        if self.changes.is_empty() {
            return Ok(());
        }
        let entry = Entry {
            vault_id: self.before.config.vault_id.clone(),
            epoch: self.before.epoch + 1,
            prev: self.before.head,
            signer: self.actor.id,
            at: self.now,
            changes: std::mem::take(&mut self.changes),
        };
        let signed = entry.sign(&self.keys.identity()?.sign, None);
        let stored = trust::append(self.conn, &signed)?;
        let next = apply(Some(&self.before), &signed, &stored).map_err(|why| {
            Error::Integrity(format!("the directory entry this change made ({})", why.0))
        })?;
        self.dir = Arc::new(next);
        Ok(())
    }
}

/// A signed-in user's keys and decrypted table, wiped together on lock.
struct Session {
    keys: KeyCache,
    listing: ListCache,
    /// The remembered device this session was unlocked with, if any.
    device_id: Option<i64>,
}

pub struct Vault {
    conn: Connection,
    path: PathBuf,
    /// Where this device saw the vault (its canonical path).
    location: String,
    device: DeviceStore,
    /// The directory as last verified by this handle.
    dir: Option<Arc<State>>,
    /// From `vault_meta`, unverified: used only before the directory exists
    /// (format 1) and to name keyring entries.
    meta_id: String,
    meta_profile: KdfProfile,
    meta_kdf: KdfParams,
    session: Option<Session>,
    write_epoch: u64,
}

fn location_of(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

fn device_store(opts: &VaultOptions) -> Result<DeviceStore> {
    let dir = opts
        .state_dir
        .clone()
        .or_else(default_state_dir)
        .ok_or_else(|| {
            Error::Io("cannot find this device's state folder: set COFFER_STATE_DIR".into())
        })?;
    DeviceStore::open(&dir)
}

fn random_id() -> String {
    random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
        Self::create_with(path, opts, &VaultOptions::default())
    }

    pub fn create_with(path: &Path, opts: InitOptions, vault_opts: &VaultOptions) -> Result<Self> {
        validate::username(&opts.owner)?;
        let display = validate::display_name(&opts.display_name)?;
        validate::new_password(&opts.password)?;
        let (profile, kdf) = match opts.kdf {
            KdfChoice::Calibrate => (KdfProfile::Standard, KdfParams::calibrate()),
            KdfChoice::InsecureTest => (KdfProfile::InsecureTest, KdfParams::INSECURE_TEST),
        };
        let device = device_store(vault_opts)?;
        let lock = PasswordLock::new(&opts.password, kdf)?;
        let mut conn = store::create(path)?;
        let vault_id = random_id();
        let identity = Identity::generate();
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
            let name = if display.is_empty() {
                opts.owner.clone()
            } else {
                display.clone()
            };
            let owner_id =
                insert_user_row(&tx, &opts.owner, &name, Role::Owner, Some(default), now)?;
            tx.execute(
                "INSERT INTO memberships (user_id, dept_id) VALUES (?1, ?2)",
                params![owner_id, default],
            )?;
            lock.store(&tx, owner_id, &identity)?;
            tx.execute(
                "UPDATE users SET must_change_password = 0 WHERE id = ?1",
                [owner_id],
            )?;
            let config = Config {
                vault_id: vault_id.clone(),
                kdf_profile: profile,
                kdf,
            };
            let owner = UserEntry {
                id: owner_id,
                username: opts.owner.clone(),
                display_name: name,
                role: Role::Owner,
                depts: [default].into(),
                primary: Some(default),
                disabled: false,
                identity: DirIdentity::Active {
                    sign: identity.sign.public(),
                    enc: *identity.enc.public_bytes(),
                },
                personal: None,
                created_at: now,
            };
            let dept = DeptEntry {
                id: default,
                code: "DEFAULT".into(),
                name: "Default".into(),
                created_at: now,
            };
            // The first keys: all users, DEFAULT, the owner's personal key.
            let mut made_keys = Vec::new();
            for scope in [Scope::All, Scope::Dept(default), Scope::Personal(owner_id)] {
                let (kref, key) = keys::new_key(&tx, &vault_id, scope, 1, now)?;
                keys::mark_current(&tx, None, kref.id)?;
                made_keys.push((scope, kref, key));
            }
            // The owner's record, then the department and keys it refers to.
            let mut changes = vec![
                Change::Config(config),
                Change::User(owner.clone()),
                Change::Dept(dept),
            ];
            for (scope, kref, _) in &made_keys {
                changes.push(match scope {
                    Scope::Personal(u) => Change::PersonalKey(*u, *kref),
                    shared => Change::SharedKey(*shared, *kref),
                });
            }
            let entry = Entry {
                vault_id: vault_id.clone(),
                epoch: 1,
                prev: [0; 32],
                signer: owner_id,
                at: now,
                changes,
            };
            let signed = entry.sign(&identity.sign, None);
            let stored = trust::append(&tx, &signed)?;
            let state = apply(None, &signed, &stored).map_err(|why| {
                Error::Integrity(format!("the new vault's directory ({})", why.0))
            })?;
            let mut cache = KeyCache::new(owner_id, None);
            for (scope, kref, key) in made_keys {
                keys::grant(
                    &tx,
                    &state,
                    keys::Sender {
                        id: owner_id,
                        identity: &identity,
                    },
                    scope,
                    &kref,
                    &key,
                    &owner,
                )?;
                cache.insert(kref.id, key);
            }
            tx.commit()?;
            cache.commit();
            cache.set_identity(identity);
            Ok::<_, Error>((cache, Arc::new(state)))
        })();
        match made {
            Ok((keys, state)) => {
                let location = location_of(path);
                // A new vault at this path replaces whatever this device
                // knew to be there.
                device.forget(&vault_id, Some(&location))?;
                device.save_checkpoint(&state)?;
                device.set_location(&location, &vault_id)?;
                Ok(Self {
                    conn,
                    path: path.to_path_buf(),
                    location,
                    device,
                    dir: Some(state),
                    meta_id: vault_id,
                    meta_profile: profile,
                    meta_kdf: kdf,
                    session: Some(Session {
                        keys,
                        listing: ListCache::default(),
                        device_id: None,
                    }),
                    write_epoch: 0,
                })
            }
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
        Self::open_with(path, &VaultOptions::default())
    }

    pub fn open_with(path: &Path, opts: &VaultOptions) -> Result<Self> {
        let conn = store::open(path)?;
        let device = device_store(opts)?;
        let (meta_id, profile, m, t, p) = store::meta(&conn)?;
        let meta_profile = if profile == "standard" {
            KdfProfile::Standard
        } else {
            KdfProfile::InsecureTest
        };
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            location: location_of(path),
            device,
            dir: None,
            meta_id,
            meta_profile,
            meta_kdf: KdfParams { m_kib: m, t, p },
            session: None,
            write_epoch: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A random id naming this vault (keyring entries are per vault).
    pub fn id(&self) -> &str {
        self.dir
            .as_ref()
            .map_or(&self.meta_id, |d| &d.config.vault_id)
    }

    /// How password hashing is set up (as the signed configuration says,
    /// once the directory has been verified).
    pub fn kdf_profile(&self) -> KdfProfile {
        self.dir
            .as_ref()
            .map_or(self.meta_profile, |d| d.config.kdf_profile)
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

    pub(crate) fn meta_kdf(&self) -> KdfParams {
        self.meta_kdf
    }

    /// Verifies the directory (outside any session). `None` for a vault of
    /// format 1 that its owner has not upgraded yet.
    pub(crate) fn directory(&mut self) -> Result<Option<Arc<State>>> {
        let dir = trust::load(&self.conn, &self.device, &self.location, self.dir.as_ref())?;
        if let Some(d) = &dir {
            self.dir = Some(Arc::clone(d));
        }
        Ok(dir)
    }

    /// The vault's root-of-trust fingerprint, for people to compare out of
    /// band (`None` until the owner has upgraded a format-1 vault).
    pub fn fingerprint(&mut self) -> Result<Option<String>> {
        Ok(self.directory()?.map(|d| fingerprint(&d)))
    }

    /// Forgets what this device remembers of this vault (its pinned root,
    /// directory and secret revisions), after its owner confirmed out of
    /// band that a replaced or restored vault is the right one.
    pub fn reset_trust(&mut self) -> Result<()> {
        self.lock();
        self.dir = None;
        self.device.forget(&self.meta_id, Some(&self.location))?;
        let claimed = trust::claimed_vault_id(&self.conn)?;
        if let Some(id) = claimed {
            self.device.forget(&id, None)?;
        }
        Ok(())
    }

    /// Signs in with a password. Wrong passwords are counted per user (in
    /// the vault and on this device); after three in a row each attempt
    /// must wait longer (2 s, 4 s, ...).
    pub fn unlock_with_password(
        &mut self,
        username: &str,
        password: &SecretString,
    ) -> Result<SessionInfo> {
        self.lock();
        let Some(dir) = self.directory()? else {
            return crate::upgrade::sign_in_unsigned(self, username, password);
        };
        let Some(user) = dir.user_named(username).cloned() else {
            account::burn_time(&dir.config.kdf);
            return Err(Error::WrongPassword {
                retry_after_secs: 0,
            });
        };
        let (failures, last_failed) = self.failures(&dir, user.id)?;
        let now = now_ms();
        let wait_until = last_failed.unwrap_or(0) + sign_in_delay_secs(failures) * 1000;
        if failures > FREE_ATTEMPTS && now < wait_until {
            return Err(Error::Locked {
                retry_after_secs: ((wait_until - now) as u64).div_ceil(1000),
            });
        }
        let lock = account::stored_lock(&self.conn, user.id)?
            .ok_or_else(|| Error::Integrity("your account's stored password data".into()))?;
        let opened = match &user.identity {
            DirIdentity::Active { .. } => {
                account::open_with_password(&user, &lock, password, &dir.config)?
                    .map(|i| Unlocked::Keys(Box::new(i)))
            }
            DirIdentity::Pending { .. } if lock.enroll_seal.is_some() => {
                crate::upgrade::open_format1_account(self, &dir, &user, &lock, password)?
            }
            DirIdentity::Pending { enroll } => {
                account::open_enrollment(enroll, &lock, password, &dir.config)?
                    .map(|_| Unlocked::Enroll)
            }
        };
        let Some(opened) = opened else {
            self.record_failure(&dir, user.id, now_ms())?;
            // Say now how long the next attempt must wait, so a person sees
            // the delay grow instead of meeting it on their next try.
            return Err(Error::WrongPassword {
                retry_after_secs: sign_in_delay_secs(failures + 1) as u64,
            });
        };
        if failures > 0 {
            self.clear_failures(&dir, user.id)?;
        }
        match opened {
            Unlocked::Keys(identity) => self.start_session(&user, Some(*identity), None),
            Unlocked::Enroll => self.start_session(&user, None, None),
            Unlocked::Upgraded => {
                // A format-1 account just made its keys: sign in afresh.
                self.unlock_with_password(username, password)
            }
        }
    }

    fn failures(&self, dir: &State, user_id: i64) -> Result<(i64, Option<Timestamp>)> {
        let (vault_count, vault_last) = store::failures(&self.conn, user_id)?;
        let (device_count, device_last) = self.device.failures(&dir.config.vault_id, user_id)?;
        Ok((vault_count.max(device_count), vault_last.max(device_last)))
    }

    fn record_failure(&self, dir: &State, user_id: i64, at: Timestamp) -> Result<()> {
        store::record_failure(&self.conn, user_id, at)?;
        self.device
            .record_failure(&dir.config.vault_id, user_id, at)
    }

    fn clear_failures(&self, dir: &State, user_id: i64) -> Result<()> {
        store::clear_failures(&self.conn, user_id)?;
        self.device.clear_failures(&dir.config.vault_id, user_id)
    }

    /// Installs a session for a user whose keys (or enrollment key) were
    /// just opened, then shares keys with anyone entitled to them who lacks
    /// them (new members whose keys nobody has granted yet).
    pub(crate) fn start_session(
        &mut self,
        user: &UserEntry,
        identity: Option<Identity>,
        device_id: Option<i64>,
    ) -> Result<SessionInfo> {
        if user.disabled {
            return Err(Error::AuthFailed(
                "this account is disabled: ask an admin".into(),
            ));
        }
        let active = identity.is_some();
        self.session = Some(Session {
            keys: KeyCache::new(user.id, identity),
            listing: ListCache::default(),
            device_id,
        });
        let info = self.session_info().and_then(|info| {
            let ready = active && !info.user.must_change_password;
            if ready && self.read(crate::users::grants_missing)? {
                self.write(|_| Ok(()))?;
            }
            Ok(info)
        });
        if info.is_err() {
            self.lock();
        }
        info
    }

    /// Who is signed in, and how the vault is set up.
    pub fn session_info(&mut self) -> Result<SessionInfo> {
        self.run(false, true, |cx| {
            let dir = cx.dir_arc();
            let dir = &*dir;
            let user = dir
                .user(cx.actor.id)
                .ok_or_else(|| Error::AuthFailed("your account is not in the directory".into()))?;
            Ok(SessionInfo {
                user: crate::users::user_info(dir, user),
                vault_id: dir.config.vault_id.clone(),
                kdf_profile: dir.config.kdf_profile,
                kdf: dir.config.kdf,
                fingerprint: fingerprint(dir),
                keys_pending: crate::users::keys_pending(cx)?,
            })
        })
    }

    /// The remembered device this session was unlocked with.
    pub(crate) fn session_device(&self) -> Option<i64> {
        self.session.as_ref().and_then(|s| s.device_id)
    }

    /// Changes the signed-in user's password. The current password is
    /// checked first. After an initial password, this is when the user's
    /// own keys are made. Other remembered devices stay signed in.
    pub fn change_password(&mut self, current: &SecretString, new: &SecretString) -> Result<()> {
        self.change_password_with(current, new, false, None)
    }

    /// Like [`Vault::change_password`]; with `sign_out_other_devices`, every
    /// device remembered for this user is forgotten too, except this one
    /// (the one the session was unlocked with, or the one `this_device`,
    /// this machine's keyring, remembers).
    pub fn change_password_with(
        &mut self,
        current: &SecretString,
        new: &SecretString,
        sign_out_other_devices: bool,
        this_device: Option<&dyn crate::device::CredentialStore>,
    ) -> Result<()> {
        validate::new_password(new)?;
        let user_id = self
            .session
            .as_ref()
            .map(|s| s.keys.user_id())
            .ok_or_else(not_signed_in)?;
        let dir = self.directory()?.ok_or_else(not_signed_in)?;
        let user = dir.user(user_id).cloned().ok_or_else(not_signed_in)?;
        let lock = account::stored_lock(&self.conn, user_id)?
            .ok_or_else(|| Error::Integrity("your account's stored password data".into()))?;
        if current.expose_secret_eq(new) {
            return Err(Error::invalid(
                "the new password must differ from the current one",
            ));
        }
        match &user.identity {
            DirIdentity::Pending { enroll } => {
                let wrong = || Error::AuthFailed("the current password is wrong".into());
                let (key, format1) = if lock.enroll_seal.is_some() {
                    // An upgraded account: its current password opens its
                    // format-1 bundle, whose key opens its enrollment key.
                    let (pair, _) =
                        crate::legacy::open_password_bundle(&self.conn, user_id, current)?
                            .ok_or_else(wrong)?;
                    (
                        crate::upgrade::open_enroll_seal(&dir, &user, &lock, &pair)?,
                        Some(pair),
                    )
                } else {
                    (
                        account::open_enrollment(enroll, &lock, current, &dir.config)?
                            .ok_or_else(wrong)?,
                        None,
                    )
                };
                crate::enroll::enroll(self, &user, &key, new, format1)?;
                let dir = self.directory()?.ok_or_else(not_signed_in)?;
                let user = dir.user(user_id).cloned().ok_or_else(not_signed_in)?;
                let identity = self
                    .session
                    .as_mut()
                    .and_then(|s| s.keys.take_identity())
                    .ok_or_else(not_signed_in)?;
                self.start_session(&user, Some(identity), None)?;
                Ok(())
            }
            DirIdentity::Active { .. } => {
                if account::open_with_password(&user, &lock, current, &dir.config)?.is_none() {
                    return Err(Error::AuthFailed("the current password is wrong".into()));
                }
                let new_lock = PasswordLock::new(new, account::new_password_params(&dir.config))?;
                let keep = self.session_device().or_else(|| {
                    this_device.and_then(|store| {
                        crate::device::remembered_device_id(
                            store,
                            &dir.config.vault_id,
                            &user.username,
                        )
                    })
                });
                self.run(true, true, |cx| {
                    new_lock.store(cx.conn, cx.actor.id, cx.keys.identity()?)?;
                    cx.conn.execute(
                        "UPDATE users SET must_change_password = 0 WHERE id = ?1",
                        [cx.actor.id],
                    )?;
                    if sign_out_other_devices {
                        cx.conn.execute(
                            "DELETE FROM devices WHERE user_id = ?1 AND id IS NOT ?2",
                            params![cx.actor.id, keep],
                        )?;
                    }
                    Ok(())
                })
            }
        }
    }

    /// A read-only operation as the signed-in user.
    pub(crate) fn read<T>(&mut self, f: impl FnOnce(&mut Cx) -> Result<T>) -> Result<T> {
        self.run(false, false, f)
    }

    /// A changing operation as the signed-in user: the write lock is taken
    /// up front.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&mut Cx) -> Result<T>) -> Result<T> {
        self.run(true, false, f)
    }

    /// Runs `f` in one transaction as the signed-in user.
    /// `during_password_change` lets it run while the user still has to
    /// replace an initial password.
    fn run<T>(
        &mut self,
        write: bool,
        during_password_change: bool,
        f: impl FnOnce(&mut Cx) -> Result<T>,
    ) -> Result<T> {
        self.run_with(write, during_password_change, |_, _, _| Ok(()), f)
    }

    /// Makes `user_id` (with `identity`) the signed-in user and runs, in
    /// one write transaction, `prepare` (which appends the log entries the
    /// directory needs before this user can act: the first entry of an
    /// upgraded vault, or the user's own enrollment), then `f` as the user.
    pub(crate) fn bootstrap<T>(
        &mut self,
        user_id: i64,
        identity: Identity,
        prepare: impl FnOnce(&Connection, Option<&Arc<State>>, &KeyCache) -> Result<()>,
        f: impl FnOnce(&mut Cx) -> Result<T>,
    ) -> Result<T> {
        self.session = Some(Session {
            keys: KeyCache::new(user_id, Some(identity)),
            listing: ListCache::default(),
            device_id: None,
        });
        let out = self.run_with(true, true, prepare, f);
        if out.is_err() {
            self.lock();
        }
        out
    }

    fn run_with<T>(
        &mut self,
        write: bool,
        during_password_change: bool,
        prepare: impl FnOnce(&Connection, Option<&Arc<State>>, &KeyCache) -> Result<()>,
        f: impl FnOnce(&mut Cx) -> Result<T>,
    ) -> Result<T> {
        let Session { keys, listing, .. } = self.session.as_mut().ok_or_else(not_signed_in)?;
        let epoch = self.write_epoch;
        let behavior = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        let tx = self.conn.transaction_with_behavior(behavior)?;
        let mut seen = Vec::new();
        let mut verified = None;
        let result = (|| {
            let found = trust::load(&tx, &self.device, &self.location, self.dir.as_ref())?;
            prepare(&tx, found.as_ref(), keys)?;
            let found = match found {
                Some(d) if d.epoch == trust::latest_epoch(&tx)? => Some(d),
                _ => trust::load(&tx, &self.device, &self.location, found.as_ref())?,
            };
            let dir = found.ok_or_else(|| {
                Error::AuthFailed("this vault must be upgraded by its owner first".into())
            })?;
            verified = Some(Arc::clone(&dir));
            let me = dir.user(keys.user_id()).ok_or_else(|| {
                Error::AuthFailed("your account is no longer in this vault".into())
            })?;
            if me.disabled {
                return Err(Error::AuthFailed(
                    "this account is disabled: ask an admin".into(),
                ));
            }
            let pending =
                !matches!(me.identity, DirIdentity::Active { .. }) || keys.identity().is_err();
            let flagged = store::must_change_password(&tx, me.id)?;
            if (pending || flagged) && !during_password_change {
                return Err(Error::PasswordChangeRequired);
            }
            let actor = Actor::of(me);
            let mut cx = Cx {
                conn: &tx,
                keys: &mut *keys,
                listing: &mut *listing,
                device: &self.device,
                epoch,
                actor,
                now: now_ms(),
                before: Arc::clone(&dir),
                dir,
                changes: Vec::new(),
                seen: Vec::new(),
            };
            let out = f(&mut cx)?;
            if write && !pending {
                crate::rekey::rotate_worn(&mut cx)?;
                crate::users::grant_missing(&mut cx)?;
                cx.finish_directory()?;
            }
            verified = Some(Arc::clone(&cx.dir));
            seen = std::mem::take(&mut cx.seen);
            Ok(out)
        })();
        let committed = result.and_then(|v| tx.commit().map(|()| v).map_err(Error::from));
        match committed {
            Ok(v) => {
                keys.commit();
                if write {
                    self.write_epoch += 1;
                }
                if let Some(d) = verified {
                    self.device.save_checkpoint(&d)?;
                    self.device
                        .set_location(&self.location, &d.config.vault_id)?;
                    self.device.record_revisions(&d.config.vault_id, &seen)?;
                    self.dir = Some(d);
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

/// What a password opened.
pub(crate) enum Unlocked {
    /// An enrolled user's keys.
    Keys(Box<Identity>),
    /// A new account's enrollment key opened (the user must now set a
    /// password, which is when they make their keys).
    Enroll,
    /// A format-1 account that has just made its keys.
    Upgraded,
}

/// Adds a user's row (keys and password data come later).
pub(crate) fn insert_user_row(
    conn: &Connection,
    username: &str,
    display_name: &str,
    role: Role,
    primary: Option<i64>,
    now: Timestamp,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO users (username, display_name, role, primary_dept_id, must_change_password, public_key,
                            kdf_salt, kdf_m, kdf_t, kdf_p, password_bundle, created_at, record_mac)
         VALUES (?1, ?2, ?3, ?4, 1, x'', x'', 0, 0, 0, x'', ?5, x'')",
        params![username, display_name, role.as_str(), primary, now],
    )
    .map_err(|e| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
            Error::Conflict("a user with this username already exists".into())
        } else {
            e.into()
        }
    })?;
    Ok(conn.last_insert_rowid())
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
