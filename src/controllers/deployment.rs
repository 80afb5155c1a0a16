//! Deployment (through its ReplicaSet): keeps `replicas` pods; every pod that leaves is
//! replaced at once by a new pod (new ordinal, like a new random name upstream). At time zero
//! the replicas of `initialPlacement` are bound to their nodes (a live cluster's placement).

use super::{WorkloadKind, WorkloadState};
use crate::runtime::Core;

/// Time zero: creates all replicas; those with an `initialPlacement` node are bound there
/// (a replica that does not fit fails with `OutOf<resource>` and is replaced), the others go
/// to the scheduler.
pub(crate) fn start(w: &mut WorkloadState, core: &mut Core) {
    let WorkloadKind::Deployment { replicas } = w.spec.kind else {
        unreachable!("not a Deployment")
    };
    let now = core.now();
    core.recorder_mut()
        .add_desired(w.id, u64::from(replicas), now);
    for k in 0..replicas {
        match w.spec.initial_node(k as usize) {
            None => create(w, core, 0),
            Some(node) => {
                let ordinal = w.take_ordinal();
                let pod = core.create_pod(w.spec.template, w.id, ordinal, 0);
                if super::admit_on_node(core, pod, node, super::INITIAL_PLACEMENT).is_some() {
                    on_pod_gone(w, core, 0);
                }
            }
        }
    }
}

fn create(w: &mut WorkloadState, core: &mut Core, cause: u64) {
    let ordinal = w.take_ordinal();
    let pod = core.create_pod(w.spec.template, w.id, ordinal, cause);
    core.enqueue(pod);
}

/// A pod of the Deployment was deleted or failed: the ReplicaSet creates a replacement now.
pub(crate) fn on_pod_gone(w: &mut WorkloadState, core: &mut Core, cause: u64) {
    create(w, core, cause);
}
