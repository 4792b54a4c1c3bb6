//! The PostgreSQL backend: a team vault on a database server, with the
//! same tables as the file (in the schema `coffer`) and every statement of
//! [`Store`](super::Store).
//!
//! The server is treated exactly as the file is: it keeps bytes and may be
//! hostile, so every row it returns is checked above this layer. Rows are
//! read leniently here too: a column whose type was changed reads as
//! missing, and that row fails its check.
//!
//! Transactions: writers take one advisory lock up front (as SQLite's
//! `BEGIN IMMEDIATE` takes the file's write lock), so two desktops' writes
//! run one after the other and never fail on serialisation; readers see
//! one snapshot (`REPEATABLE READ`). A serialisation failure or deadlock
//! caused by something else on the server is [`Error::Contended`], which
//! the vault answers by running the whole transaction again. A write that
//! changed anything but the audit log moves `vault_changes` and sends
//! `NOTIFY coffer_changes` when it commits, which is how open apps learn
//! of a teammate's change.

pub(crate) mod connect;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};

use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{Client, Row, Statement};

use super::copy::{self, Cell as Val};
use super::{
    AuditFilter, AuditRow, DeviceRow, Hint, LockRow, MetaRow, SecretColumns, SecretRow, Store,
    UsageRow, VersionRow, WrapRow,
};
use crate::api::{Role, Timestamp};
use crate::crypto::{KdfParams, random_bytes};
use crate::error::{Error, Result};
use crate::plain::Scope;
pub(crate) use connect::{Target, is_url};

/// The advisory lock every writer holds until it commits ("Cofr").
const WRITE_LOCK: i64 = 0x436f_6672;

/// The channel a committed change is announced on.
pub(crate) const CHANNEL: &str = "coffer_changes";

/// The schema, one append-only file per version; never edit a released one.
const MIGRATIONS: &[&str] = &[include_str!(
    "../../../migrations/postgres/0001_initial.sql"
)];

/// The newest schema version this build knows.
pub(crate) fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// One connection to a vault's database.
pub(crate) struct PgStore {
    target: Target,
    client: RefCell<Client>,
    /// Prepared statements by their text (an import repeats each one
    /// thousands of times: preparing once saves a round trip each).
    statements: RefCell<HashMap<String, Statement>>,
    /// The open transaction changed something others should hear of.
    changed: Cell<bool>,
    /// A transaction is open (a lost connection is then not made again
    /// behind its back).
    in_tx: Cell<bool>,
}

/// A failure of the server or of the connection: never row contents.
fn db_error(e: &postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            return Error::Contended;
        }
        if *code == SqlState::LOCK_NOT_AVAILABLE {
            return Error::Io(
                "the vault stayed busy for too long: another Coffer client holds its write lock"
                    .into(),
            );
        }
        if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            return Error::PermissionDenied(
                "the database refused this change to your database role: ask whoever runs the server"
                    .into(),
            );
        }
        if *code == SqlState::UNDEFINED_TABLE || *code == SqlState::INVALID_SCHEMA_NAME {
            return Error::VaultDamaged("the vault's tables are missing from the database".into());
        }
        return Error::VaultDamaged(format!(
            "the vault's database refused a statement (SQLSTATE {})",
            code.code()
        ));
    }
    if e.is_closed() {
        return Error::Io("the connection to the vault's server was lost: try again".into());
    }
    Error::Io("the vault's server could not be reached: try again".into())
}

fn conflict(e: &postgres::Error, what: &str) -> Error {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        Error::Conflict(what.to_string())
    } else {
        db_error(e)
    }
}

fn blob(r: &Row, i: usize) -> Option<Vec<u8>> {
    r.try_get::<_, Option<Vec<u8>>>(i).ok().flatten()
}

fn int(r: &Row, i: usize) -> Option<i64> {
    r.try_get::<_, Option<i64>>(i).ok().flatten()
}

fn flag(r: &Row, i: usize) -> Option<bool> {
    r.try_get::<_, Option<bool>>(i).ok().flatten()
}

fn text(r: &Row, i: usize) -> Option<String> {
    r.try_get::<_, Option<String>>(i).ok().flatten()
}

fn kdf_int(v: u32) -> i64 {
    i64::from(v)
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The SQL of a scope key's columns (kind, department, owner).
fn scope_columns(scope: Scope) -> (&'static str, Option<i64>, Option<i64>) {
    match scope {
        Scope::All => ("all", None, None),
        Scope::Dept(d) => ("dept", Some(d), None),
        Scope::Personal(u) => ("personal", None, Some(u)),
    }
}

fn secret_from(r: &Row) -> SecretRow {
    SecretRow {
        id: int(r, 0).unwrap_or(0),
        header: blob(r, 1),
        signature: blob(r, 2),
        meta: blob(r, 3),
        fields: blob(r, 4),
        hint: Hint {
            private: flag(r, 5).unwrap_or(true),
            creator: int(r, 6).unwrap_or(0),
            all_depts: flag(r, 7).unwrap_or(false),
            depts: Vec::new(),
        },
    }
}

fn version_from(r: &Row) -> VersionRow {
    VersionRow {
        version: int(r, 0).unwrap_or(-1),
        updated_at: int(r, 1).unwrap_or(-1),
        updated_by: int(r, 2).unwrap_or(-1),
        meta: blob(r, 3).unwrap_or_default(),
        fields: blob(r, 4).unwrap_or_default(),
    }
}

fn usage_from(r: &Row) -> UsageRow {
    UsageRow {
        id: int(r, 0).unwrap_or(0),
        secret_id: int(r, 1).unwrap_or(0),
        sealed: blob(r, 2).unwrap_or_default(),
        created_by: int(r, 3).unwrap_or(0),
        created_at: int(r, 4).unwrap_or(0),
        signer: int(r, 5).unwrap_or(0),
        signature: blob(r, 6).unwrap_or_default(),
    }
}

fn audit_from(r: &Row) -> AuditRow {
    AuditRow {
        seq: int(r, 0).unwrap_or(0),
        at: int(r, 1).unwrap_or(0),
        actor: int(r, 2).unwrap_or(0),
        action: int(r, 3).unwrap_or(0),
        secret: int(r, 4),
        outcome: int(r, 5).unwrap_or(0),
        subject: int(r, 6),
        entry: blob(r, 7).unwrap_or_default(),
    }
}

/// A copied value as a parameter of the destination column's type.
fn cell_param(c: &Val, ty: &Type) -> Box<dyn ToSql + Sync> {
    match (c, ty) {
        (Val::Null, t) if *t == Type::BOOL => Box::new(None::<bool>),
        (Val::Null, t) if *t == Type::BYTEA => Box::new(None::<Vec<u8>>),
        (Val::Null, t) if *t == Type::TEXT => Box::new(None::<String>),
        (Val::Null, t) if *t == Type::INT2 => Box::new(None::<i16>),
        (Val::Null, _) => Box::new(None::<i64>),
        (Val::Int(v), t) if *t == Type::BOOL => Box::new(*v != 0),
        (Val::Int(v), t) if *t == Type::INT2 => Box::new(i16::try_from(*v).unwrap_or(i16::MAX)),
        (Val::Int(v), t) if *t == Type::INT4 => Box::new(i32::try_from(*v).unwrap_or(i32::MAX)),
        (Val::Int(v), _) => Box::new(*v),
        (Val::Text(t), _) => Box::new(t.clone()),
        (Val::Bytes(b), _) => Box::new(b.clone()),
    }
}

/// The first `n` columns of a row as backend-neutral cells.
fn row_cells(r: &Row, n: usize) -> Vec<Val> {
    (0..n)
        .map(|i| {
            let ty = r.columns().get(i).map(|c| c.type_().clone());
            match ty {
                Some(Type::BOOL) => flag(r, i).map_or(Val::Null, |b| Val::Int(b.into())),
                Some(Type::INT2) => r
                    .try_get::<_, Option<i16>>(i)
                    .ok()
                    .flatten()
                    .map_or(Val::Null, |v| Val::Int(v.into())),
                Some(Type::INT4) => r
                    .try_get::<_, Option<i32>>(i)
                    .ok()
                    .flatten()
                    .map_or(Val::Null, |v| Val::Int(v.into())),
                Some(Type::INT8) => int(r, i).map_or(Val::Null, Val::Int),
                Some(Type::BYTEA) => blob(r, i).map_or(Val::Null, Val::Bytes),
                _ => text(r, i).map_or(Val::Null, Val::Text),
            }
        })
        .collect()
}

/// SQLite's numbered placeholders (`?1`) as PostgreSQL's (`$1`), for the
/// adversary suite's statements, which are written once for both.
#[cfg(test)]
pub(crate) fn dollar_marks(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

const USAGE_COLUMNS: &str = "id, secret_id, sealed, created_by, created_at, signer_id, signature";
const AUDIT_COLUMNS: &str = "seq, at, actor_id, action, secret_id, outcome, subject, entry";

/// A second connection that hears other clients' commits
/// (`LISTEN coffer_changes`).
pub(crate) struct Listener {
    client: Client,
}

impl Listener {
    pub(crate) fn new(target: &Target) -> Result<Self> {
        let mut client = target.connect()?;
        client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .map_err(|e| db_error(&e))?;
        Ok(Self { client })
    }

    /// Waits up to `timeout`; true if a change was announced (all those
    /// waiting are taken at once).
    pub(crate) fn wait(&mut self, timeout: std::time::Duration) -> Result<bool> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut notes = self.client.notifications();
        let first = notes
            .timeout_iter(timeout)
            .next()
            .map_err(|e| db_error(&e))?;
        if first.is_none() {
            return Ok(false);
        }
        // Take whatever else is already waiting.
        while notes.iter().next().map_err(|e| db_error(&e))?.is_some() {}
        Ok(true)
    }
}

impl PgStore {
    /// Opens an existing vault, refusing a database without one or made
    /// by a newer version, and upgrading an older schema.
    pub(crate) fn open(target: Target) -> Result<Self> {
        let client = target.connect()?;
        let store = Self::new(target, client);
        let version = store.schema_version_found()?.ok_or_else(|| {
            Error::not_found(format!(
                "no Coffer vault in {}: create one with `coffer init --vault {}`",
                store.target.display(),
                store.target.display()
            ))
        })?;
        if version > schema_version() {
            return Err(Error::UnsupportedVersion {
                found: version,
                known: schema_version(),
            });
        }
        if version < schema_version() {
            store.migrate()?;
        }
        store.meta().map(drop)?;
        Ok(store)
    }

    /// Creates the vault's tables in a database that holds no vault yet.
    pub(crate) fn create(target: Target) -> Result<Self> {
        let client = target.connect()?;
        let store = Self::new(target, client);
        if store.schema_version_found()?.is_some() {
            return Err(Error::Conflict(format!(
                "{} already holds a Coffer vault: open it, or choose another database",
                store.target.display()
            )));
        }
        store.migrate()?;
        Ok(store)
    }

    fn new(target: Target, client: Client) -> Self {
        Self {
            target,
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            changed: Cell::new(false),
            in_tx: Cell::new(false),
        }
    }

    /// The connection is known to be gone (the last statement failed on it).
    pub(crate) fn connection_lost(&self) -> bool {
        self.client.borrow().is_closed()
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// The schema version recorded in the database, `None` if it holds no
    /// vault.
    fn schema_version_found(&self) -> Result<Option<i64>> {
        let present = self
            .one(
                "SELECT to_regclass('coffer.schema_migrations') IS NOT NULL",
                &[],
            )?
            .and_then(|r| flag(&r, 0))
            .unwrap_or(false);
        if !present {
            return Ok(None);
        }
        Ok(self
            .one("SELECT max(version) FROM coffer.schema_migrations", &[])?
            .and_then(|r| int(&r, 0)))
    }

    /// Runs the migrations not yet applied, all in one transaction under
    /// the write lock (DDL is transactional here: a failure leaves the
    /// database as it was).
    fn migrate(&self) -> Result<()> {
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().map_err(|e| db_error(&e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .map_err(|e| db_error(&e))?;
        tx.batch_execute(
            "CREATE SCHEMA IF NOT EXISTS coffer;
             CREATE TABLE IF NOT EXISTS coffer.schema_migrations (
                version    BIGINT PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             );",
        )
        .map_err(|e| db_error(&e))?;
        let done: i64 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM coffer.schema_migrations",
                &[],
            )
            .map_err(|e| db_error(&e))?
            .try_get(0)
            .unwrap_or(0);
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let version = i as i64 + 1;
            if version <= done {
                continue;
            }
            tx.batch_execute(&format!("SET LOCAL search_path TO coffer; {sql}"))
                .map_err(|_| {
                    Error::VaultDamaged(format!(
                        "the vault's tables could not be made or upgraded to version {version}"
                    ))
                })?;
            tx.execute(
                "INSERT INTO coffer.schema_migrations (version) VALUES ($1)",
                &[&version],
            )
            .map_err(|e| db_error(&e))?;
        }
        tx.commit().map_err(|e| db_error(&e))?;
        Ok(())
    }

    /// Removes a vault this process just failed to create.
    pub(crate) fn drop_vault(&self) {
        let _ = self
            .client
            .borrow_mut()
            .batch_execute("DROP SCHEMA IF EXISTS coffer CASCADE");
    }

    /// Starts a transaction: a write takes the write lock first.
    pub(crate) fn begin(&self, write: bool) -> Result<()> {
        self.changed.set(false);
        let sql = if write {
            // As long as SQLite waits for a file's writer: a client that
            // hangs while holding the lock is given up on, not waited for
            // forever (one killed releases it at once).
            format!(
                "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '30s'; \
                 SELECT pg_advisory_xact_lock({WRITE_LOCK})"
            )
        } else {
            "BEGIN ISOLATION LEVEL REPEATABLE READ".to_string()
        };
        let first = self.client.borrow_mut().batch_execute(&sql);
        let out = match first {
            Ok(()) => Ok(()),
            // The server restarted or the connection dropped while idle:
            // connect again once (nothing was in flight).
            Err(e) if e.is_closed() || self.client.borrow().is_closed() => {
                self.reconnect()?;
                self.client
                    .borrow_mut()
                    .batch_execute(&sql)
                    .map_err(|e| db_error(&e))
            }
            Err(e) => Err(db_error(&e)),
        };
        self.in_tx.set(out.is_ok());
        out
    }

    fn reconnect(&self) -> Result<()> {
        let client = self.target.connect()?;
        *self.client.borrow_mut() = client;
        self.statements.borrow_mut().clear();
        Ok(())
    }

    /// Commits, announcing a change to other clients.
    pub(crate) fn commit(&self) -> Result<()> {
        self.in_tx.set(false);
        let sql = if self.changed.replace(false) {
            format!("UPDATE vault_changes SET n = n + 1 WHERE id = 1; NOTIFY {CHANNEL}; COMMIT")
        } else {
            "COMMIT".to_string()
        };
        self.client
            .borrow_mut()
            .batch_execute(&sql)
            .map_err(|e| db_error(&e))
    }

    pub(crate) fn rollback(&self) {
        self.changed.set(false);
        self.in_tx.set(false);
        let mut client = self.client.borrow_mut();
        if !client.is_closed() {
            let _ = client.batch_execute("ROLLBACK");
        }
    }

    /// The prepared statement for `sql`. A statement the server cannot
    /// prepare (a table gone, say) fails here with the server's own
    /// reason; inside a transaction, running it unprepared instead would
    /// only report the aborted transaction (SQLSTATE 25P02).
    fn statement(
        &self,
        client: &mut Client,
        sql: &str,
    ) -> std::result::Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = client.prepare(sql)?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), s.clone());
        Ok(s)
    }

    fn rows_raw(&self, sql: &str, p: Params) -> std::result::Result<Vec<Row>, postgres::Error> {
        self.retrying(|client, stmt| client.query(stmt, p), sql)
    }

    /// Runs a statement (prepared once). Outside a transaction, a
    /// connection the server dropped (a restart) is made again and the
    /// statement run once more; inside one, the error stands (the
    /// transaction is gone with the connection).
    fn retrying<T>(
        &self,
        run: impl Fn(&mut Client, &Statement) -> std::result::Result<T, postgres::Error>,
        sql: &str,
    ) -> std::result::Result<T, postgres::Error> {
        let first = {
            let mut client = self.client.borrow_mut();
            self.statement(&mut client, sql)
                .and_then(|stmt| run(&mut client, &stmt))
        };
        match first {
            Err(e) if !self.in_tx.get() && self.client.borrow().is_closed() => {
                if self.reconnect().is_err() {
                    return Err(e);
                }
                let mut client = self.client.borrow_mut();
                self.statement(&mut client, sql)
                    .and_then(|stmt| run(&mut client, &stmt))
            }
            other => other,
        }
    }

    fn rows(&self, sql: &str, p: Params) -> Result<Vec<Row>> {
        self.rows_raw(sql, p).map_err(|e| db_error(&e))
    }

    fn one(&self, sql: &str, p: Params) -> Result<Option<Row>> {
        Ok(self.rows(sql, p)?.into_iter().next())
    }

    fn ids(&self, sql: &str, p: Params) -> Result<Vec<i64>> {
        Ok(self
            .rows(sql, p)?
            .iter()
            .filter_map(|r| int(r, 0))
            .collect())
    }

    /// A change others should hear of.
    fn exec_raw(&self, sql: &str, p: Params) -> std::result::Result<u64, postgres::Error> {
        self.changed.set(true);
        self.retrying(|client, stmt| client.execute(stmt, p), sql)
    }

    fn exec(&self, sql: &str, p: Params) -> Result<u64> {
        self.exec_raw(sql, p).map_err(|e| db_error(&e))
    }

    /// An insert returning the new row's id.
    fn insert(&self, sql: &str, p: Params, what: &str) -> Result<i64> {
        self.changed.set(true);
        let rows = self.rows_raw(sql, p).map_err(|e| conflict(&e, what))?;
        rows.first()
            .and_then(|r| int(r, 0))
            .ok_or_else(|| Error::VaultDamaged("the server returned no id for a new row".into()))
    }
}

/// Any SQL, as the server's superuser would run it (the adversary suite).
#[cfg(test)]
impl PgStore {
    fn raw_params(
        &self,
        sql: &str,
        params: &[Val],
    ) -> Result<(Statement, Vec<Box<dyn ToSql + Sync>>)> {
        let stmt = self
            .client
            .borrow_mut()
            .prepare(sql)
            .map_err(|e| db_error(&e))?;
        let values = params
            .iter()
            .zip(stmt.params())
            .map(|(c, ty)| cell_param(c, ty))
            .collect();
        Ok((stmt, values))
    }

    pub(crate) fn raw_execute(&self, sql: &str, params: &[Val]) -> Result<u64> {
        let (stmt, values) = self.raw_params(sql, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
        self.client
            .borrow_mut()
            .execute(&stmt, &refs)
            .map_err(|e| db_error(&e))
    }

    pub(crate) fn raw_rows(&self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>> {
        let (stmt, values) = self.raw_params(sql, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
        let rows = self
            .client
            .borrow_mut()
            .query(&stmt, &refs)
            .map_err(|e| db_error(&e))?;
        Ok(rows.iter().map(|r| row_cells(r, r.len())).collect())
    }
}

impl Store for PgStore {
    fn insert_meta(
        &self,
        vault_id: &str,
        profile: &str,
        kdf: KdfParams,
        now: Timestamp,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO vault_meta (id, vault_id, kdf_profile, kdf_m, kdf_t, kdf_p, created_at)
             VALUES (1, $1, $2, $3, $4, $5, $6)",
            &[
                &vault_id,
                &profile,
                &kdf_int(kdf.m_kib),
                &kdf_int(kdf.t),
                &kdf_int(kdf.p),
                &now,
            ],
        )?;
        Ok(())
    }

    fn meta(&self) -> Result<MetaRow> {
        let row = self
            .one(
                "SELECT vault_id, kdf_profile, kdf_m, kdf_t, kdf_p FROM vault_meta WHERE id = 1",
                &[],
            )?
            .ok_or_else(|| {
                Error::VaultDamaged(
                    "this database's Coffer vault is damaged: its metadata row is missing".into(),
                )
            })?;
        let n = |i| {
            int(&row, i)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0)
        };
        Ok(MetaRow {
            vault_id: text(&row, 0).unwrap_or_default(),
            kdf_profile: text(&row, 1).unwrap_or_default(),
            kdf: KdfParams {
                m_kib: n(2),
                t: n(3),
                p: n(4),
            },
        })
    }

    fn data_version(&self) -> Result<i64> {
        Ok(self
            .one("SELECT n FROM vault_changes WHERE id = 1", &[])?
            .and_then(|r| int(&r, 0))
            .unwrap_or(0))
    }

    fn log_latest(&self) -> Result<Option<(i64, Vec<u8>)>> {
        Ok(self
            .one(
                "SELECT epoch, entry FROM directory_log ORDER BY epoch DESC LIMIT 1",
                &[],
            )?
            .map(|r| (int(&r, 0).unwrap_or(0), blob(&r, 1).unwrap_or_default())))
    }

    fn log_entry(&self, epoch: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .one(
                "SELECT entry FROM directory_log WHERE epoch = $1",
                &[&epoch],
            )?
            .map(|r| blob(&r, 0).unwrap_or_default()))
    }

    fn log_since(&self, epoch: i64) -> Result<Vec<(i64, Vec<u8>)>> {
        Ok(self
            .rows(
                "SELECT epoch, entry FROM directory_log WHERE epoch > $1 ORDER BY epoch",
                &[&epoch],
            )?
            .iter()
            .map(|r| (int(r, 0).unwrap_or(0), blob(r, 1).unwrap_or_default()))
            .collect())
    }

    fn log_top(&self) -> Result<i64> {
        Ok(self
            .one("SELECT coalesce(max(epoch), 0) FROM directory_log", &[])?
            .and_then(|r| int(&r, 0))
            .unwrap_or(0))
    }

    fn log_append(&self, epoch: i64, entry: &[u8]) -> Result<()> {
        self.exec_raw(
            "INSERT INTO directory_log (epoch, entry) VALUES ($1, $2)",
            &[&epoch, &entry],
        )
        .map_err(|e| {
            conflict(
                &e,
                "someone else changed the directory at the same time: try again",
            )
        })?;
        Ok(())
    }

    fn insert_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        primary: Option<i64>,
        now: Timestamp,
    ) -> Result<i64> {
        self.insert(
            "INSERT INTO users (username, display_name, role, primary_dept_id, must_change_password, public_key,
                                kdf_salt, kdf_m, kdf_t, kdf_p, password_bundle, created_at)
             VALUES ($1, $2, $3, $4, TRUE, '', '', 0, 0, 0, '', $5) RETURNING id",
            &[&username, &display_name, &role.as_str(), &primary, &now],
            "a user with this username already exists",
        )
    }

    fn set_user_columns(
        &self,
        id: i64,
        display_name: &str,
        role: Role,
        primary: Option<i64>,
        disabled: bool,
        depts: &BTreeSet<i64>,
    ) -> Result<()> {
        self.exec(
            "UPDATE users SET display_name = $2, role = $3, primary_dept_id = $4, disabled = $5 WHERE id = $1",
            &[&id, &display_name, &role.as_str(), &primary, &disabled],
        )?;
        self.exec("DELETE FROM memberships WHERE user_id = $1", &[&id])?;
        let depts: Vec<i64> = depts.iter().copied().collect();
        self.exec(
            "INSERT INTO memberships (user_id, dept_id) SELECT $1, unnest($2::BIGINT[])",
            &[&id, &depts],
        )?;
        Ok(())
    }

    fn set_enrollment_kdf(&self, id: i64, salt: &[u8], p: KdfParams) -> Result<()> {
        self.exec(
            "UPDATE users SET kdf_salt = $2, kdf_m = $3, kdf_t = $4, kdf_p = $5 WHERE id = $1",
            &[&id, &salt, &kdf_int(p.m_kib), &kdf_int(p.t), &kdf_int(p.p)],
        )?;
        Ok(())
    }

    fn set_bundle(
        &self,
        id: i64,
        salt: &[u8],
        p: KdfParams,
        bundle: &[u8],
        enc_public: &[u8],
    ) -> Result<()> {
        self.exec(
            "UPDATE users SET kdf_salt = $2, kdf_m = $3, kdf_t = $4, kdf_p = $5, password_bundle = $6,
                    public_key = $7, enroll_seal = NULL
              WHERE id = $1",
            &[
                &id,
                &salt,
                &kdf_int(p.m_kib),
                &kdf_int(p.t),
                &kdf_int(p.p),
                &bundle,
                &enc_public,
            ],
        )?;
        Ok(())
    }

    fn set_enroll_seal(&self, id: i64, seal: &[u8]) -> Result<()> {
        self.exec(
            "UPDATE users SET enroll_seal = $2 WHERE id = $1",
            &[&id, &seal],
        )?;
        Ok(())
    }

    fn password_lock(&self, id: i64) -> Result<Option<LockRow>> {
        Ok(self
            .one(
                "SELECT kdf_salt, kdf_m, kdf_t, kdf_p, password_bundle, enroll_seal FROM users WHERE id = $1",
                &[&id],
            )?
            .map(|r| {
                let n = |i| int(&r, i).and_then(|v| u32::try_from(v).ok());
                let params = match (n(1), n(2), n(3)) {
                    (Some(m_kib), Some(t), Some(p)) => Some(KdfParams { m_kib, t, p }),
                    _ => None,
                };
                LockRow {
                    salt: blob(&r, 0),
                    params,
                    bundle: blob(&r, 4),
                    enroll_seal: blob(&r, 5),
                }
            }))
    }

    fn failures(&self, id: i64) -> Result<(i64, Option<Timestamp>)> {
        Ok(self
            .one(
                "SELECT failed_attempts, last_failed_at FROM users WHERE id = $1",
                &[&id],
            )?
            .map_or((0, None), |r| (int(&r, 0).unwrap_or(0), int(&r, 1))))
    }

    fn record_failure(&self, id: i64, at: Timestamp) -> Result<()> {
        self.rows(
            "UPDATE users SET failed_attempts = failed_attempts + 1, last_failed_at = $2 WHERE id = $1",
            &[&id, &at],
        )?;
        Ok(())
    }

    fn clear_failures(&self, id: i64) -> Result<()> {
        self.rows(
            "UPDATE users SET failed_attempts = 0, last_failed_at = NULL WHERE id = $1",
            &[&id],
        )?;
        Ok(())
    }

    fn must_change_password(&self, id: i64) -> Result<bool> {
        Ok(self
            .one(
                "SELECT must_change_password FROM users WHERE id = $1",
                &[&id],
            )?
            .and_then(|r| flag(&r, 0))
            .unwrap_or(false))
    }

    fn set_must_change_password(&self, id: i64, must: bool) -> Result<()> {
        self.exec(
            "UPDATE users SET must_change_password = $2 WHERE id = $1",
            &[&id, &must],
        )?;
        Ok(())
    }

    fn insert_dept(&self, code: &str, name: &str, now: Timestamp) -> Result<i64> {
        self.insert(
            "INSERT INTO departments (code, name, created_at) VALUES ($1, $2, $3) RETURNING id",
            &[&code, &name, &now],
            "a department with this code already exists",
        )
    }

    fn rename_dept(&self, id: i64, name: &str) -> Result<()> {
        self.exec(
            "UPDATE departments SET name = $2 WHERE id = $1",
            &[&id, &name],
        )?;
        Ok(())
    }

    fn insert_scope_key(&self, scope: Scope, now: Timestamp) -> Result<i64> {
        let (kind, dept, owner) = scope_columns(scope);
        self.insert(
            "INSERT INTO scope_keys (kind, dept_id, owner_id, retired, created_at)
             VALUES ($1, $2, $3, TRUE, $4) RETURNING id",
            &[&kind, &dept, &owner, &now],
            "this key exists already",
        )
    }

    fn mark_current_key(&self, old: Option<i64>, new: i64) -> Result<()> {
        if let Some(old) = old {
            self.exec(
                "UPDATE scope_keys SET retired = TRUE WHERE id = $1",
                &[&old],
            )?;
        }
        self.exec(
            "UPDATE scope_keys SET retired = FALSE WHERE id = $1",
            &[&new],
        )?;
        Ok(())
    }

    fn retire_personal_keys(&self, user: i64) -> Result<()> {
        self.exec(
            "UPDATE scope_keys SET retired = TRUE WHERE kind = 'personal' AND owner_id = $1",
            &[&user],
        )?;
        Ok(())
    }

    fn count_key_uses(&self, id: i64, n: i64) -> Result<()> {
        self.exec(
            "UPDATE scope_keys SET uses = uses + $2 WHERE id = $1",
            &[&id, &n],
        )?;
        Ok(())
    }

    fn key_uses(&self, id: i64) -> Result<Option<i64>> {
        Ok(self
            .one("SELECT uses FROM scope_keys WHERE id = $1", &[&id])?
            .and_then(|r| int(&r, 0)))
    }

    fn delete_key(&self, id: i64) -> Result<()> {
        self.exec("DELETE FROM secret_wraps WHERE key_id = $1", &[&id])?;
        self.exec("DELETE FROM key_grants WHERE key_id = $1", &[&id])?;
        self.exec("DELETE FROM scope_keys WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn put_grant(&self, key: i64, user: i64, sealed: &[u8], sender: i64) -> Result<()> {
        self.exec(
            "INSERT INTO key_grants (key_id, user_id, sealed, sender_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key_id, user_id) DO UPDATE SET sealed = excluded.sealed, sender_id = excluded.sender_id",
            &[&key, &user, &sealed, &sender],
        )?;
        Ok(())
    }

    fn grant(&self, key: i64, user: i64) -> Result<Option<(Vec<u8>, Option<i64>)>> {
        Ok(self
            .one(
                "SELECT sealed, sender_id FROM key_grants WHERE key_id = $1 AND user_id = $2",
                &[&key, &user],
            )?
            .map(|r| (blob(&r, 0).unwrap_or_default(), int(&r, 1))))
    }

    fn grant_holders(&self, key: i64) -> Result<Vec<i64>> {
        self.ids(
            "SELECT user_id FROM key_grants WHERE key_id = $1 AND sender_id IS NOT NULL",
            &[&key],
        )
    }

    fn drop_format1_grants(&self, user: i64) -> Result<()> {
        self.exec(
            "DELETE FROM key_grants WHERE user_id = $1 AND sender_id IS NULL",
            &[&user],
        )?;
        Ok(())
    }

    fn drop_index_keys(&self) -> Result<()> {
        // A PostgreSQL vault starts at format 2: it never had index keys.
        Ok(())
    }

    fn secret(&self, id: i64) -> Result<Option<SecretRow>> {
        Ok(self
            .one(
                "SELECT id, header, signature, meta, fields, private, creator_id, all_depts
                   FROM secrets WHERE id = $1",
                &[&id],
            )?
            .map(|r| secret_from(&r)))
    }

    fn secrets_for_listing(&self) -> Result<Vec<SecretRow>> {
        Ok(self
            .rows(
                "SELECT id, header, signature, meta, NULL::BYTEA AS fields, private, creator_id, all_depts
                   FROM secrets ORDER BY id",
                &[],
            )?
            .iter()
            .map(secret_from)
            .collect())
    }

    fn secret_depts(&self, id: i64) -> Result<Vec<i64>> {
        Ok(self
            .rows(
                "SELECT dept_id FROM secret_departments WHERE secret_id = $1 ORDER BY dept_id",
                &[&id],
            )?
            .iter()
            .map(|r| int(r, 0).unwrap_or(0))
            .collect())
    }

    fn insert_secret(&self, creator: i64) -> Result<i64> {
        // A placeholder, unique until the real key index and scope are
        // saved in the same transaction.
        let index = random_bytes::<32>().to_vec();
        let sig: String = random_bytes::<8>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let sig = format!("new-{sig}");
        self.insert(
            "INSERT INTO secrets (key_index, scope_sig, all_depts, private, creator_id, active, reveal,
                                  expires_at, created_at, updated_at, updated_by, version, dek_gen,
                                  dek_uses, meta, fields)
             VALUES ($1, $2, FALSE, TRUE, $3, FALSE, 'never', NULL, 0, 0, $3, 0, 0, 0, '', '')
             RETURNING id",
            &[&index, &sig, &creator],
            "a new secret could not be placed: try again",
        )
    }

    fn save_secret(&self, c: &SecretColumns) -> Result<()> {
        self.exec_raw(
            "UPDATE secrets SET key_index = $2, scope_sig = $3, all_depts = $4, private = $5, creator_id = $6,
                    active = $7, reveal = $8, expires_at = $9, created_at = $10, updated_at = $11,
                    updated_by = $12, version = $13, dek_gen = $14,
                    dek_uses = CASE WHEN $15 THEN 2 ELSE dek_uses + 2 END,
                    meta = $16, fields = $17, header = $18, signature = $19, signer_id = $20
              WHERE id = $1",
            &[
                &c.id,
                &c.key_index,
                &c.scope_sig,
                &c.all_depts,
                &c.private,
                &c.creator,
                &c.active,
                &c.reveal,
                &c.expires_at,
                &c.created_at,
                &c.updated_at,
                &c.updated_by,
                &c.version,
                &c.dek_gen,
                &c.new_dek,
                &c.meta,
                &c.fields,
                &c.header,
                &c.signature,
                &c.signer,
            ],
        )
        .map_err(|e| {
            conflict(
                &e,
                "a secret with this key and scope already exists: choose another key or scope",
            )
        })?;
        self.exec(
            "DELETE FROM secret_departments WHERE secret_id = $1",
            &[&c.id],
        )?;
        if !c.depts.is_empty() {
            let depts = c.depts.to_vec();
            self.exec(
                "INSERT INTO secret_departments (secret_id, dept_id) SELECT $1, unnest($2::BIGINT[])",
                &[&c.id, &depts],
            )?;
        }
        Ok(())
    }

    fn set_secret_header(
        &self,
        id: i64,
        header: &[u8],
        signature: &[u8],
        signer: i64,
    ) -> Result<()> {
        self.exec(
            "UPDATE secrets SET header = $2, signature = $3, signer_id = $4 WHERE id = $1",
            &[&id, &header, &signature, &signer],
        )?;
        Ok(())
    }

    fn break_fields(&self, id: i64) -> Result<()> {
        self.exec("UPDATE secrets SET fields = '' WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn delete_secret(&self, id: i64) -> Result<()> {
        self.exec("DELETE FROM usages WHERE secret_id = $1", &[&id])?;
        self.exec("DELETE FROM secrets WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn secrets_signed_by(&self, user: i64) -> Result<Vec<i64>> {
        self.ids(
            "SELECT id FROM secrets WHERE signer_id = $1 AND header IS NOT NULL",
            &[&user],
        )
    }

    fn dek_uses(&self, id: i64) -> Result<i64> {
        Ok(self
            .one("SELECT dek_uses FROM secrets WHERE id = $1", &[&id])?
            .and_then(|r| int(&r, 0))
            .unwrap_or(0))
    }

    fn add_dek_uses(&self, id: i64, n: i64) -> Result<()> {
        self.exec(
            "UPDATE secrets SET dek_uses = dek_uses + $2 WHERE id = $1",
            &[&id, &n],
        )?;
        Ok(())
    }

    fn replace_wraps(&self, secret: i64, wraps: &[WrapRow]) -> Result<()> {
        self.exec("DELETE FROM secret_wraps WHERE secret_id = $1", &[&secret])?;
        if wraps.is_empty() {
            return Ok(());
        }
        let keys: Vec<i64> = wraps.iter().map(|w| w.key_id).collect();
        let wrapped: Vec<&[u8]> = wraps.iter().map(|w| w.wrapped.as_slice()).collect();
        let blinds: Vec<&[u8]> = wraps.iter().map(|w| w.blind.as_slice()).collect();
        self.exec(
            "INSERT INTO secret_wraps (secret_id, key_id, wrapped, blind)
             SELECT $1, k, w, b FROM unnest($2::BIGINT[], $3::BYTEA[], $4::BYTEA[]) AS t(k, w, b)",
            &[&secret, &keys, &wrapped, &blinds],
        )?;
        Ok(())
    }

    fn wrap(&self, secret: i64, key: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .one(
                "SELECT wrapped FROM secret_wraps WHERE secret_id = $1 AND key_id = $2",
                &[&secret, &key],
            )?
            .and_then(|r| blob(&r, 0)))
    }

    fn all_wraps(&self) -> Result<Vec<(i64, i64, Vec<u8>)>> {
        Ok(self
            .rows(
                "SELECT secret_id, key_id, wrapped FROM secret_wraps ORDER BY secret_id, key_id",
                &[],
            )?
            .iter()
            .map(|r| {
                (
                    int(r, 0).unwrap_or(0),
                    int(r, 1).unwrap_or(0),
                    blob(r, 2).unwrap_or_default(),
                )
            })
            .collect())
    }

    fn secrets_by_blind(&self, key: i64, blind: &[u8]) -> Result<Vec<i64>> {
        self.ids(
            "SELECT DISTINCT secret_id FROM secret_wraps WHERE key_id = $1 AND blind = $2 ORDER BY secret_id",
            &[&key, &blind],
        )
    }

    fn secrets_wrapped_under(&self, key: i64) -> Result<Vec<i64>> {
        self.ids(
            "SELECT DISTINCT secret_id FROM secret_wraps WHERE key_id = $1",
            &[&key],
        )
    }

    fn put_version(&self, secret: i64, v: &VersionRow) -> Result<()> {
        self.exec(
            "INSERT INTO secret_versions (secret_id, version, updated_at, updated_by, meta, fields)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (secret_id, version) DO UPDATE SET updated_at = excluded.updated_at,
                    updated_by = excluded.updated_by, meta = excluded.meta, fields = excluded.fields",
            &[
                &secret,
                &v.version,
                &v.updated_at,
                &v.updated_by,
                &v.meta,
                &v.fields,
            ],
        )?;
        Ok(())
    }

    fn prune_versions(&self, secret: i64, up_to: i64) -> Result<()> {
        self.exec(
            "DELETE FROM secret_versions WHERE secret_id = $1 AND version <= $2",
            &[&secret, &up_to],
        )?;
        Ok(())
    }

    fn versions(&self, secret: i64) -> Result<Vec<VersionRow>> {
        Ok(self
            .rows(
                "SELECT version, updated_at, updated_by, meta, fields FROM secret_versions
                  WHERE secret_id = $1 ORDER BY version",
                &[&secret],
            )?
            .iter()
            .map(version_from)
            .collect())
    }

    fn delete_versions(&self, secret: i64) -> Result<()> {
        self.exec(
            "DELETE FROM secret_versions WHERE secret_id = $1",
            &[&secret],
        )?;
        Ok(())
    }

    fn insert_usage(&self, secret: i64, by: i64, at: Timestamp) -> Result<i64> {
        self.insert(
            "INSERT INTO usages (secret_id, sealed, created_by, created_at) VALUES ($1, '', $2, $3)
             RETURNING id",
            &[&secret, &by, &at],
            "this usage exists already",
        )
    }

    fn set_usage(&self, id: i64, sealed: &[u8], signer: i64, signature: &[u8]) -> Result<()> {
        self.exec(
            "UPDATE usages SET sealed = $2, signer_id = $3, signature = $4 WHERE id = $1",
            &[&id, &sealed, &signer, &signature],
        )?;
        Ok(())
    }

    fn set_usage_signature(&self, id: i64, signer: i64, signature: &[u8]) -> Result<()> {
        self.exec(
            "UPDATE usages SET signer_id = $2, signature = $3 WHERE id = $1",
            &[&id, &signer, &signature],
        )?;
        Ok(())
    }

    fn usages(&self, secret: i64) -> Result<Vec<UsageRow>> {
        let sql = format!("SELECT {USAGE_COLUMNS} FROM usages WHERE secret_id = $1 ORDER BY id");
        Ok(self
            .rows(&sql, &[&secret])?
            .iter()
            .map(usage_from)
            .collect())
    }

    fn usages_signed_by(&self, user: i64) -> Result<Vec<UsageRow>> {
        let sql = format!("SELECT {USAGE_COLUMNS} FROM usages WHERE signer_id = $1 ORDER BY id");
        Ok(self.rows(&sql, &[&user])?.iter().map(usage_from).collect())
    }

    fn usage_secret(&self, id: i64) -> Result<Option<i64>> {
        Ok(self
            .one("SELECT secret_id FROM usages WHERE id = $1", &[&id])?
            .and_then(|r| int(&r, 0)))
    }

    fn delete_usage(&self, id: i64) -> Result<()> {
        self.exec("DELETE FROM usages WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn audit_latest(&self) -> Result<Option<(i64, Vec<u8>)>> {
        Ok(self
            .one(
                "SELECT seq, entry FROM audit_log ORDER BY seq DESC LIMIT 1",
                &[],
            )?
            .map(|r| (int(&r, 0).unwrap_or(0), blob(&r, 1).unwrap_or_default())))
    }

    fn audit_entry(&self, seq: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .one("SELECT entry FROM audit_log WHERE seq = $1", &[&seq])?
            .map(|r| blob(&r, 0).unwrap_or_default()))
    }

    fn audit_append(&self, row: &AuditRow) -> Result<()> {
        // Not a change the table shows: no announcement.
        self.rows_raw(
            "INSERT INTO audit_log (seq, at, actor_id, action, secret_id, outcome, subject, entry)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &row.seq,
                &row.at,
                &row.actor,
                &row.action,
                &row.secret,
                &row.outcome,
                &row.subject,
                &row.entry,
            ],
        )
        .map_err(|e| {
            conflict(
                &e,
                "someone else wrote the audit log at the same time: try again",
            )
        })?;
        Ok(())
    }

    fn audit_rows(&self, f: &AuditFilter) -> Result<Vec<AuditRow>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log
              WHERE ($1::BIGINT IS NULL OR actor_id = $1) AND ($2::BIGINT IS NULL OR action = $2)
                AND ($3::BIGINT IS NULL OR secret_id = $3) AND ($4::BIGINT IS NULL OR at >= $4)
                AND ($5::BIGINT IS NULL OR at < $5) AND ($6::BIGINT IS NULL OR seq < $6)
              ORDER BY seq DESC LIMIT $7"
        );
        Ok(self
            .rows(
                &sql,
                &[
                    &f.actor,
                    &f.action,
                    &f.secret,
                    &f.since,
                    &f.until,
                    &f.before,
                    &limit(f.limit),
                ],
            )?
            .iter()
            .map(audit_from)
            .collect())
    }

    fn audit_since(&self, after: i64, n: usize) -> Result<Vec<AuditRow>> {
        let sql =
            format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        Ok(self
            .rows(&sql, &[&after, &limit(n)])?
            .iter()
            .map(audit_from)
            .collect())
    }

    fn insert_device(&self, user: i64, label: &str, now: Timestamp) -> Result<i64> {
        self.insert(
            "INSERT INTO devices (user_id, label, created_at, bundle) VALUES ($1, $2, $3, '')
             RETURNING id",
            &[&user, &label, &now],
            "this device exists already",
        )
    }

    fn set_device_bundle(&self, id: i64, bundle: &[u8]) -> Result<()> {
        self.exec(
            "UPDATE devices SET bundle = $2 WHERE id = $1",
            &[&id, &bundle],
        )?;
        Ok(())
    }

    fn device_bundle(&self, id: i64, user: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .one(
                "SELECT bundle FROM devices WHERE id = $1 AND user_id = $2",
                &[&id, &user],
            )?
            .and_then(|r| blob(&r, 0)))
    }

    fn delete_device(&self, id: i64, user: Option<i64>) -> Result<usize> {
        let n = match user {
            Some(u) => self.exec(
                "DELETE FROM devices WHERE id = $1 AND user_id = $2",
                &[&id, &u],
            )?,
            None => self.exec("DELETE FROM devices WHERE id = $1", &[&id])?,
        };
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn delete_devices_of(&self, user: i64, keep: Option<i64>) -> Result<()> {
        self.exec(
            "DELETE FROM devices WHERE user_id = $1 AND id IS DISTINCT FROM $2::BIGINT",
            &[&user, &keep],
        )?;
        Ok(())
    }

    fn devices(&self, user: i64) -> Result<Vec<DeviceRow>> {
        Ok(self
            .rows(
                "SELECT id, label, created_at FROM devices WHERE user_id = $1 ORDER BY id",
                &[&user],
            )?
            .iter()
            .map(|r| DeviceRow {
                id: int(r, 0).unwrap_or(0),
                label: text(r, 1).unwrap_or_default(),
                created_at: int(r, 2).unwrap_or(0),
            })
            .collect())
    }

    fn table_rows(&self, table: &str, columns: &[&str]) -> Result<Vec<Vec<Val>>> {
        let rows = self.rows(&copy::select_sql(table, columns), &[])?;
        Ok(rows.iter().map(|r| row_cells(r, columns.len())).collect())
    }

    fn insert_rows(&self, table: &str, columns: &[&str], rows: &[Vec<Val>]) -> Result<()> {
        let marks = (1..=columns.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {table} ({}) OVERRIDING SYSTEM VALUE VALUES ({marks})",
            columns.join(", ")
        );
        self.changed.set(true);
        let mut client = self.client.borrow_mut();
        let stmt = client.prepare(&sql).map_err(|e| db_error(&e))?;
        let types = stmt.params().to_vec();
        for row in rows {
            let values: Vec<Box<dyn ToSql + Sync>> = row
                .iter()
                .zip(&types)
                .map(|(c, ty)| cell_param(c, ty))
                .collect();
            let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
            client.execute(&stmt, &refs).map_err(|e| db_error(&e))?;
        }
        Ok(())
    }

    fn id_watermark(&self, table: &str) -> Result<i64> {
        let max = self
            .one(&format!("SELECT coalesce(max(id), 0) FROM {table}"), &[])?
            .and_then(|r| int(&r, 0))
            .unwrap_or(0);
        let seq = self
            .one(
                &format!(
                    "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {table}_id_seq"
                ),
                &[],
            )?
            .and_then(|r| int(&r, 0))
            .unwrap_or(0);
        Ok(max.max(seq))
    }

    fn set_id_watermark(&self, table: &str, n: i64) -> Result<()> {
        if n > 0 {
            self.rows(&format!("SELECT setval('{table}_id_seq', $1, true)"), &[&n])?;
        }
        Ok(())
    }

    fn format1(&self) -> Option<&rusqlite::Connection> {
        None
    }
}
