//! `clustersim explain`: why a workload's pod is pending, or how the scheduler would place
//! its next pod: the upstream summary line, the preemption dry run, then per-node rows.

use std::fmt::Write as _;

use super::args::{ScenarioArgs, SeedArg};
use super::{load, output, CliError};
use clustersim::build::{build, BuildOptions};
use clustersim::cluster::PodPhase;
use clustersim::engine::SimTime;
use clustersim::metrics::EventLogLevel;
use clustersim::scenario::DurationMs;
use clustersim::scheduler::{Explanation, ScorePlugin, SCORE_PLUGINS};
use clustersim::sim::Simulation;

/// Options of `explain`.
#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: ScenarioArgs,
    /// Workload whose next pod is explained.
    #[arg(long)]
    pub workload: String,
    /// Simulated time at which to look (e.g. `30m`); default 0 (after the initial pods).
    #[arg(long, default_value = "0s")]
    pub at: String,
    /// Examine every node (no `percentageOfNodesToScore` sampling).
    #[arg(long)]
    pub all_nodes: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub seed: SeedArg,
}

/// Advances the cluster to `--at`, then explains one scheduling decision.
pub fn explain(a: ExplainArgs) -> Result<(), CliError> {
    let s = load(&a.input.scenario, &a.input.set)?;
    let at: DurationMs =
        a.at.parse()
            .map_err(|e| CliError::input(format!("--at {}: {e}", a.at)))?;
    let Some(template) = s.workloads.iter().position(|w| w.name == a.workload) else {
        let names: Vec<&str> = s.workloads.iter().map(|w| w.name.as_str()).collect();
        return Err(CliError::input(format!(
            "{}: --workload {}: no such workload (known: {})",
            a.input.scenario.display(),
            a.workload,
            names.join(", ")
        )));
    };
    let setup = build(
        &s,
        BuildOptions {
            seed: a.seed.seed,
            event_log: EventLogLevel::None,
        },
    );
    let mut sim = Simulation::new(setup)
        .map_err(|e| CliError::input(format!("{}: {e}", a.input.scenario.display())))?;
    sim.run_until(SimTime(at.as_millis()));
    let (world, scheduler, pdbs) = sim.explain_parts();
    // A pending pod of the workload is explained rather than a hypothetical next one: the one
    // that has waited longest among those that already failed a cycle, else the oldest.
    let pending = world
        .pods
        .iter()
        .filter(|(_, p)| {
            p.template as usize == template && p.phase == PodPhase::Pending && p.node.is_none()
        })
        .min_by_key(|(id, p)| (p.attempts == 0, p.created, p.ordinal, *id))
        .map(|(id, _)| id);
    let e = match pending {
        Some(pod) => {
            let name = world.pod_name(pod);
            scheduler.explain_pod(
                world,
                template as u32,
                Some(pod),
                &name,
                a.all_nodes,
                pdbs.as_ref(),
            )
        }
        None => {
            let live = world
                .pods
                .iter()
                .filter(|(_, p)| p.template as usize == template)
                .count();
            let name = format!("{}-{live}", a.workload);
            scheduler.explain_pod(
                world,
                template as u32,
                None,
                &name,
                a.all_nodes,
                pdbs.as_ref(),
            )
        }
    };
    let pending_count = world
        .pods
        .iter()
        .filter(|(_, p)| {
            p.template as usize == template && p.phase == PodPhase::Pending && p.node.is_none()
        })
        .count();
    if a.json {
        let text =
            serde_json::to_string_pretty(&e).map_err(|e| CliError::internal(e.to_string()))?;
        output::print(&format!("{text}\n"))
    } else {
        output::print(&text(&e, at.as_millis(), pending_count, a.all_nodes))
    }
}

/// Most per-node rows printed without `--all-nodes` when no node fits.
const MAX_FAILED_ROWS: usize = 20;

fn short(plugin: &str) -> &str {
    ScorePlugin::from_name(plugin).map_or(plugin, |p| p.short())
}

fn text(e: &Explanation, at_ms: u64, pending: usize, all_nodes: bool) -> String {
    let mut out = String::new();
    let t = SimTime(at_ms);
    if e.pending {
        let _ = writeln!(
            out,
            "pod {} (Pending at t={t}; {pending} pod(s) of this workload pending):",
            e.pod
        );
    } else {
        let _ = writeln!(
            out,
            "pod {} (hypothetical next pod at t={t}; no pod of this workload pending):",
            e.pod
        );
    }
    match (&e.selected, &e.summary) {
        (Some(node), _) => writeln!(
            out,
            "  would be bound to {node} ({} node(s) examined)",
            e.nodes_examined
        ),
        (None, Some(summary)) => writeln!(out, "  {summary}"),
        (None, None) => writeln!(out, "  no node selected"),
    }
    .expect("writing to a String cannot fail");
    if let Some(p) = &e.preemption {
        let _ = writeln!(out, "preemption:");
        let _ = writeln!(out, "  {}", p.message);
        if let Some(node) = &p.node {
            let _ = writeln!(out, "  nominated node: {node}");
        }
        for v in &p.victims {
            let _ = writeln!(out, "  victim: {} (priority {})", v.pod, v.priority);
        }
    }
    // When every node failed, the summary says why; the per-node rows of a large cluster are
    // shown only when asked for.
    if e.summary.is_some() && !all_nodes && e.nodes.len() > MAX_FAILED_ROWS {
        let _ = writeln!(
            out,
            "({} per-node rows omitted; --all-nodes or --json lists them)",
            e.nodes.len()
        );
        return out;
    }
    let _ = writeln!(
        out,
        "weighted scores per plugin (raw/normalized in --json):"
    );
    // The opt-in GPU plugins get a column only when the profile enables them.
    let columns: Vec<&str> = SCORE_PLUGINS
        .into_iter()
        .filter(|p| {
            ScorePlugin::from_name(p).is_some_and(|x| x.in_default_profile())
                || e.nodes.iter().any(|n| n.scores.contains_key(*p))
        })
        .collect();
    let mut header = format!("  {:<24} {:<9}", "node", "feasible");
    for p in columns.iter().copied() {
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
        for p in columns.iter().copied() {
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
