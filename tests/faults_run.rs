//! Fault injection through the real binary on the shipped failure scenarios: the cascade of
//! `cascade-overcommit`, the PDB-limited drains of `rolling-upgrade`, and byte-identical
//! results with faults on.

mod common;

use common::{assert_same_files, repo, run, run_finished, stderr};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::csv_maps as csv_rows;

fn run_scenario(name: &str, out: &Path, extra: &[&str]) {
    let path = repo(&format!("scenarios/{name}.yaml"));
    let mut args = vec![
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(run_finished(&o), "{name}: {}", stderr(&o));
}

#[test]
fn cascade_overcommit_cascades_through_overload_failures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("co");
    run_scenario("cascade-overcommit", &out, &["--report"]);
    // Overload failure is not upstream behaviour: the scenario turns it on, and the results
    // and the report say so.
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("| Overload failures | on (not upstream behaviour) |"),
        "{report}"
    );
    let cascades = csv_rows(&out.join("cascades.csv"));
    let root = cascades
        .iter()
        .find(|c| c["root_kind"] == "fault" && c["root_target"] == "rack-a-r0")
        .expect("a cascade rooted at the rack failure");
    let depth: u32 = root["depth"].parse().unwrap();
    let failed: u32 = root["nodes_failed"].parse().unwrap();
    assert!(depth >= 3, "depth {depth}");
    assert!(
        failed > 32,
        "overload failures beyond the 32 rack nodes: {failed}"
    );
    // Every effect names its parent, and the parent exists and happened no later.
    let effects = csv_rows(&out.join("effects.csv"));
    let time: BTreeMap<&str, f64> = effects
        .iter()
        .map(|e| (e["id"].as_str(), e["time_s"].parse().unwrap()))
        .collect();
    let mut overloads = 0;
    for e in &effects {
        if e["kind"] == "overload_failure" {
            overloads += 1;
        }
        if e["parent"].is_empty() {
            assert_eq!(e["root"], e["id"], "a root is its own root");
            continue;
        }
        let pt = time[e["parent"].as_str()];
        assert!(pt <= time[e["id"].as_str()], "parent after child: {e:?}");
    }
    assert!(overloads > 0);
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["resilience"]["overloadFailureEnabled"], true);
    assert_eq!(
        summary["resilience"]["maxCascadeDepth"].as_u64().unwrap(),
        u64::from(
            depth.max(
                cascades
                    .iter()
                    .map(|c| c["depth"].parse::<u32>().unwrap())
                    .max()
                    .unwrap()
            )
        )
    );
}

#[test]
fn rolling_upgrade_drains_within_the_budgets() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ru");
    run_scenario("rolling-upgrade", &out, &["--events", "all"]);
    let events = csv_rows(&out.join("events.csv"));
    let drained: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "evicted" && e["reason"].starts_with("Drain"))
        .collect();
    assert!(drained.len() > 1000, "{} drain evictions", drained.len());
    assert!(
        drained.iter().all(|e| e["workload"] != "singleton"),
        "minAvailable 1 of 1: the singleton is never evicted"
    );
    assert!(drained.iter().all(|e| e["workload"] != "node-agent"));
    // db (maxUnavailable 1): never two db evictions at the same instant.
    let mut db_times: Vec<&str> = drained
        .iter()
        .filter(|e| e["workload"] == "db")
        .map(|e| e["time_s"].as_str())
        .collect();
    let n = db_times.len();
    db_times.dedup();
    assert_eq!(n, db_times.len(), "two db members evicted at once");
    let workloads = csv_rows(&out.join("workloads.csv"));
    let singleton = workloads
        .iter()
        .find(|w| w["workload"] == "singleton")
        .unwrap();
    let below: f64 = singleton["minutes_below_desired"].parse().unwrap();
    assert!(below > 0.0, "the singleton went down with its node");
    let faults = csv_rows(&out.join("faults.csv"));
    assert!(faults.len() >= 30, "one window per batch: {}", faults.len());
}

#[test]
fn runs_with_faults_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        run_scenario("cascade-overcommit", out, &["--events", "all"]);
    }
    let files = [
        "summary.json",
        "timeseries.csv",
        "events.csv",
        "effects.csv",
        "cascades.csv",
        "workloads.csv",
        "workload_availability.csv",
        "faults.csv",
        "nodes.csv",
    ];
    assert_same_files(&a, &b, &files);
}

#[test]
fn n_plus_zone_variants_simulate_the_lost_zone() {
    // quickstart at 60 general nodes: fine as it is, but losing any zone at peak leaves
    // hundreds of pods Pending 15 minutes later, so no value up to 60 passes.
    let path = repo("scenarios/quickstart.yaml");
    let o = run(&[
        "plan",
        path.to_str().unwrap(),
        "--vary",
        "cluster.nodePools[general].count",
        "--min",
        "30",
        "--max",
        "60",
        "--slo",
        "pendingAfterFault:15m<=0",
        "--n-plus",
        "zone",
        "--seeds",
        "2",
    ]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(!o.status.success(), "{out}");
    assert!(
        stderr(&o).contains("no value up to --max 60"),
        "{}",
        stderr(&o)
    );
    let row = out
        .lines()
        .find(|l| l.starts_with("60 "))
        .unwrap_or_else(|| panic!("no row for 60: {out}"));
    assert!(row.contains("FAIL") && row.contains("3/3"), "{row}");
    // Without losing a zone the same scenario has no fault: the metric is not computed.
    let base = run(&[
        "plan",
        path.to_str().unwrap(),
        "--vary",
        "cluster.nodePools[general].count",
        "--min",
        "40",
        "--max",
        "60",
        "--slo",
        "podsUnschedulableAtEnd<=0",
        "--seeds",
        "2",
    ]);
    assert!(base.status.success(), "{}", stderr(&base));
}
