//! Standard output that never panics: `println!` panics when stdout is a closed pipe
//! (`clustersim validate x | head -1`) or a full device (`> /dev/full`).
//!
//! Every subcommand that prints builds its text and hands it to [`print`]: a closed pipe
//! ends the output quietly (exit 0, as `cat` and ripgrep do); any other write error, such as
//! a full device, is exit 1 with one line.

use std::io::{ErrorKind, Write};

use super::CliError;

/// Writes `text` to standard output through one lock and flushes it.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::internal(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// Writes one line to standard error, ignoring errors (a closed stderr must not panic).
pub fn note(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}
