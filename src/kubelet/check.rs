//! Consistency of the incremental totals (tests and debugging: a full scan).

use super::Kubelet;
use crate::cluster::{PodPhase, World};

impl Kubelet {
    /// Every Running pod is tracked on its node and nothing else is; each pod's totals equal
    /// the sum over its live containers; each node's totals equal the sum over its pods.
    /// `running` is the number of Running pods whose containers run (not on a dead node).
    pub(crate) fn check_totals(&self, world: &World, running: usize) -> Result<(), String> {
        let n = self.nodes.len();
        let mut con = vec![0i64; n];
        let (mut mem, mut cpu, mut thr, mut rate, mut off) = (
            vec![0i64; n],
            vec![0i64; n],
            vec![0i64; n],
            vec![0i64; n],
            vec![0i128; n],
        );
        let mut tracked = 0usize;
        for (slot, r) in self.slots.iter().enumerate() {
            if !r.live {
                continue;
            }
            if r.id.index as usize != slot {
                return Err(format!("slot {slot} holds pod {:?}", r.id));
            }
            tracked += 1;
            let l = super::Loc {
                w: r.w as usize,
                pos: r.pos as usize,
            };
            let rec = self
                .wl
                .get(l.w)
                .and_then(|w| w.pods.get(l.pos))
                .ok_or_else(|| format!("pod {:?} has no usage record", r.id))?;
            if rec.id != r.id {
                return Err(format!(
                    "pod {:?}: its usage record belongs to {:?}",
                    r.id, rec.id
                ));
            }
            let p = world
                .pods
                .get(r.id)
                .ok_or_else(|| format!("tracked pod {:?} is gone", r.id))?;
            if p.phase != PodPhase::Running || p.node.map(|x| x.0) != Some(rec.node) {
                return Err(format!(
                    "tracked pod {:?} is {:?} on {:?}, tracked on node {}",
                    r.id, p.phase, p.node, rec.node
                ));
            }
            let rt = &self.wl[l.w];
            let (mut pm, mut pc, mut pt, mut pr, mut po) = (0i64, 0i64, 0i64, 0i64, 0i128);
            for (k, c) in rt.ctrs.iter().enumerate() {
                let x = self.ctr(l, k);
                if !x.alive {
                    continue;
                }
                let eff = c.cpu_limit.map_or(x.cpu, |lim| x.cpu.min(lim));
                pm += x.mem;
                pc += eff;
                pt += x.cpu - eff;
                pr += c.leak;
                po += i128::from(c.leak) * i128::from(x.t0);
            }
            if (pm, pc, pt, pr, po) != (rec.mem, rec.cpu, rec.thr, rec.rate, rec.off) {
                return Err(format!(
                    "pod {:?}: totals {:?} vs containers {:?}",
                    r.id,
                    (rec.mem, rec.cpu, rec.thr, rec.rate, rec.off),
                    (pm, pc, pt, pr, po)
                ));
            }
            let i = rec.node as usize;
            con[i] += rec.con;
            mem[i] += pm;
            cpu[i] += pc;
            thr[i] += pt;
            rate[i] += pr;
            off[i] += po;
        }
        let listed: usize = self.wl.iter().map(|w| w.pods.len()).sum();
        if listed != tracked {
            return Err(format!("{listed} usage records, {tracked} tracked pods"));
        }
        if tracked != running {
            return Err(format!("{tracked} pods tracked, {running} Running"));
        }
        let c = &self.nodes;
        for i in 0..n {
            if (mem[i], cpu[i], thr[i], rate[i], off[i])
                != (c.mem[i], c.cpu[i], c.thr[i], c.rate[i], c.off[i])
            {
                return Err(format!(
                    "node {}: totals differ from the sum over its pods",
                    world.nodes.name[i]
                ));
            }
            // The pods' contention shares add up to the node's contention.
            if con[i] != (c.cpu[i] - c.alloc_cpu[i]).max(0) {
                return Err(format!(
                    "node {}: pods' contention {} vs node demand {} over allocatable {}",
                    world.nodes.name[i], con[i], c.cpu[i], c.alloc_cpu[i]
                ));
            }
        }
        Ok(())
    }
}
