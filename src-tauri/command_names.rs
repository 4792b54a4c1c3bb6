/// The command names declared in `src/ipc.rs`'s `commands! { ... }` block
/// (`module::name(...) -> ...;` lines), and `subscribe`. Shared by the build
/// script, which scopes the app's capability to exactly these, and by a
/// test of `ipc` that checks it reads what the macro declares.
fn command_names(ipc_source: &str) -> Vec<String> {
    let block = ipc_source
        .split("\ncommands! {\n")
        .nth(1)
        .and_then(|rest| rest.split("\n}\n").next())
        .unwrap_or_default();
    let mut names = vec!["subscribe".to_string()];
    for line in block.lines() {
        let Some((path, _)) = line.trim().split_once('(') else {
            continue;
        };
        if let Some((_, name)) = path.split_once("::") {
            names.push(name.to_string());
        }
    }
    names
}
