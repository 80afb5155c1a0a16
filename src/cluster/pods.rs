//! Pods: a slab with generational ids, so a stale id never reaches a reused slot.

use super::nodes::NodeId;
use crate::engine::time::SimTime;

/// Generational pod id: the slot index plus the generation of the pod in that slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodId {
    /// Slot index.
    pub index: u32,
    /// Generation of the slot when the pod was inserted.
    pub gen: u32,
}

/// Index of a pod template in `World::templates`.
pub type TemplateId = u32;
/// Index of a workload (Deployment, Job, …) in the run's workload list.
pub type WorkloadId = u32;

/// A pod's phase. A pod is in exactly one phase at any instant; deleted pods leave the slab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PodPhase {
    /// Created, not bound to a node yet (in the scheduling queue or waiting).
    Pending,
    /// Bound to a node and running.
    Running,
    /// Finished successfully (Jobs).
    Succeeded,
    /// Terminated with failure (evicted, killed).
    Failed,
}

/// One pod.
#[derive(Clone, Debug)]
pub struct Pod {
    /// Its template (requests, labels, constraints).
    pub template: TemplateId,
    /// The workload that owns it.
    pub workload: WorkloadId,
    /// Ordinal within the workload (StatefulSet ordinal, or creation counter).
    pub ordinal: u32,
    /// Current phase.
    pub phase: PodPhase,
    /// Node it is bound to (Running pods only).
    pub node: Option<NodeId>,
    /// Node nominated by preemption, if any.
    pub nominated: Option<NodeId>,
    /// When it was created.
    pub created: SimTime,
    /// When it was bound (started running).
    pub started: Option<SimTime>,
    /// Scheduling attempts so far.
    pub attempts: u32,
    /// Id of the root cause that led to this pod's creation (0 = none: initial creation).
    pub cause: u64,
}

impl Pod {
    /// A new Pending pod: not bound, not nominated, never tried, created at `created`.
    pub fn pending(
        template: TemplateId,
        workload: WorkloadId,
        ordinal: u32,
        created: SimTime,
        cause: u64,
    ) -> Pod {
        Pod {
            template,
            workload,
            ordinal,
            phase: PodPhase::Pending,
            node: None,
            nominated: None,
            created,
            started: None,
            attempts: 0,
            cause,
        }
    }
}

enum Slot {
    Occupied { gen: u32, pod: Pod },
    Free { gen: u32 },
}

/// All live pods.
#[derive(Default)]
pub struct PodSlab {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
}

impl PodSlab {
    /// Inserts a pod and returns its id.
    pub fn insert(&mut self, pod: Pod) -> PodId {
        self.live += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            let gen = match slot {
                Slot::Free { gen } => *gen,
                Slot::Occupied { .. } => unreachable!("free list points at an occupied slot"),
            };
            *slot = Slot::Occupied { gen, pod };
            PodId { index, gen }
        } else {
            let index = self.slots.len() as u32;
            self.slots.push(Slot::Occupied { gen: 0, pod });
            PodId { index, gen: 0 }
        }
    }

    /// The pod behind `id`, if it is still alive.
    pub fn get(&self, id: PodId) -> Option<&Pod> {
        match self.slots.get(id.index as usize) {
            Some(Slot::Occupied { gen, pod }) if *gen == id.gen => Some(pod),
            _ => None,
        }
    }

    /// Mutable access to the pod behind `id`, if it is still alive.
    pub fn get_mut(&mut self, id: PodId) -> Option<&mut Pod> {
        match self.slots.get_mut(id.index as usize) {
            Some(Slot::Occupied { gen, pod }) if *gen == id.gen => Some(pod),
            _ => None,
        }
    }

    /// Removes the pod; its id becomes stale.
    pub fn remove(&mut self, id: PodId) -> Option<Pod> {
        let slot = self.slots.get_mut(id.index as usize)?;
        match slot {
            Slot::Occupied { gen, .. } if *gen == id.gen => {
                let next = Slot::Free {
                    gen: gen.wrapping_add(1),
                };
                let Slot::Occupied { pod, .. } = std::mem::replace(slot, next) else {
                    unreachable!()
                };
                self.free.push(id.index);
                self.live -= 1;
                Some(pod)
            }
            _ => None,
        }
    }

    /// Number of live pods.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when no pod is alive.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// All live pods in slot order (deterministic).
    pub fn iter(&self) -> impl Iterator<Item = (PodId, &Pod)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            Slot::Occupied { gen, pod } => Some((
                PodId {
                    index: i as u32,
                    gen: *gen,
                },
                pod,
            )),
            Slot::Free { .. } => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod() -> Pod {
        Pod::pending(0, 0, 0, SimTime::ZERO, 0)
    }

    #[test]
    fn stale_ids_do_not_reach_reused_slots() {
        let mut s = PodSlab::default();
        let a = s.insert(pod());
        assert!(s.remove(a).is_some());
        let b = s.insert(pod());
        assert_eq!(a.index, b.index);
        assert!(s.get(a).is_none());
        assert!(s.get(b).is_some());
        assert_eq!(s.len(), 1);
        assert!(s.remove(a).is_none());
    }
}
