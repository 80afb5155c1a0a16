//! HorizontalPodAutoscaler: upstream's algorithm as pure functions of one sync's inputs.
//!
//! * [`resource_replicas`] is `GetResourceReplicas` of kubernetes/kubernetes
//!   `pkg/controller/podautoscaler/replica_calculator.go`: utilisation = Σ usage / Σ requests
//!   over the ready pods with metrics (integer percent, truncated), ratio = utilisation /
//!   target, no change within the tolerance (0.9 ≤ ratio ≤ 1.1, `Tolerances.isWithin`),
//!   else `ceil(ratio × ready pods)`; with missing-metric pods (assumed at
//!   max(100 %, target) on a scale-down, 0 % on a scale-up) or unready pods on a scale-up
//!   (0 %), the ratio is recomputed over them too and the change dropped if it flips
//!   direction or falls within the tolerance.
//! * [`HpaState::reconcile`] is `reconcileAutoscaler` + `computeReplicasForMetrics` +
//!   the normalisation of `pkg/controller/podautoscaler/horizontal.go`: the largest proposal
//!   over the metrics; without `behavior`, `normalizeDesiredReplicas` (the highest
//!   recommendation of the last 5 minutes, at most max(2 × current, 4), min/max clamp); with
//!   `behavior`, `normalizeDesiredReplicasWithBehaviors` (stabilisation windows, then the
//!   `Pods`/`Percent` policies over their periods, `selectPolicy` Max/Min/Disabled).
//!
//! The run loop (`sim::hpa`) classifies the target's pods, reads their usage, calls these
//! every [`SYNC_PERIOD_MS`] and applies the result through the workload's controller.

use crate::cluster::{PodId, WorkloadId};

/// Per-pod usage as metrics-server reports it; the kubelet model implements it.
pub trait PodUsage {
    /// `(CPU millicores, memory working set bytes)` of running `pod` at `now_ms`; None when
    /// the model does not track the pod.
    fn pod_usage(&self, pod: PodId, now_ms: u64) -> Option<(i64, i64)>;
}

/// `--horizontal-pod-autoscaler-sync-period` default: 15 s.
pub const SYNC_PERIOD_MS: u64 = 15_000;
/// `--horizontal-pod-autoscaler-tolerance` default.
pub const TOLERANCE: f64 = 0.1;
/// `--horizontal-pod-autoscaler-downscale-stabilization` default: 5 minutes.
pub const DOWNSCALE_STABILIZATION_MS: u64 = 300_000;
/// A pod has metrics once it has run this long (metrics-server's default resolution: one
/// window of CPU samples after the container starts).
pub const METRIC_WINDOW_MS: u64 = 15_000;

/// A resource an HPA scales on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// CPU, millicores.
    Cpu,
    /// Memory, bytes.
    Memory,
}

/// One `type: Resource` metric with a `Utilization` target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric {
    /// The resource.
    pub resource: Resource,
    /// `averageUtilization`, percent of requests.
    pub target: i32,
}

/// A scaling policy's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// At most `value` pods per period.
    Pods,
    /// At most `value` percent of the replicas at the start of the period.
    Percent,
}

/// One `policies[]` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Type.
    pub kind: PolicyKind,
    /// Pods or percent.
    pub value: i32,
    /// Period, ms.
    pub period_ms: u64,
}

/// `selectPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// The policy allowing the largest change.
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// No change in this direction.
    Disabled,
}

/// `behavior.scaleUp` or `behavior.scaleDown`, defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Stabilisation window, ms.
    pub window_ms: u64,
    /// How the policies combine.
    pub select: Select,
    /// The policies.
    pub policies: Vec<Policy>,
}

impl Rules {
    /// Upstream `GenerateHPAScaleUpRules` defaults: window 0, Max of 4 pods and 100 % per 15 s.
    pub fn scale_up_default() -> Self {
        Rules {
            window_ms: 0,
            select: Select::Max,
            policies: vec![
                Policy {
                    kind: PolicyKind::Pods,
                    value: 4,
                    period_ms: 15_000,
                },
                Policy {
                    kind: PolicyKind::Percent,
                    value: 100,
                    period_ms: 15_000,
                },
            ],
        }
    }

    /// Upstream `GenerateHPAScaleDownRules` defaults: the controller's 300 s window, Max of
    /// 100 % per 15 s.
    pub fn scale_down_default() -> Self {
        Rules {
            window_ms: DOWNSCALE_STABILIZATION_MS,
            select: Select::Max,
            policies: vec![Policy {
                kind: PolicyKind::Percent,
                value: 100,
                period_ms: 15_000,
            }],
        }
    }

    fn longest_period_ms(&self) -> u64 {
        self.policies.iter().map(|p| p.period_ms).max().unwrap_or(0)
    }
}

/// `behavior`, both directions filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behavior {
    /// Scale-up rules.
    pub up: Rules,
    /// Scale-down rules.
    pub down: Rules,
}

/// One HPA of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct HpaSpec {
    /// Name.
    pub name: String,
    /// The Deployment or StatefulSet it scales.
    pub workload: WorkloadId,
    /// `minReplicas`.
    pub min: i32,
    /// `maxReplicas`.
    pub max: i32,
    /// Its metrics (at least one).
    pub metrics: Vec<Metric>,
    /// `behavior` (None: the controller's legacy normalisation, as upstream without one).
    pub behavior: Option<Behavior>,
}

/// How the replica calculator sees one pod of the target (upstream `groupPods`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodGroup {
    /// Being deleted or Failed: left out entirely.
    Ignored,
    /// Pending (or, for CPU, not ready yet): 0 % on a scale-up, left out otherwise.
    Unready,
    /// Running without metrics: max(100 %, target) on a scale-down, 0 % on a scale-up.
    Missing,
    /// Running with metrics.
    Ready,
}

/// One pod's group, request and usage for one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodMetric {
    /// Its group.
    pub group: PodGroup,
    /// Σ of its containers' requests of the resource.
    pub request: i64,
    /// Its usage (only read for `Ready`).
    pub usage: i64,
}

/// Why a metric gave no proposal this sync (upstream: the HPA's `ScalingActive` condition).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricError {
    /// "no pods returned by selector while calculating replica count".
    NoPods,
    /// "did not receive metrics for targeted pods (pods might be unready)".
    NoMetrics,
    /// "no metrics returned matched known pods" (requests sum to 0).
    NoRequests,
}

/// A metric's proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// Replicas it asks for.
    pub replicas: i32,
    /// Current utilisation, percent of requests (over the ready pods with metrics).
    pub utilization: i32,
}

fn is_within(ratio: f64) -> bool {
    ((1.0 - TOLERANCE)..=(1.0 + TOLERANCE)).contains(&ratio)
}

/// Upstream `GetResourceUtilizationRatio`: integer percent, then the ratio to the target.
fn ratio(usage: i128, requests: i128, target: i32) -> Result<(f64, i32), MetricError> {
    if requests == 0 {
        return Err(MetricError::NoRequests);
    }
    let utilization = (usage * 100 / requests) as i32;
    Ok((f64::from(utilization) / f64::from(target), utilization))
}

/// Upstream `ReplicaCalculator.GetResourceReplicas` for `current` spec replicas and a target
/// of `target` percent over the target's `pods`.
pub fn resource_replicas(
    current: i32,
    target: i32,
    pods: &[PodMetric],
) -> Result<Proposal, MetricError> {
    if pods.is_empty() {
        return Err(MetricError::NoPods);
    }
    let (mut usage, mut requests, mut ready) = (0i128, 0i128, 0i64);
    let (mut unready, mut missing) = (0usize, 0usize);
    for p in pods {
        match p.group {
            PodGroup::Ready => {
                usage += i128::from(p.usage);
                requests += i128::from(p.request);
                ready += 1;
            }
            PodGroup::Unready => unready += 1,
            PodGroup::Missing => missing += 1,
            PodGroup::Ignored => {}
        }
    }
    if ready == 0 {
        return Err(MetricError::NoMetrics);
    }
    let (usage_ratio, utilization) = ratio(usage, requests, target)?;
    let at = |replicas| Proposal {
        replicas,
        utilization,
    };
    let scale_up_with_unready = unready > 0 && usage_ratio > 1.0;
    if !scale_up_with_unready && missing == 0 {
        if is_within(usage_ratio) {
            return Ok(at(current));
        }
        return Ok(at((usage_ratio * ready as f64).ceil() as i32));
    }
    let mut counted = ready;
    for p in pods {
        let add = match p.group {
            PodGroup::Missing if usage_ratio < 1.0 => {
                let fallback = i64::from(target.max(100));
                Some(p.request * fallback / 100)
            }
            PodGroup::Missing if usage_ratio > 1.0 => Some(0),
            PodGroup::Unready if scale_up_with_unready => Some(0),
            _ => None,
        };
        if let Some(u) = add {
            usage += i128::from(u);
            requests += i128::from(p.request);
            counted += 1;
        }
    }
    let (new_ratio, _) = ratio(usage, requests, target)?;
    if is_within(new_ratio)
        || (usage_ratio < 1.0 && new_ratio > 1.0)
        || (usage_ratio > 1.0 && new_ratio < 1.0)
    {
        return Ok(at(current));
    }
    let new = (new_ratio * counted as f64).ceil() as i32;
    if (new_ratio < 1.0 && new > current) || (new_ratio > 1.0 && new < current) {
        return Ok(at(current));
    }
    Ok(at(new))
}

/// A past scale change (upstream `timestampedScaleEvent`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ScaleEvent {
    change: i32,
    at_ms: u64,
    outdated: bool,
}

/// An HPA's memory between syncs: its recent recommendations and scale events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HpaState {
    /// `(time ms, unstabilised recommendation)`.
    recommendations: Vec<(u64, i32)>,
    up_events: Vec<ScaleEvent>,
    down_events: Vec<ScaleEvent>,
}

/// `t` is strictly before `now − window` (Go `Before(cutoff)`).
fn before(t: u64, now: u64, window: u64) -> bool {
    now >= window && t < now - window
}

/// `t` is strictly after `now − window` (Go `After(cutoff)`).
fn after(t: u64, now: u64, window: u64) -> bool {
    now < window || t > now - window
}

fn change_in_period(events: &[ScaleEvent], now: u64, period: u64) -> i32 {
    events
        .iter()
        .filter(|e| after(e.at_ms, now, period))
        .map(|e| e.change)
        .sum()
}

impl HpaState {
    /// One sync (`reconcileAutoscaler`): `current` is the target's spec replicas and
    /// `proposals` one result per metric. Returns the new replicas when the HPA rescales.
    pub fn reconcile(
        &mut self,
        spec: &HpaSpec,
        now: u64,
        current: i32,
        proposals: &[Result<Proposal, MetricError>],
    ) -> Option<i32> {
        let desired = if current == 0 && spec.min != 0 {
            return None; // scaling disabled (upstream: ScalingDisabled)
        } else if current > spec.max {
            spec.max
        } else if current < spec.min {
            spec.min
        } else {
            let mut replicas = 0;
            let mut invalid = 0;
            for p in proposals {
                match p {
                    Err(_) => invalid += 1,
                    Ok(p) if replicas == 0 || p.replicas > replicas => replicas = p.replicas,
                    Ok(_) => {}
                }
            }
            if invalid >= proposals.len() || (invalid > 0 && replicas < current) {
                return None;
            }
            let desired = replicas.max(0);
            match &spec.behavior {
                None => self.normalize(spec, now, current, desired),
                Some(b) => self.normalize_with_behaviors(spec, b, now, current, desired),
            }
        };
        if desired == current {
            return None;
        }
        if let Some(b) = &spec.behavior {
            self.store_scale_event(b, now, current, desired);
        }
        Some(desired)
    }

    /// `normalizeDesiredReplicas`: `stabilizeRecommendation` then `convertDesiredReplicasWithRules`.
    fn normalize(&mut self, spec: &HpaSpec, now: u64, current: i32, desired: i32) -> i32 {
        let mut stabilized = desired;
        let mut old = None;
        for (i, &(t, r)) in self.recommendations.iter().enumerate() {
            if before(t, now, DOWNSCALE_STABILIZATION_MS) {
                old = Some(i);
            } else if r > stabilized {
                stabilized = r;
            }
        }
        self.record(old, now, desired);
        let scale_up_limit = (2.0 * f64::from(current)).max(4.0) as i32;
        let max_allowed = spec.max.min(scale_up_limit);
        if stabilized < spec.min {
            spec.min
        } else if stabilized > max_allowed {
            max_allowed
        } else {
            stabilized
        }
    }

    fn record(&mut self, old: Option<usize>, now: u64, desired: i32) {
        match old {
            Some(i) => self.recommendations[i] = (now, desired),
            None => self.recommendations.push((now, desired)),
        }
    }

    /// `normalizeDesiredReplicasWithBehaviors`: `stabilizeRecommendationWithBehaviors` then
    /// `convertDesiredReplicasWithBehaviorRate`.
    fn normalize_with_behaviors(
        &mut self,
        spec: &HpaSpec,
        b: &Behavior,
        now: u64,
        current: i32,
        desired: i32,
    ) -> i32 {
        let (mut up, mut down) = (desired, desired);
        let mut old = None;
        for (i, &(t, r)) in self.recommendations.iter().enumerate() {
            if after(t, now, b.up.window_ms) {
                up = up.min(r);
            }
            if after(t, now, b.down.window_ms) {
                down = down.max(r);
            }
            if before(t, now, b.up.window_ms) && before(t, now, b.down.window_ms) {
                old = Some(i);
            }
        }
        let mut stabilized = current;
        if stabilized < up {
            stabilized = up;
        }
        if stabilized > down {
            stabilized = down;
        }
        self.record(old, now, desired);
        if stabilized > current {
            let limit = self.scale_up_limit(&b.up, now, current).max(current);
            let max_allowed = spec.max.min(limit);
            stabilized.min(max_allowed)
        } else if stabilized < current {
            let limit = self.scale_down_limit(&b.down, now, current).min(current);
            let min_allowed = spec.min.max(limit);
            stabilized.max(min_allowed)
        } else {
            stabilized
        }
    }

    fn period_start(&self, now: u64, current: i32, period: u64) -> i32 {
        current - change_in_period(&self.up_events, now, period)
            + change_in_period(&self.down_events, now, period)
    }

    /// `calculateScaleUpLimitWithScalingRules`.
    fn scale_up_limit(&self, rules: &Rules, now: u64, current: i32) -> i32 {
        let pick: fn(i32, i32) -> i32 = match rules.select {
            Select::Disabled => return current,
            Select::Min => i32::min,
            Select::Max => i32::max,
        };
        let mut result = if rules.select == Select::Min {
            i32::MAX
        } else {
            i32::MIN
        };
        for p in &rules.policies {
            let start = self.period_start(now, current, p.period_ms);
            let proposed = match p.kind {
                PolicyKind::Pods => start + p.value,
                PolicyKind::Percent => {
                    (f64::from(start) * (1.0 + f64::from(p.value) / 100.0)).ceil() as i32
                }
            };
            result = pick(result, proposed);
        }
        result
    }

    /// `calculateScaleDownLimitWithBehaviors`.
    fn scale_down_limit(&self, rules: &Rules, now: u64, current: i32) -> i32 {
        let pick: fn(i32, i32) -> i32 = match rules.select {
            Select::Disabled => return current,
            Select::Min => i32::max,
            Select::Max => i32::min,
        };
        let mut result = if rules.select == Select::Min {
            i32::MIN
        } else {
            i32::MAX
        };
        for p in &rules.policies {
            let start = self.period_start(now, current, p.period_ms);
            let proposed = match p.kind {
                PolicyKind::Pods => start - p.value,
                PolicyKind::Percent => {
                    (f64::from(start) * (1.0 - f64::from(p.value) / 100.0)) as i32
                }
            };
            result = pick(result, proposed);
        }
        result
    }

    /// `storeScaleEvent`: an outdated event (older than the direction's longest policy
    /// period) is overwritten, else the event is appended.
    fn store_scale_event(&mut self, b: &Behavior, now: u64, prev: i32, new: i32) {
        let (events, longest, change) = if new > prev {
            (&mut self.up_events, b.up.longest_period_ms(), new - prev)
        } else {
            (
                &mut self.down_events,
                b.down.longest_period_ms(),
                prev - new,
            )
        };
        let mut old = None;
        for (i, e) in events.iter_mut().enumerate() {
            if before(e.at_ms, now, longest) {
                e.outdated = true;
            }
            if e.outdated {
                old = Some(i);
            }
        }
        let event = ScaleEvent {
            change,
            at_ms: now,
            outdated: false,
        };
        match old {
            Some(i) => events[i] = event,
            None => events.push(event),
        }
    }
}

#[cfg(test)]
#[path = "hpa_tests.rs"]
mod tests;
