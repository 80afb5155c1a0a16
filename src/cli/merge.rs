//! `clustersim merge`: join the shards of a sweep into the `sweep.csv` an unsharded run writes.

use std::path::PathBuf;

use super::args::{OutArg, QuietArg};
use super::sweep::cli_error;
use super::CliError;
use clustersim::sweep::output::SWEEP_CSV;
use clustersim::sweep::{merge as merge_shards, write_tables};

/// Options of `merge`.
#[derive(clap::Args, Debug)]
#[command(mut_arg("out", |a| {
    a.help("Where to write `sweep.csv`, `runs.csv` and `charts/` (default: the first input)")
}))]
pub struct MergeArgs {
    /// Shard directories or manifest files.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub out: OutArg,
    #[command(flatten)]
    pub quiet: QuietArg,
}

pub fn merge(a: MergeArgs) -> Result<(), CliError> {
    let combined = merge_shards(&a.inputs).map_err(cli_error)?;
    let out = match &a.out.out {
        Some(o) => o.clone(),
        None => {
            let first = &a.inputs[0];
            if first.is_dir() {
                first.clone()
            } else {
                first
                    .parent()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("."))
            }
        }
    };
    write_tables(&combined, &out).map_err(cli_error)?;
    if !a.quiet.quiet {
        let m = &combined.manifest;
        eprintln!(
            "merge: sweep {}: {} shards, {} runs ({} points × {} seeds) -> {}",
            m.sweep,
            combined.shards,
            combined.records.len(),
            m.points.len(),
            m.seeds.len(),
            out.join(SWEEP_CSV).display()
        );
    }
    Ok(())
}
