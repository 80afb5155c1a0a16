//! Errors of the report and the comparison. Every message is one line naming the path.

use std::path::{Path, PathBuf};

/// Why a report or comparison could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The input is not a (complete) results directory, or one of its files is malformed.
    #[error("{}: {message}", path.display())]
    Input {
        /// The directory or file at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An output file or directory could not be written.
    #[error("cannot {action} {}: {source}", path.display())]
    Write {
        /// What was attempted.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A chart could not be drawn (a bug, not bad input).
    #[error("cannot draw chart {chart}: {message}")]
    Render {
        /// Chart name.
        chart: String,
        /// The backend's message.
        message: String,
    },
}

impl ReportError {
    /// Whether the error is the user's input (exit code 2) rather than an internal failure.
    pub fn is_input(&self) -> bool {
        !matches!(self, ReportError::Render { .. })
    }

    pub(crate) fn input(path: &Path, message: impl Into<String>) -> Self {
        ReportError::Input {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn write(
        action: &'static str,
        path: &Path,
    ) -> impl FnOnce(std::io::Error) -> ReportError {
        let path = path.to_path_buf();
        move |source| ReportError::Write {
            action,
            path,
            source,
        }
    }
}
