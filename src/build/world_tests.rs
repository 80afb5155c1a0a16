//! `World::add_node` / `remove_node` on a world built from scenario text (kept in `build`,
//! which sits above `cluster`).

use crate::build::{build, BuildOptions};
use crate::cluster::labels::LabelSet;
use crate::cluster::{NodeId, NO_DOMAIN};
use crate::scenario::parse_scenario;

#[test]
fn added_nodes_get_topology_domains_and_removed_ones_leave_the_order() {
    let yaml = r#"name: t
simulation: {duration: 1h}
cluster:
  zones: [a, b]
  nodePools: [{name: p, count: 3, capacity: {cpu: "4", memory: 16Gi}}]
workloads:
  - name: web
    kind: Deployment
    replicas: 1
    template:
      labels: {app: web}
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
      containers: [{name: c, resources: {requests: {cpu: "1"}}}]
"#;
    let s = parse_scenario(yaml, "t.yaml").unwrap();
    let mut w = build(&s, BuildOptions::default()).world;
    let zone_key = w
        .groups
        .keys
        .iter()
        .position(|k| k.label == "topology.kubernetes.io/zone")
        .unwrap() as u32;
    let host_key = 0;
    assert_eq!(w.node_order, vec![NodeId(0), NodeId(1), NodeId(2)]);
    let v0 = w.node_set_version();
    // A copy of node 1 (zone b) named n3, and a node in a new zone c.
    let mut init = |name: &str, zone: Option<&str>| {
        let mut labels = w.node_labels(NodeId(1)).clone();
        if let Some(z) = zone {
            let (k, v) = (w.well_known.zone, w.interner.intern(z));
            let pairs: Vec<_> = labels
                .pairs()
                .iter()
                .map(|&(a, b)| if a == k { (a, v) } else { (a, b) })
                .collect();
            labels = LabelSet::new(pairs);
        }
        crate::cluster::NodeInit {
            name: name.into(),
            hostname: w.interner.intern(name),
            pool: 0,
            zone: 1,
            rack: None,
            labels: w.intern_labels(labels),
            taints: 0,
            unschedulable: false,
            capacity: w.nodes.capacity_of(NodeId(1)).to_vec(),
            allocatable: w.nodes.allocatable_of(NodeId(1)).to_vec(),
            images: Vec::new(),
        }
    };
    let a = init("n3", None);
    let c = init("n4", Some("c"));
    let n3 = w.add_node(a);
    let n4 = w.add_node(c);
    assert_eq!((n3, n4), (NodeId(3), NodeId(4)));
    assert_eq!(
        w.groups.domain(zone_key, n3),
        w.groups.domain(zone_key, NodeId(1))
    );
    assert_eq!(
        w.groups.domain(zone_key, n4),
        2,
        "a third zone domain opens"
    );
    assert_eq!(w.groups.keys[zone_key as usize].domains, 3);
    assert_eq!(
        w.groups.domain(host_key, n4),
        4,
        "hostname domain = node id"
    );
    assert_eq!(w.groups.keys[host_key as usize].domains, 5);
    for g in 0..w.groups.group_count() as u32 {
        assert_eq!(w.groups.counts(g, zone_key).len(), 3);
    }
    assert_ne!(w.node_set_version(), v0);
    assert!(w.remove_node(NodeId(0)));
    assert!(!w.remove_node(NodeId(0)), "once");
    assert!(!w.node_order.contains(&NodeId(0)));
    assert_eq!(w.node_order.len(), 4);
    assert!(!w.nodes.ready[0] && w.nodes.unschedulable[0]);
    assert_ne!(
        w.groups.domain(zone_key, NodeId(0)),
        NO_DOMAIN,
        "domains stay"
    );
}
