//! Expanders (upstream `expander/`): which scale-up option to take when several node groups
//! could help. Each strategy narrows the options to its best ones; ties, and the `random`
//! strategy itself, are settled by a uniform draw from the `autoscaler` stream (upstream's
//! fallback to the random expander).

use rand::RngExt;

use crate::engine::SimRng;

/// The strategy (`--expander`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExpanderKind {
    /// Uniformly random (upstream default).
    #[default]
    Random,
    /// Least unused CPU + memory fraction on the new nodes (`waste.go`).
    LeastWaste,
    /// Most pods scheduled (`mostpods.go`).
    MostPods,
    /// Highest node-group priority (`priority.go`, priorities given per group).
    Priority,
}

/// One way to scale up: `nodes` new nodes of group `group`, on which `pods` pending pods would
/// run, requesting `cpu_m`/`mem` in total; each node offers `node_cpu_m`/`node_mem`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleUpOption {
    /// Node group index.
    pub group: usize,
    /// New nodes.
    pub nodes: u32,
    /// Pods that would run on them.
    pub pods: u32,
    /// Sum of their CPU requests, millicores.
    pub cpu_m: i64,
    /// Sum of their memory requests, bytes.
    pub mem: i64,
    /// Allocatable CPU of one new node (after DaemonSet pods), millicores.
    pub node_cpu_m: i64,
    /// Allocatable memory of one new node (after DaemonSet pods), bytes.
    pub node_mem: i64,
    /// The group's priority (for the `priority` expander).
    pub priority: i32,
}

/// Upstream least-waste score: `(avail − req)/avail` for CPU plus the same for memory.
pub fn waste(o: &ScaleUpOption) -> f64 {
    let frac = |req: i64, per_node: i64| {
        let avail = per_node as f64 * f64::from(o.nodes);
        if avail <= 0.0 {
            0.0
        } else {
            (avail - req as f64) / avail
        }
    };
    frac(o.cpu_m, o.node_cpu_m) + frac(o.mem, o.node_mem)
}

/// The best options of `kind` (indices into `options`, in input order).
pub fn best(kind: ExpanderKind, options: &[ScaleUpOption]) -> Vec<usize> {
    let all = || (0..options.len()).collect::<Vec<_>>();
    match kind {
        ExpanderKind::Random => all(),
        ExpanderKind::LeastWaste => {
            let scores: Vec<f64> = options.iter().map(waste).collect();
            let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
            all().into_iter().filter(|&i| scores[i] == min).collect()
        }
        ExpanderKind::MostPods => {
            let max = options.iter().map(|o| o.pods).max().unwrap_or(0);
            all()
                .into_iter()
                .filter(|&i| options[i].pods == max)
                .collect()
        }
        ExpanderKind::Priority => {
            let max = options.iter().map(|o| o.priority).max().unwrap_or(0);
            all()
                .into_iter()
                .filter(|&i| options[i].priority == max)
                .collect()
        }
    }
}

/// The option to take (index into `options`), None when there is none.
pub fn choose(kind: ExpanderKind, options: &[ScaleUpOption], rng: &mut SimRng) -> Option<usize> {
    let b = best(kind, options);
    match b.len() {
        0 => None,
        1 => Some(b[0]),
        n => Some(b[rng.random_range(0..n)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const GI: i64 = 1 << 30;

    fn opt(group: usize, nodes: u32, pods: u32, cpu_m: i64, mem: i64, prio: i32) -> ScaleUpOption {
        ScaleUpOption {
            group,
            nodes,
            pods,
            cpu_m,
            mem,
            node_cpu_m: 4_000,
            node_mem: 16 * GI,
            priority: prio,
        }
    }

    #[test]
    fn least_waste_by_hand() {
        // A: 2 nodes (8000m, 32Gi) for 6000m, 16Gi: 0.25 + 0.5 = 0.75.
        // B: 1 node (4000m, 16Gi) for 3000m, 12Gi: 0.25 + 0.25 = 0.5.  → B
        let a = opt(0, 2, 6, 6_000, 16 * GI, 0);
        let b = opt(1, 1, 3, 3_000, 12 * GI, 0);
        assert_eq!(waste(&a), 0.75);
        assert_eq!(waste(&b), 0.5);
        assert_eq!(
            best(ExpanderKind::LeastWaste, &[a.clone(), b.clone()]),
            vec![1]
        );
        assert_eq!(
            best(ExpanderKind::MostPods, &[a.clone(), b.clone()]),
            vec![0]
        );
        let mut c = b.clone();
        c.priority = 5;
        assert_eq!(best(ExpanderKind::Priority, &[a, b, c]), vec![2]);
    }

    #[test]
    fn ties_and_random_draw_uniformly_and_deterministically() {
        let opts: Vec<ScaleUpOption> = (0..4).map(|g| opt(g, 1, 1, 1_000, GI, 0)).collect();
        let mut rng = SimRng::seed_from_u64(3);
        let mut seen = [0u32; 4];
        for _ in 0..4_000 {
            seen[choose(ExpanderKind::Random, &opts, &mut rng).unwrap()] += 1;
        }
        assert!(seen.iter().all(|&n| (850..1150).contains(&n)), "{seen:?}");
        let mut r1 = SimRng::seed_from_u64(9);
        let mut r2 = SimRng::seed_from_u64(9);
        for _ in 0..20 {
            assert_eq!(
                choose(ExpanderKind::LeastWaste, &opts, &mut r1),
                choose(ExpanderKind::LeastWaste, &opts, &mut r2)
            );
        }
        assert_eq!(choose(ExpanderKind::MostPods, &[], &mut r1), None);
    }
}
