//! The importer on a Helm-rendered file: kinds, admission, warnings, and a scenario that the
//! parser accepts.

use serde_json::{json, Value};

use super::*;
use crate::scenario::types::workload::WorkloadKind;

const SHOP: &str = include_str!("../../../scenarios/manifests/shop/rendered.yaml");

fn shop(opts: &ImportOptions) -> Result<Imported, ImportError> {
    import(
        &[ManifestFile {
            origin: "rendered.yaml".into(),
            text: SHOP.into(),
        }],
        opts,
    )
}

fn opts() -> ImportOptions {
    ImportOptions {
        duration_ms: 24 * 3_600_000,
        job_duration: Some(json!("20m")),
        overlays: Default::default(),
    }
}

fn by_name<'a>(imported: &'a Imported, name: &str) -> &'a Value {
    imported
        .workloads
        .iter()
        .find(|w| w["name"] == name)
        .unwrap_or_else(|| panic!("no workload {name}"))
}

#[test]
fn helm_output_becomes_workloads_pdbs_and_classes() {
    let out = shop(&opts()).unwrap();
    let names: Vec<&str> = out
        .workloads
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["frontend", "checkout", "redis", "node-exporter", "reports"]
    );
    let frontend = by_name(&out, "frontend");
    assert_eq!(frontend["kind"], "Deployment");
    assert_eq!(frontend["namespace"], "shop");
    assert_eq!(frontend["replicas"], 12);
    assert_eq!(
        frontend["template"]["labels"]["app.kubernetes.io/name"],
        "frontend"
    );
    // The probe fields the service model reads are kept.
    assert_eq!(
        frontend["template"]["containers"][0]["readinessProbe"]["periodSeconds"],
        5
    );
    // CronJob every 4 hours over a day: 6 runs × 2 completions.
    let reports = by_name(&out, "reports");
    assert_eq!(reports["kind"], "Job");
    assert_eq!(reports["arrivals"]["at"].as_array().unwrap().len(), 12);
    assert_eq!(reports["arrivals"]["at"][2], 4 * 3_600_000);
    assert_eq!(reports["duration"], "20m");
    assert_eq!(out.pdbs.len(), 2);
    assert_eq!(out.pdbs[0]["minAvailable"], 4);
    assert_eq!(out.priority_classes[0]["name"], "shop-critical");
    // autoscaling/v2 HorizontalPodAutoscaler → horizontalPodAutoscalers[], target by name.
    assert_eq!(out.hpas.len(), 1);
    assert_eq!(out.hpas[0]["scaleTargetRef"]["name"], "frontend");
    assert_eq!(out.hpas[0]["scaleTargetRef"]["kind"], "Deployment");
    assert_eq!(out.hpas[0]["minReplicas"], 12);
    assert_eq!(
        out.hpas[0]["metrics"][0]["resource"]["target"]["averageUtilization"],
        70
    );
}

/// An HPA of another apiVersion is refused naming autoscaling/v2; a target that is not in
/// the manifests, or not scalable, is refused with the field.
#[test]
fn hpa_errors_name_the_field() {
    let doc = |api: &str, kind: &str, name: &str| {
        ManifestFile {
        origin: "h.yaml".into(),
        text: format!(
            "apiVersion: {api}\nkind: HorizontalPodAutoscaler\nmetadata: {{name: h, namespace: ns}}\n\
             spec: {{scaleTargetRef: {{kind: {kind}, name: {name}}}, maxReplicas: 3}}\n"
        ),
    }
    };
    let e = import(&[doc("autoscaling/v1", "Deployment", "x")], &opts()).unwrap_err();
    assert_eq!(e.field, "apiVersion");
    assert!(e.message.contains("autoscaling/v2"), "{e}");
    let e = import(&[doc("autoscaling/v2", "Deployment", "x")], &opts()).unwrap_err();
    assert_eq!(e.to_string(), "h.yaml: HorizontalPodAutoscaler ns/h: spec.scaleTargetRef.name: no Deployment ns/x in the manifests");
    let e = import(&[doc("autoscaling/v2", "DaemonSet", "x")], &opts()).unwrap_err();
    assert_eq!(e.field, "spec.scaleTargetRef.kind");
}

#[test]
fn limit_range_defaults_apply_as_admission_does() {
    let out = shop(&opts()).unwrap();
    let frontend = by_name(&out, "frontend");
    // envoy had no resources: LimitRange defaultRequest and default.
    let envoy = &frontend["template"]["containers"][1]["resources"];
    assert_eq!(envoy["requests"]["cpu"], "100m");
    assert_eq!(envoy["limits"]["cpu"], "500m");
    // web had a request and a memory limit: its cpu limit comes from the default, its own
    // values stay.
    let web = &frontend["template"]["containers"][0]["resources"];
    assert_eq!(web["requests"]["cpu"], "250m");
    assert_eq!(web["limits"]["memory"], "512Mi");
    assert_eq!(web["limits"]["cpu"], "500m");
}

#[test]
fn warnings_list_ignored_fields_once_per_kind_and_skipped_kinds() {
    let out = shop(&opts()).unwrap();
    let text = out.warnings.join("\n");
    assert!(
        text.contains("Deployment: ignored (not modelled): ")
            && text.contains("spec.template.spec.containers[].ports (1 object)")
            && text.contains("spec.template.spec.volumes (1 object)")
            && text.contains("spec.strategy (1 object)"),
        "{text}"
    );
    assert!(text.contains("StatefulSet: ignored (not modelled): spec.serviceName (1 object), spec.volumeClaimTemplates (1 object)"), "{text}");
    assert!(
        text.contains(
            "skipped 2 object(s) of kinds the simulator does not model: ConfigMap (1), Service (1)"
        ),
        "{text}"
    );
    assert_eq!(
        out.warnings
            .iter()
            .filter(|w| w.starts_with("Deployment:"))
            .count(),
        1
    );
}

#[test]
fn the_import_is_a_valid_scenario() {
    let out = shop(&opts()).unwrap();
    let mut tree = json!({
        "name": "shop",
        "simulation": {"duration": "24h"},
        "cluster": {"zones": ["a", "b"], "nodePools": [
            {"name": "general", "count": 10, "capacity": {"cpu": "16", "memory": "64Gi"}}]}
    });
    out.merge_into(&mut tree);
    let text = serde_json::to_string(&tree).unwrap();
    let s = crate::scenario::parse_scenario(&text, "shop.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.workloads.len(), 5);
    assert_eq!(s.workloads[4].kind, WorkloadKind::Job);
    assert_eq!(s.pdbs.len(), 2);
}

#[test]
fn bad_manifests_name_file_object_and_field() {
    let one = |text: &str, opts: &ImportOptions| {
        import(
            &[ManifestFile {
                origin: "bad.yaml".into(),
                text: text.into(),
            }],
            opts,
        )
        .unwrap_err()
        .to_string()
    };
    let dep = |resources: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: shop}}\n\
             spec:\n  template:\n    spec:\n      containers: [{{name: c, resources: {resources}}}]\n"
        )
    };
    assert_eq!(
        one(&dep("{requests: {cpu: 2}, limits: {cpu: 1}}"), &opts()),
        "bad.yaml: Deployment shop/web: spec.template.spec.containers[0].resources.requests.cpu: \
         request 2 is above the limit 1 (the API server refuses this)"
    );
    assert!(one(&dep("{requests: {memory: -1Gi}}"), &opts()).contains("must not be negative"));
    let old = "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n";
    assert_eq!(
        one(old, &opts()),
        "bad.yaml: Deployment default/web: apiVersion: extensions/v1beta1 is not read; \
         Deployment is accepted as apps/v1"
    );
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: etl}\nspec:\n  template:\n    spec:\n      containers: [{name: c}]\n";
    let mut no_duration = opts();
    no_duration.job_duration = None;
    assert!(one(job, &no_duration).contains("Job default/etl: : manifests carry no run time"));
    assert!(one("kind: Pod\n", &opts()).contains("document 1: apiVersion: missing"));
    assert!(one("a: [", &opts()).starts_with("bad.yaml: YAML: "));
}

#[test]
fn overlays_attach_usage_and_durations_by_namespace_and_name() {
    let mut o = opts();
    o.overlays
        .insert("shop/frontend".into(), json!({"usage": {"cpu": "0.6x"}}));
    o.overlays
        .insert("shop/reports".into(), json!({"duration": "45m"}));
    let out = shop(&o).unwrap();
    assert_eq!(by_name(&out, "frontend")["usage"]["cpu"], "0.6x");
    assert_eq!(by_name(&out, "reports")["duration"], "45m");
}
