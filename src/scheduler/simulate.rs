//! The scheduler's static filters for callers that simulate placements outside a scheduling
//! cycle (the Cluster Autoscaler: "would this pod fit on a new node of this group", "could this
//! pod move to that node"). Same code as the cycle's (`cache::compute_static_view`), with the
//! template's own profile, cached per (template, label set, taint set, cordon).

use std::collections::HashMap;

use super::cache::{
    compute_static_view, hostname_dependent, NodeClasses, NodeView, StaticFail, TemplateStatics,
};
use super::config::ResolvedProfile;
use super::SchedulerConfig;
use crate::cluster::nodes::{LabelSetId, TaintSetId};
use crate::cluster::{NodeId, NodeInit, TemplateId, World};

/// NodeUnschedulable, TaintToleration and NodeAffinity (nodeSelector and required node
/// affinity) of a scheduler configuration, on real or hypothetical nodes.
pub struct StaticFilter {
    profiles: Vec<ResolvedProfile>,
    cache: HashMap<(TemplateId, LabelSetId, TaintSetId, bool), bool>,
    hostname_dep: HashMap<TemplateId, bool>,
    /// Real nodes: the scheduler's own per-node class cache (array lookups on the hot path).
    classes: NodeClasses,
    statics: TemplateStatics,
}

impl StaticFilter {
    /// The filters of `config`'s profiles (resolved against `world`).
    pub fn new(config: &SchedulerConfig, world: &World) -> Self {
        let profiles = ResolvedProfile::resolve_all(config, world);
        StaticFilter {
            profiles,
            cache: HashMap::new(),
            hostname_dep: HashMap::new(),
            classes: NodeClasses::default(),
            statics: TemplateStatics::default(),
        }
    }

    fn passes(&mut self, world: &World, t: TemplateId, view: NodeView) -> bool {
        let tpl = &world.templates[t as usize];
        let dep = *self
            .hostname_dep
            .entry(t)
            .or_insert_with(|| hostname_dependent(world, tpl));
        let prof = &self.profiles[(tpl.profile as usize).min(self.profiles.len() - 1)];
        if dep {
            return compute_static_view(world, tpl, prof, view).fail == StaticFail::Pass;
        }
        let key = (t, view.labels, view.taints, view.unschedulable);
        if let Some(&v) = self.cache.get(&key) {
            return v;
        }
        let v = compute_static_view(world, tpl, prof, view).fail == StaticFail::Pass;
        self.cache.insert(key, v);
        v
    }

    /// Whether pods of template `t` pass the static filters on a node shaped like `shape`.
    pub fn fits_shape(&mut self, world: &World, t: TemplateId, shape: &NodeInit) -> bool {
        let view = NodeView {
            labels: shape.labels,
            taints: shape.taints,
            unschedulable: shape.unschedulable,
            hostname: shape.hostname,
        };
        self.passes(world, t, view)
    }

    /// Whether pods of template `t` pass the static filters on node `node` now.
    pub fn fits_node(&mut self, world: &World, t: TemplateId, node: NodeId) -> bool {
        self.classes.resize(world.nodes.len());
        let p = (world.templates[t as usize].profile as usize).min(self.profiles.len() - 1);
        self.statics
            .get(
                &mut self.classes,
                world,
                &self.profiles[p],
                (t as usize, t as usize),
                node.ix(),
            )
            .fail
            == StaticFail::Pass
    }
}
