//! The fluid traffic solver: request rates, errors and latencies of every service at one
//! instant, given the external load, the ready endpoints and the breakers' states.
//!
//! Load flows from callers to callees; failures and latency flow back. The solver iterates
//! both passes to a fixed point:
//! 1. *forward*, callers first: a service's offered load is its external rate, plus what its
//!    queues deliver, plus for each synchronous call into it `served(caller) × per_request ×
//!    attempts` (retries included; timed-out attempts still load the callee);
//! 2. *backward*, callees first: the station model (`latency`) gives the share of requests
//!    shed and the latency; an attempt on a call fails when the callee sheds it, fails it
//!    downstream, or answers after the call's timeout; retries turn that into attempts per
//!    call and a call failure probability (`retry`); an open breaker fails the call at once
//!    with no load on the callee. A request succeeds when it is served and all its calls
//!    succeed (`per_request` calls, independently).
//!
//! The attempt failure probabilities are damped between iterations and carried from one solve
//! to the next ([`FlowState`]), so the solver finds the fixed point nearest to where the system
//! was: a retry storm that overloaded a callee stays overloaded after its trigger is gone
//! (a metastable failure), as it does in real systems until load is shed or a breaker opens.

use super::graph::{CallMode, ServiceGraph};
use super::latency::Station;
use super::retry;

/// Per-instant inputs of the solver, indexed like the graph's services and calls.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowInput {
    /// External requests/s arriving at each service.
    pub external: Vec<f64>,
    /// Ready endpoints of each service (may be fractional when averaged).
    pub endpoints: Vec<f64>,
    /// Factor ≥ 1 on each service's base latency and ≤ 1 on its capacity (CPU throttling or
    /// contention slows pods down).
    pub slowdown: Vec<f64>,
    /// Messages/s each service consumes from its queues (the queues' drain).
    pub queue_load: Vec<f64>,
    /// Per call: whether its breaker lets calls through (true for calls without a breaker).
    pub call_passes: Vec<bool>,
}

/// What the solver carries between solves: each call's attempt failure probability.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlowState {
    /// Per call, the probability that one attempt fails.
    pub p_attempt: Vec<f64>,
}

/// One service's traffic.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ServiceFlow {
    /// Requests/s offered (external, from callers including retries, from queues).
    pub offered: f64,
    /// Requests/s its pods served.
    pub served: f64,
    /// Requests/s that failed: shed (overload, no endpoints) or failed downstream.
    pub failed: f64,
    /// Served share of pod capacity.
    pub utilisation: f64,
    /// Mean latency of a served request, own queue plus downstream calls, seconds.
    pub mean_latency_s: f64,
    /// 99th percentile latency (own queue's p99 plus mean downstream time), seconds.
    pub p99_latency_s: f64,
    /// Its pods' base latency at the solution (after slowdown), seconds.
    pub own_base_s: f64,
}

/// One call edge's traffic.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CallFlow {
    /// Calls/s the caller makes (before retries).
    pub calls: f64,
    /// Attempts/s reaching the callee (retries included; 0 while a breaker is open).
    pub attempts: f64,
    /// Calls/s failing after retries (or at once, breaker open).
    pub failed: f64,
    /// Probability that one attempt fails.
    pub p_attempt: f64,
    /// Produced messages/s (queue calls only).
    pub published: f64,
}

/// The solution at one instant.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlowOutcome {
    /// Per service.
    pub services: Vec<ServiceFlow>,
    /// Per call.
    pub calls: Vec<CallFlow>,
    /// Per service, its station at the solution.
    pub stations: Vec<Option<Station>>,
    /// Iterations the solver needed.
    pub iterations: u32,
}

impl FlowOutcome {
    /// Whether a probe with `timeout_s` on a pod of service `s` fails: the pod answers a probe
    /// after the requests queued before it, so the probe fails when the station is overloaded,
    /// has no capacity, or its median wait exceeds the timeout.
    pub fn probe_fails(&self, s: usize, timeout_s: f64) -> bool {
        match &self.stations[s] {
            None => true,
            Some(st) => st.overloaded() || st.quantile_s(0.5) > timeout_s,
        }
    }
}

/// The share of requests whose `per_request` calls on one edge all succeed when each fails
/// with probability `failure`: a request makes `⌊per_request⌋` calls, and one more with
/// probability `per_request − ⌊per_request⌋` (0.4 calls per request: 40 % of the requests call,
/// 60 % do not and cannot fail on the edge), independently.
pub fn calls_succeed(per_request: f64, failure: f64) -> f64 {
    let whole = per_request.floor();
    let frac = per_request - whole;
    (1.0 - failure).powf(whole) * (1.0 - frac * failure)
}

const MAX_ITERATIONS: u32 = 500;
const DAMPING: f64 = 0.5;
const TOLERANCE: f64 = 1e-9;

/// Solves the flows of `graph` for `input`, starting from (and updating) `state`.
pub fn solve(graph: &ServiceGraph, input: &FlowInput, state: &mut FlowState) -> FlowOutcome {
    let n = graph.services.len();
    let m = graph.calls.len();
    state.p_attempt.resize(m, 0.0);
    let mut offered = vec![0.0; n];
    let mut served = vec![0.0; n];
    let mut success = vec![1.0; n];
    let mut down_latency = vec![0.0; n];
    let mut stations: Vec<Option<Station>> = vec![None; n];
    let mut calls = vec![CallFlow::default(); m];
    let mut iterations = 0;
    loop {
        iterations += 1;
        let mut moved = 0.0f64;
        // Forward: load, callers first.
        for &s in &graph.sync_order {
            let mut load = input.external[s] + input.queue_load[s];
            for &c in &graph.calls_to[s] {
                let call = &graph.calls[c];
                if let CallMode::Sync { retry, .. } = call.mode {
                    let made = served[call.from] * call.per_request;
                    let attempts = if input.call_passes[c] {
                        made * retry::outcome(&retry, state.p_attempt[c]).attempts
                    } else {
                        0.0
                    };
                    calls[c].calls = made;
                    calls[c].attempts = attempts;
                    load += attempts;
                }
            }
            let def = &graph.services[s];
            let slow = input.slowdown[s].max(1.0);
            let st = Station::new(
                load,
                input.endpoints[s],
                def.capacity_per_pod / slow,
                def.base_latency_s * slow,
                def.queue_limit,
            );
            moved = moved.max((st.served - served[s]).abs() / st.served.max(1.0));
            offered[s] = load;
            served[s] = st.served;
            stations[s] = Some(st);
        }
        // Backward: failures and latency, callees first.
        for &s in graph.sync_order.iter().rev() {
            let st = stations[s].expect("set in the forward pass");
            let mut ok = 1.0 - st.shed_fraction();
            let mut latency = 0.0;
            for &c in &graph.calls_from[s] {
                let call = &graph.calls[c];
                match call.mode {
                    CallMode::Sync {
                        timeout_s,
                        retry: policy,
                        ..
                    } => {
                        if !input.call_passes[c] {
                            calls[c].failed = calls[c].calls;
                            calls[c].p_attempt = 1.0;
                            ok *= calls_succeed(call.per_request, 1.0);
                            continue;
                        }
                        let d = call.to;
                        let callee = stations[d].expect("callees are solved first");
                        let slow = callee.p_slower_than(timeout_s - down_latency[d]);
                        let p_new = 1.0 - success[d] * (1.0 - slow);
                        let p = DAMPING * state.p_attempt[c] + (1.0 - DAMPING) * p_new;
                        moved = moved.max((p - state.p_attempt[c]).abs());
                        state.p_attempt[c] = p;
                        let out = retry::outcome(&policy, p);
                        let per_attempt =
                            (callee.mean_latency_s() + down_latency[d]).min(timeout_s);
                        latency += call.per_request * (out.attempts * per_attempt + out.backoff_s);
                        ok *= calls_succeed(call.per_request, out.failure);
                        calls[c].failed = calls[c].calls * out.failure;
                        calls[c].p_attempt = p;
                    }
                    CallMode::Queue { .. } => {
                        calls[c].published = served[s] * call.per_request;
                    }
                }
            }
            success[s] = ok;
            down_latency[s] = latency;
        }
        if moved <= TOLERANCE || iterations >= MAX_ITERATIONS {
            break;
        }
    }
    let services = (0..n)
        .map(|s| {
            let st = stations[s].expect("solved");
            ServiceFlow {
                offered: offered[s],
                served: served[s],
                failed: offered[s] * (1.0 - success[s]),
                utilisation: if st.capacity > 0.0 {
                    st.served / st.capacity
                } else {
                    0.0
                },
                mean_latency_s: st.mean_latency_s() + down_latency[s],
                p99_latency_s: st.quantile_s(0.99) + down_latency[s],
                own_base_s: st.base_s,
            }
        })
        .collect();
    FlowOutcome {
        services,
        calls,
        stations,
        iterations,
    }
}

#[cfg(test)]
mod tests {
    use super::super::graph::{CallDef, ServiceDef};
    use super::super::retry::RetryPolicy;
    use super::*;

    fn svc(name: &str, cap: f64, queue_limit: Option<f64>) -> ServiceDef {
        ServiceDef {
            name: name.into(),
            capacity_per_pod: cap,
            base_latency_s: 0.02,
            queue_limit,
        }
    }

    /// frontend → payments; payments' pods queue at most `queue_limit` requests each.
    fn chain(retries: u32, budget: Option<f64>, queue_limit: Option<f64>) -> ServiceGraph {
        ServiceGraph::new(
            vec![
                svc("frontend", 1000.0, None),
                svc("payments", 100.0, queue_limit),
            ],
            vec![CallDef {
                from: 0,
                to: 1,
                per_request: 1.0,
                mode: CallMode::Sync {
                    timeout_s: 0.5,
                    retry: RetryPolicy {
                        max_retries: retries,
                        budget,
                        backoff_base_s: 0.0,
                        backoff_max_s: 0.0,
                    },
                    breaker: None,
                },
            }],
        )
        .unwrap()
    }

    fn input(external: f64, payments_pods: f64) -> FlowInput {
        FlowInput {
            external: vec![external, 0.0],
            endpoints: vec![10.0, payments_pods],
            slowdown: vec![1.0, 1.0],
            queue_load: vec![0.0, 0.0],
            call_passes: vec![true],
        }
    }

    #[test]
    fn fractional_calls_fail_only_the_requests_that_make_them() {
        // 0.4 calls per request on an edge that fails every call: the 60 % of requests that
        // make no call succeed (was 0: 0^0.4, as if every request called).
        assert!((calls_succeed(0.4, 1.0) - 0.6).abs() < 1e-12);
        // 1.5 calls, each failing 20 %: one call always, a second for half the requests.
        assert!((calls_succeed(1.5, 0.2) - 0.8 * 0.9).abs() < 1e-12);
        // Whole numbers as before: every call must succeed.
        assert_eq!(calls_succeed(2.0, 0.3), 0.7f64.powf(2.0));
        assert_eq!(calls_succeed(1.0, 1.0), 0.0);

        // In the solver: an open breaker on a 0.4-per-request edge fails 40 % of the caller.
        let mut g = chain(0, None, None);
        g.calls[0].per_request = 0.4;
        let mut inp = input(500.0, 4.0);
        inp.call_passes = vec![false];
        let out = solve(&g, &inp, &mut FlowState::default());
        assert!(
            (out.services[0].failed - 200.0).abs() < 1e-6,
            "{:?}",
            out.services[0]
        );
    }

    #[test]
    fn healthy_chain_passes_load_through() {
        let g = chain(3, None, None);
        let mut state = FlowState::default();
        let out = solve(&g, &input(500.0, 10.0), &mut state);
        assert!((out.services[1].offered - 500.0).abs() < 1e-6);
        assert!(out.services[0].failed < 1e-6);
        assert!(out.calls[0].p_attempt < 1e-6);
        // Requests are conserved: offered = served + shed, failures within offered.
        for s in &out.services {
            assert!(s.failed <= s.offered + 1e-9);
        }
    }

    #[test]
    fn unbounded_queue_overload_times_every_attempt_out() {
        // Payments serves 400/s (4 pods) but 500/s arrive and nothing bounds its queue.
        let mut state = FlowState::default();
        let out = solve(&chain(0, None, None), &input(500.0, 4.0), &mut state);
        assert!((out.calls[0].p_attempt - 1.0).abs() < 1e-6);
        assert!((out.services[0].failed - 500.0).abs() < 1e-3);
    }

    #[test]
    fn retries_amplify_load_on_an_overloaded_callee() {
        // Payments serves 400/s (4 pods of 100/s, at most 10 waiting each: 0.1 s wait, within
        // the 0.5 s timeout) but 500/s arrive: 20 % refused per attempt without retries; with
        // retries the callee sees more than 500/s and every attempt fails more often.
        let mut state = FlowState::default();
        let no_retry = solve(&chain(0, None, Some(10.0)), &input(500.0, 4.0), &mut state);
        assert!((no_retry.services[1].offered - 500.0).abs() < 1e-6);
        assert!((no_retry.calls[0].p_attempt - 0.2).abs() < 1e-6);

        let mut state = FlowState::default();
        let retry = solve(&chain(3, None, Some(10.0)), &input(500.0, 4.0), &mut state);
        let amplification = retry.services[1].offered / 500.0;
        // Fixed point: p = 1 − 400 / (500 · A(p)), A(p) = 1 + p + p² + p³.
        let p = retry.calls[0].p_attempt;
        let a = 1.0 + p + p * p + p * p * p;
        assert!((amplification - a).abs() < 1e-6, "{amplification} vs {a}");
        assert!((p - (1.0 - 400.0 / (500.0 * a))).abs() < 1e-6);
        assert!(p > 0.2);
    }

    #[test]
    fn a_retry_budget_bounds_amplification() {
        let mut state = FlowState::default();
        let out = solve(
            &chain(3, Some(0.1), Some(10.0)),
            &input(500.0, 4.0),
            &mut state,
        );
        assert!(out.services[1].offered <= 550.0 + 1e-6);
    }

    #[test]
    fn an_open_breaker_fails_fast_and_sheds_the_callee() {
        let g = chain(3, None, None);
        let mut state = FlowState::default();
        let mut inp = input(500.0, 4.0);
        inp.call_passes = vec![false];
        let out = solve(&g, &inp, &mut state);
        assert_eq!(out.services[1].offered, 0.0);
        assert!((out.services[0].failed - 500.0).abs() < 1e-6);
    }

    #[test]
    fn retry_storm_is_metastable_until_the_state_is_reset() {
        // With 5 retries and unbounded queues, a short loss of pods pushes the callee into
        // overload; every attempt times out and is retried, and when the pods come back the
        // storm's own retries (6 × 350/s) keep it overloaded.
        let g = chain(5, None, None);
        let mut state = FlowState::default();
        let healthy = solve(&g, &input(350.0, 4.0), &mut state);
        assert!(healthy.calls[0].p_attempt < 0.01);
        solve(&g, &input(350.0, 2.0), &mut state);
        let after = solve(&g, &input(350.0, 4.0), &mut state);
        assert!(
            after.calls[0].p_attempt > 0.5,
            "{}",
            after.calls[0].p_attempt
        );
        // A cold start at the same load finds the healthy state.
        let mut fresh = FlowState::default();
        let cold = solve(&g, &input(350.0, 4.0), &mut fresh);
        assert!(cold.calls[0].p_attempt < 0.01);
    }
}
