//! The report and comparison of runs with services: the service charts (graph at the worst
//! moment, availability and p99 latency over time, queue backlog) for every shipped service
//! scenario, the per-service SLI tables, and the per-service SLO verdicts.

use std::fs;

mod common;
use common::report::{check_output, sim, verdict};
use common::{json, ok, repo, s, stderr};

const SERVICE_SCENARIOS: [&str; 3] = ["retry-storm", "liveness-death-spiral", "queue-decoupling"];
const SERVICE_CHARTS: [&str; 3] = ["service-graph", "service-slis", "service-backlog"];

#[test]
fn report_draws_the_service_charts_for_every_shipped_service_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    for name in SERVICE_SCENARIOS {
        let out = tmp.path().join(name);
        sim(&repo(&format!("scenarios/{name}.yaml")), &out, &[]);
        // Written when the graph has call edges (liveness-death-spiral's services call none).
        assert_eq!(
            out.join("service_calls.csv").is_file(),
            name != "liveness-death-spiral",
            "{name}: service_calls.csv"
        );
        ok(&["report", s(&out), "--quiet"]);
        let j = check_output(&out, "report");
        let drawn: Vec<&str> = j["charts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        for chart in SERVICE_CHARTS {
            assert!(drawn.contains(&chart), "{name}: no {chart}: {drawn:?}");
            for (ext, min) in [("png", 10_000), ("svg", 2_000)] {
                let f = out.join(format!("charts/{chart}.{ext}"));
                let len = fs::metadata(&f).unwrap().len();
                assert!(len > min, "{}: {len} bytes", f.display());
            }
        }
        let md = fs::read_to_string(out.join("report.md")).unwrap();
        assert!(md.contains("## Services"), "{name}: {md}");
        assert!(md.contains("p99 latency"), "{name}");
        // The graph is drawn at the worst moment, named in its title.
        let svg = fs::read_to_string(out.join("charts/service-graph.svg")).unwrap();
        assert!(svg.contains("worst moment"), "{name}");
    }
}

#[test]
fn service_slo_verdicts_tell_the_story() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&str, &[(&str, &str)]); 3] = [
        (
            "retry-storm",
            &[
                ("services.shop-a.availability", "fail"),
                ("services.shop-a.p99Latency", "fail"),
                ("services.shop-b.availability", "pass"),
                ("services.shop-b.p99Latency", "pass"),
            ],
        ),
        (
            "liveness-death-spiral",
            &[
                ("services.api-tight.availability", "fail"),
                ("services.api-patient.availability", "pass"),
            ],
        ),
        (
            "queue-decoupling",
            &[
                ("services.orders-sync.availability", "fail"),
                ("services.orders-sync.p99Latency", "fail"),
                ("services.orders-sync.maxErrorBudgetBurn", "fail"),
                ("services.orders-async.availability", "pass"),
                ("services.orders-async.p99Latency", "pass"),
                ("services.orders-async.maxErrorBudgetBurn", "pass"),
            ],
        ),
    ];
    for (name, want) in cases {
        let out = tmp.path().join(name);
        // An SLO fails: `run` exits 3 after writing the results.
        let o = common::run(&[
            "run",
            s(&repo(&format!("scenarios/{name}.yaml"))),
            "--out",
            s(&out),
            "--quiet",
        ]);
        assert_eq!(o.status.code(), Some(3), "{name}: {}", stderr(&o));
        ok(&["report", s(&out), "--quiet"]);
        let j = json(&out.join("report.json"));
        for (slo, status) in want {
            assert_eq!(verdict(&j, slo), *status, "{name}: {slo}");
        }
    }
}

#[test]
fn compare_overlays_services_and_tabulates_their_slis() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, var) = (tmp.path().join("base"), tmp.path().join("var"));
    let scenario = repo("scenarios/retry-storm.yaml");
    sim(&scenario, &base, &[]);
    // The variant doubles pay-a's capacity: no storm.
    sim(
        &scenario,
        &var,
        &["--set", "services[pay-a].capacityPerPod=200/s"],
    );
    let out = tmp.path().join("cmp");
    ok(&["compare", s(&base), s(&var), "--out", s(&out), "--quiet"]);
    let j = check_output(&out, "compare");
    let drawn: Vec<&str> = j["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(drawn.contains(&"compare-services"), "{drawn:?}");
    let md = fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("## Services"), "{md}");
    let row = md
        .lines()
        .find(|l| l.starts_with("| shop-a | availability |"))
        .unwrap_or_else(|| panic!("no shop-a availability row: {md}"));
    // Baseline 18.89 %, variant higher: a positive delta in percentage points.
    assert!(row.contains("18.89 %") && row.contains("+"), "{row}");
}
