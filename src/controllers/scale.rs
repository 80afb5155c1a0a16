//! Changing a Deployment's or StatefulSet's `spec.replicas` (the scale subresource a
//! HorizontalPodAutoscaler writes).
//!
//! A Deployment (its ReplicaSet) creates the missing pods, which the scheduler places, or
//! deletes the surplus in upstream ReplicaSet order (`pkg/controller/replicaset`
//! `getPodsToDelete` → `controller.ActivePodsWithRanks`): unassigned before assigned, Pending
//! before Running, not ready before ready, more pods of the same ReplicaSet on the node first,
//! ready for less time first, newer first. Not modelled: `controller.kubernetes.io/pod-deletion-cost`,
//! container restart counts and the `LogarithmicScaleDown` buckets (exact times compare
//! instead); remaining ties go to the highest ordinal. A StatefulSet removes its highest
//! ordinals and creates the new ones (`Parallel` pod management, as everywhere here).
//!
//! A deleted Running pod leaves at once (no grace period, as every deletion here), except on
//! an unreachable node, where it stays terminating until the node confirms, as a drain's does.

use std::cmp::Reverse;

use super::{Controllers, KindState, WorkloadKind, WorkloadState};
use crate::cluster::{PodId, PodPhase, WorkloadId};
use crate::runtime::Core;

impl Controllers {
    /// `spec.replicas` of a Deployment or StatefulSet (None for other kinds).
    pub fn replicas(&self, w: WorkloadId) -> Option<u32> {
        match self.workloads[w as usize].spec.kind {
            WorkloadKind::Deployment { replicas } | WorkloadKind::StatefulSet { replicas } => {
                Some(replicas)
            }
            _ => None,
        }
    }

    /// Sets `spec.replicas` of Deployment or StatefulSet `w` to `replicas`: new pods are
    /// created and queued, surplus pods deleted (see the module doc). No-op for other kinds.
    pub fn scale(&mut self, core: &mut Core, w: WorkloadId, replicas: u32) {
        let Some(old) = self.replicas(w) else {
            return;
        };
        if old == replicas {
            return;
        }
        let state = &mut self.workloads[w as usize];
        match &mut state.spec.kind {
            WorkloadKind::Deployment { replicas: r }
            | WorkloadKind::StatefulSet { replicas: r } => *r = replicas,
            _ => unreachable!("checked"),
        }
        let now = core.now();
        core.recorder_mut().set_desired(w, u64::from(replicas), now);
        match state.kind {
            KindState::Deployment => scale_deployment(state, core, old, replicas),
            KindState::StatefulSet(_) => scale_statefulset(state, core, old, replicas),
            _ => {}
        }
    }
}

fn delete(core: &mut Core, pod: PodId) {
    // On an unreachable node the deletion waits for the node (the owner does not replace it).
    if !core.pod_is_stalled(pod) || !core.mark_terminating(pod, 0) {
        core.remove(pod);
    }
}

/// What the ReplicaSet ranking reads of one active pod.
struct Candidate {
    id: PodId,
    node: Option<u32>,
    running: bool,
    ready: bool,
    started_ms: u64,
    created_ms: u64,
    ordinal: u32,
}

fn scale_deployment(w: &mut WorkloadState, core: &mut Core, old: u32, new: u32) {
    if new > old {
        for _ in old..new {
            let ordinal = w.take_ordinal();
            let pod = core.create_pod(w.spec.template, w.id, ordinal, 0);
            core.enqueue(pod);
        }
        return;
    }
    // Active pods of the ReplicaSet (terminating ones were replaced already).
    let pods: Vec<Candidate> = core
        .world()
        .pods
        .iter()
        .filter(|(id, p)| {
            p.workload == w.id
                && matches!(p.phase, PodPhase::Pending | PodPhase::Running)
                && !core.health().is_terminating(*id)
        })
        .map(|(id, p)| Candidate {
            id,
            node: p.node.map(|n| n.0),
            running: p.phase == PodPhase::Running,
            ready: p.node.is_some_and(|n| core.counts_ready(id, n)),
            started_ms: p.started.map_or(0, |t| t.as_millis()),
            created_ms: p.created.as_millis(),
            ordinal: p.ordinal,
        })
        .collect();
    // Related pods per node (upstream ranks each pod by the ReplicaSet's pods on its node).
    let ranks: Vec<usize> = pods
        .iter()
        .map(|p| {
            p.node
                .map_or(0, |n| pods.iter().filter(|q| q.node == Some(n)).count())
        })
        .collect();
    let mut order: Vec<usize> = (0..pods.len()).collect();
    order.sort_by_key(|&i| {
        let p = &pods[i];
        (
            p.node.is_some(),
            p.running,
            p.ready,
            Reverse(ranks[i]),
            Reverse(if p.ready { p.started_ms } else { 0 }),
            Reverse(p.created_ms),
            Reverse(p.ordinal),
        )
    });
    let surplus = (old - new) as usize;
    let victims: Vec<PodId> = order.iter().take(surplus).map(|&i| pods[i].id).collect();
    for pod in victims {
        delete(core, pod);
    }
}

fn scale_statefulset(w: &mut WorkloadState, core: &mut Core, old: u32, new: u32) {
    let KindState::StatefulSet(s) = &mut w.kind else {
        unreachable!("not a StatefulSet")
    };
    if new < old {
        let gone: Vec<PodId> = s.pods.drain(new as usize..).flatten().collect();
        for pod in gone {
            if core.world().pods.get(pod).is_some() && !core.health().is_terminating(pod) {
                delete(core, pod);
            }
        }
        return;
    }
    s.pods.resize(new as usize, None);
    for ordinal in old..new {
        let pod = core.create_pod(w.spec.template, w.id, ordinal, 0);
        core.enqueue(pod);
        if let KindState::StatefulSet(s) = &mut w.kind {
            s.pods[ordinal as usize] = Some(pod);
        }
    }
}
