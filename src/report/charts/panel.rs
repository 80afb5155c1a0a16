//! The building blocks every chart uses: a legend strip above each panel (never on top of the
//! data), and stacked time panels with lines, stacked bars and shaded fault windows.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::reduce::segments;
use super::style::{self, FAMILY};
use crate::report::format::{self, TimeAxis};

/// Turns a backend error into text.
pub trait Ctx<T> {
    /// The value, or the error as text.
    fn e(self) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> Ctx<T> for Result<T, E> {
    fn e(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// How a legend entry looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled box.
    Box(RGBColor),
    /// An outlined box.
    Outline(RGBColor),
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendItem {
    /// Text.
    pub label: String,
    /// Look.
    pub swatch: Swatch,
}

impl LegendItem {
    /// An entry.
    pub fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        LegendItem {
            label: label.into(),
            swatch,
        }
    }
}

const ROW_H: i32 = 26;

/// Fills `root` white and draws the chart title with a little room above it; returns the area
/// below the title.
pub fn title_area<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    root.fill(&WHITE).e()?;
    root.margin(10, 0, 0, 0)
        .titled(title, (FAMILY, style::TITLE_PX, FontStyle::Bold))
        .e()
}

/// Splits `area` into a strip with the caption (bold) and the legend items, and the rest.
/// Items wrap onto further rows when they do not fit.
pub fn legend_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    items: &[LegendItem],
) -> Result<DrawingArea<DB, Shift>, String> {
    let (w, _) = area.dim_in_pixel();
    let cap_font = TextStyle::from((FAMILY, style::CAPTION_PX, FontStyle::Bold).into_font());
    let item_font = TextStyle::from((FAMILY, style::LEGEND_PX).into_font());
    let cap_w = if caption.is_empty() {
        0
    } else {
        area.estimate_text_size(caption, &cap_font).e()?.0 as i32 + 28
    };
    // Lay out the items first to know the strip's height.
    let mut placed = Vec::with_capacity(items.len());
    let (mut x, mut row) = (cap_w + 10, 0);
    for it in items {
        let tw = area.estimate_text_size(&it.label, &item_font).e()?.0 as i32;
        let iw = 28 + tw + 22;
        if x + iw > w as i32 - 10 && x > cap_w + 10 {
            row += 1;
            x = cap_w + 10;
        }
        placed.push((x, row, it));
        x += iw;
    }
    let rows = placed.last().map_or(1, |p| p.1 + 1).max(1);
    let strip_h = rows * ROW_H + 8;
    let (strip, rest) = area.split_vertically(strip_h);
    if !caption.is_empty() {
        strip
            .draw(&Text::new(caption.to_owned(), (12, 6), cap_font.clone()))
            .e()?;
    }
    for (x, row, it) in placed {
        let y = 6 + row * ROW_H + ROW_H / 2 - 4;
        match it.swatch {
            Swatch::Line(c) => strip
                .draw(&PathElement::new(
                    vec![(x, y), (x + 22, y)],
                    c.stroke_width(3),
                ))
                .e()?,
            Swatch::Dashed(c) => {
                strip
                    .draw(&PathElement::new(
                        vec![(x, y), (x + 8, y)],
                        c.stroke_width(3),
                    ))
                    .e()?;
                strip
                    .draw(&PathElement::new(
                        vec![(x + 14, y), (x + 22, y)],
                        c.stroke_width(3),
                    ))
                    .e()?
            }
            Swatch::Box(c) => strip
                .draw(&Rectangle::new([(x, y - 7), (x + 22, y + 7)], c.filled()))
                .e()?,
            Swatch::Outline(c) => strip
                .draw(&Rectangle::new(
                    [(x + 1, y - 6), (x + 21, y + 6)],
                    c.stroke_width(2),
                ))
                .e()?,
        }
        strip
            .draw(&Text::new(
                it.label.clone(),
                (x + 28, y),
                item_font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .e()?;
    }
    Ok(rest)
}

/// Line style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dash {
    /// Solid.
    Solid,
    /// Dashed.
    Dashed,
}

/// One line of a panel, in chart units (x in the time axis' unit).
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend text.
    pub label: String,
    /// Colour.
    pub color: RGBColor,
    /// Solid or dashed.
    pub dash: Dash,
    /// Points, NaN-free, in time order.
    pub pts: Vec<(f64, f64)>,
    /// Drawn against the right-hand axis.
    pub right: bool,
}

/// Stacked bars over time bins.
#[derive(Debug, Clone)]
pub struct Stack {
    /// Bin edges in chart x units (one more than values per series).
    pub edges: Vec<f64>,
    /// Series bottom to top: label, colour, value per bin.
    pub series: Vec<(String, RGBColor, Vec<f64>)>,
}

/// How y tick labels are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YFmt {
    /// `12,000`.
    Count,
    /// `45 %` (values already in percent).
    Percent,
    /// `1.5`.
    Decimal,
}

/// A y tick label; `span` is the axis maximum (small axes get decimals, never repeated labels).
pub fn y_tick(fmt: YFmt, v: f64, span: f64) -> String {
    let plain = |v: f64| {
        if v.abs() >= 100.0 {
            format::count(v.round())
        } else if (v - v.round()).abs() < 1e-9 {
            format!("{v:.0}")
        } else if span < 2.0 {
            format!("{v:.2}")
        } else {
            format!("{v:.1}")
        }
    };
    match fmt {
        YFmt::Count => format::count(v.round()),
        YFmt::Percent if span < 5.0 => format!("{} %", plain(v)),
        YFmt::Percent => format!("{v:.0} %"),
        YFmt::Decimal => plain(v),
    }
}

fn x_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// One panel of a time chart.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Caption (bold, left of the legend).
    pub caption: String,
    /// Left axis description with unit.
    pub y_desc: String,
    /// Right axis description, when some line is drawn against it.
    pub y2_desc: Option<String>,
    /// Tick format of both axes.
    pub y_fmt: YFmt,
    /// Lines.
    pub lines: Vec<Line>,
    /// Stacked bars, drawn under the lines.
    pub stack: Option<Stack>,
    /// Bottom of the left axis (default 0); only for line panels whose points are all above it.
    pub y_min: Option<f64>,
}

impl Panel {
    /// A panel with only lines on the left axis.
    pub fn new(caption: impl Into<String>, y_desc: impl Into<String>, y_fmt: YFmt) -> Self {
        Panel {
            caption: caption.into(),
            y_desc: y_desc.into(),
            y2_desc: None,
            y_fmt,
            lines: Vec::new(),
            stack: None,
            y_min: None,
        }
    }

    /// Adds a line.
    pub fn line(
        &mut self,
        label: impl Into<String>,
        color: RGBColor,
        dash: Dash,
        pts: Vec<(f64, f64)>,
    ) {
        self.lines.push(Line {
            label: label.into(),
            color,
            dash,
            pts,
            right: false,
        });
    }
}

/// Panels stacked vertically over one simulated-time axis.
#[derive(Debug, Clone)]
pub struct TimeChart {
    /// Chart title.
    pub title: String,
    /// Time unit.
    pub axis: TimeAxis,
    /// x-axis description (the time unit's, or another for index and histogram charts).
    pub x_desc: String,
    /// End of the x axis, in the axis unit.
    pub x_max: f64,
    /// Fault windows, in the axis unit.
    pub bands: Vec<(f64, f64)>,
    /// The panels, top to bottom.
    pub panels: Vec<Panel>,
}

/// Width of a y label area (left, and right when a chart has a right axis), pixels: fixed, so
/// the panels of one chart share their plot area's x extent.
const Y_LABEL_AREA: u32 = 100;

fn nice_max(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        1.0
    } else {
        max * 1.08
    }
}

/// Draws a [`TimeChart`].
pub fn draw_time_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &TimeChart,
) -> Result<(), String> {
    let body = title_area(root, &c.title)?;
    // Every panel gets the same label areas (a right one if any panel has a right axis), so
    // the plot areas, and the fault bands on them, line up across panels.
    let right_axis = c.panels.iter().any(|p| p.y2_desc.is_some());
    for (area, p) in body
        .split_evenly((c.panels.len().max(1), 1))
        .iter()
        .zip(&c.panels)
    {
        draw_panel(area, c, p, right_axis)?;
    }
    root.present().e()
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &TimeChart,
    p: &Panel,
    right_axis: bool,
) -> Result<(), String> {
    let mut items = Vec::new();
    if !c.bands.is_empty() {
        items.push(LegendItem::new("fault window", Swatch::Box(style::FAULT)));
    }
    if let Some(s) = &p.stack {
        for (label, color, _) in s.series.iter().rev() {
            items.push(LegendItem::new(label.clone(), Swatch::Box(*color)));
        }
    }
    for l in &p.lines {
        let label = if l.right && p.y2_desc.is_some() {
            format!("{} (right axis)", l.label)
        } else {
            l.label.clone()
        };
        items.push(LegendItem::new(
            label,
            match l.dash {
                Dash::Solid => Swatch::Line(l.color),
                Dash::Dashed => Swatch::Dashed(l.color),
            },
        ));
    }
    let plot = legend_strip(area, &p.caption, &items)?;
    let max_of = |right: bool| {
        let lines = p
            .lines
            .iter()
            .filter(|l| l.right == right)
            .flat_map(|l| l.pts.iter().map(|q| q.1));
        let stack = p.stack.iter().filter(|_| !right).flat_map(|s| {
            (0..s.edges.len().saturating_sub(1))
                .map(|i| s.series.iter().map(|(_, _, v)| v[i].max(0.0)).sum::<f64>())
        });
        lines
            .chain(stack)
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max)
    };
    let (mut yl, mut yr) = (nice_max(max_of(false)), nice_max(max_of(true)));
    if p.y_fmt == YFmt::Count {
        // Counts below 5 would get fractional ticks.
        (yl, yr) = (yl.max(5.0), yr.max(5.0));
    }
    let x_max = if c.x_max > 0.0 { c.x_max } else { 1.0 };
    let mut b = ChartBuilder::on(&plot);
    b.margin_left(10)
        .margin_right(25)
        .margin_bottom(5)
        .x_label_area_size(48)
        .y_label_area_size(Y_LABEL_AREA);
    if right_axis {
        b.right_y_label_area_size(Y_LABEL_AREA);
    }
    let lo = p.y_min.filter(|m| m.is_finite() && *m < yl).unwrap_or(0.0);
    let mut ch = b
        .build_cartesian_2d(0f64..x_max, lo..yl)
        .e()?
        .set_secondary_coord(0f64..x_max, 0f64..yr);
    let fmt = p.y_fmt;
    let yf = move |v: &f64| y_tick(fmt, *v, yl);
    let yf2 = move |v: &f64| y_tick(fmt, *v, yr);
    let xf = |v: &f64| x_tick(*v);
    ch.configure_mesh()
        .x_desc(c.x_desc.as_str())
        .y_desc(p.y_desc.as_str())
        .label_style((FAMILY, style::TICK_PX))
        .axis_desc_style((FAMILY, style::DESC_PX))
        .y_label_formatter(&yf)
        .x_label_formatter(&xf)
        .x_labels(14)
        .y_labels(6)
        .light_line_style(WHITE)
        .bold_line_style(BLACK.mix(0.1))
        .draw()
        .e()?;
    if let Some(d) = &p.y2_desc {
        ch.configure_secondary_axes()
            .y_desc(d.as_str())
            .label_style((FAMILY, style::TICK_PX))
            .axis_desc_style((FAMILY, style::DESC_PX))
            .y_label_formatter(&yf2)
            .y_labels(6)
            .draw()
            .e()?;
    }
    ch.draw_series(c.bands.iter().map(|&(a, b)| {
        Rectangle::new(
            [(a, lo), (b.max(a + x_max / 2000.0), yl)],
            style::FAULT.filled(),
        )
    }))
    .e()?;
    if let Some(s) = &p.stack {
        let n = s.edges.len().saturating_sub(1);
        let mut base = vec![0.0f64; n];
        for (_, color, values) in &s.series {
            ch.draw_series((0..n).filter(|&i| values[i] > 0.0).map(|i| {
                let (x0, x1) = (s.edges[i], s.edges[i + 1]);
                let gap = (x1 - x0) * 0.08;
                Rectangle::new(
                    [(x0 + gap, base[i]), (x1 - gap, base[i] + values[i])],
                    color.filled(),
                )
            }))
            .e()?;
            for i in 0..n {
                base[i] += values[i].max(0.0);
            }
        }
    }
    for l in &p.lines {
        let st = l.color.stroke_width(2);
        for seg in segments(&l.pts) {
            let pts = seg.iter().copied();
            match (l.right, l.dash) {
                (false, Dash::Solid) => ch.draw_series(LineSeries::new(pts, st)).e()?,
                (false, Dash::Dashed) => {
                    ch.draw_series(DashedLineSeries::new(pts, 10, 6, st)).e()?
                }
                (true, Dash::Solid) => ch.draw_secondary_series(LineSeries::new(pts, st)).e()?,
                (true, Dash::Dashed) => ch
                    .draw_secondary_series(DashedLineSeries::new(pts, 10, 6, st))
                    .e()?,
            };
        }
    }
    Ok(())
}

/// Draws a centred message instead of a chart (e.g. "no cascades in this run").
pub fn draw_message<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    message: &str,
) -> Result<(), String> {
    let body = title_area(root, title)?;
    let (w, h) = body.dim_in_pixel();
    let font = TextStyle::from((FAMILY, style::CAPTION_PX).into_font());
    let (tw, _) = body.estimate_text_size(message, &font).e()?;
    body.draw(&Text::new(
        message.to_owned(),
        ((w as i32 - tw as i32) / 2, h as i32 / 2 - 10),
        font,
    ))
    .e()?;
    body.draw(&Rectangle::new(
        [(20, 20), (w as i32 - 20, h as i32 - 20)],
        style::GREY.stroke_width(1),
    ))
    .e()?;
    root.present().e()
}
