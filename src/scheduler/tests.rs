//! Scheduler tests on hand-made worlds: fidelity tables copied from upstream plugin tests
//! (numbers re-derived by hand from the formulas), the worked example of the semantics digest,
//! sampling and rotation, tie-breaking, preemption, reasons, and a property test.

use rand::SeedableRng;

use super::testutil::{spread, system_default_spread, TestWorld, GI, HOST, MI, ZONE};
use super::*;
use crate::cluster::labels::{LabelSelector, NodeSelector, PreferredTerm, Requirement, SelectorOp};
use crate::cluster::taints::TaintEffect;
use crate::cluster::template::{AffinityTerm, ExistingTerm, ExistingTermKind};
use crate::cluster::{NodeId, PodTemplate, TemplateId, CPU, MEMORY, PODS};
use crate::engine::SimRng;

fn rng(seed: u64) -> SimRng {
    SimRng::seed_from_u64(seed)
}

fn default_sched(tw: &TestWorld) -> Scheduler {
    Scheduler::new(SchedulerConfig::default(), &tw.world, rng(1))
}

fn sched_with(tw: &TestWorld, profile: Profile) -> Scheduler {
    let config = SchedulerConfig {
        profiles: vec![profile],
        ..SchedulerConfig::default()
    };
    Scheduler::new(config, &tw.world, rng(1))
}

fn score(e: &Explanation, node: &str, plugin: &str) -> PluginScore {
    let n = e
        .nodes
        .iter()
        .find(|n| n.node == node)
        .unwrap_or_else(|| panic!("node {node} not examined"));
    *n.scores
        .get(plugin)
        .unwrap_or_else(|| panic!("no {plugin} score on {node}: {:?}", n))
}

fn raws(e: &Explanation, plugin: &str) -> Vec<i64> {
    e.nodes
        .iter()
        .filter(|n| n.feasible)
        .map(|n| n.scores[plugin].raw)
        .collect()
}

fn norms(e: &Explanation, plugin: &str) -> Vec<i64> {
    e.nodes
        .iter()
        .filter(|n| n.feasible)
        .map(|n| n.scores[plugin].normalized)
        .collect()
}

fn no_fit_filter(mut p: Profile) -> Profile {
    p.disabled_filters.push("NodeResourcesFit".to_string());
    p
}

// ---------------------------------------------------------------------------------------------
// §9 worked example of the semantics digest.

#[test]
fn worked_example_of_the_digest() {
    let mut tw = TestWorld::new();
    let a = tw.node("A", "z1", 4000, 16 * GI, 110);
    let b = tw.node("B", "z2", 8000, 32 * GI, 110);
    let g = tw.group();
    let filler = tw.template("filler", 1000, 4 * GI);
    let filler = tw.add_template(filler, &[]);
    let mut web = tw.template("web", 1000, 2 * GI);
    system_default_spread(&mut web, g);
    let web = tw.add_template(web, &[g]);
    tw.finish();
    tw.place(filler, a);
    let mut s = default_sched(&tw);
    let e = s.explain(&tw.world, web, "web-0", true);
    assert_eq!(e.nodes_examined, 2);
    let (ea, eb) = (&e.nodes[0], &e.nodes[1]);
    assert_eq!((ea.node.as_str(), eb.node.as_str()), ("A", "B"));
    let expect = |n: &NodeExplanation, plugin: &str, raw: i64, norm: i64, weighted: i64| {
        assert_eq!(
            n.scores[plugin],
            PluginScore {
                raw,
                normalized: norm,
                weighted
            },
            "{} {plugin}",
            n.node
        );
    };
    expect(ea, "TaintToleration", 0, 100, 300);
    expect(eb, "TaintToleration", 0, 100, 300);
    expect(ea, "NodeAffinity", 0, 0, 0);
    expect(ea, "NodeResourcesFit", 56, 56, 56);
    expect(eb, "NodeResourcesFit", 90, 90, 90);
    expect(ea, "PodTopologySpread", 6, 100, 200);
    expect(eb, "PodTopologySpread", 6, 100, 200);
    expect(ea, "InterPodAffinity", 0, 0, 0);
    expect(ea, "NodeResourcesBalancedAllocation", 93, 93, 93);
    expect(eb, "NodeResourcesBalancedAllocation", 96, 96, 96);
    expect(ea, "ImageLocality", 0, 0, 0);
    assert_eq!((ea.total, eb.total), (649, 686));
    assert_eq!(e.selected.as_deref(), Some("B"));
    let p = tw.pod(web);
    assert_eq!(
        s.schedule(&tw.world, p),
        Outcome::Bind {
            node: b,
            score: 686
        }
    );
}

// ---------------------------------------------------------------------------------------------
// NodeResourcesFit scoring tables (least_allocated_test.go, most_allocated_test.go,
// requested_to_capacity_ratio_test.go).

const EXT: &str = "example.com/xyz";

/// A pod's requests: cpu, memory, extended, and the non-zero-default cpu/memory used for
/// scoring (a pod without containers has 0; an explicit "0" stays 0).
#[derive(Clone, Copy)]
struct Req {
    cpu: i64,
    mem: i64,
    ext: i64,
    nz_cpu: i64,
    nz_mem: i64,
}

/// Requests with explicit values (non-zero defaults equal the requests).
const fn req(cpu: i64, mem: i64) -> Req {
    Req {
        cpu,
        mem,
        ext: 0,
        nz_cpu: cpu,
        nz_mem: mem,
    }
}

const fn req_ext(cpu: i64, mem: i64, ext: i64) -> Req {
    Req {
        cpu,
        mem,
        ext,
        nz_cpu: cpu,
        nz_mem: mem,
    }
}

/// `st.MakePod().Obj()`: no containers, nothing requested, no defaults.
const NOTHING: Req = Req {
    cpu: 0,
    mem: 0,
    ext: 0,
    nz_cpu: 0,
    nz_mem: 0,
};

struct FitCase<'a> {
    name: &'static str,
    /// (cpu, memory, extended) allocatable per node.
    nodes: &'static [(i64, i64, i64)],
    existing: &'a [(usize, Req)],
    pod: Req,
    resources: &'static [(&'static str, i64)],
    want: &'static [i64],
}

fn tpl_for(tw: &TestWorld, name: &str, r: Req) -> PodTemplate {
    let mut t = tw.template(name, r.cpu, r.mem);
    t.nonzero_cpu = r.nz_cpu;
    t.nonzero_mem = r.nz_mem;
    let ext = tw.res(EXT);
    t.requests[ext] = r.ext;
    t
}

fn run_plugin_case(
    nodes: &[(i64, i64, i64)],
    existing: &[(usize, Req)],
    pod: Req,
    profile: Profile,
    plugin: &str,
) -> Vec<i64> {
    let mut tw = TestWorld::with_resources(&[EXT]);
    let ext = tw.res(EXT);
    let ids: Vec<NodeId> = nodes
        .iter()
        .enumerate()
        .map(|(i, &(c, m, x))| {
            tw.node_with(
                &format!("node{}", i + 1),
                "z",
                &[(CPU, c), (MEMORY, m), (PODS, 110), (ext, x)],
                &[],
                vec![],
            )
        })
        .collect();
    let ex: Vec<(usize, TemplateId)> = existing
        .iter()
        .enumerate()
        .map(|(i, &(n, r))| {
            let t = tpl_for(&tw, &format!("e{i}"), r);
            (n, tw.add_template(t, &[]))
        })
        .collect();
    let t = tpl_for(&tw, "p", pod);
    let t = tw.add_template(t, &[]);
    tw.finish();
    for (n, et) in ex {
        tw.place(et, ids[n]);
    }
    let mut s = sched_with(&tw, profile);
    let e = s.explain(&tw.world, t, "p", true);
    raws(&e, plugin)
}

fn fit_profile(strategy: ScoringStrategy) -> Profile {
    no_fit_filter(Profile {
        fit_strategy: strategy,
        ..Profile::default()
    })
}

fn resources(r: &[(&str, i64)]) -> Vec<(String, i64)> {
    r.iter().map(|(n, w)| (n.to_string(), *w)).collect()
}

const CPU_MEM: &[(&str, i64)] = &[("cpu", 1), ("memory", 1)];
const CPU_MEM_EXT: &[(&str, i64)] = &[("cpu", 1), ("memory", 1), (EXT, 1)];

#[test]
fn least_allocated_upstream_table() {
    let cases = [
        FitCase {
            name: "nothing scheduled, nothing requested",
            nodes: &[(4000, 10000, 0), (4000, 10000, 0)],
            existing: &[],
            pod: NOTHING,
            resources: CPU_MEM,
            want: &[100, 100],
        },
        FitCase {
            name: "nothing scheduled, resources requested, differently sized nodes",
            nodes: &[(4000, 10000, 0), (6000, 10000, 0)],
            existing: &[],
            pod: req(3000, 5000),
            resources: CPU_MEM,
            want: &[37, 50],
        },
        FitCase {
            name: "no resources requested, pods scheduled",
            nodes: &[(4000, 10000, 0), (4000, 10000, 0)],
            existing: &[(0, NOTHING), (0, NOTHING), (1, NOTHING), (1, NOTHING)],
            pod: NOTHING,
            resources: CPU_MEM,
            want: &[100, 100],
        },
        FitCase {
            name: "no resources requested, pods scheduled with resources",
            nodes: &[(10000, 20000, 0), (10000, 20000, 0)],
            existing: &[
                (0, req(3000, 0)),
                (0, req(3000, 0)),
                (1, req(3000, 0)),
                (1, req(3000, 5000)),
            ],
            pod: NOTHING,
            resources: CPU_MEM,
            want: &[70, 57],
        },
        FitCase {
            name: "resources requested, pods scheduled with resources",
            nodes: &[(10000, 20000, 0), (10000, 20000, 0)],
            existing: &[(0, req(3000, 0)), (1, req(3000, 5000))],
            pod: req(3000, 5000),
            resources: CPU_MEM,
            want: &[57, 45],
        },
        FitCase {
            name: "resources requested, pods scheduled with resources, differently sized nodes",
            nodes: &[(10000, 20000, 0), (10000, 50000, 0)],
            existing: &[(0, req(3000, 0)), (1, req(3000, 5000))],
            pod: req(3000, 5000),
            resources: CPU_MEM,
            want: &[57, 60],
        },
        FitCase {
            name: "requested resources exceed node capacity",
            nodes: &[(4000, 10000, 0), (4000, 10000, 0)],
            existing: &[(0, req(3000, 0)), (1, req(3000, 5000))],
            pod: req(3000, 0),
            resources: CPU_MEM,
            want: &[50, 25],
        },
        FitCase {
            name: "zero node resources, pods scheduled with resources",
            nodes: &[(0, 0, 0), (0, 0, 0)],
            existing: &[(0, req(3000, 0)), (1, req(3000, 5000))],
            pod: NOTHING,
            resources: CPU_MEM,
            want: &[0, 0],
        },
        FitCase {
            name: "different weight on CPU and memory, differently sized nodes",
            nodes: &[(4000, 10000, 0), (6000, 10000, 0)],
            existing: &[],
            pod: req(3000, 5000),
            resources: &[("memory", 2), ("cpu", 1)],
            want: &[41, 50],
        },
        FitCase {
            name: "bypass extended resource if the pod does not request",
            nodes: &[(6000, 10000, 0), (6000, 10000, 4)],
            existing: &[],
            pod: req(3000, 5000),
            resources: CPU_MEM_EXT,
            want: &[50, 50],
        },
        FitCase {
            name: "honor extended resource if the pod requests",
            nodes: &[(6000, 10000, 4), (6000, 10000, 10)],
            existing: &[],
            pod: req_ext(3000, 5000, 2),
            resources: CPU_MEM_EXT,
            want: &[50, 60],
        },
        FitCase {
            name: "if the node doesn't have a resource",
            nodes: &[(6000, 10000, 0), (6000, 10000, 4)],
            existing: &[],
            pod: req(3000, 4000),
            resources: &[(EXT, 2), ("cpu", 1), ("memory", 1)],
            want: &[55, 55],
        },
    ];
    for c in cases {
        let p = fit_profile(ScoringStrategy::LeastAllocated {
            resources: resources(c.resources),
        });
        assert_eq!(
            run_plugin_case(c.nodes, c.existing, c.pod, p, "NodeResourcesFit"),
            c.want,
            "{}",
            c.name
        );
    }
}

#[test]
fn most_allocated_upstream_table() {
    let one_container = Req {
        cpu: 0,
        mem: 0,
        ext: 0,
        nz_cpu: 100,
        nz_mem: 200 * MI,
    };
    let cases = [
        FitCase {
            name: "nothing scheduled, nothing requested",
            nodes: &[(4000, 10000, 0), (4000, 10000, 0)],
            existing: &[],
            pod: NOTHING,
            resources: CPU_MEM,
            want: &[0, 0],
        },
        FitCase {
            name: "nothing scheduled, resources requested, differently sized nodes",
            nodes: &[(4000, 10000, 0), (6000, 10000, 0)],
            existing: &[],
            pod: req(3000, 5000),
            resources: CPU_MEM,
            want: &[62, 50],
        },
        FitCase {
            name: "no resources requested, pods scheduled with resources",
            nodes: &[(10000, 20000, 0), (10000, 20000, 0)],
            existing: &[
                (0, req(3000, 0)),
                (0, req(3000, 0)),
                (1, req(3000, 0)),
                (1, req(3000, 5000)),
            ],
            pod: NOTHING,
            resources: CPU_MEM,
            want: &[30, 42],
        },
        FitCase {
            name: "resources requested, pods scheduled with resources",
            nodes: &[(10000, 20000, 0), (10000, 20000, 0)],
            existing: &[(0, req(3000, 0)), (1, req(3000, 5000))],
            pod: req(3000, 5000),
            resources: CPU_MEM,
            want: &[42, 55],
        },
        FitCase {
            name: "resources requested equal node capacity",
            nodes: &[(5000, 10000, 0), (10000, 9000, 0)],
            existing: &[],
            pod: req(5000, 9000),
            resources: CPU_MEM,
            want: &[95, 75],
        },
        FitCase {
            name: "different weight on CPU and memory",
            nodes: &[(4000, 10000, 0), (6000, 10000, 0)],
            existing: &[],
            pod: req(3000, 5000),
            resources: &[("memory", 2), ("cpu", 1)],
            want: &[58, 50],
        },
        FitCase {
            name: "bypass extended resource if the pod does not request",
            nodes: &[(6000, 10000, 0), (6000, 10000, 4)],
            existing: &[],
            pod: req(3000, 5000),
            resources: CPU_MEM_EXT,
            want: &[50, 50],
        },
        FitCase {
            name: "honor extended resource if the pod request",
            nodes: &[(6000, 10000, 4), (6000, 10000, 10)],
            existing: &[],
            pod: req_ext(3000, 5000, 2),
            resources: CPU_MEM_EXT,
            want: &[50, 40],
        },
        FitCase {
            name: "if the node doesn't have a resource",
            nodes: &[(6000, 10000, 0), (6000, 10000, 4)],
            existing: &[],
            pod: req(3000, 4000),
            resources: &[(EXT, 2), ("cpu", 1), ("memory", 1)],
            want: &[45, 45],
        },
    ];
    for c in cases {
        let p = fit_profile(ScoringStrategy::MostAllocated {
            resources: resources(c.resources),
        });
        assert_eq!(
            run_plugin_case(c.nodes, c.existing, c.pod, p, "NodeResourcesFit"),
            c.want,
            "{}",
            c.name
        );
    }
    // "no resources requested, pods scheduled, nonzero request for resource": one container
    // without requests gets 100m / 200Mi for scoring.
    let p = fit_profile(ScoringStrategy::MostAllocated {
        resources: resources(CPU_MEM),
    });
    let got = run_plugin_case(
        &[(250, 1000 * MI, 0), (250, 1000 * MI, 0)],
        &[(0, one_container), (0, one_container)],
        one_container,
        p,
        "NodeResourcesFit",
    );
    assert_eq!(got, vec![80, 30]);
}

#[test]
fn requested_to_capacity_ratio_upstream_table() {
    let shape = vec![(0, 10), (100, 0)];
    let p = || {
        fit_profile(ScoringStrategy::RequestedToCapacityRatio {
            resources: resources(CPU_MEM),
            shape: shape.clone(),
        })
    };
    let nodes = &[(4000, 10000, 0), (4000, 10000, 0)];
    assert_eq!(
        run_plugin_case(
            nodes,
            &[(0, NOTHING), (0, NOTHING)],
            NOTHING,
            p(),
            "NodeResourcesFit"
        ),
        vec![100, 100]
    );
    let nodes2 = &[(4000, 10000, 0), (6000, 10000, 0)];
    assert_eq!(
        run_plugin_case(
            nodes2,
            &[(0, NOTHING), (0, NOTHING)],
            req(3000, 5000),
            p(),
            "NodeResourcesFit"
        ),
        vec![38, 50]
    );
    assert_eq!(
        run_plugin_case(
            nodes2,
            &[(0, req(3000, 5000)), (1, req(3000, 5000))],
            NOTHING,
            p(),
            "NodeResourcesFit"
        ),
        vec![38, 50]
    );

    // TestResourceBinPackingSingleExtended: shape (0,0),(100,1), resource intel.com/foo (here EXT).
    let bin = || {
        fit_profile(ScoringStrategy::RequestedToCapacityRatio {
            resources: resources(&[(EXT, 1)]),
            shape: vec![(0, 0), (100, 1)],
        })
    };
    let nodes = &[(4000, 10000 * MI, 8), (4000, 10000 * MI, 4)];
    let ext = |x| Req {
        cpu: 0,
        mem: 0,
        ext: x,
        nz_cpu: 0,
        nz_mem: 0,
    };
    assert_eq!(
        run_plugin_case(nodes, &[], NOTHING, bin(), "NodeResourcesFit"),
        vec![0, 0]
    );
    assert_eq!(
        run_plugin_case(nodes, &[(0, NOTHING)], ext(2), bin(), "NodeResourcesFit"),
        vec![2, 5]
    );
    assert_eq!(
        run_plugin_case(nodes, &[(1, ext(2))], ext(2), bin(), "NodeResourcesFit"),
        vec![2, 10]
    );
    assert_eq!(
        run_plugin_case(nodes, &[(0, NOTHING)], ext(4), bin(), "NodeResourcesFit"),
        vec![5, 10]
    );
}

#[test]
fn requested_to_capacity_ratio_multiple_extended() {
    // TestResourceBinPackingMultipleExtended: foo weight 3, bar weight 5, shape (0,0),(100,1).
    let mut tw = TestWorld::with_resources(&["intel.com/foo", "intel.com/bar"]);
    let (foo, bar) = (tw.res("intel.com/foo"), tw.res("intel.com/bar"));
    tw.node_with(
        "node1",
        "z",
        &[
            (CPU, 4000),
            (MEMORY, 10000 * MI),
            (PODS, 110),
            (foo, 8),
            (bar, 4),
        ],
        &[],
        vec![],
    );
    tw.node_with(
        "node2",
        "z",
        &[
            (CPU, 4000),
            (MEMORY, 10000 * MI),
            (PODS, 110),
            (foo, 4),
            (bar, 8),
        ],
        &[],
        vec![],
    );
    let mut t = tw.template("p", 0, 0);
    t.requests[foo] = 2;
    t.requests[bar] = 2;
    let t = tw.add_template(t, &[]);
    let empty = tw.template("e", 0, 0);
    let _ = tw.add_template(empty, &[]);
    tw.finish();
    let p = fit_profile(ScoringStrategy::RequestedToCapacityRatio {
        resources: resources(&[("intel.com/foo", 3), ("intel.com/bar", 5)]),
        shape: vec![(0, 0), (100, 1)],
    });
    let mut s = sched_with(&tw, p);
    let e = s.explain(&tw.world, t, "p", true);
    assert_eq!(raws(&e, "NodeResourcesFit"), vec![4, 3]);
}

// ---------------------------------------------------------------------------------------------
// NodeResourcesBalancedAllocation (balanced_allocation_test.go).

#[test]
fn balanced_allocation_upstream_table() {
    let bal = |r: &[(&str, i64)]| {
        no_fit_filter(Profile {
            balanced_resources: resources(r),
            ..Profile::default()
        })
    };
    let cpu_and_memory = req(3000, 5000);
    let cpu_only = req(3000, 0);
    let b = "NodeResourcesBalancedAllocation";
    // Best-effort pod: PreScore Skip (scores stay 0).
    let got = run_plugin_case(
        &[(4000, 10000, 0), (4000, 10000, 0)],
        &[],
        NOTHING,
        bal(CPU_MEM),
        b,
    );
    assert_eq!(got, vec![0, 0]);
    let got = run_plugin_case(
        &[(4000, 10000, 0), (6000, 10000, 0)],
        &[],
        cpu_and_memory,
        bal(CPU_MEM),
        b,
    );
    assert_eq!(got, vec![87, 100]);
    let existing = &[(0, cpu_only), (1, cpu_and_memory)];
    let got = run_plugin_case(
        &[(10000, 20000, 0), (10000, 20000, 0)],
        existing,
        cpu_and_memory,
        bal(CPU_MEM),
        b,
    );
    assert_eq!(got, vec![82, 95]);
    let got = run_plugin_case(
        &[(10000, 20000, 0), (10000, 50000, 0)],
        existing,
        cpu_and_memory,
        bal(CPU_MEM),
        b,
    );
    assert_eq!(got, vec![82, 80]);
    let got = run_plugin_case(
        &[(6000, 10000, 0), (6000, 10000, 0)],
        existing,
        cpu_only,
        bal(CPU_MEM),
        b,
    );
    assert_eq!(got, vec![50, 75]);
    // Scalar resource (the GPU cases; here EXT).
    let gpu_pod = Req {
        cpu: 0,
        mem: 0,
        ext: 1,
        nz_cpu: 0,
        nz_mem: 0,
    };
    let existing = &[(1, cpu_and_memory), (0, req_ext(3000, 5000, 3))];
    let got = run_plugin_case(
        &[(3500, 40000, 8), (3500, 40000, 8)],
        existing,
        gpu_pod,
        bal(CPU_MEM_EXT),
        b,
    );
    assert_eq!(got, vec![70, 65]);
    let got = run_plugin_case(
        &[(3500, 40000, 8), (3500, 40000, 0)],
        &[],
        cpu_and_memory,
        bal(CPU_MEM_EXT),
        b,
    );
    assert_eq!(got, vec![63, 63]);
}

// ---------------------------------------------------------------------------------------------
// TaintToleration score (taint_toleration_test.go).

#[test]
fn taint_toleration_score_upstream_table() {
    use TaintEffect::*;
    type TaintSpec = (&'static str, &'static str, TaintEffect);
    let run = |tolerations: &[TaintSpec], nodes: &[&[TaintSpec]]| -> Vec<i64> {
        let mut tw = TestWorld::new();
        for (i, taints) in nodes.iter().enumerate() {
            let ts = taints.iter().map(|&(k, v, e)| tw.taint(k, v, e)).collect();
            tw.node_with(
                &format!("node{i}"),
                "z",
                &[(CPU, 4000), (MEMORY, 8 * GI), (PODS, 110)],
                &[],
                ts,
            );
        }
        let mut t = tw.template("p", 100, MI);
        t.tolerations = tolerations
            .iter()
            .map(|&(k, v, e)| tw.toleration(k, v, Some(e)))
            .collect();
        let t = tw.add_template(t, &[]);
        tw.finish();
        let mut s = default_sched(&tw);
        norms(&s.explain(&tw.world, t, "p", true), "TaintToleration")
    };
    // Tolerated taints score higher than intolerable ones.
    assert_eq!(
        run(
            &[("foo", "bar", PreferNoSchedule)],
            &[
                &[("foo", "bar", PreferNoSchedule)],
                &[("foo", "blah", PreferNoSchedule)]
            ]
        ),
        vec![100, 0]
    );
    // All taints tolerated: same score however many.
    let tol = [
        ("cpu-type", "arm64", PreferNoSchedule),
        ("disk-type", "ssd", PreferNoSchedule),
    ];
    let nodes: [&[TaintSpec]; 3] = [
        &[],
        &[("cpu-type", "arm64", PreferNoSchedule)],
        &[
            ("cpu-type", "arm64", PreferNoSchedule),
            ("disk-type", "ssd", PreferNoSchedule),
        ],
    ];
    assert_eq!(run(&tol, &nodes), vec![100, 100, 100]);
    // The more intolerable taints, the lower the score.
    assert_eq!(
        run(&[("foo", "bar", PreferNoSchedule)], &nodes),
        vec![100, 50, 0]
    );
    // Only PreferNoSchedule taints and tolerations count.
    let tol = [
        ("cpu-type", "arm64", NoSchedule),
        ("disk-type", "ssd", NoSchedule),
    ];
    let nodes: [&[TaintSpec]; 3] = [
        &[],
        &[("cpu-type", "arm64", NoSchedule)],
        &[("cpu-type", "arm64", PreferNoSchedule)],
    ];
    assert_eq!(run(&tol, &nodes), vec![100, 100, 0]);
    // No tolerations: lands on the node without taints.
    assert_eq!(
        run(&[], &[&[], &[("cpu-type", "arm64", PreferNoSchedule)]]),
        vec![100, 0]
    );
}

// ---------------------------------------------------------------------------------------------
// PodTopologySpread score (podtopologyspread/scoring_test.go TestPodTopologySpreadScore).

struct SpreadWorld {
    tw: TestWorld,
    foo: u32,
    bar: u32,
    t_foo: TemplateId,
    t_bar: TemplateId,
    t_foobar: TemplateId,
}

fn spread_world(nodes: &[(&str, &str)]) -> SpreadWorld {
    let mut tw = TestWorld::new();
    for &(name, zone) in nodes {
        tw.node(name, zone, 64000, 256 * GI, 200);
    }
    let foo = tw.group();
    let bar = tw.group();
    let t = tw.template("foo", 10, MI);
    let t_foo = tw.add_template(t, &[foo]);
    let t = tw.template("bar", 10, MI);
    let t_bar = tw.add_template(t, &[bar]);
    let t = tw.template("foobar", 10, MI);
    let t_foobar = tw.add_template(t, &[foo, bar]);
    SpreadWorld {
        tw,
        foo,
        bar,
        t_foo,
        t_bar,
        t_foobar,
    }
}

fn place_n(tw: &mut TestWorld, t: TemplateId, node: &str, n: usize) {
    let id = tw.node_id(node);
    for _ in 0..n {
        tw.place(t, id);
    }
}

fn spread_scores(sw: &mut SpreadWorld, pod: PodTemplate, failed: &[&str]) -> Vec<(String, i64)> {
    let t = sw.tw.add_template(pod, &[]);
    for f in failed {
        let id = sw.tw.node_id(f);
        sw.tw.world.nodes.unschedulable[id.ix()] = true;
    }
    let mut s = default_sched(&sw.tw);
    let e = s.explain(&sw.tw.world, t, "p", true);
    e.nodes
        .iter()
        .filter(|n| n.feasible)
        .map(|n| (n.node.clone(), n.scores["PodTopologySpread"].normalized))
        .collect()
}

fn named(v: &[(&str, i64)]) -> Vec<(String, i64)> {
    v.iter().map(|(n, s)| (n.to_string(), *s)).collect()
}

#[test]
fn spread_score_one_hostname_constraint_max_skew_2_and_3() {
    for (max_skew, counts, want) in [
        (2i64, [2usize, 1, 0, 3], [33i64, 66, 100, 16]),
        (3, [4, 3, 2, 1], [44, 66, 77, 100]),
    ] {
        let mut sw = spread_world(&[
            ("node-a", "z"),
            ("node-b", "z"),
            ("node-c", "z"),
            ("node-d", "z"),
        ]);
        let mut pod = sw.tw.template("p", 10, MI);
        pod.spread = vec![spread(HOST, max_skew, false, sw.foo, true)];
        sw.tw.finish();
        for (node, n) in ["node-a", "node-b", "node-c", "node-d"].iter().zip(counts) {
            place_n(&mut sw.tw, sw.t_foo, node, n);
        }
        let got = spread_scores(&mut sw, pod, &[]);
        let want: Vec<(&str, i64)> = ["node-a", "node-b", "node-c", "node-d"]
            .into_iter()
            .zip(want)
            .collect();
        assert_eq!(got, named(&want), "maxSkew={max_skew}");
    }
}

#[test]
fn spread_score_system_defaults_without_zones() {
    // "system defaulting, nodes don't have zone, pods match service": 4/3/2/1.
    let mut sw = spread_world(&[
        ("node-a", ""),
        ("node-b", ""),
        ("node-c", ""),
        ("node-d", ""),
    ]);
    let mut pod = sw.tw.template("p", 10, MI);
    system_default_spread(&mut pod, sw.foo);
    sw.tw.finish();
    for (node, n) in [("node-a", 4), ("node-b", 3), ("node-c", 2), ("node-d", 1)] {
        place_n(&mut sw.tw, sw.t_foo, node, n);
    }
    let got = spread_scores(&mut sw, pod, &[]);
    assert_eq!(
        got,
        named(&[
            ("node-a", 44),
            ("node-b", 66),
            ("node-c", 77),
            ("node-d", 100)
        ])
    );
}

#[test]
fn spread_score_system_defaults_count_missing_zone_as_a_domain() {
    // TestPreScoreStateEmptyNodes "system default constraints and a replicaset": nodes without
    // a zone are not ignored; they form the value "" so the zone weight is ln(2 + 2).
    let mut sw = spread_world(&[
        ("node-a", "mars"),
        ("node-b", "mars"),
        ("node-c", ""),
        ("node-d", ""),
    ]);
    let mut pod = sw.tw.template("p", 10, MI);
    system_default_spread(&mut pod, sw.foo);
    sw.tw.finish();
    place_n(&mut sw.tw, sw.t_foo, "node-a", 3);
    let t = sw.tw.add_template(pod, &[]);
    let mut s = default_sched(&sw.tw);
    let e = s.explain(&sw.tw.world, t, "p", true);
    // node_order: a (mars), c (""), b (mars), d ("").
    // a: 3·ln6 + 2 + 3·ln4 + 4 = 15.53 -> 16; b: 3·ln4 + 2 + 4 = 10.16 -> 10; c, d: 0 + 2.
    assert_eq!(raws(&e, "PodTopologySpread"), vec![16, 2, 10, 2]);
}

#[test]
fn spread_score_three_of_four_candidates() {
    // "one constraint on node, 3 out of 4 nodes are candidates": 4/2/1/~3~.
    let mut sw = spread_world(&[
        ("node-a", "z"),
        ("node-b", "z"),
        ("node-x", "z"),
        ("node-y", "z"),
    ]);
    let mut pod = sw.tw.template("p", 10, MI);
    pod.spread = vec![spread(HOST, 1, false, sw.foo, true)];
    sw.tw.finish();
    for (node, n) in [("node-a", 4), ("node-b", 2), ("node-x", 1), ("node-y", 3)] {
        place_n(&mut sw.tw, sw.t_foo, node, n);
    }
    let got = spread_scores(&mut sw, pod, &["node-y"]);
    assert_eq!(
        got,
        named(&[("node-a", 33), ("node-b", 83), ("node-x", 100)])
    );
}

#[test]
fn spread_score_zone_three_of_four_candidates() {
    // "one constraint on zone, 3 out of 4 nodes are candidates".
    let mut sw = spread_world(&[
        ("node-a", "zone1"),
        ("node-b", "zone1"),
        ("node-x", "zone2"),
        ("node-y", "zone2"),
    ]);
    let mut pod = sw.tw.template("p", 10, MI);
    pod.spread = vec![spread(ZONE, 1, false, sw.foo, true)];
    sw.tw.finish();
    for (node, n) in [("node-a", 4), ("node-b", 2), ("node-x", 1), ("node-y", 3)] {
        place_n(&mut sw.tw, sw.t_foo, node, n);
    }
    let mut got = spread_scores(&mut sw, pod, &["node-y"]);
    got.sort();
    assert_eq!(
        got,
        named(&[("node-a", 75), ("node-b", 75), ("node-x", 100)])
    );
}

#[test]
fn spread_score_two_constraints_two_of_four_candidates() {
    // "two Constraints on zone and node, 2 out of 4 nodes are candidates": 2/~1~/2/~4~.
    let mut sw = spread_world(&[
        ("node-a", "zone1"),
        ("node-b", "zone1"),
        ("node-x", "zone2"),
        ("node-y", "zone2"),
    ]);
    let mut pod = sw.tw.template("p", 10, MI);
    pod.spread = vec![
        spread(ZONE, 1, false, sw.foo, true),
        spread(HOST, 1, false, sw.foo, true),
    ];
    sw.tw.finish();
    for (node, n) in [("node-a", 2), ("node-b", 1), ("node-x", 2), ("node-y", 4)] {
        place_n(&mut sw.tw, sw.t_foo, node, n);
    }
    let mut got = spread_scores(&mut sw, pod, &["node-b", "node-y"]);
    got.sort();
    assert_eq!(got, named(&[("node-a", 100), ("node-x", 63)]));
}

#[test]
fn spread_score_two_constraints_different_selectors() {
    // zone constraint on foo (2/2/1/1 by zone), hostname constraint on bar (0/1/0/1).
    let mut sw = spread_world(&[
        ("node-a", "zone1"),
        ("node-b", "zone1"),
        ("node-x", "zone2"),
        ("node-y", "zone2"),
    ]);
    let mut pod = sw.tw.template("p", 10, MI);
    pod.spread = vec![
        spread(ZONE, 1, false, sw.foo, true),
        spread(HOST, 1, false, sw.bar, true),
    ];
    sw.tw.finish();
    let (t_foo, t_bar, t_foobar) = (sw.t_foo, sw.t_bar, sw.t_foobar);
    place_n(&mut sw.tw, t_foo, "node-a", 1);
    place_n(&mut sw.tw, t_foobar, "node-b", 1);
    place_n(&mut sw.tw, t_foo, "node-y", 1);
    place_n(&mut sw.tw, t_bar, "node-y", 1);
    let mut got = spread_scores(&mut sw, pod, &[]);
    got.sort();
    assert_eq!(
        got,
        named(&[
            ("node-a", 60),
            ("node-b", 20),
            ("node-x", 100),
            ("node-y", 60)
        ])
    );
}

#[test]
fn spread_score_honors_node_affinity_when_counting() {
    // Only nodes matching the pod's nodeSelector are counted (nodeAffinityPolicy: Honor):
    // the pods on node-c (no label) do not count for zone1. With 2 eligible and 1 ineligible
    // node the ineligible ones are subtracted; with two more unlabeled nodes (2 vs 3) the
    // eligible ones are summed: both paths must agree.
    for extra in [false, true] {
        let mut tw = TestWorld::new();
        let alloc = [(CPU, 8000), (MEMORY, 8 * GI), (PODS, 110)];
        tw.node_with("node-a", "zone1", &alloc, &[("pool", "x")], vec![]);
        tw.node_with("node-b", "zone2", &alloc, &[("pool", "x")], vec![]);
        tw.node_with("node-c", "zone1", &alloc, &[], vec![]);
        if extra {
            tw.node_with("node-d", "zone2", &alloc, &[], vec![]);
            tw.node_with("node-e", "zone1", &alloc, &[], vec![]);
        }
        let g = tw.group();
        let t = tw.template("foo", 10, MI);
        let t_foo = tw.add_template(t, &[g]);
        let mut pod = tw.template("p", 10, MI);
        let (k, v) = (tw.sym("pool"), tw.sym("x"));
        let req = Requirement {
            key: k,
            op: SelectorOp::In,
            values: vec![v],
            bound: 0,
        };
        pod.node_selector = LabelSelector {
            requirements: vec![req],
        };
        pod.spread = vec![spread(ZONE, 1, false, g, true)];
        let t = tw.add_template(pod.clone(), &[]);
        let mut ignore = pod;
        ignore.spread[0].honor_node_affinity = false;
        let t_ignore = tw.add_template(ignore, &[]);
        tw.finish();
        place_n(&mut tw, t_foo, "node-c", 3);
        place_n(&mut tw, t_foo, "node-b", 1);
        let mut s = default_sched(&tw);
        // Honor: zone1 0, zone2 1 (w = ln 4): raw 0 and round(1.386) = 1 -> 100, 0.
        let e = s.explain(&tw.world, t, "p", true);
        assert_eq!(raws(&e, "PodTopologySpread"), vec![0, 1], "extra={extra}");
        assert_eq!(norms(&e, "PodTopologySpread"), vec![100, 0]);
        assert_eq!(e.selected.as_deref(), Some("node-a"));
        // Ignore: zone1 3, zone2 1 -> node-b preferred.
        let e = s.explain(&tw.world, t_ignore, "p", true);
        assert_eq!(e.selected.as_deref(), Some("node-b"));
    }
}

// ---------------------------------------------------------------------------------------------
// Other scores.

#[test]
fn node_affinity_preferred_terms_score_and_normalize() {
    let mut tw = TestWorld::new();
    for (n, lbl) in [("n1", "a"), ("n2", "b"), ("n3", "c")] {
        tw.node_with(
            n,
            "z",
            &[(CPU, 4000), (MEMORY, 8 * GI), (PODS, 110)],
            &[("kind", lbl)],
            vec![],
        );
    }
    let mut pod = tw.template("p", 100, MI);
    let k = tw.sym("kind");
    let (a, b) = (tw.sym("a"), tw.sym("b"));
    let term = |v| LabelSelector {
        requirements: vec![Requirement {
            key: k,
            op: SelectorOp::In,
            values: vec![v],
            bound: 0,
        }],
    };
    pod.preferred_node_affinity = vec![
        PreferredTerm {
            weight: 5,
            term: term(a),
        },
        PreferredTerm {
            weight: 2,
            term: term(b),
        },
    ];
    let t = tw.add_template(pod, &[]);
    tw.finish();
    let mut s = default_sched(&tw);
    let e = s.explain(&tw.world, t, "p", true);
    assert_eq!(raws(&e, "NodeAffinity"), vec![5, 2, 0]);
    assert_eq!(norms(&e, "NodeAffinity"), vec![100, 40, 0]);
    assert_eq!(score(&e, "n1", "NodeAffinity").weighted, 200);
    assert_eq!(e.selected.as_deref(), Some("n1"));
}

#[test]
fn interpod_affinity_preferred_and_existing_terms() {
    let mut tw = TestWorld::new();
    let n1 = tw.node("n1", "z1", 8000, 8 * GI, 110);
    let n2 = tw.node("n2", "z1", 8000, 8 * GI, 110);
    let n3 = tw.node("n3", "z2", 8000, 8 * GI, 110);
    let db = tw.group();
    let owners = tw.group();
    let t = tw.template("db", 100, MI);
    let t_db = tw.add_template(t, &[db]);
    let t = tw.template("owner", 100, MI);
    let t_owner = tw.add_template(t, &[owners]);
    let mut pod = tw.template("web", 100, MI);
    // Prefer the zone of db pods (weight 10), and an existing pod's preferred anti-affinity
    // (weight 4, hostname) pushes away from n3.
    pod.affinity.preferred = vec![(
        10,
        AffinityTerm {
            group: db,
            key: ZONE,
            self_match: false,
        },
    )];
    pod.existing_terms = vec![ExistingTerm {
        owners,
        key: HOST,
        kind: ExistingTermKind::PreferredAntiAffinity(4),
    }];
    let t = tw.add_template(pod, &[]);
    tw.finish();
    tw.place(t_db, n1);
    tw.place(t_owner, n3);
    let _ = n2;
    let mut s = default_sched(&tw);
    let e = s.explain(&tw.world, t, "p", true);
    // node_order interleaves zones: n1 (z1), n3 (z2), n2 (z1).
    let names: Vec<&str> = e.nodes.iter().map(|n| n.node.as_str()).collect();
    assert_eq!(names, vec!["n1", "n3", "n2"]);
    assert_eq!(raws(&e, "InterPodAffinity"), vec![10, -4, 10]);
    // min -4, max 10: (s + 4) / 14 * 100.
    assert_eq!(norms(&e, "InterPodAffinity"), vec![100, 0, 100]);
}

#[test]
fn image_locality_score_spreads_over_nodes() {
    let mut tw = TestWorld::new();
    let n1 = tw.node("n1", "z", 4000, 8 * GI, 110);
    tw.node("n2", "z", 4000, 8 * GI, 110);
    tw.world.images.push(crate::cluster::world::ImageInfo {
        name: "big:1".into(),
        size: 500 * MI,
        nodes_with: 1,
    });
    tw.world.nodes.images[n1.ix()].push(0);
    let mut pod = tw.template("p", 100, MI);
    pod.images = vec![0];
    let t = tw.add_template(pod, &[]);
    tw.finish();
    let mut s = default_sched(&tw);
    let e = s.explain(&tw.world, t, "p", true);
    // 500 MB × 1/2 = 250 MB -> 100 × (250 − 23) / (1000 − 23) = 23.
    assert_eq!(raws(&e, "ImageLocality"), vec![23, 0]);
}

// ---------------------------------------------------------------------------------------------
// Filters and reasons.

#[test]
fn static_filters_and_reason_summary() {
    let mut tw = TestWorld::new();
    let gpu = tw.taint("dedicated", "gpu", TaintEffect::NoSchedule);
    let s1 = tw.node("small1", "z", 1500, 8 * GI, 110);
    let s2 = tw.node("small2", "z", 1500, 8 * GI, 110);
    tw.node_with(
        "gpu",
        "z",
        &[(CPU, 8000), (MEMORY, 8 * GI), (PODS, 110)],
        &[],
        vec![gpu],
    );
    let cordoned = tw.node("cordoned", "z", 8000, 8 * GI, 110);
    let t = tw.template("p", 1000, MI);
    let t = tw.add_template(t, &[]);
    tw.finish();
    // Same-priority pods on the small nodes: resolvable in principle, but no victims.
    tw.place(t, s1);
    tw.place(t, s2);
    tw.world.nodes.unschedulable[cordoned.ix()] = true;
    let p = tw.pod(t);
    let mut s = default_sched(&tw);
    let Outcome::Unschedulable {
        reason,
        nominated,
        victims,
    } = s.schedule(&tw.world, p)
    else {
        panic!("should not fit")
    };
    assert_eq!(
        reason,
        "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable, \
         2 Insufficient cpu. preemption: 0/4 nodes are available: 2 No preemption victims found for incoming pod, \
         2 Preemption is not helpful for scheduling.."
    );
    assert_eq!((nominated, victims), (None, vec![]));
    // Tolerating both lands on one of them.
    let mut t2 = tw.template("p2", 1000, MI);
    let tol = tw.toleration("dedicated", "gpu", Some(TaintEffect::NoSchedule));
    let unsched = tw.toleration(
        "node.kubernetes.io/unschedulable",
        "",
        Some(TaintEffect::NoSchedule),
    );
    t2.tolerations = vec![tol, unsched];
    tw.world.templates.push(t2);
    let e = s.explain(&tw.world, 1, "p2", true);
    let feasible: Vec<&str> = e
        .nodes
        .iter()
        .filter(|n| n.feasible)
        .map(|n| n.node.as_str())
        .collect();
    assert_eq!(feasible, vec!["gpu", "cordoned"]);
    assert_eq!(
        e.nodes[0].reason.as_deref(),
        Some("NodeResourcesFit: Insufficient cpu")
    );
}

#[test]
fn fit_filter_reasons_pods_and_extended_resources() {
    let mut tw = TestWorld::with_resources(&["nvidia.com/gpu", "example.com/ignored"]);
    let (gpu, ign) = (tw.res("nvidia.com/gpu"), tw.res("example.com/ignored"));
    let full = tw.node_with(
        "full",
        "z",
        &[(CPU, 8000), (MEMORY, 8 * GI), (PODS, 1), (gpu, 4)],
        &[],
        vec![],
    );
    tw.node_with(
        "nogpu",
        "z",
        &[(CPU, 8000), (MEMORY, 8 * GI), (PODS, 110)],
        &[],
        vec![],
    );
    let t = tw.template("filler", 100, MI);
    let filler = tw.add_template(t, &[]);
    let mut pod = tw.template("p", 100, MI);
    pod.requests[gpu] = 1;
    pod.requests[ign] = 5;
    let t = tw.add_template(pod, &[]);
    tw.finish();
    tw.place(filler, full);
    let profile = Profile {
        ignored_resources: vec!["example.com/ignored".into()],
        ..Profile::default()
    };
    let mut s = sched_with(&tw, profile);
    let e = s.explain(&tw.world, t, "p", true);
    assert_eq!(
        e.nodes[0].reason.as_deref(),
        Some("NodeResourcesFit: Too many pods")
    );
    assert_eq!(
        e.nodes[1].reason.as_deref(),
        Some("NodeResourcesFit: Insufficient nvidia.com/gpu")
    );
    // Without ignoredResources the ignored resource is checked too.
    let mut s = default_sched(&tw);
    let e = s.explain(&tw.world, t, "p", true);
    assert_eq!(
        e.nodes[0].reason.as_deref(),
        Some("NodeResourcesFit: Too many pods, Insufficient example.com/ignored")
    );
    // The "nogpu" node lacks the GPU entirely: unresolvable, so preemption does not consider it.
    let p = tw.pod(t);
    let Outcome::Unschedulable { reason, .. } = s.schedule(&tw.world, p) else {
        panic!()
    };
    assert!(reason.contains("2 Preemption is not helpful"), "{reason}");
}

#[test]
fn node_selector_and_required_node_affinity() {
    let mut tw = TestWorld::new();
    tw.node_with(
        "a",
        "z1",
        &[(CPU, 4000), (MEMORY, 8 * GI), (PODS, 110)],
        &[("disk", "ssd")],
        vec![],
    );
    tw.node_with(
        "b",
        "z1",
        &[(CPU, 4000), (MEMORY, 8 * GI), (PODS, 110)],
        &[("disk", "hdd")],
        vec![],
    );
    let c = tw.node_with(
        "c",
        "z2",
        &[(CPU, 4000), (MEMORY, 8 * GI), (PODS, 110)],
        &[],
        vec![],
    );
    let (disk, ssd, hdd) = (tw.sym("disk"), tw.sym("ssd"), tw.sym("hdd"));
    let host = tw.world.well_known.hostname;
    let mut p1 = tw.template("p1", 100, MI);
    p1.node_selector = LabelSelector {
        requirements: vec![Requirement {
            key: disk,
            op: SelectorOp::In,
            values: vec![ssd],
            bound: 0,
        }],
    };
    let t1 = tw.add_template(p1, &[]);
    let mut p2 = tw.template("p2", 100, MI);
    let c_sym = tw.world.nodes.hostname[c.ix()];
    p2.required_node_affinity = Some(NodeSelector {
        terms: vec![
            LabelSelector {
                requirements: vec![Requirement {
                    key: disk,
                    op: SelectorOp::In,
                    values: vec![hdd],
                    bound: 0,
                }],
            },
            LabelSelector {
                requirements: vec![Requirement {
                    key: host,
                    op: SelectorOp::In,
                    values: vec![c_sym],
                    bound: 0,
                }],
            },
        ],
    });
    let t2 = tw.add_template(p2, &[]);
    tw.finish();
    let mut s = default_sched(&tw);
    let feasible = |e: &Explanation| {
        e.nodes
            .iter()
            .filter(|n| n.feasible)
            .map(|n| n.node.clone())
            .collect::<Vec<_>>()
    };
    let e = s.explain(&tw.world, t1, "p1", true);
    assert_eq!(feasible(&e), vec!["a"]);
    assert_eq!(
        e.nodes[1].reason.as_deref(),
        Some("NodeAffinity: node(s) didn't match Pod's node affinity/selector")
    );
    let e = s.explain(&tw.world, t2, "p2", true);
    // node_order: a (z1), c (z2), b (z1).
    assert_eq!(feasible(&e), vec!["c", "b"]);
}

#[test]
fn hard_spread_filter_skew_and_min_domains() {
    let mut tw = TestWorld::new();
    for (n, z) in [("a1", "z1"), ("b1", "z2"), ("a2", "z1")] {
        tw.node(n, z, 64000, 64 * GI, 110);
    }
    let g = tw.group();
    let t = tw.template("w", 100, MI);
    let tw_t = tw.add_template(t, &[g]);
    let mut pod = tw.template("w", 100, MI);
    pod.spread = vec![spread(ZONE, 1, true, g, true)];
    let t = tw.add_template(pod.clone(), &[g]);
    pod.spread[0].min_domains = Some(3);
    let t3 = tw.add_template(pod, &[g]);
    tw.finish();
    let a1 = tw.node_id("a1");
    tw.place(tw_t, a1);
    let mut s = default_sched(&tw);
    // z1 has 1, z2 has 0: placing in z1 gives skew 2 > 1.
    let e = s.explain(&tw.world, t, "w", true);
    let feasible: Vec<&str> = e
        .nodes
        .iter()
        .filter(|n| n.feasible)
        .map(|n| n.node.as_str())
        .collect();
    assert_eq!(feasible, vec!["b1"]);
    assert_eq!(
        e.nodes[0].reason.as_deref(),
        Some("PodTopologySpread: node(s) didn't match pod topology spread constraints")
    );
    // minDomains 3 > 2 zones: the global minimum is 0, so z2 (0 + 1 − 0 = 1) is fine, z1 is not.
    let e = s.explain(&tw.world, t3, "w", true);
    let feasible: Vec<&str> = e
        .nodes
        .iter()
        .filter(|n| n.feasible)
        .map(|n| n.node.as_str())
        .collect();
    assert_eq!(feasible, vec!["b1"]);
    let b1 = tw.node_id("b1");
    tw.place(tw_t, b1);
    let e = s.explain(&tw.world, t3, "w", true);
    assert!(
        e.nodes.iter().all(|n| !n.feasible),
        "1 + 1 − 0 > 1 everywhere with minDomains 3"
    );
    let e = s.explain(&tw.world, t, "w", true);
    assert!(
        e.nodes.iter().all(|n| n.feasible),
        "1 + 1 − 1 = 1 everywhere"
    );
}

#[test]
fn interpod_affinity_filters() {
    let mut tw = TestWorld::new();
    let n1 = tw.node("n1", "z1", 8000, 8 * GI, 110);
    let n2 = tw.node("n2", "z2", 8000, 8 * GI, 110);
    let cache = tw.group();
    let web = tw.group();
    let lonely_owners = tw.group();
    // Pods of "web" want to be in a zone with cache pods; the first web pod matches its own term.
    let mut w = tw.template("web", 100, MI);
    w.affinity.required = vec![AffinityTerm {
        group: web,
        key: ZONE,
        self_match: true,
    }];
    let t_web = tw.add_template(w, &[web]);
    let mut c = tw.template("cache", 100, MI);
    c.affinity.anti_required = vec![AffinityTerm {
        group: cache,
        key: HOST,
        self_match: true,
    }];
    let t_cache = tw.add_template(c, &[cache]);
    // An existing "lonely" pod's required anti-affinity selects "victim" pods.
    let l = tw.template("lonely", 100, MI);
    let t_lonely = tw.add_template(l, &[lonely_owners]);
    let mut v = tw.template("victim", 100, MI);
    v.existing_terms = vec![ExistingTerm {
        owners: lonely_owners,
        key: ZONE,
        kind: ExistingTermKind::RequiredAntiAffinity,
    }];
    let t_victim = tw.add_template(v, &[]);
    tw.finish();
    let mut s = default_sched(&tw);
    let feasible = |s: &mut Scheduler, tw: &TestWorld, t| {
        let e = s.explain(&tw.world, t, "p", true);
        e.nodes
            .iter()
            .filter(|n| n.feasible)
            .map(|n| n.node.clone())
            .collect::<Vec<_>>()
    };
    // First web pod: nobody matches yet, it matches itself: anywhere.
    assert_eq!(feasible(&mut s, &tw, t_web), vec!["n1", "n2"]);
    tw.place(t_web, n2);
    assert_eq!(feasible(&mut s, &tw, t_web), vec!["n2"]);
    // Cache anti-affinity per host.
    tw.place(t_cache, n1);
    assert_eq!(feasible(&mut s, &tw, t_cache), vec!["n2"]);
    // Existing pod's anti-affinity.
    tw.place(t_lonely, n1);
    assert_eq!(feasible(&mut s, &tw, t_victim), vec!["n2"]);
    let e = s.explain(&tw.world, t_victim, "p", true);
    assert_eq!(
        e.nodes[0].reason.as_deref(),
        Some("InterPodAffinity: node(s) didn't satisfy existing pods anti-affinity rules")
    );
}

// ---------------------------------------------------------------------------------------------
// Sampling, rotation, single feasible node, tie-breaking.

fn uniform_world(n: usize, zones: usize) -> (TestWorld, TemplateId) {
    let mut tw = TestWorld::new();
    for i in 0..n {
        tw.node(
            &format!("n{i:04}"),
            &format!("z{}", i % zones),
            16000,
            64 * GI,
            110,
        );
    }
    let t = tw.template("p", 100, 100 * MI);
    let t = tw.add_template(t, &[]);
    tw.finish();
    (tw, t)
}

#[test]
fn sampling_rotates_the_start_index() {
    let (mut tw, t) = uniform_world(200, 1);
    // 200 nodes: 50 − 200/125 = 49 % -> 98 -> at least 100 feasible nodes per cycle.
    let mut s = default_sched(&tw);
    assert_eq!(s.next_start_index(), 0);
    let p = tw.pod(t);
    let e = s.explain(&tw.world, t, "p", false);
    assert_eq!(e.nodes_examined, 100);
    assert_eq!(e.nodes[0].node, "n0000");
    assert_eq!(
        s.next_start_index(),
        0,
        "explain does not advance the rotation"
    );
    let Outcome::Bind { node, .. } = s.schedule(&tw.world, p) else {
        panic!()
    };
    assert!(node.0 < 100);
    assert_eq!(s.next_start_index(), 100);
    // Cordon 10 nodes in the next window: they are examined (and fail), so 110 are processed.
    for i in 100..110 {
        tw.world.nodes.unschedulable[i] = true;
    }
    let p2 = tw.pod(t);
    let Outcome::Bind { node, .. } = s.schedule(&tw.world, p2) else {
        panic!()
    };
    assert!(
        (110..200).contains(&(node.0 as usize)) || node.0 < 10,
        "{node:?}"
    );
    assert_eq!(s.next_start_index(), 10);
    let e = s.explain(&tw.world, t, "p", false);
    assert_eq!(e.nodes[0].node, "n0010");
    assert_eq!(s.explain(&tw.world, t, "p", true).nodes_examined, 200);
}

#[test]
fn single_feasible_node_is_chosen_without_scoring() {
    let mut tw = TestWorld::new();
    tw.node("big", "z", 8000, 8 * GI, 110);
    tw.node("small", "z", 500, 8 * GI, 110);
    let t = tw.template("p", 1000, MI);
    let t = tw.add_template(t, &[]);
    tw.finish();
    let p = tw.pod(t);
    let mut s = default_sched(&tw);
    assert_eq!(
        s.schedule(&tw.world, p),
        Outcome::Bind {
            node: tw.node_id("big"),
            score: 0
        }
    );
    let e = s.explain(&tw.world, t, "p", true);
    assert_eq!(e.selected.as_deref(), Some("big"));
    assert_eq!(e.nodes[0].total, 0);
}

#[test]
fn ties_are_broken_uniformly_and_deterministically() {
    let (mut tw, t) = uniform_world(4, 2);
    let p = tw.pod(t);
    let run = |seed| {
        let mut s = Scheduler::new(SchedulerConfig::default(), &tw.world, rng(seed));
        let mut counts = [0usize; 4];
        let mut seq = Vec::new();
        for _ in 0..4000 {
            let Outcome::Bind { node, score } = s.schedule(&tw.world, p) else {
                panic!()
            };
            // TaintToleration 300 + fit 99 + balanced 99: identical empty nodes tie.
            assert_eq!(score, 300 + 99 + 99);
            counts[node.ix()] += 1;
            seq.push(node);
        }
        (counts, seq)
    };
    let (counts, seq1) = run(7);
    for c in counts {
        assert!((850..1150).contains(&c), "not uniform: {counts:?}");
    }
    assert_eq!(run(7).1, seq1, "same seed, same choices");
    assert_ne!(run(8).1, seq1);
}

#[test]
fn taint_changes_reclassify_nodes() {
    let (mut tw, t) = uniform_world(3, 1);
    let mut s = default_sched(&tw);
    let e = s.explain(&tw.world, t, "p", true);
    assert!(e.nodes.iter().all(|n| n.feasible));
    let taint = tw.taint(
        "node.kubernetes.io/unreachable",
        "",
        TaintEffect::NoSchedule,
    );
    tw.world.add_taint(NodeId(1), taint);
    let e = s.explain(&tw.world, t, "p", true);
    assert!(!e.nodes[1].feasible);
    assert_eq!(
        e.nodes[1].reason.as_deref(),
        Some("TaintToleration: node(s) had untolerated taint {node.kubernetes.io/unreachable: }")
    );
    tw.world
        .remove_taint(NodeId(1), taint.key, TaintEffect::NoSchedule);
    let e = s.explain(&tw.world, t, "p", true);
    assert!(e.nodes[1].feasible);
}

// ---------------------------------------------------------------------------------------------
// Preemption.

struct PreemptWorld {
    tw: TestWorld,
    low: TemplateId,
    mid: TemplateId,
    high: TemplateId,
}

fn preempt_world(nodes: usize, cpu: i64) -> PreemptWorld {
    let mut tw = TestWorld::new();
    for i in 0..nodes {
        tw.node(&format!("n{i}"), "z", cpu, 64 * GI, 110);
    }
    let mk = |tw: &mut TestWorld, name: &str, prio: i32, c: i64| {
        let mut t = tw.template(name, c, MI);
        t.priority = prio;
        tw.add_template(t, &[])
    };
    let low = mk(&mut tw, "low", 0, 1000);
    let mid = mk(&mut tw, "mid", 5, 2000);
    let high = mk(&mut tw, "high", 10, 1000);
    tw.finish();
    PreemptWorld { tw, low, mid, high }
}

#[test]
fn preemption_prefers_lowest_priority_victims_and_reprieves() {
    let mut w = preempt_world(2, 2000);
    let (n0, n1) = (NodeId(0), NodeId(1));
    let l1 = w.tw.place_at(w.low, n0, 1);
    let l2 = w.tw.place_at(w.low, n0, 2);
    w.tw.place_at(w.mid, n1, 1);
    let p = w.tw.pod(w.high);
    let mut s = default_sched(&w.tw);
    let out = s.schedule(&w.tw.world, p);
    // n1's victim has priority 5, n0's have 0: n0. One low pod is enough; the more important
    // (earlier started) one is reprieved.
    let Outcome::Unschedulable {
        reason,
        nominated,
        victims,
    } = out
    else {
        panic!()
    };
    assert_eq!(reason, "0/2 nodes are available: 2 Insufficient cpu.");
    assert_eq!(nominated, Some(n0));
    assert_eq!(victims, vec![l2]);
    let _ = l1;
}

#[test]
fn preemption_minimal_victims_in_importance_order() {
    let mut tw = TestWorld::new();
    let n = tw.node("n", "z", 2000, 64 * GI, 110);
    let mut small = tw.template("small", 500, MI);
    small.priority = 1;
    let small = tw.add_template(small, &[]);
    let mut big = tw.template("big", 1000, MI);
    big.priority = 1;
    let big = tw.add_template(big, &[]);
    let mut hi = tw.template("hi", 1000, MI);
    hi.priority = 100;
    let hi = tw.add_template(hi, &[]);
    tw.finish();
    let _p1 = tw.place_at(small, n, 1);
    let _p2 = tw.place_at(small, n, 2);
    let p3 = tw.place_at(big, n, 3);
    let p = tw.pod(hi);
    let mut s = default_sched(&tw);
    let Outcome::Unschedulable {
        nominated, victims, ..
    } = s.schedule(&tw.world, p)
    else {
        panic!()
    };
    assert_eq!(nominated, Some(n));
    // Reprieve p1 (0.5) and p2 (0.5): 1 + 1 = 2 fits; p3 would make 3 > 2.
    assert_eq!(victims, vec![p3]);
}

#[test]
fn preemption_picks_fewest_victims_then_latest_start() {
    let mut w = preempt_world(3, 2000);
    // n0: two low pods (both must go for a 2-CPU... no: high needs 1 CPU) -> make n0 need 2
    // victims by using 500m pods; n1: one low 2-CPU pod started early; n2: one started late.
    let mut half = w.tw.template("half", 500, MI);
    half.priority = 0;
    w.tw.world.templates.push(half);
    let half = (w.tw.world.templates.len() - 1) as TemplateId;
    let mut two = w.tw.template("two", 2000, MI);
    two.priority = 0;
    w.tw.world.templates.push(two);
    let two = (w.tw.world.templates.len() - 1) as TemplateId;
    for _ in 0..4 {
        w.tw.place_at(half, NodeId(0), 10);
    }
    w.tw.place_at(two, NodeId(1), 5);
    let late = w.tw.place_at(two, NodeId(2), 50);
    let p = w.tw.pod(w.high);
    let mut s = default_sched(&w.tw);
    let Outcome::Unschedulable {
        nominated, victims, ..
    } = s.schedule(&w.tw.world, p)
    else {
        panic!()
    };
    // n0 needs 2 victims (sum of priorities shifted by 2^31 is larger); n1 and n2 need one
    // each: the latest-started victim wins.
    assert_eq!((nominated, victims), (Some(NodeId(2)), vec![late]));
}

#[test]
fn preemption_never_and_disabled() {
    let mut w = preempt_world(1, 1000);
    w.tw.place(w.low, NodeId(0));
    w.tw.world.templates[w.high as usize].preemption_never = true;
    let p = w.tw.pod(w.high);
    let mut s = default_sched(&w.tw);
    let Outcome::Unschedulable {
        reason, nominated, ..
    } = s.schedule(&w.tw.world, p)
    else {
        panic!()
    };
    assert_eq!(
        reason,
        "0/1 nodes are available: 1 Insufficient cpu. not eligible due to preemptionPolicy=Never.."
    );
    assert_eq!(nominated, None);
    w.tw.world.templates[w.high as usize].preemption_never = false;
    let mut s = sched_with(
        &w.tw,
        Profile {
            preemption: false,
            ..Profile::default()
        },
    );
    let Outcome::Unschedulable {
        reason, nominated, ..
    } = s.schedule(&w.tw.world, p)
    else {
        panic!()
    };
    assert_eq!(
        (reason.as_str(), nominated),
        ("0/1 nodes are available: 1 Insufficient cpu.", None)
    );
}

#[test]
fn nominated_node_is_reserved_and_tried_first() {
    let mut w = preempt_world(2, 1000);
    let (n0, n1) = (NodeId(0), NodeId(1));
    let victim = w.tw.place_at(w.low, n0, 1);
    w.tw.place_at(w.mid, n1, 1);
    let stride = w.tw.world.nodes.stride();
    w.tw.world.nodes.allocatable[n1.ix() * stride + CPU] = 2000;
    let p = w.tw.pod(w.high);
    let mut s = default_sched(&w.tw);
    let Outcome::Unschedulable {
        nominated, victims, ..
    } = s.schedule(&w.tw.world, p)
    else {
        panic!()
    };
    assert_eq!((nominated, victims.clone()), (Some(n0), vec![victim]));
    // The simulation records the nomination and deletes the victim.
    w.tw.world.pods.get_mut(p).unwrap().nominated = Some(n0);
    w.tw.world.delete(victim);
    // A lower-priority pod must not take the room reserved for the preemptor.
    let q = w.tw.pod(w.low);
    let Outcome::Unschedulable { reason, .. } = s.schedule(&w.tw.world, q) else {
        panic!("took the reserved room")
    };
    assert!(
        reason.starts_with("0/2 nodes are available: 2 Insufficient cpu."),
        "{reason}"
    );
    // The preemptor goes to its nominated node.
    assert_eq!(
        s.schedule(&w.tw.world, p),
        Outcome::Bind { node: n0, score: 0 }
    );
}

#[test]
fn preemption_respects_pdb_oracle() {
    struct Protect(crate::cluster::PodId);
    impl PdbOracle for Protect {
        fn violating(
            &self,
            _w: &crate::cluster::World,
            pods: &[crate::cluster::PodId],
            v: &mut Vec<bool>,
        ) {
            v.clear();
            v.extend(pods.iter().map(|p| *p == self.0));
        }
    }
    let mut w = preempt_world(2, 1000);
    let protected = w.tw.place_at(w.low, NodeId(0), 1);
    let other = w.tw.place_at(w.low, NodeId(1), 1);
    let p = w.tw.pod(w.high);
    let mut s = default_sched(&w.tw);
    let Outcome::Unschedulable {
        nominated, victims, ..
    } = s.schedule_with_pdbs(&w.tw.world, p, &Protect(protected))
    else {
        panic!()
    };
    assert_eq!((nominated, victims), (Some(NodeId(1)), vec![other]));
    let mut s = default_sched(&w.tw);
    let Outcome::Unschedulable { nominated, .. } =
        s.schedule_with_pdbs(&w.tw.world, p, &Protect(other))
    else {
        panic!()
    };
    assert_eq!(nominated, Some(NodeId(0)));
}

// ---------------------------------------------------------------------------------------------
// Property test: never overcommit, never violate a filter.

mod props {
    use super::*;
    use proptest::prelude::*;
    use proptest::{bool as pbool, collection, option};

    #[derive(Clone, Debug)]
    struct NodeSpec {
        cpu: i64,
        mem: i64,
        pods: i64,
        zone: usize,
        tainted: bool,
        ssd: bool,
        cordoned: bool,
    }

    #[derive(Clone, Debug)]
    struct TplSpec {
        cpu: i64,
        mem: i64,
        tolerates: bool,
        needs_ssd: bool,
        spread_hard: Option<(bool, i64)>,
        priority: i32,
    }

    fn node_spec() -> impl Strategy<Value = NodeSpec> {
        (
            1i64..8,
            1i64..16,
            1i64..12,
            0usize..3,
            any::<bool>(),
            any::<bool>(),
            pbool::weighted(0.1),
        )
            .prop_map(|(c, m, p, z, t, s, cord)| NodeSpec {
                cpu: c * 500,
                mem: m * GI,
                pods: p,
                zone: z,
                tainted: t,
                ssd: s,
                cordoned: cord,
            })
    }

    fn tpl_spec() -> impl Strategy<Value = TplSpec> {
        (
            0i64..6,
            0i64..8,
            any::<bool>(),
            pbool::weighted(0.3),
            option::weighted(0.3, (any::<bool>(), 1i64..3)),
            0i32..3,
        )
            .prop_map(|(c, m, t, s, h, pr)| TplSpec {
                cpu: c * 250,
                mem: m * GI / 2,
                tolerates: t,
                needs_ssd: s,
                spread_hard: h,
                priority: pr,
            })
    }

    fn check_world(tw: &TestWorld) {
        let w = &tw.world;
        let s = w.nodes.stride();
        for n in 0..w.nodes.len() {
            for r in 0..s {
                if r == PODS {
                    continue;
                }
                assert!(
                    w.nodes.requested[n * s + r] <= w.nodes.allocatable[n * s + r],
                    "node {n} resource {r} overcommitted"
                );
            }
            assert!(
                w.pods_on_node[n].len() as i64 <= w.nodes.allocatable[n * s + PODS],
                "node {n} has too many pods"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn never_overcommits_nor_violates_filters(
            nodes in collection::vec(node_spec(), 1..12),
            tpls in collection::vec(tpl_spec(), 1..5),
            stream in collection::vec(0usize..5, 1..80),
            seed in any::<u64>(),
        ) {
            let mut tw = TestWorld::new();
            let taint = tw.taint("dedicated", "x", TaintEffect::NoSchedule);
            let (disk, ssd) = (tw.sym("disk"), tw.sym("ssd"));
            for (i, ns) in nodes.iter().enumerate() {
                let labels: &[(&str, &str)] = if ns.ssd { &[("disk", "ssd")] } else { &[] };
                let taints = if ns.tainted { vec![taint] } else { vec![] };
                tw.node_with(&format!("n{i}"), &format!("z{}", ns.zone), &[(CPU, ns.cpu), (MEMORY, ns.mem), (PODS, ns.pods)], labels, taints);
            }
            let groups: Vec<u32> = tpls.iter().map(|_| tw.group()).collect();
            let mut ids = Vec::new();
            for (i, ts) in tpls.iter().enumerate() {
                let mut t = tw.template(&format!("t{i}"), ts.cpu, ts.mem);
                t.priority = ts.priority;
                if ts.tolerates {
                    t.tolerations = vec![tw.toleration("dedicated", "x", Some(TaintEffect::NoSchedule))];
                }
                if ts.needs_ssd {
                    t.node_selector = LabelSelector { requirements: vec![Requirement { key: disk, op: SelectorOp::In, values: vec![ssd], bound: 0 }] };
                }
                match ts.spread_hard {
                    Some((zone, skew)) => t.spread = vec![spread(if zone { ZONE } else { HOST }, skew, true, groups[i], true)],
                    None => system_default_spread(&mut t, groups[i]),
                }
                ids.push(tw.add_template(t, &[groups[i]]));
            }
            tw.finish();
            for (i, ns) in nodes.iter().enumerate() {
                tw.world.nodes.unschedulable[i] = ns.cordoned;
            }
            let mut s = Scheduler::new(SchedulerConfig::default(), &tw.world, rng(seed));
            for &k in &stream {
                let ti = k % ids.len();
                let p = tw.pod(ids[ti]);
                match s.schedule(&tw.world, p) {
                    Outcome::Bind { node, .. } => {
                        let ns = &nodes[node.ix()];
                        let ts = &tpls[ti];
                        prop_assert!(!ns.cordoned, "placed on a cordoned node");
                        prop_assert!(!ns.tainted || ts.tolerates, "placed on an untolerated taint");
                        prop_assert!(!ts.needs_ssd || ns.ssd, "node selector violated");
                        if let Some((zone, skew)) = ts.spread_hard {
                            // Brute-force skew after placement, over nodes matching the selector.
                            let key = if zone { ZONE } else { HOST };
                            let eligible: Vec<usize> = (0..nodes.len()).filter(|&i| !ts.needs_ssd || nodes[i].ssd).collect();
                            let count_in = |d: u32| -> i64 {
                                eligible.iter().filter(|&&i| tw.world.groups.domain(key, NodeId(i as u32)) == d)
                                    .map(|&i| tw.world.pods_on_node[i].iter().filter(|q| tw.world.template_of(**q).name == format!("t{ti}")).count() as i64)
                                    .sum()
                            };
                            let d = tw.world.groups.domain(key, node);
                            let before = count_in(d);
                            let min = eligible.iter().map(|&i| count_in(tw.world.groups.domain(key, NodeId(i as u32)))).min().unwrap();
                            prop_assert!(before + 1 - min <= skew, "hard spread skew violated");
                        }
                        tw.world.bind(p, node, crate::engine::SimTime(0));
                        check_world(&tw);
                    }
                    Outcome::Unschedulable { victims, nominated, .. } => {
                        if nominated.is_some() {
                            for v in victims {
                                tw.world.delete(v);
                            }
                        }
                        tw.world.delete(p);
                    }
                }
            }
            check_world(&tw);
        }
    }
}
