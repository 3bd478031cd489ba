//! The faaslab binary: the command line (`run`, `sweep`, `audit`, `list`, `check`, `bench`,
//! `replay`, `gui`) in `cli`, and (with the `gui` feature) the app, which opens when no
//! subcommand is given.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(cli::BAD_INPUT)
        }
    }
}
