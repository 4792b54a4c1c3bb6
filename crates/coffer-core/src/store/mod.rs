//! The storage: every SQL statement Coffer runs on a vault is here, behind
//! one interface, [`Store`]. It deals in rows and blobs; nothing above it
//! writes SQL. SQLite (a file, `sqlite`) and PostgreSQL (a team's server,
//! `pg`) implement it; [`Backend`] opens either and runs transactions, so
//! nothing above this module knows which one a vault is on.
//!
//! Nothing returned here is trusted: every row is untrusted input, checked
//! by the layers above (signatures, commitments, associated data). Rows are
//! read leniently, so a column of the wrong type makes that row fail its
//! check instead of failing the whole query.

pub(crate) mod copy;
pub(crate) mod device;
pub(crate) mod legacy;
pub(crate) mod pg;
pub(crate) mod sqlite;

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::api::{Role, Timestamp};
use crate::crypto::KdfParams;
use crate::error::Result;
use crate::plain::Scope;

/// An open vault's storage: a file on this machine, or a database server.
pub(crate) enum Backend {
    File(Connection),
    Server(Box<pg::PgStore>),
}

/// Where a vault lives, from what the user passed: a `postgres://` URL
/// names a server, anything else a file.
fn is_server(location: &Path) -> Option<&str> {
    location.to_str().filter(|s| pg::is_url(s))
}

/// Creates a new, empty vault (a file that must not exist yet, or the
/// tables in a database that holds no vault).
pub(crate) fn create(location: &Path) -> Result<Backend> {
    match is_server(location) {
        Some(url) => Ok(Backend::Server(Box::new(pg::PgStore::create(
            pg::Target::parse(url)?,
        )?))),
        None => Ok(Backend::File(sqlite::create(location)?)),
    }
}

/// Opens an existing vault.
pub(crate) fn open(location: &Path) -> Result<Backend> {
    match is_server(location) {
        Some(url) => Ok(Backend::Server(Box::new(pg::PgStore::open(
            pg::Target::parse(url)?,
        )?))),
        None => Ok(Backend::File(sqlite::open(location)?)),
    }
}

impl Backend {
    /// The storage outside any transaction.
    pub(crate) fn store(&self) -> &dyn Store {
        match self {
            Self::File(c) => c,
            Self::Server(s) => &**s,
        }
    }

    /// Starts a transaction; a write takes the vault's write lock first,
    /// so writers from every process run one after the other.
    pub(crate) fn begin(&mut self, write: bool) -> Result<Tx<'_>> {
        match self {
            Self::File(c) => Ok(Tx::File(c.transaction_with_behavior(if write {
                TransactionBehavior::Immediate
            } else {
                TransactionBehavior::Deferred
            })?)),
            Self::Server(s) => {
                s.begin(write)?;
                Ok(Tx::Server(ServerTx {
                    store: s,
                    open: true,
                }))
            }
        }
    }

    /// The server's connection is known to be gone (a file never is).
    pub(crate) fn connection_lost(&self) -> bool {
        match self {
            Self::File(_) => false,
            Self::Server(s) => s.connection_lost(),
        }
    }

    /// How this device names the vault's location in its memory: the
    /// file's canonical path, or the server URL without password.
    pub(crate) fn location(&self, path: &Path) -> String {
        match self {
            Self::File(_) => std::fs::canonicalize(path)
                .unwrap_or_else(|_| path.to_path_buf())
                .to_string_lossy()
                .into_owned(),
            Self::Server(s) => s.target().display().to_string(),
        }
    }

    /// A way to hear other clients' changes as they commit (a server
    /// only: `None` for a file).
    pub(crate) fn listen(&self) -> Result<Option<pg::Listener>> {
        match self {
            Self::File(_) => Ok(None),
            Self::Server(s) => Ok(Some(pg::Listener::new(s.target())?)),
        }
    }

    /// Removes what a failed `create` left behind.
    pub(crate) fn discard(self, path: &Path) {
        match self {
            Self::File(conn) => {
                drop(conn);
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.as_os_str().to_owned();
                    p.push(suffix);
                    let _ = std::fs::remove_file(std::path::PathBuf::from(p));
                }
            }
            Self::Server(s) => s.drop_vault(),
        }
    }
}

/// The adversary suite's hands on the storage: any SQL, run as whoever
/// owns the file or as the server's superuser, outside Coffer's checks.
/// Placeholders are `?1`, `?2`, ...; on a server they become `$1`, `$2`.
#[cfg(test)]
impl Backend {
    pub(crate) fn raw_execute(&self, sql: &str, params: &[copy::Cell]) -> Result<u64> {
        match self {
            Self::File(c) => sqlite::raw_execute(c, sql, params),
            Self::Server(s) => s.raw_execute(&pg::dollar_marks(sql), params),
        }
    }

    pub(crate) fn raw_rows(
        &self,
        sql: &str,
        params: &[copy::Cell],
    ) -> Result<Vec<Vec<copy::Cell>>> {
        match self {
            Self::File(c) => sqlite::raw_rows(c, sql, params),
            Self::Server(s) => s.raw_rows(&pg::dollar_marks(sql), params),
        }
    }
}

/// An open transaction; dropped without `commit`, it rolls back.
pub(crate) enum Tx<'a> {
    File(rusqlite::Transaction<'a>),
    Server(ServerTx<'a>),
}

pub(crate) struct ServerTx<'a> {
    store: &'a pg::PgStore,
    open: bool,
}

impl Drop for ServerTx<'_> {
    fn drop(&mut self) {
        if self.open {
            self.store.rollback();
        }
    }
}

impl Tx<'_> {
    pub(crate) fn store(&self) -> &dyn Store {
        match self {
            Self::File(tx) => &**tx,
            Self::Server(tx) => tx.store,
        }
    }

    pub(crate) fn commit(self) -> Result<()> {
        match self {
            Self::File(tx) => Ok(tx.commit()?),
            Self::Server(mut tx) => {
                tx.open = false;
                let out = tx.store.commit();
                if out.is_err() {
                    tx.store.rollback();
                }
                out
            }
        }
    }
}

/// `vault_meta` as stored (unverified): id, KDF profile and parameters.
pub(crate) struct MetaRow {
    pub vault_id: String,
    pub kdf_profile: String,
    pub kdf: KdfParams,
}

/// A user's stored password data.
pub(crate) struct LockRow {
    pub salt: Option<Vec<u8>>,
    pub params: Option<KdfParams>,
    pub bundle: Option<Vec<u8>>,
    /// For an account of format 1 being upgraded: its enrollment seed,
    /// sealed by the owner to its old key.
    pub enroll_seal: Option<Vec<u8>>,
}

/// A `secrets` row, before any check.
pub(crate) struct SecretRow {
    pub id: i64,
    pub header: Option<Vec<u8>>,
    pub signature: Option<Vec<u8>>,
    pub meta: Option<Vec<u8>>,
    /// Absent when loaded for the table.
    pub fields: Option<Vec<u8>>,
    /// The scope its plaintext columns claim (departments only on request).
    pub hint: Hint,
}

/// A row's scope as its plaintext columns say (unverified: used only to
/// decide who sees that a row failed its check, which reveals nothing).
#[derive(Clone, Default)]
pub(crate) struct Hint {
    pub private: bool,
    pub creator: i64,
    pub all_depts: bool,
    pub depts: Vec<i64>,
}

impl Hint {
    pub(crate) fn facts(&self) -> crate::plain::ScopeFacts<'_> {
        crate::plain::ScopeFacts {
            creator: self.creator,
            private: self.private,
            all_depts: self.all_depts,
            depts: &self.depts,
        }
    }
}

/// What a write stores of a secret: the signed header and ciphertexts, and
/// the plaintext columns kept for lookups (`key_index` and `scope_sig`
/// keep (key, scope) unique).
pub(crate) struct SecretColumns<'a> {
    pub id: i64,
    pub key_index: Option<&'a [u8]>,
    pub scope_sig: &'a str,
    pub all_depts: bool,
    pub private: bool,
    pub depts: &'a [i64],
    pub creator: i64,
    pub active: bool,
    pub reveal: &'a str,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub updated_by: i64,
    pub version: i64,
    pub dek_gen: i64,
    /// The data key is new: its use counter starts again.
    pub new_dek: bool,
    pub meta: &'a [u8],
    pub fields: &'a [u8],
    pub header: &'a [u8],
    pub signature: &'a [u8],
    pub signer: i64,
}

/// One wrap of a data key: (scope key id, wrapped key, blind index).
pub(crate) struct WrapRow {
    pub key_id: i64,
    pub wrapped: Vec<u8>,
    pub blind: Vec<u8>,
}

/// One earlier version of a secret.
pub(crate) struct VersionRow {
    pub version: i64,
    pub updated_at: Timestamp,
    pub updated_by: i64,
    pub meta: Vec<u8>,
    pub fields: Vec<u8>,
}

/// One usage as stored.
pub(crate) struct UsageRow {
    pub id: i64,
    pub secret_id: i64,
    pub sealed: Vec<u8>,
    pub created_by: i64,
    pub created_at: Timestamp,
    pub signer: i64,
    pub signature: Vec<u8>,
}

/// One audit log row: the columns filters use, and the signed entry.
#[derive(Clone)]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: i64,
    pub action: i64,
    pub secret: Option<i64>,
    pub outcome: i64,
    pub subject: Option<i64>,
    pub entry: Vec<u8>,
}

/// Which audit rows to read (newest first), by their plaintext columns.
#[derive(Default, Clone)]
pub(crate) struct AuditFilter {
    pub actor: Option<i64>,
    pub action: Option<i64>,
    pub secret: Option<i64>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Only rows before this sequence number (paging).
    pub before: Option<i64>,
    pub limit: usize,
}

/// One remembered device.
pub(crate) struct DeviceRow {
    pub id: i64,
    pub label: String,
    pub created_at: Timestamp,
}

/// Every operation on a vault's storage, within the caller's transaction.
pub(crate) trait Store {
    // --- the vault --------------------------------------------------------
    fn insert_meta(
        &self,
        vault_id: &str,
        profile: &str,
        kdf: KdfParams,
        now: Timestamp,
    ) -> Result<()>;
    fn meta(&self) -> Result<MetaRow>;
    /// Changes some other connection committed since the last call moves it.
    fn data_version(&self) -> Result<i64>;

    // --- the directory log --------------------------------------------------
    fn log_latest(&self) -> Result<Option<(i64, Vec<u8>)>>;
    fn log_entry(&self, epoch: i64) -> Result<Option<Vec<u8>>>;
    fn log_since(&self, epoch: i64) -> Result<Vec<(i64, Vec<u8>)>>;
    fn log_top(&self) -> Result<i64>;
    /// Fails with a conflict if another writer took the epoch.
    fn log_append(&self, epoch: i64, entry: &[u8]) -> Result<()>;

    // --- users (columns for lookups; password data; sign-in counters) --------
    fn insert_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        primary: Option<i64>,
        now: Timestamp,
    ) -> Result<i64>;
    fn set_user_columns(
        &self,
        id: i64,
        display_name: &str,
        role: Role,
        primary: Option<i64>,
        disabled: bool,
        depts: &BTreeSet<i64>,
    ) -> Result<()>;
    fn set_enrollment_kdf(&self, id: i64, salt: &[u8], params: KdfParams) -> Result<()>;
    fn set_bundle(
        &self,
        id: i64,
        salt: &[u8],
        params: KdfParams,
        bundle: &[u8],
        enc_public: &[u8],
    ) -> Result<()>;
    fn set_enroll_seal(&self, id: i64, seal: &[u8]) -> Result<()>;
    fn password_lock(&self, id: i64) -> Result<Option<LockRow>>;
    fn failures(&self, id: i64) -> Result<(i64, Option<Timestamp>)>;
    fn record_failure(&self, id: i64, at: Timestamp) -> Result<()>;
    fn clear_failures(&self, id: i64) -> Result<()>;
    fn must_change_password(&self, id: i64) -> Result<bool>;
    fn set_must_change_password(&self, id: i64, must: bool) -> Result<()>;

    // --- departments ------------------------------------------------------
    fn insert_dept(&self, code: &str, name: &str, now: Timestamp) -> Result<i64>;
    fn rename_dept(&self, id: i64, name: &str) -> Result<()>;

    // --- scope keys and grants ----------------------------------------------
    fn insert_scope_key(&self, scope: Scope, now: Timestamp) -> Result<i64>;
    /// Marks which key rows are current (a convenience: devices go by the
    /// directory).
    fn mark_current_key(&self, old: Option<i64>, new: i64) -> Result<()>;
    fn retire_personal_keys(&self, user: i64) -> Result<()>;
    fn count_key_uses(&self, id: i64, n: i64) -> Result<()>;
    fn key_uses(&self, id: i64) -> Result<Option<i64>>;
    /// Deletes a key with its grants and every wrap under it.
    fn delete_key(&self, id: i64) -> Result<()>;
    fn put_grant(&self, key: i64, user: i64, sealed: &[u8], sender: i64) -> Result<()>;
    /// A grant: (sealed key, sender; `None` for a grant of format 1).
    fn grant(&self, key: i64, user: i64) -> Result<Option<(Vec<u8>, Option<i64>)>>;
    /// Users holding a grant (of format 2) of a key.
    fn grant_holders(&self, key: i64) -> Result<Vec<i64>>;
    /// Drops a user's grants of format 1.
    fn drop_format1_grants(&self, user: i64) -> Result<()>;
    /// Drops format 1's index key (not used by format 2).
    fn drop_index_keys(&self) -> Result<()>;

    // --- secrets ------------------------------------------------------------
    fn secret(&self, id: i64) -> Result<Option<SecretRow>>;
    /// Every row, without `fields`, ordered by id.
    fn secrets_for_listing(&self) -> Result<Vec<SecretRow>>;
    fn secret_depts(&self, id: i64) -> Result<Vec<i64>>;
    /// A placeholder row for a new secret: its id.
    fn insert_secret(&self, creator: i64) -> Result<i64>;
    /// Fails with a conflict if the key and scope exist already.
    fn save_secret(&self, row: &SecretColumns) -> Result<()>;
    fn set_secret_header(
        &self,
        id: i64,
        header: &[u8],
        signature: &[u8],
        signer: i64,
    ) -> Result<()>;
    /// Stores values that will never open (a format-1 secret whose values
    /// failed their check when it was upgraded).
    fn break_fields(&self, id: i64) -> Result<()>;
    fn delete_secret(&self, id: i64) -> Result<()>;
    fn secrets_signed_by(&self, user: i64) -> Result<Vec<i64>>;
    fn dek_uses(&self, id: i64) -> Result<i64>;
    fn add_dek_uses(&self, id: i64, n: i64) -> Result<()>;

    // --- wraps ----------------------------------------------------------------
    fn replace_wraps(&self, secret: i64, wraps: &[WrapRow]) -> Result<()>;
    fn wrap(&self, secret: i64, key: i64) -> Result<Option<Vec<u8>>>;
    /// Every wrap as (secret id, key id, wrapped key), ordered by secret id.
    fn all_wraps(&self) -> Result<Vec<(i64, i64, Vec<u8>)>>;
    fn secrets_by_blind(&self, key: i64, blind: &[u8]) -> Result<Vec<i64>>;
    fn secrets_wrapped_under(&self, key: i64) -> Result<Vec<i64>>;

    // --- history --------------------------------------------------------------
    fn put_version(&self, secret: i64, v: &VersionRow) -> Result<()>;
    fn prune_versions(&self, secret: i64, up_to: i64) -> Result<()>;
    /// Earlier versions, oldest first.
    fn versions(&self, secret: i64) -> Result<Vec<VersionRow>>;
    fn delete_versions(&self, secret: i64) -> Result<()>;

    // --- usages ---------------------------------------------------------------
    fn insert_usage(&self, secret: i64, by: i64, at: Timestamp) -> Result<i64>;
    fn set_usage(&self, id: i64, sealed: &[u8], signer: i64, signature: &[u8]) -> Result<()>;
    fn set_usage_signature(&self, id: i64, signer: i64, signature: &[u8]) -> Result<()>;
    fn usages(&self, secret: i64) -> Result<Vec<UsageRow>>;
    fn usages_signed_by(&self, user: i64) -> Result<Vec<UsageRow>>;
    fn usage_secret(&self, id: i64) -> Result<Option<i64>>;
    fn delete_usage(&self, id: i64) -> Result<()>;

    // --- the audit log ------------------------------------------------------------
    /// The newest row's sequence number and entry.
    fn audit_latest(&self) -> Result<Option<(i64, Vec<u8>)>>;
    /// The entry at `seq`.
    fn audit_entry(&self, seq: i64) -> Result<Option<Vec<u8>>>;
    /// Fails with a conflict if another writer took the sequence number.
    fn audit_append(&self, row: &AuditRow) -> Result<()>;
    /// Rows matching a filter, newest first.
    fn audit_rows(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>>;
    /// Rows in order from `after` (exclusive), at most `limit`.
    fn audit_since(&self, after: i64, limit: usize) -> Result<Vec<AuditRow>>;

    // --- remembered devices ---------------------------------------------------
    fn insert_device(&self, user: i64, label: &str, now: Timestamp) -> Result<i64>;
    fn set_device_bundle(&self, id: i64, bundle: &[u8]) -> Result<()>;
    fn device_bundle(&self, id: i64, user: i64) -> Result<Option<Vec<u8>>>;
    /// Deletes a device (of `user`, if given); how many were deleted.
    fn delete_device(&self, id: i64, user: Option<i64>) -> Result<usize>;
    /// Deletes a user's devices but `keep`.
    fn delete_devices_of(&self, user: i64, keep: Option<i64>) -> Result<()>;
    fn devices(&self, user: i64) -> Result<Vec<DeviceRow>>;

    // --- copying a whole vault (see `copy`) ------------------------------------
    /// Every row of a table (the columns named), in primary-key order.
    fn table_rows(&self, table: &str, columns: &[&str]) -> Result<Vec<Vec<copy::Cell>>>;
    fn insert_rows(&self, table: &str, columns: &[&str], rows: &[Vec<copy::Cell>]) -> Result<()>;
    /// The highest id a table has handed out (ids are never reused).
    fn id_watermark(&self, table: &str) -> Result<i64>;
    fn set_id_watermark(&self, table: &str, n: i64) -> Result<()>;

    /// The SQLite connection, for reading a vault of format 1 (only ever a
    /// file).
    fn format1(&self) -> Option<&Connection>;
}
