//! Causality across nodes and services (issue 12 item 7): the shipped service scenarios'
//! `effects.csv` chains from a fault through a service overload to probe restarts and breaker
//! openings, a traffic spike's overload as a root of its own, and `cascades.csv`'s peak service
//! error rate and recovery against `services.csv`.

mod common;

use common::csv_maps;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Row = BTreeMap<String, String>;

/// Runs a shipped scenario; returns its temporary directory and output directory.
fn run_scenario(name: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, out, _) = common::run_shipped(name);
    (dir, out)
}

fn by_id(effects: &[Row]) -> BTreeMap<String, Row> {
    effects
        .iter()
        .map(|e| (e["id"].clone(), e.clone()))
        .collect()
}

/// The kinds from the root down to `e` (root first).
fn chain(ids: &BTreeMap<String, Row>, e: &Row) -> Vec<String> {
    let mut kinds = vec![e["kind"].clone()];
    let mut cur = e.clone();
    while !cur["parent"].is_empty() {
        cur = ids[&cur["parent"]].clone();
        kinds.push(cur["kind"].clone());
        assert!(kinds.len() < 1000, "parent cycle at {e:?}");
    }
    kinds.reverse();
    kinds
}

fn secs(r: &Row, col: &str) -> f64 {
    r[col].parse().unwrap_or(f64::INFINITY)
}

/// Highest `error_rate` in `services.csv` of `services` at samples in `[from, to]` s.
fn sampled_peak(out: &Path, services: &[&str], from: f64, to: f64) -> f64 {
    csv_maps(&out.join("services.csv"))
        .iter()
        .filter(|r| services.contains(&r["service"].as_str()))
        .filter(|r| (from..=to).contains(&secs(r, "time_s")))
        .map(|r| secs(r, "error_rate"))
        .fold(0.0, f64::max)
}

#[test]
fn a_zone_loss_overloads_the_api_and_its_liveness_restarts_hang_off_the_overload() {
    let (_dir, out) = run_scenario("liveness-death-spiral");
    let effects = csv_maps(&out.join("effects.csv"));
    let ids = by_id(&effects);
    let overload = effects
        .iter()
        .find(|e| e["kind"] == "service_overload" && e["target"] == "api-tight")
        .expect("api-tight overloaded");
    assert_eq!(
        chain(&ids, overload),
        ["fault", "node_not_ready", "service_overload"]
    );
    let restarts: Vec<&Row> = effects
        .iter()
        .filter(|e| e["kind"] == "probe_restart")
        .collect();
    assert!(restarts.len() >= 10, "{}", restarts.len());
    for r in &restarts {
        assert!(r["target"].starts_with("api-tight-"), "{r:?}");
        let c = chain(&ids, r);
        assert_eq!(c[0], "fault", "{r:?}");
        assert_eq!(c[c.len() - 2], "service_overload", "{r:?}");
    }
    // The patient service is overloaded too (it sheds 20 %) but restarts nothing.
    assert!(effects
        .iter()
        .any(|e| e["kind"] == "service_overload" && e["target"] == "api-patient"));

    let cascades = csv_maps(&out.join("cascades.csv"));
    assert_eq!(cascades.len(), 1, "{cascades:?}");
    let c = &cascades[0];
    assert_eq!(c["root_kind"], "fault");
    assert_eq!(c["services_reached"], "2");
    assert_eq!(c["depth"], "3");
    // api-tight is still in its crash loop at the end: the cascade has not recovered even
    // though every workload's pods are back.
    assert_eq!(c["time_to_recovery_s"], "not recovered");
    let peak = secs(c, "peak_service_error_rate");
    let sampled = sampled_peak(&out, &["api-tight", "api-patient"], 120.0, 1200.0);
    assert!(
        sampled <= peak + 1e-3 && peak - sampled < 0.02,
        "{peak} vs {sampled}"
    );
}

#[test]
fn a_traffic_spike_overload_is_its_own_root_and_the_breaker_hangs_off_it() {
    let (_dir, out) = run_scenario("retry-storm");
    let effects = csv_maps(&out.join("effects.csv"));
    let ids = by_id(&effects);
    let find = |kind: &str, target: &str| {
        effects
            .iter()
            .find(|e| e["kind"] == kind && e["target"] == target)
            .unwrap_or_else(|| panic!("{kind} {target} in {effects:?}"))
    };
    // No fault: the callee overloaded by the spike is a root; its caller's failures and the
    // retries hang off it.
    let pay_a = find("service_overload", "pay-a");
    assert!(pay_a["parent"].is_empty(), "{pay_a:?}");
    assert_eq!(pay_a["root"], pay_a["id"]);
    let shop_a = find("service_overload", "shop-a");
    assert_eq!(shop_a["parent"], pay_a["id"]);
    let storm = find("retry_storm", "shop-a->pay-a");
    assert_eq!(storm["parent"], pay_a["id"]);
    // The defended edge: a 20 % budget never storms; its breaker opens on pay-b's overload.
    assert!(!effects
        .iter()
        .any(|e| e["kind"] == "retry_storm" && e["target"] == "shop-b->pay-b"));
    let pay_b = find("service_overload", "pay-b");
    let breaker = find("breaker_open", "shop-b->pay-b");
    assert_eq!(chain(&ids, breaker), ["service_overload", "breaker_open"]);
    assert_eq!(breaker["parent"], pay_b["id"]);
    // While the spike lasts pay-b relapses each time the breaker closes again; a relapse hangs
    // off the first overload (a root), so the tree stays shallow.
    let relapses: Vec<&Row> = effects
        .iter()
        .filter(|e| e["kind"] == "service_overload" && e["target"] == "pay-b")
        .skip(1)
        .collect();
    assert!(!relapses.is_empty());
    for r in &relapses {
        assert_eq!(r["parent"], pay_b["id"], "{r:?}");
    }

    let cascades = csv_maps(&out.join("cascades.csv"));
    let row = |root: &Row| {
        cascades
            .iter()
            .find(|c| c["root_id"] == root["id"])
            .unwrap_or_else(|| panic!("cascade of {root:?} in {cascades:?}"))
            .clone()
    };
    let a = row(pay_a);
    assert_eq!(a["root_kind"], "service_overload");
    assert_eq!(a["root_target"], "pay-a");
    assert_eq!(a["services_reached"], "2");
    // The undefended chain stays collapsed (metastable); the defended one recovers after the
    // spike (2m to 3m).
    assert_eq!(a["time_to_recovery_s"], "not recovered");
    let b = row(pay_b);
    let recovered = secs(&b, "time_to_recovery_s");
    assert!((60.0..=120.0).contains(&recovered), "{b:?}");
    let peak = secs(&a, "peak_service_error_rate");
    let sampled = sampled_peak(&out, &["pay-a", "shop-a"], 120.0, 600.0);
    assert!(
        sampled <= peak + 1e-3 && peak - sampled < 0.02,
        "{peak} vs {sampled}"
    );
}

#[test]
fn a_synchronous_caller_hangs_off_its_callee_and_the_queue_keeps_the_producer_out() {
    let (_dir, out) = run_scenario("queue-decoupling");
    let effects = csv_maps(&out.join("effects.csv"));
    let ids = by_id(&effects);
    let caller = effects
        .iter()
        .find(|e| e["kind"] == "service_overload" && e["target"] == "orders-sync")
        .expect("orders-sync overloaded");
    assert_eq!(
        chain(&ids, caller),
        [
            "fault",
            "node_not_ready",
            "service_overload",
            "service_overload"
        ]
    );
    assert_eq!(ids[&caller["parent"]]["target"], "worker-sync");
    assert!(!effects
        .iter()
        .any(|e| e["kind"] == "service_overload" && e["target"] == "orders-async"));
    let cascades = csv_maps(&out.join("cascades.csv"));
    assert_eq!(cascades[0]["services_reached"], "2");
    // Recovered only once both services answer again (after the 2m outage from 2m).
    assert!(secs(&cascades[0], "time_to_recovery_s") >= 120.0);
}
