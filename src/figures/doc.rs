//! `docs/output-format.md`, generated: the results files ([`crate::metrics::schema`]), then
//! the figures ([`Metric`]) and SLOs ([`SLOS`]) defined here. The test `output_format_doc`
//! fails when the committed document is stale; `UPDATE_DOCS=1 cargo test --release --lib
//! output_format_doc` rewrites it.

use std::fmt::Write as _;

use super::metric::{Metric, MetricUnit, METRIC_NAMES};
use super::services::{FigureKind, ServiceFigure};
use super::slo::SLOS;

/// The whole document.
pub fn output_format_markdown() -> String {
    let mut out = crate::metrics::schema::output_format_markdown();
    out.push_str(
        "\n## Figures\n\nThe figures `sweep.csv` aggregates (`metrics:` of a sweep file), `plan` \
         judges and the report shows, each computed by one definition \
         (`src/figures/metric.rs`) from a run in memory or its results directory. \
         `<duration>` is a simulated time such as `30m`.\n\n\
         | name | unit | figure |\n|---|---|---|\n",
    );
    for name in METRIC_NAMES.split(", ") {
        if name.starts_with("service:") {
            continue;
        }
        let parse = name.replace("<duration>", "15m");
        let m: Metric = parse.parse().expect("METRIC_NAMES parse");
        let unit = match m.unit() {
            MetricUnit::Count(what) => what.to_string(),
            MetricUnit::FractionOfAllocatable => "fraction of allocatable".into(),
        };
        let label = m.label().replace("15m", "<duration>");
        let _ = writeln!(out, "| `{name}` | {unit} | {label} |");
    }
    out.push_str(
        "\n## SLOs\n\nThe keys of a scenario's `slo:` section (also `slo.json`), each a threshold \
         on one figure; `report`, `compare`, `run` (exit code 3), `plan --slo <key>` and `sweep` \
         judge by the same definition (`src/figures/slo.rs`).\n\n\
         | key | figure |\n|---|---|\n",
    );
    for d in SLOS {
        let _ = writeln!(out, "| `{}` | {} |", d.key, d.doc);
    }
    out.push_str(
        "\n## Per-service figures and SLOs\n\n`service:<name>.<figure>` (e.g. \
         `service:checkout.availability`) is a figure of one service, read from its entry in \
         `summary.json` `services[]` (`src/figures/services.rs`); `sweep` metrics, `plan --slo` \
         (`'service:checkout.availability>=0.999'`) and the report use it alike. Latency \
         percentiles are those of the requests served over the run, request-weighted over the \
         modelled per-tick distributions (infinite when saturated without a queue limit); the \
         error-budget figures need the scenario's `slo.services.<name>.availability`.\n\n\
         | figure | unit | summary.json field |\n|---|---|---|\n",
    );
    for f in ServiceFigure::ALL {
        let unit = match f.kind() {
            FigureKind::Fraction => "fraction of requests",
            FigureKind::Seconds => "seconds",
            FigureKind::Ratio => "× error budget",
            FigureKind::Count(what) => what,
        };
        let _ = writeln!(
            out,
            "| `{}` | {unit} | `{}` |",
            f.name(),
            f.path().join(".")
        );
    }
    out.push_str(
        "\n`slo.services.<name>` keys (judged as `services.<name>.<key>`; `plan --slo \
         services.<name>.<key>` takes the scenario's target):\n\n\
         | key | figure |\n|---|---|\n\
         | `availability` | `availability` ≥ value (0 < value ≤ 1; also the error budget's target) |\n\
         | `p50Latency`, `p95Latency`, `p99Latency` | the percentile ≤ value (a duration) |\n\
         | `maxErrorBudgetBurn` | `burnRate1h` (or `burnRate5m` with `burnWindow: 5m`) ≤ value; needs `availability` |\n\
         | `burnWindow` | `5m` or `1h` (default) |\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed `docs/output-format.md` is what the schema generates.
    #[test]
    fn output_format_doc() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/output-format.md");
        let want = output_format_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/output-format.md is stale: regenerate it with\n  UPDATE_DOCS=1 cargo test --release --lib output_format_doc"
        );
    }
}
