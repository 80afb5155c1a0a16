//! The sweep file: a base scenario, a grid of overrides on scenario paths, and seeds.
//!
//! ```yaml
//! name: nodes-vs-load            # optional; default: the file name without .yaml
//! description: free text         # optional
//! base: ../baseline-7000.yaml    # the scenario, relative to this file
//! seeds: [1, 2, 3]               # or: replications: 3 (+ seed: 1; default the base's seed)
//! set:                           # optional: overrides applied to every point
//!   simulation.duration: 2h
//! parameters:                    # scenario path: values (list, range, or labelled)
//!   cluster.nodePools[general].count: [5000, 5500, 6000]
//!   workloads[frontend].replicas: {from: 8000, to: 10000, step: 1000}
//!   faults:                      # labelled values: the label is shown in tables
//!     none: []
//!     zone-a: [{name: zone-a, kind: zoneOutage, at: 12h, target: {zone: a}}]
//! metrics: [podsPendingAtEnd, peakPending]   # optional; default: the key metrics
//! events: none                   # events.csv of each run: none (default), failures, all
//! ```
//!
//! Every error is one line naming the file and the field, like the scenario loader's.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::MessageFormatter;

use super::error::SweepError;
use super::metric::{Metric, DEFAULT_METRICS};
use super::sha256::sha256_hex;
use crate::metrics::EventLogLevel;
use crate::scenario::error::{Diagnostic, Location};
use crate::scenario::{parse_scenario_with_overrides, Override, ValidScenario};

/// Most values one parameter may take.
pub const MAX_VALUES: usize = 10_000;
/// Most points (value combinations) a sweep may have.
pub const MAX_POINTS: usize = 100_000;
/// Most runs (points × seeds) a sweep may have.
pub const MAX_RUNS: usize = 1_000_000;

/// A loaded, checked sweep file.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The sweep file as given (prefixes error messages).
    pub file: String,
    /// Sweep name (names the default results directory).
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// The base scenario file (resolved against the sweep file's directory).
    pub base_file: PathBuf,
    /// The base scenario's text.
    pub base_text: String,
    /// The base scenario with the fixed overrides applied.
    pub base: ValidScenario,
    /// Overrides applied to every point (`set:`), in file order.
    pub fixed: Vec<Override>,
    /// Swept parameters, in file order.
    pub parameters: Vec<Parameter>,
    /// Seeds of every point, in order.
    pub seeds: Vec<u64>,
    /// Metrics of `sweep.csv`, in order.
    pub metrics: Vec<Metric>,
    /// Event log of each run.
    pub events: EventLogLevel,
    /// SHA-256 of the sweep file's bytes.
    pub sweep_sha256: String,
    /// SHA-256 of the base scenario's bytes.
    pub base_sha256: String,
}

/// One swept scenario path and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// Scenario path, as for `--set` (`cluster.nodePools[general].count`).
    pub path: String,
    /// Values, in order.
    pub values: Vec<ParamValue>,
}

/// One value of a parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamValue {
    /// The value as override text (JSON, which the override machinery reads as YAML).
    pub yaml: String,
    /// The value as shown in `sweep.csv` (strings unquoted, other values as compact JSON).
    pub label: String,
}

/// `events:`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum EventsField {
    None,
    Failures,
    All,
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    base: String,
    #[serde(default)]
    seeds: Option<Vec<u64>>,
    #[serde(default)]
    replications: Option<u64>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    set: Ordered<Value>,
    #[serde(default)]
    parameters: Ordered<Spec>,
    #[serde(default)]
    metrics: Option<Vec<String>>,
    #[serde(default)]
    events: Option<EventsField>,
}

/// A mapping whose order is kept (the grid order follows the file).
#[derive(Debug)]
struct Ordered<V>(Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of scenario paths to values")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Ordered<V>, E> {
                Ok(Ordered::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Ordered<V>, E> {
                Ok(Ordered::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered<V>, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    if out.iter().any(|(seen, _)| *seen == k) {
                        return Err(de::Error::custom(format!("duplicate key {k:?}")));
                    }
                    let v = map.next_value::<V>()?;
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_any(Vis(std::marker::PhantomData))
    }
}

/// A parameter's values as written: a list, a mapping (a range, or labelled values, in file
/// order), or something else (an error).
#[derive(Debug)]
enum Spec {
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
    Other(Value),
}

impl<'de> Deserialize<'de> for Spec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis;
        impl<'de> Visitor<'de> for Vis {
            type Value = Spec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of values, {from, to, step}, or a mapping of labels to values")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Spec, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<Value>()? {
                    out.push(v);
                }
                Ok(Spec::List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Spec, A::Error> {
                let o: Ordered<Value> =
                    Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Spec::Map(o.0))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Spec, E> {
                Ok(Spec::Other(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Spec, E> {
                Ok(Spec::Other(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Spec, E> {
                Ok(Spec::Other(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Spec, E> {
                Ok(Spec::Other(Value::from(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Spec, E> {
                Ok(Spec::Other(Value::from(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Spec, E> {
                Ok(Spec::Other(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<Spec, E> {
                Ok(Spec::Other(Value::Null))
            }
        }
        d.deserialize_any(Vis)
    }
}

/// Reads and checks the sweep file at `path`, and its base scenario.
pub fn load_sweep(path: &Path) -> Result<Sweep, SweepError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| SweepError::Input(format!("{file}: cannot read sweep file: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| SweepError::Input(format!("{file}: not UTF-8 text")))?;
    let dir = path.parent().unwrap_or(Path::new(""));
    parse_sweep(&text, &file, dir)
}

/// Parses sweep `text` (from `file`), resolving `base:` against `dir`.
pub fn parse_sweep(text: &str, file: &str, dir: &Path) -> Result<Sweep, SweepError> {
    let err = |field: &str, message: String| {
        SweepError::Input(Diagnostic::new(file, field, message).to_string())
    };
    let raw: Raw = from_yaml(text, file)?;

    let name = match raw.name {
        Some(n) => {
            if n.is_empty()
                || n == "."
                || n == ".."
                || !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            {
                return Err(err("name", format!("{n:?} must be non-empty and use only letters, digits, `.`, `_` and `-` (it names a directory)")));
            }
            n
        }
        None => Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "sweep".into()),
    };

    if raw.base.trim().is_empty() {
        return Err(err("base", "must name the base scenario file".into()));
    }
    let base_file = dir.join(&raw.base);
    let base_bytes = std::fs::read(&base_file).map_err(|e| {
        err(
            "base",
            format!("cannot read base scenario {}: {e}", base_file.display()),
        )
    })?;
    let base_text = String::from_utf8(base_bytes.clone())
        .map_err(|_| err("base", format!("{} is not UTF-8 text", base_file.display())))?;
    let base_origin = base_file.display().to_string();

    let mut fixed = Vec::new();
    for (path, value) in &raw.set.0 {
        check_path(path).map_err(|m| err(&format!("set[{path}]"), m))?;
        fixed.push(Override {
            path: path.clone(),
            value: override_text(value),
        });
    }
    let base = parse_scenario_with_overrides(&base_text, &base_origin, &fixed).map_err(|e| {
        let field = if fixed.is_empty() { "base" } else { "set" };
        err(field, e.to_string())
    })?;

    let mut parameters: Vec<Parameter> = Vec::new();
    for (path, spec) in &raw.parameters.0 {
        let field = format!("parameters[{path}]");
        check_path(path).map_err(|m| err(&field, m))?;
        if fixed.iter().any(|o| o.path == *path) {
            return Err(err(
                &field,
                "is also fixed under set:; keep it in one place".into(),
            ));
        }
        let values = expand(spec).map_err(|m| err(&field, m))?;
        parameters.push(Parameter {
            path: path.clone(),
            values,
        });
    }
    let points = parameters.iter().try_fold(1usize, |acc, p| {
        acc.checked_mul(p.values.len()).filter(|&n| n <= MAX_POINTS)
    });
    let points = points.ok_or_else(|| {
        err(
            "parameters",
            format!("the grid has more than {MAX_POINTS} points"),
        )
    })?;

    let seeds = match (raw.seeds, raw.replications, raw.seed) {
        (Some(_), Some(_), _) => {
            return Err(err(
                "replications",
                "give either seeds: [..] or replications: N, not both".into(),
            ))
        }
        (Some(_), None, Some(_)) => {
            return Err(err(
                "seed",
                "seed: (the first seed) goes with replications:, not with seeds: [..]".into(),
            ))
        }
        (Some(seeds), None, None) => {
            if seeds.is_empty() {
                return Err(err("seeds", "must list at least one seed".into()));
            }
            for (i, s) in seeds.iter().enumerate() {
                if seeds[..i].contains(s) {
                    return Err(err(
                        &format!("seeds[{i}]"),
                        format!("seed {s} is listed twice"),
                    ));
                }
            }
            seeds
        }
        (None, Some(n), first) => {
            if n == 0 || n as usize > MAX_RUNS {
                return Err(err(
                    "replications",
                    format!("must be between 1 and {MAX_RUNS}, got {n}"),
                ));
            }
            let first = first.unwrap_or(base.simulation.seed);
            if first.checked_add(n - 1).is_none() {
                return Err(err(
                    "seed",
                    format!("seeds {first}.. ({n} of them) overflow 64 bits"),
                ));
            }
            (first..first + n).collect()
        }
        (None, None, _) => {
            return Err(err("", "missing `seeds: [..]` or `replications: N`".into()))
        }
    };
    if points.saturating_mul(seeds.len()) > MAX_RUNS {
        return Err(err(
            "seeds",
            format!(
                "{points} points × {} seeds is more than {MAX_RUNS} runs",
                seeds.len()
            ),
        ));
    }

    let metrics = match raw.metrics {
        None => DEFAULT_METRICS.to_vec(),
        Some(list) => {
            if list.is_empty() {
                return Err(err(
                    "metrics",
                    "must list at least one metric (or leave it out for the defaults)".into(),
                ));
            }
            let mut out: Vec<Metric> = Vec::new();
            for (i, m) in list.iter().enumerate() {
                let metric: Metric = m
                    .parse()
                    .map_err(|e: String| err(&format!("metrics[{i}]"), e))?;
                if out.contains(&metric) {
                    return Err(err(
                        &format!("metrics[{i}]"),
                        format!("{metric} is listed twice"),
                    ));
                }
                out.push(metric);
            }
            out
        }
    };
    let events = match raw.events.unwrap_or(EventsField::None) {
        EventsField::None => EventLogLevel::None,
        EventsField::Failures => EventLogLevel::Failures,
        EventsField::All => EventLogLevel::All,
    };

    Ok(Sweep {
        file: file.to_string(),
        name,
        description: raw.description,
        base_file,
        base_text,
        base,
        fixed,
        parameters,
        seeds,
        metrics,
        events,
        sweep_sha256: sha256_hex(text.as_bytes()),
        base_sha256: sha256_hex(&base_bytes),
    })
}

/// Checks the syntax of a scenario path.
fn check_path(path: &str) -> Result<(), String> {
    crate::scenario::overrides::parse_path(path)
        .map(|_| ())
        .map_err(|e| format!("invalid scenario path {path:?}: {e}"))
}

/// A YAML value as override text: JSON, which reads back as the same YAML value.
fn override_text(v: &Value) -> String {
    serde_json::to_string(v).expect("JSON values serialise")
}

/// A value as shown in tables: strings as they are, other values as compact JSON.
fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => override_text(other),
    }
}

/// The values of one parameter: a list; `{from, to, step}` (inclusive of `to` when the steps
/// land on it); or a mapping of labels to values (`{none: [], zone-a: [...]}`), labels shown in
/// tables in place of the values.
fn expand(spec: &Spec) -> Result<Vec<ParamValue>, String> {
    const RANGE: [&str; 3] = ["from", "to", "step"];
    let values: Vec<(Option<String>, Value)> = match spec {
        Spec::List(items) => items.iter().map(|v| (None, v.clone())).collect(),
        Spec::Map(entries) if entries.iter().any(|(k, _)| RANGE.contains(&k.as_str())) => {
            for (k, _) in entries {
                if !RANGE.contains(&k.as_str()) {
                    return Err(format!(
                        "unknown field `{k}` in a range; expected from, to, step (labels of values cannot be from, to or step)"
                    ));
                }
            }
            let get = |k: &str| -> Result<&serde_json::Number, String> {
                match entries.iter().find(|(key, _)| key == k).map(|(_, v)| v) {
                    Some(Value::Number(n)) => Ok(n),
                    Some(other) => Err(format!(
                        "range `{k}` must be a number, got {}",
                        override_text(other)
                    )),
                    None => Err(format!("a range needs from, to and step; `{k}` is missing")),
                }
            };
            let (from, to, step) = (get("from")?, get("to")?, get("step")?);
            range(from, to, step)?.into_iter().map(|v| (None, v)).collect()
        }
        Spec::Map(entries) => entries.iter().map(|(k, v)| (Some(k.clone()), v.clone())).collect(),
        Spec::Other(other) => {
            return Err(format!(
                "expected a list of values, {{from, to, step}} or a mapping of labels to values, got {}",
                override_text(other)
            ))
        }
    };
    if values.is_empty() {
        return Err("must list at least one value".into());
    }
    if values.len() > MAX_VALUES {
        return Err(format!("more than {MAX_VALUES} values"));
    }
    let mut out: Vec<ParamValue> = Vec::with_capacity(values.len());
    for (name, v) in &values {
        let pv = ParamValue {
            yaml: override_text(v),
            label: name.clone().unwrap_or_else(|| label(v)),
        };
        if out.iter().any(|o| o.yaml == pv.yaml) {
            return Err(format!("value {} is listed twice", pv.yaml));
        }
        out.push(pv);
    }
    Ok(out)
}

fn range(
    from: &serde_json::Number,
    to: &serde_json::Number,
    step: &serde_json::Number,
) -> Result<Vec<Value>, String> {
    if let (Some(f), Some(t), Some(s)) = (from.as_i64(), to.as_i64(), step.as_i64()) {
        if s <= 0 {
            return Err(format!("range step must be positive, got {s}"));
        }
        if f > t {
            return Err(format!("range from ({f}) is above to ({t})"));
        }
        let n = ((t as i128 - f as i128) / s as i128 + 1) as u128;
        if n > MAX_VALUES as u128 {
            return Err(format!("the range has {n} values, more than {MAX_VALUES}"));
        }
        return Ok((0..n as i64).map(|i| Value::from(f + i * s)).collect());
    }
    let (f, t, s) = (
        from.as_f64().unwrap_or(f64::NAN),
        to.as_f64().unwrap_or(f64::NAN),
        step.as_f64().unwrap_or(f64::NAN),
    );
    if !s.is_finite() || s <= 0.0 {
        return Err(format!("range step must be positive, got {s}"));
    }
    if !f.is_finite() || !t.is_finite() || f > t {
        return Err(format!("range from ({f}) is above to ({t})"));
    }
    let n = ((t - f) / s + 1e-9).floor() + 1.0;
    if n > MAX_VALUES as f64 {
        return Err(format!("the range has {n} values, more than {MAX_VALUES}"));
    }
    Ok((0..n as u64)
        .map(|i| {
            let v = f + i as f64 * s;
            let v = (v * 1e9).round() / 1e9;
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
        })
        .collect())
}

/// Deserializes the sweep file, with the field path and position of any error.
fn from_yaml<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, SweepError> {
    let mut failed_at = None;
    serde_saphyr::with_deserializer_from_str_with_options(
        text,
        crate::scenario::load::yaml_options(),
        |deserializer| {
            serde_path_to_error::deserialize(deserializer).map_err(|e| {
                failed_at = Some(field_path(e.path()));
                e.into_inner()
            })
        },
    )
    .map_err(|e| {
        let message = serde_saphyr::UserMessageFormatter.format_message(e.without_snippet());
        let location = e.location().filter(|l| l.line() > 0).map(|l| Location {
            line: l.line(),
            column: l.column(),
        });
        SweepError::Input(
            Diagnostic::new(file, failed_at.unwrap_or_default(), message)
                .at(location)
                .to_string(),
        )
    })
}

/// A serde path in the scenario loader's syntax (`parameters[cluster.nodePools[a].count]`).
fn field_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => out = format!("{out}[{index}]"),
            Segment::Map { key }
                if key.contains(['.', '[', ']'])
                    || out.starts_with("parameters")
                    || out.starts_with("set") =>
            {
                out = format!("{out}[{key}]")
            }
            Segment::Map { key } if out.is_empty() => out = key.clone(),
            Segment::Map { key } => out = format!("{out}.{key}"),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "name: b\nsimulation: {duration: 10m, seed: 9}\ncluster:\n  zones: [a]\n  nodePools:\n    - {name: general, count: 4, capacity: {cpu: \"4\", memory: 16Gi, pods: 110}}\nworkloads:\n  - name: web\n    kind: Deployment\n    replicas: 6\n    template:\n      containers: [{name: c, resources: {requests: {cpu: 500m, memory: 1Gi}}}]\n";

    fn parse(text: &str) -> Result<Sweep, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.yaml"), BASE).unwrap();
        parse_sweep(text, "s.yaml", dir.path()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_lists_ranges_and_replications() {
        let s = parse(
            "base: base.yaml\nreplications: 3\nset: {simulation.duration: 5m}\nparameters:\n  cluster.nodePools[general].count: {from: 2, to: 7, step: 2}\n  workloads[web].replicas: [1, 3]\n  faults: [none, zone-a]\n",
        )
        .unwrap();
        assert_eq!(s.name, "s");
        assert_eq!(s.seeds, vec![9, 10, 11]);
        assert_eq!(
            s.fixed,
            vec![Override {
                path: "simulation.duration".into(),
                value: "\"5m\"".into()
            }]
        );
        let labels: Vec<Vec<&str>> = s
            .parameters
            .iter()
            .map(|p| p.values.iter().map(|v| v.label.as_str()).collect())
            .collect();
        assert_eq!(
            labels,
            vec![vec!["2", "4", "6"], vec!["1", "3"], vec!["none", "zone-a"]]
        );
        assert_eq!(s.parameters[0].path, "cluster.nodePools[general].count");
        assert_eq!(s.parameters[2].values[1].yaml, "\"zone-a\"");
        assert_eq!(s.metrics, DEFAULT_METRICS.to_vec());
        assert_eq!(s.base.simulation.duration.as_millis(), 300_000);
        let f = parse("base: base.yaml\nseeds: [4, 2]\nparameters: {x: {from: 0.1, to: 0.3, step: 0.1}}\nmetrics: [peakPending]\nevents: all\n").unwrap();
        assert_eq!(f.seeds, vec![4, 2]);
        let labels: Vec<&str> = f.parameters[0]
            .values
            .iter()
            .map(|v| v.label.as_str())
            .collect();
        assert_eq!(labels, vec!["0.1", "0.2", "0.3"]);
        assert_eq!(f.events, EventLogLevel::All);
        let l = parse("base: base.yaml\nseeds: [1]\nparameters:\n  faults:\n    none: []\n    zone-b: [{name: b}]\n    zone-a: [{name: a}]\n").unwrap();
        let v: Vec<(&str, &str)> = l.parameters[0]
            .values
            .iter()
            .map(|v| (v.label.as_str(), v.yaml.as_str()))
            .collect();
        assert_eq!(
            v,
            vec![
                ("none", "[]"),
                ("zone-b", "[{\"name\":\"b\"}]"),
                ("zone-a", "[{\"name\":\"a\"}]")
            ],
            "file order, labels shown"
        );
    }

    #[test]
    fn errors_name_the_field() {
        for (text, want) in [
            ("base: base.yaml\nseeds: [1]\nbogus: 1\n", "s.yaml: bogus"),
            (
                "base: base.yaml\nseeds: [1]\nparameters: {a.b: []}\n",
                "parameters[a.b]: must list",
            ),
            (
                "base: base.yaml\nseeds: [1]\nparameters: {a: {from: 3, to: 1, step: 1}}\n",
                "parameters[a]: range from",
            ),
            (
                "base: base.yaml\nseeds: [1]\nparameters: {a: {from: 1, to: 3, step: 0}}\n",
                "step must be positive",
            ),
            (
                "base: base.yaml\nseeds: [1]\nparameters: {a: {from: 1, to: 3}}\n",
                "`step` is missing",
            ),
            (
                "base: base.yaml\nseeds: [1]\nparameters: {a: 5}\n",
                "expected a list",
            ),
            (
                "base: base.yaml\nseeds: [1]\nparameters: {\"a..b\": [1]}\n",
                "invalid scenario path",
            ),
            (
                "base: base.yaml\nseeds: [1, 1]\n",
                "seeds[1]: seed 1 is listed twice",
            ),
            ("base: base.yaml\nseeds: []\n", "seeds: must list"),
            (
                "base: base.yaml\nseeds: [1]\nreplications: 2\n",
                "replications: give either",
            ),
            ("base: base.yaml\n", "missing `seeds"),
            (
                "base: nope.yaml\nseeds: [1]\n",
                "base: cannot read base scenario",
            ),
            (
                "base: base.yaml\nseeds: [1]\nmetrics: [x]\n",
                "metrics[0]: unknown metric",
            ),
            ("base: base.yaml\nseeds: [1]\nevents: some\n", "events"),
            (
                "base: base.yaml\nseeds: [1]\nset:\n  workloads[api].replicas: 1\n",
                "s.yaml: set: ",
            ),
            ("base: base.yaml\nseeds: [1]\nname: a/b\n", "name: "),
            (
                "base: base.yaml\nseeds: [1]\nparameters: {a: [1, 1]}\n",
                "listed twice",
            ),
            ("seeds: [1]\n", "base"),
        ] {
            let e = parse(text).expect_err(text);
            assert!(e.starts_with("s.yaml: "), "{e}");
            assert!(e.contains(want), "{text:?}: {e:?} should contain {want:?}");
            assert!(!e.contains('\n'), "{e}");
        }
    }
}
