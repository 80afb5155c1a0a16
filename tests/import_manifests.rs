//! Scenarios whose workloads come from rendered Kubernetes manifests
//! (`workloads: {fromManifests: [...]}`), through the real binary: Helm-style multi-document
//! files, Lists, unknown kinds, apiVersions and the API server's admission refusals.

mod common;

use std::fs;
use std::path::Path;

use common::{repo, run, run_finished, stderr, stdout};

const FLEET: &str = "name: t\nsimulation: {duration: 2h}\ncluster:\n  zones: [a, b]\n  nodePools:\n    - {name: p, count: 4, capacity: {cpu: \"8\", memory: 32Gi, pods: 110}}\n";

/// A scenario in `dir` whose workloads come from `manifest` (written as `m/app.yaml`), with
/// `extra` lines under `workloads:`.
fn scenario(dir: &Path, manifest: &str, extra: &str) -> String {
    fs::create_dir_all(dir.join("m")).unwrap();
    fs::write(dir.join("m/app.yaml"), manifest).unwrap();
    let s = dir.join("s.yaml");
    fs::write(
        &s,
        format!("{FLEET}workloads:\n  fromManifests: [\"m/*.yaml\"]\n{extra}"),
    )
    .unwrap();
    s.display().to_string()
}

const HELM: &str = r#"# Rendered by helm template
---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # the front end
  namespace: prod
spec:
  replicas: 5
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          resources: {requests: {cpu: 500m, memory: 1Gi}}
---
---
apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: migrate, namespace: prod}
    spec:
      completions: 3
      parallelism: 3
      backoffLimit: 2
      activeDeadlineSeconds: 600
      template:
        spec:
          restartPolicy: Never
          containers: [{name: m, resources: {requests: {cpu: "1", memory: 1Gi}}}]
  - apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: prod}
  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: web, namespace: prod}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
"#;

#[test]
fn helm_output_with_lists_and_unknown_kinds_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario(tmp.path(), HELM, "  jobDuration: 5m\n");
    let v = run(&["validate", &s]);
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
    let out = stdout(&v);
    assert!(out.contains("web") && out.contains("5 pods"), "{out}");
    assert!(out.contains("migrate"), "{out}");
    let err = out; // validate prints its warnings with the description
                   // Unknown kinds: one warning line, counted per kind.
    let skipped: Vec<&str> = err.lines().filter(|l| l.contains("skipped")).collect();
    assert_eq!(skipped.len(), 1, "{err}");
    assert!(
        skipped[0].contains("Ingress (1)")
            && skipped[0].contains("Service (1)")
            && skipped[0].contains("Widget (1)"),
        "{err}"
    );
    // A Job's activeDeadlineSeconds is not modelled: listed, not an error.
    assert!(
        err.contains("spec.activeDeadlineSeconds (1 object)"),
        "{err}"
    );
    let results = tmp.path().join("r");
    let r = run(&["run", &s, "--out", results.to_str().unwrap(), "-q"]);
    assert!(run_finished(&r), "{}", stderr(&r));
    let summary = fs::read_to_string(results.join("summary.json")).unwrap();
    // 5 web pods + 3 Job pods.
    assert!(summary.contains("\"podsCreated\": 8"), "{summary}");
    assert!(summary.contains("\"jobsSucceeded\": 3"), "{summary}");
    // The effective scenario holds the imported workloads and runs by itself.
    let effective = fs::read_to_string(results.join("scenario.yaml")).unwrap();
    assert!(
        !effective.contains("\nworkloads:\n  fromManifests"),
        "{effective}"
    );
    assert!(
        effective.contains("restartPolicy: \"Never\""),
        "{effective}"
    );
    assert!(effective.contains("backoffLimit: 2"), "{effective}");
    let again = run(&["validate", results.join("scenario.yaml").to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}

#[test]
fn unknown_api_version_of_a_known_kind_names_the_accepted_one() {
    let tmp = tempfile::tempdir().unwrap();
    let m = HELM.replacen("apiVersion: apps/v1", "apiVersion: extensions/v1beta1", 1);
    let s = scenario(tmp.path(), &m, "  jobDuration: 5m\n");
    let v = run(&["validate", &s]);
    assert_eq!(v.status.code(), Some(2));
    let err = stderr(&v);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("app.yaml: Deployment prod/web: apiVersion")
            && err.contains("extensions/v1beta1")
            && err.contains("apps/v1"),
        "{err}"
    );
}

#[test]
fn requests_above_limits_are_refused_as_the_api_server_does() {
    // Upstream: pkg/apis/core/validation/validation.go ValidateResourceRequirements,
    // "must be less than or equal to <resource> limit".
    let tmp = tempfile::tempdir().unwrap();
    let m = HELM.replacen(
        "{requests: {cpu: 500m, memory: 1Gi}}",
        "{requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: 250m}}",
        1,
    );
    let s = scenario(tmp.path(), &m, "  jobDuration: 5m\n");
    for cmd in ["validate", "run"] {
        let v = run(&[cmd, &s, "--set", "simulation.seed=1"]);
        assert_eq!(v.status.code(), Some(2), "{cmd}");
        let err = stderr(&v);
        assert!(
            err.contains(
                "Deployment prod/web: spec.template.spec.containers[0].resources.requests.cpu"
            ) && err.contains("above the limit"),
            "{err}"
        );
    }
}

#[test]
fn overlays_usage_and_set_reach_manifest_workloads() {
    let tmp = tempfile::tempdir().unwrap();
    let extra = "  overlays: {\"prod/migrate\": {duration: 2m}}\n  usage: {\"prod/web\": {cpu: 300m, memory: 600Mi}}\n  items:\n    - {name: extra, kind: Deployment, replicas: 1, template: {containers: [{name: c, resources: {requests: {cpu: 100m}}}]}}\n";
    let s = scenario(tmp.path(), HELM, extra);
    let results = tmp.path().join("r");
    let r = run(&[
        "run",
        &s,
        "--out",
        results.to_str().unwrap(),
        "-q",
        "--set",
        "workloads[web].replicas=7",
    ]);
    assert!(run_finished(&r), "{}", stderr(&r));
    let summary = fs::read_to_string(results.join("summary.json")).unwrap();
    assert!(summary.contains("\"podsCreated\": 11"), "{summary}");
    let csv = fs::read_to_string(results.join("workloads.csv")).unwrap();
    let web = csv.lines().find(|l| l.starts_with("web,")).unwrap();
    // 7 pods × 300m used.
    assert!(web.contains(",2100,"), "{web}");
    // A typo in an overlay key is an error, not silently ignored.
    let bad = scenario(
        tmp.path(),
        HELM,
        "  jobDuration: 5m\n  usage: {\"prod/wbe\": {cpu: 1}}\n",
    );
    let v = run(&["validate", &bad]);
    assert_eq!(v.status.code(), Some(2));
    assert!(
        stderr(&v).contains("workloads.usage[\"prod/wbe\"]"),
        "{}",
        stderr(&v)
    );
}

#[test]
fn a_job_without_run_time_and_a_missing_file_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario(tmp.path(), HELM, "");
    let v = run(&["validate", &s]);
    assert_eq!(v.status.code(), Some(2));
    assert!(stderr(&v).contains("Job prod/migrate"), "{}", stderr(&v));
    fs::write(
        tmp.path().join("s2.yaml"),
        format!("{FLEET}workloads: {{fromManifests: [nope/]}}\n"),
    )
    .unwrap();
    let v = run(&["validate", tmp.path().join("s2.yaml").to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(2));
    assert!(
        stderr(&v).contains("workloads.fromManifests[0]"),
        "{}",
        stderr(&v)
    );
}

#[test]
fn shipped_shop_fleet_runs_from_its_manifests() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let s = repo("scenarios/shop-fleet.yaml");
    let r = run(&[
        "run",
        s.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(run_finished(&r), "{}", stderr(&r));
    let csv = fs::read_to_string(out.join("workloads.csv")).unwrap();
    for w in [
        "frontend,",
        "checkout,",
        "redis,",
        "node-exporter,",
        "reports,",
    ] {
        assert!(csv.lines().any(|l| l.starts_with(w)), "{w} missing: {csv}");
    }
    // explain reads the same scenario.
    let e = run(&["explain", s.to_str().unwrap(), "--workload", "checkout"]);
    assert_eq!(e.status.code(), Some(0), "{}", stderr(&e));
}

#[test]
fn import_manifests_writes_a_scenario_that_runs_and_nothing_on_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("imported.yaml");
    let shop = repo("scenarios/manifests/shop/rendered.yaml");
    let fleet = repo("scenarios/shop-fleet.yaml");
    let o = run(&[
        "import",
        "manifests",
        shop.to_str().unwrap(),
        "--fleet",
        fleet.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = fs::read_to_string(&out).unwrap();
    assert!(!text.contains("fromManifests"), "{text}");
    let v = run(&["validate", out.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
    // The same workloads, pods and requests as the fleet that reads the manifests itself.
    let direct = run(&["validate", fleet.to_str().unwrap()]);
    let body = |s: String| {
        s.lines()
            .skip(1)
            .filter(|l| !l.starts_with("warning"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(body(stdout(&v)), body(stdout(&direct)));
    // Without --fleet: a placeholder fleet; a Job without run time is refused, and a refused
    // import leaves the previous file untouched.
    let before = fs::read_to_string(&out).unwrap();
    let bad = tmp.path().join("bad.yaml");
    fs::write(
        &bad,
        HELM.replacen("apiVersion: apps/v1", "apiVersion: apps/v1beta2", 1),
    )
    .unwrap();
    let o = run(&[
        "import",
        "manifests",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("apps/v1beta2"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&out).unwrap(), before);
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().to_string();
            n.contains(".tmp-").then_some(n)
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let o = run(&[
        "import",
        "manifests",
        tmp.path().join("m").to_str().unwrap(),
        "--job-duration",
        "5m",
    ]);
    let m = tmp.path().join("m");
    fs::create_dir_all(&m).unwrap();
    fs::write(m.join("a.yaml"), HELM).unwrap();
    let o2 = run(&[
        "import",
        "manifests",
        m.to_str().unwrap(),
        "--job-duration",
        "5m",
    ]);
    assert_eq!(o2.status.code(), Some(0), "{}", stderr(&o2));
    assert!(stdout(&o2).contains("name: imported"), "{}", stdout(&o2));
    drop(o);
}

const HPA: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, resources: {requests: {cpu: 500m, memory: 1Gi}}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: prod}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 6
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
"#;

/// An autoscaling/v2 HorizontalPodAutoscaler becomes a `horizontalPodAutoscalers` entry that
/// scales its Deployment (usage attached by the overlay: 90 % of requests → 6 replicas);
/// autoscaling/v1 is refused naming autoscaling/v2.
#[test]
fn manifest_hpas_scale_their_deployment() {
    let tmp = tempfile::tempdir().unwrap();
    let s = scenario(tmp.path(), HPA, "  usage: {\"prod/web\": {cpu: 450m}}\n");
    let results = tmp.path().join("r");
    let r = run(&["run", &s, "--out", results.to_str().unwrap(), "-q"]);
    assert!(run_finished(&r), "{}", stderr(&r));
    let csv = fs::read_to_string(results.join("hpa.csv")).unwrap();
    let last = csv.lines().last().unwrap();
    assert!(last.contains(",web,web,6,6,6,90,50,,"), "{csv}");
    let effective = fs::read_to_string(results.join("scenario.yaml")).unwrap();
    assert!(
        effective.contains("horizontalPodAutoscalers"),
        "{effective}"
    );
    let v1 = HPA.replace("autoscaling/v2", "autoscaling/v1");
    let tmp2 = tempfile::tempdir().unwrap();
    let s = scenario(tmp2.path(), &v1, "");
    let v = run(&["validate", &s]);
    assert_eq!(v.status.code(), Some(2));
    let err = stderr(&v);
    assert!(
        err.contains("HorizontalPodAutoscaler prod/web: apiVersion")
            && err.contains("autoscaling/v1")
            && err.contains("autoscaling/v2"),
        "{err}"
    );
}
