//! `initialPlacement`: where a controller's pods already run at time zero (a live cluster's
//! placement, as `clustersim import kubectl` writes it).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// A workload's `initialPlacement`: pods created at time zero already bound to a node, as
/// upstream's kubelet admits a pod whose `nodeName` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitialPlacement {
    /// `{<node>: <pods>, ...}`: that many pods on each node, in the order written
    /// (Deployment, Job; for a StatefulSet the ordinals in order).
    Counts(Vec<(String, u32)>),
    /// `[<node or null>, ...]`: the node of each ordinal from 0 (StatefulSet); `null` leaves
    /// that ordinal to the scheduler.
    Ordinals(Vec<Option<String>>),
}

impl InitialPlacement {
    /// Number of pods placed.
    pub fn placed(&self) -> u64 {
        match self {
            InitialPlacement::Counts(c) => c.iter().map(|(_, n)| u64::from(*n)).sum(),
            InitialPlacement::Ordinals(o) => o.iter().flatten().count() as u64,
        }
    }

    /// The node names written, with their field path suffix (`.node` / `[node]` or `[k]`).
    pub fn nodes(&self) -> Vec<(PlacementKey, &str)> {
        match self {
            InitialPlacement::Counts(c) => c
                .iter()
                .map(|(n, _)| (PlacementKey::Node, n.as_str()))
                .collect(),
            InitialPlacement::Ordinals(o) => o
                .iter()
                .enumerate()
                .filter_map(|(k, n)| Some((PlacementKey::Ordinal(k), n.as_deref()?)))
                .collect(),
        }
    }

    /// The node of each pod in creation order (a StatefulSet: by ordinal); `None`: scheduled.
    pub fn per_pod(&self) -> Vec<Option<&str>> {
        match self {
            InitialPlacement::Counts(c) => c
                .iter()
                .flat_map(|(n, k)| std::iter::repeat_n(Some(n.as_str()), *k as usize))
                .collect(),
            InitialPlacement::Ordinals(o) => o.iter().map(|n| n.as_deref()).collect(),
        }
    }
}

/// How a node is named in an `initialPlacement` field path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementKey {
    /// A mapping key: the node name itself.
    Node,
    /// A list index: the ordinal.
    Ordinal(usize),
}

impl<'de> Deserialize<'de> for InitialPlacement {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PlacementVisitor)
    }
}

struct PlacementVisitor;

impl<'de> Visitor<'de> for PlacementVisitor {
    type Value = InitialPlacement;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a mapping {<node>: <pod count>} or (StatefulSet) a list of node names by ordinal",
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Vec<(String, u32)> = Vec::new();
        while let Some((node, count)) = map.next_entry::<String, i128>()? {
            let count = u32::try_from(count).map_err(|_| {
                de::Error::custom(format_args!(
                    "{node:?}: a pod count must be a whole number from 0 to {} (got {count})",
                    u32::MAX
                ))
            })?;
            if out.iter().any(|(n, _)| *n == node) {
                return Err(de::Error::custom(format_args!("{node:?} is listed twice")));
            }
            out.push((node, count));
        }
        Ok(InitialPlacement::Counts(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(node) = seq.next_element::<Option<String>>()? {
            out.push(node);
        }
        Ok(InitialPlacement::Ordinals(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<InitialPlacement, String> {
        serde_saphyr::from_str(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn counts_keep_their_order_and_expand_per_pod() {
        let p = parse("{b-1: 2, a-0: 1, c-0: 0}").unwrap();
        assert_eq!(p.placed(), 3);
        assert_eq!(p.per_pod(), vec![Some("b-1"), Some("b-1"), Some("a-0")]);
    }

    #[test]
    fn ordinals_take_null_for_a_scheduled_ordinal() {
        let p = parse("[a-0, null, b-0]").unwrap();
        assert_eq!(p.placed(), 2);
        assert_eq!(p.per_pod(), vec![Some("a-0"), None, Some("b-0")]);
        assert_eq!(
            p.nodes(),
            vec![
                (PlacementKey::Ordinal(0), "a-0"),
                (PlacementKey::Ordinal(2), "b-0")
            ]
        );
    }

    #[test]
    fn bad_counts_and_shapes_are_refused() {
        assert!(parse("{a-0: -1}").unwrap_err().contains("pod count"));
        assert!(parse("{a-0: 1, a-0: 2}").is_err());
        assert!(parse("a-0").unwrap_err().contains("mapping"));
    }
}
