//! The services of a run over time: one [`ServiceRuntime::step`] per service tick
//! ([`TICK_MS`], 1 s simulated) turns the ready endpoints of every service into traffic,
//! per-pod CPU demand and probe verdicts.
//!
//! One step at `now`:
//! 1. **Endpoints.** Each endpoint pod of a service (Running, on an up node, given by the run
//!    loop) is *ready* when its container runs, its startup probe (if any) succeeded and its
//!    readiness probe (if any) passes. A pod whose CPU is capped below what its capacity needs
//!    (its CPU limit minus its other usage, or its CFS share of a contended node) serves at a
//!    proportionally lower rate and answers proportionally slower; the service's slowdown is
//!    the capacity-weighted mean over its ready pods.
//! 2. **Queues** move for one tick: the producers' publish rate of the previous tick arrives,
//!    the consumer drains at its spare capacity (its capacity minus its synchronous load of the
//!    previous tick); what it drains is part of its load now.
//! 3. **Flows** are solved at the current external rates and breaker states
//!    ([`super::flow::solve`], warm-started from the previous tick).
//! 4. **Breakers** are evaluated on the tick's calls and attempt failures (an open breaker
//!    turns half-open after `openFor`; a half-open breaker judges the callee's failure share
//!    as a trial call would see it). A transition takes effect at the next tick.
//! 5. **CPU**: each ready pod's demand is its share of what is offered to the service, up to
//!    its capacity, × `cpuPerRequest` (millicore-seconds per request) — the CPU the pod would
//!    use with no limit, so the kubelet sees the throttling and contention it causes.
//! 6. **Probes** due in the tick run (every `periodSeconds` from `initialDelaySeconds` after
//!    the container started). A probe fails when the container is not running, when the pod's
//!    median answer time (its queue under its share of the load, times its own slowdown)
//!    exceeds `timeoutSeconds`, or when the pod sheds at least half of what reaches it (a
//!    bounded queue refuses the probe). A pod out of the endpoints gets no traffic and answers
//!    in its base latency. Readiness changes the endpoints at the next tick; a liveness or
//!    startup failure asks the run loop to restart the container.
//!
//! Per-request behaviour departs from this fluid picture where tails matter: a probe sees the
//! median, not a random request; a breaker sees rates, not sequences; per-tick rates hold for
//! the whole tick.

use std::collections::{BTreeMap, BTreeSet};

use super::breaker::{Breaker, BreakerState};
use super::episodes::{Episodes, Transition};
use super::flow::{solve, FlowInput, FlowOutcome, FlowState, ServiceFlow};
use super::graph::{CallMode, ServiceGraph};
use super::probe::{ProbeEffect, ProbeKind, ProbeResult, ProbeSpec, ProbeWorker};
use super::queue::FluidQueue;
use super::sli::{Dist, SliAccumulator};
use super::traffic::TrafficShape;

/// The service tick: simulated time between two steps, ms.
pub const TICK_MS: u64 = 1_000;

/// Largest slowdown a CPU-starved pod is given (a pod with no CPU at all still answers, slowly).
const MAX_SLOWDOWN: f64 = 1_000.0;

/// The probes of a service's pods (those of the workload's first container).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProbeSet {
    /// `readinessProbe`.
    pub readiness: Option<ProbeSpec>,
    /// `livenessProbe`.
    pub liveness: Option<ProbeSpec>,
    /// `startupProbe`.
    pub startup: Option<ProbeSpec>,
}

/// What the runtime needs of one service beyond the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSetup {
    /// The backing workload (index into the run's workloads).
    pub workload: u32,
    /// External traffic.
    pub traffic: TrafficShape,
    /// CPU per request, millicore-seconds (0: the service's CPU does not follow its load).
    pub cpu_per_request: f64,
    /// Probes of its pods.
    pub probes: ProbeSet,
}

/// Every service of a run.
#[derive(Debug, Clone)]
pub struct ServicesSetup {
    /// Services and calls.
    pub graph: ServiceGraph,
    /// Per service (as the graph's).
    pub services: Vec<ServiceSetup>,
    /// Per call, the queue's name (empty for synchronous calls).
    pub queue_names: Vec<String>,
}

/// One candidate endpoint: a Running pod of the service's workload on an up node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Endpoint {
    /// The run loop's key for the pod.
    pub pod: u64,
    /// Its container runs (false while it waits in restart back-off).
    pub alive: bool,
    /// When its container last started, ms.
    pub started_ms: u64,
    /// Most CPU the service's work can get on the pod, millicores (infinite: no cap).
    pub cpu_ceiling: f64,
}

/// What one step decided for one pod.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PodDecision {
    /// Service index.
    pub service: u32,
    /// The pod's key.
    pub pod: u64,
    /// CPU the service's work asks of the pod, millicores.
    pub cpu: i64,
    /// In the endpoints during the tick.
    pub ready: bool,
    /// The probe whose failure requires a container restart now.
    pub restart: Option<ProbeKind>,
}

/// One service's figures at the last step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ServiceStatus {
    /// Flows (offered, served, failed, latencies).
    pub flow: ServiceFlow,
    /// Median latency, seconds.
    pub p50_s: f64,
    /// Ready endpoints.
    pub ready: u32,
    /// Retries/s its callers make on it.
    pub retries: f64,
    /// Breakers on its outgoing calls that are open / half-open.
    pub breakers_open: u32,
    /// Half-open breakers on its outgoing calls.
    pub breakers_half_open: u32,
    /// Messages waiting in the queues it consumes.
    pub queue_backlog: f64,
    /// Age of the oldest of them, seconds.
    pub queue_oldest_s: f64,
}

/// One service's totals over the run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ServiceTotals {
    /// Requests offered (retries and queue deliveries included).
    pub requests: f64,
    /// Requests failed.
    pub failed: f64,
    /// Highest error share of a tick.
    pub peak_error_rate: f64,
    /// Containers restarted by a liveness or startup failure.
    pub probe_restarts: u64,
    /// Times a pod left the endpoints by its readiness probe.
    pub unready: u64,
    /// Largest backlog of the queues it consumes.
    pub peak_backlog: f64,
    /// Longest time from a backlog's peak until its queue was empty again, seconds.
    pub drain_s: f64,
}

impl ServiceTotals {
    /// Successful over offered requests (1 without traffic).
    pub fn availability(&self) -> f64 {
        if self.requests > 0.0 {
            1.0 - self.failed / self.requests
        } else {
            1.0
        }
    }
}

#[derive(Debug, Clone)]
struct PodProbes {
    started_ms: u64,
    startup_done: bool,
    ready: bool,
    workers: [Option<ProbeWorker>; 3],
    next_ms: [u64; 3],
    /// The endpoint as last given.
    ep: Endpoint,
    /// Its slowdown (1: its CPU does not cap it).
    slow: f64,
    /// The step that last processed it (probes run, decision made).
    done_step: u64,
}

impl PodProbes {
    /// In the endpoints: its container runs, started and passes readiness.
    fn is_ready(&self) -> bool {
        self.ep.alive && self.startup_done && self.ready
    }

    /// A step may skip it while its service's answer passes its probes: it is ready at full
    /// speed and every probe's next pass would change nothing.
    fn steady(&self) -> bool {
        self.is_ready()
            && self.slow == 1.0
            && self.workers[1..].iter().flatten().all(ProbeWorker::steady)
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct QueueTrack {
    peak: f64,
    peak_at_ms: u64,
}

/// The services of a run, stepped once per tick.
#[derive(Debug)]
pub struct ServiceRuntime {
    setup: ServicesSetup,
    state: FlowState,
    breakers: Vec<Option<Breaker>>,
    queues: Vec<Option<FluidQueue>>,
    tracks: Vec<QueueTrack>,
    pods: Vec<BTreeMap<u64, PodProbes>>,
    /// Per service, the pods the next step must process (changed, or not steady).
    active: Vec<BTreeSet<u64>>,
    /// Per service, its ready pods.
    n_ready: Vec<u32>,
    /// Per service, its pods slowed by their CPU (slowdown ≠ 1).
    n_slowed: Vec<u32>,
    /// Per service, the CPU each ready pod was given at the last step (None: not yet).
    last_cpu: Vec<Option<i64>>,
    last: FlowOutcome,
    last_queue_load: Vec<f64>,
    /// Per service, whether it has had a ready endpoint yet (overloads are detected from then).
    serving: Vec<bool>,
    steps: u64,
    scratch: Vec<u64>,
    /// What the last step decided, per pod (services in order, pods as given).
    pub decisions: Vec<PodDecision>,
    /// Per service, the last step's figures.
    pub status: Vec<ServiceStatus>,
    /// Per service, totals so far.
    pub totals: Vec<ServiceTotals>,
    /// Breaker transitions of the last step: (call, new state).
    pub breaker_changes: Vec<(usize, BreakerState)>,
    /// Per service, the run-level SLI accumulators (latency percentiles, error windows).
    pub sli: Vec<SliAccumulator>,
    /// Overload and retry-storm detectors, and the last step's transitions (for the
    /// causality log).
    pub episodes: Episodes,
}

impl ServiceRuntime {
    /// A runtime for `setup`, before its first step.
    pub fn new(setup: ServicesSetup) -> ServiceRuntime {
        let g = &setup.graph;
        let n = g.services.len();
        let breakers = g
            .calls
            .iter()
            .map(|c| match c.mode {
                CallMode::Sync { breaker, .. } => breaker.map(Breaker::new),
                CallMode::Queue { .. } => None,
            })
            .collect();
        let queues = g
            .calls
            .iter()
            .map(|c| match c.mode {
                CallMode::Queue { capacity, overflow } => Some(FluidQueue::new(capacity, overflow)),
                CallMode::Sync { .. } => None,
            })
            .collect();
        ServiceRuntime {
            state: FlowState::default(),
            breakers,
            queues,
            tracks: vec![QueueTrack::default(); g.calls.len()],
            pods: vec![BTreeMap::new(); n],
            active: vec![BTreeSet::new(); n],
            n_ready: vec![0; n],
            n_slowed: vec![0; n],
            last_cpu: vec![None; n],
            last: FlowOutcome::default(),
            last_queue_load: vec![0.0; n],
            serving: vec![false; n],
            steps: 0,
            scratch: Vec::new(),
            decisions: Vec::new(),
            status: vec![ServiceStatus::default(); n],
            totals: vec![ServiceTotals::default(); n],
            breaker_changes: Vec::new(),
            sli: vec![SliAccumulator::default(); n],
            episodes: Episodes::new(n, g.calls.len()),
            setup,
        }
    }

    /// The setup it runs.
    pub fn setup(&self) -> &ServicesSetup {
        &self.setup
    }

    /// The last step's flows.
    pub fn flows(&self) -> &FlowOutcome {
        &self.last
    }

    /// Per call, its breaker's state (None: no breaker).
    pub fn breaker_state(&self, call: usize) -> Option<BreakerState> {
        self.breakers[call].map(|b| b.state)
    }

    /// Per call, its queue (None: synchronous).
    pub fn queue(&self, call: usize) -> Option<&FluidQueue> {
        self.queues[call].as_ref()
    }

    /// Service `s`'s endpoint `e` is new or changed (or its pod's kubelet state was touched):
    /// the next step processes it. A new pod, or a new container (`started_ms` changed),
    /// starts its probes over.
    pub fn set_endpoint(&mut self, s: usize, e: Endpoint) {
        let probes = self.setup.services[s].probes;
        let need =
            self.setup.graph.services[s].capacity_per_pod * self.setup.services[s].cpu_per_request;
        let slow = if need > 0.0 && e.cpu_ceiling < need {
            (need / e.cpu_ceiling.max(need / MAX_SLOWDOWN)).min(MAX_SLOWDOWN)
        } else {
            1.0
        };
        let steps = self.steps;
        let p = self.pods[s].entry(e.pod).or_insert_with(|| {
            let mut p = new_pod(&probes, e.started_ms, e);
            p.done_step = steps;
            p.ep.alive = false;
            p.slow = 1.0;
            p
        });
        let (was_ready, was_slow) = (p.is_ready(), p.slow != 1.0);
        if p.started_ms != e.started_ms {
            restart_pod(p, &probes, e.started_ms);
            p.done_step = steps;
        }
        p.ep = e;
        p.slow = slow;
        let (is_ready, is_slow) = (p.is_ready(), p.slow != 1.0);
        adjust(&mut self.n_ready[s], was_ready, is_ready);
        adjust(&mut self.n_slowed[s], was_slow, is_slow);
        self.active[s].insert(e.pod);
    }

    /// Pod `pod` left service `s`'s endpoints.
    pub fn remove_endpoint(&mut self, s: usize, pod: u64) {
        if let Some(p) = self.pods[s].remove(&pod) {
            adjust(&mut self.n_ready[s], p.is_ready(), false);
            adjust(&mut self.n_slowed[s], p.slow != 1.0, false);
        }
        self.active[s].remove(&pod);
    }

    /// Service `s`'s endpoints now (pod keys in order).
    pub fn endpoint_keys(&self, s: usize) -> impl Iterator<Item = u64> + '_ {
        self.pods[s].keys().copied()
    }

    /// One tick at `now_ms`; `endpoints[s]` are service `s`'s candidate pods, all of them
    /// (pods not given leave the endpoints). Every pod is processed. Results are in
    /// [`ServiceRuntime::decisions`], [`ServiceRuntime::status`] and the totals.
    pub fn step(&mut self, now_ms: u64, endpoints: &[Vec<Endpoint>]) {
        let mut gone = Vec::new();
        for (s, eps) in endpoints.iter().enumerate().take(self.pods.len()) {
            gone.clear();
            gone.extend(
                self.pods[s]
                    .keys()
                    .filter(|k| eps.iter().all(|e| e.pod != **k)),
            );
            for &k in &gone {
                self.remove_endpoint(s, k);
            }
            for e in eps {
                self.set_endpoint(s, *e);
            }
        }
        self.advance(now_ms);
    }

    /// One tick at `now_ms` with the endpoints as set ([`ServiceRuntime::set_endpoint`],
    /// [`ServiceRuntime::remove_endpoint`]). Pods are processed (probes, CPU, a decision) when
    /// they changed, are not steady, or their service's CPU per pod or probe verdict for a
    /// steady pod changed; a skipped pod's probes would have passed and changed nothing, so
    /// the result is the same as processing every pod every tick.
    pub fn advance(&mut self, now_ms: u64) {
        self.steps += 1;
        self.episodes.transitions.clear();
        let dt = TICK_MS as f64 / 1000.0;
        let n = self.setup.graph.services.len();
        let m = self.setup.graph.calls.len();
        let mut ready = vec![0.0; n];
        let mut inv_slow = vec![0.0; n];
        for s in 0..n {
            if self.n_slowed[s] > 0 {
                // Summed in key order, as a pass over every pod would.
                for p in self.pods[s].values() {
                    if p.is_ready() {
                        ready[s] += 1.0;
                        inv_slow[s] += 1.0 / p.slow;
                    }
                }
            } else {
                // Σ 1/1 over the ready pods: exact.
                ready[s] = f64::from(self.n_ready[s]);
                inv_slow[s] = ready[s];
            }
        }
        let slowdown: Vec<f64> = (0..n)
            .map(|s| {
                if inv_slow[s] > 0.0 {
                    ready[s] / inv_slow[s]
                } else {
                    1.0
                }
            })
            .collect();
        // Queues: last tick's publications arrive, the consumer drains its spare capacity.
        let mut queue_load = vec![0.0; n];
        let t0 = now_ms.saturating_sub(TICK_MS) as f64 / 1000.0;
        for c in 0..m {
            let Some(q) = self.queues[c].as_mut() else {
                continue;
            };
            let call = self.setup.graph.calls[c];
            let d = call.to;
            let def = &self.setup.graph.services[d];
            let capacity = ready[d] * def.capacity_per_pod / slowdown[d];
            let sync_load = self
                .last
                .services
                .get(d)
                .map_or(0.0, |f| (f.offered - self.last_queue_load[d]).max(0.0));
            let spare = (capacity - sync_load - queue_load[d]).max(0.0);
            let inflow = self.last.calls.get(c).map_or(0.0, |f| f.published);
            let step = q.step(t0, dt, inflow, spare);
            queue_load[d] += step.drained / dt;
            let track = &mut self.tracks[c];
            let backlog = q.backlog();
            if backlog > track.peak {
                track.peak = backlog;
                track.peak_at_ms = now_ms;
            }
            if backlog <= 0.0 && track.peak > 0.0 {
                let drain = (now_ms - track.peak_at_ms) as f64 / 1000.0;
                let tot = &mut self.totals[d];
                tot.drain_s = tot.drain_s.max(drain);
                tot.peak_backlog = tot.peak_backlog.max(track.peak);
                track.peak = 0.0;
            }
        }
        let external = (0..n)
            .map(|s| self.setup.services[s].traffic.rate_at(now_ms))
            .collect();
        let call_passes = self
            .breakers
            .iter()
            .map(|b| b.is_none_or(|b| b.passes_calls()))
            .collect();
        self.last_queue_load.clone_from(&queue_load);
        let input = FlowInput {
            external,
            endpoints: ready.clone(),
            slowdown: slowdown.clone(),
            queue_load,
            call_passes,
        };
        let out = solve(&self.setup.graph, &input, &mut self.state);
        self.evaluate_breakers(now_ms, &out, &input);
        self.decide_pods(now_ms, &out, &ready, &slowdown);
        self.fill_status(now_ms, &out, &ready, dt);
        self.last = out;
    }

    fn evaluate_breakers(&mut self, now_ms: u64, out: &FlowOutcome, input: &FlowInput) {
        self.breaker_changes.clear();
        for c in 0..self.breakers.len() {
            let Some(b) = self.breakers[c].as_mut() else {
                continue;
            };
            let p = if input.call_passes[c] {
                out.calls[c].p_attempt
            } else {
                trial_failure(&self.setup.graph, out, c)
            };
            let was_closed = b.state == BreakerState::Closed;
            if let Some(state) = b.evaluate(now_ms, out.calls[c].calls, p) {
                self.breaker_changes.push((c, state));
                if was_closed && matches!(state, BreakerState::Open { .. }) {
                    self.episodes.transitions.push(Transition::BreakerOpened(c));
                }
            }
        }
    }

    fn decide_pods(&mut self, now_ms: u64, out: &FlowOutcome, ready: &[f64], slowdown: &[f64]) {
        self.decisions.clear();
        let mut keys = std::mem::take(&mut self.scratch);
        for s in 0..self.pods.len() {
            let def = &self.setup.graph.services[s];
            let cost = self.setup.services[s].cpu_per_request;
            let st = out.stations[s];
            let n_ready = ready[s];
            let offered_per_pod = if n_ready > 0.0 {
                out.services[s].offered / n_ready
            } else {
                0.0
            };
            let cpu_ready = (offered_per_pod.min(def.capacity_per_pod) * cost).round() as i64;
            // The answer of a ready pod at full speed, and whether its probes would fail.
            let answer_normal = match st {
                Some(st) if st.shed_fraction() >= 0.5 => f64::INFINITY,
                Some(st) => st.quantile_s(0.5) / slowdown[s],
                None => def.base_latency_s,
            };
            let probes = self.setup.services[s].probes;
            let fails = [probes.liveness, probes.readiness]
                .iter()
                .flatten()
                .any(|w| {
                    let timeout = w.timeout_ms as f64 / 1000.0;
                    !matches!(
                        answer_normal.partial_cmp(&timeout),
                        Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                    )
                });
            let full = fails || self.last_cpu[s] != Some(cpu_ready);
            self.last_cpu[s] = Some(cpu_ready);
            let active = std::mem::take(&mut self.active[s]);
            keys.clear();
            if full {
                keys.extend(self.pods[s].keys().copied());
            } else {
                keys.extend(active.iter().copied());
            }
            let mut still = active;
            still.clear();
            for &key in &keys {
                let Some(p) = self.pods[s].get_mut(&key) else {
                    continue;
                };
                let is_ready = p.is_ready();
                let slow = p.slow;
                let cpu = if is_ready { cpu_ready } else { 0 };
                // The pod's median answer time: the service's queue scaled by its own speed.
                let answer_s = match (is_ready, st) {
                    (true, Some(st)) if st.shed_fraction() >= 0.5 => f64::INFINITY,
                    (true, Some(st)) => st.quantile_s(0.5) * slow / slowdown[s],
                    _ => def.base_latency_s * slow,
                };
                if p.done_step + 1 < self.steps {
                    skip_passed_probes(p, now_ms);
                }
                p.done_step = self.steps;
                let restart = run_probes(p, now_ms, p.ep.alive, answer_s);
                if restart.is_some() {
                    self.totals[s].probe_restarts += 1;
                }
                if is_ready && !p.ready {
                    self.totals[s].unready += 1;
                }
                let now_ready = p.is_ready();
                adjust(&mut self.n_ready[s], is_ready, now_ready);
                // A pod whose readiness just changed gets another CPU decision next tick.
                if !p.steady() || now_ready != is_ready {
                    still.insert(key);
                }
                self.decisions.push(PodDecision {
                    service: s as u32,
                    pod: key,
                    cpu,
                    ready: is_ready,
                    restart,
                });
            }
            self.active[s] = still;
        }
        self.scratch = keys;
    }

    fn fill_status(&mut self, now_ms: u64, out: &FlowOutcome, ready: &[f64], dt: f64) {
        let g = &self.setup.graph;
        for (s, &n_ready) in ready.iter().enumerate().take(g.services.len()) {
            let f = out.services[s];
            let st = out.stations[s];
            let own_mean = st.map_or(0.0, |x| x.mean_latency_s());
            let own_p50 = st.map_or(0.0, |x| x.quantile_s(0.5));
            let down = if own_mean.is_finite() {
                (f.mean_latency_s - own_mean).max(0.0)
            } else {
                0.0
            };
            let mut status = ServiceStatus {
                flow: f,
                p50_s: own_p50 + down,
                ready: n_ready as u32,
                ..ServiceStatus::default()
            };
            for &c in &g.calls_to[s] {
                let cf = out.calls[c];
                status.retries += (cf.attempts - cf.calls).max(0.0);
                if let Some(q) = &self.queues[c] {
                    status.queue_backlog += q.backlog();
                    status.queue_oldest_s = status
                        .queue_oldest_s
                        .max(q.oldest_age_s(now_ms as f64 / 1000.0));
                }
            }
            for &c in &g.calls_from[s] {
                match self.breakers[c].map(|b| b.state) {
                    Some(BreakerState::Open { .. }) => status.breakers_open += 1,
                    Some(BreakerState::HalfOpen) => status.breakers_half_open += 1,
                    _ => {}
                }
            }
            self.status[s] = status;
            let dist = st.as_ref().and_then(Dist::of);
            self.sli[s].record(dist, down, f.served * dt, f.offered * dt, f.failed * dt);
            let tot = &mut self.totals[s];
            tot.requests += f.offered * dt;
            tot.failed += f.failed * dt;
            if f.offered > 0.0 {
                tot.peak_error_rate = tot.peak_error_rate.max(f.failed / f.offered);
            }
            tot.peak_backlog = tot.peak_backlog.max(status.queue_backlog);
            // A service is judged once it has had a ready endpoint (not while its pods start).
            self.serving[s] |= n_ready > 0.0;
            if self.serving[s] {
                self.episodes.service_tick(s, now_ms, f.offered, f.failed);
            }
        }
        for (c, call) in g.calls.iter().enumerate() {
            if call.is_sync() {
                let cf = out.calls[c];
                self.episodes.call_tick(c, now_ms, cf.calls, cf.attempts);
            }
        }
    }
}

/// The failure share a trial call on `c` would see at its callee now.
fn trial_failure(g: &ServiceGraph, out: &FlowOutcome, c: usize) -> f64 {
    let call = g.calls[c];
    let d = call.to;
    let CallMode::Sync { timeout_s, .. } = call.mode else {
        return 0.0;
    };
    let Some(st) = out.stations[d] else {
        return 1.0;
    };
    if st.capacity <= 0.0 {
        return 1.0;
    }
    let f = out.services[d];
    let fail = if f.offered > 0.0 {
        f.failed / f.offered
    } else {
        0.0
    };
    let down = (f.mean_latency_s - st.mean_latency_s()).max(0.0);
    let down = if down.is_finite() { down } else { 0.0 };
    1.0 - (1.0 - fail) * (1.0 - st.p_slower_than(timeout_s - down))
}

/// Adds or removes one from `count` as `on` turned from `was`.
fn adjust(count: &mut u32, was: bool, on: bool) {
    match (was, on) {
        (false, true) => *count += 1,
        (true, false) => *count -= 1,
        _ => {}
    }
}

/// A pod skipped since its last processing step: the probes due in the skipped ticks passed
/// and changed nothing (it was steady), so their schedule moves on as those ticks would have
/// moved it (to the first time after the previous tick).
fn skip_passed_probes(p: &mut PodProbes, now_ms: u64) {
    let Some(prev) = now_ms.checked_sub(TICK_MS) else {
        return;
    };
    for (w, next) in p.workers.iter().zip(p.next_ms.iter_mut()) {
        let Some(w) = w else { continue };
        let period = w.spec.period_ms.max(1);
        if *next <= prev {
            *next += ((prev - *next) / period + 1) * period;
        }
    }
}

fn new_pod(probes: &ProbeSet, started_ms: u64, ep: Endpoint) -> PodProbes {
    let mut p = PodProbes {
        started_ms,
        startup_done: true,
        ready: true,
        workers: [
            probes
                .startup
                .map(|s| ProbeWorker::new(ProbeKind::Startup, s)),
            probes
                .liveness
                .map(|s| ProbeWorker::new(ProbeKind::Liveness, s)),
            probes
                .readiness
                .map(|s| ProbeWorker::new(ProbeKind::Readiness, s)),
        ],
        next_ms: [0; 3],
        ep,
        slow: 1.0,
        done_step: 0,
    };
    restart_pod(&mut p, probes, started_ms);
    p
}

/// A new container of the pod started at `started_ms`: probes start over.
fn restart_pod(p: &mut PodProbes, probes: &ProbeSet, started_ms: u64) {
    p.started_ms = started_ms;
    p.startup_done = probes.startup.is_none();
    p.ready = probes.readiness.is_none();
    for (k, w) in p.workers.iter_mut().enumerate() {
        if let Some(w) = w {
            w.container_started();
            p.next_ms[k] = started_ms + w.spec.initial_delay_ms;
        }
    }
}

/// Runs the probes of `p` due by `now_ms` (startup first); returns the probe that requires a
/// restart, if any.
fn run_probes(p: &mut PodProbes, now_ms: u64, alive: bool, answer_s: f64) -> Option<ProbeKind> {
    let mut restart = None;
    for k in 0..3 {
        let Some(w) = p.workers[k].as_mut() else {
            continue;
        };
        if p.next_ms[k] > now_ms {
            continue;
        }
        while p.next_ms[k] <= now_ms {
            p.next_ms[k] += w.spec.period_ms.max(1);
        }
        let passed = alive && answer_s <= w.spec.timeout_ms as f64 / 1000.0;
        let since = now_ms.saturating_sub(p.started_ms);
        match w.probe(since, p.startup_done, passed) {
            Some(ProbeEffect::Started) => p.startup_done = true,
            Some(ProbeEffect::Ready) => p.ready = true,
            Some(ProbeEffect::NotReady) => p.ready = false,
            Some(ProbeEffect::Restart) => {
                restart.get_or_insert(w.kind);
            }
            None => {}
        }
        if k == 2 {
            p.ready = w.result == ProbeResult::Success;
        }
    }
    restart
}

#[cfg(test)]
#[path = "runtime_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "runtime_props.rs"]
mod props;
