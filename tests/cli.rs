//! Integration tests: the real `clustersim` binary on real scenario files.

use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::{bin, repo, run, run_finished, shipped_scenarios, stderr, stdout, write};

/// A valid small scenario used as the base of the malformed cases.
const GOOD: &str = r#"name: tiny
simulation: {duration: 10m, seed: 1, metricsInterval: 1m}
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 4, capacity: {cpu: "4", memory: 16Gi, pods: 110}}
workloads:
  - name: web
    kind: Deployment
    replicas: 6
    template:
      labels: {app: web}
      containers: [{name: c, resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}}]
"#;

#[test]
fn malformed_scenarios_exit_2_with_one_line_naming_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    // (case name, scenario text, expected substrings of the error line)
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("bad-yaml", "name: x\nsimulation: {duration: 1h\n".into(), vec!["simulation"]),
        ("unknown-field", GOOD.replace("seed: 1,", "seed: 1, sead: 2,"), vec!["simulation.sead", "unknown field"]),
        ("invalid-quantity", GOOD.replace("memory: 16Gi", "memory: 16GB"), vec!["cluster.nodePools[0].capacity.memory", "16GB"]),
        ("lowercase-k", GOOD.replace("cpu: 500m", "cpu: 1K"), vec!["workloads[0].template.containers[0].resources.requests.cpu"]),
        ("negative-replicas", GOOD.replace("replicas: 6", "replicas: -6"), vec!["workloads[0].replicas", "negative"]),
        ("unknown-zone", GOOD.replace("count: 4,", "count: 4, zones: [z],"), vec!["cluster.nodePools[0].zones", "z"]),
        (
            "duplicate-node",
            GOOD.replace("  nodePools:", "  nodes: [{name: n, zone: a, capacity: {cpu: 1}}, {name: n, zone: a, capacity: {cpu: 1}}]\n  nodePools:"),
            vec!["cluster.nodes[1].name", "duplicate"],
        ),
        ("request-over-limit", GOOD.replace("limits: {memory: 2Gi}", "limits: {memory: 512Mi}"), vec!["workloads[0].template.containers[0]", "memory"]),
        (
            "bad-taint-effect",
            GOOD.replace("pods: 110}}", "pods: 110}, taints: [{key: k, value: v, effect: NoWay}]}"),
            vec!["cluster.nodePools[0].taints[0].effect", "NoWay"],
        ),
        ("bad-duration", GOOD.replace("duration: 10m", "duration: 10 minutes"), vec!["simulation.duration"]),
        ("zero-duration", GOOD.replace("duration: 10m", "duration: 0s"), vec!["simulation.duration"]),
        ("unknown-kind", GOOD.replace("kind: Deployment", "kind: ReplicaSet"), vec!["workloads[0].kind", "ReplicaSet"]),
        ("unknown-priority-class", GOOD.replace("    replicas: 6", "    replicas: 6\n    priorityClassName: gold"), vec!["priorityClassName", "gold"]),
        ("missing-name", GOOD.replace("name: tiny\n", ""), vec!["name"]),
        (
            "bad-toleration-operator",
            GOOD.replace("labels: {app: web}", "labels: {app: web}\n      tolerations: [{key: k, operator: Maybe}]"),
            vec!["workloads[0].template.tolerations[0].operator", "Maybe"],
        ),
        ("unknown-scheduler", GOOD.replace("labels: {app: web}", "labels: {app: web}\n      schedulerName: other"), vec!["schedulerName", "other"]),
        (
            "deployment-without-containers",
            GOOD.replace("      containers: [{name: c, resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}}]\n", ""),
            vec!["workloads[0].template.containers"],
        ),
    ];
    assert!(cases.len() >= 15);
    for (name, text, expected) in cases {
        let file = format!("{name}.yaml");
        let path = write(dir.path(), &file, &text);
        let out = run(&[
            "run",
            path.to_str().unwrap(),
            "--out",
            dir.path().join("out").to_str().unwrap(),
            "--quiet",
        ]);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name}: expected exit 2, got {:?}; stderr: {err}",
            out.status.code()
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{name}: error must be one line: {err}"
        );
        assert!(
            err.contains(&file),
            "{name}: error must name the file: {err}"
        );
        for e in expected {
            assert!(err.contains(e), "{name}: error should mention `{e}`: {err}");
        }
        assert!(!err.contains("panicked"), "{name}: panic: {err}");
        assert!(
            !dir.path().join("out").exists(),
            "{name}: no results directory on bad input"
        );
    }
}

#[test]
fn missing_file_and_unwritable_out_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["run", dir.path().join("nope.yaml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.yaml"), "{}", stderr(&out));

    let good = write(dir.path(), "good.yaml", GOOD);
    let blocker = write(dir.path(), "file", "not a directory");
    let target = blocker.join("results");
    let out = run(&[
        "run",
        good.to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--out"), "{}", stderr(&out));
    assert_eq!(stderr(&out).trim_end().lines().count(), 1);
}

fn read_dir_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn same_seed_gives_byte_identical_results_and_other_seed_differs() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/quickstart.yaml");
    let runs: Vec<PathBuf> = ["a", "b", "c"].iter().map(|n| dir.path().join(n)).collect();
    for (i, out) in runs.iter().enumerate() {
        let seed = if i < 2 { "11" } else { "12" };
        let o = run(&[
            "run",
            scenario.to_str().unwrap(),
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(run_finished(&o), "{}", stderr(&o));
    }
    let a = read_dir_files(&runs[0]);
    let b = read_dir_files(&runs[1]);
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "summary.json",
        "timing.json",
        "timeseries.csv",
        "events.csv",
    ] {
        assert!(names.contains(&expected), "missing {expected} in {names:?}");
    }
    assert_eq!(a.len(), b.len());
    for ((na, da), (nb, db)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        if na != "timing.json" {
            assert!(da == db, "{na} differs between two runs with the same seed");
        }
    }
    let events = |d: &Path| fs::read(d.join("events.csv")).unwrap();
    assert_ne!(
        events(&runs[0]),
        events(&runs[2]),
        "a different seed must change placements"
    );
}

#[test]
fn results_go_to_default_directory_and_replace_an_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "tiny.yaml", GOOD);
    let o = bin()
        .current_dir(dir.path())
        .args(["run", "tiny.yaml", "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let target = dir.path().join("results/tiny-1");
    assert!(target.join("summary.json").exists());
    fs::write(target.join("stale.txt"), "old").unwrap();
    let o = bin()
        .current_dir(dir.path())
        .args(["run", scenario.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        !target.join("stale.txt").exists(),
        "old results directory is replaced whole"
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path().join("results"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary directories left behind: {leftovers:?}"
    );
}

#[test]
fn set_overrides_change_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "tiny.yaml", GOOD);
    let out = dir.path().join("o");
    let o = run(&[
        "run",
        scenario.to_str().unwrap(),
        "--set",
        "workloads[web].replicas=9",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["podsCreated"], 9);
    let o = run(&[
        "run",
        scenario.to_str().unwrap(),
        "--set",
        "workloads[nope].replicas=9",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("workloads[nope]"), "{}", stderr(&o));
}

#[test]
fn every_shipped_scenario_validates_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    for path in shipped_scenarios() {
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with('#'),
            "{}: must be documented at its top",
            path.display()
        );
        let v = run(&["validate", path.to_str().unwrap()]);
        assert!(
            v.status.success(),
            "validate {}: {}",
            path.display(),
            stderr(&v)
        );
        assert!(stdout(&v).contains("nodes:"), "{}", stdout(&v));
        let out = dir.path().join(path.file_stem().unwrap());
        let r = run(&[
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--events",
            "failures",
            "--quiet",
        ]);
        assert!(run_finished(&r), "run {}: {}", path.display(), stderr(&r));
        let summary: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert!(
            summary["podsScheduled"].as_u64().unwrap() > 0,
            "{}: nothing scheduled",
            path.display()
        );
        let rows = fs::read_to_string(out.join("timeseries.csv"))
            .unwrap()
            .lines()
            .count();
        assert!(rows > 2, "{}: time series too short", path.display());
    }
}

#[test]
fn baseline_reaches_its_stated_size() {
    let v = run(&[
        "validate",
        repo("scenarios/baseline-7000.yaml").to_str().unwrap(),
    ]);
    assert!(v.status.success(), "{}", stderr(&v));
    let text = stdout(&v);
    assert!(text.contains("nodes: 7000"), "{text}");
    assert!(
        text.contains("workloads: 3"),
        "at least 30 workloads: {text}"
    );
    assert!(
        text.contains("warning:") && text.contains("feature-flags"),
        "BestEffort workload is warned about: {text}"
    );
}

#[test]
fn validate_reports_pools_zones_and_requests() {
    let v = run(&[
        "validate",
        repo("scenarios/quickstart.yaml").to_str().unwrap(),
    ]);
    assert!(v.status.success(), "{}", stderr(&v));
    let text = stdout(&v);
    assert!(text.contains("nodes: 48"), "{text}");
    assert!(
        text.contains("general") && text.contains("zone a"),
        "{text}"
    );
    assert!(
        text.contains("allocatable") && text.contains("steady requests"),
        "{text}"
    );
    assert!(text.contains("web") && text.contains("120"), "{text}");
}

#[test]
fn explain_json_has_the_documented_shape() {
    let o = run(&[
        "explain",
        repo("scenarios/quickstart.yaml").to_str().unwrap(),
        "--workload",
        "api",
        "--at",
        "10m",
        "--json",
        "--all-nodes",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert!(v["pod"].as_str().unwrap().starts_with("api-"));
    assert_eq!(v["nodesExamined"], 48);
    let nodes = v["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 48);
    let selected = v["selected"].as_str().expect("a node is selected");
    let gpu = nodes.iter().find(|n| n["node"] == "gpu-0").unwrap();
    assert_eq!(gpu["feasible"], false);
    assert!(
        gpu["reason"].as_str().unwrap().contains("TaintToleration"),
        "{gpu}"
    );
    let best = nodes
        .iter()
        .filter(|n| n["feasible"] == true)
        .map(|n| n["total"].as_i64().unwrap())
        .max()
        .unwrap();
    let chosen = nodes.iter().find(|n| n["node"] == selected).unwrap();
    assert_eq!(
        chosen["total"].as_i64().unwrap(),
        best,
        "the selected node has the best total"
    );
    let scores = chosen["scores"].as_object().unwrap();
    for plugin in [
        "TaintToleration",
        "NodeAffinity",
        "NodeResourcesFit",
        "PodTopologySpread",
        "NodeResourcesBalancedAllocation",
        "ImageLocality",
    ] {
        let s = &scores[plugin];
        assert!(
            s["raw"].is_i64() && s["normalized"].is_i64() && s["weighted"].is_i64(),
            "{plugin}: {s}"
        );
    }
    let sum: i64 = scores
        .values()
        .map(|s| s["weighted"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, chosen["total"].as_i64().unwrap());

    let sampled = run(&[
        "explain",
        repo("scenarios/baseline-7000.yaml").to_str().unwrap(),
        "--workload",
        "web-missing",
    ]);
    assert_eq!(sampled.status.code(), Some(2));
}

#[test]
fn explain_samples_like_the_scheduler_on_large_clusters() {
    let o = run(&[
        "explain",
        repo("scenarios/throughput-7000.yaml").to_str().unwrap(),
        "--workload",
        "size-m",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["nodesExamined"], 350,
        "adaptive percentageOfNodesToScore: 5% of 7000"
    );
}
