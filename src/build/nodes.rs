//! Cluster construction: the resource table, zones, pools and nodes (in kube-scheduler
//! `nodeTree` order), node labels, taints and images.

use std::collections::BTreeMap;

use super::convert::{taint, ImageRegistry};
use crate::cluster::labels::LabelSet;
use crate::cluster::{NodeId, NodeInit, ResourceTable, Sym, World, PODS};
use crate::engine::SimTime;
use crate::faults::NodeJoin;
use crate::scenario::types::cluster::{ContainerImage, Taint as TaintSpec};
use crate::scenario::types::faults::{has_joins, joins_of, NodePlace};
use crate::scenario::types::ResourceList;
use crate::scenario::ScenarioFile;

/// Label carrying a node's pool name.
pub const POOL_LABEL: &str = "clustersim.io/pool";
/// Label carrying a node's rack (`<zone>-r<k>`).
pub const RACK_LABEL: &str = "topology.clustersim.io/rack";
/// Default `pods` capacity when a node lists none (kubelet `maxPods` default).
pub const DEFAULT_MAX_PODS: i64 = 110;

/// Collects every resource name the scenario mentions, so vectors have one fixed stride.
pub fn resource_table(s: &ScenarioFile) -> ResourceTable {
    let mut t = ResourceTable::new();
    let mut add = |list: &ResourceList| {
        for name in list.keys() {
            t.intern(name);
        }
    };
    for p in &s.cluster.node_pools {
        add(&p.capacity);
        p.allocatable.iter().chain(&p.reserved).for_each(&mut add);
    }
    for n in &s.cluster.nodes {
        add(&n.capacity);
        n.allocatable.iter().chain(&n.reserved).for_each(&mut add);
    }
    for w in &s.workloads {
        add(&w.template.overhead);
        for c in w
            .template
            .containers
            .iter()
            .chain(&w.template.init_containers)
        {
            add(&c.resources.requests);
            add(&c.resources.limits);
        }
    }
    super::gpus::add_resources(s, &mut t);
    t
}

/// A resource list as a dense vector (CPU in millicores, everything else in units, ceil).
pub fn dense(list: &ResourceList, table: &ResourceTable) -> Vec<i64> {
    let mut v = vec![0; table.len()];
    for (name, q) in list {
        if let Some(id) = table.lookup(name) {
            v[id] = if id == crate::cluster::CPU {
                q.milli_value()
            } else {
                q.value()
            };
        }
    }
    v
}

struct NodeDraft<'a> {
    name: String,
    pool: u32,
    zone: u32,
    rack: Option<(u32, String)>,
    capacity: &'a ResourceList,
    allocatable: ResourceList,
    labels: &'a BTreeMap<String, String>,
    taints: &'a [TaintSpec],
    images: &'a [ContainerImage],
    unschedulable: bool,
}

/// Adds the scenario's zones, pools and nodes to `world`, filling `node_order` (zones
/// interleaved round-robin, as upstream `nodeTree.list()`) and `pods_on_node`. Nodes that
/// join later (a pool's `joinAt`, a `nodeJoin` fault) are not added: they are returned, in
/// join order (time, then scenario order), for the run to add when they join.
pub fn add_nodes(world: &mut World, s: &ScenarioFile, images: &mut ImageRegistry) -> Vec<NodeJoin> {
    world.zones = s.cluster.zones.clone();
    let zone_index = |z: &str| s.cluster.zones.iter().position(|x| x == z).unwrap_or(0) as u32;
    let mut drafts = Vec::new();
    for pool in &s.cluster.node_pools {
        let pool_id = world.pools.len() as u32;
        world.pools.push(pool.name.clone());
        super::gpus::add_pool(world, pool);
        let zones = pool.effective_zones(&s.cluster.zones);
        let allocatable = pool.effective_allocatable();
        let mut per_zone = vec![0u32; zones.len()];
        for i in 0..pool.count {
            let zi = i as usize % zones.len();
            let k = per_zone[zi];
            per_zone[zi] += 1;
            let zone = &zones[zi];
            drafts.push(NodeDraft {
                name: pool.node_name(i),
                pool: pool_id,
                zone: zone_index(zone),
                rack: pool
                    .racks_per_zone
                    .filter(|r| *r > 0)
                    .map(|r| (k % r, format!("{zone}-r{}", k % r))),
                capacity: &pool.capacity,
                allocatable: allocatable.clone(),
                labels: &pool.labels,
                taints: &pool.taints,
                images: &pool.images,
                unschedulable: pool.unschedulable,
            });
        }
    }
    for n in &s.cluster.nodes {
        let pool_id = world.pools.len() as u32;
        world.pools.push(n.name.clone());
        let zone = n.zone.clone().unwrap_or_else(|| s.cluster.zones[0].clone());
        drafts.push(NodeDraft {
            name: n.name.clone(),
            pool: pool_id,
            zone: zone_index(&zone),
            rack: n.rack.clone().map(|r| (0, r)),
            capacity: &n.capacity,
            allocatable: n.effective_allocatable(),
            labels: &n.labels,
            taints: &n.taints,
            images: &n.images,
            unschedulable: n.unschedulable,
        });
    }
    let joins = has_joins(s);
    let mut late = Vec::new();
    for d in drafts {
        match joins.then(|| join_at(world, s, &d)).flatten() {
            Some(at) => late.push((at, d)),
            None => {
                push_node(world, d, images);
            }
        }
    }
    world.rebuild_node_order();
    world.pods_on_node = vec![Vec::new(); world.nodes.len()];
    late.sort_by_key(|(at, _)| *at);
    late.into_iter()
        .map(|(at, d)| NodeJoin {
            at,
            init: node_init(world, d, images),
        })
        .collect()
}

/// When the node of draft `d` joins, if later than the start (the first join naming it).
fn join_at(world: &World, s: &ScenarioFile, d: &NodeDraft<'_>) -> Option<SimTime> {
    let pool = s
        .cluster
        .node_pools
        .get(d.pool as usize)
        .map(|p| p.name.as_str());
    let place = NodePlace {
        name: &d.name,
        pool,
        zone: &world.zones[d.zone as usize],
        rack: d.rack.as_ref().map(|r| r.1.as_str()),
    };
    let first = joins_of(s, &place).next();
    first.map(|(at, _)| SimTime(at.as_millis()))
}

fn push_node(world: &mut World, d: NodeDraft<'_>, images: &mut ImageRegistry) -> NodeId {
    let init = node_init(world, d, images);
    world.nodes.push(init)
}

/// The shape of a node of pool `pool` (index into `s.cluster.node_pools`) named `name` in
/// zone `zone` (index into `world.zones`) and rack `rack` (index within the zone), for nodes
/// added during the run (autoscaler). The pool must already be in `world.pools`.
pub(crate) fn pool_node_init(
    world: &mut World,
    s: &ScenarioFile,
    pool: usize,
    name: String,
    zone: u32,
    rack: Option<u32>,
    images: &mut ImageRegistry,
) -> NodeInit {
    let p = &s.cluster.node_pools[pool];
    let pool_id = world
        .pools
        .iter()
        .position(|x| *x == p.name)
        .expect("pool added before its templates") as u32;
    let zone_name = world.zones[zone as usize].clone();
    let d = NodeDraft {
        name,
        pool: pool_id,
        zone,
        rack: rack.map(|r| (r, format!("{zone_name}-r{r}"))),
        capacity: &p.capacity,
        allocatable: p.effective_allocatable(),
        labels: &p.labels,
        taints: &p.taints,
        images: &p.images,
        unschedulable: p.unschedulable,
    };
    node_init(world, d, images)
}

fn node_init(world: &mut World, d: NodeDraft<'_>, images: &mut ImageRegistry) -> NodeInit {
    let wk = world.well_known;
    let zone_name = world.zones[d.zone as usize].clone();
    let pool_name = world.pools[d.pool as usize].clone();
    let mut pairs: Vec<(Sym, Sym)> = Vec::with_capacity(d.labels.len() + 3);
    let i = &mut world.interner;
    pairs.push((wk.zone, i.intern(&zone_name)));
    pairs.push((i.intern(POOL_LABEL), i.intern(&pool_name)));
    if let Some((_, rack)) = &d.rack {
        pairs.push((wk.rack, i.intern(rack)));
    }
    for (k, v) in d.labels {
        pairs.push((i.intern(k), i.intern(v)));
    }
    super::gpus::add_model_label(&world.gpus, d.pool, i, &mut pairs);
    let hostname = i.intern(&d.name);
    let taints: Vec<_> = d.taints.iter().map(|t| taint(i, t)).collect();
    let labels = world.intern_labels(LabelSet::new(pairs));
    let taints = world.intern_taints(taints);
    let mut capacity = dense(d.capacity, &world.resources);
    if capacity[PODS] == 0 && !d.capacity.contains_key("pods") {
        capacity[PODS] = DEFAULT_MAX_PODS;
    }
    let mut allocatable = dense(&d.allocatable, &world.resources);
    if allocatable[PODS] == 0 && !d.allocatable.contains_key("pods") {
        allocatable[PODS] = capacity[PODS];
    }
    super::gpus::add_capacity(&world.gpus, d.pool, &mut capacity, &mut allocatable);
    let node_images = d
        .images
        .iter()
        .map(|img| images.register(&img.name, Some(img.bytes())))
        .collect();
    NodeInit {
        name: d.name,
        hostname,
        pool: d.pool,
        zone: d.zone,
        rack: d.rack.map(|r| r.0),
        labels,
        taints,
        unschedulable: d.unschedulable,
        capacity,
        allocatable,
        images: node_images,
    }
}
