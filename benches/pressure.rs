//! The whole reference run for a simulated week, with and without the usage model: the cost
//! of node pressure (usage ticks, OOM kills, kubelet housekeeping) on top of scheduling.
//!
//! `baseline-7000/week/usage-off` is `scenarios/baseline-7000.yaml` as shipped (7,000 nodes,
//! ~190,000 pods) run for 7 days; `usage-on` gives every workload a `usage:` section (CPU and
//! memory levels relative to the requests, noise redrawn every 5 min, a diurnal curve) and so
//! turns on the kubelet model. Each iteration builds and runs the whole simulation.
//!
//! Run: `cargo bench --bench pressure` (about two minutes). Before measuring, the bench prints
//! events processed and events per second for one run of each variant.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use clustersim::build::{build, BuildOptions};
use clustersim::metrics::EventLogLevel;
use clustersim::scenario::types::usage::Usage;
use clustersim::scenario::{load_scenario_with_overrides, validate, Override, ValidScenario};
use clustersim::sim::Simulation;

/// Usage of a workload whose containers have requests (relative amounts).
const RELATIVE: &str = "{cpu: {distribution: lognormal, median: 0.6x, p99: 1.5x}, \
    memory: {distribution: lognormal, median: 0.8x, p99: 1.3x}, noise: {cpu: 1.3, memory: 1.05}, \
    diurnal: {peakHour: 14, troughRatio: 0.5}, memoryFollowsLoad: 0.3}";
/// Usage of a workload without requests (absolute amounts).
const ABSOLUTE: &str = "{cpu: 100m, memory: 200Mi, noise: {cpu: 1.3, memory: 1.05}, \
    diurnal: {peakHour: 14, troughRatio: 0.5}, memoryFollowsLoad: 0.3}";

fn scenario(usage: bool) -> ValidScenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline-7000.yaml");
    let week: Override = "simulation.duration=7d".parse().expect("override");
    let mut s = load_scenario_with_overrides(&path, &[week])
        .expect("baseline-7000 loads")
        .into_inner();
    if usage {
        for w in &mut s.workloads {
            let requests = w
                .template
                .containers
                .iter()
                .all(|c| !c.resources.requests.is_empty() || !c.resources.limits.is_empty());
            let mut u: Usage =
                serde_saphyr::from_str(if requests { RELATIVE } else { ABSOLUTE }).expect("usage");
            for init in w.template.init_containers.iter().filter(|c| c.is_sidecar()) {
                u.containers.insert(
                    init.name.clone(),
                    serde_saphyr::from_str("{memory: 0.5x}").expect("usage"),
                );
            }
            w.usage = Some(u);
        }
    }
    validate(s, "baseline-7000.yaml").expect("valid with usage")
}

fn run(s: &ValidScenario) -> u64 {
    let setup = build(
        s,
        BuildOptions {
            seed: None,
            event_log: EventLogLevel::Failures,
        },
    );
    let sim = Simulation::new(setup).expect("valid setup");
    sim.run(&mut |_| {}).summary.events_processed
}

fn week(c: &mut Criterion) {
    let variants = [("usage-off", scenario(false)), ("usage-on", scenario(true))];
    for (name, s) in &variants {
        let t0 = Instant::now();
        let events = run(s);
        let secs = t0.elapsed().as_secs_f64();
        eprintln!(
            "baseline-7000/week/{name}: {events} events in {secs:.2} s ({:.0} events/s)",
            events as f64 / secs
        );
    }
    let mut group = c.benchmark_group("baseline-7000/week");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    for (name, s) in &variants {
        group.bench_function(*name, |b| b.iter(|| black_box(run(s))));
    }
    group.finish();
}

criterion_group!(benches, week);
criterion_main!(benches);
