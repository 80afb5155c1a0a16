//! A min-heap of 16-byte packed keys with the payloads in a side slab: the far store of
//! [`EventQueue`](super::queue::EventQueue), which holds the long waits (thousands of pod run
//! ends at scale). A sift touches only the keys (a third of the bytes of a full entry), so more
//! of the heap stays in cache while the scheduler scans the nodes between two pops.
//!
//! Key layout, high to low bits: time (48), class (1), sequence number (47), slab slot (32).
//! Comparing two keys as `u128` compares `(time, class, seq)`; the slot never decides (the
//! sequence numbers are unique). [`PackedHeap::fits`] says which entries can be packed; the
//! queue keeps the others (times past 2^48 ms, about 8,900 years) in its plain heap.

use super::time::SimTime;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const TIME_BITS: u32 = 48;
const SEQ_BITS: u32 = 47;
const SLOT_BITS: u32 = 32;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;
/// The class bit of the queue's `order` (top bit: end of instant).
const CLASS_BIT: u64 = 1 << 63;

/// A min-heap of `(time, order)` keys (order: the queue's class bit above the sequence number)
/// with a payload each.
pub(super) struct PackedHeap<E> {
    keys: BinaryHeap<Reverse<u128>>,
    /// Payloads by slot (None: free).
    slots: Vec<Option<E>>,
    /// Free slots, reused last-freed first.
    free: Vec<u32>,
}

impl<E> PackedHeap<E> {
    /// An empty heap.
    pub(super) fn new() -> Self {
        PackedHeap {
            keys: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    /// True when `(time, order)` can be packed (and a slot is available).
    #[inline]
    pub(super) fn fits(&self, time: SimTime, order: u64) -> bool {
        time.0 >> TIME_BITS == 0
            && order & !CLASS_BIT <= SEQ_MASK
            && (!self.free.is_empty() || self.slots.len() < u32::MAX as usize)
    }

    /// Adds `event` under `(time, order)`; the caller checked [`PackedHeap::fits`].
    #[inline]
    pub(super) fn push(&mut self, time: SimTime, order: u64, event: E) {
        debug_assert!(self.fits(time, order));
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(event);
                s
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        let class = u128::from(order >> 63);
        let seq = u128::from(order & SEQ_MASK);
        let key = (u128::from(time.0) << (128 - TIME_BITS))
            | (class << (SEQ_BITS + SLOT_BITS))
            | (seq << SLOT_BITS)
            | u128::from(slot);
        self.keys.push(Reverse(key));
    }

    /// The smallest `(time, order)`, if any.
    #[inline]
    pub(super) fn peek_key(&self) -> Option<(SimTime, u64)> {
        self.keys.peek().map(|k| unpack(k.0))
    }

    /// Removes the entry with the smallest key and returns its time and payload.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<(SimTime, E)> {
        let key = self.keys.peek()?.0;
        // Take the payload before the sift, so its cache miss overlaps the sift's.
        let slot = key as u32;
        let event = self.slots[slot as usize].take().expect("packed heap slot");
        self.free.push(slot);
        self.keys.pop();
        Some((unpack(key).0, event))
    }

    /// Number of entries.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when empty.
    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The `(time, order)` of a packed key.
#[inline]
fn unpack(key: u128) -> (SimTime, u64) {
    let time = (key >> (128 - TIME_BITS)) as u64;
    let class = ((key >> (SEQ_BITS + SLOT_BITS)) & 1) as u64;
    let seq = ((key >> SLOT_BITS) as u64) & SEQ_MASK;
    (SimTime(time), (class << 63) | seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_order_by_time_class_seq() {
        let mut h = PackedHeap::new();
        let max_time = SimTime((1 << TIME_BITS) - 1);
        assert!(h.fits(max_time, CLASS_BIT | SEQ_MASK));
        assert!(!h.fits(SimTime(1 << TIME_BITS), 0));
        assert!(!h.fits(SimTime(0), SEQ_MASK + 1));
        h.push(max_time, CLASS_BIT | SEQ_MASK, "last");
        h.push(SimTime(7), CLASS_BIT | 1, "end of 7");
        h.push(SimTime(7), 2, "ordinary 7");
        h.push(SimTime(3), 9, "3");
        assert_eq!(h.len(), 4);
        assert_eq!(h.peek_key(), Some((SimTime(3), 9)));
        assert_eq!(h.pop(), Some((SimTime(3), "3")));
        assert_eq!(h.peek_key(), Some((SimTime(7), 2)));
        assert_eq!(h.pop(), Some((SimTime(7), "ordinary 7")));
        assert_eq!(h.peek_key(), Some((SimTime(7), CLASS_BIT | 1)));
        assert_eq!(h.pop(), Some((SimTime(7), "end of 7")));
        // Slots are reused.
        h.push(SimTime(8), 10, "8");
        assert_eq!(h.slots.len(), 4);
        assert_eq!(h.pop(), Some((SimTime(8), "8")));
        assert_eq!(h.peek_key(), Some((max_time, CLASS_BIT | SEQ_MASK)));
        assert_eq!(h.pop(), Some((max_time, "last")));
        assert!(h.is_empty());
        assert_eq!(h.pop(), None);
    }
}
