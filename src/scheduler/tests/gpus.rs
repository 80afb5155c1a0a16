//! GPU devices through the scheduler: a GPU share must fit on ONE device, whole GPUs need
//! completely free devices, and the BestFitScore / FGDScore node choices computed by hand.
//! (No upstream file: device sharing is not part of kube-scheduler; whole GPUs keep
//! NodeResourcesFit's extended-resource check, `noderesources/fit.go`.)

use super::*;
use crate::cluster::gpus::{GpuDemand, PoolGpus, TargetPod, GPU_MILLI_RESOURCE, GPU_RESOURCE};

/// Nodes `names`, each with `devices` GPU devices (pool 0), and the GPU resources.
fn gpu_world(names: &[&str], devices: u32) -> TestWorld {
    let mut tw = TestWorld::with_resources(&[GPU_RESOURCE, GPU_MILLI_RESOURCE]);
    let (g, m) = (tw.res(GPU_RESOURCE), tw.res(GPU_MILLI_RESOURCE));
    tw.world.gpus.whole_res = Some(g);
    tw.world.gpus.milli_res = Some(m);
    tw.world.gpus.pools = vec![PoolGpus {
        count: devices,
        model: "A100".into(),
        memory: 0,
    }];
    let d = i64::from(devices);
    for n in names {
        tw.node_with(
            n,
            "z",
            &[
                (CPU, 64_000),
                (MEMORY, 256 * GI),
                (PODS, 110),
                (g, d),
                (m, d * 1000),
            ],
            &[],
            vec![],
        );
    }
    tw
}

fn share_tpl(tw: &mut TestWorld, milli: i64) -> TemplateId {
    let m = tw.res(GPU_MILLI_RESOURCE);
    let mut t = tw.template(&format!("share-{milli}"), 1000, GI);
    t.requests[m] = milli;
    tw.add_template(t, &[])
}

fn whole_tpl(tw: &mut TestWorld, n: i64) -> TemplateId {
    let g = tw.res(GPU_RESOURCE);
    let mut t = tw.template(&format!("whole-{n}"), 1000, GI);
    t.requests[g] = n;
    tw.add_template(t, &[])
}

fn gpu_profile(plugin: &str) -> Profile {
    Profile {
        score_weights: vec![(plugin.to_string(), 1)],
        ..Profile::default()
    }
}

#[test]
fn a_share_is_packed_onto_one_device() {
    let mut tw = gpu_world(&["a"], 2);
    let six = share_tpl(&mut tw, 600);
    let five = share_tpl(&mut tw, 500);
    let four = share_tpl(&mut tw, 400);
    tw.finish();
    let a = tw.node_id("a");
    tw.place(six, a);
    tw.place(six, a);
    // 800 milli free in total (gpu-milli 2000 allocatable, 1200 requested: NodeResourcesFit
    // passes), but 400 on each device: a 500-milli share fits on neither.
    let mut s = default_sched(&tw);
    let e = s.explain(&tw.world, five, "p", true);
    assert_eq!(e.selected, None);
    assert_eq!(
        e.nodes[0].reason.as_deref(),
        Some("GpuShare: node(s) had no GPU device with enough free GPU share")
    );
    let e = s.explain(&tw.world, four, "p", true);
    assert_eq!(e.selected.as_deref(), Some("a"));
}

#[test]
fn whole_gpus_need_completely_free_devices() {
    let mut tw = gpu_world(&["a"], 2);
    let small = share_tpl(&mut tw, 100);
    let two = whole_tpl(&mut tw, 2);
    let one = whole_tpl(&mut tw, 1);
    let big = share_tpl(&mut tw, 950);
    tw.finish();
    let a = tw.node_id("a");
    tw.place(small, a);
    // nvidia.com/gpu: 2 allocatable, 0 requested (NodeResourcesFit passes), but one device
    // holds a share: only one device is completely free.
    let mut s = default_sched(&tw);
    let e = s.explain(&tw.world, two, "p", true);
    assert_eq!(
        e.nodes[0].reason.as_deref(),
        Some("GpuShare: node(s) had not enough free whole GPU devices")
    );
    let e = s.explain(&tw.world, one, "p", true);
    assert_eq!(e.selected.as_deref(), Some("a"));
    // Once bound, the whole GPU takes device 1 and a share can no longer use it.
    let p = tw.place(one, a);
    let held = tw.world.gpus.assignment(p).unwrap();
    assert_eq!(held.mask, 0b10);
    assert_eq!(
        held.demand,
        GpuDemand {
            whole: 1,
            ..GpuDemand::default()
        }
    );
    let e = s.explain(&tw.world, big, "p", true);
    assert_eq!(e.selected, None);
}

/// One device per node: a holds a 300 share (700 free), b a 450 share (550 free). A 150
/// pod, with 500-milli shares as the target workload:
/// - BestFitScore: a leaves 550, b leaves 400 → raw −550 / −400, normalised 0 / 100: b;
/// - FGDScore: a: fragment before 0 (700 ≥ 500), after 0 (550 ≥ 500): sigmoid(0)·100 = 50;
///   b: before 0, after 400 (400 < 500): int(100 / (1 + e^0.4)) = 40: a.
#[test]
fn best_fit_and_fgd_choices_by_hand() {
    let mut tw = gpu_world(&["a", "b"], 1);
    let t300 = share_tpl(&mut tw, 300);
    let t450 = share_tpl(&mut tw, 450);
    let t150 = share_tpl(&mut tw, 150);
    let cpu_only = tw.template("cpu", 1000, GI);
    let cpu_only = tw.add_template(cpu_only, &[]);
    tw.finish();
    tw.world.gpus.targets = vec![TargetPod {
        demand: GpuDemand {
            milli: 500,
            ..GpuDemand::default()
        },
        cpu: 0,
        freq: 1.0,
    }];
    let (a, b) = (tw.node_id("a"), tw.node_id("b"));
    tw.place(t300, a);
    tw.place(t450, b);

    let mut s = sched_with(&tw, gpu_profile("BestFitScore"));
    let e = s.explain(&tw.world, t150, "p", true);
    assert_eq!(raws(&e, "BestFitScore"), vec![-550, -400]);
    assert_eq!(norms(&e, "BestFitScore"), vec![0, 100]);
    assert_eq!(e.selected.as_deref(), Some("b"));

    let mut s = sched_with(&tw, gpu_profile("FGDScore"));
    let e = s.explain(&tw.world, t150, "p", true);
    assert_eq!(raws(&e, "FGDScore"), vec![50, 40]);
    assert_eq!(e.selected.as_deref(), Some("a"));

    // Pods without a GPU request are not scored by either plugin (PreScore Skip).
    let e = s.explain(&tw.world, cpu_only, "p", true);
    assert_eq!(raws(&e, "FGDScore"), vec![0, 0]);
}

#[test]
fn gpu_plugins_are_not_in_the_default_profile() {
    let p = Profile::default();
    assert!(p
        .score_weights
        .iter()
        .all(|(n, _)| n != "BestFitScore" && n != "FGDScore"));
    assert_eq!(p.score_weights.len(), 7);
}
