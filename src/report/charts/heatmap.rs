//! Node pressure heatmap: nodes (grouped by zone and pool, binned to fit) × time, colour =
//! memory usage fraction, MemoryPressure and NotReady marked.
//!
//! `node_samples.csv` is streamed once into a per-node × time-bin grid (7,000 nodes × 240 bins
//! is 13 MB), so its size only costs parsing time. A node's last sample holds until its next
//! one, so node samples coarser than a time bin leave no gaps.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::panel::{legend_strip, title_area, Ctx, LegendItem, Swatch};
use super::style::{self, viridis, FAMILY};
use super::timecharts::run_end;
use super::Prep;
use crate::report::columns as col;
use crate::report::data::{CsvStream, RunData};
use crate::report::error::ReportError;
use crate::report::format::{self, TimeAxis};

/// Time bins of the heatmap.
pub const TIME_BINS: usize = 240;
/// Rows of the heatmap at most (nodes are binned to fit).
pub const MAX_ROWS: usize = 160;
/// Colour levels (cells of equal level next to each other are drawn as one rectangle).
const LEVELS: f64 = 32.0;

const NOT_READY: RGBColor = RGBColor(70, 70, 70);
const PRESSURE: RGBColor = RGBColor(230, 0, 0);
const FAULT_MARK: RGBColor = RGBColor(213, 94, 0);

/// A prepared heatmap.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Time axis.
    pub axis: TimeAxis,
    /// End of the time axis in its unit.
    pub x_max: f64,
    /// Number of rows.
    pub rows: usize,
    /// Number of time bins.
    pub cols: usize,
    /// Mean memory usage fraction per cell (row-major, row 0 at the top); NaN: no data.
    pub usage: Vec<f32>,
    /// Fraction of the cell's nodes NotReady.
    pub not_ready: Vec<f32>,
    /// Whether any node of the cell had MemoryPressure.
    pub pressure: Vec<bool>,
    /// Groups: label, first row, end row (exclusive).
    pub groups: Vec<(String, usize, usize)>,
    /// Fault windows, axis units.
    pub bands: Vec<(f64, f64)>,
    /// Nodes in the map.
    pub nodes: usize,
    /// The run has no usage model: the colour is memory requested, not used.
    pub requested: bool,
}

#[derive(Clone, Copy, Default)]
struct Cell {
    sum: f32,
    n: u16,
    /// bit 0: pressure; bit 1: not ready.
    flags: u8,
}

/// Reads `node_samples.csv` (and `nodes.csv` for the grouping) into a [`Heatmap`].
pub fn node_pressure(run: &RunData) -> Result<Prep, ReportError> {
    let Some(path) = &run.node_samples else {
        return Ok(Prep::Missing(format!("needs {}", col::NODE_SAMPLES_FILE)));
    };
    let end = run_end(run);
    if end <= 0.0 {
        return Ok(Prep::Missing("the run has no simulated time".into()));
    }
    // Node order and groups from nodes.csv: (zone, pool), in file order within a group.
    let mut names: HashMap<Box<[u8]>, u32> = HashMap::new();
    let mut group_of: Vec<u32> = Vec::new();
    let mut group_names: Vec<String> = Vec::new();
    let mut group_ix: HashMap<String, u32> = HashMap::new();
    let mut group = |key: String, group_names: &mut Vec<String>| -> u32 {
        *group_ix.entry(key.clone()).or_insert_with(|| {
            group_names.push(key);
            (group_names.len() - 1) as u32
        })
    };
    if let Some(t) = &run.nodes {
        if let Some(nc) = t.col(col::N_NODE) {
            let (zc, pc) = (t.col(col::N_ZONE), t.col(col::N_POOL));
            for r in 0..t.len() {
                let key = [zc, pc]
                    .iter()
                    .flatten()
                    .map(|&c| t.text(r, c))
                    .collect::<Vec<_>>()
                    .join(" / ");
                let key = if key.is_empty() {
                    "all nodes".into()
                } else {
                    key
                };
                let g = group(key, &mut group_names);
                let name: Box<[u8]> = t.text(r, nc).as_bytes().into();
                if let Entry::Vacant(e) = names.entry(name) {
                    e.insert(group_of.len() as u32);
                    group_of.push(g);
                }
            }
        }
    }
    let fallback_group = if names.is_empty() {
        "all nodes"
    } else {
        "other"
    };
    let bins = TIME_BINS;
    let bin_s = end / bins as f64;
    let mut grid: Vec<Vec<Cell>> = vec![vec![Cell::default(); bins]; group_of.len()];
    stream(path, |t, node, usage, pressure, ready| {
        let ix = match names.get(node) {
            Some(&i) => i as usize,
            None => {
                let g = group(fallback_group.to_owned(), &mut group_names);
                names.insert(node.into(), group_of.len() as u32);
                group_of.push(g);
                grid.push(vec![Cell::default(); bins]);
                group_of.len() - 1
            }
        };
        let b = ((t / bin_s) as usize).min(bins - 1);
        let c = &mut grid[ix][b];
        if usage.is_finite() {
            c.sum += usage as f32;
            c.n = c.n.saturating_add(1);
        }
        c.flags |= u8::from(pressure) | (u8::from(!ready) << 1);
    })?;
    if group_of.is_empty() {
        return Ok(Prep::Message {
            title: "Node memory pressure".into(),
            message: format!("{} has no rows.", col::NODE_SAMPLES_FILE),
        });
    }
    // A node's last sample holds until its next one.
    for cells in &mut grid {
        let mut last: Option<Cell> = None;
        for c in cells.iter_mut() {
            if c.n > 0 {
                last = Some(Cell {
                    sum: c.sum / c.n as f32,
                    n: 1,
                    flags: c.flags,
                });
            } else if let Some(l) = last {
                *c = l;
            }
        }
    }
    // Rows: nodes sorted by group, each group binned into rows proportional to its size.
    let mut order: Vec<usize> = (0..group_of.len()).collect();
    let mut sorted_groups: Vec<u32> = (0..group_names.len() as u32).collect();
    sorted_groups.sort_by(|a, b| group_names[*a as usize].cmp(&group_names[*b as usize]));
    let rank: HashMap<u32, usize> = sorted_groups
        .iter()
        .enumerate()
        .map(|(r, g)| (*g, r))
        .collect();
    order.sort_by_key(|&n| (rank[&group_of[n]], n));
    let total = order.len();
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut groups = Vec::new();
    let mut i = 0;
    while i < total {
        let g = group_of[order[i]];
        let j = i + order[i..].iter().take_while(|&&n| group_of[n] == g).count();
        let members = &order[i..j];
        let r = if total <= MAX_ROWS {
            members.len()
        } else {
            ((MAX_ROWS as f64 * members.len() as f64 / total as f64).round() as usize).max(1)
        };
        let first = rows.len();
        for k in 0..r {
            let (a, b) = (k * members.len() / r, (k + 1) * members.len() / r);
            rows.push(members[a..b].to_vec());
        }
        groups.push((
            format!(
                "{} ({})",
                group_names[g as usize],
                format::count(members.len() as f64)
            ),
            first,
            rows.len(),
        ));
        i = j;
    }
    let n_rows = rows.len();
    let mut usage = vec![f32::NAN; n_rows * bins];
    let mut not_ready = vec![0f32; n_rows * bins];
    let mut pressure = vec![false; n_rows * bins];
    for (r, members) in rows.iter().enumerate() {
        for b in 0..bins {
            let (mut sum, mut n, mut nr, mut seen) = (0f32, 0u32, 0u32, 0u32);
            for &m in members {
                let c = grid[m][b];
                if c.n == 0 && c.flags == 0 {
                    continue;
                }
                seen += 1;
                if c.flags & 2 != 0 {
                    nr += 1;
                } else if c.n > 0 {
                    sum += c.sum / c.n as f32;
                    n += 1;
                }
                if c.flags & 1 != 0 {
                    pressure[r * bins + b] = true;
                }
            }
            if n > 0 {
                usage[r * bins + b] = sum / n as f32;
            }
            if seen > 0 {
                not_ready[r * bins + b] = nr as f32 / seen as f32;
            }
        }
    }
    let axis = TimeAxis::for_span(end);
    Ok(Prep::Heatmap(Heatmap {
        axis,
        x_max: end / axis.div,
        rows: n_rows,
        cols: bins,
        usage,
        not_ready,
        pressure,
        groups,
        bands: run
            .fault_windows()
            .into_iter()
            .map(|(a, b)| (a / axis.div, b / axis.div))
            .collect(),
        nodes: total,
        requested: run.ts.get(col::MEM_USED).is_none(),
    }))
}

/// Calls `f(time_s, node, mem_usage_fraction, pressure, ready)` for every row.
fn stream(path: &Path, mut f: impl FnMut(f64, &[u8], f64, bool, bool)) -> Result<(), ReportError> {
    let names = [
        col::TIME,
        col::N_NODE,
        col::NS_MEM,
        col::NS_PRESSURE,
        col::NS_READY,
    ];
    let mut s = CsvStream::open(path, &names, &names[..3])?;
    while s.next()? {
        let t = s.num(0, col::TIME)?;
        let u = s.num(2, col::NS_MEM)?;
        // An absent or empty flag column means "no pressure" / "ready".
        let flag = |i: usize, default: bool| -> Result<bool, ReportError> {
            match s.num(i, names[i])? {
                v if v.is_nan() => Ok(default),
                v => Ok(v != 0.0),
            }
        };
        let (p, r) = (flag(3, false)?, flag(4, true)?);
        f(t, s.field(1), u, p, r);
    }
    Ok(())
}

/// Draws a [`Heatmap`].
pub fn draw_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    h: &Heatmap,
) -> Result<(), String> {
    let body = title_area(
        root,
        if h.requested {
            "Node memory requested (no usage model)"
        } else {
            "Node memory usage and pressure"
        },
    )?;
    let per_row = h.nodes as f64 / h.rows.max(1) as f64;
    let caption = if per_row > 1.0 {
        format!(
            "{} nodes, ~{per_row:.0} per row",
            format::count(h.nodes as f64)
        )
    } else {
        format!("{} nodes", format::count(h.nodes as f64))
    };
    let mut items = vec![
        LegendItem::new(
            "MemoryPressure (any node of the cell)",
            Swatch::Box(PRESSURE),
        ),
        LegendItem::new("NotReady (most nodes of the cell)", Swatch::Box(NOT_READY)),
    ];
    if !h.bands.is_empty() {
        items.push(LegendItem::new(
            "fault window (top strip)",
            Swatch::Box(FAULT_MARK),
        ));
    }
    let body = legend_strip(&body, &caption, &items)?;
    let (w, _) = body.dim_in_pixel();
    let (main, bar) = body.split_horizontally(w.saturating_sub(170));
    let tick = TextStyle::from((FAMILY, style::TICK_PX).into_font());
    let label_w = h
        .groups
        .iter()
        .map(|g| {
            main.estimate_text_size(&g.0, &tick)
                .map(|s| s.0)
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
        .clamp(40, 320)
        + 24;
    let rows = h.rows as f64;
    let strip = if h.bands.is_empty() {
        0.0
    } else {
        (rows * 0.04).max(1.0)
    };
    let mut ch = ChartBuilder::on(&main)
        .margin_left(10)
        .margin_right(10)
        .x_label_area_size(48)
        .y_label_area_size(label_w)
        .build_cartesian_2d(0f64..h.x_max, 0f64..rows + strip)
        .e()?;
    let xf = |v: &f64| {
        if (v - v.round()).abs() < 1e-6 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    ch.configure_mesh()
        .disable_mesh()
        .x_desc(h.axis.label())
        .label_style((FAMILY, style::TICK_PX))
        .axis_desc_style((FAMILY, style::DESC_PX))
        .x_label_formatter(&xf)
        .x_labels(14)
        .y_labels(0)
        .draw()
        .e()?;
    let dx = h.x_max / h.cols as f64;
    let y_of = |r: usize| rows - r as f64; // row 0 at the top
    let mut rects = Vec::new();
    let mut marks = Vec::new();
    for r in 0..h.rows {
        // Runs of equal colour in a row become one rectangle.
        let mut run: Option<(usize, RGBColor)> = None;
        let color_at = |b: usize| {
            let i = r * h.cols + b;
            if h.not_ready[i] > 0.5 {
                Some(NOT_READY)
            } else if h.usage[i].is_nan() {
                None
            } else {
                Some(viridis((h.usage[i] as f64 * LEVELS).round() / LEVELS))
            }
        };
        for b in 0..=h.cols {
            let c = if b < h.cols { color_at(b) } else { None };
            match (run, c) {
                (Some((_, rc)), Some(c)) if rc == c => {}
                _ => {
                    if let Some((start, rc)) = run {
                        rects.push(Rectangle::new(
                            [(start as f64 * dx, y_of(r + 1)), (b as f64 * dx, y_of(r))],
                            rc.filled(),
                        ));
                    }
                    run = c.map(|c| (b, c));
                }
            }
        }
        let mut start: Option<usize> = None;
        for b in 0..=h.cols {
            let p = b < h.cols && h.pressure[r * h.cols + b];
            match (start, p) {
                (None, true) => start = Some(b),
                (Some(s), false) => {
                    let (y0, y1) = (y_of(r + 1), y_of(r));
                    let q = (y1 - y0) * 0.3;
                    marks.push(Rectangle::new(
                        [(s as f64 * dx, y0 + q), (b as f64 * dx, y1 - q)],
                        PRESSURE.filled(),
                    ));
                    start = None;
                }
                _ => {}
            }
        }
    }
    ch.draw_series(rects).e()?;
    ch.draw_series(marks).e()?;
    if strip > 0.0 {
        ch.draw_series(h.bands.iter().map(|&(a, b)| {
            Rectangle::new(
                [
                    (a, rows + strip * 0.15),
                    (b.max(a + dx * 0.5), rows + strip),
                ],
                FAULT_MARK.filled(),
            )
        }))
        .e()?;
    }
    // Group separators and labels.
    ch.draw_series(h.groups.iter().skip(1).map(|g| {
        PathElement::new(
            vec![(0.0, y_of(g.1)), (h.x_max, y_of(g.1))],
            WHITE.stroke_width(2),
        )
    }))
    .e()?;
    let label_style = tick.clone().pos(Pos::new(HPos::Right, VPos::Center));
    // Labels of groups too thin to hold one are left out rather than drawn over each other.
    let mut last_y: Option<i32> = None;
    for g in &h.groups {
        let mid = (y_of(g.1) + y_of(g.2)) / 2.0;
        let (px, py) = ch.backend_coord(&(0.0, mid));
        if last_y.is_some_and(|l| py - l < style::TICK_PX as i32) {
            continue;
        }
        last_y = Some(py);
        let (bx, by) = main.get_base_pixel();
        main.draw(&Text::new(
            g.0.clone(),
            (px - bx - 8, py - by),
            label_style.clone(),
        ))
        .e()?;
    }
    // Colour bar.
    let (bw, bh) = bar.dim_in_pixel();
    let (top, bottom) = (60i32, bh as i32 - 80);
    let x0 = 20i32;
    let steps = 60;
    for s in 0..steps {
        let v0 = s as f64 / steps as f64;
        let y1 = bottom - ((bottom - top) as f64 * v0) as i32;
        let y0 = bottom - ((bottom - top) as f64 * (s + 1) as f64 / steps as f64) as i32;
        bar.draw(&Rectangle::new(
            [(x0, y0), (x0 + 26, y1)],
            viridis(v0 + 0.5 / steps as f64).filled(),
        ))
        .e()?;
    }
    let tick_style = tick.clone().pos(Pos::new(HPos::Left, VPos::Center));
    for p in [0, 25, 50, 75, 100] {
        let y = bottom - ((bottom - top) as f64 * p as f64 / 100.0) as i32;
        bar.draw(&PathElement::new(vec![(x0 + 26, y), (x0 + 32, y)], BLACK))
            .e()?;
        bar.draw(&Text::new(
            format!("{p} %"),
            (x0 + 36, y),
            tick_style.clone(),
        ))
        .e()?;
    }
    let small = (FAMILY, style::LEGEND_PX).into_font();
    let what = if h.requested {
        "requested,"
    } else {
        "memory used,"
    };
    bar.draw(&Text::new(what, (4, top - 46), small.clone()))
        .e()?;
    bar.draw(&Text::new("% of allocatable", (4, top - 26), small))
        .e()?;
    let _ = bw;
    root.present().e()
}
