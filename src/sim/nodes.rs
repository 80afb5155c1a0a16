//! Dynamic nodes (autoscaler, upgrade surge nodes) and the loop-level pod and node operations
//! for faults and tests.

use super::*;

impl<S: PodScheduler, Q: PodQueue> Simulation<S, Q> {
    /// Deletes a pod through the controllers' deletion path (its owner reacts, e.g. replaces
    /// it); the replacement inherits `cause`. Returns false for a stale id. For faults and tests.
    pub fn delete_pod(&mut self, pod: PodId, cause: u64) -> bool {
        let done = self
            .controllers
            .delete_pod(&mut self.core, pod, cause)
            .is_some();
        self.settle();
        done
    }

    /// Marks a node changed (allocatable, readiness, taints): metrics update, waiting pods retry.
    pub fn node_changed(&mut self, node: NodeId) {
        self.core.node_changed(node);
        self.settle();
    }

    /// Adds a Ready node to the running cluster: every per-node structure grows, DaemonSets
    /// place their pods on it, and pods waiting for room are retried.
    pub fn add_node(&mut self, init: crate::cluster::NodeInit) -> NodeId {
        let node = self.add_node_inner(init);
        self.settle();
        node
    }

    /// [`Simulation::add_node`] without settling (inside an event handler).
    pub(super) fn add_node_inner(&mut self, init: crate::cluster::NodeInit) -> NodeId {
        let node = self.core.add_node(init);
        if let Some(rt) = self.faults.as_mut() {
            rt.node_added(&mut self.core, node);
        }
        self.controllers.node_added(&mut self.core, node);
        self.core.node_changed(node);
        self.autoscaler_saw_node(node, true);
        node
    }

    /// Adds and removes the nodes fault steps asked for (upgrade surge nodes).
    pub(super) fn apply_node_requests(&mut self) {
        let Some(rt) = self.faults.as_mut() else {
            return;
        };
        for req in rt.take_requests() {
            match req {
                faults::NodeRequest::Add { like, count } => {
                    for k in 0..count {
                        let name = format!("{}-surge-{k}", self.core.world().nodes.name[like.ix()]);
                        let hostname = self.core.interner_mut().intern(&name);
                        let init = self.core.world().nodes.init_like(like, name, hostname);
                        let node = self.add_node_inner(init);
                        if let Some(rt) = self.faults.as_mut() {
                            rt.surge_added(like, node);
                        }
                    }
                }
                faults::NodeRequest::Join { k } => {
                    let Some(init) = self.faults.as_ref().map(|rt| rt.joining(k)) else {
                        continue;
                    };
                    let node = self.add_node_inner(init);
                    if let Some(rt) = self.faults.as_mut() {
                        rt.joined(k, node);
                    }
                }
                faults::NodeRequest::Delete { node, cause } => {
                    self.remove_node_inner(node, cause);
                }
                faults::NodeRequest::Remove { like, cause } => {
                    let nodes = self
                        .faults
                        .as_mut()
                        .map(|rt| rt.take_surge(like))
                        .unwrap_or_default();
                    for node in nodes {
                        self.remove_node_inner(node, cause);
                    }
                }
            }
        }
    }

    /// Deletes a node from the cluster: it leaves `node_order` for good (its id is never
    /// reused) and its pods are deleted through their controllers (owners recreate them
    /// elsewhere; the replacements inherit `cause`). Returns the number of pods deleted; 0
    /// for a node removed already.
    pub fn remove_node(&mut self, node: NodeId, cause: u64) -> usize {
        let n = self.remove_node_inner(node, cause);
        self.settle();
        n
    }

    /// [`Simulation::remove_node`] without settling (inside an event handler).
    pub(super) fn remove_node_inner(&mut self, node: NodeId, cause: u64) -> usize {
        if !self.core.world().nodes.is_live(node) {
            return 0;
        }
        if let Some(rt) = self.faults.as_mut() {
            rt.node_removed(&mut self.core, node);
        }
        let pods = self.core.remove_node(node);
        for &pod in &pods {
            if self.core.health().is_terminating(pod) {
                // Its owner replaced it already (or waits for it to be gone: now).
                let c = self.core.health().terminating_cause(pod);
                self.controllers
                    .terminating_pod_removed(&mut self.core, pod, c);
            } else {
                self.controllers.delete_pod(&mut self.core, pod, cause);
            }
        }
        let (recorder, world) = self.core.recorder_and_world();
        recorder.sync_node(world, node);
        self.autoscaler_saw_node(node, false);
        pods.len()
    }
}
