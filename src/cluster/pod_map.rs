//! A map keyed by [`PodId`] stored by slot index: the pod table reuses slots under a new
//! generation, so a vector indexed by `PodId::index` holding the generation beside the value
//! answers lookups with one indexed load instead of hashing. Used where a pod-keyed map is
//! touched on every scheduling cycle (the scheduling queue). Iteration is not offered.

use super::PodId;

/// A map from live [`PodId`]s to `T`, addressed by slot index.
#[derive(Debug, Clone)]
pub struct PodMap<T> {
    slots: Vec<Option<(u32, T)>>,
    len: usize,
}

impl<T> Default for PodMap<T> {
    fn default() -> Self {
        PodMap {
            slots: Vec::new(),
            len: 0,
        }
    }
}

impl<T> PodMap<T> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `pod`, if present (a value stored under another generation of the slot
    /// is not `pod`'s).
    #[inline]
    pub fn get(&self, pod: &PodId) -> Option<&T> {
        match self.slots.get(pod.index as usize) {
            Some(Some((gen, v))) if *gen == pod.gen => Some(v),
            _ => None,
        }
    }

    /// True when `pod` has a value.
    #[inline]
    pub fn contains_key(&self, pod: &PodId) -> bool {
        self.get(pod).is_some()
    }

    /// Stores `value` for `pod`, returning the value `pod` had. A value another generation of
    /// the slot left behind is dropped.
    #[inline]
    pub fn insert(&mut self, pod: PodId, value: T) -> Option<T> {
        let i = pod.index as usize;
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        match self.slots[i].replace((pod.gen, value)) {
            Some((gen, old)) if gen == pod.gen => Some(old),
            Some(_) => None,
            None => {
                self.len += 1;
                None
            }
        }
    }

    /// Removes and returns the value of `pod`, if present.
    #[inline]
    pub fn remove(&mut self, pod: &PodId) -> Option<T> {
        let slot = self.slots.get_mut(pod.index as usize)?;
        match slot {
            Some((gen, _)) if *gen == pod.gen => {
                self.len -= 1;
                slot.take().map(|(_, v)| v)
            }
            _ => None,
        }
    }

    /// Number of values stored (values left behind by an older generation of a slot count
    /// until replaced).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no value is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn id(index: u32, gen: u32) -> PodId {
        PodId { index, gen }
    }

    #[test]
    fn a_new_generation_does_not_see_the_old_value() {
        let mut m = PodMap::new();
        assert_eq!(m.insert(id(3, 0), "a"), None);
        assert_eq!(m.get(&id(3, 1)), None);
        assert_eq!(m.remove(&id(3, 1)), None);
        assert_eq!(m.insert(id(3, 1), "b"), None);
        assert_eq!(m.get(&id(3, 0)), None);
        assert_eq!(m.get(&id(3, 1)), Some(&"b"));
        assert_eq!(m.len(), 1);
    }

    proptest! {
        /// Behaves as a `HashMap<PodId, T>` under random inserts, removes and lookups,
        /// provided (as the pod table guarantees) a slot's generation never goes back.
        #[test]
        fn behaves_as_a_hash_map(ops in proptest::collection::vec((0u8..3, 0u32..8, 0u32..2, any::<u16>()), 0..200)) {
            let mut m = PodMap::new();
            let mut h: HashMap<PodId, u16> = HashMap::new();
            let mut gens = [0u32; 8];
            for (op, index, bump, v) in ops {
                // A new generation of a slot retires every value of the older ones.
                if bump == 1 {
                    gens[index as usize] += 1;
                    h.retain(|k, _| k.index != index);
                }
                let p = id(index, gens[index as usize]);
                match op {
                    0 => prop_assert_eq!(m.insert(p, v), h.insert(p, v)),
                    1 => prop_assert_eq!(m.remove(&p), h.remove(&p)),
                    _ => prop_assert_eq!(m.get(&p), h.get(&p)),
                }
            }
        }
    }
}
