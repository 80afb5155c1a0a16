//! Scale-up (upstream `core/scaleup`): which unschedulable pods need new nodes, which node
//! group gets them, and how many.

use std::collections::HashMap;

use super::estimator::{estimate, fits};
use super::expander::{choose, ScaleUpOption};
use super::state::Autoscaler;
use crate::cluster::{NodeId, PodId, PodPhase, TemplateId, World, CPU, MEMORY};

impl Autoscaler {
    /// The still-unschedulable pods, deduplicated (stale ones dropped).
    fn unschedulable_pods(&mut self, world: &World) -> Vec<PodId> {
        let cutoff = self.cfg.expendable_cutoff;
        self.pending.sort_unstable();
        self.pending.dedup();
        self.pending.retain(|&id| {
            world.pods.get(id).is_some_and(|p| {
                p.phase == PodPhase::Pending
                    && p.node.is_none()
                    && world.templates[p.template as usize].priority >= cutoff
            })
        });
        self.waiting.retain(|id, _| world.pods.get(*id).is_some());
        self.pending
            .iter()
            .copied()
            .filter(|&id| world.pods.get(id).is_some_and(|p| p.nominated.is_none()))
            .collect()
    }

    /// Upstream `filterOutSchedulable`: drops the pods that fit on existing nodes now
    /// (first fit in `node_order`, earlier pods' requests counted), keeping the rest.
    fn filter_out_schedulable(&mut self, world: &World, pods: Vec<PodId>) -> Vec<PodId> {
        let stride = world.resources.len();
        let order = &world.node_order;
        let mut extra: HashMap<NodeId, Vec<i64>> = HashMap::new();
        let mut cursor: HashMap<TemplateId, usize> = HashMap::new();
        let mut free = vec![0i64; stride];
        let mut rest = Vec::new();
        for pod in pods {
            let t = world.pods.get(pod).expect("filtered live").template;
            let req = &world.templates[t as usize].requests;
            let c = cursor.entry(t).or_insert(0);
            let mut placed = false;
            while *c < order.len() {
                let n = order[*c];
                if world.nodes.ready[n.ix()] && self.filter.fits_node(world, t, n) {
                    let alloc = world.nodes.allocatable_of(n);
                    let used = world.nodes.requested_of(n);
                    let ex = extra.get(&n);
                    for r in 0..stride {
                        free[r] = alloc[r] - used[r] - ex.map_or(0, |e| e[r]);
                    }
                    if fits(req, &free) {
                        let e = extra.entry(n).or_insert_with(|| vec![0; stride]);
                        for (x, q) in e.iter_mut().zip(req) {
                            *x += q;
                        }
                        placed = true;
                        break;
                    }
                }
                *c += 1;
            }
            if !placed {
                rest.push(pod);
            }
        }
        rest
    }

    /// Whether pods of `t` fit an empty new node of group `g`.
    fn group_accepts(&mut self, world: &World, g: usize, t: TemplateId) -> bool {
        let req = &world.templates[t as usize].requests;
        if !fits(req, &self.groups[g].capacity) {
            return false;
        }
        let shapes = &self.cfg.groups[g].shapes;
        for zone in shapes {
            if self.filter.fits_shape(world, t, &zone[0]) {
                return true;
            }
        }
        false
    }

    pub(super) fn scale_up(&mut self, world: &World, now_ms: u64) -> Option<(usize, u32)> {
        let pods = self.unschedulable_pods(world);
        if pods.is_empty() {
            return None;
        }
        let mut pods = self.filter_out_schedulable(world, pods);
        // Pods that will fit on nodes still provisioning wait for them.
        for g in 0..self.groups.len() {
            if pods.is_empty() {
                break;
            }
            let upcoming = self.groups[g].upcoming;
            if upcoming == 0 {
                continue;
            }
            let (idx, reqs) = self.candidates(world, g, &pods);
            let e = estimate(&reqs, &self.groups[g].capacity.clone(), upcoming, 0);
            let mut taken = vec![false; pods.len()];
            for &i in &e.placed {
                taken[idx[i]] = true;
                self.wait_for(world, pods[idx[i]]);
            }
            let mut k = 0;
            pods.retain(|_| {
                k += 1;
                !taken[k - 1]
            });
        }
        if pods.is_empty() {
            return None;
        }
        let total: u64 = self
            .groups
            .iter()
            .map(|g| u64::from(g.live) + u64::from(g.upcoming))
            .sum::<u64>()
            + world
                .node_order
                .iter()
                .filter(|n| self.group_of(world, **n).is_none())
                .count() as u64;
        let total_room = match self.cfg.max_nodes_total {
            0 => u64::MAX,
            m => u64::from(m).saturating_sub(total),
        };
        let mut options = Vec::new();
        let mut placed_by_option = Vec::new();
        for g in 0..self.groups.len() {
            let st = &self.groups[g];
            let size = u64::from(st.live) + u64::from(st.upcoming);
            let room = u64::from(self.cfg.groups[g].max_size)
                .saturating_sub(size)
                .min(total_room)
                .min(u64::from(self.cfg.max_nodes_per_scaleup)) as u32;
            if room == 0 {
                continue;
            }
            let (idx, reqs) = self.candidates(world, g, &pods);
            if reqs.is_empty() {
                continue;
            }
            let cap = self.groups[g].capacity.clone();
            let e = estimate(&reqs, &cap, 0, room);
            if e.new_nodes == 0 {
                continue;
            }
            let (cpu, mem) = e
                .on_new
                .iter()
                .fold((0, 0), |(c, m), &i| (c + reqs[i][CPU], m + reqs[i][MEMORY]));
            options.push(ScaleUpOption {
                group: g,
                nodes: e.new_nodes,
                pods: e.on_new.len() as u32,
                cpu_m: cpu,
                mem,
                node_cpu_m: cap[CPU],
                node_mem: cap[MEMORY],
                priority: self.cfg.groups[g].priority,
            });
            placed_by_option.push(e.on_new.iter().map(|&i| pods[idx[i]]).collect::<Vec<_>>());
        }
        let pick = choose(self.cfg.expander, &options, &mut self.rng)?;
        let o = &options[pick];
        for &pod in &placed_by_option[pick] {
            self.wait_for(world, pod);
        }
        self.groups[o.group].upcoming += o.nodes;
        self.last_scale_up_ms = Some(now_ms);
        self.scale_ups += 1;
        Some((o.group, o.nodes))
    }

    /// The pods (indices into `pods`) group `g` accepts, with their request vectors.
    fn candidates<'w>(
        &mut self,
        world: &'w World,
        g: usize,
        pods: &[PodId],
    ) -> (Vec<usize>, Vec<&'w [i64]>) {
        let mut accept: HashMap<TemplateId, bool> = HashMap::new();
        let mut idx = Vec::new();
        let mut reqs = Vec::new();
        for (i, &pod) in pods.iter().enumerate() {
            let t = world.pods.get(pod).expect("live").template;
            let ok = match accept.get(&t) {
                Some(&v) => v,
                None => {
                    let v = self.group_accepts(world, g, t);
                    accept.insert(t, v);
                    v
                }
            };
            if ok {
                idx.push(i);
                reqs.push(world.templates[t as usize].requests.as_slice());
            }
        }
        (idx, reqs)
    }

    fn wait_for(&mut self, world: &World, pod: PodId) {
        if let Some(p) = world.pods.get(pod) {
            self.waiting.entry(pod).or_insert(p.created.as_millis());
        }
    }
}
