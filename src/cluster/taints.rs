//! Taints and tolerations, with upstream matching rules.

use super::intern::Sym;

/// A taint's effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaintEffect {
    /// New pods that do not tolerate it are not scheduled.
    NoSchedule,
    /// The scheduler tries to avoid the node (score only).
    PreferNoSchedule,
    /// Running pods that do not tolerate it are evicted.
    NoExecute,
}

impl TaintEffect {
    /// Upstream spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

/// A node taint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Taint {
    /// Key.
    pub key: Sym,
    /// Value (`Sym::EMPTY` when none).
    pub value: Sym,
    /// Effect.
    pub effect: TaintEffect,
}

/// A toleration's operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TolerationOp {
    /// Key and value must match.
    Equal,
    /// Key must match (an empty key with Exists matches every taint).
    Exists,
}

/// A pod toleration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Toleration {
    /// Key (`Sym::EMPTY` = any key, only with Exists).
    pub key: Sym,
    /// Operator.
    pub op: TolerationOp,
    /// Value for Equal.
    pub value: Sym,
    /// Effect to match; None = all effects.
    pub effect: Option<TaintEffect>,
    /// For NoExecute: how long the pod stays bound after the taint appears; None = forever.
    pub toleration_seconds: Option<u64>,
}

impl Toleration {
    /// Upstream `ToleratesTaint`.
    pub fn tolerates(&self, t: &Taint) -> bool {
        if let Some(e) = self.effect {
            if e != t.effect {
                return false;
            }
        }
        if self.key != Sym::EMPTY && self.key != t.key {
            return false;
        }
        match self.op {
            TolerationOp::Exists => true,
            TolerationOp::Equal => self.value == t.value,
        }
    }
}

/// Whether any toleration in `tols` tolerates `t`.
pub fn tolerated(tols: &[Toleration], t: &Taint) -> bool {
    tols.iter().any(|tol| tol.tolerates(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(k: u32, v: u32, effect: TaintEffect) -> Taint {
        Taint {
            key: Sym(k),
            value: Sym(v),
            effect,
        }
    }

    #[test]
    fn toleration_matching_follows_upstream() {
        let t = taint(1, 2, TaintEffect::NoSchedule);
        let eq = Toleration {
            key: Sym(1),
            op: TolerationOp::Equal,
            value: Sym(2),
            effect: None,
            toleration_seconds: None,
        };
        assert!(eq.tolerates(&t));
        let wrong_value = Toleration {
            value: Sym(3),
            ..eq
        };
        assert!(!wrong_value.tolerates(&t));
        let any = Toleration {
            key: Sym::EMPTY,
            op: TolerationOp::Exists,
            value: Sym::EMPTY,
            effect: None,
            toleration_seconds: None,
        };
        assert!(any.tolerates(&t));
        let other_effect = Toleration {
            effect: Some(TaintEffect::NoExecute),
            ..eq
        };
        assert!(!other_effect.tolerates(&t));
    }
}
