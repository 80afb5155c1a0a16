//! Whole reference runs: `throughput-7000` (70,000 Job pods on 7,000 nodes over a simulated
//! hour), `baseline-7000` (one simulated day of the reference fleet), and the same fleet with
//! faults: `zone-outage-7000` (a zone lost for 2 h) and `random-failures-week` (a week of
//! random and correlated node failures), from the parsed scenario to the finished `RunResult`
//! (no file output).
//!
//! Run: `cargo bench --bench runs`. Medians are in
//! `target/criterion/runs/<name>/new/estimates.json`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use clustersim::build::{build, BuildOptions};
use clustersim::metrics::EventLogLevel;
use clustersim::scenario::load_scenario;
use clustersim::sim::Simulation;

fn whole_run(c: &mut Criterion, name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.yaml"));
    let scenario = load_scenario(&path).expect("shipped scenario parses");
    let mut group = c.benchmark_group("runs");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function(name, |b| {
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
            black_box(result.summary.pods_scheduled)
        })
    });
    group.finish();
}

fn runs(c: &mut Criterion) {
    whole_run(c, "throughput-7000");
    whole_run(c, "baseline-7000");
    whole_run(c, "zone-outage-7000");
    whole_run(c, "random-failures-week");
}

criterion_group!(benches, runs);
criterion_main!(benches);
