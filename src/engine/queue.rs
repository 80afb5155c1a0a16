//! The future event list, ordered by `(time, class, sequence)`.
//!
//! The sequence number is assigned at push time, so two events of one class at the same instant
//! pop in the order they were scheduled: ties are deterministic without relying on the event
//! payload. The class puts observers last: an event pushed with
//! [`EventQueue::push_end_of_instant`] pops only after every ordinary event at its time,
//! including those pushed at that time while the instant is being processed (a metrics sample
//! at `T` sees the state after everything that happens at `T`).
//!
//! Three sorted stores, one pop order: an ordinary event pushed at the time of the last pop
//! (a `SchedulerCycle` after an arrival, the most common case) goes to a FIFO: every entry of
//! the FIFO has that one time and a larger sequence number than the entry before it, so the
//! FIFO is sorted by `(time, class, seq)` too. Other events go to one of two binary heaps by
//! how far ahead they are due when pushed: the *near* heap (within [`NEAR_MS`], e.g. the next
//! Poisson arrival) stays small and cheap, the *far* heap holds the long waits (pod run ends)
//! as 16-byte packed keys with the payloads aside ([`PackedHeap`]).
//! [`EventQueue::pop`] takes the smallest of the three fronts, so the pop order is exactly the
//! single-heap order whatever the split; the split only keeps most pops off the deep heap,
//! whose sift costs a cache miss per level.

use super::packed_heap::PackedHeap;
use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

struct Entry<E> {
    time: SimTime,
    /// The class in the top bit (0: ordinary; 1: end of instant, after every ordinary event
    /// at `time`) above the sequence number: `(time, order)` compares as `(time, class, seq)`
    /// in two integer comparisons.
    order: u64,
    event: E,
}

/// The class bit of [`Entry::order`].
const END_OF_INSTANT: u64 = 1 << 63;

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.order == other.order
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed so that `BinaryHeap` (a max-heap) pops the earliest `(time, class, seq)` first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.order).cmp(&(self.time, self.order))
    }
}

impl<E> Entry<E> {
    /// The sort key: `(time, class, seq)`.
    #[inline]
    fn key(&self) -> (SimTime, u64) {
        (self.time, self.order)
    }
}

/// Events due less than this many ms after the time of the last pop go to the near heap.
pub const NEAR_MS: u64 = 1_000;

/// True when `a` is a key and comes before `b` (or `b` is none).
#[inline]
fn earlier(a: Option<(SimTime, u64)>, b: Option<(SimTime, u64)>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a < b,
        (a, _) => a.is_some(),
    }
}

/// A deterministic priority queue of timed events.
pub struct EventQueue<E> {
    /// Events due within [`NEAR_MS`] of `current` when pushed (and not in the FIFO).
    near: BinaryHeap<Entry<E>>,
    /// Every other event (packed keys, payloads aside), unless its key does not pack: then
    /// the near heap.
    far: PackedHeap<E>,
    /// Ordinary events pushed at `current` while the back of the FIFO (if any) has that time
    /// too: sorted by `(time, order)` by construction.
    same_instant: VecDeque<Entry<E>>,
    /// The time of the last popped event (zero before the first pop).
    current: SimTime,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            near: BinaryHeap::new(),
            far: PackedHeap::new(),
            same_instant: VecDeque::new(),
            current: SimTime::ZERO,
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`.
    pub fn push(&mut self, time: SimTime, event: E) {
        self.push_class(time, 0, event);
    }

    /// Schedules `event` at `time`, after every ordinary event at `time` (also those pushed
    /// later, while `time` is being processed). For observers such as metrics samples.
    pub fn push_end_of_instant(&mut self, time: SimTime, event: E) {
        self.push_class(time, END_OF_INSTANT, event);
    }

    fn push_class(&mut self, time: SimTime, class: u64, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        debug_assert!(seq < END_OF_INSTANT);
        let order = class | seq;
        let entry = Entry { time, order, event };
        // The FIFO stays sorted: same time as its back, larger sequence number.
        if class == 0
            && time == self.current
            && self.same_instant.back().is_none_or(|b| b.time == time)
        {
            self.same_instant.push_back(entry);
        } else if time.0 >= self.current.0.saturating_add(NEAR_MS) && self.far.fits(time, order) {
            self.far.push(time, order, entry.event);
        } else {
            self.near.push(entry);
        }
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime(u64::MAX))
    }

    /// Removes and returns the earliest event if it is due at or before `limit`.
    #[inline]
    pub fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        let fifo = self.same_instant.front().map(Entry::key);
        let near = self.near.peek().map(Entry::key);
        let far = self.far.peek_key();
        let (time, event) = if earlier(fifo, near) && earlier(fifo, far) {
            if fifo?.0 > limit {
                return None;
            }
            self.same_instant.pop_front().map(|e| (e.time, e.event))
        } else if earlier(near, far) {
            if near?.0 > limit {
                return None;
            }
            self.near.pop().map(|e| (e.time, e.event))
        } else {
            if far?.0 > limit {
                return None;
            }
            self.far.pop()
        }?;
        self.current = time;
        Some((time, event))
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        let fifo = self.same_instant.front().map(|e| e.time);
        let near = self.near.peek().map(|e| e.time);
        let far = self.far.peek_key().map(|k| k.0);
        let first = |a: Option<SimTime>, b: Option<SimTime>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        first(first(fifo, near), far)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.near.len() + self.far.len() + self.same_instant.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.near.is_empty() && self.far.is_empty() && self.same_instant.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "c");
        q.push(SimTime(1), "a");
        q.push(SimTime(5), "d");
        q.push(SimTime(1), "b");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, vec!["a", "b", "c", "d"]);
    }

    #[test]
    fn end_of_instant_events_pop_after_every_ordinary_event_at_their_time() {
        let mut q = EventQueue::new();
        q.push_end_of_instant(SimTime(5), "sample");
        q.push(SimTime(5), "a");
        q.push(SimTime(6), "later");
        assert_eq!(q.pop(), Some((SimTime(5), "a")));
        // Pushed while the instant is processed: still before the sample.
        q.push(SimTime(5), "b");
        assert_eq!(q.pop(), Some((SimTime(5), "b")));
        assert_eq!(q.pop(), Some((SimTime(5), "sample")));
        assert_eq!(q.pop(), Some((SimTime(6), "later")));
    }

    #[test]
    fn same_instant_pushes_pop_after_earlier_pushes_at_that_instant() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "a");
        q.push(SimTime(5), "b");
        q.push_end_of_instant(SimTime(5), "sample");
        assert_eq!(q.pop(), Some((SimTime(5), "a")));
        // At the current instant (the FIFO): after "b", which was pushed earlier.
        q.push(SimTime(5), "c");
        assert_eq!(q.len(), 3);
        assert_eq!(q.peek_time(), Some(SimTime(5)));
        assert_eq!(q.pop(), Some((SimTime(5), "b")));
        assert_eq!(q.pop(), Some((SimTime(5), "c")));
        assert_eq!(q.pop(), Some((SimTime(5), "sample")));
        // An end-of-instant handler pushes an ordinary event at its own time: next.
        q.push(SimTime(7), "x");
        q.push(SimTime(5), "d");
        assert_eq!(q.pop(), Some((SimTime(5), "d")));
        assert_eq!(q.pop(), Some((SimTime(7), "x")));
        assert!(q.is_empty());
    }

    /// One operation of the property test.
    #[derive(Clone, Debug)]
    enum Op {
        /// Push an ordinary event this many ms after the last popped time (may be 0).
        Push(u64),
        /// Push an ordinary event this many ms before the last popped time (into the past).
        PushPast(u64),
        /// Push an end-of-instant event this many ms after the last popped time.
        PushEnd(u64),
        Pop,
        /// Pop only an event due at most this many ms after the last popped time.
        PopUntil(u64),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            4 => (0u64..3).prop_map(Op::Push),
            2 => (0u64..40).prop_map(Op::Push),
            2 => (0u64..3 * NEAR_MS).prop_map(Op::Push),
            1 => (1u64..3).prop_map(Op::PushPast),
            2 => (0u64..3).prop_map(Op::PushEnd),
            1 => (0u64..3 * NEAR_MS).prop_map(Op::PushEnd),
            6 => Just(Op::Pop),
            2 => (0u64..3).prop_map(Op::PopUntil),
        ]
    }

    proptest::proptest! {
        /// The queue pops exactly like a reference that sorts every pending event by
        /// `(time, class, push order)`, under any interleaving of pushes (at, after and before
        /// the current instant, ordinary and end-of-instant) and pops.
        #[test]
        fn pops_in_exact_time_class_seq_order(ops in proptest::collection::vec(op(), 0..300)) {
            let mut q = EventQueue::new();
            // Reference: (time, class, seq, id), the minimum popped by a linear scan.
            let mut reference: Vec<(u64, u8, u64, u32)> = Vec::new();
            let mut last = 0u64;
            let mut id = 0u32;
            for (seq, op) in ops.into_iter().enumerate() {
                let seq = seq as u64;
                match op {
                    Op::Push(d) => {
                        q.push(SimTime(last + d), id);
                        reference.push((last + d, 0, seq, id));
                        id += 1;
                    }
                    Op::PushPast(d) => {
                        let t = last.saturating_sub(d);
                        q.push(SimTime(t), id);
                        reference.push((t, 0, seq, id));
                        id += 1;
                    }
                    Op::PushEnd(d) => {
                        q.push_end_of_instant(SimTime(last + d), id);
                        reference.push((last + d, 1, seq, id));
                        id += 1;
                    }
                    Op::Pop | Op::PopUntil(_) => {
                        let limit = match op {
                            Op::PopUntil(d) => last + d,
                            _ => u64::MAX,
                        };
                        let first = reference
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, e)| (e.0, e.1, e.2))
                            .map(|(i, e)| (i, *e));
                        proptest::prop_assert_eq!(q.peek_time(), first.map(|(_, e)| SimTime(e.0)));
                        let expected = match first {
                            Some((i, e)) if e.0 <= limit => {
                                reference.swap_remove(i);
                                Some((SimTime(e.0), e.3))
                            }
                            _ => None,
                        };
                        let got = q.pop_until(SimTime(limit));
                        proptest::prop_assert_eq!(got, expected);
                        if let Some((t, _)) = got {
                            last = t.0;
                        }
                    }
                }
                proptest::prop_assert_eq!(q.len(), reference.len());
            }
        }
    }
}
