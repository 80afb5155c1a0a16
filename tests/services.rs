//! Services in runs: the shipped service scenarios' headline outcomes (defended vs undefended),
//! `services.csv`, the per-service summary, probe restarts in the causality log, and runs
//! without services unchanged.

mod common;

use common::{csv_maps, repo, run, run_finished, stderr};
use std::collections::BTreeMap;
use std::path::Path;

/// Runs a shipped scenario into a temporary directory; returns it and the summary's services
/// by name.
fn run_scenario(name: &str) -> (tempfile::TempDir, BTreeMap<String, serde_json::Value>) {
    let (dir, out, err) = common::run_shipped(name);
    assert!(
        !err.contains("not simulate"),
        "services are simulated: {err}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let services = summary["services"]
        .as_array()
        .expect("summary.json has services")
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s.clone()))
        .collect();
    (dir, services)
}

fn num(v: &serde_json::Value, field: &str) -> f64 {
    v[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} in {v}"))
}

fn rows(dir: &Path, service: &str) -> Vec<BTreeMap<String, String>> {
    csv_maps(&dir.join("out/services.csv"))
        .into_iter()
        .filter(|r| r["service"] == service)
        .collect()
}

fn f(r: &BTreeMap<String, String>, col: &str) -> f64 {
    r[col].parse().unwrap_or(f64::INFINITY)
}

#[test]
fn retry_storm_without_defences_never_recovers_and_the_defended_chain_does() {
    let (dir, s) = run_scenario("retry-storm");
    let (a, b) = (&s["shop-a"], &s["shop-b"]);
    // The breaker and budget variant's availability is strictly higher.
    assert!(
        num(b, "availability") > num(a, "availability") + 0.3,
        "{a} vs {b}"
    );
    // Undefended: still failing at the end (metastable storm), callee amplified ×4.
    let end_a = rows(dir.path(), "shop-a").pop().unwrap();
    assert_eq!(f(&end_a, "error_rate"), 1.0);
    let pay_a = rows(dir.path(), "pay-a").pop().unwrap();
    assert!(f(&pay_a, "offered_rps") >= 1_599.0, "{pay_a:?}");
    assert!(f(&pay_a, "retries_rps") >= 1_199.0);
    // Defended: healthy at the end; the breaker opened during the spike; amplification ≤ 1.2.
    let rows_b = rows(dir.path(), "shop-b");
    assert_eq!(f(rows_b.last().unwrap(), "error_rate"), 0.0);
    assert!(rows_b.iter().any(|r| f(r, "breakers_open") >= 1.0));
    for r in rows(dir.path(), "pay-b") {
        assert!(f(&r, "offered_rps") <= 600.0 * 1.2 + 1e-6, "{r:?}");
    }
}

#[test]
fn tight_liveness_timeout_restarts_busy_pods_and_a_patient_one_does_not() {
    let (dir, s) = run_scenario("liveness-death-spiral");
    let (tight, patient) = (&s["api-tight"], &s["api-patient"]);
    assert!(num(tight, "probeRestarts") > 0.0, "{tight}");
    assert_eq!(num(patient, "probeRestarts"), 0.0);
    assert!(
        num(patient, "availability") > num(tight, "availability") + 0.3,
        "{tight} vs {patient}"
    );
    // The restarts are in the event log and the causality log, the first one hanging off the
    // zone outage (through its node), so the cascade crosses from nodes to the service.
    let events = std::fs::read_to_string(dir.path().join("out/events.csv")).unwrap();
    assert!(events.contains("probe-killed"));
    let effects = csv_maps(&dir.path().join("out/effects.csv"));
    let first = effects
        .iter()
        .find(|e| e["kind"] == "probe_restart")
        .expect("a probe restart effect");
    assert_eq!(first["root"], "1", "{first:?}");
    assert!(!first["parent"].is_empty());
}

#[test]
fn a_queue_absorbs_the_consumer_outage_that_fails_the_synchronous_pipeline() {
    let (dir, s) = run_scenario("queue-decoupling");
    let sync = &s["orders-sync"];
    let asynchronous = &s["orders-async"];
    assert_eq!(num(asynchronous, "availability"), 1.0);
    assert!(num(sync, "availability") < 0.9, "{sync}");
    // 3 minutes × 100/s pile up and drain at the workers' spare 100/s: about 3 minutes.
    let worker = &s["worker-async"];
    assert!(
        (num(worker, "peakQueueBacklog") - 18_000.0).abs() <= 200.0,
        "{worker}"
    );
    let drain = num(worker, "queueDrainS");
    assert!((170.0..=190.0).contains(&drain), "{worker}");
    let backlog = rows(dir.path(), "worker-async");
    assert!(backlog.iter().any(|r| f(r, "queue_oldest_age_s") >= 150.0));
    assert_eq!(f(backlog.last().unwrap(), "queue_backlog"), 0.0);
}

#[test]
fn runs_without_services_write_no_services_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        repo("scenarios/quickstart.yaml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run_finished(&o), "{}", stderr(&o));
    assert!(!out.join("services.csv").exists());
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(!summary.contains("\"services\""));
}

/// `slo.services` (issue 12 item 6): a target for a service the scenario does not have, an
/// availability outside (0, 1], a burn limit without the availability it is measured against,
/// and a burn window other than 5m or 1h are refused with exit 2 and the field path.
#[test]
fn service_slos_are_validated_with_field_paths() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(repo("scenarios/retry-storm.yaml")).unwrap();
    let line = "    shop-b: {availability: 0.85, p99Latency: 1s}";
    assert!(base.contains(line));
    for (i, (bad, needle)) in [
        (
            "    shop-c: {availability: 0.85}",
            "slo.services.shop-c: no service named \"shop-c\"",
        ),
        (
            "    shop-b: {availability: 1.5}",
            "slo.services.shop-b.availability: 1.5 is not a fraction in (0, 1]",
        ),
        (
            "    shop-b: {availability: 0}",
            "slo.services.shop-b.availability",
        ),
        (
            "    shop-b: {maxErrorBudgetBurn: 2}",
            "slo.services.shop-b.maxErrorBudgetBurn: needs `availability`",
        ),
        (
            "    shop-b: {availability: 0.9, maxErrorBudgetBurn: 2, burnWindow: 10m}",
            "slo.services.shop-b.burnWindow: 10m is not 5m or 1h",
        ),
        (
            "    shop-b: {availability: 0.9, p99: 1s}",
            "slo.services.shop-b",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.path().join(format!("bad{i}.yaml"));
        std::fs::write(&path, base.replace(line, bad)).unwrap();
        common::report::fails_2(&["run", path.to_str().unwrap(), "--quiet"], needle);
        common::report::fails_2(&["validate", path.to_str().unwrap()], needle);
    }
}

/// The per-service SLIs of `summary.json` (issue 12 item 6) on the shipped scenarios:
/// run-level latency percentiles, worst window error rates and the error budget against the
/// scenario's availability target, checked against what `services.csv` shows.
#[test]
fn summary_has_per_service_slis_and_error_budgets() {
    let (dir, s) = run_scenario("queue-decoupling");
    let (sync, asynchronous) = (&s["orders-sync"], &s["orders-async"]);
    // The async front end answers in its 10 ms base latency; percentiles are ordered.
    let p = |v: &serde_json::Value, k: &str| num(v, k);
    assert!(
        (p(asynchronous, "p50LatencyS") - 0.010).abs() < 0.001,
        "{asynchronous}"
    );
    for v in [sync, asynchronous] {
        assert!(p(v, "p50LatencyS") <= p(v, "p95LatencyS"), "{v}");
        assert!(p(v, "p95LatencyS") <= p(v, "p99LatencyS"), "{v}");
    }
    // The synchronous front end waits for its 1 s timeout during the outage (3 of 15 minutes:
    // 20 % of requests), so its p95 and p99 are about 1 s.
    assert!((1.0..1.1).contains(&p(sync, "p99LatencyS")), "{sync}");
    // Worst 5-minute window: the 3-minute outage in 5 minutes is 60 % errors; the 15-minute
    // run is shorter than an hour, so the 1 h window is the whole run (20 %).
    assert!((p(sync, "worstErrorRate5m") - 0.6).abs() < 0.01, "{sync}");
    assert!((p(sync, "worstErrorRate1h") - 0.2).abs() < 0.01, "{sync}");
    // Error budget against the scenario's 99 % target: 20 % errors = 20× the budget; the
    // 5-minute burn rate is 60× (the SLO allows 10×).
    let b = &sync["errorBudget"];
    assert_eq!(num(b, "availabilityTarget"), 0.99);
    assert!((num(b, "consumed") - 20.0).abs() < 0.5, "{b}");
    assert!((num(b, "burnRate5m") - 60.0).abs() < 1.0, "{b}");
    assert_eq!(num(&asynchronous["errorBudget"], "consumed"), 0.0);
    // Services without a target have no error budget.
    assert!(s["worker-sync"].get("errorBudget").is_none());
    // The worst 5-minute error rate is consistent with services.csv (10 s samples).
    let rows = rows(dir.path(), "orders-sync");
    let failing = rows.iter().filter(|r| f(r, "error_rate") > 0.5).count();
    assert!(
        (17..=19).contains(&failing),
        "{failing} samples of 10 s failing"
    );
    // Retry storm: pay-a saturated without a queue limit answers without bound ("inf").
    let (_d, s) = run_scenario("retry-storm");
    assert_eq!(s["pay-a"]["p99LatencyS"], "inf");
    assert!(num(&s["shop-b"], "p99LatencyS") < 1.0);
}

#[test]
fn the_fleet_day_storms_on_the_undefended_edge_and_recovers_when_the_zone_returns() {
    let (dir, s) = run_scenario("service-fleet-7000");
    assert_eq!(s.len(), 48);
    // The retry storm: during the outage cart-db is offered over 3× what it serves.
    let db = rows(dir.path(), "cart-db");
    let during = |r: &&BTreeMap<String, String>| (45_000.0..48_600.0).contains(&f(r, "time_s"));
    assert!(
        db.iter()
            .filter(during)
            .all(|r| f(r, "offered_rps") > 3.0 * f(r, "served_rps")),
        "{db:?}"
    );
    // The breaker on search → search-index opens during the outage.
    let search = rows(dir.path(), "search");
    assert!(search
        .iter()
        .filter(during)
        .any(|r| f(r, "breakers_open") >= 1.0));
    // Web-frontend fails requests in the outage, none after the zone is back.
    let web = rows(dir.path(), "web-frontend");
    assert!(web.iter().filter(during).all(|r| f(r, "error_rate") > 0.3));
    let after = |r: &&BTreeMap<String, String>| f(r, "time_s") >= 49_200.0;
    for name in ["web-frontend", "cart", "cart-db", "search", "ads-store"] {
        assert!(
            rows(dir.path(), name)
                .iter()
                .filter(after)
                .all(|r| f(r, "error_rate") == 0.0),
            "{name} fails after the outage"
        );
    }
    // The queue absorbs the consumers' lost capacity: no errors, a backlog that drains.
    let ingest = &s["analytics-ingest"];
    assert_eq!(num(ingest, "availability"), 1.0);
    assert!(num(ingest, "peakQueueBacklog") > 1e7, "{ingest}");
    assert!(num(ingest, "queueDrainS") > 0.0, "{ingest}");
    assert_eq!(num(&s["clickstream"], "availability"), 1.0);
}
