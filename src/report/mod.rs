//! Charts, the review report and the baseline-vs-variant comparison.
//!
//! Architecture invariant: the report reads only a results directory (the files named in
//! [`columns`]); it knows nothing of the engine. A chart or figure whose inputs a run lacks is
//! skipped and listed, so later recorder columns appear in the report without changes here.
//!
//! - [`write_report`]: `<dir>/charts/*.png|svg`, `report.md`, `report.html`, `report.json`.
//! - [`compare::write_compare`]: the same figures side by side with deltas (paired by seed, mean
//!   difference with a 95 % interval when both sides have several runs), overlay charts and the
//!   verdict per SLO.
//! - [`sweep_chart`]: the charts and index page of a sweep, drawn for the `sweep` module (which
//!   imports the report; the report imports nothing of it).
//!
//! Figures, SLOs and statistics are defined once in [`crate::figures`]; this module computes
//! them from a results directory ([`RunData`] is a [`crate::figures::RunView`]).
//!
//! Output is written into a temporary directory first and moved into place, so a failed render
//! never leaves a half-written report behind.

mod charts;
pub mod columns;
pub mod compare;
mod data;
mod document;
mod error;
mod figures;
mod format;
mod pending;
pub mod scenario_diff;
mod services;
mod slo;
pub mod sweep_chart;
mod view;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

pub use crate::figures::slo::slo_json;
pub use crate::figures::stats::{mean_ci, MeanCi};
pub use charts::{register_fonts, ChartFile, ChartKind, Skipped};
pub use compare::{write_compare, CompareOptions, CompareOutput};
pub use data::{check_results_dir, run_subdirs, RunData, Series, TextTable};
pub use document::{html_page, markdown};
pub use error::ReportError;
pub use figures::{Figure, FigureKey, Figures};
pub use format::Unit;
pub use slo::{evaluate, judge_results_dir, Status, Verdict, SLO_FILE};

use crate::scenario::types::slo::Slo;
use document::{Document, Section, Table};

/// Options of [`write_report`].
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Judge against these SLOs instead of the run's `slo.json`.
    pub slo: Option<Slo>,
    /// Where `slo` came from, for the report (`--slo scenarios/x.yaml`).
    pub slo_source: Option<String>,
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone)]
pub struct ReportOutput {
    /// `report.html`.
    pub html: PathBuf,
    /// `report.md`.
    pub markdown: PathBuf,
    /// `report.json`.
    pub json: PathBuf,
    /// Charts drawn.
    pub charts: Vec<ChartFile>,
    /// Charts not available in the run.
    pub skipped: Vec<Skipped>,
    /// SLO verdicts.
    pub verdicts: Vec<Verdict>,
    /// Wall time of the whole report, seconds.
    pub seconds: f64,
}

/// `report.json`: the report's figures and verdicts for machines.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportJson<'a> {
    scenario: &'a str,
    seed: u64,
    fleet_size: Option<f64>,
    simulated_time_s: f64,
    figures: &'a [Figure],
    slo: &'a [Verdict],
    charts: &'a [ChartFile],
    not_available: &'a [Skipped],
    why_pending: &'a [pending::PendingRow],
}

/// Names of the files the report writes into a results directory.
pub const REPORT_FILES: [&str; 3] = ["report.md", "report.html", "report.json"];

/// A `.<what>.tmp-<pid>` directory inside `dir` for output that is moved into place later.
fn temp_output(dir: &Path, what: &str) -> Result<PathBuf, ReportError> {
    // Stale temporary directories of killed reports are removed first.
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(&format!(".{what}.tmp-"))
            {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    let tmp = dir.join(format!(".{what}.tmp-{}", std::process::id()));
    fs::create_dir_all(&tmp).map_err(ReportError::write("create directory", &tmp))?;
    Ok(tmp)
}

/// Moves `tmp/charts` and `tmp/<files>` into `dir` (replacing the old ones), removes `tmp`.
fn publish(tmp: &Path, dir: &Path, files: &[&str]) -> Result<(), ReportError> {
    let charts = dir.join(columns::CHARTS_DIR);
    if charts.exists() {
        fs::remove_dir_all(&charts).map_err(ReportError::write("remove old", &charts))?;
    }
    let from = tmp.join(columns::CHARTS_DIR);
    fs::rename(&from, &charts).map_err(ReportError::write("move charts into", &charts))?;
    for f in files {
        let to = dir.join(f);
        fs::rename(tmp.join(f), &to).map_err(ReportError::write("write", &to))?;
    }
    let _ = fs::remove_dir_all(tmp);
    Ok(())
}

/// Runs `body` on a fresh temporary directory in `dir` and publishes its output; the temporary
/// directory is removed on failure.
fn with_temp<T>(
    dir: &Path,
    what: &str,
    files: &[&str],
    body: impl FnOnce(&Path) -> Result<T, ReportError>,
) -> Result<T, ReportError> {
    let tmp = temp_output(dir, what)?;
    let out = body(&tmp).and_then(|v| publish(&tmp, dir, files).map(|()| v));
    if out.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    out
}

fn write_file(path: &Path, text: &str) -> Result<(), ReportError> {
    fs::write(path, text).map_err(ReportError::write("write", path))
}

/// The summary line of the verdicts: `FAIL: 2 of 5 SLOs failed (maxPeakPending, …)`.
fn overall(verdicts: &[Verdict]) -> String {
    if verdicts.is_empty() {
        return "no SLOs declared (add an `slo:` section to the scenario)".into();
    }
    let n = verdicts.len();
    let failed: Vec<&str> = verdicts
        .iter()
        .filter(|v| v.status == Status::Fail)
        .map(|v| v.slo.as_str())
        .collect();
    let not_evaluated = verdicts
        .iter()
        .filter(|v| v.status == Status::NotEvaluated)
        .count();
    let tail = if not_evaluated > 0 {
        format!("; {not_evaluated} not evaluated (figure not recorded in this run)")
    } else {
        String::new()
    };
    if !failed.is_empty() {
        format!(
            "FAIL: {} of {n} SLOs failed ({}){tail}",
            failed.len(),
            failed.join(", ")
        )
    } else if not_evaluated < n {
        format!("pass: {} of {n} SLOs met{tail}", n - not_evaluated)
    } else {
        format!("not evaluated: none of the {n} SLOs has its figure in this run")
    }
}

fn run_document(
    run: &RunData,
    figs: &Figures,
    verdicts: &[Verdict],
    slo_source: Option<&str>,
) -> Document {
    let mut head = Table::new(&["", ""]);
    head.row(vec!["Scenario".into(), run.scenario.clone()]);
    head.row(vec!["Seed".into(), run.seed.to_string()]);
    head.row(vec![
        "Fleet size".into(),
        match figs.fleet {
            Some(n) => format!("{} nodes{}", format::count(n), figs.fleet_note),
            None => "n/a".into(),
        },
    ]);
    head.row(vec![
        "Simulated time".into(),
        format::duration(run.duration_s),
    ]);
    head.row(vec!["SLO verdict".into(), overall(verdicts)]);
    if let Some(src) = slo_source {
        head.row(vec!["SLOs from".into(), src.to_owned()]);
    }
    if run.summary[columns::S_RESILIENCE][columns::S_OVERLOAD_ENABLED].as_bool() == Some(true) {
        head.row(vec![
            "Overload failures".into(),
            "on (not upstream behaviour)".into(),
        ]);
    }
    let mut key = Table::new(&["Figure", "Value", "SLO", "Verdict", "Note"]);
    let mut more = Table::new(&["Figure", "Value"]);
    for f in &figs.list {
        if f.key_figure {
            let v = verdicts.iter().find(|v| v.figure == f.key);
            key.row(vec![
                f.label.clone(),
                f.display(),
                v.map_or("—".into(), |v| v.threshold.clone()),
                v.map_or("—".into(), |v| v.status.as_str().to_owned()),
                f.note.clone().unwrap_or_default(),
            ]);
        } else {
            more.row(vec![f.label.clone(), f.display()]);
        }
    }
    Document {
        title: format!("clustersim report: {} (seed {})", run.scenario, run.seed),
        sections: vec![
            Section {
                heading: "Summary".into(),
                text: None,
                table: Some(head),
            },
            Section {
                heading: "Key figures".into(),
                text: Some(
                    "Each figure against the threshold the scenario declares in its `slo:` \
                     section; n/a: this run does not record the figure."
                        .into(),
                ),
                table: Some(key),
            },
            Section {
                heading: "More figures".into(),
                text: None,
                table: Some(more),
            },
        ],
        charts: Vec::new(),
        skipped: Vec::new(),
        footer: format!(
            "Generated by clustersim {} from the results directory {}.",
            env!("CARGO_PKG_VERSION"),
            run.dir.display()
        ),
    }
}

/// Writes the report of the results directory `dir` into it: `charts/`, `report.md`,
/// `report.html`, `report.json`. Errors name the path; bad input is [`ReportError::is_input`].
pub fn write_report(dir: &Path, opts: &ReportOptions) -> Result<ReportOutput, ReportError> {
    let started = Instant::now();
    let run = RunData::load(dir)?;
    let (slo, source) = match (&opts.slo, &run.slo) {
        (Some(s), _) => (Some(s.clone()), opts.slo_source.clone()),
        (None, Some(s)) => (Some(s.clone()), Some(SLO_FILE.to_owned())),
        (None, None) => (None, None),
    };
    let figs = figures::compute(&run, slo.as_ref());
    let verdicts = slo.as_ref().map(|s| evaluate(s, &figs)).unwrap_or_default();
    let jobs = charts::run_jobs(&run)?;
    let (charts, skipped) = with_temp(dir, "report", &REPORT_FILES, |tmp| {
        let (charts, skipped) = charts::draw_all(jobs, tmp)?;
        let mut doc = run_document(&run, &figs, &verdicts, source.as_deref());
        let why_pending = pending::rows(&run);
        if let Some(sec) = pending::section(&why_pending) {
            // After the key figures: a FAIL there is what it explains.
            let at = doc.sections.len().min(2);
            doc.sections.insert(at, sec);
        }
        if let Some(sec) = services::section(&run) {
            // After the key figures, where the service SLOs are judged.
            let at = doc.sections.len().min(2);
            doc.sections.insert(at, sec);
        }
        doc.charts = charts.clone();
        doc.skipped = skipped.clone();
        write_file(&tmp.join("report.md"), &markdown(&doc))?;
        write_file(&tmp.join("report.html"), &html_page(&doc, tmp))?;
        let json = ReportJson {
            scenario: &run.scenario,
            seed: run.seed,
            fleet_size: figs.fleet,
            simulated_time_s: run.duration_s,
            figures: &figs.list,
            slo: &verdicts,
            charts: &charts,
            not_available: &skipped,
            why_pending: &why_pending,
        };
        let mut text = serde_json::to_string_pretty(&json).expect("report serialises");
        text.push('\n');
        write_file(&tmp.join("report.json"), &text)?;
        Ok((charts, skipped))
    })?;
    Ok(ReportOutput {
        html: dir.join("report.html"),
        markdown: dir.join("report.md"),
        json: dir.join("report.json"),
        charts,
        skipped,
        verdicts,
        seconds: started.elapsed().as_secs_f64(),
    })
}
