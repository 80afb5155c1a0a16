//! Scale-down: which nodes are unneeded (utilisation below the threshold and every pod
//! movable), and which of them to delete now.

use std::collections::HashMap;

use super::estimator::fits;
use super::state::{Autoscaler, NEVER};
use crate::cluster::{NodeId, OwnerKind, PodId, TemplateId, World, CPU, MEMORY};

/// Why a node's pods cannot be evicted (upstream `simulator/drain` reasons, as far as
/// modelled; a pod without a destination is found by the move simulation afterwards).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Blocked {
    /// A pod without a controller (upstream `NotReplicated`).
    NotReplicated,
    /// A kube-system pod without a PodDisruptionBudget (`UnmovableKubeSystemPod`).
    KubeSystemPod,
    /// A PodDisruptionBudget allows too few disruptions (`NotEnoughPdb`).
    Pdb,
}

/// Requests over allocatable of `node`, the larger of cpu and memory, in parts per million
/// (upstream `utilization.Calculate`; a resource with zero allocatable counts as 0).
pub(crate) fn utilization_ppm(world: &World, node: NodeId) -> u64 {
    let f = |r: usize| {
        let a = world.nodes.alloc(node, r);
        if a <= 0 {
            0
        } else {
            (world.nodes.req(node, r).max(0) as i128 * 1_000_000 / a as i128) as u64
        }
    };
    f(CPU).max(f(MEMORY))
}

/// Where a template's destination search stands in `node_order`: it starts where the
/// template's pods last found a destination (upstream's hinting simulator) and wraps around.
#[derive(Clone, Copy, Debug, Default)]
struct Cursor {
    /// Position in `node_order`.
    pos: usize,
    /// Nodes stepped past in this pass.
    scanned: usize,
}

/// Whether `utilization_ppm(node) < threshold_ppm`, without divisions (hot: every node of
/// every group at every loop).
#[inline]
pub(crate) fn below_threshold(world: &World, node: NodeId, threshold_ppm: u64) -> bool {
    let under = |r: usize| {
        let a = world.nodes.alloc(node, r);
        a <= 0
            || (world.nodes.req(node, r).max(0) as i128) * 1_000_000
                < a as i128 * threshold_ppm as i128
    };
    under(CPU) && under(MEMORY)
}

/// Scratch state of one unneeded-nodes pass: requests pods would bring to their destinations
/// and first-fit cursors per template (capacity only shrinks within a pass, so a node that did
/// not fit a template earlier in the pass never will).
#[derive(Default)]
struct MovePlan {
    extra: HashMap<NodeId, Vec<i64>>,
    cursor: HashMap<TemplateId, Cursor>,
    /// Nodes found unneeded in this pass (not destinations).
    gone: Vec<bool>,
}

impl Autoscaler {
    /// The pods that must move off `node` if it is deleted (DaemonSet pods and expendable
    /// pods are not moved), or why it cannot be deleted.
    pub(crate) fn pods_to_move(&self, world: &World, node: NodeId) -> Result<Vec<PodId>, Blocked> {
        let mut out = Vec::new();
        let system = world.interner.lookup("kube-system");
        for &pod in &world.pods_on_node[node.ix()] {
            let t = world.pods.get(pod).expect("bound pod").template;
            let tpl = &world.templates[t as usize];
            if tpl.owner == OwnerKind::DaemonSet || tpl.priority < self.cfg.expendable_cutoff {
                continue;
            }
            if tpl.owner == OwnerKind::Bare {
                return Err(Blocked::NotReplicated);
            }
            if self.cfg.skip_nodes_with_system_pods
                && Some(tpl.namespace) == system
                && !self.budgets.covers(world, t)
            {
                return Err(Blocked::KubeSystemPod);
            }
            out.push(pod);
        }
        if !out.is_empty() && self.budgets.blocks(world, &out) {
            return Err(Blocked::Pdb);
        }
        Ok(out)
    }

    /// Whether `node` holds no pod that would have to move (only DaemonSet and expendable
    /// pods); stops at the first one that would.
    fn movable_free(&self, world: &World, node: NodeId) -> bool {
        world.pods_on_node[node.ix()].iter().all(|&pod| {
            let t = world.pods.get(pod).expect("bound pod").template;
            let tpl = &world.templates[t as usize];
            tpl.owner == OwnerKind::DaemonSet || tpl.priority < self.cfg.expendable_cutoff
        })
    }

    /// Finds a destination for every pod of `pods` (off `from`) and records them in `plan`;
    /// false (and `plan` unchanged apart from cursors) if some pod has none.
    fn place_all(
        &mut self,
        world: &World,
        from: NodeId,
        pods: &[PodId],
        plan: &mut MovePlan,
    ) -> bool {
        let stride = world.resources.len();
        let order = &world.node_order;
        let mut taken: Vec<(NodeId, TemplateId)> = Vec::new();
        let mut free = vec![0i64; stride];
        let mut ok = true;
        for &pod in pods {
            let t = world.pods.get(pod).expect("bound").template;
            let req = &world.templates[t as usize].requests;
            let hint = self.hints.get(&t).copied().unwrap_or(0);
            let c = plan.cursor.entry(t).or_insert(Cursor {
                pos: if order.is_empty() {
                    0
                } else {
                    hint % order.len()
                },
                scanned: 0,
            });
            let mut found = None;
            while c.scanned < order.len() {
                let n = order[c.pos];
                if n != from
                    && !plan.gone[n.ix()]
                    && world.nodes.ready[n.ix()]
                    && self.filter.fits_node(world, t, n)
                {
                    let alloc = world.nodes.allocatable_of(n);
                    let used = world.nodes.requested_of(n);
                    let ex = plan.extra.get(&n);
                    for r in 0..stride {
                        free[r] = alloc[r] - used[r] - ex.map_or(0, |e| e[r]);
                    }
                    if fits(req, &free) {
                        found = Some(n);
                        break;
                    }
                }
                // Skipped nodes stay unfit for the rest of the pass (free room only shrinks);
                // the pod's own node is skipped too (conservative for later pods).
                c.pos = (c.pos + 1) % order.len();
                c.scanned += 1;
            }
            let Some(n) = found else {
                ok = false;
                break;
            };
            let e = plan.extra.entry(n).or_insert_with(|| vec![0; stride]);
            for (x, q) in e.iter_mut().zip(req) {
                *x += q;
            }
            taken.push((n, t));
        }
        if !ok {
            for (n, t) in taken {
                let req = &world.templates[t as usize].requests;
                if let Some(e) = plan.extra.get_mut(&n) {
                    for (x, q) in e.iter_mut().zip(req) {
                        *x -= q;
                    }
                }
            }
        }
        ok
    }

    /// Upstream `UpdateUnneededNodes` + `TryToScaleDown` for one loop: refreshes the unneeded
    /// timers and returns the nodes to delete now.
    pub(crate) fn scale_down(&mut self, world: &World, now_ms: u64) -> Vec<NodeId> {
        self.budgets.refresh(world);
        let threshold = self.cfg.utilization_threshold_ppm;
        // Candidates: live nodes of groups above their minimum, under the threshold;
        // previously unneeded ones first so their timers survive the per-loop cap.
        let mut cands: Vec<(bool, NodeId)> = Vec::new();
        for &n in &world.node_order {
            let Some(g) = self.group_of(world, n) else {
                continue;
            };
            if self.groups[g].live <= self.cfg.groups[g].min_size {
                continue;
            }
            if !world.nodes.ready[n.ix()] || !below_threshold(world, n, threshold) {
                continue;
            }
            cands.push((self.unneeded_since[n.ix()] == NEVER, n));
        }
        // Previously unneeded nodes first (stable: `node_order` within each part).
        let (old, fresh): (Vec<_>, Vec<_>) = cands.iter().partition(|c| !c.0);
        let cands: Vec<(bool, NodeId)> = old.into_iter().chain(fresh).collect();
        // Upstream `scale-down-non-empty-candidates-count` non-empty nodes are simulated per
        // loop, plus a pool of `max(ratio·N, min-count)` more once a node unneeded in the
        // last loop is no longer valid.
        let pool = (world.node_order.len() as u64 * u64::from(self.cfg.candidates_pool_ratio_pct))
            .div_ceil(100)
            .max(u64::from(self.cfg.candidates_pool_min_count)) as usize;
        let mut cap = self.cfg.non_empty_candidates as usize;
        let mut widened = false;
        let mut plan = MovePlan {
            gone: vec![false; world.nodes.len()],
            ..Default::default()
        };
        let mut unneeded: Vec<(NodeId, bool)> = Vec::new(); // (node, empty)
        let mut simulated = 0usize;
        let mut widen = |cap: &mut usize, was_unneeded: bool| {
            if was_unneeded && !widened {
                widened = true;
                *cap += pool;
            }
        };
        for &(fresh, n) in &cands {
            if simulated >= cap && !self.movable_free(world, n) {
                continue; // would need a drain simulation, and the loop's budget is spent
            }
            let Ok(pods) = self.pods_to_move(world, n) else {
                widen(&mut cap, !fresh);
                continue;
            };
            if !pods.is_empty() {
                if simulated >= cap || plan.extra.contains_key(&n) {
                    continue;
                }
                simulated += 1;
                if !self.place_all(world, n, &pods, &mut plan) {
                    widen(&mut cap, !fresh);
                    continue;
                }
            }
            plan.gone[n.ix()] = true;
            unneeded.push((n, pods.is_empty()));
        }
        for (&t, c) in &plan.cursor {
            self.hints.insert(t, c.pos);
        }
        // Timers: nodes unneeded now keep (or start) theirs, every other node loses it.
        let mut now_unneeded = vec![false; world.nodes.len()];
        for &(n, _) in &unneeded {
            now_unneeded[n.ix()] = true;
            if self.unneeded_since[n.ix()] == NEVER {
                self.unneeded_since[n.ix()] = now_ms;
            }
        }
        for (i, u) in self.unneeded_since.iter_mut().enumerate() {
            if !now_unneeded.get(i).copied().unwrap_or(false) {
                *u = NEVER;
            }
        }
        // Cool-downs.
        let cooling = self
            .last_scale_up_ms
            .is_some_and(|t| now_ms < t + self.cfg.delay_after_add_ms)
            || self
                .last_delete_ms
                .is_some_and(|t| now_ms < t + self.cfg.delay_after_delete_ms);
        if cooling {
            return Vec::new();
        }
        let ripe = |n: NodeId| {
            let since = self.unneeded_since[n.ix()];
            since != NEVER && now_ms >= since + self.cfg.unneeded_time_ms
        };
        let mut left: Vec<i64> = self
            .groups
            .iter()
            .zip(&self.cfg.groups)
            .map(|(st, g)| i64::from(st.live) - i64::from(g.min_size))
            .collect();
        let mut out = Vec::new();
        for &(n, empty) in &unneeded {
            if out.len() >= self.cfg.max_empty_bulk_delete as usize {
                break;
            }
            let g = self.group_of(world, n).expect("candidate in a group");
            if empty && ripe(n) && left[g] > 0 {
                left[g] -= 1;
                out.push(n);
            }
        }
        if !out.is_empty() {
            return out;
        }
        // One non-empty node: the least utilised ripe one.
        unneeded
            .iter()
            .filter(|&&(n, empty)| !empty && ripe(n))
            .filter(|&&(n, _)| left[self.group_of(world, n).expect("in a group")] > 0)
            .min_by_key(|&&(n, _)| (utilization_ppm(world, n), n))
            .map(|&(n, _)| vec![n])
            .unwrap_or_default()
    }
}
