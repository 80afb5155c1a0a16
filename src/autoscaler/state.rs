//! The autoscaler's state across loops: node groups, provisioning, timers, accounting.

use std::collections::HashMap;

use super::pdb::{CountingPdbs, DisruptionBudgets};
use super::AutoscalerConfig;
use crate::cluster::taints::{tolerated, TaintEffect};
use crate::cluster::{Interner, NodeId, NodeInit, PodId, TemplateId, World};
use crate::controllers::daemonset::AUTO_TOLERATED;
use crate::engine::dist::DurationSampler;
use crate::engine::{RngStreams, SimRng};
use crate::metrics::{AutoscalerSummary, GroupCost, WaitStats};
use crate::scheduler::StaticFilter;

/// Marks "not unneeded" in `unneeded_since`.
pub(super) const NEVER: u64 = u64::MAX;

/// What one loop decided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanDecision {
    /// Request `count` new nodes of group `group`.
    pub scale_up: Option<(usize, u32)>,
    /// Delete these nodes (drain first).
    pub remove: Vec<NodeId>,
}

/// Per node group.
#[derive(Clone, Debug, Default)]
pub(super) struct GroupState {
    /// Live nodes.
    pub live: u32,
    /// Requested nodes not Ready yet.
    pub upcoming: u32,
    /// Live nodes per zone (pool zone order).
    pub zone_live: Vec<u32>,
    /// Nodes created per zone (rack rotation).
    pub zone_created: Vec<u32>,
    /// Next name index.
    pub next_index: u32,
    /// ∫ live dt, node-milliseconds.
    pub node_ms: u128,
    /// Peak live nodes.
    pub peak: u32,
    /// Allocatable of a new node minus its DaemonSet pods' requests.
    pub capacity: Vec<i64>,
}

/// The Cluster Autoscaler of one run.
pub struct Autoscaler {
    pub(super) cfg: AutoscalerConfig,
    pub(super) filter: StaticFilter,
    pub(super) budgets: Box<dyn DisruptionBudgets>,
    pub(super) rng: SimRng,
    samplers: Vec<DurationSampler>,
    pub(super) groups: Vec<GroupState>,
    /// Group of each pool (by pool index).
    pub(super) pool_group: Vec<Option<u32>>,
    /// Pods that failed a scheduling cycle (deduplicated at each loop).
    pub(super) pending: Vec<PodId>,
    /// Pods a scale-up was made for: creation time, ms.
    pub(super) waiting: HashMap<PodId, u64>,
    waits: Vec<u64>,
    /// Per node id: since when it is unneeded ([`NEVER`]: not).
    pub(super) unneeded_since: Vec<u64>,
    /// Per template: where in `node_order` its pods last found a drain destination.
    pub(super) hints: HashMap<TemplateId, usize>,
    pub(crate) last_scale_up_ms: Option<u64>,
    pub(super) last_delete_ms: Option<u64>,
    last_t: u64,
    nodes_added: u64,
    nodes_removed: u64,
    pub(super) scale_ups: u64,
}

/// Whether a DaemonSet pod of `t` would run on a node shaped like `shape` (its selectors
/// match and it tolerates every NoSchedule/NoExecute taint, the controller's own tolerations
/// included), as `controllers::daemonset::node_matches` on a real node.
fn daemon_runs_on(world: &World, t: TemplateId, shape: &NodeInit) -> bool {
    let tpl = &world.templates[t as usize];
    let labels = world.label_sets.get(shape.labels);
    let h = world.well_known.hostname;
    let get = |k| {
        if k == h {
            Some(shape.hostname)
        } else {
            labels.get(k)
        }
    };
    tpl.node_selector.matches_with(get, &world.interner)
        && tpl
            .required_node_affinity
            .as_ref()
            .is_none_or(|a| a.matches_with(get, &world.interner))
        && world.taint_sets.get(shape.taints).iter().all(|t| {
            t.effect == TaintEffect::PreferNoSchedule
                || tolerated(&tpl.tolerations, t)
                || AUTO_TOLERATED.contains(&world.interner.resolve(t.key))
        })
}

impl Autoscaler {
    /// The autoscaler for `world` (nodes of the initial cluster), with the scheduler's static
    /// filters, the templates of the run's DaemonSets and the master seed's streams.
    /// `budgets` answers PDB questions (None: [`CountingPdbs`] over `cfg.pdbs`).
    pub fn new(
        cfg: AutoscalerConfig,
        world: &World,
        filter: StaticFilter,
        daemonsets: &[TemplateId],
        streams: &RngStreams,
        budgets: Option<Box<dyn DisruptionBudgets>>,
    ) -> Result<Self, String> {
        let mut pool_group = vec![None; world.pools.len()];
        let mut groups = Vec::with_capacity(cfg.groups.len());
        let mut samplers = Vec::with_capacity(cfg.groups.len());
        for (gi, g) in cfg.groups.iter().enumerate() {
            pool_group[g.pool as usize] = Some(gi as u32);
            samplers.push(
                DurationSampler::new(&g.provisioning)
                    .map_err(|e| format!("node group {}: provisioningDelay: {e}", g.name))?,
            );
            let shape = g
                .shapes
                .first()
                .and_then(|z| z.first())
                .ok_or_else(|| format!("node group {}: no node shape", g.name))?;
            let mut capacity = shape.allocatable.clone();
            for &t in daemonsets {
                if daemon_runs_on(world, t, shape) {
                    for (c, r) in capacity
                        .iter_mut()
                        .zip(&world.templates[t as usize].requests)
                    {
                        *c -= r;
                    }
                }
            }
            let mut st = GroupState {
                zone_live: vec![0; g.shapes.len()],
                zone_created: vec![0; g.shapes.len()],
                next_index: g.first_index,
                capacity,
                ..Default::default()
            };
            for n in world.nodes.live_ids() {
                if world.nodes.pool[n.ix()] == g.pool {
                    st.live += 1;
                    let z = world.nodes.zone[n.ix()];
                    if let Some(zi) = g.shapes.iter().position(|s| s[0].zone == z) {
                        st.zone_live[zi] += 1;
                        st.zone_created[zi] += 1;
                    }
                }
            }
            st.peak = st.live;
            groups.push(st);
        }
        let budgets = budgets.unwrap_or_else(|| Box::new(CountingPdbs::new(cfg.pdbs.clone())));
        Ok(Autoscaler {
            filter,
            budgets,
            rng: streams.stream("autoscaler"),
            samplers,
            groups,
            pool_group,
            pending: Vec::new(),
            waiting: HashMap::new(),
            waits: Vec::new(),
            unneeded_since: vec![NEVER; world.nodes.len()],
            hints: HashMap::new(),
            last_scale_up_ms: None,
            last_delete_ms: None,
            last_t: 0,
            nodes_added: 0,
            nodes_removed: 0,
            scale_ups: 0,
            cfg,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AutoscalerConfig {
        &self.cfg
    }

    /// Replaces the PDB answers (e.g. with the run loop's PDB tracker).
    pub fn set_budgets(&mut self, budgets: Box<dyn DisruptionBudgets>) {
        self.budgets = budgets;
    }

    /// A scheduling cycle found no node for `pod`.
    pub fn pod_unschedulable(&mut self, pod: PodId) {
        self.pending.push(pod);
    }

    /// `pod` was bound at `now_ms`: if a scale-up was made for it, its wait is recorded.
    pub fn pod_bound(&mut self, pod: PodId, now_ms: u64) {
        if let Some(created) = self.waiting.remove(&pod) {
            self.waits.push(now_ms.saturating_sub(created));
        }
    }

    /// Integrates node-hours up to `now_ms`.
    fn advance(&mut self, now_ms: u64) {
        if now_ms > self.last_t {
            let dt = u128::from(now_ms - self.last_t);
            for g in &mut self.groups {
                g.node_ms += u128::from(g.live) * dt;
            }
            self.last_t = now_ms;
        }
    }

    /// The group of `node`'s pool, if it is autoscaled.
    pub(super) fn group_of(&self, world: &World, node: NodeId) -> Option<usize> {
        self.pool_group
            .get(world.nodes.pool[node.ix()] as usize)
            .copied()
            .flatten()
            .map(|g| g as usize)
    }

    /// One provisioning delay of group `g`, ms (stream `autoscaler`).
    pub fn provisioning_delay(&mut self, g: usize) -> u64 {
        self.samplers[g].sample(&mut self.rng)
    }

    /// The shape of the next node of group `g` (zone with the fewest live nodes of the group,
    /// racks in rotation), its name interned in `interner` (the world's). Call
    /// [`Autoscaler::node_added`] once it is in the cluster.
    pub fn next_node(&mut self, interner: &mut Interner, g: usize) -> NodeInit {
        let st = &mut self.groups[g];
        let zi = (0..st.zone_live.len())
            .min_by_key(|&z| (st.zone_live[z], z))
            .unwrap_or(0);
        let racks = &self.cfg.groups[g].shapes[zi];
        let mut init = racks[st.zone_created[zi] as usize % racks.len()].clone();
        st.zone_created[zi] += 1;
        init.name = format!("{}-{}", self.cfg.groups[g].name, st.next_index);
        st.next_index += 1;
        init.hostname = interner.intern(&init.name);
        init
    }

    /// The node group of `node`'s pool, if it is autoscaled.
    pub fn group_of_node(&self, world: &World, node: NodeId) -> Option<usize> {
        self.group_of(world, node)
    }

    /// A node of group `g` joined the cluster (Ready) at `now_ms`; `requested` when it is one
    /// the autoscaler asked for (it leaves the provisioning count and counts as added).
    pub fn node_added(
        &mut self,
        world: &World,
        g: usize,
        node: NodeId,
        now_ms: u64,
        requested: bool,
    ) {
        self.advance(now_ms);
        let zone = world.nodes.zone[node.ix()];
        let st = &mut self.groups[g];
        if requested {
            st.upcoming = st.upcoming.saturating_sub(1);
        }
        st.live += 1;
        st.peak = st.peak.max(st.live);
        if let Some(zi) = self.cfg.groups[g]
            .shapes
            .iter()
            .position(|s| s[0].zone == zone)
        {
            st.zone_live[zi] += 1;
        }
        if self.unneeded_since.len() <= node.ix() {
            self.unneeded_since.resize(node.ix() + 1, NEVER);
        }
        if requested {
            self.nodes_added += 1;
        }
    }

    /// Since when `node` has been unneeded (scale-down candidate), ms; None when it is not.
    pub fn unneeded_since(&self, node: NodeId) -> Option<u64> {
        self.unneeded_since
            .get(node.ix())
            .copied()
            .filter(|&t| t != NEVER)
    }

    /// `node` (of an autoscaled pool) left the cluster at `now_ms` (by a scale-down or not).
    pub fn node_removed(&mut self, world: &World, node: NodeId, now_ms: u64, by_autoscaler: bool) {
        self.advance(now_ms);
        if let Some(g) = self.group_of(world, node) {
            let zone = world.nodes.zone[node.ix()];
            let st = &mut self.groups[g];
            st.live = st.live.saturating_sub(1);
            if let Some(zi) = self.cfg.groups[g]
                .shapes
                .iter()
                .position(|s| s[0].zone == zone)
            {
                st.zone_live[zi] = st.zone_live[zi].saturating_sub(1);
            }
        }
        if let Some(u) = self.unneeded_since.get_mut(node.ix()) {
            *u = NEVER;
        }
        if by_autoscaler {
            self.nodes_removed += 1;
            self.last_delete_ms = Some(now_ms);
        }
    }

    /// One loop at `now_ms`: the scale-up request (its nodes are counted as provisioning at
    /// once) and the nodes to delete.
    pub fn scan(&mut self, world: &World, now_ms: u64) -> ScanDecision {
        self.advance(now_ms);
        if self.unneeded_since.len() < world.nodes.len() {
            self.unneeded_since.resize(world.nodes.len(), NEVER);
        }
        let scale_up = self.scale_up(world, now_ms);
        let remove = if self.cfg.scale_down_enabled {
            self.scale_down(world, now_ms)
        } else {
            Vec::new()
        };
        ScanDecision { scale_up, remove }
    }

    /// Nodes requested and not Ready yet, over all groups.
    pub fn provisioning(&self) -> u64 {
        self.groups.iter().map(|g| u64::from(g.upcoming)).sum()
    }

    /// The `summary.json` numbers at the end of the run (`end_ms`).
    pub fn finish(&mut self, end_ms: u64) -> AutoscalerSummary {
        self.advance(end_ms);
        let groups: Vec<GroupCost> = self
            .cfg
            .groups
            .iter()
            .zip(&self.groups)
            .map(|(g, st)| {
                let node_hours = st.node_ms as f64 / 3_600_000.0;
                GroupCost {
                    pool: g.name.clone(),
                    nodes_at_end: u64::from(st.live),
                    peak_nodes: u64::from(st.peak),
                    node_hours,
                    cost: node_hours * g.price_per_hour,
                }
            })
            .collect();
        let mut waits = std::mem::take(&mut self.waits);
        AutoscalerSummary {
            nodes_added: self.nodes_added,
            nodes_removed: self.nodes_removed,
            scale_ups: self.scale_ups,
            nodes_provisioning_at_end: self.provisioning(),
            node_hours: groups.iter().map(|g| g.node_hours).sum(),
            cost: groups.iter().map(|g| g.cost).sum(),
            pod_wait_for_capacity_s: WaitStats::from_millis(&mut waits),
            groups,
        }
    }
}
