//! Reading manifest documents and turning each object into scenario-format trees.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::schema::{prune, Ignored, Schema, POD_SPEC};
use super::{cron, ImportError, ImportOptions, Imported, ManifestFile};
use crate::scenario::quantity::Quantity;

/// Kinds read, with the one apiVersion accepted for each.
const KINDS: [(&str, &str); 12] = [
    ("Deployment", "apps/v1"),
    ("ReplicaSet", "apps/v1"),
    ("StatefulSet", "apps/v1"),
    ("DaemonSet", "apps/v1"),
    ("Job", "batch/v1"),
    ("CronJob", "batch/v1"),
    ("Pod", "v1"),
    ("PodDisruptionBudget", "policy/v1"),
    ("PriorityClass", "scheduling.k8s.io/v1"),
    ("HorizontalPodAutoscaler", "autoscaling/v2"),
    ("Namespace", "v1"),
    ("LimitRange", "v1"),
];

/// One object with where it came from.
struct Object {
    origin: String,
    kind: String,
    namespace: String,
    name: String,
    value: Value,
}

impl Object {
    fn id(&self) -> String {
        format!("{} {}/{}", self.kind, self.namespace, self.name)
    }

    fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    fn err(&self, field: &str, message: impl Into<String>) -> ImportError {
        ImportError {
            origin: self.origin.clone(),
            object: self.id(),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Turns the manifests in `files` into scenario parts.
pub fn import(files: &[ManifestFile], opts: &ImportOptions) -> Result<Imported, ImportError> {
    let objects = read_objects(files)?;
    let mut out = Imported::default();
    let mut ignored: BTreeMap<String, Ignored> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut notes: Vec<String> = Vec::new();
    let limits = limit_ranges(&objects);
    let names = workload_names(&objects);
    for obj in &objects {
        let ign = ignored.entry(obj.kind.clone()).or_default();
        match obj.kind.as_str() {
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "Pod" => {
                let w = workload(obj, &obj.value, "", &names, &limits, opts, ign, &mut notes)?;
                out.workloads.extend(w);
            }
            "CronJob" => {
                if obj.value.pointer("/spec/suspend") == Some(&Value::Bool(true)) {
                    notes.push(format!("{}: suspended; no Jobs created", obj.id()));
                    continue;
                }
                let job = obj
                    .value
                    .pointer("/spec/jobTemplate")
                    .ok_or_else(|| obj.err("spec.jobTemplate", "missing"))?;
                let w = workload(
                    obj,
                    job,
                    "spec.jobTemplate.",
                    &names,
                    &limits,
                    opts,
                    ign,
                    &mut notes,
                )?;
                out.workloads.extend(w);
            }
            "PodDisruptionBudget" => out.pdbs.push(pdb(obj, ign)?),
            "PriorityClass" => out.priority_classes.push(priority_class(obj)?),
            "HorizontalPodAutoscaler" => out.hpas.push(hpa(obj, &objects, &names, ign)?),
            "Namespace" | "LimitRange" => {}
            other => *skipped.entry(other.to_string()).or_default() += 1,
        }
    }
    for (kind, fields) in &ignored {
        if fields.is_empty() {
            continue;
        }
        let list: Vec<String> = fields
            .iter()
            .map(|(path, n)| format!("{path} ({n} object{})", if *n == 1 { "" } else { "s" }))
            .collect();
        out.warnings.push(format!(
            "{kind}: ignored (not modelled): {}",
            list.join(", ")
        ));
    }
    if !skipped.is_empty() {
        let total: usize = skipped.values().sum();
        let list: Vec<String> = skipped.iter().map(|(k, n)| format!("{k} ({n})")).collect();
        out.warnings.push(format!(
            "skipped {total} object(s) of kinds the simulator does not model: {}",
            list.join(", ")
        ));
    }
    out.warnings.extend(notes);
    Ok(out)
}

/// Every object of every file, `List`s expanded, with kind and apiVersion checked.
fn read_objects(files: &[ManifestFile]) -> Result<Vec<Object>, ImportError> {
    let mut objects = Vec::new();
    for file in files {
        let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(
            &file.text,
            crate::scenario::load::yaml_options(),
        )
        .map_err(|e| ImportError {
            origin: file.origin.clone(),
            object: "YAML".into(),
            field: String::new(),
            message: e.to_string().lines().next().unwrap_or_default().to_string(),
        })?;
        let mut queue: Vec<(String, Value)> = docs
            .into_iter()
            .enumerate()
            .map(|(i, d)| (format!("document {}", i + 1), d))
            .collect();
        queue.reverse();
        while let Some((label, doc)) = queue.pop() {
            if doc.is_null() {
                continue;
            }
            let bad = |field: &str, message: &str| ImportError {
                origin: file.origin.clone(),
                object: label.clone(),
                field: field.into(),
                message: message.into(),
            };
            let Value::Object(map) = &doc else {
                return Err(bad("", "a manifest document must be a mapping"));
            };
            let kind = map
                .get("kind")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("kind", "missing"))?
                .to_string();
            let api = map
                .get("apiVersion")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("apiVersion", "missing"))?
                .to_string();
            if kind == "List" || kind.ends_with("List") && map.contains_key("items") {
                if let Some(Value::Array(items)) = map.get("items") {
                    for (j, item) in items.iter().enumerate().rev() {
                        queue.push((format!("{label} item {}", j + 1), item.clone()));
                    }
                }
                continue;
            }
            let name = doc
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let namespace = doc
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_string();
            let obj = Object {
                origin: file.origin.clone(),
                kind,
                namespace,
                name,
                value: doc,
            };
            if let Some((_, accepted)) = KINDS.iter().find(|(k, _)| *k == obj.kind) {
                if api != *accepted {
                    return Err(obj.err(
                        "apiVersion",
                        format!("{api} is not read; {} is accepted as {accepted}", obj.kind),
                    ));
                }
                if obj.name.is_empty() {
                    return Err(obj.err("metadata.name", "missing"));
                }
            }
            objects.push(obj);
        }
    }
    Ok(objects)
}

/// A namespace's container defaults from its LimitRanges (`type: Container`): (default
/// limits, default requests).
type ContainerDefaults = (Map<String, Value>, Map<String, Value>);

/// Container defaults per namespace.
type Defaults = BTreeMap<String, ContainerDefaults>;

fn limit_ranges(objects: &[Object]) -> Defaults {
    let mut out = Defaults::new();
    for obj in objects.iter().filter(|o| o.kind == "LimitRange") {
        let entry = out.entry(obj.namespace.clone()).or_default();
        let items = obj.value.pointer("/spec/limits").and_then(Value::as_array);
        for item in items.into_iter().flatten() {
            if item.get("type").and_then(Value::as_str) != Some("Container") {
                continue;
            }
            for (field, target) in [("default", &mut entry.0), ("defaultRequest", &mut entry.1)] {
                if let Some(Value::Object(m)) = item.get(field) {
                    for (k, v) in m {
                        target.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
    }
    out
}

/// Scenario workload names: the object's name, or `<name>.<namespace>` where two namespaces
/// use the same name.
fn workload_names(objects: &[Object]) -> BTreeMap<String, String> {
    let is_workload = |o: &&Object| {
        matches!(
            o.kind.as_str(),
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod"
        )
    };
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for o in objects.iter().filter(is_workload) {
        *count.entry(o.name.as_str()).or_default() += 1;
    }
    objects
        .iter()
        .filter(is_workload)
        .map(|o| {
            let name = if count[o.name.as_str()] > 1 {
                format!("{}.{}", o.name, o.namespace)
            } else {
                o.name.clone()
            };
            (format!("{}/{}", o.kind, o.key()), name)
        })
        .collect()
}

/// Controller spec fields read besides the pod template, per kind.
fn spec_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "Deployment" | "ReplicaSet" | "StatefulSet" => &["replicas", "selector", "template"],
        "DaemonSet" => &["selector", "template"],
        "Job" | "CronJob" => &[
            "parallelism",
            "completions",
            "backoffLimit",
            "selector",
            "template",
        ],
        _ => &[],
    }
}

/// One workload: `job` is the object (or a CronJob's `jobTemplate`), `prefix` its path. `None`
/// for a CronJob that does not fire within the simulated time.
#[allow(clippy::too_many_arguments)]
fn workload(
    obj: &Object,
    job: &Value,
    prefix: &str,
    names: &BTreeMap<String, String>,
    limits: &Defaults,
    opts: &ImportOptions,
    ignored: &mut Ignored,
    notes: &mut Vec<String>,
) -> Result<Option<Value>, ImportError> {
    let is_pod = obj.kind == "Pod";
    let (template, spec_path) = if is_pod {
        (job.clone(), "spec".to_string())
    } else {
        let t = job
            .pointer("/spec/template")
            .ok_or_else(|| obj.err(&format!("{prefix}spec.template"), "missing"))?;
        (t.clone(), format!("{prefix}spec.template.spec"))
    };
    // Controller-level fields the simulator does not read.
    if let Some(Value::Object(spec)) = job.get("spec") {
        if !is_pod {
            for k in spec.keys() {
                if !spec_fields(&obj.kind).contains(&k.as_str()) {
                    *ignored.entry(format!("{prefix}spec.{k}")).or_default() += 1;
                }
            }
        }
    }
    let mut pod_spec = template.get("spec").cloned().unwrap_or(Value::Null);
    if !pod_spec.is_object() {
        return Err(obj.err(&spec_path, "missing or not a mapping"));
    }
    prune(&mut pod_spec, &POD_SPEC, &spec_path, ignored);
    let Value::Object(mut spec) = pod_spec else {
        unreachable!("checked above")
    };
    let node_name = spec.remove("nodeName");
    if node_name.is_some() && !is_pod {
        *ignored.entry(format!("{spec_path}.nodeName")).or_default() += 1;
    }
    let restart_policy = spec.remove("restartPolicy");
    let defaults = limits.get(&obj.namespace);
    for list in ["initContainers", "containers"] {
        if let Some(Value::Array(cs)) = spec.get_mut(list) {
            for (i, c) in cs.iter_mut().enumerate() {
                admit_container(obj, &format!("{spec_path}.{list}[{i}]"), c, defaults)?;
            }
        }
    }
    let mut t = Map::new();
    if let Some(labels) = template.pointer("/metadata/labels") {
        t.insert("labels".into(), labels.clone());
    }
    t.extend(spec);
    let key = format!("{}/{}", obj.kind, obj.key());
    let mut w = Map::new();
    w.insert("name".into(), json!(names[&key]));
    w.insert("namespace".into(), json!(obj.namespace));
    let kind = match obj.kind.as_str() {
        "ReplicaSet" => "Deployment",
        "CronJob" => "Job",
        k => k,
    };
    w.insert("kind".into(), json!(kind));
    match obj.kind.as_str() {
        "Deployment" | "ReplicaSet" | "StatefulSet" => {
            let replicas = job.pointer("/spec/replicas").cloned().unwrap_or(json!(1));
            w.insert("replicas".into(), replicas);
        }
        "Job" | "CronJob" => {
            let pods = job_pods(obj, job, prefix, notes)?;
            let starts: Vec<u64> = if obj.kind == "CronJob" {
                let schedule = obj
                    .value
                    .pointer("/spec/schedule")
                    .and_then(Value::as_str)
                    .ok_or_else(|| obj.err("spec.schedule", "missing"))?;
                cron::fire_times(schedule, opts.duration_ms)
                    .map_err(|e| obj.err("spec.schedule", e))?
            } else {
                vec![0]
            };
            if starts.is_empty() || pods == 0 {
                notes.push(format!(
                    "{}: creates no pod within the simulated time",
                    obj.id()
                ));
                return Ok(None);
            }
            let at: Vec<Value> = starts
                .iter()
                .flat_map(|&ms| std::iter::repeat_n(json!(ms), pods as usize))
                .collect();
            w.insert("arrivals".into(), json!({ "at": at }));
            // Upstream: a Job's pods restart OnFailure or Never (Always is refused by the
            // API server); the scenario reads the same field at the workload.
            match restart_policy.as_ref().and_then(Value::as_str) {
                None => {}
                Some(p @ ("OnFailure" | "Never")) => {
                    w.insert("restartPolicy".into(), json!(p));
                }
                Some(other) => {
                    return Err(obj.err(
                        &format!("{spec_path}.restartPolicy"),
                        format!("{other:?}: a Job's pods take OnFailure or Never"),
                    ))
                }
            }
            if let Some(limit) = job.pointer("/spec/backoffLimit") {
                let limit = limit
                    .as_u64()
                    .filter(|&n| n <= u64::from(u32::MAX))
                    .ok_or_else(|| {
                        obj.err(
                            &format!("{prefix}spec.backoffLimit"),
                            "must be a whole number ≥ 0",
                        )
                    })?;
                w.insert("backoffLimit".into(), json!(limit));
            }
            let overlay_duration = opts
                .overlays
                .get(&obj.key())
                .and_then(|o| o.get("duration"));
            match overlay_duration.or(opts.job_duration.as_ref()) {
                Some(d) => {
                    w.insert("duration".into(), d.clone());
                }
                None => {
                    return Err(obj.err(
                        "",
                        "manifests carry no run time: give one as overlays[\"".to_string()
                            + &obj.key()
                            + "\"].duration or as a default job duration",
                    ))
                }
            }
        }
        _ => {}
    }
    if let Some(node) = node_name.filter(|_| is_pod) {
        w.insert("nodeName".into(), node);
    }
    w.insert("template".into(), Value::Object(t));
    if let Some(Value::Object(overlay)) = opts.overlays.get(&obj.key()) {
        for (k, v) in overlay {
            w.insert(k.clone(), v.clone());
        }
    }
    Ok(Some(Value::Object(w)))
}

/// Pods one Job runs: `completions` (default 1; with only `parallelism`, that many).
fn job_pods(
    obj: &Object,
    job: &Value,
    prefix: &str,
    notes: &mut Vec<String>,
) -> Result<u64, ImportError> {
    let get = |f: &str| -> Result<Option<u64>, ImportError> {
        match job.pointer(&format!("/spec/{f}")) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| obj.err(&format!("{prefix}spec.{f}"), "must be a whole number ≥ 0")),
        }
    };
    let completions = get("completions")?;
    let parallelism = get("parallelism")?;
    let pods = completions.or(parallelism).unwrap_or(1);
    if let (Some(c), Some(p)) = (completions, parallelism) {
        if p < c {
            notes.push(format!(
                "{}: parallelism {p} below completions {c} is not modelled; all {c} pods start at once",
                obj.id()
            ));
        }
    }
    Ok(pods)
}

/// Admission for one container: LimitRange defaults, the request defaulted from the limit,
/// and the API server's refusal of negative quantities and requests above limits.
fn admit_container(
    obj: &Object,
    at: &str,
    c: &mut Value,
    defaults: Option<&ContainerDefaults>,
) -> Result<(), ImportError> {
    let resources = c
        .as_object_mut()
        .ok_or_else(|| obj.err(at, "a container must be a mapping"))?
        .entry("resources")
        .or_insert_with(|| json!({}));
    let Value::Object(res) = resources else {
        return Err(obj.err(&format!("{at}.resources"), "must be a mapping"));
    };
    let mut take = |field: &str| -> Map<String, Value> {
        match res.remove(field) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        }
    };
    let mut limits = take("limits");
    let mut requests = take("requests");
    // API defaulting first (a limit without a request sets the request), then LimitRanger.
    for (k, v) in &limits {
        requests.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if let Some((default_limits, default_requests)) = defaults {
        for (k, v) in default_requests {
            requests.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in default_limits {
            limits.entry(k.clone()).or_insert_with(|| v.clone());
            requests.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let parse = |field: &str, k: &str, v: &Value| -> Result<Quantity, ImportError> {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let q: Quantity = text
            .parse()
            .map_err(|e| obj.err(&format!("{at}.resources.{field}.{k}"), format!("{e}")))?;
        if q.is_negative() {
            return Err(obj.err(
                &format!("{at}.resources.{field}.{k}"),
                "must not be negative",
            ));
        }
        Ok(q)
    };
    for (k, v) in &limits {
        let limit = parse("limits", k, v)?;
        if let Some(r) = requests.get(k) {
            let request = parse("requests", k, r)?;
            if request.as_nanos() > limit.as_nanos() {
                return Err(obj.err(
                    &format!("{at}.resources.requests.{k}"),
                    format!("request {request} is above the limit {limit} (the API server refuses this)"),
                ));
            }
        }
    }
    for (k, v) in &requests {
        parse("requests", k, v)?;
    }
    if !requests.is_empty() {
        res.insert("requests".into(), Value::Object(requests));
    }
    if !limits.is_empty() {
        res.insert("limits".into(), Value::Object(limits));
    }
    Ok(())
}

static PDB_SPEC: Schema = Schema::Obj(&[
    ("selector", &Schema::Any),
    ("minAvailable", &Schema::Any),
    ("maxUnavailable", &Schema::Any),
    ("unhealthyPodEvictionPolicy", &Schema::Any),
]);

fn pdb(obj: &Object, ignored: &mut Ignored) -> Result<Value, ImportError> {
    let mut spec = obj.value.get("spec").cloned().unwrap_or_else(|| json!({}));
    prune(&mut spec, &PDB_SPEC, "spec", ignored);
    let Value::Object(spec) = spec else {
        return Err(obj.err("spec", "must be a mapping"));
    };
    let mut p = Map::new();
    p.insert("name".into(), json!(obj.name));
    p.insert("namespace".into(), json!(obj.namespace));
    p.insert(
        "selector".into(),
        spec.get("selector").cloned().unwrap_or_else(|| json!({})),
    );
    for k in [
        "minAvailable",
        "maxUnavailable",
        "unhealthyPodEvictionPolicy",
    ] {
        if let Some(v) = spec.get(k) {
            p.insert(k.into(), v.clone());
        }
    }
    Ok(Value::Object(p))
}

fn priority_class(obj: &Object) -> Result<Value, ImportError> {
    let v = &obj.value;
    let value = v
        .get("value")
        .ok_or_else(|| obj.err("value", "missing"))?
        .clone();
    let mut p = Map::new();
    p.insert("name".into(), json!(obj.name));
    p.insert("value".into(), value);
    for k in ["globalDefault", "preemptionPolicy", "description"] {
        if let Some(x) = v.get(k) {
            p.insert(k.into(), x.clone());
        }
    }
    Ok(Value::Object(p))
}

static HPA_SPEC: Schema = Schema::Obj(&[
    ("scaleTargetRef", &Schema::Any),
    ("minReplicas", &Schema::Any),
    ("maxReplicas", &Schema::Any),
    ("metrics", &Schema::Any),
    ("behavior", &Schema::Any),
]);

/// An autoscaling/v2 HorizontalPodAutoscaler: its target (a Deployment or StatefulSet of the
/// manifests, by `namespace/name`) becomes the scenario workload's name; `Resource` metrics
/// with `Utilization` targets only. Named `<name>` (`<name>.<namespace>` when the name repeats).
fn hpa(
    obj: &Object,
    objects: &[Object],
    names: &BTreeMap<String, String>,
    ignored: &mut Ignored,
) -> Result<Value, ImportError> {
    let mut spec = obj.value.get("spec").cloned().unwrap_or_else(|| json!({}));
    prune(&mut spec, &HPA_SPEC, "spec", ignored);
    let Value::Object(spec) = spec else {
        return Err(obj.err("spec", "must be a mapping"));
    };
    let r = spec
        .get("scaleTargetRef")
        .ok_or_else(|| obj.err("spec.scaleTargetRef", "missing"))?;
    let kind = r.get("kind").and_then(Value::as_str).unwrap_or_default();
    let target = r.get("name").and_then(Value::as_str).unwrap_or_default();
    if kind != "Deployment" && kind != "StatefulSet" {
        return Err(obj.err(
            "spec.scaleTargetRef.kind",
            format!("{kind:?}: only a Deployment or StatefulSet target is modelled"),
        ));
    }
    let key = format!("{kind}/{}/{target}", obj.namespace);
    let workload = names.get(&key).ok_or_else(|| {
        obj.err(
            "spec.scaleTargetRef.name",
            format!("no {kind} {}/{target} in the manifests", obj.namespace),
        )
    })?;
    if let Some(Value::Array(metrics)) = spec.get("metrics") {
        for (i, m) in metrics.iter().enumerate() {
            let ty = m.get("type").and_then(Value::as_str).unwrap_or_default();
            if ty != "Resource" {
                return Err(obj.err(
                    &format!("spec.metrics[{i}].type"),
                    format!("{ty:?}: only Resource metrics (cpu, memory) are modelled"),
                ));
            }
            let t = m
                .pointer("/resource/target/type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if t != "Utilization" {
                return Err(obj.err(
                    &format!("spec.metrics[{i}].resource.target.type"),
                    format!("{t:?}: only Utilization targets are modelled"),
                ));
            }
        }
    }
    let repeated = objects
        .iter()
        .filter(|o| o.kind == "HorizontalPodAutoscaler" && o.name == obj.name)
        .count()
        > 1;
    let name = if repeated {
        format!("{}.{}", obj.name, obj.namespace)
    } else {
        obj.name.clone()
    };
    let mut h = Map::new();
    h.insert("name".into(), json!(name));
    h.insert(
        "scaleTargetRef".into(),
        json!({"apiVersion": "apps/v1", "kind": kind, "name": workload}),
    );
    for k in ["minReplicas", "maxReplicas", "metrics", "behavior"] {
        if let Some(v) = spec.get(k) {
            h.insert(k.into(), v.clone());
        }
    }
    Ok(Value::Object(h))
}
