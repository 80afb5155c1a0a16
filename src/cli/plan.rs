//! `clustersim plan`: the smallest value of a scenario path that meets the SLOs in every case
//! (with `--n-plus zone|rack`, in every variant that loses one zone or rack).

use std::fmt::Write as _;

use super::args::{JobsArg, QuietArg, ScenarioArgs};
use super::sweep::{cli_error, runs_bar, with_threads};
use super::CliError;
use clustersim::figures::stats::fixed;
use clustersim::scenario::DurationMs;
use clustersim::scenario::{parse_scenario_with_overrides, Override};
use clustersim::sweep::nplus::{fault_time, plan_domains, Domain, NPlus, FAULT_PREFIX};
use clustersim::sweep::plan::{cases_across, Check, Evaluation};
use clustersim::sweep::{parse_slo, PlanSpec};

/// Options of `plan`.
#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    input: ScenarioArgs,
    /// The integer scenario path to vary, e.g. `cluster.nodePools[general].count`.
    #[arg(long, value_name = "PATH")]
    vary: String,
    /// Smallest value searched.
    #[arg(long, allow_negative_numbers = true)]
    min: i64,
    /// Largest value searched (must meet the SLOs).
    #[arg(long, allow_negative_numbers = true)]
    max: i64,
    /// Resolution: values searched are min + k·step.
    #[arg(long, default_value_t = 1)]
    step: i64,
    /// SLO to meet (repeatable): a key of the scenario's `slo:` section (e.g.
    /// `maxUnschedulableAtEnd`) or an inline threshold such as `podsPendingAtEnd<=0`.
    #[arg(long, required = true, value_name = "NAME|METRIC<=N")]
    slo: Vec<String>,
    /// Confidence of the one-sided bound of the mean over seeds.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Replications (seeds) per case and value.
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// First seed (default: the scenario's `simulation.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Cases every value must pass: `PATH=[v1, v2]` (repeatable; cartesian product).
    #[arg(long, value_name = "PATH=[V1, V2]")]
    across: Vec<Override>,
    /// Survive the loss of any one `zone` or `rack`: every case runs once per zone (rack)
    /// with a `zoneOutage` (`rackFailure`) fault `n-plus-<name>` added to the scenario's
    /// faults, and a value passes only if the SLOs hold in every variant.
    #[arg(long, value_name = "zone|rack")]
    n_plus: Option<String>,
    /// With --n-plus: when the zone or rack is lost (default: the time of peak pod demand,
    /// Pending + Running, in one run at --max with the first seed).
    #[arg(long, value_name = "DURATION")]
    fault_at: Option<String>,
    /// With --n-plus: how long it stays lost (default: to the end of the run).
    #[arg(long, value_name = "DURATION")]
    fault_duration: Option<String>,
    #[command(flatten)]
    jobs: JobsArg,
    #[command(flatten)]
    quiet: QuietArg,
}

pub fn plan(a: PlanArgs) -> Result<(), CliError> {
    let duration_arg = |flag: &str, v: &Option<String>| -> Result<Option<DurationMs>, CliError> {
        v.as_deref()
            .map(|t| {
                t.parse::<DurationMs>()
                    .map_err(|e| CliError::input(format!("{flag} {t}: invalid duration: {e}")))
            })
            .transpose()
    };
    let fault_at = duration_arg("--fault-at", &a.fault_at)?;
    let fault_duration = duration_arg("--fault-duration", &a.fault_duration)?;
    let n_plus = match &a.n_plus {
        Some(text) => Some(
            text.parse::<Domain>()
                .map_err(|e| CliError::input(format!("--n-plus: {e}")))?,
        ),
        None => {
            if a.fault_at.is_some() || a.fault_duration.is_some() {
                return Err(CliError::input(
                    "--fault-at and --fault-duration go with --n-plus zone|rack",
                ));
            }
            None
        }
    };
    if fault_duration.is_some_and(|d| d.is_zero()) {
        return Err(CliError::input("--fault-duration must be positive"));
    }
    let file = a.input.scenario.display().to_string();
    let text = std::fs::read_to_string(&a.input.scenario)
        .map_err(|e| CliError::input(format!("{file}: cannot read scenario file: {e}")))?;
    let base = parse_scenario_with_overrides(&text, &file, &a.input.set)
        .map_err(|e| CliError::input(e.to_string()))?;
    let slos = a
        .slo
        .iter()
        .map(|s| {
            parse_slo(base.slo.as_ref(), s).map_err(|e| CliError::input(format!("--slo {s}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if a.seeds == 0 {
        return Err(CliError::input("--seeds must be at least 1"));
    }
    let first = a.seed.unwrap_or(base.simulation.seed);
    let last = first
        .checked_add(a.seeds - 1)
        .ok_or_else(|| CliError::input("--seed + --seeds overflows 64 bits"))?;
    let cases = cases_across(&a.across).map_err(CliError::input)?;
    let groups: Vec<String> = cases.iter().map(|c| c.label.clone()).collect();
    let mut spec = PlanSpec {
        file,
        text,
        fixed: a.input.set.clone(),
        vary: a.vary.clone(),
        min: a.min,
        max: a.max,
        step: a.step,
        cases,
        seeds: (first..=last).collect(),
        slos,
        confidence: a.confidence,
    };
    spec.check().map_err(cli_error)?;
    let n_plus = match n_plus {
        None => None,
        Some(domain) => {
            let names = plan_domains(&spec, domain).map_err(cli_error)?;
            let (at, note) = fault_time(&spec, fault_at).map_err(cli_error)?;
            let n = NPlus {
                domain,
                at,
                duration: fault_duration,
            };
            spec.cases = n.cases(&spec.cases, &names);
            spec.check().map_err(cli_error)?;
            let until = match n.duration {
                Some(d) => format!("for {d}"),
                None => "to the end of the run".into(),
            };
            Some(format!(
                "each case once per {domain} lost: {} {} variants ({}), at {at} ({note}) {until}",
                names.len(),
                n.domain.fault_kind(),
                names
                    .iter()
                    .map(|d| format!("{FAULT_PREFIX}{d}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ))
        }
    };

    let runs_per_value = (spec.cases.len() * spec.seeds.len()) as u64;
    let pb = runs_bar(
        a.quiet.quiet,
        spec.max_evaluations() as u64 * runs_per_value,
        "runs (at most)",
    );
    let result = with_threads(a.jobs.jobs, || spec.search(&|| pb.inc(1)))?.map_err(cli_error)?;
    pb.finish_and_clear();

    let table = match &n_plus {
        None => report(&spec, &result.evaluations),
        Some(about) => worst_report(&spec, &groups, about, &result.evaluations),
    };
    super::output::print(&table)?;
    match result.answer {
        Some(v) if v == spec.min && spec.min < spec.max => super::output::print(&format!(
            "answer: {} = {v} (--min already passes: lower --min to search below)\n",
            spec.vary
        )),
        Some(v) if v == spec.min => super::output::print(&format!(
            "answer: {} = {v} (the only value searched)\n",
            spec.vary
        )),
        Some(v) => super::output::print(&format!(
            "answer: {} = {v} ({} fails, {v} passes)\n",
            spec.vary,
            v - spec.step
        )),
        None => Err(CliError::input(format!(
            "plan: no value up to --max {} meets the SLOs (see the table above); raise --max",
            spec.max
        ))),
    }
}

/// The SLOs as listed in the header.
fn slo_list(spec: &PlanSpec) -> String {
    spec.slos
        .iter()
        .map(|t| {
            if t.name.contains(['<', '>']) {
                t.describe()
            } else {
                format!("{}: {}", t.name, t.describe())
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `seeds: 1, 2; judged on the one-sided 95% bound of the mean over seeds`.
fn seeds_line(spec: &PlanSpec) -> String {
    let seeds: Vec<String> = spec.seeds.iter().map(u64::to_string).collect();
    format!(
        "seeds: {}; judged on the one-sided {}% bound of the mean over seeds",
        seeds.join(", "),
        trim_float(spec.confidence * 100.0)
    )
}

/// `mean, std, bound, max, per seed` of a check.
fn figures(c: &Check) -> [String; 5] {
    let max = c.values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    [
        short(c.mean),
        c.std.map(short).unwrap_or_else(|| "-".into()),
        short(c.bound),
        short(max),
        c.values
            .iter()
            .map(|v| short(*v))
            .collect::<Vec<_>>()
            .join(" "),
    ]
}

/// The header and evidence table printed to stdout.
fn report(spec: &PlanSpec, evaluations: &[Evaluation]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "plan: smallest {} in {}..={} (step {}) meeting every SLO in every case",
        spec.vary, spec.min, spec.max, spec.step
    );
    let _ = writeln!(s, "  SLOs: {}", slo_list(spec));
    let _ = writeln!(
        s,
        "  cases: {}; {}",
        spec.cases
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        seeds_line(spec)
    );
    let _ = writeln!(s);
    let header = [
        "value", "verdict", "case", "slo", "mean", "std", "bound", "max", "per seed",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for e in evaluations {
        for c in &e.checks {
            let mut row = vec![
                e.value.to_string(),
                if c.pass { "pass" } else { "FAIL" }.to_string(),
                spec.cases[c.case].label.clone(),
                spec.slos[c.slo].describe(),
            ];
            row.extend(figures(c));
            rows.push(row);
        }
    }
    table(&mut s, &header, &rows);
    s
}

/// The header and evidence table of `--n-plus`: per value, case and SLO, the worst variant
/// and how many variants failed.
fn worst_report(
    spec: &PlanSpec,
    groups: &[String],
    about: &str,
    evaluations: &[Evaluation],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "plan: smallest {} in {}..={} (step {}) meeting every SLO in every case and variant",
        spec.vary, spec.min, spec.max, spec.step
    );
    let _ = writeln!(s, "  SLOs: {}", slo_list(spec));
    let _ = writeln!(s, "  cases: {}; {}", groups.join(" | "), seeds_line(spec));
    let _ = writeln!(s, "  n-plus: {about}");
    let _ = writeln!(
        s,
        "  each row: the variant furthest past (or closest to) the threshold, and how many failed"
    );
    let _ = writeln!(s);
    let header = [
        "value",
        "verdict",
        "case",
        "slo",
        "worst variant",
        "failed",
        "mean",
        "std",
        "bound",
        "max",
        "per seed",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for e in evaluations {
        for w in e.worst(spec) {
            let mut row = vec![
                e.value.to_string(),
                if w.pass() { "pass" } else { "FAIL" }.to_string(),
                groups[w.group].clone(),
                spec.slos[w.slo].describe(),
                spec.cases[w.check.case]
                    .variant
                    .clone()
                    .unwrap_or_else(|| "-".into()),
                format!("{}/{}", w.failing, w.variants),
            ];
            row.extend(figures(w.check));
            rows.push(row);
        }
    }
    table(&mut s, &header, &rows);
    s
}

/// Appends `header` and `rows` as aligned columns (the last one unpadded) and a blank line.
fn table(s: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{c:<w$}  ", w = widths[i]);
            }
        }
        l.trim_end().to_string()
    };
    let _ = writeln!(s, "{}", line(header.to_vec()));
    for r in rows {
        let _ = writeln!(s, "{}", line(r.iter().map(String::as_str).collect()));
    }
    let _ = writeln!(s);
}

/// A number with at most three decimals, trailing zeros dropped.
fn short(v: f64) -> String {
    let f = fixed(v);
    if !f.contains('.') {
        return f;
    }
    let rounded = format!("{v:.3}");
    let t = rounded.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" {
        "0".into()
    } else {
        t.to_string()
    }
}

fn trim_float(v: f64) -> String {
    let t = format!("{v:.3}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}
