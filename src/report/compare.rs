//! `compare`: a baseline and a variant side by side.
//!
//! Each side is one results directory, or several (one per seed, given one by one or as a
//! directory that holds them). With one run per side the two are compared directly; with
//! several, runs are paired by seed (common random numbers make paired differences far less
//! noisy than two independent samples) and every figure shows the mean paired difference with a
//! 95 % Student-t interval. Both sides are judged against the same SLOs: `--slo`, else the
//! baseline's `slo.json`, else the variant's.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use super::charts::{self, ChartFile, Sides, Skipped};
use super::columns as col;
use super::data::{check_results_dir, run_subdirs, RunData};
use super::document::{html_page, markdown, Document, Section, Table};
use super::error::ReportError;
use super::figures::{self, FigureKey, Figures};
use super::format::{self, Unit};
use super::scenario_diff::{self, ScenarioDiff};
use super::slo::{evaluate, Status, Verdict};
use super::{with_temp, write_file};
use crate::figures::stats::mean_ci;
use crate::scenario::types::slo::Slo;

/// Files `compare` writes into its output directory (besides `charts/`).
pub const COMPARE_FILES: [&str; 3] = ["compare.md", "compare.html", "compare.json"];

/// Options of [`write_compare`].
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    /// Baseline: results directories, or directories of per-seed results directories.
    pub baseline: Vec<PathBuf>,
    /// Variant, likewise.
    pub variant: Vec<PathBuf>,
    /// Output directory (created).
    pub out: PathBuf,
    /// Judge both sides against these SLOs.
    pub slo: Option<Slo>,
    /// Where `slo` came from.
    pub slo_source: Option<String>,
}

/// What [`write_compare`] wrote.
#[derive(Debug, Clone)]
pub struct CompareOutput {
    /// `compare.html`.
    pub html: PathBuf,
    /// `compare.md`.
    pub markdown: PathBuf,
    /// `compare.json`.
    pub json: PathBuf,
    /// Number of pairs compared.
    pub pairs: usize,
    /// Charts drawn.
    pub charts: Vec<ChartFile>,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// The label of a side given as `paths`: the directory name when there is one path.
pub fn side_label(paths: &[PathBuf], fallback: &str) -> String {
    match paths {
        [one] => one
            .canonicalize()
            .unwrap_or_else(|_| one.clone())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| fallback.to_owned()),
        _ => fallback.to_owned(),
    }
}

/// The results directories a side names: each path itself when it is a results directory,
/// else the results directories inside it.
pub fn expand_side(paths: &[PathBuf], side: &str) -> Result<Vec<PathBuf>, ReportError> {
    if paths.is_empty() {
        return Err(ReportError::input(
            Path::new(side),
            "no results directory given",
        ));
    }
    let mut out = Vec::new();
    for p in paths {
        if p.join(col::SUMMARY_FILE).is_file() {
            out.push(p.clone());
        } else if p.is_dir() && !run_subdirs(p).is_empty() {
            out.extend(run_subdirs(p));
        } else {
            check_results_dir(p)?;
            out.push(p.clone());
        }
    }
    Ok(out)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunRef {
    dir: String,
    seed: u64,
    scenario: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SideJson {
    label: String,
    runs: Vec<RunRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FigureDelta {
    key: FigureKey,
    label: String,
    unit: Unit,
    /// Baseline value (mean over pairs).
    baseline: Option<f64>,
    /// Variant value (mean over pairs).
    variant: Option<f64>,
    /// Variant − baseline (mean of paired differences).
    delta: Option<f64>,
    /// Delta relative to the baseline, percent.
    delta_pct: Option<f64>,
    /// 95 % interval of the mean paired difference (several pairs only).
    ci95: Option<[f64; 2]>,
    /// Pairs with the figure on both sides.
    pairs: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SloTally {
    pass: usize,
    fail: usize,
    not_evaluated: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SloCompare {
    slo: String,
    threshold: String,
    baseline: SloTally,
    variant: SloTally,
    /// Single runs: the figure as shown, per side.
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<[String; 2]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CompareJson<'a> {
    baseline: SideJson,
    variant: SideJson,
    /// Seeds of the pairs (one entry with single runs, whatever their seeds).
    paired_seeds: Vec<u64>,
    /// Runs without a partner, ignored.
    unpaired: Vec<String>,
    figures: &'a [FigureDelta],
    slo: &'a [SloCompare],
    /// What the variant changed in the effective scenario (first pair).
    scenario_changes: &'a ScenarioDiff,
    charts: &'a [ChartFile],
    not_available: &'a [Skipped],
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// Baseline and variant runs, pair by pair.
type Pairs<'a> = Vec<(&'a RunData, &'a RunData)>;

/// Pairs runs by seed (single runs are paired whatever their seeds).
fn pair<'a>(
    base: &'a [RunData],
    var: &'a [RunData],
) -> Result<(Pairs<'a>, Vec<String>), ReportError> {
    if base.len() == 1 && var.len() == 1 {
        return Ok((vec![(&base[0], &var[0])], Vec::new()));
    }
    let by_seed = |runs: &'a [RunData], side: &str| {
        let mut m: BTreeMap<u64, &'a RunData> = BTreeMap::new();
        for r in runs {
            if let Some(other) = m.insert(r.seed, r) {
                return Err(ReportError::input(
                    &r.dir,
                    format!(
                        "two {side} runs have seed {} (also {}); pass one run per seed",
                        r.seed,
                        other.dir.display()
                    ),
                ));
            }
        }
        Ok(m)
    };
    let (b, v) = (by_seed(base, "baseline")?, by_seed(var, "variant")?);
    let pairs: Vec<_> = b
        .iter()
        .filter_map(|(s, r)| v.get(s).map(|w| (*r, *w)))
        .collect();
    let unpaired = b
        .iter()
        .filter(|(s, _)| !v.contains_key(s))
        .chain(v.iter().filter(|(s, _)| !b.contains_key(s)))
        .map(|(_, r)| r.dir.display().to_string())
        .collect();
    if pairs.is_empty() {
        let seeds = |m: &BTreeMap<u64, &RunData>| {
            m.keys().map(u64::to_string).collect::<Vec<_>>().join(", ")
        };
        return Err(ReportError::input(
            &base[0].dir,
            format!(
                "no seed in common: baseline seeds {}, variant seeds {}",
                seeds(&b),
                seeds(&v)
            ),
        ));
    }
    Ok((pairs, unpaired))
}

fn tally_of(verdicts: &[Vec<Verdict>], i: usize) -> SloTally {
    let n = |s| verdicts.iter().filter(|v| v[i].status == s).count();
    SloTally {
        pass: n(Status::Pass),
        fail: n(Status::Fail),
        not_evaluated: n(Status::NotEvaluated),
    }
}

fn tally_text(t: &SloTally, single: Option<&str>) -> String {
    let total = t.pass + t.fail + t.not_evaluated;
    if let Some(value) = single {
        let s = if t.fail > 0 {
            "FAIL"
        } else if t.pass > 0 {
            "pass"
        } else {
            "not evaluated"
        };
        return format!("{s} ({value})");
    }
    if t.fail > 0 {
        format!("FAIL in {}/{total}", t.fail)
    } else if t.pass == total {
        format!("all pass ({total}/{total})")
    } else if t.pass > 0 {
        format!("pass {}/{total}, not evaluated {}", t.pass, t.not_evaluated)
    } else {
        "not evaluated".into()
    }
}

/// Compares the baseline and variant runs of `opts` and writes `compare.md`, `compare.html`,
/// `compare.json` and overlay charts into `opts.out`.
pub fn write_compare(opts: &CompareOptions) -> Result<CompareOutput, ReportError> {
    let started = Instant::now();
    let base_dirs = expand_side(&opts.baseline, "baseline")?;
    let var_dirs = expand_side(&opts.variant, "variant")?;
    let out = &opts.out;
    if out.join(col::SUMMARY_FILE).exists() {
        return Err(ReportError::input(
            out,
            "--out is a results directory; choose another directory for the comparison",
        ));
    }
    let load = |dirs: &[PathBuf]| -> Result<Vec<RunData>, ReportError> {
        dirs.par_iter().map(|d| RunData::load(d)).collect()
    };
    let (base, var) = (load(&base_dirs)?, load(&var_dirs)?);
    let (pairs, unpaired) = pair(&base, &var)?;
    let (bl, vl) = (
        side_label(&opts.baseline, "baseline"),
        side_label(&opts.variant, "variant"),
    );
    let (slo, slo_source) = match (&opts.slo, &base[0].slo, &var[0].slo) {
        (Some(s), _, _) => (Some(s.clone()), opts.slo_source.clone()),
        (None, Some(s), _) => (
            Some(s.clone()),
            Some(format!("baseline's {}", col::SLO_FILE)),
        ),
        (None, None, Some(s)) => (
            Some(s.clone()),
            Some(format!("variant's {}", col::SLO_FILE)),
        ),
        _ => (None, None),
    };
    let figs: Vec<(Figures, Figures)> = pairs
        .iter()
        .map(|(b, v)| {
            (
                figures::compute(b, slo.as_ref()),
                figures::compute(v, slo.as_ref()),
            )
        })
        .collect();
    let single = pairs.len() == 1;

    // Figures.
    let mut deltas = Vec::new();
    for f in &figs[0].0.list {
        let vals: Vec<(Option<f64>, Option<f64>)> = figs
            .iter()
            .map(|(b, v)| {
                (
                    b.get(f.key).and_then(|x| x.value),
                    v.get(f.key).and_then(|x| x.value),
                )
            })
            .collect();
        let both: Vec<(f64, f64)> = vals
            .iter()
            .filter_map(|(b, v)| Some((finite(*b)?, finite(*v)?)))
            .collect();
        let mean =
            |xs: Vec<f64>| (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
        let (b_mean, v_mean) = if single {
            (vals[0].0, vals[0].1)
        } else {
            (
                mean(vals.iter().filter_map(|x| finite(x.0)).collect()),
                mean(vals.iter().filter_map(|x| finite(x.1)).collect()),
            )
        };
        let ci = mean_ci(&both.iter().map(|(b, v)| v - b).collect::<Vec<_>>());
        let delta = ci.map(|c| c.mean);
        let b_both = mean(both.iter().map(|x| x.0).collect());
        let delta_pct = match (delta, b_both) {
            (Some(d), Some(b)) if b != 0.0 => Some(d / b.abs() * 100.0),
            _ => None,
        };
        deltas.push(FigureDelta {
            key: f.key,
            label: f.label.clone(),
            unit: f.unit,
            baseline: b_mean,
            variant: v_mean,
            delta,
            delta_pct,
            ci95: ci.and_then(|c| Some([c.lo?, c.hi?])),
            pairs: both.len(),
        });
    }

    // SLOs.
    let verdicts: Vec<(Vec<Verdict>, Vec<Verdict>)> = match &slo {
        None => Vec::new(),
        Some(s) => figs
            .iter()
            .map(|(b, v)| (evaluate(s, b), evaluate(s, v)))
            .collect(),
    };
    let mut slos = Vec::new();
    if let Some((first, _)) = verdicts.first() {
        let (bv, vv): (Vec<Vec<Verdict>>, Vec<Vec<Verdict>>) = verdicts.iter().cloned().unzip();
        for (i, v) in first.iter().enumerate() {
            slos.push(SloCompare {
                slo: v.slo.clone(),
                threshold: v.threshold.clone(),
                baseline: tally_of(&bv, i),
                variant: tally_of(&vv, i),
                values: single.then(|| [bv[0][i].value.clone(), vv[0][i].value.clone()]),
            });
        }
    }

    // What the variant changed: the effective scenarios of the first pair.
    let changes = scenario_diff::diff_dirs(&pairs[0].0.dir, &pairs[0].1.dir);

    // Overlays: the first pair.
    let sides = Sides {
        base: (pairs[0].0, bl.as_str()),
        var: (pairs[0].1, vl.as_str()),
    };
    let jobs = charts::compare_jobs(&sides);

    fs::create_dir_all(out).map_err(ReportError::write("create directory", out))?;
    let charts = with_temp(out, "compare", &COMPARE_FILES, |tmp| {
        let (charts, skipped) = charts::draw_all(jobs, tmp)?;
        let doc = compare_document(&CompareDoc {
            base: &base,
            var: &var,
            bl: &bl,
            vl: &vl,
            pairs: &pairs,
            unpaired: &unpaired,
            deltas: &deltas,
            slos: &slos,
            slo_source: slo_source.as_deref(),
            changes: &changes,
            charts: &charts,
            skipped: &skipped,
        });
        write_file(&tmp.join("compare.md"), &markdown(&doc))?;
        write_file(&tmp.join("compare.html"), &html_page(&doc, tmp))?;
        let side = |label: &str, runs: &[RunData]| SideJson {
            label: label.to_owned(),
            runs: runs
                .iter()
                .map(|r| RunRef {
                    dir: r.dir.display().to_string(),
                    seed: r.seed,
                    scenario: r.scenario.clone(),
                })
                .collect(),
        };
        let json = CompareJson {
            baseline: side(&bl, &base),
            variant: side(&vl, &var),
            paired_seeds: pairs.iter().map(|p| p.0.seed).collect(),
            unpaired: unpaired.clone(),
            figures: &deltas,
            slo: &slos,
            scenario_changes: &changes,
            charts: &charts,
            not_available: &skipped,
        };
        let mut text = serde_json::to_string_pretty(&json).expect("comparison serialises");
        text.push('\n');
        write_file(&tmp.join("compare.json"), &text)?;
        Ok(charts)
    })?;
    Ok(CompareOutput {
        html: out.join("compare.html"),
        markdown: out.join("compare.md"),
        json: out.join("compare.json"),
        pairs: pairs.len(),
        charts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

struct CompareDoc<'a> {
    base: &'a [RunData],
    var: &'a [RunData],
    bl: &'a str,
    vl: &'a str,
    pairs: &'a [(&'a RunData, &'a RunData)],
    unpaired: &'a [String],
    deltas: &'a [FigureDelta],
    slos: &'a [SloCompare],
    slo_source: Option<&'a str>,
    changes: &'a ScenarioDiff,
    charts: &'a [ChartFile],
    skipped: &'a [Skipped],
}

/// "Scenario changes": the fields of the effective scenario the variant changed.
fn changes_section(d: &ScenarioDiff) -> Section {
    let heading = "Scenario changes".to_owned();
    let changes = match d {
        ScenarioDiff::Unavailable(why) => {
            return Section {
                heading,
                text: Some(format!("Not available: {why}.")),
                table: None,
            }
        }
        ScenarioDiff::Compared(c) if c.is_empty() => {
            return Section {
                heading,
                text: Some(
                    "The effective scenarios are identical: the runs differ only by seed.".into(),
                ),
                table: None,
            }
        }
        ScenarioDiff::Compared(c) => c,
    };
    let mut t = Table::new(&["Field", "Baseline", "Variant"]);
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".into());
    for ch in changes.iter().take(scenario_diff::MAX_ROWS) {
        t.row(vec![ch.path.clone(), show(&ch.baseline), show(&ch.variant)]);
    }
    let more = changes.len().saturating_sub(scenario_diff::MAX_ROWS);
    let mut text = format!(
        "{} field{} of the effective scenario (`scenario.yaml`, after `--set`) differ{} between \
         the first baseline run and its variant.",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        if changes.len() == 1 { "s" } else { "" },
    );
    if more > 0 {
        text.push_str(&format!(
            " The first {} are shown; compare.json lists all.",
            scenario_diff::MAX_ROWS
        ));
    }
    Section {
        heading,
        text: Some(text),
        table: Some(t),
    }
}

fn compare_document(c: &CompareDoc) -> Document {
    let single = c.pairs.len() == 1;
    let mut head = Table::new(&["", "Baseline", "Variant"]);
    let both = |f: &dyn Fn(&[RunData]) -> String| [f(c.base), f(c.var)];
    let mut add = |label: &str, v: [String; 2]| {
        let [a, b] = v;
        head.row(vec![label.to_owned(), a, b]);
    };
    add("Label", [c.bl.to_owned(), c.vl.to_owned()]);
    add(
        "Scenario",
        both(&|r| {
            let mut names: Vec<&str> = r.iter().map(|x| x.scenario.as_str()).collect();
            names.dedup();
            names.join(", ")
        }),
    );
    add(
        "Seeds",
        both(&|r| {
            let s: Vec<String> = r.iter().map(|x| x.seed.to_string()).collect();
            if s.len() > 1 {
                format!("{} ({} runs)", s.join(", "), s.len())
            } else {
                s.join("")
            }
        }),
    );
    add(
        "Simulated time",
        both(&|r| format::duration(r[0].duration_s)),
    );
    add(
        "Results",
        both(&|r| {
            if r.len() == 1 {
                r[0].dir.display().to_string()
            } else {
                format!("{} directories", r.len())
            }
        }),
    );
    let pairing = if single {
        let (b, v) = c.pairs[0];
        if b.seed == v.seed {
            format!("One run per side, same seed ({}).", b.seed)
        } else {
            format!(
                "One run per side, different seeds ({} vs {}): differences include random \
                 variation.",
                b.seed, v.seed
            )
        }
    } else {
        let mut t = format!(
            "{} pairs matched by seed; each figure shows the means and the mean paired \
             difference (variant − baseline) with its 95 % confidence interval (Student t). \
             Overlay charts show seed {}.",
            c.pairs.len(),
            c.pairs[0].0.seed
        );
        if !c.unpaired.is_empty() {
            t.push_str(&format!(
                " Ignored (no partner with the same seed): {}.",
                c.unpaired.join(", ")
            ));
        }
        t
    };
    let mut figs = if single {
        Table::new(&["Figure", "Baseline", "Variant", "Δ", "Δ %"])
    } else {
        Table::new(&[
            "Figure",
            "Baseline (mean)",
            "Variant (mean)",
            "Mean Δ",
            "95 % CI of Δ",
            "Pairs",
        ])
    };
    for d in c.deltas {
        let val = |v: Option<f64>| format::value(d.unit, v);
        let delta = d.delta.map_or("n/a".into(), |x| format::delta(d.unit, x));
        if single {
            figs.row(vec![
                d.label.clone(),
                val(d.baseline),
                val(d.variant),
                delta,
                d.delta_pct.map_or("—".into(), |p| {
                    format!("{}{p:.1} %", if p > 0.0 { "+" } else { "" })
                }),
            ]);
        } else {
            figs.row(vec![
                d.label.clone(),
                val(d.baseline),
                val(d.variant),
                delta,
                d.ci95.map_or("—".into(), |[lo, hi]| {
                    format!(
                        "[{}, {}]",
                        format::delta(d.unit, lo),
                        format::delta(d.unit, hi)
                    )
                }),
                d.pairs.to_string(),
            ]);
        }
    }
    let mut sections = vec![
        Section {
            heading: "Runs".into(),
            text: Some(pairing),
            table: Some(head),
        },
        changes_section(c.changes),
        Section {
            heading: "Figures".into(),
            text: Some("n/a: the run does not record the figure.".into()),
            table: Some(figs),
        },
    ];
    if let Some(sec) = super::services::compare_section(c.pairs[0].0, c.pairs[0].1) {
        sections.push(sec);
    }
    let mut slo_t = Table::new(&["SLO", "Threshold", "Baseline", "Variant"]);
    for s in c.slos {
        let vals = s.values.as_ref();
        slo_t.row(vec![
            s.slo.to_owned(),
            s.threshold.clone(),
            tally_text(&s.baseline, vals.map(|v| v[0].as_str())),
            tally_text(&s.variant, vals.map(|v| v[1].as_str())),
        ]);
    }
    sections.push(Section {
        heading: "SLO verdicts".into(),
        text: Some(match c.slo_source {
            Some(src) => format!("Both sides judged against the SLOs from {src}."),
            None => {
                "No SLOs declared (add an `slo:` section to the scenario, or pass --slo).".into()
            }
        }),
        table: (!c.slos.is_empty()).then_some(slo_t),
    });
    Document {
        title: format!("clustersim comparison: {} vs {}", c.bl, c.vl),
        sections,
        charts: c.charts.to_vec(),
        skipped: c.skipped.to_vec(),
        footer: format!("Generated by clustersim {}.", env!("CARGO_PKG_VERSION")),
    }
}
