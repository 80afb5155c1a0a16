//! The cluster state of one run: nodes, pods, templates and the indexes kept over them.
//!
//! Every change of a pod's node or phase goes through the methods here, so node totals, the
//! per-node pod lists, pod-group counts and phase counters can never drift apart.

use super::groups::PodGroups;
use super::intern::{Interner, Sym, ValueInterner};
use super::labels::LabelSet;
use super::nodes::{ImageId, LabelSetId, NodeId, NodeInit, Nodes, TaintSetId};
use super::pods::{Pod, PodId, PodPhase, PodSlab};
use super::resources::ResourceTable;
use super::taints::Taint;
use super::template::PodTemplate;
use crate::engine::time::SimTime;

/// Well-known label keys, interned once.
#[derive(Clone, Copy, Debug)]
pub struct WellKnownLabels {
    /// `kubernetes.io/hostname` (derived from the node name, not stored in label sets).
    pub hostname: Sym,
    /// `topology.kubernetes.io/zone`.
    pub zone: Sym,
    /// `topology.kubernetes.io/region`.
    pub region: Sym,
    /// `topology.clustersim.io/rack`.
    pub rack: Sym,
}

impl WellKnownLabels {
    /// Interns the well-known keys.
    pub fn new(i: &mut Interner) -> Self {
        WellKnownLabels {
            hostname: i.intern("kubernetes.io/hostname"),
            zone: i.intern("topology.kubernetes.io/zone"),
            region: i.intern("topology.kubernetes.io/region"),
            rack: i.intern("topology.clustersim.io/rack"),
        }
    }
}

/// A container image known to the run (for ImageLocality).
#[derive(Clone, Debug)]
pub struct ImageInfo {
    /// Normalised name (`repo:tag`).
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// Number of nodes that hold it.
    pub nodes_with: u32,
}

/// Number of pods in each phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhaseCounts {
    /// Pending pods.
    pub pending: usize,
    /// Running pods.
    pub running: usize,
    /// Succeeded pods still in the slab.
    pub succeeded: usize,
    /// Failed pods still in the slab.
    pub failed: usize,
}

impl PhaseCounts {
    fn slot(&mut self, p: PodPhase) -> &mut usize {
        match p {
            PodPhase::Pending => &mut self.pending,
            PodPhase::Running => &mut self.running,
            PodPhase::Succeeded => &mut self.succeeded,
            PodPhase::Failed => &mut self.failed,
        }
    }

    /// Total pods counted.
    pub fn total(&self) -> usize {
        self.pending + self.running + self.succeeded + self.failed
    }
}

/// The whole cluster state.
pub struct World {
    /// Interned strings.
    pub interner: Interner,
    /// Well-known label keys.
    pub well_known: WellKnownLabels,
    /// Resources of this run.
    pub resources: ResourceTable,
    /// Zone names.
    pub zones: Vec<String>,
    /// Pool names (explicit nodes form pools of their own).
    pub pools: Vec<String>,
    /// Interned node label sets.
    pub label_sets: ValueInterner<LabelSet>,
    /// Interned node taint sets (sorted taint lists).
    pub taint_sets: ValueInterner<Vec<Taint>>,
    /// Nodes.
    pub nodes: Nodes,
    /// Nodes in kube-scheduler `nodeTree` order: zones interleaved round-robin.
    pub node_order: Vec<NodeId>,
    /// Images.
    pub images: Vec<ImageInfo>,
    /// Pod templates.
    pub templates: Vec<PodTemplate>,
    /// Live pods.
    pub pods: PodSlab,
    /// Pods bound to each node.
    pub pods_on_node: Vec<Vec<PodId>>,
    /// Pod-group counts per topology domain.
    pub groups: PodGroups,
    /// Nodes whose scheduling-relevant state changed (binds, releases, taints, reported
    /// changes), read by the scheduler's failure memo.
    pub node_changes: super::NodeChangeLog,
    /// GPU devices per node and the devices each GPU pod holds (`gpus.rs`).
    pub gpus: super::gpus::GpuDevices,
    phase_counts: PhaseCounts,
    /// Bound pods no longer counted in `groups` (terminating), by pod slot.
    out_of_groups: Vec<bool>,
    /// Bumped whenever a node is added or removed (caches keyed on the node set compare it).
    node_set_version: u64,
}

impl World {
    /// An empty world. Nodes, templates and groups are added by `build`.
    pub fn new(mut interner: Interner, resources: ResourceTable) -> Self {
        let well_known = WellKnownLabels::new(&mut interner);
        let stride = resources.len();
        let mut label_sets = ValueInterner::default();
        label_sets.intern(LabelSet::default());
        let mut taint_sets = ValueInterner::default();
        taint_sets.intern(Vec::new());
        World {
            interner,
            well_known,
            resources,
            zones: Vec::new(),
            pools: Vec::new(),
            label_sets,
            taint_sets,
            nodes: Nodes::new(stride),
            node_order: Vec::new(),
            images: Vec::new(),
            templates: Vec::new(),
            pods: PodSlab::default(),
            pods_on_node: Vec::new(),
            groups: PodGroups::default(),
            out_of_groups: Vec::new(),
            node_changes: super::NodeChangeLog::default(),
            gpus: super::gpus::GpuDevices::default(),
            phase_counts: PhaseCounts::default(),
            node_set_version: 0,
        }
    }

    /// Changes whenever a node is added or removed.
    #[inline]
    pub fn node_set_version(&self) -> u64 {
        self.node_set_version
    }

    /// Recomputes `node_order` over the live nodes as upstream `nodeTree.list()`: zones in
    /// first-seen (lowest node id) order, nodes within a zone by id, listed round-robin.
    pub fn rebuild_node_order(&mut self) {
        let mut zones: Vec<u32> = Vec::new();
        let mut by_zone: Vec<Vec<NodeId>> = Vec::new();
        for n in self.nodes.live_ids() {
            let z = self.nodes.zone[n.ix()];
            let slot = match zones.iter().position(|x| *x == z) {
                Some(p) => p,
                None => {
                    zones.push(z);
                    by_zone.push(Vec::new());
                    zones.len() - 1
                }
            };
            by_zone[slot].push(n);
        }
        self.node_order.clear();
        let longest = by_zone.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..longest {
            for z in &by_zone {
                if let Some(n) = z.get(i) {
                    self.node_order.push(*n);
                }
            }
        }
    }

    /// Adds a node to a running cluster (autoscaler scale-up, surge nodes): the node columns,
    /// its pod list, its topology domains (a new domain for `kubernetes.io/hostname`, the
    /// domain of its label value otherwise) and `node_order` all follow. Ids are never reused.
    pub fn add_node(&mut self, init: NodeInit) -> NodeId {
        let images = init.images.clone();
        let id = self.nodes.push(init);
        self.pods_on_node.push(Vec::new());
        for img in images {
            self.images[img as usize].nodes_with += 1;
        }
        let domains: Vec<u32> = (0..self.groups.keys.len())
            .map(|k| self.new_node_domain(k, id))
            .collect();
        self.groups.push_node(&domains);
        self.rebuild_node_order();
        self.node_set_version += 1;
        id
    }

    /// The domain of the just-pushed node `id` for topology key `k`.
    fn new_node_domain(&self, k: usize, id: NodeId) -> u32 {
        let key = &self.groups.keys[k];
        if key.label == "kubernetes.io/hostname" {
            return key.domains;
        }
        let Some(sym) = self.interner.lookup(&key.label) else {
            return super::groups::NO_DOMAIN;
        };
        let Some(value) = self.node_label(id, sym) else {
            return super::groups::NO_DOMAIN;
        };
        // Another node with the same value names the domain; otherwise it is a new one.
        self.nodes
            .ids()
            .take(id.ix())
            .find(|&n| {
                key.node_domain[n.ix()] != super::groups::NO_DOMAIN
                    && self.node_label(n, sym) == Some(value)
            })
            .map_or(key.domains, |n| key.node_domain[n.ix()])
    }

    /// Deletes `node` from the cluster: it is marked removed, NotReady and cordoned, leaves
    /// `node_order` (the scheduler never visits it again) and stops counting as an image
    /// holder. Pods still bound to it stay bound until the caller deletes them (the
    /// simulation's `remove_node` does, through the controllers). Returns false if it was
    /// removed already.
    pub fn remove_node(&mut self, node: NodeId) -> bool {
        if self.nodes.removed[node.ix()] {
            return false;
        }
        self.nodes.removed[node.ix()] = true;
        self.nodes.ready[node.ix()] = false;
        self.nodes.unschedulable[node.ix()] = true;
        for i in 0..self.nodes.images_of(node).len() {
            let img = self.nodes.images_of(node)[i];
            self.images[img as usize].nodes_with -= 1;
        }
        self.rebuild_node_order();
        self.node_set_version += 1;
        true
    }

    /// The value of label `key` on `node` (hostname included).
    #[inline]
    pub fn node_label(&self, node: NodeId, key: Sym) -> Option<Sym> {
        if key == self.well_known.hostname {
            Some(self.nodes.hostname[node.ix()])
        } else {
            self.label_sets.get(self.nodes.labels[node.ix()]).get(key)
        }
    }

    /// The labels of `node` (without hostname).
    pub fn node_labels(&self, node: NodeId) -> &LabelSet {
        self.label_sets.get(self.nodes.labels[node.ix()])
    }

    /// The taints of `node`.
    pub fn node_taints(&self, node: NodeId) -> &[Taint] {
        self.taint_sets.get(self.nodes.taints[node.ix()])
    }

    /// Interns a label set.
    pub fn intern_labels(&mut self, set: LabelSet) -> LabelSetId {
        self.label_sets.intern(set)
    }

    /// Interns a taint set (order-insensitive).
    pub fn intern_taints(&mut self, mut taints: Vec<Taint>) -> TaintSetId {
        taints.sort();
        taints.dedup();
        self.taint_sets.intern(taints)
    }

    /// Adds `taint` to `node` (no-op if present). Returns true if it changed.
    pub fn add_taint(&mut self, node: NodeId, taint: Taint) -> bool {
        let mut t = self.node_taints(node).to_vec();
        if t.contains(&taint) {
            return false;
        }
        t.push(taint);
        self.nodes.taints[node.ix()] = self.intern_taints(t);
        self.node_changes.push(node);
        true
    }

    /// Removes taints with `key` and `effect` from `node`. Returns true if it changed.
    pub fn remove_taint(
        &mut self,
        node: NodeId,
        key: Sym,
        effect: super::taints::TaintEffect,
    ) -> bool {
        let before = self.node_taints(node);
        let t: Vec<Taint> = before
            .iter()
            .copied()
            .filter(|t| !(t.key == key && t.effect == effect))
            .collect();
        if t.len() == before.len() {
            return false;
        }
        self.nodes.taints[node.ix()] = self.intern_taints(t);
        self.node_changes.push(node);
        true
    }

    /// Current number of pods per phase.
    pub fn phase_counts(&self) -> PhaseCounts {
        self.phase_counts
    }

    /// The template of a live pod.
    pub fn template_of(&self, pod: PodId) -> &PodTemplate {
        &self.templates[self.pods.get(pod).expect("stale pod id").template as usize]
    }

    /// Adds a new Pending pod.
    pub fn create_pod(&mut self, mut pod: Pod) -> PodId {
        pod.phase = PodPhase::Pending;
        pod.node = None;
        *self.phase_counts.slot(PodPhase::Pending) += 1;
        self.pods.insert(pod)
    }

    /// Binds a Pending pod to `node`: it becomes Running and its requests count on the node.
    pub fn bind(&mut self, id: PodId, node: NodeId, now: SimTime) {
        let pod = self.pods.get_mut(id).expect("bind: stale pod id");
        assert_eq!(pod.phase, PodPhase::Pending, "bind: pod is not pending");
        pod.phase = PodPhase::Running;
        pod.node = Some(node);
        pod.nominated = None;
        pod.started = Some(now);
        let t = pod.template;
        self.phase_counts.pending -= 1;
        self.phase_counts.running += 1;
        let tpl = &self.templates[t as usize];
        self.nodes
            .add_requests(node, &tpl.requests, tpl.nonzero_cpu, tpl.nonzero_mem, 1);
        let g = self.gpus.demand(&tpl.requests);
        if !g.is_none() {
            let policy = self.gpus.policy_of(tpl.profile);
            let cpu_free = self.nodes.alloc(node, super::CPU) - self.nodes.req(node, super::CPU);
            let pool = self.nodes.pool[node.ix()];
            self.gpus.bind(id, node, pool, g, policy, cpu_free);
        }
        self.pods_on_node[node.ix()].push(id);
        self.groups.update(t, node, 1);
        self.node_changes.push(node);
        for i in 0..self.templates[t as usize].images.len() {
            let img = self.templates[t as usize].images[i];
            self.pull_image(node, img);
        }
    }

    /// Records that `node` now holds `image`.
    fn pull_image(&mut self, node: NodeId, image: ImageId) {
        if self.nodes.add_image(node, image) {
            self.images[image as usize].nodes_with += 1;
        }
    }

    /// Releases a pod's node resources, if bound. The pod keeps its phase.
    fn unbind(&mut self, id: PodId) {
        let pod = self.pods.get_mut(id).expect("unbind: stale pod id");
        let Some(node) = pod.node.take() else { return };
        let t = pod.template;
        let tpl = &self.templates[t as usize];
        self.nodes
            .add_requests(node, &tpl.requests, tpl.nonzero_cpu, tpl.nonzero_mem, -1);
        self.gpus.unbind(id);
        let list = &mut self.pods_on_node[node.ix()];
        let pos = list
            .iter()
            .position(|p| *p == id)
            .expect("bound pod missing from its node's list");
        list.swap_remove(pos);
        match self.out_of_groups.get_mut(id.index as usize) {
            Some(out) if *out => *out = false,
            _ => self.groups.update(t, node, -1),
        }
        self.node_changes.push(node);
    }

    /// Stops counting a bound pod in the topology spread and affinity groups while it keeps
    /// its node's resources: a terminating pod (upstream's spread counting skips pods with a
    /// deletion timestamp). No-op for an unbound or already excluded pod.
    pub fn exclude_from_groups(&mut self, id: PodId) {
        let Some(pod) = self.pods.get(id) else {
            return;
        };
        let (Some(node), t) = (pod.node, pod.template) else {
            return;
        };
        let ix = id.index as usize;
        if self.out_of_groups.len() <= ix {
            self.out_of_groups.resize(ix + 1, false);
        }
        if !self.out_of_groups[ix] {
            self.out_of_groups[ix] = true;
            self.groups.update(t, node, -1);
            self.node_changes.push(node);
        }
    }

    /// Sets `node`'s readiness (its `nodes.ready` column), recording the change for the
    /// scheduler's failure memo.
    pub fn set_ready(&mut self, node: NodeId, ready: bool) {
        self.nodes.ready[node.ix()] = ready;
        self.node_changes.push(node);
    }

    /// Sets `node`'s `spec.unschedulable` (cordon), recording the change for the scheduler's
    /// failure memo.
    pub fn set_unschedulable(&mut self, node: NodeId, unschedulable: bool) {
        self.nodes.unschedulable[node.ix()] = unschedulable;
        self.node_changes.push(node);
    }

    /// Records that something about `node` that filters read changed outside the methods that
    /// record it themselves (allocatable, cordon, labels, taints written directly). Whoever
    /// writes those fields must call this (`runtime::Core::node_changed` does).
    pub fn mark_node_changed(&mut self, node: NodeId) {
        self.node_changes.push(node);
    }

    /// Ends a pod in a terminal phase (Succeeded or Failed), releasing its node.
    pub fn finish(&mut self, id: PodId, phase: PodPhase) {
        assert!(
            matches!(phase, PodPhase::Succeeded | PodPhase::Failed),
            "finish: not a terminal phase"
        );
        self.unbind(id);
        let pod = self.pods.get_mut(id).expect("finish: stale pod id");
        let old = pod.phase;
        pod.phase = phase;
        *self.phase_counts.slot(old) -= 1;
        *self.phase_counts.slot(phase) += 1;
    }

    /// Deletes a pod from the cluster (releasing its node) and returns it.
    pub fn delete(&mut self, id: PodId) -> Pod {
        self.unbind(id);
        let pod = self.pods.remove(id).expect("delete: stale pod id");
        *self.phase_counts.slot(pod.phase) -= 1;
        pod
    }

    /// Pod display name: `<workload>-<ordinal>`.
    pub fn pod_name(&self, id: PodId) -> String {
        match self.pods.get(id) {
            Some(p) => format!("{}-{}", self.templates[p.template as usize].name, p.ordinal),
            None => format!("<deleted pod {}>", id.index),
        }
    }
}
