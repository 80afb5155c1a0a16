//! `clustersim` command line: thin glue over the library. `main` maps every error to a
//! documented exit code: 0 success, 2 bad input (scenario, options, output directory),
//! 1 internal error.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clustersim: {e}");
            ExitCode::from(e.code())
        }
    }
}
