//! The autoscaler's scale-up and scale-down rules (kept in `build` because the worlds come from
//! scenario text through `build`, which sits above `autoscaler`). Scale-up and scale-down rules on hand-built worlds (pods bound directly, no run loop), so
//! every expected value can be worked out by hand. Pool `w`: 3 nodes of 4 CPU (4000m
//! allocatable, nothing reserved), all in zone `a`.

use crate::autoscaler::Autoscaler;
use crate::build::{build, BuildOptions};
use crate::cluster::{NodeId, Pod, PodId, World};
use crate::controllers::WorkloadKind;
use crate::engine::{RngStreams, SimTime};
use crate::scenario::parse_scenario;
use crate::scheduler::StaticFilter;

const BASE: &str = r#"name: t
simulation: {duration: 2h}
cluster:
  zones: [a]
  nodePools:
    - {name: w, count: 3, capacity: {cpu: "4", memory: 16Gi, pods: 110}, labels: {class: general}}
workloads:
  - {name: web, kind: Deployment, replicas: 1, template: {labels: {app: web}, containers: [{name: c, resources: {requests: {cpu: "1", memory: 1Gi}}}]}}
  - {name: half, kind: Deployment, replicas: 1, template: {labels: {app: half}, containers: [{name: c, resources: {requests: {cpu: "2", memory: 1Gi}}}]}}
  - {name: almost, kind: Deployment, replicas: 1, template: {labels: {app: almost}, containers: [{name: c, resources: {requests: {cpu: 1999m, memory: 1Gi}}}]}}
  - {name: solo, kind: Pod, template: {labels: {app: solo}, containers: [{name: c, resources: {requests: {cpu: 100m, memory: 1Gi}}}]}}
  - {name: sys, kind: Deployment, namespace: kube-system, replicas: 1, template: {labels: {app: sys}, containers: [{name: c, resources: {requests: {cpu: 100m, memory: 1Gi}}}]}}
  - {name: big, kind: Deployment, replicas: 1, template: {labels: {app: big}, containers: [{name: c, resources: {requests: {cpu: 3500m, memory: 1Gi}}}]}}
  - {name: agent, kind: DaemonSet, template: {labels: {app: agent}, containers: [{name: c, resources: {requests: {cpu: 100m, memory: 128Mi}}}]}}
  - {name: cheap, kind: Deployment, replicas: 1, priority: -20, template: {labels: {app: cheap}, containers: [{name: c, resources: {requests: {cpu: "1", memory: 1Gi}}}]}}
  - {name: gpu, kind: Deployment, replicas: 1, template: {labels: {app: gpu}, nodeSelector: {class: gpu}, containers: [{name: c, resources: {requests: {cpu: "1", memory: 1Gi}}}]}}
"#;

const WEB: u32 = 0;
const HALF: u32 = 1;
const ALMOST: u32 = 2;
const SOLO: u32 = 3;
const SYS: u32 = 4;
const BIG: u32 = 5;
const CHEAP: u32 = 7;
const GPU: u32 = 8;

const N0: NodeId = NodeId(0);
const N1: NodeId = NodeId(1);
const N2: NodeId = NodeId(2);

/// The world and its autoscaler for `BASE` plus `autoscaler` (and `extra` top-level YAML).
fn setup(autoscaler: &str, extra: &str) -> (World, Autoscaler) {
    let yaml = format!("{BASE}autoscaler:\n{autoscaler}\n{extra}");
    let s = parse_scenario(&yaml, "t.yaml").expect("valid test scenario");
    let setup = build(&s, BuildOptions::default());
    let daemonsets: Vec<_> = setup
        .workloads
        .iter()
        .filter(|w| matches!(w.kind, WorkloadKind::DaemonSet))
        .map(|w| w.template)
        .collect();
    let filter = StaticFilter::new(&setup.scheduler, &setup.world);
    let a = Autoscaler::new(
        setup.autoscaler.expect("autoscaler section"),
        &setup.world,
        filter,
        &daemonsets,
        &RngStreams::new(1),
        None,
    )
    .unwrap();
    (setup.world, a)
}

const GROUP: &str = "  nodeGroups: [{pool: w, minSize: 0, maxSize: 10, provisioningDelay: 1m}]";

fn pod(world: &mut World, t: u32) -> PodId {
    world.create_pod(Pod {
        attempts: 1,
        ..Pod::pending(t, t, 0, SimTime::ZERO, 0)
    })
}

fn place(world: &mut World, t: u32, n: NodeId) -> PodId {
    let p = pod(world, t);
    world.bind(p, n, SimTime::ZERO);
    p
}

fn unneeded(a: &Autoscaler, n: NodeId) -> bool {
    a.unneeded_since(n).is_some()
}

#[test]
fn utilisation_at_the_threshold_is_not_underused() {
    let (mut w, mut a) = setup(GROUP, "");
    place(&mut w, HALF, N0); // 2000m / 4000m = 0.5: not below 0.5
    place(&mut w, ALMOST, N1); // 1999m: below, and it fits on n0 (2000m free)
    let d = a.scan(&w, 10_000);
    assert_eq!(d.remove, Vec::<NodeId>::new());
    assert!(!unneeded(&a, N0));
    assert!(unneeded(&a, N1));
    assert!(unneeded(&a, N2), "empty");
    assert_eq!(a.unneeded_since(N1), Some(10_000));
}

#[test]
fn nodes_go_after_the_unneeded_time_empty_ones_first_then_one_drain() {
    let (mut w, mut a) = setup(GROUP, "");
    place(&mut w, HALF, N0);
    place(&mut w, ALMOST, N1);
    assert!(a.scan(&w, 10_000).remove.is_empty());
    assert!(a.scan(&w, 609_999).remove.is_empty(), "10 min not over yet");
    let d = a.scan(&w, 610_000);
    assert_eq!(d.remove, vec![N2], "empty nodes first, alone in their loop");
    w.remove_node(N2);
    a.node_removed(&w, N2, 610_000, true);
    // scale-down-delay-after-delete = scan interval: the next loop may delete again.
    let d = a.scan(&w, 620_000);
    assert_eq!(d.remove, vec![N1], "then the non-empty node, drained");
}

#[test]
fn a_scale_up_delays_scale_down_by_ten_minutes() {
    let (w, mut a) = setup(GROUP, "");
    a.scan(&w, 10_000);
    a.last_scale_up_ms = Some(100_000);
    assert!(
        a.scan(&w, 610_000).remove.is_empty(),
        "within delay-after-add"
    );
    assert_eq!(
        a.scan(&w, 700_000).remove.len(),
        3,
        "bulk delete of empty nodes"
    );
}

#[test]
fn min_size_is_kept() {
    let g = "  nodeGroups: [{pool: w, minSize: 2, maxSize: 10}]";
    let (w, mut a) = setup(g, "");
    a.scan(&w, 10_000);
    assert_eq!(
        a.scan(&w, 700_000).remove.len(),
        1,
        "3 empty nodes, minSize 2"
    );
    let g = "  nodeGroups: [{pool: w, minSize: 3, maxSize: 10}]";
    let (w, mut a) = setup(g, "");
    a.scan(&w, 10_000);
    assert!(a.scan(&w, 700_000).remove.is_empty());
    assert!(
        !unneeded(&a, N0),
        "a group at its minimum has no candidates"
    );
}

#[test]
fn a_pdb_without_disruptions_blocks_the_drain() {
    // minAvailable 1 over the one running `almost` pod: 0 disruptions allowed.
    let pdb = "pdbs: [{name: p, selector: {matchLabels: {app: almost}}, minAvailable: 1}]";
    let (mut w, mut a) = setup(GROUP, pdb);
    place(&mut w, HALF, N0);
    place(&mut w, ALMOST, N1);
    a.scan(&w, 10_000);
    assert!(!unneeded(&a, N1));
    // maxUnavailable 1: one disruption allowed, the node may go.
    let pdb = "pdbs: [{name: p, selector: {matchLabels: {app: almost}}, maxUnavailable: 1}]";
    let (mut w, mut a) = setup(GROUP, pdb);
    place(&mut w, HALF, N0);
    place(&mut w, ALMOST, N1);
    a.scan(&w, 10_000);
    assert!(unneeded(&a, N1));
}

#[test]
fn bare_and_kube_system_pods_are_not_movable() {
    let (mut w, mut a) = setup(GROUP, "");
    place(&mut w, SOLO, N1);
    place(&mut w, SYS, N2);
    a.scan(&w, 10_000);
    assert!(unneeded(&a, N0));
    assert!(!unneeded(&a, N1), "a pod without a controller");
    assert!(!unneeded(&a, N2), "a kube-system pod without a PDB");
    // A PDB covering the kube-system pod (with a disruption to spare) unblocks it.
    let pdb = "pdbs: [{name: s, namespace: kube-system, selector: {matchLabels: {app: sys}}, maxUnavailable: 1}]";
    let (mut w, mut a) = setup(GROUP, pdb);
    place(&mut w, HALF, N0); // a destination (at the threshold, so not a candidate itself)
    place(&mut w, SYS, N2);
    a.scan(&w, 10_000);
    assert!(unneeded(&a, N2));
    // DaemonSet and expendable pods never block.
    let (mut w, mut a) = setup(GROUP, "");
    place(&mut w, 6, N1);
    place(&mut w, CHEAP, N2);
    a.scan(&w, 10_000);
    assert!(unneeded(&a, N1) && unneeded(&a, N2));
}

#[test]
fn pods_without_a_destination_keep_their_node() {
    let (mut w, mut a) = setup(GROUP, "");
    place(&mut w, BIG, N0);
    place(&mut w, BIG, N2);
    place(&mut w, ALMOST, N1); // 1999m does not fit in the 500m left on n0 or n2
    a.scan(&w, 10_000);
    assert!(!unneeded(&a, N0) && !unneeded(&a, N1) && !unneeded(&a, N2));
}

/// Fills every node with a `big` pod and queues `n` pending pods of `t` as unschedulable.
fn pending(w: &mut World, a: &mut Autoscaler, t: u32, n: usize) -> Vec<PodId> {
    for node in [N0, N1, N2] {
        place(w, BIG, node);
    }
    (0..n)
        .map(|_| {
            let p = pod(w, t);
            a.pod_unschedulable(p);
            p
        })
        .collect()
}

#[test]
fn scale_up_binpacks_on_the_template_node_minus_daemon_pods() {
    let (mut w, mut a) = setup(GROUP, "");
    pending(&mut w, &mut a, WEB, 10);
    // A new node offers 4000m − 100m (the agent DaemonSet) = 3900m: 3 web pods per node.
    let d = a.scan(&w, 10_000);
    assert_eq!(d.scale_up, Some((0, 4)));
    assert_eq!(a.provisioning(), 4);
    // The next loop sees the pods fit on the nodes being provisioned.
    assert_eq!(a.scan(&w, 20_000).scale_up, None);
    // The group's maximum bounds a scale-up (3 live + 2 = maxSize 5).
    let g = "  nodeGroups: [{pool: w, minSize: 0, maxSize: 5}]";
    let (mut w, mut a) = setup(g, "");
    pending(&mut w, &mut a, WEB, 10);
    assert_eq!(a.scan(&w, 10_000).scale_up, Some((0, 2)));
    // So does maxNodesTotal.
    let g = "  maxNodesTotal: 4\n  nodeGroups: [{pool: w, minSize: 0, maxSize: 10}]";
    let (mut w, mut a) = setup(g, "");
    pending(&mut w, &mut a, WEB, 10);
    assert_eq!(a.scan(&w, 10_000).scale_up, Some((0, 1)));
}

#[test]
fn pods_that_fit_somewhere_or_nowhere_do_not_scale_up() {
    // Expendable pods (priority -20 < cutoff -10) never trigger a scale-up.
    let (mut w, mut a) = setup(GROUP, "");
    pending(&mut w, &mut a, CHEAP, 3);
    assert_eq!(a.scan(&w, 10_000).scale_up, None);
    // A pod whose nodeSelector no node group satisfies (scheduler static filters).
    let (mut w, mut a) = setup(GROUP, "");
    pending(&mut w, &mut a, GPU, 3);
    assert_eq!(a.scan(&w, 10_000).scale_up, None);
    // A pod that fits on an existing node now (filterOutSchedulable).
    let (mut w, mut a) = setup(GROUP, "");
    let p = pod(&mut w, WEB);
    a.pod_unschedulable(p);
    assert_eq!(a.scan(&w, 10_000).scale_up, None);
}

#[test]
fn the_wait_of_pods_a_scale_up_was_made_for_is_recorded() {
    let (mut w, mut a) = setup(GROUP, "");
    let pods = pending(&mut w, &mut a, WEB, 2);
    assert_eq!(a.scan(&w, 10_000).scale_up, Some((0, 1)));
    a.pod_bound(pods[0], 95_000);
    a.pod_bound(pods[1], 105_000);
    let s = a.finish(120_000);
    assert_eq!(s.pod_wait_for_capacity_s.count, 2);
    assert_eq!(s.pod_wait_for_capacity_s.mean, 100.0);
    assert_eq!(s.pod_wait_for_capacity_s.max, 105.0);
    // 3 nodes for 120 s = 0.1 node-hours.
    assert!((s.node_hours - 0.1).abs() < 1e-12, "{}", s.node_hours);
}
