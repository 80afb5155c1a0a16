//! Bounds on the work a scenario implies, so that a file that validates cannot exhaust the
//! memory of the run: time-series samples, per-workload samples, node samples, the pods the
//! workloads create (replicas plus the expected Job arrivals) and the node outages the random
//! and correlated faults are expected to cause. Each figure is computed from the file before
//! anything runs and refused, with the figure, beyond its limit.
//!
//! | figure | computed as | limit |
//! |---|---|---|
//! | time-series samples | `duration / metricsInterval + 1` | [`MAX_SERIES_SAMPLES`] |
//! | workload samples | time-series samples × workloads | [`MAX_WORKLOAD_SAMPLES`] |
//! | node samples | peak nodes × `(duration / max(nodeSampleInterval, metricsInterval) + 1)` | [`MAX_NODE_SAMPLES`] |
//! | pods | replicas + expected Job arrivals within the run | [`MAX_PODS`] |
//! | fault outages | random: nodes × span / mtbf; correlated: rate × span × nodes of the largest domain × fraction | [`MAX_FAULT_OUTAGES`] |
//!
//! Peak nodes are the initial nodes plus what the autoscaler's node groups may add (capped by
//! `maxNodesTotal`) plus the largest upgrade surge; they may not exceed
//! [`super::MAX_NODES`] either.

use std::collections::BTreeMap;

use super::{index, key, Checker, MAX_NODES, MAX_REPLICAS};
use crate::scenario::types::faults::{FailureScope, FaultKind};
use crate::scenario::types::workload::{Arrivals, WorkloadKind};
use crate::scenario::types::{ScenarioFile, DEFAULT_NODE_SAMPLE_INTERVAL};

/// Most time-series samples (rows of `timeseries.csv`) a run may take.
pub const MAX_SERIES_SAMPLES: u64 = 1_000_000;
/// Most workload availability samples (time-series samples × workloads).
pub const MAX_WORKLOAD_SAMPLES: u64 = 20_000_000;
/// Most node samples (rows of `node_samples.csv`; 4 bytes each in memory).
pub const MAX_NODE_SAMPLES: u64 = 100_000_000;
/// Most pods the workloads may create: replicas plus the expected Job arrivals.
pub const MAX_PODS: u64 = 10_000_000;
/// Most node outages random and correlated faults may be expected to cause.
pub const MAX_FAULT_OUTAGES: u64 = 1_000_000;

/// `n` with thousands separators: `7200001` → `7,200,001`.
pub(super) fn thousands(n: f64) -> String {
    if !n.is_finite() || n >= 1e18 {
        return format!("{n:.3e}");
    }
    let digits = (n.max(0.0).round() as u64).to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub(super) fn check(c: &mut Checker, s: &ScenarioFile) {
    let sim = &s.simulation;
    let duration = sim.duration.as_millis();
    let every = sim.metrics_interval.as_millis();
    if duration == 0 || every == 0 {
        return; // reported by check_simulation
    }
    let samples = duration / every + 1;
    if samples > MAX_SERIES_SAMPLES {
        c.error(
            "simulation.metricsInterval",
            format!(
                "{} over {} is {} time-series samples, more than the supported {}; use a \
                 longer metricsInterval or a shorter duration",
                sim.metrics_interval,
                sim.duration,
                thousands(samples as f64),
                thousands(MAX_SERIES_SAMPLES as f64)
            ),
        );
    } else {
        let workload_samples = samples.saturating_mul(s.workloads.len() as u64);
        if workload_samples > MAX_WORKLOAD_SAMPLES {
            c.error(
                "simulation.metricsInterval",
                format!(
                    "{} time-series samples × {} workloads is {} workload samples, more than \
                     the supported {}; use a longer metricsInterval or a shorter duration",
                    thousands(samples as f64),
                    s.workloads.len(),
                    thousands(workload_samples as f64),
                    thousands(MAX_WORKLOAD_SAMPLES as f64)
                ),
            );
        }
    }

    let peak = peak_nodes(c, s);
    let node_every = sim
        .node_sample_interval
        .unwrap_or(DEFAULT_NODE_SAMPLE_INTERVAL)
        .as_millis();
    if node_every > 0 {
        let node_samples = (duration / node_every.max(every) + 1) as f64 * peak as f64;
        if node_samples > MAX_NODE_SAMPLES as f64 {
            c.error(
                "simulation.nodeSampleInterval",
                format!(
                    "{} nodes sampled every {} over {} is {} node samples, more than the \
                     supported {}; use a longer nodeSampleInterval (0 turns node samples off)",
                    thousands(peak as f64),
                    sim.node_sample_interval
                        .unwrap_or(DEFAULT_NODE_SAMPLE_INTERVAL)
                        .max(sim.metrics_interval),
                    sim.duration,
                    thousands(node_samples),
                    thousands(MAX_NODE_SAMPLES as f64)
                ),
            );
        }
    }
    pods(c, s, duration);
    outages(c, s, duration);
}

/// The most nodes the run may hold at once; refuses more than [`MAX_NODES`].
fn peak_nodes(c: &mut Checker, s: &ScenarioFile) -> u64 {
    let initial = s.cluster.node_count();
    let mut peak = initial;
    if let Some(a) = &s.autoscaler {
        let growth: u64 = a
            .node_groups
            .iter()
            .filter_map(|g| {
                let pool = s.cluster.node_pools.iter().find(|p| p.name == g.pool)?;
                Some(u64::from(g.max_size).saturating_sub(u64::from(pool.count)))
            })
            .sum();
        let mut grown = initial + growth;
        if a.max_nodes_total > 0 {
            grown = grown.min(u64::from(a.max_nodes_total).max(initial));
        }
        if grown > MAX_NODES && initial <= MAX_NODES {
            c.error(
                "autoscaler.nodeGroups",
                format!(
                    "the node groups may grow the cluster to {} nodes, more than the supported \
                     {}; lower their maxSize or set autoscaler.maxNodesTotal",
                    thousands(grown as f64),
                    thousands(MAX_NODES as f64)
                ),
            );
        }
        peak = grown;
    }
    let mut surge_max = 0u64;
    for (i, f) in s.faults.iter().enumerate() {
        let surge = u64::from(f.surge.unwrap_or(0));
        if f.kind == FaultKind::UpgradeWave && surge > 0 && peak + surge > MAX_NODES {
            c.error(
                key(&index("faults", i), "surge"),
                format!(
                    "{} surge nodes on top of {} would be more than the supported {} nodes",
                    thousands(surge as f64),
                    thousands(peak as f64),
                    thousands(MAX_NODES as f64)
                ),
            );
        }
        surge_max = surge_max.max(surge);
    }
    peak.saturating_add(surge_max)
}

/// Replicas plus the expected Job arrivals within the run.
fn pods(c: &mut Checker, s: &ScenarioFile, duration: u64) {
    let end = duration as f64;
    let per_workload: Vec<f64> = s
        .workloads
        .iter()
        .map(|w| match w.kind {
            WorkloadKind::Deployment | WorkloadKind::StatefulSet => {
                f64::from(w.replicas.unwrap_or(0))
            }
            WorkloadKind::Pod => 1.0,
            WorkloadKind::DaemonSet => 0.0, // at most one per node, bounded by the nodes
            WorkloadKind::Job if w.trace.is_some() => {
                w.trace.as_ref().map_or(0.0, |t| t.len() as f64)
            }
            WorkloadKind::Job => match &w.arrivals {
                None => 1.0,
                Some(Arrivals::At(times)) => times.len() as f64,
                Some(Arrivals::Periodic {
                    count,
                    interval,
                    start,
                }) => {
                    let start = start.as_millis() as f64;
                    if start >= end {
                        0.0
                    } else if interval.is_zero() {
                        f64::from(*count)
                    } else {
                        let fit = ((end - start) / interval.as_millis() as f64).floor() + 1.0;
                        fit.min(f64::from(*count))
                    }
                }
                Some(Arrivals::Poisson { rate, start, until }) => {
                    let stop = until.map_or(end, |u| (u.as_millis() as f64).min(end));
                    let span_ms = (stop - start.as_millis() as f64).max(0.0);
                    rate.as_per_millisecond() * span_ms
                }
            },
        })
        .collect();
    let total: f64 = per_workload.iter().sum();
    // A workload beyond its own cap (replicas, count) is reported there already.
    let capped = s.workloads.iter().any(|w| {
        w.replicas.is_some_and(|n| n > MAX_REPLICAS)
            || matches!(w.arrivals, Some(Arrivals::Periodic { count, .. }) if count > MAX_REPLICAS)
    });
    if total > MAX_PODS as f64 && !capped {
        let (worst, most) = largest(&per_workload);
        c.error(
            "workloads",
            format!(
                "the workloads create about {} pods over the run (replicas plus expected Job \
                 arrivals), more than the supported {}; most come from workloads[{worst}] \
                 ({:?}: {})",
                thousands(total),
                thousands(MAX_PODS as f64),
                s.workloads[worst].name,
                thousands(most)
            ),
        );
    }
}

/// Expected node outages of random and correlated faults.
fn outages(c: &mut Checker, s: &ScenarioFile, duration: u64) {
    let end = duration as f64;
    let per_fault: Vec<f64> = s
        .faults
        .iter()
        .map(|f| {
            let span_ms = (end - f.at.map_or(0.0, |a| a.as_millis() as f64)).max(0.0);
            match f.kind {
                FaultKind::Random => {
                    let nodes = match &f.pool {
                        Some(pool) => s
                            .cluster
                            .node_pools
                            .iter()
                            .find(|p| &p.name == pool)
                            .map_or(0, |p| u64::from(p.count)),
                        None => s.cluster.node_count(),
                    };
                    let mtbf = f
                        .mtbf
                        .as_ref()
                        .map_or(0, |d| super::faults::typical(d).as_millis());
                    if mtbf == 0 {
                        0.0
                    } else {
                        nodes as f64 * span_ms / mtbf as f64
                    }
                }
                FaultKind::Correlated => {
                    let domain = largest_domain(s, f.scope) as f64;
                    let hit = (domain * f.fraction.unwrap_or(1.0).clamp(0.0, 1.0)).ceil();
                    let events = f.rate.map_or(0.0, |r| r.as_per_millisecond() * span_ms);
                    events * hit
                }
                _ => 0.0,
            }
        })
        .collect();
    let total: f64 = per_fault.iter().sum();
    if total > MAX_FAULT_OUTAGES as f64 {
        let (worst, most) = largest(&per_fault);
        c.error(
            "faults",
            format!(
                "the random and correlated faults are expected to take nodes down about {} \
                 times over the run, more than the supported {}; most from faults[{worst}] \
                 ({:?}: {}); use a longer mtbf or a lower rate",
                thousands(total),
                thousands(MAX_FAULT_OUTAGES as f64),
                s.faults[worst].name,
                thousands(most)
            ),
        );
    }
}

/// Index and value of the largest entry (the first of equals).
fn largest(values: &[f64]) -> (usize, f64) {
    values.iter().copied().enumerate().fold(
        (0, f64::MIN),
        |best, (i, v)| if v > best.1 { (i, v) } else { best },
    )
}

/// Nodes of the largest zone or rack (0 without a scope).
fn largest_domain(s: &ScenarioFile, scope: Option<FailureScope>) -> u64 {
    let cluster = &s.cluster;
    let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
    for pool in &cluster.node_pools {
        let zones = pool.effective_zones(&cluster.zones);
        if zones.is_empty() {
            continue;
        }
        let n = zones.len() as u64;
        for (zi, zone) in zones.iter().enumerate() {
            let in_zone =
                u64::from(pool.count) / n + u64::from((zi as u64) < u64::from(pool.count) % n);
            match scope {
                Some(FailureScope::Zone) => *sizes.entry(zone.clone()).or_default() += in_zone,
                Some(FailureScope::Rack) => {
                    if let Some(per) = pool.racks_per_zone.filter(|r| *r > 0) {
                        let per = u64::from(per);
                        *sizes.entry(format!("{zone}-r0")).or_default() += in_zone.div_ceil(per);
                    }
                }
                None => {}
            }
        }
    }
    for node in &cluster.nodes {
        let domain = match scope {
            Some(FailureScope::Zone) => node.zone.clone(),
            Some(FailureScope::Rack) => node.rack.clone(),
            None => None,
        };
        if let Some(d) = domain {
            *sizes.entry(d).or_default() += 1;
        }
    }
    sizes.values().copied().max().unwrap_or(0)
}
