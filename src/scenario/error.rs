//! Errors of reading, parsing and validating a scenario file. Every message is one line:
//! `<file>: <field path>: <message>` plus ` (line L, column C)` when the position is known.

use std::fmt;
use std::io;

/// A position in the scenario text (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Line number, from 1.
    pub line: u64,
    /// Column number, from 1.
    pub column: u64,
}

/// One problem found in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file (or other origin) of the scenario text.
    pub file: String,
    /// Field path such as `workloads[2].template.containers[0].resources.limits.memory`;
    /// empty when the problem concerns the whole document.
    pub path: String,
    /// What is wrong, on one line.
    pub message: String,
    /// Where, when the parser knows it.
    pub location: Option<Location>,
}

impl Diagnostic {
    /// A diagnostic without a known location. Line breaks in `message` become spaces.
    pub fn new(file: impl Into<String>, path: impl Into<String>, message: impl AsRef<str>) -> Self {
        Diagnostic {
            file: file.into(),
            path: path.into(),
            message: one_line(message.as_ref()),
            location: None,
        }
    }

    /// The same diagnostic at `location`.
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(Location { line, column }) = self.location {
            write!(f, " (line {line}, column {column})")?;
        }
        Ok(())
    }
}

/// Collapses all whitespace runs (line breaks included) into single spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why a scenario could not be loaded. The CLI maps every variant to exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read scenario file: {source}")]
    Read {
        /// The path as given.
        file: String,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// The text is not a valid scenario: at least one diagnostic, in document order. Display
    /// shows the first and counts the others; print [`ScenarioError::diagnostics`] to see all.
    #[error("{}", summary(.0))]
    Invalid(Vec<Diagnostic>),
}

fn summary(diagnostics: &[Diagnostic]) -> String {
    match diagnostics {
        [] => "invalid scenario".to_string(),
        [only] => only.to_string(),
        [first, rest @ ..] => {
            let more = rest.len();
            let plural = if more == 1 { "" } else { "s" };
            format!("{first} (and {more} more error{plural})")
        }
    }
}

impl ScenarioError {
    /// An error made of one diagnostic.
    pub fn single(diagnostic: Diagnostic) -> Self {
        ScenarioError::Invalid(vec![diagnostic])
    }

    /// Every problem found (empty for a read error).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ScenarioError::Read { .. } => &[],
            ScenarioError::Invalid(diagnostics) => diagnostics,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line() {
        let d = Diagnostic::new("s.yaml", "workloads[0].replicas", "bad\n  value")
            .at(Some(Location { line: 3, column: 7 }));
        assert_eq!(
            d.to_string(),
            "s.yaml: workloads[0].replicas: bad value (line 3, column 7)"
        );
        let root = Diagnostic::new("s.yaml", "", "empty document");
        assert_eq!(root.to_string(), "s.yaml: empty document");
        let err = ScenarioError::Invalid(vec![d.clone(), root.clone(), root]);
        assert_eq!(
            err.to_string(),
            "s.yaml: workloads[0].replicas: bad value (line 3, column 7) (and 2 more errors)"
        );
    }
}
