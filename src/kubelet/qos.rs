//! QoS class and `oom_score_adj`, as upstream computes them
//! (`pkg/apis/core/v1/helper/qos/qos.go`, `pkg/kubelet/qos/policy.go`), and the critical-pod
//! rules of `pkg/kubelet/types` (critical pods are never evicted).

use crate::cluster::template::{ContainerRole, ContainerSpec};
use crate::cluster::QosClass;

/// `oom_score_adj` of Guaranteed and node-critical pods.
pub const GUARANTEED_OOM_SCORE_ADJ: i32 = -997;
/// `oom_score_adj` of BestEffort pods.
pub const BEST_EFFORT_OOM_SCORE_ADJ: i32 = 1000;
/// `scheduling.SystemCriticalPriority`: pods at or above it are critical (never evicted).
pub const SYSTEM_CRITICAL_PRIORITY: i32 = 2_000_000_000;
/// Priority of the built-in `system-node-critical` class (node-critical pods get −997).
pub const SYSTEM_NODE_CRITICAL_PRIORITY: i32 = 2_000_001_000;

/// Upstream `GetPodQOS` over the engine's container specs (requests already defaulted from
/// limits): only cpu and memory count, only amounts above zero, init containers included.
pub fn pod_qos(containers: &[ContainerSpec]) -> QosClass {
    let pos = |v: Option<i64>| v.filter(|x| *x > 0);
    let (mut req_cpu, mut req_mem, mut lim_cpu, mut lim_mem) =
        (None::<i64>, None::<i64>, None::<i64>, None::<i64>);
    let add = |acc: &mut Option<i64>, v: Option<i64>| {
        if let Some(v) = v {
            *acc = Some(acc.unwrap_or(0) + v);
        }
    };
    let mut guaranteed = true;
    for c in containers {
        add(&mut req_cpu, pos(c.cpu_request));
        add(&mut req_mem, pos(c.mem_request));
        add(&mut lim_cpu, pos(c.cpu_limit));
        add(&mut lim_mem, pos(c.mem_limit));
        if pos(c.cpu_limit).is_none() || pos(c.mem_limit).is_none() {
            guaranteed = false;
        }
    }
    if [req_cpu, req_mem, lim_cpu, lim_mem]
        .iter()
        .all(Option::is_none)
    {
        return QosClass::BestEffort;
    }
    // Every request must have an equal limit, and there must be as many limits as requests.
    let same = |r: Option<i64>, l: Option<i64>| r.is_none_or(|r| l == Some(r));
    let count =
        |a: Option<i64>, b: Option<i64>| usize::from(a.is_some()) + usize::from(b.is_some());
    if guaranteed
        && same(req_cpu, lim_cpu)
        && same(req_mem, lim_mem)
        && count(req_cpu, req_mem) == count(lim_cpu, lim_mem)
    {
        QosClass::Guaranteed
    } else {
        QosClass::Burstable
    }
}

/// Whether a pod of this priority is critical (`IsCriticalPod`): the kubelet never evicts it.
pub fn is_critical(priority: i32) -> bool {
    priority >= SYSTEM_CRITICAL_PRIORITY
}

/// `GetContainerOOMScoreAdjust` for container `k` of a pod with `qos`, `priority` and
/// `containers`, on a node with `mem_capacity` bytes.
pub fn oom_score_adj(
    qos: QosClass,
    priority: i32,
    containers: &[ContainerSpec],
    k: usize,
    mem_capacity: i64,
) -> i32 {
    if priority >= SYSTEM_NODE_CRITICAL_PRIORITY {
        return GUARANTEED_OOM_SCORE_ADJ;
    }
    match qos {
        QosClass::Guaranteed => return GUARANTEED_OOM_SCORE_ADJ,
        QosClass::BestEffort => return BEST_EFFORT_OOM_SCORE_ADJ,
        QosClass::Burstable => {}
    }
    let cap = mem_capacity.max(1) as i128;
    let adj_for = |req: i64| (1000 - (1000 * req as i128) / cap) as i64;
    let c = &containers[k];
    let mut adj = adj_for(c.mem_request.unwrap_or(0));
    if c.role == ContainerRole::Sidecar {
        // Upstream: the sidecar's adjustment "will match or fall below" that of the regular
        // container with the smallest memory request (`minRegularContainerMemory`, unset
        // requests count as 0): adj = min(own adj, adj of that smallest request).
        let min_regular = containers
            .iter()
            .filter(|x| x.role == ContainerRole::Regular)
            .map(|x| x.mem_request.unwrap_or(0))
            .min();
        if let Some(m) = min_regular {
            adj = adj.min(adj_for(m));
        }
    }
    let floor = i64::from(1000 + GUARANTEED_OOM_SCORE_ADJ);
    if adj < floor {
        return floor as i32;
    }
    if adj == i64::from(BEST_EFFORT_OOM_SCORE_ADJ) {
        return BEST_EFFORT_OOM_SCORE_ADJ - 1;
    }
    adj as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    const GI: i64 = 1 << 30;

    fn c(
        role: ContainerRole,
        req: (Option<i64>, Option<i64>),
        lim: (Option<i64>, Option<i64>),
    ) -> ContainerSpec {
        ContainerSpec {
            name: "c".into(),
            role,
            cpu_request: req.0,
            mem_request: req.1,
            cpu_limit: lim.0,
            mem_limit: lim.1,
        }
    }
    fn reg(req: (Option<i64>, Option<i64>), lim: (Option<i64>, Option<i64>)) -> ContainerSpec {
        c(ContainerRole::Regular, req, lim)
    }

    #[test]
    fn qos_classification_table() {
        use QosClass::*;
        let n = None;
        let table: Vec<(&str, Vec<ContainerSpec>, QosClass)> = vec![
            ("nothing set", vec![reg((n, n), (n, n))], BestEffort),
            (
                "zero requests count as unset",
                vec![reg((Some(0), Some(0)), (n, n))],
                BestEffort,
            ),
            (
                "limits equal requests",
                vec![reg((Some(500), Some(GI)), (Some(500), Some(GI)))],
                Guaranteed,
            ),
            (
                "cpu request only",
                vec![reg((Some(500), n), (n, n))],
                Burstable,
            ),
            (
                "memory limit only, request defaulted from it",
                vec![reg((n, Some(GI)), (n, Some(GI)))],
                Burstable,
            ),
            (
                "limits above requests",
                vec![reg((Some(500), Some(GI)), (Some(1000), Some(GI)))],
                Burstable,
            ),
            (
                "one container without limits",
                vec![
                    reg((Some(500), Some(GI)), (Some(500), Some(GI))),
                    reg((n, n), (n, n)),
                ],
                Burstable,
            ),
            (
                "two guaranteed containers",
                vec![
                    reg((Some(100), Some(GI)), (Some(100), Some(GI))),
                    reg((Some(200), Some(2 * GI)), (Some(200), Some(2 * GI))),
                ],
                Guaranteed,
            ),
            (
                "init container counts",
                vec![
                    reg((Some(100), Some(GI)), (Some(100), Some(GI))),
                    c(ContainerRole::Init, (Some(100), n), (n, n)),
                ],
                Burstable,
            ),
            (
                "sums equal though containers differ",
                vec![
                    reg((Some(100), Some(GI)), (Some(150), Some(GI))),
                    reg((Some(200), Some(GI)), (Some(150), Some(GI))),
                ],
                Guaranteed,
            ),
        ];
        for (name, containers, want) in table {
            assert_eq!(pod_qos(&containers), want, "{name}");
        }
    }

    #[test]
    fn oom_score_adj_table() {
        let cap = 10 * GI;
        let n = None;
        let burst = |mem: Option<i64>| vec![reg((Some(100), mem), (n, n))];
        // (name, qos, priority, containers, k, want)
        type Case = (&'static str, QosClass, i32, Vec<ContainerSpec>, usize, i32);
        let table: Vec<Case> = vec![
            (
                "guaranteed",
                QosClass::Guaranteed,
                0,
                burst(Some(GI)),
                0,
                -997,
            ),
            ("best effort", QosClass::BestEffort, 0, burst(n), 0, 1000),
            (
                "node-critical burstable",
                QosClass::Burstable,
                SYSTEM_NODE_CRITICAL_PRIORITY,
                burst(Some(GI)),
                0,
                -997,
            ),
            (
                "cluster-critical is not node-critical",
                QosClass::Burstable,
                SYSTEM_CRITICAL_PRIORITY,
                burst(Some(GI)),
                0,
                900,
            ),
            (
                "burstable 10 % of memory",
                QosClass::Burstable,
                0,
                burst(Some(GI)),
                0,
                900,
            ),
            (
                "burstable without memory request",
                QosClass::Burstable,
                0,
                burst(n),
                0,
                999,
            ),
            (
                "burstable requesting all memory",
                QosClass::Burstable,
                0,
                burst(Some(cap)),
                0,
                3,
            ),
            (
                "burstable requesting more than memory",
                QosClass::Burstable,
                0,
                burst(Some(2 * cap)),
                0,
                3,
            ),
            (
                "integer division",
                QosClass::Burstable,
                0,
                burst(Some(cap / 3)),
                0,
                667,
            ),
            (
                "sidecar smaller than regular: the regular's (lower) adj",
                QosClass::Burstable,
                0,
                vec![
                    c(ContainerRole::Sidecar, (n, Some(GI / 2)), (n, n)),
                    reg((n, Some(2 * GI)), (n, n)),
                ],
                0,
                // min(adj(0.5Gi) = 950, adj(2Gi) = 800) = 800 (was 951 before the fix).
                800,
            ),
            (
                "sidecar larger than smallest regular: its own (lower) adj",
                QosClass::Burstable,
                0,
                vec![
                    c(ContainerRole::Sidecar, (n, Some(4 * GI)), (n, n)),
                    reg((n, Some(GI)), (n, n)),
                ],
                0,
                // min(adj(4Gi) = 600, adj(1Gi) = 900) = 600 (was 901).
                600,
            ),
            (
                "sidecar without request: adj of the regular container",
                QosClass::Burstable,
                0,
                vec![
                    c(ContainerRole::Sidecar, (n, n), (n, n)),
                    reg((n, Some(GI)), (n, n)),
                ],
                0,
                // min(adj(0) = 1000, adj(1Gi) = 900) = 900 (was 981).
                900,
            ),
        ];
        for (name, qos, prio, containers, k, want) in table {
            assert_eq!(
                oom_score_adj(qos, prio, &containers, k, cap),
                want,
                "{name}"
            );
        }
    }

    /// Upstream `pkg/kubelet/qos/policy.go` `GetContainerOOMScoreAdjust` (SidecarContainers):
    /// `minMemoryOomScoreAdjust := 1000 - (1000*minMemoryRequest)/memoryCapacity;
    /// if oomScoreAdjust > minMemoryOomScoreAdjust { oomScoreAdjust = minMemoryOomScoreAdjust }`
    /// with `minMemoryRequest` from `minRegularContainerMemory` (`pkg/kubelet/qos/helpers.go`).
    /// A 256Mi sidecar next to a 1Gi app on an 8Gi node gets the app's 875, not 970.
    #[test]
    fn sidecar_never_scores_above_the_smallest_regular_container() {
        let n = None;
        let containers = vec![
            c(ContainerRole::Sidecar, (n, Some(256 << 20)), (n, n)),
            reg((Some(100), Some(GI)), (n, n)),
            reg((Some(100), Some(2 * GI)), (n, n)),
        ];
        let cap = 8 * GI;
        let app = oom_score_adj(QosClass::Burstable, 0, &containers, 1, cap);
        let sidecar = oom_score_adj(QosClass::Burstable, 0, &containers, 0, cap);
        assert_eq!(app, 875);
        assert_eq!(
            sidecar, 875,
            "the sidecar matches the smallest regular container"
        );
        assert!(sidecar <= app);
    }

    #[test]
    fn critical_pods() {
        assert!(is_critical(SYSTEM_CRITICAL_PRIORITY));
        assert!(is_critical(SYSTEM_NODE_CRITICAL_PRIORITY));
        assert!(!is_critical(1_000_000_000));
    }
}
