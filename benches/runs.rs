//! Whole reference runs: `throughput-7000` (70,000 Job pods on 7,000 nodes over a simulated
//! hour), `baseline-7000` (one simulated day of the reference fleet), `overloaded-7000`
//! (the same day with the general pool cut from 5,400 to 2,500 nodes: a persistent backlog of
//! unschedulable batch pods retried after every pod release), and the fleet with faults:
//! `zone-outage-7000` (a zone lost for 2 h) and `random-failures-week` (a week of random and
//! correlated node failures), from the parsed scenario to the finished `RunResult` (no file
//! output).
//!
//! Run: `cargo bench --bench runs`. Medians are in
//! `target/criterion/runs/<name>/new/estimates.json`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use clustersim::build::{build, BuildOptions};
use clustersim::metrics::EventLogLevel;
use clustersim::scenario::{load_scenario_with_overrides, Override};
use clustersim::sim::Simulation;

fn whole_run(c: &mut Criterion, name: &str, file: &str, overrides: &[&str]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{file}.yaml"));
    let overrides: Vec<Override> = overrides
        .iter()
        .map(|o| o.parse().expect("valid override"))
        .collect();
    let scenario =
        load_scenario_with_overrides(&path, &overrides).expect("shipped scenario parses");
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
    whole_run(c, "throughput-7000", "throughput-7000", &[]);
    whole_run(c, "baseline-7000", "baseline-7000", &[]);
    whole_run(
        c,
        "overloaded-7000",
        "baseline-7000",
        &["cluster.nodePools[general].count=2500"],
    );
    whole_run(c, "zone-outage-7000", "zone-outage-7000", &[]);
    whole_run(c, "random-failures-week", "random-failures-week", &[]);
}

criterion_group!(benches, runs);
criterion_main!(benches);
