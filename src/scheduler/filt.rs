//! The per-node filter context of one cycle (`Filt`): the static verdict per node class, the
//! dynamic filters with nominated pods reserved, the verdict cache and the one-pass cycle's
//! packed words. `cycle.rs` and `one_pass.rs` scan nodes through it.

use super::cache::{NodeClasses, StaticFail, TemplateStatics};
use super::config::ResolvedProfile;
use super::cycle::{Nomination, Scheduler};
use super::filter::{dynamic_filters, Adjust, Fail, Prep};
use super::plugins::fused;
use super::verdicts::{Entry, Hot, Parts};
use crate::cluster::{NodeId, PodTemplate, World};

impl Scheduler {
    /// The filter context of the prepared pod (borrows the scheduler's parts disjointly).
    pub(super) fn filt<'a>(&'a mut self, world: &'a World) -> Filt<'a> {
        let prof = &self.profiles[self.prep.profile];
        let cache = if self.prep.cache {
            Some(self.verdicts.all_parts(self.prep.sig, world.nodes.len()))
        } else {
            None
        };
        Filt {
            cache,
            world,
            prof,
            prep: &self.prep,
            tpl: &world.templates[self.prep.template as usize],
            classes: &mut self.classes,
            statics: &mut self.statics,
            nominations: &self.nominations,
            nominated_count: &self.nominated_count,
            delta: &mut self.sc.delta,
        }
    }

    /// All filters on node `n` for the prepared pod (see [`Filt::run`]).
    pub(super) fn filter_node(&mut self, world: &World, n: NodeId) -> Result<(i32, i32), Fail> {
        self.filt(world).run(n)
    }
}

/// What the per-node filters read, borrowed for one cycle.
pub(super) struct Filt<'a> {
    /// The template's verdict-cache entries and the node versions (node-local templates).
    cache: Option<Parts<'a>>,
    world: &'a World,
    prof: &'a ResolvedProfile,
    prep: &'a Prep,
    tpl: &'a PodTemplate,
    classes: &'a mut NodeClasses,
    statics: &'a mut TemplateStatics,
    nominations: &'a [Nomination],
    nominated_count: &'a [u32],
    delta: &'a mut Vec<i64>,
}

impl Filt<'_> {
    /// All filters on node `n`: the static verdict (cached per node class), then the dynamic
    /// filters with the requests of pods nominated there (with at least this pod's priority)
    /// reserved, as upstream's `RunFilterPluginsWithNominatedPods`. Ok carries the static score
    /// inputs (PreferNoSchedule count, preferred node-affinity sum).
    #[inline(always)]
    pub(super) fn run(&mut self, n: NodeId) -> Result<(i32, i32), Fail> {
        // Nodes with nominations depend on the nominated pods: never cached.
        let cacheable = self.nominated_count[n.ix()] == 0;
        if cacheable {
            if let Some(c) = &self.cache {
                let e = &c.entries[n.ix()];
                if e.ver == c.ver[n.ix()] {
                    return e.verdict;
                }
            }
        }
        let r = self.run_uncached(n);
        if cacheable {
            if let Some(c) = &mut self.cache {
                let e = &mut c.entries[n.ix()];
                e.ver = c.ver[n.ix()];
                e.verdict = r;
            }
        }
        r
    }

    /// What the one-pass cycle's scan reads per node id (`one_pass.rs`): the packed words
    /// ([`Hot`]), the node versions, the cache entries (for failures) and the nomination
    /// counts. It runs only with the verdict cache.
    #[inline(always)]
    pub(super) fn hot_view(&self) -> (&[u64], &[u32], &[Entry], &[u32]) {
        let c = self
            .cache
            .as_ref()
            .expect("the one-pass cycle runs with the verdict cache");
        (c.hot, c.ver, c.entries, self.nominated_count)
    }

    /// The one-pass cycle's evaluation of node `n` when its packed word ([`Hot`]) does not
    /// hold the answer: its verdict and, when it is feasible, its fused NodeResourcesFit /
    /// BalancedAllocation raw scores (`fused::one`). The node's cache entry is written, not
    /// read: when the word is stale the entry (a colder line) almost always is too, and
    /// waiting for it cost more than the evaluation. The entry's verdict and the word are
    /// refilled for a node without nominations. The static score inputs are not returned:
    /// `prefer` is set for a feasible node with an untolerated PreferNoSchedule taint (a
    /// word never calls such a node feasible).
    #[inline(never)]
    pub(super) fn run_scored(
        &mut self,
        shape: &fused::PodShape,
        n: NodeId,
        prefer: &mut bool,
    ) -> Result<(i64, i64), Fail> {
        let ix = n.ix();
        let cacheable = self.nominated_count[ix] == 0;
        let r = self.run_uncached(n);
        let world = self.world;
        let c = self
            .cache
            .as_mut()
            .expect("the one-pass cycle runs with the verdict cache");
        let v = c.ver[ix];
        let e = &mut c.entries[ix];
        if cacheable {
            e.ver = v;
            e.verdict = r;
        }
        match r {
            Ok(st) => {
                let (fit, bal) = fused::one(world, shape, ix);
                // Both scores lie in 0..=100.
                (e.score_ver, e.fit, e.bal) = (v, fit as i32, bal as i32);
                if st.0 != 0 {
                    *prefer = true;
                } else if cacheable {
                    c.hot[ix] = Hot::pack(v, Hot::FEASIBLE, fit, bal);
                }
                Ok((fit, bal))
            }
            Err(f) => {
                if cacheable {
                    c.hot[ix] = Hot::pack(v, Hot::FAILED, 0, 0);
                }
                Err(f)
            }
        }
    }

    /// [`Filt::run`] without the verdict cache.
    #[inline(always)]
    fn run_uncached(&mut self, n: NodeId) -> Result<(i32, i32), Fail> {
        let world = self.world;
        let t = self.prep.template as usize;
        let cached = if self.prep.hostname_dep {
            None
        } else {
            let c = self.classes.class_of(world, n.ix()) as usize;
            self.statics.cached(self.prep.sig as usize, c)
        };
        let se = match cached {
            Some(se) => se,
            None => {
                let key = (self.prep.sig as usize, t);
                self.statics
                    .get(self.classes, world, self.prof, key, n.ix())
            }
        };
        if se.fail != StaticFail::Pass {
            return Err(Fail::from_static(world, se.fail, n).expect("static failure"));
        }
        let f = if self.nominated_count[n.ix()] == 0 {
            dynamic_filters(world, self.prof, self.tpl, self.prep, n, &Adjust::NONE)
        } else {
            self.with_nominated(n)
        };
        match f {
            None => Ok((se.prefer_count, se.node_aff)),
            Some(f) => Err(f),
        }
    }

    #[cold]
    fn with_nominated(&mut self, n: NodeId) -> Option<Fail> {
        let world = self.world;
        let mut pods = 0;
        self.delta.iter_mut().for_each(|d| *d = 0);
        for nm in self.nominations {
            if nm.node == n && nm.priority >= self.prep.priority && Some(nm.pod) != self.prep.pod {
                pods += 1;
                for (d, q) in self
                    .delta
                    .iter_mut()
                    .zip(&world.templates[nm.template as usize].requests)
                {
                    *d += q;
                }
            }
        }
        let adj = if pods == 0 {
            Adjust::NONE
        } else {
            Adjust {
                delta: Some(self.delta),
                pods_delta: pods,
                removed: &[],
            }
        };
        dynamic_filters(world, self.prof, self.tpl, self.prep, n, &adj)
    }
}
