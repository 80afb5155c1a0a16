//! The effective scenario of a run: the scenario file after its `--set` overrides, written into
//! the results directory as [`EFFECTIVE_FILE`] so that results can be traced to their inputs.
//!
//! Format: a comment header naming the source file and listing the overrides in the order they
//! were applied (`#   path=value`, or `#   (none)`), then the YAML the run parsed: the file's
//! text verbatim when there are no overrides, else the overridden tree as it was handed to the
//! typed parse (scalars kept as written). Both are pure functions of the inputs (byte-deterministic).

use std::fmt::Write as _;

use super::error::{Diagnostic, ScenarioError};
use super::overrides::Override;

/// File name of the effective scenario in a results directory.
pub const EFFECTIVE_FILE: &str = "scenario.yaml";

/// First line of every effective scenario file.
pub const EFFECTIVE_HEADER: &str = "# clustersim effective scenario";

/// The effective scenario of `text` (read from `origin`) with `overrides` applied.
pub fn effective_yaml(
    text: &str,
    origin: &str,
    overrides: &[Override],
) -> Result<String, ScenarioError> {
    let mut out = String::new();
    let _ = writeln!(out, "{EFFECTIVE_HEADER} (source: {origin})");
    let _ = writeln!(out, "# overrides (--set, in order):");
    if overrides.is_empty() && !super::sources::may_have_sources(text) {
        let _ = writeln!(out, "#   (none)");
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
        return Ok(out);
    }
    if overrides.is_empty() {
        let _ = writeln!(out, "#   (none)");
    }
    if super::sources::may_have_sources(text) {
        let _ = writeln!(
            out,
            "# workloads: the manifests of `fromManifests`, imported"
        );
    }
    for o in overrides {
        // A value is one line on the command line; keep the header one line per override.
        let _ = writeln!(out, "#   {}", o.to_string().replace('\n', " "));
    }
    // The same scalar-keeping tree the run's own parse reads.
    let tree = super::load::overridden_tree(text, origin, overrides)?;
    let body = super::yaml_tree::emit(&tree).map_err(|message| {
        ScenarioError::single(Diagnostic::new(
            origin,
            "",
            format!("cannot write the effective scenario: {message}"),
        ))
    })?;
    out.push_str(&body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    const TEXT: &str = "name: e\nsimulation: {duration: 1h}\ncluster:\n  zones: [a]\n  nodePools:\n    - {name: p, count: 2, capacity: {cpu: \"4\", memory: 16Gi}}\n";

    #[test]
    fn without_overrides_the_text_is_kept_verbatim() {
        let e = effective_yaml(TEXT, "s.yaml", &[]).unwrap();
        assert!(e.starts_with("# clustersim effective scenario (source: s.yaml)\n"));
        assert!(e.contains("#   (none)\n"));
        assert!(e.ends_with(TEXT));
    }

    #[test]
    fn overrides_are_listed_and_applied_and_the_file_parses_back() {
        let o: Override = "cluster.nodePools[p].count=7".parse().unwrap();
        let e = effective_yaml(TEXT, "s.yaml", &[o]).unwrap();
        assert!(e.contains("#   cluster.nodePools[p].count=7\n"), "{e}");
        let s = parse_scenario(&e, "scenario.yaml").unwrap();
        assert_eq!(s.cluster.node_pools[0].count, 7);
        assert_eq!(e, effective_yaml(TEXT, "s.yaml", &[o_again()]).unwrap());
    }

    #[test]
    fn untouched_scalars_keep_their_text_under_overrides() {
        let text = TEXT.replace("capacity:", "labels: {version: 1.10}, capacity:");
        let o: Override = "simulation.seed=3".parse().unwrap();
        let e = effective_yaml(&text, "s.yaml", &[o]).unwrap();
        let s = parse_scenario(&e, "scenario.yaml").unwrap_or_else(|err| panic!("{err}\n{e}"));
        assert_eq!(s.cluster.node_pools[0].labels["version"], "1.10", "{e}");
    }

    fn o_again() -> Override {
        "cluster.nodePools[p].count=7".parse().unwrap()
    }
}
