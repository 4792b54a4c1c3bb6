//! Tauri's build step. The config lives at the repository root, and the
//! app declares its commands (read from `src/ipc.rs`, where they are
//! declared once) so that `capabilities/main.json` can allow exactly these
//! and nothing else.

include!("command_names.rs");

fn main() {
    println!("cargo:rerun-if-changed=src/ipc.rs");
    let ipc = std::fs::read_to_string("src/ipc.rs").unwrap_or_default();
    let names = command_names(&ipc);
    if names.len() < 2 {
        eprintln!("no commands found in src/ipc.rs");
        std::process::exit(1);
    }
    let names: &'static [String] = Box::leak(names.into_boxed_slice());
    let commands: Vec<&'static str> = names.iter().map(String::as_str).collect();
    let commands: &'static [&'static str] = Box::leak(commands.into_boxed_slice());
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri build step failed: {e:#}");
        std::process::exit(1);
    }
}
