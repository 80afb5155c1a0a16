//! End-to-end tests of the scenario layer: a full scenario using every field, malformed
//! scenarios and their one-line messages, overrides and warnings.

use super::types::affinity::{NodeSelectorOperator, UnsatisfiableConstraintAction};
use super::types::cluster::TaintEffect;
use super::types::pod::{QosClass, TolerationOperator};
use super::types::scheduler::{PluginConfig, ScoringStrategyType};
use super::types::workload::{Arrivals, DurationDistribution, LogNormalSpread, WorkloadKind};
use super::*;

/// Every field of the format, as in `scenario-format.md` plus the upstream shapes it refers to.
const FULL: &str = r#"
name: zone-outage-7000
description: >
  Lose zone b at peak on a 7,000-node fleet.
simulation:
  duration: 24h
  seed: 42
  metricsInterval: 1m
scheduler:
  apiVersion: kubescheduler.config.k8s.io/v1
  kind: KubeSchedulerConfiguration
  percentageOfNodesToScore: 0
  podInitialBackoffSeconds: 1
  podMaxBackoffSeconds: 10
  profiles:
    - schedulerName: default-scheduler
      plugins:
        score:
          enabled: [{name: NodeResourcesFit, weight: 1}]
          disabled: [{name: ImageLocality}]
        multiPoint:
          disabled: [{name: "*"}]
      pluginConfig:
        - name: NodeResourcesFit
          args:
            scoringStrategy:
              type: LeastAllocated
              resources: [{name: cpu, weight: 1}, {name: memory, weight: 1}]
              requestedToCapacityRatio: {shape: [{utilization: 0, score: 10}, {utilization: 100, score: 0}]}
            ignoredResources: []
            ignoredResourceGroups: []
        - name: NodeResourcesBalancedAllocation
          args: {resources: [{name: cpu, weight: 1}, {name: memory, weight: 1}]}
        - name: PodTopologySpread
          args:
            defaultingType: List
            defaultConstraints:
              - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}
        - name: InterPodAffinity
          args: {hardPodAffinityWeight: 1}
        - name: DefaultPreemption
          args: {minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100}
    - schedulerName: bin-packer
      percentageOfNodesToScore: 50
      pluginConfig:
        - name: NodeResourcesFit
          args: {scoringStrategy: {type: MostAllocated}}
priorityClasses:
  - {name: critical, value: 100000}
  - {name: batch, value: 10, globalDefault: false, preemptionPolicy: Never, description: low}
cluster:
  zones: [a, b, c]
  nodePools:
    - name: general
      count: 6000
      zones: [a, b, c]
      racksPerZone: 20
      capacity: {cpu: "32", memory: 128Gi, pods: 110, ephemeral-storage: 500Gi}
      allocatable: {cpu: 31500m, memory: 124Gi}
      labels: {node.kubernetes.io/instance-type: m6i.8xlarge}
      taints: [{key: dedicated, value: gpu, effect: NoSchedule}]
      images: [{name: "registry.example/web:1.4", sizeBytes: 500000000}]
    - name: gpu
      count: 10
      capacity: {cpu: 64, memory: 512Gi, pods: 110, nvidia.com/gpu: 8, hugepages-2Mi: 1Gi}
      reserved: {cpu: 1, memory: 4Gi}
      images: [{name: "registry.example/train:2", size: 12Gi}]
  nodes:
    - {name: node1, zone: a, capacity: {cpu: "4", memory: 16Gi, pods: 110}}
    - name: node2
      zone: b
      rack: r7
      capacity: {cpu: 8, memory: 32Gi, pods: 110}
      allocatable: {cpu: 7.5}
      labels: {disk: ssd}
      taints: [{key: maintenance, effect: NoExecute}]
      unschedulable: true
workloads:
  - name: web
    kind: Deployment
    replicas: 3000
    priorityClassName: critical
    template:
      labels: {app: web}
      nodeSelector: {node.kubernetes.io/instance-type: m6i.8xlarge}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [a, b]}]
                matchFields: [{key: metadata.name, operator: NotIn, values: [node1]}]
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 10
              preference: {matchExpressions: [{key: cores, operator: Gt, values: ["16"]}]}
        podAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 5
              podAffinityTerm:
                labelSelector: {matchLabels: {app: cache}}
                topologyKey: topology.kubernetes.io/zone
                namespaces: [default]
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}
              topologyKey: kubernetes.io/hostname
      tolerations:
        - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}
        - {key: maintenance, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
        - {operator: Exists, effect: ""}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: DoNotSchedule
          labelSelector: {matchLabels: {app: web}}
          minDomains: 3
          nodeAffinityPolicy: Honor
          nodeTaintsPolicy: Ignore
          matchLabelKeys: [pod-template-hash]
      schedulerName: default-scheduler
      preemptionPolicy: PreemptLowerPriority
      initContainers:
        - {name: init, resources: {requests: {cpu: "2"}}}
        - {name: proxy, restartPolicy: Always, resources: {requests: {cpu: 100m, memory: 64Mi}}}
      overhead: {cpu: 50m}
      containers:
        - name: app
          image: registry.example/web:1.4
          resources:
            requests: {cpu: 500m, memory: 512Mi}
            limits: {memory: 1Gi}
  - name: db
    kind: StatefulSet
    namespace: data
    replicas: 3
    priority: 1000
    template:
      schedulerName: bin-packer
      containers: [{name: db, resources: {requests: {cpu: 2, memory: 8Gi}, limits: {cpu: 2, memory: 8Gi}}}]
  - name: agent
    kind: DaemonSet
    template:
      priorityClassName: system-node-critical
      containers: [{name: agent, resources: {requests: {cpu: 10m, memory: 20Mi}}}]
  - name: batch
    kind: Job
    priorityClassName: batch
    arrivals: {process: poisson, rate: 20/s, until: 1h}
    duration: {distribution: uniform, min: 60s, max: 900s}
    template: {containers: [{name: main, resources: {requests: {cpu: "1", memory: 4000Mi}}}]}
  - name: train
    kind: Job
    arrivals: {at: [0s, 10m]}
    duration: {distribution: lognormal, median: 2h, p99: 10h}
    template:
      containers: [{name: t, resources: {requests: {nvidia.com/gpu: 8}, limits: {nvidia.com/gpu: 8}}}]
  - name: cron
    kind: Job
    arrivals: {count: 24, interval: 1h, start: 30m}
    duration: 5m
    template: {containers: [{name: c, resources: {requests: {cpu: 1}}}]}
  - name: pinned
    kind: Pod
    nodeName: node1
    template: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
  - name: pool-pinned
    kind: Pod
    nodeName: general-5999
    template: {containers: [{name: c, image: busybox}]}
"#;

#[test]
fn full_scenario_parses() {
    let s = parse_scenario(FULL, "full.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "zone-outage-7000");
    assert_eq!(
        s.description.as_deref(),
        Some("Lose zone b at peak on a 7,000-node fleet.\n")
    );
    assert_eq!(s.simulation.duration.as_millis(), 86_400_000);
    assert_eq!(s.simulation.seed, 42);
    assert_eq!(s.scheduler.profiles.len(), 2);
    let PluginConfig::NodeResourcesFit(fit) = &s.scheduler.profiles[0].plugin_config[0] else {
        panic!("expected NodeResourcesFit args");
    };
    let strategy = fit.scoring_strategy.as_ref().unwrap();
    assert_eq!(
        strategy.strategy_type,
        Some(ScoringStrategyType::LeastAllocated)
    );
    assert_eq!(
        strategy.requested_to_capacity_ratio.as_ref().unwrap().shape[1].utilization,
        100
    );

    let general = &s.cluster.node_pools[0];
    assert_eq!(general.count, 6000);
    assert_eq!(general.capacity["cpu"].milli_value(), 32_000);
    assert_eq!(general.effective_allocatable()["cpu"].milli_value(), 31_500);
    assert_eq!(general.effective_allocatable()["pods"].value(), 110);
    assert_eq!(general.taints[0].effect, TaintEffect::NoSchedule);
    assert_eq!(general.images[0].bytes(), 500_000_000);
    let gpu = &s.cluster.node_pools[1];
    assert_eq!(gpu.effective_allocatable()["memory"].value(), 508 << 30);
    assert_eq!(gpu.images[0].bytes(), 12 << 30);
    assert_eq!(s.cluster.node_count(), 6012);
    assert!(s.cluster.nodes[1].unschedulable);

    let web = &s.workloads[0];
    assert_eq!(
        (web.kind, web.replicas, web.namespace.as_str()),
        (WorkloadKind::Deployment, Some(3000), "default")
    );
    assert_eq!(web.priority_class_name(), Some("critical"));
    let affinity = web.template.affinity.as_ref().unwrap();
    let required = affinity
        .node_affinity
        .as_ref()
        .unwrap()
        .required_during_scheduling_ignored_during_execution
        .as_ref();
    assert_eq!(
        required.unwrap().node_selector_terms[0].match_expressions[0].operator,
        NodeSelectorOperator::In
    );
    assert_eq!(
        web.template.tolerations[2].operator,
        TolerationOperator::Exists
    );
    assert_eq!(web.template.tolerations[2].effect, None);
    assert_eq!(
        web.template.topology_spread_constraints[0].when_unsatisfiable,
        UnsatisfiableConstraintAction::DoNotSchedule
    );
    // max(500m app + 100m sidecar, 2 for the init container that runs before the sidecar)
    // + 50m overhead
    assert_eq!(web.template.effective_requests()["cpu"].milli_value(), 2050);
    assert_eq!(web.template.qos_class(), QosClass::Burstable);
    assert_eq!(s.workloads[1].template.qos_class(), QosClass::Guaranteed);

    assert!(
        matches!(s.workloads[3].arrivals, Some(Arrivals::Poisson { rate, .. }) if rate.as_per_second() == 20.0)
    );
    assert_eq!(
        s.workloads[3].duration,
        Some(DurationDistribution::Uniform {
            min: DurationMs::from_secs(60),
            max: DurationMs::from_secs(900)
        })
    );
    assert!(matches!(
        s.workloads[4].duration,
        Some(DurationDistribution::LogNormal { spread: LogNormalSpread::P99(p99), .. }) if p99 == DurationMs::from_secs(36_000)
    ));
    assert!(matches!(
        s.workloads[5].arrivals,
        Some(Arrivals::Periodic { count: 24, .. })
    ));
    assert_eq!(
        s.workloads[5].duration,
        Some(DurationDistribution::Constant {
            value: DurationMs::from_secs(300)
        })
    );
    assert_eq!(s.workloads[6].node_name.as_deref(), Some("node1"));
}

#[test]
fn full_scenario_warnings() {
    let s = parse_scenario(FULL, "full.yaml").unwrap();
    let notes = warnings(&s);
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert!(
        notes[0].starts_with("workloads[4]: \"train\" has no cpu or memory"),
        "{notes:?}"
    );
    assert!(
        notes[1].starts_with("workloads[7]: \"pool-pinned\" has no cpu or memory"),
        "{notes:?}"
    );
}

/// A small valid scenario that the malformed cases below break one field at a time.
const BASE: &str = r#"name: base
simulation: {duration: 1h}
priorityClasses: [{name: high, value: 1000}]
cluster:
  zones: [a, b]
  nodePools:
    - name: pool
      count: 4
      capacity: {cpu: 8, memory: 32Gi, pods: 110}
  nodes:
    - {name: solo, zone: a, capacity: {cpu: 4, memory: 16Gi, pods: 110}}
workloads:
  - name: web
    kind: Deployment
    replicas: 3
    template:
      labels: {app: web}
      containers:
        - name: app
          resources:
            requests: {cpu: 500m, memory: 1Gi}
            limits: {memory: 2Gi}
  - name: batch
    kind: Job
    duration: 5m
    template: {containers: [{name: main, resources: {requests: {cpu: 1}}}]}
"#;

/// Replaces `from` (which must occur) in [`BASE`].
fn base_with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE does not contain {from:?}");
    BASE.replacen(from, to, 1)
}

fn error_of(text: &str) -> String {
    match parse_scenario(text, "broken.yaml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn base_is_valid() {
    let s = parse_scenario(BASE, "base.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert!(warnings(&s).is_empty());
}

#[test]
fn malformed_scenarios_name_file_and_path() {
    let cases: &[(String, &str, &str)] = &[
        (base_with("limits: {memory: 2Gi}", "limits: {memory: 2Gx}"), "workloads[0].template.containers[0].resources.limits.memory", "invalid quantity"),
        (base_with("limits: {memory: 2Gi}", "limits: {memory: 512Mi}"), "workloads[0].template.containers[0].resources.requests.memory", "greater than limit"),
        (base_with("requests: {cpu: 500m,", "requests: {cpu: -1,"), "workloads[0].template.containers[0].resources.requests.cpu", "negative"),
        (base_with("replicas: 3", "replicas: -3"), "workloads[0].replicas", "negative"),
        (base_with("replicas: 3", "replicas: 30000000"), "workloads[0].replicas", "more than the supported"),
        (base_with("    replicas: 3\n", ""), "workloads[0].replicas", "needs replicas"),
        (base_with("kind: Deployment", "kind: DaemonSet"), "workloads[0].replicas", "DaemonSet"),
        (base_with("kind: Deployment", "kind: Deploy"), "workloads[0].kind", "unknown variant"),
        (base_with("name: batch", "name: web"), "workloads[1].name", "duplicate workload"),
        (base_with("count: 4", "count: 4\n      zones: [c]"), "cluster.nodePools[0].zones[0]", "not in cluster.zones"),
        (base_with("zone: a", "zone: z"), "cluster.nodes[0].zone", "not in cluster.zones"),
        (base_with("name: solo", "name: pool-2"), "cluster.nodes[0].name", "node pool"),
        (base_with("labels: {app: web}", "labels: {app: web}\n      priorityClassName: low"), "workloads[0].template.priorityClassName", "unknown priority class"),
        (base_with("count: 4", "count: 4\n      taints: [{key: k, effect: NoSchedul}]"), "cluster.nodePools[0].taints[0].effect", "unknown variant"),
        (base_with("labels: {app: web}", "labels: {app: web}\n      tolerations: [{key: k, operator: Equals}]"), "workloads[0].template.tolerations[0].operator", "unknown variant"),
        (base_with("labels: {app: web}", "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: k, operator: Near}]}]}}}"), "workloads[0].template.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator", "unknown variant"),
        (base_with("capacity: {cpu: 8,", "allocatable: {cpu: 9}\n      capacity: {cpu: 8,"), "cluster.nodePools[0].allocatable.cpu", "larger than capacity"),
        (base_with("capacity: {cpu: 8,", "allocatable: {cpu: 7}\n      reserved: {cpu: 1}\n      capacity: {cpu: 8,"), "cluster.nodePools[0].reserved", "not both"),
        (base_with("kind: Job\n    duration: 5m", "kind: Pod\n    nodeName: pool-4"), "workloads[1].nodeName", "no node named \"pool-4\""),
        (base_with("duration: 1h", "duration: 0s"), "simulation.duration", "positive"),
        (base_with("duration: 1h", "duration: 1h, metricsInterval: 2h"), "simulation.metricsInterval", "longer than"),
        (base_with("duration: 1h", "duration: 1h, nodeSampleInterval: 2h"), "simulation.nodeSampleInterval", "longer than"),
        (base_with("duration: 1h", "duration: 1h, nodeSampleInterval: -5m"), "simulation.nodeSampleInterval", "negative"),
        (base_with("duration: 1h", "duration: -1h"), "simulation.duration", "negative"),
        (base_with("labels: {app: web}", "labels: {app: web}\n      schedulerName: custom"), "workloads[0].template.schedulerName", "no scheduler profile"),
        (base_with("labels: {app: web}", "labels: {\"-bad\": web}"), "workloads[0].template.labels.-bad", "qualified name"),
        (base_with("      containers:\n        - name: app\n          resources:\n            requests: {cpu: 500m, memory: 1Gi}\n            limits: {memory: 2Gi}\n", "      containers: []\n"), "workloads[0].template.containers", "at least one container"),
        (base_with("    duration: 5m\n", ""), "workloads[1].duration", "needs a duration"),
        (base_with("duration: 5m", "duration: {distribution: uniform, min: 5m, max: 1m}"), "workloads[1].duration", "greater than `max`"),
        (base_with("duration: 5m", "duration: 5m\n    arrivals: {rate: 0/s}"), "workloads[1].arrivals.rate", "positive"),
        (base_with("name: high, value: 1000", "name: high, value: 1000}, {name: high, value: 5"), "priorityClasses[1].name", "duplicate priority class"),
        (base_with("simulation:", "scheduler: {profiles: [{pluginConfig: [{name: NodeResourceFit, args: {}}]}]}\nsimulation:"), "scheduler.profiles[0].pluginConfig[0].name", "unknown variant"),
        (base_with("simulation:", "scheduler: {profiles: [{pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {type: Fancy}}}]}]}\nsimulation:"), "scheduler.profiles[0].pluginConfig[0].args.scoringStrategy.type", "unknown variant"),
        (base_with("simulation:", "scheduler: {profiles: [{pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {resources: [{name: cpu, weight: 200}]}}}]}]}\nsimulation:"), "scheduler.profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight", "1..=100"),
        (base_with("memory: 1Gi}", "memory: 1Gi, nvidia.com/gpu: 0.5}"), "workloads[0].template.containers[0].resources.requests[nvidia.com/gpu]", "whole numbers"),
        (base_with("name: base", "name: base\nunknownTopLevel: 1"), "unknownTopLevel", "unknown field"),
        (base_with("  - name: web", "  - name: web\n    replica: 3"), "workloads[0].replica", "unknown field"),
    ];
    assert!(cases.len() >= 15);
    for (text, path, fragment) in cases {
        let message = error_of(text);
        assert!(!message.contains('\n'), "multi-line message: {message}");
        let prefix = format!("broken.yaml: {path}: ");
        assert!(
            message.starts_with(&prefix),
            "expected prefix {prefix:?} in {message:?}"
        );
        assert!(
            message.contains(fragment),
            "expected {fragment:?} in {message:?}"
        );
        assert!(
            message.contains("(line "),
            "expected a position in {message:?}"
        );
    }
}

#[test]
fn syntax_errors_are_one_line_with_position() {
    for text in [
        "name: [unclosed\n",
        "name: a\nname: b\n",
        "a:\n  - b\n c: d\n",
        "\t- tab",
    ] {
        let message = error_of(text);
        assert!(message.starts_with("broken.yaml: "), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
    assert!(error_of("").starts_with("broken.yaml: "));
}

#[test]
fn all_validation_problems_are_reported() {
    let text = base_with("replicas: 3", "replicas: 3\n    nodeName: solo")
        .replacen("zone: a", "zone: q", 1);
    let err = parse_scenario(&text, "broken.yaml").unwrap_err();
    let paths: Vec<&str> = err.diagnostics().iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["cluster.nodes[0].zone", "workloads[0].nodeName"]);
    // Every problem on its own line, with file, field path and line.
    let lines: Vec<String> = err.to_string().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("broken.yaml: cluster.nodes[0].zone: ") && lines[0].contains("(line "),
        "{err}"
    );
    assert!(
        lines[1].starts_with("broken.yaml: workloads[0].nodeName: ") && lines[1].contains("(line "),
        "{err}"
    );
}

#[test]
fn overrides_edit_before_typing() {
    let set =
        |items: &[&str]| -> Vec<Override> { items.iter().map(|s| s.parse().unwrap()).collect() };
    let s = parse_scenario_with_overrides(
        BASE,
        "base.yaml",
        &set(&[
            "simulation.duration=2h",
            "workloads[web].replicas=7",
            "workloads[1].template.containers[0].resources.requests.cpu=2",
            "cluster.nodePools[pool].count=9",
            "simulation.seed=5",
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.simulation.duration, DurationMs::from_secs(7200));
    assert_eq!(s.simulation.seed, 5);
    assert_eq!(s.workloads[0].replicas, Some(7));
    assert_eq!(
        s.workloads[1].template.containers[0].resources.requests["cpu"].value(),
        2
    );
    assert_eq!(s.cluster.node_pools[0].count, 9);

    let err =
        parse_scenario_with_overrides(BASE, "base.yaml", &set(&["workloads[api].replicas=1"]))
            .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("base.yaml: workloads[api].replicas: --set"),
        "{err}"
    );
    let err = parse_scenario_with_overrides(BASE, "base.yaml", &set(&["simulation.durration=1h"]))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("base.yaml: simulation.durration: unknown field"),
        "{err}"
    );
    let err =
        parse_scenario_with_overrides(BASE, "base.yaml", &set(&["workloads[web].replicas=-1"]))
            .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("base.yaml: workloads[0].replicas: must not be negative"),
        "{err}"
    );
}

#[test]
fn load_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yaml");
    let err = load_scenario(&missing).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read scenario file", missing.display())),
        "{err}"
    );
    let present = dir.path().join("base.yaml");
    std::fs::write(&present, BASE).unwrap();
    assert_eq!(load_scenario(&present).unwrap().name, "base");
    std::fs::write(&present, base_with("replicas: 3", "replicas: x")).unwrap();
    let err = load_scenario(&present).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: workloads[0].replicas: ", present.display())),
        "{err}"
    );
}

#[test]
fn warns_about_unschedulable_and_fractional_bytes() {
    let text = base_with(
        "requests: {cpu: 500m, memory: 1Gi}",
        "requests: {cpu: 64, memory: 400m}",
    );
    let s = parse_scenario(&text, "w.yaml").unwrap();
    let notes = warnings(&s);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("workloads[0]: \"web\" requests cpu=64")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n
            .starts_with("workloads[0].template.containers[0].resources.requests.memory: 400m")),
        "{notes:?}"
    );
}

/// Job failure handling fields (`restartPolicy`, `backoffLimit`, `podFailureBackoff`): Job only,
/// and a Job's restartPolicy is OnFailure or Never (upstream `pkg/apis/batch/validation`
/// rejects Always for Jobs).
#[test]
fn job_failure_fields_are_validated() {
    let job = "kind: Job\n    duration: 5m";
    let ok = base_with(
        job,
        &format!("{job}\n    restartPolicy: Never\n    backoffLimit: 0\n    podFailureBackoff: {{initial: 1s, max: 1m}}"),
    );
    let s = parse_scenario(&ok, "ok.yaml").unwrap_or_else(|e| panic!("{e}"));
    let w = &s.workloads[1];
    assert_eq!(w.backoff_limit, Some(0));
    assert_eq!(
        w.restart_policy,
        Some(crate::scenario::types::workload::RestartPolicy::Never)
    );
    let cases: &[(String, &str, &str)] = &[
        (
            base_with(job, &format!("{job}\n    restartPolicy: Always")),
            "workloads[1].restartPolicy",
            "OnFailure or Never",
        ),
        (
            base_with(job, &format!("{job}\n    restartPolicy: Sometimes")),
            "workloads[1].restartPolicy",
            "unknown variant",
        ),
        (
            base_with(job, &format!("{job}\n    backoffLimit: -1")),
            "workloads[1].backoffLimit",
            "negative",
        ),
        (
            base_with(
                job,
                &format!("{job}\n    podFailureBackoff: {{initial: 0s}}"),
            ),
            "workloads[1].podFailureBackoff.initial",
            "positive",
        ),
        (
            base_with(
                job,
                &format!("{job}\n    podFailureBackoff: {{initial: 1m, max: 10s}}"),
            ),
            "workloads[1].podFailureBackoff.max",
            "shorter than initial",
        ),
        (
            base_with("replicas: 3", "replicas: 3\n    backoffLimit: 2"),
            "workloads[0].backoffLimit",
            "only a Job",
        ),
        (
            base_with("replicas: 3", "replicas: 3\n    restartPolicy: Never"),
            "workloads[0].restartPolicy",
            "only a Job",
        ),
    ];
    for (text, path, fragment) in cases {
        let message = error_of(text);
        assert!(!message.contains('\n'), "multi-line message: {message}");
        assert!(
            message.starts_with(&format!("broken.yaml: {path}: ")),
            "expected {path} in {message:?}"
        );
        assert!(
            message.contains(fragment),
            "expected {fragment:?} in {message:?}"
        );
    }
}

/// Probes on a workload that no service is backed by are not simulated: the warning names the
/// container by its field path and says why (it used to say "only on the first container" of
/// the first container, under a garbled path `workloads[0][template.containers][0]`).
#[test]
fn probes_without_a_service_are_a_warning_naming_the_container() {
    let text = base_with(
        "        - name: app\n",
        "        - name: app\n          livenessProbe: {periodSeconds: 10}\n",
    );
    let s = parse_scenario(&text, "base.yaml").unwrap_or_else(|e| panic!("{e}"));
    let notes = warnings(&s);
    assert_eq!(
        notes,
        vec![
            "workloads[0].template.containers[0]: probes are not simulated: no service in \
             `services:` is backed by workload `web`"
                .to_string()
        ]
    );
}

/// `initialPlacement`: accepted on Deployments, StatefulSets (a list by ordinal) and Jobs;
/// refused with its field on other kinds, unknown nodes, more pods than the workload creates
/// at time zero, and a list on a kind whose pods have no identity.
#[test]
fn initial_placement_is_checked_against_nodes_kinds_and_counts() {
    let ok = base_with(
        "replicas: 3",
        "replicas: 3\n    initialPlacement: {pool-3: 2, solo: 1}",
    );
    let ok = ok.replacen(
        "duration: 5m",
        "duration: 5m\n    arrivals: {at: [0s, 0s, 5m]}\n    initialPlacement: {pool-0: 2}",
        1,
    );
    parse_scenario(&ok, "ok.yaml").unwrap_or_else(|e| panic!("{e}"));
    let sts = base_with(
        "kind: Deployment\n    replicas: 3",
        "kind: StatefulSet\n    replicas: 3\n    initialPlacement: [pool-0, null, solo]",
    );
    parse_scenario(&sts, "ok.yaml").unwrap_or_else(|e| panic!("{e}"));
    let cases: &[(String, &str, &str)] = &[
        (base_with("replicas: 3", "replicas: 3\n    initialPlacement: {pool-4: 1}"), "workloads[0].initialPlacement.pool-4", "no node named"),
        (base_with("replicas: 3", "replicas: 3\n    initialPlacement: {pool-0: 2, solo: 2}"), "workloads[0].initialPlacement", "more than replicas (3)"),
        (base_with("replicas: 3", "replicas: 3\n    initialPlacement: [pool-0]"), "workloads[0].initialPlacement", "no stable identity"),
        (base_with("replicas: 3", "replicas: 3\n    initialPlacement: {pool-0: -1}"), "workloads[0].initialPlacement", "pod count"),
        (base_with("kind: Deployment\n    replicas: 3", "kind: StatefulSet\n    replicas: 3\n    initialPlacement: [pool-0, null, solo, pool-1]"), "workloads[0].initialPlacement", "4 ordinals"),
        (base_with("kind: Deployment\n    replicas: 3", "kind: StatefulSet\n    replicas: 3\n    initialPlacement: [pool-0, pool-9]"), "workloads[0].initialPlacement[1]", "no node named"),
        (base_with("kind: Deployment\n    replicas: 3", "kind: DaemonSet\n    initialPlacement: {pool-0: 1}"), "workloads[0].initialPlacement", "DaemonSet"),
        (base_with("duration: 5m", "duration: 5m\n    initialPlacement: {pool-0: 2}"), "workloads[1].initialPlacement", "only 1 of the Job's arrivals"),
        (base_with("duration: 5m", "duration: 5m\n    arrivals: {process: poisson, rate: 1/s}\n    initialPlacement: {pool-0: 1}"), "workloads[1].initialPlacement", "only 0 of the Job's arrivals"),
    ];
    for (text, path, fragment) in cases {
        let message = error_of(text);
        assert!(!message.contains('\n'), "multi-line message: {message}");
        let prefix = format!("broken.yaml: {path}: ");
        assert!(
            message.starts_with(&prefix),
            "expected prefix {prefix:?} in {message:?}"
        );
        assert!(
            message.contains(fragment),
            "expected {fragment:?} in {message:?}"
        );
    }
}
