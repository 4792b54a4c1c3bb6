//! `coffer`: the command-line shell over coffer-core (SPEC §8).
//!
//! main parses, runs one command, and turns the outcome into an exit
//! status; `args` declares the command line, `session` and `password` sign
//! the user in, `cmd` holds the commands, `child` runs the command of
//! `coffer run`, `output` and `dates` format.

mod args;
#[cfg(unix)]
mod child;
mod cmd;
mod dates;
mod error;
mod output;
mod password;
mod session;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::cmd::Outcome;

/// Whether `--json` was asked for, looked up before parsing so that even a
/// parse failure is reported in the requested shape.
fn json_requested() -> bool {
    std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json")
}

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                // Help and version go to stdout and succeed; a failed
                // write (closed pipe) is not worth reporting.
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            return error::report(&error::from_clap(&e), json_requested());
        }
    };
    match cmd::run(&cli) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::NothingFound) => ExitCode::from(1),
        Ok(Outcome::Exit(status)) => ExitCode::from(status),
        Err(e) => error::report(&e, cli.global.json),
    }
}
