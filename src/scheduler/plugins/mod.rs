//! Typed extension points: the score and filter plugins of the default profile, one file per
//! upstream plugin.
//!
//! A score plugin's identity (upstream name, short label, default weight, normalisation,
//! PreScore skip, Score) is the [`ScorePlugin`] enum; every list of plugins (the profile's
//! default weights, the scenario's plugin names, `explain`'s columns, the per-plugin score
//! columns) is derived from [`ScorePlugin::ALL`], so the compiler points at every `match` a new
//! plugin must fill in.
//!
//! How to add a score plugin (2 files besides tests and docs):
//! 1. `scheduler/plugins/<name>.rs`: its Score (and PreScore skip) over the feasible nodes;
//! 2. this file: a variant in [`ScorePlugin`] and [`ScorePlugin::ALL`], and its arms in
//!    `name`, `short`, `default_weight`, `normalization`, `prescore_skip` and `score`.
//!
//! The default profile's two resource scores run fused (`fused.rs`) as a named optimisation;
//! the property test in `scheduler/tests/props.rs` checks it against the per-plugin path.

pub(crate) mod balanced_allocation;
pub(crate) mod fused;
pub(crate) mod gpu_best_fit;
pub(crate) mod gpu_fgd;
pub(crate) mod gpu_share;
pub(crate) mod image_locality;
pub(crate) mod inter_pod_affinity;
pub(crate) mod node_affinity;
pub(crate) mod resources_fit;
pub(crate) mod taint_toleration;
pub(crate) mod topology_spread;

use super::config::ResolvedProfile;
use super::filter::SpreadState;
use super::score::{default_normalize, interpod_normalize, spread_normalize};
use crate::cluster::{NodeId, PodTemplate, World};

/// The score plugins, in upstream's default-profile order (also the order of the per-plugin
/// score columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScorePlugin {
    /// `TaintToleration`: fewer untolerated PreferNoSchedule taints is better.
    TaintToleration,
    /// `NodeAffinity`: preferred node-affinity terms.
    NodeAffinity,
    /// `NodeResourcesFit`: the scoring strategy over requested / allocatable.
    NodeResourcesFit,
    /// `PodTopologySpread`: soft (ScheduleAnyway) constraints.
    PodTopologySpread,
    /// `InterPodAffinity`: preferred pod (anti-)affinity, both ways.
    InterPodAffinity,
    /// `NodeResourcesBalancedAllocation`: balanced utilisation across resources.
    NodeResourcesBalancedAllocation,
    /// `ImageLocality`: images already on the node.
    ImageLocality,
    /// `BestFitScore` (GPU sharing, not in the default profile): the tightest device.
    BestFitScore,
    /// `FGDScore` (GPU sharing, not in the default profile): fragmentation gradient descent.
    FGDScore,
}

/// Number of score plugins.
pub const N_SCORE_PLUGINS: usize = ScorePlugin::ALL.len();

/// How a plugin's raw scores are normalised (its NormalizeScore extension).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normalization {
    /// No NormalizeScore: the raw score is used as is.
    None,
    /// `helper.DefaultNormalizeScore(MaxNodeScore, reverse, scores)`.
    Default {
        /// Lower raw scores are better.
        reverse: bool,
    },
    /// PodTopologySpread's own (ignored nodes 0, `100·(max+min−s)/max`).
    Spread,
    /// InterPodAffinity's own (`100·(s−min)/(max−min)`).
    InterPod,
}

impl Normalization {
    /// Normalises `scores` in place; `ignored` marks PodTopologySpread's ignored nodes.
    pub(crate) fn apply(self, scores: &mut [i64], ignored: &[bool]) {
        match self {
            Normalization::None => {}
            Normalization::Default { reverse } => default_normalize(scores, reverse),
            Normalization::Spread => spread_normalize(scores, |j| ignored[j]),
            Normalization::InterPod => interpod_normalize(scores),
        }
    }
}

/// What every Score reads for one cycle.
pub(crate) struct ScoreInput<'a> {
    pub world: &'a World,
    pub prof: &'a ResolvedProfile,
    pub tpl: &'a PodTemplate,
    /// Feasible nodes in examination order.
    pub feasible: &'a [NodeId],
    /// Static score inputs per feasible node: (PreferNoSchedule count, node-affinity sum).
    pub statics: &'a [(i32, i32)],
    /// Soft spread constraints' PreScore state.
    pub soft: &'a [SpreadState],
    /// PodTopologySpread ignored nodes (per feasible index).
    pub ignored: &'a [bool],
}

/// Reusable float buffers some scores need.
pub(crate) struct ScoreBufs<'a> {
    pub fractions: &'a mut Vec<f64>,
    pub acc: &'a mut Vec<f64>,
}

impl ScorePlugin {
    /// Every score plugin, in column order.
    pub const ALL: [ScorePlugin; 9] = [
        ScorePlugin::TaintToleration,
        ScorePlugin::NodeAffinity,
        ScorePlugin::NodeResourcesFit,
        ScorePlugin::PodTopologySpread,
        ScorePlugin::InterPodAffinity,
        ScorePlugin::NodeResourcesBalancedAllocation,
        ScorePlugin::ImageLocality,
        ScorePlugin::BestFitScore,
        ScorePlugin::FGDScore,
    ];

    /// Column index (position in [`ScorePlugin::ALL`]).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Upstream plugin name.
    pub const fn name(self) -> &'static str {
        match self {
            ScorePlugin::TaintToleration => "TaintToleration",
            ScorePlugin::NodeAffinity => "NodeAffinity",
            ScorePlugin::NodeResourcesFit => "NodeResourcesFit",
            ScorePlugin::PodTopologySpread => "PodTopologySpread",
            ScorePlugin::InterPodAffinity => "InterPodAffinity",
            ScorePlugin::NodeResourcesBalancedAllocation => "NodeResourcesBalancedAllocation",
            ScorePlugin::ImageLocality => "ImageLocality",
            ScorePlugin::BestFitScore => "BestFitScore",
            ScorePlugin::FGDScore => "FGDScore",
        }
    }

    /// Short column label (`explain`'s table).
    pub const fn short(self) -> &'static str {
        match self {
            ScorePlugin::TaintToleration => "Taint",
            ScorePlugin::NodeAffinity => "NodeAff",
            ScorePlugin::NodeResourcesFit => "Fit",
            ScorePlugin::PodTopologySpread => "Spread",
            ScorePlugin::InterPodAffinity => "PodAff",
            ScorePlugin::NodeResourcesBalancedAllocation => "Balanced",
            ScorePlugin::ImageLocality => "Image",
            ScorePlugin::BestFitScore => "BestFit",
            ScorePlugin::FGDScore => "FGD",
        }
    }

    /// Whether upstream's default profile enables it (the GPU-sharing plugins are opt-in).
    pub const fn in_default_profile(self) -> bool {
        !matches!(self, ScorePlugin::BestFitScore | ScorePlugin::FGDScore)
    }

    /// Weight in upstream's default profile (`default_plugins.go`); 1 for the opt-in plugins.
    pub const fn default_weight(self) -> i64 {
        match self {
            ScorePlugin::TaintToleration => 3,
            ScorePlugin::NodeAffinity => 2,
            ScorePlugin::NodeResourcesFit => 1,
            ScorePlugin::PodTopologySpread => 2,
            ScorePlugin::InterPodAffinity => 2,
            ScorePlugin::NodeResourcesBalancedAllocation => 1,
            ScorePlugin::ImageLocality => 1,
            ScorePlugin::BestFitScore | ScorePlugin::FGDScore => 1,
        }
    }

    /// The plugin's NormalizeScore.
    pub const fn normalization(self) -> Normalization {
        match self {
            ScorePlugin::TaintToleration => Normalization::Default { reverse: true },
            ScorePlugin::NodeAffinity => Normalization::Default { reverse: false },
            ScorePlugin::PodTopologySpread => Normalization::Spread,
            ScorePlugin::InterPodAffinity | ScorePlugin::BestFitScore => Normalization::InterPod,
            ScorePlugin::FGDScore
            | ScorePlugin::NodeResourcesFit
            | ScorePlugin::NodeResourcesBalancedAllocation
            | ScorePlugin::ImageLocality => Normalization::None,
        }
    }

    /// The plugin named `name` (upstream spelling).
    pub fn from_name(name: &str) -> Option<ScorePlugin> {
        ScorePlugin::ALL.into_iter().find(|p| p.name() == name)
    }

    /// PreScore returned Skip for this pod (the plugin scores nothing). PodTopologySpread's
    /// skip depends on its PreScore state, which the cycle builds (`Scheduler::prepare_soft`).
    pub(crate) fn prescore_skip(
        self,
        world: &World,
        tpl: &PodTemplate,
        prof: &ResolvedProfile,
    ) -> bool {
        match self {
            ScorePlugin::NodeAffinity => node_affinity::skip(tpl),
            ScorePlugin::InterPodAffinity => !inter_pod_affinity::score_relevant(tpl, prof),
            ScorePlugin::NodeResourcesBalancedAllocation => balanced_allocation::skip(tpl, prof),
            ScorePlugin::BestFitScore => gpu_best_fit::skip(world, tpl),
            ScorePlugin::FGDScore => gpu_fgd::skip(world, tpl),
            ScorePlugin::TaintToleration
            | ScorePlugin::NodeResourcesFit
            | ScorePlugin::PodTopologySpread
            | ScorePlugin::ImageLocality => false,
        }
    }

    /// Score: the raw score of every feasible node into `out` (one entry per feasible node).
    pub(crate) fn score(self, x: &ScoreInput, bufs: &mut ScoreBufs, out: &mut [i64]) {
        match self {
            ScorePlugin::TaintToleration => taint_toleration::score(x.statics, out),
            ScorePlugin::NodeAffinity => node_affinity::score(x.statics, out),
            ScorePlugin::NodeResourcesFit => {
                resources_fit::score(x.world, x.prof, x.tpl, x.feasible, out)
            }
            ScorePlugin::PodTopologySpread => {
                topology_spread::score(x.world, x.soft, x.ignored, x.feasible, bufs.acc, out)
            }
            ScorePlugin::InterPodAffinity => {
                inter_pod_affinity::score(x.world, x.prof, x.tpl, x.feasible, out)
            }
            ScorePlugin::NodeResourcesBalancedAllocation => {
                balanced_allocation::score(x.world, x.prof, x.tpl, x.feasible, bufs.fractions, out)
            }
            ScorePlugin::ImageLocality => image_locality::score(x.world, x.tpl, x.feasible, out),
            ScorePlugin::BestFitScore => gpu_best_fit::score(x.world, x.tpl, x.feasible, out),
            ScorePlugin::FGDScore => gpu_fgd::score(x.world, x.tpl, x.feasible, out),
        }
    }
}

/// Upstream score plugin names in column order.
pub const SCORE_PLUGIN_NAMES: [&str; N_SCORE_PLUGINS] = {
    let mut names = [""; N_SCORE_PLUGINS];
    let mut i = 0;
    while i < N_SCORE_PLUGINS {
        names[i] = ScorePlugin::ALL[i].name();
        i += 1;
    }
    names
};

/// The filter plugins this model implements, in upstream's default-profile order (the ones a
/// profile may disable; NodeName never rejects a pod here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FilterPlugin {
    /// `NodeUnschedulable` (static: the cordon flag).
    NodeUnschedulable,
    /// `NodeName` (no pod names a node).
    NodeName,
    /// `TaintToleration` (static).
    TaintToleration,
    /// `NodeAffinity` (static: nodeSelector and required affinity).
    NodeAffinity,
    /// `NodeResourcesFit` (`resources_fit.rs`).
    NodeResourcesFit,
    /// `PodTopologySpread` (`topology_spread.rs`).
    PodTopologySpread,
    /// `InterPodAffinity` (`inter_pod_affinity.rs`).
    InterPodAffinity,
}

impl FilterPlugin {
    /// Every filter plugin, in upstream order.
    pub const ALL: [FilterPlugin; 7] = [
        FilterPlugin::NodeUnschedulable,
        FilterPlugin::NodeName,
        FilterPlugin::TaintToleration,
        FilterPlugin::NodeAffinity,
        FilterPlugin::NodeResourcesFit,
        FilterPlugin::PodTopologySpread,
        FilterPlugin::InterPodAffinity,
    ];

    /// Upstream plugin name.
    pub const fn name(self) -> &'static str {
        match self {
            FilterPlugin::NodeUnschedulable => "NodeUnschedulable",
            FilterPlugin::NodeName => "NodeName",
            FilterPlugin::TaintToleration => "TaintToleration",
            FilterPlugin::NodeAffinity => "NodeAffinity",
            FilterPlugin::NodeResourcesFit => "NodeResourcesFit",
            FilterPlugin::PodTopologySpread => "PodTopologySpread",
            FilterPlugin::InterPodAffinity => "InterPodAffinity",
        }
    }
}

impl FilterPlugin {
    /// Upstream names in [`FilterPlugin::ALL`] order.
    pub const NAMES: [&'static str; 7] = {
        let mut names = [""; 7];
        let mut i = 0;
        while i < 7 {
            names[i] = FilterPlugin::ALL[i].name();
            i += 1;
        }
        names
    };
}

/// Two distinct columns of the per-plugin score table, mutably.
pub(crate) fn two_columns(
    cols: &mut [Vec<i64>; N_SCORE_PLUGINS],
    a: usize,
    b: usize,
) -> (&mut [i64], &mut [i64]) {
    assert!(a < b);
    let (lo, hi) = cols.split_at_mut(b);
    (&mut lo[a], &mut hi[0])
}
