//! Integration tests of sharded sweeps: shards merged, `merge` refusals, and the Kubernetes
//! manifests in `deploy/kubernetes/` (schema check, the Indexed Job played locally).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::sweep::{ok, setup, sha256sum, tree, BASE, SWEEP};
use common::{bin, repo, run, s, stderr, stdout};

#[test]
fn three_shards_merged_equal_the_unsharded_sweep() {
    let dir = setup(SWEEP);
    let sweep = dir.path().join("sweep.yaml");
    let whole = dir.path().join("whole");
    ok(run(&["sweep", s(&sweep), "--out", s(&whole), "-q"]));
    let mut shard_dirs = Vec::new();
    for k in 1..=3 {
        let d = dir.path().join(format!("shard{k}"));
        let o = ok(run(&[
            "sweep",
            s(&sweep),
            "--out",
            s(&d),
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
    args.extend(shard_dirs.iter().map(|d| s(d).to_string()));
    args.extend(["--out".to_string(), s(&merged).to_string()]);
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
                s(&sweep),
                "--out",
                s(&shared),
                "--shard",
                "auto",
                "-q",
            ])
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("CLUSTERSIM_SHARDS", "3")
            .output()
            .unwrap());
    }
    ok(run(&["merge", s(&shared), "-q"]));
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
            s(sweep),
            "--out",
            s(&d),
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
            s(&other.path().join("sweep.yaml")),
            "--out",
            s(&d),
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
        args.extend(inputs.iter().map(|d| s(d)));
        args.extend(["--out", s(&merged)]);
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
        s(&s1),
        s(&copy),
        s(&s2),
        "--out",
        s(&dir.path().join("merged")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("given twice"), "{}", stderr(&o));
    // Not a shard directory.
    let o = run(&["merge", s(dir.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no shard manifest"), "{}", stderr(&o));
    // The right two merge.
    ok(run(&[
        "merge",
        s(&s1),
        s(&s2),
        "--out",
        s(&dir.path().join("merged")),
        "-q",
    ]));
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
        .chain(files.iter().map(|f| s(f)))
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
                return format!("{}{rest}", s(dir));
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
    ok(run(&["sweep", s(&sweep_path), "--out", s(&whole), "-q"]));
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
