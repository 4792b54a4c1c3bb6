//! Reaching a PostgreSQL vault: its URL, the database password, TLS.
//!
//! - `postgres://USER@HOST[:PORT]/DB` (or `postgresql://`), with libpq's
//!   `host=` for a Unix-socket folder and its `sslmode`/`sslrootcert`.
//! - TLS is verified by default (libpq's `verify-full`: the chain to a
//!   trusted root and the server's name). A plain connection is allowed
//!   only to a Unix socket or a loopback address; any other host gets
//!   verified TLS or nothing, whatever `sslmode` says.
//! - The password comes from the URL, `PGPASSWORD`, the password file
//!   (`PGPASSFILE` or `~/.pgpass`, ignored unless private, as libpq
//!   does), or the OS keyring (service `coffer-postgres`, account the
//!   vault's display URL), in that order.
//! - Connecting gives up after 3 s, so an unreachable server is an error
//!   at once instead of a hang: the whole of it (TCP, TLS, the server's
//!   greeting and the password exchange), not only the TCP connect, since
//!   a server or middlebox that accepts the connection and then says
//!   nothing would otherwise hold the client forever.
//!
//! The password is never part of a message or of the vault's name.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use postgres::config::Host;
use postgres::{Client, Config, NoTls};

use crate::error::{Error, Result};

/// How long connecting may take before the server counts as unreachable.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The keyring service that holds database passwords.
pub(crate) const KEYRING_SERVICE: &str = "coffer-postgres";

/// Whether a vault location names a PostgreSQL server.
pub(crate) fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tls {
    /// A Unix socket or loopback address with no `sslmode` asking for TLS.
    Plain,
    /// Verified TLS: chain and name.
    Verified,
}

/// A parsed vault URL (without any password in it).
#[derive(Clone)]
pub(crate) struct Target {
    config: Config,
    tls: Tls,
    root_cert: Option<PathBuf>,
    display: String,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("vault", &self.display)
            .finish()
    }
}

fn usage(msg: impl Into<String>) -> Error {
    Error::InvalidInput(msg.into())
}

fn host_label(h: &Host) -> String {
    match h {
        Host::Tcp(name) if name.contains(':') => format!("[{name}]"),
        Host::Tcp(name) => name.clone(),
        Host::Unix(path) => path.display().to_string(),
    }
}

fn is_local(h: &Host) -> bool {
    match h {
        Host::Unix(_) => true,
        Host::Tcp(name) => {
            name.eq_ignore_ascii_case("localhost")
                || IpAddr::from_str(name.trim_matches(['[', ']'])).is_ok_and(|ip| ip.is_loopback())
        }
    }
}

/// A vault URL's name in a few words, `DATABASE @ HOST`, as the URL
/// itself says them (the driver's parser, no defaults); `None` when it
/// names neither.
pub(crate) fn short_name(url: &str) -> Option<String> {
    let base = url.split_once('?').map_or(url, |(b, _)| b);
    let config = Config::from_str(base).ok()?;
    let host = config.get_hosts().first().map(host_label);
    match (config.get_dbname(), host) {
        (Some(db), Some(host)) => Some(format!("{db} @ {host}")),
        (Some(db), None) => Some(db.to_string()),
        (None, Some(host)) => Some(host),
        (None, None) => None,
    }
}

impl Target {
    /// Parses a vault URL, applying libpq's defaults (`PGHOST`, `PGPORT`,
    /// `PGUSER`, the login name) where it says nothing.
    pub(crate) fn parse(url: &str) -> Result<Self> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut sslmode = None;
        let mut root_cert = None;
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "sslmode" => sslmode = Some(v.to_string()),
                "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(v))),
                "password" => {
                    return Err(usage(
                        "put the database password in PGPASSWORD, ~/.pgpass or the keyring, not in the vault URL",
                    ));
                }
                _ => rest.push(pair),
            }
        }
        let cleaned = if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        let mut config = Config::from_str(&cleaned).map_err(|_| {
            usage("this is not a PostgreSQL URL Coffer can use: write postgres://USER@HOST[:PORT]/DATABASE")
        })?;
        if config.get_password().is_some() {
            return Err(usage(
                "put the database password in PGPASSWORD, ~/.pgpass or the keyring, not in the vault URL",
            ));
        }
        if config.get_hosts().is_empty() {
            match std::env::var("PGHOST").ok().filter(|h| !h.is_empty()) {
                Some(h) if h.starts_with('/') => config.host_path(h),
                Some(h) => config.host(&h),
                None if Path::new("/var/run/postgresql").is_dir() => {
                    config.host_path("/var/run/postgresql")
                }
                None => config.host("localhost"),
            };
        }
        if config.get_ports().is_empty() {
            let port = std::env::var("PGPORT")
                .ok()
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or(5432);
            config.port(port);
        }
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER")
                .ok()
                .or_else(|| std::env::var("USER").ok())
                .filter(|u| !u.is_empty())
                .ok_or_else(|| {
                    usage(
                        "the vault URL names no database user: write postgres://USER@HOST/DATABASE",
                    )
                })?;
            config.user(&user);
        }
        if config.get_dbname().is_none() {
            let user = config.get_user().unwrap_or_default().to_string();
            config.dbname(&user);
        }
        let local = config.get_hosts().iter().all(is_local);
        let tls = match sslmode.as_deref() {
            None if local => Tls::Plain,
            None | Some("verify-full") => Tls::Verified,
            Some("disable" | "allow" | "prefer") if local => Tls::Plain,
            Some("require" | "verify-ca") if local => Tls::Verified,
            Some("disable" | "allow" | "prefer" | "require" | "verify-ca") => {
                return Err(usage(
                    "Coffer talks to a remote server only over TLS with its certificate and name verified: remove sslmode from the URL (verify-full is the default)",
                ));
            }
            Some(_) => {
                return Err(usage(
                    "unknown sslmode: use verify-full (the default), or disable for a server on this machine",
                ));
            }
        };
        config
            .connect_timeout(CONNECT_TIMEOUT)
            // A server that stops answering mid-session (a cut network)
            // is given up on instead of hanging until TCP does.
            .tcp_user_timeout(CONNECT_TIMEOUT)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(5))
            .keepalives_interval(Duration::from_secs(1))
            .keepalives_retries(3)
            .application_name("coffer")
            .options("-c search_path=coffer");
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let host = config
            .get_hosts()
            .first()
            .map(host_label)
            .unwrap_or_default();
        let display = format!(
            "postgres://{}@{}:{}/{}",
            config.get_user().unwrap_or_default(),
            host,
            port,
            config.get_dbname().unwrap_or_default()
        );
        Ok(Self {
            config,
            tls,
            root_cert,
            display,
        })
    }

    /// The vault's name: its URL without password or options.
    pub(crate) fn display(&self) -> &str {
        &self.display
    }

    pub(crate) fn dbname(&self) -> &str {
        self.config.get_dbname().unwrap_or_default()
    }

    /// Connects, finding the password where libpq would (then the
    /// keyring) if the server asks for one.
    pub(crate) fn connect(&self) -> Result<Client> {
        self.connect_with(self.password())
    }

    /// Connects with this password (or none), within [`CONNECT_TIMEOUT`].
    ///
    /// The driver bounds only the TCP connect, so the connection is made
    /// on a helper thread that the caller stops waiting for after the
    /// timeout. A server that never answers keeps that thread until it
    /// closes the connection; a connection that arrives late is dropped.
    pub(crate) fn connect_with(&self, password: Option<String>) -> Result<Client> {
        let mut config = self.config.clone();
        if let Some(pw) = password {
            config.password(pw);
        }
        let tls = match self.tls {
            Tls::Plain => None,
            Tls::Verified => Some(self.tls_connector()?),
        };
        let (done, outcome) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("coffer-pg-connect".into())
            .spawn(move || {
                let out = match tls {
                    None => config.connect(NoTls),
                    Some(tls) => config.connect(tls),
                };
                // The caller may have given up: then the client just drops.
                let _ = done.send(out);
            })
            .map_err(|_| Error::Io("no thread could be started to connect".into()))?;
        match outcome.recv_timeout(CONNECT_TIMEOUT) {
            Ok(out) => out.map_err(|e| self.connect_error(&e)),
            Err(_) => Err(Error::Io(format!(
                "cannot reach the vault at {}: no answer within 3 s",
                self.display()
            ))),
        }
    }

    fn tls_connector(&self) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
        let mut roots = rustls::RootCertStore::empty();
        let file = self
            .root_cert
            .clone()
            .or_else(|| std::env::var_os("PGSSLROOTCERT").map(PathBuf::from))
            .or_else(|| {
                home()
                    .map(|h| h.join(".postgresql/root.crt"))
                    .filter(|p| p.is_file())
            });
        if let Some(file) = file {
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject;
            let certs = CertificateDer::pem_file_iter(&file).map_err(|_| {
                Error::Io(format!(
                    "cannot read the server's root certificate from {}",
                    file.display()
                ))
            })?;
            for cert in certs {
                let cert = cert.map_err(|_| {
                    Error::Io(format!("{} holds a damaged certificate", file.display()))
                })?;
                roots.add(cert).map_err(|_| {
                    Error::Io(format!("{} holds an unusable certificate", file.display()))
                })?;
            }
        } else {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| Error::Io("TLS could not be set up".into()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }

    fn connect_error(&self, e: &postgres::Error) -> Error {
        let what = self.display();
        if let Some(db) = e.as_db_error() {
            let code = db.code().code();
            return match code {
                "28P01" | "28000" => Error::Io(format!(
                    "the server refused the database login for {what}: check PGPASSWORD, ~/.pgpass or the password kept by `coffer vault password`"
                )),
                "3D000" => Error::not_found(format!(
                    "the database of {what} does not exist: create it on the server first"
                )),
                _ => Error::Io(format!(
                    "the server of {what} refused the connection (SQLSTATE {code})"
                )),
            };
        }
        // The driver's words for what went wrong, with their causes (no
        // password or row data is ever in them).
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        if text.contains("password missing") || text.contains("password") {
            return Error::Io(format!(
                "the server of {what} asks for a database password: set PGPASSWORD, add it to ~/.pgpass, or keep it in the keyring with `coffer vault password`"
            ));
        }
        let reason = if text.contains("timed out") || text.contains("timeout") {
            "no answer within 3 s"
        } else if text.contains("refused") {
            "connection refused"
        } else if text.contains("certificate") || text.contains("tls") || text.contains("TLS") {
            "its TLS certificate could not be verified"
        } else {
            "the server could not be reached"
        };
        Error::Io(format!("cannot reach the vault at {what}: {reason}"))
    }

    /// The password for this target, if any source has one.
    fn password(&self) -> Option<String> {
        if let Some(pw) = std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()) {
            return Some(pw);
        }
        if let Some(pw) = self.pgpass() {
            return Some(pw);
        }
        keyring::Entry::new(KEYRING_SERVICE, &self.display)
            .ok()
            .and_then(|e| e.get_password().ok())
    }

    fn pgpass(&self) -> Option<String> {
        let file = std::env::var_os("PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| home().map(|h| h.join(".pgpass")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // libpq ignores a password file others can read.
            let mode = std::fs::metadata(&file).ok()?.permissions().mode();
            if mode & 0o077 != 0 {
                return None;
            }
        }
        let text = std::fs::read_to_string(&file).ok()?;
        let host = match self.config.get_hosts().first()? {
            // libpq matches a socket in the default folder as "localhost".
            Host::Unix(_) => "localhost".to_string(),
            Host::Tcp(h) => h.clone(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        pgpass_lookup(
            &text,
            &host,
            &port.to_string(),
            self.dbname(),
            self.config.get_user().unwrap_or_default(),
        )
    }
}

/// Checks that the server accepts `password` for this URL's user, then
/// keeps it in the OS keyring for later connections. Returns the vault's
/// display URL.
pub(crate) fn save_password(url: &str, password: &str) -> Result<String> {
    let target = Target::parse(url)?;
    drop(target.connect_with(Some(password.to_string()))?);
    keyring_entry(&target)?
        .set_password(password)
        .map_err(|_| {
            Error::KeyringUnavailable("the OS keyring could not store the password".into())
        })?;
    Ok(target.display)
}

/// Forgets a database password kept in the keyring; whether there was one.
pub(crate) fn forget_password(url: &str) -> Result<bool> {
    let target = Target::parse(url)?;
    match keyring_entry(&target)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(_) => Err(Error::KeyringUnavailable(
            "the OS keyring could not be reached".into(),
        )),
    }
}

fn keyring_entry(target: &Target) -> Result<keyring::Entry> {
    keyring::Entry::new(KEYRING_SERVICE, &target.display)
        .map_err(|_| Error::KeyringUnavailable("the OS keyring could not be reached".into()))
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The fields of one password-file line (`host:port:db:user:password`,
/// with `\:` and `\\` escaped).
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => field.extend(chars.next()),
            ':' if fields.len() < 4 => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The first password-file line matching (`*` matches anything).
pub(crate) fn pgpass_lookup(
    text: &str,
    host: &str,
    port: &str,
    db: &str,
    user: &str,
) -> Option<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(pgpass_fields)
        .filter(|f| f.len() == 5)
        .find(|f| {
            [host, port, db, user]
                .iter()
                .zip(f.iter())
                .all(|(want, have)| have == "*" || have == want)
        })
        .map(|f| f[4].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_name_is_the_database_at_the_host_as_the_url_says() {
        let name = |u: &str| short_name(u);
        assert_eq!(
            name("postgres://ana@db.example.com:5433/team?sslmode=verify-full").as_deref(),
            Some("team @ db.example.com")
        );
        assert_eq!(
            name("postgres://ana@[::1]:5432/x").as_deref(),
            Some("x @ [::1]")
        );
        assert_eq!(name("postgres://localhost").as_deref(), Some("localhost"));
        assert_eq!(name("postgres:///team").as_deref(), Some("team"));
        assert_eq!(name("not a url"), None);
    }

    #[test]
    fn a_remote_server_gets_verified_tls_whatever_sslmode_says() {
        let t = Target::parse("postgres://ana@db.example.com/team").expect("url");
        assert_eq!(t.tls, Tls::Verified);
        assert_eq!(t.display(), "postgres://ana@db.example.com:5432/team");
        for mode in ["disable", "prefer", "require", "verify-ca"] {
            let url = format!("postgres://ana@db.example.com/team?sslmode={mode}");
            assert!(
                matches!(Target::parse(&url), Err(Error::InvalidInput(_))),
                "{mode}"
            );
        }
        let t = Target::parse("postgres://ana@db.example.com/team?sslmode=verify-full")
            .expect("verify-full");
        assert_eq!(t.tls, Tls::Verified);
    }

    #[test]
    fn a_local_server_may_be_plain() {
        for url in [
            "postgres://ana@localhost:5433/team",
            "postgresql://ana@127.0.0.1/team",
            "postgres://ana@[::1]/team",
            "postgres://ana@%2Fvar%2Frun%2Fpostgresql/team",
            "postgres://ana@localhost/team?sslmode=disable",
        ] {
            assert_eq!(Target::parse(url).expect(url).tls, Tls::Plain, "{url}");
        }
        let t = Target::parse("postgres://ana@localhost/team?sslmode=verify-full").expect("url");
        assert_eq!(t.tls, Tls::Verified);
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_never_shown() {
        for url in [
            "postgres://ana:hunter2@localhost/team",
            "postgres://ana@localhost/team?password=hunter2",
        ] {
            let Err(e) = Target::parse(url) else {
                panic!("accepted {url}")
            };
            assert!(!e.to_string().contains("hunter2"));
        }
    }

    #[test]
    fn the_password_file_matches_as_libpq_does() {
        let text = "# comment\n\
                    other:5432:team:ana:wrong\n\
                    db.example.com:5432:*:ana:p\\:ss\\\\1\n\
                    *:*:*:*:fallback\n";
        assert_eq!(
            pgpass_lookup(text, "db.example.com", "5432", "team", "ana").as_deref(),
            Some("p:ss\\1")
        );
        assert_eq!(
            pgpass_lookup(text, "db.example.com", "5433", "team", "ana").as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup("a:b:c:d:e", "x", "b", "c", "d"), None);
    }
}
