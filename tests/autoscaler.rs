//! The Cluster Autoscaler end to end: the real binary on the shipped scenario.

mod common;

use common::{assert_same_files, repo, run, stderr};
use std::fs;
use std::path::Path;

fn run_burst(out: &Path, extra: &[&str]) {
    let scenario = repo("scenarios/autoscaler-burst.yaml");
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `(time_s, column)` pairs of one timeseries.csv column.
fn column(dir: &Path, name: &str) -> Vec<(f64, u64)> {
    let text = fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[i].parse().unwrap())
        })
        .collect()
}

#[test]
fn burst_scales_up_then_down_and_every_job_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    run_burst(&out, &[]);
    let s: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let a = &s["autoscaler"];
    let added = a["nodesAdded"].as_u64().unwrap();
    let removed = a["nodesRemoved"].as_u64().unwrap();
    assert!(added > 0, "{a}");
    assert_eq!(removed, added, "back to the initial size: {a}");
    let burst = s["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "burst")
        .unwrap();
    assert_eq!(burst["succeeded"], 160, "{burst}");
    assert_eq!(s["podsPendingAtEnd"], 0);
    let wait = &a["podWaitForCapacityS"];
    assert!(wait["count"].as_u64().unwrap() > 0, "{wait}");
    assert!(wait["p50"].as_f64().unwrap() <= wait["p95"].as_f64().unwrap());
    assert!(wait["p95"].as_f64().unwrap() <= wait["max"].as_f64().unwrap());
    // 5 nodes are there all along; the workers pool costs 0.384 per node-hour.
    let hours = a["nodeHours"].as_f64().unwrap();
    assert!(
        hours > 2.0 * 2.0,
        "at least the two initial workers for 2h: {hours}"
    );
    let cost = a["cost"].as_f64().unwrap();
    let workers = &a["groups"][0];
    assert_eq!(workers["pool"], "workers");
    assert!(
        (workers["cost"].as_f64().unwrap() - workers["nodeHours"].as_f64().unwrap() * 0.384).abs()
            < 1e-9
    );
    assert!(cost >= workers["cost"].as_f64().unwrap());
    // The time series: 5 nodes, more during the burst, 5 again at the end; per-interval
    // counts add up to the totals.
    let total = column(&out, "nodes_total");
    assert_eq!(total[0].1, 5);
    assert!(total.iter().any(|(_, n)| *n > 5));
    assert_eq!(total.last().unwrap().1, 5);
    let sum = |c: &str| column(&out, c).iter().map(|(_, v)| v).sum::<u64>();
    assert_eq!(sum("autoscaler_nodes_added"), added);
    assert_eq!(sum("autoscaler_nodes_removed"), removed);
    // Nodes join only after the burst arrives (10m) and leave after being unneeded 10m.
    let first_up = column(&out, "autoscaler_nodes_added")
        .into_iter()
        .find(|(_, v)| *v > 0)
        .unwrap()
        .0;
    let first_down = column(&out, "autoscaler_nodes_removed")
        .into_iter()
        .find(|(_, v)| *v > 0)
        .unwrap()
        .0;
    assert!(first_up > 600.0, "{first_up}");
    assert!(first_down > first_up + 600.0, "{first_up} {first_down}");
}

#[test]
fn autoscaler_runs_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    run_burst(&a, &[]);
    run_burst(&b, &[]);
    run_burst(&c, &["--seed", "12"]);
    assert_same_files(&a, &b, &["summary.json", "timeseries.csv", "events.csv"]);
    assert_ne!(
        fs::read(a.join("timeseries.csv")).unwrap(),
        fs::read(c.join("timeseries.csv")).unwrap(),
        "another seed draws other provisioning delays"
    );
}

#[test]
fn a_bad_autoscaler_section_is_one_line_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(repo("scenarios/autoscaler-burst.yaml"))
        .unwrap()
        .replace("    - pool: workers-large", "    - pool: workers-huge");
    let path = dir.path().join("bad.yaml");
    fs::write(&path, text).unwrap();
    let o = run(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    assert!(
        e.contains("bad.yaml") && e.contains("autoscaler.nodeGroups[1].pool"),
        "{e}"
    );
}
