//! PreScore, Score, NormalizeScore and the weighted sum of the general cycle
//! (`Scheduler::prioritize`) over the feasible nodes `find_feasible` collected.

use super::config::N_PLUGINS;
use super::cycle::Scheduler;
use super::plugins::{
    fused, image_locality, two_columns, Normalization, ScoreBufs, ScoreInput, ScorePlugin,
};
use crate::cluster::World;

impl Scheduler {
    pub(super) fn clear_scores(&mut self, k: usize) {
        self.sc.total.clear();
        self.sc.total.resize(k, 0);
        self.sc.skipped = [true; N_PLUGINS];
    }

    /// PreScore + Score + NormalizeScore + weighting over `sc.feasible` into `sc.total`.
    pub(super) fn prioritize(&mut self, world: &World) {
        let k = self.sc.feasible.len();
        self.clear_scores(k);
        let t = self.prep.template as usize;
        let tpl = &world.templates[t];
        let p = self.prep.profile;
        let mut skipped = [false; N_PLUGINS];
        for plugin in ScorePlugin::ALL {
            let i = plugin.index();
            skipped[i] =
                !self.profiles[p].enabled[i] || plugin.prescore_skip(world, tpl, &self.profiles[p]);
        }
        let spread = ScorePlugin::PodTopologySpread.index();
        if !skipped[spread] {
            skipped[spread] = !self.prepare_soft(world);
        }
        self.sc.skipped = skipped;
        let prof = &self.profiles[p];
        let sc = &mut self.sc;
        for (i, &skip) in skipped.iter().enumerate() {
            if !skip {
                // Every entry is overwritten below; resizing only when the count changes.
                sc.raw[i].resize(k, 0);
                if normalizes(i) {
                    sc.norm[i].resize(k, 0);
                }
            }
        }
        let (fit, bal) = (
            ScorePlugin::NodeResourcesFit.index(),
            ScorePlugin::NodeResourcesBalancedAllocation.index(),
        );
        // Named optimisation: the default profile's two resource scores in one pass.
        let fused = self.fuse && !skipped[fit] && !skipped[bal] && fused::applies(prof);
        if fused {
            let (f, b) = two_columns(&mut sc.raw, fit, bal);
            if self.memo.enabled() {
                let (entries, ver) = self.verdicts.parts(self.prep.sig, world.nodes.len());
                fused::score_cached(world, tpl, &sc.feasible, entries, ver, f, b);
            } else {
                fused::score_fit_balanced_default(world, tpl, &sc.feasible, f, b);
            }
        }
        // Named optimisation: when every other enabled plugin adds the same normalised score
        // to every feasible node, the weighted sum is the two resource columns plus a constant
        // (`fused::constant_rest`); the per-plugin columns are then not built.
        // ImageLocality adds 0 everywhere when even a node holding all the images scores 0.
        let img = ScorePlugin::ImageLocality.index();
        let image_zero = skipped[img] || image_locality::all_zero(world, tpl);
        if fused {
            if let Some((c, image_column)) =
                fused::constant_rest(&skipped, image_zero, prof, &sc.feasible_static)
            {
                let (wf, wb) = (prof.weights[fit], prof.weights[bal]);
                for ((tot, f), b) in sc.total.iter_mut().zip(&sc.raw[fit]).zip(&sc.raw[bal]) {
                    *tot = f * wf + b * wb + c;
                }
                if image_column {
                    image_locality::score(world, tpl, &sc.feasible, &mut sc.raw[img]);
                    let wi = prof.weights[img];
                    for (tot, s) in sc.total.iter_mut().zip(&sc.raw[img]) {
                        *tot += s * wi;
                    }
                }
                return;
            }
        }
        let input = ScoreInput {
            world,
            prof,
            tpl,
            feasible: &sc.feasible,
            statics: &sc.feasible_static,
            soft: &sc.soft,
            ignored: &sc.ignored,
        };
        let mut bufs = ScoreBufs {
            fractions: &mut sc.fractions,
            acc: &mut sc.acc,
        };
        for plugin in ScorePlugin::ALL {
            let i = plugin.index();
            if skipped[i] || (fused && (i == fit || i == bal)) {
                continue;
            }
            if i == img && image_zero {
                sc.raw[i].iter_mut().for_each(|r| *r = 0);
                continue;
            }
            plugin.score(&input, &mut bufs, &mut sc.raw[i]);
        }

        // NormalizeScore, then the weighted sum (ImageLocality adds 0 when `image_zero`).
        for plugin in ScorePlugin::ALL {
            let i = plugin.index();
            if skipped[i] || (i == img && image_zero) {
                continue;
            }
            let col: &[i64] = if normalizes(i) {
                let (raw, norm) = (&sc.raw[i], &mut sc.norm[i]);
                norm.copy_from_slice(raw);
                plugin.normalization().apply(norm, &sc.ignored);
                norm
            } else {
                &sc.raw[i]
            };
            super::score::add_weighted(&mut sc.total, col, prof.weights[i]);
        }
    }

    /// Normalised score of plugin `p` on feasible node `i` after [`Scheduler::prioritize`].
    pub(super) fn normalized(&self, p: usize, i: usize) -> i64 {
        if normalizes(p) {
            self.sc.norm[p][i]
        } else {
            self.sc.raw[p][i]
        }
    }
}

/// Whether plugin `p` (column index) has a NormalizeScore extension.
fn normalizes(p: usize) -> bool {
    ScorePlugin::ALL[p].normalization() != Normalization::None
}
