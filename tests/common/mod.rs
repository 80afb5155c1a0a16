//! Helpers shared by the integration tests: run the real `clustersim` binary and read its output.
// Each test binary compiles this module and uses a subset of it.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod report;
pub mod sweep;

/// The `clustersim` binary built for this test run.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clustersim"))
}

/// A path inside the repository.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs `clustersim` with `args` and waits for it.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("clustersim runs")
}

/// Whether a `run` finished and wrote its results: exit 0, or exit 3 when an SLO of the
/// scenario's `slo:` section failed (the shipped scenarios have SLOs that some seeds fail).
pub fn run_finished(o: &Output) -> bool {
    o.status.code() == Some(0) || o.status.code() == Some(3) && stderr(o).contains("SLOs failed")
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Decodes a PNG: (width, height, standard deviation of the pixel luminance).
pub fn png_stats(path: &Path) -> (u32, u32, f64) {
    let decoder = png::Decoder::new(fs::File::open(path).unwrap());
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let channels = info.color_type.samples();
    let lum: Vec<f64> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|c| {
            if channels >= 3 {
                0.299 * c[0] as f64 + 0.587 * c[1] as f64 + 0.114 * c[2] as f64
            } else {
                c[0] as f64
            }
        })
        .collect();
    let mean = lum.iter().sum::<f64>() / lum.len() as f64;
    let var = lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lum.len() as f64;
    (info.width, info.height, var.sqrt())
}

/// A CSV file with a header as one map (column → text) per row.
pub fn csv_maps(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            header
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Runs `clustersim` with `args`; panics unless it exits 0. Returns its output.
pub fn ok(args: &[&str]) -> Output {
    let o = run(args);
    assert!(o.status.success(), "clustersim {args:?}: {}", stderr(&o));
    o
}

/// A path as `&str` (for argument lists).
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).expect("write scenario");
    p
}

/// A JSON file, parsed.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap()
}

/// `summary.json` of a results directory, parsed.
pub fn summary(out: &Path) -> serde_json::Value {
    json(&out.join("summary.json"))
}

/// Runs `clustersim run <scenario> --out <out> --events all -q [extra]`; panics unless it
/// exits 0.
pub fn run_all_events(scenario: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["run", s(scenario), "--out", s(out), "--events", "all", "-q"];
    args.extend_from_slice(extra);
    ok(&args);
}

/// The shipped scenarios (`scenarios/*.yaml`), sorted; panics unless there are at least 3.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    let mut list: Vec<PathBuf> = fs::read_dir(repo("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("yaml"))
        .collect();
    list.sort();
    assert!(
        list.len() >= 3,
        "expected the shipped scenarios, found {}",
        list.len()
    );
    list
}

/// Asserts that the files `names` are byte-identical in the directories `a` and `b`.
pub fn assert_same_files(a: &Path, b: &Path, names: &[&str]) {
    for f in names {
        let read = |d: &Path| fs::read(d.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(
            read(a) == read(b),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// `args` exit 2 with one `clustersim: ` line that contains every one of `needles`.
pub fn fails_2_all(args: &[&str], needles: &[&str]) {
    let o = run(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("clustersim: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected {n:?} in {err}");
    }
}

/// Runs the shipped scenario `scenarios/<name>.yaml` into a temporary directory (asserting it
/// finished); returns the directory, the results directory in it and the run's stderr.
pub fn run_shipped(name: &str) -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let scenario = repo(&format!("scenarios/{name}.yaml"));
    let o = run(&["run", s(&scenario), "--out", s(&out)]);
    assert!(run_finished(&o), "{}", stderr(&o));
    (dir, out, stderr(&o))
}
