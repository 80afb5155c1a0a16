//! The service charts (runs with `services:`): per-service availability and p99 latency over
//! time with the fault windows, queue backlog over time, and the service graph at the worst
//! moment (the metrics sample with the highest total error rate: failed / offered summed over
//! every service), from `services.csv` and `service_calls.csv`.

use std::path::Path;

use super::graph_draw::{GraphChart, GraphEdge, GraphNode};
use super::panel::{Dash, Panel, YFmt};
use super::style::{self, palette};
use super::timecharts::{chart, Sides};
use super::Prep;
use crate::report::columns as col;
use crate::report::data::{RunData, TextTable};
use crate::report::error::ReportError;
use crate::report::format::{self, TimeAxis};

/// Most services drawn as lines (the least available first).
const MAX_LINES: usize = 8;

/// One service's samples: `(time s, error rate, p99 s, backlog, offered, failed, ready)`.
type Samples = Vec<(f64, f64, f64, f64, f64, f64, f64)>;

/// `services.csv` by service, in first-seen order; None when the run has none.
fn read(dir: &Path) -> Result<Option<Vec<(String, Samples)>>, ReportError> {
    let path = dir.join(col::SERVICES_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let t = TextTable::read(&path)?;
    let need = |name: &str| {
        t.col(name)
            .ok_or_else(|| ReportError::input(&path, format!("no column {name:?}")))
    };
    let (c_t, c_s) = (need(col::TIME)?, need(col::SV_SERVICE)?);
    let (c_e, c_p) = (need(col::SV_ERROR_RATE)?, need(col::SV_P99)?);
    let (c_b, c_o) = (need(col::SV_BACKLOG)?, need(col::SV_OFFERED)?);
    let (c_f, c_r) = (need(col::SV_FAILED)?, need(col::SV_READY)?);
    let mut out: Vec<(String, Samples)> = Vec::new();
    for r in 0..t.len() {
        let name = t.text(r, c_s);
        let i = match out.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                out.push((name.to_owned(), Vec::new()));
                out.len() - 1
            }
        };
        let n = |c| t.num(r, c).unwrap_or(f64::INFINITY);
        out[i]
            .1
            .push((n(c_t), n(c_e), n(c_p), n(c_b), n(c_o), n(c_f), n(c_r)));
    }
    Ok(Some(out))
}

/// The services ordered by their lowest availability (worst first), at most `MAX_LINES`.
fn worst_first(svcs: &[(String, Samples)]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..svcs.len()).collect();
    let min_avail = |s: &Samples| s.iter().map(|x| 1.0 - x.1).fold(1.0, f64::min);
    idx.sort_by(|&a, &b| {
        min_avail(&svcs[a].1)
            .total_cmp(&min_avail(&svcs[b].1))
            .then(a.cmp(&b))
    });
    idx.truncate(MAX_LINES);
    idx.sort_unstable();
    idx
}

fn avail_pts(s: &Samples, ax: TimeAxis) -> Vec<(f64, f64)> {
    s.iter()
        .filter(|x| x.1.is_finite())
        .map(|x| (x.0 / ax.div, (1.0 - x.1).clamp(0.0, 1.0) * 100.0))
        .collect()
}

/// p99 in ms; unbounded latency drawn at `cap_ms`.
fn p99_pts(s: &Samples, ax: TimeAxis, cap_ms: f64) -> Vec<(f64, f64)> {
    s.iter()
        .filter(|x| !x.2.is_nan())
        .map(|x| (x.0 / ax.div, (x.2 * 1000.0).min(cap_ms)))
        .collect()
}

/// The top of the latency axis: 1.5 × the highest finite p99 (unbounded values are drawn
/// there).
fn latency_cap(all: &[&Samples]) -> f64 {
    let max = all
        .iter()
        .flat_map(|s| s.iter())
        .map(|x| x.2 * 1000.0)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    (max * 1.5).max(1.0)
}

/// Availability and p99 latency per service over time.
pub fn slis(run: &RunData) -> Result<Prep, ReportError> {
    let Some(svcs) = read(&run.dir)? else {
        return Ok(Prep::Missing(format!(
            "{} (a run with services)",
            col::SERVICES_FILE
        )));
    };
    let mut c = chart("Service availability and p99 latency", &[run]);
    let ax = c.axis;
    let shown = worst_first(&svcs);
    let cap = latency_cap(&shown.iter().map(|&i| &svcs[i].1).collect::<Vec<_>>());
    let mut a = Panel::new(
        "Availability (1 − error rate)",
        "successful requests (%)",
        YFmt::Percent,
    );
    let mut p = Panel::new(
        "p99 latency (unbounded: drawn at the top)",
        "p99 latency (ms)",
        YFmt::Decimal,
    );
    for (k, &i) in shown.iter().enumerate() {
        let (name, s) = &svcs[i];
        a.line(name.clone(), palette(k), Dash::Solid, avail_pts(s, ax));
        p.line(name.clone(), palette(k), Dash::Solid, p99_pts(s, ax, cap));
    }
    c.panels = vec![a, p];
    Ok(Prep::Time(c))
}

/// Queue backlog of the services that consume queues.
pub fn backlog(run: &RunData) -> Result<Prep, ReportError> {
    let Some(svcs) = read(&run.dir)? else {
        return Ok(Prep::Missing(format!(
            "{} (a run with services)",
            col::SERVICES_FILE
        )));
    };
    let consumers = queue_consumers(&run.dir)?;
    let title = "Queue backlog";
    let list: Vec<usize> = (0..svcs.len())
        .filter(|&i| consumers.contains(&svcs[i].0) || svcs[i].1.iter().any(|x| x.3 > 0.0))
        .take(MAX_LINES)
        .collect();
    // Without queues every backlog is 0: the chart says so over the services' (flat) lines.
    let (list, caption) = if list.is_empty() {
        (
            (0..svcs.len().min(MAX_LINES)).collect(),
            "No queues in this run (every call is synchronous): no backlog",
        )
    } else {
        (list, "Messages waiting, by consuming service")
    };
    let mut c = chart(title, &[run]);
    let ax = c.axis;
    let mut p = Panel::new(caption, "messages", YFmt::Count);
    for (k, &i) in list.iter().enumerate() {
        let (name, s) = &svcs[i];
        let pts = s
            .iter()
            .filter(|x| x.3.is_finite())
            .map(|x| (x.0 / ax.div, x.3))
            .collect();
        p.line(name.clone(), palette(k), Dash::Solid, pts);
    }
    c.panels = vec![p];
    Ok(Prep::Time(c))
}

/// Callees of queue edges in `service_calls.csv`.
fn queue_consumers(dir: &Path) -> Result<Vec<String>, ReportError> {
    let path = dir.join(col::SERVICE_CALLS_FILE);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let t = TextTable::read(&path)?;
    let (Some(callee), Some(mode)) = (t.col(col::SC_CALLEE), t.col(col::SC_MODE)) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<String> = Vec::new();
    for r in 0..t.len() {
        if t.text(r, mode) == "queue" && !out.iter().any(|x| x == t.text(r, callee)) {
            out.push(t.text(r, callee).to_owned());
        }
    }
    Ok(out)
}

/// The time (s) of the sample with the highest total error rate (the first of equals), and
/// that rate; None without samples.
pub fn worst_moment(svcs: &[(String, Samples)]) -> Option<(f64, f64)> {
    let mut times: Vec<f64> = svcs.iter().flat_map(|s| s.1.iter().map(|x| x.0)).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut best: Option<(f64, f64)> = None;
    for t in times {
        let (mut off, mut fail) = (0.0, 0.0);
        for (_, s) in svcs {
            for x in s.iter().filter(|x| x.0 == t) {
                if x.4.is_finite() && x.5.is_finite() {
                    off += x.4;
                    fail += x.5;
                }
            }
        }
        let rate = if off > 0.0 { fail / off } else { 0.0 };
        if best.is_none_or(|b| rate > b.1) {
            best = Some((t, rate));
        }
    }
    best
}

/// The service graph at the worst moment: nodes with their error rate and ready endpoints,
/// edges with their attempts/s and breaker state.
pub fn graph(run: &RunData) -> Result<Prep, ReportError> {
    let Some(svcs) = read(&run.dir)? else {
        return Ok(Prep::Missing(format!(
            "{} (a run with services)",
            col::SERVICES_FILE
        )));
    };
    if svcs.len() < 2 && !run.dir.join(col::SERVICE_CALLS_FILE).is_file() {
        return Ok(Prep::Missing(format!(
            "{} or a second service (one service that calls nothing is not a graph)",
            col::SERVICE_CALLS_FILE
        )));
    }
    let Some((at, rate)) = worst_moment(&svcs) else {
        return Ok(Prep::Message {
            title: "Service graph".into(),
            message: "No service samples in this run.".into(),
        });
    };
    let nodes: Vec<GraphNode> = svcs
        .iter()
        .map(|(name, s)| {
            let x = s.iter().find(|x| x.0 == at);
            GraphNode {
                name: name.clone(),
                detail: x.map_or_else(String::new, |x| {
                    format!(
                        "{} err · {} ready",
                        format::percent(x.1.min(1.0)),
                        format::count(x.6)
                    )
                }),
                error_rate: x.map_or(0.0, |x| x.1),
            }
        })
        .collect();
    let mut edges = Vec::new();
    let path = run.dir.join(col::SERVICE_CALLS_FILE);
    if path.is_file() {
        let t = TextTable::read(&path)?;
        let cols = [
            t.col(col::TIME),
            t.col(col::SC_CALLER),
            t.col(col::SC_CALLEE),
            t.col(col::SC_MODE),
            t.col(col::SC_ATTEMPTS),
            t.col(col::SC_BREAKER),
            t.col(col::SC_BACKLOG),
            t.col(col::SC_CALLS),
        ];
        if let [Some(ct), Some(cf), Some(cto), Some(cm), Some(ca), Some(cb), Some(cq), Some(cc)] =
            cols
        {
            for r in (0..t.len()).filter(|&r| t.num(r, ct) == Some(at)) {
                let idx = |n: &str| nodes.iter().position(|x| x.name == n);
                let (Some(from), Some(to)) = (idx(t.text(r, cf)), idx(t.text(r, cto))) else {
                    continue;
                };
                let queue = t.text(r, cm) == "queue";
                let breaker = t.text(r, cb).to_owned();
                let label = if queue {
                    format!(
                        "queue: {}/s in, {} waiting",
                        format::count(t.num(r, cc).unwrap_or(0.0)),
                        format::count(t.num(r, cq).unwrap_or(0.0))
                    )
                } else {
                    let b = if breaker == "none" {
                        String::new()
                    } else {
                        format!(", breaker {breaker}")
                    };
                    format!("{}/s{b}", format::count(t.num(r, ca).unwrap_or(0.0)))
                };
                let color = match breaker.as_str() {
                    "open" => style::VERMILLION,
                    "half-open" => style::ORANGE,
                    "closed" => style::GREEN,
                    _ => style::GREY,
                };
                edges.push(GraphEdge {
                    from,
                    to,
                    label,
                    color,
                    dashed: queue,
                });
            }
        }
    }
    Ok(Prep::Graph(GraphChart {
        title: format!(
            "Service graph at the worst moment ({}: {} of requests failing)",
            format::duration(at),
            format::percent(rate)
        ),
        nodes,
        edges,
    }))
}

/// Overlays of per-service availability and p99 latency, baseline (solid) vs variant
/// (dashed), for `compare`.
pub fn compare_overlays(s: &Sides) -> Vec<(&'static str, &'static str, &'static str, Prep)> {
    let (Ok(Some(b)), Ok(Some(v))) = (read(&s.base.0.dir), read(&s.var.0.dir)) else {
        return Vec::new();
    };
    let mut c = chart(
        "Service availability and p99 latency: baseline vs variant",
        &[s.base.0, s.var.0],
    );
    let ax = c.axis;
    let names: Vec<&String> = b
        .iter()
        .map(|x| &x.0)
        .filter(|n| v.iter().any(|y| &y.0 == *n))
        .take(MAX_LINES / 2)
        .collect();
    let all: Vec<&Samples> = b.iter().chain(&v).map(|x| &x.1).collect();
    let cap = latency_cap(&all);
    let mut a = Panel::new("Availability", "successful requests (%)", YFmt::Percent);
    let mut p = Panel::new(
        "p99 latency (unbounded: drawn at the top)",
        "ms",
        YFmt::Decimal,
    );
    for (k, n) in names.iter().enumerate() {
        fn get<'a>(side: &'a [(String, Samples)], n: &str) -> Option<&'a Samples> {
            side.iter().find(|x| x.0 == n).map(|x| &x.1)
        }
        let (Some(sb), Some(sv)) = (get(&b, n), get(&v, n)) else {
            continue;
        };
        a.line(
            format!("{n} (baseline)"),
            palette(k),
            Dash::Solid,
            avail_pts(sb, ax),
        );
        a.line(
            format!("{n} (variant)"),
            palette(k),
            Dash::Dashed,
            avail_pts(sv, ax),
        );
        p.line(
            format!("{n} (baseline)"),
            palette(k),
            Dash::Solid,
            p99_pts(sb, ax, cap),
        );
        p.line(
            format!("{n} (variant)"),
            palette(k),
            Dash::Dashed,
            p99_pts(sv, ax, cap),
        );
    }
    if a.lines.is_empty() {
        return Vec::new();
    }
    c.panels = vec![a, p];
    vec![(
        "compare-services",
        "Services: baseline vs variant",
        "Availability (1 − error rate) and p99 latency of each service in both runs: baseline solid, variant dashed. Shaded: fault windows.",
        Prep::Time(c),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_moment_is_the_highest_total_error_rate() {
        let s = |rows: &[(f64, f64, f64)]| -> Samples {
            rows.iter()
                .map(|&(t, o, f)| (t, f / o, 0.0, 0.0, o, f, 1.0))
                .collect()
        };
        // At 10 s: 10 of 110 fail; at 20 s: 50 of 200 (25 %); at 30 s: 1 of 2 (50 %).
        let svcs = vec![
            (
                "a".to_string(),
                s(&[(10.0, 100.0, 0.0), (20.0, 100.0, 50.0), (30.0, 1.0, 0.0)]),
            ),
            (
                "b".to_string(),
                s(&[(10.0, 10.0, 10.0), (20.0, 100.0, 0.0), (30.0, 1.0, 1.0)]),
            ),
        ];
        assert_eq!(worst_moment(&svcs), Some((30.0, 0.5)));
    }
}
