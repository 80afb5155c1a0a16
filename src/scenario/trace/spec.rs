//! `workloads: {fromTrace: {...}}` in the scenario tree: read into a [`TraceSpec`], and written
//! back (with an absolute path) into the effective scenario.

use std::path::{Path, PathBuf};

use super::super::duration::DurationMs;
use super::super::quantity::Quantity;
use super::super::sources::glob_match;
use super::super::yaml_tree::Node;
use super::{Machine, TraceFormat, TraceSpec, PRIORITY_CLASSES};

/// Fields of `fromTrace`.
const FIELDS: [&str; 6] = [
    "format",
    "path",
    "from",
    "to",
    "machineCpu",
    "machineMemory",
];

/// Reads a `fromTrace` mapping; relative paths start from `base`. Errors are (field path under
/// `workloads.fromTrace`, message).
pub(crate) fn parse_spec(node: &Node, base: &Path) -> Result<TraceSpec, (String, String)> {
    let at = |k: &str| format!("workloads.fromTrace.{k}");
    let Node::Map(entries) = node else {
        return Err((
            "workloads.fromTrace".into(),
            "must be a mapping {format, path, from?, to?, machineCpu?, machineMemory?}".into(),
        ));
    };
    for (k, _) in entries {
        let key = k.as_scalar().unwrap_or_default();
        if !FIELDS.contains(&key) {
            return Err((
                at(key),
                format!("unknown field; expected one of {}", FIELDS.join(", ")),
            ));
        }
    }
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| k.as_scalar() == Some(key))
            .and_then(|(_, v)| v.as_scalar())
    };
    let format = get("format").ok_or_else(|| (at("format"), "is required".into()))?;
    let format = TraceFormat::parse(format).map_err(|m| (at("format"), m))?;
    let path = entries
        .iter()
        .find(|(k, _)| k.as_scalar() == Some("path"))
        .map(|(_, v)| v)
        .ok_or_else(|| (at("path"), "is required".into()))?;
    let patterns: Vec<(String, &str)> = match path {
        Node::Seq(items) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let at = format!("{}[{i}]", at("path"));
                n.as_scalar()
                    .map(|p| (at.clone(), p))
                    .ok_or((at, "must be a path or glob".into()))
            })
            .collect::<Result<_, _>>()?,
        n => match n.as_scalar() {
            Some(p) if !p.is_empty() => vec![(at("path"), p)],
            _ => {
                return Err((
                    at("path"),
                    "must be a path, a glob or a list of them".into(),
                ))
            }
        },
    };
    let mut paths = Vec::new();
    for (at, pattern) in patterns {
        paths.extend(expand_parts(base, pattern).map_err(|m| (at, m))?);
    }
    let duration = |key: &str| -> Result<Option<u64>, (String, String)> {
        get(key)
            .map(|t| {
                t.parse::<DurationMs>()
                    .map(DurationMs::as_millis)
                    .map_err(|e| (at(key), e.to_string()))
            })
            .transpose()
    };
    let from_ms = duration("from")?.unwrap_or(0);
    let to_ms = duration("to")?;
    if to_ms.is_some_and(|t| t <= from_ms) {
        return Err((at("to"), "must be after `from`".into()));
    }
    let mut machine = Machine::default();
    if let Some(t) = get("machineCpu") {
        let q: Quantity = t.parse().map_err(|e| (at("machineCpu"), format!("{e}")))?;
        if q.milli_value() <= 0 {
            return Err((at("machineCpu"), "must be positive".into()));
        }
        machine.cpu_milli = q.milli_value() as u64;
    }
    if let Some(t) = get("machineMemory") {
        let q: Quantity = t
            .parse()
            .map_err(|e| (at("machineMemory"), format!("{e}")))?;
        if q.value() < 1 << 20 {
            return Err((at("machineMemory"), "must be at least 1Mi".into()));
        }
        machine.memory_mib = q.value() as u64 >> 20;
    }
    Ok(TraceSpec {
        format,
        paths,
        from_ms,
        to_ms,
        machine,
    })
}

/// The part files `pattern` (relative to `base`) names: itself when its last component has
/// no `*` or `?` (a missing file is reported when it is read, naming it), else the files of
/// that directory it matches, sorted by name (an error when none does).
pub fn expand_parts(base: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let path = base.join(pattern);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if !name.contains(['*', '?']) {
        return Ok(vec![path]);
    }
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let shown = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &dir
    };
    let entries = std::fs::read_dir(shown).map_err(|e| {
        format!(
            "{pattern:?}: cannot read directory {}: {e}",
            shown.display()
        )
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| {
            format!(
                "{pattern:?}: cannot read directory {}: {e}",
                shown.display()
            )
        })?;
        let file = entry.file_name().to_string_lossy().to_string();
        if glob_match(name.as_bytes(), file.as_bytes()) && entry.path().is_file() {
            out.push(dir.join(file));
        }
    }
    if out.is_empty() {
        return Err(format!("{pattern:?} matches no file"));
    }
    out.sort();
    Ok(out)
}

/// `spec` as a `fromTrace` mapping, its path absolute (for the effective scenario, which is
/// read from the results directory).
pub(crate) fn spec_node(spec: &TraceSpec) -> Node {
    let mut paths: Vec<Node> = spec
        .paths
        .iter()
        .map(|p| {
            let p = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            Node::string(&p.display().to_string())
        })
        .collect();
    let path = if paths.len() == 1 {
        paths.remove(0)
    } else {
        Node::Seq(paths)
    };
    let mut entries = vec![
        (Node::string("format"), Node::string(spec.format.name())),
        (Node::string("path"), path),
    ];
    if spec.from_ms > 0 {
        entries.push((
            Node::string("from"),
            Node::string(&format!("{}ms", spec.from_ms)),
        ));
    }
    if let Some(t) = spec.to_ms {
        entries.push((Node::string("to"), Node::string(&format!("{t}ms"))));
    }
    if spec.machine != Machine::default() {
        entries.push((
            Node::string("machineCpu"),
            Node::string(&format!("{}m", spec.machine.cpu_milli)),
        ));
        entries.push((
            Node::string("machineMemory"),
            Node::string(&format!("{}Mi", spec.machine.memory_mib)),
        ));
    }
    Node::Map(entries)
}

/// Adds the trace priority classes ([`PRIORITY_CLASSES`]) a scenario does not define yet.
pub(crate) fn add_priority_classes(root: &mut Vec<(Node, Node)>) -> Result<(), String> {
    let pos = match root
        .iter()
        .position(|(k, _)| k.as_scalar() == Some("priorityClasses"))
    {
        Some(i) => i,
        None => {
            root.push((Node::string("priorityClasses"), Node::Seq(Vec::new())));
            root.len() - 1
        }
    };
    if root[pos]
        .1
        .as_scalar()
        .is_some_and(|s| s.is_empty() || s == "null" || s == "~")
    {
        root[pos].1 = Node::Seq(Vec::new());
    }
    let Node::Seq(list) = &mut root[pos].1 else {
        return Err("priorityClasses must be a list".into());
    };
    for (name, value) in PRIORITY_CLASSES {
        let defined = list.iter().any(|c| match c {
            Node::Map(e) => e
                .iter()
                .any(|(k, v)| k.as_scalar() == Some("name") && v.as_scalar() == Some(name)),
            _ => false,
        });
        if !defined {
            list.push(Node::Map(vec![
                (Node::string("name"), Node::string(name)),
                (
                    Node::string("value"),
                    super::super::yaml_tree::parse_value(&value.to_string()),
                ),
            ]));
        }
    }
    Ok(())
}
