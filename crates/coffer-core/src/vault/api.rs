//! Every public operation on a vault, in one place. Each is a thin call:
//! check the input (outside any transaction: bad input changes nothing),
//! then run one feature function in one transaction.

use std::path::{Path, PathBuf};

use secrecy::SecretString;

use super::{InitOptions, Vault, VaultOptions};
use crate::api::{
    AuditAction, AuditCheck, AuditEntry, AuditQuery, Department, DeviceInfo, Explanation,
    ExportFormat, ExportReport, KdfProfile, ListQuery, MembershipUpdate, NewSecret, NewUsage,
    NewUser, RevealedField, Role, SecretId, SecretSummary, SecretUpdate, SecretValue, SessionInfo,
    Usage, UserInfo, VersionInfo,
};
use crate::audit::{self, Event};
use crate::device::{self, CredentialStore};
use crate::error::{Error, Result};
use crate::inject::{Injection, Request};
use crate::trust::{self, fingerprint};
use crate::users::Enrollment;
use crate::{account, expiry, export, history, import, lookup, secrets, usages, users, validate};

impl Vault {
    // --- opening ------------------------------------------------------------

    /// `$XDG_DATA_HOME/coffer/vault.db` on Linux, the platform data folder
    /// elsewhere.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "coffer").map(|d| d.data_dir().join("vault.db"))
    }

    /// Creates a vault with its owner (a member of `DEFAULT`) and signs the
    /// owner in.
    pub fn create(path: &Path, opts: InitOptions) -> Result<Self> {
        Self::create_at(path, opts, &VaultOptions::default())
    }

    pub fn create_with(path: &Path, opts: InitOptions, vault_opts: &VaultOptions) -> Result<Self> {
        Self::create_at(path, opts, vault_opts)
    }

    /// Opens an existing vault, signed out.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_at(path, &VaultOptions::default())
    }

    pub fn open_with(path: &Path, opts: &VaultOptions) -> Result<Self> {
        Self::open_at(path, opts)
    }

    /// Copies a vault to a new file or an empty PostgreSQL database, all
    /// or nothing, and checks the copy (see [`CopyReport`]).
    pub fn copy(from: &Path, to: &Path, opts: &VaultOptions) -> Result<super::CopyReport> {
        super::copy(from, to, opts)
    }

    /// A watch on teammates' changes, for a vault on a server (`None` for
    /// a file). It has its own connection: waiting on it never blocks
    /// this handle.
    pub fn watch(&self) -> Result<Option<super::ChangeWatch>> {
        Ok(self.conn.listen()?.map(super::ChangeWatch))
    }

    /// Keeps the database password of a server vault in the OS keyring,
    /// after checking that the server accepts it (nothing is stored
    /// otherwise). Returns the vault's URL as Coffer names it.
    pub fn save_server_password(location: &Path, password: &SecretString) -> Result<String> {
        use secrecy::ExposeSecret;
        crate::store::pg::connect::save_password(
            &Self::server_url(location)?,
            password.expose_secret(),
        )
    }

    /// Forgets a server vault's database password kept in the keyring.
    pub fn forget_server_password(location: &Path) -> Result<bool> {
        crate::store::pg::connect::forget_password(&Self::server_url(location)?)
    }

    fn server_url(location: &Path) -> Result<String> {
        let url = location.to_string_lossy().into_owned();
        if !crate::store::pg::is_url(&url) {
            return Err(Error::InvalidInput(
                "only a vault on a server has a database password: pass its postgres:// URL".into(),
            ));
        }
        Ok(url)
    }

    /// Whether the vault lives on a database server.
    pub fn is_on_server(&self) -> bool {
        matches!(self.conn, crate::store::Backend::Server(_))
    }

    /// Whether a location names a vault on a server (`postgres://`).
    pub fn is_server_location(location: &Path) -> bool {
        crate::store::pg::is_url(&location.to_string_lossy())
    }

    /// A server vault's name in a few words (`team @ db.example.com`), as
    /// its URL says it; `None` for a file, or a URL that names neither.
    pub fn server_short_name(location: &str) -> Option<String> {
        if !crate::store::pg::is_url(location) {
            return None;
        }
        crate::store::pg::connect::short_name(location)
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

    /// The vault's root-of-trust fingerprint, for people to compare out of
    /// band (`None` until the owner has upgraded a format-1 vault).
    pub fn fingerprint(&mut self) -> Result<Option<String>> {
        Ok(self.directory()?.map(|d| fingerprint(&d)))
    }

    /// Forgets what this device remembers of this vault (its pinned root,
    /// directory and secret revisions), after its owner confirmed out of
    /// band that a replaced or restored vault is the right one: only if the
    /// vault in the file, verified from its first directory entry, has the
    /// fingerprint `expect`, and, when it is an older copy of the vault
    /// this device saw (a restored backup, or a rollback), only if
    /// `accept_older` says so. Otherwise nothing is forgotten. Returns the
    /// fingerprint now trusted.
    pub fn reset_trust(&mut self, expect: &str, accept_older: bool) -> Result<String> {
        // One snapshot of the log (see `directory`).
        let tx = self.conn.begin(false)?;
        let found = trust::unpinned(tx.store(), &self.device)?;
        tx.commit()?;
        let Some(found) = found else {
            return Err(Error::AuthFailed(
                "this vault has not been upgraded yet: its owner must sign in first".into(),
            ));
        };
        let fp = fingerprint(&found.state);
        let normal = |c: &str| {
            c.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_uppercase()
        };
        if normal(&fp) != normal(expect) {
            return Err(Error::Rollback(
                "the vault's fingerprint is not the one given: this device still does not trust it, \
                 and remembers what it did (check the code with the vault's owner)"
                    .into(),
            ));
        }
        if let Some(seen) = found.older_than_seen
            && !accept_older
        {
            return Err(Error::Rollback(format!(
                "this is the right vault, but an older copy of it: its directory ends at change {}, and \
                 this device has seen change {seen}, which this copy lacks; whoever can write the file \
                 may have put it back. If a backup was restored on purpose, confirm with \
                 --accept-older (secrets changed since the backup are lost from this copy)",
                found.state.epoch
            )));
        }
        self.lock();
        self.dir = None;
        self.device.forget(&self.meta_id, Some(&self.location))?;
        self.device.forget(&found.state.config.vault_id, None)?;
        Ok(fp)
    }

    // --- signing in and out ---------------------------------------------------

    pub fn is_unlocked(&self) -> bool {
        self.session.is_some()
    }

    /// Signs out and wipes every key held in memory. A sign-in that no
    /// transaction recorded yet is recorded first (best effort: the
    /// session ends either way, and a server whose connection was lost is
    /// not waited for again).
    pub fn lock(&mut self) {
        if self.session.as_ref().is_some_and(|s| s.sign_in_pending) && !self.conn.connection_lost()
        {
            let _ = self.run(
                super::Mode {
                    write: true,
                    during_password_change: true,
                    maintain: false,
                },
                |_| Ok(()),
            );
        }
        self.session = None;
    }

    /// Signs in with a password. Wrong passwords are counted per user (in
    /// the vault and on this device); after three in a row each attempt
    /// must wait longer (2 s, 4 s, ...).
    pub fn unlock_with_password(
        &mut self,
        username: &str,
        password: &SecretString,
    ) -> Result<SessionInfo> {
        self.sign_in_with_password(username, password)
    }

    /// Signs in with this device's remembered key. `Ok(None)` when none is
    /// remembered for this user; an error when one is but no longer works
    /// (it is then forgotten, so the next attempt asks for the password).
    pub fn unlock_with_device(
        &mut self,
        store: &dyn CredentialStore,
        username: &str,
    ) -> Result<Option<SessionInfo>> {
        self.sign_in_with_device(store, username)
    }

    /// Who is signed in, and how the vault is set up.
    pub fn session_info(&mut self) -> Result<SessionInfo> {
        self.info()
    }

    /// Changes the signed-in user's password. The current password is
    /// checked first. After an initial password, this is when the user's
    /// own keys are made. Other remembered devices stay signed in.
    pub fn change_password(&mut self, current: &SecretString, new: &SecretString) -> Result<()> {
        self.change_password_as(current, new, false, None)
    }

    /// Like [`Vault::change_password`]; with `sign_out_other_devices`, the
    /// user's keys are replaced too (for when a device may be lost or the
    /// old password known: what either gave away opens nothing new, see
    /// `rekey::replace_identity`), and every device remembered for them is
    /// signed out. This one stays remembered, under the new keys, when
    /// `this_device` (this machine's keyring) remembered it.
    pub fn change_password_with(
        &mut self,
        current: &SecretString,
        new: &SecretString,
        sign_out_other_devices: bool,
        this_device: Option<&dyn CredentialStore>,
    ) -> Result<()> {
        self.change_password_as(current, new, sign_out_other_devices, this_device)
    }

    // --- remembered devices ---------------------------------------------------

    /// Remembers this device for the signed-in user, replacing any earlier
    /// remembered key for them on this device.
    pub fn remember_device(&mut self, store: &dyn CredentialStore, label: &str) -> Result<()> {
        self.write(|cx| device::remember(cx, store, label))
    }

    /// Forgets this device for a user: deletes the keyring entry and the
    /// bundle it opened. Needs no sign-in. Returns whether anything was
    /// remembered.
    pub fn forget_device(&mut self, store: &dyn CredentialStore, username: &str) -> Result<bool> {
        device::forget(self.store(), store, self.id(), username)
    }

    /// Whether a device key is remembered for this user (without using it).
    pub fn device_remembered(&self, store: &dyn CredentialStore, username: &str) -> Result<bool> {
        device::remembered(store, self.id(), username)
    }

    /// The signed-in user's remembered devices.
    pub fn devices(&mut self) -> Result<Vec<DeviceInfo>> {
        let current = self.session_device();
        self.read(|cx| device::list(cx, current))
    }

    /// Signs a remembered device of the signed-in user out, from any
    /// machine (see `device::revoke`).
    pub fn revoke_device(&mut self, device_id: i64) -> Result<()> {
        let out = self.write(|cx| {
            device::revoke(cx, device_id)?;
            cx.record(Event::new(AuditAction::DeviceRevoke));
            Ok(())
        });
        self.refused(out, Event::new(AuditAction::DeviceRevoke))
    }

    // --- secrets --------------------------------------------------------------

    /// Creates a secret and returns its id. Without departments it goes to
    /// the creator's primary department.
    pub fn create_secret(&mut self, new: NewSecret) -> Result<SecretId> {
        let new = secrets::check_new(new)?;
        let refusal = Event::asked(AuditAction::Create, new.key());
        let out = self.write(|cx| secrets::create(cx, &new));
        self.refused(out, refusal)
    }

    /// The secrets table: every secret the user can see that matches.
    pub fn list_secrets(&mut self, query: &ListQuery) -> Result<Vec<SecretSummary>> {
        self.read_with_listing(|cx, cache| secrets::list(cx, cache, query))
    }

    /// One secret's metadata.
    pub fn secret(&mut self, id: SecretId) -> Result<SecretSummary> {
        self.read(|cx| secrets::summary(cx, id))
    }

    /// Every field with its value, for someone allowed to see them.
    pub fn reveal(&mut self, id: SecretId) -> Result<Vec<RevealedField>> {
        let out = self.audited_read(|cx| secrets::reveal(cx, id));
        self.refused(out, Event::new(AuditAction::Reveal).secret(id))
    }

    /// One field's value, for copying to the clipboard.
    pub fn copy_value(&mut self, id: SecretId, field: &str) -> Result<SecretString> {
        let out = self.audited_read(|cx| secrets::copy_value(cx, id, field));
        self.refused(out, Event::new(AuditAction::Copy).secret(id))
    }

    /// Every field as `.env` lines (see `dotenv`), for copying: the same
    /// rule as copying one field.
    pub fn copy_as_env(&mut self, id: SecretId) -> Result<SecretString> {
        let out = self.audited_read(|cx| secrets::copy_as_env(cx, id));
        self.refused(out, Event::new(AuditAction::Copy).secret(id))
    }

    /// Applies a partial update (merged with the current version in the
    /// same transaction) as a new version; returns the new metadata.
    pub fn update_secret(&mut self, id: SecretId, upd: SecretUpdate) -> Result<SecretSummary> {
        let upd = secrets::check_update(upd)?;
        let out = self.write(|cx| secrets::update(cx, id, &upd));
        self.refused(out, Event::new(AuditAction::Update).secret(id))
    }

    /// Activates or deactivates a secret (admins). Returns the names of the
    /// usages of a secret that was deactivated while in use, for a warning.
    pub fn set_active(&mut self, id: SecretId, active: bool) -> Result<Vec<String>> {
        let out = self.write(|cx| secrets::set_active(cx, id, active));
        let action = if active {
            AuditAction::Activate
        } else {
            AuditAction::Deactivate
        };
        self.refused(out, Event::new(action).secret(id))
    }

    /// Deletes a secret and its history. Refused while anything uses it;
    /// the error names every usage. With `expected_version` (the version
    /// the caller was shown), refused as [`Error::Stale`] when someone has
    /// saved a newer version since, and nothing is deleted.
    pub fn delete_secret(&mut self, id: SecretId, expected_version: Option<i64>) -> Result<()> {
        let out = self.write(|cx| secrets::delete(cx, id, expected_version));
        self.refused(out, Event::new(AuditAction::Delete).secret(id))
    }

    // --- retrieval ------------------------------------------------------------

    /// The value of the most specific secret with this key for the
    /// signed-in user, or `None` when nothing matches (SPEC §3).
    pub fn get_secret(
        &mut self,
        key: &str,
        department: Option<&str>,
    ) -> Result<Option<SecretValue>> {
        validate::secret_key(key)?;
        let out = self.audited_read(|cx| lookup::get(cx, key, department));
        self.refused(out, Event::asked(AuditAction::Get, key))
    }

    /// The variables of a `run` request for the signed-in user, every key
    /// resolved as [`Self::get_secret`] does (SPEC §3), in one transaction.
    /// `program` is the command's file name, for the audit log (never its
    /// arguments). Fails, naming every problem, when any reference found
    /// nothing (`NotFound`) or is ambiguous or refused (`InvalidInput`).
    pub fn inject(
        &mut self,
        request: &Request,
        department: Option<&str>,
        program: &str,
    ) -> Result<Injection> {
        self.audited_read(|cx| lookup::inject(cx, request, department, program))?
    }

    /// [`Vault::get_secret`] with the metadata of the secret that answered,
    /// read in the same transaction (for front ends that show which secret
    /// a value came from, such as the Python package's `Vault.get`).
    pub fn get_secret_with_summary(
        &mut self,
        key: &str,
        department: Option<&str>,
    ) -> Result<Option<(SecretSummary, SecretValue)>> {
        validate::secret_key(key)?;
        let out = self.audited_read(|cx| {
            let Some((id, value)) = lookup::get_with_id(cx, key, department)? else {
                return Ok(None);
            };
            Ok(Some((secrets::summary(cx, id)?, value)))
        });
        self.refused(out, Event::asked(AuditAction::Get, key))
    }

    /// Every candidate for `key`, which one wins and the rule that decided,
    /// for the signed-in user or (admins) for `as_user`. Never values.
    pub fn explain(
        &mut self,
        key: &str,
        department: Option<&str>,
        as_user: Option<&str>,
    ) -> Result<Explanation> {
        validate::secret_key(key)?;
        self.read(|cx| lookup::explain(cx, key, department, as_user))
    }

    /// The user's active secrets (in their scope) that expired already or
    /// expire within `days` days, soonest first (see `expiry`).
    pub fn expiring_secrets(&mut self, days: u32) -> Result<Vec<SecretSummary>> {
        let within = i64::from(days.min(36_500)) * 24 * 60 * 60 * 1000;
        self.read_with_listing(|cx, cache| expiry::expiring(cx, cache, within))
    }

    // --- export -----------------------------------------------------------------

    /// Every secret the signed-in user can read, as a file's text (see
    /// `export`), after checking their password again: a session opened by
    /// a remembered device is not enough to take everything away. Recorded
    /// in the audit log, refusals (a wrong password) too.
    pub fn export(
        &mut self,
        password: &SecretString,
        format: ExportFormat,
    ) -> Result<(SecretString, ExportReport)> {
        if let Err(e) = self.confirm_password(password) {
            if self.session.is_some() {
                let event = Event::new(AuditAction::Export).refused(e.code());
                let _ = self.audited_read(|cx| {
                    cx.record(event.clone());
                    Ok(())
                });
            }
            return Err(e);
        }
        let out = self.audited_read(|cx| export::export(cx, format));
        let out = self.refused(out, Event::new(AuditAction::Export));
        out.map(|e| (e.text, e.report))
    }

    // --- history --------------------------------------------------------------

    /// The current version and every kept earlier one, newest first.
    pub fn history(&mut self, id: SecretId) -> Result<Vec<VersionInfo>> {
        self.read(|cx| history::list(cx, id))
    }

    /// The fields of one version, under the same rule as revealing the
    /// secret now (in scope, active, unexpired, revealable).
    pub fn reveal_version(&mut self, id: SecretId, version: i64) -> Result<Vec<RevealedField>> {
        let out = self.audited_read(|cx| history::reveal(cx, id, version));
        self.refused(out, Event::new(AuditAction::Reveal).secret(id))
    }

    /// Makes an earlier version's key, fields, description and tags current
    /// again, as a new version (scope and state stay as they are now).
    pub fn restore_version(&mut self, id: SecretId, version: i64) -> Result<SecretSummary> {
        let out = self.write(|cx| history::restore(cx, id, version));
        self.refused(out, Event::new(AuditAction::Restore).secret(id))
    }

    // --- usages ---------------------------------------------------------------

    /// Records that something uses a secret (optionally one field of it).
    pub fn add_usage(&mut self, secret: SecretId, usage: NewUsage) -> Result<i64> {
        let label = usages::check(&usage)?;
        let out = self.write(|cx| usages::add(cx, secret, &label));
        self.refused(out, Event::new(AuditAction::UsageAdd).secret(secret))
    }

    /// Removes a usage.
    pub fn remove_usage(&mut self, usage_id: i64) -> Result<()> {
        let out = self.write(|cx| usages::remove(cx, usage_id));
        self.refused(out, Event::new(AuditAction::UsageRemove))
    }

    /// A secret's usages.
    pub fn usages(&mut self, secret: SecretId) -> Result<Vec<Usage>> {
        self.read(|cx| usages::list(cx, secret))
    }

    // --- users and departments ------------------------------------------------

    /// Every department, with its number of active members.
    pub fn departments(&mut self) -> Result<Vec<Department>> {
        self.read(|cx| Ok(users::departments(cx.dir())))
    }

    /// Creates a department; its key goes to the owner and admins.
    pub fn add_department(&mut self, code: &str, name: &str) -> Result<Department> {
        let code = validate::department_code(code.trim())?;
        let name = validate::department_name(name)?;
        let out = self.write(|cx| {
            let d = users::add_department(cx, &code, &name)?;
            cx.record(Event::new(AuditAction::DepartmentAdd).subject(d.id));
            Ok(d)
        });
        self.refused(out, Event::new(AuditAction::DepartmentAdd))
    }

    pub fn rename_department(&mut self, code: &str, name: &str) -> Result<()> {
        let name = validate::department_name(name)?;
        let out = self.write(|cx| {
            users::rename_department(cx, code, &name)?;
            let id = cx.dir().dept_coded(code).map(|d| d.id);
            let e = Event::new(AuditAction::DepartmentRename);
            cx.record(match id {
                Some(id) => e.subject(id),
                None => e,
            });
            Ok(())
        });
        self.refused(out, Event::new(AuditAction::DepartmentRename))
    }

    /// Every user (admins and the owner only).
    pub fn users(&mut self) -> Result<Vec<UserInfo>> {
        self.read(|cx| users::list(cx))
    }

    /// Creates a user with an initial password. The account holds no keys
    /// and no grants until its user signs in and sets their own password:
    /// their keys are made then, on their device, and the initial password
    /// only proves it is them. With no departments given, the user joins
    /// `DEFAULT`.
    pub fn add_user(&mut self, new: NewUser) -> Result<UserInfo> {
        validate::username(&new.username)?;
        let display = validate::display_name(&new.display_name)?;
        validate::new_password(&new.initial_password, &[&new.username, &new.display_name])?;
        if new.role == Role::Owner {
            return Err(crate::Error::invalid(
                "a vault has exactly one owner: make this user an admin or a member",
            ));
        }
        let config = self.signed_directory()?.config.clone();
        // The slow part runs before taking the write lock.
        let (salt, params, key) =
            account::enrollment_key(&new.initial_password, account::new_password_params(&config))?;
        let enrollment = Enrollment { salt, params, key };
        let out = self.write(|cx| {
            let u = users::add(cx, &new, &display, &enrollment)?;
            cx.record(Event::new(AuditAction::UserAdd).subject(u.id));
            Ok(u)
        });
        self.refused(out, Event::new(AuditAction::UserAdd))
    }

    /// Changes a user's role (only the owner makes or removes admins).
    pub fn set_role(&mut self, username: &str, role: Role) -> Result<()> {
        self.user_change(AuditAction::UserRole, username, |cx| {
            users::set_role(cx, username, role)
        })
    }

    /// Replaces a user's departments. Leaving a department re-keys it.
    pub fn set_memberships(&mut self, username: &str, update: MembershipUpdate) -> Result<()> {
        self.user_change(AuditAction::UserMemberships, username, |cx| {
            users::set_memberships(cx, username, &update)
        })
    }

    /// Disables or re-enables a user. Disabling re-keys what they held,
    /// re-signs what they signed, and forgets their devices.
    pub fn set_disabled(&mut self, username: &str, disabled: bool) -> Result<()> {
        let action = if disabled {
            AuditAction::UserDisable
        } else {
            AuditAction::UserEnable
        };
        self.user_change(action, username, |cx| {
            users::set_disabled(cx, username, disabled)
        })
    }

    fn user_change(
        &mut self,
        action: AuditAction,
        username: &str,
        mut f: impl FnMut(&mut crate::cx::Cx) -> Result<()>,
    ) -> Result<()> {
        let out = self.write(|cx| {
            let subject = cx.dir().user_named(username).map(|u| u.id);
            f(cx)?;
            let e = Event::new(action);
            cx.record(match subject {
                Some(id) => e.subject(id),
                None => e,
            });
            Ok(())
        });
        self.refused(out, Event::new(action))
    }

    // --- the audit log ----------------------------------------------------------

    /// Audit log entries, newest first: everything for admins and the
    /// owner, a member's own entries for a member. Key names appear where
    /// they were sealed to the reader.
    pub fn audit_log(&mut self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let limit = query.limit.unwrap_or(200).clamp(1, 5_000) as usize;
        self.read(|cx| {
            let dir = cx.dir_arc();
            let me = cx.actor().clone();
            let actor = match &query.user {
                Some(name) => {
                    let id = audit::user_ids(&dir)
                        .get(&name.trim().to_lowercase())
                        .copied()
                        .ok_or_else(|| {
                            Error::not_found("no user with that username: see `coffer user list`")
                        })?;
                    Some(id)
                }
                None => None,
            };
            let actor = if me.is_admin() {
                actor
            } else {
                match actor {
                    Some(id) if id != me.id => {
                        return Err(Error::denied(
                            "members read only their own audit entries: admins and the owner read everyone's",
                        ));
                    }
                    _ => Some(me.id),
                }
            };
            let filter = crate::store::AuditFilter {
                actor,
                action: query.action.map(audit::code_of),
                secret: query.secret_id,
                since: query.since,
                until: query.until,
                before: query.before,
                limit,
            };
            audit::read(cx.db(), &dir, &filter, me.id, cx.identity()?)
        })
    }

    /// Checks the whole audit log: each entry in place, chained to the one
    /// before, signed by its actor, and the log not shorter than this
    /// device has seen. Admins and the owner only. An error names the
    /// first bad entry.
    pub fn verify_audit(&mut self) -> Result<AuditCheck> {
        let (entries, head) = self.read(|cx| {
            if !cx.actor().is_admin() {
                return Err(Error::denied(
                    "only admins and the owner can check the whole audit log",
                ));
            }
            audit::verify(cx.db(), cx.dir(), cx.device())
        })?;
        if let Some(head) = head {
            audit::remember(&self.device, self.id(), head)?;
        }
        Ok(AuditCheck { entries })
    }
}

// --- import ------------------------------------------------------------------

impl Vault {
    /// What importing `source` with `opts` would do, entry by entry
    /// (nothing changes). A bad file is an error naming the line or entry.
    pub fn import_preview(
        &mut self,
        source: &crate::api::ImportSource,
        opts: &crate::api::ImportOptions,
    ) -> Result<crate::api::ImportPreview> {
        let checked = import::check_options(opts)?;
        let parsed = import::parse(&source.bytes, source.format, source.password.as_ref())?;
        self.read(|cx| import::preview(cx, &parsed, &checked))
    }

    /// Imports `source`: every entry in one transaction, or nothing (a bad
    /// file, a refused entry or a killed process leaves the vault as it
    /// was). `progress(done, total)` is called along the way. With
    /// `opts.dry_run`, reports what it would do and changes nothing.
    pub fn import(
        &mut self,
        source: &crate::api::ImportSource,
        opts: &crate::api::ImportOptions,
        progress: &mut dyn FnMut(u32, u32),
    ) -> Result<crate::api::ImportReport> {
        let checked = import::check_options(opts)?;
        let parsed = import::parse(&source.bytes, source.format, source.password.as_ref())?;
        if opts.dry_run {
            return self.read(|cx| import::run(cx, &parsed, &checked, progress));
        }
        let out = self.write(|cx| import::run(cx, &parsed, &checked, progress));
        self.refused(out, Event::new(AuditAction::Import))
    }
}
