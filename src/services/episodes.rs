//! Service-level transitions for the causality log: when a service becomes *overloaded* (fails
//! a share of its requests) and falls back, when an edge's retries turn into a *retry storm*
//! and calm down, and when a circuit breaker *opens*. Detected once per service tick from the
//! tick's flows, transitions only (a few per incident, not one per tick).
//!
//! Both episodes use the same hysteresis ([`Hysteresis`]) so a value hovering at the threshold
//! does not flap every tick: an episode *starts* at the first tick whose value reaches
//! `enter`, and *ends* once the value has stayed below `exit` (< `enter`) for `hold_ticks`
//! consecutive ticks; its end time is the first of those quiet ticks (when it fell back).
//!
//! - **Overload**: the tick's error share `failed / offered` of a service with traffic
//!   (requests shed by saturated or missing pods, or failed downstream), from the first tick
//!   it has a ready endpoint (not while its pods first start); enters at
//!   [`OVERLOAD`]`.enter` (1 %), ends below 0.5 % held 10 s.
//! - **Retry storm**: a synchronous edge's amplification `attempts / calls` (one plus the
//!   retries per call) while calls are made; enters at 1.5 (every other call retried once on
//!   average), ends below 1.25 held 10 s. An open breaker (no attempts) ends it.
//! - **Breaker open**: a breaker tripping from closed to open (a half-open trial that fails and
//!   re-opens it is the same incident, not a new effect).

use super::runtime::TICK_MS;

/// Thresholds of one kind of episode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hysteresis {
    /// Value at or above which an episode starts.
    pub enter: f64,
    /// Value below which a tick counts as quiet (below `enter`).
    pub exit: f64,
    /// Consecutive quiet ticks that end an episode.
    pub hold_ticks: u32,
}

/// Service overload: error share of a tick.
pub const OVERLOAD: Hysteresis = Hysteresis {
    enter: 0.01,
    exit: 0.005,
    hold_ticks: 10,
};

/// Retry storm: attempts per call on a synchronous edge.
pub const RETRY_STORM: Hysteresis = Hysteresis {
    enter: 1.5,
    exit: 1.25,
    hold_ticks: 10,
};

/// What one tick did to an episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It started at this tick.
    Started,
    /// It ended; it fell back at the given time, ms (the first quiet tick).
    Ended {
        /// First tick of the quiet run that ended it, ms.
        since_ms: u64,
    },
}

/// One episode detector (one service or one edge).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Detector {
    /// Within an episode.
    pub active: bool,
    quiet: u32,
    quiet_since_ms: u64,
    /// Highest value since the episode started.
    pub peak: f64,
}

impl Detector {
    /// Feeds the value of the tick at `now_ms`; returns the transition, if any.
    pub fn observe(&mut self, h: &Hysteresis, now_ms: u64, value: f64) -> Option<Change> {
        if !self.active {
            if value >= h.enter {
                *self = Detector {
                    active: true,
                    quiet: 0,
                    quiet_since_ms: 0,
                    peak: value,
                };
                return Some(Change::Started);
            }
            return None;
        }
        self.peak = self.peak.max(value);
        if value < h.exit {
            if self.quiet == 0 {
                self.quiet_since_ms = now_ms;
            }
            self.quiet += 1;
            if self.quiet >= h.hold_ticks {
                self.active = false;
                self.quiet = 0;
                return Some(Change::Ended {
                    since_ms: self.quiet_since_ms,
                });
            }
        } else {
            self.quiet = 0;
        }
        None
    }
}

/// A transition of the last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Service `0` became overloaded.
    OverloadStarted(usize),
    /// Service `0` is no longer overloaded; it fell back at `since_ms`.
    OverloadEnded(usize, u64),
    /// A retry storm started on call `0`.
    RetryStormStarted(usize),
    /// The retry storm on call `0` ended (calm since `since_ms`).
    RetryStormEnded(usize, u64),
    /// The breaker of call `0` opened (tripped from closed).
    BreakerOpened(usize),
}

/// The episode detectors of every service and edge.
#[derive(Debug, Clone, Default)]
pub struct Episodes {
    /// Per service, its overload detector.
    pub overload: Vec<Detector>,
    /// Per call, its retry storm detector (synchronous calls only are fed).
    pub storm: Vec<Detector>,
    /// The last step's transitions, in the order detected.
    pub transitions: Vec<Transition>,
}

impl Episodes {
    /// Detectors for `services` services and `calls` calls.
    pub fn new(services: usize, calls: usize) -> Episodes {
        Episodes {
            overload: vec![Detector::default(); services],
            storm: vec![Detector::default(); calls],
            transitions: Vec::new(),
        }
    }

    /// Service `s`'s tick at `now_ms` with `offered` and `failed` requests/s.
    pub fn service_tick(&mut self, s: usize, now_ms: u64, offered: f64, failed: f64) {
        let share = if offered > 0.0 { failed / offered } else { 0.0 };
        match self.overload[s].observe(&OVERLOAD, now_ms, share) {
            Some(Change::Started) => self.transitions.push(Transition::OverloadStarted(s)),
            Some(Change::Ended { since_ms }) => {
                self.transitions
                    .push(Transition::OverloadEnded(s, since_ms));
            }
            None => {}
        }
    }

    /// Synchronous call `c`'s tick at `now_ms` with `calls` calls/s making `attempts`
    /// attempts/s.
    pub fn call_tick(&mut self, c: usize, now_ms: u64, calls: f64, attempts: f64) {
        let amp = if calls > 0.0 { attempts / calls } else { 0.0 };
        match self.storm[c].observe(&RETRY_STORM, now_ms, amp) {
            Some(Change::Started) => self.transitions.push(Transition::RetryStormStarted(c)),
            Some(Change::Ended { since_ms }) => {
                self.transitions
                    .push(Transition::RetryStormEnded(c, since_ms));
            }
            None => {}
        }
    }

    /// How long an episode lasts at least after its value falls back, ms.
    pub fn hold_ms(h: &Hysteresis) -> u64 {
        u64::from(h.hold_ticks) * TICK_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `values` one tick (1 s) apart from t = 1 s; returns (tick time, change).
    fn run(h: &Hysteresis, values: &[f64]) -> (Vec<(u64, Change)>, Detector) {
        let mut d = Detector::default();
        let mut out = Vec::new();
        for (i, &v) in values.iter().enumerate() {
            let t = (i as u64 + 1) * 1000;
            if let Some(c) = d.observe(h, t, v) {
                out.push((t, c));
            }
        }
        (out, d)
    }

    #[test]
    fn enters_at_the_threshold_not_below() {
        let (changes, d) = run(&OVERLOAD, &[0.0, 0.009_999, 0.01, 0.02]);
        assert_eq!(changes, vec![(3000, Change::Started)]);
        assert!(d.active);
        assert_eq!(d.peak, 0.02);
    }

    #[test]
    fn hysteresis_keeps_an_episode_between_the_thresholds() {
        // Above the exit threshold (0.5 %) but below entry (1 %): still overloaded.
        let mut v = vec![0.05];
        v.extend([0.007; 30]);
        let (changes, d) = run(&OVERLOAD, &v);
        assert_eq!(changes, vec![(1000, Change::Started)]);
        assert!(d.active);
    }

    #[test]
    fn ends_after_the_hold_at_the_first_quiet_tick() {
        // Starts at 1 s, a short dip (5 quiet ticks) does not end it, then 10 quiet ticks from
        // 10 s end it at the 10th (19 s), reporting 10 s.
        let mut v = vec![0.3, 0.2];
        v.extend([0.001; 5]);
        v.extend([0.02, 0.5]);
        v.extend([0.0; 10]);
        let (changes, d) = run(&OVERLOAD, &v);
        assert_eq!(
            changes,
            vec![
                (1000, Change::Started),
                (19_000, Change::Ended { since_ms: 10_000 })
            ]
        );
        assert!(!d.active);
        assert_eq!(d.peak, 0.5);
        // Nine quiet ticks are not enough.
        let mut v = vec![0.3];
        v.extend([0.0; 9]);
        assert_eq!(run(&OVERLOAD, &v).0.len(), 1);
    }

    #[test]
    fn a_new_episode_starts_its_own_peak() {
        let mut v = vec![0.9];
        v.extend([0.0; 10]);
        v.push(0.05);
        let (changes, d) = run(&OVERLOAD, &v);
        assert_eq!(changes.len(), 3);
        assert_eq!(changes[2], (12_000, Change::Started));
        assert_eq!(d.peak, 0.05);
    }

    #[test]
    fn retry_storms_and_service_transitions_are_listed() {
        let mut e = Episodes::new(2, 1);
        // 4 attempts per call: a storm; 1.2 (a 20 % budget) is not.
        e.call_tick(0, 1000, 100.0, 120.0);
        e.service_tick(1, 1000, 100.0, 0.5);
        assert!(e.transitions.is_empty());
        e.call_tick(0, 2000, 100.0, 400.0);
        e.service_tick(1, 2000, 100.0, 30.0);
        e.service_tick(0, 2000, 0.0, 0.0);
        assert_eq!(
            e.transitions,
            vec![
                Transition::RetryStormStarted(0),
                Transition::OverloadStarted(1)
            ]
        );
        e.transitions.clear();
        // An open breaker stops the attempts: the storm calms down after the hold.
        for t in 3..=12 {
            e.call_tick(0, t * 1000, 100.0, 0.0);
        }
        assert_eq!(e.transitions, vec![Transition::RetryStormEnded(0, 3000)]);
        assert_eq!(Episodes::hold_ms(&RETRY_STORM), 10_000);
    }
}
