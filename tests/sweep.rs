//! Integration tests of `sweep`, `merge` and `plan`: the real binary on small scenarios, and the
//! Kubernetes manifests in `deploy/kubernetes/`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{bin, png_stats, repo, run, run_finished, stderr, stdout};

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(&o),
        stderr(&o)
    );
    o
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A small cluster: nodes of 4 CPU; `web` needs 1500m per pod, so 2 pods fit per node; a
/// Poisson stream of batch Jobs makes seeds differ.
const BASE: &str = r#"name: tiny
simulation: {duration: 20m, seed: 1, metricsInterval: 1m}
cluster:
  zones: [a, b]
  nodePools:
    - {name: general, count: 4, capacity: {cpu: "4", memory: 16Gi, pods: 110}}
workloads:
  - name: web
    kind: Deployment
    replicas: 6
    template:
      labels: {app: web}
      containers: [{name: c, resources: {requests: {cpu: 1500m, memory: 1Gi}, limits: {memory: 1Gi}}}]
  - name: batch
    kind: Job
    arrivals: {process: poisson, rate: 0.02/s, until: 10m}
    duration: {distribution: uniform, min: 30s, max: 120s}
    template:
      labels: {app: batch}
      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 128Mi}}}]
"#;

/// 3 × 2 points × 2 seeds = 12 runs.
const SWEEP: &str = r#"name: tiny-sweep
base: base.yaml
seeds: [1, 2]
parameters:
  cluster.nodePools[general].count: [2, 3, 4]
  workloads[web].replicas: {from: 4, to: 8, step: 4}
"#;

/// A directory with `base.yaml` and `sweep.yaml`.
fn setup(sweep: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("base.yaml"), BASE).unwrap();
    fs::write(dir.path().join("sweep.yaml"), sweep).unwrap();
    dir
}

/// Every file under `dir` (relative path → bytes), except the non-deterministic ones
/// (`timing.json`, shard manifests).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            if path.is_dir() {
                walk(root, &path, out);
            } else if name != "timing.json" && !name.starts_with("shard-") {
                out.insert(
                    path.strip_prefix(root).unwrap().display().to_string(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The digest `sha256sum` prints for `path` (an implementation independent of clustersim's).
fn sha256sum(path: &Path) -> String {
    let o = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum runs");
    assert!(o.status.success());
    stdout(&o).split_whitespace().next().unwrap().to_string()
}

/// The sweep's charts in `out/charts/`: one PNG and one SVG per metric × parameter (the file
/// names of the sweep.csv header), each PNG decodes and is not blank, each SVG parses with the
/// metric's and parameter's names in it; `sweep.md` and `sweep.html` embed every PNG.
fn check_charts(out: &Path, metrics: usize, parameters: usize) {
    let header = &csv_rows(&out.join("sweep.csv"))[0];
    let params: Vec<&String> = header[1..=parameters].iter().collect();
    let metric_names: Vec<String> = header
        .iter()
        .filter_map(|h| h.strip_suffix("_mean").map(str::to_string))
        .collect();
    assert_eq!(metric_names.len(), metrics, "{header:?}");
    let slug = |s: &str| {
        let mut o = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() {
                o.push(c);
            } else if !o.ends_with('-') {
                o.push('-');
            }
        }
        o.trim_matches('-').to_string()
    };
    let mut names: Vec<String> = fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut want = Vec::new();
    for m in &metric_names {
        for p in &params {
            for ext in ["png", "svg"] {
                want.push(format!("{}-vs-{}.{ext}", slug(m), slug(p)));
            }
        }
    }
    want.sort();
    assert_eq!(names, want, "one PNG and one SVG per metric × parameter");
    let md = fs::read_to_string(out.join("sweep.md")).unwrap();
    let html = fs::read_to_string(out.join("sweep.html")).unwrap();
    for name in &names {
        let path = out.join("charts").join(name);
        if name.ends_with(".png") {
            let (w, h, sd) = png_stats(&path);
            assert!(w >= 800 && h >= 400, "{name}: {w}x{h}");
            assert!(sd > 8.0, "{name}: looks blank (luminance sd {sd:.2})");
            assert!(
                md.contains(&format!("](charts/{name})")),
                "sweep.md lacks {name}"
            );
            assert!(
                html.contains(&format!("href=\"charts/{name}\"")),
                "sweep.html lacks {name}"
            );
            assert!(
                !html.contains("src=\"charts/"),
                "sweep.html refers to a chart instead of embedding it"
            );
        } else {
            let text = fs::read_to_string(&path).unwrap();
            let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(doc.root_element().tag_name().name(), "svg");
            let texts: String = doc
                .descendants()
                .filter_map(|n| n.text())
                .collect::<Vec<_>>()
                .join(" ");
            let param = params
                .iter()
                .find(|p| name.ends_with(&format!("-vs-{}.svg", slug(p))))
                .unwrap();
            assert!(
                texts.contains(param.as_str()),
                "{name}: no axis named {param}"
            );
            assert!(texts.contains(" vs "), "{name}: no title");
            // With two parameters, one line (legend entry) per value of the other.
            for other in params.iter().filter(|o| *o != param) {
                assert!(
                    texts.contains(&format!("{other}=")),
                    "{name}: no legend entry for {other}"
                );
            }
        }
    }
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn small_sweep_writes_a_row_per_point_a_directory_per_run_and_charts() {
    let dir = setup(SWEEP);
    let out = dir.path().join("out");
    let o = ok(run(&[
        "sweep",
        p(&dir.path().join("sweep.yaml")),
        "--out",
        p(&out),
    ]));
    assert!(
        stderr(&o).contains("12 runs (6 points × 2 seeds)"),
        "{}",
        stderr(&o)
    );

    let rows = csv_rows(&out.join("sweep.csv"));
    assert_eq!(rows.len(), 1 + 6, "header + one row per point");
    let header = &rows[0];
    assert_eq!(
        &header[..4],
        &[
            "point",
            "cluster.nodePools[general].count",
            "workloads[web].replicas",
            "seeds"
        ]
    );
    assert!(
        header.contains(&"podsPendingAtEnd_mean".to_string())
            && header.contains(&"peakPending_ci95_high".to_string())
    );
    // Grid order: the first parameter varies slowest.
    let grid: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        grid,
        vec![
            ("2", "4"),
            ("2", "8"),
            ("3", "4"),
            ("3", "8"),
            ("4", "4"),
            ("4", "8")
        ]
    );
    // 2 nodes hold 4 web pods: 8 replicas leave 4 Pending whatever the seed (the batch Jobs
    // are long finished); 4 nodes hold all 8.
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (mean, std) = (col("podsPendingAtEnd_mean"), col("podsPendingAtEnd_std"));
    assert_eq!(
        (rows[2][mean].as_str(), rows[2][std].as_str()),
        ("4.000000", "0.000000")
    );
    assert_eq!(rows[6][mean], "0.000000");
    assert_eq!(rows[1][col("seeds")], "2");

    for point in 0..6 {
        for seed in [1, 2] {
            let summary = out.join(format!("{point}-{seed}")).join("summary.json");
            let text = fs::read_to_string(&summary)
                .unwrap_or_else(|_| panic!("{} missing", summary.display()));
            assert!(text.contains(&format!("\"seed\": {seed}")), "{text}");
        }
    }
    let runs = csv_rows(&out.join("runs.csv"));
    assert_eq!(runs.len(), 1 + 12);
    assert_eq!(&runs[1][..3], &["0-1", "0", "1"]);
    assert!(out.join("shard-1-of-1.json").is_file());
    check_charts(&out, 8, 2);
    // A run's directory is what `clustersim run` writes for that point and seed (sweeps skip
    // the per-node samples unless the scenario sets simulation.nodeSampleInterval).
    let single = dir.path().join("single");
    ok(run(&[
        "run",
        p(&dir.path().join("base.yaml")),
        "--seed",
        "2",
        "--set",
        "simulation.nodeSampleInterval=0s",
        "--set",
        "cluster.nodePools[general].count=3",
        "--set",
        "workloads[web].replicas=8",
        "--events",
        "none",
        "--out",
        p(&single),
        "-q",
    ]));
    // The effective scenarios differ only in how they were reached (the sweep's point
    // overrides vs this run's --set list, nodeSampleInterval included); each names its own.
    let (mut swept, mut alone) = (tree(&out.join("3-2")), tree(&single));
    let effective = String::from_utf8(swept.remove("scenario.yaml").unwrap()).unwrap();
    assert!(
        effective
            .contains("#   cluster.nodePools[general].count=3\n#   workloads[web].replicas=8\n"),
        "{effective}"
    );
    assert!(alone.remove("scenario.yaml").is_some());
    assert_eq!(swept, alone, "point 3 (3 nodes, 8 replicas), seed 2");
    // Common random numbers: the batch Jobs of one seed are the same at every point.
    let created = |point: usize, seed: u64| {
        let s: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(out.join(format!("{point}-{seed}/summary.json"))).unwrap(),
        )
        .unwrap();
        s["workloads"][1]["desired"].as_u64().unwrap()
    };
    assert_eq!(created(0, 1), created(5, 1));
    assert_ne!(
        created(0, 1),
        created(0, 2),
        "two seeds should draw different arrivals"
    );
}

#[test]
fn sweep_csv_is_byte_identical_with_one_or_two_threads() {
    let dir = setup(SWEEP);
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    ok(bin()
        .args([
            "sweep",
            p(&dir.path().join("sweep.yaml")),
            "--out",
            p(&one),
            "-q",
        ])
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap());
    ok(run(&[
        "sweep",
        p(&dir.path().join("sweep.yaml")),
        "--out",
        p(&two),
        "-q",
        "--jobs",
        "2",
    ]));
    let (a, b) = (tree(&one), tree(&two));
    assert!(a.contains_key("sweep.csv"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between 1 and 2 threads");
    }
    let threads = |dir: &Path| -> u64 {
        let m: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.join("shard-1-of-1.json")).unwrap())
                .unwrap();
        m["threads"].as_u64().unwrap()
    };
    assert_eq!((threads(&one), threads(&two)), (1, 2));
}

#[test]
fn three_shards_merged_equal_the_unsharded_sweep() {
    let dir = setup(SWEEP);
    let sweep = dir.path().join("sweep.yaml");
    let whole = dir.path().join("whole");
    ok(run(&["sweep", p(&sweep), "--out", p(&whole), "-q"]));
    let mut shard_dirs = Vec::new();
    for k in 1..=3 {
        let d = dir.path().join(format!("shard{k}"));
        let o = ok(run(&[
            "sweep",
            p(&sweep),
            "--out",
            p(&d),
            "--shard",
            &format!("{k}/3"),
        ]));
        assert!(
            stderr(&o).contains(&format!("shard {k}/3: 4 of 12 runs")),
            "{}",
            stderr(&o)
        );
        assert!(
            !d.join("sweep.csv").exists(),
            "a shard alone writes no sweep.csv"
        );
        shard_dirs.push(d);
    }
    // The manifests identify the sweep by the same digests as coreutils' `sha256sum`.
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(shard_dirs[0].join("shard-1-of-3.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["sweepSha256"], sha256sum(&sweep).as_str());
    assert_eq!(
        manifest["baseSha256"],
        sha256sum(&dir.path().join("base.yaml")).as_str()
    );
    let merged = dir.path().join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(shard_dirs.iter().map(|d| p(d).to_string()));
    args.extend(["--out".to_string(), p(&merged).to_string()]);
    ok(bin().args(&args).output().unwrap());
    for file in ["sweep.csv", "runs.csv", "sweep.md", "sweep.html"] {
        assert_eq!(
            fs::read(merged.join(file)).unwrap(),
            fs::read(whole.join(file)).unwrap(),
            "{file}"
        );
    }
    let charts = |d: &Path| tree(&d.join("charts"));
    assert_eq!(charts(&merged), charts(&whole));
    // The run directories of the shards together are those of the unsharded sweep.
    let mut runs = BTreeMap::new();
    for d in &shard_dirs {
        runs.extend(tree(d));
    }
    let whole_runs: BTreeMap<String, Vec<u8>> = tree(&whole)
        .into_iter()
        .filter(|(k, _)| k.contains('/') && !k.starts_with("charts"))
        .collect();
    assert_eq!(runs, whole_runs);

    // Kubernetes style: every shard writes into one shared directory (`--shard auto`).
    let shared = dir.path().join("shared");
    for index in 0..3 {
        ok(bin()
            .args([
                "sweep",
                p(&sweep),
                "--out",
                p(&shared),
                "--shard",
                "auto",
                "-q",
            ])
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("CLUSTERSIM_SHARDS", "3")
            .output()
            .unwrap());
    }
    ok(run(&["merge", p(&shared), "-q"]));
    assert_eq!(
        fs::read(shared.join("sweep.csv")).unwrap(),
        fs::read(whole.join("sweep.csv")).unwrap()
    );
}

#[test]
fn merge_refuses_mismatched_or_missing_shards() {
    let dir = setup(SWEEP);
    let sweep = dir.path().join("sweep.yaml");
    let shard = |k: u32, n: u32, sweep: &Path, out: &str| {
        let d = dir.path().join(out);
        ok(run(&[
            "sweep",
            p(sweep),
            "--out",
            p(&d),
            "--shard",
            &format!("{k}/{n}"),
            "-q",
        ]));
        d
    };
    let s1 = shard(1, 2, &sweep, "s1");
    let s2 = shard(2, 2, &sweep, "s2");
    // Same grid, other seeds.
    let other_seeds = dir.path().join("other-seeds.yaml");
    fs::write(
        &other_seeds,
        SWEEP.replace("seeds: [1, 2]", "seeds: [1, 3]"),
    )
    .unwrap();
    let o2 = shard(2, 2, &other_seeds, "o2");
    // Same sweep text, changed base scenario.
    let other = tempfile::tempdir().unwrap();
    fs::write(
        other.path().join("base.yaml"),
        BASE.replace("duration: 20m", "duration: 21m"),
    )
    .unwrap();
    fs::write(other.path().join("sweep.yaml"), SWEEP).unwrap();
    let b2 = {
        let d = dir.path().join("b2");
        ok(run(&[
            "sweep",
            p(&other.path().join("sweep.yaml")),
            "--out",
            p(&d),
            "--shard",
            "2/2",
            "-q",
        ]));
        d
    };
    // Other sweep file, same seeds.
    let other_sweep = dir.path().join("other-sweep.yaml");
    fs::write(&other_sweep, SWEEP.replace("[2, 3, 4]", "[2, 3, 5]")).unwrap();
    let w2 = shard(2, 2, &other_sweep, "w2");
    let t3 = shard(3, 3, &sweep, "t3");

    let cases: Vec<(Vec<&Path>, &str)> = vec![
        (vec![&s1], "missing shard(s) 2/2"),
        (vec![&s1, &o2], "the seeds differ"),
        (vec![&s1, &b2], "the base scenario differs"),
        (vec![&s1, &w2], "the sweep file differs"),
        (vec![&s1, &s2, &t3], "the number of shards differs"),
    ];
    let merged = dir.path().join("merged");
    for (inputs, want) in cases {
        let mut args = vec!["merge"];
        args.extend(inputs.iter().map(|d| p(d)));
        args.extend(["--out", p(&merged)]);
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{want}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains(want), "expected {want:?} in {err}");
        assert!(!dir.path().join("merged").join("sweep.csv").exists());
    }
    // A copy of one shard's manifest given twice.
    let copy = dir.path().join("copy.json");
    fs::copy(s1.join("shard-1-of-2.json"), &copy).unwrap();
    let o = run(&[
        "merge",
        p(&s1),
        p(&copy),
        p(&s2),
        "--out",
        p(&dir.path().join("merged")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("given twice"), "{}", stderr(&o));
    // Not a shard directory.
    let o = run(&["merge", p(dir.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no shard manifest"), "{}", stderr(&o));
    // The right two merge.
    ok(run(&[
        "merge",
        p(&s1),
        p(&s2),
        "--out",
        p(&dir.path().join("merged")),
        "-q",
    ]));
}

#[test]
fn bad_sweep_files_exit_2_with_one_line_naming_file_and_field() {
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown-field",
            SWEEP.replace("seeds: [1, 2]", "seeds: [1, 2]\nseeeds: 3"),
            vec!["seeeds", "unknown field"],
        ),
        (
            "bad-range",
            SWEEP.replace("step: 4", "step: 0"),
            vec!["parameters[workloads[web].replicas]", "step"],
        ),
        (
            "empty-values",
            SWEEP.replace("[2, 3, 4]", "[]"),
            vec!["parameters[cluster.nodePools[general].count]"],
        ),
        (
            "missing-base",
            SWEEP.replace("base: base.yaml", "base: nope.yaml"),
            vec!["base", "nope.yaml"],
        ),
        (
            "no-seeds",
            SWEEP.replace("seeds: [1, 2]\n", ""),
            vec!["seeds"],
        ),
        (
            "both-seeds",
            SWEEP.replace("seeds: [1, 2]", "seeds: [1, 2]\nreplications: 3"),
            vec!["replications"],
        ),
        (
            "bad-metric",
            format!("{SWEEP}metrics: [peakPending, nope]\n"),
            vec!["metrics[1]", "nope"],
        ),
        (
            "bad-events",
            format!("{SWEEP}events: some\n"),
            vec!["events"],
        ),
        (
            "unknown-workload",
            SWEEP.replace("workloads[web]", "workloads[api]"),
            vec!["parameters[workloads[api].replicas]", "base.yaml"],
        ),
        (
            "invalid-value",
            SWEEP.replace("[2, 3, 4]", "[2, -3, 4]"),
            vec!["parameters[cluster.nodePools[general].count]: value -3"],
        ),
        (
            "bad-yaml",
            "base: base.yaml\nseeds: [1, 2\n".to_string(),
            vec!["sweep.yaml"],
        ),
    ];
    for (name, text, expected) in cases {
        let dir = setup(&text);
        let out = dir.path().join("out");
        let o = run(&[
            "sweep",
            p(&dir.path().join("sweep.yaml")),
            "--out",
            p(&out),
            "-q",
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: one line: {err}");
        assert!(err.contains("sweep.yaml"), "{name}: names the file: {err}");
        for e in expected {
            assert!(err.contains(e), "{name}: expected {e:?} in {err}");
        }
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!out.join("0-1").exists(), "{name}: nothing ran");
    }
    let dir = setup(SWEEP);
    for (shard, want) in [
        ("0/3", "does not exist"),
        ("4/3", "does not exist"),
        ("x", "K/N"),
        ("auto/3", "JOB_COMPLETION_INDEX"),
        ("auto", "CLUSTERSIM_SHARDS"),
    ] {
        let o = bin()
            .args([
                "sweep",
                p(&dir.path().join("sweep.yaml")),
                "--shard",
                shard,
                "--out",
                p(&dir.path().join("o")),
            ])
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("CLUSTERSIM_SHARDS")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "--shard {shard}");
        assert!(stderr(&o).contains(want), "--shard {shard}: {}", stderr(&o));
    }
}

#[test]
fn dry_run_lists_the_grid_of_every_shipped_sweep() {
    let mut count = 0;
    for entry in fs::read_dir(repo("scenarios/sweeps")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        count += 1;
        let o = ok(run(&["sweep", p(&path), "--dry-run"]));
        let out = stdout(&o);
        assert!(
            out.contains("points") && out.contains("runs"),
            "{}: {out}",
            path.display()
        );
    }
    assert!(count >= 2, "expected shipped sweep files, found {count}");
    let dir = setup(SWEEP);
    let o = ok(run(&[
        "sweep",
        p(&dir.path().join("sweep.yaml")),
        "--dry-run",
        "--shard",
        "2/5",
        "--out",
        p(&dir.path().join("o")),
    ]));
    let out = stdout(&o);
    assert!(out.contains("6 points × 2 seeds = 12 runs"), "{out}");
    assert!(out.contains("shard 2/5 runs 3 of them"), "{out}");
    assert!(!dir.path().join("o").exists(), "a dry run writes nothing");
}

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
                p(&repo("scenarios/quickstart.yaml")),
                "--seed",
                &seed.to_string(),
                "--set",
                &format!("cluster.nodePools[general].count={count}"),
                "--out",
                p(&out),
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
        p(&repo("scenarios/quickstart.yaml")),
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
        p(&base),
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
            p(&base),
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
        p(&base),
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
        p(scenario),
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
        p(&base),
        "--seed",
        "1",
        "--set",
        "cluster.nodePools[general].count=8",
        "--events",
        "none",
        "--out",
        p(&single),
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
        .contains(p(&no_zones)),
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

/// Reads a YAML file (possibly several documents) as JSON values.
fn yaml_docs(path: &Path) -> Vec<serde_json::Value> {
    let text = fs::read_to_string(path).unwrap();
    text.split("\n---\n")
        .map(|doc| serde_saphyr::from_str::<serde_json::Value>(doc).unwrap())
        .collect()
}

/// Runs `kubernetes-validate --strict` (PyPI): `python3 -m kubernetes_validate`, else the
/// `kubernetes-validate` script. When neither is there it fails with the install command under
/// CI (`.ci/run` installs it), and elsewhere returns None so a fresh checkout's `cargo test`
/// still passes (the schema check is then reported as skipped on stderr).
fn kubernetes_validate(files: &[PathBuf]) -> Option<Output> {
    let args: Vec<&str> = ["--strict"]
        .into_iter()
        .chain(files.iter().map(|f| p(f)))
        .collect();
    let missing = |o: &Output| {
        let err = String::from_utf8_lossy(&o.stderr);
        o.status.code() == Some(127)
            || err.contains("No module named")
            || err.contains("command not found")
    };
    if let Ok(o) = Command::new("python3")
        .args(["-m", "kubernetes_validate"])
        .args(&args)
        .output()
    {
        if !missing(&o) {
            return Some(o);
        }
    }
    match Command::new("kubernetes-validate").args(&args).output() {
        Ok(o) if !missing(&o) => Some(o),
        _ if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!(
                "note: kubernetes-validate is not installed; the OpenAPI schema check of \
                 deploy/kubernetes was skipped (`python3 -m pip install kubernetes-validate==1.37.0`)"
            );
            None
        }
        _ => panic!(
            "kubernetes-validate is not installed; install it with \
             `python3 -m pip install kubernetes-validate==1.37.0` \
             (it ships the Kubernetes OpenAPI schemas: no cluster or network needed)"
        ),
    }
}

#[test]
fn kubernetes_manifests_validate_against_the_openapi_schema() {
    let files: Vec<PathBuf> = ["indexed-job.yaml", "results.yaml", "merge-job.yaml"]
        .iter()
        .map(|f| repo(&format!("deploy/kubernetes/{f}")))
        .collect();
    if let Some(o) = kubernetes_validate(&files) {
        assert!(
            o.status.success(),
            "kubernetes-validate --strict failed:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
    }
    // What the schema cannot check (it has no enums for these fields).
    let job = &yaml_docs(&repo("deploy/kubernetes/indexed-job.yaml"))[0];
    let spec = &job["spec"];
    assert_eq!(job["kind"], "Job");
    assert_eq!(spec["completionMode"], "Indexed");
    assert_eq!(spec["podReplacementPolicy"], "Failed");
    assert_eq!(spec["template"]["spec"]["restartPolicy"], "Never");
    let container = &spec["template"]["spec"]["containers"][0];
    let env = |name: &str| {
        container["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["value"].as_str().unwrap().to_string())
    };
    assert_eq!(
        env("CLUSTERSIM_SHARDS").unwrap(),
        spec["completions"].as_u64().unwrap().to_string(),
        "CLUSTERSIM_SHARDS must equal completions"
    );
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(&args[..1], &["sweep"]);
    assert!(
        args.windows(2).any(|w| w == ["--shard", "auto"]),
        "{args:?}"
    );
}

/// Plays the Indexed Job on this machine: the ConfigMap's files laid out as its `items` say,
/// one process per completion index with the manifest's arguments and environment, then the
/// merge Job's arguments; the result equals an unsharded sweep.
#[test]
fn indexed_job_played_locally_equals_the_unsharded_sweep() {
    let job = &yaml_docs(&repo("deploy/kubernetes/indexed-job.yaml"))[0];
    let merge_job = &yaml_docs(&repo("deploy/kubernetes/merge-job.yaml"))[0];
    let spec = &job["spec"];
    let pod = &spec["template"]["spec"];
    let container = &pod["containers"][0];
    let root = tempfile::tempdir().unwrap();
    // Mount points → local directories.
    let mounts: Vec<(String, PathBuf)> = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let path = m["mountPath"].as_str().unwrap().to_string();
            (path.clone(), root.path().join(path.trim_start_matches('/')))
        })
        .collect();
    let local = |arg: &str| -> String {
        for (mount, dir) in &mounts {
            if let Some(rest) = arg.strip_prefix(mount.as_str()) {
                return format!("{}{rest}", p(dir));
            }
        }
        arg.to_string()
    };
    // The ConfigMap: `sweep.yaml` is our small sweep, naming the other item as its base.
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["configMap"].is_object())
        .unwrap();
    let mount = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == volume["name"])
        .unwrap();
    let config_dir = PathBuf::from(local(mount["mountPath"].as_str().unwrap()));
    let items = volume["configMap"]["items"].as_array().unwrap();
    let sweep_item = items.iter().find(|i| i["key"] == "sweep.yaml").unwrap()["path"]
        .as_str()
        .unwrap();
    let base_item = items.iter().find(|i| i["key"] != "sweep.yaml").unwrap()["path"]
        .as_str()
        .unwrap();
    let sweep_path = config_dir.join(sweep_item);
    let base_path = config_dir.join(base_item);
    fs::create_dir_all(sweep_path.parent().unwrap()).unwrap();
    fs::create_dir_all(base_path.parent().unwrap()).unwrap();
    fs::write(&base_path, BASE).unwrap();
    let relative_base = pathdiff(&base_path, sweep_path.parent().unwrap());
    fs::write(
        &sweep_path,
        SWEEP.replace("base: base.yaml", &format!("base: {relative_base}")),
    )
    .unwrap();
    for (_, dir) in &mounts {
        fs::create_dir_all(dir).unwrap();
    }

    let completions = spec["completions"].as_u64().unwrap();
    let args: Vec<String> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| local(a.as_str().unwrap()))
        .collect();
    for index in 0..completions {
        let mut cmd = bin();
        cmd.args(&args)
            .env("JOB_COMPLETION_INDEX", index.to_string());
        for e in container["env"].as_array().unwrap() {
            cmd.env(e["name"].as_str().unwrap(), e["value"].as_str().unwrap());
        }
        ok(cmd.output().unwrap());
    }
    let merge_container = &merge_job["spec"]["template"]["spec"]["containers"][0];
    let merge_args: Vec<String> = merge_container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| local(a.as_str().unwrap()))
        .collect();
    ok(bin().args(&merge_args).output().unwrap());

    let whole = root.path().join("whole");
    ok(run(&["sweep", p(&sweep_path), "--out", p(&whole), "-q"]));
    let results = PathBuf::from(local("/results"));
    for file in ["sweep.csv", "runs.csv"] {
        assert_eq!(
            fs::read(results.join(file)).unwrap(),
            fs::read(whole.join(file)).unwrap(),
            "{file}"
        );
    }
}

/// `target` relative to `base` (both under one temporary root), with `/` separators.
fn pathdiff(target: &Path, base: &Path) -> String {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}
