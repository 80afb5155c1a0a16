//! The grid: points (one value per parameter) and runs (point × seed), in a fixed order.
//!
//! Points are the cartesian product of the parameters' values with the **first parameter in the
//! file varying slowest** (nested loops in file order); point `i` is numbered from 0. Runs are
//! every point's seeds in the order of `seeds:`; the global run index is
//! `point × seeds + seed position`, which is what shards split ([`super::shard`]). A run's
//! results directory is `<out>/<point>-<seed>`, the point zero-padded to the width of the
//! largest point number so that directories sort in grid order.

use super::file::Sweep;
use crate::scenario::{parse_scenario_with_overrides, Override, ValidScenario};

use super::error::SweepError;

/// One point of the grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    /// Position in grid order, from 0.
    pub index: usize,
    /// For each parameter, the index of its value.
    pub choice: Vec<usize>,
}

/// One run: a point and a seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    /// Global index (`point × seeds + seed position`).
    pub index: usize,
    /// Point index.
    pub point: usize,
    /// Seed.
    pub seed: u64,
}

impl Sweep {
    /// Every point, in grid order (one point without overrides when nothing is swept).
    pub fn points(&self) -> Vec<Point> {
        let sizes: Vec<usize> = self.parameters.iter().map(|p| p.values.len()).collect();
        let total: usize = sizes.iter().product();
        (0..total)
            .map(|index| {
                let mut rest = index;
                let mut choice = vec![0; sizes.len()];
                for (i, size) in sizes.iter().enumerate().rev() {
                    choice[i] = rest % size;
                    rest /= size;
                }
                Point { index, choice }
            })
            .collect()
    }

    /// Every run, in global order.
    pub fn runs(&self) -> Vec<Run> {
        let n = self.seeds.len();
        (0..self.points().len())
            .flat_map(|point| {
                self.seeds.iter().enumerate().map(move |(j, &seed)| Run {
                    index: point * n + j,
                    point,
                    seed,
                })
            })
            .collect()
    }

    /// The overrides of a point: the fixed ones, then one per parameter.
    pub fn overrides(&self, p: &Point) -> Vec<Override> {
        let mut out = self.fixed.clone();
        for (param, &v) in self.parameters.iter().zip(&p.choice) {
            out.push(Override {
                path: param.path.clone(),
                value: param.values[v].yaml.clone(),
            });
        }
        out
    }

    /// The point's values as shown in tables, one per parameter.
    pub fn labels(&self, p: &Point) -> Vec<String> {
        self.parameters
            .iter()
            .zip(&p.choice)
            .map(|(param, &v)| param.values[v].label.clone())
            .collect()
    }

    /// `path=value, …` of a point, for messages.
    pub fn describe(&self, p: &Point) -> String {
        if self.parameters.is_empty() {
            return "the base scenario".into();
        }
        self.parameters
            .iter()
            .zip(self.labels(p))
            .map(|(param, l)| format!("{}={l}", param.path))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The scenario of every point, parsed and validated before anything runs. Each value of
    /// each parameter is first tried alone, so an error names the parameter at fault.
    pub fn scenarios(&self) -> Result<Vec<ValidScenario>, SweepError> {
        let origin = self.base_file.display().to_string();
        for param in &self.parameters {
            for value in &param.values {
                let mut overrides = self.fixed.clone();
                overrides.push(Override {
                    path: param.path.clone(),
                    value: value.yaml.clone(),
                });
                parse_scenario_with_overrides(&self.base_text, &origin, &overrides).map_err(
                    |e| {
                        SweepError::Input(format!(
                            "{}: parameters[{}]: value {}: {e}",
                            self.file, param.path, value.label
                        ))
                    },
                )?;
            }
        }
        self.points()
            .iter()
            .map(|p| {
                if self.parameters.is_empty() {
                    return Ok(self.base.clone());
                }
                parse_scenario_with_overrides(&self.base_text, &origin, &self.overrides(p)).map_err(
                    |e| {
                        SweepError::Input(format!(
                            "{}: parameters: point {} ({}): {e}",
                            self.file,
                            p.index,
                            self.describe(p)
                        ))
                    },
                )
            })
            .collect()
    }
}

/// The results directory name of a run: `<point>-<seed>`, the point zero-padded to the width
/// of `points − 1`.
pub fn run_id(point: usize, points: usize, seed: u64) -> String {
    let width = points.saturating_sub(1).to_string().len();
    format!("{point:0width$}-{seed}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_sort_in_grid_order() {
        assert_eq!(run_id(0, 1, 7), "0-7");
        assert_eq!(run_id(3, 12, 1), "03-1");
        assert_eq!(run_id(11, 12, 1), "11-1");
        assert_eq!(run_id(5, 1000, 2), "005-2");
    }
}
