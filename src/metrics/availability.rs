//! Workload availability (ready pods against desired) integrated over time, and the cluster's
//! "healthy" periods (every tracked workload at its desired ready count, no node under memory
//! pressure) that give each cascade its time to recovery.
//!
//! A pod is *ready* while it is Running, not terminating, and its node is up (a crashed,
//! partitioned or kubelet-less node's pods count as not ready from the moment it goes down).
//! Jobs are not tracked (their desired count is the number of arrivals, not a level).
//! Every update is O(1); intervals of zero length (changes at one instant, such as a pod
//! deleted and its replacement bound in the same event) never count.

use crate::engine::SimTime;

/// Per-workload counts and integrals.
#[derive(Clone, Copy, Debug, Default)]
struct Track {
    tracked: bool,
    /// Counts for the cluster's healthy state (not DaemonSets: their pods follow their nodes,
    /// so a node lost for good would keep the cluster "unrecovered" forever).
    health: bool,
    ready: u64,
    desired: u64,
    last: u64,
    ready_ms: u128,
    desired_ms: u128,
    below_ms: u64,
    /// Lowest ready/desired seen over an interval of positive length, as (ready, desired).
    min: Option<(u64, u64)>,
}

impl Track {
    fn below(&self) -> bool {
        self.tracked && self.health && self.ready < self.desired
    }

    fn advance(&mut self, now: u64) {
        let dt = now.saturating_sub(self.last);
        if dt > 0 && self.tracked && self.desired > 0 {
            self.ready_ms += u128::from(self.ready.min(self.desired)) * u128::from(dt);
            self.desired_ms += u128::from(self.desired) * u128::from(dt);
            if self.ready < self.desired {
                self.below_ms += dt;
            }
            let r = (self.ready.min(self.desired), self.desired);
            let lower = self.min.is_none_or(|(mr, md)| {
                u128::from(r.0) * u128::from(md) < u128::from(mr) * u128::from(r.1)
            });
            if lower {
                self.min = Some(r);
            }
        }
        self.last = self.last.max(now);
    }
}

/// One workload's availability over the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkloadAvailability {
    /// Desired pods at the end.
    pub desired: u64,
    /// Time-weighted mean of min(ready, desired)/desired (None: untracked or never desired).
    pub availability: Option<f64>,
    /// Lowest ready/desired over any interval of positive length.
    pub min_availability: Option<f64>,
    /// Time spent with fewer ready pods than desired, ms.
    pub below_desired_ms: u64,
}

/// Availability of every workload, and the cluster's healthy periods.
#[derive(Clone, Debug, Default)]
pub struct Availability {
    tracks: Vec<Track>,
    below: u64,
    pressure_nodes: u64,
    /// Time of the last state change seen, ms.
    t: u64,
    /// `(time, healthy)` at each change of the healthy state, first entry at time 0.
    transitions: Vec<(u64, bool)>,
}

impl Availability {
    /// Tracking for one workload per entry of `tracked` (false for Jobs); `health[i]` says
    /// whether workload `i` below its desired count makes the cluster unhealthy.
    pub fn new(tracked: &[bool], health: &[bool]) -> Self {
        Availability {
            tracks: tracked
                .iter()
                .zip(health)
                .map(|(&t, &h)| Track {
                    tracked: t,
                    health: t && h,
                    ..Track::default()
                })
                .collect(),
            below: 0,
            pressure_nodes: 0,
            t: 0,
            transitions: Vec::new(),
        }
    }

    fn healthy(&self) -> bool {
        self.below == 0 && self.pressure_nodes == 0
    }

    /// Called before every change at `now`: closes the interval since the last change.
    fn touch(&mut self, now: u64) {
        if now > self.t || self.transitions.is_empty() {
            self.record_state();
            self.t = now;
        }
    }

    /// Records the state in force since `self.t`.
    fn record_state(&mut self) {
        let h = self.healthy();
        match self.transitions.last_mut() {
            Some(l) if l.0 == self.t => l.1 = h,
            Some(l) if l.1 == h => {}
            _ => self.transitions.push((self.t, h)),
        }
    }

    fn change(&mut self, w: usize, now: SimTime, f: impl FnOnce(&mut Track)) {
        let now = now.as_millis();
        self.touch(now);
        let t = &mut self.tracks[w];
        let was = t.below();
        t.advance(now);
        f(t);
        let is = t.below();
        match (was, is) {
            (false, true) => self.below += 1,
            (true, false) => self.below -= 1,
            _ => {}
        }
    }

    /// Adds `n` to workload `w`'s desired count.
    pub fn add_desired(&mut self, w: usize, n: u64, now: SimTime) {
        self.change(w, now, |t| t.desired += n);
    }

    /// Sets workload `w`'s desired count (a HorizontalPodAutoscaler rescaled it).
    pub fn set_desired(&mut self, w: usize, n: u64, now: SimTime) {
        self.change(w, now, |t| t.desired = n);
    }

    /// A pod of workload `w` became ready.
    pub fn pod_ready(&mut self, w: usize, now: SimTime) {
        self.change(w, now, |t| t.ready += 1);
    }

    /// A pod of workload `w` stopped being ready.
    pub fn pod_unready(&mut self, w: usize, now: SimTime) {
        self.change(w, now, |t| t.ready = t.ready.saturating_sub(1));
    }

    /// A node entered (`on`) or left MemoryPressure.
    pub fn pressure_changed(&mut self, on: bool, now: SimTime) {
        self.touch(now.as_millis());
        if on {
            self.pressure_nodes += 1;
        } else {
            self.pressure_nodes = self.pressure_nodes.saturating_sub(1);
        }
    }

    /// Ready pods of workload `w` now.
    pub fn ready(&self, w: usize) -> u64 {
        self.tracks[w].ready
    }

    /// Ready pods of every workload now (Jobs included).
    pub fn ready_total(&self) -> u64 {
        self.tracks.iter().map(|t| t.ready).sum()
    }

    /// Desired pods of workload `w` now.
    pub fn desired(&self, w: usize) -> u64 {
        self.tracks[w].desired
    }

    /// Whether workload `w` is tracked (not a Job).
    pub fn tracked(&self, w: usize) -> bool {
        self.tracks[w].tracked
    }

    /// Number of workloads.
    pub fn workload_count(&self) -> usize {
        self.tracks.len()
    }

    /// Tracked workloads below their desired ready count now.
    pub fn below_count(&self) -> u64 {
        self.below
    }

    /// Closes every interval at `end` and returns each workload's figures.
    pub fn finish(&mut self, end: SimTime) -> Vec<WorkloadAvailability> {
        let end_ms = end.as_millis();
        self.touch(end_ms);
        self.record_state();
        self.tracks
            .iter_mut()
            .map(|t| {
                t.advance(end_ms);
                let frac = |r: u128, d: u128| (d > 0).then(|| r as f64 / d as f64);
                WorkloadAvailability {
                    desired: t.desired,
                    availability: if t.tracked {
                        frac(t.ready_ms, t.desired_ms)
                    } else {
                        None
                    },
                    min_availability: if t.tracked {
                        t.min.and_then(|(r, d)| frac(r.into(), d.into()))
                    } else {
                        None
                    },
                    below_desired_ms: t.below_ms,
                }
            })
            .collect()
    }

    /// The first time at or after `from` (ms) at which the cluster was healthy and stayed so at
    /// least until the next change; None if it never was by the end. Call after [`Self::finish`].
    pub fn healthy_from(&self, from: u64) -> Option<u64> {
        // The state in force at `from` is the last transition at or before it.
        let i = self.transitions.partition_point(|(t, _)| *t <= from);
        if i > 0 && self.transitions[i - 1].1 {
            return Some(from);
        }
        self.transitions[i..]
            .iter()
            .find(|(_, h)| *h)
            .map(|(t, _)| *t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn s(x: u64) -> SimTime {
        SimTime(x * 1000)
    }

    #[test]
    fn availability_integrates_ready_over_desired() {
        let mut a = Availability::new(&[true, false], &[true, true]);
        a.add_desired(0, 2, s(0));
        a.pod_ready(0, s(0));
        a.pod_ready(0, s(0));
        a.add_desired(1, 5, s(0));
        // One of two pods down from 10 s to 30 s of a 100 s run.
        a.pod_unready(0, s(10));
        a.pod_ready(0, s(30));
        let r = a.finish(s(100));
        assert_eq!(r[0].below_desired_ms, 20_000);
        assert!((r[0].availability.unwrap() - 0.9).abs() < 1e-12);
        assert_eq!(r[0].min_availability, Some(0.5));
        assert_eq!(r[1].availability, None);
        assert_eq!(a.healthy_from(0), Some(0));
        assert_eq!(a.healthy_from(15_000), Some(30_000));
        assert_eq!(a.healthy_from(40_000), Some(40_000));
    }

    #[test]
    fn instant_dips_do_not_count() {
        let mut a = Availability::new(&[true], &[true]);
        a.add_desired(0, 1, s(0));
        a.pod_ready(0, s(0));
        a.pod_unready(0, s(5));
        a.pod_ready(0, s(5));
        let r = a.finish(s(10));
        assert_eq!(r[0].below_desired_ms, 0);
        assert_eq!(r[0].min_availability, Some(1.0));
        assert_eq!(a.healthy_from(1), Some(1));
    }

    #[test]
    fn pressure_keeps_the_cluster_unhealthy() {
        let mut a = Availability::new(&[true], &[true]);
        a.add_desired(0, 1, s(0));
        a.pod_ready(0, s(0));
        a.pressure_changed(true, s(10));
        a.pressure_changed(false, s(50));
        a.pressure_changed(true, s(90));
        a.finish(s(100));
        assert_eq!(a.healthy_from(20_000), Some(50_000));
        assert_eq!(a.healthy_from(95_000), None);
    }
}
