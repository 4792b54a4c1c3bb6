//! The command line, declared once with clap's derive API.
//!
//! Only shapes live here (which flags exist, which exclude each other).
//! Values that need checking (dates, roles, `name=value` pairs) are parsed
//! by the commands, so every complaint about them goes through the same
//! one-line error path and never echoes what was typed.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use coffer_core::prefs::Prefs;

const GLOBAL: &str = "Global options";

const AFTER_HELP: &str = "\
The acting user's password comes from COFFER_PASSWORD, else --password-file,
else the device key remembered in the OS keyring (`coffer login --remember`),
else a prompt on the terminal. Standard input stays free for --value-stdin
and --new-password-stdin.

Exit codes: 0 ok, 1 not found, 2 usage error, 3 refused, 4 authentication
failed, 5 vault damaged or unreadable.";

/// Coffer: a team's secrets in one encrypted vault, fetched by key.
#[derive(Parser)]
#[command(name = "coffer", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Args)]
pub struct Global {
    /// The vault: a file, or a team vault's postgres://USER@HOST[:PORT]/DB
    /// [default: the platform data folder's coffer/vault.db]
    #[arg(long, global = true, env = "COFFER_VAULT", hide_env_values = true, value_name = "PATH|URL", help_heading = GLOBAL)]
    pub vault: Option<PathBuf>,
    /// Act as this user [default: the user remembered by `coffer login`]
    #[arg(long, global = true, env = "COFFER_USER", hide_env_values = true, value_name = "NAME", help_heading = GLOBAL)]
    pub user: Option<String>,
    /// Machine-readable output, and errors as {"error":{"code","message"}}
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,
    /// Read the acting user's password from the first line of FILE
    #[arg(long, global = true, value_name = "FILE", help_heading = GLOBAL)]
    pub password_file: Option<PathBuf>,
    /// This machine's preferences (the remembered user).
    #[arg(skip = Prefs::default_location())]
    pub prefs: Prefs,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a vault and its owner
    Init(InitArgs),
    /// Sign in, remember the user as this machine's default (and, with --remember, this device)
    Login(LoginArgs),
    /// Forget the default user (and, with --forget, this device's key)
    Logout(LogoutArgs),
    /// Change your password (after an initial one, this makes your keys)
    Passwd(PasswdArgs),
    /// Show the vault, its fingerprint, its password hashing profile and who is remembered
    Status,
    /// Your remembered devices
    #[command(subcommand)]
    Device(DeviceCommand),
    /// What this device remembers of the vault (its root of trust)
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Whole vaults: copy one between a file and a PostgreSQL server
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Departments
    #[command(subcommand)]
    Dept(DeptCommand),
    /// Users (admins and the owner)
    #[command(subcommand)]
    User(UserCommand),
    /// Create a secret; prints its id
    Add(AddArgs),
    /// Print the value of the most specific secret with this key
    Get(GetArgs),
    /// The secrets you can see (metadata only, never values)
    List(ListArgs),
    /// One secret's metadata, and its fields with --reveal
    Show(ShowArgs),
    /// Change a secret (a new version); prints its id
    Update(UpdateArgs),
    /// Activate a secret (admins)
    Activate(IdArg),
    /// Deactivate a secret (admins); warns when something uses it
    Deactivate(IdArg),
    /// Delete a secret; refused while anything uses it
    Rm(RmArgs),
    /// What outside the vault uses a secret
    #[command(subcommand)]
    Usage(UsageCommand),
    /// A secret's versions
    History(IdArg),
    /// Make an earlier version current again; prints the secret's id
    Restore(RestoreArgs),
    /// The audit log, newest first (members see their own entries); --verify checks it all
    Audit(AuditArgs),
    /// Write every secret you can read to a file (mode 0600), after your password
    Export(ExportArgs),
    /// Import secrets from secrets.json, .env, KeePassXC (CSV or .kdbx) or Bitwarden (JSON or CSV), all or nothing
    Import(ImportArgs),
    /// Run a command with secrets in its environment, masked in its output
    #[command(after_help = RUN_AFTER_HELP)]
    Run(RunArgs),
}

const RUN_AFTER_HELP: &str = "\
Examples:
  coffer run --env-file .env.coffer -- ./manage.py migrate
  coffer run --set PGPASSWORD=DB:password --set API_=STRIPE:* -- psql -h db

An env file holds VAR=coffer:KEY and VAR=coffer:KEY#field references (and
plain VAR=value lines, passed as they are). Every key is resolved as `coffer
get` resolves it; if any finds nothing, the command does not start (exit 1).
The command's exit status is coffer's (128 + N when killed by signal N; 127
command not found; 126 not executable). Masked output is best effort: a
value the command transforms (base64, URL-encoded) is not recognised.";

#[derive(Args)]
pub struct InitArgs {
    /// The owner's username
    #[arg(long, value_name = "NAME")]
    pub owner: String,
    /// The owner's display name [default: the username]
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    #[command(flatten)]
    pub password: NewPasswordArgs,
    /// FOR AUTOMATED TESTS ONLY: cheap password hashing that offers almost
    /// no protection against guessing. Recorded in the vault and flagged by
    /// `coffer status` and the app. Never use it for real secrets.
    #[arg(long)]
    pub insecure_test_kdf: bool,
}

#[derive(Args)]
pub struct NewPasswordArgs {
    /// Read the new password from the first line of standard input
    #[arg(long)]
    pub new_password_stdin: bool,
}

#[derive(Args)]
pub struct LoginArgs {
    /// Also store a device key in the OS keyring, so later commands need no password
    #[arg(long)]
    pub remember: bool,
}

#[derive(Args)]
pub struct PasswdArgs {
    #[command(flatten)]
    pub password: NewPasswordArgs,
    /// Also replace your keys and sign out every other device remembered
    /// for you: do, if a device may be lost or the old password known
    /// (asked on a terminal when neither this nor --keep-other-devices is
    /// given)
    #[arg(long, conflicts_with = "keep_other_devices")]
    pub sign_out_other_devices: bool,
    /// Keep the other remembered devices signed in, without asking
    #[arg(long)]
    pub keep_other_devices: bool,
}

#[derive(Subcommand)]
pub enum DeviceCommand {
    /// Devices remembered for you (on any machine)
    List,
    /// Sign a remembered device out, from any machine
    Revoke {
        /// The device's id, from `coffer device list`
        id: String,
    },
}

#[derive(Subcommand)]
pub enum TrustCommand {
    /// Forget this device's memory of the vault (its pinned root of trust,
    /// its directory and secret versions), after the vault's owner confirmed
    /// out of band that a replaced or restored vault is the right one
    Reset {
        /// The fingerprint the owner confirmed (`coffer status` shows it):
        /// the vault is trusted again only if it matches
        #[arg(long, value_name = "CODE")]
        expect: String,
        /// Trust it even though it is an older copy of the vault this device
        /// saw (a backup restored on purpose): changes since are gone
        #[arg(long)]
        accept_older: bool,
    },
}

#[derive(Subcommand)]
pub enum VaultCommand {
    /// Copy a vault to a new file or an empty PostgreSQL database, all or
    /// nothing, and check the copy (same rows, same verified fingerprint).
    /// From a file to postgres://USER@HOST[:PORT]/DB is how a team starts;
    /// from a server to a file is a backup. Needs no password: only
    /// ciphertext and signed records are copied.
    Copy {
        /// The vault to copy (a file path or a postgres:// URL)
        #[arg(value_name = "FROM")]
        from: PathBuf,
        /// Where the copy goes: a file that does not exist yet, or a
        /// database holding no vault
        #[arg(value_name = "TO")]
        to: PathBuf,
    },
    /// Keep the database password of a server vault in the OS keyring
    /// (checked against the server first), or forget it with --forget.
    /// PGPASSWORD and ~/.pgpass are used before the keyring.
    Password {
        /// The vault's postgres://USER@HOST[:PORT]/DB URL
        #[arg(value_name = "URL")]
        url: PathBuf,
        /// Read the password from the first line of standard input
        #[arg(long)]
        stdin: bool,
        /// Remove the stored password instead
        #[arg(long, conflicts_with = "stdin")]
        forget: bool,
    },
}

#[derive(Args)]
pub struct LogoutArgs {
    /// Also delete this device's key from the OS keyring
    #[arg(long)]
    pub forget: bool,
}

#[derive(Subcommand)]
pub enum DeptCommand {
    /// Create a department
    Add {
        /// Short code, e.g. FIN
        code: String,
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Every department
    List,
    /// Rename a department (its code stays)
    Rename {
        code: String,
        #[arg(long, value_name = "NAME")]
        name: String,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; prints a generated initial password unless --new-password-stdin
    Add(UserAddArgs),
    /// Every user
    List,
    /// Change a user's role (owner, admin or member)
    Role { name: String, role: String },
    /// Replace a user's departments
    Depts {
        name: String,
        #[arg(
            long = "dept",
            value_name = "CODE",
            value_delimiter = ',',
            required = true
        )]
        depts: Vec<String>,
        /// The primary department [default: the first --dept]
        #[arg(long, value_name = "CODE")]
        primary: Option<String>,
    },
    /// Disable a user: they can no longer sign in
    Disable { name: String },
    /// Enable a disabled user again
    Enable { name: String },
}

#[derive(Args)]
pub struct UserAddArgs {
    /// Username: letters, digits, `.`, `_`, `-`, `@`
    pub name: String,
    /// admin or member (only the owner creates admins)
    #[arg(long, value_name = "ROLE")]
    pub role: String,
    /// Departments to join (repeat or separate with commas) [default: DEFAULT]
    #[arg(long = "dept", value_name = "CODE", value_delimiter = ',')]
    pub depts: Vec<String>,
    /// The primary department [default: the first --dept]
    #[arg(long, value_name = "CODE")]
    pub primary: Option<String>,
    /// [default: the username]
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    #[command(flatten)]
    pub password: NewPasswordArgs,
}

/// Where a new secret's value comes from: exactly one way.
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct NewValue {
    /// The value (visible in your shell history and process list: prefer --value-stdin)
    #[arg(long, value_name = "VALUE")]
    pub value: Option<String>,
    /// Read the value from standard input (one trailing newline is dropped)
    #[arg(long)]
    pub value_stdin: bool,
    /// A named field (repeat for a multi-field secret); splits at the first `=`
    #[arg(long = "field", value_name = "NAME=VALUE")]
    pub fields: Vec<String>,
}

/// Replacement values for an update: at most one way, all optional.
#[derive(Args)]
#[group(required = false, multiple = false)]
pub struct ReplaceValue {
    /// Replace every field with this single value
    #[arg(long, value_name = "VALUE")]
    pub value: Option<String>,
    /// Replace every field with a single value read from standard input
    #[arg(long)]
    pub value_stdin: bool,
    /// Replace every field with these (repeat for several)
    #[arg(long = "field", value_name = "NAME=VALUE")]
    pub fields: Vec<String>,
}

/// Department scope.
#[derive(Args)]
pub struct DeptScopeArgs {
    /// Departments the secret is for (repeat or separate with commas) [default when adding: your primary department]
    #[arg(
        long = "dept",
        value_name = "CODE",
        value_delimiter = ',',
        conflicts_with = "all_depts"
    )]
    pub depts: Vec<String>,
    /// For every department
    #[arg(long)]
    pub all_depts: bool,
}

#[derive(Args)]
pub struct AddArgs {
    /// What scripts fetch it by, e.g. DB_PASSWORD (several secrets may share a key, each with its own scope)
    pub key: String,
    #[command(flatten)]
    pub value: NewValue,
    #[command(flatten)]
    pub scope: DeptScopeArgs,
    /// Only you can read it (not admins, not the owner)
    #[arg(long)]
    pub private: bool,
    /// Tags (repeat or separate with commas)
    #[arg(long = "tag", value_name = "TAG", value_delimiter = ',')]
    pub tags: Vec<String>,
    /// What it is for
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// YYYY-MM-DD (valid through that day, local time) or an RFC 3339 date-time
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// Never show or copy the value again; only `get` returns it
    #[arg(long)]
    pub write_only: bool,
    /// Show this field in clear, as not secret (a host, a port, a user name), to whoever can see the secret (repeat or separate with commas)
    #[arg(long = "plain", value_name = "FIELD", value_delimiter = ',')]
    pub plain: Vec<String>,
    /// Create it inactive (admins)
    #[arg(long)]
    pub inactive: bool,
}

#[derive(Args)]
pub struct GetArgs {
    /// The key to look up
    pub key: String,
    /// Resolve within this department (you must belong to it)
    #[arg(long, value_name = "CODE")]
    pub department: Option<String>,
    /// Print only this field of a multi-field secret
    #[arg(long, value_name = "NAME", conflicts_with = "explain")]
    pub field: Option<String>,
    /// Print it as .env lines: KEY="value", or KEY_FIELD="value" per field
    #[arg(long, conflicts_with_all = ["explain", "field"])]
    pub env: bool,
    /// Show every candidate, the winner and the rule that decided (never values)
    #[arg(long)]
    pub explain: bool,
    /// Explain for another user (admins)
    #[arg(long = "as", value_name = "USER", requires = "explain")]
    pub as_user: Option<String>,
}

#[derive(Args)]
pub struct ListArgs {
    /// Text in the key, description or tags
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Only secrets for this department (or for all departments)
    #[arg(long, value_name = "CODE")]
    pub dept: Option<String>,
    /// Include inactive and expired secrets
    #[arg(long)]
    pub all: bool,
    /// Only your secrets that expired or expire within DAYS, soonest first
    #[arg(long, value_name = "DAYS", num_args = 0..=1, default_missing_value = "7", conflicts_with_all = ["search", "tag", "dept", "all"])]
    pub expiring: Option<u32>,
}

#[derive(Args)]
pub struct ShowArgs {
    /// The secret's id (see `coffer list`)
    pub id: i64,
    /// Also print the fields' values (when you may read them)
    #[arg(long)]
    pub reveal: bool,
}

#[derive(Args)]
pub struct UpdateArgs {
    /// The secret's id (see `coffer list`)
    pub id: i64,
    /// A new key
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    #[command(flatten)]
    pub value: ReplaceValue,
    /// Set one field, keeping the others (repeat for several)
    #[arg(long, value_name = "NAME=VALUE", conflicts_with_all = ["value", "value_stdin", "fields"])]
    pub set_field: Vec<String>,
    /// Remove a field, keeping the others
    #[arg(long, value_name = "NAME", conflicts_with_all = ["value", "value_stdin", "fields"])]
    pub remove_field: Vec<String>,
    /// Show this field in clear, as not secret, to whoever can see the secret (repeat or separate with commas)
    #[arg(long = "plain", value_name = "FIELD", value_delimiter = ',')]
    pub plain: Vec<String>,
    /// Hide this field again as a secret (repeat or separate with commas)
    #[arg(long = "conceal", value_name = "FIELD", value_delimiter = ',')]
    pub conceal: Vec<String>,
    #[command(flatten)]
    pub scope: DeptScopeArgs,
    /// Make it private (its creator only)
    #[arg(long, conflicts_with = "shared")]
    pub private: bool,
    /// Share it with every user of its departments
    #[arg(long)]
    pub shared: bool,
    /// Replace the tags (repeat or separate with commas)
    #[arg(
        long = "tag",
        value_name = "TAG",
        value_delimiter = ',',
        conflicts_with = "no_tags"
    )]
    pub tags: Vec<String>,
    /// Remove every tag
    #[arg(long)]
    pub no_tags: bool,
    /// A new description
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// YYYY-MM-DD (valid through that day, local time) or an RFC 3339 date-time
    #[arg(long, value_name = "DATE", conflicts_with = "no_expiry")]
    pub expires: Option<String>,
    /// Remove the expiry date
    #[arg(long)]
    pub no_expiry: bool,
    /// Make it write-only: never shown or copied again
    #[arg(long)]
    pub write_only: bool,
    /// Change it only if it is still at version N (as `coffer show ID` printed
    /// it): if someone saved it since, nothing is changed and the command
    /// fails with a conflict naming who and when (exit 3)
    #[arg(long, value_name = "N")]
    pub if_version: Option<i64>,
}

#[derive(Args)]
pub struct RmArgs {
    /// The secret's id (see `coffer list`)
    pub id: i64,
    /// Delete it only if it is still at version N (as `coffer show ID` printed
    /// it): if someone saved it since, nothing is deleted and the command
    /// fails with a conflict naming who and when (exit 3)
    #[arg(long, value_name = "N")]
    pub if_version: Option<i64>,
}

#[derive(Args)]
pub struct IdArg {
    /// The secret's id (see `coffer list`)
    pub id: i64,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The secret's id (see `coffer list`)
    pub id: i64,
    /// The version to restore (see `coffer history ID`)
    pub version: i64,
}

#[derive(Subcommand)]
pub enum UsageCommand {
    /// Record that something uses a secret; prints the usage's id
    Add {
        id: i64,
        /// What uses it, e.g. nightly-etl
        #[arg(long, value_name = "NAME")]
        name: String,
        /// What kind of thing, e.g. pipeline, script, service
        #[arg(long, value_name = "KIND")]
        kind: String,
        /// The one field it uses, if not all
        #[arg(long, value_name = "FIELD")]
        field: Option<String>,
    },
    /// Remove a usage
    Rm {
        /// The usage's id (see `coffer usage list ID`)
        usage_id: i64,
    },
    /// A secret's usages
    List { id: i64 },
}

#[derive(Args)]
pub struct AuditArgs {
    /// Check the whole log (admins): every entry in place, chained and
    /// signed. Names the first bad entry and exits 5.
    #[arg(long, conflicts_with_all = ["actor", "action", "secret", "since", "until", "limit"])]
    pub verify: bool,
    /// Entries by this user (`--user` is who runs the command)
    #[arg(long, visible_alias = "by", value_name = "NAME")]
    pub actor: Option<String>,
    /// Only this action (sign-in, sign-in-failed, reveal, copy, get, create, update, restore,
    /// delete, activate, deactivate, usage-add, usage-remove, import, export, user-add,
    /// user-role, user-memberships, user-disable, user-enable, department-add,
    /// department-rename, device-revoke, run, keys-replaced)
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only entries about this secret
    #[arg(long, value_name = "ID")]
    pub secret: Option<i64>,
    /// From this date (YYYY-MM-DD, local) or RFC 3339 time
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Before this date (YYYY-MM-DD, local: up to the start of that day) or RFC 3339 time
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// At most this many entries, newest first
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub limit: u32,
}

#[derive(Args)]
pub struct RunArgs {
    /// An env file: VAR=coffer:KEY or VAR=coffer:KEY#field references, and plain VAR=value lines
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Set VAR from a secret (repeat): VAR=KEY, VAR=KEY:FIELD, or PREFIX_=KEY:* for every field as PREFIX_FIELD
    #[arg(long = "set", value_name = "VAR=KEY[:FIELD]")]
    pub sets: Vec<String>,
    /// Resolve within this department (you must belong to it)
    #[arg(long, value_name = "CODE")]
    pub department: Option<String>,
    /// Replace the secrets' values in the command's output with <concealed by coffer> [default: when stdout is not a terminal]
    #[arg(long, overrides_with = "no_mask")]
    pub mask: bool,
    /// Pass the command's output on untouched
    #[arg(long, overrides_with = "mask")]
    pub no_mask: bool,
    /// Allow setting this guarded variable (PATH, HOME, SHELL, IFS, ENV, BASH_ENV, LD_*, DYLD_*, XDG_*, LC_*) (repeat)
    #[arg(long, value_name = "NAME")]
    pub allow_override: Vec<String>,
    /// The command and its arguments (after --)
    #[arg(required = true, trailing_var_arg = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The file to create (mode 0600), or `-` for standard output
    pub file: std::path::PathBuf,
    /// json (secrets.json: key -> value, or key -> object of fields) or env
    /// [default: env for a FILE ending in .env, else json]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Read your password from the first line of standard input (an export
    /// always asks for it, even on a remembered device)
    #[arg(long)]
    pub password_stdin: bool,
    /// Replace FILE if it exists
    #[arg(long)]
    pub force: bool,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The file to import (its format is picked from its content)
    pub file: PathBuf,
    /// json, env, csv (either CSV export), keepassxc-csv, bitwarden-json, bitwarden-csv or kdbx [default: from the content]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    #[command(flatten)]
    pub scope: DeptScopeArgs,
    /// Only you can read the imported secrets (not admins, not the owner)
    #[arg(long)]
    pub private: bool,
    /// Tags for every imported secret (repeat or separate with commas)
    #[arg(long = "tag", value_name = "TAG", value_delimiter = ',')]
    pub tags: Vec<String>,
    /// When a key already exists at that scope, replace its values (a new version) instead of skipping it
    #[arg(long)]
    pub replace: bool,
    /// Show what would happen (the preview table), change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Read a .kdbx database's password from the first line of standard input
    #[arg(long)]
    pub source_password_stdin: bool,
}
