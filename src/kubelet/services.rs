//! What the service layer asks of the kubelet: the CPU a pod's requests use (on top of its
//! usage level, in its first container), the state of a pod's container as an endpoint, and
//! restarts of containers whose liveness or startup probe failed (the same back-off as an OOM
//! kill, so repeated failures are a CrashLoopBackOff).

use super::Kubelet;
use crate::cluster::{NodeId, PodId};
use crate::engine::SimTime;
use crate::metrics::cascade::EffectKind;
use crate::metrics::{EffectTarget, EventKind};
use crate::runtime::{Core, KubeletEvent};

/// A pod's first container as a service endpoint.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EndpointState {
    /// Running (not in restart back-off).
    pub alive: bool,
    /// When it last started, ms.
    pub started_ms: u64,
    /// Most CPU its service's requests can use, millicores: its CPU limit minus its other
    /// usage, and no more than it gets of a contended node (infinite when neither caps it).
    pub cpu_ceiling: f64,
}

impl Kubelet {
    /// Watches the endpoint state of workload `w`'s pods: from now on every change to it (the
    /// first container's usage, state or start time, the pod's share of contention, the pod
    /// starting or stopping) lists the pod for [`Kubelet::take_endpoint_changes`].
    pub fn watch_endpoints(&mut self, w: usize) {
        if let Some(x) = self.svc_watch.get_mut(w) {
            *x = true;
        }
    }

    /// Moves the watched pods whose endpoint state may have changed since the last call into
    /// `out` (repeats possible).
    pub fn take_endpoint_changes(&mut self, out: &mut Vec<PodId>) {
        out.append(&mut self.svc_dirty);
    }

    /// The endpoint state of the pod at `l` may change.
    #[inline]
    pub(crate) fn endpoint_touched(&mut self, l: super::Loc) {
        if self.svc_watch[l.w] {
            let id = self.wl[l.w].pods[l.pos].id;
            self.svc_dirty.push(id);
        }
    }

    /// Sets the CPU `pod`'s service requests use, millicores (its first container). The
    /// touched nodes are evaluated at [`Kubelet::services_applied`].
    pub fn set_service_cpu(&mut self, core: &mut Core, pod: PodId, cpu: i64) {
        self.stats.advance(core.now().as_millis());
        let Some(l) = self.loc(pod) else { return };
        if self.wl[l.w].nc == 0 {
            return;
        }
        let c = *self.ctr(l, 0);
        if c.svc_cpu == cpu {
            return;
        }
        let mut new = c;
        new.svc_cpu = cpu;
        if c.alive {
            new.cpu = c.cpu - c.svc_cpu + cpu;
        }
        self.set_ctr(core.now().as_millis(), l, 0, new);
    }

    /// Evaluates the nodes whose usage the service layer changed.
    pub fn services_applied(&mut self, core: &mut Core) {
        self.flush(core);
    }

    /// `pod`'s first container as an endpoint (None: not tracked, or no container).
    pub fn endpoint_state(&self, pod: PodId) -> Option<EndpointState> {
        let l = self.loc(pod)?;
        if self.wl[l.w].nc == 0 {
            return None;
        }
        let c = self.ctr(l, 0);
        let rt = &self.wl[l.w].ctrs[0];
        let other = c.cpu - c.svc_cpu;
        let mut ceiling = rt
            .cpu_limit
            .map_or(f64::INFINITY, |lim| (lim - other).max(0) as f64);
        let con = self.rec(l).con;
        if con > 0 {
            ceiling = ceiling.min((c.svc_cpu - con).max(0) as f64);
        }
        Some(EndpointState {
            alive: c.alive,
            started_ms: c.t0,
            cpu_ceiling: ceiling,
        })
    }

    /// Kills `pod`'s first container because its `probe` (`liveness` or `startup`) failed; it
    /// restarts after its back-off. The effect hangs off `parent` (0: a root). Returns the
    /// effect's id (0 if the pod is not tracked or its container is not running).
    pub fn probe_restart(&mut self, core: &mut Core, pod: PodId, probe: &str, parent: u64) -> u64 {
        self.stats.advance(core.now().as_millis());
        let Some(l) = self.loc(pod) else { return 0 };
        if self.wl[l.w].nc == 0 || !self.ctr(l, 0).alive {
            return 0;
        }
        let now = core.now().as_millis();
        let c = *self.ctr(l, 0);
        let rec = *self.rec(l);
        let mut dead = c;
        dead.alive = false;
        dead.cpu = 0;
        dead.mem = 0;
        let delay = dead.backoff.on_kill(c.t0, now);
        self.set_ctr(now, l, 0, dead);
        self.stats.probe_killed();
        let Some(p) = core.world().pods.get(pod).cloned() else {
            return 0;
        };
        let target = EffectTarget::Pod {
            workload: p.workload,
            ordinal: p.ordinal,
        };
        let cause = core.effect(EffectKind::ProbeRestart, parent, target);
        let tpl = self.wl[l.w].ctrs[0].tpl_index;
        let name = &core.world().templates[p.template as usize].containers[tpl].name;
        let reason = format!("Unhealthy: container {name} failed its {probe} probe, restarted");
        let qos = self.wl[l.w].qos;
        let at = core.now();
        core.recorder_mut().pressure_event(
            at,
            EventKind::ProbeKilled,
            &p,
            Some(NodeId(rec.node)),
            qos,
            c.mem,
            &reason,
            cause,
        );
        if self.never_restart[l.w] {
            self.terminate_for_good(l, 0);
            core.push(core.now(), KubeletEvent::ContainerFailed { pod, cause });
        } else {
            core.push(
                SimTime(now + delay),
                KubeletEvent::ContainerRestart { pod, container: 0 },
            );
        }
        self.flush(core);
        cause
    }
}
