//! Integration tests of `clustersim report`: the real binary on real runs of the shipped
//! scenarios, node samples, and unreadable or minimal results directories. Compare and SLO
//! verdicts are in `report_compare.rs`, synthetic results directories in
//! `report_synthetic.rs`.

use std::fs;
use std::path::Path;

mod common;
use common::report::{check_output, fails_2, figure, sim};
use common::{json, ok, repo, s, shipped_scenarios, stderr};

#[test]
fn report_for_every_shipped_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    for path in shipped_scenarios() {
        let out = tmp.path().join(path.file_stem().unwrap());
        sim(&path, &out, &[]);
        let o = ok(&["report", s(&out)]);
        assert!(stderr(&o).contains("report.html"), "{}", stderr(&o));
        let j = check_output(&out, "report");
        let drawn: Vec<&str> = j["charts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        for name in [
            "timeline",
            "utilisation",
            "utilisation-zones",
            "scheduling",
            "workloads",
        ] {
            assert!(
                drawn.contains(&name),
                "{}: no {name} chart: {drawn:?}",
                path.display()
            );
        }
        let summary = json(&out.join("summary.json"));
        assert_eq!(j["scenario"], summary["scenario"]);
        assert_eq!(
            figure(&j, "unschedulableAtEnd")["value"],
            summary["podsUnschedulableAtEnd"].as_f64().unwrap()
        );
        // Charts not drawn are listed, with the reason, exactly when there are some.
        let md = fs::read_to_string(out.join("report.md")).unwrap();
        let skipped = j["notAvailable"].as_array().map_or(0, |a| a.len());
        assert_eq!(
            md.contains("## Not available in this run"),
            skipped > 0,
            "{md}"
        );
        // A second report replaces the first one whole.
        ok(&["report", s(&out), "--quiet"]);
        check_output(&out, "report");
    }
}

/// `node_samples.csv` as (time_s, node, mem_usage_fraction, memory_pressure, ready) rows.
fn node_samples(dir: &Path) -> Vec<(String, String, f64, String, String)> {
    let text = fs::read_to_string(dir.join("node_samples.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("time_s,node,mem_usage_fraction,memory_pressure,ready")
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 5, "{l}");
            (
                f[0].to_owned(),
                f[1].to_owned(),
                f[2].parse().unwrap(),
                f[3].to_owned(),
                f[4].to_owned(),
            )
        })
        .collect()
}

#[test]
fn runs_write_node_samples_at_the_node_sample_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let quickstart = repo("scenarios/quickstart.yaml");
    // With the usage model (a `kubelet:` section turns it on): at the first metrics sample
    // (1 minute), then every 15 minutes by default.
    let usage = tmp.path().join("usage");
    sim(&quickstart, &usage, &["--set", "kubelet={}"]);
    let nodes: Vec<String> = fs::read_to_string(usage.join("nodes.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert!(nodes.len() > 10);
    let duration = json(&usage.join("summary.json"))["simulatedDurationS"]
        .as_f64()
        .unwrap();
    let samples = 1 + (duration / 900.0).floor() as usize;
    let rows = node_samples(&usage);
    assert_eq!(rows.len(), samples * nodes.len());
    for (i, (t, node, mem, pressure, ready)) in rows.iter().enumerate() {
        let k = i / nodes.len();
        assert_eq!(*t, format!("{}.000", if k == 0 { 60 } else { k * 900 }));
        assert_eq!(*node, nodes[i % nodes.len()], "nodes in cluster order");
        assert!((0.0..=1.5).contains(mem), "{mem}");
        assert_eq!((pressure.as_str(), ready.as_str()), ("0", "1"));
    }
    assert!(rows.iter().any(|r| r.2 > 0.05), "some node is in use");
    ok(&["report", s(&usage), "--quiet"]);
    let j = check_output(&usage, "report");
    assert!(
        j["charts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "node-pressure"),
        "{}",
        j["charts"]
    );

    // An interval that is not a multiple of metricsInterval is rounded up to the next sample:
    // the first sample (10 minutes), then due at 25, 50, 75, 100 minutes, sampled at 30, 50,
    // 80, 100.
    let odd = tmp.path().join("odd");
    sim(
        &quickstart,
        &odd,
        &[
            "--set",
            "simulation.metricsInterval=10m",
            "--set",
            "simulation.nodeSampleInterval=25m",
        ],
    );
    let mut times: Vec<String> = node_samples(&odd).into_iter().map(|r| r.0).collect();
    times.dedup();
    assert_eq!(
        times,
        ["600.000", "1800.000", "3000.000", "4800.000", "6000.000"]
    );

    // 0 turns them off.
    let off = tmp.path().join("off");
    sim(
        &quickstart,
        &off,
        &["--set", "simulation.nodeSampleInterval=0"],
    );
    assert!(!off.join("node_samples.csv").exists());
    // Longer than the run is an input error naming the field.
    fails_2(
        &[
            "run",
            s(&quickstart),
            "--out",
            s(&tmp.path().join("bad")),
            "--set",
            "simulation.nodeSampleInterval=3h",
        ],
        "simulation.nodeSampleInterval",
    );
}

#[test]
fn report_on_a_non_results_or_incomplete_directory_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let good = t.join("good");
    sim(&repo("scenarios/quickstart.yaml"), &good, &[]);

    let missing = t.join("no-such-dir");
    fails_2(&["report", s(&missing)], "not a results directory");

    let empty = t.join("empty");
    fs::create_dir(&empty).unwrap();
    fs::write(empty.join("notes.txt"), "hello").unwrap();
    fails_2(&["report", s(&empty)], "not a results directory");

    let file = t.join("file.csv");
    fs::write(&file, "a,b\n").unwrap();
    fails_2(&["report", s(&file)], "file.csv");

    for (name, drop) in [("no-ts", "timeseries.csv"), ("no-summary", "summary.json")] {
        let d = t.join(name);
        fs::create_dir(&d).unwrap();
        for f in ["summary.json", "timeseries.csv", "events.csv"] {
            if f != drop {
                fs::copy(good.join(f), d.join(f)).unwrap();
            }
        }
        fails_2(&["report", s(&d)], drop);
    }

    let truncated = t.join("truncated");
    fs::create_dir(&truncated).unwrap();
    fs::copy(
        good.join("timeseries.csv"),
        truncated.join("timeseries.csv"),
    )
    .unwrap();
    let summary = fs::read_to_string(good.join("summary.json")).unwrap();
    fs::write(
        truncated.join("summary.json"),
        &summary[..summary.len() / 2],
    )
    .unwrap();
    fails_2(&["report", s(&truncated)], "summary.json");

    let bad_ts = t.join("bad-ts");
    fs::create_dir(&bad_ts).unwrap();
    // Every file of a good run (summary.json lists them), with a malformed time series.
    for e in fs::read_dir(&good).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            fs::copy(e.path(), bad_ts.join(e.file_name())).unwrap();
        }
    }
    fs::write(bad_ts.join("timeseries.csv"), "time_s,pods_pending\n60,x\n").unwrap();
    fails_2(&["report", s(&bad_ts)], "timeseries.csv");

    // A run into `good` that is still writing, or was killed, leaves its temporary sibling.
    let marker = t.join(".good.tmp-4242");
    fs::create_dir(&marker).unwrap();
    fails_2(&["report", s(&good)], ".good.tmp-4242");
    fails_2(&["report", s(&marker)], "incomplete");
    fs::remove_dir(&marker).unwrap();
    ok(&["report", s(&good), "--quiet"]);

    // A directory of runs: the message says so.
    fails_2(&["report", s(t)], "contains");
    // Compare shares the checks.
    fails_2(&["compare", s(&good), s(&empty)], "not a results directory");
    fails_2(&["compare", s(&good)], "two results directories");
}

#[test]
fn a_minimal_results_directory_still_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("minimal");
    fs::create_dir(&d).unwrap();
    fs::write(d.join("summary.json"), r#"{"scenario": "m", "seed": 3}"#).unwrap();
    fs::write(
        d.join("timeseries.csv"),
        "time_s,pods_pending,pods_running\n",
    )
    .unwrap();
    ok(&["report", s(&d), "--quiet"]);
    let j = check_output(&d, "report");
    assert_eq!(j["charts"].as_array().unwrap().len(), 0);
    assert_eq!(j["notAvailable"].as_array().unwrap().len(), 15);
    assert!(figure(&j, "peakPending")["value"].is_null());
    let md = fs::read_to_string(d.join("report.md")).unwrap();
    assert!(md.contains("| Peak pending pods | n/a |"), "{md}");
}
