//! Team vaults through the app's commands: opening one by URL (a server
//! that does not answer is a quick `io` refusal that changes nothing), the
//! recent list, first run on an empty database, and the live change watch
//! (an event when a teammate commits; none once another vault is open),
//! and moving a file vault onto a server.
//!
//! The tests that need a server run when PGHOST is set (scripts: under
//! `pg_virtualenv`); each makes its own database with `psql`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use coffer_app::state::{AppState, Shared};
use coffer_core::prefs::Prefs;
use coffer_core::{
    FieldInput, InitOptions, KdfChoice, MemoryStore, NewSecret, Reveal, SecretString, UserScope,
    Vault, VaultOptions,
};
use coffer_testdb::TestDb;
use serde_json::{Value, json};
use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

const PASSWORD: &str = "owner-password-1";

struct App {
    dir: tempfile::TempDir,
    app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

impl App {
    fn start(dir: tempfile::TempDir, vault: &str) -> Self {
        let prefs = Prefs::at(dir.path().join("prefs.json"));
        let mut state = AppState::new(vault.into(), Box::new(MemoryStore::default()), prefs);
        state.vault_options = device(&dir);
        let app = coffer_app::configure(mock_builder(), state)
            .build(mock_context(noop_assets()))
            .expect("app");
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("window");
        Self { dir, app, window }
    }

    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().expect("json"))
    }

    /// The events the app sends its UI from now on, as JSON.
    fn events(&self) -> mpsc::Receiver<Value> {
        let (tx, rx) = mpsc::channel();
        let channel = Channel::new(move |body| {
            if let InvokeResponseBody::Json(s) = body {
                let _ = tx.send(serde_json::from_str(&s).expect("event json"));
            }
            Ok(())
        });
        self.app.state::<Shared>().set_channel(channel);
        rx
    }
}

fn device(dir: &tempfile::TempDir) -> VaultOptions {
    VaultOptions {
        state_dir: Some(dir.path().join("device-state")),
    }
}

fn create(location: &str, opts: &VaultOptions) -> Vault {
    Vault::create_with(
        Path::new(location),
        InitOptions {
            owner: "owner".into(),
            display_name: String::new(),
            password: SecretString::from(PASSWORD),
            kdf: KdfChoice::InsecureTest,
        },
        opts,
    )
    .expect("create")
}

fn secret(key: &str) -> NewSecret {
    NewSecret {
        key: key.into(),
        fields: vec![FieldInput::set("value", format!("{key}-value"))],
        departments: None,
        users: UserScope::All,
        description: String::new(),
        tags: vec![],
        expires_at: None,
        active: true,
        reveal: Reveal::Allowed,
    }
}

/// Waits up to `within` for an event of `kind`.
fn event_within(rx: &mpsc::Receiver<Value>, kind: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(e) if e["kind"] == kind => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

#[test]
fn a_server_that_does_not_answer_is_a_quick_io_refusal_that_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("vault.db");
    let file = file.to_string_lossy().into_owned();
    create(&file, &device(&dir));
    let app = App::start(dir, &file);
    // Nothing listens on port 1.
    let url = "postgres://ana@127.0.0.1:1/team";
    let started = Instant::now();
    let err = app
        .invoke("open_vault", json!({ "path": url }))
        .expect_err("refused");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err["code"], "io", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("127.0.0.1"),
        "{err}"
    );
    let places = app.invoke("vault_locations", json!({})).expect("places");
    assert_eq!(places["current"]["location"], file.as_str());
    assert_eq!(places["current"]["on_server"], false);
    let status = app.invoke("app_status", json!({})).expect("status");
    assert_eq!(status["vault_exists"], true, "the file vault is still open");

    // A typed-in password is refused by the core and never remembered.
    let err = app
        .invoke(
            "open_vault",
            json!({ "path": "postgres://ana:pw@127.0.0.1:1/team" }),
        )
        .expect_err("refused");
    assert_eq!(err["code"], "invalid_input", "{err}");
    let prefs = std::fs::read_to_string(app.dir.path().join("prefs.json")).unwrap_or_default();
    assert!(!prefs.contains("127.0.0.1"), "{prefs}");
}

#[test]
fn opened_vaults_are_remembered_most_recent_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = device(&dir);
    let a = dir.path().join("a.db").to_string_lossy().into_owned();
    let b = dir.path().join("b.db").to_string_lossy().into_owned();
    create(&a, &opts);
    create(&b, &opts);
    let app = App::start(dir, &a);
    app.invoke("open_vault", json!({ "path": b }))
        .expect("open b");
    app.invoke("open_vault", json!({ "path": a }))
        .expect("open a");
    let places = app.invoke("vault_locations", json!({})).expect("places");
    let recent: Vec<&str> = places["recent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["location"].as_str().unwrap())
        .collect();
    assert_eq!(recent, [a.as_str(), b.as_str()]);
    assert_eq!(places["current"]["short_name"], "a.db");
}

/// A fresh database on the test server (dropped with the value), or
/// `None` (with a note) when the run has no server.
fn database(tag: &str) -> Option<TestDb> {
    if !coffer_testdb::on_postgres() {
        eprintln!("skipped: no PostgreSQL server: run under scripts/pg.sh");
        return None;
    }
    Some(TestDb::new(tag))
}

#[test]
fn an_empty_database_is_a_first_run_and_the_vault_is_made_there() {
    let Some(db) = database("app_first_run") else {
        return;
    };
    let url = db.url.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let app = App::start(dir, &url);
    let status = app.invoke("app_status", json!({})).expect("status");
    assert_eq!(status["vault_exists"], false, "{status}");
    app.invoke(
        "create_vault",
        json!({ "form": { "owner": "owner", "display_name": "", "password": "sea otter violin kettle" } }),
    )
    .expect("create");
    let status = app.invoke("app_status", json!({})).expect("status");
    assert_eq!(status["vault_exists"], true);
    assert_eq!(status["unlocked"], true);
}

#[test]
fn a_teammates_change_reaches_the_ui_until_another_vault_is_opened() {
    let Some(db) = database("app_watch") else {
        return;
    };
    let url = db.url.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let teammate_dir = tempfile::tempdir().expect("tempdir");
    drop(create(&url, &device(&teammate_dir)));
    let app = App::start(dir, "/nonexistent/start.db");
    let events = app.events();
    app.invoke("open_vault", json!({ "path": url }))
        .expect("open the server vault");
    let places = app.invoke("vault_locations", json!({})).expect("places");
    assert_eq!(places["current"]["on_server"], true);

    let mut teammate =
        Vault::open_with(Path::new(&url), &device(&teammate_dir)).expect("teammate opens");
    teammate
        .unlock_with_password("owner", &SecretString::from(PASSWORD))
        .expect("teammate signs in");
    // The watch may still be connecting: give it a moment.
    std::thread::sleep(Duration::from_millis(500));
    while events.try_recv().is_ok() {}
    let started = Instant::now();
    teammate
        .create_secret(secret("FROM_A_TEAMMATE"))
        .expect("add");
    assert!(
        event_within(&events, "vault_changed", Duration::from_secs(2)),
        "no vault_changed within 2 s of a teammate's change"
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    // Another vault: the watch on the server ends.
    let file = app
        .dir
        .path()
        .join("other.db")
        .to_string_lossy()
        .into_owned();
    create(&file, &device(&app.dir));
    app.invoke("open_vault", json!({ "path": file }))
        .expect("open file");
    std::thread::sleep(Duration::from_millis(600));
    while events.try_recv().is_ok() {}
    teammate.create_secret(secret("UNSEEN")).expect("add");
    assert!(
        !event_within(&events, "vault_changed", Duration::from_millis(1500)),
        "the old watch still reports after another vault was opened"
    );
}

/// The value of a single-field secret, read as the owner on `device`.
fn owner_reads(location: &str, device: &VaultOptions, key: &str) -> (String, String) {
    use coffer_core::{ExposeSecret, SecretValue};
    let mut v = Vault::open_with(Path::new(location), device).expect("open");
    v.unlock_with_password("owner", &SecretString::from(PASSWORD))
        .expect("sign in");
    let value = match v.get_secret(key, None).expect("get") {
        Some(SecretValue::Single(f)) => f.value.expose_secret().to_string(),
        other => panic!("not a single value: {}", other.is_some()),
    };
    let fingerprint = v.fingerprint().expect("fp").expect("signed");
    (value, fingerprint)
}

#[test]
fn moving_a_file_vault_to_a_server_copies_it_checks_it_and_works_on_the_copy() {
    let Some(db) = database("app_move") else {
        return;
    };
    let url = db.url.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("vault.db").to_string_lossy().into_owned();
    let mut v = create(&file, &device(&dir));
    v.unlock_with_password("owner", &SecretString::from(PASSWORD))
        .expect("sign in");
    v.create_secret(secret("MOVED")).expect("add");
    drop(v);
    let app = App::start(dir, &file);
    app.invoke(
        "unlock",
        json!({ "username": "owner", "password": PASSWORD, "remember": false }),
    )
    .expect("unlock");

    // Not a server URL: refused, nothing happens.
    let err = app
        .invoke(
            "move_vault_to_server",
            json!({ "url": "/tmp/elsewhere.db" }),
        )
        .expect_err("a file is not a server");
    assert_eq!(err["code"], "invalid_input", "{err}");

    let moved = app
        .invoke("move_vault_to_server", json!({ "url": url }))
        .expect("moved");
    assert_eq!(moved["from"]["location"], file.as_str());
    assert_eq!(moved["to"]["on_server"], true);
    assert!(moved["rows"].as_u64().unwrap() > 0, "{moved}");
    let places = app.invoke("vault_locations", json!({})).expect("places");
    assert_eq!(places["current"]["on_server"], true, "{places}");

    // Both copies hold the secret and verify to the fingerprint reported.
    // (Each is read on its own device: a copy is the same vault, so one
    // device that used both would see their audit logs part as a fork.)
    let teammate = tempfile::tempdir().expect("tempdir");
    let on_server = owner_reads(&url, &device(&teammate), "MOVED");
    let backup_reader = tempfile::tempdir().expect("tempdir");
    let in_file = owner_reads(&file, &device(&backup_reader), "MOVED");
    assert_eq!(on_server.0, "MOVED-value");
    assert_eq!(on_server, in_file);
    assert_eq!(moved["fingerprint"], on_server.1.as_str());

    // A database that already holds a vault is never written over: a
    // second file vault's move there is refused, and that app stays on
    // its file.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other = other_dir
        .path()
        .join("other.db")
        .to_string_lossy()
        .into_owned();
    drop(create(&other, &device(&other_dir)));
    let other_app = App::start(other_dir, &other);
    other_app
        .invoke(
            "unlock",
            json!({ "username": "owner", "password": PASSWORD, "remember": false }),
        )
        .expect("unlock");
    let err = other_app
        .invoke("move_vault_to_server", json!({ "url": url }))
        .expect_err("the database holds a vault");
    assert_ne!(err["code"], "io", "{err}");
    let places = other_app
        .invoke("vault_locations", json!({}))
        .expect("places");
    assert_eq!(places["current"]["location"], other.as_str());
    assert_eq!(owner_reads(&url, &device(&teammate), "MOVED"), on_server);
}
