//! Helpers of the sweep, merge and plan tests: small scenario and sweep files, file trees,
//! chart checks.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use super::{png_stats, stderr, stdout};

/// `o`, after asserting that the command exited 0 (stdout and stderr in the message).
pub fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(&o),
        stderr(&o)
    );
    o
}

/// A small cluster: nodes of 4 CPU; `web` needs 1500m per pod, so 2 pods fit per node; a
/// Poisson stream of batch Jobs makes seeds differ.
pub const BASE: &str = r#"name: tiny
simulation: {duration: 20m, seed: 1, metricsInterval: 1m}
cluster:
  zones: [a, b]
  nodePools:
    - {name: general, count: 4, capacity: {cpu: "4", memory: 16Gi, pods: 110}}
workloads:
  - name: web
    kind: Deployment
    replicas: 6
    template:
      labels: {app: web}
      containers: [{name: c, resources: {requests: {cpu: 1500m, memory: 1Gi}, limits: {memory: 1Gi}}}]
  - name: batch
    kind: Job
    arrivals: {process: poisson, rate: 0.02/s, until: 10m}
    duration: {distribution: uniform, min: 30s, max: 120s}
    template:
      labels: {app: batch}
      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 128Mi}}}]
"#;

/// 3 × 2 points × 2 seeds = 12 runs.
pub const SWEEP: &str = r#"name: tiny-sweep
base: base.yaml
seeds: [1, 2]
parameters:
  cluster.nodePools[general].count: [2, 3, 4]
  workloads[web].replicas: {from: 4, to: 8, step: 4}
"#;

/// A directory with `base.yaml` and `sweep.yaml`.
pub fn setup(sweep: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("base.yaml"), BASE).unwrap();
    fs::write(dir.path().join("sweep.yaml"), sweep).unwrap();
    dir
}

/// Every file under `dir` (relative path → bytes), except the non-deterministic ones
/// (`timing.json`, shard manifests).
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            if path.is_dir() {
                walk(root, &path, out);
            } else if name != "timing.json" && !name.starts_with("shard-") {
                out.insert(
                    path.strip_prefix(root).unwrap().display().to_string(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The digest `sha256sum` prints for `path` (an implementation independent of clustersim's).
pub fn sha256sum(path: &Path) -> String {
    let o = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum runs");
    assert!(o.status.success());
    stdout(&o).split_whitespace().next().unwrap().to_string()
}

/// The sweep's charts in `out/charts/`: one PNG and one SVG per metric × parameter (the file
/// names of the sweep.csv header), each PNG decodes and is not blank, each SVG parses with the
/// metric's and parameter's names in it; `sweep.md` and `sweep.html` embed every PNG.
pub fn check_charts(out: &Path, metrics: usize, parameters: usize) {
    let header = &csv_rows(&out.join("sweep.csv"))[0];
    let params: Vec<&String> = header[1..=parameters].iter().collect();
    let metric_names: Vec<String> = header
        .iter()
        .filter_map(|h| h.strip_suffix("_mean").map(str::to_string))
        .collect();
    assert_eq!(metric_names.len(), metrics, "{header:?}");
    let slug = |s: &str| {
        let mut o = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() {
                o.push(c);
            } else if !o.ends_with('-') {
                o.push('-');
            }
        }
        o.trim_matches('-').to_string()
    };
    let mut names: Vec<String> = fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut want = Vec::new();
    for m in &metric_names {
        for p in &params {
            for ext in ["png", "svg"] {
                want.push(format!("{}-vs-{}.{ext}", slug(m), slug(p)));
            }
        }
    }
    want.sort();
    assert_eq!(names, want, "one PNG and one SVG per metric × parameter");
    let md = fs::read_to_string(out.join("sweep.md")).unwrap();
    let html = fs::read_to_string(out.join("sweep.html")).unwrap();
    for name in &names {
        let path = out.join("charts").join(name);
        if name.ends_with(".png") {
            let (w, h, sd) = png_stats(&path);
            assert!(w >= 800 && h >= 400, "{name}: {w}x{h}");
            assert!(sd > 8.0, "{name}: looks blank (luminance sd {sd:.2})");
            assert!(
                md.contains(&format!("](charts/{name})")),
                "sweep.md lacks {name}"
            );
            assert!(
                html.contains(&format!("href=\"charts/{name}\"")),
                "sweep.html lacks {name}"
            );
            assert!(
                !html.contains("src=\"charts/"),
                "sweep.html refers to a chart instead of embedding it"
            );
        } else {
            let text = fs::read_to_string(&path).unwrap();
            let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(doc.root_element().tag_name().name(), "svg");
            let texts: String = doc
                .descendants()
                .filter_map(|n| n.text())
                .collect::<Vec<_>>()
                .join(" ");
            let param = params
                .iter()
                .find(|p| name.ends_with(&format!("-vs-{}.svg", slug(p))))
                .unwrap();
            assert!(
                texts.contains(param.as_str()),
                "{name}: no axis named {param}"
            );
            assert!(texts.contains(" vs "), "{name}: no title");
            // With two parameters, one line (legend entry) per value of the other.
            for other in params.iter().filter(|o| *o != param) {
                assert!(
                    texts.contains(&format!("{other}=")),
                    "{name}: no legend entry for {other}"
                );
            }
        }
    }
}

pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}
