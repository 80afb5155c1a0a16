//! `clustersim explain`: how the scheduler would place the next pod of a workload.

use std::path::PathBuf;

use std::fmt::Write as _;

use super::{load, output, CliError};
use clustersim::build::{build, BuildOptions};
use clustersim::engine::SimTime;
use clustersim::metrics::EventLogLevel;
use clustersim::scenario::{DurationMs, Override};
use clustersim::scheduler::{Explanation, SCORE_PLUGINS};
use clustersim::sim::Simulation;

/// Options of `explain`.
pub struct ExplainArgs {
    pub scenario: PathBuf,
    pub workload: String,
    pub at: String,
    pub all_nodes: bool,
    pub json: bool,
    pub seed: Option<u64>,
    pub overrides: Vec<Override>,
}

/// Advances the cluster to `--at`, then explains one scheduling decision.
pub fn explain(a: ExplainArgs) -> Result<(), CliError> {
    let s = load(&a.scenario, &a.overrides)?;
    let at: DurationMs =
        a.at.parse()
            .map_err(|e| CliError::input(format!("--at {}: {e}", a.at)))?;
    let Some(template) = s.workloads.iter().position(|w| w.name == a.workload) else {
        let names: Vec<&str> = s.workloads.iter().map(|w| w.name.as_str()).collect();
        return Err(CliError::input(format!(
            "{}: --workload {}: no such workload (known: {})",
            a.scenario.display(),
            a.workload,
            names.join(", ")
        )));
    };
    let setup = build(
        &s,
        BuildOptions {
            seed: a.seed,
            event_log: EventLogLevel::None,
        },
    );
    let mut sim = Simulation::new(setup)
        .map_err(|e| CliError::input(format!("{}: {e}", a.scenario.display())))?;
    sim.run_until(SimTime(at.as_millis()));
    let (world, scheduler) = sim.world_and_scheduler();
    let live = world
        .pods
        .iter()
        .filter(|(_, p)| p.template as usize == template)
        .count();
    let pod_name = format!("{}-{live}", a.workload);
    let e = scheduler.explain(world, template as u32, &pod_name, a.all_nodes);
    if a.json {
        let text =
            serde_json::to_string_pretty(&e).map_err(|e| CliError::internal(e.to_string()))?;
        output::print(&format!("{text}\n"))
    } else {
        output::print(&table(&e, at.as_millis()))
    }
}

fn short(plugin: &str) -> &str {
    match plugin {
        "TaintToleration" => "Taint",
        "NodeAffinity" => "NodeAff",
        "NodeResourcesFit" => "Fit",
        "PodTopologySpread" => "Spread",
        "InterPodAffinity" => "PodAff",
        "NodeResourcesBalancedAllocation" => "Balanced",
        "ImageLocality" => "Image",
        other => other,
    }
}

fn table(e: &Explanation, at_ms: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "pod {} at t={}: {} node(s) examined, selected: {}",
        e.pod,
        SimTime(at_ms),
        e.nodes_examined,
        e.selected.as_deref().unwrap_or("none")
    );
    let _ = writeln!(
        out,
        "weighted scores per plugin (raw/normalized in --json):"
    );
    let mut header = format!("  {:<24} {:<9}", "node", "feasible");
    for p in SCORE_PLUGINS {
        header.push_str(&format!(" {:>9}", short(p)));
    }
    header.push_str(&format!(" {:>7}", "total"));
    let _ = writeln!(out, "{header}");
    for n in &e.nodes {
        let mark = if Some(&n.node) == e.selected.as_ref() {
            "*"
        } else {
            " "
        };
        if !n.feasible {
            let _ = writeln!(
                out,
                "{mark} {:<24} no        {}",
                n.node,
                n.reason.as_deref().unwrap_or("")
            );
            continue;
        }
        let mut line = format!("{mark} {:<24} {:<9}", n.node, "yes");
        for p in SCORE_PLUGINS {
            let v = n
                .scores
                .get(p)
                .map(|s| s.weighted.to_string())
                .unwrap_or_else(|| "-".into());
            line.push_str(&format!(" {v:>9}"));
        }
        line.push_str(&format!(" {:>7}", n.total));
        let _ = writeln!(out, "{line}");
    }
    out
}
