//! What a sweep writes besides the run directories: the shard manifest, `sweep.csv`,
//! `runs.csv` and the charts; and `merge`, which joins shard manifests.
//!
//! # Files
//! - `shard-K-of-N.json` (every sweep, `shard-1-of-1.json` when unsharded): the sweep's
//!   identity (SHA-256 of the sweep file and of the base scenario, clustersim version), the
//!   grid, seeds and metrics, and each run it owns with its metric values (as text that parses
//!   back to the same `f64`).
//! - `sweep.csv`: one row per point: `point`, one column per parameter (named by its scenario
//!   path), `seeds`, then for each metric `<m>_mean`, `<m>_std`, `<m>_ci95_low`, `<m>_ci95_high`
//!   (Student t over seeds; std and interval empty with one seed), six decimals.
//! - `runs.csv`: one row per run: `run`, `point`, `seed`, the parameters, each metric's value.
//! - `charts/<metric>-vs-<parameter>.png` and `.svg`: the mean and 95 % interval against each
//!   parameter, drawn like the run report's charts.
//! - `sweep.md`, `sweep.html`: an index with a summary, the means per point and the charts.
//!
//! `sweep.csv`, `runs.csv`, the charts and the index are pure functions of the run records, so
//! a sweep run unsharded and the merge of its shards write the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::chart;
use super::error::SweepError;
use super::exec::RunRecord;
use super::file::Sweep;
use super::grid::run_id;
use super::metric::Metric;
use super::shard::Shard;
use super::stats::{fixed, stats, Stats};
use crate::metrics::schema::{self, Cell};
use crate::report::sweep_chart::{write_sweep_charts, write_sweep_index};

/// The per-metric cells of `sweep.csv` (`<metric>_mean`, …), with the columns of
/// [`crate::metrics::schema`].
const SWEEP_STAT_CELLS: &[Cell<Stats>] = &[
    Cell {
        column: schema::SWEEP_MEAN,
        value: |s| fixed(s.mean),
    },
    Cell {
        column: schema::SWEEP_STD,
        value: |s| s.std.map(fixed).unwrap_or_default(),
    },
    Cell {
        column: schema::SWEEP_CI_LOW,
        value: |s| s.ci.map(|c| fixed(c.0)).unwrap_or_default(),
    },
    Cell {
        column: schema::SWEEP_CI_HIGH,
        value: |s| s.ci.map(|c| fixed(c.1)).unwrap_or_default(),
    },
];

/// Version of the manifest format.
pub const MANIFEST_FORMAT: u32 = 1;
/// The table of points.
pub const SWEEP_CSV: &str = "sweep.csv";
/// The table of runs.
pub const RUNS_CSV: &str = "runs.csv";
/// The charts' directory.
pub const CHARTS_DIR: &str = "charts";

/// `shard-K-of-N.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: u32,
    /// Version of the clustersim that ran the shard.
    pub clustersim: String,
    /// Sweep name.
    pub sweep: String,
    /// The sweep file as given.
    pub sweep_file: String,
    /// SHA-256 of the sweep file.
    pub sweep_sha256: String,
    /// The base scenario file.
    pub base_file: String,
    /// SHA-256 of the base scenario file.
    pub base_sha256: String,
    /// This shard.
    pub shard: ShardInfo,
    /// Seeds of every point.
    pub seeds: Vec<u64>,
    /// Swept scenario paths.
    pub parameters: Vec<String>,
    /// Each point's values (labels), in grid order.
    pub points: Vec<Vec<String>>,
    /// Metric names.
    pub metrics: Vec<String>,
    /// The runs this shard owns, in global order.
    pub runs: Vec<RunEntry>,
    /// Wall time of the shard, seconds (informative; not compared).
    pub wall_time_s: f64,
    /// Worker threads of the shard (informative).
    pub threads: usize,
}

/// `shard` of a manifest.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShardInfo {
    /// 1-based.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

/// One run of a manifest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RunEntry {
    /// Results directory name (`<point>-<seed>`).
    pub id: String,
    /// Global run index.
    pub run: usize,
    /// Point index.
    pub point: usize,
    /// Seed.
    pub seed: u64,
    /// Each metric's value, as the shortest text that reads back as the same `f64`.
    pub values: Vec<String>,
}

impl Manifest {
    /// The manifest of `shard` of `sweep` with its `records`.
    pub fn new(
        sweep: &Sweep,
        shard: Shard,
        records: &[RunRecord],
        wall_time_s: f64,
        threads: usize,
    ) -> Manifest {
        let points = sweep.points();
        Manifest {
            format: MANIFEST_FORMAT,
            clustersim: env!("CARGO_PKG_VERSION").to_string(),
            sweep: sweep.name.clone(),
            sweep_file: sweep.file.clone(),
            sweep_sha256: sweep.sweep_sha256.clone(),
            base_file: sweep.base_file.display().to_string(),
            base_sha256: sweep.base_sha256.clone(),
            shard: ShardInfo {
                index: shard.index,
                count: shard.count,
            },
            seeds: sweep.seeds.clone(),
            parameters: sweep.parameters.iter().map(|p| p.path.clone()).collect(),
            points: points.iter().map(|p| sweep.labels(p)).collect(),
            metrics: sweep.metrics.iter().map(|m| m.to_string()).collect(),
            runs: records
                .iter()
                .map(|r| RunEntry {
                    id: run_id(r.point, points.len(), r.seed),
                    run: r.run,
                    point: r.point,
                    seed: r.seed,
                    values: r.values.iter().map(|v| format!("{v}")).collect(),
                })
                .collect(),
            wall_time_s,
            threads,
        }
    }

    /// Writes the manifest into `dir` as `shard-K-of-N.json` (atomically: temporary file, then
    /// rename). Returns its path.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, SweepError> {
        let name = Shard {
            index: self.shard.index,
            count: self.shard.count,
        }
        .manifest_name();
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let mut text = serde_json::to_string_pretty(self).expect("manifest serialises");
        text.push('\n');
        fs::write(&tmp, text)
            .map_err(|e| SweepError::Output(format!("cannot write {}: {e}", tmp.display())))?;
        fs::rename(&tmp, &path).map_err(|e| {
            SweepError::Output(format!(
                "cannot rename {} to {}: {e}",
                tmp.display(),
                path.display()
            ))
        })?;
        Ok(path)
    }

    /// Reads a manifest file.
    pub fn read(path: &Path) -> Result<Manifest, SweepError> {
        let text = fs::read_to_string(path)
            .map_err(|e| SweepError::Input(format!("{}: cannot read: {e}", path.display())))?;
        let m: Manifest = serde_json::from_str(&text).map_err(|e| {
            SweepError::Input(format!(
                "{}: not a clustersim shard manifest: {e}",
                path.display()
            ))
        })?;
        if m.format != MANIFEST_FORMAT {
            return Err(SweepError::Input(format!(
                "{}: manifest format {} is not {MANIFEST_FORMAT} (written by another clustersim version)",
                path.display(),
                m.format
            )));
        }
        Ok(m)
    }

    /// The run records of this manifest, with values parsed back.
    fn records(&self, path: &Path) -> Result<Vec<RunRecord>, SweepError> {
        self.runs
            .iter()
            .map(|r| {
                if r.values.len() != self.metrics.len() {
                    return Err(SweepError::Input(format!(
                        "{}: run {} has {} values for {} metrics",
                        path.display(),
                        r.id,
                        r.values.len(),
                        self.metrics.len()
                    )));
                }
                let values = r
                    .values
                    .iter()
                    .map(|v| {
                        v.parse::<f64>().map_err(|_| {
                            SweepError::Input(format!(
                                "{}: run {}: {v:?} is not a number",
                                path.display(),
                                r.id
                            ))
                        })
                    })
                    .collect::<Result<Vec<f64>, _>>()?;
                Ok(RunRecord {
                    run: r.run,
                    point: r.point,
                    seed: r.seed,
                    values,
                })
            })
            .collect()
    }
}

/// The manifest files in `dir`: `shard-*-of-*.json`, sorted by name.
pub fn manifests_in(dir: &Path) -> Result<Vec<PathBuf>, SweepError> {
    let entries = fs::read_dir(dir)
        .map_err(|e| SweepError::Input(format!("{}: cannot read directory: {e}", dir.display())))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("shard-") && n.ends_with(".json") && n.contains("-of-")
            })
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Removes manifests of other shardings from `dir` (an unsharded sweep owns its directory).
pub fn remove_other_manifests(dir: &Path, keep: &str) -> Result<(), SweepError> {
    if !dir.is_dir() {
        return Ok(());
    }
    for p in manifests_in(dir)? {
        if p.file_name().and_then(|n| n.to_str()) != Some(keep) {
            fs::remove_file(&p).map_err(|e| {
                SweepError::Output(format!("cannot remove stale manifest {}: {e}", p.display()))
            })?;
        }
    }
    Ok(())
}

/// A sweep's description and all its records: what the tables are made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Combined {
    /// The first manifest (grid, seeds, metrics), with every run.
    pub manifest: Manifest,
    /// Every run, in global order.
    pub records: Vec<RunRecord>,
    /// How many shards were joined.
    pub shards: u32,
}

/// Joins the manifests of all shards of one sweep (files, or directories holding
/// `shard-*-of-*.json`). Refuses manifests of different sweep files, base scenarios, seeds or
/// clustersim versions, missing or repeated shards, and runs not covered exactly once.
pub fn merge(inputs: &[PathBuf]) -> Result<Combined, SweepError> {
    let mut files: Vec<PathBuf> = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let found = manifests_in(input)?;
            if found.is_empty() {
                return Err(SweepError::Input(format!(
                    "{}: no shard manifest (shard-K-of-N.json) in this directory",
                    input.display()
                )));
            }
            files.extend(found);
        } else if input.is_file() {
            files.push(input.clone());
        } else {
            return Err(SweepError::Input(format!(
                "{}: no such file or directory",
                input.display()
            )));
        }
    }
    let mut seen = BTreeSet::new();
    files.retain(|f| seen.insert(fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    if files.is_empty() {
        return Err(SweepError::Input("merge: no shard manifests given".into()));
    }
    let manifests: Vec<(PathBuf, Manifest)> = files
        .into_iter()
        .map(|f| Manifest::read(&f).map(|m| (f, m)))
        .collect::<Result<_, _>>()?;
    let (first_path, first) = &manifests[0];
    for (path, m) in &manifests[1..] {
        let differ = |what: &str, a: &str, b: &str| {
            SweepError::Input(format!(
                "{}: refusing to merge: {what} differs from {} ({a} vs {b})",
                path.display(),
                first_path.display()
            ))
        };
        if m.seeds != first.seeds {
            return Err(differ(
                "the seeds",
                &format!("{:?}", m.seeds),
                &format!("{:?}", first.seeds),
            ));
        }
        let short = |h: &str| h.chars().take(12).collect::<String>();
        if m.sweep_sha256 != first.sweep_sha256 {
            return Err(differ(
                "the sweep file",
                &short(&m.sweep_sha256),
                &short(&first.sweep_sha256),
            ));
        }
        if m.base_sha256 != first.base_sha256 {
            return Err(differ(
                "the base scenario",
                &short(&m.base_sha256),
                &short(&first.base_sha256),
            ));
        }
        if m.clustersim != first.clustersim {
            return Err(differ(
                "the clustersim version",
                &m.clustersim,
                &first.clustersim,
            ));
        }
        if m.parameters != first.parameters
            || m.points != first.points
            || m.metrics != first.metrics
        {
            return Err(SweepError::Input(format!(
                "{}: refusing to merge: the grid or metrics differ from {}",
                path.display(),
                first_path.display()
            )));
        }
        if m.shard.count != first.shard.count {
            return Err(differ(
                "the number of shards",
                &m.shard.count.to_string(),
                &first.shard.count.to_string(),
            ));
        }
    }
    let count = first.shard.count;
    let mut by_index: BTreeMap<u32, &PathBuf> = BTreeMap::new();
    for (path, m) in &manifests {
        if m.shard.index == 0 || m.shard.index > count {
            return Err(SweepError::Input(format!(
                "{}: shard {}/{} does not exist",
                path.display(),
                m.shard.index,
                count
            )));
        }
        if let Some(other) = by_index.insert(m.shard.index, path) {
            return Err(SweepError::Input(format!(
                "refusing to merge: shard {}/{count} given twice ({} and {})",
                m.shard.index,
                other.display(),
                path.display()
            )));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(SweepError::Input(format!(
            "refusing to merge: missing shard(s) {}",
            missing.join(", ")
        )));
    }
    let nseeds = first.seeds.len();
    let total = first.points.len() * nseeds;
    let mut records: Vec<Option<RunRecord>> = vec![None; total];
    for (path, m) in &manifests {
        let shard = Shard {
            index: m.shard.index,
            count,
        };
        for r in m.records(path)? {
            let expected_index = r.point * nseeds
                + first
                    .seeds
                    .iter()
                    .position(|&s| s == r.seed)
                    .unwrap_or(usize::MAX / 2);
            if r.point >= first.points.len() || r.run != expected_index || r.run >= total {
                return Err(SweepError::Input(format!(
                    "{}: run {} (point {}, seed {}) is not in the sweep's grid",
                    path.display(),
                    r.run,
                    r.point,
                    r.seed
                )));
            }
            if !shard.owns(r.run) {
                return Err(SweepError::Input(format!(
                    "{}: run {} does not belong to shard {shard}",
                    path.display(),
                    r.run
                )));
            }
            if records[r.run].is_some() {
                return Err(SweepError::Input(format!(
                    "{}: run {} is listed twice",
                    path.display(),
                    r.run
                )));
            }
            let run = r.run;
            records[run] = Some(r);
        }
    }
    let missing: Vec<usize> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_none())
        .map(|(i, _)| i)
        .collect();
    if let Some(&first_missing) = missing.first() {
        return Err(SweepError::Input(format!(
            "refusing to merge: {} run(s) missing (first: run {first_missing}); did a shard fail?",
            missing.len()
        )));
    }
    let records: Vec<RunRecord> = records.into_iter().map(|r| r.expect("checked")).collect();
    let mut manifest = first.clone();
    manifest.shard = ShardInfo { index: 1, count: 1 };
    manifest.runs = manifests
        .iter()
        .flat_map(|(_, m)| m.runs.iter().cloned())
        .collect();
    manifest.runs.sort_by_key(|r| r.run);
    manifest.wall_time_s = manifests.iter().map(|(_, m)| m.wall_time_s).sum();
    Ok(Combined {
        manifest,
        records,
        shards: count,
    })
}

/// Writes `sweep.csv`, `runs.csv`, `charts/`, `sweep.md` and `sweep.html` into `dir` from the
/// combined records.
pub fn write_tables(c: &Combined, dir: &Path) -> Result<(), SweepError> {
    fs::create_dir_all(dir)
        .map_err(|e| SweepError::Output(format!("cannot create {}: {e}", dir.display())))?;
    let m = &c.manifest;
    let nseeds = m.seeds.len();
    let stats_of = |point: usize, metric: usize| {
        let values: Vec<f64> = c.records[point * nseeds..(point + 1) * nseeds]
            .iter()
            .map(|r| r.values[metric])
            .collect();
        let mut s = stats(&values, 0.95);
        s.ci = s.ci.map(|ci| clamp_interval(&m.metrics[metric], ci));
        s
    };

    let mut sweep_csv = Vec::new();
    // The columns of `metrics::schema` (`point`, the parameters, `seeds`, then per metric).
    let mut header: Vec<String> = vec![schema::SWEEP_LEADING[0].name.into()];
    header.extend(m.parameters.iter().cloned());
    header.push(schema::SWEEP_LEADING[2].name.into());
    for name in &m.metrics {
        for c in SWEEP_STAT_CELLS {
            header.push(format!("{name}_{}", c.column.name));
        }
    }
    let mut table: Vec<Vec<chart::Cell>> = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut sweep_csv);
        w.write_record(&header).map_err(csv_err(dir, SWEEP_CSV))?;
        for (point, labels) in m.points.iter().enumerate() {
            let mut row: Vec<String> = vec![point.to_string()];
            row.extend(labels.iter().cloned());
            row.push(nseeds.to_string());
            let mut cells = Vec::new();
            for metric in 0..m.metrics.len() {
                let s = stats_of(point, metric);
                row.extend(schema::cell_row(SWEEP_STAT_CELLS, &s));
                cells.push(chart::Cell {
                    mean: s.mean,
                    ci: s.ci,
                });
            }
            table.push(cells);
            w.write_record(&row).map_err(csv_err(dir, SWEEP_CSV))?;
        }
        w.flush().map_err(|e| {
            SweepError::Output(format!(
                "cannot write {}: {e}",
                dir.join(SWEEP_CSV).display()
            ))
        })?;
    }
    write_file(&dir.join(SWEEP_CSV), &sweep_csv)?;

    let mut runs_csv = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut runs_csv);
        let mut header: Vec<String> = schema::RUNS_COLUMNS.iter().map(|c| c.name.into()).collect();
        header.extend(m.parameters.iter().cloned());
        header.extend(m.metrics.iter().cloned());
        w.write_record(&header).map_err(csv_err(dir, RUNS_CSV))?;
        for r in &c.records {
            let mut row = vec![
                run_id(r.point, m.points.len(), r.seed),
                r.point.to_string(),
                r.seed.to_string(),
            ];
            row.extend(m.points[r.point].iter().cloned());
            row.extend(r.values.iter().map(|v| format!("{v}")));
            w.write_record(&row).map_err(csv_err(dir, RUNS_CSV))?;
        }
        w.flush().map_err(|e| {
            SweepError::Output(format!(
                "cannot write {}: {e}",
                dir.join(RUNS_CSV).display()
            ))
        })?;
    }
    write_file(&dir.join(RUNS_CSV), &runs_csv)?;

    let charts = chart::sweep_charts(&m.parameters, &m.points, &m.metrics, &table, nseeds);
    let files = if charts.is_empty() {
        let cdir = dir.join(CHARTS_DIR);
        if cdir.is_dir() {
            fs::remove_dir_all(&cdir).map_err(|e| {
                SweepError::Output(format!("cannot remove old {}: {e}", cdir.display()))
            })?;
        }
        Vec::new()
    } else {
        write_sweep_charts(&charts, dir).map_err(report_err)?
    };
    write_sweep_index(dir, &chart::sweep_index(m, &table), &files).map_err(report_err)?;
    Ok(())
}

/// The 95 % interval of a metric clamped to the values the metric can take: every metric is a
/// count, a time or a fraction, never negative (a t interval of a few small counts reaches
/// below zero), and an availability is at most 1.
fn clamp_interval(metric: &str, (lo, hi): (f64, f64)) -> (f64, f64) {
    match metric.parse::<Metric>() {
        Ok(Metric::MinWorkloadAvailability) => (lo.clamp(0.0, 1.0), hi.clamp(0.0, 1.0)),
        Ok(_) => (lo.max(0.0), hi.max(0.0)),
        Err(_) => (lo, hi),
    }
}

/// A report error while drawing: unwritable output, or (a bug) a chart that cannot be drawn.
fn report_err(e: crate::report::ReportError) -> SweepError {
    SweepError::Output(e.to_string())
}

fn csv_err<'a>(dir: &'a Path, file: &'static str) -> impl Fn(csv::Error) -> SweepError + 'a {
    move |e| SweepError::Output(format!("cannot write {}: {e}", dir.join(file).display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    fs::write(path, bytes)
        .map_err(|e| SweepError::Output(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_of_non_negative_metrics_are_clamped() {
        // Seeds with 0, 0 and 3 pending pods: the t interval reaches below zero.
        let s = stats(&[0.0, 0.0, 3.0], 0.95);
        let raw = s.ci.unwrap();
        assert!(raw.0 < 0.0);
        let (lo, hi) = clamp_interval("podsPendingAtEnd", raw);
        assert_eq!(lo, 0.0);
        assert_eq!(hi, raw.1);
        let (lo, hi) = clamp_interval("minWorkloadAvailability", (0.97, 1.02));
        assert_eq!((lo, hi), (0.97, 1.0));
        assert_eq!(clamp_interval("unknown", (-1.0, 1.0)), (-1.0, 1.0));
    }
}
