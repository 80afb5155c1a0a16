//! `clustersim import kubectl` on the synthetic snapshot under `scenarios/kubectl/` (the JSON
//! shape `kubectl get ... -o json` prints), through the real binary.

mod common;

use std::collections::BTreeMap;
use std::fs;

use clustersim::build::{build, describe, BuildOptions};
use clustersim::scenario::{load_scenario, Quantity};
use common::{repo, run, stderr};
use serde_json::Value;

fn fixture(name: &str) -> String {
    repo(&format!("scenarios/kubectl/{name}"))
        .display()
        .to_string()
}

fn import(out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "import".to_string(),
        "kubectl".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs)
}

/// Internal units as the simulator keeps them: millicores for cpu, units otherwise.
fn amount(resource: &str, q: &str) -> i64 {
    let q: Quantity = q.parse().unwrap();
    if resource == "cpu" {
        q.milli_value()
    } else {
        q.value()
    }
}

/// Imports the whole fixture snapshot (nodes, pods, PDBs, priority classes) into `out`;
/// the import must succeed.
fn import_fixture(out: &std::path::Path) {
    let (nodes, pods) = (fixture("nodes.json"), fixture("pods.json"));
    let (pdbs, classes) = (fixture("pdbs.json"), fixture("priorityclasses.json"));
    let o = import(
        out,
        &[
            "--nodes",
            &nodes,
            "--pods",
            &pods,
            "--pdbs",
            &pdbs,
            "--priorityclasses",
            &classes,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn items(file: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(&fs::read_to_string(fixture(file)).unwrap()).unwrap();
    v["items"].as_array().unwrap().clone()
}

#[test]
fn snapshot_round_trips_to_the_same_totals_per_resource() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s.yaml");
    import_fixture(&out);
    let v = run(&["validate", out.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));

    // Expected: the snapshot's own sums (nodes' capacity and allocatable; requests of the
    // pods that stay: running or pending, Jobs excluded as validate counts steady pods).
    let mut capacity: BTreeMap<String, i64> = BTreeMap::new();
    let mut allocatable: BTreeMap<String, i64> = BTreeMap::new();
    let nodes = items("nodes.json");
    for n in &nodes {
        for (field, sums) in [
            ("capacity", &mut capacity),
            ("allocatable", &mut allocatable),
        ] {
            for (r, q) in n["status"][field].as_object().unwrap() {
                *sums.entry(r.clone()).or_default() += amount(r, q.as_str().unwrap());
            }
        }
    }
    let mut requests: BTreeMap<String, i64> = BTreeMap::new();
    let pods = items("pods.json");
    let mut kept = 0;
    for p in &pods {
        let phase = p["status"]["phase"].as_str().unwrap();
        let owner = p["metadata"]["ownerReferences"][0]["kind"].as_str();
        if !matches!(phase, "Running" | "Pending") || owner == Some("Job") {
            continue;
        }
        kept += 1;
        for c in p["spec"]["containers"].as_array().unwrap() {
            if let Some(req) = c["resources"]["requests"].as_object() {
                for (r, q) in req {
                    *requests.entry(r.clone()).or_default() += amount(r, q.as_str().unwrap());
                }
            }
        }
    }
    let s = load_scenario(&out).unwrap();
    let d = describe(&build(&s, BuildOptions::default()));
    assert_eq!(s.cluster.node_count(), nodes.len() as u64);
    let nonzero = |m: &BTreeMap<String, i64>| -> BTreeMap<String, i64> {
        m.iter()
            .filter(|(_, v)| **v != 0)
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    assert_eq!(nonzero(&d.capacity), nonzero(&capacity));
    assert_eq!(nonzero(&d.allocatable), nonzero(&allocatable));
    let mut got = nonzero(&d.steady_requests);
    // The simulator counts each pod against the `pods` resource.
    assert_eq!(got.remove("pods"), Some(kept));
    assert_eq!(got, nonzero(&requests));

    // Owners: the ReplicaSet's hash is stripped, the DaemonSet's per-node pin is dropped
    // (one pod per node again), the pending pod counts as a replica, the bare pod is bound
    // to the pool node standing for the node it runs on.
    let web = s.workloads.iter().find(|w| w.name == "web").unwrap();
    assert_eq!(web.replicas, Some(11));
    let ds = d
        .workloads
        .iter()
        .find(|w| w.name == "node-exporter")
        .unwrap();
    assert_eq!(ds.pods, Some(nodes.len() as u64));
    let debug = s
        .workloads
        .iter()
        .find(|w| w.name == "debug-shell")
        .unwrap();
    assert_eq!(debug.node_name.as_deref(), Some("m6i-2xlarge-eu-west-1a-1"));
    assert_eq!(s.pdbs.len(), 2);
    assert_eq!(s.priority_classes.len(), 1, "system- classes are built in");

    // One List holding everything gives the same scenario.
    let mut all = nodes.clone();
    all.extend(pods);
    all.extend(items("pdbs.json"));
    all.extend(items("priorityclasses.json"));
    let list = tmp.path().join("all.json");
    fs::write(
        &list,
        serde_json::to_string(
            &serde_json::json!({"apiVersion": "v1", "kind": "List", "items": all}),
        )
        .unwrap(),
    )
    .unwrap();
    let out2 = tmp.path().join("s2.yaml");
    let o = import(&out2, &["--nodes", list.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let body = |p: &std::path::Path| {
        fs::read_to_string(p)
            .unwrap()
            .lines()
            .skip(2)
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&out), body(&out2));
}

#[test]
fn shipped_snapshot_scenario_is_the_import_of_the_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("kubectl-snapshot.yaml");
    import_fixture(&out);
    let shipped = fs::read_to_string(repo("scenarios/kubectl-snapshot.yaml")).unwrap();
    let body = |t: &str| t.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&fs::read_to_string(&out).unwrap()), body(&shipped));
}

#[test]
fn a_node_without_capacity_is_refused_naming_file_object_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let mut nodes = items("nodes.json");
    nodes[2]["status"]
        .as_object_mut()
        .unwrap()
        .remove("capacity");
    let name = nodes[2]["metadata"]["name"].as_str().unwrap().to_string();
    let f = tmp.path().join("nodes.json");
    fs::write(
        &f,
        serde_json::to_string(&serde_json::json!({"kind": "List", "items": nodes})).unwrap(),
    )
    .unwrap();
    let out = tmp.path().join("s.yaml");
    let o = import(&out, &["--nodes", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("nodes.json") && err.contains(&name) && err.contains("status.capacity"),
        "{err}"
    );
    assert!(!out.exists());
}

/// The run starts from the live placement: at time 0, before any scheduling cycle, every
/// node's requests per resource are the sums of the snapshot's pods bound to its node (each
/// node compared with its zone and allocatable, as a multiset), and only the pods without a
/// node wait for the scheduler.
#[test]
fn imported_snapshot_starts_from_the_live_placement() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s.yaml");
    import_fixture(&out);
    let s = load_scenario(&out).unwrap();
    let sim = clustersim::sim::Simulation::new(build(&s, BuildOptions::default())).unwrap();
    let world = sim.world();
    let resources = &world.resources;

    // Expected, per real node: zone, allocatable and the requests of the pods bound to it.
    type Shape = (String, BTreeMap<String, i64>, BTreeMap<String, i64>);
    let mut expected: BTreeMap<String, Shape> = BTreeMap::new();
    for n in items("nodes.json") {
        let name = n["metadata"]["name"].as_str().unwrap().to_string();
        let zone = n["metadata"]["labels"]["topology.kubernetes.io/zone"]
            .as_str()
            .unwrap()
            .to_string();
        let alloc = (n["status"]["allocatable"].as_object().unwrap().iter())
            .map(|(r, q)| (r.clone(), amount(r, q.as_str().unwrap())))
            .filter(|(_, v)| *v != 0)
            .collect();
        expected.insert(name, (zone, alloc, BTreeMap::new()));
    }
    let mut pending = 0;
    for p in items("pods.json") {
        if matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed")) {
            continue;
        }
        let Some(node) = p["spec"]["nodeName"].as_str() else {
            pending += 1;
            continue;
        };
        let req = &mut expected.get_mut(node).unwrap().2;
        *req.entry("pods".into()).or_default() += 1;
        for c in p["spec"]["containers"].as_array().unwrap() {
            for (r, q) in c["resources"]["requests"].as_object().into_iter().flatten() {
                *req.entry(r.clone()).or_default() += amount(r, q.as_str().unwrap());
            }
        }
    }
    let mut want: Vec<Shape> = expected.into_values().collect();
    let mut got: Vec<Shape> = world
        .nodes
        .ids()
        .map(|n| {
            let per = |v: &[i64]| -> BTreeMap<String, i64> {
                (v.iter().enumerate())
                    .filter(|(_, a)| **a != 0)
                    .map(|(r, a)| (resources.name(r as _).to_string(), *a))
                    .collect()
            };
            let zone = world.zones[world.nodes.zone[n.0 as usize] as usize].clone();
            let alloc = per(world.nodes.allocatable_of(n));
            (zone, alloc, per(world.nodes.requested_of(n)))
        })
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let waiting = world
        .pods
        .iter()
        .filter(|(_, p)| p.phase == clustersim::cluster::PodPhase::Pending)
        .count();
    assert_eq!(waiting, pending);
    assert!(pending > 0, "the fixture has a pending pod");

    // The imported fields: counts per pool node, ordinals of the StatefulSet.
    let web = s.workloads.iter().find(|w| w.name == "web").unwrap();
    let placed = web.initial_placement.as_ref().unwrap().placed();
    assert_eq!(placed, 10, "10 of web's 11 pods run");
    let db = s.workloads.iter().find(|w| w.name == "db").unwrap();
    assert!(matches!(
        db.initial_placement,
        Some(clustersim::scenario::types::placement::InitialPlacement::Ordinals(ref o)) if o.len() == 2
    ));
    let ds = s
        .workloads
        .iter()
        .find(|w| w.name == "node-exporter")
        .unwrap();
    assert!(ds.initial_placement.is_none());
}
