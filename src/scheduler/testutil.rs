//! Hand-made worlds for the scheduler's tests.
//!
//! Topology keys: 0 = `kubernetes.io/hostname` (one domain per node), 1 =
//! `topology.kubernetes.io/zone` (zone index; nodes created with an empty zone lack the key).
//! Pod groups are declared explicitly (`group`), and templates list the groups their pods
//! belong to; by default none.

use crate::cluster::labels::LabelSet;
use crate::cluster::taints::{Taint, TaintEffect, Toleration, TolerationOp};
use crate::cluster::template::SpreadConstraint;
use crate::cluster::{
    GroupId, Interner, NodeId, NodeInit, Pod, PodGroups, PodId, PodPhase, PodTemplate, ResourceId,
    ResourceTable, Sym, TemplateId, TopologyKey, World, CPU, MEMORY, NO_DOMAIN, PODS,
};
use crate::engine::{SimRng, SimTime};
use rand::RngExt;

/// Topology key ids in test worlds.
pub const HOST: u32 = 0;
pub const ZONE: u32 = 1;

pub const GI: i64 = 1 << 30;
pub const MI: i64 = 1 << 20;

/// Builds a [`World`] step by step: resources, nodes, groups, templates, then `finish`, then pods.
pub struct TestWorld {
    pub world: World,
    node_zone: Vec<Option<u32>>,
    template_groups: Vec<Vec<GroupId>>,
    n_groups: usize,
    finished: bool,
}

impl Default for TestWorld {
    fn default() -> Self {
        Self::new()
    }
}

impl TestWorld {
    /// An empty world with cpu, memory, ephemeral-storage, pods.
    pub fn new() -> Self {
        TestWorld::with_resources(&[])
    }

    /// An empty world with extra (extended/scalar) resources.
    pub fn with_resources(extra: &[&str]) -> Self {
        let mut rt = ResourceTable::new();
        for r in extra {
            rt.intern(r);
        }
        TestWorld {
            world: World::new(Interner::new(), rt),
            node_zone: Vec::new(),
            template_groups: Vec::new(),
            n_groups: 0,
            finished: false,
        }
    }

    pub fn sym(&mut self, s: &str) -> Sym {
        self.world.interner.intern(s)
    }

    pub fn res(&self, name: &str) -> ResourceId {
        self.world.resources.lookup(name).expect("resource")
    }

    fn zone_index(&mut self, zone: &str) -> Option<u32> {
        if zone.is_empty() {
            return None;
        }
        if let Some(i) = self.world.zones.iter().position(|z| z == zone) {
            return Some(i as u32);
        }
        self.world.zones.push(zone.to_string());
        Some(self.world.zones.len() as u32 - 1)
    }

    pub fn taint(&mut self, key: &str, value: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: self.sym(key),
            value: self.sym(value),
            effect,
        }
    }

    pub fn toleration(
        &mut self,
        key: &str,
        value: &str,
        effect: Option<TaintEffect>,
    ) -> Toleration {
        let op = if value.is_empty() {
            TolerationOp::Exists
        } else {
            TolerationOp::Equal
        };
        Toleration {
            key: self.sym(key),
            op,
            value: self.sym(value),
            effect,
            toleration_seconds: None,
        }
    }

    /// A node with cpu (millicores), memory (bytes) and pods allocatable (= capacity).
    pub fn node(&mut self, name: &str, zone: &str, cpu: i64, mem: i64, pods: i64) -> NodeId {
        self.node_with(
            name,
            zone,
            &[(CPU, cpu), (MEMORY, mem), (PODS, pods)],
            &[],
            Vec::new(),
        )
    }

    /// A node with arbitrary allocatable resources, extra labels and taints.
    pub fn node_with(
        &mut self,
        name: &str,
        zone: &str,
        alloc: &[(ResourceId, i64)],
        labels: &[(&str, &str)],
        taints: Vec<Taint>,
    ) -> NodeId {
        assert!(!self.finished, "add nodes before finish()");
        let zi = self.zone_index(zone);
        let mut pairs = Vec::new();
        if zi.is_some() {
            let k = self.world.well_known.zone;
            pairs.push((k, self.sym(zone)));
        }
        for (k, v) in labels {
            let (k, v) = (self.sym(k), self.sym(v));
            pairs.push((k, v));
        }
        let labels = self.world.intern_labels(LabelSet::new(pairs));
        let taints = self.world.intern_taints(taints);
        let mut v = vec![0i64; self.world.resources.len()];
        for &(r, q) in alloc {
            v[r] = q;
        }
        let hostname = self.sym(name);
        let id = self.world.nodes.push(NodeInit {
            name: name.to_string(),
            hostname,
            pool: 0,
            zone: zi.unwrap_or(0),
            rack: None,
            labels,
            taints,
            unschedulable: false,
            capacity: v.clone(),
            allocatable: v,
            images: Vec::new(),
        });
        self.world.pods_on_node.push(Vec::new());
        self.node_zone.push(zi);
        id
    }

    /// A new pod group (e.g. "pods matching selector S").
    pub fn group(&mut self) -> GroupId {
        self.n_groups += 1;
        self.n_groups as GroupId - 1
    }

    /// A template with cpu/memory requests; non-zero scoring requests default like one
    /// container with those requests (100m / 200Mi when a request is 0 = unset).
    pub fn template(&self, name: &str, cpu: i64, mem: i64) -> PodTemplate {
        crate::testkit::TemplateBuilder::new(name, self.world.resources.len())
            .cpu_mem(cpu, mem)
            .build()
    }

    /// Adds a template whose pods belong to `groups`.
    pub fn add_template(&mut self, t: PodTemplate, groups: &[GroupId]) -> TemplateId {
        self.world.templates.push(t);
        self.template_groups.push(groups.to_vec());
        self.world.templates.len() as TemplateId - 1
    }

    /// Fills `node_order` (zones interleaved round-robin, as the nodeTree) and the pod-group
    /// counters (hostname and zone keys).
    pub fn finish(&mut self) {
        assert!(!self.finished);
        self.finished = true;
        let n = self.world.nodes.len();
        // nodeTree order: zones in first-seen order ("" zone last-seen like any other).
        let mut zones: Vec<Option<u32>> = Vec::new();
        for z in &self.node_zone {
            if !zones.contains(z) {
                zones.push(*z);
            }
        }
        let mut per_zone: Vec<Vec<NodeId>> = zones
            .iter()
            .map(|z| {
                (0..n)
                    .filter(|&i| self.node_zone[i] == *z)
                    .map(|i| NodeId(i as u32))
                    .collect()
            })
            .collect();
        let mut order = Vec::with_capacity(n);
        let mut i = 0;
        while order.len() < n {
            for list in per_zone.iter_mut() {
                if i < list.len() {
                    order.push(list[i]);
                }
            }
            i += 1;
        }
        self.world.node_order = order;
        let keys = vec![
            TopologyKey {
                label: "kubernetes.io/hostname".into(),
                node_domain: (0..n as u32).collect(),
                domains: n as u32,
            },
            TopologyKey {
                label: "topology.kubernetes.io/zone".into(),
                node_domain: self
                    .node_zone
                    .iter()
                    .map(|z| z.unwrap_or(NO_DOMAIN))
                    .collect(),
                domains: self.world.zones.len() as u32,
            },
        ];
        let mut tg = self.template_groups.clone();
        tg.resize(self.world.templates.len(), Vec::new());
        self.world.groups = PodGroups::new(keys, self.n_groups, tg);
    }

    /// Creates a pending pod of template `t`.
    pub fn pod(&mut self, t: TemplateId) -> PodId {
        assert!(self.finished, "finish() first");
        self.world
            .create_pod(Pod::pending(t, 0, 0, SimTime::ZERO, 0))
    }

    /// Creates a pod of template `t` and binds it to `node` at time `at_ms`.
    pub fn place_at(&mut self, t: TemplateId, node: NodeId, at_ms: u64) -> PodId {
        let p = self.pod(t);
        self.world.bind(p, node, SimTime(at_ms));
        p
    }

    /// Creates a pod of template `t` and binds it to `node`.
    pub fn place(&mut self, t: TemplateId, node: NodeId) -> PodId {
        self.place_at(t, node, 0)
    }

    /// A node id by name.
    /// One random node change of the kinds the failure memo must notice (a bind of `filler`
    /// where it fits, a pod deletion, a taint toggled, a cordon toggled, a CPU allocatable
    /// change, or nothing), for the memo and signature-sharing property tests.
    pub fn random_node_change(
        &mut self,
        rng: &mut SimRng,
        filler: TemplateId,
        taint: Taint,
        step: u64,
    ) {
        let n_nodes = self.world.nodes.len();
        let stride = self.world.nodes.stride();
        let n = NodeId(rng.random_range(0..n_nodes as u32));
        match rng.random_range(0..10u32) {
            0..=2 => {
                let w = &self.world;
                let room = |r: usize| w.nodes.alloc(n, r) - w.nodes.req(n, r);
                let req = &w.templates[filler as usize].requests;
                if (0..stride).all(|r| room(r) >= req[r]) {
                    let p = self.pod(filler);
                    self.world.bind(p, n, SimTime(step));
                }
            }
            3..=5 => {
                let on = &self.world.pods_on_node[n.ix()];
                if !on.is_empty() {
                    let p = on[rng.random_range(0..on.len())];
                    self.world.delete(p);
                }
            }
            // Taint the node, or untaint it if it was tainted.
            6 if !self.world.add_taint(n, taint) => {
                self.world.remove_taint(n, taint.key, taint.effect);
            }
            7 => {
                let c = &mut self.world.nodes.unschedulable[n.ix()];
                *c = !*c;
                self.world.mark_node_changed(n);
            }
            8 => {
                let a = &mut self.world.nodes.allocatable[n.ix() * stride + CPU];
                *a = if *a == 4_000 { 6_000 } else { 4_000 };
                self.world.mark_node_changed(n);
            }
            _ => {}
        }
    }

    /// Applies a scheduling outcome as the simulation would (bind; or delete the victims and
    /// keep the pod nominated, or delete it), and every 50 steps deletes the pods still
    /// Pending (nominated pods give up). Returns whether the pod was bound.
    pub fn apply_outcome(
        &mut self,
        pod: PodId,
        outcome: crate::scheduler::Outcome,
        step: u64,
    ) -> bool {
        let bound = match outcome {
            crate::scheduler::Outcome::Bind { node, .. } => {
                self.world.bind(pod, node, SimTime(step));
                true
            }
            crate::scheduler::Outcome::Unschedulable {
                nominated, victims, ..
            } => {
                for v in victims {
                    self.world.delete(v);
                }
                match nominated {
                    Some(nn) => self.world.pods.get_mut(pod).expect("live").nominated = Some(nn),
                    None => {
                        self.world.delete(pod);
                    }
                }
                false
            }
        };
        if step.is_multiple_of(50) {
            let pending: Vec<_> = self
                .world
                .pods
                .iter()
                .filter(|(_, p)| p.phase == PodPhase::Pending)
                .map(|(id, _)| id)
                .collect();
            for p in pending {
                self.world.delete(p);
            }
        }
        bound
    }

    pub fn node_id(&self, name: &str) -> NodeId {
        NodeId(
            self.world
                .nodes
                .name
                .iter()
                .position(|n| n == name)
                .expect("node") as u32,
        )
    }
}

/// A soft or hard spread constraint.
pub fn spread(
    key: u32,
    max_skew: i64,
    hard: bool,
    group: GroupId,
    self_match: bool,
) -> SpreadConstraint {
    SpreadConstraint {
        max_skew,
        key,
        hard,
        group,
        self_match,
        min_domains: None,
        honor_node_affinity: true,
        honor_taints: false,
    }
}

/// The system default constraints (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway).
pub fn system_default_spread(tpl: &mut PodTemplate, group: GroupId) {
    tpl.spread = vec![
        spread(HOST, 3, false, group, true),
        spread(ZONE, 5, false, group, true),
    ];
    tpl.spread_system_default = true;
}
