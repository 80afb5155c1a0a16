//! Validation of `services`: names, the workloads behind them, traffic, capacity, the call
//! graph (unknown callees, synchronous cycles reported as a path) and each call's settings;
//! and the probes on containers (upstream's ranges, `successThreshold` 1 for liveness and
//! startup).

use std::collections::{BTreeSet, HashMap};

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

use super::{index, key, names, Checker};
use crate::scenario::types::services::{CallSpec, Probe, ServiceSpec, Traffic};
use crate::scenario::types::ScenarioFile;

pub(super) fn check(c: &mut Checker, scenario: &ScenarioFile) {
    let workloads: BTreeSet<&str> = scenario.workloads.iter().map(|w| w.name.as_str()).collect();
    let services: HashMap<&str, usize> = scenario
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    for (i, svc) in scenario.services.iter().enumerate() {
        let at = index("services", i);
        c.check(&key(&at, "name"), names::dns_label(&svc.name));
        if !workloads.contains(svc.workload.as_str()) {
            c.error(
                key(&at, "workload"),
                format!("no workload named {:?}", svc.workload),
            );
        }
        if svc.latency.is_zero() {
            c.error(key(&at, "latency"), "must be positive");
        }
        if let Some(q) = &svc.cpu_per_request {
            if q.is_negative() {
                c.error(
                    key(&at, "cpuPerRequest"),
                    format!("must not be negative (got {q})"),
                );
            }
        }
        if let Some(t) = &svc.traffic {
            traffic(c, &key(&at, "traffic"), t);
        }
        for (j, call) in svc.calls.iter().enumerate() {
            let at = index(&key(&at, "calls"), j);
            if !services.contains_key(call.service.as_str()) {
                c.error(
                    key(&at, "service"),
                    format!("no service named {:?}", call.service),
                );
            }
            call_fields(c, &at, call);
        }
    }
    c.unique(
        scenario
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (key(&index("services", i), "name"), s.name.as_str())),
        "service",
    );
    if let Some(cycle) = sync_cycle(&scenario.services, &services) {
        c.error(
            "services",
            format!(
                "synchronous calls form a cycle: {} (make one of them a queue call)",
                cycle.join(" → ")
            ),
        );
    }
    for (i, w) in scenario.workloads.iter().enumerate() {
        let template = key(&index("workloads", i), "template");
        for (list, containers) in [
            ("containers", &w.template.containers),
            ("initContainers", &w.template.init_containers),
        ] {
            for (j, container) in containers.iter().enumerate() {
                let at = index(&key(&template, list), j);
                for (field, probe, liveness_like) in [
                    ("readinessProbe", &container.readiness_probe, false),
                    ("livenessProbe", &container.liveness_probe, true),
                    ("startupProbe", &container.startup_probe, true),
                ] {
                    if let Some(p) = probe {
                        probe_fields(c, &key(&at, field), p, liveness_like);
                    }
                }
            }
        }
    }
}

fn traffic(c: &mut Checker, at: &str, t: &Traffic) {
    match (&t.rate, t.series.is_empty()) {
        (None, true) => c.error(at, "give `rate` or `series`"),
        (Some(_), false) => c.error(key(at, "series"), "give `rate` or `series`, not both"),
        _ => {}
    }
    if !t.series.is_empty() && (t.diurnal.is_some() || t.spikes.is_some()) {
        c.error(
            key(at, "series"),
            "`diurnal` and `spikes` shape `rate`; a series gives the rate itself",
        );
    }
    let mut last = None;
    for (k, point) in t.series.iter().enumerate() {
        let p = index(&key(at, "series"), k);
        if !(point.rate.is_finite() && point.rate >= 0.0) {
            c.error(
                key(&p, "rate"),
                format!("must be a finite number ≥ 0 (got {})", point.rate),
            );
        }
        if last.is_some_and(|l| point.at <= l) {
            c.error(key(&p, "at"), "series times must increase");
        }
        last = Some(point.at);
    }
}

fn call_fields(c: &mut Checker, at: &str, call: &CallSpec) {
    if !(call.per_request.is_finite() && call.per_request > 0.0) {
        c.error(
            key(at, "perRequest"),
            format!("must be a positive number (got {})", call.per_request),
        );
    }
    if call.queue.is_some() {
        for (field, set) in [
            ("timeout", call.timeout.is_some()),
            ("retries", call.retries.is_some()),
            ("circuitBreaker", call.circuit_breaker.is_some()),
        ] {
            if set {
                c.error(
                    key(at, field),
                    "does not apply to a queue call (the producer does not wait)",
                );
            }
        }
        return;
    }
    if call.timeout.is_some_and(|t| t.is_zero()) {
        c.error(key(at, "timeout"), "must be positive");
    }
    if let Some(r) = &call.retries {
        if let Some(b) = r.budget {
            if !(b.is_finite() && b >= 0.0) {
                c.error(
                    key(&key(at, "retries"), "budget"),
                    format!("must be a number ≥ 0 (got {b})"),
                );
            }
        }
    }
    if let Some(b) = &call.circuit_breaker {
        let at = key(at, "circuitBreaker");
        if let Some(r) = b.failure_rate {
            if !(r > 0.0 && r <= 1.0) {
                c.error(
                    key(&at, "failureRate"),
                    format!("must be in (0, 1] (got {r})"),
                );
            }
            if b.consecutive_failures.is_some() {
                c.error(
                    key(&at, "consecutiveFailures"),
                    "give `failureRate` or `consecutiveFailures`, not both",
                );
            }
        }
        if b.consecutive_failures == Some(0) {
            c.error(key(&at, "consecutiveFailures"), "must be at least 1");
        }
        if b.open_for.is_some_and(|d| d.is_zero()) {
            c.error(key(&at, "openFor"), "must be positive");
        }
        if b.half_open_requests == Some(0) {
            c.error(key(&at, "halfOpenRequests"), "must be at least 1");
        }
    }
}

/// Upstream `validateProbe` (pkg/apis/core/validation): periods, timeouts and thresholds at
/// least 1, delays at least 0; liveness and startup probes need `successThreshold: 1`.
fn probe_fields(c: &mut Checker, at: &str, p: &Probe, liveness_like: bool) {
    for (field, value, min) in [
        ("initialDelaySeconds", p.initial_delay_seconds, 0),
        ("periodSeconds", p.period_seconds, 1),
        ("timeoutSeconds", p.timeout_seconds, 1),
        ("successThreshold", p.success_threshold, 1),
        ("failureThreshold", p.failure_threshold, 1),
    ] {
        if let Some(v) = value {
            if v < min {
                c.error(key(at, field), format!("must be at least {min} (got {v})"));
            }
        }
    }
    if liveness_like && p.success_threshold.is_some_and(|s| s != 1) {
        c.error(
            key(at, "successThreshold"),
            "must be 1 for liveness and startup probes",
        );
    }
}

/// One cycle of synchronous calls as service names, the first repeated at the end.
fn sync_cycle(services: &[ServiceSpec], by_name: &HashMap<&str, usize>) -> Option<Vec<String>> {
    let mut g: DiGraph<usize, ()> = DiGraph::new();
    for i in 0..services.len() {
        g.add_node(i);
    }
    for (i, s) in services.iter().enumerate() {
        for call in s.calls.iter().filter(|c| c.queue.is_none()) {
            if let Some(&to) = by_name.get(call.service.as_str()) {
                g.add_edge(NodeIndex::new(i), NodeIndex::new(to), ());
            }
        }
    }
    toposort(&g, None).err()?;
    let name = |i: usize| services[i].name.clone();
    if let Some(e) = g.edge_indices().find(|&e| {
        let (a, b) = g.edge_endpoints(e).expect("edge exists");
        a == b
    }) {
        let (a, _) = g.edge_endpoints(e).expect("edge exists");
        return Some(vec![name(a.index()), name(a.index())]);
    }
    // A strongly connected component of two or more services: walk it from its first service,
    // always to the first successor inside it, until a service repeats.
    let scc = tarjan_scc(&g)
        .into_iter()
        .filter(|c| c.len() > 1)
        .min_by_key(|c| c.iter().map(|ix| ix.index()).min())?;
    let inside: BTreeSet<usize> = scc.iter().map(|ix| ix.index()).collect();
    let mut path = vec![*inside.first()?];
    loop {
        let at = *path.last()?;
        let next = g
            .neighbors(NodeIndex::new(at))
            .map(|ix| ix.index())
            .filter(|i| inside.contains(i))
            .min()?;
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|&i| name(i)).collect();
            cycle.push(name(next));
            return Some(cycle);
        }
        path.push(next);
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{parse_scenario, ScenarioError};

    const BASE: &str = r#"
name: svc
simulation: {duration: 1h}
cluster:
  zones: [a]
  nodePools: [{name: p, count: 2, capacity: {cpu: "8", memory: 32Gi}}]
workloads:
  - name: web
    kind: Deployment
    replicas: 2
    template:
      containers:
        - name: c
          resources: {requests: {cpu: 100m}}
          readinessProbe: {periodSeconds: 5, httpGet: {path: /ready, port: 8080}}
          livenessProbe: {timeoutSeconds: 2, failureThreshold: 5}
  - name: db
    kind: Deployment
    replicas: 1
    template: {containers: [{name: c, resources: {requests: {cpu: 100m}}}]}
services:
  - name: frontend
    workload: web
    traffic: {rate: 200/s, diurnal: {peakHour: 14, troughRatio: 0.4}}
    capacityPerPod: 150/s
    latency: 20ms
    queueLimit: 50
    calls:
      - service: payments
        perRequest: 2
        timeout: 300ms
        retries: {attempts: 3, budget: 0.2}
        circuitBreaker: {failureRate: 0.5, openFor: 30s}
      - service: payments
        queue: {capacity: 100000, overflow: block}
  - name: payments
    workload: db
    capacityPerPod: 500/s
    latency: 5ms
"#;

    fn errors(text: &str) -> Vec<String> {
        match parse_scenario(text, "svc.yaml") {
            Ok(_) => Vec::new(),
            Err(ScenarioError::Invalid(d)) => d.iter().map(|d| d.to_string()).collect(),
            Err(e) => vec![e.to_string()],
        }
    }

    #[test]
    fn a_full_service_section_is_valid() {
        let s = parse_scenario(BASE, "svc.yaml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.services.len(), 2);
        assert_eq!(s.services[0].calls[0].per_request, 2.0);
        let probe = s.workloads[0].template.containers[0]
            .liveness_probe
            .as_ref();
        assert_eq!(probe.and_then(|p| p.failure_threshold), Some(5));
    }

    #[test]
    fn references_and_ranges_name_the_field() {
        let text = BASE
            .replace(
                "service: payments\n        perRequest: 2",
                "service: paymnts\n        perRequest: 2",
            )
            .replace("workload: db", "workload: dbb")
            .replace("failureRate: 0.5", "failureRate: 1.5")
            .replace(
                "failureThreshold: 5",
                "failureThreshold: 5, successThreshold: 2",
            );
        let e = errors(&text);
        let has = |needle: &str| e.iter().any(|l| l.contains(needle));
        assert!(
            has("services[0].calls[0].service: no service named \"paymnts\""),
            "{e:?}"
        );
        assert!(
            has("services[1].workload: no workload named \"dbb\""),
            "{e:?}"
        );
        assert!(
            has("services[0].calls[0].circuitBreaker.failureRate: must be in (0, 1]"),
            "{e:?}"
        );
        assert!(
            has("workloads[0].template.containers[0].livenessProbe.successThreshold: must be 1"),
            "{e:?}"
        );
    }

    #[test]
    fn a_synchronous_cycle_is_reported_as_a_path() {
        let text = format!("{BASE}    calls: [{{service: frontend}}]\n");
        let e = errors(&text);
        assert!(
            e.iter().any(|l| l.contains(
                "services: synchronous calls form a cycle: frontend → payments → frontend"
            )),
            "{e:?}"
        );
        // The same edge through a queue is fine.
        let text = format!("{BASE}    calls: [{{service: frontend, queue: {{}}}}]\n");
        assert!(errors(&text).is_empty(), "{:?}", errors(&text));
    }

    #[test]
    fn queue_calls_refuse_sync_settings() {
        let text = BASE.replace(
            "queue: {capacity: 100000, overflow: block}",
            "queue: {}\n        timeout: 1s",
        );
        let e = errors(&text);
        assert!(
            e.iter().any(|l| l.contains("services[0].calls[1].timeout: does not apply to a queue call")),
            "{e:?}"
        );
    }
}
