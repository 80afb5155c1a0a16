//! One definition of each figure and SLO (issue 13 item 2): `plan` and `sweep` judge a run in
//! memory, `report` (and `run`'s exit code) judge its results directory read back; on the same
//! run every figure has the same value and every SLO the same verdict.

mod common;

use clustersim::figures::services::ServiceFigure;
use clustersim::figures::{thresholds, Metric};
use clustersim::report::{judge_results_dir, RunData, Status};
use clustersim::scenario::{load_scenario_with_overrides, Override};

/// Every metric, with the parameterised ones at a few values.
fn all_metrics() -> Vec<Metric> {
    let mut out = Vec::new();
    for name in [
        "podsPendingAtEnd",
        "podsUnschedulableAtEnd",
        "peakPending",
        "pendingAfter:30m",
        "pendingAfter:0s",
        "schedulingFailures",
        "podsPreempted",
        "podsFailed",
        "podsScheduled",
        "peakCpuRequested",
        "meanCpuRequested",
        "peakMemRequested",
        "evictions",
        "oomKills",
        "pendingAfterFault:0s",
        "pendingAfterFault:15m",
        "minWorkloadAvailability",
        "maxCascadeDepth",
        "timeToRecover",
    ] {
        out.push(name.parse().unwrap());
    }
    out
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-12 * x.abs().max(1.0),
        (None, None) => true,
        _ => false,
    }
}

/// Runs `scenario` with `sets` through the binary (as `report` sees it) and the library (as
/// `sweep`/`plan` see it), and checks figures and verdicts agree.
fn check(scenario: &str, sets: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut args = vec!["run", scenario, "--quiet", "--out", out.to_str().unwrap()];
    for s in sets {
        args.extend(["--set", s]);
    }
    let path = common::repo(scenario);
    args[1] = path.to_str().unwrap();
    let o = common::run(&args);
    assert!(common::run_finished(&o), "{}", common::stderr(&o));

    let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    let file = load_scenario_with_overrides(&path, &overrides).unwrap();
    let seed = file.simulation.seed;
    let (mem, _) = clustersim::sweep::simulate(&file, seed, Default::default()).unwrap();
    let disk = RunData::load(&out).unwrap();

    let mut metrics = all_metrics();
    // Every figure of every service (issue 12 item 6).
    for svc in &file.services {
        for f in ServiceFigure::ALL {
            metrics.push(
                format!("service:{}.{}", svc.name, f.name())
                    .parse()
                    .unwrap(),
            );
        }
    }
    for m in metrics {
        assert!(
            same(m.get(&mem), m.get(&disk)),
            "{scenario}: {m}: in memory {:?}, results directory {:?}",
            m.get(&mem),
            m.get(&disk)
        );
    }
    let slo = file.slo.clone().expect("the case has an slo: section");
    let verdicts = judge_results_dir(&out).unwrap();
    let ts = thresholds(&slo);
    assert_eq!(verdicts.len(), ts.len(), "{scenario}");
    assert!(!ts.is_empty());
    for (v, t) in verdicts.iter().zip(&ts) {
        assert_eq!(v.slo, t.name, "{scenario}");
        // As `plan` judges a run: NaN (not produced) fails there, "not evaluated" here.
        let value = t.metric.value(&mem);
        let plan = if value.is_nan() {
            Status::NotEvaluated
        } else if t.holds(value) {
            Status::Pass
        } else {
            Status::Fail
        };
        assert_eq!(v.status, plan, "{scenario}: {} ({})", t.name, t.describe());
    }
}

#[test]
fn report_and_plan_agree_on_a_run_with_faults_and_cascades() {
    check("scenarios/cascade-overcommit.yaml", &[]);
}

#[test]
fn report_and_plan_agree_on_shipped_slos() {
    check("scenarios/quickstart.yaml", &[]);
    check("scenarios/rolling-upgrade.yaml", &[]);
}

/// A run without faults or cascades: `plan` passes `maxCascadeDepth` and `maxTimeToRecover`
/// (nothing cascaded, nothing to recover from); the report said "not evaluated" before, as it
/// read them from `cascades.csv`, which such a run does not write.
#[test]
fn report_and_plan_agree_without_cascades() {
    check(
        "scenarios/quickstart.yaml",
        &[
            "slo.maxCascadeDepth=0",
            "slo.maxTimeToRecover=10m",
            "slo.minWorkloadAvailability=0.5",
            "slo.maxOomKills=0",
        ],
    );
}

/// Per-service SLOs (availability, p99 latency, error-budget burn over 5 minutes): `plan` and
/// `sweep` (the run in memory) and `report` (its results directory) give the same verdicts,
/// failing and passing ones alike.
#[test]
fn report_and_plan_agree_on_service_slos() {
    check("scenarios/retry-storm.yaml", &[]);
    check("scenarios/queue-decoupling.yaml", &[]);
    check(
        "scenarios/liveness-death-spiral.yaml",
        &[
            "slo.services.api-tight.maxErrorBudgetBurn=2",
            "slo.services.api-patient.maxErrorBudgetBurn=2",
            "slo.services.api-patient.p95Latency=2s",
        ],
    );
}
