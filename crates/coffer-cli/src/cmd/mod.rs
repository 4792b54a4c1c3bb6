//! One module per command group. Each command parses its arguments, calls
//! the core, and prints; the rules are the core's.

mod account;
mod audit;
mod directory;
mod expiring;
mod export;
mod get;
mod import;
#[cfg(unix)]
mod run;
mod secrets;

/// `coffer run` needs Unix signals, process groups and pseudo-terminals.
#[cfg(not(unix))]
mod run {
    use crate::args::{Global, RunArgs};
    use crate::cmd::Outcome;
    use crate::error::{CliError, CliResult};

    pub fn run(_: &Global, _: &RunArgs) -> CliResult<Outcome> {
        Err(CliError::usage(
            "coffer run is not available on this system yet: use coffer get",
        ))
    }
}
mod usage;

use crate::args::{Cli, Command};
use crate::error::CliResult;

/// How a command that did not fail ended.
pub enum Outcome {
    Done,
    /// `get` found nothing: exit 1 with empty output.
    NothingFound,
    /// `run`: the command's own exit status.
    Exit(u8),
}

pub fn run(cli: &Cli) -> CliResult<Outcome> {
    let g = &cli.global;
    match &cli.command {
        Command::Init(a) => account::init(g, a),
        Command::Login(a) => account::login(g, a),
        Command::Logout(a) => account::logout(g, a),
        Command::Passwd(a) => account::passwd(g, a),
        Command::Status => account::status(g),
        Command::Device(c) => account::device(g, c),
        Command::Trust(c) => account::trust(g, c),
        Command::Vault(c) => account::vault(g, c),
        Command::Dept(c) => directory::dept(g, c),
        Command::User(c) => directory::user(g, c),
        Command::Add(a) => secrets::add(g, a),
        Command::Get(a) => {
            return get::get(g, a).map(|found| match found {
                get::Found::Yes => Outcome::Done,
                get::Found::No => Outcome::NothingFound,
            });
        }
        Command::List(a) => match a.expiring {
            Some(days) => expiring::list(g, days),
            None => secrets::list(g, a),
        },
        Command::Show(a) => secrets::show(g, a),
        Command::Update(a) => secrets::update(g, a),
        Command::Activate(a) => secrets::set_active(g, a, true),
        Command::Deactivate(a) => secrets::set_active(g, a, false),
        Command::Rm(a) => secrets::rm(g, a),
        Command::Usage(c) => usage::usage(g, c),
        Command::History(a) => usage::history(g, a),
        Command::Restore(a) => usage::restore(g, a),
        Command::Audit(a) => audit::audit(g, a),
        Command::Export(a) => export::export(g, a),
        Command::Import(a) => import::import(g, a),
        Command::Run(a) => return run::run(g, a),
    }
    .map(|()| Outcome::Done)
}
