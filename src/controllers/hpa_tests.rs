//! The HPA algorithm against hand-computed replica sequences. Upstream files:
//! kubernetes/kubernetes `pkg/controller/podautoscaler/replica_calculator.go`
//! (`GetResourceReplicas`, `groupPods`), `pkg/controller/podautoscaler/metrics/utilization.go`
//! (`GetResourceUtilizationRatio`) and `pkg/controller/podautoscaler/horizontal.go`
//! (`reconcileAutoscaler`, `computeReplicasForMetrics`, `normalizeDesiredReplicas`,
//! `normalizeDesiredReplicasWithBehaviors`, `calculateScaleUpLimitWithScalingRules`,
//! `calculateScaleDownLimitWithBehaviors`, `storeScaleEvent`).

use super::*;

fn ready(usage: i64, request: i64) -> PodMetric {
    PodMetric {
        group: PodGroup::Ready,
        request,
        usage,
    }
}

fn other(group: PodGroup, request: i64) -> PodMetric {
    PodMetric {
        group,
        request,
        usage: 0,
    }
}

fn replicas(current: i32, target: i32, pods: &[PodMetric]) -> i32 {
    resource_replicas(current, target, pods).unwrap().replicas
}

/// 4 pods of 100m at a 50 % target: utilisation is an integer percent (truncated), and
/// 0.9 ≤ ratio ≤ 1.1 is within the tolerance (`Tolerances.isWithin`).
#[test]
fn tolerance_boundary_and_truncation() {
    let four = |total: i64| {
        let each = total / 4;
        let mut pods = vec![ready(each, 100); 4];
        pods[0].usage += total - 4 * each;
        replicas(4, 50, &pods)
    };
    assert_eq!(four(220), 4, "55 % → ratio 1.1: within");
    assert_eq!(four(223), 4, "55.75 % truncates to 55");
    assert_eq!(four(224), 5, "56 % → ceil(1.12 × 4) = 5");
    assert_eq!(four(180), 4, "45 % → ratio 0.9: within");
    assert_eq!(four(148), 3, "37 % → ceil(0.74 × 4) = 3");
    let p = resource_replicas(4, 50, &[ready(56, 100); 4]).unwrap();
    assert_eq!(p.utilization, 56);
}

/// Missing-metric pods: 100 % of their request on a scale-down (here it brings the ratio into
/// the tolerance), 0 % on a scale-up.
#[test]
fn missing_pods_damp_both_directions() {
    let mut pods = vec![ready(40, 100); 3];
    assert_eq!(
        replicas(4, 50, &pods),
        3,
        "without the missing pod: ceil(0.8 × 3)"
    );
    pods.push(other(PodGroup::Missing, 100));
    assert_eq!(
        replicas(4, 50, &pods),
        4,
        "(120 + 100) / 400 = 55 % → within"
    );
    let mut up = vec![ready(80, 100); 3];
    up.push(other(PodGroup::Missing, 100));
    assert_eq!(replicas(4, 50, &up), 5, "240 / 400 = 60 % → ceil(1.2 × 4)");
    // A target above 100 %: missing pods count at the target on a scale-down.
    let mut high = vec![ready(60, 100); 3];
    high.push(other(PodGroup::Missing, 100));
    // 180/300 = 60 % of a 150 % target → 0.4; with the missing pod at 150: 330/400 = 82 % →
    // 0.5466… → ceil(2.19) = 3.
    assert_eq!(replicas(4, 150, &high), 3);
}

/// Unready (Pending) pods count at 0 % only on a scale-up; on a scale-down they are left out.
#[test]
fn unready_pods_zero_on_scale_up_only() {
    let pods = [ready(260, 100), other(PodGroup::Unready, 300)];
    assert_eq!(
        replicas(2, 50, &pods),
        3,
        "260/400 = 65 % → ceil(1.3 × 2); not ceil(5.2)"
    );
    let down = [
        ready(20, 100),
        ready(20, 100),
        other(PodGroup::Unready, 100),
        other(PodGroup::Unready, 100),
    ];
    assert_eq!(
        replicas(4, 50, &down),
        1,
        "ceil(0.4 × 2): unready pods left out"
    );
    let flips = [
        ready(100, 100),
        ready(100, 100),
        other(PodGroup::Unready, 100),
        other(PodGroup::Unready, 100),
    ];
    assert_eq!(
        replicas(4, 50, &flips),
        4,
        "200/400 = 50 %: within after rebalancing"
    );
    assert_eq!(
        resource_replicas(2, 50, &[other(PodGroup::Unready, 100); 2]),
        Err(MetricError::NoMetrics)
    );
    assert_eq!(resource_replicas(2, 50, &[]), Err(MetricError::NoPods));
    let ignored = [ready(90, 100), other(PodGroup::Ignored, 100)];
    assert_eq!(
        replicas(2, 50, &ignored),
        2,
        "ceil(1.8 × 1): deleted pods left out"
    );
}

fn spec(min: i32, max: i32, behavior: Option<Behavior>) -> HpaSpec {
    HpaSpec {
        name: "h".into(),
        workload: 0,
        min,
        max,
        metrics: vec![Metric {
            resource: Resource::Cpu,
            target: 50,
        }],
        behavior,
    }
}

fn prop(replicas: i32) -> Result<Proposal, MetricError> {
    Ok(Proposal {
        replicas,
        utilization: 0,
    })
}

/// Runs syncs every 15 s from t = 15 s with `proposal(t_s)`, returning `(t_s, replicas)` at
/// every change.
fn run(spec: &HpaSpec, start: i32, until_s: u64, proposal: impl Fn(u64) -> i32) -> Vec<(u64, i32)> {
    let mut st = HpaState::default();
    let mut current = start;
    let mut out = Vec::new();
    let mut t = 15;
    while t <= until_s {
        if let Some(n) = st.reconcile(spec, t * 1000, current, &[prop(proposal(t))]) {
            current = n;
            out.push((t, n));
        }
        t += 15;
    }
    out
}

/// Without `behavior`: a scale-down waits until the higher recommendation is more than 300 s
/// old (Go `Before(cutoff)`: a recommendation exactly 300 s old still counts).
#[test]
fn stabilisation_window_holds_a_scale_down() {
    let s = spec(1, 10, None);
    let seq = run(&s, 4, 400, |t| if t == 15 { 8 } else { 2 });
    assert_eq!(seq, vec![(15, 8), (330, 2)]);
}

/// Without `behavior`: at most max(2 × current, 4) per sync, then `maxReplicas`.
#[test]
fn legacy_scale_up_limit_and_clamps() {
    let s = spec(1, 20, None);
    assert_eq!(
        run(&s, 1, 90, |_| 40),
        vec![(15, 4), (30, 8), (45, 16), (60, 20)]
    );
    // Outside [min, max]: clamped at once, whatever the metrics say.
    let mut st = HpaState::default();
    assert_eq!(st.reconcile(&s, 15_000, 25, &[prop(25)]), Some(20));
    let s2 = spec(3, 20, None);
    assert_eq!(
        st.reconcile(&s2, 30_000, 1, &[Err(MetricError::NoMetrics)]),
        Some(3)
    );
    assert_eq!(
        st.reconcile(&s2, 45_000, 0, &[prop(9)]),
        None,
        "0 replicas: scaling disabled"
    );
    let mut st = HpaState::default();
    assert_eq!(
        st.reconcile(&s2, 15_000, 5, &[prop(1)]),
        Some(3),
        "below min → min"
    );
}

fn rules(window_s: u64, select: Select, policies: &[(PolicyKind, i32, u64)]) -> Rules {
    Rules {
        window_ms: window_s * 1000,
        select,
        policies: policies
            .iter()
            .map(|&(kind, value, p)| Policy {
                kind,
                value,
                period_ms: p * 1000,
            })
            .collect(),
    }
}

/// The default scale-up rules (Max of 4 pods and 100 % per 15 s) and `selectPolicy` Min and
/// Disabled.
#[test]
fn policies_limit_scale_up() {
    let default = Behavior {
        up: Rules::scale_up_default(),
        down: Rules::scale_down_default(),
    };
    let s = spec(1, 50, Some(default.clone()));
    assert_eq!(run(&s, 2, 60, |_| 20), vec![(15, 6), (30, 12), (45, 20)]);
    let min = Behavior {
        up: Rules {
            select: Select::Min,
            ..Rules::scale_up_default()
        },
        ..default.clone()
    };
    let s = spec(1, 50, Some(min));
    assert_eq!(
        run(&s, 2, 90, |_| 20),
        vec![(15, 4), (30, 8), (45, 12), (60, 16), (75, 20)]
    );
    let off = Behavior {
        up: Rules {
            select: Select::Disabled,
            ..Rules::scale_up_default()
        },
        ..default
    };
    assert_eq!(run(&spec(1, 50, Some(off)), 2, 60, |_| 20), vec![]);
}

/// A scale-down policy of 1 pod per 60 s: the period counts the events strictly inside it.
#[test]
fn policies_limit_scale_down() {
    let b = Behavior {
        up: Rules::scale_up_default(),
        down: rules(0, Select::Max, &[(PolicyKind::Pods, 1, 60)]),
    };
    let s = spec(1, 10, Some(b));
    assert_eq!(
        run(&s, 5, 240, |_| 1),
        vec![(15, 4), (75, 3), (135, 2), (195, 1)]
    );
    // Percent rounds down: 50 % of 5 → 2 (int32(5 × 0.5)).
    let b = Behavior {
        up: Rules::scale_up_default(),
        down: rules(0, Select::Max, &[(PolicyKind::Percent, 50, 15)]),
    };
    assert_eq!(
        run(&spec(1, 10, Some(b)), 5, 30, |_| 1),
        vec![(15, 2), (30, 1)]
    );
}

/// With `behavior`, the default 300 s down window holds the highest recent recommendation.
#[test]
fn behavior_window_holds_a_scale_down() {
    let b = Behavior {
        up: Rules::scale_up_default(),
        down: Rules::scale_down_default(),
    };
    let s = spec(1, 10, Some(b));
    let seq = run(&s, 4, 400, |t| if t <= 30 { 6 } else { 2 });
    assert_eq!(seq, vec![(15, 6), (330, 2)]);
}

/// `computeReplicasForMetrics`: the largest proposal wins; an invalid metric blocks a
/// scale-down but not a scale-up.
#[test]
fn invalid_metric_blocks_only_scale_down() {
    let s = spec(1, 10, None);
    let mut st = HpaState::default();
    let bad = Err(MetricError::NoMetrics);
    assert_eq!(st.reconcile(&s, 15_000, 4, &[prop(2), bad]), None);
    assert_eq!(st.reconcile(&s, 30_000, 4, &[prop(6), bad]), Some(6));
    assert_eq!(st.reconcile(&s, 45_000, 6, &[prop(3), prop(7)]), Some(7));
}
