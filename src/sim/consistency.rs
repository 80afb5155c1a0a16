//! The consistency check (tests and debugging): a full recount compared with every counter.

use super::*;

impl<S: PodScheduler, Q: PodQueue> Simulation<S, Q> {
    /// Scans the whole state and reports the first inconsistency: phase counters vs the slab,
    /// per-workload counts vs the slab, pod conservation, node totals vs bound pods. Expensive
    /// (for tests and debugging only).
    pub fn check_consistency(&self) -> Result<(), String> {
        let w = self.core.world();
        let r = self.core.recorder();
        let pc = w.phase_counts();
        let (mut pending, mut running) = (0usize, 0usize);
        let mut per = vec![(0u64, 0u64); self.infos.len()];
        for (_, p) in w.pods.iter() {
            match p.phase {
                PodPhase::Pending => {
                    pending += 1;
                    per[p.workload as usize].0 += 1;
                    if p.node.is_some() {
                        return Err("a Pending pod is bound".into());
                    }
                }
                PodPhase::Running => {
                    running += 1;
                    per[p.workload as usize].1 += 1;
                    if p.node.is_none() {
                        return Err("a Running pod is not bound".into());
                    }
                }
                PodPhase::Succeeded | PodPhase::Failed => {}
            }
        }
        if (pending, running) != (pc.pending, pc.running) {
            return Err(format!(
                "phase counters {pc:?} vs slab pending {pending} running {running}"
            ));
        }
        let lhs = r.pods_created();
        let rhs = pc.pending as u64
            + pc.running as u64
            + r.pods_succeeded()
            + r.pods_failed()
            + r.pods_deleted();
        if lhs != rhs {
            return Err(format!(
                "conservation: created {lhs} != pending {} + running {} + succeeded {} + failed {} + deleted {}",
                pc.pending,
                pc.running,
                r.pods_succeeded(),
                r.pods_failed(),
                r.pods_deleted()
            ));
        }
        for (i, (pend, run)) in per.iter().enumerate() {
            let (created, rp, rr, succ, failed, deleted) = r.workload_counts(i as u32);
            if (*pend, *run) != (rp, rr) {
                return Err(format!(
                    "workload {}: slab pending/running {pend}/{run} vs recorder {rp}/{rr}",
                    self.infos[i].name
                ));
            }
            if created != rp + rr + succ + failed + deleted {
                return Err(format!(
                    "workload {}: per-workload conservation broken",
                    self.infos[i].name
                ));
            }
        }
        let stride = w.nodes.stride();
        let mut req = vec![0i64; w.nodes.len() * stride];
        for (id, p) in w.pods.iter() {
            if let Some(n) = p.node {
                if !w.pods_on_node[n.ix()].contains(&id) {
                    return Err(format!("pod {id:?} missing from its node's list"));
                }
                let t = &w.templates[p.template as usize];
                for (k, v) in t.requests.iter().enumerate() {
                    req[n.ix() * stride + k] += v;
                }
            }
        }
        if let Some(n) = w
            .nodes
            .ids()
            .find(|n| !w.nodes.is_live(*n) && !w.pods_on_node[n.ix()].is_empty())
        {
            return Err(format!(
                "removed node {} still holds pods",
                w.nodes.name[n.ix()]
            ));
        }
        if w.node_order.len() != w.nodes.live_ids().count()
            || w.node_order.iter().any(|n| !w.nodes.is_live(*n))
        {
            return Err("node_order does not list exactly the live nodes".into());
        }
        if r.nodes_total() != w.node_order.len() as u64 {
            return Err(format!(
                "recorder counts {} nodes, the world has {}",
                r.nodes_total(),
                w.node_order.len()
            ));
        }
        if req != w.nodes.requested {
            return Err("node requested totals differ from the sum of bound pods".into());
        }
        for n in w.nodes.ids() {
            for k in 0..stride {
                if w.nodes.req(n, k) > w.nodes.alloc(n, k) {
                    return Err(format!(
                        "node {} over-committed on resource {k}",
                        w.nodes.name[n.ix()]
                    ));
                }
            }
        }
        let t = r.totals();
        let cpu: i64 = w
            .nodes
            .ids()
            .map(|n| w.nodes.req(n, crate::cluster::CPU))
            .sum();
        if t.cpu_requested_m != cpu {
            return Err(format!(
                "recorder cpu requested {} vs nodes {cpu}",
                t.cpu_requested_m
            ));
        }
        // Each utilisation figure over its node set: requests on Ready nodes, allocatable of
        // Ready nodes and of all live nodes.
        let cpu = crate::cluster::CPU;
        let sum = |f: &dyn Fn(NodeId) -> i64| w.nodes.ids().map(f).sum::<i64>();
        let ready = |n: NodeId| w.nodes.is_live(n) && w.nodes.ready[n.ix()];
        let recount = (
            sum(&|n| if ready(n) { w.nodes.req(n, cpu) } else { 0 }),
            sum(&|n| if ready(n) { w.nodes.alloc(n, cpu) } else { 0 }),
            sum(&|n| {
                if w.nodes.is_live(n) {
                    w.nodes.alloc(n, cpu)
                } else {
                    0
                }
            }),
        );
        let kept = (
            t.cpu_requested_m_ready,
            t.cpu_allocatable_m,
            t.cpu_allocatable_m_all,
        );
        if kept != recount {
            return Err(format!(
                "recorder cpu (requested on Ready, allocatable Ready, allocatable all) {kept:?} vs nodes {recount:?}"
            ));
        }
        let ready_pods = w
            .pods
            .iter()
            .filter(|(id, p)| {
                p.phase == PodPhase::Running
                    && p.node.is_some_and(|n| self.core.counts_ready(*id, n))
            })
            .count() as u64;
        if r.pods_ready() != ready_pods {
            return Err(format!(
                "recorder counts {} ready pods, the slab {ready_pods}",
                r.pods_ready()
            ));
        }
        if let Some(k) = self.kubelet() {
            let alive = w
                .pods
                .iter()
                .filter(|(_, p)| {
                    p.phase == PodPhase::Running
                        && p.node.is_some_and(|n| !self.core.health().is_dead(n))
                })
                .count();
            k.check_consistency(w, alive)?;
        }
        Ok(())
    }
}
