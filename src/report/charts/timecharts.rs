//! The charts over simulated time: timeline, utilisation (cluster and per zone), node fill,
//! scheduling, evictions; and the baseline-vs-variant overlays of `compare`.

use super::panel::{Dash, Line, Panel, Stack, TimeChart, YFmt};
use super::reduce::{bin_sums, decimate, BAR_BINS, LINE_BINS};
use super::style::{self, palette, BLUE, GREEN, GREY, INK, ORANGE, PURPLE, VERMILLION};
use super::Prep;
use crate::report::columns as col;
use crate::report::data::RunData;
use crate::report::format::{self, bytes_unit, TimeAxis};

/// The simulated span of a run, seconds.
pub fn run_end(run: &RunData) -> f64 {
    run.duration_s
        .max(run.ts.time().last().copied().unwrap_or(0.0))
}

/// An empty chart over `run`'s time span, with its fault windows.
pub(super) fn chart(title: &str, runs: &[&RunData]) -> TimeChart {
    let end = runs.iter().map(|r| run_end(r)).fold(0.0, f64::max);
    let axis = TimeAxis::for_span(end);
    let mut bands: Vec<(f64, f64)> = runs
        .iter()
        .flat_map(|r| r.fault_windows())
        .map(|(a, b)| (a / axis.div, b / axis.div))
        .collect();
    bands.sort_by(|a, b| a.0.total_cmp(&b.0));
    TimeChart {
        title: title.to_owned(),
        axis,
        x_desc: axis.label(),
        x_max: end / axis.div,
        bands,
        panels: Vec::new(),
    }
}

/// A level column, decimated.
fn level(run: &RunData, axis: TimeAxis, name: &str) -> Option<Vec<(f64, f64)>> {
    run.ts
        .get(name)
        .map(|y| decimate(run.ts.time(), y, axis.div, LINE_BINS))
}

/// `a / b * 100` per sample (NaN where `b` is 0), decimated.
fn ratio(run: &RunData, axis: TimeAxis, a: &str, b: &str) -> Option<Vec<(f64, f64)>> {
    let (a, b) = (run.ts.get(a)?, run.ts.get(b)?);
    let r: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(a, b)| if *b > 0.0 { a / b * 100.0 } else { f64::NAN })
        .collect();
    Some(decimate(run.ts.time(), &r, axis.div, LINE_BINS))
}

/// A level column scaled by `1 / div`.
fn scaled(run: &RunData, axis: TimeAxis, name: &str, div: f64) -> Option<Vec<(f64, f64)>> {
    level(run, axis, name).map(|v| v.into_iter().map(|(x, y)| (x, y / div)).collect())
}

fn missing(names: &[&str]) -> Prep {
    Prep::Missing(format!(
        "needs timeseries.csv column(s) {}",
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn require(run: &RunData, names: &[&str]) -> Option<Prep> {
    let absent: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| run.ts.get(n).is_none())
        .collect();
    if !absent.is_empty() {
        return Some(missing(&absent));
    }
    if run.ts.is_empty() {
        return Some(Prep::Missing("timeseries.csv has no samples".into()));
    }
    None
}

/// Pods ready / pending / unschedulable and nodes Ready.
///
/// The top panel plots ready pods (Running, not terminating, on an up node: the availability
/// notion), so a zone outage shows as a dip: pods on dead nodes and terminating pods still
/// have phase Running.
pub fn timeline(run: &RunData) -> Prep {
    let running = col::PODS_READY;
    if let Some(m) = require(run, &[running, col::PODS_PENDING]) {
        return m;
    }
    let mut c = chart("Pods and nodes over time", &[run]);
    let ax = c.axis;
    let (caption, label) = (
        "Ready pods",
        "ready pods (Running on an up node, not terminating)",
    );
    let mut top = Panel::new(caption, "pods", YFmt::Count);
    top.line(label, BLUE, Dash::Solid, level(run, ax, running).unwrap());
    if let Some(pts) = level(run, ax, col::NODES_READY) {
        top.y2_desc = Some("nodes".into());
        top.lines.push(Line {
            label: "Ready nodes".into(),
            color: GREEN,
            dash: Dash::Solid,
            pts,
            right: true,
        });
    }
    let mut bottom = Panel::new("Pending pods", "pods", YFmt::Count);
    bottom.line(
        "pending pods",
        ORANGE,
        Dash::Solid,
        level(run, ax, col::PODS_PENDING).unwrap(),
    );
    if let Some(pts) = level(run, ax, col::PODS_UNSCHEDULABLE) {
        bottom.line(
            "unschedulable pods (failed a scheduling cycle)",
            VERMILLION,
            Dash::Solid,
            pts,
        );
    }
    c.panels = vec![top, bottom];
    Prep::Time(c)
}

/// Both columns exist and differ at some sample (e.g. requests on all nodes vs on Ready ones
/// during an outage).
fn differs(run: &RunData, a: &str, b: &str) -> bool {
    match (run.ts.get(a), run.ts.get(b)) {
        (Some(a), Some(b)) => a.iter().zip(b).any(|(x, y)| x != y),
        _ => false,
    }
}

/// Cluster CPU and memory: requested (by pods on any node, and on Ready nodes where that
/// differs), used, allocatable of Ready nodes.
pub fn utilisation(run: &RunData) -> Prep {
    let need = [
        col::CPU_REQUESTED,
        col::CPU_ALLOCATABLE,
        col::MEM_REQUESTED,
        col::MEM_ALLOCATABLE,
    ];
    if let Some(m) = require(run, &need) {
        return m;
    }
    let mut c = chart("Cluster CPU and memory", &[run]);
    let ax = c.axis;
    let requested = |a, b| {
        if differs(run, a, b) {
            "requested (all nodes, Ready or not)"
        } else {
            "requested"
        }
    };
    let mut cpu = Panel::new("CPU", "CPU (cores)", YFmt::Decimal);
    cpu.line(
        requested(col::CPU_REQUESTED, col::CPU_REQUESTED_READY),
        BLUE,
        Dash::Solid,
        scaled(run, ax, col::CPU_REQUESTED, 1000.0).unwrap(),
    );
    if differs(run, col::CPU_REQUESTED, col::CPU_REQUESTED_READY) {
        cpu.line(
            "requested on Ready nodes",
            GREEN,
            Dash::Solid,
            scaled(run, ax, col::CPU_REQUESTED_READY, 1000.0).unwrap(),
        );
    }
    if let Some(p) = scaled(run, ax, col::CPU_USED, 1000.0) {
        cpu.line("used", ORANGE, Dash::Solid, p);
    }
    cpu.line(
        "allocatable (Ready nodes)",
        INK,
        Dash::Dashed,
        scaled(run, ax, col::CPU_ALLOCATABLE, 1000.0).unwrap(),
    );
    let max_mem = run
        .ts
        .get(col::MEM_ALLOCATABLE)
        .unwrap()
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (div, unit) = bytes_unit(max_mem);
    let mut mem = Panel::new("Memory", format!("memory ({unit})"), YFmt::Decimal);
    mem.line(
        requested(col::MEM_REQUESTED, col::MEM_REQUESTED_READY),
        BLUE,
        Dash::Solid,
        scaled(run, ax, col::MEM_REQUESTED, div).unwrap(),
    );
    if differs(run, col::MEM_REQUESTED, col::MEM_REQUESTED_READY) {
        mem.line(
            "requested on Ready nodes",
            GREEN,
            Dash::Solid,
            scaled(run, ax, col::MEM_REQUESTED_READY, div).unwrap(),
        );
    }
    if let Some(p) = scaled(run, ax, col::MEM_USED, div) {
        mem.line("used", ORANGE, Dash::Solid, p);
    }
    mem.line(
        "allocatable (Ready nodes)",
        INK,
        Dash::Dashed,
        scaled(run, ax, col::MEM_ALLOCATABLE, div).unwrap(),
    );
    c.panels = vec![cpu, mem];
    Prep::Time(c)
}

/// Requested (and used) per zone as a share of the zone's allocatable.
pub fn utilisation_zones(run: &RunData) -> Prep {
    if run.zones.is_empty() {
        return Prep::Missing(format!(
            "needs per-zone columns `{}`",
            col::zone_column(col::CPU_REQUESTED, "<zone>")
        ));
    }
    if let Some(m) = require(run, &[]) {
        return m;
    }
    let mut c = chart("CPU and memory by zone", &[run]);
    let ax = c.axis;
    let mut panels = Vec::new();
    for (what, req, used, alloc) in [
        (
            "CPU",
            col::CPU_REQUESTED,
            col::CPU_USED,
            col::CPU_ALLOCATABLE,
        ),
        (
            "Memory",
            col::MEM_REQUESTED,
            col::MEM_USED,
            col::MEM_ALLOCATABLE,
        ),
    ] {
        let mut p = Panel::new(
            format!("{what} by zone"),
            "% of the zone's allocatable",
            YFmt::Percent,
        );
        for (i, z) in run.zones.iter().enumerate() {
            let a = col::zone_column(alloc, z);
            if let Some(pts) = ratio(run, ax, &col::zone_column(req, z), &a) {
                p.line(format!("zone {z} requested"), palette(i), Dash::Solid, pts);
            }
            if let Some(pts) = ratio(run, ax, &col::zone_column(used, z), &a) {
                p.line(format!("zone {z} used"), palette(i), Dash::Dashed, pts);
            }
        }
        panels.push(p);
    }
    c.panels = panels;
    Prep::Time(c)
}

/// Nodes above 80 / 90 % requested, under memory pressure, not Ready.
pub fn nodes(run: &RunData) -> Prep {
    if let Some(m) = require(run, &[col::NODES_OVER_80, col::NODES_OVER_90]) {
        return m;
    }
    let mut c = chart("Node fill and pressure", &[run]);
    let ax = c.axis;
    let mut p = Panel::new("Nodes", "nodes", YFmt::Count);
    p.line(
        "above 80 % requested (CPU or memory)",
        ORANGE,
        Dash::Solid,
        level(run, ax, col::NODES_OVER_80).unwrap(),
    );
    p.line(
        "above 90 % requested",
        VERMILLION,
        Dash::Solid,
        level(run, ax, col::NODES_OVER_90).unwrap(),
    );
    if let Some(pts) = level(run, ax, col::NODES_MEMORY_PRESSURE) {
        p.line("under MemoryPressure", PURPLE, Dash::Solid, pts);
    }
    let conditions = [
        (col::NODES_NOT_READY, "Ready=False", VERMILLION, Dash::Solid),
        (
            col::NODES_UNKNOWN,
            "Ready=Unknown (stopped reporting)",
            INK,
            Dash::Solid,
        ),
        (col::NODES_CORDONED, "cordoned", BLUE, Dash::Dashed),
    ];
    let mut cond = Panel::new("Node conditions", "nodes", YFmt::Count);
    for (name, label, color, dash) in conditions {
        if let Some(pts) = level(run, ax, name) {
            cond.line(label, color, dash, pts);
        }
    }
    c.panels = if cond.lines.is_empty() {
        vec![p]
    } else {
        vec![p, cond]
    };
    Prep::Time(c)
}

/// Spread of node usage over time: p50 / p90 / p99 / max of memory and CPU usage.
pub fn node_usage_spread(run: &RunData) -> Prep {
    let have: Vec<(&str, &str)> = col::NODE_USAGE_SPREAD
        .into_iter()
        .filter(|(prefix, _)| {
            col::SPREAD_QUANTILES
                .iter()
                .any(|q| run.ts.get(&format!("{prefix}{q}")).is_some())
        })
        .collect();
    if have.is_empty() {
        return missing(&[
            "node_mem_usage_p50",
            "node_mem_usage_max",
            "node_cpu_usage_…",
        ]);
    }
    if let Some(m) = require(run, &[]) {
        return m;
    }
    let mut c = chart("Node usage spread", &[run]);
    let ax = c.axis;
    let colors = [GREEN, BLUE, ORANGE, VERMILLION];
    for (prefix, what) in have {
        let mut p = Panel::new(
            format!("{what} used by nodes"),
            "% of the node's allocatable",
            YFmt::Percent,
        );
        for (q, color) in col::SPREAD_QUANTILES.iter().zip(colors) {
            if let Some(pts) = scaled(run, ax, &format!("{prefix}{q}"), 0.01) {
                let label = if *q == "max" {
                    "fullest node".to_owned()
                } else {
                    format!("{q} of nodes")
                };
                p.line(label, color, Dash::Solid, pts);
            }
        }
        c.panels.push(p);
    }
    Prep::Time(c)
}

/// Per-bin sums of per-interval columns, as lines at the bin centres.
fn bin_lines(run: &RunData, ax: TimeAxis, names: &[&str]) -> (Vec<Vec<(f64, f64)>>, String) {
    let cols: Vec<&[f64]> = names.iter().map(|n| run.ts.get(n).unwrap()).collect();
    let b = bin_sums(run.ts.time(), &cols, LINE_BINS / 2);
    let lines = b
        .sums
        .iter()
        .map(|s| {
            s.iter()
                .enumerate()
                .map(|(i, v)| ((b.edges_s[i] + b.edges_s[i + 1]) / 2.0 / ax.div, *v))
                .collect()
        })
        .collect();
    (lines, format::duration(b.width_s))
}

/// Scheduling cycles, failures and preemptions per bin.
pub fn scheduling(run: &RunData) -> Prep {
    if let Some(m) = require(run, &[col::SCHED_ATTEMPTS, col::SCHED_FAILURES]) {
        return m;
    }
    let mut c = chart("Scheduling", &[run]);
    let ax = c.axis;
    let (l, per) = bin_lines(run, ax, &[col::SCHED_ATTEMPTS, col::SCHED_FAILURES]);
    let mut top = Panel::new(
        "Scheduling cycles",
        format!("cycles per {per}"),
        YFmt::Count,
    );
    let mut l = l.into_iter();
    top.line("all cycles", BLUE, Dash::Solid, l.next().unwrap());
    top.line(
        "failed (no node fits)",
        VERMILLION,
        Dash::Solid,
        l.next().unwrap(),
    );
    c.panels.push(top);
    if run.ts.get(col::PREEMPTIONS).is_some() {
        let (l, per) = bin_lines(run, ax, &[col::PREEMPTIONS]);
        let mut p = Panel::new("Preemptions", format!("preemptions per {per}"), YFmt::Count);
        p.line(
            "cycles that preempted",
            PURPLE,
            Dash::Solid,
            l.into_iter().next().unwrap(),
        );
        c.panels.push(p);
    }
    Prep::Time(c)
}

/// Columns making up the evictions chart: evictions, and OOM kills by cause when the run has
/// the cause columns (the usage model writes them with the totals).
fn eviction_series(run: &RunData) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if run.ts.get(col::EVICTIONS).is_some() {
        out.push((col::EVICTIONS.to_owned(), "evictions".to_owned()));
    }
    let causes: Vec<(String, String)> = col::OOM_KILLS_CAUSES
        .into_iter()
        .filter(|(name, _)| run.ts.get(name).is_some())
        .map(|(name, label)| (name.to_owned(), format!("OOM kill: {label}")))
        .collect();
    if !causes.is_empty() {
        out.extend(causes);
    } else if run.ts.get(col::OOM_KILLS).is_some() {
        out.push((col::OOM_KILLS.to_owned(), "OOM kills".to_owned()));
    }
    out
}

/// Evictions and OOM kills per bin, stacked by cause.
pub fn evictions(run: &RunData) -> Prep {
    let series = eviction_series(run);
    let displaced = run.ts.get(col::PODS_DISPLACED).is_some();
    if series.is_empty() && !displaced {
        return missing(&[col::EVICTIONS, col::OOM_KILLS, col::PODS_DISPLACED]);
    }
    if let Some(m) = require(run, &[]) {
        return m;
    }
    let title = if displaced && series.is_empty() {
        "Displaced pods"
    } else if displaced {
        "Evictions, OOM kills and displaced pods"
    } else {
        "Evictions and OOM kills"
    };
    let mut c = chart(title, &[run]);
    let ax = c.axis;
    if !series.is_empty() {
        c.panels.push(eviction_panel(run, ax, &series));
    }
    if displaced {
        let y = run.ts.get(col::PODS_DISPLACED).unwrap();
        let b = bin_sums(run.ts.time(), &[y], BAR_BINS);
        let mut p = Panel::new(
            "Pods displaced (their node failed or was drained)",
            format!("pods per {}", format::duration(b.width_s)),
            YFmt::Count,
        );
        p.stack = Some(Stack {
            edges: b.edges_s.iter().map(|e| e / ax.div).collect(),
            series: vec![(
                "pods that lost their node".to_owned(),
                PURPLE,
                b.sums.into_iter().next().unwrap(),
            )],
        });
        c.panels.push(p);
    }
    Prep::Time(c)
}

/// The stacked evictions / OOM kills panel of `series`.
fn eviction_panel(run: &RunData, ax: TimeAxis, series: &[(String, String)]) -> Panel {
    let cols: Vec<&[f64]> = series.iter().map(|(n, _)| run.ts.get(n).unwrap()).collect();
    let b = bin_sums(run.ts.time(), &cols, BAR_BINS);
    // Evictions in warm colours, OOM kills in cool ones.
    let warm = [VERMILLION, ORANGE, PURPLE, style::YELLOW, GREY];
    let cool = [BLUE, style::SKY, GREEN, INK];
    let (mut wi, mut ci) = (0, 0);
    let stack = Stack {
        edges: b.edges_s.iter().map(|e| e / ax.div).collect(),
        series: series
            .iter()
            .zip(b.sums)
            .map(|((_, label), v)| {
                let c = if label.starts_with("OOM") {
                    ci += 1;
                    cool[(ci - 1) % cool.len()]
                } else {
                    wi += 1;
                    warm[(wi - 1) % warm.len()]
                };
                (label.clone(), c, v)
            })
            .collect(),
    };
    let mut p = Panel::new(
        "Evictions and OOM kills",
        format!("pods per {}", format::duration(b.width_s)),
        YFmt::Count,
    );
    p.stack = Some(stack);
    p
}

/// Labels of the two sides of a comparison.
pub struct Sides<'a> {
    /// Baseline run and its label.
    pub base: (&'a RunData, &'a str),
    /// Variant run and its label.
    pub var: (&'a RunData, &'a str),
}

/// Extracts one series of a run for an overlay.
type Getter<'a> = &'a dyn Fn(&RunData, TimeAxis) -> Option<Vec<(f64, f64)>>;

fn overlay_panel(
    s: &Sides,
    ax: TimeAxis,
    caption: &str,
    y_desc: &str,
    fmt: YFmt,
    get: Getter,
) -> Option<Panel> {
    let (b, v) = (get(s.base.0, ax)?, get(s.var.0, ax)?);
    let mut p = Panel::new(caption, y_desc, fmt);
    p.line(format!("baseline: {}", s.base.1), BLUE, Dash::Solid, b);
    p.line(format!("variant: {}", s.var.1), VERMILLION, Dash::Dashed, v);
    Some(p)
}

/// Baseline and variant on one timeline: one chart per available topic.
pub fn overlays(s: &Sides) -> Vec<(&'static str, &'static str, &'static str, Prep)> {
    let runs = [s.base.0, s.var.0];
    let mut out = Vec::new();
    let mut add = |name, title: &'static str, caption, panels: Vec<Option<Panel>>| {
        let panels: Vec<Panel> = panels.into_iter().flatten().collect();
        let prep = if panels.is_empty() {
            Prep::Missing("neither run has the columns".into())
        } else {
            let mut c = chart(title, &runs);
            c.panels = panels;
            Prep::Time(c)
        };
        out.push((name, title, caption, prep));
    };
    let ax = chart("", &runs).axis;
    add(
        "compare-timeline",
        "Pods over time: baseline vs variant",
        "Running and pending pods of both runs on one timeline.",
        vec![
            overlay_panel(s, ax, "Running pods", "pods", YFmt::Count, &|r, ax| {
                level(r, ax, col::PODS_RUNNING)
            }),
            overlay_panel(s, ax, "Pending pods", "pods", YFmt::Count, &|r, ax| {
                level(r, ax, col::PODS_PENDING)
            }),
        ],
    );
    add(
        "compare-utilisation",
        "Requested share of allocatable: baseline vs variant",
        "Cluster CPU and memory requested as a percentage of allocatable (Ready nodes).",
        vec![
            overlay_panel(
                s,
                ax,
                "CPU requested",
                "% of allocatable",
                YFmt::Percent,
                &|r, ax| ratio(r, ax, col::CPU_REQUESTED, col::CPU_ALLOCATABLE),
            ),
            overlay_panel(
                s,
                ax,
                "Memory requested",
                "% of allocatable",
                YFmt::Percent,
                &|r, ax| ratio(r, ax, col::MEM_REQUESTED, col::MEM_ALLOCATABLE),
            ),
        ],
    );
    add(
        "compare-nodes",
        "Node fill and pressure: baseline vs variant",
        "Nodes above 90 % requested, and under memory pressure where recorded.",
        vec![
            overlay_panel(
                s,
                ax,
                "Nodes above 90 % requested",
                "nodes",
                YFmt::Count,
                &|r, ax| level(r, ax, col::NODES_OVER_90),
            ),
            overlay_panel(
                s,
                ax,
                "Nodes under MemoryPressure",
                "nodes",
                YFmt::Count,
                &|r, ax| level(r, ax, col::NODES_MEMORY_PRESSURE),
            ),
        ],
    );
    let per_bin = |name: &'static str| {
        move |r: &RunData, ax: TimeAxis| {
            let y = r.ts.get(name)?;
            let b = bin_sums(r.ts.time(), &[y], LINE_BINS / 2);
            Some(
                b.sums[0]
                    .iter()
                    .enumerate()
                    .map(|(i, v)| ((b.edges_s[i] + b.edges_s[i + 1]) / 2.0 / ax.div, *v))
                    .collect(),
            )
        }
    };
    add(
        "compare-disruption",
        "Scheduling failures and evictions: baseline vs variant",
        "Failed scheduling cycles, evictions and OOM kills per bin, where recorded.",
        vec![
            overlay_panel(
                s,
                ax,
                "Failed scheduling cycles",
                "cycles per bin",
                YFmt::Count,
                &per_bin(col::SCHED_FAILURES),
            ),
            overlay_panel(
                s,
                ax,
                "Evictions",
                "pods per bin",
                YFmt::Count,
                &per_bin(col::EVICTIONS),
            ),
            overlay_panel(
                s,
                ax,
                "OOM kills",
                "pods per bin",
                YFmt::Count,
                &per_bin(col::OOM_KILLS),
            ),
        ],
    );
    out
}
