//! Scenario `autoscaler` → engine [`AutoscalerConfig`]: node groups with their node shapes per
//! zone and rack (copies of the pool's nodes), provisioning-delay distributions, flags in
//! engine units and the PodDisruptionBudgets the drain simulation honours.

use super::convert::ImageRegistry;
use super::nodes::pool_node_init;
use super::workloads::duration_dist;
use crate::autoscaler::{AutoscalerConfig, ExpanderKind, NodeGroup, PdbRule};
use crate::cluster::World;
use crate::engine::DurationDist;
use crate::scenario::types::autoscaler::{Expander, DEFAULT_PROVISIONING_DELAY};
use crate::scenario::ScenarioFile;

/// The autoscaler of a validated scenario (None without an `autoscaler` section). Pools and
/// nodes must already be in `world`; node shapes register their images in `images`.
pub fn autoscaler_config(
    s: &ScenarioFile,
    world: &mut World,
    images: &mut ImageRegistry,
) -> Option<AutoscalerConfig> {
    let a = s.autoscaler.as_ref()?;
    let mut groups = Vec::with_capacity(a.node_groups.len());
    for g in &a.node_groups {
        let pi = s
            .cluster
            .node_pools
            .iter()
            .position(|p| p.name == g.pool)
            .expect("validated: the pool exists");
        let pool = &s.cluster.node_pools[pi];
        let racks = pool.racks_per_zone.filter(|r| *r > 0);
        let mut shapes = Vec::new();
        for zone in pool.effective_zones(&s.cluster.zones) {
            let z = world.zones.iter().position(|x| x == zone).unwrap_or(0) as u32;
            let per_rack = match racks {
                Some(r) => (0..r)
                    .map(|k| pool_node_init(world, s, pi, String::new(), z, Some(k), images))
                    .collect(),
                None => vec![pool_node_init(world, s, pi, String::new(), z, None, images)],
            };
            shapes.push(per_rack);
        }
        groups.push(NodeGroup {
            pool: world
                .pools
                .iter()
                .position(|p| *p == pool.name)
                .expect("pool added") as u32,
            name: pool.name.clone(),
            min_size: g.min_size,
            max_size: g.max_size,
            price_per_hour: g.price_per_hour,
            provisioning: g.provisioning_delay.as_ref().map_or(
                DurationDist::Constant(DEFAULT_PROVISIONING_DELAY.as_millis()),
                duration_dist,
            ),
            priority: g.priority,
            shapes,
            first_index: pool.count,
        });
    }
    let pdbs = super::faults::fault_setup(s, world)
        .pdbs
        .into_iter()
        .map(|p| PdbRule {
            namespace: world.interner.intern(&p.namespace),
            selector: p.selector,
            budget: p.budget,
        })
        .collect();
    let mut cfg = AutoscalerConfig::with_groups(groups);
    cfg.expander = match a.expander {
        Expander::Random => ExpanderKind::Random,
        Expander::LeastWaste => ExpanderKind::LeastWaste,
        Expander::MostPods => ExpanderKind::MostPods,
        Expander::Priority => ExpanderKind::Priority,
    };
    cfg.scan_interval_ms = a.scan_interval.as_millis();
    cfg.scale_down_enabled = a.scale_down_enabled;
    cfg.unneeded_time_ms = a.scale_down_unneeded_time.as_millis();
    cfg.utilization_threshold_ppm = (a.scale_down_utilization_threshold * 1e6).round() as u64;
    cfg.delay_after_add_ms = a.scale_down_delay_after_add.as_millis();
    cfg.delay_after_delete_ms = a
        .scale_down_delay_after_delete
        .unwrap_or(a.scan_interval)
        .as_millis();
    cfg.max_nodes_total = a.max_nodes_total;
    cfg.max_empty_bulk_delete = a.max_empty_bulk_delete;
    cfg.skip_nodes_with_system_pods = a.skip_nodes_with_system_pods;
    cfg.expendable_cutoff = a.expendable_pods_priority_cutoff;
    cfg.pdbs = pdbs;
    Some(cfg)
}
