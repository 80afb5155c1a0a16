//! A bounded log of the nodes whose scheduling-relevant state changed (a pod bound or released,
//! a taint added or removed, anything reported through [`World::mark_node_changed`]).
//!
//! The scheduler's failure memo reads it to re-check only the nodes that changed since a pod
//! template last failed everywhere. It is a ring with a running total: a reader remembers the
//! total it has seen and gets the nodes pushed since, or `None` once more than the ring holds
//! were pushed (it then starts over). Memory is fixed; nobody has to drain it.
//!
//! [`World::mark_node_changed`]: super::World::mark_node_changed

use super::NodeId;

/// Ring capacity (a power of two).
const CAPACITY: usize = 1 << 15;

/// Nodes changed, most recent last, with the number ever pushed.
#[derive(Clone, Debug, Default)]
pub struct NodeChangeLog {
    ring: Vec<NodeId>,
    total: u64,
}

impl NodeChangeLog {
    /// Records that `node` changed.
    #[inline]
    pub fn push(&mut self, node: NodeId) {
        let i = (self.total as usize) & (CAPACITY - 1);
        if i < self.ring.len() {
            self.ring[i] = node;
        } else {
            self.ring.push(node);
        }
        self.total += 1;
    }

    /// Number of changes ever recorded (a reader's cursor).
    #[inline]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The nodes recorded since cursor `since` (oldest first, repeats included), or `None`
    /// when some of them have been overwritten.
    pub fn since(&self, since: u64) -> Option<impl Iterator<Item = NodeId> + '_> {
        let lag = self.total.checked_sub(since)?;
        if lag > CAPACITY as u64 {
            return None;
        }
        Some((since..self.total).map(move |k| self.ring[(k as usize) & (CAPACITY - 1)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_what_was_pushed_since_their_cursor() {
        let mut log = NodeChangeLog::default();
        assert_eq!(log.since(0).map(|i| i.count()), Some(0));
        log.push(NodeId(3));
        let c = log.total();
        log.push(NodeId(5));
        log.push(NodeId(3));
        let got: Vec<u32> = log.since(c).expect("held").map(|n| n.0).collect();
        assert_eq!(got, vec![5, 3]);
        assert_eq!(log.since(log.total()).map(|i| i.count()), Some(0));
        assert!(log.since(log.total() + 1).is_none());
    }

    #[test]
    fn overwritten_entries_are_reported_as_lost() {
        let mut log = NodeChangeLog::default();
        for i in 0..(CAPACITY as u32 + 10) {
            log.push(NodeId(i));
        }
        assert!(log.since(0).is_none());
        assert!(log.since(9).is_none());
        let got: Vec<u32> = log.since(10).expect("held").map(|n| n.0).collect();
        assert_eq!(got.len(), CAPACITY);
        assert_eq!(got[0], 10);
        assert_eq!(*got.last().unwrap(), CAPACITY as u32 + 9);
    }
}
