//! Reading a results directory: the required `summary.json` and `timeseries.csv`, and whichever
//! optional files ([`super::columns`]) the run wrote. The large files (per-node samples, the
//! causality log, per-workload availability) are only located here; their charts stream them.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::columns as col;
use super::error::ReportError;
use crate::scenario::types::slo::Slo;

/// A numeric table read from a CSV file: one `f64` column per header name (empty cells and
/// `NaN` are `NaN`).
#[derive(Debug, Clone, Default)]
pub struct Series {
    names: Vec<String>,
    index: HashMap<String, usize>,
    cols: Vec<Vec<f64>>,
}

impl Series {
    /// A table from named columns of equal length (for tests and synthetic data).
    pub fn from_columns(columns: Vec<(String, Vec<f64>)>) -> Self {
        let mut s = Series::default();
        for (name, values) in columns {
            s.index.insert(name.clone(), s.names.len());
            s.names.push(name);
            s.cols.push(values);
        }
        s
    }

    /// The column called `name`, if the file has it.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.index.get(name).map(|&i| self.cols[i].as_slice())
    }

    /// Whether the file has every column in `names`.
    pub fn has_all(&self, names: &[&str]) -> bool {
        names.iter().all(|n| self.index.contains_key(*n))
    }

    /// Column names, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.cols.first().map_or(0, Vec::len)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The time column (seconds).
    pub fn time(&self) -> &[f64] {
        self.get(col::TIME).unwrap_or(&[])
    }

    /// Reads `path`; `time_s` must be present and every cell a number (or empty).
    pub fn read(path: &Path) -> Result<Self, ReportError> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(path)
            .map_err(|e| ReportError::input(path, format!("cannot read: {e}")))?;
        let headers = rdr
            .headers()
            .map_err(|e| ReportError::input(path, format!("cannot read the header: {e}")))?
            .clone();
        if !headers.iter().any(|h| h == col::TIME) {
            return Err(ReportError::input(
                path,
                format!(
                    "no {:?} column: not a clustersim time series (the file is empty or truncated?)",
                    col::TIME
                ),
            ));
        }
        let names: Vec<String> = headers.iter().map(str::to_owned).collect();
        let mut cols: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        let mut rec = csv::ByteRecord::new();
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(ReportError::input(path, format!("malformed CSV: {e}"))),
            }
            let line = rec.position().map_or(0, |p| p.line());
            if rec.len() != names.len() {
                return Err(ReportError::input(
                    path,
                    format!(
                        "line {line}: {} fields, the header has {}",
                        rec.len(),
                        names.len()
                    ),
                ));
            }
            for (i, field) in rec.iter().enumerate() {
                let v = parse_num(field).ok_or_else(|| {
                    ReportError::input(
                        path,
                        format!(
                            "line {line}, column {}: {:?} is not a number",
                            names[i],
                            String::from_utf8_lossy(field)
                        ),
                    )
                })?;
                cols[i].push(v);
            }
        }
        Ok(Series::from_columns(names.into_iter().zip(cols).collect()))
    }
}

/// A number, or `NaN` for an empty cell; `true`/`false` read as 1/0.
pub fn parse_num(field: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(field).ok()?.trim();
    match s {
        "" => Some(f64::NAN),
        "true" => Some(1.0),
        "false" => Some(0.0),
        _ => s.parse().ok(),
    }
}

/// A large CSV file read row by row: the reader and the index of each requested column.
pub struct CsvStream {
    path: PathBuf,
    rdr: csv::Reader<fs::File>,
    /// Index of each requested column (None when the file lacks it).
    pub cols: Vec<Option<usize>>,
    /// The current row.
    pub rec: csv::ByteRecord,
}

impl CsvStream {
    /// Opens `path` and finds `names`; every name in `required` must be present.
    pub fn open(path: &Path, names: &[&str], required: &[&str]) -> Result<Self, ReportError> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(path)
            .map_err(|e| ReportError::input(path, format!("cannot read: {e}")))?;
        let h = rdr
            .byte_headers()
            .map_err(|e| ReportError::input(path, format!("cannot read the header: {e}")))?
            .clone();
        let find = |name: &str| h.iter().position(|c| c == name.as_bytes());
        let absent: Vec<String> = required
            .iter()
            .filter(|n| find(n).is_none())
            .map(|n| format!("`{n}`"))
            .collect();
        if !absent.is_empty() {
            return Err(ReportError::input(
                path,
                format!("no column(s) {}", absent.join(", ")),
            ));
        }
        Ok(CsvStream {
            path: path.to_path_buf(),
            rdr,
            cols: names.iter().map(|n| find(n)).collect(),
            rec: csv::ByteRecord::new(),
        })
    }

    /// Advances to the next row; false at the end.
    pub fn next(&mut self) -> Result<bool, ReportError> {
        self.rdr
            .read_byte_record(&mut self.rec)
            .map_err(|e| ReportError::input(&self.path, format!("malformed CSV: {e}")))
    }

    /// The bytes of requested column `i` in the current row (empty when absent).
    pub fn field(&self, i: usize) -> &[u8] {
        self.cols[i].and_then(|c| self.rec.get(c)).unwrap_or(b"")
    }

    /// Requested column `i` as a number (NaN when empty or absent); an error names the line.
    pub fn num(&self, i: usize, name: &str) -> Result<f64, ReportError> {
        parse_num(self.field(i)).ok_or_else(|| self.bad(i, name))
    }

    /// The error for a bad value in requested column `i` of the current row.
    pub fn bad(&self, i: usize, name: &str) -> ReportError {
        ReportError::input(
            &self.path,
            format!(
                "line {}: column `{name}`: {:?} is not a valid value",
                self.rec.position().map_or(0, |p| p.line()),
                String::from_utf8_lossy(self.field(i))
            ),
        )
    }
}

/// A small CSV file kept as text (faults, cascades, nodes, workloads).
#[derive(Debug, Clone, Default)]
pub struct TextTable {
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl TextTable {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Self, ReportError> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_path(path)
            .map_err(|e| ReportError::input(path, format!("cannot read: {e}")))?;
        let header = rdr
            .headers()
            .map_err(|e| ReportError::input(path, format!("cannot read the header: {e}")))?
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = rdr
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ReportError::input(path, format!("malformed CSV: {e}")))?;
        Ok(TextTable { header, rows })
    }

    /// A table from a header and rows (for tests).
    pub fn from_rows(header: &[&str], rows: &[&[&str]]) -> Self {
        TextTable {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| csv::StringRecord::from(r.to_vec()))
                .collect(),
        }
    }

    /// The index of column `name`.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The non-empty texts of `cols` (absent columns skipped) in row `row`, joined by spaces.
    pub fn joined(&self, row: usize, cols: &[Option<usize>]) -> String {
        cols.iter()
            .flatten()
            .map(|&c| self.text(row, c))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The text of a cell.
    pub fn text(&self, row: usize, col: usize) -> &str {
        self.rows[row].get(col).unwrap_or("")
    }

    /// A cell as a number (None when empty or not a number).
    pub fn num(&self, row: usize, col: usize) -> Option<f64> {
        parse_num(self.text(row, col).as_bytes()).filter(|v| !v.is_nan())
    }
}

/// One fault window, in simulated seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Start.
    pub start_s: f64,
    /// End; None when the fault lasts to the end of the run.
    pub end_s: Option<f64>,
    /// Kind and target, for labels.
    pub label: String,
}

/// Everything the report reads from one results directory.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The directory.
    pub dir: PathBuf,
    /// `summary.json` as parsed.
    pub summary: Value,
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// Simulated duration, seconds.
    pub duration_s: f64,
    /// `timeseries.csv`.
    pub ts: Series,
    /// Zone names found in the per-zone columns, in column order.
    pub zones: Vec<String>,
    /// `faults.csv` (else the fault-rooted rows of `cascades.csv`), sorted by start; None when
    /// the run wrote no fault data.
    pub faults: Option<Vec<Fault>>,
    /// `cascades.csv`.
    pub cascades: Option<TextTable>,
    /// `nodes.csv`.
    pub nodes: Option<TextTable>,
    /// `workloads.csv`.
    pub workloads: Option<TextTable>,
    /// `node_samples.csv`, when present (streamed by the heatmap).
    pub node_samples: Option<PathBuf>,
    /// `effects.csv`, when present (streamed by the cascade tree).
    pub effects: Option<PathBuf>,
    /// `workload_availability.csv`, when present (streamed by the availability chart).
    pub workload_availability: Option<PathBuf>,
    /// `hpa.csv`, when present (HorizontalPodAutoscalers).
    pub hpa: Option<PathBuf>,
    /// `slo.json`.
    pub slo: Option<Slo>,
}

/// Checks that `dir` is a complete results directory: it exists, holds `summary.json` and
/// `timeseries.csv`, and no write into it is in progress or was interrupted.
pub fn check_results_dir(dir: &Path) -> Result<(), ReportError> {
    let meta = fs::metadata(dir)
        .map_err(|e| ReportError::input(dir, format!("not a results directory: {e}")))?;
    if !meta.is_dir() {
        return Err(ReportError::input(
            dir,
            "not a results directory (it is a file; pass the directory `clustersim run` wrote)",
        ));
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if is_temp_name(&name) {
        return Err(ReportError::input(
            dir,
            "incomplete results directory: this is the temporary directory of a run that is \
             still writing or was interrupted; rerun the scenario",
        ));
    }
    if let Some(parent) = dir.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let marker = format!(".{name}.tmp-");
        if let Ok(entries) = fs::read_dir(parent) {
            for e in entries.flatten() {
                let other = e.file_name().to_string_lossy().into_owned();
                if other.starts_with(&marker) && is_temp_name(&other) {
                    return Err(ReportError::input(
                        dir,
                        format!(
                            "incomplete results directory: a run into it is still writing or was \
                             interrupted (found {}); wait for it, or rerun and delete the leftover",
                            e.path().display()
                        ),
                    ));
                }
            }
        }
    }
    let has_summary = dir.join(col::SUMMARY_FILE).is_file();
    let has_ts = dir.join(col::TIMESERIES_FILE).is_file();
    match (has_summary, has_ts) {
        (true, true) => check_listed_files(dir),
        (false, false) => {
            let runs = run_subdirs(dir).len();
            let hint = if runs > 0 {
                format!(
                    "; it contains {runs} run director{} (pass one of them, or compare them with \
                     `clustersim compare`)",
                    if runs == 1 { "y" } else { "ies" }
                )
            } else {
                " (pass the directory `clustersim run` wrote)".to_string()
            };
            Err(ReportError::input(
                dir,
                format!(
                    "not a results directory: no {} or {}{hint}",
                    col::SUMMARY_FILE,
                    col::TIMESERIES_FILE
                ),
            ))
        }
        (s, _) => Err(ReportError::input(
            dir,
            format!(
                "incomplete results directory: {} is missing",
                if s {
                    col::TIMESERIES_FILE
                } else {
                    col::SUMMARY_FILE
                }
            ),
        )),
    }
}

/// Every file `summary.json` lists in `files` (written by runs since the list was added) must
/// be present: a directory missing one was damaged after it was written (e.g. a deletion that
/// was interrupted). An unreadable summary is left to [`RunData::load`] to report.
fn check_listed_files(dir: &Path) -> Result<(), ReportError> {
    let Ok(text) = fs::read_to_string(dir.join(col::SUMMARY_FILE)) else {
        return Ok(());
    };
    let Ok(summary) = serde_json::from_str::<Value>(&text) else {
        return Ok(());
    };
    let listed = summary.get(col::S_FILES).and_then(Value::as_array);
    let missing: Vec<&str> = listed
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|f| !dir.join(f).exists())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ReportError::input(
        dir,
        format!(
            "incomplete results directory: {} listed in {} but missing; rerun the scenario",
            missing.join(", "),
            col::SUMMARY_FILE
        ),
    ))
}

/// `.<name>.tmp-<digits>`: the temporary directory `metrics::write_results` renames into place.
fn is_temp_name(name: &str) -> bool {
    name.starts_with('.')
        && name
            .rsplit_once(".tmp-")
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Immediate subdirectories of `dir` that hold a `summary.json`, sorted by name.
pub fn run_subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.join(col::SUMMARY_FILE).is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    out.sort();
    out
}

impl RunData {
    /// Reads the results directory `dir` (after [`check_results_dir`]).
    pub fn load(dir: &Path) -> Result<Self, ReportError> {
        check_results_dir(dir)?;
        let summary_path = dir.join(col::SUMMARY_FILE);
        let text = fs::read_to_string(&summary_path)
            .map_err(|e| ReportError::input(&summary_path, format!("cannot read: {e}")))?;
        let summary: Value = serde_json::from_str(&text).map_err(|e| {
            ReportError::input(&summary_path, format!("not valid JSON (truncated?): {e}"))
        })?;
        let scenario = summary
            .get(col::S_SCENARIO)
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ReportError::input(
                    &summary_path,
                    format!("not a clustersim summary (no {:?})", col::S_SCENARIO),
                )
            })?
            .to_owned();
        let seed = summary
            .get(col::S_SEED)
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                ReportError::input(
                    &summary_path,
                    format!("not a clustersim summary (no {:?})", col::S_SEED),
                )
            })?;
        let ts = Series::read(&dir.join(col::TIMESERIES_FILE))?;
        let duration_s = summary
            .get(col::S_DURATION)
            .and_then(Value::as_f64)
            .or_else(|| ts.time().last().copied())
            .unwrap_or(0.0);
        let zones = zones_of(&ts);
        let opt = |name: &str| {
            let p = dir.join(name);
            p.is_file().then_some(p)
        };
        let cascades = opt(col::CASCADES_FILE)
            .map(|p| TextTable::read(&p))
            .transpose()?;
        let faults = opt(col::FAULTS_FILE).map(|p| read_faults(&p)).transpose()?;
        let nodes = opt(col::NODES_FILE)
            .map(|p| TextTable::read(&p))
            .transpose()?;
        let workloads = opt(col::WORKLOADS_FILE)
            .map(|p| TextTable::read(&p))
            .transpose()?;
        let slo = opt(col::SLO_FILE)
            .map(|p| {
                let text = fs::read_to_string(&p)
                    .map_err(|e| ReportError::input(&p, format!("cannot read: {e}")))?;
                serde_json::from_str::<Slo>(&text)
                    .map_err(|e| ReportError::input(&p, format!("not a valid SLO section: {e}")))
            })
            .transpose()?;
        Ok(RunData {
            dir: dir.to_path_buf(),
            summary,
            scenario,
            seed,
            duration_s,
            ts,
            zones,
            faults,
            cascades,
            nodes,
            workloads,
            node_samples: opt(col::NODE_SAMPLES_FILE),
            effects: opt(col::EFFECTS_FILE),
            workload_availability: opt(col::WORKLOAD_AVAILABILITY_FILE),
            hpa: opt(col::HPA_FILE),
            slo,
        })
    }

    /// A `summary.json` number.
    pub fn summary_num(&self, key: &str) -> Option<f64> {
        self.summary.get(key).and_then(Value::as_f64)
    }

    /// The per-workload entries of `summary.json`.
    pub fn summary_workloads(&self) -> &[Value] {
        self.summary
            .get(col::S_WORKLOADS)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// Fault windows merged into disjoint intervals (seconds), for shading.
    pub fn fault_windows(&self) -> Vec<(f64, f64)> {
        let Some(faults) = &self.faults else {
            return Vec::new();
        };
        let end = self
            .duration_s
            .max(self.ts.time().last().copied().unwrap_or(0.0));
        let mut w: Vec<(f64, f64)> = faults
            .iter()
            .map(|f| (f.start_s, f.end_s.unwrap_or(end).max(f.start_s)))
            .collect();
        w.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Windows closer than 1/1000 of the run are one band at chart resolution.
        let gap = end / 1000.0;
        let mut merged: Vec<(f64, f64)> = Vec::new();
        for (s, e) in w {
            match merged.last_mut() {
                Some(last) if s <= last.1 + gap => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }
}

/// Zone names, from the `cpu_requested_m_zone_<zone>` columns.
fn zones_of(ts: &Series) -> Vec<String> {
    let prefix = format!("{}{}", col::CPU_REQUESTED, col::ZONE_INFIX);
    ts.names()
        .iter()
        .filter_map(|n| n.strip_prefix(&prefix).map(str::to_owned))
        .collect()
}

fn read_faults(path: &Path) -> Result<Vec<Fault>, ReportError> {
    let t = TextTable::read(path)?;
    let start = t
        .col(col::F_START)
        .ok_or_else(|| ReportError::input(path, format!("no {:?} column", col::F_START)))?;
    let end = t.col(col::F_END);
    let kind = t.col(col::F_KIND);
    let target = t.col(col::F_TARGET);
    let mut out = Vec::with_capacity(t.len());
    for r in 0..t.len() {
        let start_s = t.num(r, start).ok_or_else(|| {
            ReportError::input(
                path,
                format!("row {}: {:?} is not a number", r + 1, t.text(r, start)),
            )
        })?;
        let label = t.joined(r, &[kind, target]);
        out.push(Fault {
            start_s,
            end_s: end.and_then(|c| t.num(r, c)),
            label,
        });
    }
    out.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names() {
        assert!(is_temp_name(".run-7.tmp-1234"));
        assert!(!is_temp_name("run-7"));
        assert!(!is_temp_name(".run-7.tmp-"));
        assert!(!is_temp_name(".run-7.tmp-12a"));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_num(b"1.5"), Some(1.5));
        assert!(parse_num(b"").unwrap().is_nan());
        assert_eq!(parse_num(b"true"), Some(1.0));
        assert_eq!(parse_num(b"x"), None);
    }
}
