//! Writes a run's results directory: `summary.json`, `timing.json`, `timeseries.csv`,
//! `events.csv`, `nodes.csv` when the usage model was on, and `node_samples.csv` unless node
//! samples are off.
//!
//! The directory is written atomically: everything goes into a temporary sibling
//! `.<name>.tmp-<pid>`, which replaces the target only when complete (see [`super::replace`]),
//! so an interrupted run never leaves a partial directory at the target path. `summary.json`
//! is written last and lists every other file in `files`; `report` refuses a directory where
//! a listed file is missing.
//! Every file except `timing.json` is a pure function of the run (byte-identical for one seed).

use super::pressure::{format_ppm, NodeRow};
use super::schema;
use super::{EventLog, RunResult, Summary, TimeSeries};
use serde::Serialize;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

/// Wall-clock measurements of a run, taken by the CLI (the only non-deterministic output).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// Wall time of the simulation, seconds.
    pub wall_time_s: f64,
    /// Events processed per wall-clock second.
    pub events_per_sec: f64,
    /// Peak resident set size of the process, bytes (None where unknown).
    pub peak_rss_bytes: Option<u64>,
}

/// Writing a results directory failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A file-system operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was attempted (`create directory`, `write`, `rename to …`).
        action: String,
        /// The path involved.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Writing a CSV file failed.
    #[error("cannot write {path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: csv::Error,
    },
    /// Serialising a JSON file failed.
    #[error("cannot write {path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

fn io_err(action: &str, path: &Path) -> impl FnOnce(std::io::Error) -> WriteError {
    let (action, path) = (action.to_owned(), path.to_path_buf());
    move |source| WriteError::Io {
        action,
        path,
        source,
    }
}

/// The error of a failed write of `path`, for `map_err` (as often as needed).
pub(super) fn write_err(path: &Path) -> impl Fn(std::io::Error) -> WriteError + Copy + '_ {
    move |source| WriteError::Io {
        action: "write".into(),
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `path` and writes the header of `file` (no zones, no optional groups): the start of
/// a CSV whose rows are written by hand (`hpa.csv`, `services.csv`, `service_calls.csv`).
pub(super) fn create_with_header(
    path: &Path,
    file: &schema::FileSchema,
) -> Result<BufWriter<fs::File>, WriteError> {
    let err = write_err(path);
    let mut w = BufWriter::new(fs::File::create(path).map_err(err)?);
    writeln!(w, "{}", file.header(&[], false, false).join(",")).map_err(err)?;
    Ok(w)
}

/// `summary.json`: scenario and seed, then the summary's fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryFile<'a> {
    scenario: &'a str,
    seed: u64,
    #[serde(flatten)]
    summary: &'a Summary,
    /// Every other file of the results directory, sorted (a completeness check for readers).
    files: Vec<String>,
}

/// Writes the results of one run into `dir` (created, or replaced if it exists).
pub fn write_results(
    dir: &Path,
    scenario_name: &str,
    seed: u64,
    result: &RunResult,
    timing: &Timing,
) -> Result<(), WriteError> {
    write_results_with(dir, scenario_name, seed, result, timing, &[])
}

/// [`write_results`] plus `extra` files `(file name, bytes)` written into the same temporary
/// directory, so they appear atomically with the rest (e.g. the scenario's `slo.json`).
pub fn write_results_with(
    dir: &Path,
    scenario_name: &str,
    seed: u64,
    result: &RunResult,
    timing: &Timing,
    extra: &[(&str, &[u8])],
) -> Result<(), WriteError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".to_owned());
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err("create directory", &parent))?;
    super::replace::clean_leftovers(&parent);
    let tmp = super::replace::temp_dir(&parent, &name);
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io_err("remove stale temporary directory", &tmp))?;
    }
    fs::create_dir(&tmp).map_err(io_err("create directory", &tmp))?;
    let extras = extra.iter().try_for_each(|(file, bytes)| {
        let p = tmp.join(file);
        fs::write(&p, bytes).map_err(io_err("write", &p))
    });
    let written = extras
        .and_then(|()| write_all(&tmp, scenario_name, seed, result, timing))
        .and_then(|()| super::replace::replace_dir(&tmp, dir, &parent, &name));
    if written.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    written
}

fn write_all(
    dir: &Path,
    scenario_name: &str,
    seed: u64,
    result: &RunResult,
    timing: &Timing,
) -> Result<(), WriteError> {
    write_json(&dir.join("timing.json"), timing)?;
    write_timeseries(&dir.join(schema::TIMESERIES.file), &result.timeseries)?;
    write_events(&dir.join(schema::EVENTS.file), &result.events)?;
    if let Some(nodes) = &result.nodes {
        write_nodes(&dir.join(schema::NODES.file), nodes)?;
    }
    super::write_resilience::write_resilience(dir, &result.resilience)?;
    if let Some(samples) = &result.node_samples {
        write_node_samples(&dir.join(schema::NODE_SAMPLES.file), samples)?;
    }
    if let Some(services) = &result.services {
        super::services::write_services(dir, services)?;
        super::services::write_service_calls(dir, services)?;
    }
    if let Some(hpas) = &result.hpas {
        super::hpa::write_hpa(dir, hpas)?;
    }
    // Last: a results directory with `summary.json` is complete, and says what it holds.
    let mut files = Vec::new();
    for e in fs::read_dir(dir).map_err(io_err("read", dir))? {
        let e = e.map_err(io_err("read", dir))?;
        files.push(e.file_name().to_string_lossy().into_owned());
    }
    files.sort();
    write_json(
        &dir.join("summary.json"),
        &SummaryFile {
            scenario: scenario_name,
            seed,
            summary: &result.summary,
            files,
        },
    )
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), WriteError> {
    let file = fs::File::create(path).map_err(io_err("create", path))?;
    let mut w = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut w, value).map_err(|source| WriteError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    w.write_all(b"\n").map_err(io_err("write", path))?;
    w.flush().map_err(io_err("write", path))
}

/// Formats milliseconds as seconds with three decimals (`61.005`), exactly.
pub fn format_secs(ms: u64, out: &mut String) {
    let _ = write!(out, "{}.{:03}", ms / 1000, ms % 1000);
}

pub(super) fn csv_writer(path: &Path) -> Result<csv::Writer<BufWriter<fs::File>>, WriteError> {
    let file = fs::File::create(path).map_err(io_err("create", path))?;
    Ok(csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(BufWriter::new(file)))
}

pub(super) fn finish_csv(
    path: &Path,
    mut w: csv::Writer<BufWriter<fs::File>>,
) -> Result<(), WriteError> {
    w.flush().map_err(io_err("write", path))?;
    let inner = w.into_inner().map_err(|e| WriteError::Io {
        action: "write".to_owned(),
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    inner
        .into_inner()
        .map_err(|e| io_err("write", path)(e.into_error()))?;
    Ok(())
}

/// `timeseries.csv`: the header from the schema (through the CSV writer: zone names may need
/// quoting), then one row per sample, each cell from its column's accessor in
/// [`schema::TS_SAMPLED`], formatted by hand (numbers only, nothing to quote).
fn write_timeseries(path: &Path, ts: &TimeSeries) -> Result<(), WriteError> {
    let mut header = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    header
        .write_record(ts.header())
        .map_err(|source| WriteError::Csv {
            path: path.to_path_buf(),
            source,
        })?;
    let header = header.into_inner().map_err(|e| WriteError::Io {
        action: "write".to_owned(),
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let mut out = Lines::create(path)?;
    out.line.push_str(&String::from_utf8_lossy(&header));
    let present = ts.present();
    let groups: Vec<_> = schema::TS_SAMPLED
        .iter()
        .filter(|(when, _)| when.is_on(present))
        .map(|(when, cols)| (if when.per_zone() { ts.zones.len() } else { 1 }, *cols))
        .collect();
    for s in &ts.rows {
        let mut first = true;
        for &(zones, cols) in &groups {
            for z in 0..zones {
                for c in cols {
                    if !first {
                        out.line.push(',');
                    }
                    first = false;
                    (c.value)(s, z).write(&mut out.line);
                }
            }
        }
        out.line.push('\n');
        out.spill()?;
    }
    out.finish()
}

/// A text file formatted by hand: lines are built in `line` and written out in 64 KiB chunks.
struct Lines<'p> {
    w: BufWriter<fs::File>,
    line: String,
    path: &'p Path,
}

impl<'p> Lines<'p> {
    fn create(path: &'p Path) -> Result<Self, WriteError> {
        let file = fs::File::create(path).map_err(io_err("create", path))?;
        Ok(Lines {
            w: BufWriter::with_capacity(1 << 20, file),
            line: String::with_capacity(128 * 1024),
            path,
        })
    }

    /// Writes the buffered lines out once they reach 64 KiB.
    fn spill(&mut self) -> Result<(), WriteError> {
        if self.line.len() >= 64 * 1024 {
            self.w
                .write_all(self.line.as_bytes())
                .map_err(io_err("write", self.path))?;
            self.line.clear();
        }
        Ok(())
    }

    /// Writes the rest and flushes.
    fn finish(mut self) -> Result<(), WriteError> {
        self.w
            .write_all(self.line.as_bytes())
            .map_err(io_err("write", self.path))?;
        self.w.flush().map_err(io_err("write", self.path))
    }
}

/// A node name as a CSV field (quoted only if it needs to be).
fn csv_field(name: &str) -> String {
    if name.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_owned()
    }
}

/// `node_samples.csv`: time-major, nodes in id order. Formatted by hand (millions of rows).
pub fn write_node_samples(path: &Path, s: &super::NodeSamples) -> Result<(), WriteError> {
    let mut out = Lines::create(path)?;
    let names: Vec<String> = (0..s.nodes())
        .map(|n| csv_field(s.names().get(n).map_or("", String::as_str)))
        .collect();
    let header: Vec<&str> = schema::NODE_SAMPLE_COLUMNS.iter().map(|c| c.name).collect();
    out.line.push_str(&header.join(","));
    out.line.push('\n');
    let mut time = String::new();
    for (i, &t) in s.times_ms().iter().enumerate() {
        time.clear();
        format_secs(t, &mut time);
        for (n, name) in names.iter().enumerate() {
            let Some(c) = s.cell(i, n) else {
                continue; // not in the cluster at this sample
            };
            let line = &mut out.line;
            line.push_str(&time);
            line.push(',');
            line.push_str(name);
            line.push(',');
            format_ppm(c.mem_ppm, line);
            line.push_str(if c.memory_pressure { ",1," } else { ",0," });
            line.push_str(if c.ready { "1\n" } else { "0\n" });
            out.spill()?;
        }
    }
    out.finish()
}

fn write_nodes(path: &Path, rows: &[NodeRow]) -> Result<(), WriteError> {
    let csv_err = |source| WriteError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut w = csv_writer(path)?;
    w.write_record(schema::NODE_COLUMNS.iter().map(|c| c.name))
        .map_err(csv_err)?;
    let (mut cpu, mut mem, mut secs) = (String::new(), String::new(), String::new());
    for r in rows {
        cpu.clear();
        format_ppm(r.peak_cpu_ppm, &mut cpu);
        mem.clear();
        format_ppm(r.peak_mem_ppm, &mut mem);
        secs.clear();
        format_secs(r.pressure_ms, &mut secs);
        let rec: [&str; 12] = [
            &r.node,
            &r.pool,
            &r.zone,
            &cpu,
            &mem,
            &r.peak_cpu_m.to_string(),
            &r.peak_mem_bytes.to_string(),
            &secs,
            &r.evictions.to_string(),
            &r.oom_kills_limit.to_string(),
            &r.oom_kills_node.to_string(),
            &r.container_restarts.to_string(),
        ];
        w.write_record(rec).map_err(csv_err)?;
    }
    finish_csv(path, w)
}

fn write_events(path: &Path, log: &EventLog) -> Result<(), WriteError> {
    let csv_err = |source| WriteError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut w = csv_writer(path)?;
    w.write_record(schema::EVENTS.header(&[], log.pressure, false))
        .map_err(csv_err)?;
    let mut usage = String::new();
    let (mut time, mut pod, mut score, mut reason, mut cause) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    for row in &log.rows {
        time.clear();
        format_secs(row.time_ms, &mut time);
        log.pod_name_into(row, &mut pod);
        score.clear();
        if let Some(s) = row.score {
            let _ = write!(score, "{s}");
        }
        log.reason_into(row, &mut reason);
        cause.clear();
        let _ = write!(cause, "{}", row.cause);
        let fields: [&str; 8] = [
            &time,
            row.kind.as_str(),
            &pod,
            &log.workloads[row.workload as usize],
            log.node_name(row),
            &score,
            &reason,
            &cause,
        ];
        if log.pressure {
            usage.clear();
            if let Some(u) = row.usage {
                let _ = write!(usage, "{u}");
            }
            let qos = row.qos.map_or("", |q| q.as_str());
            let extra: [&str; 2] = [qos, &usage];
            w.write_record(fields.iter().chain(&extra))
                .map_err(csv_err)?;
        } else {
            w.write_record(fields).map_err(csv_err)?;
        }
    }
    finish_csv(path, w)
}

/// Peak resident set size of this process in bytes (`VmHWM` from `/proc/self/status`), for the
/// CLI's [`Timing`]. None where the platform does not report it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::NodeId;
    use crate::metrics::{EventKind, EventRow, Reason, Sample, WorkloadSummary, ZoneSample};

    fn result() -> RunResult {
        RunResult {
            summary: Summary {
                simulated_duration_s: 120.0,
                events_processed: 10,
                pods_created: 3,
                workloads: vec![WorkloadSummary {
                    name: "web".into(),
                    kind: "Deployment".into(),
                    desired: 3,
                    created: 3,
                    ..Default::default()
                }],
                ..Default::default()
            },
            timeseries: TimeSeries {
                zones: vec!["a".into()],
                rows: vec![Sample {
                    time_ms: 60_000,
                    zones: vec![ZoneSample {
                        cpu_requested_m: 500,
                        cpu_allocatable_m: 4000,
                        mem_requested_bytes: 1,
                        mem_allocatable_bytes: 2,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                pressure: false,
                gpu: false,
                gpu_devices: false,
                autoscaler: false,
            },
            events: EventLog {
                rows: vec![
                    EventRow {
                        time_ms: 1_005,
                        kind: EventKind::Scheduled,
                        workload: 0,
                        ordinal: 2,
                        node: Some(NodeId(0)),
                        score: Some(187),
                        reason: Reason::None,
                        cause: 0,
                        qos: None,
                        usage: None,
                    },
                    EventRow {
                        time_ms: 2_000,
                        kind: EventKind::Unschedulable,
                        workload: 0,
                        ordinal: 3,
                        node: None,
                        score: None,
                        reason: Reason::Text(0),
                        cause: 0,
                        qos: None,
                        usage: None,
                    },
                    EventRow {
                        time_ms: 3_000,
                        kind: EventKind::Preempted,
                        workload: 0,
                        ordinal: 1,
                        node: Some(NodeId(0)),
                        score: None,
                        reason: Reason::PreemptedBy {
                            workload: 0,
                            ordinal: 3,
                        },
                        cause: 9,
                        qos: None,
                        usage: None,
                    },
                ],
                workloads: vec!["web".into()],
                nodes: vec!["node-0".into()],
                reasons: vec![
                    "0/1 nodes are available: 1 Insufficient cpu, 1 Too many pods".into(),
                ],
                pressure: false,
            },
            nodes: None,
            resilience: Default::default(),
            node_samples: None,
            services: None,
            hpas: None,
        }
    }

    #[test]
    fn writes_all_files_atomically_and_replaces_old_target() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("run-7");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("stale.txt"), "old").unwrap();
        let timing = Timing {
            wall_time_s: 1.5,
            events_per_sec: 10.0,
            peak_rss_bytes: Some(1 << 20),
        };
        write_results(&dir, "quick", 7, &result(), &timing).unwrap();
        assert!(!dir.join("stale.txt").exists(), "old target replaced");
        let names: Vec<_> = fs::read_dir(base.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            names,
            vec!["run-7".to_string()],
            "no temporary directory left behind"
        );

        let summary = fs::read_to_string(dir.join("summary.json")).unwrap();
        assert!(
            summary.starts_with(
                "{\n  \"scenario\": \"quick\",\n  \"seed\": 7,\n  \"simulatedDurationS\": 120.0,"
            ),
            "{summary}"
        );
        assert!(summary.contains("\"runningAtEnd\": 0"));
        let timing_json = fs::read_to_string(dir.join("timing.json")).unwrap();
        assert!(timing_json.contains("\"peakRssBytes\": 1048576"));

        let ts = fs::read_to_string(dir.join("timeseries.csv")).unwrap();
        let mut lines = ts.lines();
        let header = lines.next().unwrap();
        assert!(header.starts_with(
            "time_s,nodes_ready,pods_pending,pods_running,pods_succeeded,cpu_requested_m,"
        ));
        assert!(header.contains(",cpu_requested_m_zone_a,cpu_allocatable_m_zone_a,mem_requested_bytes_zone_a,mem_allocatable_bytes_zone_a,"));
        assert!(header.contains(
            "nodes_over_80pct_requested,nodes_over_90pct_requested,sched_attempts,sched_failures"
        ));
        let row = lines.next().unwrap();
        assert!(row.starts_with("60.000,"));
        assert_eq!(row.split(',').count(), header.split(',').count());

        let ev = fs::read_to_string(dir.join("events.csv")).unwrap();
        let lines: Vec<_> = ev.lines().collect();
        assert_eq!(
            lines[0],
            "time_s,event,pod,workload,node,score,reason,cause"
        );
        assert_eq!(lines[1], "1.005,scheduled,web-2,web,node-0,187,,0");
        assert_eq!(lines[2], "2.000,unschedulable,web-3,web,,,\"0/1 nodes are available: 1 Insufficient cpu, 1 Too many pods\",0");
        assert_eq!(
            lines[3],
            "3.000,preempted,web-1,web,node-0,,preempted by web-3,9"
        );
    }

    #[test]
    fn same_result_gives_identical_bytes() {
        let base = tempfile::tempdir().unwrap();
        let (a, b) = (base.path().join("a"), base.path().join("b"));
        write_results(&a, "s", 1, &result(), &Timing::default()).unwrap();
        write_results(
            &b,
            "s",
            1,
            &result(),
            &Timing {
                wall_time_s: 9.0,
                ..Default::default()
            },
        )
        .unwrap();
        for f in ["summary.json", "timeseries.csv", "events.csv"] {
            assert_eq!(
                fs::read(a.join(f)).unwrap(),
                fs::read(b.join(f)).unwrap(),
                "{f}"
            );
        }
    }

    #[test]
    fn errors_name_the_path() {
        let base = tempfile::tempdir().unwrap();
        let blocker = base.path().join("file");
        fs::write(&blocker, "x").unwrap();
        let err =
            write_results(&blocker.join("run"), "s", 1, &result(), &Timing::default()).unwrap_err();
        assert!(err.to_string().contains("file"), "{err}");
    }

    #[test]
    fn secs_are_exact() {
        let mut s = String::new();
        format_secs(61_005, &mut s);
        assert_eq!(s, "61.005");
    }
}
