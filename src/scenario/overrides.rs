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

use serde_json::{Map, Value};

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

/// Reads an override value as YAML; text that is not a single YAML value stays a string.
fn parse_value(text: &str) -> Value {
    if text.trim().is_empty() {
        return Value::String(text.to_string());
    }
    serde_saphyr::from_str_with_options::<Value>(text, crate::scenario::load::yaml_options())
        .unwrap_or_else(|_| Value::String(text.to_string()))
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

/// Applies `o` to a generic JSON tree `root` (used where a section is read as data, e.g. the
/// faults of `plan --n-plus`); the error message says what went wrong.
pub(crate) fn apply(root: &mut Value, o: &Override) -> Result<(), String> {
    let steps = parse_path(&o.path).map_err(|e| format!("invalid --set path: {e}"))?;
    let (last, parents) = steps
        .split_last()
        .expect("parse_path returns at least one step");
    let mut node = root;
    for (i, step) in parents.iter().enumerate() {
        node = child(node, step, &steps[..i])?;
    }
    let slot = child(node, last, parents)?;
    *slot = parse_value(&o.value);
    Ok(())
}

/// Steps into `node` along `step`, creating a missing mapping entry (as null).
fn child<'v>(node: &'v mut Value, step: &Step, before: &[Step]) -> Result<&'v mut Value, String> {
    let at = || describe(before);
    if node.is_null() {
        *node = Value::Object(Map::new());
    }
    match (node, step) {
        (Value::Object(map), Step::Key(key) | Step::Select(key)) => {
            Ok(map.entry(key.clone()).or_insert(Value::Null))
        }
        (Value::Array(items), Step::Select(selector)) => {
            let len = items.len();
            let position = match selector.parse::<usize>() {
                Ok(i) if i < len => i,
                Ok(i) => return Err(format!("{} has {len} elements, no index {i}", at())),
                Err(_) => items
                    .iter()
                    .position(|item| item.get("name").and_then(Value::as_str) == Some(selector))
                    .ok_or_else(|| format!("{} has no element named {selector:?}", at()))?,
            };
            Ok(&mut items[position])
        }
        (Value::Array(_), Step::Key(key)) => Err(format!(
            "{} is a list; select an element with [index] or [name] before `.{key}`",
            at()
        )),
        (_, _) => Err(format!("{} is a single value, not a mapping or list", at())),
    }
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
    use serde_json::json;

    fn set(root: &mut Value, text: &str) -> Result<(), String> {
        apply(root, &text.parse()?)
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
        let mut root = json!({
            "simulation": {"duration": "1h"},
            "workloads": [{"name": "web", "replicas": 3}, {"name": "db", "replicas": 1}],
        });
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
        assert_eq!(root["simulation"]["duration"], json!("2h"));
        assert_eq!(root["workloads"][1]["replicas"], json!(5));
        assert_eq!(root["workloads"][0]["replicas"], json!(7));
        assert_eq!(root["scheduler"]["percentageOfNodesToScore"], json!(50));
        assert_eq!(root["cluster"]["zones"], json!(["a", "b"]));
        assert_eq!(
            root["workloads"][0]["template"]["labels"]["app.kubernetes.io/name"],
            json!("web")
        );
    }

    #[test]
    fn reports_unknown_elements() {
        let mut root = json!({"workloads": [{"name": "web"}], "name": "x"});
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
