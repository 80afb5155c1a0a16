//! Public cluster traces as a scenario (`clustersim import trace`): the node table becomes the
//! cluster (pools of identical machines, or for Alibaba 2018 explicit nodes with their failure
//! domains as zone and rack), machine arrivals, departures and outages become `nodeJoin`,
//! `nodeRemove` and `nodeCrash` faults at their times, and the pod list is referenced with
//! `workloads: {fromTrace}` (read by the streaming reader of `scenario::trace` when the
//! scenario is loaded, never inlined).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::scenario::trace::{
    machine_rows, read_pods, MachineEvent, MachineRow, Rows, TraceError, TraceFormat, TraceSpec,
};

/// What the command line says besides the files.
#[derive(Debug, Clone)]
pub struct TraceOptions {
    /// The schema.
    pub format: TraceFormat,
    /// Window start, trace time in ms (rows before it are left out; times shift by it).
    pub from_ms: u64,
    /// Window end, trace time in ms.
    pub to_ms: Option<u64>,
    /// Node count factor (pools: counts scaled and rounded; explicit nodes: a subset, ≤ 1).
    pub scale_nodes: f64,
    /// Reference machine of normalised sizes.
    pub machine: crate::scenario::trace::Machine,
    /// Scenario name.
    pub name: String,
    /// Simulated duration (default: up to the last arrival plus an hour, whole hours).
    pub duration_ms: Option<u64>,
}

/// What a trace file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Nodes,
    Pods,
}

/// Which table `path` is: by header (Alibaba GPU 2023; a Parquet file's schema) or by column
/// count (13 task_events / 6 machine_events; 9 batch_task / 7 machine_meta).
fn classify(path: &Path, format: TraceFormat) -> Result<Table, TraceError> {
    let mut rows = Rows::open(path, format.has_header())?;
    let whole = |message: String| TraceError {
        file: path.display().to_string(),
        row: Some(1),
        column: String::new(),
        message,
    };
    let has = |name: &str| rows.header().iter().any(|h| h == name);
    match format {
        TraceFormat::AlibabaGpu2023 if has("sn") => return Ok(Table::Nodes),
        TraceFormat::AlibabaGpu2023 if has("creation_time") => return Ok(Table::Pods),
        TraceFormat::AlibabaGpu2023 if rows.header().iter().all(|h| h.is_empty()) => {
            return Err(whole("the file is empty".into()))
        }
        TraceFormat::AlibabaGpu2023 => {
            return Err(whole(
                "neither a node list (header with sn, cpu_milli, memory_mib, gpu, model) nor a \
                 pod list (header with name, cpu_milli, ..., creation_time, deletion_time, \
                 scheduled_time)"
                    .into(),
            ))
        }
        _ => {}
    }
    if !rows.next_row()? {
        return Err(whole("the file is empty".into()));
    }
    let n = rows.fields();
    match (format, n) {
        (TraceFormat::Google2011, 6) | (TraceFormat::Alibaba2018, 7) => Ok(Table::Nodes),
        (TraceFormat::Google2011, 13) | (TraceFormat::Alibaba2018, 9) => Ok(Table::Pods),
        (TraceFormat::Google2011, _) => Err(whole(format!(
            "has {n} columns: neither machine_events (6) nor task_events (13)"
        ))),
        _ => Err(whole(format!(
            "has {n} columns: neither machine_meta (7) nor batch_task (9)"
        ))),
    }
}

/// The scenario (JSON tree) and notes of an import of `files`. Several pod-list files are
/// the parts of one table, read in the order given (as `fromTrace.path` lists them); several
/// node-table files are read one after the other too.
pub fn import(files: &[PathBuf], opts: &TraceOptions) -> Result<(Value, Vec<String>), TraceError> {
    let mut nodes = Vec::new();
    let mut pod_parts = Vec::new();
    for f in files {
        match classify(f, opts.format)? {
            Table::Nodes => nodes.extend(machine_rows(f, opts.format, opts.machine)?),
            Table::Pods => pod_parts.push(std::path::absolute(f).unwrap_or_else(|_| f.clone())),
        }
    }
    let mut notes = Vec::new();
    let mut scenario = Map::new();
    scenario.insert("name".into(), json!(opts.name));
    scenario.insert(
        "description".into(),
        json!(format!(
            "Imported from the {} trace: {}",
            opts.format.name(),
            shown_files(files)
        )),
    );
    let mut last_arrival = 0;
    let mut workloads = Value::Array(Vec::new());
    if !pod_parts.is_empty() {
        let spec = TraceSpec {
            format: opts.format,
            paths: pod_parts,
            from_ms: opts.from_ms,
            to_ms: opts.to_ms,
            machine: opts.machine,
        };
        let read = read_pods(&spec, 0)?;
        last_arrival = read
            .shapes
            .iter()
            .filter_map(|(_, r)| r.last().map(|x| x.0))
            .max()
            .unwrap_or(0);
        notes.push(format!(
            "{}: {} pods in {} shapes ({} left out: outside the window or never started)",
            spec.shown_paths(),
            read.pods(),
            read.shapes.len(),
            read.skipped
        ));
        let mut from = Map::new();
        from.insert("format".into(), json!(opts.format.name()));
        let paths: Vec<String> = spec.paths.iter().map(|p| p.display().to_string()).collect();
        if let [one] = paths.as_slice() {
            from.insert("path".into(), json!(one));
        } else {
            from.insert("path".into(), json!(paths));
        }
        if opts.from_ms > 0 {
            from.insert("from".into(), json!(format!("{}ms", opts.from_ms)));
        }
        if let Some(t) = opts.to_ms {
            from.insert("to".into(), json!(format!("{t}ms")));
        }
        if opts.machine != Default::default() {
            from.insert(
                "machineCpu".into(),
                json!(format!("{}m", opts.machine.cpu_milli)),
            );
            from.insert(
                "machineMemory".into(),
                json!(format!("{}Mi", opts.machine.memory_mib)),
            );
        }
        workloads = json!({ "fromTrace": from });
    }
    let hour = 3_600_000;
    let duration = opts.duration_ms.unwrap_or_else(|| {
        let end = opts
            .to_ms
            .map(|t| t - opts.from_ms)
            .unwrap_or(last_arrival + hour);
        end.div_ceil(hour).max(1) * hour
    });
    scenario.insert(
        "simulation".into(),
        json!({"duration": format!("{duration}ms")}),
    );
    let (cluster, faults) = cluster(&nodes, opts, duration, &mut notes)?;
    scenario.insert("cluster".into(), cluster);
    scenario.insert("workloads".into(), workloads);
    if !faults.is_empty() {
        scenario.insert("faults".into(), Value::Array(faults));
    }
    Ok((Value::Object(scenario), notes))
}

/// The input files for the description: all of them, or the first three and a count.
fn shown_files(files: &[PathBuf]) -> String {
    let mut shown: Vec<String> = files
        .iter()
        .take(3)
        .map(|f| f.display().to_string())
        .collect();
    if files.len() > 3 {
        shown.push(format!("and {} more files", files.len() - 3));
    }
    shown.join(" ")
}

/// A name usable as a Kubernetes name: lower case, `[a-z0-9-]`.
fn dns(text: &str) -> String {
    let s: String = text
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "x".into()
    } else {
        s
    }
}

/// A machine's shape (pool key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Kind {
    cpu_milli: u64,
    memory_mib: u64,
    gpus: u32,
    model: String,
    platform: String,
}

/// The cluster section and the node faults.
fn cluster(
    rows: &[MachineRow],
    opts: &TraceOptions,
    duration: u64,
    notes: &mut Vec<String>,
) -> Result<(Value, Vec<Value>), TraceError> {
    // Machines in order of first appearance, with their events.
    let mut order: Vec<String> = Vec::new();
    let mut first: HashMap<&str, &MachineRow> = HashMap::new();
    let mut events: HashMap<&str, Vec<(u64, bool)>> = HashMap::new();
    let mut updates = 0;
    for r in rows {
        if r.event == MachineEvent::Update {
            updates += 1;
            continue;
        }
        let up = r.event == MachineEvent::Up;
        if up && !first.contains_key(r.id.as_str()) {
            first.insert(&r.id, r);
            order.push(r.id.clone());
        }
        events.entry(&r.id).or_default().push((r.time_ms, up));
    }
    if updates > 0 {
        notes.push(format!(
            "{updates} machine UPDATE rows ignored (capacity changes are not modelled)"
        ));
    }
    if order.is_empty() {
        notes.push("no node table: a placeholder pool of 12 nodes (edit it)".into());
        let cluster = json!({"zones": ["default"], "nodePools": [
            {"name": "placeholder", "count": 12, "capacity": {"cpu": "32", "memory": "128Gi", "pods": 110}}]});
        return Ok((cluster, Vec::new()));
    }
    let explicit = opts.format == TraceFormat::Alibaba2018;
    let mut faults = Vec::new();
    let mut node_names: HashMap<&str, String> = HashMap::new();
    let mut pools: Vec<(Kind, String, u64)> = Vec::new();
    let mut explicit_nodes = Vec::new();
    let mut zones = BTreeSet::new();
    if explicit {
        if opts.scale_nodes > 1.0 {
            return Err(TraceError {
                file: "--scale-nodes".into(),
                row: None,
                column: String::new(),
                message: "above 1 needs node pools; alibaba-2018 machines are explicit nodes \
                          (with their failure domains)"
                    .into(),
            });
        }
        for (i, id) in order.iter().enumerate() {
            let f = opts.scale_nodes;
            if ((i + 1) as f64 * f).floor() <= (i as f64 * f).floor() {
                continue;
            }
            let m = first[id.as_str()];
            let zone = format!("fd1-{}", dns(&m.zone));
            let name = dns(id);
            zones.insert(zone.clone());
            explicit_nodes.push(json!({
                "name": name, "zone": zone, "rack": format!("fd2-{}", dns(&m.rack)),
                "capacity": {"cpu": format!("{}m", m.cpu_milli), "memory": format!("{}Mi", m.memory_mib), "pods": 110},
            }));
            node_names.insert(id, name);
        }
    } else {
        zones.insert("default".to_string());
        let mut index: HashMap<Kind, usize> = HashMap::new();
        let mut members: Vec<Vec<&str>> = Vec::new();
        for id in &order {
            let m = first[id.as_str()];
            let kind = Kind {
                cpu_milli: m.cpu_milli,
                memory_mib: m.memory_mib,
                gpus: m.gpus,
                model: m.model.clone(),
                platform: m.platform.clone(),
            };
            let k = *index.entry(kind.clone()).or_insert_with(|| {
                let base = if kind.gpus > 0 {
                    format!("{}-x{}", dns(&kind.model), kind.gpus)
                } else {
                    format!("cpu{}", kind.cpu_milli / 1000)
                };
                let name = format!("{base}-{}", pools.len());
                pools.push((kind, name, 0));
                members.push(Vec::new());
                pools.len() - 1
            });
            members[k].push(id);
        }
        for (k, (_, name, count)) in pools.iter_mut().enumerate() {
            let n = members[k].len() as f64;
            *count = (n * opts.scale_nodes).round() as u64;
            for (i, id) in members[k].iter().enumerate().take(*count as usize) {
                node_names.insert(id, format!("{name}-{i}"));
            }
        }
    }
    // Events → faults, in machine order.
    let window = |t: u64| t.saturating_sub(opts.from_ms);
    let end = opts.to_ms.map_or(duration, |t| window(t).min(duration));
    for id in &order {
        let Some(node) = node_names.get(id.as_str()) else {
            continue;
        };
        let ev = &events[id.as_str()];
        let target = json!({"nodes": [node]});
        let mut present = false;
        let mut i = 0;
        while i < ev.len() {
            let (t, up) = ev[i];
            let at = window(t);
            if up && !present {
                present = true;
                if at > 0 && at < end {
                    faults.push(json!({"name": format!("join-{node}"), "kind": "nodeJoin",
                        "at": format!("{at}ms"), "target": target}));
                } else if at >= end {
                    // Joins after the window: the node never takes part.
                    faults.push(json!({"name": format!("join-{node}"), "kind": "nodeJoin",
                        "at": format!("{end}ms"), "target": target}));
                    break;
                }
            } else if !up && present {
                let back = ev[i + 1..].iter().find(|e| e.1).map(|e| window(e.0));
                if at >= end {
                    break;
                }
                match back {
                    Some(b) if b > at => {
                        if b > 0 {
                            faults.push(json!({"name": format!("down-{node}-{i}"), "kind": "nodeCrash",
                                "at": format!("{at}ms"), "duration": format!("{}ms", b - at), "target": target}));
                        }
                        // Skip to the matching Up.
                        while i + 1 < ev.len() && !ev[i + 1].1 {
                            i += 1;
                        }
                        i += 1;
                    }
                    _ => {
                        faults.push(
                            json!({"name": format!("remove-{node}"), "kind": "nodeRemove",
                            "at": format!("{at}ms"), "target": target}),
                        );
                        break;
                    }
                }
            }
            i += 1;
        }
    }
    let zones: Vec<String> = zones.into_iter().collect();
    let cluster = if explicit {
        json!({"zones": zones, "nodes": explicit_nodes})
    } else {
        let pools: Vec<Value> = pools
            .into_iter()
            .filter(|(_, _, count)| *count > 0)
            .map(|(kind, name, count)| {
                let mut p = json!({"name": name, "count": count, "capacity": {
                    "cpu": format!("{}m", kind.cpu_milli),
                    "memory": format!("{}Mi", kind.memory_mib), "pods": 110}});
                if kind.gpus > 0 {
                    p["gpus"] = json!({"count": kind.gpus, "model": kind.model});
                }
                p
            })
            .collect();
        json!({"zones": zones, "nodePools": pools})
    };
    Ok((cluster, faults))
}
