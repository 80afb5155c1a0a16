//! The results a run writes are what `metrics::schema` (and so `docs/output-format.md`) says:
//! every CSV file of a results directory has a schema, and its header is the schema's columns
//! for the run's zones and options (issue 13 item 2).

mod common;

use std::fs;

use clustersim::metrics::schema::{FileSchema, Present, CSV_FILES};

fn check(scenario: &str, zones: &[&str], usage_model: bool, autoscaler: bool) {
    check_with(
        scenario,
        zones,
        Present {
            usage_model,
            autoscaler,
            ..Present::default()
        },
    );
}

fn check_with(scenario: &str, zones: &[&str], present: Present) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let path = common::repo(scenario);
    let o = common::run(&[
        "run",
        path.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(common::run_finished(&o), "{}", common::stderr(&o));
    let zones: Vec<String> = zones.iter().map(|z| z.to_string()).collect();
    let mut seen = 0;
    for entry in fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !name.ends_with(".csv") {
            continue;
        }
        let schema: &FileSchema = CSV_FILES
            .iter()
            .find(|f| f.file == name)
            .unwrap_or_else(|| panic!("{scenario}: {name} has no schema in metrics::schema"));
        let text = fs::read_to_string(out.join(&name)).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        assert_eq!(
            header,
            schema.header_with(&zones, present),
            "{scenario}: {name}"
        );
        seen += 1;
    }
    assert!(seen >= 5, "{scenario}: {seen} CSV files");
}

#[test]
fn headers_follow_the_schema_with_usage_model_faults_and_cascades() {
    check(
        "scenarios/cascade-overcommit.yaml",
        &["a", "b", "c"],
        true,
        false,
    );
}

#[test]
fn headers_follow_the_schema_with_hpas() {
    check("scenarios/hpa-diurnal.yaml", &["a", "b"], true, true);
}

#[test]
fn headers_follow_the_schema_with_the_autoscaler() {
    check("scenarios/autoscaler-burst.yaml", &["a", "b"], false, true);
}

#[test]
fn headers_follow_the_schema_with_gpu_devices() {
    let present = Present {
        gpu: true,
        gpu_devices: true,
        ..Present::default()
    };
    check_with("scenarios/gpu-sharing.yaml", &["a", "b"], present);
}

#[test]
fn headers_follow_the_schema_with_services() {
    let present = Present {
        usage_model: true,
        services: true,
        ..Present::default()
    };
    let zones = std::fs::read_to_string(common::repo("scenarios/retry-storm.yaml")).unwrap();
    let zones: Vec<&str> = zones
        .lines()
        .find_map(|l| l.trim().strip_prefix("zones: ["))
        .map(|l| l.trim_end_matches(']').split(", ").collect())
        .expect("retry-storm lists its zones on one line");
    check_with("scenarios/retry-storm.yaml", &zones, present);
}
