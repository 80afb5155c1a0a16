//! DaemonSet: one pod per node whose labels and taints the template accepts (nodeSelector,
//! required node affinity, and every NoSchedule/NoExecute taint tolerated; the tolerations
//! upstream's DaemonSet controller adds itself are implied).
//!
//! Placement: upstream pins each daemon pod to its node with node affinity and lets the
//! scheduler bind it. The scheduler contract has no per-pod node pin, so the pod is bound
//! directly to its node when the node has room (counting preemption nominations of equal or
//! higher priority as taken); otherwise it stays Pending, parked on the node, and is bound as
//! soon as room appears there. It never goes through the scheduling queue. The pod's ordinal
//! is its node's index, so a replacement goes back to the same node.

use super::WorkloadState;
use crate::cluster::taints::{tolerated, TaintEffect};
use crate::cluster::{NodeId, PodId, PodTemplate, World};
use crate::runtime::Core;

/// Taint keys whose NoSchedule/NoExecute effects upstream's DaemonSet controller tolerates on
/// every daemon pod (`pkg/controller/daemon/util`).
pub const AUTO_TOLERATED: [&str; 7] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "node.kubernetes.io/disk-pressure",
    "node.kubernetes.io/memory-pressure",
    "node.kubernetes.io/pid-pressure",
    "node.kubernetes.io/unschedulable",
    "node.kubernetes.io/network-unavailable",
];

/// Whether a daemon pod of `tpl` should run on `node`.
pub fn node_matches(world: &World, tpl: &PodTemplate, node: NodeId) -> bool {
    let get = |k| world.node_label(node, k);
    if !tpl.node_selector.matches_with(get, &world.interner) {
        return false;
    }
    if let Some(aff) = &tpl.required_node_affinity {
        if !aff.matches_with(get, &world.interner) {
            return false;
        }
    }
    world.node_taints(node).iter().all(|t| {
        t.effect == TaintEffect::PreferNoSchedule
            || tolerated(&tpl.tolerations, t)
            || AUTO_TOLERATED.contains(&world.interner.resolve(t.key))
    })
}

/// Time zero: one pod per matching node, in node order.
pub(crate) fn start(w: &mut WorkloadState, core: &mut Core) {
    let tpl = &core.world().templates[w.spec.template as usize];
    let nodes: Vec<NodeId> = core
        .world()
        .nodes
        .ids()
        .filter(|&n| node_matches(core.world(), tpl, n))
        .collect();
    let now = core.now();
    core.recorder_mut()
        .add_desired(w.id, nodes.len() as u64, now);
    for n in nodes {
        place(w, core, n, 0);
    }
}

/// A node joined the running cluster: a daemon pod for it, if it matches.
pub(crate) fn on_node_added(w: &mut WorkloadState, core: &mut Core, node: NodeId) {
    if node_matches(
        core.world(),
        &core.world().templates[w.spec.template as usize],
        node,
    ) {
        let now = core.now();
        core.recorder_mut().add_desired(w.id, 1, now);
        place(w, core, node, 0);
    }
}

/// Creates the daemon pod for `node` and binds it there, or parks it until the node has room.
fn place(w: &mut WorkloadState, core: &mut Core, node: NodeId, cause: u64) -> PodId {
    let pod = core.create_pod(w.spec.template, w.id, node.0, cause);
    if !core.bind_direct(pod, node, "DaemonSet") {
        let r = core.lacks(pod, node).expect("did not fit");
        let reason = format!(
            "Insufficient {} on the DaemonSet pod's node",
            core.world().resources.name(r)
        );
        let p = core.world().pods.get(pod).expect("live").clone();
        let now = core.now();
        core.recorder_mut().pod_waiting(now, &p, node, &reason);
        core.park(pod, node);
    }
    pod
}

/// The daemon pod of node `ordinal` was deleted or failed: a new one for the same node, if the
/// node still matches.
pub(crate) fn on_pod_gone(w: &mut WorkloadState, core: &mut Core, ordinal: u32, cause: u64) {
    let node = NodeId(ordinal);
    if node.ix() < core.world().nodes.len()
        && core.world().nodes.is_live(node)
        && node_matches(
            core.world(),
            &core.world().templates[w.spec.template as usize],
            node,
        )
    {
        place(w, core, node, cause);
    }
}
