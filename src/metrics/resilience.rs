//! What the recorder keeps about failures: the causality log, workload availability, node
//! health counts for the time series, and the end-of-run tables (`cascades.csv`,
//! `effects.csv`, `workloads.csv`, `workload_availability.csv`, `faults.csv`).
//!
//! The simulation core decides *when* a pod becomes ready or not (it knows node health and
//! terminating pods) and calls the hooks here; everything is O(1) per call.

use std::collections::BTreeMap;

use serde::Serialize;

use super::availability::{Availability, WorkloadAvailability};
use super::cascade::{build_cascades, cascade_rows, Cascade, CascadeRow, EffectKind, EffectRecord};
use super::effects::{EffectLog, EffectTarget};
use crate::engine::SimTime;

/// Levels and per-interval counts of failures in one time-series row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResilienceSample {
    /// Nodes that are down (crashed, partitioned, kubelet stopped, failed from overload).
    pub nodes_not_ready: u64,
    /// Nodes the node lifecycle controller has marked Unknown.
    pub nodes_unknown: u64,
    /// Nodes cordoned (`spec.unschedulable`).
    pub nodes_cordoned: u64,
    /// Pending pods that failed at least one scheduling cycle.
    pub pods_unschedulable: u64,
    /// Pods deleted on an unreachable node, waiting for the node to confirm.
    pub pods_terminating: u64,
    /// Pods that lost their node in the interval (taint eviction of a down node's pods).
    pub pods_displaced: u64,
    /// Pods evicted through the eviction API (drains) in the interval.
    pub pods_drained: u64,
}

/// One fault window for `faults.csv` (report shading).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultWindow {
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms (None: until the end of the run).
    pub end_ms: Option<u64>,
    /// Fault kind as written in the scenario (`zoneOutage`, ...).
    pub kind: String,
    /// Fault name (and the node, for single-node steps of random faults).
    pub target: String,
}

/// One `workloads.csv` row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkloadRow {
    /// Workload name.
    pub workload: String,
    /// Kind.
    pub kind: String,
    /// Desired pods at the end.
    pub desired: u64,
    /// Time-weighted mean ready/desired (empty for Jobs).
    pub availability: Option<f64>,
    /// Lowest ready/desired over the run.
    pub min_availability: Option<f64>,
    /// Minutes with fewer ready pods than desired.
    pub minutes_below_desired: f64,
    /// CPU requested by the workload's running pods at the end, millicores.
    pub cpu_requested_m: i64,
    /// CPU used at the end, millicores (usage model only; filled from `used`).
    pub cpu_used_m: Option<i64>,
    /// Memory requested at the end, bytes.
    pub mem_requested_bytes: i64,
    /// Memory used at the end, bytes (usage model only; filled from `used`).
    pub mem_used_bytes: Option<i64>,
    /// ∫ CPU requests of the workload's Running pods dt, millicore·ms.
    pub cpu_requested_mcms: u128,
    /// Highest CPU requested by its Running pods at once, millicores.
    pub cpu_requested_peak_m: i64,
    /// ∫ memory requests of its Running pods dt, byte·ms.
    pub mem_requested_byte_ms: u128,
    /// Highest memory requested by its Running pods at once, bytes.
    pub mem_requested_peak_bytes: i64,
    /// What its pods used (usage model only).
    pub used: Option<WorkloadUsed>,
}

/// What a workload's pods used over the run, from the usage model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WorkloadUsed {
    /// CPU the pods got at the end, millicores.
    pub cpu_m: i64,
    /// Memory working set at the end, bytes.
    pub mem_bytes: i64,
    /// ∫ CPU the pods got dt (demand capped at limits, less their share of node
    /// contention), millicore·ms.
    pub cpu_mcms: u128,
    /// Highest CPU the pods got at once, millicores.
    pub cpu_peak_m: i64,
    /// ∫ memory working set dt, byte·ms.
    pub mem_byte_ms: u128,
    /// Highest memory working set at once, bytes.
    pub mem_peak_bytes: i64,
    /// ∫ CPU demand above the containers' limits dt (throttled), millicore·ms.
    pub cpu_throttled_mcms: u128,
    /// ∫ CPU demand the pods did not get because their node's CPU was exhausted (their CFS
    /// share of the node's contention) dt, millicore·ms.
    pub cpu_contended_mcms: u128,
}

impl WorkloadRow {
    /// Fills the used columns from the usage model.
    pub fn set_used(&mut self, u: WorkloadUsed) {
        self.cpu_used_m = Some(u.cpu_m);
        self.mem_used_bytes = Some(u.mem_bytes);
        self.used = Some(u);
    }
}

/// `summary.json` key `resilience`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResilienceSummary {
    /// Fault windows in the plan.
    pub faults: u64,
    /// Distinct nodes that went down (faults and overload failures).
    pub nodes_failed: u64,
    /// Overload-induced node failures.
    pub overload_failures: u64,
    /// Present (true) only when overload failure (`nodeLifecycle.overloadFailure`, not
    /// upstream behaviour) was on in this run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub overload_failure_enabled: bool,
    /// Pods that lost their node (taint eviction of a down node's pods).
    pub pods_displaced: u64,
    /// Pods evicted by drains.
    pub pods_drained: u64,
    /// Rows of `cascades.csv`.
    pub cascades: u64,
    /// Largest cascade depth (0 without cascades).
    pub max_cascade_depth: u32,
    /// Longest time to recovery among recovered cascades, s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_time_to_recover_s: Option<f64>,
    /// Cascades not recovered by the end of the run.
    pub cascades_not_recovered: u64,
    /// The workload with the lowest availability, and that availability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_workload: Option<String>,
    /// Its availability (time-weighted mean of ready/desired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_availability: Option<f64>,
}

/// One overload episode of a service (see `services::episodes`), for `cascades.csv`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ServiceEpisode {
    /// Its `service_overload` effect id.
    pub effect: u64,
    /// The service.
    pub service: u32,
    /// When it fell back below the overload threshold for good, ms (None: overloaded at the
    /// end of the run).
    pub end_ms: Option<u64>,
    /// Highest error share of a tick during the episode.
    pub peak_error_rate: f64,
}

/// Everything about failures a run produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResilienceResult {
    /// The causality log (`effects.csv`).
    pub effects: Vec<EffectRecord>,
    /// One row per cascade worth reporting (`cascades.csv`).
    pub cascades: Vec<CascadeRow>,
    /// One row per workload (`workloads.csv`).
    pub workloads: Vec<WorkloadRow>,
    /// Names of the tracked workloads, in `availability` column order.
    pub availability_workloads: Vec<String>,
    /// Per sample: time, then `(ready, desired)` per tracked workload.
    pub availability: Vec<(u64, Vec<(u64, u64)>)>,
    /// Fault windows (`faults.csv`).
    pub faults: Vec<FaultWindow>,
    /// Pods evicted by drains.
    pub drained: u64,
    /// Whether overload failure (not upstream behaviour) was on.
    pub overload_failure_enabled: bool,
    /// Whether the scenario has services (`cascades.csv`'s service columns).
    pub services: bool,
}

impl ResilienceResult {
    /// The summary figures.
    pub fn summary(&self) -> ResilienceSummary {
        let count = |k: EffectKind| self.effects.iter().filter(|e| e.kind == k).count() as u64;
        let recover: Vec<f64> = self
            .cascades
            .iter()
            .filter_map(|c| c.time_to_recovery_s.parse::<f64>().ok())
            .collect();
        let worst = self
            .workloads
            .iter()
            .filter_map(|w| w.availability.map(|a| (a, &w.workload)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        ResilienceSummary {
            faults: self.faults.len() as u64,
            nodes_failed: super::cascade::nodes_failed(&self.effects),
            overload_failures: count(EffectKind::OverloadFailure),
            overload_failure_enabled: self.overload_failure_enabled,
            pods_displaced: count(EffectKind::PodDisplaced),
            pods_drained: self.drained,
            cascades: self.cascades.len() as u64,
            max_cascade_depth: self.cascades.iter().map(|c| c.depth).max().unwrap_or(0),
            max_time_to_recover_s: recover.iter().copied().reduce(f64::max),
            cascades_not_recovered: (self.cascades.len() - recover.len()) as u64,
            worst_workload: worst.map(|w| w.1.clone()),
            worst_availability: worst.map(|w| w.0),
        }
    }
}

/// The recorder's failure state.
#[derive(Clone, Debug, Default)]
pub struct Resilience {
    /// Causality log.
    pub effects: EffectLog,
    /// Workload availability and healthy periods.
    pub avail: Availability,
    nodes_unknown: u64,
    nodes_cordoned: u64,
    pods_unschedulable: u64,
    pods_terminating: u64,
    interval_displaced: u64,
    interval_drained: u64,
    displaced_total: u64,
    drained_total: u64,
    /// Whether overload failure (not upstream behaviour) is on in this run.
    pub overload_failure_enabled: bool,
    /// Overload episodes of services (given by the service layer before the end of the run).
    pub service_episodes: Vec<ServiceEpisode>,
    availability_rows: Vec<(u64, Vec<(u64, u64)>)>,
}

impl Resilience {
    /// State for workloads whose availability is tracked where `tracked[i]` and counts for
    /// the cluster's healthy state where `health[i]`.
    pub fn new(tracked: &[bool], health: &[bool]) -> Self {
        Resilience {
            avail: Availability::new(tracked, health),
            ..Resilience::default()
        }
    }

    /// Records an effect; see [`EffectLog::record`].
    pub fn effect(
        &mut self,
        kind: EffectKind,
        parent: u64,
        target: EffectTarget,
        now: SimTime,
    ) -> u64 {
        if kind == EffectKind::PodDisplaced {
            self.interval_displaced += 1;
            self.displaced_total += 1;
        }
        self.effects.record(kind, parent, target, now)
    }

    /// A pod was evicted through the eviction API (drain).
    pub fn pod_drained(&mut self) {
        self.interval_drained += 1;
        self.drained_total += 1;
    }

    /// The controller marked a node Unknown (`true`) or Ready again.
    pub fn node_unknown(&mut self, unknown: bool) {
        if unknown {
            self.nodes_unknown += 1;
        } else {
            self.nodes_unknown -= 1;
        }
    }

    /// A node was cordoned (`true`) or uncordoned.
    pub fn node_cordoned(&mut self, cordoned: bool) {
        if cordoned {
            self.nodes_cordoned += 1;
        } else {
            self.nodes_cordoned -= 1;
        }
    }

    /// A Pending pod failed its first scheduling cycle (`true`), or such a pod left Pending.
    pub fn unschedulable(&mut self, entered: bool) {
        if entered {
            self.pods_unschedulable += 1;
        } else {
            self.pods_unschedulable -= 1;
        }
    }

    /// A pod started (`true`) or finished terminating on an unreachable node.
    pub fn terminating(&mut self, started: bool) {
        if started {
            self.pods_terminating += 1;
        } else {
            self.pods_terminating -= 1;
        }
    }

    /// Pods displaced so far.
    pub fn displaced_total(&self) -> u64 {
        self.displaced_total
    }

    /// Pods evicted by drains so far.
    pub fn drained_total(&self) -> u64 {
        self.drained_total
    }

    /// The time-series part of a sample at `now` (starts a new interval), and the workload
    /// availability row.
    pub fn sample(&mut self, now: SimTime, nodes: u64, nodes_ready: u64) -> ResilienceSample {
        let s = ResilienceSample {
            nodes_not_ready: nodes - nodes_ready,
            nodes_unknown: self.nodes_unknown,
            nodes_cordoned: self.nodes_cordoned,
            pods_unschedulable: self.pods_unschedulable,
            pods_terminating: self.pods_terminating,
            pods_displaced: self.interval_displaced,
            pods_drained: self.interval_drained,
        };
        self.interval_displaced = 0;
        self.interval_drained = 0;
        let tracked = (0..self.workload_count())
            .filter(|&w| self.avail.tracked(w))
            .map(|w| (self.avail.ready(w), self.avail.desired(w)))
            .collect();
        self.availability_rows.push((now.as_millis(), tracked));
        s
    }

    fn workload_count(&self) -> usize {
        self.avail.workload_count()
    }

    /// Ends the run: the cascades (roots that are faults, overload failures or service
    /// overloads, and any other root with consequences), each with its time to recovery, and
    /// per-workload availability.
    ///
    /// A cascade recovers when every workload is healthy again after its last effect and,
    /// if it overloaded services, once every one of those overloads has ended (the later of
    /// the two); its peak service error rate is the highest error share of its overloads.
    pub fn finish(
        mut self,
        end: SimTime,
        name: impl Fn(EffectTarget) -> String,
    ) -> (ResilienceResult, Vec<WorkloadAvailability>) {
        let per_workload = self.avail.finish(end);
        let effects = self.effects.records(name);
        let cascades: Vec<_> = build_cascades(&effects)
            .into_iter()
            .filter(|c| {
                let kind = c.root.as_ref().map(|r| r.kind);
                match kind {
                    Some(
                        EffectKind::Fault
                        | EffectKind::OverloadFailure
                        | EffectKind::ServiceOverload,
                    ) => true,
                    // A scale-down is routine unless its moved pods caused more than moves.
                    Some(EffectKind::ScaleDown) => c.effects.iter().any(|e| {
                        !matches!(
                            e.kind,
                            EffectKind::PodDisplaced | EffectKind::PodRescheduled
                        )
                    }),
                    _ => !c.effects.is_empty(),
                }
            })
            .collect();
        let avail = &self.avail;
        let reach = service_reach(&cascades, &self.service_episodes);
        let mut rows = cascade_rows(&cascades, |c| {
            let last = c
                .effects
                .iter()
                .map(|e| e.time_ms)
                .chain(c.root.as_ref().map(|r| r.time_ms))
                .max()
                .unwrap_or(0);
            let healthy = avail.healthy_from(last)?;
            let eps = reach.get(&c.root_id).map_or(&[][..], Vec::as_slice);
            eps.iter().try_fold(healthy, |t, e| Some(t.max(e.end_ms?)))
        });
        for row in &mut rows {
            let Some(eps) = reach.get(&row.root_id) else {
                continue;
            };
            let mut services: Vec<u32> = eps.iter().map(|e| e.service).collect();
            services.sort_unstable();
            services.dedup();
            row.services_reached = services.len() as u64;
            row.peak_service_error_rate = eps.iter().map(|e| e.peak_error_rate).reduce(f64::max);
        }
        let result = ResilienceResult {
            effects,
            cascades: rows,
            workloads: Vec::new(),
            availability_workloads: Vec::new(),
            availability: std::mem::take(&mut self.availability_rows),
            faults: Vec::new(),
            drained: self.drained_total,
            overload_failure_enabled: self.overload_failure_enabled,
            services: false,
        };
        (result, per_workload)
    }
}

/// Per cascade that overloaded services (by root id), its overload episodes: those whose
/// effect is its root or one of its effects.
fn service_reach(
    cascades: &[Cascade],
    episodes: &[ServiceEpisode],
) -> BTreeMap<u64, Vec<ServiceEpisode>> {
    if episodes.is_empty() {
        return BTreeMap::new();
    }
    let by_effect: BTreeMap<u64, usize> = episodes
        .iter()
        .enumerate()
        .map(|(i, e)| (e.effect, i))
        .collect();
    cascades
        .iter()
        .filter_map(|c| {
            let eps: Vec<ServiceEpisode> = std::iter::once(c.root_id)
                .chain(c.effects.iter().map(|e| e.id))
                .filter_map(|id| by_effect.get(&id).map(|&i| episodes[i]))
                .collect();
            (!eps.is_empty()).then_some((c.root_id, eps))
        })
        .collect()
}
