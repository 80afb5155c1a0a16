//! Helpers of the report and compare tests: run a scenario, check what a report or comparison
//! wrote, read its figures and verdicts.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::{json, png_stats, run, run_finished, s, stderr};

/// Runs a scenario into `out` (failures-only event log, quiet).
pub fn sim(scenario: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        s(scenario),
        "--out",
        s(out),
        "--events",
        "failures",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(run_finished(&o), "clustersim {args:?}: {}", stderr(&o));
}

/// Every relative `src="…"` / `href="…"` in an HTML page, and `](…)` in Markdown.
pub fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for pat in ["src=\"", "href=\"", "]("] {
        let close = if pat == "](" { ')' } else { '"' };
        let mut rest = text;
        while let Some(i) = rest.find(pat) {
            rest = &rest[i + pat.len()..];
            let end = rest.find(close).unwrap();
            let r = &rest[..end];
            if !r.starts_with("http")
                && !r.starts_with('#')
                && !r.starts_with("data:")
                && !r.is_empty()
            {
                out.push(r.to_owned());
            }
            rest = &rest[end..];
        }
    }
    out
}

/// Checks the files a report or comparison wrote into `dir` (`doc` = `report` or `compare`):
/// every chart's PNG decodes and is not blank, every SVG parses, the HTML and Markdown refer
/// only to files that exist. Returns the parsed JSON.
pub fn check_output(dir: &Path, doc: &str) -> Value {
    let j = json(&dir.join(format!("{doc}.json")));
    let charts = j["charts"].as_array().unwrap();
    for c in charts {
        let png = dir.join(c["png"].as_str().unwrap());
        let (w, h, sd) = png_stats(&png);
        assert!(w >= 800 && h >= 400, "{}: {w}x{h}", png.display());
        assert!(
            sd > 8.0,
            "{}: looks blank (luminance sd {sd:.2})",
            png.display()
        );
        let svg = dir.join(c["svg"].as_str().unwrap());
        let text = fs::read_to_string(&svg).unwrap();
        let tree =
            roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", svg.display()));
        assert_eq!(
            tree.root_element().tag_name().name(),
            "svg",
            "{}",
            svg.display()
        );
        // A cascade tree of one effect (root and one box: 15 elements) is small but complete.
        let min = if svg.ends_with("cascade-tree.svg") {
            12
        } else {
            20
        };
        assert!(
            tree.descendants().filter(|n| n.is_element()).count() > min,
            "{}: nearly empty",
            svg.display()
        );
    }
    // The HTML page is self-contained: every chart's PNG is embedded as a data URI (in chart
    // order, the whole file), none is referenced by a relative `src`.
    let html = fs::read_to_string(dir.join(format!("{doc}.html"))).unwrap();
    assert!(!html.contains("src=\"charts/"), "{doc}.html: relative src");
    let embedded: Vec<&str> = html
        .split("src=\"data:image/png;base64,")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert_eq!(embedded.len(), charts.len(), "{doc}.html: embedded charts");
    for (c, b64) in charts.iter().zip(&embedded) {
        let len = fs::metadata(dir.join(c["png"].as_str().unwrap()))
            .unwrap()
            .len() as usize;
        assert_eq!(b64.len(), len.div_ceil(3) * 4, "{doc}.html: {}", c["png"]);
        assert!(b64.starts_with("iVBORw0KGgo"), "PNG signature");
    }
    for ext in ["html", "md"] {
        let page = dir.join(format!("{doc}.{ext}"));
        let text = fs::read_to_string(&page).unwrap();
        let refs = references(&text);
        assert!(
            refs.len() >= 2 * charts.len(),
            "{}: {} references for {} charts",
            page.display(),
            refs.len(),
            charts.len()
        );
        for r in refs {
            assert!(
                dir.join(&r).is_file(),
                "{} refers to {r}, which does not exist",
                page.display()
            );
        }
    }
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        !names.iter().any(|n| n.contains(".tmp-")),
        "temporary directory left behind: {names:?}"
    );
    j
}

pub fn figure(j: &Value, key: &str) -> Value {
    j["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("no figure {key}"))
        .clone()
}

pub fn verdict(j: &Value, slo: &str) -> String {
    j["slo"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["slo"] == slo)
        .unwrap_or_else(|| panic!("no verdict {slo}: {j}"))["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Asserts that `args` fails with exit code 2 and one line naming `needle`.
pub fn fails_2(args: &[&str], needle: &str) {
    super::fails_2_all(args, &[needle]);
}
