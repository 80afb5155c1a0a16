//! Filters and the reason summaries.

use super::*;

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
