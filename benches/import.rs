//! Importing and running a 1,000,000-pod synthetic trace on 12,000 nodes (issue 11: "public
//! traces at their real size"; target under 60 s and under 2 GiB on one core).
//!
//! The pod list is an Alibaba GPU 2023 `openb_pod_list` CSV generated here: 1,000,000 CPU pods
//! in 40 shapes (8 CPU sizes × 5 memory ratios, priority bands by QoS) arriving over one
//! simulated day (~11.6 pods/s), each running 5–60 minutes (~60 % of the cluster's CPU at
//! the peak). The cluster is 12,000 nodes of 32 cores / 128 GiB. One sample = reading the CSV
//! through `workloads: {fromTrace}` (the streaming reader), building and running the whole day.
//!
//! Run: `cargo bench --bench import` (the CSV and scenario are left in
//! `$TMPDIR/clustersim-import-bench/`; `/usr/bin/time -v target/release/clustersim run
//! $TMPDIR/clustersim-import-bench/trace.yaml --events none -q` measures peak RSS).
//! `-- --test` runs one sample.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use clustersim::build::{build, BuildOptions};
use clustersim::metrics::EventLogLevel;
use clustersim::scenario::load_scenario;
use clustersim::sim::Simulation;

/// Pods in the trace.
const PODS: u64 = 1_000_000;
/// Nodes in the cluster.
const NODES: u32 = 12_000;

/// Writes the synthetic pod list.
fn write_pods(path: &Path) {
    let mut s = String::with_capacity(PODS as usize * 70);
    s.push_str("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n");
    let span = 86_400.0;
    for i in 0..PODS {
        let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16;
        let cpu = [250u64, 500, 1000, 1500, 2000, 4000, 6000, 8000][(h % 8) as usize];
        let mem = cpu * [1, 2, 4, 6, 8][((h >> 8) % 5) as usize];
        let qos = ["BE", "LS", "Burstable"][((h >> 16) % 3) as usize];
        let t = i as f64 * span / PODS as f64;
        let d = 300 + (h >> 24) % 3300;
        let _ = writeln!(
            s,
            "p{i},{cpu},{mem},0,0,,{qos},Succeeded,{t:.1},{:.1},{t:.1}",
            t + d as f64
        );
    }
    std::fs::write(path, s).expect("write the pod list");
}

fn main() {
    let test = std::env::args().any(|a| a == "--test");
    let dir = std::env::temp_dir().join("clustersim-import-bench");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let csv = dir.join("pods.csv");
    if !csv.exists() {
        write_pods(&csv);
    }
    let scenario = dir.join("trace.yaml");
    std::fs::write(
        &scenario,
        format!(
            "name: import-bench\nsimulation: {{duration: 25h, metricsInterval: 5m, nodeSampleInterval: 0}}\n\
             cluster:\n  zones: [a, b, c]\n  nodePools: [{{name: general, count: {NODES}, capacity: {{cpu: \"32\", memory: 128Gi, pods: 110}}}}]\n\
             workloads:\n  fromTrace: {{format: alibaba-gpu-2023, path: pods.csv}}\n"
        ),
    )
    .expect("write the scenario");
    let samples = if test { 1 } else { 3 };
    for k in 0..samples {
        let start = Instant::now();
        let s = load_scenario(&scenario).expect("the scenario loads");
        let loaded = start.elapsed();
        let setup = build(
            &s,
            BuildOptions {
                seed: None,
                event_log: EventLogLevel::None,
            },
        );
        let result = Simulation::new(setup).expect("setup").run(&mut |_| {});
        println!(
            "sample {k}: load (1,000,000 rows) {:.2} s, load + build + run {:.2} s ({} pods created)",
            loaded.as_secs_f64(),
            start.elapsed().as_secs_f64(),
            result.summary.pods_created
        );
    }
}
