//! Charts that are not over time: pods per workload, requested vs used per workload, cascades,
//! and the node usage histogram.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;

use super::panel::{
    legend_strip, title_area, Ctx, LegendItem, Panel, Stack, Swatch, TimeChart, YFmt,
};
use super::style::{self, BLUE, FAMILY, GREEN, GREY, ORANGE, PURPLE, SKY, VERMILLION};
use super::Prep;
use crate::report::columns as col;
use crate::report::data::RunData;
use crate::report::format::{self, bytes_unit, TimeAxis};

/// Most categories a bar chart shows (the largest; the rest are counted in a note).
pub const MAX_CATEGORIES: usize = 50;

/// One side-by-side panel of horizontal grouped bars.
#[derive(Debug, Clone)]
pub struct HPanel {
    /// Caption above the panel.
    pub caption: String,
    /// x-axis description with unit.
    pub x_desc: String,
    /// Logarithmic x axis.
    pub log: bool,
    /// Series: colour and one value per category.
    pub series: Vec<(RGBColor, Vec<f64>)>,
}

/// Horizontal grouped bars: categories top to bottom, panels side by side.
#[derive(Debug, Clone)]
pub struct HBars {
    /// Chart title.
    pub title: String,
    /// Category labels, top to bottom.
    pub categories: Vec<String>,
    /// Legend (one entry per series).
    pub legend: Vec<LegendItem>,
    /// Panels.
    pub panels: Vec<HPanel>,
    /// A note under the title (e.g. how many categories were left out).
    pub note: String,
}

impl HBars {
    /// Pixel size: taller with more categories.
    pub fn size(&self) -> (u32, u32) {
        let per = (9 * self
            .panels
            .iter()
            .map(|p| p.series.len())
            .max()
            .unwrap_or(1) as u32
            + 8)
        .clamp(34, 60);
        (
            style::SIZE.0,
            (200 + per * self.categories.len() as u32).clamp(500, 3000),
        )
    }
}

/// Draws an [`HBars`].
pub fn draw_hbars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &HBars,
) -> Result<(), String> {
    let body = title_area(root, &c.title)?;
    let body = legend_strip(&body, &c.note, &c.legend)?;
    let tick = TextStyle::from((FAMILY, style::TICK_PX).into_font());
    let label_w = c
        .categories
        .iter()
        .map(|l| body.estimate_text_size(l, &tick).map(|s| s.0).unwrap_or(0))
        .max()
        .unwrap_or(0)
        .clamp(60, 560)
        + 20;
    let (labels, plots) = body.split_horizontally(label_w);
    let n = c.categories.len().max(1) as f64;
    let mut rows_px: Option<(i32, i32)> = None;
    for (area, p) in plots
        .split_evenly((1, c.panels.len().max(1)))
        .iter()
        .zip(&c.panels)
    {
        let max = p
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max)
            .max(1.0);
        let (cap, rest) = area.split_vertically(30);
        cap.draw(&Text::new(
            p.caption.clone(),
            (10, 4),
            (FAMILY, style::CAPTION_PX, FontStyle::Bold).into_font(),
        ))
        .e()?;
        let mut b = ChartBuilder::on(&rest);
        b.margin_left(5)
            .margin_right(25)
            .x_label_area_size(48)
            .y_label_area_size(5);
        let k = p.series.len().max(1) as f64;
        let xf = |v: &f64| format::count(*v);
        macro_rules! body {
            ($ch:expr, $lo:expr) => {{
                let mut ch = $ch;
                ch.configure_mesh()
                    .x_desc(p.x_desc.as_str())
                    .label_style((FAMILY, style::TICK_PX))
                    .axis_desc_style((FAMILY, style::DESC_PX))
                    .x_label_formatter(&xf)
                    .y_labels(0)
                    .disable_y_mesh()
                    .light_line_style(WHITE)
                    .bold_line_style(BLACK.mix(0.1))
                    .draw()
                    .e()?;
                for (si, (color, values)) in p.series.iter().enumerate() {
                    ch.draw_series(values.iter().enumerate().filter(|(_, v)| **v > 0.0).map(
                        |(ci, v)| {
                            let top = n - ci as f64 - 0.12 - si as f64 * 0.76 / k;
                            Rectangle::new([($lo, top - 0.76 / k * 0.9), (*v, top)], color.filled())
                        },
                    ))
                    .e()?;
                }
                let (_, yr) = ch.plotting_area().get_pixel_range();
                rows_px.get_or_insert((yr.start, yr.end));
            }};
        }
        if p.log {
            body!(
                b.build_cartesian_2d((0.8f64..max * 1.5).log_scale(), 0f64..n)
                    .e()?,
                0.8
            );
        } else {
            body!(b.build_cartesian_2d(0f64..max * 1.08, 0f64..n).e()?, 0.0);
        }
    }
    if let Some((y0, y1)) = rows_px {
        // Category labels, right-aligned next to the first panel, in absolute coordinates.
        let (_, ly) = labels.get_base_pixel();
        let style = tick.clone().pos(Pos::new(HPos::Right, VPos::Center));
        let h = (y1 - y0) as f64;
        for (i, l) in c.categories.iter().enumerate() {
            let y = y0 + (h * (i as f64 + 0.5) / n) as i32 - ly;
            labels
                .draw(&Text::new(
                    l.clone(),
                    (label_w as i32 - 10, y),
                    style.clone(),
                ))
                .e()?;
        }
    }
    root.present().e()
}

fn wl_num(w: &Value, key: &str) -> f64 {
    w.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

/// Pods per workload from `summary.json`: desired, running and pending at the end, succeeded,
/// failed or deleted (log scale: DaemonSets and Jobs dwarf small services).
pub fn workloads(run: &RunData) -> Prep {
    let ws = run.summary_workloads();
    if ws.is_empty() {
        return Prep::Missing("summary.json has no `workloads`".into());
    }
    let mut idx: Vec<usize> = (0..ws.len()).collect();
    let note = if ws.len() > MAX_CATEGORIES {
        idx.sort_by(|&a, &b| wl_num(&ws[b], "created").total_cmp(&wl_num(&ws[a], "created")));
        idx.truncate(MAX_CATEGORIES);
        idx.sort_unstable();
        format!("{} largest of {} workloads", MAX_CATEGORIES, ws.len())
    } else {
        String::new()
    };
    let keys = [
        ("desired", GREY, "desired (Jobs: arrived)"),
        ("runningAtEnd", BLUE, "running at end"),
        ("pendingAtEnd", ORANGE, "pending at end"),
        ("succeeded", GREEN, "succeeded"),
    ];
    let mut series: Vec<(RGBColor, Vec<f64>)> = keys
        .iter()
        .map(|(k, c, _)| (*c, idx.iter().map(|&i| wl_num(&ws[i], k)).collect()))
        .collect();
    series.push((
        VERMILLION,
        idx.iter()
            .map(|&i| wl_num(&ws[i], "failed") + wl_num(&ws[i], "deleted"))
            .collect(),
    ));
    let mut legend: Vec<LegendItem> = keys
        .iter()
        .map(|(_, c, l)| LegendItem::new(*l, Swatch::Box(*c)))
        .collect();
    legend.push(LegendItem::new(
        "failed or deleted",
        Swatch::Box(VERMILLION),
    ));
    let categories = idx
        .iter()
        .map(|&i| {
            let w = &ws[i];
            let name = w.get("name").and_then(Value::as_str).unwrap_or("?");
            let kind = w.get("kind").and_then(Value::as_str).unwrap_or("");
            let tail = if kind == "Job" {
                format!("{} done", format::count(wl_num(w, "succeeded")))
            } else {
                format!(
                    "{}/{} running",
                    format::count(wl_num(w, "runningAtEnd")),
                    format::count(wl_num(w, "desired"))
                )
            };
            format!("{name} ({kind}) {tail}")
        })
        .collect();
    Prep::HBars(HBars {
        title: "Pods per workload".into(),
        categories,
        legend,
        panels: vec![HPanel {
            caption: "Pods at the end of the run".into(),
            x_desc: "pods (log scale)".into(),
            log: true,
            series,
        }],
        note,
    })
}

/// Requested vs used CPU and memory per workload (`workloads.csv`).
pub fn workload_usage(run: &RunData) -> Prep {
    let Some(t) = &run.workloads else {
        return Prep::Missing(format!("needs {}", col::WORKLOADS_FILE));
    };
    let (Some(name), Some(cr)) = (t.col(col::W_NAME), t.col(col::W_CPU_REQUESTED)) else {
        return Prep::Missing(format!(
            "needs {} columns `{}` and `{}`",
            col::WORKLOADS_FILE,
            col::W_NAME,
            col::W_CPU_REQUESTED
        ));
    };
    // A used column left empty (no usage model) counts as absent.
    let filled = |name: &str| {
        t.col(name)
            .filter(|&c| (0..t.len()).any(|r| t.num(r, c).is_some()))
    };
    // Means over the run from the integrated columns (a Job stream whose pods are gone at the
    // end still shows what it held); older results have only the end-of-run figures.
    let dur = run.duration_s;
    let timed = t.col(col::W_CPU_REQUESTED_CORE_S).filter(|_| dur > 0.0);
    let (cr, cu, mr, mu, cpu_k, mem_k) = match timed {
        Some(c) => (
            c,
            filled(col::W_CPU_USED_CORE_S),
            t.col(col::W_MEM_REQUESTED_BYTE_S),
            filled(col::W_MEM_USED_BYTE_S),
            1000.0 / dur,
            1.0 / dur,
        ),
        None => (
            cr,
            filled(col::W_CPU_USED),
            t.col(col::W_MEM_REQUESTED),
            filled(col::W_MEM_USED),
            1.0,
            1.0,
        ),
    };
    let scale = |c: Option<usize>| {
        if c == Some(cr) || c == cu {
            cpu_k
        } else {
            mem_k
        }
    };
    let get = |c: Option<usize>, r: usize| c.and_then(|c| t.num(r, c)).unwrap_or(0.0) * scale(c);
    let mut rows: Vec<usize> = (0..t.len()).collect();
    rows.sort_by(|&a, &b| get(Some(cr), b).total_cmp(&get(Some(cr), a)));
    let note = if rows.len() > MAX_CATEGORIES {
        let n = rows.len();
        rows.truncate(MAX_CATEGORIES);
        let mean = if timed.is_some() {
            ", means over the run"
        } else {
            ""
        };
        format!("{MAX_CATEGORIES} largest of {n} workloads by CPU requested{mean}")
    } else if timed.is_some() {
        "means over the run".to_string()
    } else {
        String::new()
    };
    let max_mem = rows
        .iter()
        .map(|&r| get(mr, r).max(get(mu, r)))
        .fold(0.0, f64::max);
    let (div, unit) = bytes_unit(max_mem);
    let pair = |req: Option<usize>, used: Option<usize>, scale: f64| {
        let mut s = vec![(SKY, rows.iter().map(|&r| get(req, r) / scale).collect())];
        if used.is_some() {
            s.push((BLUE, rows.iter().map(|&r| get(used, r) / scale).collect()));
        }
        s
    };
    let mut panels = vec![HPanel {
        caption: "CPU".into(),
        x_desc: "CPU (cores)".into(),
        log: false,
        series: pair(Some(cr), cu, 1000.0),
    }];
    if mr.is_some() {
        panels.push(HPanel {
            caption: "Memory".into(),
            x_desc: format!("memory ({unit})"),
            log: false,
            series: pair(mr, mu, div),
        });
    }
    let mut legend = vec![LegendItem::new("requested", Swatch::Box(SKY))];
    if cu.is_some() {
        legend.push(LegendItem::new("used", Swatch::Box(BLUE)));
    }
    Prep::HBars(HBars {
        title: "Requested vs used per workload".into(),
        categories: rows.iter().map(|&r| t.text(r, name).to_owned()).collect(),
        legend,
        panels,
        note,
    })
}

/// A chart of bars over an index or a value range, drawn with the time-panel machinery.
fn index_chart(title: &str, x_desc: &str, x_max: f64, panels: Vec<Panel>) -> TimeChart {
    TimeChart {
        title: title.into(),
        axis: TimeAxis::for_span(0.0),
        x_desc: x_desc.into(),
        x_max,
        bands: Vec::new(),
        panels,
    }
}

fn bar_panel(
    caption: &str,
    y_desc: &str,
    fmt: YFmt,
    color: RGBColor,
    label: &str,
    edges: Vec<f64>,
    v: Vec<f64>,
) -> Panel {
    let mut p = Panel::new(caption, y_desc, fmt);
    p.stack = Some(Stack {
        edges,
        series: vec![(label.to_owned(), color, v)],
    });
    p
}

/// Most cascades the cascades chart shows (the largest, in order of start).
pub const MAX_CASCADES: usize = 80;

/// One bar per cascade: size, depth, time to recovery (`cascades.csv`).
pub fn cascades(run: &RunData) -> Prep {
    let Some(t) = &run.cascades else {
        return Prep::Missing(format!("needs {}", col::CASCADES_FILE));
    };
    let (Some(size), Some(depth)) = (t.col(col::C_SIZE), t.col(col::C_DEPTH)) else {
        return Prep::Missing(format!(
            "needs {} columns `{}` and `{}`",
            col::CASCADES_FILE,
            col::C_SIZE,
            col::C_DEPTH
        ));
    };
    if t.is_empty() {
        return Prep::Message {
            title: "Cascades".into(),
            message: "No cascades in this run.".into(),
        };
    }
    let start = t.col(col::C_START);
    let num = |c: Option<usize>, r: usize| c.and_then(|c| t.num(r, c)).unwrap_or(0.0);
    let mut rows: Vec<usize> = (0..t.len()).collect();
    let title = if rows.len() > MAX_CASCADES {
        rows.sort_by(|&a, &b| num(Some(size), b).total_cmp(&num(Some(size), a)));
        rows.truncate(MAX_CASCADES);
        format!("Cascades: the {MAX_CASCADES} largest of {}", t.len())
    } else {
        format!("Cascades ({})", t.len())
    };
    rows.sort_by(|&a, &b| num(start, a).total_cmp(&num(start, b)));
    let n = rows.len();
    let edges: Vec<f64> = (0..=n).map(|i| i as f64 + 0.5).collect();
    let mut panels = vec![
        bar_panel(
            "Size",
            "effects",
            YFmt::Count,
            VERMILLION,
            "effects set off by the root cause",
            edges.clone(),
            rows.iter().map(|&r| num(Some(size), r)).collect(),
        ),
        bar_panel(
            "Depth",
            "levels",
            YFmt::Count,
            PURPLE,
            "longest cause → effect chain",
            edges.clone(),
            rows.iter().map(|&r| num(Some(depth), r)).collect(),
        ),
    ];
    if let Some(rec) = t.col(col::C_RECOVERY) {
        // Damage never repaired is drawn to the end of the run, in its own colour.
        let end = super::timecharts::run_end(run);
        let (mut done, mut open) = (Vec::new(), Vec::new());
        for &r in &rows {
            if t.text(r, rec).trim() == col::C_NOT_RECOVERED {
                done.push(0.0);
                open.push((end - num(start, r)).max(0.0) / 60.0);
            } else {
                done.push(num(Some(rec), r) / 60.0);
                open.push(0.0);
            }
        }
        let mut p = Panel::new("Time to recovery", "minutes", YFmt::Decimal);
        p.stack = Some(Stack {
            edges,
            series: vec![
                ("root cause to recovery".to_owned(), ORANGE, done),
                ("not recovered by the end of the run".to_owned(), GREY, open),
            ],
        });
        panels.push(p);
    }
    Prep::Time(index_chart(
        &title,
        "cascade (in order of root time)",
        n as f64 + 0.5,
        panels,
    ))
}

/// Histogram of each node's peak CPU and memory usage (`nodes.csv`).
pub fn node_usage(run: &RunData) -> Prep {
    let Some(t) = &run.nodes else {
        return Prep::Missing(format!("needs {}", col::NODES_FILE));
    };
    let cols = [
        ("CPU", t.col(col::N_PEAK_CPU), BLUE),
        ("Memory", t.col(col::N_PEAK_MEM), GREEN),
    ];
    if cols.iter().all(|c| c.1.is_none()) {
        return Prep::Missing(format!(
            "needs {} columns `{}` / `{}`",
            col::NODES_FILE,
            col::N_PEAK_CPU,
            col::N_PEAK_MEM
        ));
    }
    // 5 % bins; the last one (100 %) collects everything at or above allocatable.
    let edges: Vec<f64> = (0..=21).map(|i| i as f64 * 5.0).collect();
    let panels = cols
        .iter()
        .filter_map(|(what, c, color)| {
            let c = (*c)?;
            let mut counts = vec![0.0; 21];
            for r in 0..t.len() {
                if let Some(v) = t.num(r, c) {
                    let b = ((v * 100.0 / 5.0).floor().max(0.0) as usize).min(20);
                    counts[b] += 1.0;
                }
            }
            Some(bar_panel(
                &format!("{what}: each node's peak usage"),
                "nodes",
                YFmt::Count,
                *color,
                "nodes (last bar: at or above allocatable)",
                edges.clone(),
                counts,
            ))
        })
        .collect();
    Prep::Time(index_chart(
        "Node usage at the peak",
        "peak usage (% of the node's allocatable)",
        105.0,
        panels,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::data::{Series, TextTable};
    use std::path::PathBuf;

    /// A Job stream gone at the end of the run: the chart shows its means over the run from
    /// the integrated columns, not the zeros of the end-of-run columns.
    #[test]
    fn workload_usage_shows_means_over_the_run() {
        let t = TextTable::from_rows(
            &[
                "workload",
                "kind",
                "cpu_requested_m",
                "cpu_used_m",
                "mem_requested_bytes",
                "mem_used_bytes",
                "cpu_requested_core_s",
                "cpu_used_core_s",
                "mem_requested_byte_s",
                "mem_used_byte_s",
            ],
            &[&[
                "jobs",
                "Job",
                "0",
                "0",
                "0",
                "0",
                "3600.000",
                "2880.000",
                "15461882265600",
                "7730941132800",
            ]],
        );
        let run = RunData {
            dir: PathBuf::new(),
            summary: Value::Null,
            scenario: "s".into(),
            seed: 1,
            duration_s: 7200.0,
            ts: Series::from_columns(vec![("time_s".to_owned(), vec![0.0])]),
            zones: vec![],
            faults: None,
            cascades: None,
            nodes: None,
            workloads: Some(t),
            node_samples: None,
            effects: None,
            workload_availability: None,
            hpa: None,
            slo: None,
        };
        let Prep::HBars(h) = workload_usage(&run) else {
            panic!("bars expected");
        };
        // 3600 core-s over 7200 s: 0.5 cores requested, 0.4 used.
        let cpu = &h.panels[0].series;
        assert_eq!(cpu[0].1, vec![0.5]);
        assert_eq!(cpu[1].1, vec![0.4]);
        // 2Gi × 7200 s over 7200 s: 2Gi requested, 1Gi used.
        let mem = &h.panels[1].series;
        assert!(h.panels[1].x_desc.contains("GiB"), "{}", h.panels[1].x_desc);
        assert_eq!(mem[0].1, vec![2.0]);
        assert_eq!(mem[1].1, vec![1.0]);
        assert_eq!(h.note, "means over the run");
    }
}
