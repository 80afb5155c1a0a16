//! Trace pod lists as they are downloaded: a table in several part files (globs and lists in
//! `fromTrace.path`, several files on `import trace`), gzip-compressed parts and Parquet files
//! give the same workloads and byte-identical run outputs as the one plain CSV file they
//! hold; a corrupt `.gz`, a missing part, a glob matching nothing and a Parquet file without a
//! required column are refused with exit 2 and one line naming file, row and column.

mod common;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{assert_same_files, fails_2_all, repo, run, s, stderr, stdout};
use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// The shipped synthetic Alibaba GPU 2023 pod list (400 pods, with a header).
fn gpu_pods() -> String {
    fs::read_to_string(repo("scenarios/traces/alibaba-gpu-pods.csv")).unwrap()
}

/// A scenario in `dir` named `name` whose pods come from `fromTrace` with `path` (YAML text).
fn scenario(dir: &Path, name: &str, format: &str, path: &str) -> PathBuf {
    let p = dir.join(format!("{name}.yaml"));
    fs::write(
        &p,
        format!(
            "name: parts\nsimulation: {{duration: 3h, metricsInterval: 5m}}\ncluster:\n  zones: [a]\n  \
             nodePools:\n    - {{name: gpu, count: 16, capacity: {{cpu: \"96\", memory: 768Gi, pods: 110}}, gpus: {{count: 8, model: V100M32}}}}\n\
             workloads:\n  fromTrace: {{format: {format}, path: {path}}}\n"
        ),
    )
    .unwrap();
    p
}

/// The `trace:` line of `validate` (pods and summed requests).
fn trace_line(scenario: &Path) -> String {
    let o = run(&["validate", s(scenario)]);
    assert!(o.status.success(), "validate failed: {}", stderr(&o));
    stdout(&o)
        .lines()
        .find(|l| l.starts_with("trace: "))
        .unwrap_or_else(|| panic!("no trace line in {}", stdout(&o)))
        .to_string()
}

/// Runs `scenario` into `dir/<out>` with every event; returns the results directory.
fn run_to(scenario: &Path, dir: &Path, out: &str) -> PathBuf {
    let out = dir.join(out);
    let o = run(&[
        "run",
        s(scenario),
        "--out",
        s(&out),
        "--events",
        "all",
        "-q",
    ]);
    assert!(
        o.status.success() || o.status.code() == Some(3),
        "{}",
        stderr(&o)
    );
    out
}

/// Every results file but `scenario.yaml` (which names the input files) and `timing.json`
/// (wall-clock times) is byte-identical.
fn same_results(a: &Path, b: &Path) {
    let mut names: Vec<String> = fs::read_dir(a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != "scenario.yaml" && n != "timing.json" && a.join(n).is_file())
        .collect();
    names.sort();
    assert!(names.iter().any(|n| n == "events.csv"), "{names:?}");
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_same_files(a, b, &names);
}

/// gzip of `bytes`.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Splits a CSV text with a header into `n` parts of consecutive rows, each with the header.
fn split_with_header(text: &str, n: usize) -> Vec<String> {
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    rows.chunks(rows.len().div_ceil(n))
        .map(|c| format!("{header}\n{}\n", c.join("\n")))
        .collect()
}

/// A pod list split into three parts (one of them gzip-compressed, matched by a glob, one
/// of them two concatenated gzip members) reads as the one file: the same pods and requests,
/// and byte-identical run outputs. The whole list gzip-compressed is the same too.
#[test]
fn parts_and_gzip_equal_the_single_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = gpu_pods();
    fs::write(d.join("pods.csv"), &text).unwrap();
    fs::write(d.join("pods.csv.gz"), gzip(text.as_bytes())).unwrap();
    fs::create_dir(d.join("parts")).unwrap();
    let parts = split_with_header(&text, 3);
    fs::write(d.join("parts/part-00000-of-00003.csv"), &parts[0]).unwrap();
    fs::write(
        d.join("parts/part-00001-of-00003.csv.gz"),
        gzip(parts[1].as_bytes()),
    )
    .unwrap();
    // Two gzip members in one file, as `cat a.gz b.gz` makes.
    let third = &parts[2];
    let cut = third.len() / 2 + third[third.len() / 2..].find('\n').unwrap() + 1;
    let mut members = gzip(&third.as_bytes()[..cut]);
    members.extend(gzip(&third.as_bytes()[cut..]));
    fs::write(d.join("parts/part-00002-of-00003.csv.gz"), members).unwrap();

    let single = scenario(d, "single", "alibaba-gpu-2023", "pods.csv");
    let gz = scenario(d, "gz", "alibaba-gpu-2023", "pods.csv.gz");
    let glob = scenario(
        d,
        "glob",
        "alibaba-gpu-2023",
        "\"parts/part-*-of-00003.csv*\"",
    );
    let list = scenario(
        d,
        "list",
        "alibaba-gpu-2023",
        "[parts/part-00000-of-00003.csv, \"parts/nothing-*.gz\"]",
    );
    let want = trace_line(&single);
    assert!(want.starts_with("trace: 400 pods;"), "{want}");
    // The list's second entry matches nothing: an error naming the entry.
    let o = run(&["validate", s(&list)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("workloads.fromTrace.path[1]")
            && stderr(&o).contains("matches no file"),
        "{}",
        stderr(&o)
    );
    let list = scenario(
        d,
        "list",
        "alibaba-gpu-2023",
        "[parts/part-00000-of-00003.csv, \"parts/part-0000?-of-00003.csv.gz\"]",
    );
    for other in [&gz, &glob, &list] {
        assert_eq!(trace_line(other), want, "{}", other.display());
    }
    let a = run_to(&single, d, "r-single");
    for (other, out) in [(&gz, "r-gz"), (&glob, "r-glob"), (&list, "r-list")] {
        same_results(&a, &run_to(other, d, out));
    }
    // The effective scenario lists the parts (absolute paths) and runs on its own.
    let eff = d.join("r-glob/scenario.yaml");
    let text = fs::read_to_string(&eff).unwrap();
    assert!(text.contains("part-00002-of-00003.csv.gz"), "{text}");
    assert_eq!(trace_line(&eff), want);
}

/// `import trace` takes a table's parts (in the order given, or a quoted glob) and writes
/// them as one `fromTrace` path list; Google 2011 `task_events` parts are one table: a task
/// submitted in one part and ended in the next is one pod.
#[test]
fn import_reads_google_parts_as_one_table() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixture = repo("tests/fixtures/traces/google_task_events.csv");
    let text = fs::read_to_string(&fixture).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    // Part 0 ends after the first task's SUBMIT: its SCHEDULE is in part 1.
    fs::create_dir(d.join("task_events")).unwrap();
    let cuts = [1, rows.len() / 2, rows.len()];
    let mut start = 0;
    for (k, end) in cuts.iter().enumerate() {
        let part = format!("{}\n", rows[start..*end].join("\n"));
        fs::write(
            d.join(format!("task_events/part-{k:05}-of-00003.csv.gz")),
            gzip(part.as_bytes()),
        )
        .unwrap();
        start = *end;
    }
    let import = |files: &[&str], out: &str| {
        let out = d.join(out);
        let mut args = vec![
            "import",
            "trace",
            "--format",
            "google-2011",
            "--duration",
            "3h",
        ];
        args.extend(files);
        args.extend(["-o", s(&out)]);
        let o = run(&args);
        assert!(o.status.success(), "import failed: {}", stderr(&o));
        out
    };
    let machines = repo("tests/fixtures/traces/google_machine_events.csv");
    let one = import(&[s(&machines), s(&fixture)], "one.yaml");
    let glob = d.join("task_events/part-*-of-00003.csv.gz");
    let parts = import(&[s(&machines), s(&glob)], "parts.yaml");
    let written = fs::read_to_string(&parts).unwrap();
    assert!(written.contains("part-00002-of-00003.csv.gz"), "{written}");
    let want = trace_line(&one);
    assert!(want.starts_with("trace: 5 pods;"), "{want}");
    assert_eq!(trace_line(&parts), want);
    same_results(&run_to(&one, d, "r-one"), &run_to(&parts, d, "r-parts"));
}

/// A column of a Parquet test file: its name, its Parquet type (`UTF8`, `INT64`, `DOUBLE`)
/// and its cells as text (empty: null).
struct Column<'a> {
    name: String,
    kind: &'a str,
    cells: Vec<String>,
}

/// Writes `columns` (all optional) to a Parquet file in two row groups with `codec`.
fn write_parquet(path: &Path, columns: &[Column], codec: Compression) {
    let fields: Vec<String> = columns
        .iter()
        .map(|c| match c.kind {
            "UTF8" => format!("OPTIONAL BYTE_ARRAY {} (UTF8);", c.name),
            k => format!("OPTIONAL {k} {};", c.name),
        })
        .collect();
    let schema =
        Arc::new(parse_message_type(&format!("message t {{ {} }}", fields.join(" "))).unwrap());
    let props = Arc::new(WriterProperties::builder().set_compression(codec).build());
    let mut w = SerializedFileWriter::new(fs::File::create(path).unwrap(), schema, props).unwrap();
    let rows = columns[0].cells.len();
    for range in [0..rows / 2, rows / 2..rows] {
        let mut group = w.next_row_group().unwrap();
        let mut i = 0;
        while let Some(mut col) = group.next_column().unwrap() {
            let c = &columns[i];
            let cells = &c.cells[range.clone()];
            let defs: Vec<i16> = cells.iter().map(|v| i16::from(!v.is_empty())).collect();
            let present = cells.iter().filter(|v| !v.is_empty());
            match c.kind {
                "UTF8" => {
                    let v: Vec<ByteArray> = present.map(|v| ByteArray::from(v.as_str())).collect();
                    col.typed::<ByteArrayType>()
                        .write_batch(&v, Some(&defs), None)
                        .unwrap();
                }
                "INT64" => {
                    let v: Vec<i64> = present.map(|v| v.parse().unwrap()).collect();
                    col.typed::<Int64Type>()
                        .write_batch(&v, Some(&defs), None)
                        .unwrap();
                }
                _ => {
                    let v: Vec<f64> = present.map(|v| v.parse().unwrap()).collect();
                    col.typed::<DoubleType>()
                        .write_batch(&v, Some(&defs), None)
                        .unwrap();
                }
            }
            col.close().unwrap();
            i += 1;
        }
        group.close().unwrap();
    }
    w.close().unwrap();
}

/// The columns of a CSV text (`header`: its first line names them; else `c0`, `c1`, …),
/// typed by `kinds`.
fn columns_of<'a>(text: &str, header: bool, kinds: &[&'a str]) -> Vec<Column<'a>> {
    let mut lines = text.lines();
    let names: Vec<String> = if header {
        lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect()
    } else {
        (0..kinds.len()).map(|i| format!("c{i}")).collect()
    };
    let mut cols: Vec<Column> = names
        .into_iter()
        .zip(kinds)
        .map(|(name, kind)| Column {
            name,
            kind,
            cells: Vec::new(),
        })
        .collect();
    for line in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        for (c, col) in cols.iter_mut().enumerate() {
            col.cells.push(cells.get(c).unwrap_or(&"").to_string());
        }
    }
    cols
}

/// Alibaba GPU 2023 pod-list column types.
const GPU_KINDS: [&str; 11] = [
    "UTF8", "INT64", "INT64", "INT64", "INT64", "UTF8", "UTF8", "UTF8", "DOUBLE", "DOUBLE",
    "DOUBLE",
];

/// A Parquet pod list (columns matched by name; Snappy and zstd) and a headerless Google
/// `task_events` in Parquet (columns by position; gzip) equal their CSV twins: the same pods
/// and requests, byte-identical run outputs.
#[test]
fn parquet_equals_its_csv_twin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = gpu_pods();
    fs::write(d.join("pods.csv"), &text).unwrap();
    // Columns in another order than the CSV's: matched by name.
    let mut cols = columns_of(&text, true, &GPU_KINDS);
    cols.reverse();
    write_parquet(&d.join("pods.parquet"), &cols, Compression::SNAPPY);
    let zstd = Compression::ZSTD(Default::default());
    write_parquet(&d.join("pods-zstd.parquet"), &cols, zstd);
    let csv = scenario(d, "csv", "alibaba-gpu-2023", "pods.csv");
    let want = trace_line(&csv);
    let a = run_to(&csv, d, "r-csv");
    for (name, path) in [("pq", "pods.parquet"), ("zstd", "pods-zstd.parquet")] {
        let pq = scenario(d, name, "alibaba-gpu-2023", path);
        assert_eq!(trace_line(&pq), want, "{path}");
        same_results(&a, &run_to(&pq, d, &format!("r-{name}")));
    }
    // Google task_events by position.
    let fixture = repo("tests/fixtures/traces/google_task_events.csv");
    let kinds = [
        "INT64", "INT64", "INT64", "INT64", "INT64", "INT64", "UTF8", "INT64", "INT64", "DOUBLE",
        "DOUBLE", "DOUBLE", "INT64",
    ];
    let cols = columns_of(&fs::read_to_string(&fixture).unwrap(), false, &kinds);
    write_parquet(
        &d.join("task_events.parquet"),
        &cols,
        Compression::GZIP(Default::default()),
    );
    let g_csv = scenario(d, "g-csv", "google-2011", s(&fixture));
    let g_pq = scenario(d, "g-pq", "google-2011", "task_events.parquet");
    let want = trace_line(&g_csv);
    assert!(want.starts_with("trace: 5 pods;"), "{want}");
    assert_eq!(trace_line(&g_pq), want);
    same_results(&run_to(&g_csv, d, "r-g-csv"), &run_to(&g_pq, d, "r-g-pq"));
}

/// A corrupt `.gz`, a missing part, a glob matching nothing, a Parquet file without a required
/// column, a bad value in a Parquet record and parts whose headers differ.
#[test]
fn bad_parts_name_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = gpu_pods();
    let parts = split_with_header(&text, 2);
    fs::write(d.join("part-0.csv"), &parts[0]).unwrap();
    // A gzip stream cut short, after ~10 rows of its text.
    let gz = gzip(parts[1].as_bytes());
    fs::write(d.join("cut.csv.gz"), &gz[..gz.len() / 2]).unwrap();
    // Corrupt deflate data after a valid gzip header.
    let mut bad = gz.clone();
    for b in &mut bad[20..60] {
        *b ^= 0x5a;
    }
    fs::write(d.join("bad.csv.gz"), &bad).unwrap();
    let other = parts[1].replacen("qos", "qos_class", 1);
    fs::write(d.join("other-header.csv"), other).unwrap();
    let mut cols = columns_of(&text, true, &GPU_KINDS);
    cols.retain(|c| c.name != "memory_mib");
    write_parquet(&d.join("no-mem.parquet"), &cols, Compression::SNAPPY);
    let mut cols = columns_of(&text, true, &GPU_KINDS);
    cols[8].kind = "UTF8";
    cols[8].cells[4] = "soon".into();
    write_parquet(
        &d.join("bad-value.parquet"),
        &cols,
        Compression::UNCOMPRESSED,
    );

    let cases: [(&str, &str, &[&str]); 7] = [
        (
            "cut",
            "[part-0.csv, cut.csv.gz]",
            &["cut.csv.gz: row ", ": cannot read: "],
        ),
        ("bad", "bad.csv.gz", &["bad.csv.gz: row 1: cannot read: "]),
        (
            "missing",
            "[part-0.csv, part-1.csv]",
            &["part-1.csv: cannot read: "],
        ),
        (
            "none",
            "\"part-9*.csv\"",
            &[
                "workloads.fromTrace.path",
                "\"part-9*.csv\" matches no file",
            ],
        ),
        (
            "header",
            "[part-0.csv, other-header.csv]",
            &["other-header.csv: row 1: the header differs from the first part's"],
        ),
        (
            "no-mem",
            "no-mem.parquet",
            &["no-mem.parquet: column memory_mib: missing column"],
        ),
        (
            "bad-value",
            "bad-value.parquet",
            &["bad-value.parquet: row 5, column creation_time: \"soon\" is not a number"],
        ),
    ];
    for (name, path, wants) in cases {
        let sc = scenario(d, name, "alibaba-gpu-2023", path);
        fails_2_all(&["validate", s(&sc)], wants);
    }
    // The same through `import trace`.
    fails_2_all(
        &[
            "import",
            "trace",
            "--format",
            "alibaba-gpu-2023",
            s(&d.join("part-0.csv")),
            s(&d.join("bad.csv.gz")),
        ],
        &["bad.csv.gz: row 1: cannot read: "],
    );
    fails_2_all(
        &[
            "import",
            "trace",
            "--format",
            "alibaba-gpu-2023",
            s(&d.join("no-mem.parquet")),
        ],
        &["no-mem.parquet: column memory_mib: missing column"],
    );
    fails_2_all(
        &[
            "import",
            "trace",
            "--format",
            "alibaba-gpu-2023",
            s(&d.join("nothing-*.csv")),
        ],
        &["FILES: ", "matches no file"],
    );
}
