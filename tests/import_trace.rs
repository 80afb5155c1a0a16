//! `clustersim import trace` and `workloads: {fromTrace}`: each public schema on small synthetic
//! fixtures written for these tests (`tests/fixtures/traces/`, `scenarios/traces/`; the real
//! traces stay out of the repository), totals round-tripped through `validate`, bad input
//! refused with one line naming file, row and column, and a 1,000,000-row trace through the
//! streaming reader.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::{fails_2_all, repo, run, stderr, stdout};

fn fixture(name: &str) -> String {
    repo(&format!("tests/fixtures/traces/{name}"))
        .display()
        .to_string()
}

/// Imports `files` in `format` into `dir/scenario.yaml` with `extra` flags; returns its path.
fn import(dir: &Path, format: &str, files: &[String], extra: &[&str]) -> String {
    let out = dir.join("scenario.yaml").display().to_string();
    let mut args = vec!["import", "trace", "--format", format];
    args.extend(files.iter().map(String::as_str));
    args.extend(extra);
    args.extend(["-o", &out]);
    let o = run(&args);
    assert!(o.status.success(), "import failed: {}", stderr(&o));
    out
}

/// The `trace:` line of `validate`.
fn trace_line(scenario: &str) -> String {
    let o = run(&["validate", scenario]);
    assert!(o.status.success(), "validate failed: {}", stderr(&o));
    stdout(&o)
        .lines()
        .find(|l| l.starts_with("trace: "))
        .unwrap_or_else(|| panic!("no trace line in {}", stdout(&o)))
        .to_string()
}

/// Alibaba GPU 2023: node pools by shape with their GPUs, and the pods' requests summed in
/// `validate` equal the sums over the CSV (whole GPUs as `nvidia.com/gpu`, shares as
/// `alibabacloud.com/gpu-milli`).
#[test]
fn alibaba_gpu_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = repo("scenarios/traces/alibaba-gpu-nodes.csv")
        .display()
        .to_string();
    let pods = repo("scenarios/traces/alibaba-gpu-pods.csv")
        .display()
        .to_string();
    let out = import(dir.path(), "alibaba-gpu-2023", &[nodes, pods.clone()], &[]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("fromTrace:"), "{text}");
    assert!(text.contains("model: \"V100M32\""), "{text}");
    assert!(text.contains("count: 12"), "{text}");
    let csv = std::fs::read_to_string(&pods).unwrap();
    let (mut n, mut cpu, mut mem, mut gpus, mut milli) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (c, m, g, gm): (u64, u64, u64, u64) = (
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
            f[3].parse().unwrap(),
            f[4].parse().unwrap(),
        );
        n += 1;
        cpu += c;
        mem += m << 20;
        if g == 1 && gm < 1000 {
            milli += gm;
        } else {
            gpus += g;
        }
    }
    let line = trace_line(&out);
    assert!(line.starts_with(&format!("trace: {n} pods;")), "{line}");
    for part in [
        format!("cpu={cpu}m"),
        format!("memory={mem}"),
        format!("nvidia.com/gpu={gpus}"),
        format!("alibabacloud.com/gpu-milli={milli}"),
    ] {
        assert!(line.contains(&part), "{part} not in {line}");
    }
}

/// Google 2011: a pod per scheduled SUBMIT (the evicted task's resubmission is a second pod;
/// the task killed before any SCHEDULE is left out), normalised requests × the stated machine
/// (default 32 cores, 128 GiB), machine REMOVE+ADD as a crash, a late ADD as a join, a final
/// REMOVE as a removal.
#[test]
fn google_2011_events() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        fixture("google_machine_events.csv"),
        fixture("google_task_events.csv"),
    ];
    let out = import(dir.path(), "google-2011", &files, &["--duration", "3h"]);
    let text = std::fs::read_to_string(&out).unwrap();
    for want in [
        "kind: \"nodeCrash\"",
        "duration: \"1800000ms\"",
        "kind: \"nodeJoin\"",
        "at: \"7200000ms\"",
        "kind: \"nodeRemove\"",
        "at: \"9000000ms\"",
        "count: 3",
    ] {
        assert!(text.contains(want), "{want} not in {text}");
    }
    // 5 pods: 2 × 2000m/4Gi (production), 4000m/8Gi (free), 2 × 8000m/16Gi (batch).
    let line = trace_line(&out);
    let mem: u64 = (4096 * 2 + 8192 + 16384 * 2) << 20;
    assert!(
        line.starts_with("trace: 5 pods;") && line.contains("cpu=24000m"),
        "{line}"
    );
    assert!(line.contains(&format!("memory={mem}")), "{line}");
    let o = run(&[
        "run",
        &out,
        "--out",
        &dir.path().join("r").display().to_string(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Alibaba 2018: machines as explicit nodes with failure_domain_1/2 as zone and rack, status
/// changes as faults; batch_task rows as `instance_num` pods each (never-started rows left
/// out), plan_mem normalised to the stated machine memory.
#[test]
fn alibaba_2018_domains_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        fixture("alibaba2018_machine_meta.csv"),
        fixture("alibaba2018_batch_task.csv"),
    ];
    let out = import(dir.path(), "alibaba-2018", &files, &["--duration", "4h"]);
    let text = std::fs::read_to_string(&out).unwrap();
    for want in [
        "zone: \"fd1-1\"",
        "rack: \"fd2-c\"",
        "name: \"m-4\"",
        "kind: \"nodeJoin\"",
        "kind: \"nodeCrash\"",
        "kind: \"nodeRemove\"",
        "at: \"10000000ms\"",
    ] {
        assert!(text.contains(want), "{want} not in {text}");
    }
    let line = trace_line(&out);
    let mem: u64 = (4 * 655 + 2 * 328 + 1311) << 20;
    assert!(
        line.starts_with("trace: 7 pods;") && line.contains("cpu=7000m"),
        "{line}"
    );
    assert!(line.contains(&format!("memory={mem}")), "{line}");
}

#[test]
fn bad_input_names_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let header = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n";
    let ok = "p0,1000,1024,0,0,,LS,Running,0,10,0\n";
    let cases: [(&str, String, &[&str]); 4] = [
        (
            "missing.csv",
            "name,cpu_milli,num_gpu,gpu_milli,creation_time,deletion_time,scheduled_time\n".into(),
            &["missing.csv: row 1, column memory_mib: missing column"],
        ),
        (
            "nan.csv",
            format!("{header}{ok}p1,abc,1024,0,0,,LS,Running,0,10,0\n"),
            &["nan.csv: row 3, column cpu_milli: \"abc\" is not a number"],
        ),
        (
            "negative.csv",
            format!("{header}{ok}{ok}p2,1000,-5,0,0,,LS,Running,0,10,0\n"),
            &["negative.csv: row 4, column memory_mib: -5 is negative"],
        ),
        (
            "order.csv",
            format!("{header}p3,1000,1024,0,0,,LS,Running,50,20,50\n"),
            &["order.csv: row 2, column deletion_time: 20 is before creation_time (50)"],
        ),
    ];
    for (name, text, wants) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let p = path.display().to_string();
        fails_2_all(
            &["import", "trace", "--format", "alibaba-gpu-2023", &p],
            wants,
        );
        // The same through a scenario's fromTrace.
        let scenario = dir.path().join(format!("{name}.yaml"));
        std::fs::write(
            &scenario,
            format!("name: t\nsimulation: {{duration: 1h}}\ncluster:\n  zones: [a]\n  nodePools: [{{name: p, count: 1, capacity: {{cpu: \"8\", memory: 32Gi}}}}]\nworkloads:\n  fromTrace: {{format: alibaba-gpu-2023, path: {name}}}\n"),
        )
        .unwrap();
        fails_2_all(&["validate", &scenario.display().to_string()], wants);
    }
    fails_2_all(
        &["import", "trace", "--format", "azure", "x.csv"],
        &["--format: unknown trace format \"azure\"", "google-2011"],
    );
    let scenario = dir.path().join("fmt.yaml");
    std::fs::write(
        &scenario,
        "name: t\nsimulation: {duration: 1h}\ncluster:\n  zones: [a]\n  nodePools: [{name: p, count: 1, capacity: {cpu: \"8\", memory: 32Gi}}]\nworkloads:\n  fromTrace: {format: azure, path: x.csv}\n",
    )
    .unwrap();
    fails_2_all(
        &["validate", &scenario.display().to_string()],
        &["workloads.fromTrace.format: unknown trace format"],
    );
    // A Google row with too few columns.
    let short = dir.path().join("task_events.csv");
    std::fs::write(&short, "0,,10,0,,0,u1,2,9,0.1,0.1,0,0\n0,,10,0\n").unwrap();
    let scenario = dir.path().join("g.yaml");
    std::fs::write(
        &scenario,
        "name: t\nsimulation: {duration: 1h}\ncluster:\n  zones: [a]\n  nodePools: [{name: p, count: 1, capacity: {cpu: \"8\", memory: 32Gi}}]\nworkloads:\n  fromTrace: {format: google-2011, path: task_events.csv}\n",
    )
    .unwrap();
    fails_2_all(
        &["validate", &scenario.display().to_string()],
        &["task_events.csv: row 2: has 4 columns; a task_events row has 13"],
    );
}

/// The shipped example runs, and its effective scenario keeps the `fromTrace` reference (an
/// absolute path) and runs on its own.
#[test]
fn shipped_trace_replay_and_effective_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = run(&[
        "run",
        &repo("scenarios/trace-replay.yaml").display().to_string(),
        "--out",
        &out.display().to_string(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let eff = out.join("scenario.yaml");
    let text = std::fs::read_to_string(&eff).unwrap();
    assert!(text.contains("fromTrace:"), "{text}");
    let line = trace_line(&eff.display().to_string());
    assert!(line.starts_with("trace: 400 pods;"), "{line}");
}

/// `validate` no longer warns that GPU pods fit no node when the nodes have `gpus:` devices
/// (the warning ignored the resources a pool's GPUs add).
#[test]
fn gpu_pools_count_in_the_fit_warning() {
    let o = run(&[
        "validate",
        &repo("scenarios/gpu-sharing.yaml").display().to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = stdout(&o) + &stderr(&o);
    assert!(!all.contains("more than any node's allocatable"), "{all}");
}

/// Writes a synthetic Alibaba GPU 2023 pod list of `n` rows (10 shapes, one arrival every
/// 100 ms, 1–10 minute runs) to `path`.
pub fn synthetic_pods(path: &Path, n: u64) {
    let mut s = String::with_capacity(n as usize * 64);
    s.push_str("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n");
    for i in 0..n {
        let cpu = 250 * (1 + i % 10);
        let t = i as f64 / 10.0;
        let d = 60 + (i * 7919) % 540;
        let _ = writeln!(
            s,
            "p{i},{cpu},{},0,0,,BE,Succeeded,{t},{},{t}",
            cpu * 2,
            t + d as f64
        );
    }
    std::fs::write(path, s).unwrap();
}

/// 1,000,000 rows through the streaming reader: `validate` counts every pod, and a short run
/// (10 simulated minutes, ~6,000 arrivals) completes.
#[test]
fn a_million_rows_stream() {
    let dir = tempfile::tempdir().unwrap();
    synthetic_pods(&dir.path().join("pods.csv"), 1_000_000);
    let scenario = dir.path().join("million.yaml");
    std::fs::write(
        &scenario,
        "name: million\nsimulation: {duration: 10m}\ncluster:\n  zones: [a]\n  nodePools: [{name: p, count: 100, capacity: {cpu: \"32\", memory: 128Gi, pods: 110}}]\nworkloads:\n  fromTrace: {format: alibaba-gpu-2023, path: pods.csv}\n",
    )
    .unwrap();
    let s = scenario.display().to_string();
    let line = trace_line(&s);
    assert!(line.starts_with("trace: 1000000 pods;"), "{line}");
    let out = dir.path().join("r");
    let o = run(&[
        "run",
        &s,
        "--out",
        &out.display().to_string(),
        "--events",
        "none",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    let created: u64 = summary
        .split("\"podsCreated\": ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("podsCreated");
    // One arrival every 100 ms over 10 minutes.
    assert!((5_990..=6_001).contains(&created), "{created}");
}

/// Each trace pod runs exactly its own run time once bound (scheduled → deleted), not a drawn
/// one: of two pods running 10 and 30 minutes, one has succeeded at 20 minutes.
#[test]
fn pods_run_their_trace_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pods.csv"),
        "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n\
         a,1000,1024,0,0,,LS,Succeeded,0,600,0\n\
         b,1000,1024,0,0,,LS,Succeeded,60,1860,60\n\
         c,1000,1024,0,0,,LS,Running,1300,,\n",
    )
    .unwrap();
    let scenario = dir.path().join("s.yaml");
    std::fs::write(
        &scenario,
        "name: t\nsimulation: {duration: 20m}\ncluster:\n  zones: [a]\n  nodePools: [{name: p, count: 1, capacity: {cpu: \"8\", memory: 32Gi}}]\nworkloads:\n  fromTrace: {format: alibaba-gpu-2023, path: pods.csv, to: 1200s}\n",
    )
    .unwrap();
    let out = dir.path().join("r");
    let o = run(&[
        "run",
        &scenario.display().to_string(),
        "--out",
        &out.display().to_string(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    // `c` arrives after `to` and is left out.
    for want in [
        "\"podsCreated\": 2,",
        "\"podsSucceeded\": 1,",
        "\"podsRunningAtEnd\": 1,",
    ] {
        assert!(summary.contains(want), "{want} not in {summary}");
    }
}
