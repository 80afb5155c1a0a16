//! Scheduler tests on hand-made worlds: fidelity tables copied from upstream plugin tests
//! (numbers re-derived by hand from the formulas), the worked example of the semantics digest,
//! sampling and rotation, tie-breaking, preemption, reasons, and a property test.

use rand::SeedableRng;

use super::testutil::{spread, system_default_spread, TestWorld, GI, HOST, MI, ZONE};
use super::*;
use crate::cluster::labels::{LabelSelector, NodeSelector, PreferredTerm, Requirement, SelectorOp};
use crate::cluster::taints::TaintEffect;
use crate::cluster::template::{AffinityTerm, ExistingTerm, ExistingTermKind};
use crate::cluster::{NodeId, PodTemplate, TemplateId, CPU, MEMORY, PODS};
use crate::engine::SimRng;

fn rng(seed: u64) -> SimRng {
    SimRng::seed_from_u64(seed)
}

fn default_sched(tw: &TestWorld) -> Scheduler {
    Scheduler::new(SchedulerConfig::default(), &tw.world, rng(1))
}

fn sched_with(tw: &TestWorld, profile: Profile) -> Scheduler {
    let config = SchedulerConfig {
        profiles: vec![profile],
        ..SchedulerConfig::default()
    };
    Scheduler::new(config, &tw.world, rng(1))
}

fn score(e: &Explanation, node: &str, plugin: &str) -> PluginScore {
    let n = e
        .nodes
        .iter()
        .find(|n| n.node == node)
        .unwrap_or_else(|| panic!("node {node} not examined"));
    *n.scores
        .get(plugin)
        .unwrap_or_else(|| panic!("no {plugin} score on {node}: {:?}", n))
}

fn raws(e: &Explanation, plugin: &str) -> Vec<i64> {
    e.nodes
        .iter()
        .filter(|n| n.feasible)
        .map(|n| n.scores[plugin].raw)
        .collect()
}

fn norms(e: &Explanation, plugin: &str) -> Vec<i64> {
    e.nodes
        .iter()
        .filter(|n| n.feasible)
        .map(|n| n.scores[plugin].normalized)
        .collect()
}

fn no_fit_filter(mut p: Profile) -> Profile {
    p.disabled_filters.push("NodeResourcesFit".to_string());
    p
}

mod digest;
mod filters;
mod gpus;
mod image_props;
mod one_pass_props;
mod preempt_cache;
mod preemption;
mod props;
mod sampling;
mod scores_other;
mod scores_resources;
mod spread_pass_props;
