//! TaintToleration, PodTopologySpread, NodeAffinity, InterPodAffinity and ImageLocality scores.

use super::*;

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
    tw.world.nodes.add_image(n1, 0);
    let mut pod = tw.template("p", 100, MI);
    pod.images = vec![0];
    let t = tw.add_template(pod, &[]);
    tw.finish();
    let mut s = default_sched(&tw);
    let e = s.explain(&tw.world, t, "p", true);
    // 500 MB × 1/2 = 250 MB -> 100 × (250 − 23) / (1000 − 23) = 23.
    assert_eq!(raws(&e, "ImageLocality"), vec![23, 0]);
}

/// `ignorePreferredTermsOfExistingPods`: upstream
/// pkg/scheduler/framework/plugins/interpodaffinity/scoring.go `PreScore` returns Skip when the
/// flag is set and the incoming pod has no preferred (anti-)affinity terms of its own, so
/// existing pods' terms (preferred, and required affinity weighted by hardPodAffinityWeight)
/// are not counted; with preferred terms of its own they still are.
#[test]
fn interpod_affinity_ignore_preferred_terms_of_existing_pods() {
    let mut tw = TestWorld::new();
    let n1 = tw.node("n1", "z1", 8000, 8 * GI, 110);
    let n2 = tw.node("n2", "z2", 8000, 8 * GI, 110);
    let db = tw.group();
    let owners = tw.group();
    let t = tw.template("db", 100, MI);
    let t_db = tw.add_template(t, &[db]);
    let t = tw.template("owner", 100, MI);
    let t_owner = tw.add_template(t, &[owners]);
    // A pod selected only by an existing pod's preferred affinity (weight 7, hostname).
    let mut plain = tw.template("plain", 100, MI);
    plain.existing_terms = vec![ExistingTerm {
        owners,
        key: HOST,
        kind: ExistingTermKind::PreferredAffinity(7),
    }];
    // The same plus a preferred affinity of its own (weight 3 towards db pods, hostname).
    let mut own = plain.clone();
    own.affinity.preferred = vec![(
        3,
        AffinityTerm {
            group: db,
            key: HOST,
            self_match: false,
        },
    )];
    let t_plain = tw.add_template(plain, &[]);
    let t_own = tw.add_template(own, &[]);
    tw.finish();
    tw.place(t_owner, n1);
    tw.place(t_db, n2);
    let ignoring = Profile {
        ignore_preferred_terms_of_existing_pods: true,
        ..Profile::default()
    };
    // Default (false): the existing pod's term counts, 7 on n1.
    let e = default_sched(&tw).explain(&tw.world, t_plain, "p", true);
    assert_eq!(raws(&e, "InterPodAffinity"), vec![7, 0]);
    // Flag set, no preferred terms of its own: skipped, every node 0.
    let e = sched_with(&tw, ignoring.clone()).explain(&tw.world, t_plain, "p", true);
    assert!(e.nodes.iter().all(
        |n| !n.scores.contains_key("InterPodAffinity") || n.scores["InterPodAffinity"].raw == 0
    ));
    // Flag set, preferred terms of its own: every term counts (n1: 7, n2: 3).
    let e = sched_with(&tw, ignoring).explain(&tw.world, t_own, "p", true);
    assert_eq!(raws(&e, "InterPodAffinity"), vec![7, 3]);
}
