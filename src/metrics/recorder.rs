//! The [`Recorder`]: running sums of every metric, updated by the simulation core's hooks.

use super::integral::Integral;
use super::*;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct WorkloadCounts {
    desired: u64,
    created: u64,
    pending: u64,
    running: u64,
    succeeded: u64,
    failed: u64,
    deleted: u64,
    jobs_succeeded: u64,
    jobs_failed: u64,
    job_pods_failed: u64,
}

/// A workload's scheduling failures: first and last time, last reason (kept for the summary
/// whatever the event log level).
#[derive(Clone, Debug, Default)]
struct UnschedSeen {
    first: Option<SimTime>,
    last: SimTime,
    reason: String,
}

/// What the recorder last saw of one node.
#[derive(Clone, Copy, Debug, Default)]
struct NodeSeen {
    cpu_req: i64,
    mem_req: i64,
    cpu_alloc: i64,
    mem_alloc: i64,
    ready: bool,
    /// In the cluster (not removed).
    live: bool,
    /// 0: ≤ 80 %, 1: > 80 %, 2: > 90 %.
    bucket: u8,
}

/// The bucket of a node: the max over cpu and memory of requested/allocatable.
fn bucket(cpu_req: i64, cpu_alloc: i64, mem_req: i64, mem_alloc: i64) -> u8 {
    // over(p): req / alloc > p / 100, in integers; alloc 0 with any request counts as over.
    let over = |req: i64, alloc: i64, p: i128| req > 0 && (req as i128) * 100 > (alloc as i128) * p;
    if over(cpu_req, cpu_alloc, 90) || over(mem_req, mem_alloc, 90) {
        2
    } else if over(cpu_req, cpu_alloc, 80) || over(mem_req, mem_alloc, 80) {
        1
    } else {
        0
    }
}

/// Collects metrics and the event log of one run, by running sums.
pub struct Recorder {
    level: EventLogLevel,
    log: EventLog,
    reason_ids: HashMap<String, u32>,
    zones: Vec<ZoneSample>,
    total: ZoneSample,
    node_zone: Vec<u32>,
    seen: Vec<NodeSeen>,
    nodes_ready: u64,
    over80: u64,
    over90: u64,
    workloads: Vec<WorkloadCounts>,
    /// Per workload (grown on the first failure of a workload's pod).
    unsched: Vec<UnschedSeen>,
    rows: Vec<Sample>,
    // Cumulative counters.
    created: u64,
    scheduled: u64,
    bound_directly: u64,
    succeeded: u64,
    failed: u64,
    deleted: u64,
    attempts: u64,
    failures: u64,
    preemptions: u64,
    preempted: u64,
    // Interval counters.
    interval_attempts: u64,
    interval_failures: u64,
    interval_preemptions: u64,
    pressure: bool,
    /// Failures: causality, availability, node health counts.
    pub res: Resilience,
    fault_names: Vec<String>,
    /// Names of the services and call edges (`caller->callee`), for effect targets.
    service_names: (Vec<String>, Vec<String>),
    fault_windows: Vec<FaultWindow>,
    node_samples: NodeSamples,
    // Dynamic nodes and the autoscaler.
    nodes_total: u64,
    autoscaler: bool,
    /// The cluster has GPUs (GPU columns).
    gpu: bool,
    interval_nodes_added: u64,
    interval_nodes_removed: u64,
    /// Per template: the (CPU, memory) requests of one pod.
    tpl_req: Vec<(i64, i64)>,
    /// Per workload: the (CPU, memory) requests of its Running pods over time.
    requested: Vec<[Integral; 2]>,
}

impl Recorder {
    /// A recorder for `world` (nodes are read once here) and `workloads` (by [`WorkloadId`]).
    pub fn new(world: &World, workloads: &[WorkloadInfo], level: EventLogLevel) -> Self {
        let n = world.nodes.len();
        let mut r = Recorder {
            level,
            log: EventLog {
                rows: Vec::new(),
                workloads: workloads.iter().map(|w| w.name.clone()).collect(),
                nodes: if level == EventLogLevel::None {
                    Vec::new()
                } else {
                    world.nodes.name.clone()
                },
                reasons: Vec::new(),
                pressure: false,
            },
            reason_ids: HashMap::new(),
            zones: vec![ZoneSample::default(); world.zones.len()],
            total: ZoneSample::default(),
            node_zone: world.nodes.zone.clone(),
            seen: vec![NodeSeen::default(); n],
            nodes_ready: 0,
            over80: 0,
            over90: 0,
            workloads: vec![WorkloadCounts::default(); workloads.len()],
            unsched: Vec::new(),
            rows: Vec::new(),
            created: 0,
            scheduled: 0,
            bound_directly: 0,
            succeeded: 0,
            failed: 0,
            deleted: 0,
            attempts: 0,
            failures: 0,
            preemptions: 0,
            preempted: 0,
            interval_attempts: 0,
            interval_failures: 0,
            interval_preemptions: 0,
            pressure: false,
            res: Resilience::new(
                &workloads
                    .iter()
                    .map(|w| w.kind != "Job")
                    .collect::<Vec<_>>(),
                &workloads
                    .iter()
                    .map(|w| w.kind != "DaemonSet")
                    .collect::<Vec<_>>(),
            ),
            fault_names: Vec::new(),
            service_names: (Vec::new(), Vec::new()),
            fault_windows: Vec::new(),
            node_samples: NodeSamples::new(0, n),
            nodes_total: world.nodes.live_ids().count() as u64,
            autoscaler: false,
            gpu: super::gpu::present(world),
            interval_nodes_added: 0,
            interval_nodes_removed: 0,
            tpl_req: world
                .templates
                .iter()
                .map(|t| (t.requests[CPU], t.requests[MEMORY]))
                .collect(),
            requested: vec![[Integral::default(); 2]; workloads.len()],
        };
        let max_zone = world
            .nodes
            .zone
            .iter()
            .copied()
            .max()
            .map_or(0, |z| z as usize + 1);
        if r.zones.len() < max_zone {
            r.zones.resize(max_zone, ZoneSample::default());
        }
        for node in world.nodes.ids() {
            r.sync_node(world, node);
        }
        r
    }

    /// Re-reads one node's requested/allocatable CPU and memory and its Ready condition and
    /// updates every total by the difference. Call after anything that changed the node. O(1).
    pub fn sync_node(&mut self, world: &World, node: NodeId) {
        let n = &world.nodes;
        let now = NodeSeen {
            cpu_req: n.req(node, CPU),
            mem_req: n.req(node, MEMORY),
            cpu_alloc: n.alloc(node, CPU),
            mem_alloc: n.alloc(node, MEMORY),
            ready: n.ready[node.ix()],
            live: n.is_live(node),
            bucket: 0,
        };
        let now = NodeSeen {
            bucket: bucket(now.cpu_req, now.cpu_alloc, now.mem_req, now.mem_alloc),
            ..now
        };
        let old = std::mem::replace(&mut self.seen[node.ix()], now);
        // Each figure over its node set (see `ZoneSample`): requests over all nodes and over
        // Ready ones, allocatable over Ready nodes and over all live ones. `old` of a
        // never-synced node is all zero, not ready, not live.
        let part = |s: &NodeSeen| ZoneSample {
            cpu_requested_m: s.cpu_req,
            cpu_allocatable_m: if s.ready { s.cpu_alloc } else { 0 },
            mem_requested_bytes: s.mem_req,
            mem_allocatable_bytes: if s.ready { s.mem_alloc } else { 0 },
            cpu_requested_m_ready: if s.ready { s.cpu_req } else { 0 },
            cpu_allocatable_m_all: if s.live { s.cpu_alloc } else { 0 },
            mem_requested_bytes_ready: if s.ready { s.mem_req } else { 0 },
            mem_allocatable_bytes_all: if s.live { s.mem_alloc } else { 0 },
        };
        let d = part(&now).minus(&part(&old));
        for z in [
            &mut self.zones[self.node_zone[node.ix()] as usize],
            &mut self.total,
        ] {
            z.add(&d);
        }
        self.nodes_ready = self.nodes_ready + u64::from(now.ready) - u64::from(old.ready);
        self.over80 = self.over80 + u64::from(now.bucket >= 1) - u64::from(old.bucket >= 1);
        self.over90 = self.over90 + u64::from(now.bucket >= 2) - u64::from(old.bucket >= 2);
    }

    fn intern_reason(&mut self, text: &str) -> Reason {
        if text.is_empty() {
            return Reason::None;
        }
        if let Some(&i) = self.reason_ids.get(text) {
            return Reason::Text(i);
        }
        let i = self.log.reasons.len() as u32;
        self.log.reasons.push(text.to_owned());
        self.reason_ids.insert(text.to_owned(), i);
        Reason::Text(i)
    }

    fn log(
        &mut self,
        now: SimTime,
        kind: EventKind,
        pod: &Pod,
        node: Option<NodeId>,
        score: Option<i64>,
        reason: Reason,
    ) {
        self.log.rows.push(EventRow {
            time_ms: now.as_millis(),
            kind,
            workload: pod.workload,
            ordinal: pod.ordinal,
            node,
            score,
            reason,
            cause: self.res.effects.root(pod.cause),
            qos: None,
            usage: None,
        });
    }

    fn wants(&self, kind: EventKind) -> bool {
        kind.recorded_at(self.level)
    }

    /// Adds `n` to a workload's desired count (a Job arrival adds 1).
    pub fn add_desired(&mut self, workload: WorkloadId, n: u64, now: SimTime) {
        self.workloads[workload as usize].desired += n;
        self.res.avail.add_desired(workload as usize, n, now);
    }

    /// Sets the desired pod count of `workload` (a HorizontalPodAutoscaler rescaled it).
    pub fn set_desired(&mut self, workload: WorkloadId, n: u64, now: SimTime) {
        self.workloads[workload as usize].desired = n;
        self.res.avail.set_desired(workload as usize, n, now);
    }

    /// A Job of `workload` succeeded (its pod completed).
    pub fn job_succeeded(&mut self, workload: WorkloadId) {
        self.workloads[workload as usize].jobs_succeeded += 1;
    }

    /// The Job controller counted a failed pod of `workload` (Failed, or deleted before it
    /// succeeded, e.g. preempted or evicted): the sum of its Jobs' `status.failed`.
    pub fn job_pod_failed(&mut self, workload: WorkloadId) {
        self.workloads[workload as usize].job_pods_failed += 1;
    }

    /// A Job failed: counted, and a `job-failed` row naming its last pod `pod` with `reason`
    /// (e.g. `BackoffLimitExceeded: …`) and the root of `cause`.
    pub fn job_failed(&mut self, now: SimTime, pod: &Pod, reason: &str, cause: u64) {
        self.workloads[pod.workload as usize].jobs_failed += 1;
        self.pod_event(now, EventKind::JobFailed, pod, None, reason, cause);
    }

    /// `(succeeded, failed, failed pods)` of the Jobs of workload `w`.
    pub fn job_counts(&self, w: WorkloadId) -> (u64, u64, u64) {
        let c = &self.workloads[w as usize];
        (c.jobs_succeeded, c.jobs_failed, c.job_pods_failed)
    }

    /// Names of the scenario's faults (effect targets) and their windows (`faults.csv`).
    pub fn set_faults(&mut self, names: Vec<String>, windows: Vec<FaultWindow>) {
        self.fault_names = names;
        self.fault_windows = windows;
    }

    /// Names of the services and of the call edges (`caller->callee`), for effect targets.
    pub fn set_service_names(&mut self, services: Vec<String>, calls: Vec<String>) {
        self.service_names = (services, calls);
    }

    /// A pod was created (Pending).
    pub fn pod_created(&mut self, now: SimTime, pod: &Pod) {
        self.created += 1;
        let w = &mut self.workloads[pod.workload as usize];
        w.created += 1;
        w.pending += 1;
        if self.wants(EventKind::Created) {
            self.log(now, EventKind::Created, pod, None, None, Reason::None);
        }
    }

    /// A Pending pod was bound to `node`. Call [`Recorder::sync_node`] too.
    pub fn pod_bound(&mut self, now: SimTime, pod: &Pod, node: NodeId, how: BindKind) {
        self.requested_changed(now, pod, 1);
        let w = &mut self.workloads[pod.workload as usize];
        w.pending -= 1;
        w.running += 1;
        // `attempts` already counts the cycle that bound it; a direct bind ran no cycle.
        let failed_before = match how {
            BindKind::Scheduled { .. } => pod.attempts >= 2,
            BindKind::Direct(_) => pod.attempts >= 1,
        };
        if failed_before {
            self.res.unschedulable(false);
        }
        let (score, reason) = match how {
            BindKind::Scheduled { score } => {
                self.scheduled += 1;
                (Some(score), Reason::None)
            }
            BindKind::Direct(why) => {
                self.bound_directly += 1;
                (
                    None,
                    if self.wants(EventKind::Scheduled) {
                        self.intern_reason(why)
                    } else {
                        Reason::None
                    },
                )
            }
        };
        if self.wants(EventKind::Scheduled) {
            self.log(now, EventKind::Scheduled, pod, Some(node), score, reason);
        }
    }

    /// A scheduling cycle ran.
    pub fn sched_attempt(&mut self) {
        self.attempts += 1;
        self.interval_attempts += 1;
    }

    /// A scheduling cycle found no node; `nominated` is the node preemption chose, if any.
    /// The event log gets the pod's first failure and every preemption, not every retry.
    pub fn sched_failure(
        &mut self,
        now: SimTime,
        pod: &Pod,
        reason: &str,
        nominated: Option<NodeId>,
    ) {
        self.failures += 1;
        self.interval_failures += 1;
        let w = pod.workload as usize;
        if self.unsched.len() <= w {
            self.unsched.resize(w + 1, UnschedSeen::default());
        }
        let u = &mut self.unsched[w];
        u.first.get_or_insert(now);
        u.last = now;
        if u.reason != reason {
            // Allocates only when the reason changes (a retry usually repeats it).
            u.reason.clear();
            u.reason.push_str(reason);
        }
        if pod.attempts == 1 {
            self.res.unschedulable(true);
        }
        if nominated.is_some() {
            self.preemptions += 1;
            self.interval_preemptions += 1;
        }
        // One row per pod (its first failed cycle) plus one per preemption: a pod that stays
        // unschedulable for a day is retried thousands of times; the counters keep every attempt.
        if self.wants(EventKind::Unschedulable) && (pod.attempts <= 1 || nominated.is_some()) {
            let r = self.intern_reason(reason);
            self.log(now, EventKind::Unschedulable, pod, nominated, None, r);
        }
    }

    /// Logs a row of `kind` for `pod` (on `node`) with `reason` and root cause of `cause`
    /// (drain and taint evictions), if the log level wants it.
    pub fn pod_event(
        &mut self,
        now: SimTime,
        kind: EventKind,
        pod: &Pod,
        node: Option<NodeId>,
        reason: &str,
        cause: u64,
    ) {
        if self.wants(kind) {
            let r = self.intern_reason(reason);
            self.log(now, kind, pod, node, None, r);
            let root = self.res.effects.root(cause);
            if let Some(row) = self.log.rows.last_mut() {
                row.cause = root;
            }
        }
    }

    /// A pod pinned to `node` (DaemonSet) cannot be bound there yet; logged as unschedulable
    /// (no scheduling cycle ran, so no counter changes).
    pub fn pod_waiting(&mut self, now: SimTime, pod: &Pod, node: NodeId, reason: &str) {
        if self.wants(EventKind::Unschedulable) {
            let r = self.intern_reason(reason);
            self.log(now, EventKind::Unschedulable, pod, Some(node), None, r);
        }
    }

    /// `victim` is about to be deleted to make room for `by`. Call before the deletion hooks.
    pub fn pod_preempted(&mut self, now: SimTime, victim: &Pod, by: &Pod) {
        self.preempted += 1;
        if self.wants(EventKind::Preempted) {
            let r = Reason::PreemptedBy {
                workload: by.workload,
                ordinal: by.ordinal,
            };
            self.log(now, EventKind::Preempted, victim, victim.node, None, r);
            let root = self.res.effects.root(by.cause);
            if let Some(row) = self.log.rows.last_mut() {
                row.cause = root;
            }
        }
    }

    /// The usage model is on: the event log and time series get the node-pressure columns.
    pub fn enable_pressure(&mut self) {
        self.pressure = true;
        self.log.pressure = true;
    }

    /// An eviction or OOM kill (`kind`) of `pod` on `node`: logged with the pod's QoS class,
    /// the memory `usage` (pod for evictions, container for OOM kills) and `cause`.
    #[allow(clippy::too_many_arguments)]
    pub fn pressure_event(
        &mut self,
        now: SimTime,
        kind: EventKind,
        pod: &Pod,
        node: Option<NodeId>,
        qos: QosClass,
        usage: i64,
        reason: &str,
        cause: u64,
    ) {
        if self.wants(kind) {
            self.pod_event(now, kind, pod, node, reason, cause);
            if let Some(row) = self.log.rows.last_mut() {
                row.qos = Some(qos);
                row.usage = Some(usage);
            }
        }
    }

    /// A Pending or Running pod ended in `phase` (`pod` as it was before; `node` where it ran).
    /// The `completed`/`failed` row is written only when `log_row`.
    pub fn pod_terminated(
        &mut self,
        now: SimTime,
        pod: &Pod,
        phase: PodPhase,
        reason: &str,
        log_row: bool,
    ) {
        if pod.phase == PodPhase::Pending && pod.attempts > 0 {
            self.res.unschedulable(false);
        }
        if pod.phase == PodPhase::Running {
            self.requested_changed(now, pod, -1);
        }
        let w = &mut self.workloads[pod.workload as usize];
        match pod.phase {
            PodPhase::Pending => w.pending -= 1,
            PodPhase::Running => w.running -= 1,
            PodPhase::Succeeded | PodPhase::Failed => return,
        }
        let kind = match phase {
            PodPhase::Succeeded => {
                w.succeeded += 1;
                self.succeeded += 1;
                EventKind::Completed
            }
            PodPhase::Failed => {
                w.failed += 1;
                self.failed += 1;
                EventKind::Failed
            }
            PodPhase::Pending | PodPhase::Running => {
                unreachable!("pod_terminated: not a terminal phase")
            }
        };
        if log_row && self.wants(kind) {
            let r = self.intern_reason(reason);
            self.log(now, kind, pod, pod.node, None, r);
        }
    }

    /// A Running pod's requests start (`sign` 1) or stop (−1) counting for its workload.
    fn requested_changed(&mut self, now: SimTime, pod: &Pod, sign: i64) {
        let (cpu, mem) = self
            .tpl_req
            .get(pod.template as usize)
            .copied()
            .unwrap_or_default();
        if let Some(r) = self.requested.get_mut(pod.workload as usize) {
            r[0].add(now.as_millis(), sign * cpu);
            r[1].add(now.as_millis(), sign * mem);
        }
    }

    /// A pod left the cluster at `now` (`pod` as it was). Terminal pods were already counted.
    pub fn pod_deleted(&mut self, now: SimTime, pod: &Pod) {
        if pod.phase == PodPhase::Running {
            self.requested_changed(now, pod, -1);
        }
        if pod.phase == PodPhase::Pending && pod.attempts > 0 {
            self.res.unschedulable(false);
        }
        let w = &mut self.workloads[pod.workload as usize];
        match pod.phase {
            PodPhase::Pending => w.pending -= 1,
            PodPhase::Running => w.running -= 1,
            PodPhase::Succeeded | PodPhase::Failed => return,
        }
        w.deleted += 1;
        self.deleted += 1;
    }

    /// Takes a time-series sample at `now` and starts a new interval.
    pub fn sample(&mut self, now: SimTime, world: &World) {
        self.sample_with(now, world, None);
    }

    /// [`Recorder::sample`] with the node-pressure columns of the usage model.
    pub fn sample_with(&mut self, now: SimTime, world: &World, pressure: Option<PressureSample>) {
        let pc = world.phase_counts();
        self.rows.push(Sample {
            time_ms: now.as_millis(),
            nodes_ready: self.nodes_ready,
            pods_pending: pc.pending as u64,
            pods_running: pc.running as u64,
            pods_ready: self.pods_ready(),
            pods_succeeded: self.succeeded,
            total: self.total,
            zones: self.zones.clone(),
            nodes_over_80pct_requested: self.over80,
            nodes_over_90pct_requested: self.over90,
            sched_attempts: self.interval_attempts,
            sched_failures: self.interval_failures,
            pods_created: self.created,
            pods_failed: self.failed,
            pods_deleted: self.deleted,
            preemptions: self.interval_preemptions,
            resilience: self.res.sample(now, self.nodes_total, self.nodes_ready),
            pressure,
            autoscaler: self.autoscaler.then_some(AutoscalerSample {
                nodes_total: self.nodes_total,
                nodes_added: self.interval_nodes_added,
                nodes_removed: self.interval_nodes_removed,
            }),
            gpu: self.gpu.then(|| super::gpu::sample(world)),
        });
        self.interval_nodes_added = 0;
        self.interval_nodes_removed = 0;
        self.interval_attempts = 0;
        self.interval_failures = 0;
        self.interval_preemptions = 0;
    }

    /// Samples every node every `every_ms` (at metrics samples; 0: never). See
    /// [`node_samples`].
    pub fn set_node_sample_interval(&mut self, every_ms: u64) {
        self.node_samples = NodeSamples::new(every_ms, self.seen.len());
    }

    /// Takes a node sample at `now` if one is due (call at every metrics sample).
    pub fn sample_nodes(&mut self, now: SimTime, world: &World, usage: Option<&dyn NodeUsage>) {
        self.node_samples.sample(now.as_millis(), world, usage);
    }

    /// The node samples taken so far.
    pub fn node_samples(&self) -> &NodeSamples {
        &self.node_samples
    }

    /// The samples taken so far.
    pub fn samples(&self) -> &[Sample] {
        &self.rows
    }

    /// The event-log rows so far.
    pub fn event_rows(&self) -> &[EventRow] {
        &self.log.rows
    }

    /// Pods created so far.
    pub fn pods_created(&self) -> u64 {
        self.created
    }

    /// Pods that succeeded so far.
    pub fn pods_succeeded(&self) -> u64 {
        self.succeeded
    }

    /// Pods that failed so far.
    pub fn pods_failed(&self) -> u64 {
        self.failed
    }

    /// Pods deleted while Pending or Running so far.
    pub fn pods_deleted(&self) -> u64 {
        self.deleted
    }

    /// Scheduling cycles so far.
    pub fn scheduling_attempts(&self) -> u64 {
        self.attempts
    }

    /// `(created, pending, running, succeeded, failed, deleted)` of one workload.
    pub fn workload_counts(&self, w: WorkloadId) -> (u64, u64, u64, u64, u64, u64) {
        let c = &self.workloads[w as usize];
        (
            c.created,
            c.pending,
            c.running,
            c.succeeded,
            c.failed,
            c.deleted,
        )
    }

    /// Desired pods of one workload.
    pub fn workload_desired(&self, w: WorkloadId) -> u64 {
        self.workloads[w as usize].desired
    }

    /// Ready pods now (Running, not terminating, on an up node), every workload.
    pub fn pods_ready(&self) -> u64 {
        self.res.avail.ready_total()
    }

    /// Cluster totals now: requested/allocatable CPU and memory.
    pub fn totals(&self) -> ZoneSample {
        self.total
    }

    /// Nodes above 80 % and 90 % requested now.
    pub fn nodes_over(&self) -> (u64, u64) {
        (self.over80, self.over90)
    }

    /// Ends the run: builds the [`RunResult`]. `unschedulable_at_end` is the number of Pending
    /// pods that failed at least one scheduling cycle.
    pub fn finish(mut self, world: &World, info: &[WorkloadInfo], end: FinishInfo) -> RunResult {
        let pc = world.phase_counts();
        let resilience = self.finish_resilience(world, info, end.duration);
        let workloads = info
            .iter()
            .zip(&self.workloads)
            .zip(&resilience.workloads)
            .enumerate()
            .map(|(w, ((i, c), a))| WorkloadSummary {
                name: i.name.clone(),
                kind: i.kind.clone(),
                desired: c.desired,
                created: c.created,
                running_at_end: c.running,
                pending_at_end: c.pending,
                succeeded: c.succeeded,
                failed: c.failed,
                deleted: c.deleted,
                jobs_succeeded: (i.kind == "Job").then_some(c.jobs_succeeded),
                jobs_failed: (i.kind == "Job").then_some(c.jobs_failed),
                job_pods_failed: (i.kind == "Job").then_some(c.job_pods_failed),
                availability: a.availability,
                minutes_below_desired: a.minutes_below_desired,
                last_unschedulable_reason: self
                    .unsched
                    .get(w)
                    .filter(|u| u.first.is_some())
                    .map(|u| u.reason.clone()),
                first_unschedulable_s: self
                    .unsched
                    .get(w)
                    .and_then(|u| u.first)
                    .map(|t| t.0 as f64 / 1000.0),
                last_unschedulable_s: self
                    .unsched
                    .get(w)
                    .filter(|u| u.first.is_some())
                    .map(|u| u.last.0 as f64 / 1000.0),
            })
            .collect();
        let has_jobs = info.iter().any(|i| i.kind == "Job");
        let job_total = |f: fn(&WorkloadCounts) -> u64| {
            has_jobs.then(|| self.workloads.iter().map(f).sum::<u64>())
        };
        let jobs_succeeded = job_total(|c| c.jobs_succeeded);
        let jobs_failed = job_total(|c| c.jobs_failed);
        let summary = Summary {
            simulated_duration_s: end.duration.as_millis() as f64 / 1000.0,
            events_processed: end.events_processed,
            pods_created: self.created,
            pods_scheduled: self.scheduled,
            pods_bound_directly: self.bound_directly,
            pods_pending_at_end: pc.pending as u64,
            pods_unschedulable_at_end: end.unschedulable_at_end,
            pods_running_at_end: pc.running as u64,
            pods_succeeded: self.succeeded,
            pods_failed: self.failed,
            pods_deleted: self.deleted,
            scheduling_attempts: self.attempts,
            scheduling_failures: self.failures,
            preemptions: self.preemptions,
            pods_preempted: self.preempted,
            jobs_succeeded,
            jobs_failed,
            workloads,
            evictions: None,
            oom_kills: None,
            pressure: None,
            resilience: resilience.summary(),
            autoscaler: None,
            services: None,
            hpas: None,
        };
        let zone_names = (0..self.zones.len())
            .map(|z| {
                world
                    .zones
                    .get(z)
                    .cloned()
                    .unwrap_or_else(|| format!("zone{z}"))
            })
            .collect();
        RunResult {
            summary,
            timeseries: TimeSeries {
                zones: zone_names,
                rows: self.rows,
                pressure: self.pressure,
                autoscaler: self.autoscaler,
                gpu: self.gpu,
                gpu_devices: world.gpus.has_devices(),
            },
            events: self.log,
            nodes: None,
            resilience,
            node_samples: self.node_samples.enabled().then(|| {
                let mut s = self.node_samples;
                s.set_names(world);
                s
            }),
            services: None,
            hpas: None,
        }
    }

    /// The failure tables at the end of the run.
    fn finish_resilience(
        &mut self,
        world: &World,
        info: &[WorkloadInfo],
        end: SimTime,
    ) -> ResilienceResult {
        let res = std::mem::take(&mut self.res);
        let faults = &self.fault_names;
        let (services, calls) = &self.service_names;
        let (mut r, avail) = res.finish(end, |t| match t {
            EffectTarget::Fault(i) => faults
                .get(i as usize)
                .cloned()
                .unwrap_or_else(|| format!("fault{i}")),
            EffectTarget::Node(n) => world.nodes.name[n as usize].clone(),
            EffectTarget::Pod { workload, ordinal } => {
                format!("{}-{ordinal}", info[workload as usize].name)
            }
            EffectTarget::Service(i) => services
                .get(i as usize)
                .cloned()
                .unwrap_or_else(|| format!("service{i}")),
            EffectTarget::Call(i) => calls
                .get(i as usize)
                .cloned()
                .unwrap_or_else(|| format!("call{i}")),
        });
        r.services = !services.is_empty();
        let end_ms = end.as_millis();
        let none = [Integral::default(); 2];
        r.workloads = info
            .iter()
            .zip(&avail)
            .enumerate()
            .map(|(w, (i, a))| {
                let [cpu, mem] = self.requested.get(w).unwrap_or(&none);
                WorkloadRow {
                    workload: i.name.clone(),
                    kind: i.kind.clone(),
                    desired: a.desired,
                    availability: a.availability,
                    min_availability: a.min_availability,
                    minutes_below_desired: a.below_desired_ms as f64 / 60_000.0,
                    cpu_requested_m: cpu.level(),
                    cpu_used_m: None,
                    mem_requested_bytes: mem.level(),
                    mem_used_bytes: None,
                    cpu_requested_mcms: cpu.total(end_ms),
                    cpu_requested_peak_m: cpu.peak(end_ms),
                    mem_requested_byte_ms: mem.total(end_ms),
                    mem_requested_peak_bytes: mem.peak(end_ms),
                    used: None,
                }
            })
            .collect();
        r.availability_workloads = info
            .iter()
            .filter(|i| i.kind != "Job")
            .map(|i| i.name.clone())
            .collect();
        r.faults = std::mem::take(&mut self.fault_windows);
        r
    }
}

impl Recorder {
    /// A node was added to the running cluster: per-node arrays grow and its allocatable
    /// starts counting.
    pub fn node_added(&mut self, world: &World, node: NodeId) {
        self.seen.push(NodeSeen::default());
        let zone = world.nodes.zone[node.ix()];
        self.node_zone.push(zone);
        if self.zones.len() <= zone as usize {
            self.zones.resize(zone as usize + 1, ZoneSample::default());
        }
        if self.level != EventLogLevel::None {
            self.log.nodes.push(world.nodes.name[node.ix()].clone());
        }
        self.nodes_total += 1;
        self.sync_node(world, node);
    }

    /// A node was removed from the cluster (it no longer counts as Ready or allocatable).
    pub fn node_removed(&mut self, world: &World, node: NodeId) {
        self.nodes_total -= 1;
        self.sync_node(world, node);
    }

    /// The autoscaler is on: the time series gets its columns.
    pub fn enable_autoscaler(&mut self) {
        self.autoscaler = true;
    }

    /// The autoscaler added (`added`) or removed nodes; counted in the current interval.
    pub fn autoscaler_nodes(&mut self, added: u64, removed: u64) {
        self.interval_nodes_added += added;
        self.interval_nodes_removed += removed;
    }

    /// Nodes in the cluster now (removed ones excluded).
    pub fn nodes_total(&self) -> u64 {
        self.nodes_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_use_max_of_cpu_and_memory() {
        assert_eq!(bucket(0, 1000, 0, 1000), 0);
        assert_eq!(bucket(800, 1000, 0, 1000), 0, "exactly 80 % is not over");
        assert_eq!(bucket(801, 1000, 0, 1000), 1);
        assert_eq!(bucket(100, 1000, 901, 1000), 2);
        assert_eq!(
            bucket(1, 0, 0, 0),
            2,
            "a request on zero allocatable is over"
        );
        assert_eq!(bucket(0, 0, 0, 0), 0);
    }

    #[test]
    fn failures_level_keeps_only_failures() {
        use EventKind::*;
        let kept: Vec<_> = [
            Created,
            Scheduled,
            Unschedulable,
            Preempted,
            Completed,
            Failed,
        ]
        .into_iter()
        .filter(|k| k.recorded_at(EventLogLevel::Failures))
        .collect();
        assert_eq!(kept, vec![Unschedulable, Preempted, Failed]);
        assert!(!Created.recorded_at(EventLogLevel::None));
        assert!(Created.recorded_at(EventLogLevel::All));
    }
}
