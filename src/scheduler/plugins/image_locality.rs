//! ImageLocality (`imagelocality/image_locality.go`): Score only, no normalisation.
//!
//! Upstream sums, over the pod's container images the node holds, `size × nodes holding it /
//! all nodes` (`sumImageScores`, `scaledImageScore`), then clamps the sum to
//! `[23 MB, 1000 MB × containers]` and scales it to 0..100 (`calculatePriority`). Two exact
//! shortcuts: the per-image terms do not depend on the node, so they are computed once per
//! cycle; and when even a node holding every image would score 0 (sum below the 23 MB floor),
//! every node scores 0 and the plugin adds a constant ([`all_zero`]). Whether a node holds an
//! image is one bit test in the node's image mask (`Nodes::image_mask_of`) for image ids below
//! `IMAGE_MASK_BITS`, a search of its image list beyond.

use super::super::score::{image_locality_score, scaled_image_score};
use crate::cluster::nodes::{image_bit, IMAGE_MASK_BITS};
use crate::cluster::{NodeId, PodTemplate, World};

/// Upstream's sum for a node that holds every image of `tpl`.
fn full_sum(world: &World, tpl: &PodTemplate, total: usize) -> i64 {
    tpl.images
        .iter()
        .map(|&img| {
            let info = &world.images[img as usize];
            scaled_image_score(info.size, info.nodes_with, total)
        })
        .sum()
}

/// True when every node scores 0 for `tpl`: no images, no nodes, or a sum that stays at or
/// below the 23 MB floor even on a node holding them all (each term is non-negative and the
/// score is non-decreasing in the sum, with 0 at the floor).
pub(crate) fn all_zero(world: &World, tpl: &PodTemplate) -> bool {
    let total = world.node_order.len();
    tpl.images.is_empty()
        || total == 0
        || image_locality_score(full_sum(world, tpl, total), tpl.container_count) == 0
}

/// ImageLocality raw score (no normalisation).
pub(crate) fn score(world: &World, tpl: &PodTemplate, feasible: &[NodeId], out: &mut [i64]) {
    if all_zero(world, tpl) {
        out.iter_mut().for_each(|r| *r = 0);
        return;
    }
    let total = world.node_order.len();
    let nodes = &world.nodes;
    let cc = tpl.container_count;
    // The sum over the images of `tpl` that node `n` holds, in the template's image order.
    let held_sum = |held: &dyn Fn(u32) -> bool| -> i64 {
        let mut sum = 0i64;
        for &img in &tpl.images {
            if held(img) {
                let info = &world.images[img as usize];
                sum += scaled_image_score(info.size, info.nodes_with, total);
            }
        }
        sum
    };
    if tpl.images.iter().all(|&img| img < IMAGE_MASK_BITS) {
        let want = tpl.images.iter().fold(0u64, |m, &img| m | image_bit(img));
        let full = image_locality_score(full_sum(world, tpl, total), cc);
        if want.count_ones() == 1 {
            // One distinct image: a node holds all of it or none, so the score is `full` or
            // 0; selected without a branch (which node holds it is unpredictable).
            for (o, &n) in out.iter_mut().zip(feasible) {
                let held = i64::from(nodes.image_mask_of(n) & want != 0);
                *o = full & held.wrapping_neg();
            }
            return;
        }
        for (o, &n) in out.iter_mut().zip(feasible) {
            let have = nodes.image_mask_of(n) & want;
            *o = if have == 0 {
                0
            } else if have == want {
                full
            } else {
                image_locality_score(held_sum(&|img| have & image_bit(img) != 0), cc)
            };
        }
    } else {
        for (o, &n) in out.iter_mut().zip(feasible) {
            *o = image_locality_score(held_sum(&|img| nodes.holds_image(n, img)), cc);
        }
    }
}
