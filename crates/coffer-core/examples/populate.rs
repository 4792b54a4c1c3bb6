//! Fills a vault with N secrets in one process, for benchmarks:
//!   COFFER_PASSWORD=... cargo run --release -p coffer-core --example populate -- VAULT USER N
//! Keys are `BENCH_00000`..; every third is for all departments, the rest
//! for the user's primary department.

use coffer_core::{DeptScope, FieldInput, NewSecret, Reveal, SecretString, UserScope, Vault};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, user, count] = args.as_slice() else {
        return Err("usage: populate VAULT USER N (password in COFFER_PASSWORD)".into());
    };
    let password = std::env::var("COFFER_PASSWORD").map_err(|_| "set COFFER_PASSWORD")?;
    let mut vault = Vault::open(std::path::Path::new(path))?;
    vault.unlock_with_password(user, &SecretString::from(password))?;
    let count: usize = count.parse()?;
    for i in 0..count {
        vault.create_secret(NewSecret {
            key: format!("BENCH_{i:05}"),
            fields: vec![FieldInput::set("value", format!("bench-value-{i}"))],
            // Every third secret for all departments, the rest for the
            // user's primary department (the default).
            departments: i.is_multiple_of(3).then_some(DeptScope::All),
            users: UserScope::All,
            description: format!("benchmark secret number {i}"),
            tags: vec![format!("team-{}", i % 20)],
            expires_at: None,
            active: true,
            reveal: Reveal::Allowed,
        })?;
    }
    Ok(())
}
