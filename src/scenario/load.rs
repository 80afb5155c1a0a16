//! Reading a scenario: YAML text → typed [`ScenarioFile`] → [`ValidScenario`].
//!
//! Without overrides the typed structs are deserialized straight from the YAML, so every error
//! carries a field path and a line and column. With `--set` overrides the YAML is first read
//! into a tree that keeps every scalar as written (`yaml_tree`), the named nodes are replaced
//! and the tree is written back, so untouched values read exactly as in the file; errors of
//! the typed parse then carry the path but no position.
//!
//! Size limits: a scenario file may be up to [`MAX_FILE_BYTES`] long and hold up to
//! [`MAX_YAML_NODES`] YAML values (mappings, lists and scalars) — room for the largest
//! cluster validation accepts ([`super::validate::MAX_NODES`] explicit nodes).

use std::path::Path;

use serde_saphyr::MessageFormatter;

use super::error::{Diagnostic, Location, ScenarioError};
use super::locate;
use super::overrides::{self, Override};
use super::path;
use super::sources;
use super::trace::{trace_workloads, TraceSpec};
use super::types::ScenarioFile;
use super::valid::ValidScenario;
use super::validate::validate;
use super::yaml_tree;

/// Largest scenario file read, in bytes (512 MiB).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Most YAML values (mappings, lists and scalars) a scenario may hold: 40 per node for the
/// largest cluster validation accepts, 1,000,000 explicit nodes.
pub const MAX_YAML_NODES: usize = 40_000_000;
/// Most bytes of scalar text a scenario may hold.
pub const MAX_SCALAR_BYTES: usize = 512 * 1024 * 1024;
/// Largest text for which validation errors are given a line and column (finding them
/// reads the whole document into memory once more).
const MAX_LOCATE_BYTES: usize = 8 * 1024 * 1024;

/// Reads, parses and validates the scenario file at `path`.
pub fn load_scenario(path: &Path) -> Result<ValidScenario, ScenarioError> {
    load_scenario_with_overrides(path, &[])
}

/// Reads the scenario file at `path`, applies `overrides`, parses and validates it.
pub fn load_scenario_with_overrides(
    path: &Path,
    overrides: &[Override],
) -> Result<ValidScenario, ScenarioError> {
    let origin = path.display().to_string();
    let read_error = |source| ScenarioError::Read {
        file: origin.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ScenarioError::single(Diagnostic::new(
            &origin,
            "",
            format!(
                "the file is {size} bytes long, more than the {MAX_FILE_BYTES} bytes (512 MiB) \
                 a scenario may have"
            ),
        )));
    }
    let text = std::fs::read_to_string(path).map_err(read_error)?;
    parse_scenario_with_overrides(&text, &origin, overrides)
}

/// Parses and validates scenario `text`; `origin` (usually the file name) prefixes every
/// error message.
pub fn parse_scenario(text: &str, origin: &str) -> Result<ValidScenario, ScenarioError> {
    parse_scenario_with_overrides(text, origin, &[])
}

/// Parses scenario `text`, applies `overrides` (CLI `--set path=value`) and validates it.
pub fn parse_scenario_with_overrides(
    text: &str,
    origin: &str,
    overrides: &[Override],
) -> Result<ValidScenario, ScenarioError> {
    let expands = sources::may_have_sources(text);
    let scenario = if overrides.is_empty() && !expands {
        from_yaml(text, origin)?
    } else {
        let (tree, expanded) = expanded_tree(text, origin, overrides)?;
        let mut scenario: ScenarioFile = from_tree(&tree, origin)?;
        scenario.import_notes = expanded.notes;
        if let Some(spec) = &expanded.trace {
            add_trace(&mut scenario, spec)?;
        }
        scenario
    };
    validate(scenario, origin).map_err(|e| match e {
        ScenarioError::Invalid(mut diagnostics) => {
            if overrides.is_empty() && !expands && text.len() <= MAX_LOCATE_BYTES {
                locate::add_locations(text, &mut diagnostics);
            }
            ScenarioError::Invalid(diagnostics)
        }
        other => other,
    })
}

/// Scenario `text` as a tree that keeps every scalar as written, with `overrides` applied in
/// order: what the typed parse reads under `--set`, and what the effective scenario writes.
/// A mapping `workloads` (`fromManifests`, see [`sources`]) is expanded before the overrides.
pub(crate) fn overridden_tree(
    text: &str,
    origin: &str,
    overrides: &[Override],
) -> Result<yaml_tree::Node, ScenarioError> {
    let (mut tree, expanded) = expanded_tree(text, origin, overrides)?;
    if let Some(spec) = &expanded.trace {
        sources::reattach_trace(&mut tree, spec);
    }
    Ok(tree)
}

/// Reads the pod list of `spec` and appends its workloads (one per pod shape) to `scenario`.
/// Bad rows are one diagnostic naming the trace file, the row and the column.
fn add_trace(scenario: &mut ScenarioFile, spec: &TraceSpec) -> Result<(), ScenarioError> {
    let horizon = scenario.simulation.duration.as_millis();
    let (workloads, note) = trace_workloads(spec, horizon).map_err(|e| {
        ScenarioError::single(Diagnostic::new(e.file.clone(), e.location(), e.message))
    })?;
    scenario.workloads.extend(workloads);
    scenario.import_notes.extend(note);
    Ok(())
}

/// [`overridden_tree`] with the warnings of the manifest import and the `fromTrace` reference.
fn expanded_tree(
    text: &str,
    origin: &str,
    overrides: &[Override],
) -> Result<(yaml_tree::Node, sources::Expanded), ScenarioError> {
    let mut tree = match yaml_tree::parse(text) {
        Ok(tree) => tree,
        // The typed reader names the problem with its position.
        Err(problem) => {
            from_yaml::<ScenarioFile>(text, origin)?;
            return Err(ScenarioError::single(Diagnostic::new(
                origin,
                "",
                format!("cannot apply --set: {problem}"),
            )));
        }
    };
    let notes = if sources::may_have_sources(text) {
        sources::expand(&mut tree, origin)?
    } else {
        sources::Expanded::default()
    };
    for o in overrides {
        overrides::apply_tree(&mut tree, o).map_err(|message| {
            ScenarioError::single(Diagnostic::new(
                origin,
                o.path.clone(),
                format!("--set {o}: {message}"),
            ))
        })?;
    }
    Ok((tree, notes))
}

/// How scenario YAML is read: YAML 1.2 booleans only (`yes`, `on`, `y` stay strings), and
/// untyped scalars such as `007` or `1_000` keep their spelling as strings.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    options.with_snippet = false;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = MAX_YAML_NODES;
    budget.max_events = 2 * MAX_YAML_NODES;
    budget.max_total_scalar_bytes = MAX_SCALAR_BYTES;
    options.budget = Some(budget);
    options
}

/// The parser's message, or for a size or complexity limit a plain sentence saying which.
fn parse_message(e: &serde_saphyr::Error) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    if let serde_saphyr::Error::Budget { breach, .. } = e {
        let limit = match breach {
            B::Nodes { .. } | B::Events { .. } => Some(format!(
                "the document holds more than {MAX_YAML_NODES} YAML values (mappings, lists \
                 and scalars), the most a scenario may have"
            )),
            B::ScalarBytes { .. } => Some(format!(
                "the document holds more than {MAX_SCALAR_BYTES} bytes of text values, the \
                 most a scenario may have"
            )),
            B::Depth { .. } => Some(
                "the document nests mappings and lists too deeply (more than 64 levels)"
                    .to_string(),
            ),
            B::Aliases { .. } | B::Anchors { .. } | B::AliasAnchorRatio { .. } => Some(
                "the document uses too many YAML anchors or aliases (`&name`, `*name`)".to_string(),
            ),
            _ => Some(
                "the document is too large or too complex for a scenario (too many documents, \
                 merge keys or anchor copies)"
                    .to_string(),
            ),
        };
        if let Some(limit) = limit {
            return limit;
        }
    }
    serde_saphyr::UserMessageFormatter
        .format_message(e.without_snippet())
        .to_string()
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
        let message = parse_message(&e);
        let location = e.location().filter(|l| l.line() > 0).map(|l| Location {
            line: l.line(),
            column: l.column(),
        });
        let diagnostic = Diagnostic::new(origin, failed_at.unwrap_or_default(), message);
        ScenarioError::single(diagnostic.at(location))
    })
}

/// Deserializes the typed scenario from an (overridden) tree.
///
/// The tree is written back as YAML, every untouched scalar as written, and read by the same
/// deserializer as a file, so values are interpreted exactly alike (e.g. `gpu: true` or
/// `1.10` as a label value). Positions in that regenerated text would mislead, so they are
/// dropped.
fn from_tree(tree: &yaml_tree::Node, origin: &str) -> Result<ScenarioFile, ScenarioError> {
    let text = yaml_tree::emit(tree).map_err(|e| {
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
