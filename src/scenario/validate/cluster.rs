//! Validation of `cluster`: zones, pools, explicit nodes and their resources, labels, taints.

use std::collections::{BTreeMap, HashSet};

use super::names;
use super::{index, key, Checker, MAX_NODES};
use crate::scenario::types::cluster::{Cluster, ContainerImage, Taint};
use crate::scenario::types::ResourceList;

/// Every node name in the cluster, for `nodeName` references: explicit names, and pool names
/// with their sizes (pool nodes are `<pool>-<index>`).
pub(super) struct NodeNames<'a> {
    explicit: HashSet<&'a str>,
    pools: BTreeMap<&'a str, u32>,
}

impl NodeNames<'_> {
    /// Whether `name` is a node of the cluster.
    pub(super) fn contains(&self, name: &str) -> bool {
        self.explicit.contains(name) || self.pool_node(name)
    }

    /// Whether `name` is `<pool>-<index>` of some pool, with `index < count`.
    fn pool_node(&self, name: &str) -> bool {
        let Some((pool, idx)) = name.rsplit_once('-') else {
            return false;
        };
        let canonical =
            idx == "0" || (!idx.starts_with('0') && idx.bytes().all(|b| b.is_ascii_digit()));
        canonical
            && idx
                .parse::<u32>()
                .is_ok_and(|i| self.pools.get(pool).is_some_and(|&count| i < count))
    }
}

pub(super) fn check<'a>(c: &mut Checker, cluster: &'a Cluster) -> NodeNames<'a> {
    if cluster.zones.is_empty() {
        c.error(
            "cluster.zones",
            "missing or empty: list at least one zone, e.g. `zones: [a]` (every node is in a \
             zone and carries the label topology.kubernetes.io/zone)",
        );
    }
    for (i, zone) in cluster.zones.iter().enumerate() {
        let at = index("cluster.zones", i);
        if zone.is_empty() {
            c.error(&at, "zone names must not be empty");
        }
        c.check(&at, names::label_value(zone));
    }
    c.unique(
        cluster
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| (index("cluster.zones", i), z.as_str())),
        "zone",
    );
    let known_zone = |z: &str| cluster.zones.iter().any(|known| known == z);
    let zone_list = || format!("[{}]", cluster.zones.join(", "));

    for (i, pool) in cluster.node_pools.iter().enumerate() {
        let at = index("cluster.nodePools", i);
        c.check(&key(&at, "name"), names::dns_subdomain(&pool.name));
        if u64::from(pool.count) > MAX_NODES {
            c.error(
                key(&at, "count"),
                format!(
                    "{} nodes is more than the supported {MAX_NODES}",
                    pool.count
                ),
            );
        }
        for (j, zone) in pool.zones.iter().enumerate() {
            if !known_zone(zone) {
                c.error(
                    index(&key(&at, "zones"), j),
                    format!("zone {zone:?} is not in cluster.zones {}", zone_list()),
                );
            }
        }
        c.unique(
            pool.zones
                .iter()
                .enumerate()
                .map(|(j, z)| (index(&key(&at, "zones"), j), z.as_str())),
            "zone",
        );
        if pool.racks_per_zone == Some(0) {
            c.error(key(&at, "racksPerZone"), "must be at least 1");
        }
        if let Some(g) = &pool.gpus {
            super::gpus::check_pool(c, &at, g, &pool.capacity, pool.allocatable.as_ref());
        }
        node_shape(
            c,
            &at,
            &pool.capacity,
            pool.allocatable.as_ref(),
            pool.reserved.as_ref(),
        );
        c.labels(&key(&at, "labels"), &pool.labels);
        taints(c, &key(&at, "taints"), &pool.taints);
        images(c, &key(&at, "images"), &pool.images);
    }
    c.unique(
        cluster
            .node_pools
            .iter()
            .enumerate()
            .map(|(i, p)| (key(&index("cluster.nodePools", i), "name"), p.name.as_str())),
        "node pool",
    );

    let pools: BTreeMap<&str, u32> = cluster
        .node_pools
        .iter()
        .map(|p| (p.name.as_str(), p.count))
        .collect();
    let pool_names = NodeNames {
        explicit: HashSet::new(),
        pools,
    };
    for (i, node) in cluster.nodes.iter().enumerate() {
        let at = index("cluster.nodes", i);
        c.check(&key(&at, "name"), names::dns_subdomain(&node.name));
        if pool_names.pool_node(&node.name) {
            c.error(
                key(&at, "name"),
                format!("{:?} is also the name of a node of a node pool", node.name),
            );
        }
        match &node.zone {
            Some(zone) if !known_zone(zone) => {
                c.error(
                    key(&at, "zone"),
                    format!("zone {zone:?} is not in cluster.zones {}", zone_list()),
                );
            }
            None if !cluster.zones.is_empty() => c.error(
                key(&at, "zone"),
                "missing: nodes need a zone when cluster.zones is set",
            ),
            _ => {}
        }
        if let Some(rack) = &node.rack {
            c.check(&key(&at, "rack"), names::label_value(rack));
        }
        node_shape(
            c,
            &at,
            &node.capacity,
            node.allocatable.as_ref(),
            node.reserved.as_ref(),
        );
        c.labels(&key(&at, "labels"), &node.labels);
        taints(c, &key(&at, "taints"), &node.taints);
        images(c, &key(&at, "images"), &node.images);
    }
    c.unique(
        cluster
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (key(&index("cluster.nodes", i), "name"), n.name.as_str())),
        "node",
    );

    if cluster.node_count() > MAX_NODES {
        c.error(
            "cluster",
            format!(
                "{} nodes in total is more than the supported {MAX_NODES}",
                cluster.node_count()
            ),
        );
    }
    NodeNames {
        explicit: cluster.nodes.iter().map(|n| n.name.as_str()).collect(),
        pools: pool_names.pools,
    }
}

/// Capacity, allocatable and reserved of a node or pool.
fn node_shape(
    c: &mut Checker,
    at: &str,
    capacity: &ResourceList,
    allocatable: Option<&ResourceList>,
    reserved: Option<&ResourceList>,
) {
    c.resources(&key(at, "capacity"), capacity, false);
    if allocatable.is_some() && reserved.is_some() {
        c.error(
            key(at, "reserved"),
            "give either allocatable or reserved, not both",
        );
    }
    for (field, list) in [("allocatable", allocatable), ("reserved", reserved)] {
        let Some(list) = list else { continue };
        let path = key(at, field);
        c.resources(&path, list, false);
        for (name, q) in list {
            match capacity.get(name) {
                None => c.error(
                    key(&path, name),
                    format!("resource {name:?} is not in capacity"),
                ),
                Some(cap) if q > cap => c.error(
                    key(&path, name),
                    format!("{q} is larger than capacity {cap}"),
                ),
                Some(_) => {}
            }
        }
    }
}

fn taints(c: &mut Checker, at: &str, taints: &[Taint]) {
    let mut seen = HashSet::new();
    for (i, taint) in taints.iter().enumerate() {
        let path = index(at, i);
        c.check(&key(&path, "key"), names::qualified_name(&taint.key));
        c.check(&key(&path, "value"), names::label_value(&taint.value));
        if !seen.insert((taint.key.as_str(), taint.effect)) {
            c.error(
                &path,
                format!(
                    "duplicate taint {:?} with effect {:?}",
                    taint.key, taint.effect
                ),
            );
        }
    }
}

fn images(c: &mut Checker, at: &str, images: &[ContainerImage]) {
    for (i, image) in images.iter().enumerate() {
        let path = index(at, i);
        if image.name.is_empty() {
            c.error(key(&path, "name"), "must not be empty");
        }
        match (image.size_bytes, image.size) {
            (Some(_), Some(_)) => c.error(&path, "give either sizeBytes or size, not both"),
            (None, None) => c.error(&path, "missing sizeBytes (or size)"),
            (None, Some(size)) if size.is_negative() => {
                c.error(key(&path, "size"), "must not be negative")
            }
            _ => {}
        }
    }
}
