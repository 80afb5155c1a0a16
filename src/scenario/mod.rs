//! The scenario file format: YAML text → typed [`ScenarioFile`] → [`ValidScenario`] (what the
//! engine is built from).
//!
//! Entry points: [`load_scenario`] / [`parse_scenario`] (and their `_with_overrides` forms for
//! CLI `--set path=value`), [`warnings()`] for non-fatal notes. Every error is a
//! [`ScenarioError`] whose message is one line naming the file and the field path.
//!
//! Architecture invariant: this module knows nothing of the engine and imports no other module
//! of the crate. Its only I/O is reading the one file in [`load_scenario`] and the manifests a
//! `workloads: {fromManifests: [...]}` names (`sources`).

pub mod duration;
pub mod duration_ns;
pub mod effective;
pub mod error;
pub mod load;
mod locate;
pub mod manifests;
pub mod overrides;
mod path;
pub mod quantity;
pub mod rate;
pub(crate) mod sources;
pub mod trace;
pub mod types;
mod valid;
pub mod validate;
pub mod warnings;
mod yaml_tree;

#[cfg(test)]
mod input_tests;
#[cfg(test)]
mod tests;

pub use duration::{DurationError, DurationMs};
pub use duration_ns::DurationNs;
pub use effective::{effective_yaml, EFFECTIVE_FILE};
pub use error::{Diagnostic, Location, ScenarioError};
pub use load::{
    load_scenario, load_scenario_with_overrides, parse_scenario, parse_scenario_with_overrides,
};
pub use overrides::Override;
pub use quantity::{Quantity, QuantityError, QuantityFormat};
pub use rate::{Rate, RateError};
pub use sources::{json_to_yaml, scenario_from_manifests};
pub use types::{ResourceList, ScenarioFile};
pub use valid::ValidScenario;
pub use validate::validate;
pub use warnings::warnings;
