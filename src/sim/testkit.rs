//! Test fixtures: a small world builder and stand-ins for the scheduler and its queue
//! (first fit with simple preemption; priority queue with exponential backoff), so the loop and
//! the controllers are tested independently of the real kube-scheduler model.

use super::{PodQueue, PodScheduler, SimSetup, Simulation};
use crate::cluster::intern::Interner;
use crate::cluster::taints::{tolerated, Taint, TaintEffect, Toleration, TolerationOp};
use crate::cluster::{NodeId, NodeInit, PodId, ResourceTable, TemplateId, World, PODS};
use crate::controllers::{WorkloadKind, WorkloadSpec};
use crate::engine::SimTime;
use crate::metrics::EventLogLevel;
use crate::scheduler::Outcome;
use crate::testkit::TemplateBuilder;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

pub const GI: i64 = 1 << 30;

/// A fixture node's shape (`cpu_m`, `mem`, 100 GiB of ephemeral storage, 110 pods; pool 0, no
/// labels or taints), named `name` with the interned `hostname`.
pub fn node_init(
    name: &str,
    hostname: crate::cluster::Sym,
    zone: u32,
    cpu_m: i64,
    mem: i64,
) -> NodeInit {
    let res = vec![cpu_m, mem, 100 * GI, 110];
    NodeInit {
        name: name.to_owned(),
        hostname,
        pool: 0,
        zone,
        rack: None,
        labels: 0,
        taints: 0,
        unschedulable: false,
        capacity: res.clone(),
        allocatable: res,
        images: Vec::new(),
    }
}

/// Builds small worlds.
pub struct Fixture {
    pub world: World,
    pub workloads: Vec<WorkloadSpec>,
}

impl Fixture {
    /// A world with the given zones and no nodes.
    pub fn new(zones: &[&str]) -> Self {
        let mut world = World::new(Interner::new(), ResourceTable::new());
        world.zones = zones.iter().map(|z| z.to_string()).collect();
        world.pools.push("pool".into());
        Fixture {
            world,
            workloads: Vec::new(),
        }
    }

    /// Adds a node with `cpu_m` millicores, `mem` bytes and 110 pods.
    pub fn node(&mut self, name: &str, zone: u32, cpu_m: i64, mem: i64) -> NodeId {
        self.node_with(name, zone, cpu_m, mem, Vec::new())
    }

    /// Adds a tainted node.
    pub fn node_with(
        &mut self,
        name: &str,
        zone: u32,
        cpu_m: i64,
        mem: i64,
        taints: Vec<(&str, TaintEffect)>,
    ) -> NodeId {
        let w = &mut self.world;
        let hostname = w.interner.intern(name);
        let taints: Vec<Taint> = taints
            .into_iter()
            .map(|(k, effect)| Taint {
                key: w.interner.intern(k),
                value: crate::cluster::Sym::EMPTY,
                effect,
            })
            .collect();
        let taints = w.intern_taints(taints);
        let id = w.nodes.push(NodeInit {
            taints,
            ..node_init(name, hostname, zone, cpu_m, mem)
        });
        w.pods_on_node.push(Vec::new());
        w.node_order.push(id);
        id
    }

    /// Adds a template requesting `cpu_m` and `mem`.
    pub fn template(&mut self, name: &str, cpu_m: i64, mem: i64, priority: i32) -> TemplateId {
        let w = &mut self.world;
        let ns = w.interner.intern("default");
        w.templates.push(
            TemplateBuilder::new(name, w.resources.len())
                .cpu_mem(cpu_m, mem)
                .nonzero(cpu_m.max(100), mem.max(200 << 20))
                .namespace(ns)
                .priority(priority)
                .build(),
        );
        (w.templates.len() - 1) as TemplateId
    }

    /// Lets template `t` tolerate taints with key `key` (any effect).
    pub fn tolerate(&mut self, t: TemplateId, key: &str) {
        let key = self.world.interner.intern(key);
        self.world.templates[t as usize]
            .tolerations
            .push(Toleration {
                key,
                op: TolerationOp::Exists,
                value: crate::cluster::Sym::EMPTY,
                effect: None,
                toleration_seconds: None,
            });
    }

    /// Adds a workload; its template is a new one named after it.
    pub fn workload(
        &mut self,
        name: &str,
        kind: WorkloadKind,
        cpu_m: i64,
        mem: i64,
        priority: i32,
    ) -> u32 {
        let template = self.template(name, cpu_m, mem, priority);
        self.workloads.push(WorkloadSpec {
            name: name.to_owned(),
            kind,
            template,
            job: crate::controllers::JobPolicy::default(),
            initial_nodes: Vec::new(),
        });
        (self.workloads.len() - 1) as u32
    }

    /// The setup for a run.
    pub fn setup(
        self,
        duration_ms: u64,
        metrics_interval_ms: u64,
        seed: u64,
        event_log: EventLogLevel,
    ) -> SimSetup {
        SimSetup {
            world: self.world,
            workloads: self.workloads,
            scheduler: crate::scheduler::SchedulerConfig::default(),
            duration_ms,
            metrics_interval_ms,
            node_sample_interval_ms: 0,
            seed,
            event_log,
            pressure: None,
            faults: None,
            autoscaler: None,
            services: None,
            hpas: Vec::new(),
        }
    }

    /// A simulation with the stand-in scheduler and queue.
    pub fn sim(
        self,
        duration_ms: u64,
        metrics_interval_ms: u64,
        seed: u64,
        event_log: EventLogLevel,
    ) -> TestSim {
        Simulation::with_parts(
            self.setup(duration_ms, metrics_interval_ms, seed, event_log),
            FirstFit,
            TestQueue::new(1_000, 10_000),
        )
        .expect("valid setup")
    }
}

/// A simulation with the stand-ins.
pub type TestSim = Simulation<FirstFit, TestQueue>;

/// Free amount of resource `r` on `node` for a pod of priority `prio`, counting pods
/// nominated there with at least that priority as taken (scan: tests only).
fn free(world: &World, node: NodeId, r: usize, prio: i32, me: PodId) -> i64 {
    let reserved: i64 = world
        .pods
        .iter()
        .filter(|(id, p)| {
            *id != me
                && p.nominated == Some(node)
                && world.templates[p.template as usize].priority >= prio
        })
        .map(|(_, p)| world.templates[p.template as usize].requests[r])
        .sum();
    world.nodes.alloc(node, r) - world.nodes.req(node, r) - reserved
}

fn static_ok(world: &World, pod: PodId, node: NodeId) -> bool {
    let tpl = world.template_of(pod);
    !world.nodes.unschedulable[node.ix()]
        && world
            .node_taints(node)
            .iter()
            .all(|t| t.effect == TaintEffect::PreferNoSchedule || tolerated(&tpl.tolerations, t))
}

/// First-fit stand-in scheduler with greedy lowest-priority-first preemption.
pub struct FirstFit;

impl PodScheduler for FirstFit {
    fn schedule(
        &mut self,
        world: &World,
        pod: PodId,
        _pdbs: &dyn crate::scheduler::PdbOracle,
    ) -> Outcome {
        let tpl = world.template_of(pod);
        let prio = tpl.priority;
        let fits =
            |node: NodeId| {
                static_ok(world, pod, node)
                    && tpl.requests.iter().enumerate().all(|(r, &q)| {
                        (q == 0 && r != PODS) || q <= free(world, node, r, prio, pod)
                    })
            };
        if let Some(node) = world.nodes.ids().find(|&n| fits(n)) {
            return Outcome::Bind {
                node,
                score: 100 - node.0 as i64,
            };
        }
        let reason = format!(
            "0/{} nodes are available: insufficient resources",
            world.nodes.len()
        );
        for node in world.nodes.ids().filter(|&n| static_ok(world, pod, n)) {
            let mut cands: Vec<PodId> = world.pods_on_node[node.ix()]
                .iter()
                .copied()
                .filter(|v| world.template_of(*v).priority < prio)
                .collect();
            cands.sort_by_key(|v| (world.template_of(*v).priority, *v));
            let mut victims = Vec::new();
            let mut freed = vec![0i64; tpl.requests.len()];
            for v in cands {
                let ok = tpl.requests.iter().enumerate().all(|(r, &q)| {
                    (q == 0 && r != PODS) || q <= free(world, node, r, prio, pod) + freed[r]
                });
                if ok {
                    break;
                }
                for (r, q) in world.template_of(v).requests.iter().enumerate() {
                    freed[r] += q;
                }
                victims.push(v);
            }
            let fits_with = |freed: &[i64]| {
                tpl.requests.iter().enumerate().all(|(r, &q)| {
                    (q == 0 && r != PODS) || q <= free(world, node, r, prio, pod) + freed[r]
                })
            };
            if !fits_with(&freed) {
                continue;
            }
            // Reprieve: keep every victim whose removal is not needed, most important first.
            for i in (0..victims.len()).rev() {
                let req = &world.template_of(victims[i]).requests;
                let without: Vec<i64> = freed.iter().zip(req).map(|(f, q)| f - q).collect();
                if fits_with(&without) {
                    freed = without;
                    victims.remove(i);
                }
            }
            if !victims.is_empty() {
                return Outcome::Unschedulable {
                    reason,
                    nominated: Some(node),
                    victims,
                };
            }
        }
        Outcome::Unschedulable {
            reason,
            nominated: None,
            victims: Vec::new(),
        }
    }
}

/// Priority queue with exponential backoff and a 5-minute unschedulable flush.
pub struct TestQueue {
    seq: u64,
    active: BinaryHeap<(i32, Reverse<u64>, PodId)>,
    in_active: HashSet<PodId>,
    /// (expiry, priority, pod)
    backoff: Vec<(SimTime, i32, PodId)>,
    /// (pod, priority, backoff expiry, since)
    unsched: Vec<(PodId, i32, SimTime, SimTime)>,
    initial: u64,
    max: u64,
}

impl TestQueue {
    pub fn new(initial: u64, max: u64) -> Self {
        TestQueue {
            seq: 0,
            active: BinaryHeap::new(),
            in_active: HashSet::new(),
            backoff: Vec::new(),
            unsched: Vec::new(),
            initial,
            max,
        }
    }

    fn activate(&mut self, pod: PodId, prio: i32) {
        self.seq += 1;
        if self.in_active.insert(pod) {
            self.active.push((prio, Reverse(self.seq), pod));
        }
    }
}

const UNSCHED_FLUSH_MS: u64 = 5 * 60_000;

impl PodQueue for TestQueue {
    fn add(&mut self, pod: PodId, priority: i32, _now: SimTime) {
        self.activate(pod, priority);
    }
    fn pop(&mut self) -> Option<PodId> {
        while let Some((_, _, pod)) = self.active.pop() {
            if self.in_active.remove(&pod) {
                return Some(pod);
            }
        }
        None
    }
    fn add_unschedulable(&mut self, pod: PodId, priority: i32, attempts: u32, now: SimTime) {
        let b = (self.initial << attempts.saturating_sub(1).min(20)).min(self.max);
        self.unsched.push((pod, priority, now.plus_millis(b), now));
    }
    fn move_all_to_active_or_backoff(&mut self, now: SimTime) {
        for (pod, prio, expiry, _) in std::mem::take(&mut self.unsched) {
            if expiry <= now {
                self.activate(pod, prio);
            } else {
                self.backoff.push((expiry, prio, pod));
            }
        }
    }
    fn flush(&mut self, now: SimTime) {
        let mut i = 0;
        while i < self.backoff.len() {
            if self.backoff[i].0 <= now {
                let (_, prio, pod) = self.backoff.remove(i);
                self.activate(pod, prio);
            } else {
                i += 1;
            }
        }
        let mut i = 0;
        while i < self.unsched.len() {
            if self.unsched[i].3.plus_millis(UNSCHED_FLUSH_MS) <= now {
                let (pod, prio, expiry, _) = self.unsched.remove(i);
                if expiry <= now {
                    self.activate(pod, prio);
                } else {
                    self.backoff.push((expiry, prio, pod));
                }
            } else {
                i += 1;
            }
        }
    }
    fn next_wakeup(&self) -> Option<SimTime> {
        let b = self.backoff.iter().map(|e| e.0);
        let u = self
            .unsched
            .iter()
            .map(|e| e.3.plus_millis(UNSCHED_FLUSH_MS));
        b.chain(u).min()
    }
    fn remove(&mut self, pod: PodId) {
        self.in_active.remove(&pod);
        self.backoff.retain(|e| e.2 != pod);
        self.unsched.retain(|e| e.0 != pod);
    }
    fn active_len(&self) -> usize {
        self.in_active.len()
    }
    fn waiting_len(&self) -> usize {
        self.backoff.len() + self.unsched.len()
    }
}
