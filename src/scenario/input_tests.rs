//! Tests of the input rules added for honest numbers: zones are required, the work a scenario
//! implies is bounded, `--set` changes only the path it names, the YAML size limit matches
//! the validator's caps, and limit messages are plain sentences.

use std::path::PathBuf;

use super::*;

const SMALL: &str = r#"name: small
simulation: {duration: 2h, seed: 3, metricsInterval: 1m}
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 4, capacity: {cpu: "8", memory: 32Gi, pods: 110}, labels: {version: 1.10}}
workloads:
  - name: web
    kind: Deployment
    replicas: 4
    template:
      labels: {app: web}
      nodeSelector: {version: "1.10"}
      containers: [{name: c, resources: {requests: {cpu: 100m}}}]
  - name: batch
    kind: Job
    arrivals: {process: poisson, rate: 0.1/s}
    duration: 1m
    template: {containers: [{name: c, resources: {requests: {cpu: 100m}}}]}
"#;

fn err(text: &str, overrides: &[&str]) -> ScenarioError {
    let o: Vec<Override> = overrides.iter().map(|s| s.parse().unwrap()).collect();
    match parse_scenario_with_overrides(text, "s.yaml", &o) {
        Ok(_) => panic!("expected an error with {overrides:?}"),
        Err(e) => e,
    }
}

fn ok(text: &str, overrides: &[&str]) -> ValidScenario {
    let o: Vec<Override> = overrides.iter().map(|s| s.parse().unwrap()).collect();
    parse_scenario_with_overrides(text, "s.yaml", &o).unwrap_or_else(|e| panic!("{e}"))
}

fn shipped() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

#[test]
fn zones_are_required() {
    // Before: validation passed and building the nodes divided by zero (`i % zones.len()`).
    for text in [
        SMALL.replace("  zones: [a, b]\n", ""),
        SMALL.replace("zones: [a, b]", "zones: []"),
        "name: n\nsimulation: {duration: 1h}\ncluster:\n  nodes:\n    - {name: n1, capacity: {cpu: 1}}\n"
            .to_string(),
    ] {
        let e = err(&text, &[]);
        let first = &e.diagnostics()[0];
        assert_eq!(first.path, "cluster.zones", "{e}");
        assert!(
            first.message.contains("list at least one zone"),
            "{e}"
        );
    }
}

#[test]
fn untouched_values_keep_their_type_under_overrides() {
    // `1.10` as a label value: with any override it used to become "1.1" (a float written
    // back), so the nodeSelector `"1.10"` no longer matched.
    let plain = ok(SMALL, &[]);
    let with = ok(SMALL, &["simulation.seed=3"]);
    assert_eq!(plain.cluster.node_pools[0].labels["version"], "1.10");
    assert_eq!(with, plain);
    // A large integer as a label value stays as written (it used to become a float).
    let big = SMALL.replace(
        "version: 1.10}",
        "version: 1.10, serial: 123456789012345678901234}",
    );
    let plain = ok(&big, &[]);
    assert_eq!(
        plain.cluster.node_pools[0].labels["serial"],
        "123456789012345678901234"
    );
    assert_eq!(ok(&big, &["workloads[web].replicas=4"]), plain);
    // The override itself still applies, and a value set to `1.10` reads as in a file.
    let set = ok(SMALL, &["cluster.nodePools[p].labels.version=1.20"]);
    assert_eq!(set.cluster.node_pools[0].labels["version"], "1.20");
}

#[test]
fn a_no_op_override_leaves_every_shipped_scenario_unchanged() {
    for (path, text) in shipped() {
        let origin = path.display().to_string();
        let plain = parse_scenario(&text, &origin).unwrap_or_else(|e| panic!("{e}"));
        let seed = format!("simulation.seed={}", plain.simulation.seed);
        let again = parse_scenario_with_overrides(&text, &origin, &[seed.parse().unwrap()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again, plain, "{origin}");
    }
}

#[test]
fn work_is_bounded_with_the_figure_in_the_message() {
    let cases: [(&[&str], &str, &str); 6] = [
        (
            &["simulation.duration=1000000d"],
            "simulation.metricsInterval",
            "1,440,000,001 time-series samples, more than the supported 1,000,000",
        ),
        (
            &["simulation.metricsInterval=1ms"],
            "simulation.metricsInterval",
            "7,200,001 time-series samples",
        ),
        (
            &["workloads[batch].arrivals.rate=1e6/s"],
            "workloads",
            "the workloads create about 7,200,000,004 pods",
        ),
        (
            &["workloads[batch].arrivals.rate=1e12/s"],
            "workloads",
            "more than the supported 10,000,000",
        ),
        (
            &["faults=[{name: c, kind: correlated, scope: zone, rate: 1e12/s, mttr: 1m}]"],
            "faults",
            "expected to take nodes down about 14,400,000,000,000,000 times",
        ),
        (
            &[
                "simulation.duration=7d",
                "simulation.nodeSampleInterval=1m",
                "cluster.nodePools[p].count=250000",
            ],
            "simulation.nodeSampleInterval",
            "250,000 nodes sampled every 1m over 7d is 2,520,250,000 node samples",
        ),
    ];
    for (set, path, figure) in cases {
        let e = err(SMALL, set);
        let d = e
            .diagnostics()
            .iter()
            .find(|d| d.path == path)
            .unwrap_or_else(|| panic!("{set:?}: no error at {path}: {e}"));
        assert!(d.message.contains(figure), "{set:?}: {d}");
    }
    // Generous for real use: 7,000 nodes for a week of 1-minute samples, node samples too.
    let fleet = ok(
        SMALL,
        &[
            "simulation.duration=7d",
            "simulation.nodeSampleInterval=1m",
            "cluster.nodePools[p].count=7000",
            "workloads[batch].arrivals.rate=10/s",
        ],
    );
    assert_eq!(fleet.cluster.node_count(), 7000);
}

#[test]
fn every_shipped_scenario_is_within_the_limits() {
    for (path, text) in shipped() {
        parse_scenario(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// A scenario with `n` explicit nodes.
fn explicit_nodes(n: usize) -> String {
    let mut text =
        String::from("name: big\nsimulation: {duration: 1h}\ncluster:\n  zones: [a]\n  nodes:\n");
    for i in 0..n {
        text.push_str(&format!(
            "    - {{name: n{i}, zone: a, capacity: {{cpu: \"4\", memory: 16Gi, pods: 110}}}}\n"
        ));
    }
    text
}

#[test]
fn the_yaml_size_limit_accepts_what_validation_accepts() {
    // 20,000 explicit nodes are ~300,000 YAML values: the parser's default budget (250,000)
    // refused them although validation allows 1,000,000 nodes.
    let s = ok(&explicit_nodes(20_000), &[]);
    assert_eq!(s.cluster.node_count(), 20_000);
}

#[test]
fn parser_limits_are_plain_sentences() {
    // 50,001 aliases break the parser's alias budget; its own message printed a Rust
    // structure (`Aliases { aliases: 50001 }`).
    let mut text = String::from(
        "name: x\ndescription: &d a\nsimulation: {duration: 1h}\ncluster:\n  zones:\n",
    );
    for _ in 0..50_001 {
        text.push_str("    - *d\n");
    }
    let e = err(&text, &[]);
    let message = e.to_string();
    assert!(
        message.contains("too many YAML anchors or aliases"),
        "{message}"
    );
    assert!(!message.contains(['{', '}']), "{message}");
}
