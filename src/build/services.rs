//! `services:` → the service layer's setup: the graph (petgraph), traffic shapes, CPU per
//! request, and the probes of each backing workload's first container, with upstream's
//! defaults (period 10 s, timeout 1 s, thresholds 1 and 3) and the documented defaults of
//! calls (timeout 1 s, back-off 25 ms doubling to 250 ms, breaker 50 % over 20 calls, open 30 s,
//! 3 half-open trials).

use crate::scenario::types::services::{CallSpec, Probe, QueueOverflow, ServiceSpec, Traffic};
use crate::scenario::ScenarioFile;
use crate::services::{
    BreakerPolicy, CallDef, CallMode, DayCurve, Overflow, ProbeSet, ProbeSpec, RetryPolicy,
    ServiceDef, ServiceGraph, ServiceSetup, ServicesSetup, TrafficShape,
};

/// The services of `s` (None without a `services:` section). Validation has checked names,
/// references and cycles; a graph error here is an internal inconsistency.
pub fn services_setup(s: &ScenarioFile) -> Option<ServicesSetup> {
    if s.services.is_empty() {
        return None;
    }
    let index = |name: &str| s.services.iter().position(|x| x.name == name);
    let defs = s
        .services
        .iter()
        .map(|svc| ServiceDef {
            name: svc.name.clone(),
            capacity_per_pod: svc.capacity_per_pod.as_per_second(),
            base_latency_s: svc.latency.as_millis() as f64 / 1000.0,
            queue_limit: svc.queue_limit.map(f64::from),
        })
        .collect();
    let mut calls = Vec::new();
    let mut queue_names = Vec::new();
    for (i, svc) in s.services.iter().enumerate() {
        for call in &svc.calls {
            let to = index(&call.service)?;
            calls.push(CallDef {
                from: i,
                to,
                per_request: call.per_request,
                mode: mode(call),
            });
            queue_names.push(match &call.queue {
                Some(q) => q
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("{}-to-{}", svc.name, call.service)),
                None => String::new(),
            });
        }
    }
    let graph = ServiceGraph::new(defs, calls).ok()?;
    let services = s.services.iter().map(|svc| setup(s, svc)).collect();
    Some(ServicesSetup {
        graph,
        services,
        queue_names,
    })
}

fn setup(s: &ScenarioFile, svc: &ServiceSpec) -> ServiceSetup {
    let workload = s
        .workloads
        .iter()
        .position(|w| w.name == svc.workload)
        .unwrap_or(0);
    let probes = s.workloads.get(workload).map_or(ProbeSet::default(), |w| {
        w.template
            .containers
            .first()
            .map_or(ProbeSet::default(), |c| ProbeSet {
                readiness: c.readiness_probe.as_ref().map(probe),
                liveness: c.liveness_probe.as_ref().map(probe),
                startup: c.startup_probe.as_ref().map(probe),
            })
    });
    ServiceSetup {
        workload: workload as u32,
        traffic: svc.traffic.as_ref().map_or(TrafficShape::None, traffic),
        cpu_per_request: svc
            .cpu_per_request
            .as_ref()
            .map_or(0.0, |q| q.milli_value() as f64),
        probes,
    }
}

fn traffic(t: &Traffic) -> TrafficShape {
    if !t.series.is_empty() {
        return TrafficShape::Series(
            t.series
                .iter()
                .map(|p| (p.at.as_millis(), p.rate))
                .collect(),
        );
    }
    let (spikes, size) = match &t.spikes {
        Some(sp) => {
            let d = sp.duration.as_millis();
            let mut w: Vec<(u64, u64)> = sp
                .at
                .iter()
                .flatten()
                .map(|a| (a.as_millis(), a.as_millis() + d))
                .collect();
            w.sort_unstable();
            (w, sp.size)
        }
        None => (Vec::new(), 1.0),
    };
    TrafficShape::Shaped {
        rate: t.rate.map_or(0.0, |r| r.as_per_second()),
        day: t.diurnal.map(|d| DayCurve {
            peak_hour: d.peak_hour,
            trough: d.trough_ratio,
        }),
        spikes,
        size,
    }
}

fn secs(v: Option<i64>, default: u64) -> u64 {
    v.map_or(default, |x| x.max(0) as u64 * 1000)
}

/// A probe's settings with upstream's defaults (`k8s.io/api/core/v1` `Probe`).
fn probe(p: &Probe) -> ProbeSpec {
    ProbeSpec {
        initial_delay_ms: secs(p.initial_delay_seconds, 0),
        period_ms: secs(p.period_seconds, 10_000),
        timeout_ms: secs(p.timeout_seconds, 1_000),
        success_threshold: p.success_threshold.map_or(1, |v| v.max(1) as u32),
        failure_threshold: p.failure_threshold.map_or(3, |v| v.max(1) as u32),
    }
}

fn mode(call: &CallSpec) -> CallMode {
    if let Some(q) = &call.queue {
        return CallMode::Queue {
            capacity: q.capacity.map(|c| c as f64),
            overflow: match q.overflow {
                Some(QueueOverflow::Block) => Overflow::Block,
                _ => Overflow::Drop,
            },
        };
    }
    let ms = |d: Option<crate::scenario::duration::DurationMs>, default: u64| {
        d.map_or(default, |d| d.as_millis()) as f64 / 1000.0
    };
    let retry = call
        .retries
        .as_ref()
        .map_or(RetryPolicy::NONE, |r| RetryPolicy {
            max_retries: r.attempts,
            budget: r.budget,
            backoff_base_s: ms(r.backoff, 25),
            backoff_max_s: ms(r.max_backoff, 250),
        });
    let breaker = call.circuit_breaker.as_ref().map(|b| BreakerPolicy {
        failure_rate: b.failure_rate.unwrap_or(0.5),
        consecutive_failures: b.consecutive_failures,
        min_requests: f64::from(b.min_requests.unwrap_or(20)),
        open_for_ms: b.open_for.map_or(30_000, |d| d.as_millis()),
        half_open_requests: b.half_open_requests.unwrap_or(3),
    });
    CallMode::Sync {
        timeout_s: ms(call.timeout, 1_000),
        retry,
        breaker,
    }
}
