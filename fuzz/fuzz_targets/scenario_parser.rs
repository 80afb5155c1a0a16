//! Fuzz target: any text through the scenario parser and validator (and, for scenarios that
//! validate, the build step). Any outcome but a panic is fine: a scenario or a clean error.
#![no_main]

use clustersim::build::{build, BuildOptions};
use clustersim::metrics::EventLogLevel;
use clustersim::scenario::{parse_scenario, parse_scenario_with_overrides, Override};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The --set path as well: the same text with a no-op override must parse alike.
    let plain = parse_scenario(text, "fuzz.yaml");
    let seed: Override = "simulation.seed=0".parse().expect("valid override");
    let _ = parse_scenario_with_overrides(text, "fuzz.yaml", &[seed]);
    if let Ok(s) = plain {
        if s.cluster.node_count() <= 10_000 {
            let _ = build(
                &s,
                BuildOptions {
                    seed: None,
                    event_log: EventLogLevel::None,
                },
            );
        }
    }
});
