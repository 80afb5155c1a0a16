//! Workloads read from other files: `workloads:` as a mapping instead of a list.
//!
//! ```yaml
//! workloads:
//!   fromManifests: [manifests/shop/]      # files, directories or globs, relative to this file
//!   usage: {"shop/frontend": {...}}       # per manifest object (namespace/name): its `usage`
//!   overlays: {"shop/reports": {duration: 20m}}  # any other workload fields, per object
//!   jobDuration: 10m                      # run time of Jobs/CronJobs without an overlay
//!   items: [...]                          # inline workloads, as in the list form
//! ```
//!
//! The mapping is expanded in the scalar-keeping tree before `--set` overrides apply (so
//! `--set workloads[frontend].replicas=20` reaches a manifest's Deployment): the manifests are
//! imported ([`super::manifests`]), their workloads follow `items` in the list, their priority
//! classes and PDBs are appended to `priorityClasses` and `pdbs`, and the importer's warnings
//! are kept in [`ScenarioFile::import_notes`](super::types::ScenarioFile::import_notes).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::duration::DurationMs;
use super::error::{Diagnostic, ScenarioError};
use super::manifests::{self, ImportOptions, ManifestFile};
use super::trace::{self, TraceSpec};
use super::yaml_tree::Node;

/// Keys of the mapping form of `workloads`.
const KEYS: [&str; 6] = [
    "fromManifests",
    "fromTrace",
    "usage",
    "overlays",
    "jobDuration",
    "items",
];

/// Whether `text` may use the mapping form (a cheap test; the tree decides).
pub(crate) fn may_have_sources(text: &str) -> bool {
    text.contains("fromManifests") || text.contains("fromTrace")
}

/// What expanding the mapping form found: the importer's warnings and the `fromTrace` pod
/// list, read after the typed parse (its pods never enter the tree).
#[derive(Debug, Default)]
pub(crate) struct Expanded {
    /// Warnings of the manifest import.
    pub notes: Vec<String>,
    /// The `fromTrace` reference, resolved.
    pub trace: Option<TraceSpec>,
}

/// Expands a mapping `workloads` in `tree` (read from `origin`, whose directory relative paths
/// start from). Returns the importer's warnings; a list `workloads` is left as it is.
pub(crate) fn expand(tree: &mut Node, origin: &str) -> Result<Expanded, ScenarioError> {
    let base = Path::new(origin).parent().unwrap_or(Path::new(""));
    expand_from(tree, origin, base)
}

/// [`expand`] with relative manifest paths starting from `base`.
fn expand_from(tree: &mut Node, origin: &str, base: &Path) -> Result<Expanded, ScenarioError> {
    let err =
        |path: &str, message: String| ScenarioError::single(Diagnostic::new(origin, path, message));
    let Node::Map(root) = tree else {
        return Ok(Expanded::default());
    };
    let Some(pos) = root
        .iter()
        .position(|(k, _)| k.as_scalar() == Some("workloads"))
    else {
        return Ok(Expanded::default());
    };
    let Node::Map(spec) = &root[pos].1 else {
        return Ok(Expanded::default());
    };
    let get = |key: &str| {
        spec.iter()
            .find(|(k, _)| k.as_scalar() == Some(key))
            .map(|(_, v)| v)
    };
    for (k, _) in spec {
        let key = k.as_scalar().unwrap_or_default();
        if !KEYS.contains(&key) {
            return Err(err(
                &format!("workloads.{key}"),
                format!(
                    "unknown field; `workloads` is a list of workloads or a mapping of {}",
                    KEYS.join(", ")
                ),
            ));
        }
    }
    let trace = get("fromTrace")
        .map(|n| trace::parse_spec(n, base))
        .transpose()
        .map_err(|(path, message)| err(&path, message))?;
    let mut items = match get("items") {
        None => Vec::new(),
        Some(Node::Seq(items)) => items.clone(),
        Some(n) if is_null(n) => Vec::new(),
        Some(_) => return Err(err("workloads.items", "must be a list of workloads".into())),
    };
    let patterns: Vec<String> = match get("fromManifests") {
        None => Vec::new(),
        Some(Node::Scalar { value, .. }) => vec![value.clone()],
        Some(Node::Seq(list)) => list
            .iter()
            .enumerate()
            .map(|(i, n)| {
                n.as_scalar().map(str::to_string).ok_or_else(|| {
                    err(
                        &format!("workloads.fromManifests[{i}]"),
                        "must be a path or glob".into(),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(err(
                "workloads.fromManifests",
                "must be a list of paths or globs".into(),
            ))
        }
    };
    let overlays = overlay_map(get("overlays"), "workloads.overlays", &err)?;
    let usage = overlay_map(get("usage"), "workloads.usage", &err)?;
    let job_duration = get("jobDuration").map(node_to_json);
    let mut files = Vec::new();
    for (i, pattern) in patterns.iter().enumerate() {
        let at = format!("workloads.fromManifests[{i}]");
        let found = resolve(base, pattern).map_err(|m| err(&at, m))?;
        if found.is_empty() {
            return Err(err(&at, format!("{pattern:?} matches no file")));
        }
        for path in found {
            let shown = path.display().to_string();
            if files.iter().any(|f: &ManifestFile| f.origin == shown) {
                continue;
            }
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if size > super::load::MAX_FILE_BYTES {
                return Err(err(&at, format!("{shown}: more than 512 MiB")));
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|e| err(&at, format!("cannot read {shown}: {e}")))?;
            files.push(ManifestFile {
                origin: shown,
                text,
            });
        }
    }
    // The importer needs to know which objects have a run time; the exact value is set below.
    let mut opts = ImportOptions {
        duration_ms: simulation_duration(root),
        job_duration,
        overlays: Default::default(),
    };
    for (key, fields) in &overlays {
        if let Node::Map(entries) = fields {
            if let Some((_, d)) = entries
                .iter()
                .find(|(k, _)| k.as_scalar() == Some("duration"))
            {
                opts.overlays.insert(
                    key.clone(),
                    serde_json::json!({ "duration": node_to_json(d) }),
                );
            }
        }
    }
    let imported = manifests::import(&files, &opts).map_err(|e| {
        let path = if e.field.is_empty() {
            e.object.clone()
        } else {
            format!("{}: {}", e.object, e.field)
        };
        ScenarioError::single(Diagnostic::new(e.origin.clone(), path, &e.message))
    })?;
    let mut workloads: Vec<Node> = imported.workloads.iter().map(json_to_node).collect();
    for (field, map) in [("overlays", &overlays), ("usage", &usage)] {
        for (key, value) in map {
            let target = workloads
                .iter_mut()
                .zip(&imported.workloads)
                .find(|(_, w)| object_key(w) == *key)
                .map(|(n, _)| n)
                .ok_or_else(|| {
                    err(
                        &format!("workloads.{field}[{key:?}]"),
                        "no workload of the manifests is this namespace/name".into(),
                    )
                })?;
            if field == "usage" {
                set(target, "usage", value.clone());
            } else if let Node::Map(entries) = value {
                for (k, v) in entries {
                    set(target, k.as_scalar().unwrap_or_default(), v.clone());
                }
            } else {
                return Err(err(
                    &format!("workloads.overlays[{key:?}]"),
                    "must be a mapping of workload fields".into(),
                ));
            }
        }
    }
    items.extend(workloads);
    root[pos].1 = Node::Seq(items);
    for (field, extra) in [
        ("priorityClasses", &imported.priority_classes),
        ("pdbs", &imported.pdbs),
        ("horizontalPodAutoscalers", &imported.hpas),
    ] {
        if extra.is_empty() {
            continue;
        }
        let nodes = extra.iter().map(json_to_node);
        match root.iter_mut().find(|(k, _)| k.as_scalar() == Some(field)) {
            Some((_, Node::Seq(list))) => list.extend(nodes),
            Some((_, other)) if is_null(other) => *other = Node::Seq(nodes.collect()),
            Some(_) => return Err(err(field, "must be a list".into())),
            None => root.push((Node::string(field), Node::Seq(nodes.collect()))),
        }
    }
    if trace.is_some() {
        trace::add_priority_classes(root).map_err(|m| err("priorityClasses", m))?;
    }
    Ok(Expanded {
        notes: imported
            .warnings
            .into_iter()
            .map(|w| format!("workloads.fromManifests: {w}"))
            .collect(),
        trace,
    })
}

/// Puts a `fromTrace` reference back into an expanded tree (for the effective scenario):
/// `workloads` becomes `{fromTrace: ..., items: [...]}`.
pub(crate) fn reattach_trace(tree: &mut Node, spec: &TraceSpec) {
    let Node::Map(root) = tree else {
        return;
    };
    let items = match root
        .iter()
        .position(|(k, _)| k.as_scalar() == Some("workloads"))
    {
        Some(i) => root.remove(i).1,
        None => Node::Seq(Vec::new()),
    };
    root.push((
        plain("workloads"),
        Node::Map(vec![
            (plain("fromTrace"), trace::spec_node(spec)),
            (plain("items"), items),
        ]),
    ));
}

/// What `clustersim import manifests` writes: the scenario `fleet` (text, origin) or, without
/// one, a placeholder fleet, whose workloads are the manifests `files` (paths relative to the
/// working directory) imported and written out inline. The fleet's `workloads` mapping keeps
/// its `usage`, `overlays` and `jobDuration` (its own `fromManifests` is replaced by `files`);
/// a list of workloads is kept before the imported ones. `job_duration` overrides the fleet's.
/// Returns the YAML text and the importer's warnings.
pub fn scenario_from_manifests(
    files: &[String],
    fleet: Option<(&str, &str)>,
    job_duration: Option<&str>,
) -> Result<(String, Vec<String>), ScenarioError> {
    let (text, origin) = fleet.unwrap_or((PLACEHOLDER_FLEET, "(placeholder fleet)"));
    let mut tree = super::yaml_tree::parse(text)
        .map_err(|problem| ScenarioError::single(Diagnostic::new(origin, "", problem)))?;
    let Node::Map(root) = &mut tree else {
        return Err(ScenarioError::single(Diagnostic::new(
            origin,
            "",
            "a scenario must be a mapping",
        )));
    };
    let list = Node::Seq(files.iter().map(|f| Node::string(f)).collect());
    let mut spec = match root
        .iter()
        .position(|(k, _)| k.as_scalar() == Some("workloads"))
    {
        Some(i) => match root.remove(i).1 {
            Node::Map(entries) => entries,
            Node::Seq(items) => vec![(Node::string("items"), Node::Seq(items))],
            _ => Vec::new(),
        },
        None => Vec::new(),
    };
    spec.retain(|(k, _)| k.as_scalar() != Some("fromManifests"));
    spec.insert(0, (plain("fromManifests"), list));
    if let Some(d) = job_duration {
        spec.retain(|(k, _)| k.as_scalar() != Some("jobDuration"));
        spec.push((plain("jobDuration"), Node::string(d)));
    }
    root.push((plain("workloads"), Node::Map(spec)));
    let notes = expand_from(&mut tree, origin, Path::new(""))?.notes;
    let body = super::yaml_tree::emit(&tree)
        .map_err(|m| ScenarioError::single(Diagnostic::new(origin, "", m)))?;
    Ok((body, notes))
}

/// The fleet of an import without `--fleet`: edit it to the cluster the workloads run on.
const PLACEHOLDER_FLEET: &str = "name: imported\ndescription: Workloads imported from manifests; the fleet is a placeholder to edit.\nsimulation: {duration: 24h}\ncluster:\n  zones: [a, b, c]\n  nodePools:\n    - {name: general, count: 12, capacity: {cpu: \"8\", memory: 32Gi, pods: 110}}\n";

/// A JSON scenario (as the importers build it) as YAML text: strings quoted, numbers and
/// booleans plain, keys plain where they read as the same string.
pub fn json_to_yaml(v: &Value) -> Result<String, String> {
    super::yaml_tree::emit(&json_to_node(v))
}

/// `namespace/name` of an imported workload (its manifest object).
fn object_key(w: &Value) -> String {
    let ns = w["namespace"].as_str().unwrap_or_default();
    let name = w["name"].as_str().unwrap_or_default();
    // Names shared across namespaces were made `<name>.<namespace>`.
    let name = name.strip_suffix(&format!(".{ns}")).unwrap_or(name);
    format!("{ns}/{name}")
}

/// A mapping of `namespace/name` → fields.
fn overlay_map(
    node: Option<&Node>,
    at: &str,
    err: &impl Fn(&str, String) -> ScenarioError,
) -> Result<Vec<(String, Node)>, ScenarioError> {
    match node {
        None => Ok(Vec::new()),
        Some(n) if is_null(n) => Ok(Vec::new()),
        Some(Node::Map(entries)) => entries
            .iter()
            .map(|(k, v)| {
                let key = k.as_scalar().unwrap_or_default().to_string();
                if !key.contains('/') {
                    return Err(err(
                        &format!("{at}[{key:?}]"),
                        "name a manifest object as namespace/name".into(),
                    ));
                }
                Ok((key, v.clone()))
            })
            .collect(),
        Some(_) => Err(err(
            at,
            "must be a mapping of namespace/name → fields".into(),
        )),
    }
}

fn set(target: &mut Node, key: &str, value: Node) {
    if let Node::Map(entries) = target {
        match entries.iter_mut().find(|(k, _)| k.as_scalar() == Some(key)) {
            Some((_, v)) => *v = value,
            None => entries.push((Node::string(key), value)),
        }
    }
}

fn is_null(n: &Node) -> bool {
    matches!(n, Node::Scalar { value, plain: true, tag: None }
        if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
}

/// `simulation.duration` in ms (0 when absent or invalid: the typed parse reports that).
fn simulation_duration(root: &[(Node, Node)]) -> u64 {
    root.iter()
        .find(|(k, _)| k.as_scalar() == Some("simulation"))
        .and_then(|(_, s)| match s {
            Node::Map(e) => e.iter().find(|(k, _)| k.as_scalar() == Some("duration")),
            _ => None,
        })
        .and_then(|(_, d)| d.as_scalar()?.parse::<DurationMs>().ok())
        .map_or(0, DurationMs::as_millis)
}

/// The files a `fromManifests` entry names: a file; a directory (its `.yaml`, `.yml` and
/// `.json` files, not recursive); or a glob whose last component holds `*` or `?`. Sorted by
/// name.
pub(crate) fn resolve(base: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let path = base.join(pattern);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let (dir, glob) = if name.contains(['*', '?']) {
        (
            path.parent().unwrap_or(Path::new("")).to_path_buf(),
            Some(name),
        )
    } else if path.is_dir() {
        (path.clone(), None)
    } else {
        return Ok(if path.is_file() {
            vec![path]
        } else {
            Vec::new()
        });
    };
    let mut out = Vec::new();
    let entries = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &dir
    })
    .map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?;
        let file = entry.file_name().to_string_lossy().to_string();
        let keep = match &glob {
            Some(g) => glob_match(g.as_bytes(), file.as_bytes()),
            None => [".yaml", ".yml", ".json"].iter().any(|x| file.ends_with(x)),
        };
        if keep && entry.path().is_file() {
            out.push(dir.join(file));
        }
    }
    out.sort();
    Ok(out)
}

/// `*` (any run of characters) and `?` (one character) matching.
pub(crate) fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| glob_match(rest, &text[i..])),
        Some((b'?', rest)) => !text.is_empty() && glob_match(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && glob_match(rest, &text[1..]),
    }
}

/// A JSON value as a tree node: strings quoted, numbers and booleans plain.
pub(crate) fn json_to_node(v: &Value) -> Node {
    match v {
        Value::Null => Node::null(),
        Value::Bool(b) => plain(&b.to_string()),
        Value::Number(n) => plain(&n.to_string()),
        Value::String(s) => Node::string(s),
        Value::Array(items) => Node::Seq(items.iter().map(json_to_node).collect()),
        Value::Object(map) => Node::Map(
            map.iter()
                .map(|(k, v)| (key_node(k), json_to_node(v)))
                .collect(),
        ),
    }
}

/// A mapping key: plain when it reads as the same string (`app.kubernetes.io/name`),
/// else quoted.
fn key_node(k: &str) -> Node {
    let safe = k.starts_with(|c: char| c.is_ascii_alphabetic())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !matches!(
            k,
            "true" | "false" | "null" | "Null" | "NULL" | "True" | "False" | "TRUE" | "FALSE"
        );
    if safe {
        plain(k)
    } else {
        Node::string(k)
    }
}

fn plain(text: &str) -> Node {
    Node::Scalar {
        value: text.to_string(),
        plain: true,
        tag: None,
    }
}

/// A tree node as JSON: plain scalars typed as YAML 1.2 core reads them, others strings.
pub(crate) fn node_to_json(n: &Node) -> Value {
    match n {
        Node::Scalar { value, plain, .. } => {
            if !plain {
                return Value::String(value.clone());
            }
            if is_null(n) {
                return Value::Null;
            }
            if let Ok(b) = value.parse::<bool>() {
                return Value::Bool(b);
            }
            if let Ok(i) = value.parse::<i64>() {
                return Value::from(i);
            }
            match value.parse::<f64>() {
                Ok(f) if f.is_finite() => Value::from(f),
                _ => Value::String(value.clone()),
            }
        }
        Node::Seq(items) => Value::Array(items.iter().map(node_to_json).collect()),
        Node::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_scalar().unwrap_or_default().to_string(),
                        node_to_json(v),
                    )
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_star_and_question_mark() {
        assert!(glob_match(b"*.yaml", b"a.yaml"));
        assert!(glob_match(b"r?.yaml", b"r1.yaml"));
        assert!(!glob_match(b"*.yaml", b"a.yml"));
        assert!(glob_match(b"*", b""));
    }
}
