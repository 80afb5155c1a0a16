//! Utilisation and ready pods during a zone outage, through the real binary: each
//! requested / allocatable figure has numerator and denominator over the same node set
//! (`timeseries.csv`, the report's figures and the sweep's `peakCpuRequested` agree), and the
//! timeline plots ready pods with its panels' plot areas aligned.

mod common;

use common::{ok, s};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::csv_maps as csv;

fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row.get(col)
        .unwrap_or_else(|| panic!("no column {col}"))
        .parse()
        .unwrap()
}

/// Four nodes of 4 CPU, two per zone; 6 pods of 1 CPU. Zone b is lost at 2m for good: its
/// pods are taint-evicted ~6 minutes later (they stay bound, terminating, on the unreachable
/// nodes) and replaced in zone a. Hand-computed: after the replacements, zone a's Ready nodes
/// hold all 6 pods' requests (6000m) against their 8000m allocatable: 0.75, whatever the
/// initial spread. Counting the terminating pods' requests against the Ready allocatable (the
/// old figure) gives more than 1 with the usual 3/3 spread.
const OUTAGE: &str = r#"name: outage
simulation: {duration: 20m, seed: 1, metricsInterval: 30s}
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 4, capacity: {cpu: "4", memory: 16Gi, pods: 110}}
workloads:
  - name: web
    kind: Deployment
    replicas: 6
    template:
      labels: {app: web}
      containers: [{name: c, resources: {requests: {cpu: "1", memory: 1Gi}, limits: {memory: 1Gi}}}]
faults:
  - {name: lose-b, kind: zoneOutage, at: 2m, target: {zone: b}}
"#;

fn outage_run(dir: &Path) -> std::path::PathBuf {
    let scen = dir.join("outage.yaml");
    fs::write(&scen, OUTAGE).unwrap();
    let out = dir.join("run");
    ok(&["run", s(&scen), "--out", s(&out), "--quiet"]);
    out
}

#[test]
fn peak_requested_over_ready_nodes_during_a_zone_outage() {
    let tmp = tempfile::tempdir().unwrap();
    let out = outage_run(tmp.path());
    let rows = csv(&out.join("timeseries.csv"));
    // Pods were left on the dead zone's nodes (otherwise the test proves nothing).
    assert!(
        rows.iter()
            .any(|r| num(r, "cpu_requested_m") > num(r, "cpu_requested_m_ready")),
        "some requests stay on not-Ready nodes"
    );
    for r in &rows {
        assert_eq!(
            num(r, "cpu_allocatable_m_all"),
            16_000.0,
            "all nodes: {r:?}"
        );
        assert!(num(r, "cpu_requested_m_ready") <= num(r, "cpu_requested_m"));
    }
    let last = rows.last().unwrap();
    assert_eq!(num(last, "cpu_allocatable_m"), 8_000.0, "zone a is Ready");
    assert_eq!(
        num(last, "cpu_requested_m_ready"),
        6_000.0,
        "all 6 pods in zone a"
    );
    assert_eq!(
        num(last, "mem_allocatable_bytes_all"),
        4.0 * 16.0 * 1024f64.powi(3)
    );

    ok(&["report", s(&out), "--quiet"]);
    let j: Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    let fig = |key: &str| {
        j["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == key)
            .unwrap_or_else(|| panic!("no figure {key}"))["value"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(
        fig("peakCpuRequested"),
        0.75,
        "6000m / 8000m of Ready nodes"
    );
    let all = rows
        .iter()
        .map(|r| num(r, "cpu_requested_m") / num(r, "cpu_allocatable_m_all"))
        .fold(0.0, f64::max);
    assert_eq!(fig("peakCpuRequestedAllNodes"), all);
    assert!(all < 0.75, "all nodes: {all}");
    let svg = fs::read_to_string(out.join("charts").join("utilisation.svg")).unwrap();
    assert!(
        svg.contains("requested on Ready nodes"),
        "the utilisation chart shows both request figures during the outage"
    );

    // The sweep's (and plan's) peakCpuRequested is the same figure.
    let sweep = tmp.path().join("sweep.yaml");
    fs::write(
        &sweep,
        "name: outage-sweep\nbase: outage.yaml\nseeds: [1]\nparameters:\n  workloads[web].replicas: [6]\nmetrics: [peakCpuRequested]\n",
    )
    .unwrap();
    let sweep_out = tmp.path().join("sweep");
    ok(&["sweep", s(&sweep), "--out", s(&sweep_out), "--quiet"]);
    let runs = csv(&sweep_out.join("runs.csv"));
    assert_eq!(num(&runs[0], "peakCpuRequested"), 0.75, "{runs:?}");
}

/// The `x` and `width` of every fault band (a rectangle filled with the fault colour, taller
/// than a legend swatch) in an SVG chart.
fn fault_bands(svg: &str) -> Vec<(f64, f64)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter(|n| {
            n.attribute("fill")
                .is_some_and(|f| f.eq_ignore_ascii_case("#fad6c8"))
        })
        .filter(|n| n.attribute("height").unwrap().parse::<f64>().unwrap() > 40.0)
        .map(|n| {
            let a = |k| n.attribute(k).unwrap().parse::<f64>().unwrap();
            (a("x"), a("width"))
        })
        .collect()
}

#[test]
fn the_timeline_plots_ready_pods_on_aligned_panels() {
    let tmp = tempfile::tempdir().unwrap();
    let out = outage_run(tmp.path());
    let rows = csv(&out.join("timeseries.csv"));
    // Ready pods dip while pods on the dead zone still have phase Running, and never exceed
    // the 6 replicas, while the Running count rises with the replacements.
    assert_eq!(num(&rows[1], "pods_ready"), 6.0);
    assert!(rows.iter().all(|r| num(r, "pods_ready") <= 6.0));
    assert!(rows
        .iter()
        .any(|r| num(r, "pods_ready") < num(r, "pods_running")));
    assert!(rows.iter().any(|r| num(r, "pods_running") > 6.0));
    assert_eq!(num(rows.last().unwrap(), "pods_ready"), 6.0);

    ok(&["report", s(&out), "--quiet"]);
    let svg = fs::read_to_string(out.join("charts").join("timeline.svg")).unwrap();
    assert!(svg.contains("ready pods"), "the timeline plots pods_ready");
    let bands = fault_bands(&svg);
    assert_eq!(bands.len(), 2, "one band per panel: {bands:?}");
    assert_eq!(
        bands[0], bands[1],
        "the fault band sits at the same x in both panels"
    );
}
