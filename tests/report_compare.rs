//! Integration tests of `clustersim compare` and of SLO verdicts: the real binary on real runs
//! of the shipped scenarios (deltas, paired seeds with intervals, pass/fail/not evaluated).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::report::{check_output, fails_2, figure, sim, verdict};
use common::{json, ok, repo, s, stderr};

/// The `figures[]` entry of compare.json for `key`: (baseline, variant, delta).
fn deltas(j: &Value, key: &str) -> (f64, f64, f64) {
    let f = figure(j, key);
    (
        f["baseline"].as_f64().unwrap(),
        f["variant"].as_f64().unwrap(),
        f["delta"].as_f64().unwrap(),
    )
}

/// Peak of `pods_pending` in a results directory.
fn peak_pending(dir: &Path) -> f64 {
    let text = fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == "pods_pending").unwrap();
    lines
        .map(|l| l.split(',').nth(i).unwrap().parse::<f64>().unwrap())
        .fold(0.0, f64::max)
}

/// Checks that compare.json's figures match the two summary.json files exactly.
fn check_deltas(j: &Value, base: &Path, var: &Path) {
    let (b, v) = (
        json(&base.join("summary.json")),
        json(&var.join("summary.json")),
    );
    for (key, field) in [
        ("podsCreated", "podsCreated"),
        ("schedulingFailures", "schedulingFailures"),
        ("podsPreempted", "podsPreempted"),
        ("podsFailed", "podsFailed"),
        ("unschedulableAtEnd", "podsUnschedulableAtEnd"),
    ] {
        let (bb, vv, d) = deltas(j, key);
        assert_eq!(bb, b[field].as_f64().unwrap(), "{key} baseline");
        assert_eq!(vv, v[field].as_f64().unwrap(), "{key} variant");
        assert_eq!(d, vv - bb, "{key} delta");
    }
    let (bb, vv, d) = deltas(j, "peakPending");
    assert_eq!((bb, vv), (peak_pending(base), peak_pending(var)));
    assert_eq!(d, vv - bb);
}

#[test]
fn compare_two_seeds_and_a_what_if_gives_the_expected_deltas() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let q = repo("scenarios/quickstart.yaml");
    let (a, b, w) = (t.join("seed7"), t.join("seed8"), t.join("web300"));
    sim(&q, &a, &[]);
    sim(&q, &b, &["--seed", "8"]);
    sim(&q, &w, &["--set", "workloads[web].replicas=300"]);

    let out = t.join("cmp-seeds");
    let o = ok(&["compare", s(&a), s(&b), "--out", s(&out)]);
    assert!(stderr(&o).contains("compare.html"), "{}", stderr(&o));
    let j = check_output(&out, "compare");
    check_deltas(&j, &a, &b);
    assert_eq!(j["pairedSeeds"], serde_json::json!([7]));
    let md = fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("different seeds (7 vs 8)"), "{md}");

    let out = t.join("cmp-web");
    ok(&["compare", s(&a), s(&w), "--out", s(&out), "--quiet"]);
    let j = check_output(&out, "compare");
    check_deltas(&j, &a, &w);
    // 180 more web replicas are created.
    let (_, _, d) = deltas(&j, "podsCreated");
    assert!(d >= 180.0, "web replicas 120 -> 300 adds pods: {d}");
    let names: Vec<&str> = j["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"compare-timeline") && names.contains(&"compare-utilisation"));
    let md = fs::read_to_string(out.join("compare.md")).unwrap();
    let created = json(&a.join("summary.json"))["podsCreated"]
        .as_u64()
        .unwrap();
    let thousands = format!("{},{:03}", created / 1000, created % 1000);
    assert!(
        md.contains(&format!("| Pods created | {thousands} |")),
        "{md}"
    );

    // --out must not clobber a results directory.
    fails_2(
        &["compare", s(&a), s(&w), "--out", s(&a)],
        "results directory",
    );
}

#[test]
fn multi_seed_compare_pairs_runs_by_seed_with_an_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let q = repo("scenarios/quickstart.yaml");
    let (base, var) = (t.join("base"), t.join("var"));
    for seed in ["1", "2", "3"] {
        sim(
            &q,
            &base.join(format!("quickstart-{seed}")),
            &["--seed", seed],
        );
    }
    for seed in ["1", "2", "3", "4"] {
        sim(
            &q,
            &var.join(format!("more-web-{seed}")),
            &["--seed", seed, "--set", "workloads[web].replicas=240"],
        );
    }
    let out = t.join("cmp");
    ok(&["compare", s(&base), s(&var), "--out", s(&out), "--quiet"]);
    let j = check_output(&out, "compare");
    assert_eq!(j["pairedSeeds"], serde_json::json!([1, 2, 3]));
    assert_eq!(
        j["unpaired"].as_array().unwrap().len(),
        1,
        "{}",
        j["unpaired"]
    );
    assert!(j["unpaired"][0].as_str().unwrap().ends_with("more-web-4"));
    let created = |dir: &Path| {
        json(&dir.join("summary.json"))["podsCreated"]
            .as_f64()
            .unwrap()
    };
    let diffs: Vec<f64> = (1..=3)
        .map(|s| {
            created(&var.join(format!("more-web-{s}")))
                - created(&base.join(format!("quickstart-{s}")))
        })
        .collect();
    let mean = diffs.iter().sum::<f64>() / 3.0;
    let f = figure(&j, "podsCreated");
    assert!((f["delta"].as_f64().unwrap() - mean).abs() < 1e-9, "{f}");
    assert_eq!(f["pairs"], 3);
    let ci = f["ci95"].as_array().unwrap();
    let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    assert!(lo <= mean && mean <= hi, "{lo} {mean} {hi}");
    let md = fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("3 pairs matched by seed"), "{md}");
    assert!(md.contains("95 % CI of Δ"), "{md}");

    // The flag form takes the same runs one by one (e.g. from a shell glob).
    let out2 = t.join("cmp2");
    let mut args = vec!["compare", "--out", s(&out2), "--quiet", "--baseline"];
    let bases: Vec<PathBuf> = (1..=3)
        .map(|s| base.join(format!("quickstart-{s}")))
        .collect();
    let vars: Vec<PathBuf> = (1..=3).map(|s| var.join(format!("more-web-{s}"))).collect();
    args.extend(bases.iter().map(|p| s(p)));
    args.push("--variant");
    args.extend(vars.iter().map(|p| s(p)));
    ok(&args);
    let j2 = json(&out2.join("compare.json"));
    assert_eq!(figure(&j2, "podsCreated")["delta"], f["delta"]);
    fails_2(
        &[
            "compare",
            s(&base),
            "--baseline",
            s(&base),
            "--variant",
            s(&var),
        ],
        "not both",
    );
}

const SLO_SCENARIO_TAIL: &str = "
slo:
  maxPendingAfter: {at: 60m, pods: 0}
  maxUnschedulableAtEnd: 0
  maxPeakPending: 0
  maxEvictions: 10
";

/// The scenario text without its own top-level `slo:` block (the test appends its own).
fn without_slo(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("slo:") {
            skipping = true;
            continue;
        }
        if skipping && (line.starts_with(' ') || line.is_empty()) {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn slos_are_judged_pass_fail_or_not_evaluated() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let text = without_slo(&fs::read_to_string(repo("scenarios/quickstart.yaml")).unwrap());
    let scen = t.join("q-slo.yaml");
    fs::write(&scen, format!("{text}{SLO_SCENARIO_TAIL}")).unwrap();
    ok(&["validate", s(&scen)]);
    let out = t.join("run");
    sim(&scen, &out, &[]);
    ok(&["report", s(&out), "--slo", s(&scen), "--quiet"]);
    let j = check_output(&out, "report");
    assert_eq!(
        verdict(&j, "maxPendingAfter"),
        "pass",
        "no pods pending after 60m"
    );
    assert_eq!(verdict(&j, "maxUnschedulableAtEnd"), "pass");
    assert_eq!(verdict(&j, "maxPeakPending"), "fail", "the late Jobs wait");
    assert_eq!(verdict(&j, "maxEvictions"), "not-evaluated");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<td class=\"fail\">FAIL</td>"), "{html}");

    // The same SLOs from a slo.json in the results directory (what `run` writes).
    fs::write(
        out.join("slo.json"),
        r#"{"maxPeakPending": 1000, "maxPendingAfter": {"fault": "15m", "pods": 0}}"#,
    )
    .unwrap();
    ok(&["report", s(&out), "--quiet"]);
    let j = json(&out.join("report.json"));
    assert_eq!(verdict(&j, "maxPeakPending"), "pass");
    assert_eq!(
        verdict(&j, "maxPendingAfter"),
        "not-evaluated",
        "no fault data in this run"
    );

    // Validation of the slo section.
    let bad = t.join("bad.yaml");
    fs::write(
        &bad,
        format!("{text}\nslo:\n  maxPendingAfter: {{fault: 15m, at: 30m, pods: 0}}\n"),
    )
    .unwrap();
    fails_2(&["validate", s(&bad)], "slo.maxPendingAfter");
    fs::write(
        &bad,
        format!("{text}\nslo:\n  minWorkloadAvailability: 99.9\n"),
    )
    .unwrap();
    fails_2(&["validate", s(&bad)], "slo.minWorkloadAvailability");
    fs::write(&bad, format!("{text}\nslo:\n  maxOomKills: -1\n")).unwrap();
    fails_2(&["validate", s(&bad)], "slo.maxOomKills");
    fs::write(&bad, format!("{text}\nslo:\n  maxPending: 3\n")).unwrap();
    fails_2(&["validate", s(&bad)], "maxPending");
    fails_2(
        &[
            "report",
            s(&out),
            "--slo",
            s(&repo("scenarios/throughput-7000.yaml")),
        ],
        "slo",
    );
}
