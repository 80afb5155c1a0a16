//! The event loop: pop the next event, hand it to the subsystem that owns it, settle; samples
//! and the end of the run.

use super::*;

impl<S: PodScheduler, Q: PodQueue> Simulation<S, Q> {
    pub(super) fn take_sample(&mut self, at: SimTime) {
        let pressure = self
            .core
            .with_agent_as(|k: &mut Kubelet, core| k.sample(core));
        let (recorder, world) = self.core.recorder_and_world();
        recorder.sample_with(at, world, pressure);
        self.core.sample_nodes(at);
        if let Some(h) = self.hpas.as_mut() {
            h.sample(&self.core, &self.controllers, at);
        }
    }

    /// Processes every event at or before `t`; afterwards the clock reads `t` (if it was
    /// behind). Metrics ticks stop at the run's duration, other events do not.
    pub fn run_until(&mut self, t: SimTime) {
        self.advance(t, &mut |_| {});
    }

    /// Runs to the end of the simulated duration and returns the results.
    pub fn run(mut self, progress: &mut dyn FnMut(Progress)) -> RunResult {
        let end = self.duration;
        self.advance(end, progress);
        if self.last_sample != Some(end) {
            self.take_sample(end);
        }
        progress(Progress {
            sim_time: end,
            duration: end,
            events_processed: self.events_processed,
            pods_pending: self.core.world().phase_counts().pending as u64,
        });
        let unschedulable_at_end = self
            .core
            .world()
            .pods
            .iter()
            .filter(|(_, p)| p.phase == PodPhase::Pending && p.attempts > 0)
            .count() as u64;
        let info = FinishInfo {
            duration: end,
            events_processed: self.events_processed,
            unschedulable_at_end,
        };
        let names: Vec<String> = self.infos.iter().map(|i| i.name.clone()).collect();
        let pressure = self
            .core
            .with_agent_as(|k: &mut Kubelet, core| k.finish(core.world(), &names, end.as_millis()));
        let used = self
            .core
            .agent_as_mut::<Kubelet>()
            .map(|k| k.workload_used(end.as_millis()));
        if let Some(s) = self.services.as_mut() {
            s.close_episodes(&mut self.core);
        }
        let (world, recorder) = self.core.into_parts();
        let mut result = recorder.finish(&world, &self.infos, info);
        if let Some(a) = self.autoscaler.as_mut() {
            result.summary.autoscaler = Some(a.finish(end.as_millis()));
        }
        if let Some(h) = self.hpas.take() {
            let (rows, summary) = h.finish(&self.controllers);
            result.hpas = Some(rows);
            result.summary.hpas = Some(summary);
        }
        if let Some(s) = self.services.take() {
            let (rows, summary) = s.finish(end.as_millis());
            result.services = Some(rows);
            result.summary.services = Some(summary);
        }
        for (row, u) in result
            .resilience
            .workloads
            .iter_mut()
            .zip(used.into_iter().flatten())
        {
            row.set_used(u);
        }
        if let Some((summary, nodes)) = pressure {
            result.summary.evictions = Some(summary.evictions);
            result.summary.oom_kills = Some(summary.oom_kills_limit + summary.oom_kills_node);
            result.summary.pressure = Some(summary);
            result.nodes = Some(nodes);
        }
        result
    }

    pub(super) fn advance(&mut self, t: SimTime, progress: &mut dyn FnMut(Progress)) {
        while let Some((at, event)) = self.core.pop_event_until(t) {
            self.handle(event);
            self.settle();
            self.events_processed += 1;
            if self.events_processed.is_multiple_of(PROGRESS_EVERY) {
                progress(Progress {
                    sim_time: at,
                    duration: self.duration,
                    events_processed: self.events_processed,
                    pods_pending: self.core.world().phase_counts().pending as u64,
                });
            }
        }
        if self.core.now() < t {
            self.core.advance_to(t);
        }
    }

    pub(super) fn handle(&mut self, event: Event) {
        let now = self.core.now();
        match event {
            Event::SchedulerCycle => {
                self.cycle_pending = false;
                self.scheduling_cycle();
            }
            Event::QueueWakeup => {
                while self.wakeups.peek().is_some_and(|w| w.0 <= now) {
                    self.wakeups.pop();
                }
                self.queue.flush(now);
            }
            Event::MetricsTick => {
                self.take_sample(now);
                self.last_sample = Some(now);
                let next = now.plus_millis(self.metrics_interval_ms);
                if next <= self.duration {
                    self.core.push_end_of_instant(next, Event::MetricsTick);
                }
            }
            Event::ServiceTick => {
                if let Some(s) = self.services.as_mut() {
                    s.tick(&mut self.core);
                }
            }
            Event::HpaSync => self.hpa_sync(),
            Event::Controller(e) => self.controllers.handle(&mut self.core, e),
            Event::Fault(e) => {
                if let Some(rt) = self.faults.as_mut() {
                    rt.handle(e, &mut self.core, &mut self.controllers);
                }
                self.apply_node_requests();
            }
            Event::Kubelet(e) => self.kubelet_event(e),
            Event::Autoscaler(AutoscalerEvent::Scan) => self.autoscaler_scan(),
            Event::Autoscaler(AutoscalerEvent::NodeReady { group }) => {
                self.autoscaler_node_ready(group as usize)
            }
        }
    }

    /// Hands a kubelet event to the kubelet and carries out what it asks of other subsystems.
    pub(super) fn kubelet_event(&mut self, event: KubeletEvent) {
        let asked = self
            .core
            .with_agent_as(|k: &mut Kubelet, core| k.handle(core, event))
            .flatten();
        match asked {
            None => {}
            Some(KubeletAction::Evict(e)) => {
                self.controllers.evict_pod(&mut self.core, e.pod, e.cause);
            }
            Some(KubeletAction::Restarted { pod, restarts }) => {
                self.controllers
                    .container_restarted(&mut self.core, pod, restarts);
            }
            Some(KubeletAction::FailPod { pod, cause }) => {
                self.controllers
                    .fail_pod(&mut self.core, pod, "OOMKilled", cause);
            }
            Some(KubeletAction::ContainerFailed { pod, cause }) => {
                self.controllers.container_failed(pod, cause);
            }
            Some(KubeletAction::NodeOverloaded(node)) => {
                if let Some(rt) = self.faults.as_mut() {
                    rt.overload_failure(&mut self.core, node);
                }
            }
        }
    }
}
