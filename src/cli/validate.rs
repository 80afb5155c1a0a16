//! `clustersim validate`: check a scenario and print what it describes.

use std::fmt::Write as _;
use std::path::Path;

use super::{load, output, CliError};
use clustersim::build::{build, describe, BuildOptions};
use clustersim::scenario::{warnings, Override};

/// Prints the scenario's description and warnings; invalid files are exit code 2.
pub fn validate(path: &Path, overrides: &[Override]) -> Result<(), CliError> {
    let s = load(path, overrides)?;
    let setup = build(&s, BuildOptions::default());
    let mut d = describe(&setup);
    d.warnings.splice(0..0, warnings(&s));
    let mut text = String::new();
    let _ = writeln!(text, "{}: valid scenario `{}`", path.display(), s.name);
    if let Some(desc) = &s.description {
        let _ = writeln!(text, "{}", desc.trim());
    }
    let _ = writeln!(
        text,
        "simulation: {} ms, seed {}, metrics every {} ms",
        s.simulation.duration.as_millis(),
        s.simulation.seed,
        s.simulation.metrics_interval.as_millis()
    );
    let _ = write!(text, "{d}");
    output::print(&text)
}
