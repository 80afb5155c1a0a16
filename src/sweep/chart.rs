//! Charts of a sweep: each metric's mean (with its 95 % interval over seeds as whiskers)
//! against each swept parameter, one line per combination of the other parameters.
//!
//! Plain SVG text written here, with no font or drawing library, so the bytes depend only on
//! the numbers (an unsharded sweep and a merge of its shards write identical charts). When the
//! report module offers a generic line chart, these can be drawn through it instead.

use std::fmt::Write as _;

/// Mean and interval of one metric at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    /// Mean over seeds.
    pub mean: f64,
    /// 95 % interval of the mean (None with one seed).
    pub ci: Option<(f64, f64)>,
}

const W: f64 = 760.0;
const H: f64 = 440.0;
const LEFT: f64 = 90.0;
const TOP: f64 = 56.0;
const BOTTOM: f64 = 64.0;
const COLORS: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];
const MAX_LEGEND: usize = 14;

/// `(file name, SVG text)` for each metric × parameter; `table[point][metric]`.
pub fn sweep_charts(
    sweep: &str,
    parameters: &[String],
    points: &[Vec<String>],
    metrics: &[String],
    table: &[Vec<Cell>],
    seeds: usize,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (mi, metric) in metrics.iter().enumerate() {
        for (pi, param) in parameters.iter().enumerate() {
            let name = format!("{}-vs-{}.svg", slug(metric), slug(param));
            out.push((
                name,
                chart(sweep, parameters, pi, points, metric, mi, table, seeds),
            ));
        }
    }
    out
}

/// A file-name-safe form of a metric or path: letters and digits, other runs become `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

struct Series {
    label: String,
    /// (x position index, point)
    points: Vec<(usize, usize)>,
}

#[allow(clippy::too_many_arguments)]
fn chart(
    sweep: &str,
    parameters: &[String],
    pi: usize,
    points: &[Vec<String>],
    metric: &str,
    mi: usize,
    table: &[Vec<Cell>],
    seeds: usize,
) -> String {
    // X positions: distinct values of the parameter, in grid order.
    let mut xs: Vec<String> = Vec::new();
    for p in points {
        if !xs.contains(&p[pi]) {
            xs.push(p[pi].clone());
        }
    }
    let numeric: Option<Vec<f64>> = xs
        .iter()
        .map(|x| x.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect();
    // Series: one per combination of the other parameters.
    let mut series: Vec<Series> = Vec::new();
    for (idx, p) in points.iter().enumerate() {
        let label = parameters
            .iter()
            .zip(p)
            .enumerate()
            .filter(|(i, _)| *i != pi)
            .map(|(_, (name, v))| format!("{name}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let x = xs.iter().position(|x| *x == p[pi]).expect("value listed");
        match series.iter_mut().find(|s| s.label == label) {
            Some(s) => s.points.push((x, idx)),
            None => series.push(Series {
                label,
                points: vec![(x, idx)],
            }),
        }
    }
    let legend = series.len() > 1;
    let right = if legend { 250.0 } else { 24.0 };
    let (pw, ph) = (W - LEFT - right, H - TOP - BOTTOM);

    // X scale.
    let (x_lo, x_hi, x_ticks): (f64, f64, Vec<(f64, String)>) = match &numeric {
        Some(v) if v.len() > 1 => {
            let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let pad = (hi - lo) * 0.04;
            (lo - pad, hi + pad, nice_ticks(lo - pad, hi + pad))
        }
        Some(v) => (v[0] - 1.0, v[0] + 1.0, vec![(v[0], xs[0].clone())]),
        None => (
            -0.5,
            xs.len() as f64 - 0.5,
            xs.iter()
                .enumerate()
                .map(|(i, l)| (i as f64, l.clone()))
                .collect(),
        ),
    };
    let x_of = |i: usize| -> f64 {
        let v = numeric.as_ref().map_or(i as f64, |n| n[i]);
        LEFT + (v - x_lo) / (x_hi - x_lo) * pw
    };

    // Y scale.
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for row in table {
        let c = row[mi];
        for v in [Some(c.mean), c.ci.map(|c| c.0), c.ci.map(|c| c.1)]
            .into_iter()
            .flatten()
        {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let non_negative = lo >= 0.0;
    if non_negative && lo <= 0.5 * hi {
        lo = 0.0;
    }
    if hi - lo < 1e-12 {
        let pad = if hi.abs() > 0.0 { hi.abs() * 0.1 } else { 1.0 };
        (lo, hi) = (
            if non_negative {
                (lo - pad).max(0.0)
            } else {
                lo - pad
            },
            hi + pad,
        );
    }
    let pad = (hi - lo) * 0.05;
    let y_lo = if non_negative && lo == 0.0 {
        0.0
    } else {
        lo - pad
    };
    let y_hi = hi + pad;
    let y_ticks = nice_ticks(y_lo, y_hi);
    let y_of = |v: f64| TOP + ph - (v - y_lo) / (y_hi - y_lo) * ph;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{} vs {}</text>"#,
        esc(metric),
        esc(&parameters[pi])
    );
    let interval = if seeds > 1 {
        format!("mean and 95% interval over {seeds} seeds")
    } else {
        "one seed".to_string()
    };
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="40" fill="#555">sweep {}: {interval}</text>"##,
        esc(sweep)
    );
    // Grid and ticks.
    for (v, label) in &y_ticks {
        let y = y_of(*v);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e5e5"/>"##,
            LEFT + pw
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            y + 4.0,
            esc(label)
        );
    }
    for (v, label) in &x_ticks {
        let x = LEFT + (v - x_lo) / (x_hi - x_lo) * pw;
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#333"/>"##,
            TOP + ph,
            TOP + ph + 5.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            TOP + ph + 19.0,
            esc(label)
        );
    }
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{pw:.1}" height="{ph:.1}" fill="none" stroke="#333"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        LEFT + pw / 2.0,
        H - 18.0,
        esc(&parameters[pi])
    );
    let _ = writeln!(
        s,
        r#"<text x="18" y="{:.1}" text-anchor="middle" transform="rotate(-90 18 {:.1})">{}</text>"#,
        TOP + ph / 2.0,
        TOP + ph / 2.0,
        esc(metric)
    );
    // Series.
    for (k, ser) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let path: Vec<String> = ser
            .points
            .iter()
            .map(|&(x, p)| format!("{:.1},{:.1}", x_of(x), y_of(table[p][mi].mean)))
            .collect();
        if path.len() > 1 {
            let _ = writeln!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="1.8"/>"#,
                path.join(" ")
            );
        }
        for &(x, p) in &ser.points {
            let c = table[p][mi];
            let px = x_of(x);
            if let Some((l, h)) = c.ci {
                let _ = writeln!(
                    s,
                    r#"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="{color}"/>"#,
                    y_of(l),
                    y_of(h)
                );
                for v in [l, h] {
                    let _ = writeln!(
                        s,
                        r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{color}"/>"#,
                        px - 4.0,
                        y_of(v),
                        px + 4.0,
                        y_of(v)
                    );
                }
            }
            let _ = writeln!(
                s,
                r#"<circle cx="{px:.1}" cy="{:.1}" r="3" fill="{color}"/>"#,
                y_of(c.mean)
            );
        }
        if legend && k < MAX_LEGEND {
            let ly = TOP + 8.0 + 18.0 * k as f64;
            let lx = W - right + 14.0;
            let _ = writeln!(
                s,
                r#"<rect x="{lx:.1}" y="{:.1}" width="12" height="12" fill="{color}"/>"#,
                ly - 10.0
            );
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{ly:.1}" font-size="11">{}</text>"#,
                lx + 18.0,
                esc(&ser.label)
            );
        }
    }
    if legend && series.len() > MAX_LEGEND {
        let ly = TOP + 8.0 + 18.0 * MAX_LEGEND as f64;
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{ly:.1}" font-size="11">… {} more</text>"#,
            W - right + 32.0,
            series.len() - MAX_LEGEND
        );
    }
    s.push_str("</svg>\n");
    s
}

/// About five round tick values within `lo..=hi`, with their labels.
fn nice_ticks(lo: f64, hi: f64) -> Vec<(f64, String)> {
    let span = (hi - lo).max(1e-12);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let decimals = (0..10usize)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(10);
    let first = (lo / step - 1e-9).ceil();
    let mut out = Vec::new();
    for i in 0..=60 {
        let v = (first + i as f64) * step;
        if v > hi + step * 1e-9 {
            break;
        }
        let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
        out.push((v, format!("{v:.decimals$}")));
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_ticks() {
        assert_eq!(
            slug("cluster.nodePools[general].count"),
            "cluster-nodePools-general-count"
        );
        assert_eq!(slug("pendingAfter:30m"), "pendingAfter-30m");
        let t = nice_ticks(0.0, 1.0);
        assert_eq!(t.first().unwrap().1, "0.0");
        assert_eq!(t.last().unwrap().1, "1.0");
        let t = nice_ticks(5000.0, 6000.0);
        assert!(t.iter().any(|(_, l)| l == "5200"), "{t:?}");
        let t = nice_ticks(0.0, 0.25);
        assert!(t.iter().any(|(_, l)| l == "0.05"), "{t:?}");
    }

    #[test]
    fn draws_one_chart_per_metric_and_parameter() {
        let params = vec!["a".to_string(), "b".to_string()];
        let points = vec![
            vec!["1".into(), "x".into()],
            vec!["1".into(), "y".into()],
            vec!["2".into(), "x".into()],
            vec!["2".into(), "y".into()],
        ];
        let metrics = vec!["m".to_string()];
        let table: Vec<Vec<Cell>> = (0..4)
            .map(|i| {
                vec![Cell {
                    mean: i as f64,
                    ci: Some((i as f64 - 0.5, i as f64 + 0.5)),
                }]
            })
            .collect();
        let charts = sweep_charts("s", &params, &points, &metrics, &table, 3);
        assert_eq!(
            charts.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            vec!["m-vs-a.svg", "m-vs-b.svg"]
        );
        let svg = &charts[0].1;
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(
            svg.contains("b=x") && svg.contains("b=y"),
            "legend names the other parameter"
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
    }
}
