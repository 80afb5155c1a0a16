//! The charts: each is prepared once from the run's data (decimated, binned) and drawn twice,
//! as PNG (bitmap, for pasting) and SVG (vector). A chart whose inputs the run lacks is not
//! drawn; [`Skipped`] says what it needs.

mod availability;
mod bars;
mod gpu;
mod graph_draw;
mod heatmap;
mod hpa;
pub mod panel;
pub mod reduce;
mod services;
pub mod style;
mod timecharts;
mod tree;
mod tree_draw;

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;
use serde::Serialize;

use super::columns as col_gpu;
use super::columns::CHARTS_DIR;
use super::data::RunData;
use super::error::ReportError;

pub use style::register_fonts;
pub use timecharts::Sides;

/// A chart ready to draw, or why it cannot be.
#[derive(Debug, Clone)]
pub enum Prep {
    /// Panels over time (or over an index / value range).
    Time(panel::TimeChart),
    /// Horizontal grouped bars.
    HBars(bars::HBars),
    /// The node heatmap.
    Heatmap(heatmap::Heatmap),
    /// The collapsed tree of one cascade.
    Tree(tree::CascadeTree),
    /// The service graph.
    Graph(graph_draw::GraphChart),
    /// A titled message instead of a chart (the input exists but is empty).
    Message {
        /// Chart title.
        title: String,
        /// The message.
        message: String,
    },
    /// The run lacks an input: what is needed.
    Missing(String),
}

impl Prep {
    fn size(&self) -> (u32, u32) {
        match self {
            Prep::HBars(b) => b.size(),
            Prep::Heatmap(_) => (style::SIZE.0, 900),
            Prep::Tree(t) => t.size(),
            Prep::Graph(g) => g.size(),
            Prep::Time(t) if t.panels.len() >= 3 => (style::SIZE.0, 1000),
            _ => style::SIZE,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        match self {
            Prep::Time(c) => panel::draw_time_chart(root, c),
            Prep::HBars(c) => bars::draw_hbars(root, c),
            Prep::Heatmap(h) => heatmap::draw_heatmap(root, h),
            Prep::Tree(t) => tree_draw::draw_tree(root, t),
            Prep::Graph(g) => graph_draw::draw_graph(root, g),
            Prep::Message { title, message } => panel::draw_message(root, title, message),
            Prep::Missing(_) => Ok(()),
        }
    }
}

/// The charts of a run report, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Pods running / pending / unschedulable and nodes Ready.
    Timeline,
    /// Cluster CPU and memory: requested, used, allocatable.
    Utilisation,
    /// Per-zone requested (and used) share of allocatable.
    UtilisationZones,
    /// Nodes above 80 / 90 % requested, under pressure, not Ready.
    Nodes,
    /// p50 / p90 / p99 / max of node usage over time.
    NodeUsageSpread,
    /// Node × time heatmap of memory usage.
    NodePressure,
    /// Evictions and OOM kills per bin by cause.
    Evictions,
    /// One bar per cascade.
    Cascades,
    /// The collapsed tree of the largest cascade.
    CascadeTree,
    /// Ready / desired of the least available workloads over time.
    WorkloadAvailability,
    /// Histogram of node peak usage.
    NodeUsage,
    /// Pods per workload.
    Workloads,
    /// Requested vs used per workload.
    WorkloadUsage,
    /// Scheduling cycles and failures.
    Scheduling,
    /// GPUs requested / allocatable and fragmentation (clusters with GPUs only).
    Gpu,
    /// The service graph at the worst moment (runs with services only).
    ServiceGraph,
    /// Per-service availability and p99 latency over time (runs with services only).
    ServiceSlis,
    /// Queue backlog over time (runs with services only).
    ServiceBacklog,
    /// Desired vs current and ready replicas per HorizontalPodAutoscaler (HPAs only).
    Hpa,
}

impl ChartKind {
    /// Every chart, in report order.
    pub const ALL: [ChartKind; 19] = [
        ChartKind::Timeline,
        ChartKind::Utilisation,
        ChartKind::UtilisationZones,
        ChartKind::Nodes,
        ChartKind::NodeUsageSpread,
        ChartKind::NodePressure,
        ChartKind::Evictions,
        ChartKind::Cascades,
        ChartKind::CascadeTree,
        ChartKind::WorkloadAvailability,
        ChartKind::NodeUsage,
        ChartKind::Workloads,
        ChartKind::WorkloadUsage,
        ChartKind::Scheduling,
        ChartKind::Gpu,
        ChartKind::ServiceGraph,
        ChartKind::ServiceSlis,
        ChartKind::ServiceBacklog,
        ChartKind::Hpa,
    ];

    /// Whether the chart is only for runs with services (not listed as skipped without).
    fn services_only(self) -> bool {
        matches!(
            self,
            ChartKind::ServiceGraph | ChartKind::ServiceSlis | ChartKind::ServiceBacklog
        )
    }

    /// File stem under `charts/`.
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Timeline => "timeline",
            ChartKind::Utilisation => "utilisation",
            ChartKind::UtilisationZones => "utilisation-zones",
            ChartKind::Nodes => "nodes",
            ChartKind::NodeUsageSpread => "node-usage-spread",
            ChartKind::NodePressure => "node-pressure",
            ChartKind::Evictions => "evictions",
            ChartKind::Cascades => "cascades",
            ChartKind::CascadeTree => "cascade-tree",
            ChartKind::WorkloadAvailability => "workload-availability",
            ChartKind::NodeUsage => "node-usage",
            ChartKind::Workloads => "workloads",
            ChartKind::WorkloadUsage => "workload-usage",
            ChartKind::Scheduling => "scheduling",
            ChartKind::Gpu => "gpu",
            ChartKind::ServiceGraph => "service-graph",
            ChartKind::ServiceSlis => "service-slis",
            ChartKind::ServiceBacklog => "service-backlog",
            ChartKind::Hpa => "hpa-replicas",
        }
    }

    /// Heading in the report.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Timeline => "Timeline",
            ChartKind::Utilisation => "Utilisation (cluster)",
            ChartKind::UtilisationZones => "Utilisation by zone",
            ChartKind::Nodes => "Node fill and pressure",
            ChartKind::NodeUsageSpread => "Node usage spread",
            ChartKind::NodePressure => "Node pressure heatmap",
            ChartKind::Evictions => "Evictions, OOM kills and displaced pods",
            ChartKind::Cascades => "Cascades",
            ChartKind::CascadeTree => "Largest cascade",
            ChartKind::WorkloadAvailability => "Workload availability",
            ChartKind::NodeUsage => "Node usage at the peak",
            ChartKind::Workloads => "Pods per workload",
            ChartKind::WorkloadUsage => "Requested vs used per workload",
            ChartKind::Scheduling => "Scheduling",
            ChartKind::Gpu => "GPUs",
            ChartKind::ServiceGraph => "Service graph",
            ChartKind::ServiceSlis => "Service availability and latency",
            ChartKind::ServiceBacklog => "Queue backlog",
            ChartKind::Hpa => "HorizontalPodAutoscalers",
        }
    }

    /// One sentence under the chart.
    pub fn caption(self) -> &'static str {
        match self {
            ChartKind::Timeline => {
                "Running pods and Ready nodes (top); Pending and unschedulable pods (bottom). \
                 Shaded: fault windows."
            }
            ChartKind::Utilisation => {
                "CPU and memory requested by pods, actually used, and allocatable on Ready nodes."
            }
            ChartKind::UtilisationZones => {
                "Requested (solid) and used (dashed) as a share of each zone's allocatable."
            }
            ChartKind::Nodes => {
                "Nodes whose CPU or memory requests exceed 80 % / 90 % of allocatable and nodes \
                 under MemoryPressure; nodes not Ready, Unknown or cordoned. Shaded: fault windows."
            }
            ChartKind::NodeUsageSpread => {
                "How full the nodes are: the median, 90th and 99th percentile and the fullest \
                 node's memory and CPU usage, as a share of its allocatable."
            }
            ChartKind::NodePressure => {
                "Every node over time (node_samples.csv), grouped by zone and pool; colour is \
                 memory usage (memory requested when the usage model is off), red marks \
                 MemoryPressure, dark grey NotReady. Fault windows on the top strip."
            }
            ChartKind::Evictions => {
                "Pods evicted and OOM-killed per time bin, stacked by cause; pods displaced by \
                 node failures."
            }
            ChartKind::Cascades => {
                "One bar per cascade (the chain of events set off by one root cause): events, \
                 depth and time from the root cause to recovery."
            }
            ChartKind::CascadeTree => {
                "The largest cascade as a tree, root on the left: each box groups the effects of \
                 one kind caused by the box before it, with their count and when they happened \
                 (after the root)."
            }
            ChartKind::WorkloadAvailability => {
                "Ready pods as a share of desired over time for the least available workloads \
                 (mean and minimum in the legend). Shaded: fault windows."
            }
            ChartKind::NodeUsage => "How many nodes reached which peak CPU and memory usage.",
            ChartKind::Workloads => {
                "Desired pods and where they ended: running, pending, succeeded, failed or deleted."
            }
            ChartKind::WorkloadUsage => "Resources each workload requested vs what it used.",
            ChartKind::Scheduling => {
                "Scheduling cycles per time bin: all, failed (no node fits) and preempting."
            }
            ChartKind::Gpu => {
                "GPUs requested by pods and allocatable on Ready nodes (top); free GPU on \
                 partly used devices and the FGD fragmentation measure (bottom)."
            }
            ChartKind::ServiceGraph => {
                "Services (boxes, coloured by error rate) and their calls (arrows: attempts/s, \
                 coloured by circuit-breaker state; dashed: through a queue) at the metrics \
                 sample with the highest total error rate (failed / offered over all services)."
            }
            ChartKind::ServiceSlis => {
                "Per service, the share of offered requests that succeed (top) and the p99 \
                 latency of served requests (bottom), at each metrics sample; the least \
                 available services are shown. Shaded: fault windows."
            }
            ChartKind::ServiceBacklog => {
                "Messages waiting in the queues each consuming service drains. Shaded: fault \
                 windows."
            }
            ChartKind::Hpa => {
                "Per HorizontalPodAutoscaler: the replicas it set (desired), the target's pods \
                 (current) and those ready, at each metrics sample."
            }
        }
    }

    /// Prepares the chart from `run`.
    pub fn prepare(self, run: &RunData) -> Result<Prep, ReportError> {
        Ok(match self {
            ChartKind::Timeline => timecharts::timeline(run),
            ChartKind::Utilisation => timecharts::utilisation(run),
            ChartKind::UtilisationZones => timecharts::utilisation_zones(run),
            ChartKind::Nodes => timecharts::nodes(run),
            ChartKind::NodeUsageSpread => timecharts::node_usage_spread(run),
            ChartKind::NodePressure => return heatmap::node_pressure(run),
            ChartKind::Evictions => timecharts::evictions(run),
            ChartKind::Cascades => bars::cascades(run),
            ChartKind::CascadeTree => return tree::cascade_tree(run),
            ChartKind::WorkloadAvailability => return availability::workload_availability(run),
            ChartKind::NodeUsage => bars::node_usage(run),
            ChartKind::Workloads => bars::workloads(run),
            ChartKind::WorkloadUsage => bars::workload_usage(run),
            ChartKind::Scheduling => timecharts::scheduling(run),
            ChartKind::Gpu => gpu::gpu(run),
            ChartKind::ServiceGraph => return services::graph(run),
            ChartKind::ServiceSlis => return services::slis(run),
            ChartKind::ServiceBacklog => return services::backlog(run),
            ChartKind::Hpa => return hpa::hpa_replicas(run),
        })
    }
}

/// A chart written to disk.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartFile {
    /// File stem.
    pub name: String,
    /// Heading.
    pub title: String,
    /// Caption.
    pub caption: String,
    /// PNG path relative to the output directory (`charts/<name>.png`).
    pub png: String,
    /// SVG path relative to the output directory.
    pub svg: String,
}

/// A chart not drawn because the run lacks its inputs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// File stem it would have.
    pub name: String,
    /// Heading.
    pub title: String,
    /// What it needs.
    pub needs: String,
}

/// Draws `prep` as `<dir>/charts/<name>.png` and `.svg`.
fn write(prep: &Prep, name: &str, out: &Path) -> Result<(), ReportError> {
    register_fonts();
    let size = prep.size();
    let dir = out.join(CHARTS_DIR);
    let render = |message: String| ReportError::Render {
        chart: name.to_owned(),
        message,
    };
    let png = dir.join(format!("{name}.png"));
    prep.draw(&BitMapBackend::new(&png, size).into_drawing_area())
        .map_err(render)?;
    let svg = dir.join(format!("{name}.svg"));
    prep.draw(&SVGBackend::new(&svg, size).into_drawing_area())
        .map_err(render)?;
    Ok(())
}

/// One chart to draw: name, title, caption, prepared data.
pub type Job = (String, String, String, Prep);

/// Draws every job into `out/charts/` (in parallel) and returns the files and the skipped.
pub fn draw_all(jobs: Vec<Job>, out: &Path) -> Result<(Vec<ChartFile>, Vec<Skipped>), ReportError> {
    let dir = out.join(CHARTS_DIR);
    std::fs::create_dir_all(&dir).map_err(ReportError::write("create directory", &dir))?;
    let results: Vec<Result<Option<ChartFile>, ReportError>> = jobs
        .par_iter()
        .map(|(name, title, caption, prep)| {
            if let Prep::Missing(_) = prep {
                return Ok(None);
            }
            write(prep, name, out)?;
            Ok(Some(ChartFile {
                name: name.clone(),
                title: title.clone(),
                caption: caption.clone(),
                png: format!("{CHARTS_DIR}/{name}.png"),
                svg: format!("{CHARTS_DIR}/{name}.svg"),
            }))
        })
        .collect();
    let mut files = Vec::new();
    for r in results {
        if let Some(f) = r? {
            files.push(f);
        }
    }
    let skipped = jobs
        .into_iter()
        .filter_map(|(name, title, _, prep)| match prep {
            Prep::Missing(needs) => Some(Skipped { name, title, needs }),
            _ => None,
        })
        .collect();
    Ok((files, skipped))
}

/// Prepares every chart of a run report (in parallel).
pub fn run_jobs(run: &RunData) -> Result<Vec<Job>, ReportError> {
    ChartKind::ALL
        .par_iter()
        // The GPU chart exists only for runs with GPU columns (not listed as skipped).
        .filter(|k| **k != ChartKind::Gpu || run.ts.get(col_gpu::GPU_REQUESTED).is_some())
        // Likewise the service charts, for runs with services.
        .filter(|k| !k.services_only() || run.dir.join(col_gpu::SERVICES_FILE).is_file())
        .map(|k| {
            Ok((
                k.name().to_owned(),
                k.title().to_owned(),
                k.caption().to_owned(),
                k.prepare(run)?,
            ))
        })
        .collect()
}

/// Prepares the overlay charts of a comparison.
pub fn compare_jobs(sides: &Sides) -> Vec<Job> {
    timecharts::overlays(sides)
        .into_iter()
        .chain(services::compare_overlays(sides))
        .map(|(n, t, c, p)| (n.to_owned(), t.to_owned(), c.to_owned(), p))
        .collect()
}
