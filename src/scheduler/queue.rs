//! The scheduling queue (`pkg/scheduler/backend/queue/scheduling_queue.go`): a priority-ordered
//! activeQ (PrioritySort: higher priority first, then earlier queue timestamp), a backoffQ
//! ordered by backoff expiry, and the unschedulable pool that pods leave on a cluster event
//! (`move_all_to_active_or_backoff`) or after 5 minutes.
//!
//! Each queued pod has one live entry in `entries` with a sequence number; heap items carry
//! the sequence they were pushed with and are dropped lazily when it no longer matches, so
//! `remove` is O(1) for the heaps and O(log n) for the unschedulable pool.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};

use crate::cluster::{PodId, PodMap};
use crate::engine::SimTime;

/// `podMaxInUnschedulablePodsDuration`.
pub const MAX_IN_UNSCHEDULABLE_MS: u64 = 5 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loc {
    Active,
    Backoff,
    Unschedulable,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    seq: u64,
    loc: Loc,
    priority: i32,
    /// Queue timestamp: when added, or when it last failed (PrioritySort tie-break).
    timestamp: u64,
    /// When its backoff ends.
    backoff_until: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ActiveItem {
    priority: i32,
    timestamp: u64,
    seq: u64,
    pod: PodId,
}

impl Ord for ActiveItem {
    /// Max-heap: higher priority, then earlier timestamp, then earlier sequence.
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .cmp(&other.priority)
            .then_with(|| other.timestamp.cmp(&self.timestamp))
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for ActiveItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Priority-ordered active queue, backoff queue and unschedulable pool, as upstream.
pub struct SchedulingQueue {
    initial_backoff_ms: u64,
    max_backoff_ms: u64,
    next_seq: u64,
    entries: PodMap<Entry>,
    active: BinaryHeap<ActiveItem>,
    /// (backoff expiry, seq, pod), earliest first.
    backoff: BinaryHeap<Reverse<(u64, u64, PodId)>>,
    /// (entered the pool at, seq) → pod.
    unschedulable: BTreeMap<(u64, u64), PodId>,
    n_active: usize,
    n_backoff: usize,
}

impl SchedulingQueue {
    /// An empty queue with the given backoff bounds (ms).
    pub fn new(initial_backoff_ms: u64, max_backoff_ms: u64) -> Self {
        SchedulingQueue {
            initial_backoff_ms,
            max_backoff_ms,
            next_seq: 0,
            entries: PodMap::new(),
            active: BinaryHeap::new(),
            backoff: BinaryHeap::new(),
            unschedulable: BTreeMap::new(),
            n_active: 0,
            n_backoff: 0,
        }
    }

    /// Upstream `calculateBackoffDuration`: `initial · 2^(attempts−1)`, capped at the max; 0 for
    /// a pod that never failed.
    pub fn backoff_duration_ms(&self, attempts: u32) -> u64 {
        if attempts == 0 {
            return 0;
        }
        let mut d = self.initial_backoff_ms;
        for _ in 1..attempts {
            if d > self.max_backoff_ms.saturating_sub(d) {
                return self.max_backoff_ms;
            }
            d += d;
        }
        d.min(self.max_backoff_ms)
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Forgets the live entry of `pod` (its heap items become stale).
    fn detach(&mut self, pod: PodId) -> Option<Entry> {
        let e = self.entries.remove(&pod)?;
        match e.loc {
            Loc::Active => self.n_active -= 1,
            Loc::Backoff => self.n_backoff -= 1,
            Loc::Unschedulable => {
                self.unschedulable.remove(&(e.timestamp, e.seq));
            }
        }
        Some(e)
    }

    fn push_active(&mut self, pod: PodId, priority: i32, timestamp: u64, backoff_until: u64) {
        let seq = self.seq();
        self.entries.insert(
            pod,
            Entry {
                seq,
                loc: Loc::Active,
                priority,
                timestamp,
                backoff_until,
            },
        );
        self.active.push(ActiveItem {
            priority,
            timestamp,
            seq,
            pod,
        });
        self.n_active += 1;
    }

    fn push_backoff(&mut self, pod: PodId, priority: i32, timestamp: u64, backoff_until: u64) {
        let seq = self.seq();
        self.entries.insert(
            pod,
            Entry {
                seq,
                loc: Loc::Backoff,
                priority,
                timestamp,
                backoff_until,
            },
        );
        self.backoff.push(Reverse((backoff_until, seq, pod)));
        self.n_backoff += 1;
    }

    /// Adds a new pod (or one whose scheduling should be retried now) to the active queue.
    pub fn add(&mut self, pod: PodId, priority: i32, now: SimTime) {
        let backoff_until = self.detach(pod).map_or(0, |e| e.backoff_until);
        self.push_active(pod, priority, now.0, backoff_until);
    }

    /// Pops the highest-priority pod whose turn it is (ties: earliest enqueued).
    pub fn pop(&mut self) -> Option<PodId> {
        while let Some(item) = self.active.pop() {
            match self.entries.get(&item.pod) {
                Some(e) if e.seq == item.seq && e.loc == Loc::Active => {
                    self.entries.remove(&item.pod);
                    self.n_active -= 1;
                    return Some(item.pod);
                }
                _ => continue,
            }
        }
        None
    }

    /// Puts a pod that failed a cycle into the unschedulable pool (its attempt count sets backoff).
    pub fn add_unschedulable(&mut self, pod: PodId, priority: i32, attempts: u32, now: SimTime) {
        self.detach(pod);
        let seq = self.seq();
        let backoff_until = now.0.saturating_add(self.backoff_duration_ms(attempts));
        self.entries.insert(
            pod,
            Entry {
                seq,
                loc: Loc::Unschedulable,
                priority,
                timestamp: now.0,
                backoff_until,
            },
        );
        self.unschedulable.insert((now.0, seq), pod);
    }

    /// Puts a pod that failed a cycle straight into backoffQ (activeQ once its backoff is over):
    /// upstream's treatment of a pod whose cycle a move request overlapped (an in-flight pod
    /// hit by a cluster event) or whose binding failed. Used with `scheduler.cycleCost`.
    pub fn add_backoff(&mut self, pod: PodId, priority: i32, attempts: u32, now: SimTime) {
        self.add_unschedulable(pod, priority, attempts, now);
        if let Some(e) = self.entries.get(&pod) {
            self.unschedulable.remove(&(e.timestamp, e.seq));
        }
        self.release(pod, now.0);
    }

    /// Moves one unschedulable-pool pod to backoffQ if still backing off, else to activeQ.
    fn release(&mut self, pod: PodId, now: u64) {
        let Some(e) = self.entries.remove(&pod) else {
            return;
        };
        debug_assert_eq!(e.loc, Loc::Unschedulable);
        if e.backoff_until > now {
            self.push_backoff(pod, e.priority, e.timestamp, e.backoff_until);
        } else {
            self.push_active(pod, e.priority, e.timestamp, e.backoff_until);
        }
    }

    /// The cluster changed in a way that may make pods schedulable: move unschedulable pods to
    /// the backoff queue (or active, if their backoff has expired).
    pub fn move_all_to_active_or_backoff(&mut self, now: SimTime) {
        let pool = std::mem::take(&mut self.unschedulable);
        for (_, pod) in pool {
            self.release(pod, now.0);
        }
    }

    /// Moves pods whose backoff expired by `now` to the active queue; also flushes pods that
    /// have sat in the unschedulable pool longer than 5 minutes.
    pub fn flush(&mut self, now: SimTime) {
        while let Some(&Reverse((until, seq, pod))) = self.backoff.peek() {
            if until > now.0 {
                break;
            }
            self.backoff.pop();
            match self.entries.get(&pod) {
                Some(e) if e.seq == seq && e.loc == Loc::Backoff => {
                    let e = *e;
                    self.entries.remove(&pod);
                    self.n_backoff -= 1;
                    self.push_active(pod, e.priority, e.timestamp, e.backoff_until);
                }
                _ => {}
            }
        }
        while let Some((&(since, seq), &pod)) = self.unschedulable.first_key_value() {
            if since.saturating_add(MAX_IN_UNSCHEDULABLE_MS) > now.0 {
                break;
            }
            self.unschedulable.remove(&(since, seq));
            self.release(pod, now.0);
        }
    }

    /// The earliest time a backoff expires or an unschedulable pod is due for the 5-minute flush.
    pub fn next_wakeup(&self) -> Option<SimTime> {
        let b = self.backoff.peek().map(|r| r.0 .0);
        let u = self
            .unschedulable
            .first_key_value()
            .map(|(k, _)| k.0.saturating_add(MAX_IN_UNSCHEDULABLE_MS));
        match (b, u) {
            (Some(x), Some(y)) => Some(SimTime(x.min(y))),
            (x, y) => x.or(y).map(SimTime),
        }
    }

    /// Forgets a pod (deleted while queued).
    pub fn remove(&mut self, pod: PodId) {
        self.detach(pod);
    }

    /// Pods in the active queue.
    pub fn active_len(&self) -> usize {
        self.n_active
    }

    /// Pods in the backoff queue plus the unschedulable pool.
    pub fn waiting_len(&self) -> usize {
        self.n_backoff + self.unschedulable.len()
    }

    /// Whether `pod` is queued anywhere.
    pub fn contains(&self, pod: PodId) -> bool {
        self.entries.contains_key(&pod)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(i: u32) -> PodId {
        PodId { index: i, gen: 0 }
    }

    #[test]
    fn active_orders_by_priority_then_enqueue_time() {
        let mut q = SchedulingQueue::new(1_000, 10_000);
        q.add(pid(1), 0, SimTime(5));
        q.add(pid(2), 10, SimTime(6));
        q.add(pid(3), 0, SimTime(1));
        q.add(pid(4), 10, SimTime(6));
        q.add(pid(5), -5, SimTime(0));
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).map(|p| p.index).collect();
        assert_eq!(order, vec![2, 4, 3, 1, 5]);
        assert_eq!(q.active_len(), 0);
    }

    #[test]
    fn backoff_sequence_is_1_2_4_8_10_10_seconds() {
        let q = SchedulingQueue::new(1_000, 10_000);
        let seq: Vec<u64> = (1..=6).map(|a| q.backoff_duration_ms(a)).collect();
        assert_eq!(seq, vec![1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
        assert_eq!(q.backoff_duration_ms(0), 0);
        assert_eq!(q.backoff_duration_ms(64), 10_000);
    }

    #[test]
    fn unschedulable_pods_move_through_backoff() {
        let mut q = SchedulingQueue::new(1_000, 10_000);
        let p = pid(7);
        q.add(p, 0, SimTime(0));
        assert_eq!(q.pop(), Some(p));
        // Third failure at t=10 s: backoff 4 s, until 14 s.
        q.add_unschedulable(p, 0, 3, SimTime(10_000));
        assert_eq!((q.active_len(), q.waiting_len()), (0, 1));
        assert_eq!(q.next_wakeup(), Some(SimTime(310_000)));
        q.move_all_to_active_or_backoff(SimTime(11_000));
        assert_eq!((q.active_len(), q.waiting_len()), (0, 1));
        assert_eq!(q.next_wakeup(), Some(SimTime(14_000)));
        q.flush(SimTime(13_999));
        assert_eq!(q.pop(), None);
        q.flush(SimTime(14_000));
        assert_eq!(q.active_len(), 1);
        assert_eq!(q.pop(), Some(p));
        assert_eq!(q.next_wakeup(), None);
    }

    #[test]
    fn expired_backoff_goes_straight_to_active_and_pool_flushes_after_5_minutes() {
        let mut q = SchedulingQueue::new(1_000, 10_000);
        q.add_unschedulable(pid(1), 0, 1, SimTime(0));
        q.add_unschedulable(pid(2), 0, 1, SimTime(60_000));
        q.move_all_to_active_or_backoff(SimTime(30_000));
        // pid 1's backoff (1 s) is over; pid 2 still backs off.
        assert_eq!(q.active_len(), 1);
        assert_eq!(q.pop(), Some(pid(1)));
        assert_eq!(q.waiting_len(), 1);
        let mut q = SchedulingQueue::new(1_000, 10_000);
        q.add_unschedulable(pid(1), 0, 1, SimTime(0));
        q.add_unschedulable(pid(2), 0, 1, SimTime(100_000));
        q.flush(SimTime(299_999));
        assert_eq!(q.active_len(), 0);
        q.flush(SimTime(300_000));
        assert_eq!(q.active_len(), 1);
        assert_eq!(q.next_wakeup(), Some(SimTime(400_000)));
    }

    #[test]
    fn remove_forgets_pods_anywhere() {
        let mut q = SchedulingQueue::new(1_000, 10_000);
        q.add(pid(1), 0, SimTime(0));
        q.add(pid(2), 0, SimTime(0));
        q.add_unschedulable(pid(3), 0, 1, SimTime(0));
        q.add_unschedulable(pid(4), 0, 5, SimTime(0));
        q.move_all_to_active_or_backoff(SimTime(500));
        assert_eq!((q.active_len(), q.waiting_len()), (2, 2));
        q.remove(pid(1));
        q.remove(pid(3));
        q.remove(pid(99));
        assert_eq!((q.active_len(), q.waiting_len()), (1, 1));
        assert_eq!(q.pop(), Some(pid(2)));
        assert_eq!(q.pop(), None);
        q.flush(SimTime(100_000));
        assert_eq!(q.pop(), Some(pid(4)));
        assert_eq!((q.active_len(), q.waiting_len()), (0, 0));
        // Re-adding a removed pod works; a pod re-added while waiting moves to active.
        q.add_unschedulable(pid(5), 0, 1, SimTime(0));
        q.add(pid(5), 0, SimTime(1));
        assert_eq!((q.active_len(), q.waiting_len()), (1, 0));
        assert_eq!(q.pop(), Some(pid(5)));
    }

    #[test]
    fn failed_pods_keep_their_failure_timestamp_for_ordering() {
        let mut q = SchedulingQueue::new(1_000, 10_000);
        q.add_unschedulable(pid(1), 0, 1, SimTime(1_000));
        q.add(pid(2), 0, SimTime(5_000));
        q.move_all_to_active_or_backoff(SimTime(6_000));
        // pid 1 failed at 1 s, earlier than pid 2's enqueue at 5 s: it goes first.
        assert_eq!(q.pop(), Some(pid(1)));
        assert_eq!(q.pop(), Some(pid(2)));
    }
}
