//! Integration tests of `sweep`: the grid, its runs and tables, threads, bad sweep files and
//! dry runs. Shards and `merge` are in `sweep_shards.rs`, `plan` in `sweep_plan.rs`.

use std::fs;
use std::path::Path;

mod common;
use common::sweep::{check_charts, csv_rows, ok, setup, tree, SWEEP};
use common::{bin, repo, run, s, stderr, stdout};

#[test]
fn small_sweep_writes_a_row_per_point_a_directory_per_run_and_charts() {
    let dir = setup(SWEEP);
    let out = dir.path().join("out");
    let o = ok(run(&[
        "sweep",
        s(&dir.path().join("sweep.yaml")),
        "--out",
        s(&out),
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
        s(&dir.path().join("base.yaml")),
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
        s(&single),
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
            s(&dir.path().join("sweep.yaml")),
            "--out",
            s(&one),
            "-q",
        ])
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap());
    ok(run(&[
        "sweep",
        s(&dir.path().join("sweep.yaml")),
        "--out",
        s(&two),
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
            s(&dir.path().join("sweep.yaml")),
            "--out",
            s(&out),
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
                s(&dir.path().join("sweep.yaml")),
                "--shard",
                shard,
                "--out",
                s(&dir.path().join("o")),
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
        let o = ok(run(&["sweep", s(&path), "--dry-run"]));
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
        s(&dir.path().join("sweep.yaml")),
        "--dry-run",
        "--shard",
        "2/5",
        "--out",
        s(&dir.path().join("o")),
    ]));
    let out = stdout(&o);
    assert!(out.contains("6 points × 2 seeds = 12 runs"), "{out}");
    assert!(out.contains("shard 2/5 runs 3 of them"), "{out}");
    assert!(!dir.path().join("o").exists(), "a dry run writes nothing");
}
