//! Conversions from scenario (serde) shapes to engine shapes: taints, tolerations, selectors,
//! images.

use std::collections::HashMap;

use crate::cluster::labels::{LabelSelector, NodeSelector, PreferredTerm, Requirement, SelectorOp};
use crate::cluster::taints::{Taint, TaintEffect, Toleration, TolerationOp};
use crate::cluster::world::ImageInfo;
use crate::cluster::{Interner, Sym, World};
use crate::scenario::types::affinity::{
    LabelSelector as LabelSelectorSpec, LabelSelectorOperator, NodeSelector as NodeSelectorSpec,
    NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm, PreferredSchedulingTerm,
};
use crate::scenario::types::cluster::{Taint as TaintSpec, TaintEffect as EffectSpec};
use crate::scenario::types::pod::{Toleration as TolerationSpec, TolerationOperator};

/// Size assumed for an image that no node lists (`images:` on pools/nodes gives real sizes).
pub const DEFAULT_IMAGE_SIZE: i64 = 256 * 1024 * 1024;

/// Engine taint effect from the scenario's.
pub fn effect(e: EffectSpec) -> TaintEffect {
    match e {
        EffectSpec::NoSchedule => TaintEffect::NoSchedule,
        EffectSpec::PreferNoSchedule => TaintEffect::PreferNoSchedule,
        EffectSpec::NoExecute => TaintEffect::NoExecute,
    }
}

/// Engine taint from the scenario's.
pub fn taint(i: &mut Interner, t: &TaintSpec) -> Taint {
    Taint {
        key: i.intern(&t.key),
        value: i.intern(&t.value),
        effect: effect(t.effect),
    }
}

/// Engine toleration from the scenario's.
pub fn toleration(i: &mut Interner, t: &TolerationSpec) -> Toleration {
    Toleration {
        key: i.intern(&t.key),
        op: match t.operator {
            TolerationOperator::Equal => TolerationOp::Equal,
            TolerationOperator::Exists => TolerationOp::Exists,
        },
        value: i.intern(&t.value),
        effect: t.effect.map(effect),
        toleration_seconds: t.toleration_seconds.map(|s| s.max(0) as u64),
    }
}

/// A toleration of `key` with `effect`, operator Exists.
pub fn exists_toleration(
    i: &mut Interner,
    key: &str,
    effect: TaintEffect,
    seconds: Option<u64>,
) -> Toleration {
    Toleration {
        key: i.intern(key),
        op: TolerationOp::Exists,
        value: Sym::EMPTY,
        effect: Some(effect),
        toleration_seconds: seconds,
    }
}

fn requirement(i: &mut Interner, key: Sym, op: SelectorOp, values: &[String]) -> Requirement {
    let mut vals: Vec<Sym> = values.iter().map(|v| i.intern(v)).collect();
    vals.sort();
    let bound = if matches!(op, SelectorOp::Gt | SelectorOp::Lt) {
        values.first().and_then(|v| v.parse().ok()).unwrap_or(0)
    } else {
        0
    };
    Requirement {
        key,
        op,
        values: vals,
        bound,
    }
}

/// `matchLabels` pairs as `In` requirements.
pub fn match_labels<'a>(
    i: &mut Interner,
    pairs: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Vec<Requirement> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            let key = i.intern(k);
            requirement(i, key, SelectorOp::In, std::slice::from_ref(v))
        })
        .collect()
}

/// A pod label selector (`matchLabels` + `matchExpressions`). None = matches nothing upstream
/// for affinity terms and spread constraints; callers decide.
pub fn label_selector(i: &mut Interner, s: &LabelSelectorSpec) -> LabelSelector {
    let mut requirements = match_labels(i, &s.match_labels);
    for e in &s.match_expressions {
        let op = match e.operator {
            LabelSelectorOperator::In => SelectorOp::In,
            LabelSelectorOperator::NotIn => SelectorOp::NotIn,
            LabelSelectorOperator::Exists => SelectorOp::Exists,
            LabelSelectorOperator::DoesNotExist => SelectorOp::DoesNotExist,
        };
        let key = i.intern(&e.key);
        requirements.push(requirement(i, key, op, &e.values));
    }
    LabelSelector { requirements }
}

fn node_op(op: NodeSelectorOperator) -> SelectorOp {
    match op {
        NodeSelectorOperator::In => SelectorOp::In,
        NodeSelectorOperator::NotIn => SelectorOp::NotIn,
        NodeSelectorOperator::Exists => SelectorOp::Exists,
        NodeSelectorOperator::DoesNotExist => SelectorOp::DoesNotExist,
        NodeSelectorOperator::Gt => SelectorOp::Gt,
        NodeSelectorOperator::Lt => SelectorOp::Lt,
    }
}

fn node_requirements(
    i: &mut Interner,
    hostname: Sym,
    reqs: &[NodeSelectorRequirement],
    fields: bool,
) -> Vec<Requirement> {
    reqs.iter()
        .map(|r| {
            // matchFields supports only `metadata.name`, which is the node name = hostname label.
            let key = if fields { hostname } else { i.intern(&r.key) };
            requirement(i, key, node_op(r.operator), &r.values)
        })
        .collect()
}

/// One node-selector term (expressions and fields ANDed).
pub fn node_selector_term(i: &mut Interner, hostname: Sym, t: &NodeSelectorTerm) -> LabelSelector {
    let mut requirements = node_requirements(i, hostname, &t.match_expressions, false);
    requirements.extend(node_requirements(i, hostname, &t.match_fields, true));
    LabelSelector { requirements }
}

/// Required node affinity.
pub fn node_selector(i: &mut Interner, hostname: Sym, s: &NodeSelectorSpec) -> NodeSelector {
    NodeSelector {
        terms: s
            .node_selector_terms
            .iter()
            .map(|t| node_selector_term(i, hostname, t))
            .collect(),
    }
}

/// Preferred node-affinity terms (weight-0 terms dropped, as upstream ignores them).
pub fn preferred_terms(
    i: &mut Interner,
    hostname: Sym,
    terms: &[PreferredSchedulingTerm],
) -> Vec<PreferredTerm> {
    terms
        .iter()
        .filter(|t| t.weight != 0)
        .map(|t| PreferredTerm {
            weight: i64::from(t.weight),
            term: node_selector_term(i, hostname, &t.preference),
        })
        .collect()
}

/// Upstream image-name normalisation for ImageLocality: a name without tag or digest gets
/// `:latest`.
pub fn normalize_image(name: &str) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.contains(':') || name.contains('@') {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

/// Numbers images as they are met; sizes from node `images:` lists.
#[derive(Default)]
pub struct ImageRegistry {
    ids: HashMap<String, u32>,
    infos: Vec<ImageInfo>,
}

impl ImageRegistry {
    /// The id of an image, registering it; a known size replaces the default.
    pub fn register(&mut self, name: &str, size: Option<i64>) -> u32 {
        let name = normalize_image(name);
        let id = *self.ids.entry(name.clone()).or_insert_with(|| {
            self.infos.push(ImageInfo {
                name,
                size: DEFAULT_IMAGE_SIZE,
                nodes_with: 0,
            });
            (self.infos.len() - 1) as u32
        });
        if let Some(s) = size.filter(|s| *s > 0) {
            self.infos[id as usize].size = s;
        }
        id
    }

    /// Moves the images into the world, counting the nodes that hold each.
    pub fn install(self, world: &mut World) {
        let mut infos = self.infos;
        for n in world.nodes.ids() {
            for img in world.nodes.images_of(n) {
                infos[*img as usize].nodes_with += 1;
            }
        }
        world.images = infos;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_without_tag_get_latest() {
        assert_eq!(normalize_image("nginx"), "nginx:latest");
        assert_eq!(
            normalize_image("registry:5000/app"),
            "registry:5000/app:latest"
        );
        assert_eq!(
            normalize_image("registry.example/web:1.4"),
            "registry.example/web:1.4"
        );
        assert_eq!(normalize_image("app@sha256:abc"), "app@sha256:abc");
    }
}
