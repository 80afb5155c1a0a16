//! The future event list: a binary heap ordered by `(time, class, sequence)`.
//!
//! The sequence number is assigned at push time, so two events of one class at the same instant
//! pop in the order they were scheduled: ties are deterministic without relying on the event
//! payload. The class puts observers last: an event pushed with
//! [`EventQueue::push_end_of_instant`] pops only after every ordinary event at its time,
//! including those pushed at that time while the instant is being processed (a metrics sample
//! at `T` sees the state after everything that happens at `T`).

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

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

/// A deterministic priority queue of timed events.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
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
            heap: BinaryHeap::new(),
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
        self.heap.push(Entry {
            time,
            order: class | seq,
            event,
        });
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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
}
