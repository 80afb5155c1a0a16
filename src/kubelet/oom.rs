//! OOM kills and restarts: a container above its memory limit is killed at once (leaks: at the
//! exact millisecond its usage crosses the limit, scheduled as one `LeakCheck`), waits in
//! back-off and restarts in place with fresh levels and its leak reset. A Job pod with
//! `restartPolicy: Never` is not restarted: it fails (`ContainerFailed`, through its controller).

use super::config::DAY_MS;
use super::{Ctr, Kubelet, Loc, NEVER};
use crate::cluster::{NodeId, PodId};
use crate::engine::SimTime;
use crate::metrics::cascade::EffectKind;
use crate::metrics::{EffectTarget, EventKind};
use crate::runtime::{Core, KubeletEvent};

/// Memory a container has leaked by `t`: `floor(rate·(t − t0) / DAY_MS)`.
#[inline]
pub(crate) fn leaked(rate: i64, t0: u64, t: u64) -> i64 {
    if rate <= 0 || t <= t0 {
        return 0;
    }
    ((rate as i128 * (t - t0) as i128) / DAY_MS as i128) as i64
}

/// Which OOM killer struck.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kill {
    /// The container exceeded its memory limit (cgroup OOM).
    Limit,
    /// The node ran out of memory (kernel OOM killer); `adj` is the victim's `oom_score_adj`.
    Node {
        /// `oom_score_adj` of the victim.
        adj: i32,
    },
}

impl Kubelet {
    #[inline]
    pub(crate) fn kill_if_over_limit(&mut self, core: &mut Core, l: Loc, k: usize) {
        let now = core.now().as_millis();
        let c = self.ctr(l, k);
        let rt = &self.wl[l.w].ctrs[k];
        if c.alive
            && rt
                .mem_limit
                .is_some_and(|lim| c.mem + leaked(rt.leak, c.t0, now) > lim)
        {
            self.kill(core, l, k, Kill::Limit);
        }
    }

    /// The back-off of container `k` of `pod` is over: it starts again.
    pub(crate) fn on_restart(&mut self, core: &mut Core, pod: PodId, k: usize) {
        let Some(l) = self.loc(pod) else { return };
        if k >= self.wl[l.w].nc || self.ctr(l, k).alive {
            return;
        }
        self.stats.crashloop_left();
        let nc = self.wl[l.w].nc;
        self.wl[l.w].pods_ctrs[l.pos * nc + k].restarts += 1;
        self.stats.restarted(self.rec(l).node as usize, l.w);
        self.start_ctr(core, l, k);
        self.schedule_leak_check(core, l);
        self.flush(core);
    }

    /// The earliest moment a leaking container of the pod at `l` exceeds its limit;
    /// schedules a `LeakCheck` unless an earlier one is pending.
    pub(crate) fn schedule_leak_check(&mut self, core: &mut Core, l: Loc) {
        let now = core.now().as_millis();
        let mut best = NEVER;
        for (k, rt) in self.wl[l.w].ctrs.iter().enumerate() {
            let c = self.ctr(l, k);
            let (true, true, Some(limit)) = (c.alive, rt.leak > 0, rt.mem_limit) else {
                continue;
            };
            // mem + floor(r·(t − t0)/DAY) > limit  ⇔  r·(t − t0) ≥ (limit − mem + 1)·DAY.
            let need = i128::from(limit - c.mem + 1).max(0) * DAY_MS as i128;
            let dt = (need + i128::from(rt.leak) - 1) / i128::from(rt.leak);
            let at = u64::try_from(i128::from(c.t0) + dt)
                .unwrap_or(NEVER)
                .max(now);
            best = best.min(at);
        }
        let rec = &mut self.wl[l.w].pods[l.pos];
        if best < rec.check_at && best <= self.horizon_ms {
            rec.check_at = best;
            core.push(SimTime(best), KubeletEvent::LeakCheck { pod: rec.id });
        }
    }

    /// A scheduled leak crossing: kill the containers now over their limit, reschedule.
    pub(crate) fn on_leak_check(&mut self, core: &mut Core, pod: PodId) {
        let Some(l) = self.loc(pod) else { return };
        if self.rec(l).check_at != core.now().as_millis() {
            return; // superseded by an earlier check
        }
        self.wl[l.w].pods[l.pos].check_at = NEVER;
        for k in 0..self.wl[l.w].nc {
            self.kill_if_over_limit(core, l, k);
        }
        self.schedule_leak_check(core, l);
        self.flush(core);
    }

    /// OOM-kills container `k` of the pod at `l`: its usage leaves the node, the kill is
    /// logged, and it restarts after its back-off.
    pub(crate) fn kill(&mut self, core: &mut Core, l: Loc, k: usize, kind: Kill) {
        let now = core.now().as_millis();
        let c = *self.ctr(l, k);
        let rec = *self.rec(l);
        let (w, n) = (l.w, rec.node as usize);
        let (leak, tpl_index) = (self.wl[w].ctrs[k].leak, self.wl[w].ctrs[k].tpl_index);
        let usage = c.mem + leaked(leak, c.t0, now);
        let mut dead = Ctr {
            alive: false,
            cpu: 0,
            mem: 0,
            ..c
        };
        if let Kill::Node { .. } = kind {
            dead.killed_mem = usage;
            self.nodes.killed_demand[n] += usage;
        }
        let delay = dead.backoff.on_kill(c.t0, now);
        self.set_ctr(now, l, k, dead);
        self.stats.killed(n, w, matches!(kind, Kill::Limit));
        let mut kill_cause = 0;
        if let Some(p) = core.world().pods.get(rec.id).cloned() {
            let name = &core.world().templates[p.template as usize].containers[tpl_index].name;
            let (row, reason) = match kind {
                Kill::Limit => (
                    EventKind::OomKilled,
                    format!("OOMKilled: container {name} exceeded its memory limit"),
                ),
                Kill::Node { adj } => (
                    EventKind::NodeOomKilled,
                    format!(
                        "OOMKilled: node out of memory; container {name} had oom_score_adj {adj}"
                    ),
                ),
            };
            let cause = match kind {
                // A container over its own limit is a root of its own.
                Kill::Limit => {
                    let target = EffectTarget::Pod {
                        workload: p.workload,
                        ordinal: p.ordinal,
                    };
                    core.effect(EffectKind::OomKill, 0, target)
                }
                Kill::Node { .. } => {
                    core.pressure_effect(EffectKind::OomKill, NodeId(n as u32), &p)
                }
            };
            let qos = self.wl[w].qos;
            let at = core.now();
            core.recorder_mut().pressure_event(
                at,
                row,
                &p,
                Some(NodeId(n as u32)),
                qos,
                usage,
                &reason,
                cause,
            );
            kill_cause = cause;
        }
        if self.never_restart[w] {
            // `restartPolicy: Never`: no restart. The pod fails through its controller once
            // no container runs (now, or when it ends; see `Kubelet::handle`).
            self.terminate_for_good(l, k);
            core.push(
                core.now(),
                KubeletEvent::ContainerFailed {
                    pod: rec.id,
                    cause: kill_cause,
                },
            );
            return;
        }
        core.push(
            SimTime(now + delay),
            KubeletEvent::ContainerRestart {
                pod: rec.id,
                container: k as u16,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leak_is_exact_and_floored() {
        // 1Gi/h = 24Gi/day: after one hour exactly 1Gi, one millisecond less is less.
        let r = 24i64 << 30;
        assert_eq!(leaked(r, 1000, 1000 + 3_600_000), 1 << 30);
        assert!(leaked(r, 1000, 1000 + 3_599_999) < 1 << 30);
        assert_eq!(leaked(r, 5, 5), 0);
        assert_eq!(leaked(0, 0, 99), 0);
    }
}
