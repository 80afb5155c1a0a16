//! Incremental pod counts per topology domain for spread constraints and pod affinity.
//!
//! A *group* is a set of pods defined by their template (e.g. "pods matching selector S in
//! namespace N", or "pods carrying anti-affinity term T"). Membership is a property of the
//! template, resolved at build time, so binding or removing a pod updates a handful of counters
//! and the scheduler never scans pods.

use super::nodes::NodeId;
use super::pods::TemplateId;

/// Index of a pod group.
pub type GroupId = u32;
/// Index of a topology key (`kubernetes.io/hostname` is always key 0).
pub type TopoKeyId = u32;
/// Domain index of a node that lacks the key.
pub const NO_DOMAIN: u32 = u32::MAX;

/// One topology key: which domain each node belongs to.
#[derive(Clone, Debug)]
pub struct TopologyKey {
    /// Label key name (for reports).
    pub label: String,
    /// Domain index per node, or [`NO_DOMAIN`].
    pub node_domain: Vec<u32>,
    /// Number of domains.
    pub domains: u32,
}

/// Counts of group members per domain of every topology key.
#[derive(Clone, Debug, Default)]
pub struct PodGroups {
    /// Topology keys.
    pub keys: Vec<TopologyKey>,
    /// `[group][key][domain]` counts.
    counts: Vec<Vec<Vec<u32>>>,
    /// Groups each template's pods belong to.
    template_groups: Vec<Vec<GroupId>>,
    /// Per group: the nodes where a member arrived or left, most recent last.
    logs: Vec<GroupChangeLog>,
}

/// Ring capacity of a group's change log (a power of two).
const GROUP_LOG_CAPACITY: usize = 1 << 11;

/// A bounded log of one group's membership changes: `(node, +1 | -1)` per member arriving on
/// or leaving a node, with the number ever recorded. Readers that keep sums derived from the
/// counts (the scheduler's spread pre-score, `scheduler/spread.rs`) remember the total they
/// have seen and replay the changes since, or start over once the ring has overwritten some.
#[derive(Clone, Debug, Default)]
struct GroupChangeLog {
    ring: Vec<(NodeId, i32)>,
    total: u64,
}

impl GroupChangeLog {
    fn push(&mut self, node: NodeId, sign: i32) {
        let i = (self.total as usize) & (GROUP_LOG_CAPACITY - 1);
        if i < self.ring.len() {
            self.ring[i] = (node, sign);
        } else {
            self.ring.push((node, sign));
        }
        self.total += 1;
    }
}

impl PodGroups {
    /// Counters for `groups` groups over `keys`, with `template_groups[t]` the groups of template t.
    pub fn new(keys: Vec<TopologyKey>, groups: usize, template_groups: Vec<Vec<GroupId>>) -> Self {
        let counts: Vec<Vec<Vec<u32>>> = (0..groups)
            .map(|_| {
                keys.iter()
                    .map(|k| vec![0u32; k.domains as usize])
                    .collect()
            })
            .collect();
        PodGroups {
            keys,
            logs: vec![GroupChangeLog::default(); counts.len()],
            counts,
            template_groups,
        }
    }

    /// Number of groups.
    pub fn group_count(&self) -> usize {
        self.counts.len()
    }

    /// Groups the pods of template `t` belong to.
    pub fn groups_of(&self, t: TemplateId) -> &[GroupId] {
        self.template_groups
            .get(t as usize)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// Domain of `node` for `key`, or [`NO_DOMAIN`].
    #[inline]
    pub fn domain(&self, key: TopoKeyId, node: NodeId) -> u32 {
        self.keys[key as usize].node_domain[node.ix()]
    }

    /// Members of `group` in `domain` of `key`.
    #[inline]
    pub fn count(&self, group: GroupId, key: TopoKeyId, domain: u32) -> u32 {
        self.counts[group as usize][key as usize][domain as usize]
    }

    /// Members of `group` in the domain of `key` that contains `node` (0 if the node lacks the key).
    #[inline]
    pub fn count_at(&self, group: GroupId, key: TopoKeyId, node: NodeId) -> u32 {
        let d = self.domain(key, node);
        if d == NO_DOMAIN {
            0
        } else {
            self.count(group, key, d)
        }
    }

    /// All domain counts of `group` for `key`.
    pub fn counts(&self, group: GroupId, key: TopoKeyId) -> &[u32] {
        &self.counts[group as usize][key as usize]
    }

    /// Number of membership changes ever recorded for `group` (a reader's cursor).
    #[inline]
    pub fn changes_total(&self, group: GroupId) -> u64 {
        self.logs[group as usize].total
    }

    /// The membership changes of `group` since cursor `since`, oldest first, as `(node, +1)`
    /// for a member arriving and `(node, -1)` for one leaving; `None` when some of them have
    /// been overwritten (or `since` is not a cursor of this log).
    pub fn changes_since(
        &self,
        group: GroupId,
        since: u64,
    ) -> Option<impl Iterator<Item = (NodeId, i32)> + '_> {
        let log = &self.logs[group as usize];
        let lag = log.total.checked_sub(since)?;
        if lag > GROUP_LOG_CAPACITY as u64 {
            return None;
        }
        Some((since..log.total).map(move |k| log.ring[(k as usize) & (GROUP_LOG_CAPACITY - 1)]))
    }

    /// Appends a new node whose domain for key `k` is `domains[k]` (one per key, in key order).
    /// A domain equal to the key's current domain count opens a new domain (counters start at 0).
    pub(crate) fn push_node(&mut self, domains: &[u32]) {
        assert_eq!(
            domains.len(),
            self.keys.len(),
            "one domain per topology key"
        );
        for (k, (key, &d)) in self.keys.iter_mut().zip(domains).enumerate() {
            key.node_domain.push(d);
            if d != NO_DOMAIN && d >= key.domains {
                assert_eq!(d, key.domains, "new domains are opened one at a time");
                key.domains += 1;
                for g in &mut self.counts {
                    g[k].push(0);
                }
            }
        }
    }

    /// Records a pod of template `t` arriving on (`sign = 1`) or leaving (`sign = -1`) `node`.
    pub(crate) fn update(&mut self, t: TemplateId, node: NodeId, sign: i32) {
        let Some(groups) = self.template_groups.get(t as usize) else {
            return;
        };
        for &g in groups {
            self.logs[g as usize].push(node, sign);
            for (k, key) in self.keys.iter().enumerate() {
                let d = key.node_domain[node.ix()];
                if d != NO_DOMAIN {
                    let c = &mut self.counts[g as usize][k][d as usize];
                    *c = c
                        .checked_add_signed(sign)
                        .expect("pod group count went negative");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> PodGroups {
        let host = TopologyKey {
            label: "kubernetes.io/hostname".into(),
            node_domain: vec![0, 1],
            domains: 2,
        };
        PodGroups::new(vec![host], 2, vec![vec![0], vec![1]])
    }

    #[test]
    fn change_log_replays_a_groups_changes_since_a_cursor() {
        let mut g = groups();
        g.update(0, NodeId(1), 1);
        let cur = g.changes_total(0);
        g.update(0, NodeId(0), 1);
        g.update(1, NodeId(0), 1); // another group: not in group 0's log
        g.update(0, NodeId(1), -1);
        let got: Vec<(u32, i32)> = g
            .changes_since(0, cur)
            .expect("held")
            .map(|(n, s)| (n.0, s))
            .collect();
        assert_eq!(got, vec![(0, 1), (1, -1)]);
        assert_eq!(g.changes_total(1), 1);
        assert!(g.changes_since(0, g.changes_total(0) + 1).is_none());
    }

    #[test]
    fn change_log_reports_overwritten_changes_as_lost() {
        let mut g = groups();
        for _ in 0..GROUP_LOG_CAPACITY + 3 {
            g.update(0, NodeId(0), 1);
        }
        assert!(g.changes_since(0, 2).is_none());
        assert_eq!(
            g.changes_since(0, 3).map(|c| c.count()),
            Some(GROUP_LOG_CAPACITY)
        );
    }
}
