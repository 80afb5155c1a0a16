//! Errors of sweeps, merges and plans: one line each, naming the file or option at fault.

/// Why a sweep, merge or plan failed. The CLI maps both variants to exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// Bad input: the sweep file, its base scenario, an option, shard manifests.
    #[error("{0}")]
    Input(String),
    /// An output file or directory could not be written.
    #[error("{0}")]
    Output(String),
}
