//! Resource score tables copied from upstream (NodeResourcesFit strategies, BalancedAllocation).

use super::*;

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
