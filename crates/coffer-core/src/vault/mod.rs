//! The vault: one SQLite file, this device's memory of it, and at most one
//! signed-in user per handle. Its public methods are all in `api`; this
//! module opens and creates vaults and runs transactions, `session` signs
//! users in and out.
//!
//! Every operation runs in one transaction through [`Vault::read`] or
//! [`Vault::write`]: it verifies the directory afresh (only new log entries
//! cost anything), so role or membership changes made by another process
//! apply at once; a write's directory changes become one signed log entry;
//! on any error the database rolls back and keys cached during the attempt
//! are forgotten. Bad input changes nothing.

mod api;
mod enroll;
mod session;
mod upgrade;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::SecretString;

use crate::account::PasswordLock;
use crate::api::{AuditAction, KdfProfile, Role};
use crate::audit::{self, Event};
use crate::crypto::{KdfParams, random_bytes};
use crate::cx::Cx;
use crate::error::{Error, Result};
use crate::keys::{self, Identity, KeyCache};
use crate::listing::ListCache;
use crate::policy::Actor;
use crate::store::device::{DeviceStore, default_state_dir};
use crate::store::{self, Store};
use crate::time::now_ms;
use crate::trust;
use crate::trust::log::Change;
use crate::trust::state::{Config, DeptEntry, Identity as DirIdentity, Scope, State, UserEntry};
use crate::validate;

pub(crate) use session::Unlocked;
pub use session::sign_in_delay_secs;

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

/// Hears teammates' changes to a vault on a server as they commit (see
/// [`Vault::watch`]).
pub struct ChangeWatch(store::pg::Listener);

impl std::fmt::Debug for ChangeWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeWatch")
    }
}

impl ChangeWatch {
    /// Blocks up to `timeout`; `true` when someone committed a change to
    /// the vault's secrets, users or departments (changes that arrived
    /// together count once). An error means the connection was lost: ask
    /// [`Vault::watch`] for a new watch.
    pub fn wait(&mut self, timeout: std::time::Duration) -> Result<bool> {
        self.0.wait(timeout)
    }
}

/// What [`Vault::copy`] did.
#[derive(Debug, Clone)]
pub struct CopyReport {
    pub vault_id: String,
    /// Rows copied, over every table.
    pub rows: u64,
    /// The root-of-trust fingerprint both copies verified to.
    pub fingerprint: String,
}

/// Copies the vault at `from` into `to` (a new file, or a database that
/// holds no vault), all or nothing: every row in one transaction, read
/// back and compared, then both opened as vaults and their directories
/// verified to the same fingerprint. A failed copy leaves nothing at `to`.
/// Needs no sign-in: only ciphertext and signed records are copied.
pub(crate) fn copy(from: &Path, to: &Path, opts: &VaultOptions) -> Result<CopyReport> {
    if store::pg::is_url(&from.to_string_lossy()) == store::pg::is_url(&to.to_string_lossy())
        && location_key(from) == location_key(to)
    {
        return Err(Error::InvalidInput(
            "the copy must go somewhere else than the vault it copies".into(),
        ));
    }
    let mut src = store::open(from)?;
    if src.store().log_top()? == 0 {
        return Err(Error::InvalidInput(
            "this vault must be upgraded by its owner (by signing in) before it can be copied"
                .into(),
        ));
    }
    let mut dst = store::create(to)?;
    let copied = (|| {
        let read = src.begin(false)?;
        let write = dst.begin(true)?;
        let copied = store::copy::copy_rows(read.store(), write.store())?;
        write.commit()?;
        drop(read);
        if store::copy::digest(dst.store())? != copied.digest {
            return Err(Error::Integrity(
                "the copy did not read back as it was written".into(),
            ));
        }
        Ok(copied)
    })();
    let copied = match copied {
        Ok(c) => c,
        Err(e) => {
            dst.discard(to);
            return Err(e);
        }
    };
    drop(src);
    let check = (|| {
        let mut a = Vault::open_at(from, opts)?;
        let mut b = Vault::open_at(to, opts)?;
        let (fa, fb) = (a.fingerprint()?, b.fingerprint()?);
        match (fa, fb) {
            (Some(fa), Some(fb)) if fa == fb && a.id() == b.id() => Ok((b.id().to_string(), fb)),
            _ => Err(Error::Integrity(
                "the copy does not verify to the vault it was copied from".into(),
            )),
        }
    })();
    match check {
        Ok((vault_id, fingerprint)) => Ok(CopyReport {
            vault_id,
            rows: copied.rows,
            fingerprint,
        }),
        Err(e) => {
            dst.discard(to);
            Err(e)
        }
    }
}

/// A location as one name: a file's canonical path, or a server URL as the
/// connection reads it (`localhost` and `localhost:5432` are one server).
fn location_key(p: &Path) -> String {
    let text = p.to_string_lossy();
    if store::pg::is_url(&text)
        && let Ok(target) = store::pg::Target::parse(&text)
    {
        return target.display().to_string();
    }
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// Where this device keeps its memory of vaults (see `store::device`).
#[derive(Debug, Clone, Default)]
pub struct VaultOptions {
    /// Defaults to `COFFER_STATE_DIR`, else `$XDG_STATE_HOME/coffer`.
    pub state_dir: Option<PathBuf>,
}

/// A signed-in user's keys and decrypted table, wiped together on lock.
struct Session {
    keys: KeyCache,
    listing: ListCache,
    /// The remembered device this session was unlocked with, if any.
    device_id: Option<i64>,
    /// The sign-in is not in the audit log yet: the session's first
    /// transaction appends it (a read then takes the write lock), or
    /// locking the vault does. One transaction instead of two for a
    /// command that signs in and does one thing.
    sign_in_pending: bool,
}

pub struct Vault {
    conn: store::Backend,
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

/// How a transaction runs.
#[derive(Clone, Copy)]
pub(super) struct Mode {
    /// Takes the write lock up front; ends by signing its directory changes.
    write: bool,
    /// May run while the user still has to replace an initial password.
    during_password_change: bool,
    /// Ends by rotating worn data keys and granting missing keys (writes
    /// that only append to the audit log skip this).
    maintain: bool,
}

impl Mode {
    const READ: Self = Self {
        write: false,
        during_password_change: false,
        maintain: false,
    };
    const WRITE: Self = Self {
        write: true,
        during_password_change: false,
        maintain: true,
    };
    /// A read the audit log records: it takes the write lock to append.
    const AUDITED_READ: Self = Self {
        write: true,
        during_password_change: false,
        maintain: false,
    };
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

/// Writes a new vault's first rows and its signed genesis entry: the owner
/// (a member of `DEFAULT`), the first keys (all users, `DEFAULT`, the
/// owner's personal key), each granted to the owner. Returns the owner's
/// key cache and the directory.
fn genesis(
    db: &dyn Store,
    config: Config,
    opts: &InitOptions,
    display: &str,
    lock: &PasswordLock,
    identity: Identity,
) -> Result<(KeyCache, State)> {
    let now = now_ms();
    let vault_id = config.vault_id.as_str();
    db.insert_meta(vault_id, config.kdf_profile.as_str(), config.kdf, now)?;
    let default = db.insert_dept("DEFAULT", "Default", now)?;
    let name = if display.is_empty() {
        opts.owner.clone()
    } else {
        display.to_string()
    };
    let owner_id = db.insert_user(&opts.owner, &name, Role::Owner, Some(default), now)?;
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
    db.set_user_columns(
        owner_id,
        &owner.display_name,
        Role::Owner,
        Some(default),
        false,
        &owner.depts,
    )?;
    lock.store(db, owner_id, &identity)?;
    db.set_must_change_password(owner_id, false)?;
    let mut made_keys = Vec::new();
    for scope in [Scope::All, Scope::Dept(default), Scope::Personal(owner_id)] {
        let (kref, key) = keys::new_key(db, vault_id, scope, 1, now)?;
        db.mark_current_key(None, kref.id)?;
        made_keys.push((scope, kref, key));
    }
    // The owner's record, then the department and keys it refers to.
    let mut changes = vec![
        Change::Config(config.clone()),
        Change::User(owner.clone()),
        Change::Dept(DeptEntry {
            id: default,
            code: "DEFAULT".into(),
            name: "Default".into(),
            created_at: now,
        }),
    ];
    changes.extend(
        made_keys
            .iter()
            .map(|(scope, kref, _)| Change::key(*scope, *kref)),
    );
    let state = trust::found(
        db,
        vault_id,
        (owner_id, &identity.sign),
        now,
        changes,
        "the new vault's directory",
    )?;
    let mut cache = KeyCache::new(owner_id, None);
    let sender = keys::Sender {
        id: owner_id,
        identity: &identity,
    };
    for (scope, kref, key) in made_keys {
        keys::grant(db, &state, sender, scope, &kref, &key, &owner)?;
        cache.insert(kref.id, key);
    }
    cache.commit();
    cache.set_identity(identity);
    Ok((cache, state))
}

impl Vault {
    fn create_at(path: &Path, opts: InitOptions, vault_opts: &VaultOptions) -> Result<Self> {
        validate::username(&opts.owner)?;
        let display = validate::display_name(&opts.display_name)?;
        validate::new_password(&opts.password, &[&opts.owner, &opts.display_name])?;
        let (profile, kdf) = match opts.kdf {
            KdfChoice::Calibrate => (KdfProfile::Standard, KdfParams::calibrate()),
            KdfChoice::InsecureTest => (KdfProfile::InsecureTest, KdfParams::INSECURE_TEST),
        };
        let device = device_store(vault_opts)?;
        let lock = PasswordLock::new(&opts.password, kdf)?;
        let mut conn = store::create(path)?;
        let vault_id = random_id();
        let made = (|| {
            let tx = conn.begin(true)?;
            let config = Config {
                vault_id: vault_id.clone(),
                kdf_profile: profile,
                kdf,
            };
            let out = genesis(
                tx.store(),
                config,
                &opts,
                &display,
                &lock,
                Identity::generate(),
            )?;
            tx.commit()?;
            Ok::<_, Error>(out)
        })();
        match made {
            Ok((keys, state)) => {
                let state = Arc::new(state);
                let location = conn.location(path);
                // A new vault at this path replaces whatever this device
                // knew to be there.
                device.forget(&vault_id, Some(&location))?;
                trust::remember(&device, &state)?;
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
                        sign_in_pending: false,
                    }),
                    write_epoch: 0,
                })
            }
            Err(e) => {
                conn.discard(path);
                Err(e)
            }
        }
    }

    fn open_at(path: &Path, opts: &VaultOptions) -> Result<Self> {
        let conn = store::open(path)?;
        let device = device_store(opts)?;
        let meta = conn.store().meta()?;
        let meta_profile = if meta.kdf_profile == "standard" {
            KdfProfile::Standard
        } else {
            KdfProfile::InsecureTest
        };
        Ok(Self {
            location: conn.location(path),
            conn,
            path: path.to_path_buf(),
            device,
            dir: None,
            meta_id: meta.vault_id,
            meta_profile,
            meta_kdf: meta.kdf,
            session: None,
            write_epoch: 0,
        })
    }

    /// The storage, outside any transaction (for what needs no session).
    pub(crate) fn store(&self) -> &dyn Store {
        self.conn.store()
    }

    pub(crate) fn meta_kdf(&self) -> KdfParams {
        self.meta_kdf
    }

    /// Verifies the directory (outside any session). `None` for a vault of
    /// format 1 that its owner has not upgraded yet.
    ///
    /// In a read transaction: the log is read in several statements, which
    /// must see one snapshot, or a teammate's change committed between two
    /// of them reads as a gap in the log (on a server each statement
    /// outside a transaction sees the newest commits).
    pub(crate) fn directory(&mut self) -> Result<Option<Arc<State>>> {
        let tx = self.conn.begin(false)?;
        let dir = trust::load(tx.store(), &self.device, &self.location, self.dir.as_ref())?;
        tx.commit()?;
        if let Some(d) = &dir {
            self.dir = Some(Arc::clone(d));
        }
        Ok(dir)
    }

    /// The directory, which a vault must have to do anything but upgrade.
    pub(crate) fn signed_directory(&mut self) -> Result<Arc<State>> {
        self.directory()?.ok_or_else(|| {
            Error::AuthFailed("this vault must be upgraded by its owner first".into())
        })
    }

    /// A read-only operation as the signed-in user.
    pub(crate) fn read<T>(&mut self, f: impl FnMut(&mut Cx) -> Result<T>) -> Result<T> {
        self.run(Mode::READ, f)
    }

    /// A read that the audit log records (a reveal, a copy, a `get`): it
    /// appends an entry, so it takes the write lock up front.
    pub(crate) fn audited_read<T>(&mut self, f: impl FnMut(&mut Cx) -> Result<T>) -> Result<T> {
        self.run(Mode::AUDITED_READ, f)
    }

    /// A changing operation as the signed-in user: the write lock is taken
    /// up front.
    pub(crate) fn write<T>(&mut self, f: impl FnMut(&mut Cx) -> Result<T>) -> Result<T> {
        self.run(Mode::WRITE, f)
    }

    /// A read with the session's decrypted view of the secrets table
    /// (see `listing`).
    pub(crate) fn read_with_listing<T>(
        &mut self,
        mut f: impl FnMut(&mut Cx, &mut ListCache) -> Result<T>,
    ) -> Result<T> {
        let mut cache = self
            .session
            .as_mut()
            .map(|s| std::mem::take(&mut s.listing))
            .ok_or_else(not_signed_in)?;
        let out = self.read(|cx| f(cx, &mut cache));
        if let Some(s) = self.session.as_mut() {
            s.listing = cache;
        }
        out
    }

    /// A read that may run while the user still has to replace an initial
    /// password (to say who they are).
    pub(crate) fn read_during_password_change<T>(
        &mut self,
        f: impl FnMut(&mut Cx) -> Result<T>,
    ) -> Result<T> {
        self.run(
            Mode {
                write: false,
                during_password_change: true,
                maintain: false,
            },
            f,
        )
    }

    /// A write that may run while the user still has to replace an initial
    /// password (the password change itself).
    pub(crate) fn write_during_password_change<T>(
        &mut self,
        f: impl FnMut(&mut Cx) -> Result<T>,
    ) -> Result<T> {
        self.run(
            Mode {
                write: true,
                during_password_change: true,
                maintain: true,
            },
            f,
        )
    }

    pub(super) fn run<T>(&mut self, mode: Mode, f: impl FnMut(&mut Cx) -> Result<T>) -> Result<T> {
        self.run_with(mode, None, f)
    }

    /// Makes `user_id` (with `identity`) the signed-in user and runs, in
    /// one write transaction, `prepare` (which appends the log entries the
    /// directory needs before this user can act: the first entry of an
    /// upgraded vault, or the user's own enrollment), then `f` as the user.
    pub(crate) fn bootstrap<T>(
        &mut self,
        user_id: i64,
        identity: Identity,
        mut prepare: impl FnMut(&dyn Store, Option<&Arc<State>>, &KeyCache) -> Result<()>,
        f: impl FnMut(&mut Cx) -> Result<T>,
    ) -> Result<T> {
        self.session = Some(Session {
            keys: KeyCache::new(user_id, Some(identity)),
            listing: ListCache::default(),
            device_id: None,
            sign_in_pending: false,
        });
        let out = self.run_with(
            Mode {
                write: true,
                during_password_change: true,
                maintain: true,
            },
            Some(&mut prepare),
            f,
        );
        if out.is_err() {
            self.lock();
        }
        out
    }

    /// Runs `prepare` then `f` in one transaction (see [`Vault::attempt`]).
    /// A transaction the server rolled back on a serialisation failure or
    /// a deadlock (something outside Coffer held rows the same moment:
    /// Coffer's own writers queue on one lock) is run again from the
    /// start, up to [`ATTEMPTS`] times, after a short random pause; the
    /// operations are written to be run again (nothing outside the
    /// transaction changes before it commits).
    fn run_with<T>(
        &mut self,
        mode: Mode,
        mut prepare: Option<&mut Prepare<'_>>,
        mut f: impl FnMut(&mut Cx) -> Result<T>,
    ) -> Result<T> {
        let sign_in = self.session.as_ref().is_some_and(|s| s.sign_in_pending);
        let mode = if sign_in {
            Mode {
                write: true,
                ..mode
            }
        } else {
            mode
        };
        let mut attempt = 1;
        loop {
            match self.attempt(mode, prepare.as_deref_mut(), &mut f) {
                Err(Error::Contended) if attempt < ATTEMPTS => {
                    attempt += 1;
                    std::thread::sleep(retry_pause(attempt));
                }
                out => return out,
            }
        }
    }

    fn attempt<T>(
        &mut self,
        mode: Mode,
        prepare: Option<&mut Prepare<'_>>,
        f: &mut impl FnMut(&mut Cx) -> Result<T>,
    ) -> Result<T> {
        let Session {
            keys,
            sign_in_pending,
            ..
        } = self.session.as_mut().ok_or_else(not_signed_in)?;
        let sign_in = *sign_in_pending && mode.write;
        let epoch = self.write_epoch;
        let tx = self.conn.begin(mode.write)?;
        let db: &dyn Store = tx.store();
        let mut outcome = None;
        let mut audit_head = None;
        let result = (|| {
            let found = trust::load(db, &self.device, &self.location, self.dir.as_ref())?;
            // Only what `prepare` appended can make the log longer here.
            let found = match prepare {
                None => found,
                Some(prepare) => {
                    prepare(db, found.as_ref(), keys)?;
                    match found {
                        Some(d) if d.epoch == db.log_top()? => Some(d),
                        _ => trust::load(db, &self.device, &self.location, found.as_ref())?,
                    }
                }
            };
            let dir = found.ok_or_else(|| {
                Error::AuthFailed("this vault must be upgraded by its owner first".into())
            })?;
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
            let flagged = db.must_change_password(me.id)?;
            if (pending || flagged) && !mode.during_password_change {
                return Err(Error::PasswordChangeRequired);
            }
            let actor = Actor::of(me);
            let mut cx = Cx::new(db, &mut *keys, &self.device, epoch, actor, now_ms(), dir);
            // Entries signed by the signed-in user; someone who has not
            // made their keys yet cannot sign any (`None` then).
            let append = |cx: &Cx, events: &[Event]| match cx.identity() {
                Ok(me) => audit::append(
                    db,
                    cx.dir(),
                    &self.device,
                    cx.actor().id,
                    Some(me),
                    cx.now(),
                    events,
                ),
                Err(_) => Ok(None),
            };
            // The session's sign-in comes first, so what `f` reads of the
            // log includes it.
            if sign_in && !pending {
                audit_head = append(&cx, &[Event::new(AuditAction::SignIn)])?;
            }
            let out = f(&mut cx)?;
            if mode.write && !pending {
                if mode.maintain {
                    crate::rekey::rotate_worn(&mut cx)?;
                    crate::rekey::rotate_exposed(&mut cx)?;
                    crate::rekey::grant_missing(&mut cx)?;
                }
                cx.finish_directory()?;
            }
            let events = cx.take_audit();
            // Someone who has not made their keys yet cannot sign entries:
            // all they can do is set their password.
            if !events.is_empty() && cx.identity().is_ok() {
                if !mode.write {
                    return Err(Error::Io(
                        "an audited operation ran without the write lock".into(),
                    ));
                }
                audit_head = append(&cx, &events)?.or(audit_head);
            }
            outcome = Some(cx.outcome());
            Ok(out)
        })();
        let committed = result.and_then(|v| tx.commit().map(|()| v));
        match committed {
            Ok(v) => {
                keys.commit();
                if mode.write {
                    self.write_epoch += 1;
                }
                if let Some(o) = outcome {
                    let d = o.dir;
                    trust::remember(&self.device, &d)?;
                    self.device
                        .set_location(&self.location, &d.config.vault_id)?;
                    self.device.record_revisions(&d.config.vault_id, &o.seen)?;
                    if let Some(head) = audit_head {
                        audit::remember(&self.device, &d.config.vault_id, head)?;
                    }
                    self.dir = Some(d);
                }
                if let (true, Some(s)) = (sign_in, self.session.as_mut()) {
                    s.sign_in_pending = false;
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

impl Vault {
    /// Passes an operation's result on, recording a refusal first.
    pub(crate) fn refused<T>(&mut self, out: Result<T>, event: Event) -> Result<T> {
        if let Err(err) = &out {
            self.record_refusal(event, err);
        }
        out
    }

    /// Records a refused operation in the audit log. Its own transaction
    /// rolled back, so this is a new one; failing to record it does not
    /// hide the refusal from the caller (the error is returned either way).
    pub(crate) fn record_refusal(&mut self, event: Event, err: &Error) {
        let Some(code) = refusal(err) else {
            return;
        };
        if self.session.is_none() {
            return;
        }
        let e = event.refused(code);
        let _ = self.audited_read(|cx| {
            cx.record(e.clone());
            Ok(())
        });
    }

    /// Records a failed sign-in (no one is signed in, so the entry is
    /// unsigned: see `audit`). `user` is the account tried, 0 if unknown.
    pub(crate) fn record_failed_sign_in(
        &mut self,
        dir: &State,
        user: i64,
        code: crate::ErrorCode,
    ) -> Result<()> {
        let tx = self.conn.begin(true)?;
        let event = Event::new(AuditAction::SignInFailed).refused(code);
        let head = audit::append(
            tx.store(),
            dir,
            &self.device,
            user,
            None,
            now_ms(),
            &[event],
        )?;
        tx.commit()?;
        if let Some(head) = head {
            audit::remember(&self.device, &dir.config.vault_id, head)?;
        }
        Ok(())
    }
}

/// The outcome an error gives an audited operation: refusals and what
/// looks like tampering are recorded; bad input (which changes nothing)
/// and failures of the machine are not.
fn refusal(err: &Error) -> Option<crate::ErrorCode> {
    use crate::ErrorCode as C;
    let code = err.code();
    matches!(
        code,
        C::NotFound
            | C::PermissionDenied
            | C::Conflict
            | C::InUse
            | C::Inactive
            | C::Expired
            | C::WriteOnly
            | C::Integrity
            | C::Rollback
    )
    .then_some(code)
}

impl Drop for Vault {
    /// Ends the session as [`Vault::lock`] does, so a sign-in that nothing
    /// after it recorded is still in the audit log.
    fn drop(&mut self) {
        self.lock();
    }
}

/// What runs first in a bootstrap transaction (see [`Vault::bootstrap`]).
type Prepare<'a> = dyn FnMut(&dyn Store, Option<&Arc<State>>, &KeyCache) -> Result<()> + 'a;

/// How many times a transaction the server rolled back is run in all.
const ATTEMPTS: u32 = 4;

/// The pause before attempt `n` (2, 3, …): growing, with random jitter so
/// two clients that collided do not collide again in step.
fn retry_pause(n: u32) -> std::time::Duration {
    let jitter = u64::from(random_bytes::<1>()[0]) % 25;
    std::time::Duration::from_millis((10 << n.min(6)) + jitter)
}

fn not_signed_in() -> Error {
    Error::AuthFailed("the vault is locked: sign in first".into())
}
