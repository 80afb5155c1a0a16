//! Integration tests of `plan`: the headroom search on the quickstart, named SLOs and cases,
//! and `--n-plus` zone and rack variants.

use std::fs;
use std::path::Path;
use std::process::Output;

mod common;
use common::sweep::{csv_rows, ok, setup, BASE, SWEEP};
use common::{repo, run, run_finished, s, stderr, stdout};

/// The largest `pods_pending` at or after one hour in a `run` of the quickstart at one node
/// count, for each seed (what the quickstart's `slo.maxPendingAfter: {at: 60m, pods: 0}` judges).
fn pending_after_1h(dir: &Path, count: i64, seeds: &[u64]) -> Vec<u64> {
    seeds
        .iter()
        .map(|seed| {
            let out = dir.join(format!("run-{count}-{seed}"));
            // Exit 3 when the run fails the quickstart's SLOs, which is what is looked for.
            let o = run(&[
                "run",
                s(&repo("scenarios/quickstart.yaml")),
                "--seed",
                &seed.to_string(),
                "--set",
                &format!("cluster.nodePools[general].count={count}"),
                "--out",
                s(&out),
                "--events",
                "none",
                "-q",
            ]);
            assert!(run_finished(&o), "{}", stderr(&o));
            let rows = csv_rows(&out.join("timeseries.csv"));
            let time = rows[0].iter().position(|h| h == "time_s").unwrap();
            let pending = rows[0].iter().position(|h| h == "pods_pending").unwrap();
            rows[1..]
                .iter()
                .filter(|r| r[time].parse::<f64>().unwrap() >= 3600.0)
                .map(|r| r[pending].parse::<u64>().unwrap())
                .max()
                .unwrap()
        })
        .collect()
}

#[test]
fn plan_on_quickstart_returns_a_value_whose_neighbour_below_fails() {
    let dir = tempfile::tempdir().unwrap();
    let o = ok(run(&[
        "plan",
        s(&repo("scenarios/quickstart.yaml")),
        "--vary",
        "cluster.nodePools[general].count",
        "--min",
        "30",
        "--max",
        "60",
        "--slo",
        "maxPendingAfter",
        "--seeds",
        "2",
        "-q",
    ]));
    let out = stdout(&o);
    assert!(
        out.contains("maxPendingAfter: pendingAfter:1h <= 0"),
        "the named SLO comes from the scenario: {out}"
    );
    let answer: i64 = out
        .lines()
        .find_map(|l| l.strip_prefix("answer: cluster.nodePools[general].count = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no answer line in {out}"));
    assert!(answer > 30 && answer <= 60, "{out}");
    assert!(
        out.contains(&format!("({} fails, {answer} passes)", answer - 1)),
        "{out}"
    );
    // Check both neighbours with plain runs, with the same seeds (the scenario's 7, then 8).
    let below = pending_after_1h(dir.path(), answer - 1, &[7, 8]);
    let at = pending_after_1h(dir.path(), answer, &[7, 8]);
    assert!(
        below.iter().any(|&p| p > 0),
        "{} should fail: {below:?}\n{out}",
        answer - 1
    );
    assert!(
        at.iter().all(|&p| p == 0),
        "{answer} should pass: {at:?}\n{out}"
    );
    assert!(out.contains("FAIL") && out.contains("pass"), "{out}");
}

#[test]
fn plan_uses_named_slos_and_cases_and_rejects_bad_options() {
    let dir = setup(SWEEP);
    let base = dir.path().join("base.yaml");
    fs::write(&base, format!("{BASE}slo:\n  maxUnschedulableAtEnd: 0\n")).unwrap();
    let o = ok(run(&[
        "plan",
        s(&base),
        "--vary",
        "cluster.nodePools[general].count",
        "--min",
        "1",
        "--max",
        "8",
        "--slo",
        "maxUnschedulableAtEnd",
        "--across",
        "workloads[web].replicas=[4, 8]",
        "--seeds",
        "1",
        "-q",
    ]));
    let out = stdout(&o);
    // 8 replicas of 2 per node need 4 nodes; the case with 4 replicas alone would need 2.
    assert!(
        out.contains("answer: cluster.nodePools[general].count = 4 (3 fails, 4 passes)"),
        "{out}"
    );
    assert!(
        out.contains("workloads[web].replicas=8") && out.contains("maxUnschedulableAtEnd"),
        "{out}"
    );

    for (args, want) in [
        (
            vec!["--slo", "maxUnschedulableAtEnd", "--n-plus", "region"],
            "--n-plus: expected zone or rack",
        ),
        (
            vec!["--slo", "maxCascadeDepth"],
            "does not set maxCascadeDepth",
        ),
        (
            vec!["--slo", "maxPeakPending"],
            "does not set maxPeakPending",
        ),
        (vec!["--slo", "nope<=1"], "unknown metric"),
        (
            vec!["--slo", "peakPending<=0", "--max", "8", "--step", "3"],
            "multiple of --step",
        ),
    ] {
        let mut all = vec![
            "plan",
            s(&base),
            "--vary",
            "cluster.nodePools[general].count",
            "--min",
            "1",
        ];
        if !args.contains(&"--max") {
            all.extend(["--max", "8"]);
        }
        all.extend(args.iter().copied());
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim_end().lines().count(), 1);
    }
    // Even --max fails: exit 2 with the evidence printed.
    let o = run(&[
        "plan",
        s(&base),
        "--vary",
        "cluster.nodePools[general].count",
        "--min",
        "1",
        "--max",
        "2",
        "--slo",
        "podsPendingAtEnd<=0",
        "--seeds",
        "1",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("raise --max"), "{}", stderr(&o));
    assert!(stdout(&o).contains("FAIL"));
}

/// `plan` on `scenario` over the general pool's count with `extra` options.
fn plan(scenario: &Path, min: &str, max: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "plan",
        s(scenario),
        "--vary",
        "cluster.nodePools[general].count",
        "--min",
        min,
        "--max",
        max,
        "--seeds",
        "1",
        "-q",
    ];
    args.extend(extra);
    run(&args)
}

/// The evidence rows of a plan's stdout (after the header row starting with `value`), split on
/// runs of two or more spaces.
fn evidence(out: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let split = |l: &str| -> Vec<String> {
        l.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut lines = out.lines().skip_while(|l| !l.starts_with("value "));
    let header = split(lines.next().unwrap_or_else(|| panic!("no table in {out}")));
    let rows = lines
        .take_while(|l| !l.is_empty())
        .map(split)
        .collect::<Vec<_>>();
    (header, rows)
}

#[test]
fn plan_n_plus_zone_runs_one_variant_per_zone_and_reports_the_worst() {
    let dir = setup(SWEEP);
    let base = dir.path().join("base.yaml");
    let o = ok(plan(
        &base,
        "1",
        "8",
        &[
            "--slo",
            "podsUnschedulableAtEnd<=0",
            "--slo",
            "peakPending<=3",
            "--across",
            "workloads[web].replicas=[4, 8]",
            "--n-plus",
            "zone",
            "--fault-at",
            "5m",
        ],
    ));
    let out = stdout(&o);
    assert!(
        out.contains(
            "n-plus: each case once per zone lost: 2 zoneOutage variants (n-plus-a, n-plus-b), \
             at 5m (--fault-at) to the end of the run"
        ),
        "{out}"
    );
    assert!(
        out.contains("cases: workloads[web].replicas=4 | workloads[web].replicas=8;"),
        "{out}"
    );
    let (header, rows) = evidence(&out);
    assert_eq!(
        header,
        [
            "value",
            "verdict",
            "case",
            "slo",
            "worst variant",
            "failed",
            "mean",
            "std",
            "bound",
            "max",
            "per seed"
        ]
    );
    // Per probed value: one row per case × SLO (2 × 2), each naming the worst of 2 variants.
    let values: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(rows.len(), values.len() * 4, "{out}");
    for r in &rows {
        assert!(r[4] == "n-plus-a" || r[4] == "n-plus-b", "{r:?}");
        let (failed, of) = r[5].split_once('/').unwrap();
        assert_eq!(of, "2", "{r:?}");
        assert_eq!(
            r[1] == "FAIL",
            failed != "0",
            "verdict follows the failed count: {r:?}"
        );
    }
    // The answer passes in every case and variant; the value below fails in some.
    let answer: i64 = out
        .lines()
        .find_map(|l| l.strip_prefix("answer: cluster.nodePools[general].count = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no answer in {out}"));
    let verdicts = |v: i64| -> Vec<&str> {
        rows.iter()
            .filter(|r| r[0] == v.to_string())
            .map(|r| r[1].as_str())
            .collect()
    };
    assert!(verdicts(answer).iter().all(|v| *v == "pass"), "{out}");
    if answer > 1 {
        assert!(verdicts(answer - 1).contains(&"FAIL"), "{out}");
    }

    // Without --fault-at the zone is lost at the peak of pod demand (Pending + Running) of a
    // run at --max with the first seed.
    let o = ok(plan(
        &base,
        "1",
        "8",
        &["--slo", "podsUnschedulableAtEnd<=0", "--n-plus", "zone"],
    ));
    let out = stdout(&o);
    let single = dir.path().join("peak");
    ok(run(&[
        "run",
        s(&base),
        "--seed",
        "1",
        "--set",
        "cluster.nodePools[general].count=8",
        "--events",
        "none",
        "--out",
        s(&single),
        "-q",
    ]));
    let ts = csv_rows(&single.join("timeseries.csv"));
    let col = |name: &str| ts[0].iter().position(|h| h == name).unwrap();
    let (t, pending, running) = (col("time_s"), col("pods_pending"), col("pods_running"));
    let mut peak = (0u64, 0.0f64);
    for r in &ts[1..] {
        let demand = r[pending].parse::<u64>().unwrap() + r[running].parse::<u64>().unwrap();
        if demand > peak.0 {
            peak = (demand, r[t].parse().unwrap());
        }
    }
    let at = clustersim::scenario::DurationMs::from_millis((peak.1 * 1000.0).round() as u64);
    assert!(
        out.contains(&format!(
            "at {at} (the peak of pod demand, Pending + Running, at --max 8 with seed 1) to the end of \
             the run"
        )),
        "peak demand {peak:?}: {out}"
    );

    // --fault-duration bounds the outage; the answer line is still printed.
    let o = ok(plan(
        &base,
        "1",
        "8",
        &[
            "--slo",
            "podsUnschedulableAtEnd<=0",
            "--n-plus",
            "zone",
            "--fault-at",
            "2m",
            "--fault-duration",
            "10m",
        ],
    ));
    assert!(
        stdout(&o).contains("at 2m (--fault-at) for 10m"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("answer: "), "{}", stdout(&o));
}

#[test]
fn plan_n_plus_rack_needs_racks_holding_nodes_at_every_value() {
    let dir = setup(SWEEP);
    let racks = dir.path().join("racks.yaml");
    fs::write(
        &racks,
        BASE.replace("count: 4,", "count: 4, racksPerZone: 2,"),
    )
    .unwrap();
    let slo = [
        "--slo",
        "podsUnschedulableAtEnd<=0",
        "--n-plus",
        "rack",
        "--fault-at",
        "5m",
    ];
    // 4 to 8 nodes over 2 zones fill both racks of each zone.
    let o = ok(plan(&racks, "4", "8", &slo));
    assert!(
        stdout(&o).contains(
            "4 rackFailure variants (n-plus-a-r0, n-plus-a-r1, n-plus-b-r0, n-plus-b-r1)"
        ),
        "{}",
        stdout(&o)
    );
    let (_, rows) = evidence(&stdout(&o));
    assert!(rows.iter().all(|r| r[5].ends_with("/4")), "{rows:?}");
    // At 1 node only rack a-r0 exists: the other variants would hit empty racks.
    let o = plan(&racks, "1", "8", &slo);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("racks a-r1, b-r0, b-r1 hold no node at --min 1")
            && stderr(&o).contains("raise --min"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn plan_n_plus_errors_are_one_line_and_exit_2() {
    let dir = setup(SWEEP);
    let base = dir.path().join("base.yaml");
    let no_zones = dir.path().join("no-zones.yaml");
    fs::write(&no_zones, BASE.replace("  zones: [a, b]\n", "")).unwrap();
    let one_zone = dir.path().join("one-zone.yaml");
    fs::write(&one_zone, BASE.replace("zones: [a, b]", "zones: [a]")).unwrap();
    let slo = "podsUnschedulableAtEnd<=0";
    for (scenario, args, want) in [
        (
            &no_zones,
            vec!["--n-plus", "zone"],
            // A scenario without zones is refused by validation (cluster.zones is required).
            "cluster.zones: missing or empty",
        ),
        (
            &one_zone,
            vec!["--n-plus", "zone"],
            "--n-plus zone: the scenario has one zone holding nodes (a)",
        ),
        (
            &base,
            vec!["--n-plus", "rack"],
            "--n-plus rack: the scenario has no racks holding a node at --max 8; set racksPerZone",
        ),
        (
            &base,
            vec!["--n-plus", "zone", "--fault-at", "20m"],
            "the fault would start at 20m (--fault-at), not before the end of the run (20m)",
        ),
        (
            &base,
            vec!["--fault-at", "5m"],
            "--fault-at and --fault-duration go with --n-plus zone|rack",
        ),
        (
            &base,
            vec!["--n-plus", "zone", "--fault-duration", "soon"],
            "--fault-duration soon: invalid duration",
        ),
        (
            &base,
            vec!["--n-plus", "zone", "--fault-duration", "0s"],
            "--fault-duration must be positive",
        ),
    ] {
        let mut all = vec!["--slo", slo];
        all.extend(args.iter().copied());
        let o = plan(scenario, "1", "8", &all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{}", stderr(&o));
        assert!(stdout(&o).is_empty(), "nothing runs: {}", stdout(&o));
    }
    assert!(
        stderr(&plan(
            &no_zones,
            "1",
            "8",
            &["--slo", slo, "--n-plus", "zone"]
        ))
        .contains(s(&no_zones)),
        "the message names the scenario file"
    );
}

#[test]
fn plan_without_n_plus_keeps_a_scenarios_own_faults() {
    let dir = setup(SWEEP);
    let faulty = dir.path().join("faulty.yaml");
    fs::write(
        &faulty,
        format!(
            "{BASE}faults:\n  - {{name: zone-a, kind: zoneOutage, at: 5m, target: {{zone: a}}}}\n"
        ),
    )
    .unwrap();
    let out = stdout(&ok(plan(
        &faulty,
        "1",
        "8",
        &["--slo", "podsUnschedulableAtEnd<=0"],
    )));
    assert!(out.contains("  cases: base; seeds: 1;"), "{out}");
    let (header, _) = evidence(&out);
    assert!(!header.contains(&"worst variant".to_string()), "{header:?}");
    // The scenario's fault is passed through unchanged: a bad one is still reported as such.
    let bad = dir.path().join("bad.yaml");
    fs::write(
        &bad,
        format!(
            "{BASE}faults:\n  - {{name: zone-z, kind: zoneOutage, at: 5m, target: {{zone: z}}}}\n"
        ),
    )
    .unwrap();
    let o = plan(&bad, "1", "8", &["--slo", "podsUnschedulableAtEnd<=0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("faults[0].target.zone"),
        "{}",
        stderr(&o)
    );
}

/// `plan --slo 'service:<name>.<figure>…'` (issue 12 item 6): the smallest pay-a that keeps
/// shop-a 85 % available through the spike; the named form `services.shop-a.availability`
/// (from the scenario's `slo.services`) gives the same answer, and plain runs on either side
/// of it agree with the verdict.
#[test]
fn plan_sizes_a_service_by_its_availability_slo() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/retry-storm.yaml");
    let answer = |slo: &str| -> i64 {
        let o = ok(run(&[
            "plan",
            s(&scenario),
            "--vary",
            "workloads[pay-a].replicas",
            "--min",
            "5",
            "--max",
            "12",
            "--slo",
            slo,
            "-q",
        ]));
        let out = stdout(&o);
        out.lines()
            .find_map(|l| l.strip_prefix("answer: workloads[pay-a].replicas = "))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no answer line in {out}"))
    };
    let inline = answer("service:shop-a.availability>=0.85");
    assert!(inline > 5 && inline <= 12, "{inline}");
    assert_eq!(answer("services.shop-a.availability"), inline);
    let availability = |replicas: i64| {
        let out = dir.path().join(format!("r{replicas}"));
        let set = format!("workloads[pay-a].replicas={replicas}");
        let o = run(&[
            "run",
            s(&scenario),
            "--set",
            &set,
            "--out",
            s(&out),
            "--quiet",
        ]);
        assert!(matches!(o.status.code(), Some(0) | Some(3)));
        let summary: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        summary["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "shop-a")
            .unwrap()["availability"]
            .as_f64()
            .unwrap()
    };
    assert!(availability(inline) >= 0.85);
    assert!(availability(inline - 1) < 0.85);
}
