//! `clustersim import`: a scenario from rendered manifests, a kubectl snapshot or a public
//! trace. The scenario is checked (parsed and validated as `run` would) before it is written,
//! and written atomically (a temporary sibling renamed over the target), or to standard
//! output without `--out`.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{output, CliError};
use clustersim::import::kubectl::{self, KubectlOptions, Snapshot};
use clustersim::import::trace::{self, TraceOptions};
use clustersim::scenario::trace::{expand_parts, Machine, TraceFormat};
use clustersim::scenario::{json_to_yaml, parse_scenario, scenario_from_manifests, warnings};
use clustersim::scenario::{DurationMs, Quantity};

/// What `clustersim import` reads.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Rendered Kubernetes manifests (`helm template`, `kustomize build`, a GitOps directory)
    /// → a scenario whose workloads, priority classes and PDBs are the manifests'.
    Manifests {
        /// Manifest files, directories (their .yaml/.yml/.json files) or globs.
        #[arg(required = true)]
        files: Vec<String>,
        /// Scenario whose fleet (cluster, simulation, usage overlays) the workloads join
        /// (default: a placeholder fleet of 12 nodes to edit).
        #[arg(long, value_name = "SCENARIO")]
        fleet: Option<PathBuf>,
        /// Run time of Jobs and CronJob runs (e.g. `10m`), which manifests do not carry.
        #[arg(long, value_name = "DURATION")]
        job_duration: Option<String>,
        /// Scenario file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A live cluster's snapshot (`kubectl get ... -o json`) → a scenario: nodes in pools,
    /// pods in workloads through their owners, running pods bound where they run (controller pods through `initialPlacement`).
    Kubectl {
        /// `kubectl get nodes -o json` (or one List of nodes, pods, PDBs and classes).
        #[arg(long, required = true)]
        nodes: PathBuf,
        /// `kubectl get pods -A -o json`.
        #[arg(long)]
        pods: Option<PathBuf>,
        /// `kubectl get pdb -A -o json`.
        #[arg(long)]
        pdbs: Option<PathBuf>,
        /// `kubectl get priorityclasses -o json`.
        #[arg(long)]
        priorityclasses: Option<PathBuf>,
        /// Scenario name.
        #[arg(long, default_value = "kubectl-snapshot")]
        name: String,
        /// Simulated duration.
        #[arg(long, default_value = "1h")]
        duration: String,
        /// Run time of Job pods (a snapshot does not say how long they will run).
        #[arg(long, default_value = "30m")]
        job_duration: String,
        /// Scenario file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A public cluster trace → a scenario: the node table as the cluster (machine arrivals,
    /// removals and outages as node faults), the pod list referenced with
    /// `workloads: {fromTrace}` and read by the streaming reader at load time.
    Trace {
        /// `alibaba-gpu-2023`, `alibaba-2018` or `google-2011`.
        #[arg(long, required = true)]
        format: String,
        /// The node table and/or the pod list (told apart by header or column count): CSV,
        /// `.gz`-compressed CSV or `.parquet`. Several pod-list files are the parts of one
        /// table, read in the order given; a quoted glob (`'task_events/part-*.csv.gz'`)
        /// stands for its matches in name order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Trace time where the scenario starts (e.g. `600s`); earlier pods are left out.
        #[arg(long, value_name = "T")]
        from: Option<String>,
        /// Trace time where arrivals stop (e.g. `1d`).
        #[arg(long, value_name = "T")]
        to: Option<String>,
        /// Multiply node counts by F (pools rounded; alibaba-2018 explicit nodes: a subset, F ≤ 1).
        #[arg(long, value_name = "F", default_value_t = 1.0)]
        scale_nodes: f64,
        /// CPU that a normalised 1.0 stands for (google-2011).
        #[arg(long, value_name = "CPU")]
        machine_cpu: Option<String>,
        /// Memory that a normalised 1.0 (google-2011) or 100 (alibaba-2018) stands for.
        #[arg(long, value_name = "MEMORY")]
        machine_memory: Option<String>,
        /// Scenario name.
        #[arg(long, default_value = "trace")]
        name: String,
        /// Simulated duration (default: to the last arrival plus an hour, in whole hours).
        #[arg(long)]
        duration: Option<String>,
        /// Scenario file to write (default: standard output).
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
}

/// Runs one import.
pub fn import(command: ImportCommand) -> Result<(), CliError> {
    match command {
        ImportCommand::Manifests {
            files,
            fleet,
            job_duration,
            out,
        } => {
            let fleet_text =
                match &fleet {
                    Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
                        CliError::input(format!("{}: cannot read: {e}", p.display()))
                    })?),
                    None => None,
                };
            let origin = fleet.as_ref().map(|p| p.display().to_string());
            let fleet_arg = fleet_text.as_deref().zip(origin.as_deref());
            let (text, notes) = scenario_from_manifests(&files, fleet_arg, job_duration.as_deref())
                .map_err(|e| CliError::input_lines(e.to_string()))?;
            let header = format!(
                "# clustersim scenario imported from manifests: {}\n",
                files.join(" ")
            );
            for n in &notes {
                output::note(&format!("warning: {n}"));
            }
            finish(&(header + &text), out.as_deref())
        }
        ImportCommand::Kubectl {
            nodes,
            pods,
            pdbs,
            priorityclasses,
            name,
            duration,
            job_duration,
            out,
        } => {
            let mut files = Vec::new();
            let mut shown = Vec::new();
            for p in [Some(nodes), pods, pdbs, priorityclasses]
                .into_iter()
                .flatten()
            {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| CliError::input(format!("{}: cannot read: {e}", p.display())))?;
                let value = serde_json::from_str(&text).map_err(|e| {
                    CliError::input(format!("{}: not kubectl JSON: {e}", p.display()))
                })?;
                shown.push(p.display().to_string());
                files.push(Snapshot {
                    origin: p.display().to_string(),
                    value,
                });
            }
            let opts = KubectlOptions {
                name,
                duration,
                job_duration,
            };
            let (scenario, notes) =
                kubectl::import(&files, &opts).map_err(|e| CliError::input(e.to_string()))?;
            for n in &notes {
                output::note(&format!("warning: {n}"));
            }
            let body = json_to_yaml(&scenario).map_err(CliError::internal)?;
            let header = format!(
                "# clustersim scenario imported from a kubectl snapshot: {}\n",
                shown.join(" ")
            );
            finish(&(header + &body), out.as_deref())
        }
        ImportCommand::Trace {
            format,
            files,
            from,
            to,
            scale_nodes,
            machine_cpu,
            machine_memory,
            name,
            duration,
            out,
        } => import_trace(
            &format,
            &files,
            from.as_deref(),
            to.as_deref(),
            scale_nodes,
            machine_cpu.as_deref(),
            machine_memory.as_deref(),
            name,
            duration.as_deref(),
            out.as_deref(),
        ),
    }
}

/// A duration argument in ms.
fn millis(flag: &str, text: Option<&str>) -> Result<Option<u64>, CliError> {
    text.map(|t| {
        t.parse::<DurationMs>()
            .map(DurationMs::as_millis)
            .map_err(|e| CliError::input(format!("--{flag} {t}: {e}")))
    })
    .transpose()
}

/// `clustersim import trace`.
#[allow(clippy::too_many_arguments)]
fn import_trace(
    format: &str,
    files: &[PathBuf],
    from: Option<&str>,
    to: Option<&str>,
    scale_nodes: f64,
    machine_cpu: Option<&str>,
    machine_memory: Option<&str>,
    name: String,
    duration: Option<&str>,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let format =
        TraceFormat::parse(format).map_err(|m| CliError::input(format!("--format: {m}")))?;
    if !(scale_nodes.is_finite() && scale_nodes > 0.0) {
        return Err(CliError::input(format!(
            "--scale-nodes {scale_nodes}: must be a positive number"
        )));
    }
    let mut machine = Machine::default();
    if let Some(t) = machine_cpu {
        let q: Quantity = t
            .parse()
            .map_err(|e| CliError::input(format!("--machine-cpu {t}: {e}")))?;
        if q.milli_value() <= 0 {
            return Err(CliError::input(format!(
                "--machine-cpu {t}: must be positive"
            )));
        }
        machine.cpu_milli = q.milli_value() as u64;
    }
    if let Some(t) = machine_memory {
        let q: Quantity = t
            .parse()
            .map_err(|e| CliError::input(format!("--machine-memory {t}: {e}")))?;
        if q.value() < 1 << 20 {
            return Err(CliError::input(format!(
                "--machine-memory {t}: must be at least 1Mi"
            )));
        }
        machine.memory_mib = q.value() as u64 >> 20;
    }
    let from_ms = millis("from", from)?.unwrap_or(0);
    let to_ms = millis("to", to)?;
    if to_ms.is_some_and(|t| t <= from_ms) {
        return Err(CliError::input("--to: must be after --from"));
    }
    let opts = TraceOptions {
        format,
        from_ms,
        to_ms,
        scale_nodes,
        machine,
        name,
        duration_ms: millis("duration", duration)?,
    };
    let mut parts = Vec::new();
    for f in files {
        let text = f.to_string_lossy();
        let found = expand_parts(Path::new(""), &text)
            .map_err(|m| CliError::input(format!("FILES: {m}")))?;
        parts.extend(found);
    }
    let (scenario, notes) =
        trace::import(&parts, &opts).map_err(|e| CliError::input(e.to_string()))?;
    for n in &notes {
        output::note(n);
    }
    let body = json_to_yaml(&scenario).map_err(CliError::internal)?;
    let mut shown: Vec<String> = parts
        .iter()
        .take(3)
        .map(|f| f.display().to_string())
        .collect();
    if parts.len() > 3 {
        shown.push(format!("and {} more files", parts.len() - 3));
    }
    let header = format!(
        "# clustersim scenario imported from the {} trace: {}\n",
        format.name(),
        shown.join(" ")
    );
    finish(&(header + &body), out)
}

/// Checks `text` as a scenario (exit 2 with its diagnostics if invalid), prints its warnings,
/// and writes it to `out` atomically or to standard output.
pub(super) fn finish(text: &str, out: Option<&Path>) -> Result<(), CliError> {
    let shown = out.map_or("(output)".to_string(), |p| p.display().to_string());
    let s = parse_scenario(text, &shown).map_err(|e| CliError::input_lines(e.to_string()))?;
    for w in warnings(&s).iter().filter(|w| !s.import_notes.contains(w)) {
        output::note(&format!("warning: {shown}: {w}"));
    }
    match out {
        None => output::print(text),
        Some(path) => write_atomic(path, text)
            .map_err(|e| CliError::internal(format!("{}: cannot write: {e}", path.display()))),
    }
}

/// Writes `text` to a temporary sibling of `path`, then renames it over `path`: a reader
/// sees the old file or the whole new one, never a part.
fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "scenario.yaml".into());
    let tmp = dir
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
