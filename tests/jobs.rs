//! Job failure handling end to end: the real binary on small scenarios (restartPolicy,
//! backoffLimit, the Job controller's pod-failure back-off, failed-Job accounting) and the
//! kubelet's CrashLoopBackOff timing seen through a Job pod.

use std::path::{Path, PathBuf};

mod common;
use common::{csv_maps, run_all_events, summary, write};

/// Runs `clustersim run <scenario> --out <dir> --events all -q`; panics on failure.
fn run(dir: &Path, scenario: &str) -> PathBuf {
    let s = write(dir, "s.yaml", scenario);
    let out = dir.join("out");
    run_all_events(&s, &out, &[]);
    out
}

/// `(time_s, pod, reason)` of the `events.csv` rows of kind `kind`.
fn rows(out: &Path, kind: &str) -> Vec<(String, String, String)> {
    csv_maps(&out.join("events.csv"))
        .into_iter()
        .filter(|r| r["event"] == kind)
        .map(|r| (r["time_s"].clone(), r["pod"].clone(), r["reason"].clone()))
        .collect()
}

fn times(rows: &[(String, String, String)]) -> Vec<&str> {
    rows.iter().map(|r| r.0.as_str()).collect()
}

/// One 8Gi node and `workloads`.
fn scenario(duration: &str, workloads: &str) -> String {
    format!(
        "name: t\nsimulation: {{duration: {duration}, metricsInterval: 10s}}\ncluster:\n  zones: [a]\n  nodes:\n    - {{name: n0, zone: a, capacity: {{cpu: \"4\", memory: 8Gi, pods: 110}}}}\nworkloads:\n{workloads}"
    )
}

/// A Job that runs 1 h; its container uses 1Gi, leaks 60Gi/h against a 2Gi limit, so it is
/// OOM-killed 60.001 s after every start. `extra` adds Job fields.
fn leaky_job(extra: &str) -> String {
    format!(
        "  - name: leaky\n    kind: Job\n    duration: 1h\n{extra}    template:\n      containers:\n        - {{name: app, resources: {{requests: {{cpu: 500m, memory: 1Gi}}, limits: {{memory: 2Gi}}}}}}\n    usage: {{memory: 1x, memoryLeak: 60Gi/h}}\n"
    )
}

/// B1 + B4. Upstream `pkg/controller/job/job_controller.go` (`pastBackoffLimitOnFailure`:
/// under `restartPolicy: OnFailure` the Job fails once its pods' container restarts reach
/// `backoffLimit`, default 6; its pods are deleted; condition Failed, reason
/// `BackoffLimitExceeded`) and the kubelet's CrashLoopBackOff
/// (`pkg/kubelet/kuberuntime/kuberuntime_manager.go` `doBackOff` over
/// `client-go/util/flowcontrol/backoff.go`: restart at once after the first crash, then 10,
/// 20, 40, 80, 160 s). Before: the kills came at 60, 130, 210, 310, 450, 670 s, went on for
/// the whole hour, and the Job then `completed`.
#[test]
fn oom_looping_job_fails_at_its_backoff_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &scenario("2h", &leaky_job("")));
    let kills = rows(&out, "oom-killed");
    assert_eq!(
        times(&kills),
        vec!["60.001", "120.002", "190.003", "270.004", "370.005", "510.006"]
    );
    // The 6th restart, 160 s after the 6th kill, reaches backoffLimit 6.
    let failed = rows(&out, "job-failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "670.006");
    assert_eq!(failed[0].1, "leaky-0");
    assert!(
        failed[0].2.starts_with("BackoffLimitExceeded"),
        "{failed:?}"
    );
    let pod_failed = rows(&out, "failed");
    assert_eq!(
        pod_failed,
        vec![(
            "670.006".into(),
            "leaky-0".into(),
            "BackoffLimitExceeded".into()
        )]
    );
    assert!(
        rows(&out, "completed").is_empty(),
        "a failed Job does not complete"
    );
    let s = summary(&out);
    assert_eq!(
        s["podsCreated"], 1,
        "OnFailure restarts in place; a failed Job is not retried"
    );
    assert_eq!(s["podsFailed"], 1);
    assert_eq!(s["podsSucceeded"], 0);
    assert_eq!(s["jobsFailed"], 1);
    assert_eq!(s["jobsSucceeded"], 0);
    assert_eq!(s["pressure"]["containerRestarts"], 6);
    let w = &s["workloads"][0];
    assert_eq!(w["failed"], 1);
    assert_eq!(w["jobsFailed"], 1);
    assert_eq!(w["jobsSucceeded"], 0);
    assert_eq!(w["jobPodsFailed"], 1);
}

/// Upstream `pkg/controller/job/job_controller.go` (`exceedsBackoffLimit`: failed pods >
/// `backoffLimit`) and `backoff_utils.go` (replacement after 10 s · 2^(failures−1)): under
/// `restartPolicy: Never` an OOM-killed container fails its pod, the controller replaces it
/// after the back-off, and the Job fails when the failed pods exceed the limit.
#[test]
fn never_restart_job_replaces_failed_pods_until_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &scenario(
            "2h",
            &leaky_job("    restartPolicy: Never\n    backoffLimit: 2\n"),
        ),
    );
    assert!(rows(&out, "oom-killed").len() == 3);
    let failed = rows(&out, "failed");
    assert_eq!(
        failed,
        vec![
            ("60.001".into(), "leaky-0".into(), "OOMKilled".into()),
            // Created 10 s later, killed 60.001 s after its start.
            ("130.002".into(), "leaky-1".into(), "OOMKilled".into()),
            // Created 20 s later.
            ("210.003".into(), "leaky-2".into(), "OOMKilled".into()),
        ]
    );
    assert_eq!(
        times(&rows(&out, "created")),
        vec!["0.000", "70.001", "150.002"]
    );
    let jf = rows(&out, "job-failed");
    assert_eq!(times(&jf), vec!["210.003"]);
    assert_eq!(jf[0].1, "leaky-2");
    let s = summary(&out);
    assert_eq!(s["podsCreated"], 3);
    assert_eq!(s["podsFailed"], 3);
    assert_eq!(s["jobsFailed"], 1);
    assert_eq!(
        s["pressure"]["containerRestarts"], 0,
        "Never: no restart in place"
    );
    assert_eq!(s["workloads"][0]["jobPodsFailed"], 3);
}

/// `podFailureBackoff` sets the Job controller's back-off (initial, cap).
#[test]
fn pod_failure_backoff_is_settable() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &scenario(
            "2h",
            &leaky_job("    restartPolicy: Never\n    backoffLimit: 3\n    podFailureBackoff: {initial: 1s, max: 1500ms}\n"),
        ),
    );
    // Failures at 60.001; +1 s → 61.001 + 60.001; +1.5 s (2 s capped); +1.5 s.
    assert_eq!(
        times(&rows(&out, "created")),
        vec!["0.000", "61.001", "122.502", "184.003"]
    );
    assert_eq!(times(&rows(&out, "job-failed")), vec!["244.004"]);
}

/// Issue 14 item 2: Job pods deleted by preemption are failed pods of their Job (upstream
/// `job_controller.go` counts a pod deleted before it finished as failed; preemption adds the
/// `DisruptionTarget` condition, ignored only by a `podFailurePolicy`, which is not
/// modelled). Past `backoffLimit` the Job fails and is reported, instead of vanishing as
/// "deleted" with `failed: 0`.
#[test]
fn preempted_job_pods_count_toward_the_backoff_limit() {
    let dir = tempfile::tempdir().unwrap();
    let w = "  - name: batch\n    kind: Job\n    duration: 1h\n    backoffLimit: 1\n    priority: 0\n    template: {containers: [{name: c, resources: {requests: {cpu: \"4\"}}}]}\n\
             \x20 - name: urgent\n    kind: Job\n    duration: 5s\n    priority: 1000\n    arrivals: {at: [100s, 200s]}\n    template: {containers: [{name: c, resources: {requests: {cpu: \"4\"}}}]}\n";
    let out = run(dir.path(), &scenario("10m", w));
    let pre = rows(&out, "preempted");
    assert_eq!(times(&pre), vec!["100.000", "200.000"], "{pre:?}");
    let jf = rows(&out, "job-failed");
    assert_eq!(times(&jf), vec!["200.000"], "{jf:?}");
    assert_eq!(jf[0].1, "batch-1");
    assert!(jf[0].2.starts_with("BackoffLimitExceeded"));
    let s = summary(&out);
    assert_eq!(s["jobsFailed"], 1);
    assert_eq!(s["jobsSucceeded"], 2, "both urgent Jobs");
    let b = &s["workloads"][0];
    assert_eq!(b["jobsFailed"], 1);
    assert_eq!(b["jobPodsFailed"], 2);
    assert_eq!(
        b["deleted"], 2,
        "the pods themselves were deleted (preempted)"
    );
    assert_eq!(b["created"], 2, "no retry after the Job failed");
}

/// Upstream `pkg/kubelet/kubelet_pods.go` (`getPhase`): under `restartPolicy: Never` a
/// container that exits is not restarted, and the pod stays Running while another container
/// runs; it is Failed only once every container has terminated with one failed. A two-container
/// Job pod (1 h run) whose `app` container is OOM-killed 60.001 s after its start keeps running
/// with its `side` container, and fails (not succeeds) when its run ends at 3600 s. Before: the
/// pod failed at the first kill (60.001 s).
#[test]
fn never_restart_multi_container_pod_fails_only_when_all_containers_ended() {
    let dir = tempfile::tempdir().unwrap();
    let job = "  - name: leaky\n    kind: Job\n    duration: 1h\n    restartPolicy: Never\n    backoffLimit: 0\n    template:\n      containers:\n        - {name: app, resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}}\n        - {name: side, resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 1Gi}}}\n    usage:\n      containers:\n        app: {memory: 1x, memoryLeak: 60Gi/h}\n        side: {memory: 1x}\n";
    let out = run(dir.path(), &scenario("2h", job));
    let kills = rows(&out, "oom-killed");
    assert_eq!(times(&kills), vec!["60.001"], "one kill, no restart");
    let failed = rows(&out, "failed");
    assert_eq!(
        failed,
        vec![("3600.000".into(), "leaky-0".into(), "OOMKilled".into())]
    );
    assert!(rows(&out, "completed").is_empty());
    let s = summary(&out);
    assert_eq!(s["podsFailed"], 1);
    assert_eq!(s["podsSucceeded"], 0);
    assert_eq!(s["jobsFailed"], 1);
    assert_eq!(s["pressure"]["containerRestarts"], 0);
}
