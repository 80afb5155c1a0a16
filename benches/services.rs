//! The service layer at fleet scale: `service-fleet-7000` (a simulated day of 7,000 nodes with
//! 48 services, 100,000 external requests/s at the peak, 86,400 service ticks, a zone lost for
//! an hour), from the parsed scenario to the finished `RunResult` (no file output). The
//! issue's bar: under 10 s on one core.
//!
//! Run: `cargo bench --bench services`. The median is in
//! `target/criterion/services/service-fleet-7000/new/estimates.json`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use clustersim::build::{build, BuildOptions};
use clustersim::metrics::EventLogLevel;
use clustersim::scenario::load_scenario_with_overrides;
use clustersim::sim::Simulation;

fn services(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/service-fleet-7000.yaml");
    let scenario = load_scenario_with_overrides(&path, &[]).expect("shipped scenario parses");
    let mut group = c.benchmark_group("services");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    group.bench_function("service-fleet-7000", |b| {
        b.iter(|| {
            let setup = build(
                &scenario,
                BuildOptions {
                    seed: None,
                    event_log: EventLogLevel::None,
                },
            );
            let result = Simulation::new(setup)
                .expect("valid setup")
                .run(&mut |_| {});
            black_box(result.services.map(|s| s.rows.len()))
        })
    });
    group.finish();
}

criterion_group!(benches, services);
criterion_main!(benches);
