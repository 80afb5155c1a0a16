//! Property test: ImageLocality's mask path and its constant folding (`image_locality.rs`,
//! `fused::constant_rest`) give upstream's per-node sum exactly, with image ids inside and
//! beyond the node mask, and the fused and per-plugin totals agree.

use super::*;
use crate::cluster::world::ImageInfo;
use crate::cluster::World;
use crate::scheduler::score::{image_locality_score, scaled_image_score};
use proptest::collection;
use proptest::prelude::*;

/// Upstream's `sumImageScores` + `calculatePriority` on node `n`, straight from the lists.
fn reference(world: &World, tpl: &PodTemplate, n: NodeId) -> i64 {
    let total = world.node_order.len();
    let mut sum = 0;
    for &img in &tpl.images {
        if world.nodes.images_of(n).contains(&img) {
            let info = &world.images[img as usize];
            sum += scaled_image_score(info.size, info.nodes_with, total);
        }
    }
    image_locality_score(sum, tpl.container_count)
}

/// Image ids used by the test: inside the 64-bit node mask and beyond it.
const IDS: [u32; 6] = [0, 1, 2, 63, 64, 70];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn image_locality_fast_path_matches_upstream_sum(
        nodes in collection::vec((1i64..8, 1i64..16, collection::vec(0usize..6, 0..4)), 2..14),
        sizes in collection::vec(0i64..1500, 6),
        tpls in collection::vec((collection::vec(0usize..6, 0..4), 1u32..3), 1..5),
        stream in collection::vec(0usize..5, 1..40),
        seed in any::<u64>(),
    ) {
        let mut tw = TestWorld::new();
        for id in 0..=IDS[5] {
            let pos = IDS.iter().position(|&x| x == id);
            tw.world.images.push(ImageInfo {
                name: format!("img{id}"),
                size: pos.map_or(100 * MI, |p| sizes[p] * MI),
                nodes_with: 0,
            });
        }
        for (i, (c, m, held)) in nodes.iter().enumerate() {
            let n = tw.node(&format!("n{i}"), &format!("z{}", i % 3), c * 1000, m * GI / 2, 20);
            for &h in held {
                if tw.world.nodes.add_image(n, IDS[h]) {
                    tw.world.images[IDS[h] as usize].nodes_with += 1;
                }
            }
        }
        let ids: Vec<TemplateId> = tpls.iter().enumerate().map(|(i, (imgs, containers))| {
            let mut t = tw.template(&format!("t{i}"), 250, GI / 4);
            t.images = imgs.iter().map(|&k| IDS[k]).collect();
            t.container_count = *containers;
            tw.add_template(t, &[])
        }).collect();
        tw.finish();
        let mut fused = Scheduler::new(SchedulerConfig::default(), &tw.world, rng(seed));
        let mut plain = Scheduler::new(SchedulerConfig::default(), &tw.world, rng(seed));
        plain.fuse = false;
        let img = ScorePlugin::ImageLocality.index();
        for &k in &stream {
            let t = ids[k % ids.len()];
            let p = tw.pod(t);
            let a = fused.schedule(&tw.world, p);
            let b = plain.schedule(&tw.world, p);
            prop_assert_eq!(&a, &b);
            let n = plain.sc.feasible.len();
            if n > 1 {
                prop_assert_eq!(&fused.sc.total, &plain.sc.total);
                let tpl = &tw.world.templates[t as usize];
                let want: Vec<i64> =
                    plain.sc.feasible.iter().map(|&n| reference(&tw.world, tpl, n)).collect();
                prop_assert_eq!(&plain.sc.raw[img][..n], &want[..]);
            }
            match a {
                Outcome::Bind { node, .. } => tw.world.bind(p, node, crate::engine::SimTime(0)),
                Outcome::Unschedulable { .. } => {
                    tw.world.delete(p);
                }
            }
        }
    }
}
