//! A live cluster as a scenario: the JSON of `kubectl get nodes -o json`,
//! `kubectl get pods -A -o json`, `kubectl get pdb -A -o json` and
//! `kubectl get priorityclasses -o json` (or one List holding them all).
//!
//! Nodes are grouped into pools by zone (`topology.kubernetes.io/zone`), capacity,
//! allocatable, labels (less the per-node ones: hostname and zone labels) and taints; a pool's
//! node `k` is the `k`-th of its nodes by name. Running and pending pods are grouped into
//! workloads through their controlling ownerReference (a ReplicaSet named
//! `<deployment>-<pod-template-hash>` becomes that Deployment; StatefulSet, DaemonSet and Job
//! as themselves); pods without a controller become bare Pods, bound to their node when they
//! run there. Each group becomes a manifest (Deployment, StatefulSet, DaemonSet, Job or Pod)
//! read by the manifests importer, so admission, pruning and warnings are the same.
//!
//! Placement: a pod with `spec.nodeName` keeps its node (the pool node standing for it): bare
//! pods as `nodeName`, controller pods as their workload's `initialPlacement` (DaemonSets need
//! none); pods without a node stay pending and are scheduled at time 0.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::scenario::manifests::{self, ImportError, ImportOptions, ManifestFile};

/// Node labels that differ per node and are not copied into pools (the zone becomes the
/// pool's zone).
const PER_NODE_LABELS: [&str; 4] = [
    "kubernetes.io/hostname",
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
    "topology.kubernetes.io/rack",
];

/// Pod labels the controllers set per pod or per revision, dropped from templates.
const PER_POD_LABELS: [&str; 6] = [
    "pod-template-hash",
    "controller-revision-hash",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "pod-template-generation",
    "batch.kubernetes.io/job-completion-index",
];

/// One input file.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// File name, for messages.
    pub origin: String,
    /// The parsed JSON (a `List` or a single object).
    pub value: Value,
}

/// What the snapshot does not say.
#[derive(Debug, Clone)]
pub struct KubectlOptions {
    /// Scenario name.
    pub name: String,
    /// Simulated duration (a scenario duration, e.g. `"1h"`).
    pub duration: String,
    /// Run time of Job pods (a scenario duration).
    pub job_duration: String,
}

/// The scenario as a JSON tree and the warnings of the import.
pub fn import(
    files: &[Snapshot],
    opts: &KubectlOptions,
) -> Result<(Value, Vec<String>), ImportError> {
    let mut nodes = Vec::new();
    let mut pods = Vec::new();
    let mut others = Vec::new();
    for f in files {
        let mut items = Vec::new();
        flatten(&f.value, &mut items);
        for (i, item) in items.into_iter().enumerate() {
            let kind = item.get("kind").and_then(Value::as_str).unwrap_or_default();
            match kind {
                "Node" => nodes.push((f.origin.clone(), i, item)),
                "Pod" => pods.push((f.origin.clone(), i, item)),
                "PodDisruptionBudget" => others.push(item),
                "PriorityClass" => {
                    let name = item.pointer("/metadata/name").and_then(Value::as_str);
                    if !name.is_some_and(|n| n.starts_with("system-")) {
                        others.push(item);
                    }
                }
                other => {
                    return Err(ImportError {
                        origin: f.origin.clone(),
                        object: format!("item {}", i + 1),
                        field: "kind".into(),
                        message: format!(
                            "{other:?}: expected Node, Pod, PodDisruptionBudget or PriorityClass"
                        ),
                    })
                }
            }
        }
    }
    let (cluster, node_names) = pools(&nodes)?;
    let mut warnings = Vec::new();
    let (mut list, placements) = workloads(&pods, &node_names, &mut warnings)?;
    list.extend(others);
    let text = serde_json::to_string(&json!({"apiVersion": "v1", "kind": "List", "items": list}))
        .expect("JSON values serialise");
    let imported = manifests::import(
        &[ManifestFile {
            origin: files
                .iter()
                .map(|f| f.origin.as_str())
                .collect::<Vec<_>>()
                .join("+"),
            text,
        }],
        &ImportOptions {
            duration_ms: 0,
            job_duration: Some(json!(opts.job_duration)),
            overlays: Default::default(),
        },
    )?;
    let classes: Vec<String> = imported
        .priority_classes
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    let mut workloads = imported.workloads;
    for w in &mut workloads {
        fix_priority(w, &classes);
        add_placement(w, &placements);
    }
    warnings.extend(imported.warnings);
    let mut s = Map::new();
    s.insert("name".into(), json!(opts.name));
    s.insert(
        "description".into(),
        json!(format!(
            "Imported from a kubectl snapshot: {} nodes, {} pods.",
            nodes.len(),
            pods.len()
        )),
    );
    s.insert("simulation".into(), json!({"duration": opts.duration}));
    if !imported.priority_classes.is_empty() {
        s.insert("priorityClasses".into(), json!(imported.priority_classes));
    }
    s.insert("cluster".into(), cluster);
    s.insert("workloads".into(), json!(workloads));
    if !imported.pdbs.is_empty() {
        s.insert("pdbs".into(), json!(imported.pdbs));
    }
    Ok((Value::Object(s), warnings))
}

/// A pod keeps `priorityClassName` when the scenario knows the class, else its resolved
/// `priority` (the scenario takes one of the two).
fn fix_priority(w: &mut Value, classes: &[String]) {
    let Some(t) = w.get_mut("template").and_then(Value::as_object_mut) else {
        return;
    };
    let known = t
        .get("priorityClassName")
        .and_then(Value::as_str)
        .is_some_and(|c| {
            classes.iter().any(|k| k == c)
                || crate::scenario::types::BUILTIN_PRIORITY_CLASSES
                    .iter()
                    .any(|(n, _)| *n == c)
        });
    if known {
        t.remove("priority");
    } else {
        t.remove("priorityClassName");
    }
}

fn flatten(v: &Value, out: &mut Vec<Value>) {
    match v.get("items").and_then(Value::as_array) {
        Some(items)
            if v.get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List")) =>
        {
            for i in items {
                flatten(i, out);
            }
        }
        _ => out.push(v.clone()),
    }
}

type Item = (String, usize, Value);

fn err(item: &Item, kind: &str, field: &str, message: impl Into<String>) -> ImportError {
    let name = item
        .2
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let ns = item
        .2
        .pointer("/metadata/namespace")
        .and_then(Value::as_str);
    ImportError {
        origin: item.0.clone(),
        object: match ns {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name} (item {})", item.1 + 1),
        },
        field: field.into(),
        message: message.into(),
    }
}

/// Nodes grouped into pools; returns the `cluster` tree and real node name → pool node name.
fn pools(nodes: &[Item]) -> Result<(Value, BTreeMap<String, String>), ImportError> {
    // (zone, shape as JSON text) → (base name, node names)
    let mut groups: BTreeMap<(String, String), (String, Value, Vec<String>)> = BTreeMap::new();
    for item in nodes {
        let n = &item.2;
        let name = n
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .ok_or_else(|| err(item, "Node", "metadata.name", "missing"))?;
        let capacity = n
            .pointer("/status/capacity")
            .filter(|c| c.is_object())
            .ok_or_else(|| err(item, "Node", "status.capacity", "missing"))?;
        let allocatable = n.pointer("/status/allocatable").cloned();
        let labels: Map<String, Value> = n
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let zone = labels
            .get("topology.kubernetes.io/zone")
            .or_else(|| labels.get("failure-domain.beta.kubernetes.io/zone"))
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_string();
        let kept: Map<String, Value> = labels
            .iter()
            .filter(|(k, v)| !PER_NODE_LABELS.contains(&k.as_str()) && v.as_str() != Some(name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let taints: Vec<Value> = n
            .pointer("/spec/taints")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|t| {
                let mut t = t.clone();
                if let Some(m) = t.as_object_mut() {
                    m.remove("timeAdded");
                }
                t
            })
            .collect();
        let mut shape = Map::new();
        shape.insert("capacity".into(), capacity.clone());
        if let Some(a) = allocatable {
            shape.insert("allocatable".into(), a);
        }
        if !kept.is_empty() {
            shape.insert("labels".into(), Value::Object(kept.clone()));
        }
        if !taints.is_empty() {
            shape.insert("taints".into(), json!(taints));
        }
        if n.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) {
            shape.insert("unschedulable".into(), json!(true));
        }
        let base = [
            "cloud.google.com/gke-nodepool",
            "eks.amazonaws.com/nodegroup",
            "karpenter.sh/nodepool",
            "kubernetes.azure.com/agentpool",
            "node.kubernetes.io/instance-type",
        ]
        .iter()
        .find_map(|k| kept.get(*k).and_then(Value::as_str))
        .unwrap_or("pool")
        .to_string();
        let shape = Value::Object(shape);
        let key = (zone, shape.to_string());
        groups
            .entry(key)
            .or_insert_with(|| (base, shape, Vec::new()))
            .2
            .push(name.to_string());
    }
    let mut zones: Vec<String> = groups.keys().map(|(z, _)| z.clone()).collect();
    zones.dedup();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    let mut out_pools = Vec::new();
    let mut mapping = BTreeMap::new();
    for ((zone, _), (base, shape, mut names)) in groups {
        let stem: String = format!("{base}-{zone}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let n = used.entry(stem.clone()).or_default();
        *n += 1;
        let pool = if *n == 1 { stem } else { format!("{stem}-{n}") };
        names.sort();
        for (k, real) in names.iter().enumerate() {
            mapping.insert(real.clone(), format!("{pool}-{k}"));
        }
        let mut p = Map::new();
        p.insert("name".into(), json!(pool));
        p.insert("count".into(), json!(names.len()));
        p.insert("zones".into(), json!([zone]));
        if let Value::Object(m) = shape {
            p.extend(m);
        }
        out_pools.push(Value::Object(p));
    }
    Ok((json!({"zones": zones, "nodePools": out_pools}), mapping))
}

/// A controller by (namespace, kind, name).
type OwnerKey = (String, String, String);

/// The pods of one controller: the first pod by name (its template) and every pod's name and
/// pool node (None: pending).
struct Group {
    first: String,
    pod: Value,
    pods: Vec<(String, Option<String>)>,
}

/// Pods grouped into workload manifests, and the `initialPlacement` of each controller whose
/// pods run somewhere.
fn workloads(
    pods: &[Item],
    nodes: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> Result<(Vec<Value>, BTreeMap<OwnerKey, Value>), ImportError> {
    let mut groups: BTreeMap<OwnerKey, Group> = BTreeMap::new();
    let mut bare = Vec::new();
    let mut finished = 0;
    let mut unbound = 0;
    for item in pods {
        let p = &item.2;
        let name = p
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .ok_or_else(|| err(item, "Pod", "metadata.name", "missing"))?;
        let ns = p
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default");
        let phase = p
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("Pending");
        match phase {
            "Running" | "Pending" | "Unknown" => {}
            "Succeeded" | "Failed" => {
                finished += 1;
                continue;
            }
            other => {
                return Err(err(
                    item,
                    "Pod",
                    "status.phase",
                    format!("{other:?} is not a pod phase"),
                ))
            }
        }
        if p.pointer("/spec").and_then(Value::as_object).is_none() {
            return Err(err(item, "Pod", "spec", "missing"));
        }
        let owner = p
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .and_then(|refs| {
                refs.iter()
                    .find(|r| r.get("controller") == Some(&Value::Bool(true)))
            });
        let labels = p.pointer("/metadata/labels").and_then(Value::as_object);
        let hash = labels
            .and_then(|l| l.get("pod-template-hash"))
            .and_then(Value::as_str);
        // A pod with `nodeName` is bound (Running, or Pending while its containers start);
        // it keeps its node when the snapshot has that node.
        let real_node = p.pointer("/spec/nodeName").and_then(Value::as_str);
        let node = real_node.and_then(|n| nodes.get(n).cloned());
        let group = owner.and_then(|o| {
            let kind = o.get("kind")?.as_str()?;
            let oname = o.get("name")?.as_str()?;
            match kind {
                "ReplicaSet" => {
                    let deploy = hash
                        .and_then(|h| oname.strip_suffix(&format!("-{h}")))
                        .unwrap_or(oname);
                    Some(("Deployment", deploy.to_string()))
                }
                "StatefulSet" | "DaemonSet" | "Job" => Some((kind, oname.to_string())),
                _ => None,
            }
        });
        if real_node.is_some()
            && node.is_none()
            && group.as_ref().is_none_or(|(k, _)| *k != "DaemonSet")
        {
            unbound += 1;
        }
        match group {
            Some((kind, wname)) => {
                let e = groups
                    .entry((ns.to_string(), kind.to_string(), wname))
                    .or_insert_with(|| Group {
                        first: name.to_string(),
                        pod: p.clone(),
                        pods: Vec::new(),
                    });
                if name < e.first.as_str() {
                    e.first = name.to_string();
                    e.pod = p.clone();
                }
                e.pods.push((name.to_string(), node));
            }
            None => {
                let mut spec = p["spec"].clone();
                let m = spec.as_object_mut().expect("checked");
                m.remove("nodeName");
                if let Some(mapped) = node {
                    m.insert("nodeName".into(), json!(mapped));
                }
                bare.push(json!({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": name, "namespace": ns, "labels": template_labels(labels)},
                    "spec": spec,
                }));
            }
        }
    }
    let mut out = Vec::new();
    let mut placements = BTreeMap::new();
    for ((ns, kind, name), group) in groups {
        let count = group.pods.len() as u64;
        if let Some(p) = placement(&kind, &name, &group.pods) {
            placements.insert((ns.clone(), kind.clone(), name.clone()), p);
        }
        let pod = group.pod;
        let mut spec = pod["spec"].clone();
        if let Some(m) = spec.as_object_mut() {
            m.remove("nodeName");
        }
        if kind == "DaemonSet" {
            drop_node_pin(&mut spec);
        }
        let labels = template_labels(pod.pointer("/metadata/labels").and_then(Value::as_object));
        let template = json!({"metadata": {"labels": labels}, "spec": spec});
        let (api, body) = match kind.as_str() {
            "Deployment" | "StatefulSet" => {
                ("apps/v1", json!({"replicas": count, "template": template}))
            }
            "DaemonSet" => ("apps/v1", json!({"template": template})),
            _ => (
                "batch/v1",
                json!({"completions": count, "parallelism": count, "template": template}),
            ),
        };
        out.push(json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": ns}, "spec": body}));
    }
    out.extend(bare);
    if finished > 0 {
        warnings.push(format!(
            "{finished} finished pod(s) (Succeeded or Failed) not imported"
        ));
    }
    if unbound > 0 {
        warnings.push(format!(
            "{unbound} bound pod(s) on nodes missing from the snapshot start pending"
        ));
    }
    Ok((out, placements))
}

/// A controller's `initialPlacement` (None when none of its pods is bound): DaemonSets need
/// none (one pod per node again); a StatefulSet lists the pool node of each ordinal (pod
/// `<name>-<ordinal>`; a pod whose ordinal is not below the replicas takes the lowest free
/// one), Deployments and Jobs count pods per pool node.
fn placement(kind: &str, name: &str, pods: &[(String, Option<String>)]) -> Option<Value> {
    if pods.iter().all(|(_, n)| n.is_none()) {
        return None;
    }
    match kind {
        "DaemonSet" => None,
        "StatefulSet" => {
            let replicas = pods.len();
            let ordinal = |pod: &str| {
                pod.strip_prefix(name)?
                    .strip_prefix('-')?
                    .parse::<usize>()
                    .ok()
                    .filter(|&o| o < replicas)
            };
            let mut slots: Vec<Option<&str>> = vec![None; replicas];
            let mut taken = vec![false; replicas];
            let mut rest = Vec::new();
            for (pod, node) in pods {
                match ordinal(pod) {
                    Some(o) if !taken[o] => {
                        taken[o] = true;
                        slots[o] = node.as_deref();
                    }
                    _ => rest.push((pod, node)),
                }
            }
            rest.sort();
            for (_, node) in rest {
                let free = taken.iter().position(|t| !t).expect("one slot per pod");
                taken[free] = true;
                slots[free] = node.as_deref();
            }
            while slots.last() == Some(&None) {
                slots.pop();
            }
            Some(json!(slots))
        }
        _ => {
            let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
            for node in pods.iter().filter_map(|(_, n)| n.as_deref()) {
                *counts.entry(node).or_default() += 1;
            }
            Some(json!(counts))
        }
    }
}

/// Adds the `initialPlacement` of workload `w` (a scenario workload from the manifests
/// importer: its name is the controller's, or `<name>.<namespace>`).
fn add_placement(w: &mut Value, placements: &BTreeMap<OwnerKey, Value>) {
    let field = |k: &str| w.get(k).and_then(Value::as_str).unwrap_or_default();
    let (ns, kind, name) = (field("namespace"), field("kind"), field("name"));
    let plain = name.strip_suffix(&format!(".{ns}")).unwrap_or(name);
    let found = placements
        .get(&(ns.to_string(), kind.to_string(), name.to_string()))
        .or_else(|| placements.get(&(ns.to_string(), kind.to_string(), plain.to_string())));
    if let (Some(p), Some(m)) = (found.cloned(), w.as_object_mut()) {
        m.insert("initialPlacement".into(), p);
    }
}

/// Removes the `matchFields: metadata.name` term the DaemonSet controller adds to each of its
/// pods (upstream `pkg/controller/daemon/util.ReplaceDaemonSetPodNodeNameNodeAffinity`): the
/// template runs on every matching node.
fn drop_node_pin(spec: &mut Value) {
    let Some(na) = spec
        .pointer_mut("/affinity/nodeAffinity")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let key = "requiredDuringSchedulingIgnoredDuringExecution";
    if let Some(Value::Array(terms)) = na.get_mut(key).and_then(|r| r.get_mut("nodeSelectorTerms"))
    {
        for t in terms.iter_mut() {
            if let Some(m) = t.as_object_mut() {
                m.remove("matchFields");
            }
        }
        terms.retain(|t| t.as_object().is_some_and(|m| !m.is_empty()));
        if terms.is_empty() {
            na.remove(key);
        }
    }
    if na.is_empty() {
        if let Some(a) = spec.get_mut("affinity").and_then(Value::as_object_mut) {
            a.remove("nodeAffinity");
            if a.is_empty() {
                spec.as_object_mut().expect("a pod spec").remove("affinity");
            }
        }
    }
}

fn template_labels(labels: Option<&Map<String, Value>>) -> Value {
    Value::Object(
        labels
            .into_iter()
            .flatten()
            .filter(|(k, _)| !PER_POD_LABELS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}
