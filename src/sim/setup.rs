//! Setting a run up: the simulation with the real scheduler ([`Simulation::new`]) or given
//! parts ([`Simulation::with_parts`]): checks the world, builds the kubelet, fault runtime,
//! autoscaler, controllers and recorder, and creates the pods of time zero.

use super::*;

impl Simulation {
    /// A simulation with the real kube-scheduler model. The scheduler draws from the
    /// `"scheduler"` stream; each workload from `"arrivals/<name>"` and `"durations/<name>"`.
    pub fn new(setup: SimSetup) -> Result<Self, SetupError> {
        let streams = RngStreams::new(setup.seed);
        let queue = SchedulingQueue::new(
            setup.scheduler.initial_backoff_ms,
            setup.scheduler.max_backoff_ms,
        );
        let mut scheduler = Scheduler::new(
            setup.scheduler.clone(),
            &setup.world,
            streams.stream("scheduler"),
        );
        // Exact: every node change reaches `World::node_changes` (binds, releases and taints
        // through `World`, everything else through `Core::node_changed`).
        scheduler.set_failure_memo(true);
        Simulation::with_parts(setup, scheduler, queue)
    }
}

impl<S: PodScheduler, Q: PodQueue> Simulation<S, Q> {
    /// A simulation with the given scheduler and queue (of `setup.scheduler` only `cycle_cost`
    /// is used here).
    /// Creates the initial pods (time zero) but processes no event.
    pub fn with_parts(setup: SimSetup, scheduler: S, queue: Q) -> Result<Self, SetupError> {
        let SimSetup {
            mut world,
            workloads,
            duration_ms,
            metrics_interval_ms,
            node_sample_interval_ms,
            seed,
            event_log,
            pressure,
            faults: fault_setup,
            scheduler: scheduler_config,
            autoscaler: autoscaler_config,
            services: services_setup,
            hpas: hpa_specs,
            ..
        } = setup;
        if !world.pods.is_empty() {
            return Err(SetupError::InconsistentWorld(format!(
                "{} pods exist before the run starts",
                world.pods.len()
            )));
        }
        if world.pods_on_node.len() != world.nodes.len() {
            return Err(SetupError::InconsistentWorld(format!(
                "pods_on_node has {} entries for {} nodes",
                world.pods_on_node.len(),
                world.nodes.len()
            )));
        }
        if let Some(z) = world
            .nodes
            .zone
            .iter()
            .find(|z| **z as usize >= world.zones.len())
        {
            return Err(SetupError::InconsistentWorld(format!(
                "node zone {z} out of range ({} zones)",
                world.zones.len()
            )));
        }
        let streams = RngStreams::new(seed);
        let kubelet = match &pressure {
            Some(cfg) => Some(Box::new(Kubelet::new(
                cfg,
                &mut world,
                &workloads,
                &streams,
                duration_ms,
            )?)),
            None => None,
        };
        let templates: Vec<u32> = workloads.iter().map(|w| w.template).collect();
        let mut fault_parts = match fault_setup {
            Some(f) => Some(faults::FaultRuntime::new(
                f,
                &mut world,
                &streams,
                seed,
                duration_ms,
                &templates,
            )?),
            None => None,
        };
        let autoscaler = match autoscaler_config {
            Some(cfg) => Some(autoscale::build(
                cfg,
                &world,
                &scheduler_config,
                &workloads,
                &streams,
            )?),
            None => None,
        };
        let controllers = Controllers::new(workloads, &world, &streams)?;
        let infos = controllers.infos();
        let mut recorder = Recorder::new(&world, &infos, event_log);
        if kubelet.is_some() {
            recorder.enable_pressure();
        }
        let mut runtime = None;
        if let Some((rt, names, windows)) = fault_parts.take() {
            recorder.set_faults(names, windows);
            runtime = Some(rt);
        }
        recorder.set_node_sample_interval(node_sample_interval_ms);
        let mut sim = Simulation {
            core: Core::new(world, recorder),
            scheduler,
            queue,
            controllers,
            infos,
            duration: SimTime(duration_ms),
            metrics_interval_ms,
            cycle_pending: false,
            wakeups: BinaryHeap::new(),
            cycle_cost: scheduler_config.cycle_cost,
            sched_clock: Default::default(),
            in_flight: None,
            events_processed: 0,
            last_sample: None,
            faults: runtime,
            autoscaler,
            services: None,
            hpas: None,
        };
        sim.core.init_cordons();
        if metrics_interval_ms > 0 && metrics_interval_ms <= duration_ms {
            // End of instant: a sample at `T` sees every event at `T` (and the zero-time
            // scheduling cycles they cause) already applied.
            sim.core
                .push_end_of_instant(SimTime(metrics_interval_ms), Event::MetricsTick);
        }
        sim.start_autoscaler();
        if let Some(k) = kubelet {
            sim.core.set_agent(k);
        }
        if let Some(rt) = &sim.faults {
            let after = rt.lifecycle().config().overload_failure_after_ms;
            if let Some(k) = sim.core.agent_as_mut::<Kubelet>() {
                k.set_overload_failure(after);
                sim.core.recorder_mut().res.overload_failure_enabled = after.is_some();
            }
            rt.start(&mut sim.core);
        }
        sim.core
            .with_agent_as(|k: &mut Kubelet, core| k.start(core));
        sim.controllers.start(&mut sim.core);
        sim.services = services_setup.map(|s| {
            let n = sim.infos.len();
            Box::new(super::services::ServiceGlue::start(
                s,
                n,
                metrics_interval_ms,
                duration_ms,
                &mut sim.core,
            ))
        });
        if !hpa_specs.is_empty() {
            let names: Vec<String> = sim.infos.iter().map(|i| i.name.clone()).collect();
            let glue = super::hpa::HpaGlue::start(
                hpa_specs,
                &sim.controllers,
                &names,
                &mut sim.core,
                duration_ms,
            );
            sim.hpas = Some(Box::new(glue));
        }
        sim.settle();
        Ok(sim)
    }
}
