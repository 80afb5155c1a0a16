//! Reading a scenario: YAML text → typed [`ScenarioFile`] → validated.
//!
//! Without overrides the typed structs are deserialized straight from the YAML, so every error
//! carries a field path and a line and column. With `--set` overrides the YAML is first read
//! into a generic tree and edited; errors of the typed parse then carry the path but no
//! position.

use std::path::Path;

use serde_saphyr::MessageFormatter;

use super::error::{Diagnostic, Location, ScenarioError};
use super::locate;
use super::overrides::{self, Override};
use super::path;
use super::types::ScenarioFile;
use super::validate::validate;

/// Reads, parses and validates the scenario file at `path`.
pub fn load_scenario(path: &Path) -> Result<ScenarioFile, ScenarioError> {
    load_scenario_with_overrides(path, &[])
}

/// Reads the scenario file at `path`, applies `overrides`, parses and validates it.
pub fn load_scenario_with_overrides(
    path: &Path,
    overrides: &[Override],
) -> Result<ScenarioFile, ScenarioError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        file: origin.clone(),
        source,
    })?;
    parse_scenario_with_overrides(&text, &origin, overrides)
}

/// Parses and validates scenario `text`; `origin` (usually the file name) prefixes every
/// error message.
pub fn parse_scenario(text: &str, origin: &str) -> Result<ScenarioFile, ScenarioError> {
    parse_scenario_with_overrides(text, origin, &[])
}

/// Parses scenario `text`, applies `overrides` (CLI `--set path=value`) and validates it.
pub fn parse_scenario_with_overrides(
    text: &str,
    origin: &str,
    overrides: &[Override],
) -> Result<ScenarioFile, ScenarioError> {
    let scenario = if overrides.is_empty() {
        from_yaml(text, origin)?
    } else {
        let mut tree: serde_json::Value = from_yaml(text, origin)?;
        for o in overrides {
            overrides::apply(&mut tree, o).map_err(|message| {
                ScenarioError::single(Diagnostic::new(
                    origin,
                    o.path.clone(),
                    format!("--set {o}: {message}"),
                ))
            })?;
        }
        from_tree(&tree, origin)?
    };
    if let Err(ScenarioError::Invalid(mut diagnostics)) = validate(&scenario, origin) {
        if overrides.is_empty() {
            locate::add_locations(text, &mut diagnostics);
        }
        return Err(ScenarioError::Invalid(diagnostics));
    }
    Ok(scenario)
}

/// How scenario YAML is read: YAML 1.2 booleans only (`yes`, `on`, `y` stay strings), and
/// untyped scalars such as `007` or `1_000` keep their spelling as strings.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    options.with_snippet = false;
    options
}

/// Deserializes YAML text, recording the field path of any error.
pub(super) fn from_yaml<T: serde::de::DeserializeOwned>(
    text: &str,
    origin: &str,
) -> Result<T, ScenarioError> {
    let mut failed_at = None;
    serde_saphyr::with_deserializer_from_str_with_options(text, yaml_options(), |deserializer| {
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            failed_at = Some(path::from_serde(e.path()));
            e.into_inner()
        })
    })
    .map_err(|e| {
        let message = serde_saphyr::UserMessageFormatter.format_message(e.without_snippet());
        let location = e.location().filter(|l| l.line() > 0).map(|l| Location {
            line: l.line(),
            column: l.column(),
        });
        let diagnostic = Diagnostic::new(origin, failed_at.unwrap_or_default(), message);
        ScenarioError::single(diagnostic.at(location))
    })
}

/// Deserializes the typed scenario from an (overridden) generic tree.
///
/// The tree is written back as YAML and read by the same deserializer as a file, so values
/// are interpreted exactly alike (e.g. `gpu: true` as a label value). Positions in that
/// regenerated text would mislead, so they are dropped.
fn from_tree(tree: &serde_json::Value, origin: &str) -> Result<ScenarioFile, ScenarioError> {
    let text = serde_saphyr::to_string(tree).map_err(|e| {
        ScenarioError::single(Diagnostic::new(
            origin,
            "",
            format!("cannot apply --set: {e}"),
        ))
    })?;
    from_yaml(&text, origin).map_err(|e| match e {
        ScenarioError::Invalid(diagnostics) => {
            ScenarioError::Invalid(diagnostics.into_iter().map(|d| d.at(None)).collect())
        }
        other => other,
    })
}
