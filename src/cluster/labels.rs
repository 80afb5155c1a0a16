//! Labels, label selectors and node-selector terms, over interned strings.

use super::intern::{Interner, Sym};

/// A node's or pod's labels: `(key, value)` pairs sorted by key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSet(Vec<(Sym, Sym)>);

impl LabelSet {
    /// Builds a set from pairs (later duplicates of a key win).
    pub fn new(mut pairs: Vec<(Sym, Sym)>) -> Self {
        pairs.reverse();
        pairs.sort_by_key(|p| p.0);
        pairs.dedup_by_key(|p| p.0);
        LabelSet(pairs)
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: Sym) -> Option<Sym> {
        self.0
            .binary_search_by_key(&key, |p| p.0)
            .ok()
            .map(|i| self.0[i].1)
    }

    /// All pairs, sorted by key.
    pub fn pairs(&self) -> &[(Sym, Sym)] {
        &self.0
    }
}

/// The operator of a selector requirement (`matchExpressions[].operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SelectorOp {
    /// The label's value is one of `values`.
    In,
    /// The label is absent or its value is not one of `values`.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
    /// The label's value, as an integer, is greater than the single value (node selectors only).
    Gt,
    /// The label's value, as an integer, is less than the single value (node selectors only).
    Lt,
}

/// One requirement: `key op values`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// Label key.
    pub key: Sym,
    /// Operator.
    pub op: SelectorOp,
    /// Values (for In/NotIn), sorted.
    pub values: Vec<Sym>,
    /// The integer operand of Gt/Lt.
    pub bound: i64,
}

impl Requirement {
    /// Whether a label value `v` (None = label absent) satisfies this requirement.
    pub fn matches(&self, v: Option<Sym>, interner: &Interner) -> bool {
        match self.op {
            SelectorOp::In => v.is_some_and(|v| self.values.contains(&v)),
            SelectorOp::NotIn => v.is_none_or(|v| !self.values.contains(&v)),
            SelectorOp::Exists => v.is_some(),
            SelectorOp::DoesNotExist => v.is_none(),
            SelectorOp::Gt | SelectorOp::Lt => {
                let Some(n) = v.and_then(|v| interner.resolve(v).parse::<i64>().ok()) else {
                    return false;
                };
                if self.op == SelectorOp::Gt {
                    n > self.bound
                } else {
                    n < self.bound
                }
            }
        }
    }
}

/// A label selector (`matchLabels` folded into `In` requirements): all requirements must hold.
/// An empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    /// Requirements, ANDed.
    pub requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Whether every requirement holds for a label source.
    pub fn matches_with(&self, get: impl Fn(Sym) -> Option<Sym>, interner: &Interner) -> bool {
        self.requirements
            .iter()
            .all(|r| r.matches(get(r.key), interner))
    }

    /// Whether the selector matches a label set.
    pub fn matches(&self, labels: &LabelSet, interner: &Interner) -> bool {
        self.matches_with(|k| labels.get(k), interner)
    }

    /// True when the selector has no requirement (matches everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// `requiredDuringSchedulingIgnoredDuringExecution`: terms ORed, each term's requirements ANDed.
/// A term with no requirement matches nothing, as upstream.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodeSelector {
    /// The terms; at least one must match.
    pub terms: Vec<LabelSelector>,
}

impl NodeSelector {
    /// Whether any term matches the node's labels (`get` includes `kubernetes.io/hostname`).
    pub fn matches_with(
        &self,
        get: impl Fn(Sym) -> Option<Sym> + Copy,
        interner: &Interner,
    ) -> bool {
        self.terms
            .iter()
            .any(|t| !t.is_empty() && t.matches_with(get, interner))
    }
}

/// A weighted preferred node-affinity term.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PreferredTerm {
    /// Weight 1..100.
    pub weight: i64,
    /// The preference.
    pub term: LabelSelector,
}
