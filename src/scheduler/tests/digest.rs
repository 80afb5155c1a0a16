//! The worked example of the semantics digest (§9).

use super::*;

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
