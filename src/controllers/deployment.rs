//! Deployment (through its ReplicaSet): keeps `replicas` pods; every pod that leaves is
//! replaced at once by a new pod (new ordinal, like a new random name upstream).

use super::{WorkloadKind, WorkloadState};
use crate::runtime::Core;

/// Time zero: creates all replicas and hands them to the scheduler.
pub(crate) fn start(w: &mut WorkloadState, core: &mut Core) {
    let WorkloadKind::Deployment { replicas } = w.spec.kind else {
        unreachable!("not a Deployment")
    };
    let now = core.now();
    core.recorder_mut()
        .add_desired(w.id, u64::from(replicas), now);
    for _ in 0..replicas {
        create(w, core, 0);
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
