//! The node lifecycle controller, as pure pieces: the timeline constants of a node that stops
//! heartbeating, taint-based eviction timing, and the per-zone rate limiter of NoExecute
//! tainting (`pkg/controller/nodelifecycle/node_lifecycle_controller.go`, `handleDisruption`,
//! `ComputeZoneState`, `setLimiterInZone`; `scheduler/rate_limited_queue.go` `SwapLimiter`).

/// `node.kubernetes.io/unreachable`: set when heartbeats stop (Ready = Unknown).
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// `node.kubernetes.io/not-ready`: set when the kubelet reports Ready = False.
pub const TAINT_NOT_READY: &str = "node.kubernetes.io/not-ready";
/// `node.kubernetes.io/unschedulable`: mirrors `spec.unschedulable` (cordon).
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
/// `node.kubernetes.io/out-of-service`: lets PodGC force-delete a dead node's pods.
pub const TAINT_OUT_OF_SERVICE: &str = "node.kubernetes.io/out-of-service";

/// Kubelet `nodeStatusUpdateFrequency`, ms.
pub const NODE_STATUS_UPDATE_FREQUENCY_MS: u64 = 10_000;
/// Kubelet lease renew interval (¼ of the 40 s lease), ms.
pub const LEASE_RENEW_INTERVAL_MS: u64 = 10_000;
/// Kubelet `nodeLeaseDurationSeconds`, ms.
pub const LEASE_DURATION_MS: u64 = 40_000;
/// How often the NoExecute tainting queue is processed (`NodeEvictionPeriod`), ms.
pub const NODE_EVICTION_PERIOD_MS: u64 = 100;
/// PodGC loop period (`gcCheckPeriod`), ms.
pub const POD_GC_PERIOD_MS: u64 = 20_000;
/// PodGC orphan quarantine (`quarantineTime`), ms.
pub const POD_GC_QUARANTINE_MS: u64 = 40_000;
/// `kubectl drain` retries a 429 from the eviction API after this long, ms.
pub const DRAIN_RETRY_MS: u64 = 5_000;

/// Overload failure: how long memory demand must stay above capacity (when turned on).
pub const DEFAULT_OVERLOAD_FAILURE_AFTER_MS: u64 = 60_000;
/// Overload failure: how long a failed node stays down (an auto-repair reboot).
pub const DEFAULT_OVERLOAD_REPAIR_MS: u64 = 600_000;

/// The node lifecycle settings of a run (kube-controller-manager flags), upstream defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeLifecycleConfig {
    /// `--node-monitor-grace-period`, ms (50 s since v1.32).
    pub node_monitor_grace_period_ms: u64,
    /// `--node-monitor-period`, ms.
    pub node_monitor_period_ms: u64,
    /// `--node-startup-grace-period`, ms.
    pub node_startup_grace_period_ms: u64,
    /// `--node-eviction-rate`, nodes/s.
    pub node_eviction_rate: f64,
    /// `--secondary-node-eviction-rate`, nodes/s.
    pub secondary_node_eviction_rate: f64,
    /// `--large-cluster-size-threshold`, nodes in a zone.
    pub large_cluster_size_threshold: u32,
    /// `--unhealthy-zone-threshold`, fraction of NotReady nodes.
    pub unhealthy_zone_threshold: f64,
    /// DefaultTolerationSeconds for `not-ready` / `unreachable` NoExecute, s.
    pub default_toleration_seconds: u64,
    /// Overload-induced node failure: memory demand above capacity for this long, ms
    /// (None: off).
    pub overload_failure_after_ms: Option<u64>,
    /// How long an overload-failed node stays down before it is repaired, ms (None: never).
    pub overload_repair_ms: Option<u64>,
}

impl Default for NodeLifecycleConfig {
    fn default() -> Self {
        NodeLifecycleConfig {
            node_monitor_grace_period_ms: 50_000,
            node_monitor_period_ms: 5_000,
            node_startup_grace_period_ms: 60_000,
            node_eviction_rate: 0.1,
            secondary_node_eviction_rate: 0.01,
            large_cluster_size_threshold: 50,
            unhealthy_zone_threshold: 0.55,
            default_toleration_seconds: 300,
            overload_failure_after_ms: None,
            overload_repair_ms: Some(DEFAULT_OVERLOAD_REPAIR_MS),
        }
    }
}

impl NodeLifecycleConfig {
    /// The last heartbeat (lease renewal) of a node that dies at `dies_at_ms`, given that it
    /// renews every [`LEASE_RENEW_INTERVAL_MS`] starting at `phase_ms` (a per-node offset).
    pub fn last_heartbeat(dies_at_ms: u64, phase_ms: u64) -> u64 {
        if dies_at_ms < phase_ms {
            return dies_at_ms;
        }
        phase_ms + (dies_at_ms - phase_ms) / LEASE_RENEW_INTERVAL_MS * LEASE_RENEW_INTERVAL_MS
    }

    /// When the controller marks the node Unknown and adds the `unreachable:NoSchedule`
    /// taint: the first monitor pass (every `node_monitor_period`, from 0) strictly after
    /// `last_heartbeat + grace` (upstream: `now.After(probeTimestamp + gracePeriod)`).
    pub fn not_ready_detected_at(&self, last_heartbeat_ms: u64) -> u64 {
        let deadline = last_heartbeat_ms + self.node_monitor_grace_period_ms;
        let p = self.node_monitor_period_ms.max(1);
        (deadline / p + 1) * p
    }
}

/// How a pod tolerates a NoExecute taint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoExecuteToleration {
    /// No matching toleration: evicted as soon as the taint is added.
    None,
    /// Tolerated for this many seconds (those of the first matching toleration).
    Seconds(u64),
    /// A matching toleration without `tolerationSeconds`: never evicted (DaemonSet pods).
    Forever,
}

/// When the taint-eviction controller deletes a pod, given when the NoExecute taint was
/// added; None if never.
pub fn taint_eviction_at(taint_added_ms: u64, toleration: NoExecuteToleration) -> Option<u64> {
    match toleration {
        NoExecuteToleration::None => Some(taint_added_ms),
        NoExecuteToleration::Seconds(s) => Some(taint_added_ms + s * 1000),
        NoExecuteToleration::Forever => None,
    }
}

/// A zone's state (`ComputeZoneState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZoneState {
    /// Not yet seen by the controller.
    Initial,
    /// Fewer than the threshold NotReady.
    Normal,
    /// At least `unhealthyZoneThreshold` of the nodes, and more than 2, NotReady.
    PartialDisruption,
    /// Every node NotReady.
    FullDisruption,
}

/// Ready and NotReady node counts of one zone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZoneHealth {
    /// Nodes with Ready = True.
    pub ready: u32,
    /// Nodes with Ready ≠ True.
    pub not_ready: u32,
}

/// Upstream `ComputeZoneState`.
pub fn compute_zone_state(h: ZoneHealth, unhealthy_threshold: f64) -> ZoneState {
    let total = h.ready + h.not_ready;
    if h.ready == 0 && h.not_ready > 0 {
        ZoneState::FullDisruption
    } else if h.not_ready > 2 && (h.not_ready as f32 / total as f32) >= unhealthy_threshold as f32 {
        ZoneState::PartialDisruption
    } else {
        ZoneState::Normal
    }
}

/// The tainting rate (nodes/s) for a zone of `zone_size` nodes in `state`
/// (`setLimiterInZone`): normal and fully disrupted zones use the primary rate (a fully
/// disrupted zone is likely a zone outage, and its pods should move); partially disrupted
/// zones the secondary rate if larger than the threshold, else 0.
pub fn zone_eviction_qps(state: ZoneState, zone_size: u32, cfg: &NodeLifecycleConfig) -> f64 {
    match state {
        ZoneState::Initial | ZoneState::Normal | ZoneState::FullDisruption => {
            cfg.node_eviction_rate
        }
        ZoneState::PartialDisruption => {
            if zone_size > cfg.large_cluster_size_threshold {
                cfg.secondary_node_eviction_rate
            } else {
                0.0
            }
        }
    }
}

/// A token bucket of burst 1 in integer milliseconds (`flowcontrol.NewTokenBucketRateLimiter(qps,
/// 1)`), or a limiter that never accepts (`qps <= 0`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenBucket {
    qps: f64,
    /// Milliseconds per token; None = never accepts.
    period_ms: Option<u64>,
    /// When the bucket holds its token again.
    ready_at_ms: u64,
}

impl TokenBucket {
    /// A full bucket for `qps` tokens per second.
    pub fn new(qps: f64, now_ms: u64) -> Self {
        let period_ms =
            (qps > 0.0 && qps.is_finite()).then(|| ((1000.0 / qps).round() as u64).max(1));
        TokenBucket {
            qps,
            period_ms,
            ready_at_ms: now_ms,
        }
    }

    /// The configured rate.
    pub fn qps(&self) -> f64 {
        self.qps
    }

    /// Takes the token if there is one.
    pub fn try_accept(&mut self, now_ms: u64) -> bool {
        match self.period_ms {
            Some(p) if now_ms >= self.ready_at_ms => {
                self.ready_at_ms = now_ms + p;
                true
            }
            _ => false,
        }
    }

    /// When the next token is available (None: never).
    pub fn next_token_at(&self, now_ms: u64) -> Option<u64> {
        self.period_ms.map(|_| self.ready_at_ms.max(now_ms))
    }

    /// `RateLimitedTimedQueue.SwapLimiter`: a new bucket for `qps` unless the rate is
    /// unchanged; the new bucket starts empty if the old one had no token (burst 1).
    pub fn swap(&mut self, qps: f64, now_ms: u64) {
        if self.qps == qps {
            return;
        }
        let mut new = TokenBucket::new(qps, now_ms);
        if new.period_ms.is_some() && !self.try_accept(now_ms) {
            new.try_accept(now_ms);
        }
        *self = new;
    }
}

/// What [`ZoneEvictionLimiter::update`] tells the engine besides the new rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisruptionChange {
    /// Nothing special.
    None,
    /// Every zone just became fully disrupted: evictions stop, and upstream marks every node
    /// reachable again (removes the pending NoExecute taints).
    EnteredFullDisruption,
    /// Leaving cluster-wide full disruption: upstream resets every node's probe timestamp
    /// to now, so each gets a fresh grace period.
    ExitedFullDisruption,
}

/// Per-zone NoExecute tainting rate limiters with upstream's `handleDisruption` rules:
/// healthy zone 0.1 nodes/s; ≥ 55 % NotReady (and > 2): 0.01/s if the zone has more than 50
/// nodes, else 0; a fully disrupted zone keeps 0.1/s unless *every* zone is fully disrupted,
/// when all tainting stops.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneEvictionLimiter {
    cfg: NodeLifecycleConfig,
    states: Vec<ZoneState>,
    buckets: Vec<TokenBucket>,
}

impl ZoneEvictionLimiter {
    /// Limiters for `zones` zones, all Initial with full buckets at the primary rate.
    pub fn new(zones: usize, cfg: NodeLifecycleConfig) -> Self {
        let bucket = TokenBucket::new(cfg.node_eviction_rate, 0);
        ZoneEvictionLimiter {
            cfg,
            states: vec![ZoneState::Initial; zones],
            buckets: vec![bucket; zones],
        }
    }

    /// The current state of `zone`.
    pub fn state(&self, zone: usize) -> ZoneState {
        self.states[zone]
    }

    /// The current tainting rate of `zone`, nodes/s.
    pub fn qps(&self, zone: usize) -> f64 {
        self.buckets[zone].qps()
    }

    /// One monitor pass: new zone states from `health` (one entry per zone), rates swapped
    /// as upstream does.
    pub fn update(&mut self, now_ms: u64, health: &[ZoneHealth]) -> DisruptionChange {
        assert_eq!(health.len(), self.states.len(), "one health entry per zone");
        let new: Vec<ZoneState> = health
            .iter()
            .map(|h| compute_zone_state(*h, self.cfg.unhealthy_zone_threshold))
            .collect();
        let size = |z: usize| health[z].ready + health[z].not_ready;
        let all_are = !new.is_empty() && new.iter().all(|s| *s == ZoneState::FullDisruption);
        let all_were =
            !self.states.is_empty() && self.states.iter().all(|s| *s == ZoneState::FullDisruption);
        if all_are && all_were {
            return DisruptionChange::None;
        }
        if all_are {
            for b in &mut self.buckets {
                b.swap(0.0, now_ms);
            }
            self.states.fill(ZoneState::FullDisruption);
            return DisruptionChange::EnteredFullDisruption;
        }
        for (z, &state) in new.iter().enumerate() {
            // Leaving cluster-wide full disruption resets every zone; otherwise only the
            // zones whose state changed get a new limiter.
            if all_were || self.states[z] != state {
                let qps = zone_eviction_qps(state, size(z), &self.cfg);
                self.buckets[z].swap(qps, now_ms);
                self.states[z] = state;
            }
        }
        if all_were {
            DisruptionChange::ExitedFullDisruption
        } else {
            DisruptionChange::None
        }
    }

    /// Whether the next queued node of `zone` may be tainted now (takes the token).
    pub fn try_taint(&mut self, zone: usize, now_ms: u64) -> bool {
        self.buckets[zone].try_accept(now_ms)
    }

    /// When `zone` may taint its next node, aligned to the queue's
    /// [`NODE_EVICTION_PERIOD_MS`] ticks (None: tainting is stopped in that zone).
    pub fn next_taint_at(&self, zone: usize, now_ms: u64) -> Option<u64> {
        self.buckets[zone]
            .next_token_at(now_ms)
            .map(|t| t.div_ceil(NODE_EVICTION_PERIOD_MS) * NODE_EVICTION_PERIOD_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(ready: u32, not_ready: u32) -> ZoneHealth {
        ZoneHealth { ready, not_ready }
    }

    #[test]
    fn timeline_of_a_dead_node() {
        let cfg = NodeLifecycleConfig::default();
        assert_eq!(NodeLifecycleConfig::last_heartbeat(37_000, 3_000), 33_000);
        // Dies at 37 s, last renew at 33 s: 83 s is the deadline, detected on the 85 s pass.
        assert_eq!(cfg.not_ready_detected_at(33_000), 85_000);
        // Exactly on a pass boundary: strictly after ⇒ the next pass.
        assert_eq!(cfg.not_ready_detected_at(0), 55_000);
        assert_eq!(
            taint_eviction_at(85_000, NoExecuteToleration::Seconds(300)),
            Some(385_000)
        );
        assert_eq!(
            taint_eviction_at(85_000, NoExecuteToleration::None),
            Some(85_000)
        );
        assert_eq!(
            taint_eviction_at(85_000, NoExecuteToleration::Forever),
            None
        );
    }

    #[test]
    fn zone_states_follow_upstream() {
        assert_eq!(compute_zone_state(h(10, 0), 0.55), ZoneState::Normal);
        assert_eq!(compute_zone_state(h(0, 3), 0.55), ZoneState::FullDisruption);
        assert_eq!(
            compute_zone_state(h(4, 6), 0.55),
            ZoneState::PartialDisruption
        );
        // Needs more than 2 NotReady nodes.
        assert_eq!(compute_zone_state(h(1, 2), 0.55), ZoneState::Normal);
        assert_eq!(compute_zone_state(h(5, 5), 0.55), ZoneState::Normal);
        assert_eq!(compute_zone_state(h(0, 0), 0.55), ZoneState::Normal);
    }

    #[test]
    fn healthy_zone_paces_one_node_per_ten_seconds() {
        let mut l = ZoneEvictionLimiter::new(2, NodeLifecycleConfig::default());
        l.update(0, &[h(100, 1), h(100, 0)]);
        assert!(l.try_taint(0, 1_000));
        assert!(!l.try_taint(0, 5_000));
        assert_eq!(l.next_taint_at(0, 5_000), Some(11_000));
        assert!(l.try_taint(0, 11_000));
        assert_eq!(l.qps(0), 0.1);
    }

    #[test]
    fn large_unhealthy_zone_slows_small_one_stops() {
        let cfg = NodeLifecycleConfig::default();
        let mut l = ZoneEvictionLimiter::new(3, cfg);
        l.update(0, &[h(100, 0), h(100, 0), h(10, 0)]);
        // Zone 0: 60 % NotReady of 100 nodes ⇒ 0.01/s; zone 2: 60 % of 10 nodes ⇒ 0.
        l.update(1_000, &[h(40, 60), h(100, 0), h(4, 6)]);
        assert_eq!(l.state(0), ZoneState::PartialDisruption);
        assert_eq!(l.qps(0), 0.01);
        assert_eq!(l.qps(2), 0.0);
        assert_eq!(l.next_taint_at(2, 1_000), None);
        assert!(!l.try_taint(2, 1_000_000));
        // The old bucket had its token, so the new one starts full: one now, then 100 s.
        assert!(l.try_taint(0, 1_000));
        assert!(!l.try_taint(0, 50_000));
        assert!(l.try_taint(0, 101_000));
        // A fully disrupted zone (not all zones) keeps the primary rate.
        l.update(200_000, &[h(100, 0), h(0, 100), h(10, 0)]);
        assert_eq!(l.state(1), ZoneState::FullDisruption);
        assert_eq!(l.qps(1), 0.1);
        assert_eq!(l.qps(2), 0.1);
    }

    #[test]
    fn all_zones_fully_disrupted_stops_everything() {
        let mut l = ZoneEvictionLimiter::new(2, NodeLifecycleConfig::default());
        assert_eq!(l.update(0, &[h(10, 0), h(10, 0)]), DisruptionChange::None);
        assert_eq!(
            l.update(1_000, &[h(0, 10), h(0, 10)]),
            DisruptionChange::EnteredFullDisruption
        );
        assert_eq!(l.qps(0), 0.0);
        assert!(!l.try_taint(0, 1_000_000));
        assert_eq!(
            l.update(2_000, &[h(0, 10), h(0, 10)]),
            DisruptionChange::None
        );
        assert_eq!(
            l.update(3_000, &[h(10, 0), h(0, 10)]),
            DisruptionChange::ExitedFullDisruption
        );
        assert_eq!(l.qps(1), 0.1);
        // The never-limiter had no token, so the new bucket starts drained.
        assert!(!l.try_taint(1, 3_000));
        assert!(l.try_taint(1, 13_000));
    }
}
