//! The upstream default profile (`pkg/scheduler/apis/config/v1/default_plugins.go`,
//! `defaults.go`) and its resolution against a world: plugin weights by index, resource names
//! to ids, filter switches.

use super::plugins::{FilterPlugin, ScorePlugin};
use super::{Profile, SchedulerConfig, ScoringStrategy};
use crate::cluster::{ResourceId, World};

/// Number of score plugins (columns of the per-plugin score table).
pub(crate) const N_PLUGINS: usize = super::plugins::N_SCORE_PLUGINS;

/// `minFeasibleNodesToFind`.
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// `minFeasibleNodesPercentageToFind`.
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: i64 = 5;

/// Upstream `numFeasibleNodesToFind` (`schedule_one.go`): how many feasible nodes a cycle looks
/// for among `n` nodes. `percentage` is the profile's `percentageOfNodesToScore` if set, else
/// the global one; 0 means adaptive (`50 - n/125`, at least 5 %). Never fewer than 100 nodes.
pub fn num_feasible_nodes_to_find(percentage: u32, n: usize) -> usize {
    if n < MIN_FEASIBLE_NODES_TO_FIND {
        return n;
    }
    let mut p = i64::from(percentage);
    if p == 0 {
        p = 50 - (n as i64) / 125;
        if p < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND {
            p = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
        }
    }
    let num = (n as i64) * p / 100;
    if num < MIN_FEASIBLE_NODES_TO_FIND as i64 {
        return MIN_FEASIBLE_NODES_TO_FIND;
    }
    num as usize
}

fn cpu_mem() -> Vec<(String, i64)> {
    vec![("cpu".to_string(), 1), ("memory".to_string(), 1)]
}

impl Default for SchedulerConfig {
    /// kube-scheduler defaults: adaptive sampling, backoff 1 s .. 10 s, one `default-scheduler`
    /// profile with the default plugins.
    fn default() -> Self {
        SchedulerConfig {
            percentage_of_nodes_to_score: 0,
            initial_backoff_ms: 1_000,
            max_backoff_ms: 10_000,
            profiles: vec![Profile::default()],
            cycle_cost: None,
        }
    }
}

impl Default for Profile {
    /// The upstream default profile: score weights TaintToleration 3, NodeAffinity 2,
    /// NodeResourcesFit 1, PodTopologySpread 2, InterPodAffinity 2,
    /// NodeResourcesBalancedAllocation 1, ImageLocality 1; LeastAllocated over cpu and memory
    /// (weight 1 each); balanced allocation over cpu and memory; `hardPodAffinityWeight` 1;
    /// DefaultPreemption with 10 % / 100 candidates.
    fn default() -> Self {
        Profile {
            name: "default-scheduler".to_string(),
            percentage_of_nodes_to_score: None,
            score_weights: ScorePlugin::ALL
                .iter()
                .filter(|p| p.in_default_profile())
                .map(|p| (p.name().to_string(), p.default_weight()))
                .collect(),
            disabled_filters: Vec::new(),
            fit_strategy: ScoringStrategy::LeastAllocated {
                resources: cpu_mem(),
            },
            ignored_resources: Vec::new(),
            ignored_resource_groups: Vec::new(),
            balanced_resources: cpu_mem(),
            hard_pod_affinity_weight: 1,
            ignore_preferred_terms_of_existing_pods: false,
            preemption: true,
            min_candidate_nodes_percentage: 10,
            min_candidate_nodes_absolute: 100,
        }
    }
}

/// NodeResourcesFit scoring strategy, resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FitKind {
    Least,
    Most,
    /// Shape points with scores already scaled to 0..100.
    Ratio(Vec<(i64, i64)>),
}

/// A profile resolved against the world's resource table.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedProfile {
    /// Profile-level `percentageOfNodesToScore` or the global one.
    pub percentage: u32,
    /// Weight per score plugin (index [`ScorePlugin::index`]).
    pub weights: [i64; N_PLUGINS],
    /// Whether each score plugin is enabled.
    pub enabled: [bool; N_PLUGINS],
    /// Any score plugin enabled (else upstream looks for a single feasible node).
    pub has_score_plugins: bool,
    pub filter_unschedulable: bool,
    pub filter_taints: bool,
    pub filter_node_affinity: bool,
    pub filter_fit: bool,
    pub filter_spread: bool,
    pub filter_interpod: bool,
    pub fit_kind: FitKind,
    /// Fit score resources: id (None = unknown to this run, always skipped) and weight.
    pub fit_resources: Vec<(Option<ResourceId>, i64)>,
    /// Balanced-allocation resources (None = unknown, skipped).
    pub balanced_resources: Vec<Option<ResourceId>>,
    /// Per resource id: ignored by the fit filter (`ignoredResources` / `ignoredResourceGroups`,
    /// extended resources only).
    pub ignored: Vec<bool>,
    pub hard_pod_affinity_weight: i64,
    pub ignore_preferred_terms_of_existing_pods: bool,
    pub preemption: bool,
    pub min_candidate_pct: u32,
    pub min_candidate_abs: u32,
}

impl ResolvedProfile {
    /// Every profile of `config` resolved against `world` (the default profile when the
    /// configuration lists none).
    pub fn resolve_all(config: &SchedulerConfig, world: &World) -> Vec<ResolvedProfile> {
        let pct = config.percentage_of_nodes_to_score;
        let mut profiles: Vec<ResolvedProfile> = config
            .profiles
            .iter()
            .map(|p| ResolvedProfile::resolve(p, pct, world))
            .collect();
        if profiles.is_empty() {
            profiles.push(ResolvedProfile::resolve(&Profile::default(), pct, world));
        }
        profiles
    }

    pub(crate) fn resolve(p: &Profile, global_pct: u32, world: &World) -> Self {
        let mut weights = [0i64; N_PLUGINS];
        let mut enabled = [false; N_PLUGINS];
        for (name, w) in &p.score_weights {
            if let Some(p) = ScorePlugin::from_name(name) {
                weights[p.index()] = *w;
                enabled[p.index()] = true;
            }
        }
        let off = |f: FilterPlugin| p.disabled_filters.iter().any(|d| d == f.name() || d == "*");
        let rt = &world.resources;
        let (fit_kind, res) = match &p.fit_strategy {
            ScoringStrategy::LeastAllocated { resources } => (FitKind::Least, resources),
            ScoringStrategy::MostAllocated { resources } => (FitKind::Most, resources),
            ScoringStrategy::RequestedToCapacityRatio { resources, shape } => {
                // MaxNodeScore / MaxCustomPriorityScore = 100 / 10.
                (
                    FitKind::Ratio(shape.iter().map(|&(u, s)| (u, s * 10)).collect()),
                    resources,
                )
            }
        };
        let fit_resources = res.iter().map(|(n, w)| (rt.lookup(n), *w)).collect();
        let balanced_resources = p
            .balanced_resources
            .iter()
            .map(|(n, _)| rt.lookup(n))
            .collect();
        let ignored = (0..rt.len())
            .map(|r| {
                if !rt.is_extended(r) {
                    return false;
                }
                let name = rt.name(r);
                let prefix = name.split('/').next().unwrap_or("");
                p.ignored_resources.iter().any(|i| i == name)
                    || p.ignored_resource_groups.iter().any(|g| g == prefix)
            })
            .collect();
        ResolvedProfile {
            percentage: p.percentage_of_nodes_to_score.unwrap_or(global_pct),
            weights,
            enabled,
            has_score_plugins: enabled.iter().any(|e| *e),
            filter_unschedulable: !off(FilterPlugin::NodeUnschedulable),
            filter_taints: !off(FilterPlugin::TaintToleration),
            filter_node_affinity: !off(FilterPlugin::NodeAffinity),
            filter_fit: !off(FilterPlugin::NodeResourcesFit),
            filter_spread: !off(FilterPlugin::PodTopologySpread),
            filter_interpod: !off(FilterPlugin::InterPodAffinity),
            fit_kind,
            fit_resources,
            balanced_resources,
            ignored,
            hard_pod_affinity_weight: p.hard_pod_affinity_weight,
            ignore_preferred_terms_of_existing_pods: p.ignore_preferred_terms_of_existing_pods,
            preemption: p.preemption,
            min_candidate_pct: p.min_candidate_nodes_percentage,
            min_candidate_abs: p.min_candidate_nodes_absolute,
        }
    }

    /// Whether the fit strategy is the default LeastAllocated over exactly cpu and memory with
    /// weight 1 each (the hot path has a specialised loop for it).
    pub(crate) fn default_fit(&self) -> bool {
        use crate::cluster::{CPU, MEMORY};
        self.fit_kind == FitKind::Least && self.fit_resources == [(Some(CPU), 1), (Some(MEMORY), 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_feasible_nodes_to_find_matches_upstream_table() {
        // (nodes, percentage, expected) — adaptive examples from schedule_one.go / the digest.
        let cases = [
            (0, 0, 0),
            (50, 0, 50),
            (99, 0, 99),
            (100, 0, 100),
            (500, 0, 230),
            (1000, 0, 420),
            (3000, 0, 780),
            (5000, 0, 500),
            (5625, 0, 281),
            (6000, 0, 300),
            (7000, 0, 350),
            (20000, 0, 1000),
            (1000, 10, 100),
            (1000, 5, 100),
            (7000, 40, 2800),
            (7000, 100, 7000),
            (200, 30, 100),
        ];
        for (n, p, want) in cases {
            assert_eq!(num_feasible_nodes_to_find(p, n), want, "n={n} p={p}");
        }
    }

    #[test]
    fn default_profile_is_upstream() {
        let c = SchedulerConfig::default();
        assert_eq!(c.percentage_of_nodes_to_score, 0);
        assert_eq!((c.initial_backoff_ms, c.max_backoff_ms), (1_000, 10_000));
        let p = &c.profiles[0];
        assert_eq!(p.name, "default-scheduler");
        let w: Vec<i64> = p.score_weights.iter().map(|x| x.1).collect();
        assert_eq!(w, vec![3, 2, 1, 2, 2, 1, 1]);
        assert_eq!(w.iter().sum::<i64>(), 12);
        assert!(p.preemption);
        assert_eq!(
            (
                p.min_candidate_nodes_percentage,
                p.min_candidate_nodes_absolute
            ),
            (10, 100)
        );
        assert_eq!(p.hard_pod_affinity_weight, 1);
        assert_eq!(
            p.fit_strategy,
            ScoringStrategy::LeastAllocated {
                resources: cpu_mem()
            }
        );
        assert_eq!(p.balanced_resources, cpu_mem());
    }
}
