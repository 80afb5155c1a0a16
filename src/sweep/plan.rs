//! Headroom search (`clustersim plan`): the smallest value of one integer scenario path (a node
//! pool's count, say) at which every SLO holds in every case, by bisection with replications.
//!
//! At each probed value every case (the base scenario, or each combination of `--across`
//! values; with `--n-plus`, each of those once per lost zone or rack, see [`super::nplus`])
//! runs with every seed, the same seeds at
//! every value (common random numbers: arrivals, durations and tie-breaks are the same draws,
//! so two values differ by the parameter's effect only). For each case and SLO the values over
//! seeds give a one-sided bound of the mean at the chosen confidence (Student t): the upper
//! bound for `<=`/`<` thresholds, the lower bound for `>=`/`>`. A value passes when every bound
//! meets its threshold. With a zero threshold on a count (`podsUnschedulableAtEnd<=0`) this
//! means every seed of every case must pass.
//!
//! The search assumes passing is monotone in the value (more capacity never hurts): it checks
//! `max` (which must pass), then bisects on the grid `min + k·step`. The answer `v` comes with
//! the evidence that `v − step` failed (unless `v` is `min`, which then passed).

use rayon::prelude::*;
use serde_json::Value;

use super::error::SweepError;
use super::exec::simulate;
use super::metric::Threshold;
use super::stats::{one_sided_bound, stats};
use crate::metrics::{EventLogLevel, RunResult};
use crate::scenario::{parse_scenario_with_overrides, Override, ValidScenario};

/// One case every probed value must pass (e.g. one fault of the fault set).
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// `path=value, …`, or `base` for the base scenario; with `--n-plus` the variant's fault
    /// name is appended.
    pub label: String,
    /// Overrides that make the case.
    pub overrides: Vec<Override>,
    /// Faults added to the scenario's own `faults:` (after the overrides), as `faults:`
    /// entries: the `--n-plus` variant's fault.
    pub add_faults: Vec<Value>,
    /// The `--across` combination the case belongs to; the cases of one group differ only by
    /// their `--n-plus` variant.
    pub group: usize,
    /// The `--n-plus` variant (its fault's name), None without `--n-plus`.
    pub variant: Option<String>,
}

/// What to search.
#[derive(Clone, Debug)]
pub struct PlanSpec {
    /// The scenario file (prefixes error messages).
    pub file: String,
    /// Its text.
    pub text: String,
    /// Overrides applied before anything else (`--set`).
    pub fixed: Vec<Override>,
    /// The scenario path varied (`cluster.nodePools[general].count`).
    pub vary: String,
    /// Smallest value.
    pub min: i64,
    /// Largest value (`max − min` a multiple of `step`).
    pub max: i64,
    /// Resolution of the answer.
    pub step: i64,
    /// Cases (at least one).
    pub cases: Vec<Case>,
    /// Seeds of every case.
    pub seeds: Vec<u64>,
    /// SLOs (at least one).
    pub slos: Vec<Threshold>,
    /// Confidence of the one-sided bounds (0.5 < c < 1).
    pub confidence: f64,
}

/// One SLO in one case at one value.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// Index into [`PlanSpec::cases`].
    pub case: usize,
    /// Index into [`PlanSpec::slos`].
    pub slo: usize,
    /// The metric's value for each seed.
    pub values: Vec<f64>,
    /// Mean over seeds.
    pub mean: f64,
    /// Standard deviation (None with one seed).
    pub std: Option<f64>,
    /// The one-sided bound judged.
    pub bound: f64,
    /// Whether the bound meets the threshold.
    pub pass: bool,
}

/// One probed value.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The value.
    pub value: i64,
    /// Every (case, SLO).
    pub checks: Vec<Check>,
    /// Whether every check passed.
    pub pass: bool,
}

/// One SLO in one group of cases (an `--across` combination, over its `--n-plus` variants)
/// at one value: the variant closest to failing, or failing worst.
#[derive(Clone, Debug, PartialEq)]
pub struct Worst<'a> {
    /// The group ([`Case::group`]).
    pub group: usize,
    /// Index into [`PlanSpec::slos`].
    pub slo: usize,
    /// The worst variant's check (its [`Check::case`] names the variant).
    pub check: &'a Check,
    /// Variants whose bound misses the threshold.
    pub failing: usize,
    /// Variants in the group.
    pub variants: usize,
}

impl Worst<'_> {
    /// Whether the SLO holds in every variant of the group.
    pub fn pass(&self) -> bool {
        self.failing == 0
    }
}

impl Evaluation {
    /// For each group of cases and SLO (groups outer, in order), the worst variant: the one
    /// whose bound is furthest on the failing side of the threshold (the largest upper bound
    /// for `<=`/`<`, the smallest lower bound for `>=`/`>`); the first such in case order.
    pub fn worst<'a>(&'a self, spec: &PlanSpec) -> Vec<Worst<'a>> {
        let mut out: Vec<Worst<'a>> = Vec::new();
        for check in &self.checks {
            let group = spec.cases[check.case].group;
            let t = &spec.slos[check.slo];
            let badness = |c: &Check| {
                if t.op.is_upper() {
                    c.bound - t.limit
                } else {
                    t.limit - c.bound
                }
            };
            match out
                .iter_mut()
                .find(|w| w.group == group && w.slo == check.slo)
            {
                Some(w) => {
                    w.variants += 1;
                    w.failing += usize::from(!check.pass);
                    if badness(check) > badness(w.check) {
                        w.check = check;
                    }
                }
                None => out.push(Worst {
                    group,
                    slo: check.slo,
                    check,
                    failing: usize::from(!check.pass),
                    variants: 1,
                }),
            }
        }
        out.sort_by_key(|w| (w.group, w.slo));
        out
    }
}

/// The answer of a search.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanResult {
    /// The smallest passing value, or None when even `max` fails.
    pub answer: Option<i64>,
    /// Every probed value, in increasing order.
    pub evaluations: Vec<Evaluation>,
}

impl PlanSpec {
    /// Checks the options and that the scenario parses at `min` and `max` in every case.
    pub fn check(&self) -> Result<(), SweepError> {
        let bad = |m: String| Err(SweepError::Input(m));
        if self.step < 1 {
            return bad(format!("--step must be at least 1, got {}", self.step));
        }
        if self.min.checked_sub(self.step).is_none() || self.max.checked_add(self.step).is_none() {
            return bad("--min, --max and --step are too large".into());
        }
        if self.min > self.max {
            return bad(format!(
                "--min ({}) is above --max ({})",
                self.min, self.max
            ));
        }
        if (self.max - self.min) % self.step != 0 {
            return bad(format!(
                "--max − --min ({}) is not a multiple of --step ({}); the values searched are --min + k·--step",
                self.max - self.min,
                self.step
            ));
        }
        if !(self.confidence > 0.5 && self.confidence < 1.0) {
            return bad(format!(
                "--confidence must be between 0.5 and 1 (exclusive), got {}",
                self.confidence
            ));
        }
        if self.seeds.is_empty() || self.slos.is_empty() || self.cases.is_empty() {
            return bad("plan needs at least one seed, one SLO and one case".into());
        }
        for case in 0..self.cases.len() {
            self.scenario(self.min, case)?;
            self.scenario(self.max, case)?;
        }
        Ok(())
    }

    /// The scenario at `value` in case `case`.
    pub fn scenario(&self, value: i64, case: usize) -> Result<ValidScenario, SweepError> {
        let c = &self.cases[case];
        let err = |e: String| {
            SweepError::Input(format!("--vary {}={value} ({}): {e}", self.vary, c.label))
        };
        let mut overrides = self.fixed.clone();
        overrides.push(Override {
            path: self.vary.clone(),
            value: value.to_string(),
        });
        overrides.extend(c.overrides.iter().cloned());
        if !c.add_faults.is_empty() {
            let add: Vec<String> = c
                .add_faults
                .iter()
                .map(|f| serde_json::to_string(f).expect("JSON values serialise"))
                .collect();
            let faults =
                crate::scenario::overrides::extend_list(&self.text, &overrides, "faults", &add)
                    .map_err(err)?;
            overrides.push(faults);
        }
        parse_scenario_with_overrides(&self.text, &self.file, &overrides)
            .map_err(|e| err(e.to_string()))
    }

    /// One run of the first case at `max` with the first seed: what `--n-plus` reads the time
    /// of peak demand from.
    pub fn probe_run(&self) -> Result<RunResult, SweepError> {
        let scenario = self.scenario(self.max, 0)?;
        let seed = self.seeds[0];
        simulate(&scenario, seed, EventLogLevel::None)
            .map(|(r, _)| r)
            .map_err(|e| {
                SweepError::Input(format!(
                    "{}: --vary {}={} ({}), seed {seed}: {e}",
                    self.file, self.vary, self.max, self.cases[0].label
                ))
            })
    }

    /// Runs every case with every seed at `value` (in parallel) and judges the SLOs.
    pub fn evaluate(&self, value: i64, done: &(dyn Fn() + Sync)) -> Result<Evaluation, SweepError> {
        let scenarios: Vec<ValidScenario> = (0..self.cases.len())
            .map(|c| self.scenario(value, c))
            .collect::<Result<_, _>>()?;
        let jobs: Vec<(usize, u64)> = (0..self.cases.len())
            .flat_map(|c| self.seeds.iter().map(move |&s| (c, s)))
            .collect();
        let values: Vec<Vec<f64>> = jobs
            .par_iter()
            .map(|&(case, seed)| {
                let (result, _) =
                    simulate(&scenarios[case], seed, EventLogLevel::None).map_err(|e| {
                        SweepError::Input(format!(
                            "{}: --vary {}={value} ({}), seed {seed}: {e}",
                            self.file, self.vary, self.cases[case].label
                        ))
                    })?;
                done();
                Ok(self.slos.iter().map(|t| t.metric.value(&result)).collect())
            })
            .collect::<Result<_, SweepError>>()?;
        let n = self.seeds.len();
        for (slo, t) in self.slos.iter().enumerate() {
            if values.iter().any(|row| row[slo].is_nan()) {
                return Err(SweepError::Input(format!(
                    "{}: --slo {}: the runs do not produce {} (evictions and OOM kills need the kubelet usage model)",
                    self.file, t.name, t.metric
                )));
            }
        }
        let mut checks = Vec::new();
        for case in 0..self.cases.len() {
            for (slo, t) in self.slos.iter().enumerate() {
                let v: Vec<f64> = values[case * n..(case + 1) * n]
                    .iter()
                    .map(|row| row[slo])
                    .collect();
                let s = stats(&v, 0.95);
                let bound = one_sided_bound(&v, self.confidence, t.op.is_upper());
                checks.push(Check {
                    case,
                    slo,
                    mean: s.mean,
                    std: s.std,
                    bound,
                    pass: t.holds(bound),
                    values: v,
                });
            }
        }
        let pass = checks.iter().all(|c| c.pass);
        Ok(Evaluation {
            value,
            checks,
            pass,
        })
    }

    /// Most values a search probes: `max`, then a bisection of the `k + 1` steps from
    /// `min − step` to `max`.
    pub fn max_evaluations(&self) -> usize {
        let k = ((self.max - self.min) / self.step.max(1)) as u64 + 1;
        let bisections = if k <= 1 {
            0
        } else {
            64 - (k - 1).leading_zeros() as usize
        };
        1 + bisections
    }

    /// Runs the search; `done` is called after each run.
    pub fn search(&self, done: &(dyn Fn() + Sync)) -> Result<PlanResult, SweepError> {
        let mut evaluations: Vec<Evaluation> = Vec::new();
        let answer = bisect(self.min, self.max, self.step, |v| {
            let e = self.evaluate(v, done)?;
            let pass = e.pass;
            evaluations.push(e);
            Ok::<bool, SweepError>(pass)
        })?;
        evaluations.sort_by_key(|e| e.value);
        Ok(PlanResult {
            answer,
            evaluations,
        })
    }
}

/// The smallest `v` in `min, min + step, …, max` with `passes(v)`, assuming `passes` is
/// monotone (false then true); None when `passes(max)` is false. Probes `max` first, then
/// bisects with `min − step` standing for a failing value (so `min` itself, often the most
/// overloaded and slowest case, is probed only when the answer is near it). An answer `v > min`
/// was always seen together with a failing `v − step`.
pub fn bisect<E>(
    min: i64,
    max: i64,
    step: i64,
    mut passes: impl FnMut(i64) -> Result<bool, E>,
) -> Result<Option<i64>, E> {
    if !passes(max)? {
        return Ok(None);
    }
    let (mut lo, mut hi) = (min - step, max);
    while hi - lo > step {
        let mid = lo + ((hi - lo) / step / 2) * step;
        if passes(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}

/// The cases of `--across PATH=[v1, v2, …]` options: the cartesian product of their values in
/// the order given (first option slowest); one case `base` when there are none.
pub fn cases_across(across: &[Override]) -> Result<Vec<Case>, String> {
    let mut cases = vec![Case {
        label: "base".into(),
        overrides: Vec::new(),
        add_faults: Vec::new(),
        group: 0,
        variant: None,
    }];
    for (i, o) in across.iter().enumerate() {
        crate::scenario::overrides::parse_path(&o.path)
            .map_err(|e| format!("--across {o}: invalid scenario path: {e}"))?;
        let parsed: Value =
            serde_saphyr::from_str_with_options(&o.value, crate::scenario::load::yaml_options())
                .map_err(|_| {
                    format!("--across {o}: the value must be a YAML list such as [a, b]")
                })?;
        let Value::Array(items) = parsed else {
            return Err(format!(
                "--across {o}: the value must be a YAML list such as [a, b]"
            ));
        };
        if items.is_empty() {
            return Err(format!("--across {o}: the list is empty"));
        }
        let mut next = Vec::new();
        for c in &cases {
            for item in &items {
                let text = serde_json::to_string(item).expect("JSON values serialise");
                let shown = match item {
                    Value::String(s) => s.clone(),
                    _ => text.clone(),
                };
                let mut overrides = c.overrides.clone();
                overrides.push(Override {
                    path: o.path.clone(),
                    value: text,
                });
                let part = format!("{}={shown}", o.path);
                let label = if i == 0 {
                    part
                } else {
                    format!("{}, {part}", c.label)
                };
                next.push(Case {
                    label,
                    overrides,
                    add_faults: Vec::new(),
                    group: 0,
                    variant: None,
                });
            }
        }
        cases = next;
    }
    for (i, c) in cases.iter_mut().enumerate() {
        c.group = i;
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(min: i64, max: i64, step: i64, threshold: i64) -> (Option<i64>, Vec<i64>) {
        let mut probed = Vec::new();
        let r = bisect(min, max, step, |v| {
            probed.push(v);
            Ok::<_, ()>(v >= threshold)
        })
        .unwrap();
        (r, probed)
    }

    #[test]
    fn bisection_finds_the_smallest_passing_value() {
        for threshold in [4000, 4001, 4999, 5000, 5412, 8999, 9000] {
            let (r, probed) = search(4000, 9000, 1, threshold);
            assert_eq!(r, Some(threshold));
            if threshold > 4000 {
                assert!(probed.contains(&(threshold - 1)), "{threshold}: {probed:?}");
            }
            assert!(probed.len() <= 1 + 13, "{probed:?}");
            assert!(
                threshold == 4000 || !probed.contains(&4000) || probed.contains(&(threshold - 1)),
                "{probed:?}"
            );
        }
        assert_eq!(search(4000, 9000, 1, 9001).0, None);
        let (r, probed) = search(0, 100, 10, 35);
        assert_eq!(r, Some(40));
        assert!(
            probed.contains(&30) && probed.iter().all(|v| v % 10 == 0),
            "{probed:?}"
        );
        assert_eq!(search(7, 7, 1, 7).0, Some(7));
        assert_eq!(search(7, 8, 1, 7), (Some(7), vec![8, 7]));
        assert_eq!(search(7, 8, 1, 8), (Some(8), vec![8, 7]));
    }

    const SCENARIO: &str = r#"name: t
simulation: {duration: 1h, seed: 1}
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 4, capacity: {cpu: "4", memory: 16Gi}}
faults:
  - {name: own, kind: nodeCrash, at: 10m, target: {nodes: [p-0]}}
"#;

    fn spec(cases: Vec<Case>, slos: &[&str]) -> PlanSpec {
        PlanSpec {
            file: "t.yaml".into(),
            text: SCENARIO.into(),
            fixed: Vec::new(),
            vary: "cluster.nodePools[p].count".into(),
            min: 2,
            max: 4,
            step: 1,
            cases,
            seeds: vec![1, 2],
            slos: slos
                .iter()
                .map(|s| crate::sweep::parse_slo(None, s).unwrap())
                .collect(),
            confidence: 0.95,
        }
    }

    #[test]
    fn added_faults_join_the_scenarios_own() {
        let n = crate::sweep::nplus::NPlus {
            domain: crate::sweep::nplus::Domain::Zone,
            at: crate::scenario::DurationMs::from_secs(1800),
            duration: None,
        };
        let cases = n.cases(&cases_across(&[]).unwrap(), &["a".into(), "b".into()]);
        let s = spec(cases, &["podsPendingAtEnd<=0"]);
        s.check().unwrap();
        let b = s.scenario(3, 1).unwrap();
        assert_eq!(b.cluster.node_pools[0].count, 3);
        let names: Vec<&str> = b.faults.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["own", "n-plus-b"]);
        let f = &b.faults[1];
        assert_eq!(
            f.kind,
            crate::scenario::types::faults::FaultKind::ZoneOutage
        );
        assert_eq!(f.at, Some(crate::scenario::DurationMs::from_secs(1800)));
        assert_eq!(f.duration, None, "down to the end of the run");
        assert_eq!(f.target.as_ref().unwrap().zone.as_deref(), Some("b"));
        // An --across case that replaces faults: the variant's fault is added to those.
        let across = cases_across(&["faults=[[]]".parse().unwrap()]).unwrap();
        let s = spec(n.cases(&across, &["a".into()]), &["podsPendingAtEnd<=0"]);
        let names: Vec<String> = s
            .scenario(2, 0)
            .unwrap()
            .faults
            .iter()
            .map(|f| f.name.clone())
            .collect();
        assert_eq!(names, ["n-plus-a"]);
        // Without --n-plus the scenario's faults are as written.
        let plain = spec(cases_across(&[]).unwrap(), &["podsPendingAtEnd<=0"]);
        assert_eq!(plain.scenario(2, 0).unwrap().faults.len(), 1);
        // A variant that is not valid is an input error naming the case.
        let bad = spec(
            n.cases(&cases_across(&[]).unwrap(), &["z".into()]),
            &["podsPendingAtEnd<=0"],
        );
        let e = bad.check().unwrap_err().to_string();
        assert!(
            e.contains("(n-plus-z)") && e.contains("not in cluster.zones"),
            "{e}"
        );
    }

    fn check(case: usize, slo: usize, bound: f64, pass: bool) -> Check {
        Check {
            case,
            slo,
            values: vec![bound],
            mean: bound,
            std: None,
            bound,
            pass,
        }
    }

    #[test]
    fn the_worst_variant_is_the_furthest_past_its_threshold() {
        let n = crate::sweep::nplus::NPlus {
            domain: crate::sweep::nplus::Domain::Zone,
            at: crate::scenario::DurationMs::from_secs(60),
            duration: None,
        };
        let across = cases_across(&["workloads[w].replicas=[1, 2]".parse().unwrap()]).unwrap();
        let cases = n.cases(&across, &["a".into(), "b".into(), "c".into()]);
        let s = spec(cases, &["podsPendingAtEnd<=2", "podsScheduled>=10"]);
        // Cases 0..3 are group 0 (replicas=1), 3..6 group 1.
        let e = Evaluation {
            value: 5,
            checks: vec![
                check(0, 0, 1.0, true),
                check(0, 1, 12.0, true),
                check(1, 0, 2.0, true),
                check(1, 1, 9.0, false),
                check(2, 0, 0.0, true),
                check(2, 1, 8.0, false),
                check(3, 0, 5.0, false),
                check(3, 1, 20.0, true),
                check(4, 0, 7.0, false),
                check(4, 1, 20.0, true),
                check(5, 0, 7.0, false),
                check(5, 1, 20.0, true),
            ],
            pass: false,
        };
        let w = e.worst(&s);
        let got: Vec<(usize, usize, usize, usize, usize, bool)> = w
            .iter()
            .map(|w| {
                (
                    w.group,
                    w.slo,
                    w.check.case,
                    w.failing,
                    w.variants,
                    w.pass(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                // <= 2: the largest bound (2, case 1) is worst though it passes.
                (0, 0, 1, 0, 3, true),
                // >= 10: the smallest bound (8, case 2).
                (0, 1, 2, 2, 3, false),
                // Ties keep the first variant (case 4).
                (1, 0, 4, 3, 3, false),
                (1, 1, 3, 0, 3, true),
            ]
        );
    }

    #[test]
    fn across_makes_the_cartesian_product() {
        let a: Override = "faults=[none, zone-a]".parse().unwrap();
        let b: Override = "workloads[web].replicas=[1, 2]".parse().unwrap();
        let cases = cases_across(&[a, b]).unwrap();
        let labels: Vec<&str> = cases.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "faults=none, workloads[web].replicas=1",
                "faults=none, workloads[web].replicas=2",
                "faults=zone-a, workloads[web].replicas=1",
                "faults=zone-a, workloads[web].replicas=2"
            ]
        );
        assert_eq!(cases[3].overrides[0].value, "\"zone-a\"");
        assert_eq!(
            cases.iter().map(|c| c.group).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        assert_eq!(cases_across(&[]).unwrap()[0].label, "base");
        assert!(cases_across(&["x=3".parse().unwrap()]).is_err());
    }
}
