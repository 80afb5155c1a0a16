//! Spread constraints and pod (anti-)affinity: resolves selectors into pod groups, topology
//! keys into per-node domains, and system-default spreading, then sets up `World::groups`.

use std::collections::HashMap;

use super::convert::label_selector;
use crate::cluster::groups::{GroupId, TopoKeyId, TopologyKey, NO_DOMAIN};
use crate::cluster::labels::{LabelSelector, Requirement, SelectorOp};
use crate::cluster::template::{
    AffinityTerm, ExistingTerm, ExistingTermKind, PodAffinity, SpreadConstraint,
};
use crate::cluster::{OwnerKind, PodGroups, Sym, World};
use crate::scenario::types::affinity::{
    NodeInclusionPolicy, PodAffinityTerm, TopologySpreadConstraint, UnsatisfiableConstraintAction,
};
use crate::scenario::types::scheduler::{PluginConfig, PodTopologySpreadDefaultingType};
use crate::scenario::types::workload::Workload;
use crate::scenario::ScenarioFile;

/// Which pods a group holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum GroupDef {
    /// Pods in one of `namespaces` whose labels match `selector`.
    Selector {
        namespaces: Vec<Sym>,
        selector: LabelSelector,
    },
    /// Pods carrying a given (anti-)affinity term.
    TermOwners {
        selector: GroupId,
        key: TopoKeyId,
        kind: (u8, i64),
    },
}

#[derive(Default)]
struct Registry {
    keys: Vec<Sym>,
    groups: Vec<GroupDef>,
    ids: HashMap<GroupDef, GroupId>,
}

impl Registry {
    fn key(&mut self, k: Sym) -> TopoKeyId {
        match self.keys.iter().position(|x| *x == k) {
            Some(p) => p as TopoKeyId,
            None => {
                self.keys.push(k);
                (self.keys.len() - 1) as TopoKeyId
            }
        }
    }

    fn group(&mut self, def: GroupDef) -> GroupId {
        if let Some(id) = self.ids.get(&def) {
            return *id;
        }
        let id = self.groups.len() as GroupId;
        self.groups.push(def.clone());
        self.ids.insert(def, id);
        id
    }
}

fn kind_key(k: ExistingTermKind) -> (u8, i64) {
    match k {
        ExistingTermKind::RequiredAntiAffinity => (0, 0),
        ExistingTermKind::RequiredAffinity => (1, 0),
        ExistingTermKind::PreferredAffinity(w) => (2, w),
        ExistingTermKind::PreferredAntiAffinity(w) => (3, w),
    }
}

fn matches_nothing() -> LabelSelector {
    LabelSelector {
        requirements: vec![Requirement {
            key: Sym::EMPTY,
            op: SelectorOp::In,
            values: Vec::new(),
            bound: 0,
        }],
    }
}

/// The spread args of the profile a workload's pods use: defaulting type and list defaults.
fn spread_defaults<'a>(
    s: &'a ScenarioFile,
    w: &Workload,
) -> (
    PodTopologySpreadDefaultingType,
    &'a [TopologySpreadConstraint],
) {
    let name = w.template.scheduler_name();
    let profile = s.scheduler.profiles.iter().find(|p| p.name() == name);
    let args = profile.and_then(|p| {
        p.plugin_config.iter().find_map(|c| match c {
            PluginConfig::PodTopologySpread(a) => Some(a),
            _ => None,
        })
    });
    match args {
        Some(a) => (
            a.defaulting_type.unwrap_or_default(),
            &a.default_constraints,
        ),
        None => (PodTopologySpreadDefaultingType::System, &[]),
    }
}

/// Resolves spread constraints and pod affinity of every template (template `i` belongs to
/// `s.workloads[i]`) and installs the pod-group counters in `world.groups`.
pub fn resolve(world: &mut World, s: &ScenarioFile) {
    let mut reg = Registry::default();
    let wk = world.well_known;
    reg.key(wk.hostname);
    reg.key(wk.zone);
    for (t, w) in s.workloads.iter().enumerate() {
        let (spread, system_default) = spread_constraints(world, &mut reg, s, w, t);
        let affinity = pod_affinity(world, &mut reg, w, t);
        let tpl = &mut world.templates[t];
        tpl.spread = spread;
        tpl.spread_system_default = system_default;
        tpl.affinity = affinity;
    }
    add_existing_terms(world, &mut reg);
    let template_groups = membership(world, &reg);
    let keys = reg.keys.iter().map(|k| topology_key(world, *k)).collect();
    world.groups = PodGroups::new(keys, reg.groups.len(), template_groups);
}

fn selector_group(
    world: &mut World,
    reg: &mut Registry,
    ns: Vec<Sym>,
    spec: Option<&crate::scenario::types::affinity::LabelSelector>,
) -> GroupId {
    let selector = match spec {
        Some(sel) => label_selector(&mut world.interner, sel),
        None => matches_nothing(),
    };
    let mut namespaces = ns;
    namespaces.sort();
    namespaces.dedup();
    reg.group(GroupDef::Selector {
        namespaces,
        selector,
    })
}

fn self_matches(world: &World, reg: &Registry, group: GroupId, t: usize) -> bool {
    match &reg.groups[group as usize] {
        GroupDef::Selector {
            namespaces,
            selector,
        } => {
            let tpl = &world.templates[t];
            namespaces.contains(&tpl.namespace) && selector.matches(&tpl.labels, &world.interner)
        }
        GroupDef::TermOwners { .. } => false,
    }
}

fn spread_constraints(
    world: &mut World,
    reg: &mut Registry,
    s: &ScenarioFile,
    w: &Workload,
    t: usize,
) -> (Vec<SpreadConstraint>, bool) {
    let ns = world.templates[t].namespace;
    let explicit = &w.template.topology_spread_constraints;
    let (defaulting, list) = spread_defaults(s, w);
    let owned = matches!(
        world.templates[t].owner,
        OwnerKind::Deployment | OwnerKind::StatefulSet
    );
    let mut out = Vec::new();
    if !explicit.is_empty() {
        for c in explicit {
            let mut sel = c.label_selector.clone();
            if let Some(sel) = sel.as_mut() {
                for k in &c.match_label_keys {
                    if let Some(v) =
                        w.template
                            .labels
                            .get(k)
                            .or(if k == super::templates::WORKLOAD_LABEL {
                                Some(&w.name)
                            } else {
                                None
                            })
                    {
                        sel.match_labels.insert(k.clone(), v.clone());
                    }
                }
            }
            let group = selector_group(world, reg, vec![ns], sel.as_ref());
            let key = reg.key(world.interner.intern(&c.topology_key));
            let hard = c.when_unsatisfiable == UnsatisfiableConstraintAction::DoNotSchedule;
            out.push(SpreadConstraint {
                max_skew: i64::from(c.max_skew),
                key,
                hard,
                group,
                self_match: self_matches(world, reg, group, t),
                min_domains: if hard {
                    c.min_domains.map(|m| m.max(1) as u32)
                } else {
                    None
                },
                honor_node_affinity: c.node_affinity_policy != Some(NodeInclusionPolicy::Ignore),
                honor_taints: c.node_taints_policy == Some(NodeInclusionPolicy::Honor),
            });
        }
        return (out, false);
    }
    if !owned {
        return (out, false);
    }
    // Default constraints select the pods of the owning controller (its selector).
    let selector = LabelSelector {
        requirements: world.templates[t]
            .labels
            .pairs()
            .iter()
            .map(|(k, v)| Requirement {
                key: *k,
                op: SelectorOp::In,
                values: vec![*v],
                bound: 0,
            })
            .collect(),
    };
    let group = reg.group(GroupDef::Selector {
        namespaces: vec![ns],
        selector,
    });
    let defaults: Vec<(String, i64, bool)> = match defaulting {
        PodTopologySpreadDefaultingType::System => vec![
            ("kubernetes.io/hostname".into(), 3, false),
            ("topology.kubernetes.io/zone".into(), 5, false),
        ],
        PodTopologySpreadDefaultingType::List => list
            .iter()
            .map(|c| {
                (
                    c.topology_key.clone(),
                    i64::from(c.max_skew),
                    c.when_unsatisfiable == UnsatisfiableConstraintAction::DoNotSchedule,
                )
            })
            .collect(),
    };
    for (key, max_skew, hard) in defaults {
        let key = reg.key(world.interner.intern(&key));
        out.push(SpreadConstraint {
            max_skew,
            key,
            hard,
            group,
            self_match: true,
            min_domains: None,
            honor_node_affinity: true,
            honor_taints: false,
        });
    }
    (out, defaulting == PodTopologySpreadDefaultingType::System)
}

fn affinity_term(
    world: &mut World,
    reg: &mut Registry,
    ns: Sym,
    term: &PodAffinityTerm,
    t: usize,
) -> AffinityTerm {
    let namespaces = if term.namespaces.is_empty() {
        vec![ns]
    } else {
        term.namespaces
            .iter()
            .map(|n| world.interner.intern(n))
            .collect()
    };
    let group = selector_group(world, reg, namespaces, term.label_selector.as_ref());
    let key = reg.key(world.interner.intern(&term.topology_key));
    AffinityTerm {
        group,
        key,
        self_match: self_matches(world, reg, group, t),
    }
}

fn pod_affinity(world: &mut World, reg: &mut Registry, w: &Workload, t: usize) -> PodAffinity {
    let ns = world.templates[t].namespace;
    let mut out = PodAffinity::default();
    let Some(a) = w.template.affinity.as_ref() else {
        return out;
    };
    if let Some(pa) = &a.pod_affinity {
        for term in &pa.required_during_scheduling_ignored_during_execution {
            out.required.push(affinity_term(world, reg, ns, term, t));
        }
        for wt in &pa.preferred_during_scheduling_ignored_during_execution {
            out.preferred.push((
                i64::from(wt.weight),
                affinity_term(world, reg, ns, &wt.pod_affinity_term, t),
            ));
        }
    }
    if let Some(pa) = &a.pod_anti_affinity {
        for term in &pa.required_during_scheduling_ignored_during_execution {
            out.anti_required
                .push(affinity_term(world, reg, ns, term, t));
        }
        for wt in &pa.preferred_during_scheduling_ignored_during_execution {
            out.anti_preferred.push((
                i64::from(wt.weight),
                affinity_term(world, reg, ns, &wt.pod_affinity_term, t),
            ));
        }
    }
    out
}

/// For every term carried by some template, a group of its carriers; then every template that
/// the term selects learns about it (`existing_terms`), for the symmetric checks and scores.
fn add_existing_terms(world: &mut World, reg: &mut Registry) {
    let mut carried: Vec<(GroupId, AffinityTerm, ExistingTermKind)> = Vec::new();
    for tpl in &world.templates {
        let a = &tpl.affinity;
        let terms = a
            .anti_required
            .iter()
            .map(|x| (x, ExistingTermKind::RequiredAntiAffinity))
            .chain(
                a.required
                    .iter()
                    .map(|x| (x, ExistingTermKind::RequiredAffinity)),
            )
            .chain(
                a.preferred
                    .iter()
                    .map(|(w, x)| (x, ExistingTermKind::PreferredAffinity(*w))),
            )
            .chain(
                a.anti_preferred
                    .iter()
                    .map(|(w, x)| (x, ExistingTermKind::PreferredAntiAffinity(*w))),
            );
        for (term, kind) in terms {
            let owners = reg.group(GroupDef::TermOwners {
                selector: term.group,
                key: term.key,
                kind: kind_key(kind),
            });
            if !carried.iter().any(|(o, _, _)| *o == owners) {
                carried.push((owners, term.clone(), kind));
            }
        }
    }
    for t in 0..world.templates.len() {
        let mut existing = Vec::new();
        for (owners, term, kind) in &carried {
            if self_matches(world, reg, term.group, t) {
                existing.push(ExistingTerm {
                    owners: *owners,
                    key: term.key,
                    kind: *kind,
                });
            }
        }
        world.templates[t].existing_terms = existing;
    }
}

fn carries(world: &World, t: usize, selector: GroupId, key: TopoKeyId, kind: (u8, i64)) -> bool {
    let a = &world.templates[t].affinity;
    let hit = |x: &AffinityTerm| x.group == selector && x.key == key;
    match kind.0 {
        0 => a.anti_required.iter().any(hit),
        1 => a.required.iter().any(hit),
        2 => a.preferred.iter().any(|(w, x)| *w == kind.1 && hit(x)),
        _ => a.anti_preferred.iter().any(|(w, x)| *w == kind.1 && hit(x)),
    }
}

fn membership(world: &World, reg: &Registry) -> Vec<Vec<GroupId>> {
    (0..world.templates.len())
        .map(|t| {
            reg.groups
                .iter()
                .enumerate()
                .filter(|(g, def)| match def {
                    GroupDef::Selector { .. } => self_matches(world, reg, *g as GroupId, t),
                    GroupDef::TermOwners {
                        selector,
                        key,
                        kind,
                    } => carries(world, t, *selector, *key, *kind),
                })
                .map(|(g, _)| g as GroupId)
                .collect()
        })
        .collect()
}

fn topology_key(world: &World, key: Sym) -> TopologyKey {
    let n = world.nodes.len();
    if key == world.well_known.hostname {
        return TopologyKey {
            label: "kubernetes.io/hostname".into(),
            node_domain: (0..n as u32).collect(),
            domains: n as u32,
        };
    }
    let mut values: Vec<Sym> = Vec::new();
    let node_domain = world
        .nodes
        .ids()
        .map(|node| match world.node_label(node, key) {
            None => NO_DOMAIN,
            Some(v) => match values.iter().position(|x| *x == v) {
                Some(p) => p as u32,
                None => {
                    values.push(v);
                    (values.len() - 1) as u32
                }
            },
        })
        .collect();
    TopologyKey {
        label: world.interner.resolve(key).to_string(),
        node_domain,
        domains: values.len() as u32,
    }
}
