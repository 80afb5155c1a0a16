//! Charts and index page of a sweep (`clustersim sweep`, `clustersim merge`): a metric's mean
//! over seeds, with its 95 % interval as whiskers, against one swept parameter, one line per
//! combination of the other parameters. Drawn with the run report's building blocks (title,
//! legend strip, fonts, sizes and colours of [`super::charts`]) as PNG and SVG, and listed in
//! `sweep.md` / `sweep.html` like the report's charts.
//!
//! Architecture invariant: this module only lays out and draws. The sweep module decides what
//! a line is, the labels and the units; nothing here knows sweep files or manifests. The bytes
//! written depend only on the data, so an unsharded sweep and the merge of its shards write
//! identical charts.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use super::charts::panel::{draw_message, legend_strip, title_area, Ctx, LegendItem, Swatch};
use super::charts::style::{self, palette, PALETTE};
use super::charts::{register_fonts, ChartFile};
use super::columns::CHARTS_DIR;
use super::document::{html_page, markdown, Document, Section, Table};
use super::error::ReportError;
use super::format::{self, Unit};

/// Most lines with a legend entry; further lines are drawn and counted in one entry.
pub const MAX_LEGEND: usize = 12;
/// Most points listed in the index page's table (all are in `sweep.csv`).
pub const MAX_INDEX_ROWS: usize = 200;
/// The index page's file stem (`sweep.md`, `sweep.html`).
pub const INDEX: &str = "sweep";

/// One point of a line: the mean over seeds and its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    /// Index into [`SweepChart::x_values`].
    pub x: usize,
    /// Mean over seeds (NaN when the runs do not produce the metric).
    pub mean: f64,
    /// 95 % interval of the mean (None with one seed).
    pub ci: Option<(f64, f64)>,
}

/// One line: the points sharing the values of the other parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepLine {
    /// Legend text (`workloads[web].replicas=8`), empty when the chart has one line.
    pub label: String,
    /// Points, in any order (drawn in x order).
    pub points: Vec<SweepPoint>,
}

/// A chart: one metric against one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepChart {
    /// File stem under `charts/`.
    pub name: String,
    /// Title drawn on the chart and heading in the index.
    pub title: String,
    /// Sentence under the heading in the index.
    pub caption: String,
    /// Bold text left of the legend (what the markers and whiskers are).
    pub legend_caption: String,
    /// x-axis description with unit.
    pub x_desc: String,
    /// The parameter's distinct values in grid order; numeric when every one parses as a
    /// number, else one category each.
    pub x_values: Vec<String>,
    /// y-axis description with unit.
    pub y_desc: String,
    /// How values are shown ([`Unit::Fraction`] is drawn in percent).
    pub unit: Unit,
    /// The lines.
    pub lines: Vec<SweepLine>,
}

/// The index page: a summary, a table of means per point and the charts.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepIndex {
    /// Level-1 heading.
    pub title: String,
    /// Rows of the summary table (label, value).
    pub summary: Vec<(String, String)>,
    /// Parameter column headings.
    pub parameters: Vec<String>,
    /// Metric column headings and units.
    pub metrics: Vec<(String, Unit)>,
    /// Each point: its parameter labels and each metric's mean.
    pub points: Vec<(Vec<String>, Vec<f64>)>,
    /// Last line.
    pub footer: String,
}

/// Draws every chart as `<dir>/charts/<name>.png` and `.svg` (in parallel), replacing what
/// `charts/` held; returns the files in the order given.
pub fn write_sweep_charts(
    charts: &[SweepChart],
    dir: &Path,
) -> Result<Vec<ChartFile>, ReportError> {
    let cdir = dir.join(CHARTS_DIR);
    if cdir.exists() {
        std::fs::remove_dir_all(&cdir).map_err(ReportError::write("remove old", &cdir))?;
    }
    std::fs::create_dir_all(&cdir).map_err(ReportError::write("create directory", &cdir))?;
    register_fonts();
    charts
        .par_iter()
        .map(|c| {
            let render = |message: String| ReportError::Render {
                chart: c.name.clone(),
                message,
            };
            let png = cdir.join(format!("{}.png", c.name));
            draw(
                &BitMapBackend::new(&png, style::SIZE).into_drawing_area(),
                c,
            )
            .map_err(render)?;
            let svg = cdir.join(format!("{}.svg", c.name));
            draw(&SVGBackend::new(&svg, style::SIZE).into_drawing_area(), c).map_err(render)?;
            Ok(ChartFile {
                name: c.name.clone(),
                title: c.title.clone(),
                caption: c.caption.clone(),
                png: format!("{CHARTS_DIR}/{}.png", c.name),
                svg: format!("{CHARTS_DIR}/{}.svg", c.name),
            })
        })
        .collect()
}

/// Writes `<dir>/sweep.md` and `<dir>/sweep.html` embedding `charts`.
pub fn write_sweep_index(
    dir: &Path,
    index: &SweepIndex,
    charts: &[ChartFile],
) -> Result<(), ReportError> {
    let doc = index_document(index, charts);
    for (ext, text) in [("md", markdown(&doc)), ("html", html_page(&doc, dir))] {
        let path = dir.join(format!("{INDEX}.{ext}"));
        std::fs::write(&path, text).map_err(ReportError::write("write", &path))?;
    }
    Ok(())
}

fn index_document(index: &SweepIndex, charts: &[ChartFile]) -> Document {
    let mut summary = Table::new(&["", ""]);
    for (k, v) in &index.summary {
        summary.row(vec![k.clone(), v.clone()]);
    }
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(index.parameters.iter().cloned());
    header.extend(index.metrics.iter().map(|(m, _)| format!("{m} (mean)")));
    let mut points = Table {
        header,
        rows: Vec::new(),
    };
    for (i, (labels, means)) in index.points.iter().take(MAX_INDEX_ROWS).enumerate() {
        let mut row = vec![i.to_string()];
        row.extend(labels.iter().cloned());
        row.extend(
            means
                .iter()
                .zip(&index.metrics)
                .map(|(v, (_, unit))| cell(*unit, *v)),
        );
        points.row(row);
    }
    let more = index.points.len().saturating_sub(MAX_INDEX_ROWS);
    let text = if more > 0 {
        format!(
            "The first {MAX_INDEX_ROWS} of {} points; every point, with standard deviations and \
             95 % intervals, is in `sweep.csv`.",
            index.points.len()
        )
    } else {
        "Means over seeds; standard deviations and 95 % intervals are in `sweep.csv`.".into()
    };
    Document {
        title: index.title.clone(),
        sections: vec![
            Section {
                heading: "Summary".into(),
                text: None,
                table: Some(summary),
            },
            Section {
                heading: "Points".into(),
                text: Some(text),
                table: Some(points),
            },
        ],
        charts: charts.to_vec(),
        skipped: Vec::new(),
        footer: index.footer.clone(),
    }
}

/// A mean as shown in the index: a percentage, or a count; below 100 with at least two
/// decimals and as many as it takes not to round onto a round number
/// ([`format::verdict_safe`]: 0.9861 is `0.9861`, never `0.99`).
fn cell(unit: Unit, v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let whole = |x: f64| (x - x.round()).abs() < 1e-9;
    match unit {
        Unit::Fraction if whole(v * 100.0) => format::percent(v),
        Unit::Fraction => format!("{} %", format::verdict_safe(v * 100.0, 2)),
        Unit::Seconds => format::duration(v),
        Unit::Latency => format::latency(v),
        Unit::Count if v.abs() >= 100.0 || whole(v) => format::count(v),
        Unit::Count => format::verdict_safe(v, 2),
    }
}

/// Most y tick labels of a sweep chart.
const Y_LABELS: usize = 7;

/// How many decimals the y tick labels of an axis from `lo` to `hi` need: plotters puts at most
/// `labels` ticks a step of 1, 2 or 5 × 10^k apart, so the step exceeds (hi − lo) / (labels + 1);
/// the labels need the decimals of the smallest such step.
fn tick_decimals(lo: f64, hi: f64, labels: usize) -> usize {
    let bound = (hi - lo) / (labels + 1) as f64;
    if !(bound.is_finite() && bound > 0.0) {
        return 0;
    }
    let k = bound.log10().floor() as i32;
    let k = if [1.0, 2.0, 5.0].iter().any(|m| m * 10f64.powi(k) > bound) {
        k
    } else {
        k + 1
    };
    (-k).clamp(0, 12) as usize
}

/// A y tick label with `decimals` decimals (`%` appended for fractions; counts of 1,000 and
/// more grouped when whole).
fn sweep_y_tick(unit: Unit, v: f64, decimals: usize) -> String {
    let body = if decimals == 0 {
        format::count(v.round())
    } else {
        format!("{v:.decimals$}")
    };
    if unit == Unit::Fraction {
        format!("{body} %")
    } else {
        body
    }
}

/// The x axis: where each value sits and how ticks are labelled.
enum XAxis {
    Numeric(Vec<f64>),
    Categories(Vec<String>),
}

/// Whether every value is a whole number (a count: no tick between two integers).
fn whole(values: &[f64]) -> bool {
    values.iter().all(|v| (v - v.round()).abs() < 1e-9)
}

impl XAxis {
    fn new(values: &[String]) -> Self {
        let numeric: Option<Vec<f64>> = values
            .iter()
            .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect();
        match numeric {
            Some(n) if !n.is_empty() => XAxis::Numeric(n),
            _ => XAxis::Categories(values.to_vec()),
        }
    }

    fn pos(&self, i: usize) -> f64 {
        match self {
            XAxis::Numeric(v) => v[i],
            XAxis::Categories(_) => i as f64,
        }
    }

    /// The axis range: every value, with room for the spread markers of `lines` lines.
    fn range(&self, lines: usize) -> (f64, f64) {
        let (lo, hi) = match self {
            XAxis::Numeric(v) => {
                let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if hi - lo < 1e-12 {
                    let pad = if lo.abs() > 1.0 { lo.abs() * 0.1 } else { 1.0 };
                    return (lo - pad, hi + pad);
                }
                let pad = (hi - lo) * 0.04;
                (lo - pad, hi + pad)
            }
            XAxis::Categories(c) => (-0.5, c.len() as f64 - 0.5),
        };
        let dodge = self.dodge(lines.saturating_sub(1), lines).abs();
        (lo - dodge, hi + dodge)
    }

    /// How far line `line` of `lines` is shifted sideways, so that the whiskers of several lines
    /// at one x do not hide each other: the lines spread over a tenth of the smallest gap
    /// between two values.
    fn dodge(&self, line: usize, lines: usize) -> f64 {
        if lines < 2 {
            return 0.0;
        }
        let gap = match self {
            XAxis::Categories(_) => 1.0,
            XAxis::Numeric(v) => {
                let mut sorted = v.clone();
                sorted.sort_by(f64::total_cmp);
                let gap = sorted
                    .windows(2)
                    .map(|w| w[1] - w[0])
                    .filter(|d| *d > 1e-12)
                    .fold(f64::INFINITY, f64::min);
                if gap.is_finite() {
                    gap
                } else {
                    1.0
                }
            }
        };
        (line as f64 / (lines - 1) as f64 - 0.5) * gap * 0.1
    }

    fn labels(&self) -> usize {
        match self {
            XAxis::Numeric(_) => 10,
            XAxis::Categories(c) => c.len() + 1,
        }
    }

    fn tick(&self, v: f64) -> String {
        match self {
            XAxis::Numeric(values) => {
                if (v - v.round()).abs() < 1e-9 {
                    format::count(v.round())
                } else if whole(values) {
                    String::new()
                } else {
                    let t = format!("{v:.3}");
                    t.trim_end_matches('0').trim_end_matches('.').to_string()
                }
            }
            XAxis::Categories(c) => {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < c.len() {
                    c[i as usize].clone()
                } else {
                    String::new()
                }
            }
        }
    }
}

/// The y range covering every mean and interval (from 0 when the values are non-negative and
/// not far from it), or None when there is no finite value.
fn y_range(c: &SweepChart, scale: f64) -> Option<(f64, f64)> {
    let values = c.lines.iter().flat_map(|l| l.points.iter()).flat_map(|p| {
        [Some(p.mean), p.ci.map(|c| c.0), p.ci.map(|c| c.1)]
            .into_iter()
            .flatten()
    });
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v * scale);
        hi = hi.max(v * scale);
    }
    if !lo.is_finite() {
        return None;
    }
    let non_negative = lo >= 0.0;
    if non_negative && lo <= 0.5 * hi {
        lo = 0.0;
    }
    if hi - lo < 1e-12 {
        let pad = if hi.abs() > 0.0 { hi.abs() * 0.1 } else { 1.0 };
        lo = if non_negative {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        };
        hi += pad;
    }
    // Markers at zero stay clear of the axis line, with no negative tick.
    let pad = (hi - lo) * 0.06;
    let lo = if non_negative && lo == 0.0 {
        -(hi - lo) * 0.015
    } else {
        lo - pad
    };
    Some((lo, hi + pad))
}

/// The colour and dash of line `k`: the palette, solid, then dashed.
fn look(k: usize) -> (RGBColor, bool) {
    (palette(k), (k / PALETTE.len()) % 2 == 1)
}

/// Draws one chart.
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &SweepChart) -> Result<(), String> {
    let scale = if c.unit == Unit::Fraction { 100.0 } else { 1.0 };
    let Some((y_lo, y_hi)) = y_range(c, scale) else {
        return draw_message(
            root,
            &c.title,
            "no values: the runs of this sweep do not produce this metric",
        );
    };
    let body = title_area(root, &c.title)?;
    let mut items: Vec<LegendItem> = c
        .lines
        .iter()
        .enumerate()
        .take(MAX_LEGEND)
        .map(|(k, l)| {
            let (color, dashed) = look(k);
            let label = if l.label.is_empty() {
                "mean".to_string()
            } else {
                l.label.clone()
            };
            let swatch = if dashed {
                Swatch::Dashed(color)
            } else {
                Swatch::Line(color)
            };
            LegendItem::new(label, swatch)
        })
        .collect();
    if c.lines.len() > MAX_LEGEND {
        items.push(LegendItem::new(
            format!(
                "… {} more lines (see sweep.csv)",
                c.lines.len() - MAX_LEGEND
            ),
            Swatch::Outline(style::GREY),
        ));
    }
    let plot = legend_strip(&body, &c.legend_caption, &items)?;
    let x = XAxis::new(&c.x_values);
    let (x_lo, x_hi) = x.range(c.lines.len());
    let mut ch = ChartBuilder::on(&plot)
        .margin_left(10)
        .margin_right(30)
        .margin_bottom(5)
        .x_label_area_size(56)
        .y_label_area_size(110)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .e()?;
    let decimals = tick_decimals(y_lo, y_hi, Y_LABELS);
    let unit = c.unit;
    let yf = move |v: &f64| sweep_y_tick(unit, *v, decimals);
    let xf = |v: &f64| x.tick(*v);
    ch.configure_mesh()
        .x_desc(c.x_desc.as_str())
        .y_desc(c.y_desc.as_str())
        .label_style((style::FAMILY, style::TICK_PX))
        .axis_desc_style((style::FAMILY, style::DESC_PX))
        .y_label_formatter(&yf)
        .x_label_formatter(&xf)
        .x_labels(x.labels())
        .y_labels(Y_LABELS)
        .light_line_style(WHITE)
        .bold_line_style(BLACK.mix(0.1))
        .draw()
        .e()?;
    for (k, line) in c.lines.iter().enumerate() {
        let (color, dashed) = look(k);
        let shift = x.dodge(k, c.lines.len());
        // Points in chart units: the mean at the (shifted) x, and the whisker ends.
        let mut pts: Vec<SweepPoint> = line
            .points
            .iter()
            .filter(|p| p.mean.is_finite() && p.x < c.x_values.len())
            .copied()
            .collect();
        pts.sort_by(|a, b| x.pos(a.x).total_cmp(&x.pos(b.x)));
        let at = |p: &SweepPoint| (x.pos(p.x) + shift, p.mean * scale);
        let st = color.stroke_width(3);
        let xy = pts.iter().map(at);
        if dashed {
            ch.draw_series(DashedLineSeries::new(xy, 12, 7, st)).e()?;
        } else {
            ch.draw_series(LineSeries::new(xy, st)).e()?;
        }
        let whisker = color.stroke_width(2);
        for p in &pts {
            let px = at(p).0;
            let Some((lo, hi)) =
                p.ci.map(|(a, b)| (a * scale, b * scale))
                    .filter(|(a, b)| a.is_finite() && b.is_finite())
            else {
                continue;
            };
            ch.draw_series(std::iter::once(PathElement::new(
                vec![(px, lo), (px, hi)],
                whisker,
            )))
            .e()?;
            for end in [lo, hi] {
                ch.draw_series(std::iter::once(
                    EmptyElement::at((px, end)) + PathElement::new(vec![(-8, 0), (8, 0)], whisker),
                ))
                .e()?;
            }
        }
        ch.draw_series(pts.iter().map(|p| Circle::new(at(p), 6, color.filled())))
            .e()?;
    }
    root.present().e()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(unit: Unit, x_values: &[&str], lines: Vec<SweepLine>) -> SweepChart {
        SweepChart {
            name: "m-vs-p".into(),
            title: "M vs p".into(),
            caption: "caption".into(),
            legend_caption: "mean ± 95 % interval, 3 seeds".into(),
            x_desc: "p (nodes)".into(),
            x_values: x_values.iter().map(|s| s.to_string()).collect(),
            y_desc: "M (pods)".into(),
            unit,
            lines,
        }
    }

    fn line(label: &str, means: &[f64]) -> SweepLine {
        SweepLine {
            label: label.into(),
            points: means
                .iter()
                .enumerate()
                .map(|(x, &m)| SweepPoint {
                    x,
                    mean: m,
                    ci: Some((m - m.abs() * 0.1, m + m.abs() * 0.1)),
                })
                .collect(),
        }
    }

    #[test]
    fn axes_cover_the_data() {
        let x = XAxis::new(&["4000".into(), "5000".into(), "6000".into()]);
        assert_eq!(x.pos(1), 5000.0);
        let (lo, hi) = x.range(1);
        assert!(lo < 4000.0 && hi > 6000.0);
        assert_eq!(x.range(3), (4000.0 - 80.0 - 50.0, 6000.0 + 80.0 + 50.0));
        assert_eq!(x.tick(5000.0), "5,000");
        let c = XAxis::new(&["none".into(), "zone-a".into()]);
        assert_eq!(c.pos(1), 1.0);
        assert_eq!(c.tick(1.0), "zone-a");
        assert_eq!(c.tick(0.5), "");
        assert_eq!(c.range(1), (-0.5, 1.5));
        assert_eq!(x.tick(4500.5), "", "no tick between two counts");
        assert_eq!(XAxis::new(&["0.5".into(), "1".into()]).tick(0.75), "0.75");
        assert_eq!(x.dodge(0, 1), 0.0);
        assert_eq!(
            (x.dodge(0, 3), x.dodge(1, 3), x.dodge(2, 3)),
            (-50.0, 0.0, 50.0)
        );

        let ch = chart(Unit::Count, &["1", "2"], vec![line("", &[10.0, 20.0])]);
        let (lo, hi) = y_range(&ch, 1.0).unwrap();
        assert!(
            lo < 0.0 && lo > -0.5,
            "non-negative values near zero start at zero: {lo}"
        );
        assert!(hi >= 22.0);
        let ch = chart(Unit::Count, &["1", "2"], vec![line("", &[1000.0, 1010.0])]);
        let (lo, hi) = y_range(&ch, 1.0).unwrap();
        assert!(lo > 800.0 && lo < 900.0 && hi > 1111.0, "{lo} {hi}");
        let nan = chart(Unit::Count, &["1"], vec![line("", &[f64::NAN])]);
        assert_eq!(y_range(&nan, 1.0), None);
        assert_eq!(cell(Unit::Fraction, 0.5), "50 %");
        assert_eq!(cell(Unit::Count, 2.25), "2.25");
        assert_eq!(cell(Unit::Count, 1234.4), "1,234");
        assert_eq!(cell(Unit::Count, f64::NAN), "n/a");
    }

    #[test]
    fn numbers_show_enough_digits_for_a_verdict() {
        // 0.9861 fails a >= 0.99 target: the index must not show it as 0.99.
        assert_eq!(cell(Unit::Count, 0.9861), "0.9861");
        assert_eq!(cell(Unit::Fraction, 0.98996), "98.996 %");
        assert_eq!(cell(Unit::Fraction, 0.995), "99.50 %");
        // Tick labels over a narrow axis are distinct (each one was "0.99" before).
        let dir = tempfile::tempdir().unwrap();
        let mut c = chart(
            Unit::Count,
            &["1", "2", "3"],
            vec![line("", &[0.9861, 0.9872, 0.9899])],
        );
        for (p, ci) in c.lines[0].points.iter_mut().zip([0.0006, 0.0008, 0.0005]) {
            p.ci = Some((p.mean - ci, p.mean + ci));
        }
        let files = write_sweep_charts(&[c], dir.path()).unwrap();
        let svg = std::fs::read_to_string(dir.path().join(&files[0].svg)).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let ticks: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.text())
            .map(str::trim)
            .filter(|t| t.starts_with("0.9"))
            .collect();
        // (The SVG holds each label twice: plotters draws text with an outline.)
        let mut distinct = ticks.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() >= 3, "repeated tick labels: {ticks:?}");
        assert!(distinct.iter().all(|t| t.len() == 5), "{ticks:?}");
        assert_eq!(tick_decimals(0.9852, 0.9907, 7), 3);
        assert_eq!(tick_decimals(0.985, 0.992, 7), 3);
        assert_eq!(tick_decimals(0.0, 33.0, 7), 0);
        assert_eq!(sweep_y_tick(Unit::Fraction, 98.5, 1), "98.5 %");
    }

    #[test]
    fn draws_png_and_svg_and_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(CHARTS_DIR).join("old.svg");
        std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
        std::fs::write(&stale, "<svg/>").unwrap();
        let mut many = chart(
            Unit::Fraction,
            &["a", "b", "c"],
            (0..15)
                .map(|i| line(&format!("q={i}"), &[0.1, 0.2 + i as f64 * 0.01, 0.3]))
                .collect(),
        );
        many.name = "many".into();
        let nan = SweepChart {
            name: "nan".into(),
            ..chart(Unit::Count, &["1"], vec![line("", &[f64::NAN])])
        };
        let charts = vec![
            chart(
                Unit::Count,
                &["1", "2", "4"],
                vec![line("", &[3.0, 2.0, 1.0])],
            ),
            many,
            nan,
        ];
        let files = write_sweep_charts(&charts, dir.path()).unwrap();
        assert_eq!(files.len(), 3);
        assert!(!stale.exists(), "charts/ is replaced");
        for f in &files {
            let png = std::fs::read(dir.path().join(&f.png)).unwrap();
            assert_eq!(&png[1..4], b"PNG");
            let svg = std::fs::read_to_string(dir.path().join(&f.svg)).unwrap();
            assert!(svg.starts_with("<svg"), "{}", f.svg);
        }
        let svg = std::fs::read_to_string(dir.path().join(&files[1].svg)).unwrap();
        assert!(
            svg.contains("q=11") && !svg.contains("q=12"),
            "legend capped"
        );
        assert!(svg.contains("3 more lines"));
        assert!(svg.contains("20 %\n"), "fractions are drawn in percent");
        let index = SweepIndex {
            title: "sweep s".into(),
            summary: vec![("Seeds".into(), "1, 2".into())],
            parameters: vec!["p".into()],
            metrics: vec![("m".into(), Unit::Count)],
            points: vec![(vec!["1".into()], vec![2.5])],
            footer: "f".into(),
        };
        write_sweep_index(dir.path(), &index, &files).unwrap();
        let md = std::fs::read_to_string(dir.path().join("sweep.md")).unwrap();
        assert!(md.contains("![M vs p](charts/m-vs-p.png)"), "{md}");
        assert!(md.contains("| 0 | 1 | 2.50 |"), "{md}");
        let html = std::fs::read_to_string(dir.path().join("sweep.html")).unwrap();
        assert!(
            html.contains("<a href=\"charts/many.png\">PNG</a>"),
            "{html}"
        );
        assert!(!html.contains("src=\"charts/"), "charts are embedded");
        let png = std::fs::read(dir.path().join("charts/many.png")).unwrap();
        assert!(html.contains(&format!(
            "<img src=\"data:image/png;base64,{}\"",
            crate::report::format::base64(&png)
        )));
    }
}
