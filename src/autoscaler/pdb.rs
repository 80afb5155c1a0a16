//! PodDisruptionBudgets as the autoscaler's drain simulation sees them: "may all these pods
//! be evicted together?". Behind a trait so the run loop's PDB tracker can answer it; until
//! then [`CountingPdbs`] derives each budget's status from the world (PDB arithmetic from
//! [`crate::faults::pdb`]) once per autoscaler loop.

use crate::cluster::labels::LabelSelector;
use crate::cluster::{PodId, PodPhase, Sym, TemplateId, World};
use crate::faults::pdb::{pdb_status, Budget};
use crate::scheduler::PdbOracle;

/// Answers the drain simulation's budget question.
pub trait DisruptionBudgets {
    /// Called once per autoscaler loop, before any [`DisruptionBudgets::blocks`].
    fn refresh(&mut self, _world: &World) {}
    /// Whether a budget covers pods of template `t` (such kube-system pods do not block a
    /// scale-down).
    fn covers(&self, world: &World, t: TemplateId) -> bool;
    /// Whether evicting all of `pods` (Running pods of one node) together would drive a
    /// budget below its allowed disruptions.
    fn blocks(&self, world: &World, pods: &[PodId]) -> bool;
}

/// Any preemption [`PdbOracle`] answers the question too: evicting `pods` is blocked if any
/// of them would violate a budget.
pub struct FromOracle<O>(pub O);

impl<O: PdbOracle> DisruptionBudgets for FromOracle<O> {
    fn covers(&self, world: &World, t: TemplateId) -> bool {
        let _ = (world, t);
        false
    }

    fn blocks(&self, world: &World, pods: &[PodId]) -> bool {
        let mut v = Vec::new();
        self.0.violating(world, pods, &mut v);
        v.iter().any(|&x| x)
    }
}

/// One budget on engine ids.
#[derive(Clone, Debug, PartialEq)]
pub struct PdbRule {
    /// Namespace (interned).
    pub namespace: Sym,
    /// The pods it covers.
    pub selector: LabelSelector,
    /// Its rule.
    pub budget: Budget,
}

/// Budgets whose status is recounted from the world at every loop: the pods a budget covers
/// are the live (Pending or Running) pods of the templates it selects, the healthy ones those
/// Running; the expected count is the number covered.
#[derive(Clone, Debug, Default)]
pub struct CountingPdbs {
    rules: Vec<PdbRule>,
    /// Per template: the budgets selecting it (filled lazily).
    by_template: Vec<Option<Vec<u32>>>,
    /// Per budget: disruptions allowed now.
    allowed: Vec<u32>,
}

impl CountingPdbs {
    /// Budgets for `rules`.
    pub fn new(rules: Vec<PdbRule>) -> Self {
        CountingPdbs {
            allowed: vec![0; rules.len()],
            rules,
            by_template: Vec::new(),
        }
    }

    fn rules_of(&self, world: &World, t: TemplateId) -> Vec<u32> {
        let tpl = &world.templates[t as usize];
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.namespace == tpl.namespace && r.selector.matches(&tpl.labels, &world.interner)
            })
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// Disruptions budget `i` allows now (after the last refresh).
    pub fn allowed(&self, i: usize) -> u32 {
        self.allowed[i]
    }
}

impl DisruptionBudgets for CountingPdbs {
    fn refresh(&mut self, world: &World) {
        if self.rules.is_empty() {
            return;
        }
        if self.by_template.len() < world.templates.len() {
            self.by_template.resize(world.templates.len(), None);
        }
        for t in 0..world.templates.len() {
            if self.by_template[t].is_none() {
                self.by_template[t] = Some(self.rules_of(world, t as TemplateId));
            }
        }
        let mut matched = vec![0u32; self.rules.len()];
        let mut healthy = vec![0u32; self.rules.len()];
        for (_, p) in world.pods.iter() {
            let running = p.phase == PodPhase::Running;
            if !running && p.phase != PodPhase::Pending {
                continue;
            }
            for &r in self.by_template[p.template as usize]
                .as_deref()
                .unwrap_or(&[])
            {
                matched[r as usize] += 1;
                healthy[r as usize] += u32::from(running);
            }
        }
        for (i, rule) in self.rules.iter().enumerate() {
            self.allowed[i] =
                pdb_status(rule.budget, matched[i], matched[i], healthy[i]).disruptions_allowed;
        }
    }

    fn covers(&self, world: &World, t: TemplateId) -> bool {
        match self.by_template.get(t as usize) {
            Some(Some(v)) => !v.is_empty(),
            _ => !self.rules_of(world, t).is_empty(),
        }
    }

    fn blocks(&self, world: &World, pods: &[PodId]) -> bool {
        if self.rules.is_empty() {
            return false;
        }
        let mut used = vec![0u32; self.rules.len()];
        for &pod in pods {
            let Some(p) = world.pods.get(pod) else {
                continue;
            };
            if p.phase != PodPhase::Running {
                continue; // evicting a pod that is not running never consumes a disruption
            }
            let rules = match self.by_template.get(p.template as usize) {
                Some(Some(v)) => v.clone(),
                _ => self.rules_of(world, p.template),
            };
            for r in rules {
                used[r as usize] += 1;
                if used[r as usize] > self.allowed[r as usize] {
                    return true;
                }
            }
        }
        false
    }
}
