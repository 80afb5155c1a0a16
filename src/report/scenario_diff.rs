//! What a variant changed: the fields of the effective scenarios (`scenario.yaml`, written by
//! every run since it was added) that differ between a baseline run and a variant run.
//!
//! Both files are read as generic YAML trees and flattened to field paths in the syntax of
//! `--set` (`workloads[web].replicas`: a list element is named by its `name` when every element
//! of the list has one, else by its index), so formatting, comments and key order do not count,
//! only values.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::scenario::EFFECTIVE_FILE;

/// Rows shown at most (the JSON holds them all).
pub const MAX_ROWS: usize = 200;

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// Field path, e.g. `cluster.nodePools[general].count`.
    pub path: String,
    /// The baseline's value (None: absent in the baseline).
    pub baseline: Option<String>,
    /// The variant's value (None: absent in the variant).
    pub variant: Option<String>,
}

/// The differences of two runs' effective scenarios.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "status", content = "changes")]
pub enum ScenarioDiff {
    /// Both files were read; the changed fields (empty: identical scenarios).
    Compared(Vec<FieldChange>),
    /// A side has no readable `scenario.yaml` (written by an older clustersim); the reason.
    Unavailable(String),
}

/// Compares the effective scenarios of the results directories `base` and `var`.
pub fn diff_dirs(base: &Path, var: &Path) -> ScenarioDiff {
    let read = |dir: &Path, side: &str| -> Result<BTreeMap<String, String>, String> {
        let p = dir.join(EFFECTIVE_FILE);
        let text = std::fs::read_to_string(&p)
            .map_err(|e| format!("the {side} has no readable {EFFECTIVE_FILE} ({e})"))?;
        let tree: Value =
            serde_saphyr::from_str_with_options(&text, crate::scenario::load::yaml_options())
                .map_err(|e| format!("the {side}'s {EFFECTIVE_FILE} is not valid YAML: {e}"))?;
        let mut out = BTreeMap::new();
        flatten(&tree, String::new(), &mut out);
        Ok(out)
    };
    match (read(base, "baseline"), read(var, "variant")) {
        (Ok(b), Ok(v)) => ScenarioDiff::Compared(diff(&b, &v)),
        (Err(e), _) | (_, Err(e)) => ScenarioDiff::Unavailable(e),
    }
}

/// The fields whose values differ, in path order.
fn diff(b: &BTreeMap<String, String>, v: &BTreeMap<String, String>) -> Vec<FieldChange> {
    let mut paths: Vec<&String> = b.keys().chain(v.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| b.get(*p) != v.get(*p))
        .map(|p| FieldChange {
            path: p.clone(),
            baseline: b.get(p).cloned(),
            variant: v.get(p).cloned(),
        })
        .collect()
}

fn child_key(path: &str, key: &str) -> String {
    if key.contains(['.', '[', ']']) || path.is_empty() && key.is_empty() {
        format!("{path}[{key}]")
    } else if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Every leaf of `v` as (path, value); empty mappings and lists are leaves.
fn flatten(v: &Value, path: String, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                flatten(x, child_key(&path, k), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            let names: Option<Vec<&str>> = a
                .iter()
                .map(|x| x.get("name").and_then(Value::as_str))
                .collect();
            let unique = names.as_ref().is_some_and(|n| {
                let mut s = n.clone();
                s.sort_unstable();
                s.dedup();
                s.len() == n.len()
            });
            for (i, x) in a.iter().enumerate() {
                let sel = match &names {
                    Some(n) if unique => n[i].to_owned(),
                    _ => i.to_string(),
                };
                flatten(x, format!("{path}[{sel}]"), out);
            }
        }
        Value::String(s) => {
            out.insert(path, s.clone());
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(yaml: &str) -> BTreeMap<String, String> {
        let v: Value =
            serde_saphyr::from_str_with_options(yaml, crate::scenario::load::yaml_options())
                .unwrap();
        let mut out = BTreeMap::new();
        flatten(&v, String::new(), &mut out);
        out
    }

    #[test]
    fn changed_added_and_removed_fields_by_path() {
        let b = flat(
            "# comment\nname: s\ncluster:\n  nodePools:\n    - {name: general, count: 10}\n    - {name: gpu, count: 2}\nworkloads:\n  - {name: web, replicas: 3, labels: {app.kubernetes.io/name: web}}\n",
        );
        let v = flat(
            "name: s\ncluster:\n  nodePools:\n  - count: 12\n    name: general\n  - {name: gpu, count: 2}\nworkloads:\n  - {name: web, replicas: 3, priority: 5, labels: {app.kubernetes.io/name: api}}\n",
        );
        let d = diff(&b, &v);
        let rows: Vec<(&str, Option<&str>, Option<&str>)> = d
            .iter()
            .map(|c| (c.path.as_str(), c.baseline.as_deref(), c.variant.as_deref()))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("cluster.nodePools[general].count", Some("10"), Some("12")),
                (
                    "workloads[web].labels[app.kubernetes.io/name]",
                    Some("web"),
                    Some("api")
                ),
                ("workloads[web].priority", None, Some("5")),
            ]
        );
    }

    #[test]
    fn lists_without_names_are_indexed() {
        let m = flat("zones: [a, b]\n");
        assert_eq!(m.get("zones[1]").map(String::as_str), Some("b"));
    }
}
