//! StatefulSet: keeps ordinals `0..replicas`, each with at most one pod. A replacement for
//! ordinal k is created only once the old pod is gone from the slab (at-most-one identity).
//!
//! All ordinals are created at time zero (`podManagementPolicy: Parallel` semantics): the
//! simulator has no readiness delay, so `OrderedReady` would differ only when an ordinal
//! cannot be scheduled.

use super::{KindState, WorkloadKind, WorkloadState};
use crate::cluster::PodId;
use crate::engine::SimTime;
use crate::runtime::{ControllerEvent, Core};

/// How long to wait before checking again whether an old pod is gone.
pub const RECHECK_MS: u64 = 1_000;

/// StatefulSet controller state.
pub(crate) struct State {
    /// The last pod created for each ordinal (its id goes stale once it leaves the slab).
    pub pods: Vec<Option<PodId>>,
}

impl State {
    pub fn new(replicas: u32) -> Self {
        State {
            pods: vec![None; replicas as usize],
        }
    }
}

fn state(w: &mut WorkloadState) -> &mut State {
    match &mut w.kind {
        KindState::StatefulSet(s) => s,
        _ => unreachable!("not a StatefulSet"),
    }
}

/// Time zero: creates ordinals `0..replicas`; an ordinal with an `initialPlacement` node is
/// bound there (if it does not fit it fails with `OutOf<resource>` and is replaced as a
/// deleted pod is), the others go to the scheduler.
pub(crate) fn start(w: &mut WorkloadState, core: &mut Core) {
    let WorkloadKind::StatefulSet { replicas } = w.spec.kind else {
        unreachable!("not a StatefulSet")
    };
    let now = core.now();
    core.recorder_mut()
        .add_desired(w.id, u64::from(replicas), now);
    for ordinal in 0..replicas {
        match w.spec.initial_node(ordinal as usize) {
            None => create(w, core, ordinal, 0),
            Some(node) => {
                let pod = core.create_pod(w.spec.template, w.id, ordinal, 0);
                state(w).pods[ordinal as usize] = Some(pod);
                if super::admit_on_node(core, pod, node, super::INITIAL_PLACEMENT).is_some() {
                    on_pod_gone(w, core, ordinal, 0);
                }
            }
        }
    }
}

fn create(w: &mut WorkloadState, core: &mut Core, ordinal: u32, cause: u64) {
    let pod = core.create_pod(w.spec.template, w.id, ordinal, cause);
    core.enqueue(pod);
    state(w).pods[ordinal as usize] = Some(pod);
}

/// The pod of `ordinal` was deleted or failed: replace it once it is gone (checked by an
/// event, so the replacement never coexists with the old pod).
pub(crate) fn on_pod_gone(w: &mut WorkloadState, core: &mut Core, ordinal: u32, cause: u64) {
    core.push(
        core.now(),
        ControllerEvent::ReplaceAfterDelete {
            workload: w.id,
            ordinal,
            cause,
        },
    );
}

/// Creates the replacement for `ordinal` if the old pod has left the slab; checks again
/// later otherwise.
pub(crate) fn on_replace(w: &mut WorkloadState, core: &mut Core, ordinal: u32, cause: u64) {
    if ordinal as usize >= state(w).pods.len() {
        return; // scaled down meanwhile (HorizontalPodAutoscaler)
    }
    if let Some(old) = state(w).pods[ordinal as usize] {
        if core.world().pods.get(old).is_some() {
            // Still there (e.g. terminating): a live pod already holds the identity.
            let p = core.world().pods.get(old).expect("checked");
            if matches!(
                p.phase,
                crate::cluster::PodPhase::Pending | crate::cluster::PodPhase::Running
            ) {
                return;
            }
            core.push(
                SimTime(core.now().as_millis() + RECHECK_MS),
                ControllerEvent::ReplaceAfterDelete {
                    workload: w.id,
                    ordinal,
                    cause,
                },
            );
            return;
        }
    }
    create(w, core, ordinal, cause);
}
