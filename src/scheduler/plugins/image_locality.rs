//! ImageLocality (`imagelocality/image_locality.go`): Score only, no normalisation.

use super::super::score::{image_locality_score, scaled_image_score};
use crate::cluster::{NodeId, PodTemplate, World};

/// ImageLocality raw score (no normalisation).
pub(crate) fn score(world: &World, tpl: &PodTemplate, feasible: &[NodeId], out: &mut [i64]) {
    if tpl.images.is_empty() {
        out.iter_mut().for_each(|r| *r = 0);
        return;
    }
    let total = world.node_order.len();
    for (o, &n) in out.iter_mut().zip(feasible) {
        let held = &world.nodes.images[n.ix()];
        let mut sum = 0i64;
        for &img in &tpl.images {
            if held.contains(&img) {
                let info = &world.images[img as usize];
                sum += scaled_image_score(info.size, info.nodes_with, total);
            }
        }
        *o = image_locality_score(sum, tpl.container_count);
    }
}
