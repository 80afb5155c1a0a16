//! [`ValidScenario`]: a scenario that passed validation, the only input the engine is built
//! from (`build::build` takes one).

use std::ops::Deref;

use super::types::ScenarioFile;

/// A [`ScenarioFile`] that passed [`validate`](super::validate()) — the only way to make one
/// — so the engine cannot be built from an unvalidated file. It reads as the file it wraps
/// (`Deref`); changing it means taking the file out ([`ValidScenario::into_inner`]) and
/// validating it again.
///
/// ```
/// use clustersim::build::{build, BuildOptions, SimSetup};
/// use clustersim::scenario::ValidScenario;
/// fn checked(s: &ValidScenario) -> SimSetup {
///     build(s, BuildOptions::default())
/// }
/// ```
///
/// An unvalidated file is not accepted, nor can one be wrapped by hand:
///
/// ```compile_fail
/// use clustersim::build::{build, BuildOptions, SimSetup};
/// use clustersim::scenario::ScenarioFile;
/// fn unchecked(s: &ScenarioFile) -> SimSetup {
///     build(s, BuildOptions::default())
/// }
/// ```
///
/// ```compile_fail
/// use clustersim::scenario::{ScenarioFile, ValidScenario};
/// fn wrapped(s: ScenarioFile) -> ValidScenario {
///     ValidScenario(s)
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ValidScenario(ScenarioFile);

impl ValidScenario {
    /// Wraps a file validation accepted (only `validate` calls this).
    pub(super) fn accepted(scenario: ScenarioFile) -> Self {
        ValidScenario(scenario)
    }

    /// The validated file.
    pub fn file(&self) -> &ScenarioFile {
        &self.0
    }

    /// The file, to change it (validate it again before building from it).
    pub fn into_inner(self) -> ScenarioFile {
        self.0
    }
}

impl Deref for ValidScenario {
    type Target = ScenarioFile;

    fn deref(&self) -> &ScenarioFile {
        &self.0
    }
}
