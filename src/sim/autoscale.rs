//! The Cluster Autoscaler in the run loop: its loop every `scan-interval`, provisioned nodes
//! joining the cluster, and scale-down deletions (drain through the controllers, then node
//! removal). The decisions are `crate::autoscaler`'s; this file only applies them.

use super::{PodQueue, PodScheduler, Simulation};
use crate::autoscaler::{Autoscaler, AutoscalerConfig};
use crate::cluster::{NodeId, World};
use crate::controllers::{WorkloadKind, WorkloadSpec};
use crate::engine::{RngStreams, SimTime};
use crate::runtime::{AutoscalerEvent, SetupError};
use crate::scheduler::{SchedulerConfig, StaticFilter};

/// The autoscaler of a run over the initial `world`.
pub(super) fn build(
    cfg: AutoscalerConfig,
    world: &World,
    scheduler: &SchedulerConfig,
    workloads: &[WorkloadSpec],
    streams: &RngStreams,
) -> Result<Box<Autoscaler>, SetupError> {
    let filter = StaticFilter::new(scheduler, world);
    let daemonsets: Vec<_> = workloads
        .iter()
        .filter(|w| matches!(w.kind, WorkloadKind::DaemonSet))
        .map(|w| w.template)
        .collect();
    Autoscaler::new(cfg, world, filter, &daemonsets, streams, None)
        .map(Box::new)
        .map_err(SetupError::Autoscaler)
}

impl<S: PodScheduler, Q: PodQueue> Simulation<S, Q> {
    /// Time zero: the first loop after one scan interval; the time series gets its columns.
    pub(super) fn start_autoscaler(&mut self) {
        let Some(a) = self.autoscaler.as_ref() else {
            return;
        };
        self.core.recorder_mut().enable_autoscaler();
        let first = SimTime(a.config().scan_interval_ms);
        if first <= self.duration {
            self.core.push(first, AutoscalerEvent::Scan);
        }
    }

    /// The autoscaler, when the scenario has one.
    pub fn autoscaler(&self) -> Option<&Autoscaler> {
        self.autoscaler.as_deref()
    }

    /// Points the autoscaler's PDB questions at `budgets` (e.g. the run loop's PDB tracker);
    /// no-op without an autoscaler.
    pub fn set_autoscaler_budgets(
        &mut self,
        budgets: Box<dyn crate::autoscaler::DisruptionBudgets>,
    ) {
        if let Some(a) = self.autoscaler.as_mut() {
            a.set_budgets(budgets);
        }
    }

    /// One autoscaler loop: request nodes, delete unneeded ones, schedule the next loop.
    pub(super) fn autoscaler_scan(&mut self) {
        let Some(mut a) = self.autoscaler.take() else {
            return;
        };
        let now = self.core.now();
        let d = a.scan(self.core.world(), now.as_millis());
        if let Some((g, count)) = d.scale_up {
            for _ in 0..count {
                let delay = a.provisioning_delay(g);
                self.core.push(
                    now.plus_millis(delay),
                    AutoscalerEvent::NodeReady { group: g as u32 },
                );
            }
        }
        for node in d.remove {
            let cause = self.core.effect(
                crate::metrics::cascade::EffectKind::ScaleDown,
                0,
                crate::metrics::EffectTarget::Node(node.0),
            );
            self.remove_node_inner(node, cause);
            a.node_removed(self.core.world(), node, now.as_millis(), true);
            self.core.recorder_mut().autoscaler_nodes(0, 1);
        }
        let next = now.plus_millis(a.config().scan_interval_ms);
        if next <= self.duration {
            self.core.push(next, AutoscalerEvent::Scan);
        }
        self.autoscaler = Some(a);
    }

    /// A node requested for group `g` is Ready: it joins the cluster.
    pub(super) fn autoscaler_node_ready(&mut self, g: usize) {
        let Some(mut a) = self.autoscaler.take() else {
            return;
        };
        let init = a.next_node(self.core.interner_mut(), g);
        let node = self.add_node_inner(init);
        a.node_added(
            self.core.world(),
            g,
            node,
            self.core.now().as_millis(),
            true,
        );
        self.core.recorder_mut().autoscaler_nodes(1, 0);
        self.autoscaler = Some(a);
    }

    /// Tells the autoscaler about a node added or removed by something else (faults, surge
    /// nodes), so its group sizes stay right.
    pub(super) fn autoscaler_saw_node(&mut self, node: NodeId, added: bool) {
        let now = self.core.now().as_millis();
        let world = &self.core.world();
        if let Some(a) = self.autoscaler.as_mut() {
            if added {
                if let Some(g) = a.group_of_node(world, node) {
                    a.node_added(world, g, node, now, false);
                }
            } else {
                a.node_removed(world, node, now, false);
            }
        }
    }
}
