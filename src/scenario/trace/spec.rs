//! `workloads: {fromTrace: {...}}` in the scenario tree: read into a [`TraceSpec`], and written
//! back (with an absolute path) into the effective scenario.

use std::path::Path;

use super::super::duration::DurationMs;
use super::super::quantity::Quantity;
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
    let path = get("path").ok_or_else(|| (at("path"), "is required".into()))?;
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
        path: base.join(path),
        from_ms,
        to_ms,
        machine,
    })
}

/// `spec` as a `fromTrace` mapping, its path absolute (for the effective scenario, which is
/// read from the results directory).
pub(crate) fn spec_node(spec: &TraceSpec) -> Node {
    let path = std::path::absolute(&spec.path).unwrap_or_else(|_| spec.path.clone());
    let mut entries = vec![
        (Node::string("format"), Node::string(spec.format.name())),
        (
            Node::string("path"),
            Node::string(&path.display().to_string()),
        ),
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
