//! Property tests of the service runtime: incremental steps (only changed or unsteady pods
//! processed) decide exactly what full steps (every pod every tick) decide, and requests are
//! conserved at every step.
//!
//! Conservation, in the fluid model's terms (per service, per tick, requests/s):
//! - *in* = `offered`: external arrivals + the attempts of its synchronous callers (each retry
//!   is one more attempt, counted again) + the messages its queues deliver;
//! - *served*: what its pods took; *shed* = in − served, refused at once (a full pod queue, no
//!   endpoints, congestion collapse);
//! - *errors* = `failed`: the shed requests plus served ones whose own calls failed (after
//!   retries, or at once by an open breaker), so shed ≤ errors ≤ in;
//! - *in flight*: none is carried from one tick to the next (a synchronous request is answered
//!   within its tick); what waits between ticks is a queue's backlog, and per queue over the
//!   run: published = accepted + dropped + refused (blocked), accepted = consumed + queued.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::services::breaker::BreakerPolicy;
use crate::services::graph::{CallDef, ServiceDef};
use crate::services::queue::Overflow;
use crate::services::retry::RetryPolicy;

fn probe(kind: u8, period_s: u64, timeout_ms: u64, threshold: u32, delay_s: u64) -> ProbeSpec {
    ProbeSpec {
        initial_delay_ms: delay_s * 1000,
        period_ms: period_s * 1000,
        timeout_ms,
        success_threshold: if kind == 0 { threshold } else { 1 },
        failure_threshold: threshold,
    }
}

/// api → db (sync, retries and a breaker), api → worker (queue).
fn runtime(
    probes: ProbeSet,
    rates: &[(u64, f64)],
    qcap: Option<f64>,
    block: bool,
) -> ServiceRuntime {
    let def = |name: &str, cap: f64, limit: Option<f64>| ServiceDef {
        name: name.into(),
        capacity_per_pod: cap,
        base_latency_s: 0.05,
        queue_limit: limit,
    };
    let graph = ServiceGraph::new(
        vec![
            def("api", 100.0, None),
            def("db", 150.0, Some(20.0)),
            def("worker", 80.0, None),
        ],
        vec![
            CallDef {
                from: 0,
                to: 1,
                per_request: 1.5,
                mode: CallMode::Sync {
                    timeout_s: 0.4,
                    retry: RetryPolicy {
                        max_retries: 2,
                        budget: None,
                        backoff_base_s: 0.01,
                        backoff_max_s: 0.1,
                    },
                    breaker: Some(BreakerPolicy {
                        failure_rate: 0.5,
                        consecutive_failures: None,
                        min_requests: 20.0,
                        open_for_ms: 5_000,
                        half_open_requests: 3,
                    }),
                },
            },
            CallDef {
                from: 0,
                to: 2,
                per_request: 1.0,
                mode: CallMode::Queue {
                    capacity: qcap,
                    overflow: if block {
                        Overflow::Block
                    } else {
                        Overflow::Drop
                    },
                },
            },
        ],
    )
    .unwrap();
    let setup = |workload: u32, traffic: TrafficShape| ServiceSetup {
        workload,
        traffic,
        cpu_per_request: 5.0,
        probes,
    };
    ServiceRuntime::new(ServicesSetup {
        graph,
        services: vec![
            setup(0, TrafficShape::Series(rates.to_vec())),
            setup(1, TrafficShape::None),
            setup(2, TrafficShape::None),
        ],
        queue_names: vec![String::new(), "jobs".into()],
    })
}

/// One pod event: at tick `t`, pod `pod` of service `s` leaves, (re)joins with a container
/// started now, dies (container not running) or gets a CPU ceiling.
#[derive(Debug, Clone, Copy)]
enum Change {
    Leave,
    Join,
    Die,
    Ceiling(f64),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        Just(Change::Leave),
        Just(Change::Join),
        Just(Change::Die),
        (0u32..4).prop_map(|c| Change::Ceiling(if c == 0 {
            f64::INFINITY
        } else {
            f64::from(c) * 200.0
        })),
    ]
}

fn probe_set() -> impl Strategy<Value = ProbeSet> {
    let one = |kind: u8| {
        proptest::option::of(
            (1u64..6, 0u64..3000, 1u32..4, 0u64..6)
                .prop_map(move |(p, t, th, d)| probe(kind, p, t, th, d)),
        )
    };
    (one(0), one(1), one(2)).prop_map(|(readiness, liveness, startup)| ProbeSet {
        readiness,
        liveness,
        startup,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn incremental_steps_decide_what_full_steps_decide(
        probes in probe_set(),
        rates in proptest::collection::vec((0u64..120, 0.0f64..2_000.0), 1..6),
        changes in proptest::collection::vec((1u64..120, 0usize..3, 0u64..6, change()), 0..40),
    ) {
        let mut rates: Vec<(u64, f64)> = rates.iter().map(|&(t, r)| (t * TICK_MS, r)).collect();
        rates.sort_by_key(|r| r.0);
        rates.dedup_by_key(|r| r.0);
        let mut full = runtime(probes, &rates, Some(500.0), false);
        let mut inc = runtime(probes, &rates, Some(500.0), false);
        // Per service, the endpoints now: pod → endpoint.
        let mut eps: Vec<BTreeMap<u64, Endpoint>> = vec![BTreeMap::new(); 3];
        for (s, e) in eps.iter_mut().enumerate() {
            for pod in 0..6u64 {
                let key = s as u64 * 100 + pod;
                e.insert(key, Endpoint { pod: key, alive: true, started_ms: 0, cpu_ceiling: f64::INFINITY });
            }
        }
        for (s, e) in eps.iter().enumerate() {
            for ep in e.values() {
                inc.set_endpoint(s, *ep);
            }
        }
        let (mut cpu_full, mut cpu_inc) = (BTreeMap::new(), BTreeMap::new());
        for t in 1..=120u64 {
            let now = t * TICK_MS;
            // As the run loop does, the incremental runtime is told each touched pod's state at
            // the tick once (a Leave and a Join in one tick is one change, not a new pod).
            let mut touched: Vec<(usize, u64)> = Vec::new();
            for &(at, s, pod, c) in changes.iter().filter(|c| c.0 == t) {
                let key = s as u64 * 100 + pod;
                let cur = eps[s].get(&key).copied();
                let new = match (c, cur) {
                    (Change::Leave, _) => None,
                    (Change::Join, _) => Some(Endpoint { pod: key, alive: true, started_ms: at * TICK_MS, cpu_ceiling: f64::INFINITY }),
                    (Change::Die, Some(e)) => Some(Endpoint { alive: false, ..e }),
                    (Change::Ceiling(x), Some(e)) => Some(Endpoint { cpu_ceiling: x, ..e }),
                    (_, None) => None,
                };
                match new {
                    Some(e) => eps[s].insert(key, e),
                    None => eps[s].remove(&key),
                };
                touched.push((s, key));
            }
            touched.sort_unstable();
            touched.dedup();
            for &(s, key) in &touched {
                match eps[s].get(&key) {
                    Some(e) => inc.set_endpoint(s, *e),
                    None => inc.remove_endpoint(s, key),
                }
            }
            let all: Vec<Vec<Endpoint>> = eps.iter().map(|e| e.values().copied().collect()).collect();
            full.step(now, &all);
            inc.advance(now);
            prop_assert_eq!(&full.status, &inc.status, "status at {}", t);
            prop_assert_eq!(&full.totals, &inc.totals, "totals at {}", t);
            let restarts = |rt: &ServiceRuntime| -> Vec<(u64, Option<ProbeKind>)> {
                rt.decisions.iter().filter(|d| d.restart.is_some()).map(|d| (d.pod, d.restart)).collect()
            };
            prop_assert_eq!(restarts(&full), restarts(&inc), "restarts at {}", t);
            // Every endpoint was told its CPU by the full step; the incremental one told the
            // pods whose CPU changed, so what each pod was last told agrees.
            for d in &full.decisions {
                cpu_full.insert(d.pod, d.cpu);
            }
            for d in &inc.decisions {
                cpu_inc.insert(d.pod, d.cpu);
            }
            for e in eps.iter().flat_map(|e| e.keys()) {
                prop_assert_eq!(cpu_full.get(e), cpu_inc.get(e), "cpu of {} at {}", e, t);
            }
        }
    }

    #[test]
    fn requests_are_conserved_at_every_step(
        rates in proptest::collection::vec((0u64..90, 0.0f64..3_000.0), 1..6),
        pods in proptest::collection::vec((0u64..90, 0usize..3, 0u32..8), 1..12),
        qcap in proptest::option::of(0.0f64..5_000.0),
        block in any::<bool>(),
    ) {
        let mut rates: Vec<(u64, f64)> = rates.iter().map(|&(t, r)| (t * TICK_MS, r)).collect();
        rates.sort_by_key(|r| r.0);
        rates.dedup_by_key(|r| r.0);
        let mut rt = runtime(ProbeSet::default(), &rates, qcap, block);
        let mut n_pods = [4u32, 4, 4];
        let mut published = [0.0f64; 2];
        let eps_of = |s: usize, n: u32| -> Vec<Endpoint> {
            (0..u64::from(n)).map(|p| Endpoint { pod: s as u64 * 100 + p, alive: true, started_ms: 0, cpu_ceiling: f64::INFINITY }).collect()
        };
        for t in 1..=90u64 {
            for &(_, s, n) in pods.iter().filter(|p| p.0 == t) {
                n_pods[s] = n;
            }
            // What producers published in the previous tick arrives at the queue now.
            for (c, p) in published.iter_mut().enumerate() {
                *p += rt.flows().calls.get(c).map_or(0.0, |f| f.published);
            }
            let eps: Vec<Vec<Endpoint>> = (0..3).map(|s| eps_of(s, n_pods[s])).collect();
            rt.step(t * TICK_MS, &eps);
            let out = rt.flows().clone();
            let g = &rt.setup().graph;
            let eps_tol = |x: f64| 1e-6 * x.abs().max(1.0);
            for s in 0..3 {
                let f = out.services[s];
                // in = external + callers' attempts (retries included) + queue deliveries.
                let mut arrivals = rt.setup().services[s].traffic.rate_at(t * TICK_MS) + rt.last_queue_load[s];
                for &c in &g.calls_to[s] {
                    arrivals += out.calls[c].attempts;
                }
                prop_assert!((f.offered - arrivals).abs() <= eps_tol(arrivals), "in of {} at {}: {:?}", s, t, f);
                let shed = f.offered - f.served;
                prop_assert!(shed >= -eps_tol(f.offered), "served > in: {:?}", f);
                prop_assert!(f.failed >= shed - eps_tol(f.offered), "errors < shed: {:?}", f);
                prop_assert!(f.failed <= f.offered + eps_tol(f.offered), "errors > in: {:?}", f);
            }
            for cf in &out.calls {
                prop_assert!(cf.failed <= cf.calls + eps_tol(cf.calls));
                prop_assert!(cf.attempts == 0.0 || cf.attempts >= cf.calls - eps_tol(cf.calls));
            }
            let q = rt.queue(1).expect("a queue");
            let accepted = q.arrived();
            prop_assert!((published[1] - (accepted + q.dropped() + q.refused())).abs() <= eps_tol(published[1]),
                "published {} vs accepted {} dropped {} refused {}", published[1], accepted, q.dropped(), q.refused());
            prop_assert!((accepted - (q.departed() + q.backlog())).abs() <= eps_tol(accepted));
            if block {
                prop_assert_eq!(q.dropped(), 0.0);
            } else {
                prop_assert_eq!(q.refused(), 0.0);
            }
        }
    }
}
