//! Readiness, liveness and startup probes of one container, as the kubelet's probe worker runs
//! them (upstream `pkg/kubelet/prober/worker.go`, `doProbe`):
//!
//! - a new container sets the probe's initial result: readiness `Failure` (not ready until a
//!   probe succeeds), liveness `Success`, startup `Unknown`; probing resumes;
//! - no probe runs before `initialDelaySeconds` after the container started; readiness and
//!   liveness do not run until the startup probe (if any) succeeded, and the startup probe stops
//!   once it has;
//! - a probe result repeats a run counter; the result is only *set* once the run reaches
//!   `failureThreshold` failures or `successThreshold` successes;
//! - a liveness or startup failure that is set restarts the container, and the worker holds
//!   (probes nothing) until the new container starts, with its run counter reset.
//!
//! A probe fails when the answer takes longer than `timeoutSeconds` (the service's latency under
//! its load) or the container is not running. Defaults are upstream's: period 10 s, timeout
//! 1 s, success and failure thresholds 1 and 3, no initial delay.

/// A probe's settings (upstream field names, in ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeSpec {
    /// `initialDelaySeconds`, ms.
    pub initial_delay_ms: u64,
    /// `periodSeconds`, ms.
    pub period_ms: u64,
    /// `timeoutSeconds`, ms.
    pub timeout_ms: u64,
    /// `successThreshold` (must be 1 for liveness and startup).
    pub success_threshold: u32,
    /// `failureThreshold`.
    pub failure_threshold: u32,
}

impl Default for ProbeSpec {
    fn default() -> Self {
        ProbeSpec {
            initial_delay_ms: 0,
            period_ms: 10_000,
            timeout_ms: 1_000,
            success_threshold: 1,
            failure_threshold: 3,
        }
    }
}

/// Which probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeKind {
    /// Takes the pod out of its service's endpoints while failing.
    Readiness,
    /// Restarts the container after `failureThreshold` failures.
    Liveness,
    /// Gates the other two until it succeeds; restarts the container when it fails.
    Startup,
}

/// A probe's cached result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeResult {
    /// Passing.
    Success,
    /// Failing.
    Failure,
    /// Not known yet (startup probes before their first verdict).
    Unknown,
}

/// What a probe run changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeEffect {
    /// Readiness turned on.
    Ready,
    /// Readiness turned off.
    NotReady,
    /// The startup probe succeeded: liveness and readiness probing begins.
    Started,
    /// Liveness or startup failed: the container must be restarted.
    Restart,
}

/// The kubelet's worker for one probe of one container.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeWorker {
    /// Which probe.
    pub kind: ProbeKind,
    /// Its settings.
    pub spec: ProbeSpec,
    /// The result the kubelet acts on.
    pub result: ProbeResult,
    last: Option<bool>,
    run: u32,
    on_hold: bool,
}

impl ProbeWorker {
    /// A worker before its container exists.
    pub fn new(kind: ProbeKind, spec: ProbeSpec) -> ProbeWorker {
        ProbeWorker {
            kind,
            spec,
            result: initial_result(kind),
            last: None,
            run: 0,
            on_hold: false,
        }
    }

    /// Whether a passing probe would change nothing observable: the result is `Success`, the
    /// last probe passed and the worker is not on hold (another pass only lengthens the run).
    pub fn steady(&self) -> bool {
        !self.on_hold
            && self.last == Some(true)
            && self.result == ProbeResult::Success
            && self.spec.success_threshold == 1
    }

    /// A new container started: initial result, probing resumes.
    pub fn container_started(&mut self) {
        self.result = initial_result(self.kind);
        self.on_hold = false;
    }

    /// One probe at `since_start_ms` after the container started, whose answer passed (`true`)
    /// or failed or timed out (`false`); `started` says whether the container's startup probe
    /// (if any) has succeeded. Returns what changed.
    pub fn probe(
        &mut self,
        since_start_ms: u64,
        started: bool,
        passed: bool,
    ) -> Option<ProbeEffect> {
        if self.on_hold || since_start_ms < self.spec.initial_delay_ms {
            return None;
        }
        match (self.kind, started) {
            (ProbeKind::Startup, true) => return None,
            (ProbeKind::Readiness | ProbeKind::Liveness, false) => return None,
            _ => {}
        }
        if self.last == Some(passed) {
            self.run += 1;
        } else {
            self.last = Some(passed);
            self.run = 1;
        }
        let threshold = if passed {
            self.spec.success_threshold
        } else {
            self.spec.failure_threshold
        };
        if self.run < threshold {
            return None;
        }
        let new = if passed {
            ProbeResult::Success
        } else {
            ProbeResult::Failure
        };
        let old = std::mem::replace(&mut self.result, new);
        match (self.kind, passed) {
            (ProbeKind::Liveness | ProbeKind::Startup, false) => {
                self.on_hold = true;
                self.run = 0;
                Some(ProbeEffect::Restart)
            }
            (ProbeKind::Startup, true) => (old != new).then_some(ProbeEffect::Started),
            (ProbeKind::Readiness, true) => (old != new).then_some(ProbeEffect::Ready),
            (ProbeKind::Readiness, false) => (old != new).then_some(ProbeEffect::NotReady),
            (ProbeKind::Liveness, true) => None,
        }
    }
}

fn initial_result(kind: ProbeKind) -> ProbeResult {
    match kind {
        ProbeKind::Readiness => ProbeResult::Failure,
        ProbeKind::Liveness => ProbeResult::Success,
        ProbeKind::Startup => ProbeResult::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_needs_a_success_and_failure_threshold_failures() {
        // Upstream pkg/kubelet/prober/worker.go: initial readiness Failure; set after the run
        // reaches the threshold.
        let spec = ProbeSpec {
            success_threshold: 2,
            failure_threshold: 3,
            ..ProbeSpec::default()
        };
        let mut w = ProbeWorker::new(ProbeKind::Readiness, spec);
        w.container_started();
        assert_eq!(w.result, ProbeResult::Failure);
        assert_eq!(w.probe(0, true, true), None);
        assert_eq!(w.probe(10_000, true, true), Some(ProbeEffect::Ready));
        assert_eq!(w.probe(20_000, true, false), None);
        assert_eq!(w.probe(30_000, true, false), None);
        // A success in between restarts the failure run.
        assert_eq!(w.probe(40_000, true, true), None);
        assert_eq!(w.probe(50_000, true, false), None);
        assert_eq!(w.probe(60_000, true, false), None);
        assert_eq!(w.probe(70_000, true, false), Some(ProbeEffect::NotReady));
        assert_eq!(w.probe(80_000, true, false), None);
    }

    #[test]
    fn liveness_restarts_after_three_failures_then_holds_until_the_new_container() {
        let mut w = ProbeWorker::new(ProbeKind::Liveness, ProbeSpec::default());
        w.container_started();
        assert_eq!(w.probe(10_000, true, false), None);
        assert_eq!(w.probe(20_000, true, false), None);
        assert_eq!(w.probe(30_000, true, false), Some(ProbeEffect::Restart));
        // On hold: nothing until the next container.
        assert_eq!(w.probe(40_000, true, false), None);
        w.container_started();
        assert_eq!(w.result, ProbeResult::Success);
        // The run counter was reset: three new failures are needed.
        assert_eq!(w.probe(10_000, true, false), None);
        assert_eq!(w.probe(20_000, true, false), None);
        assert_eq!(w.probe(30_000, true, false), Some(ProbeEffect::Restart));
    }

    #[test]
    fn initial_delay_and_startup_gate_probing() {
        let spec = ProbeSpec {
            initial_delay_ms: 15_000,
            failure_threshold: 1,
            ..ProbeSpec::default()
        };
        let mut live = ProbeWorker::new(ProbeKind::Liveness, spec);
        live.container_started();
        assert_eq!(live.probe(10_000, true, false), None);
        // Not started yet (startup probe pending): liveness does not run.
        assert_eq!(live.probe(20_000, false, false), None);
        assert_eq!(live.probe(30_000, true, false), Some(ProbeEffect::Restart));

        let mut startup = ProbeWorker::new(ProbeKind::Startup, ProbeSpec::default());
        startup.container_started();
        assert_eq!(startup.result, ProbeResult::Unknown);
        assert_eq!(startup.probe(0, false, true), Some(ProbeEffect::Started));
        // Once started, the startup probe stops.
        assert_eq!(startup.probe(10_000, true, false), None);
    }
}
