//! The charts of a sweep and its index page, as data: each metric's mean (with its 95 %
//! interval over seeds as whiskers) against each swept parameter, one line per combination of
//! the other parameters, and `sweep.md`/`sweep.html` listing them with a table of means. The
//! drawing is the report's ([`crate::report::sweep_chart`]), so sweep charts look like the run
//! report's (fonts, sizes, colours, PNG and SVG).
//!
//! Everything here is a pure function of the manifest and the statistics, so an unsharded
//! sweep and a merge of its shards draw identical charts.

use std::path::Path;

use super::metric::{Metric, MetricUnit};
use super::output::Manifest;
use crate::report::sweep_chart::{SweepChart, SweepIndex, SweepLine, SweepPoint};
use crate::report::Unit;

/// Mean and interval of one metric at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    /// Mean over seeds.
    pub mean: f64,
    /// 95 % interval of the mean (None with one seed).
    pub ci: Option<(f64, f64)>,
}

/// A metric's title text, axis description with unit, and how its values are shown.
fn metric_axis(name: &str) -> (String, String, Unit) {
    match name.parse::<Metric>() {
        Ok(m) => match m.unit() {
            MetricUnit::Count(what) => (m.label(), format!("{} ({what})", m.label()), Unit::Count),
            MetricUnit::FractionOfAllocatable => (
                m.label(),
                format!("{} (% of allocatable)", m.label()),
                Unit::Fraction,
            ),
        },
        Err(_) => (name.to_string(), name.to_string(), Unit::Count),
    }
}

/// A parameter's axis description: its scenario path, with the unit when the path says it
/// (a node pool's `count` is nodes, a workload's `replicas` pods).
pub fn parameter_desc(path: &str) -> String {
    let unit = if path.starts_with("cluster.nodePools") && path.ends_with(".count") {
        Some("nodes")
    } else if path.starts_with("workloads") && path.ends_with(".replicas") {
        Some("pods")
    } else {
        None
    };
    match unit {
        Some(u) => format!("{path} ({u})"),
        None => path.to_string(),
    }
}

/// One chart per metric × parameter (metrics outer); `table[point][metric]`.
pub fn sweep_charts(
    parameters: &[String],
    points: &[Vec<String>],
    metrics: &[String],
    table: &[Vec<Cell>],
    seeds: usize,
) -> Vec<SweepChart> {
    let mut out = Vec::new();
    for (mi, metric) in metrics.iter().enumerate() {
        for pi in 0..parameters.len() {
            out.push(chart(parameters, pi, points, metric, mi, table, seeds));
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

/// The chart of metric `mi` against parameter `pi`.
fn chart(
    parameters: &[String],
    pi: usize,
    points: &[Vec<String>],
    metric: &str,
    mi: usize,
    table: &[Vec<Cell>],
    seeds: usize,
) -> SweepChart {
    let param = &parameters[pi];
    // x values: distinct values of the parameter, in grid order.
    let mut x_values: Vec<String> = Vec::new();
    for p in points {
        if !x_values.contains(&p[pi]) {
            x_values.push(p[pi].clone());
        }
    }
    // Lines: one per combination of the other parameters, in grid order.
    let mut lines: Vec<SweepLine> = Vec::new();
    for (idx, p) in points.iter().enumerate() {
        let label = parameters
            .iter()
            .zip(p)
            .enumerate()
            .filter(|(i, _)| *i != pi)
            .map(|(_, (name, v))| format!("{name}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let point = SweepPoint {
            x: x_values.iter().position(|x| *x == p[pi]).expect("listed"),
            mean: table[idx][mi].mean,
            ci: table[idx][mi].ci,
        };
        match lines.iter_mut().find(|l| l.label == label) {
            Some(l) => l.points.push(point),
            None => lines.push(SweepLine {
                label,
                points: vec![point],
            }),
        }
    }
    let (title, y_desc, unit) = metric_axis(metric);
    let others: Vec<&str> = parameters
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != pi)
        .map(|(_, p)| p.as_str())
        .collect();
    let per_line = if others.is_empty() {
        String::new()
    } else {
        format!(
            " One line per value of {}, shifted slightly sideways so that the whiskers do not \
             overlap.",
            others.join(" × ")
        )
    };
    let (caption, legend_caption) = if seeds > 1 {
        (
            format!(
                "{metric}: mean over {seeds} seeds at each value of {param}, whiskers the 95 % \
                 interval of the mean (Student t).{per_line}"
            ),
            format!("mean ± 95 % interval, {seeds} seeds"),
        )
    } else {
        (
            format!("{metric} at each value of {param} (one seed: no interval).{per_line}"),
            "one seed".to_string(),
        )
    };
    SweepChart {
        name: format!("{}-vs-{}", slug(metric), slug(param)),
        title: format!("{title} vs {param}"),
        caption,
        legend_caption,
        x_desc: parameter_desc(param),
        x_values,
        y_desc,
        unit,
        lines,
    }
}

/// The index page of a sweep: summary, means per point, then the charts.
pub fn sweep_index(m: &Manifest, table: &[Vec<Cell>]) -> SweepIndex {
    let short = |h: &str| h.chars().take(12).collect::<String>();
    let base = Path::new(&m.base_file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| m.base_file.clone());
    let mut summary = vec![
        ("Sweep".to_string(), m.sweep.clone()),
        (
            "Sweep file".to_string(),
            format!("SHA-256 {}…", short(&m.sweep_sha256)),
        ),
        (
            "Base scenario".to_string(),
            format!("`{base}` (SHA-256 {}…)", short(&m.base_sha256)),
        ),
    ];
    for (i, p) in m.parameters.iter().enumerate() {
        let mut values: Vec<&str> = Vec::new();
        for point in &m.points {
            if !values.contains(&point[i].as_str()) {
                values.push(&point[i]);
            }
        }
        summary.push((format!("Parameter `{p}`"), values.join(", ")));
    }
    let seeds: Vec<String> = m.seeds.iter().map(u64::to_string).collect();
    summary.push(("Seeds".into(), seeds.join(", ")));
    summary.push((
        "Runs".into(),
        format!(
            "{} points × {} seeds = {}",
            m.points.len(),
            m.seeds.len(),
            m.points.len() * m.seeds.len()
        ),
    ));
    summary.push((
        "Tables".into(),
        "`sweep.csv` (one row per point), `runs.csv` (one row per run)".into(),
    ));
    SweepIndex {
        title: format!("clustersim sweep: {}", m.sweep),
        summary,
        parameters: m.parameters.clone(),
        metrics: m
            .metrics
            .iter()
            .map(|name| (name.clone(), metric_axis(name).2))
            .collect(),
        points: m
            .points
            .iter()
            .zip(table)
            .map(|(labels, cells)| (labels.clone(), cells.iter().map(|c| c.mean).collect()))
            .collect(),
        footer: format!(
            "Generated by clustersim {} from the sweep's runs.",
            m.clustersim
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_units_and_axes() {
        assert_eq!(
            slug("cluster.nodePools[general].count"),
            "cluster-nodePools-general-count"
        );
        assert_eq!(slug("pendingAfter:30m"), "pendingAfter-30m");
        assert_eq!(
            parameter_desc("cluster.nodePools[general].count"),
            "cluster.nodePools[general].count (nodes)"
        );
        assert_eq!(
            parameter_desc("workloads[web].replicas"),
            "workloads[web].replicas (pods)"
        );
        assert_eq!(parameter_desc("faults"), "faults");
        let (title, y, unit) = metric_axis("peakCpuRequested");
        assert_eq!(
            (title.as_str(), y.as_str(), unit),
            (
                "Peak CPU requested",
                "Peak CPU requested (% of allocatable)",
                Unit::Fraction
            )
        );
        let (_, y, unit) = metric_axis("pendingAfter:30m");
        assert_eq!(
            (y.as_str(), unit),
            ("Peak Pending pods after 30m (pods)", Unit::Count)
        );
        assert_eq!(
            metric_axis("schedulingFailures").1,
            "Failed scheduling cycles (cycles)"
        );
    }

    #[test]
    fn one_chart_per_metric_and_parameter_with_a_line_per_other_value() {
        let params = vec!["a".to_string(), "b".to_string()];
        let points = vec![
            vec!["1".into(), "x".into()],
            vec!["1".into(), "y".into()],
            vec!["2".into(), "x".into()],
            vec!["2".into(), "y".into()],
        ];
        let metrics = vec!["peakPending".to_string(), "podsFailed".to_string()];
        let table: Vec<Vec<Cell>> = (0..4)
            .map(|i| {
                let c = Cell {
                    mean: i as f64,
                    ci: Some((i as f64 - 0.5, i as f64 + 0.5)),
                };
                vec![c, c]
            })
            .collect();
        let charts = sweep_charts(&params, &points, &metrics, &table, 3);
        assert_eq!(
            charts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            vec![
                "peakPending-vs-a",
                "peakPending-vs-b",
                "podsFailed-vs-a",
                "podsFailed-vs-b"
            ]
        );
        let vs_a = &charts[0];
        assert_eq!(vs_a.title, "Peak Pending pods vs a");
        assert_eq!(vs_a.x_values, ["1", "2"]);
        let labels: Vec<&str> = vs_a.lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["b=x", "b=y"]);
        // b=y holds points 1 and 3: at a=1 and a=2.
        assert_eq!(
            vs_a.lines[1].points,
            vec![
                SweepPoint {
                    x: 0,
                    mean: 1.0,
                    ci: Some((0.5, 1.5))
                },
                SweepPoint {
                    x: 1,
                    mean: 3.0,
                    ci: Some((2.5, 3.5))
                }
            ]
        );
        assert!(vs_a.caption.contains("One line per value of b"));
        assert!(vs_a.legend_caption.contains("3 seeds"));
        let one = sweep_charts(&params[..1], &[vec!["1".into()]], &metrics[..1], &table, 1);
        assert_eq!(one[0].lines.len(), 1);
        assert_eq!(one[0].lines[0].label, "");
        assert_eq!(one[0].legend_caption, "one seed");
    }
}
