//! Integration tests of the command line's honesty: output to closed pipes and full devices,
//! atomic results directories, the effective scenario, SLO exit codes, warnings and progress.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;
use common::{assert_same_files, bin, s, stderr, stdout, write};

/// A small scenario: 4 nodes of 4 CPUs (32 pods of 500m fit), `{replicas}` web pods.
fn scenario(replicas: u32, extra: &str) -> String {
    format!(
        r#"name: tiny
simulation: {{duration: 10m, seed: 1, metricsInterval: 1m}}
cluster:
  zones: [a, b]
  nodePools:
    - {{name: p, count: 4, capacity: {{cpu: "4", memory: 16Gi, pods: 110}}}}
workloads:
  - name: web
    kind: Deployment
    replicas: {replicas}
    template:
      labels: {{app: web}}
      containers: [{{name: c, resources: {{requests: {{cpu: 500m, memory: 1Gi}}, limits: {{memory: 2Gi}}}}}}]
{extra}"#
    )
}

/// Runs `cmd` with standard output a pipe whose read end is already closed.
fn with_closed_stdout(mut cmd: Command) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    cmd.stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("clustersim runs")
}

/// Runs `cmd` with standard output `/dev/full`.
fn with_full_stdout(mut cmd: Command) -> Output {
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    cmd.stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .output()
        .expect("clustersim runs")
}

#[test]
fn closed_stdout_ends_quietly_and_full_stdout_is_exit_1_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "tiny.yaml", &scenario(6, ""));
    let commands: Vec<Vec<&str>> = vec![
        vec!["validate", s(&sc)],
        vec!["explain", s(&sc), "--workload", "web"],
        vec!["explain", s(&sc), "--workload", "web", "--json"],
    ];
    for args in &commands {
        let mut cmd = bin();
        cmd.args(args);
        let o = with_closed_stdout(cmd);
        let err = stderr(&o);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?} into a closed pipe: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            err.is_empty(),
            "{args:?}: a closed pipe is not an error: {err}"
        );

        if !Path::new("/dev/full").exists() {
            continue;
        }
        let mut cmd = bin();
        cmd.args(args);
        let o = with_full_stdout(cmd);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?} into /dev/full: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.contains("standard output"), "{err}");
    }
}

/// The pid of a process that has exited.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("spawn true");
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn leftovers_of_killed_runs_are_removed_by_the_next_run_into_the_same_parent() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "tiny.yaml", &scenario(6, ""));
    let results = dir.path().join("results");
    let dead = dead_pid();
    let live = std::process::id();
    let leftovers = [
        results.join(format!(".tiny-1.tmp-{dead}")),
        results.join(format!(".tiny-1.old.tmp-{dead}")),
        results.join(format!(".other-9.tmp-{dead}")),
    ];
    let in_use = results.join(format!(".other-9.tmp-{live}"));
    for d in leftovers.iter().chain([&in_use]) {
        fs::create_dir_all(d).unwrap();
        fs::write(d.join("summary.json"), "{").unwrap();
    }
    let out = results.join("tiny-1");
    let o = bin()
        .args(["run", s(&sc), "--quiet", "--out", s(&out)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for d in &leftovers {
        assert!(!d.exists(), "{} left behind", d.display());
    }
    assert!(in_use.exists(), "a live process's directory is not touched");
    // The report accepts the fresh directory (no temporary sibling blocks it).
    let o = bin().args(["report", s(&out), "--quiet"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn report_and_compare_refuse_a_results_directory_missing_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "tiny.yaml", &scenario(6, ""));
    let good = dir.path().join("good");
    let o = bin()
        .args(["run", s(&sc), "--quiet", "--out", s(&good)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(good.join("summary.json")).unwrap()).unwrap();
    let files: Vec<&str> = summary["files"]
        .as_array()
        .expect("summary.json lists the files")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for f in [
        "events.csv",
        "scenario.yaml",
        "timeseries.csv",
        "timing.json",
    ] {
        assert!(files.contains(&f), "{f} listed: {files:?}");
    }
    // What an interrupted deletion of an old results directory left: summary.json and the
    // time series survive, other files are gone.
    let partial = dir.path().join("partial");
    fs::create_dir(&partial).unwrap();
    for f in ["summary.json", "timeseries.csv"] {
        fs::copy(good.join(f), partial.join(f)).unwrap();
    }
    let o = bin()
        .args(["report", s(&partial), "--quiet"])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "report must refuse it: {err}");
    assert!(err.contains("incomplete results directory"), "{err}");
    assert!(err.contains("events.csv"), "names a missing file: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let o = bin()
        .args([
            "compare",
            s(&good),
            s(&partial),
            "--quiet",
            "--out",
            s(&dir.path().join("cmp")),
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "compare must refuse it: {}",
        stderr(&o)
    );
}

#[test]
fn results_hold_the_effective_scenario_and_compare_lists_what_the_variant_changed() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "tiny.yaml", &scenario(6, ""));
    let (base, var) = (dir.path().join("base"), dir.path().join("var"));
    let o = bin()
        .args(["run", s(&sc), "--quiet", "--out", s(&base)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = bin()
        .args(["run", s(&sc), "--quiet", "--out", s(&var)])
        .args(["--set", "workloads[web].replicas=8"])
        .args(["--set", "cluster.nodePools[p].count=6"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));

    let b = fs::read_to_string(base.join("scenario.yaml")).unwrap();
    assert!(b.starts_with("# clustersim effective scenario"), "{b}");
    assert!(b.contains("#   (none)\n"), "{b}");
    let v = fs::read_to_string(var.join("scenario.yaml")).unwrap();
    assert!(
        v.contains("#   workloads[web].replicas=8\n#   cluster.nodePools[p].count=6\n"),
        "{v}"
    );

    // The effective scenario reproduces the run without the overrides.
    let again = dir.path().join("again");
    let o = bin()
        .args(["run", s(&var.join("scenario.yaml")), "--quiet"])
        .args(["--out", s(&again)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_files(
        &var,
        &again,
        &["summary.json", "timeseries.csv", "events.csv"],
    );

    let cmp = dir.path().join("cmp");
    let o = bin()
        .args(["compare", s(&base), s(&var), "--quiet", "--out", s(&cmp)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let md = fs::read_to_string(cmp.join("compare.md")).unwrap();
    assert!(md.contains("## Scenario changes"), "{md}");
    assert!(md.contains("| workloads[web].replicas | 6 | 8 |"), "{md}");
    assert!(
        md.contains("| cluster.nodePools[p].count | 4 | 6 |"),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(cmp.join("compare.json")).unwrap()).unwrap();
    let changes = &json["scenarioChanges"];
    assert_eq!(changes["status"], "compared", "{changes}");
    assert_eq!(changes["changes"].as_array().unwrap().len(), 2, "{changes}");

    // A run against itself: identical scenarios.
    let o = bin()
        .args(["compare", s(&base), s(&base), "--quiet", "--out"])
        .arg(dir.path().join("same"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let md = fs::read_to_string(dir.path().join("same/compare.md")).unwrap();
    assert!(md.contains("effective scenarios are identical"), "{md}");
}

#[test]
fn run_exits_3_when_an_slo_fails_and_0_when_all_pass_or_are_not_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    // 40 pods of 500m on 32 slots: 8 stay unschedulable.
    let slo = "slo:\n  maxUnschedulableAtEnd: 0\n  maxEvictions: 0\n";
    let failing = write(dir.path(), "fail.yaml", &scenario(40, slo));
    let passing = write(dir.path(), "pass.yaml", &scenario(6, slo));
    let no_slo = write(dir.path(), "none.yaml", &scenario(40, ""));
    let out = dir.path().join("out");

    let o = bin()
        .args(["run", s(&failing), "--quiet", "--out", s(&out)])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("maxUnschedulableAtEnd"), "{err}");
    assert!(
        !err.contains("maxEvictions"),
        "passing SLOs are not listed: {err}"
    );
    assert!(
        out.join("summary.json").is_file(),
        "results are written first"
    );
    // With --report the verdicts come from the report, same code.
    let o = bin()
        .args(["run", s(&failing), "--quiet", "--report", "--out", s(&out)])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));

    for sc in [&passing, &no_slo] {
        let o = bin()
            .args(["run", s(sc), "--quiet", "--out", s(&out)])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}: {}", sc.display(), stderr(&o));
    }
}

#[test]
fn run_prints_validate_warnings_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let late = "faults:\n  - {name: late, kind: cordon, at: 20m, target: {pool: p}}\n";
    let sc = write(dir.path(), "late.yaml", &scenario(6, late));
    let out = dir.path().join("out");
    let o = bin()
        .args(["run", s(&sc), "--out", s(&out)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let warning: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warning.len(), 1, "{err}");
    assert!(warning[0].contains("faults[0].at"), "{err}");
    assert!(warning[0].contains("never happens"), "{err}");
    let o = bin()
        .args(["run", s(&sc), "--quiet", "--out", s(&out)])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(stderr(&o), "", "--quiet prints nothing");
}

#[test]
fn progress_lines_when_stderr_is_not_a_terminal_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "tiny.yaml", &scenario(40, ""));
    let out = dir.path().join("out");
    // The interval is lowered to 0 so the engine's last report (at the end) prints a line.
    let o = bin()
        .env("CLUSTERSIM_PROGRESS_INTERVAL_MS", "0")
        .args(["run", s(&sc), "--out", s(&out)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.starts_with("progress: "))
        .unwrap_or_else(|| panic!("no progress line: {err}"));
    let re_prefix = "progress: simulated 10m00.000s of 10m00.000s (100.0 %), ";
    assert!(line.starts_with(re_prefix), "{line}");
    assert!(line.ends_with(" events/s, 8 pods pending"), "{line}");
    assert!(stdout(&o).is_empty());

    let o = bin()
        .env("CLUSTERSIM_PROGRESS_INTERVAL_MS", "0")
        .args(["run", s(&sc), "--quiet", "--out", s(&out)])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(stderr(&o), "", "--quiet prints nothing");

    // The default interval is 10 s of wall time: a short run prints no progress line.
    let o = bin()
        .args(["run", s(&sc), "--out", s(&out)])
        .output()
        .unwrap();
    assert!(!stderr(&o).contains("progress: "), "{}", stderr(&o));
}
