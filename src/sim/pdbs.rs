//! PodDisruptionBudgets in a run: which workloads each budget covers (a budget's selector is
//! matched against the pod template, shared by every pod of a workload), and its status
//! computed on demand from the recorder's per-workload counts (ready, desired, live pods),
//! so nothing is tracked twice. Used by drains (the eviction API) and by preemption
//! ([`PdbOracle`]).

use crate::cluster::{PodId, PodPhase, WorkloadId, World};
use crate::faults::pdb::{pdb_status, EvictedPod, PdbStatus, UnhealthyPodEvictionPolicy};
use crate::faults::{decide_eviction, EvictionDecision, Pdb};
use crate::metrics::Recorder;
use crate::scheduler::PdbOracle;

/// The budgets of a run with the workloads each covers.
#[derive(Clone, Debug, Default)]
pub struct PdbSet {
    pdbs: Vec<Pdb>,
    /// Workloads covered, per budget.
    covers: Vec<Vec<WorkloadId>>,
    /// Budgets covering each workload.
    of_workload: Vec<Vec<u32>>,
}

impl PdbSet {
    /// Matches every budget against the workloads' templates (`templates[w]` is workload
    /// `w`'s template id).
    pub fn new(pdbs: Vec<Pdb>, world: &World, templates: &[u32]) -> Self {
        let mut covers = vec![Vec::new(); pdbs.len()];
        let mut of_workload = vec![Vec::new(); templates.len()];
        for (w, &t) in templates.iter().enumerate() {
            let tpl = &world.templates[t as usize];
            let ns = world.interner.resolve(tpl.namespace);
            for (i, pdb) in pdbs.iter().enumerate() {
                // policy/v1: an empty selector matches every pod of the namespace.
                if pdb.namespace == ns && pdb.selector.matches(&tpl.labels, &world.interner) {
                    covers[i].push(w as WorkloadId);
                    of_workload[w].push(i as u32);
                }
            }
        }
        PdbSet {
            pdbs,
            covers,
            of_workload,
        }
    }

    /// Whether there are no budgets.
    pub fn is_empty(&self) -> bool {
        self.pdbs.is_empty()
    }

    /// Budgets covering workload `w`.
    pub fn of_workload(&self, w: WorkloadId) -> &[u32] {
        self.of_workload
            .get(w as usize)
            .map_or(&[], |v| v.as_slice())
    }

    /// Budget `i`'s status now.
    pub fn status(&self, i: u32, rec: &Recorder) -> PdbStatus {
        let (mut expected, mut matched, mut healthy) = (0u64, 0u64, 0u64);
        for &w in &self.covers[i as usize] {
            let (_, pending, running, ..) = rec.workload_counts(w);
            expected += rec.res.avail.desired(w as usize);
            matched += pending + running;
            healthy += rec.res.avail.ready(w as usize);
        }
        let c = |v: u64| v.min(u64::from(u32::MAX)) as u32;
        pdb_status(
            self.pdbs[i as usize].budget,
            c(expected),
            c(matched),
            c(healthy),
        )
    }

    /// The eviction API's answer for a pod of workload `w` that is `ready` or not.
    pub fn decide(&self, w: WorkloadId, ready: bool, rec: &Recorder) -> EvictionDecision {
        let statuses: Vec<(PdbStatus, UnhealthyPodEvictionPolicy)> = self
            .of_workload(w)
            .iter()
            .map(|&i| (self.status(i, rec), self.pdbs[i as usize].unhealthy_policy))
            .collect();
        decide_eviction(
            EvictedPod {
                not_running: false,
                terminating: false,
                ready,
            },
            &statuses,
        )
    }
}

/// [`PdbSet`] with the recorder's counts, as the scheduler's preemption needs it.
pub struct PdbView<'a> {
    /// The budgets.
    pub set: &'a PdbSet,
    /// Counts.
    pub recorder: &'a Recorder,
}

impl PdbOracle for PdbView<'_> {
    fn violating(&self, world: &World, pods: &[PodId], violating: &mut Vec<bool>) {
        violating.clear();
        violating.resize(pods.len(), false);
        if self.set.is_empty() {
            return;
        }
        let mut allowed: Vec<Option<i64>> = vec![None; self.set.pdbs.len()];
        for (i, &pod) in pods.iter().enumerate() {
            let Some(p) = world.pods.get(pod) else {
                continue;
            };
            if p.phase != PodPhase::Running {
                continue;
            }
            for &b in self.set.of_workload(p.workload) {
                let a = allowed[b as usize].get_or_insert_with(|| {
                    i64::from(self.set.status(b, self.recorder).disruptions_allowed)
                });
                *a -= 1;
                if *a < 0 {
                    violating[i] = true;
                }
            }
        }
    }
}
