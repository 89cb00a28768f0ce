//! The `authlens` binary: parse flags, run the subcommand, map the result
//! to an exit code. All work lives in the library.

use std::process::ExitCode;

use clap::Parser;

use authlens::cli::{Cli, Command};
use authlens::cmd::{self, Exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Analyze(args) => cmd::analyze::run(args),
        Command::Formats => Ok(cmd::formats::run()),
        Command::Rules(args) => cmd::rules::run(args),
        Command::Sanitize(args) => cmd::sanitize::run(args),
        Command::Explain(args) => cmd::explain::run(args),
    };
    match result {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            eprintln!("authlens: {e}");
            ExitCode::from(Exit::Failure as u8)
        }
    }
}
