//! The service layer's entries in the causality log: service overloads, retry storms and
//! breaker openings (detected by [`crate::services::episodes`] at the tick they happen), each
//! with its parent, and the parent of a probe restart.
//!
//! Parents, first match wins (every candidate is an effect recorded in the last ten minutes or
//! still active):
//! - **service overload** of `s`: (1) a capacity loss of `s` — the latest effect on a pod of
//!   its workload or on a node where it lost an endpoint (the rule probe restarts always used);
//!   (2) an active retry storm on a call into `s` (its callers' retries overloaded it); (3) the
//!   opening of a breaker on a call of `s` that is still open (it fails fast); (4) the overload
//!   of a synchronous callee that is still overloaded (its failures become `s`'s); (5) its own
//!   previous overload, ended within the window (a relapse: the overload returns once what
//!   relieved it — an open breaker, a restart — stops): the relapse hangs off that overload's
//!   parent (a sibling, same cause: repeated relapses do not deepen the tree), or off the
//!   overload itself when it was a root; otherwise a root of its own (a traffic spike, too
//!   little capacity), `root_kind` `service_overload`.
//!   Overloads starting in the same tick are recorded callees first, so a caller hangs off
//!   its callee;
//! - **retry storm** on a call: the callee's active overload, else its capacity loss, else a
//!   root;
//! - **breaker opening**: the callee's active overload, else the edge's active retry storm,
//!   else the callee's capacity loss, else a root;
//! - **probe restart**: its service's active overload (the latency that failed the probe),
//!   else the capacity-loss rule above.

use crate::engine::SimTime;
use crate::metrics::cascade::EffectKind;
use crate::metrics::resilience::ServiceEpisode;
use crate::metrics::EffectTarget;
use crate::runtime::Core;
use crate::services::{BreakerState, ServiceRuntime, Transition};

/// How far back a service effect or probe restart looks for the effect that caused it, ms.
pub const CAUSE_WINDOW_MS: u64 = 600_000;

/// The active service-level effects of a run.
#[derive(Debug, Default)]
pub struct ServiceCauses {
    /// Per service, its active overload: index into `episodes`.
    overload: Vec<Option<usize>>,
    /// Per service, its last ended overload: (the parent a relapse takes, when it fell back,
    /// ms).
    ended: Vec<Option<(u64, u64)>>,
    /// Per call, the effect of its active retry storm.
    storm: Vec<Option<u64>>,
    /// Per call, the effect of its breaker's last opening.
    breaker: Vec<Option<u64>>,
    /// Every overload episode so far.
    episodes: Vec<ServiceEpisode>,
    /// Per episode, its parent effect (0: a root).
    parents: Vec<u64>,
}

impl ServiceCauses {
    /// No active effects, for `services` services and `calls` calls.
    pub fn new(services: usize, calls: usize) -> ServiceCauses {
        ServiceCauses {
            overload: vec![None; services],
            ended: vec![None; services],
            storm: vec![None; calls],
            breaker: vec![None; calls],
            episodes: Vec::new(),
            parents: Vec::new(),
        }
    }

    /// The effect of service `s`'s active overload.
    pub fn overload_effect(&self, s: usize) -> Option<u64> {
        self.overload[s].map(|i| self.episodes[i].effect)
    }

    /// Records the transitions of `rt`'s last step; `lost[s]` lists the nodes on
    /// which service `s` lost endpoints recently.
    pub fn record(&mut self, core: &mut Core, rt: &ServiceRuntime, lost: &[Vec<(u32, u64)>]) {
        let tr = &rt.episodes.transitions;
        if tr.is_empty() {
            return;
        }
        for t in tr {
            match *t {
                Transition::OverloadEnded(s, since_ms) => {
                    if let Some(i) = self.overload[s].take() {
                        self.episodes[i].end_ms = Some(since_ms);
                        self.episodes[i].peak_error_rate = rt.episodes.overload[s].peak;
                        let parent = match self.parents[i] {
                            0 => self.episodes[i].effect,
                            p => p,
                        };
                        self.ended[s] = Some((parent, since_ms));
                    }
                }
                Transition::RetryStormEnded(c, _) => self.storm[c] = None,
                _ => {}
            }
        }
        let g = &rt.setup().graph;
        let now = core.now().as_millis();
        for &s in g.sync_order.iter().rev() {
            if !tr.contains(&Transition::OverloadStarted(s)) {
                continue;
            }
            let from = g.calls_from[s].iter();
            let parent = Some(capacity_loss(core, rt, lost, s))
                .filter(|&p| p != 0)
                .or_else(|| g.calls_to[s].iter().find_map(|&c| self.storm[c]))
                .or_else(|| {
                    from.clone().find_map(|&c| {
                        let open = rt
                            .breaker_state(c)
                            .is_some_and(|b| b != BreakerState::Closed);
                        self.breaker[c].filter(|_| open)
                    })
                })
                .or_else(|| {
                    from.clone()
                        .filter(|&&c| g.calls[c].is_sync())
                        .find_map(|&c| self.overload_effect(g.calls[c].to))
                })
                .or_else(|| {
                    self.ended[s]
                        .filter(|e| e.1 + CAUSE_WINDOW_MS >= now)
                        .map(|e| e.0)
                })
                .unwrap_or(0);
            let effect = core.effect(
                EffectKind::ServiceOverload,
                parent,
                EffectTarget::Service(s as u32),
            );
            self.overload[s] = Some(self.episodes.len());
            self.parents.push(parent);
            self.episodes.push(ServiceEpisode {
                effect,
                service: s as u32,
                end_ms: None,
                peak_error_rate: 0.0,
            });
        }
        for t in tr {
            match *t {
                Transition::RetryStormStarted(c) => {
                    let to = g.calls[c].to;
                    let parent = self
                        .overload_effect(to)
                        .unwrap_or_else(|| capacity_loss(core, rt, lost, to));
                    let id =
                        core.effect(EffectKind::RetryStorm, parent, EffectTarget::Call(c as u32));
                    self.storm[c] = Some(id);
                }
                Transition::BreakerOpened(c) => {
                    let to = g.calls[c].to;
                    let parent = self
                        .overload_effect(to)
                        .or(self.storm[c])
                        .unwrap_or_else(|| capacity_loss(core, rt, lost, to));
                    let id = core.effect(
                        EffectKind::BreakerOpen,
                        parent,
                        EffectTarget::Call(c as u32),
                    );
                    self.breaker[c] = Some(id);
                }
                _ => {}
            }
        }
    }

    /// Hands the overload episodes to the recorder at the end of the run (those still
    /// active have no end).
    pub fn finish(&mut self, core: &mut Core, rt: &ServiceRuntime) {
        for (s, i) in self.overload.iter().enumerate() {
            if let Some(i) = *i {
                self.episodes[i].peak_error_rate = rt.episodes.overload[s].peak;
            }
        }
        core.recorder_mut().res.service_episodes = std::mem::take(&mut self.episodes);
    }
}

/// The latest effect of the cause window on a pod of service `s`'s workload or on a node where
/// it lost an endpoint (0: none).
pub fn capacity_loss(core: &Core, rt: &ServiceRuntime, lost: &[Vec<(u32, u64)>], s: usize) -> u64 {
    let workload = rt.setup().services[s].workload;
    let since = SimTime(core.now().as_millis().saturating_sub(CAUSE_WINDOW_MS));
    let nodes: Vec<u32> = lost[s].iter().map(|l| l.0).collect();
    core.recorder()
        .res
        .effects
        .latest_on(workload, &nodes, since)
}
