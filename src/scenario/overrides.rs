//! `--set path=value` overrides, applied to the generic YAML tree before it is typed.
//!
//! Path syntax: dot-separated keys with bracketed selectors, e.g. `simulation.duration`,
//! `workloads[2].replicas` (index), `workloads[web].replicas` (the element whose `name` is
//! `web`), `cluster.nodePools[general].labels[node.kubernetes.io/instance-type]` (a mapping
//! key with dots). Missing mapping keys are created, so a field absent from the file can be
//! set; a misspelt field is then reported by the typed parse as an unknown field.
//!
//! The value is read as YAML, so `5` is a number, `true` a boolean, `2h` a string, and
//! `[a, b]` a list.
//!
//! An override changes the one node it names and nothing else: the scenario is edited as a
//! tree that keeps every scalar as written ([`apply_tree`]), so `version: 1.10` stays the
//! text `1.10` and large integers stay integers.

use std::fmt;
use std::str::FromStr;

use super::yaml_tree;

/// One `--set path=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Where, e.g. `workloads[web].replicas`.
    pub path: String,
    /// The new value, as YAML text.
    pub value: String,
}

impl FromStr for Override {
    type Err = String;

    /// Parses `path=value` (split at the first `=`).
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once('=') {
            Some((path, value)) if !path.trim().is_empty() => Ok(Override {
                path: path.trim().to_string(),
                value: value.to_string(),
            }),
            _ => Err(format!("expected path=value, got {s:?}")),
        }
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// `.key`, or `[key]` on a mapping.
    Key(String),
    /// `[selector]`: an index or a `name` on a sequence, a key on a mapping.
    Select(String),
}

/// Splits a path into steps.
pub(crate) fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut rest = path;
    let mut expect_key = true;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or("unclosed `[`")?;
            steps.push(Step::Select(after[..end].to_string()));
            rest = &after[end + 1..];
            expect_key = false;
        } else if let Some(after) = rest.strip_prefix('.') {
            if expect_key {
                return Err("empty field name".into());
            }
            rest = after;
            expect_key = true;
        } else {
            if !expect_key {
                return Err("expected `.` or `[` after `]`".into());
            }
            let end = rest.find(['.', '[', ']']).unwrap_or(rest.len());
            if end == 0 {
                return Err("empty field name".into());
            }
            steps.push(Step::Key(rest[..end].to_string()));
            rest = &rest[end..];
            expect_key = false;
        }
    }
    if steps.is_empty() || expect_key {
        return Err("empty field name".into());
    }
    Ok(steps)
}

/// Applies `o` to the scenario tree `root`; the error message says what went wrong (the
/// caller adds the path).
pub(crate) fn apply_tree(root: &mut yaml_tree::Node, o: &Override) -> Result<(), String> {
    let steps = parse_path(&o.path).map_err(|e| format!("invalid --set path: {e}"))?;
    let (last, parents) = steps
        .split_last()
        .expect("parse_path returns at least one step");
    let mut node = root;
    for (i, step) in parents.iter().enumerate() {
        node = yaml_tree::child(node, step, || describe(&steps[..i]))?;
    }
    let slot = yaml_tree::child(node, last, || describe(parents))?;
    *slot = yaml_tree::parse_value(&o.value);
    Ok(())
}

/// The override `<key>=<list>` that sets the top-level list `key` of the scenario `text`
/// (after `overrides`) to its entries plus `add` (each one YAML value, e.g. JSON text): how
/// `plan --n-plus` adds its faults to the scenario's `faults:`. The existing entries are read
/// and written back through the same tree as `--set` (`apply_tree`), so they keep every
/// scalar as written. Errors say what went wrong (an override, or `key` not a list).
pub fn extend_list(
    text: &str,
    overrides: &[Override],
    key: &str,
    add: &[String],
) -> Result<Override, String> {
    let mut root = yaml_tree::parse(text).map_err(|e| format!("cannot read the scenario: {e}"))?;
    for o in overrides {
        apply_tree(&mut root, o).map_err(|m| format!("--set {o}: {m}"))?;
    }
    let step = Step::Key(key.to_string());
    let list = yaml_tree::child(&mut root, &step, || describe(&[]))?;
    let mut items = match std::mem::replace(list, yaml_tree::Node::null()) {
        yaml_tree::Node::Seq(items) => items,
        node if node.is_null() => Vec::new(),
        _ => return Err(format!("{key}: must be a list")),
    };
    items.extend(add.iter().map(|text| yaml_tree::parse_value(text)));
    Ok(Override {
        path: key.to_string(),
        value: yaml_tree::emit(&yaml_tree::Node::Seq(items))?,
    })
}

fn describe(steps: &[Step]) -> String {
    if steps.is_empty() {
        return "the document".to_string();
    }
    let mut out = String::new();
    for step in steps {
        out = match step {
            Step::Key(k) => crate::scenario::path::key(&out, k),
            Step::Select(s) => format!("{out}[{s}]"),
        };
    }
    format!("`{out}`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use yaml_tree::Node;

    fn set(root: &mut Node, text: &str) -> Result<(), String> {
        apply_tree(root, &text.parse()?)
    }

    fn tree(text: &str) -> Node {
        yaml_tree::parse(text).expect("valid YAML")
    }

    #[test]
    fn parses_paths() {
        assert_eq!(
            parse_path("workloads[web].template.labels[app.kubernetes.io/name]").unwrap(),
            vec![
                Step::Key("workloads".into()),
                Step::Select("web".into()),
                Step::Key("template".into()),
                Step::Key("labels".into()),
                Step::Select("app.kubernetes.io/name".into()),
            ]
        );
        for bad in ["", ".a", "a.", "a..b", "a[0", "a[0]b", "[0]]"] {
            assert!(parse_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sets_values_by_key_index_and_name() {
        let mut root = tree(
            "simulation: {duration: 1h}\nworkloads: [{name: web, replicas: 3}, {name: db, replicas: 1}]\n",
        );
        set(&mut root, "simulation.duration=2h").unwrap();
        set(&mut root, "workloads[1].replicas=5").unwrap();
        set(&mut root, "workloads[web].replicas=7").unwrap();
        set(&mut root, "scheduler.percentageOfNodesToScore=50").unwrap();
        set(&mut root, "cluster.zones=[a, b]").unwrap();
        set(
            &mut root,
            "workloads[web].template.labels[app.kubernetes.io/name]=web",
        )
        .unwrap();
        let want = tree(
            "simulation: {duration: 2h}
workloads:
  - {name: web, replicas: 7, template: {labels: {app.kubernetes.io/name: web}}}
  - {name: db, replicas: 5}
scheduler: {percentageOfNodesToScore: 50}
cluster: {zones: [a, b]}
",
        );
        // Keys an override creates are quoted scalars; compare as written back.
        assert_eq!(
            yaml_tree::emit(&root).unwrap().replace('"', ""),
            yaml_tree::emit(&want).unwrap().replace('"', "")
        );
    }

    #[test]
    fn extends_a_top_level_list() {
        let text = "name: x\nfaults:\n  - {name: a, kind: cordon, fraction: 0.50}\n";
        let o = extend_list(
            text,
            &["faults[a].at=1m".parse().unwrap()],
            "faults",
            &[r#"{"name":"b","kind":"drain"}"#.to_string()],
        )
        .unwrap();
        assert_eq!(o.path, "faults");
        let got = yaml_tree::parse_value(&o.value);
        let want =
            tree("- {name: a, kind: cordon, fraction: 0.50, at: 1m}\n- {name: b, kind: drain}\n");
        assert_eq!(
            yaml_tree::emit(&got).unwrap().replace('"', ""),
            yaml_tree::emit(&want).unwrap().replace('"', "")
        );
        // The scalars of existing entries stay as written.
        assert!(o.value.contains("0.50"), "{}", o.value);
        let none = extend_list("name: x\n", &[], "faults", &["{name: c}".into()]).unwrap();
        assert!(yaml_tree::emit(&yaml_tree::parse_value(&none.value))
            .unwrap()
            .contains("name: c"));
        let err = extend_list("faults: 3\n", &[], "faults", &[]).unwrap_err();
        assert!(err.contains("faults: must be a list"), "{err}");
    }

    #[test]
    fn reports_unknown_elements() {
        let mut root = tree("workloads: [{name: web}]\nname: x\n");
        let err = set(&mut root, "workloads[api].replicas=1").unwrap_err();
        assert!(
            err.contains("`workloads` has no element named \"api\""),
            "{err}"
        );
        let err = set(&mut root, "workloads[3].replicas=1").unwrap_err();
        assert!(err.contains("no index 3"), "{err}");
        let err = set(&mut root, "name.first=1").unwrap_err();
        assert!(err.contains("`name` is a single value"), "{err}");
        let err = set(&mut root, "workloads.replicas=1").unwrap_err();
        assert!(err.contains("is a list"), "{err}");
        assert!("novalue".parse::<Override>().is_err());
    }
}
