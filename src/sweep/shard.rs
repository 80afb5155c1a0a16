//! Splitting a sweep's runs into shards: `--shard K/N` (1 ≤ K ≤ N) owns the runs whose global
//! index `r` (points × seeds in grid order, see [`super::grid`]) satisfies `r mod N = K − 1`,
//! like cargo-nextest's `count:K/N`. Round-robin keeps shards balanced, since neighbouring runs
//! (same point, other seed; or the next value of the last parameter) cost about the same.
//!
//! `--shard auto` is for a Kubernetes Indexed Job: K is `JOB_COMPLETION_INDEX + 1` (the index
//! is 0-based) and N comes from `auto/N` or from the `CLUSTERSIM_SHARDS` environment variable
//! (set it to the Job's `completions`).

use std::fmt;

/// The index of a Kubernetes Indexed Job's pod (0-based).
pub const JOB_COMPLETION_INDEX: &str = "JOB_COMPLETION_INDEX";
/// The number of shards for `--shard auto`.
pub const CLUSTERSIM_SHARDS: &str = "CLUSTERSIM_SHARDS";

/// One shard of a sweep: `index` of `count`, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, 1..=count.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Parses `K/N`, `auto` or `auto/N`; `env` looks up environment variables (for `auto`).
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let text = text.trim();
        let (k, n) = text
            .split_once('/')
            .map_or((text, None), |(k, n)| (k.trim(), Some(n.trim())));
        let count = |n: &str, what: &str| -> Result<u32, String> {
            match n.parse::<u32>() {
                Ok(v) if v >= 1 => Ok(v),
                _ => Err(format!(
                    "--shard {text}: {what} must be a whole number of at least 1, got {n:?}"
                )),
            }
        };
        let (index, count) = if k == "auto" {
            let count = match n {
                Some(n) => count(n, "the shard count N")?,
                None => {
                    let v = env(CLUSTERSIM_SHARDS).ok_or_else(|| {
                        format!("--shard auto: set {CLUSTERSIM_SHARDS} to the number of shards (the Job's completions) or write --shard auto/N")
                    })?;
                    count(v.trim(), CLUSTERSIM_SHARDS)?
                }
            };
            let raw = env(JOB_COMPLETION_INDEX).ok_or_else(|| {
                format!("--shard auto: {JOB_COMPLETION_INDEX} is not set (a Kubernetes Indexed Job sets it; elsewhere use --shard K/N)")
            })?;
            let i: u32 = raw.trim().parse().map_err(|_| {
                format!("--shard auto: {JOB_COMPLETION_INDEX}={raw:?} is not a whole number")
            })?;
            (i.saturating_add(1), count)
        } else {
            let n = n.ok_or_else(|| {
                format!("--shard {text}: expected K/N (e.g. 2/5), auto or auto/N")
            })?;
            let index = k
                .parse::<u32>()
                .map_err(|_| format!("--shard {text}: K must be a whole number, got {k:?}"))?;
            (index, count(n, "N")?)
        };
        if index == 0 || index > count {
            return Err(format!(
                "--shard {text}: shard {index} of {count} does not exist (shards are numbered 1 to {count}; {JOB_COMPLETION_INDEX} from 0 to {})",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether the run with global index `run` belongs to this shard.
    pub fn owns(&self, run: usize) -> bool {
        run % self.count as usize == (self.index - 1) as usize
    }

    /// Whether this shard is the whole sweep.
    pub fn is_all(&self) -> bool {
        self.count == 1
    }

    /// The file name of this shard's manifest: `shard-K-of-N.json`.
    pub fn manifest_name(&self) -> String {
        format!("shard-{}-of-{}.json", self.index, self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn parses_k_of_n() {
        assert_eq!(
            Shard::parse("2/5", no_env).unwrap(),
            Shard { index: 2, count: 5 }
        );
        assert_eq!(Shard::parse(" 1 / 1 ", no_env).unwrap(), Shard::ALL);
        for bad in ["0/3", "4/3", "1/0", "x/2", "2", "1/-1", "", "/"] {
            assert!(Shard::parse(bad, no_env).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn auto_reads_the_job_completion_index() {
        let env = |k: &str| match k {
            JOB_COMPLETION_INDEX => Some("2".to_string()),
            CLUSTERSIM_SHARDS => Some("4".to_string()),
            _ => None,
        };
        assert_eq!(
            Shard::parse("auto", env).unwrap(),
            Shard { index: 3, count: 4 }
        );
        assert_eq!(
            Shard::parse("auto/3", env).unwrap(),
            Shard { index: 3, count: 3 }
        );
        assert!(Shard::parse("auto/2", env)
            .unwrap_err()
            .contains("does not exist"));
        let err = Shard::parse("auto/3", no_env).unwrap_err();
        assert!(err.contains(JOB_COMPLETION_INDEX), "{err}");
        let only_index = |k: &str| (k == JOB_COMPLETION_INDEX).then(|| "0".to_string());
        assert!(Shard::parse("auto", only_index)
            .unwrap_err()
            .contains(CLUSTERSIM_SHARDS));
    }

    #[test]
    fn shards_partition_the_runs() {
        let n = 3;
        let shards: Vec<Shard> = (1..=n).map(|index| Shard { index, count: n }).collect();
        for run in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.owns(run)).count(), 1);
        }
        assert!(Shard::ALL.owns(17));
        assert_eq!(shards[1].manifest_name(), "shard-2-of-3.json");
    }
}
