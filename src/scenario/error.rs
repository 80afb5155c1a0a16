//! Errors of reading, parsing and validating a scenario file. Every diagnostic is one line:
//! `<file>: <field path>: <message>` plus ` (line L, column C)` when the position is known.
//! An invalid scenario lists every diagnostic, one per line, up to [`MAX_LISTED_ERRORS`].

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
    /// lists them one per line, the first [`MAX_LISTED_ERRORS`], then counts the rest.
    #[error("{}", summary(.0))]
    Invalid(Vec<Diagnostic>),
}

/// How many diagnostics the message of an invalid scenario lists (one per line); the rest are
/// counted on a last line.
pub const MAX_LISTED_ERRORS: usize = 50;

fn summary(diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return "invalid scenario".to_string();
    }
    let listed = &diagnostics[..diagnostics.len().min(MAX_LISTED_ERRORS)];
    let mut lines: Vec<String> = listed.iter().map(Diagnostic::to_string).collect();
    let more = diagnostics.len() - listed.len();
    if more > 0 {
        let plural = if more == 1 { "" } else { "s" };
        lines.push(format!(
            "{}: and {more} more error{plural} (only the first {MAX_LISTED_ERRORS} are listed)",
            diagnostics[0].file
        ));
    }
    lines.join("\n")
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
        let err = ScenarioError::Invalid(vec![d.clone(), root.clone(), root.clone()]);
        assert_eq!(
            err.to_string(),
            "s.yaml: workloads[0].replicas: bad value (line 3, column 7)\n\
             s.yaml: empty document\n\
             s.yaml: empty document"
        );
    }

    #[test]
    fn lists_at_most_the_cap_then_counts_the_rest() {
        let many: Vec<Diagnostic> = (0..MAX_LISTED_ERRORS + 3)
            .map(|i| Diagnostic::new("s.yaml", format!("workloads[{i}].name"), "bad"))
            .collect();
        let text = ScenarioError::Invalid(many).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), MAX_LISTED_ERRORS + 1, "{text}");
        assert_eq!(lines[0], "s.yaml: workloads[0].name: bad");
        assert_eq!(
            lines[MAX_LISTED_ERRORS - 1],
            "s.yaml: workloads[49].name: bad"
        );
        assert_eq!(
            lines[MAX_LISTED_ERRORS],
            "s.yaml: and 3 more errors (only the first 50 are listed)"
        );
    }
}
