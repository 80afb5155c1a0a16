//! Hand-computed cases of the service runtime over ticks.

use super::*;
use crate::services::breaker::BreakerPolicy;
use crate::services::graph::{CallDef, ServiceDef};
use crate::services::queue::Overflow;
use crate::services::retry::RetryPolicy;

fn def(name: &str, cap: f64, latency_s: f64, queue_limit: Option<f64>) -> ServiceDef {
    ServiceDef {
        name: name.into(),
        capacity_per_pod: cap,
        base_latency_s: latency_s,
        queue_limit,
    }
}

fn svc(workload: u32, rate: f64, cpu: f64, probes: ProbeSet) -> ServiceSetup {
    ServiceSetup {
        workload,
        traffic: if rate > 0.0 {
            TrafficShape::Series(vec![(0, rate)])
        } else {
            TrafficShape::None
        },
        cpu_per_request: cpu,
        probes,
    }
}

fn sync(retries: u32, budget: Option<f64>, breaker: Option<BreakerPolicy>) -> CallMode {
    CallMode::Sync {
        timeout_s: 0.5,
        retry: RetryPolicy {
            max_retries: retries,
            budget,
            backoff_base_s: 0.0,
            backoff_max_s: 0.0,
        },
        breaker,
    }
}

/// frontend (500/s) → payments, payments' pods 100/s each, at most 10 waiting per pod.
fn chain(mode: CallMode) -> ServiceRuntime {
    let graph = ServiceGraph::new(
        vec![
            def("frontend", 1000.0, 0.02, None),
            def("payments", 100.0, 0.02, Some(10.0)),
        ],
        vec![CallDef {
            from: 0,
            to: 1,
            per_request: 1.0,
            mode,
        }],
    )
    .unwrap();
    ServiceRuntime::new(ServicesSetup {
        graph,
        services: vec![
            svc(0, 500.0, 0.0, ProbeSet::default()),
            svc(1, 0.0, 0.0, ProbeSet::default()),
        ],
        queue_names: vec![String::new()],
    })
}

fn pods(first: u64, n: u64) -> Vec<Endpoint> {
    (first..first + n)
        .map(|pod| Endpoint {
            pod,
            alive: true,
            started_ms: 0,
            cpu_ceiling: f64::INFINITY,
        })
        .collect()
}

#[test]
fn retries_amplify_load_by_the_hand_computed_factor() {
    // 4 payments pods serve 400/s of 500/s: without retries 20 % of attempts are refused;
    // with 3 retries the callee sees 500·A(p), A(p) = 1 + p + p² + p³, p = 1 − 400/(500·A).
    let mut rt = chain(sync(3, None, None));
    let eps = vec![pods(0, 10), pods(100, 4)];
    for t in 1..=3 {
        rt.step(t * TICK_MS, &eps);
    }
    let p = rt.flows().calls[0].p_attempt;
    let a = 1.0 + p + p * p + p * p * p;
    let offered = rt.status[1].flow.offered;
    assert!(
        (offered - 500.0 * a).abs() < 1e-6,
        "{offered} vs {}",
        500.0 * a
    );
    assert!((p - (1.0 - 400.0 / (500.0 * a))).abs() < 1e-6);
    assert!((rt.status[1].retries - (offered - 500.0)).abs() < 1e-6);
    assert!(a > 1.25);
    // A retry budget of 0.1 caps the load at 550/s.
    let mut rt = chain(sync(3, Some(0.1), None));
    rt.step(TICK_MS, &eps);
    assert!(rt.status[1].flow.offered <= 550.0 + 1e-6);
}

#[test]
fn an_open_breaker_stops_the_load_and_closes_when_the_callee_recovers() {
    let policy = BreakerPolicy {
        failure_rate: 0.5,
        consecutive_failures: None,
        min_requests: 20.0,
        open_for_ms: 5_000,
        half_open_requests: 3,
    };
    let mut rt = chain(sync(3, None, Some(policy)));
    let down = vec![pods(0, 10), Vec::new()];
    // t = 1 s: payments has no endpoint; every attempt fails, 4 attempts per call: 2000/s
    // offered, and the breaker trips.
    rt.step(TICK_MS, &down);
    assert!(
        (rt.status[1].flow.offered - 2000.0).abs() < 1e-3,
        "{:?}",
        rt.status[1]
    );
    assert_eq!(
        rt.breaker_changes,
        vec![(
            0,
            BreakerState::Open {
                until_ms: 1_000 + 5_000
            }
        )]
    );
    // t = 2..5 s: open: no load on payments, every frontend request fails fast.
    for t in 2..=5 {
        rt.step(t * TICK_MS, &down);
        assert_eq!(rt.status[1].flow.offered, 0.0);
        assert!((rt.status[0].flow.failed - 500.0).abs() < 1e-6);
        assert_eq!(rt.status[0].breakers_open, 1);
    }
    // t = 6 s: half-open; payments is back (10 pods): the trial succeeds at t = 7 s.
    let up = vec![pods(0, 10), pods(100, 10)];
    rt.step(6 * TICK_MS, &up);
    assert_eq!(rt.breaker_changes, vec![(0, BreakerState::HalfOpen)]);
    rt.step(7 * TICK_MS, &up);
    assert_eq!(rt.breaker_changes, vec![(0, BreakerState::Closed)]);
    rt.step(8 * TICK_MS, &up);
    assert!((rt.status[1].flow.offered - 500.0).abs() < 1e-6);
    assert!(rt.status[0].flow.failed < 1e-9);
}

#[test]
fn a_queue_absorbs_a_consumer_outage_and_drains_in_the_hand_computed_time() {
    // producer (100/s) → queue → consumer (one pod of 200/s). The consumer is out for ticks
    // 2..=11 (10 s): 1000 messages pile up; then it drains at 200 − 100 = 100/s net: 10 s.
    let graph = ServiceGraph::new(
        vec![
            def("producer", 1000.0, 0.01, None),
            def("consumer", 200.0, 0.01, None),
        ],
        vec![CallDef {
            from: 0,
            to: 1,
            per_request: 1.0,
            mode: CallMode::Queue {
                capacity: None,
                overflow: Overflow::Drop,
            },
        }],
    )
    .unwrap();
    let mut rt = ServiceRuntime::new(ServicesSetup {
        graph,
        services: vec![
            svc(0, 100.0, 0.0, ProbeSet::default()),
            svc(1, 0.0, 0.0, ProbeSet::default()),
        ],
        queue_names: vec!["jobs".into()],
    });
    let up = vec![pods(0, 1), pods(10, 1)];
    let down = vec![pods(0, 1), Vec::new()];
    rt.step(TICK_MS, &up);
    for t in 2..=11 {
        rt.step(t * TICK_MS, &down);
        // Nothing fails: the producer only publishes.
        assert_eq!(rt.status[0].flow.failed, 0.0);
    }
    assert!((rt.status[1].queue_backlog - 1000.0).abs() < 1e-6);
    assert!((rt.status[1].queue_oldest_s - 10.0).abs() < 1e-6);
    let mut emptied = None;
    for t in 12..=40 {
        rt.step(t * TICK_MS, &up);
        if emptied.is_none() && rt.status[1].queue_backlog == 0.0 {
            emptied = Some(t);
        }
    }
    // Backlog 1000 at t = 11 s, −100/s from t = 12 s: empty at t = 21 s.
    assert_eq!(emptied, Some(21));
    assert!((rt.totals[1].drain_s - 10.0).abs() < 1e-9);
    assert!((rt.totals[1].peak_backlog - 1000.0).abs() < 1e-6);
    assert_eq!(rt.totals[1].failed, 0.0);
}

fn one_service(rate: f64, probes: ProbeSet) -> ServiceRuntime {
    let graph = ServiceGraph::new(vec![def("api", 100.0, 0.05, None)], Vec::new()).unwrap();
    ServiceRuntime::new(ServicesSetup {
        graph,
        services: vec![svc(0, rate, 10.0, probes)],
        queue_names: Vec::new(),
    })
}

fn restarts_by(rt: &mut ServiceRuntime, pods_n: u64, until_s: u64) -> Vec<(u64, u64)> {
    let eps = vec![pods(0, pods_n)];
    let mut out = Vec::new();
    for t in 1..=until_s {
        rt.step(t * TICK_MS, &eps);
        for d in &rt.decisions {
            if d.restart.is_some() {
                out.push((t, d.pod));
            }
        }
    }
    out
}

#[test]
fn liveness_kills_busy_pods_after_three_failed_periods() {
    // Upstream defaults (pkg/kubelet/prober/worker.go): period 10 s, failureThreshold 3.
    // 3 pods of 100/s get 400/s with no queue limit: overloaded, the answer never comes in
    // time. Probes are due at 0, 10 and 20 s after the start and run at the first tick at or
    // after that (1 s, 10 s, 20 s): restart at 20 s.
    let live = ProbeSet {
        liveness: Some(ProbeSpec::default()),
        ..ProbeSet::default()
    };
    let mut rt = one_service(400.0, live);
    let r = restarts_by(&mut rt, 3, 30);
    assert_eq!(r, vec![(20, 0), (20, 1), (20, 2)]);
    assert_eq!(rt.totals[0].probe_restarts, 3);
    // The same pods at 250/s (83 % busy, median answer 50 ms): never restarted.
    let mut rt = one_service(250.0, live);
    assert!(restarts_by(&mut rt, 3, 60).is_empty());
    // Busy pods ask for their capacity's CPU: 100/s × 10 millicore-seconds = 1000m each.
    let mut rt = one_service(400.0, live);
    rt.step(TICK_MS, &[pods(0, 3)]);
    assert!(rt.decisions.iter().all(|d| d.cpu == 1000));
}

#[test]
fn readiness_takes_overloaded_pods_out_without_restarting_them() {
    let ready = ProbeSet {
        readiness: Some(ProbeSpec::default()),
        ..ProbeSet::default()
    };
    let mut rt = one_service(400.0, ready);
    let eps = vec![pods(0, 3)];
    // Not ready until the first probe passes (t = 1 s: no endpoint yet, so it answers fast).
    rt.step(TICK_MS, &eps);
    assert_eq!(rt.status[0].ready, 0);
    rt.step(2 * TICK_MS, &eps);
    assert_eq!(rt.status[0].ready, 3);
    for t in 3..=40 {
        rt.step(t * TICK_MS, &eps);
        assert!(rt.decisions.iter().all(|d| d.restart.is_none()));
    }
    // Failures at 10, 20, 30 s: out of the endpoints from 30 s on.
    assert!(rt.totals[0].unready >= 3);
}

#[test]
fn a_cpu_capped_pod_serves_less_and_answers_slower() {
    // One pod needs 100/s × 10 m·s = 1000m at capacity but may use 500m: it serves 50/s.
    let mut rt = one_service(80.0, ProbeSet::default());
    let mut eps = pods(0, 1);
    eps[0].cpu_ceiling = 500.0;
    rt.step(TICK_MS, &[eps]);
    assert!((rt.status[0].flow.served - 50.0).abs() < 1e-9);
    assert!((rt.flows().stations[0].unwrap().base_s - 0.1).abs() < 1e-12);
}
