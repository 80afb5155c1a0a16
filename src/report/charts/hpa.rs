//! HorizontalPodAutoscalers: per HPA, the replicas it set (desired) against the pods that
//! existed (current) and were ready, over time (`hpa.csv`).

use std::collections::HashMap;

use super::panel::{Dash, Panel, TimeChart};
use super::reduce::{decimate, LINE_BINS};
use super::style::palette;
use super::timecharts::{chart, run_end};
use super::Prep;
use crate::report::columns as col;
use crate::report::data::{CsvStream, RunData};
use crate::report::error::ReportError;

/// Most HPAs the chart shows (one panel each).
pub const MAX_HPAS: usize = 4;

/// Per HPA: times and desired, current, ready replicas.
type Track = (Vec<f64>, [Vec<f64>; 3]);

/// The chart of desired vs actual replicas per HPA.
pub fn hpa_replicas(run: &RunData) -> Result<Prep, ReportError> {
    let Some(path) = &run.hpa else {
        return Ok(Prep::Missing(format!("needs {}", col::HPA_FILE)));
    };
    if run_end(run) <= 0.0 {
        return Ok(Prep::Missing("the run has no simulated time".into()));
    }
    let names = [
        col::TIME,
        col::HPA_NAME,
        col::HPA_DESIRED,
        col::HPA_CURRENT,
        col::HPA_READY,
    ];
    let mut s = CsvStream::open(path, &names, &names)?;
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut tracks: Vec<(String, Track)> = Vec::new();
    while s.next()? {
        let i = match index.get(s.field(1)) {
            Some(&i) => i,
            None => {
                index.insert(s.field(1).to_vec(), tracks.len());
                let name = String::from_utf8_lossy(s.field(1)).into_owned();
                tracks.push((name, Default::default()));
                tracks.len() - 1
            }
        };
        let t = s.num(0, col::TIME)?;
        let v = [
            s.num(2, col::HPA_DESIRED)?,
            s.num(3, col::HPA_CURRENT)?,
            s.num(4, col::HPA_READY)?,
        ];
        let tr = &mut tracks[i].1;
        tr.0.push(t);
        for (k, x) in v.into_iter().enumerate() {
            tr.1[k].push(x);
        }
    }
    if tracks.is_empty() {
        return Ok(Prep::Missing(format!("{} has no rows", col::HPA_FILE)));
    }
    let shown = tracks.len().min(MAX_HPAS);
    let title = if tracks.len() > shown {
        format!(
            "HorizontalPodAutoscalers: the first {shown} of {}",
            tracks.len()
        )
    } else {
        "HorizontalPodAutoscalers: desired vs actual replicas".to_string()
    };
    let mut c: TimeChart = chart(&title, &[run]);
    let ax = c.axis;
    for (name, (ts, series)) in tracks.iter().take(shown) {
        let mut p = Panel::new(format!("HPA {name}"), "replicas", super::panel::YFmt::Count);
        for (k, (label, dash)) in [
            ("desired (set by the HPA)", Dash::Solid),
            ("current (pods)", Dash::Dashed),
            ("ready", Dash::Solid),
        ]
        .into_iter()
        .enumerate()
        {
            p.line(
                label,
                palette(k),
                dash,
                decimate(ts, &series[k], ax.div, LINE_BINS),
            );
        }
        c.panels.push(p);
    }
    Ok(Prep::Time(c))
}
