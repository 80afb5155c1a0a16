//! Integration tests of `clustersim report` on synthetic results directories that carry the
//! columns and files later versions of the recorder add (pressure, evictions, faults,
//! cascades), up to a week of 7,000 nodes.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

mod common;
use common::report::{check_output, fails_2, figure, verdict};
use common::{ok, s};

// ---------------------------------------------------------------------------------------------
// Synthetic results directories with the columns and files later recorder versions add.

struct Synth {
    nodes: usize,
    minutes: usize,
    node_sample_minutes: usize,
    /// Workloads besides the five named ones (always fully available).
    extra_workloads: usize,
    /// Pods the zone outage displaces in the causality log (0: a small chain like the others).
    zone_pods: usize,
}

const ZONES: [&str; 3] = ["a", "b", "c"];

fn node_meta(i: usize, n: usize) -> (String, &'static str, &'static str) {
    let pool = if i < n * 7 / 10 {
        "general"
    } else if i < n * 95 / 100 {
        "memory"
    } else {
        "gpu"
    };
    (format!("{pool}-{i}"), ZONES[i % 3], pool)
}

/// Writes a complete synthetic results directory; returns the expected totals
/// (evictions, OOM kills).
fn synth(dir: &Path, p: &Synth) -> (f64, f64) {
    fs::create_dir_all(dir).unwrap();
    let n = p.nodes as f64;
    let end_s = p.minutes as f64 * 60.0;
    // Faults: a zone outage at 25 % of the run for 1/20 of it, and a node loss at 60 %.
    let f1 = (end_s * 0.25).round();
    let f1_end = f1 + (end_s / 20.0).round();
    let f2 = (end_s * 0.6).round();
    fs::write(
        dir.join("faults.csv"),
        format!("start_s,end_s,kind,target\n{f1},{f1_end},zone,b\n{f2},,node,general-3\n"),
    )
    .unwrap();
    let mut ts = BufWriter::new(fs::File::create(dir.join("timeseries.csv")).unwrap());
    let mut h = String::from(
        "time_s,nodes_ready,pods_pending,pods_unschedulable,pods_ready,pods_succeeded,\
         cpu_requested_m,cpu_allocatable_m,cpu_used_m,mem_requested_bytes,mem_allocatable_bytes,mem_used_bytes",
    );
    for z in ZONES {
        for c in [
            "cpu_requested_m",
            "cpu_allocatable_m",
            "cpu_used_m",
            "mem_requested_bytes",
            "mem_allocatable_bytes",
            "mem_used_bytes",
        ] {
            let _ = write!(h, ",{c}_zone_{z}");
        }
    }
    h.push_str(
        ",nodes_over_80pct_requested,nodes_over_90pct_requested,nodes_memory_pressure,\
         sched_attempts,sched_failures,preemptions,evictions,oom_kills,\
         evictions_cause_memory_pressure,evictions_cause_node_failure,oom_kills_limit,oom_kills_node,\
         node_mem_usage_p50,node_mem_usage_p90,node_mem_usage_p99,node_mem_usage_max,\
         node_cpu_usage_p50,node_cpu_usage_p90,node_cpu_usage_p99,node_cpu_usage_max,\
         nodes_not_ready,nodes_unknown,nodes_cordoned,pods_displaced",
    );
    writeln!(ts, "{h}").unwrap();
    let (mut ev_total, mut oom_total) = (0.0, 0.0);
    for m in 1..=p.minutes {
        let t = m as f64 * 60.0;
        let day = (t / 86_400.0 * std::f64::consts::TAU).sin();
        let in_f1 = t > f1 && t <= f1_end + 300.0;
        let ready = if in_f1 { n * 2.0 / 3.0 } else { n };
        let pending = if in_f1 {
            40.0
        } else if t > f2 && t < f2 + 600.0 {
            5.0
        } else {
            0.0
        };
        let alloc_cpu = ready * 30_000.0;
        let alloc_mem = ready * 120.0 * 1024f64.powi(3);
        let req = 0.55 + 0.1 * day;
        let used = req * 0.85 + 0.08 * (m % 17) as f64 / 17.0;
        let pressure = ((used - 0.5).max(0.0) * n * 0.2).round();
        let ev_mp = (pressure / 10.0).round();
        let ev_nf = if in_f1 && t < f1 + 120.0 { 50.0 } else { 0.0 };
        let oom = (m % 97 == 0) as u8 as f64;
        ev_total += ev_mp + ev_nf;
        oom_total += oom;
        let mut row = format!(
            "{t:.3},{ready},{pending},{},{},{},{},{alloc_cpu},{},{},{alloc_mem},{}",
            pending / 2.0,
            ready * 20.0 * (1.0 + 0.2 * day),
            m * 3,
            alloc_cpu * req,
            alloc_cpu * used,
            alloc_mem * req,
            alloc_mem * used,
        );
        for (zi, _) in ZONES.iter().enumerate() {
            let share = if zi == 1 && in_f1 { 0.0 } else { 1.0 / 3.0 };
            let skew = 1.0 + 0.05 * zi as f64;
            let zc = n * 30_000.0 / 3.0;
            let zm = n * 120.0 * 1024f64.powi(3) / 3.0;
            let _ = write!(
                row,
                ",{},{},{},{},{},{}",
                alloc_cpu * req / 3.0 * skew,
                zc * share * 3.0,
                alloc_cpu * used / 3.0 * skew,
                alloc_mem * req / 3.0 * skew,
                zm * share * 3.0,
                alloc_mem * used / 3.0 * skew
            );
        }
        let _ = write!(
            row,
            ",{},{},{pressure},{},{},{},{},{oom},{ev_mp},{ev_nf},{oom},0",
            (n * req * 0.3).round(),
            (n * req * 0.1).round(),
            200 + m % 50,
            if in_f1 { 30 } else { 0 },
            if in_f1 { 3 } else { 0 },
            ev_mp + ev_nf,
        );
        for k in [0.6, 0.8, 0.9, 1.0] {
            let _ = write!(row, ",{:.4}", used * k / 0.7);
        }
        for k in [0.5, 0.7, 0.85, 0.95] {
            let _ = write!(row, ",{:.4}", used * k / 0.7);
        }
        let _ = write!(
            row,
            ",{},{},{},{}",
            if in_f1 { (n / 3.0).round() } else { 0.0 },
            if t > f2 { 1 } else { 0 },
            if in_f1 { 2 } else { 0 },
            if in_f1 && t < f1 + 120.0 { 400 } else { 0 }
        );
        writeln!(ts, "{row}").unwrap();
    }
    ts.flush().unwrap();

    let mut nodes =
        String::from("node,zone,pool,peak_cpu_usage_fraction,peak_mem_usage_fraction\n");
    for i in 0..p.nodes {
        let (name, zone, pool) = node_meta(i, p.nodes);
        let _ = writeln!(
            nodes,
            "{name},{zone},{pool},{:.3},{:.3}",
            0.3 + 0.6 * ((i * 37) % 100) as f64 / 100.0,
            0.2 + 0.85 * ((i * 53) % 100) as f64 / 100.0
        );
    }
    fs::write(dir.join("nodes.csv"), nodes).unwrap();

    let mut ns = BufWriter::new(fs::File::create(dir.join("node_samples.csv")).unwrap());
    writeln!(ns, "time_s,node,mem_usage_fraction,memory_pressure,ready").unwrap();
    let mut m = p.node_sample_minutes;
    while m <= p.minutes {
        let t = m as f64 * 60.0;
        let day = (t / 86_400.0 * std::f64::consts::TAU).sin();
        for i in 0..p.nodes {
            let (name, zone, _) = node_meta(i, p.nodes);
            let u = (0.35 + 0.25 * day + 0.5 * ((i * 31 + m) % 100) as f64 / 100.0).min(1.1);
            let ready = !(zone == "b" && t > f1 && t <= f1_end);
            writeln!(
                ns,
                "{t},{name},{u:.3},{},{}",
                u8::from(u > 0.95 && ready),
                u8::from(ready)
            )
            .unwrap();
        }
        m += p.node_sample_minutes;
    }
    ns.flush().unwrap();

    // As `metrics::cascade` writes it: two fault roots (recovered after 1500 s and 700 s), the
    // rest overload failures, one of them never recovered.
    let mut cascades = String::from(
        "root_id,root_kind,root_target,root_time_s,nodes_failed,pods_evicted,pods_oom_killed,\
         pods_displaced,pods_rescheduled,effects,depth,time_to_recovery_s\n",
    );
    // The zone outage's tree when it is big: a third of the nodes NotReady, their pods displaced
    // and rescheduled, one in 50 rescheduled pods evicting another, which is rescheduled.
    let mut zone_tree: Vec<String> = Vec::new();
    let mut next_id = 1000u64;
    if p.zone_pods > 0 {
        let zone_nodes = (p.nodes / 3).max(1);
        for z in 0..zone_nodes {
            let node = next_id;
            next_id += 1;
            zone_tree.push(format!("{node},1,1,node_not_ready,b-{z},{:.3}", 40.0));
            for k in 0..p.zone_pods / zone_nodes {
                let pod = next_id;
                let t = 41.0 + k as f64;
                zone_tree.push(format!("{pod},{node},1,pod_displaced,pod-{pod},{t:.3}"));
                next_id += 1;
                if k % 10 != 0 {
                    let r = next_id;
                    next_id += 1;
                    zone_tree.push(format!(
                        "{r},{pod},1,pod_rescheduled,pod-{r},{:.3}",
                        t + 30.0
                    ));
                    if k % 50 == 1 {
                        let e = next_id;
                        next_id += 2;
                        zone_tree.push(format!("{e},{r},1,eviction,pod-{e},{:.3}", t + 90.0));
                        zone_tree.push(format!(
                            "{},{e},1,pod_rescheduled,pod-{e},{:.3}",
                            e + 1,
                            t + 120.0
                        ));
                    }
                }
            }
        }
    }
    for c in 0..12usize {
        let (kind, target, rec) = match c {
            0 => ("fault", "zone-b-outage", "1500.000".to_string()),
            5 => ("fault", "node-loss", "700.000".to_string()),
            7 => ("overload_failure", "general-7", "not recovered".to_string()),
            _ => (
                "overload_failure",
                "general-1",
                format!("{}.000", 120 + c * 60),
            ),
        };
        let _ = writeln!(
            cascades,
            "{},{kind},{target},{:.3},{},{},{},{},{},{},{},{rec}",
            c + 1,
            end_s * c as f64 / 12.0,
            c % 3,
            c * 2,
            c % 2,
            c * c,
            c * c,
            if c == 0 && !zone_tree.is_empty() {
                zone_tree.len()
            } else {
                3 + c * c
            },
            if c == 0 && !zone_tree.is_empty() {
                5
            } else {
                1 + c % 5
            }
        );
    }
    fs::write(dir.join("cascades.csv"), cascades).unwrap();

    // The causality log of those cascades: `3 + c²` effects each, a chain `1 + c % 5` deep,
    // the kinds by level.
    let kinds = [
        "node_not_ready",
        "pod_displaced",
        "pod_rescheduled",
        "eviction",
        "oom_kill",
    ];
    let mut effects = String::from("id,parent,root,kind,target,time_s\n");
    for c in 0..12usize {
        let root = c as u64 + 1;
        let t0 = end_s * c as f64 / 12.0;
        let kind = if c == 0 || c == 5 {
            "fault"
        } else {
            "overload_failure"
        };
        let _ = writeln!(effects, "{root},,{root},{kind},root-{c},{t0:.3}");
        if c == 0 && !zone_tree.is_empty() {
            for row in &zone_tree {
                let _ = writeln!(effects, "{row}");
            }
            continue;
        }
        let depth = 1 + c % 5;
        let mut chain = vec![root];
        for k in 0..3 + c * c {
            let level = if k < depth { k + 1 } else { 1 + k % depth };
            let parent = chain[level - 1];
            let id = next_id;
            next_id += 1;
            let _ = writeln!(
                effects,
                "{id},{parent},{root},{},pod-{id},{:.3}",
                kinds[level - 1],
                t0 + 10.0 * (k + 1) as f64
            );
            if k < depth {
                chain.push(id);
            }
        }
    }
    fs::write(dir.join("effects.csv"), effects).unwrap();

    let mut wl = String::from(
        "workload,kind,desired,availability,min_availability,minutes_below_desired,\
         cpu_requested_m,cpu_used_m,mem_requested_bytes,mem_used_bytes\n",
    );
    let mut names: Vec<String> = ["frontend", "api", "cache", "batch", "inference"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.extend((0..p.extra_workloads).map(|i| format!("svc-{i}")));
    for (i, w) in names.iter().enumerate() {
        let _ = writeln!(
            wl,
            "{w},Deployment,100,{},{},{},{},{},{},{}",
            [0.9999, 0.998, 1.0, 0.97, 0.9995].get(i).unwrap_or(&1.0),
            [0.99, 0.9, 1.0, 0.6, 0.98].get(i).unwrap_or(&1.0),
            [3, 12, 0, 40, 5].get(i).unwrap_or(&0),
            (i + 1) * 100_000,
            (i + 1) * 60_000,
            (i + 1) * 400 * (1 << 30),
            (i + 1) * 250 * (1 << 30)
        );
    }
    fs::write(dir.join("workloads.csv"), wl).unwrap();
    // One HorizontalPodAutoscaler following a ramp (hpa.csv).
    let mut hpa = String::from("time_s,hpa,target,desired_replicas,current_replicas,ready_replicas,cpu_utilization_pct,cpu_target_pct,memory_utilization_pct,memory_target_pct\n");
    for m in 1..=p.minutes {
        let d = 3 + (m * 10 / p.minutes.max(1));
        hpa.push_str(&format!("{},web,web,{d},{d},{},65,70,,\n", m * 60, d - 1));
    }
    fs::write(dir.join("hpa.csv"), hpa).unwrap();
    // Ready / desired per sample: batch loses 40 % in the zone outage, api 10 % after the node
    // loss; the others stay at desired.
    let mut wa = BufWriter::new(fs::File::create(dir.join("workload_availability.csv")).unwrap());
    writeln!(wa, "time_s,workload,desired,ready").unwrap();
    for m in 1..=p.minutes {
        let t = m as f64 * 60.0;
        for (i, w) in names.iter().enumerate() {
            let ready = match i {
                3 if t > f1 && t <= f1_end => 60,
                1 if t > f2 && t <= f2 + 1200.0 => 90,
                _ => 100,
            };
            writeln!(wa, "{t:.3},{w},100,{ready}").unwrap();
        }
    }
    wa.flush().unwrap();
    let workloads: Vec<Value> = names
        .iter()
        .map(|w| {
            serde_json::json!({"name": w, "kind": "Deployment", "desired": 100, "created": 110,
                "runningAtEnd": 98, "pendingAtEnd": 2, "succeeded": 0, "failed": 0, "deleted": 10})
        })
        .collect();
    let summary = serde_json::json!({
        "scenario": "synthetic", "seed": 1, "simulatedDurationS": end_s,
        "podsCreated": 550, "podsUnschedulableAtEnd": 0, "schedulingFailures": 12,
        "podsPreempted": 3, "podsFailed": 0, "workloads": workloads,
        // As the recorder writes them: the totals and the resilience section the figures read.
        "evictions": ev_total, "oomKills": oom_total,
        "resilience": {"cascades": 12, "maxCascadeDepth": 5, "worstWorkload": "batch",
            "worstAvailability": 0.97},
    });
    fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&summary).unwrap(),
    )
    .unwrap();
    fs::write(
        dir.join("slo.json"),
        r#"{"maxPendingAfter": {"fault": "15m", "pods": 0}, "maxEvictions": 1,
            "maxOomKills": 1000000, "maxCascadeDepth": 5, "minWorkloadAvailability": 0.99,
            "maxTimeToRecover": "1d"}"#,
    )
    .unwrap();
    (ev_total, oom_total)
}

#[test]
fn later_columns_and_files_render_every_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("CLUSTERSIM_SYNTH_KEEP").map(PathBuf::from);
    let dir = keep
        .unwrap_or_else(|| tmp.path().to_path_buf())
        .join("synthetic-1");
    let (ev, oom) = synth(
        &dir,
        &Synth {
            nodes: 60,
            minutes: 6 * 60,
            node_sample_minutes: 5,
            extra_workloads: 0,
            zone_pods: 0,
        },
    );
    ok(&["report", s(&dir), "--quiet"]);
    let j = check_output(&dir, "report");
    assert_eq!(
        j["notAvailable"].as_array().unwrap().len(),
        0,
        "{}",
        j["notAvailable"]
    );
    assert_eq!(j["charts"].as_array().unwrap().len(), 15);
    assert_eq!(j["fleetSize"], 60.0);
    assert_eq!(figure(&j, "evictions")["value"], ev);
    assert_eq!(figure(&j, "oomKills")["value"], oom);
    assert_eq!(figure(&j, "cascades")["value"], 12.0);
    assert_eq!(figure(&j, "worstCascadeDepth")["value"], 5.0);
    assert_eq!(figure(&j, "worstAvailability")["value"], 0.97);
    assert_eq!(
        figure(&j, "worstAvailability")["note"],
        "batch (min 60 %, 40m below desired)"
    );
    // The largest cascade (root 12: 3 + 11² effects) is the one the tree shows.
    assert_eq!(
        figure(&j, "cascades")["note"],
        "largest: 124 effects (overload_failure general-1)"
    );
    assert_eq!(figure(&j, "peakPending")["value"], 40.0);
    // Time to recover is the worst recovery of the fault-rooted cascades.
    assert_eq!(figure(&j, "timeToRecover")["value"], 1500.0);
    assert_eq!(figure(&j, "timeToRecover")["note"], "2 fault cascade(s)");
    // Pending is 40 until 6780 s, so 15 minutes after the zone fault it is still 40.
    assert_eq!(figure(&j, "pendingAfter")["value"], 40.0);
    assert_eq!(verdict(&j, "maxPendingAfter"), "fail");
    assert_eq!(verdict(&j, "maxEvictions"), "fail");
    assert_eq!(verdict(&j, "maxOomKills"), "pass");
    assert_eq!(verdict(&j, "maxCascadeDepth"), "pass");
    assert_eq!(verdict(&j, "minWorkloadAvailability"), "fail");
    assert_eq!(verdict(&j, "maxTimeToRecover"), "pass");

    // Compare a synthetic run with itself: every delta is zero, the disruption overlay exists.
    let out = tmp.path().join("cmp");
    ok(&["compare", s(&dir), s(&dir), "--out", s(&out), "--quiet"]);
    let c = check_output(&out, "compare");
    for f in c["figures"].as_array().unwrap() {
        if !f["delta"].is_null() {
            assert_eq!(f["delta"], 0.0, "{f}");
        }
    }
    assert_eq!(c["charts"].as_array().unwrap().len(), 4);

    // Without the causality log the tree is listed as not available, the rest still renders.
    let effects = fs::read_to_string(dir.join("effects.csv")).unwrap();
    fs::remove_file(dir.join("effects.csv")).unwrap();
    ok(&["report", s(&dir), "--quiet"]);
    let j = check_output(&dir, "report");
    let missing: Vec<&str> = j["notAvailable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["cascade-tree"]);
    // A malformed id is an input error naming the file and the line.
    assert!(effects.contains("\n1000,1,1,"));
    fs::write(
        dir.join("effects.csv"),
        effects.replacen("\n1000,1,1,", "\n1000,1,x1,", 1),
    )
    .unwrap();
    fails_2(&["report", s(&dir)], "effects.csv");
}

/// A week at one-minute resolution on 7,000 nodes (10,080 samples; node samples every hour,
/// or every `CLUSTERSIM_SYNTH_NODE_SAMPLE_MIN` minutes) renders in seconds.
#[test]
fn a_week_of_7000_nodes_renders_in_seconds() {
    let tmp = tempfile::tempdir().unwrap();
    // CLUSTERSIM_SYNTH_KEEP=<dir> keeps the synthetic run and its report for inspection.
    let keep = std::env::var_os("CLUSTERSIM_SYNTH_KEEP").map(PathBuf::from);
    let dir = keep
        .unwrap_or_else(|| tmp.path().to_path_buf())
        .join("week-7000");
    let every = std::env::var("CLUSTERSIM_SYNTH_NODE_SAMPLE_MIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    synth(
        &dir,
        &Synth {
            nodes: 7000,
            minutes: 7 * 24 * 60,
            node_sample_minutes: every,
            extra_workloads: 300,
            zone_pods: 40_000,
        },
    );
    let started = Instant::now();
    ok(&["report", s(&dir), "--quiet"]);
    let secs = started.elapsed().as_secs_f64();
    let samples = fs::metadata(dir.join("node_samples.csv")).unwrap().len();
    eprintln!(
        "report of a week at 1-minute resolution, 7,000 nodes, node samples every {every} min \
         ({:.0} MB): {secs:.2}s",
        samples as f64 / 1e6
    );
    let j = check_output(&dir, "report");
    assert_eq!(j["charts"].as_array().unwrap().len(), 15);
    if !cfg!(debug_assertions) {
        assert!(secs < 30.0, "report took {secs:.1}s");
    }
}
