//! `explain`: one scheduling cycle run for show. The filters, scores and `selectHost` are the
//! cycle's own (`cycle.rs`), the summary line is the FitError message `schedule` reports and
//! the preemption section is the PostFilter's own dry run (`preempt.rs`), so what `explain`
//! prints is what the next real cycle would decide. Nothing a later `schedule` sees changes:
//! the rotation does not advance, random draws come from a copy of the RNG and no nomination
//! is recorded.

use std::collections::BTreeMap;

use super::cycle::Scheduler;
use super::filter::fit_error_message;
use super::preempt::{Ineligible, PdbOracle};
use super::select::select_host;
use super::{
    Explanation, NodeExplanation, PluginScore, PreemptionExplanation, PreemptionVictim,
    SCORE_PLUGINS,
};
use crate::cluster::{PodId, TemplateId, World};

impl Scheduler {
    /// Explains the decision for a hypothetical new pod of `template` named `pod_name`
    /// (preemption without PodDisruptionBudgets); see [`Scheduler::explain_pod`].
    pub fn explain(
        &mut self,
        world: &World,
        template: TemplateId,
        pod_name: &str,
        all_nodes: bool,
    ) -> Explanation {
        self.explain_pod(world, template, None, pod_name, all_nodes, &super::NoPdbs)
    }

    /// Explains the decision for pod `pod` (a pending pod of `template`), or for a hypothetical
    /// new pod of `template` when `pod` is None; `pod_name` names it in the output.
    ///
    /// With `all_nodes` every node is examined (in `node_order`) and every feasible node is
    /// scored; otherwise the sample is exactly the one the next real cycle would examine
    /// (same start index, same `numFeasibleNodesToFind`). When no node fits, the explanation
    /// carries upstream's summary (`0/N nodes are available: …`) and the preemption dry run's
    /// verdict (`pdbs` as the real cycle would consult them).
    pub fn explain_pod(
        &mut self,
        world: &World,
        template: TemplateId,
        pod: Option<PodId>,
        pod_name: &str,
        all_nodes: bool,
        pdbs: &dyn PdbOracle,
    ) -> Explanation {
        self.begin(world);
        let n_all = world.node_order.len();
        let mut out = Explanation {
            pod: pod_name.to_string(),
            pending: pod.is_some(),
            nodes_examined: 0,
            selected: None,
            summary: None,
            preemption: None,
            nodes: Vec::new(),
        };
        if n_all == 0 {
            out.summary = Some("no nodes available to schedule pods".to_string());
            return out;
        }
        self.prepare(world, template, pod);
        let sampling = self.sampling(n_all, all_nodes);
        let processed = self.find_feasible(world, sampling);
        let k = self.sc.feasible.len();
        let selected = match k {
            0 => None,
            1 => {
                self.clear_scores(1);
                Some(0)
            }
            _ => {
                // The per-plugin columns are read below: no constant-folded fast path (the
                // property test checks both give the same totals).
                let fuse = std::mem::replace(&mut self.fuse, false);
                self.prioritize(world);
                self.fuse = fuse;
                let mut rng = self.rng.clone();
                Some(select_host(&mut rng, &self.sc.total))
            }
        };
        let prof = &self.profiles[self.prep.profile];
        out.nodes_examined = processed;
        out.selected = selected.map(|i| world.nodes.name[self.sc.feasible[i].ix()].clone());
        let (mut fi, mut xi) = (0, 0);
        for i in 0..processed {
            let n = world.node_order[(sampling.start + i) % n_all];
            if fi < k && self.sc.feasible[fi] == n {
                let mut scores = BTreeMap::new();
                let mut total = 0;
                for (p, name) in SCORE_PLUGINS.iter().enumerate() {
                    if !prof.enabled[p] {
                        continue;
                    }
                    let (raw, normalized) = if self.sc.skipped[p] || k == 1 {
                        (0, 0)
                    } else {
                        (self.sc.raw[p][fi], self.normalized(p, fi))
                    };
                    let weighted = normalized * prof.weights[p];
                    total += weighted;
                    scores.insert(
                        name.to_string(),
                        PluginScore {
                            raw,
                            normalized,
                            weighted,
                        },
                    );
                }
                out.nodes.push(NodeExplanation {
                    node: world.nodes.name[n.ix()].clone(),
                    feasible: true,
                    reason: None,
                    scores,
                    total,
                });
                fi += 1;
            } else {
                let f = self.sc.failures[xi].1;
                debug_assert_eq!(self.sc.failures[xi].0, n);
                out.nodes.push(NodeExplanation {
                    node: world.nodes.name[n.ix()].clone(),
                    feasible: false,
                    reason: Some(f.describe(world)),
                    scores: BTreeMap::new(),
                    total: 0,
                });
                xi += 1;
            }
        }
        if k == 0 {
            // Every node was examined and failed: the cycle's FitError and PostFilter.
            out.summary = Some(fit_error_message(
                world,
                n_all,
                self.sc.failures.iter().map(|f| f.1),
            ));
            out.preemption = Some(self.explain_preemption(world, sampling.start, pdbs));
        }
        out
    }

    /// The PostFilter's verdict for the prepared pod after a cycle found no node.
    fn explain_preemption(
        &mut self,
        world: &World,
        start: usize,
        pdbs: &dyn PdbOracle,
    ) -> PreemptionExplanation {
        let mut p = PreemptionExplanation {
            helps: false,
            node: None,
            victims: Vec::new(),
            message: String::new(),
        };
        match self.preemption_ineligible(world) {
            Some(Ineligible::Disabled) => {
                p.message = "preemption is disabled in this scheduler profile".into();
            }
            Some(Ineligible::PolicyNever) => p.message = Ineligible::NEVER.into(),
            None => match self.preemption_dry_run(world, start, pdbs, true) {
                Err(why) => p.message = why,
                Ok(c) => {
                    let node = world.nodes.name[c.node.ix()].clone();
                    p.message = format!(
                        "preempting {} pod(s) on {node} would make room",
                        c.victims.len()
                    );
                    p.helps = true;
                    p.node = Some(node);
                    p.victims = c
                        .victims
                        .iter()
                        .map(|&v| {
                            let prio = world.template_of(v).priority;
                            PreemptionVictim {
                                pod: world.pod_name(v),
                                priority: prio,
                            }
                        })
                        .collect();
                }
            },
        }
        p
    }
}
