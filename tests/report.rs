//! Integration tests of `clustersim report` and `clustersim compare`: the real binary on real
//! runs of the shipped scenarios, and on synthetic results directories that carry the columns
//! and files later versions of the recorder add (pressure, evictions, faults, cascades).

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use serde_json::Value;

mod common;
use common::{png_stats, repo, run, run_finished, stderr};

fn ok(args: &[&str]) -> Output {
    let o = run(args);
    assert!(o.status.success(), "clustersim {args:?}: {}", stderr(&o));
    o
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap()
}

/// Runs a scenario into `out` (failures-only event log, quiet).
fn sim(scenario: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        s(scenario),
        "--out",
        s(out),
        "--events",
        "failures",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(run_finished(&o), "clustersim {args:?}: {}", stderr(&o));
}

/// Every relative `src="…"` / `href="…"` in an HTML page, and `](…)` in Markdown.
fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for pat in ["src=\"", "href=\"", "]("] {
        let close = if pat == "](" { ')' } else { '"' };
        let mut rest = text;
        while let Some(i) = rest.find(pat) {
            rest = &rest[i + pat.len()..];
            let end = rest.find(close).unwrap();
            let r = &rest[..end];
            if !r.starts_with("http")
                && !r.starts_with('#')
                && !r.starts_with("data:")
                && !r.is_empty()
            {
                out.push(r.to_owned());
            }
            rest = &rest[end..];
        }
    }
    out
}

/// Checks the files a report or comparison wrote into `dir` (`doc` = `report` or `compare`):
/// every chart's PNG decodes and is not blank, every SVG parses, the HTML and Markdown refer
/// only to files that exist. Returns the parsed JSON.
fn check_output(dir: &Path, doc: &str) -> Value {
    let j = json(&dir.join(format!("{doc}.json")));
    let charts = j["charts"].as_array().unwrap();
    for c in charts {
        let png = dir.join(c["png"].as_str().unwrap());
        let (w, h, sd) = png_stats(&png);
        assert!(w >= 800 && h >= 400, "{}: {w}x{h}", png.display());
        assert!(
            sd > 8.0,
            "{}: looks blank (luminance sd {sd:.2})",
            png.display()
        );
        let svg = dir.join(c["svg"].as_str().unwrap());
        let text = fs::read_to_string(&svg).unwrap();
        let tree =
            roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", svg.display()));
        assert_eq!(
            tree.root_element().tag_name().name(),
            "svg",
            "{}",
            svg.display()
        );
        // A cascade tree of one effect (root and one box: 15 elements) is small but complete.
        let min = if svg.ends_with("cascade-tree.svg") {
            12
        } else {
            20
        };
        assert!(
            tree.descendants().filter(|n| n.is_element()).count() > min,
            "{}: nearly empty",
            svg.display()
        );
    }
    // The HTML page is self-contained: every chart's PNG is embedded as a data URI (in chart
    // order, the whole file), none is referenced by a relative `src`.
    let html = fs::read_to_string(dir.join(format!("{doc}.html"))).unwrap();
    assert!(!html.contains("src=\"charts/"), "{doc}.html: relative src");
    let embedded: Vec<&str> = html
        .split("src=\"data:image/png;base64,")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert_eq!(embedded.len(), charts.len(), "{doc}.html: embedded charts");
    for (c, b64) in charts.iter().zip(&embedded) {
        let len = fs::metadata(dir.join(c["png"].as_str().unwrap()))
            .unwrap()
            .len() as usize;
        assert_eq!(b64.len(), len.div_ceil(3) * 4, "{doc}.html: {}", c["png"]);
        assert!(b64.starts_with("iVBORw0KGgo"), "PNG signature");
    }
    for ext in ["html", "md"] {
        let page = dir.join(format!("{doc}.{ext}"));
        let text = fs::read_to_string(&page).unwrap();
        let refs = references(&text);
        assert!(
            refs.len() >= 2 * charts.len(),
            "{}: {} references for {} charts",
            page.display(),
            refs.len(),
            charts.len()
        );
        for r in refs {
            assert!(
                dir.join(&r).is_file(),
                "{} refers to {r}, which does not exist",
                page.display()
            );
        }
    }
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        !names.iter().any(|n| n.contains(".tmp-")),
        "temporary directory left behind: {names:?}"
    );
    j
}

fn figure(j: &Value, key: &str) -> Value {
    j["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("no figure {key}"))
        .clone()
}

fn verdict(j: &Value, slo: &str) -> String {
    j["slo"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["slo"] == slo)
        .unwrap_or_else(|| panic!("no verdict {slo}: {j}"))["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn report_for_every_shipped_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let mut count = 0;
    for entry in fs::read_dir(repo("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        count += 1;
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
    assert!(count >= 3, "expected the shipped scenarios, found {count}");
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

/// Asserts that `args` fails with exit code 2 and one line naming `needle`.
fn fails_2(args: &[&str], needle: &str) {
    let o = run(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("clustersim: "), "{err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected {needle:?} in {err}"
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
    assert_eq!(j["notAvailable"].as_array().unwrap().len(), 14);
    assert!(figure(&j, "peakPending")["value"].is_null());
    let md = fs::read_to_string(d.join("report.md")).unwrap();
    assert!(md.contains("| Peak pending pods | n/a |"), "{md}");
}

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

// ---------------------------------------------------------------------------------------------
// Synthetic results directories with the columns and files later recorder versions add.

struct Synth {
    nodes: usize,
    minutes: usize,
    node_sample_minutes: usize,
    /// Workloads besides the five named ones (always fully available).
    extra_workloads: usize,
    /// Pods the zone outage displaces in the causality log (0: a small chain like the others).
    zone_pods: usize,
}

const ZONES: [&str; 3] = ["a", "b", "c"];

fn node_meta(i: usize, n: usize) -> (String, &'static str, &'static str) {
    let pool = if i < n * 7 / 10 {
        "general"
    } else if i < n * 95 / 100 {
        "memory"
    } else {
        "gpu"
    };
    (format!("{pool}-{i}"), ZONES[i % 3], pool)
}

/// Writes a complete synthetic results directory; returns the expected totals
/// (evictions, OOM kills).
fn synth(dir: &Path, p: &Synth) -> (f64, f64) {
    fs::create_dir_all(dir).unwrap();
    let n = p.nodes as f64;
    let end_s = p.minutes as f64 * 60.0;
    // Faults: a zone outage at 25 % of the run for 1/20 of it, and a node loss at 60 %.
    let f1 = (end_s * 0.25).round();
    let f1_end = f1 + (end_s / 20.0).round();
    let f2 = (end_s * 0.6).round();
    fs::write(
        dir.join("faults.csv"),
        format!("start_s,end_s,kind,target\n{f1},{f1_end},zone,b\n{f2},,node,general-3\n"),
    )
    .unwrap();
    let mut ts = BufWriter::new(fs::File::create(dir.join("timeseries.csv")).unwrap());
    let mut h = String::from(
        "time_s,nodes_ready,pods_pending,pods_unschedulable,pods_ready,pods_succeeded,\
         cpu_requested_m,cpu_allocatable_m,cpu_used_m,mem_requested_bytes,mem_allocatable_bytes,mem_used_bytes",
    );
    for z in ZONES {
        for c in [
            "cpu_requested_m",
            "cpu_allocatable_m",
            "cpu_used_m",
            "mem_requested_bytes",
            "mem_allocatable_bytes",
            "mem_used_bytes",
        ] {
            let _ = write!(h, ",{c}_zone_{z}");
        }
    }
    h.push_str(
        ",nodes_over_80pct_requested,nodes_over_90pct_requested,nodes_memory_pressure,\
         sched_attempts,sched_failures,preemptions,evictions,oom_kills,\
         evictions_cause_memory_pressure,evictions_cause_node_failure,oom_kills_limit,oom_kills_node,\
         node_mem_usage_p50,node_mem_usage_p90,node_mem_usage_p99,node_mem_usage_max,\
         node_cpu_usage_p50,node_cpu_usage_p90,node_cpu_usage_p99,node_cpu_usage_max,\
         nodes_not_ready,nodes_unknown,nodes_cordoned,pods_displaced",
    );
    writeln!(ts, "{h}").unwrap();
    let (mut ev_total, mut oom_total) = (0.0, 0.0);
    for m in 1..=p.minutes {
        let t = m as f64 * 60.0;
        let day = (t / 86_400.0 * std::f64::consts::TAU).sin();
        let in_f1 = t > f1 && t <= f1_end + 300.0;
        let ready = if in_f1 { n * 2.0 / 3.0 } else { n };
        let pending = if in_f1 {
            40.0
        } else if t > f2 && t < f2 + 600.0 {
            5.0
        } else {
            0.0
        };
        let alloc_cpu = ready * 30_000.0;
        let alloc_mem = ready * 120.0 * 1024f64.powi(3);
        let req = 0.55 + 0.1 * day;
        let used = req * 0.85 + 0.08 * (m % 17) as f64 / 17.0;
        let pressure = ((used - 0.5).max(0.0) * n * 0.2).round();
        let ev_mp = (pressure / 10.0).round();
        let ev_nf = if in_f1 && t < f1 + 120.0 { 50.0 } else { 0.0 };
        let oom = (m % 97 == 0) as u8 as f64;
        ev_total += ev_mp + ev_nf;
        oom_total += oom;
        let mut row = format!(
            "{t:.3},{ready},{pending},{},{},{},{},{alloc_cpu},{},{},{alloc_mem},{}",
            pending / 2.0,
            ready * 20.0 * (1.0 + 0.2 * day),
            m * 3,
            alloc_cpu * req,
            alloc_cpu * used,
            alloc_mem * req,
            alloc_mem * used,
        );
        for (zi, _) in ZONES.iter().enumerate() {
            let share = if zi == 1 && in_f1 { 0.0 } else { 1.0 / 3.0 };
            let skew = 1.0 + 0.05 * zi as f64;
            let zc = n * 30_000.0 / 3.0;
            let zm = n * 120.0 * 1024f64.powi(3) / 3.0;
            let _ = write!(
                row,
                ",{},{},{},{},{},{}",
                alloc_cpu * req / 3.0 * skew,
                zc * share * 3.0,
                alloc_cpu * used / 3.0 * skew,
                alloc_mem * req / 3.0 * skew,
                zm * share * 3.0,
                alloc_mem * used / 3.0 * skew
            );
        }
        let _ = write!(
            row,
            ",{},{},{pressure},{},{},{},{},{oom},{ev_mp},{ev_nf},{oom},0",
            (n * req * 0.3).round(),
            (n * req * 0.1).round(),
            200 + m % 50,
            if in_f1 { 30 } else { 0 },
            if in_f1 { 3 } else { 0 },
            ev_mp + ev_nf,
        );
        for k in [0.6, 0.8, 0.9, 1.0] {
            let _ = write!(row, ",{:.4}", used * k / 0.7);
        }
        for k in [0.5, 0.7, 0.85, 0.95] {
            let _ = write!(row, ",{:.4}", used * k / 0.7);
        }
        let _ = write!(
            row,
            ",{},{},{},{}",
            if in_f1 { (n / 3.0).round() } else { 0.0 },
            if t > f2 { 1 } else { 0 },
            if in_f1 { 2 } else { 0 },
            if in_f1 && t < f1 + 120.0 { 400 } else { 0 }
        );
        writeln!(ts, "{row}").unwrap();
    }
    ts.flush().unwrap();

    let mut nodes =
        String::from("node,zone,pool,peak_cpu_usage_fraction,peak_mem_usage_fraction\n");
    for i in 0..p.nodes {
        let (name, zone, pool) = node_meta(i, p.nodes);
        let _ = writeln!(
            nodes,
            "{name},{zone},{pool},{:.3},{:.3}",
            0.3 + 0.6 * ((i * 37) % 100) as f64 / 100.0,
            0.2 + 0.85 * ((i * 53) % 100) as f64 / 100.0
        );
    }
    fs::write(dir.join("nodes.csv"), nodes).unwrap();

    let mut ns = BufWriter::new(fs::File::create(dir.join("node_samples.csv")).unwrap());
    writeln!(ns, "time_s,node,mem_usage_fraction,memory_pressure,ready").unwrap();
    let mut m = p.node_sample_minutes;
    while m <= p.minutes {
        let t = m as f64 * 60.0;
        let day = (t / 86_400.0 * std::f64::consts::TAU).sin();
        for i in 0..p.nodes {
            let (name, zone, _) = node_meta(i, p.nodes);
            let u = (0.35 + 0.25 * day + 0.5 * ((i * 31 + m) % 100) as f64 / 100.0).min(1.1);
            let ready = !(zone == "b" && t > f1 && t <= f1_end);
            writeln!(
                ns,
                "{t},{name},{u:.3},{},{}",
                u8::from(u > 0.95 && ready),
                u8::from(ready)
            )
            .unwrap();
        }
        m += p.node_sample_minutes;
    }
    ns.flush().unwrap();

    // As `metrics::cascade` writes it: two fault roots (recovered after 1500 s and 700 s), the
    // rest overload failures, one of them never recovered.
    let mut cascades = String::from(
        "root_id,root_kind,root_target,root_time_s,nodes_failed,pods_evicted,pods_oom_killed,\
         pods_displaced,pods_rescheduled,effects,depth,time_to_recovery_s\n",
    );
    // The zone outage's tree when it is big: a third of the nodes NotReady, their pods displaced
    // and rescheduled, one in 50 rescheduled pods evicting another, which is rescheduled.
    let mut zone_tree: Vec<String> = Vec::new();
    let mut next_id = 1000u64;
    if p.zone_pods > 0 {
        let zone_nodes = (p.nodes / 3).max(1);
        for z in 0..zone_nodes {
            let node = next_id;
            next_id += 1;
            zone_tree.push(format!("{node},1,1,node_not_ready,b-{z},{:.3}", 40.0));
            for k in 0..p.zone_pods / zone_nodes {
                let pod = next_id;
                let t = 41.0 + k as f64;
                zone_tree.push(format!("{pod},{node},1,pod_displaced,pod-{pod},{t:.3}"));
                next_id += 1;
                if k % 10 != 0 {
                    let r = next_id;
                    next_id += 1;
                    zone_tree.push(format!(
                        "{r},{pod},1,pod_rescheduled,pod-{r},{:.3}",
                        t + 30.0
                    ));
                    if k % 50 == 1 {
                        let e = next_id;
                        next_id += 2;
                        zone_tree.push(format!("{e},{r},1,eviction,pod-{e},{:.3}", t + 90.0));
                        zone_tree.push(format!(
                            "{},{e},1,pod_rescheduled,pod-{e},{:.3}",
                            e + 1,
                            t + 120.0
                        ));
                    }
                }
            }
        }
    }
    for c in 0..12usize {
        let (kind, target, rec) = match c {
            0 => ("fault", "zone-b-outage", "1500.000".to_string()),
            5 => ("fault", "node-loss", "700.000".to_string()),
            7 => ("overload_failure", "general-7", "not recovered".to_string()),
            _ => (
                "overload_failure",
                "general-1",
                format!("{}.000", 120 + c * 60),
            ),
        };
        let _ = writeln!(
            cascades,
            "{},{kind},{target},{:.3},{},{},{},{},{},{},{},{rec}",
            c + 1,
            end_s * c as f64 / 12.0,
            c % 3,
            c * 2,
            c % 2,
            c * c,
            c * c,
            if c == 0 && !zone_tree.is_empty() {
                zone_tree.len()
            } else {
                3 + c * c
            },
            if c == 0 && !zone_tree.is_empty() {
                5
            } else {
                1 + c % 5
            }
        );
    }
    fs::write(dir.join("cascades.csv"), cascades).unwrap();

    // The causality log of those cascades: `3 + c²` effects each, a chain `1 + c % 5` deep,
    // the kinds by level.
    let kinds = [
        "node_not_ready",
        "pod_displaced",
        "pod_rescheduled",
        "eviction",
        "oom_kill",
    ];
    let mut effects = String::from("id,parent,root,kind,target,time_s\n");
    for c in 0..12usize {
        let root = c as u64 + 1;
        let t0 = end_s * c as f64 / 12.0;
        let kind = if c == 0 || c == 5 {
            "fault"
        } else {
            "overload_failure"
        };
        let _ = writeln!(effects, "{root},,{root},{kind},root-{c},{t0:.3}");
        if c == 0 && !zone_tree.is_empty() {
            for row in &zone_tree {
                let _ = writeln!(effects, "{row}");
            }
            continue;
        }
        let depth = 1 + c % 5;
        let mut chain = vec![root];
        for k in 0..3 + c * c {
            let level = if k < depth { k + 1 } else { 1 + k % depth };
            let parent = chain[level - 1];
            let id = next_id;
            next_id += 1;
            let _ = writeln!(
                effects,
                "{id},{parent},{root},{},pod-{id},{:.3}",
                kinds[level - 1],
                t0 + 10.0 * (k + 1) as f64
            );
            if k < depth {
                chain.push(id);
            }
        }
    }
    fs::write(dir.join("effects.csv"), effects).unwrap();

    let mut wl = String::from(
        "workload,kind,desired,availability,min_availability,minutes_below_desired,\
         cpu_requested_m,cpu_used_m,mem_requested_bytes,mem_used_bytes\n",
    );
    let mut names: Vec<String> = ["frontend", "api", "cache", "batch", "inference"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.extend((0..p.extra_workloads).map(|i| format!("svc-{i}")));
    for (i, w) in names.iter().enumerate() {
        let _ = writeln!(
            wl,
            "{w},Deployment,100,{},{},{},{},{},{},{}",
            [0.9999, 0.998, 1.0, 0.97, 0.9995].get(i).unwrap_or(&1.0),
            [0.99, 0.9, 1.0, 0.6, 0.98].get(i).unwrap_or(&1.0),
            [3, 12, 0, 40, 5].get(i).unwrap_or(&0),
            (i + 1) * 100_000,
            (i + 1) * 60_000,
            (i + 1) * 400 * (1 << 30),
            (i + 1) * 250 * (1 << 30)
        );
    }
    fs::write(dir.join("workloads.csv"), wl).unwrap();
    // Ready / desired per sample: batch loses 40 % in the zone outage, api 10 % after the node
    // loss; the others stay at desired.
    let mut wa = BufWriter::new(fs::File::create(dir.join("workload_availability.csv")).unwrap());
    writeln!(wa, "time_s,workload,desired,ready").unwrap();
    for m in 1..=p.minutes {
        let t = m as f64 * 60.0;
        for (i, w) in names.iter().enumerate() {
            let ready = match i {
                3 if t > f1 && t <= f1_end => 60,
                1 if t > f2 && t <= f2 + 1200.0 => 90,
                _ => 100,
            };
            writeln!(wa, "{t:.3},{w},100,{ready}").unwrap();
        }
    }
    wa.flush().unwrap();
    let workloads: Vec<Value> = names
        .iter()
        .map(|w| {
            serde_json::json!({"name": w, "kind": "Deployment", "desired": 100, "created": 110,
                "runningAtEnd": 98, "pendingAtEnd": 2, "succeeded": 0, "failed": 0, "deleted": 10})
        })
        .collect();
    let summary = serde_json::json!({
        "scenario": "synthetic", "seed": 1, "simulatedDurationS": end_s,
        "podsCreated": 550, "podsUnschedulableAtEnd": 0, "schedulingFailures": 12,
        "podsPreempted": 3, "podsFailed": 0, "workloads": workloads,
        // As the recorder writes them: the totals and the resilience section the figures read.
        "evictions": ev_total, "oomKills": oom_total,
        "resilience": {"cascades": 12, "maxCascadeDepth": 5, "worstWorkload": "batch",
            "worstAvailability": 0.97},
    });
    fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&summary).unwrap(),
    )
    .unwrap();
    fs::write(
        dir.join("slo.json"),
        r#"{"maxPendingAfter": {"fault": "15m", "pods": 0}, "maxEvictions": 1,
            "maxOomKills": 1000000, "maxCascadeDepth": 5, "minWorkloadAvailability": 0.99,
            "maxTimeToRecover": "1d"}"#,
    )
    .unwrap();
    (ev_total, oom_total)
}

#[test]
fn later_columns_and_files_render_every_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("CLUSTERSIM_SYNTH_KEEP").map(PathBuf::from);
    let dir = keep
        .unwrap_or_else(|| tmp.path().to_path_buf())
        .join("synthetic-1");
    let (ev, oom) = synth(
        &dir,
        &Synth {
            nodes: 60,
            minutes: 6 * 60,
            node_sample_minutes: 5,
            extra_workloads: 0,
            zone_pods: 0,
        },
    );
    ok(&["report", s(&dir), "--quiet"]);
    let j = check_output(&dir, "report");
    assert_eq!(
        j["notAvailable"].as_array().unwrap().len(),
        0,
        "{}",
        j["notAvailable"]
    );
    assert_eq!(j["charts"].as_array().unwrap().len(), 14);
    assert_eq!(j["fleetSize"], 60.0);
    assert_eq!(figure(&j, "evictions")["value"], ev);
    assert_eq!(figure(&j, "oomKills")["value"], oom);
    assert_eq!(figure(&j, "cascades")["value"], 12.0);
    assert_eq!(figure(&j, "worstCascadeDepth")["value"], 5.0);
    assert_eq!(figure(&j, "worstAvailability")["value"], 0.97);
    assert_eq!(
        figure(&j, "worstAvailability")["note"],
        "batch (min 60 %, 40m below desired)"
    );
    // The largest cascade (root 12: 3 + 11² effects) is the one the tree shows.
    assert_eq!(
        figure(&j, "cascades")["note"],
        "largest: 124 effects (overload_failure general-1)"
    );
    assert_eq!(figure(&j, "peakPending")["value"], 40.0);
    // Time to recover is the worst recovery of the fault-rooted cascades.
    assert_eq!(figure(&j, "timeToRecover")["value"], 1500.0);
    assert_eq!(figure(&j, "timeToRecover")["note"], "2 fault cascade(s)");
    // Pending is 40 until 6780 s, so 15 minutes after the zone fault it is still 40.
    assert_eq!(figure(&j, "pendingAfter")["value"], 40.0);
    assert_eq!(verdict(&j, "maxPendingAfter"), "fail");
    assert_eq!(verdict(&j, "maxEvictions"), "fail");
    assert_eq!(verdict(&j, "maxOomKills"), "pass");
    assert_eq!(verdict(&j, "maxCascadeDepth"), "pass");
    assert_eq!(verdict(&j, "minWorkloadAvailability"), "fail");
    assert_eq!(verdict(&j, "maxTimeToRecover"), "pass");

    // Compare a synthetic run with itself: every delta is zero, the disruption overlay exists.
    let out = tmp.path().join("cmp");
    ok(&["compare", s(&dir), s(&dir), "--out", s(&out), "--quiet"]);
    let c = check_output(&out, "compare");
    for f in c["figures"].as_array().unwrap() {
        if !f["delta"].is_null() {
            assert_eq!(f["delta"], 0.0, "{f}");
        }
    }
    assert_eq!(c["charts"].as_array().unwrap().len(), 4);

    // Without the causality log the tree is listed as not available, the rest still renders.
    let effects = fs::read_to_string(dir.join("effects.csv")).unwrap();
    fs::remove_file(dir.join("effects.csv")).unwrap();
    ok(&["report", s(&dir), "--quiet"]);
    let j = check_output(&dir, "report");
    let missing: Vec<&str> = j["notAvailable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["cascade-tree"]);
    // A malformed id is an input error naming the file and the line.
    assert!(effects.contains("\n1000,1,1,"));
    fs::write(
        dir.join("effects.csv"),
        effects.replacen("\n1000,1,1,", "\n1000,1,x1,", 1),
    )
    .unwrap();
    fails_2(&["report", s(&dir)], "effects.csv");
}

/// A week at one-minute resolution on 7,000 nodes (10,080 samples; node samples every hour,
/// or every `CLUSTERSIM_SYNTH_NODE_SAMPLE_MIN` minutes) renders in seconds.
#[test]
fn a_week_of_7000_nodes_renders_in_seconds() {
    let tmp = tempfile::tempdir().unwrap();
    // CLUSTERSIM_SYNTH_KEEP=<dir> keeps the synthetic run and its report for inspection.
    let keep = std::env::var_os("CLUSTERSIM_SYNTH_KEEP").map(PathBuf::from);
    let dir = keep
        .unwrap_or_else(|| tmp.path().to_path_buf())
        .join("week-7000");
    let every = std::env::var("CLUSTERSIM_SYNTH_NODE_SAMPLE_MIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    synth(
        &dir,
        &Synth {
            nodes: 7000,
            minutes: 7 * 24 * 60,
            node_sample_minutes: every,
            extra_workloads: 300,
            zone_pods: 40_000,
        },
    );
    let started = Instant::now();
    ok(&["report", s(&dir), "--quiet"]);
    let secs = started.elapsed().as_secs_f64();
    let samples = fs::metadata(dir.join("node_samples.csv")).unwrap().len();
    eprintln!(
        "report of a week at 1-minute resolution, 7,000 nodes, node samples every {every} min \
         ({:.0} MB): {secs:.2}s",
        samples as f64 / 1e6
    );
    let j = check_output(&dir, "report");
    assert_eq!(j["charts"].as_array().unwrap().len(), 14);
    if !cfg!(debug_assertions) {
        assert!(secs < 30.0, "report took {secs:.1}s");
    }
}
