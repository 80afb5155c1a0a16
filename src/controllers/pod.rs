//! Bare pods: one pod, no controller. With `nodeName` it is bound without the scheduler if
//! the node has room (kubelet admission); otherwise it fails with `OutOf<resource>` as
//! upstream's kubelet rejects it. A bare pod that leaves is not replaced.

use super::{WorkloadKind, WorkloadState};
use crate::runtime::Core;

/// Time zero: creates the pod.
pub(crate) fn start(w: &mut WorkloadState, core: &mut Core) {
    let WorkloadKind::Pod { node_name } = w.spec.kind else {
        unreachable!("not a Pod")
    };
    let now = core.now();
    core.recorder_mut().add_desired(w.id, 1, now);
    let ordinal = w.take_ordinal();
    let pod = core.create_pod(w.spec.template, w.id, ordinal, 0);
    match node_name {
        None => core.enqueue(pod),
        Some(node) => {
            // Not replaced when it does not fit.
            super::admit_on_node(core, pod, node, "nodeName");
        }
    }
}
