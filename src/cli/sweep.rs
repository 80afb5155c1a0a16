//! `clustersim sweep`: run a grid of scenario variants × seeds in parallel, or one shard of it.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::args::{JobsArg, OutArg, QuietArg};
use super::CliError;
use clustersim::sweep::output::{remove_other_manifests, SWEEP_CSV};
use clustersim::sweep::{
    load_sweep, run_sweep, write_tables, Combined, Manifest, Shard, SweepError,
};

/// Options of `sweep`.
#[derive(clap::Args, Debug)]
#[command(mut_arg("out", |a| a.help("Results directory (default `results/<sweep name>`)")))]
pub struct SweepArgs {
    /// Sweep file (YAML).
    pub sweep: PathBuf,
    #[command(flatten)]
    pub out: OutArg,
    /// Run only shard K of N (`K/N`, K from 1), or `auto` in a Kubernetes Indexed Job
    /// (K from `JOB_COMPLETION_INDEX`, N from `auto/N` or `CLUSTERSIM_SHARDS`).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub jobs: JobsArg,
    /// Check every point's scenario and print the grid and the number of runs; run nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub quiet: QuietArg,
}

/// Maps a sweep error to the CLI's (bad input or unwritable output: exit 2).
pub fn cli_error(e: SweepError) -> CliError {
    CliError::input(e.to_string())
}

/// A progress bar over `len` runs on stderr (hidden when quiet or not a terminal).
pub fn runs_bar(quiet: bool, len: u64, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what}  {{elapsed}} (eta {{eta}})"
        ))
        .expect("static template")
        .progress_chars("=> "),
    );
    pb
}

/// Runs `f` on a pool of `jobs` threads, or on the global pool (all cores, or
/// `RAYON_NUM_THREADS`) when None.
pub fn with_threads<T: Send>(
    jobs: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> Result<T, CliError> {
    match jobs {
        None => Ok(f()),
        Some(0) => Err(CliError::input("--jobs must be at least 1")),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| CliError::internal(format!("cannot start {n} threads: {e}")))?;
            Ok(pool.install(f))
        }
    }
}

pub fn sweep(a: SweepArgs) -> Result<(), CliError> {
    let sweep = load_sweep(&a.sweep).map_err(cli_error)?;
    let shard = match &a.shard {
        Some(text) => Shard::parse(text, |k| std::env::var(k).ok()).map_err(CliError::input)?,
        None => Shard::ALL,
    };
    let out = a
        .out
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&sweep.name));
    if a.dry_run {
        let scenarios = sweep.scenarios().map_err(cli_error)?;
        return super::output::print(&dry_run(&sweep, shard, scenarios.len(), &out));
    }
    std::fs::create_dir_all(&out).map_err(|e| {
        CliError::input(format!(
            "--out {}: cannot create directory: {e}",
            out.display()
        ))
    })?;
    let scenarios = sweep.scenarios().map_err(cli_error)?;
    let owned = sweep.runs().iter().filter(|r| shard.owns(r.index)).count();
    let pb = runs_bar(a.quiet.quiet, owned as u64, "runs");
    let started = Instant::now();
    let (records, threads) = with_threads(a.jobs.jobs, || {
        let threads = rayon::current_num_threads();
        run_sweep(&sweep, &scenarios, shard, &out, &|_| pb.inc(1)).map(|r| (r, threads))
    })?
    .map_err(cli_error)?;
    pb.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    let manifest = Manifest::new(&sweep, shard, &records, wall, threads);
    if shard.is_all() {
        remove_other_manifests(&out, &shard.manifest_name()).map_err(cli_error)?;
    }
    manifest.write(&out).map_err(cli_error)?;
    let mut tail = String::new();
    if shard.is_all() {
        write_tables(
            &Combined {
                manifest,
                records,
                shards: 1,
            },
            &out,
        )
        .map_err(cli_error)?;
        tail = format!(" ({SWEEP_CSV})");
    }
    if !a.quiet.quiet {
        let points = scenarios.len();
        let seeds = sweep.seeds.len();
        let part = if shard.is_all() {
            String::new()
        } else {
            format!(", shard {shard}: {owned} of {} runs", points * seeds)
        };
        eprintln!(
            "sweep {}: {owned} runs ({points} points × {seeds} seeds{part}) in {wall:.2}s on {threads} thread{} -> {}{tail}",
            sweep.name,
            if threads == 1 { "" } else { "s" },
            out.display()
        );
    }
    Ok(())
}

/// What `--dry-run` prints: the grid and the runs, after every point's scenario was checked.
fn dry_run(
    sweep: &clustersim::sweep::Sweep,
    shard: Shard,
    points: usize,
    out: &std::path::Path,
) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let seeds = sweep.seeds.len();
    let owned = sweep.runs().iter().filter(|r| shard.owns(r.index)).count();
    let _ = write!(
        s,
        "sweep {}: base {}; {points} points × {seeds} seeds = {} runs",
        sweep.name,
        sweep.base_file.display(),
        points * seeds
    );
    if !shard.is_all() {
        let _ = write!(s, "; shard {shard} runs {owned} of them");
    }
    let _ = writeln!(s, " -> {}", out.display());
    let list: Vec<String> = sweep.seeds.iter().map(u64::to_string).collect();
    let _ = writeln!(s, "seeds: {}", list.join(", "));
    for o in &sweep.fixed {
        let _ = writeln!(s, "set: {o}");
    }
    if sweep.parameters.is_empty() {
        return s;
    }
    let mut header = vec!["point".to_string()];
    header.extend(sweep.parameters.iter().map(|p| p.path.clone()));
    let rows: Vec<Vec<String>> = sweep
        .points()
        .iter()
        .map(|p| {
            std::iter::once(p.index.to_string())
                .chain(sweep.labels(p))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(s, "{}", cells.join("  ").trim_end());
    }
    s
}
