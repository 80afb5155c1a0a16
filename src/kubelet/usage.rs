//! Container usage: starting and stopping pods, redrawing noise and load-factor changes. Every
//! change goes through [`Kubelet::set_ctr`] (or the batched path of a usage tick), which
//! applies the difference to the pod and node totals.

use super::oom::leaked;
use super::{Ctr, Kubelet, Loc, PodRec, SlotRef, NEVER};
use crate::cluster::PodId;
use crate::runtime::Core;
use rand::RngExt;

/// What a container adds to its pod and node.
#[derive(Clone, Copy, Default)]
struct Contrib {
    mem: i64,
    cpu: i64,
    thr: i64,
    rate: i64,
    off: i128,
}

impl Kubelet {
    #[inline]
    fn contrib(&self, w: usize, k: usize, c: &Ctr) -> Contrib {
        if !c.alive {
            return Contrib::default();
        }
        let rt = &self.wl[w].ctrs[k];
        let cpu = rt.cpu_limit.map_or(c.cpu, |l| c.cpu.min(l));
        Contrib {
            mem: c.mem,
            cpu,
            thr: c.cpu - cpu,
            rate: rt.leak,
            off: i128::from(rt.leak) * i128::from(c.t0),
        }
    }

    /// Replaces container `k` of the pod at `l` by `new`, applying the difference to the pod,
    /// node, zone and metric totals. The node is marked for evaluation.
    pub(crate) fn set_ctr(&mut self, now: u64, l: Loc, k: usize, new: Ctr) {
        let w = l.w;
        let i = l.pos * self.wl[w].nc + k;
        let old = self.contrib(w, k, &self.wl[w].pods_ctrs[i]);
        self.wl[w].pods_ctrs[i] = new;
        if k == 0 {
            self.endpoint_touched(l);
        }
        let new = self.contrib(w, k, &new);
        let d = Contrib {
            mem: new.mem - old.mem,
            cpu: new.cpu - old.cpu,
            thr: new.thr - old.thr,
            rate: new.rate - old.rate,
            off: new.off - old.off,
        };
        self.apply(now, l, d);
    }

    /// Adds `d` to the totals of the pod at `l` and its node (zone and cluster totals follow
    /// when the node is evaluated, at the same instant).
    fn apply(&mut self, now: u64, l: Loc, d: Contrib) {
        if d.rate != 0 || d.off != 0 {
            let n = self.wl[l.w].pods[l.pos].node as usize;
            if self.nodes.rate[n] > 0 {
                // Leaking memory grows between events: its peak is just before a change.
                self.stats
                    .peak(n, self.nodes.mem_at(n, now), self.nodes.cpu[n]);
            }
            let p = &mut self.wl[l.w].pods[l.pos];
            p.rate += d.rate;
            p.off += d.off;
            self.nodes.rate[n] += d.rate;
            self.nodes.off[n] += d.off;
            self.stats.leak_changed(l.w, now, d.rate, d.off);
            self.touch(n as u32);
        }
        self.apply_usage(now, l, d.mem, d.cpu, d.thr);
    }

    /// Adds memory, CPU and throttled-CPU differences to the pod at `l` and its node.
    #[inline(always)]
    fn apply_usage(&mut self, now: u64, l: Loc, dmem: i64, dcpu: i64, dthr: i64) {
        if dmem == 0 && dcpu == 0 && dthr == 0 {
            return;
        }
        let p: &mut PodRec = &mut self.wl[l.w].pods[l.pos];
        p.mem += dmem;
        p.cpu += dcpu;
        p.thr += dthr;
        let n = p.node as usize;
        let nodes = &mut self.nodes;
        if nodes.rate[n] > 0 {
            self.stats.peak(n, nodes.mem_at(n, now), nodes.cpu[n]);
        }
        nodes.mem[n] += dmem;
        nodes.cpu[n] += dcpu;
        nodes.thr[n] += dthr;
        if dthr != 0 {
            self.stats.throttle_changed(l.w, dthr, now);
        }
        self.stats.usage_changed(l.w, now, dmem, dcpu);
        self.touch(n as u32);
    }

    /// Current usage of container `c` of workload `w` from its level, the load factor and
    /// noise.
    #[inline]
    fn scaled(&self, w: usize, c: &mut Ctr) {
        let rt = &self.wl[w];
        let f = rt.factor;
        let share = rt.cfg.mem_load_share;
        c.cpu = (c.cpu_level as f64 * f * c.cpu_noise) as i64 + c.svc_cpu;
        c.mem = (c.mem_level as f64 * (1.0 - share + share * f) * c.mem_noise) as i64;
    }

    /// Draws fresh noise for container `c` of workload `w` (one 64-bit draw, if any noise).
    #[inline]
    fn redraw_noise(&mut self, w: usize, c: &mut Ctr) {
        let rt = &mut self.wl[w];
        if rt.cpu_noise.is_none() && rt.mem_noise.is_none() {
            return;
        }
        let bits: u64 = rt.rng.random();
        if let Some(t) = &rt.cpu_noise {
            c.cpu_noise = t.get(bits as u32);
        }
        if let Some(t) = &rt.mem_noise {
            c.mem_noise = t.get((bits >> 32) as u32);
        }
    }

    /// Starts (or restarts) container `k` of the pod at `l`: new levels, fresh noise, leak
    /// from now; killed at once if it starts above its memory limit.
    pub(crate) fn start_ctr(&mut self, core: &mut Core, l: Loc, k: usize) {
        let now = core.now().as_millis();
        let mut c = *self.ctr(l, k);
        if c.killed_mem != 0 {
            let n = self.rec(l).node as usize;
            self.nodes.killed_demand[n] -= c.killed_mem;
            c.killed_mem = 0;
        }
        let rt = &mut self.wl[l.w];
        c.cpu_level = rt.ctrs[k].cpu.sample(&mut rt.rng);
        c.mem_level = rt.ctrs[k].mem.sample(&mut rt.rng);
        c.cpu_noise = 1.0;
        c.mem_noise = 1.0;
        self.redraw_noise(l.w, &mut c);
        self.scaled(l.w, &mut c);
        c.alive = true;
        c.t0 = now;
        self.set_ctr(now, l, k, c);
        self.kill_if_over_limit(core, l, k);
    }

    /// A pod became Running: track it and start its containers.
    pub(crate) fn start_pod(&mut self, core: &mut Core, pod: PodId) {
        let Some(p) = core.world().pods.get(pod) else {
            return;
        };
        let (Some(node), w) = (p.node, p.workload as usize) else {
            return;
        };
        let slot = pod.index as usize;
        if self.slots.len() <= slot {
            self.slots.resize(
                slot + 1,
                SlotRef {
                    id: pod,
                    live: false,
                    w: 0,
                    pos: 0,
                },
            );
        }
        let rt = &mut self.wl[w];
        let pos = rt.pods.len();
        rt.pods.push(PodRec {
            id: pod,
            node: node.0,
            mem: 0,
            cpu: 0,
            thr: 0,
            con: 0,
            rate: 0,
            off: 0,
            check_at: NEVER,
        });
        rt.pods_ctrs
            .extend(std::iter::repeat_n(Ctr::default(), rt.nc));
        self.slots[slot] = SlotRef {
            id: pod,
            live: true,
            w: w as u32,
            pos: pos as u32,
        };
        let l = Loc { w, pos };
        self.endpoint_touched(l);
        for k in 0..self.wl[w].nc {
            self.start_ctr(core, l, k);
        }
        self.schedule_leak_check(core, l);
        self.flush(core);
    }

    /// A Running pod stopped: its containers' usage leaves the node.
    pub(crate) fn stop_pod(&mut self, core: &mut Core, pod: PodId) {
        let Some(l) = self.loc(pod) else { return };
        self.endpoint_touched(l);
        let now = core.now().as_millis();
        let nc = self.wl[l.w].nc;
        for k in 0..nc {
            let c = *self.ctr(l, k);
            if c.alive {
                self.set_ctr(
                    now,
                    l,
                    k,
                    Ctr {
                        alive: false,
                        cpu: 0,
                        mem: 0,
                        ..c
                    },
                );
            } else if !c.terminated {
                self.stats.crashloop_left();
                if c.killed_mem != 0 {
                    let n = self.rec(l).node as usize;
                    self.nodes.killed_demand[n] -= c.killed_mem;
                }
            }
        }
        let con = self.rec(l).con;
        if con != 0 {
            self.stats.contention_changed(l.w, -con, now);
        }
        let rt = &mut self.wl[l.w];
        rt.pods.swap_remove(l.pos);
        let last = rt.pods.len();
        if l.pos < last {
            rt.pods_ctrs
                .copy_within(last * nc..(last + 1) * nc, l.pos * nc);
            let moved = rt.pods[l.pos].id.index as usize;
            self.slots[moved].pos = l.pos as u32;
        }
        rt.pods_ctrs.truncate(last * nc);
        self.slots[pod.index as usize].live = false;
        self.flush(core);
    }

    /// Re-scales every running container of workload `w` (new load factor; fresh noise when
    /// `redraw`); the touched nodes are evaluated by the caller's `flush`. The hot loop of the usage model: one pass
    /// over the workload's dense pod list, one total update per pod.
    pub(crate) fn rescale(&mut self, core: &mut Core, w: usize, redraw: bool) {
        let now = core.now().as_millis();
        if self.svc_watch[w] {
            let ids = self.wl[w].pods.iter().map(|p| p.id);
            self.svc_dirty.extend(ids);
        }
        let mut over: Vec<(usize, usize)> = Vec::new();
        let Kubelet {
            wl,
            nodes,
            stats,
            stamp,
            touched,
            ..
        } = self;
        let rt = &mut wl[w];
        let (nc, specs, rng) = (rt.nc, &rt.ctrs, &mut rt.rng);
        let (cpu_noise, mem_noise) = (rt.cpu_noise.as_ref(), rt.mem_noise.as_ref());
        let draw = redraw && (cpu_noise.is_some() || mem_noise.is_some());
        let cpu_f = rt.factor;
        let mem_f = 1.0 - rt.cfg.mem_load_share + rt.cfg.mem_load_share * rt.factor;
        let (mut thr_total, mut mem_total, mut cpu_total) = (0i64, 0i64, 0i64);
        let rows = rt
            .pods
            .iter_mut()
            .zip(rt.pods_ctrs.chunks_exact_mut(nc.max(1)));
        for (pos, (p, cs)) in rows.enumerate() {
            let (mut dmem, mut dcpu, mut dthr) = (0i64, 0i64, 0i64);
            for (k, (c, spec)) in cs.iter_mut().zip(specs).enumerate() {
                if !c.alive {
                    continue;
                }
                let (old_mem, old_cpu) = (c.mem, c.cpu);
                if draw {
                    let bits: u64 = rng.random();
                    if let Some(t) = cpu_noise {
                        c.cpu_noise = t.get(bits as u32);
                    }
                    if let Some(t) = mem_noise {
                        c.mem_noise = t.get((bits >> 32) as u32);
                    }
                }
                c.cpu = (c.cpu_level as f64 * cpu_f * c.cpu_noise) as i64 + c.svc_cpu;
                c.mem = (c.mem_level as f64 * mem_f * c.mem_noise) as i64;
                let eff = |v: i64| spec.cpu_limit.map_or(v, |lim| v.min(lim));
                dmem += c.mem - old_mem;
                dcpu += eff(c.cpu) - eff(old_cpu);
                dthr += (c.cpu - eff(c.cpu)) - (old_cpu - eff(old_cpu));
                if spec
                    .mem_limit
                    .is_some_and(|lim| c.mem + leaked(spec.leak, c.t0, now) > lim)
                {
                    over.push((pos, k));
                }
            }
            if dmem == 0 && dcpu == 0 && dthr == 0 {
                continue;
            }
            p.mem += dmem;
            p.cpu += dcpu;
            p.thr += dthr;
            let n = p.node as usize;
            if nodes.rate[n] > 0 {
                stats.peak(n, nodes.mem_at(n, now), nodes.cpu[n]);
            }
            nodes.mem[n] += dmem;
            nodes.cpu[n] += dcpu;
            nodes.thr[n] += dthr;
            thr_total += dthr;
            mem_total += dmem;
            cpu_total += dcpu;
            if !stamp[n] {
                stamp[n] = true;
                touched.push(n as u32);
            }
        }
        stats.throttle_changed(w, thr_total, now);
        stats.usage_changed(w, now, mem_total, cpu_total);
        // Kills and leak checks after the pass (a kill never moves a pod in the list).
        for (pos, k) in over {
            self.kill_if_over_limit(core, Loc { w, pos }, k);
        }
        if self.wl[w]
            .ctrs
            .iter()
            .any(|c| c.leak > 0 && c.mem_limit.is_some())
        {
            for pos in 0..self.wl[w].pods.len() {
                if self.wl[w].pods[pos].rate > 0 {
                    self.schedule_leak_check(core, Loc { w, pos });
                }
            }
        }
    }

    /// Usage tick of workload `w`: diurnal factor at `now`, fresh noise for every container.
    /// The caller evaluates the touched nodes (`flush`).
    pub(crate) fn on_tick(&mut self, core: &mut Core, w: usize) {
        let now = core.now().as_millis();
        let spike = self.spike_factor(w);
        let rt = &mut self.wl[w];
        rt.diurnal = rt.cfg.diurnal.map_or(1.0, |d| d.factor(now));
        rt.factor = rt.diurnal * spike;
        self.rescale(core, w, true);
    }

    fn spike_factor(&self, w: usize) -> f64 {
        let rt = &self.wl[w];
        match &rt.cfg.spikes {
            Some(s) if rt.spikes_on > 0 => s.size,
            _ => 1.0,
        }
    }

    /// A spike of workload `w` started or ended.
    pub(crate) fn refactor(&mut self, core: &mut Core, w: usize) {
        let f = self.wl[w].diurnal * self.spike_factor(w);
        if f == self.wl[w].factor {
            return;
        }
        self.wl[w].factor = f;
        self.rescale(core, w, false);
        self.flush(core);
    }
}
