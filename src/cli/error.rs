//! Errors of the command line, each with its exit code.

use std::fmt;

/// A failed command: a one-line message (or one line per problem, for a scenario's
/// diagnostics) and the process exit code.
#[derive(Debug)]
pub struct CliError {
    code: u8,
    message: String,
    lines: bool,
}

impl CliError {
    /// Bad input: scenario file, options, output directory (exit code 2).
    pub fn input(message: impl Into<String>) -> Self {
        CliError {
            code: 2,
            message: message.into(),
            lines: false,
        }
    }

    /// Bad input made of several one-line problems, printed one per line (exit code 2).
    pub fn input_lines(message: impl Into<String>) -> Self {
        CliError {
            lines: true,
            ..CliError::input(message)
        }
    }

    /// Something went wrong inside clustersim (exit code 1).
    pub fn internal(message: impl Into<String>) -> Self {
        CliError {
            code: 1,
            message: message.into(),
            lines: false,
        }
    }

    /// The run finished and wrote its results, but an SLO of the scenario failed (exit code 3).
    pub fn slo_failed(message: impl Into<String>) -> Self {
        CliError {
            code: 3,
            message: message.into(),
            lines: false,
        }
    }

    /// Exit code.
    pub fn code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for CliError {
    /// One line: newlines in the message are folded (kept for a list of problems).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lines {
            return f.write_str(self.message.trim_end());
        }
        let one_line = self
            .message
            .split('\n')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        f.write_str(&one_line)
    }
}
