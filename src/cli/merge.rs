//! `clustersim merge`: join the shards of a sweep into the `sweep.csv` an unsharded run writes.

use std::path::PathBuf;

use super::sweep::cli_error;
use super::CliError;
use clustersim::sweep::output::SWEEP_CSV;
use clustersim::sweep::{merge as merge_shards, write_tables};

/// Options of `merge`.
pub struct MergeArgs {
    pub inputs: Vec<PathBuf>,
    pub out: Option<PathBuf>,
    pub quiet: bool,
}

pub fn merge(a: MergeArgs) -> Result<(), CliError> {
    let combined = merge_shards(&a.inputs).map_err(cli_error)?;
    let out = match &a.out {
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
    if !a.quiet {
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
