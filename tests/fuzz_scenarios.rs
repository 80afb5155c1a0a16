//! Fuzzing the scenario input: mutated shipped scenarios go through load + validate + build
//! in-process (and a short run for a sample of the valid small ones); every outcome must be
//! a scenario or a clean input error, never a panic.
//!
//! Mutations start from the text of every file in `scenarios/`: delete a line, duplicate a
//! line, swap two lines, replace a value with an edge value (`0`, `-1`, `1e308`, `""`, huge
//! numbers, `1ms`, `1000000d`, `[]`, `{}`, ...), or cut the text short. 10,000 cases per run
//! (about 30 s on two cores in release).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::OnceLock;

use clustersim::build::{build, BuildOptions};
use clustersim::metrics::EventLogLevel;
use clustersim::scenario::types::workload::{Arrivals, WorkloadKind};
use clustersim::scenario::{parse_scenario, validate, DurationMs, ScenarioFile};
use clustersim::sim::Simulation;
use proptest::prelude::*;

const EDGE_VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "1e308",
    "-1e308",
    "\"\"",
    "''",
    "18446744073709551616",
    "99999999999999999999999",
    "4294967295",
    "2147483648",
    "1ms",
    "1000000d",
    "0s",
    "[]",
    "{}",
    "null",
    "~",
    "true",
    "1.10",
    "NaN",
    ".inf",
    "-0",
    "1e6/s",
    "1e12/s",
    "0/s",
    "100%",
    "101%",
    "1Ei",
    "-5Gi",
    "0.0000001",
    "a",
    "[a, b]",
    "{a: 1}",
    "\"x\\ny\"",
    "*nothing",
    "&a x",
];

fn bases() -> &'static Vec<(String, Vec<String>)> {
    static BASES: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    BASES.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    text.lines().map(str::to_string).collect(),
                )
            })
            .collect()
    })
}

/// One mutation: what, where (a line index, taken modulo the length), which edge value.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Replace(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::Delete),
        1 => any::<usize>().prop_map(Mutation::Duplicate),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        4 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Replace(a, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Replaces the value after the last `: ` (or the item after `- `) on `line`, or inside a
/// flow mapping one of its values.
fn replace_value(line: &str, value: &str, pick: usize) -> String {
    let cuts: Vec<usize> = line
        .match_indices(": ")
        .map(|(i, _)| i + 2)
        .chain(line.match_indices("- ").map(|(i, _)| i + 2))
        .collect();
    if cuts.is_empty() {
        return format!("{line} {value}");
    }
    let start = cuts[pick % cuts.len()];
    let rest = &line[start..];
    let end = rest
        .find([',', '}', ']', '#'])
        .map_or(line.len(), |e| start + e);
    format!("{}{value}{}", &line[..start], &line[end..])
}

fn mutate(lines: &[String], mutations: &[Mutation]) -> String {
    let mut lines = lines.to_vec();
    for m in mutations {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match *m {
            Mutation::Delete(i) => {
                lines.remove(i % n);
            }
            Mutation::Duplicate(i) => {
                let line = lines[i % n].clone();
                lines.insert(i % n, line);
            }
            Mutation::Swap(a, b) => lines.swap(a % n, b % n),
            Mutation::Replace(i, v) => {
                let value = EDGE_VALUES[v % EDGE_VALUES.len()];
                lines[i % n] = replace_value(&lines[i % n], value, v / EDGE_VALUES.len());
            }
            Mutation::Truncate(i) => lines.truncate(i % n),
        }
    }
    lines.join("\n") + "\n"
}

/// Whether a short run of `s` is cheap enough for the fuzz loop.
fn small_enough_to_run(s: &ScenarioFile) -> bool {
    let replicas: u64 = s
        .workloads
        .iter()
        .filter(|w| matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet))
        .map(|w| u64::from(w.replicas.unwrap_or(0)))
        .sum();
    let busy_jobs = s.workloads.iter().any(|w| match &w.arrivals {
        Some(Arrivals::Poisson { rate, .. }) => rate.as_per_second() > 5.0,
        Some(Arrivals::Periodic { count, .. }) => *count > 5_000,
        Some(Arrivals::At(times)) => times.len() > 5_000,
        None => false,
    });
    s.cluster.node_count() <= 300 && replicas <= 3_000 && !busy_jobs
}

/// Load + validate + build (+ a short run): `Err` only for a panic.
fn exercise(text: &str, run: bool) -> Result<(), String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let Ok(s) = parse_scenario(text, "fuzz.yaml") else {
            return; // a clean input error
        };
        let _ = clustersim::scenario::warnings(&s);
        if run && small_enough_to_run(&s) {
            let mut s = s.into_inner();
            let cap = DurationMs::from_secs(20 * 60);
            if s.simulation.duration > cap {
                s.simulation.duration = cap;
            }
            if s.simulation.metrics_interval > s.simulation.duration {
                s.simulation.metrics_interval = s.simulation.duration;
            }
            // The engine is built only from a validated scenario: a cut that makes the file
            // invalid (an event after the new end) is not run.
            let Ok(s) = validate(s, "fuzz.yaml") else {
                return;
            };
            let setup = build(
                &s,
                BuildOptions {
                    seed: None,
                    event_log: EventLogLevel::None,
                },
            );
            if let Ok(sim) = Simulation::new(setup) {
                let _ = sim.run(&mut |_| {});
            }
        } else {
            let setup = build(
                &s,
                BuildOptions {
                    seed: None,
                    event_log: EventLogLevel::None,
                },
            );
            let _ = clustersim::build::describe::describe(&setup);
        }
    }));
    outcome.map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn every_shipped_scenario_exercises_cleanly() {
    for (name, lines) in bases() {
        exercise(&(lines.join("\n") + "\n"), false).unwrap_or_else(|p| panic!("{name}: {p}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_scenarios_never_panic(
        base in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..4),
        run in 0u8..25,
    ) {
        let bases = bases();
        let (name, lines) = &bases[base % bases.len()];
        let text = mutate(lines, &mutations);
        // A run for one case in 25 (of those small enough).
        if let Err(panic) = exercise(&text, run == 0) {
            prop_assert!(false, "{name} mutated by {mutations:?} panicked: {panic}\n{text}");
        }
    }
}
