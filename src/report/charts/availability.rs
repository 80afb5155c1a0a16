//! Workload availability over time: ready / desired of the least available workloads, with the
//! fault windows shaded.
//!
//! `workload_availability.csv` (one row per metrics sample per workload: 3 million rows for a
//! week of 300 workloads at one minute) is streamed once; each workload keeps its ratios as
//! `f32` pairs, then only the worst are decimated (minimum and maximum per bin, so dips survive).

use std::collections::HashMap;

use super::panel::{Dash, Panel, TimeChart, YFmt};
use super::reduce::{decimate, LINE_BINS};
use super::style::palette;
use super::timecharts::{chart, run_end};
use super::Prep;
use crate::report::columns as col;
use crate::report::data::{CsvStream, RunData};
use crate::report::error::ReportError;
use crate::report::format;

/// Most workloads the chart shows.
pub const MAX_WORKLOADS: usize = 8;

#[derive(Default)]
struct Track {
    /// `(time_s, ready / desired)`; samples with `desired = 0` are left out.
    pts: Vec<(f32, f32)>,
    /// Time-weighted sum of the ratio and the time it covers (for the ranking).
    weighted: f64,
    covered: f64,
    min: f64,
}

/// One workload's line, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Workload name.
    pub name: String,
    /// Time-weighted mean of ready / desired.
    pub mean: f64,
    /// Lowest ready / desired.
    pub min: f64,
}

/// Reads `workload_availability.csv` into per-workload tracks, in first-seen order.
fn read(path: &std::path::Path) -> Result<Vec<(String, Track)>, ReportError> {
    let names = [col::TIME, col::W_NAME, col::W_DESIRED, col::W_READY];
    let mut s = CsvStream::open(path, &names, &names)?;
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut tracks: Vec<(String, Track)> = Vec::new();
    let mut last_t: Vec<f64> = Vec::new();
    while s.next()? {
        let t = s.num(0, col::TIME)?;
        let desired = s.num(2, col::W_DESIRED)?;
        let ready = s.num(3, col::W_READY)?;
        let w = match index.get(s.field(1)) {
            Some(&i) => i,
            None => {
                let name = String::from_utf8_lossy(s.field(1)).into_owned();
                index.insert(s.field(1).to_vec(), tracks.len());
                tracks.push((
                    name,
                    Track {
                        min: f64::INFINITY,
                        ..Track::default()
                    },
                ));
                last_t.push(0.0);
                tracks.len() - 1
            }
        };
        let tr = &mut tracks[w].1;
        let dt = (t - last_t[w]).max(0.0);
        last_t[w] = t;
        if desired > 0.0 && t.is_finite() && ready.is_finite() {
            let r = (ready / desired).min(1.0);
            tr.pts.push((t as f32, r as f32));
            tr.weighted += r * dt;
            tr.covered += dt;
            tr.min = tr.min.min(r);
        }
    }
    Ok(tracks)
}

/// The workloads that fell below desired, least available first (mean, then minimum, then
/// name), at most `n`.
fn rank(tracks: &[(String, Track)], n: usize) -> Vec<(usize, Ranked)> {
    let mut out: Vec<(usize, Ranked)> = tracks
        .iter()
        .enumerate()
        .filter(|(_, (_, t))| t.min < 1.0)
        .map(|(i, (name, t))| {
            let mean = if t.covered > 0.0 {
                t.weighted / t.covered
            } else {
                t.pts.iter().map(|p| f64::from(p.1)).sum::<f64>() / t.pts.len().max(1) as f64
            };
            (
                i,
                Ranked {
                    name: name.clone(),
                    mean,
                    min: t.min,
                },
            )
        })
        .collect();
    out.sort_by(|a, b| {
        a.1.mean
            .total_cmp(&b.1.mean)
            .then(a.1.min.total_cmp(&b.1.min))
            .then_with(|| a.1.name.cmp(&b.1.name))
    });
    out.truncate(n);
    out
}

/// The chart of the least available workloads (`workload_availability.csv`).
pub fn workload_availability(run: &RunData) -> Result<Prep, ReportError> {
    let Some(path) = &run.workload_availability else {
        return Ok(Prep::Missing(format!(
            "needs {}",
            col::WORKLOAD_AVAILABILITY_FILE
        )));
    };
    if run_end(run) <= 0.0 {
        return Ok(Prep::Missing("the run has no simulated time".into()));
    }
    let tracks = read(path)?;
    // Nothing to draw is said in the list of charts not drawn, not as an empty chart.
    if tracks.is_empty() {
        return Ok(Prep::Missing(format!(
            "{} has no rows",
            col::WORKLOAD_AVAILABILITY_FILE
        )));
    }
    let worst = rank(&tracks, MAX_WORKLOADS);
    if worst.is_empty() {
        return Ok(Prep::Missing(format!(
            "all {} workloads had every desired pod ready at every sample",
            tracks.len()
        )));
    }
    let below = tracks.iter().filter(|(_, t)| t.min < 1.0).count();
    let title = if below > worst.len() {
        format!(
            "Workload availability: the {} least available of {below} workloads below desired",
            worst.len()
        )
    } else {
        format!(
            "Workload availability: {below} of {} workloads fell below desired",
            tracks.len()
        )
    };
    let mut c: TimeChart = chart(&title, &[run]);
    let ax = c.axis;
    let mut p = Panel::new(
        "Ready pods as a share of desired",
        "% of desired pods ready",
        YFmt::Percent,
    );
    for (k, (i, r)) in worst.iter().enumerate() {
        let t = &tracks[*i].1;
        let ts: Vec<f64> = t.pts.iter().map(|p| f64::from(p.0)).collect();
        let ys: Vec<f64> = t.pts.iter().map(|p| f64::from(p.1) * 100.0).collect();
        p.line(
            format!(
                "{}: mean {}, min {}",
                r.name,
                format::percent(r.mean),
                format::percent(r.min)
            ),
            palette(k),
            if k < 7 { Dash::Solid } else { Dash::Dashed },
            decimate(&ts, &ys, ax.div, LINE_BINS),
        );
    }
    // Small dips stay visible: the axis starts a little below the lowest point when that is
    // above half.
    let lowest = worst
        .iter()
        .map(|(_, r)| r.min * 100.0)
        .fold(100.0, f64::min);
    if lowest >= 50.0 {
        p.y_min = Some((((lowest - 1.0) / 5.0).floor() * 5.0).max(0.0));
    }
    c.panels = vec![p];
    Ok(Prep::Time(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(pts: &[(f32, f32)]) -> Track {
        let mut t = Track {
            min: f64::INFINITY,
            ..Track::default()
        };
        let mut last = 0.0;
        for &(x, r) in pts {
            t.pts.push((x, r));
            t.weighted += f64::from(r) * (f64::from(x) - last);
            t.covered += f64::from(x) - last;
            t.min = t.min.min(f64::from(r));
            last = f64::from(x);
        }
        t
    }

    #[test]
    fn ranks_the_least_available_and_skips_the_always_available() {
        let tracks = vec![
            ("full".to_string(), track(&[(60.0, 1.0), (120.0, 1.0)])),
            ("dip".to_string(), track(&[(60.0, 1.0), (120.0, 0.5)])),
            ("down".to_string(), track(&[(60.0, 0.0), (120.0, 0.0)])),
        ];
        let r = rank(&tracks, 8);
        let names: Vec<&str> = r.iter().map(|(_, r)| r.name.as_str()).collect();
        assert_eq!(names, vec!["down", "dip"]);
        assert_eq!(r[1].1.mean, 0.75);
        assert_eq!(r[1].1.min, 0.5);
        assert_eq!(rank(&tracks, 1).len(), 1);
    }
}
