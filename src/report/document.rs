//! The report and comparison documents: one model, written as Markdown and as HTML. Markdown
//! shows the PNG charts by relative path; the HTML page embeds them as base64 `data:` URIs so
//! the one file can be attached to a review (both link the chart files, which stay on disk).

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::charts::{ChartFile, Skipped};
use super::format::{base64, html, md};

/// A table: header and rows of cells; `class` per row for HTML colouring of verdicts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    /// Column headings.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with `header`.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// One section: heading, optional paragraph, optional table.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Heading (level 2).
    pub heading: String,
    /// Text under the heading.
    pub text: Option<String>,
    /// A table.
    pub table: Option<Table>,
}

/// A whole document.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// Level-1 heading.
    pub title: String,
    /// Sections before the charts.
    pub sections: Vec<Section>,
    /// Charts drawn.
    pub charts: Vec<ChartFile>,
    /// Charts not available.
    pub skipped: Vec<Skipped>,
    /// Last line.
    pub footer: String,
}

/// Verdict words as shown (`pass`, `FAIL`, …) get a colour in HTML.
fn cell_class(cell: &str) -> Option<&'static str> {
    if cell.starts_with("pass") || cell.contains("all pass") {
        Some("pass")
    } else if cell.starts_with("FAIL") || cell.contains(" FAIL") {
        Some("fail")
    } else if cell == "not evaluated" || cell == "n/a" {
        Some("na")
    } else {
        None
    }
}

/// The document as Markdown.
pub fn markdown(d: &Document) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", d.title);
    for sec in &d.sections {
        let _ = writeln!(s, "## {}\n", sec.heading);
        if let Some(t) = &sec.text {
            let _ = writeln!(s, "{t}\n");
        }
        if let Some(t) = &sec.table {
            let _ = writeln!(
                s,
                "| {} |",
                t.header
                    .iter()
                    .map(|h| md(h))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
            let _ = writeln!(s, "|{}", "---|".repeat(t.header.len()));
            for r in &t.rows {
                let cells: Vec<String> = r
                    .iter()
                    .map(|c| match cell_class(c) {
                        Some("fail") => format!("**{}**", md(c)),
                        _ => md(c),
                    })
                    .collect();
                let _ = writeln!(s, "| {} |", cells.join(" | "));
            }
            s.push('\n');
        }
    }
    if !d.charts.is_empty() {
        let _ = writeln!(s, "## Charts\n");
        for c in &d.charts {
            let _ = writeln!(
                s,
                "### {}\n\n{}\n\n![{}]({})\n\n[SVG]({}) · [PNG]({})\n",
                c.title, c.caption, c.title, c.png, c.svg, c.png
            );
        }
    }
    if !d.skipped.is_empty() {
        let _ = writeln!(s, "## Not available in this run\n");
        for k in &d.skipped {
            let _ = writeln!(s, "- **{}**: {}", k.title, md(&k.needs));
        }
        s.push('\n');
    }
    let _ = writeln!(s, "---\n{}", d.footer);
    s
}

const CSS: &str =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1200px;\
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
table{border-collapse:collapse;margin:0.5em 0 1.5em}\
th,td{border:1px solid #ccc;padding:0.3em 0.7em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td.pass{background:#e3f4e8;color:#0a6b2d}\
td.fail{background:#fde2e0;color:#a3140b;font-weight:bold}td.na{color:#888}\
img{max-width:100%;border:1px solid #ddd}figure{margin:1.5em 0}\
figcaption{color:#555;margin:0.3em 0}.links{font-size:0.9em}footer{color:#777;font-size:0.9em}";

/// Escapes `s` for HTML and turns `code` spans into `<code>` elements.
fn html_text(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in html(s).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The document as a self-contained HTML page: each chart's PNG, read from `dir` (the directory
/// the chart paths are relative to), is embedded as a `data:image/png;base64` URI; the links to
/// the SVG and PNG files stay. A chart file that cannot be read is shown as its title only.
pub fn html_page(d: &Document, dir: &Path) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        html(&d.title),
        html(&d.title)
    );
    for sec in &d.sections {
        let _ = writeln!(s, "<h2>{}</h2>", html(&sec.heading));
        if let Some(t) = &sec.text {
            let _ = writeln!(s, "<p>{}</p>", html_text(t));
        }
        if let Some(t) = &sec.table {
            s.push_str("<table>\n");
            if t.header.iter().any(|h| !h.is_empty()) {
                s.push_str("<tr>");
                for h in &t.header {
                    let _ = write!(s, "<th>{}</th>", html(h));
                }
                s.push_str("</tr>\n");
            }
            for r in &t.rows {
                s.push_str("<tr>");
                for c in r {
                    match cell_class(c) {
                        Some(class) => {
                            let _ = write!(s, "<td class=\"{class}\">{}</td>", html_text(c));
                        }
                        None => {
                            let _ = write!(s, "<td>{}</td>", html_text(c));
                        }
                    }
                }
                s.push_str("</tr>\n");
            }
            s.push_str("</table>\n");
        }
    }
    if !d.charts.is_empty() {
        s.push_str("<h2>Charts</h2>\n");
        for c in &d.charts {
            let img = match std::fs::read(dir.join(&c.png)) {
                Ok(bytes) => format!(
                    "<img src=\"data:image/png;base64,{}\" alt=\"{}\">",
                    base64(&bytes),
                    html(&c.title)
                ),
                Err(_) => format!("<strong>{}</strong> (chart file missing)", html(&c.title)),
            };
            let _ = writeln!(
                s,
                "<figure id=\"{}\">\n<h3>{}</h3>\n<figcaption>{}</figcaption>\n{img}\n\
                 <div class=\"links\"><a href=\"{}\">SVG</a> · <a href=\"{}\">PNG</a></div>\n</figure>",
                html(&c.name),
                html(&c.title),
                html(&c.caption),
                html(&c.svg),
                html(&c.png)
            );
        }
    }
    if !d.skipped.is_empty() {
        s.push_str("<h2>Not available in this run</h2>\n<ul>\n");
        for k in &d.skipped {
            let _ = writeln!(
                s,
                "<li><strong>{}</strong>: {}</li>",
                html(&k.title),
                html_text(&k.needs)
            );
        }
        s.push_str("</ul>\n");
    }
    let _ = write!(
        s,
        "<footer><hr>{}</footer>\n</body>\n</html>\n",
        html(&d.footer)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_marks_verdicts() {
        let mut t = Table::new(&["a|b", "verdict"]);
        t.row(vec!["<x>".into(), "FAIL".into()]);
        let d = Document {
            title: "T & U".into(),
            sections: vec![Section {
                heading: "S".into(),
                text: None,
                table: Some(t),
            }],
            footer: "f".into(),
            ..Default::default()
        };
        let m = markdown(&d);
        assert!(m.contains("| a\\|b | verdict |"), "{m}");
        assert!(m.contains("**FAIL**"));
        let h = html_page(&d, Path::new("."));
        assert!(h.contains("<title>T &amp; U</title>"));
        assert!(h.contains("<td>&lt;x&gt;</td><td class=\"fail\">FAIL</td>"));
        assert_eq!(html_text("a `b` c"), "a <code>b</code> c");
    }
}
