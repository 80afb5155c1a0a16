//! `clustersim` command line: thin glue over the library. `main` maps every error to a
//! documented exit code: 0 success, 2 bad input (scenario, options, output directory),
//! 1 internal error (including a standard output that cannot be written, such as a full
//! device; a closed pipe is not an error), 3 `run` finished but an SLO of the scenario failed.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed standard error must not turn an error into a panic.
            let _ = writeln!(std::io::stderr().lock(), "clustersim: {e}");
            ExitCode::from(e.code())
        }
    }
}
