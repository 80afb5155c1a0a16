//! The import graph between the top-level modules of `src/` has no cycle.
//!
//! Every `crate::<module>` reference in a file under `src/<module>/` (or `src/<module>.rs`)
//! is an edge `<module> -> <other>`, test code included (a test that imports a higher layer
//! ties the layers together as much as production code does). `cli`, `main.rs` and `lib.rs`
//! are the entry points above everything and are left out. The layers are described in
//! ARCHITECTURE.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Cycles tolerated for now, each as its modules in order (`a -> b -> a` is `&["a", "b"]`).
/// An entry is only for a cycle already being removed elsewhere; none may be added to hide a
/// new one (`known_cycles_still_exist` fails once a listed cycle is gone).
/// Empty: `report -> sweep` is only an intra-doc link in this branch (comments are not
/// imports), so the `report <-> sweep` cycle that a parallel branch removes is not seen here.
const KNOWN_CYCLES: &[&[&str]] = &[];

/// Modules left out of the graph: the command line sits above every layer.
const ENTRY_POINTS: &[&str] = &["cli", "main", "lib"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`src/sim/core.rs` → `sim`, `src/lib.rs` → `lib`).
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("non-empty");
    let s = first.as_os_str().to_string_lossy();
    s.strip_suffix(".rs").unwrap_or(&s).to_string()
}

/// The modules named as `crate::<name>` in `text`, comments left out.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let before = rest[..i].chars().last();
            rest = &rest[i + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue; // e.g. `$crate::` or `othercrate::`
            }
            let ident = |s: &str| -> String {
                s.trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            };
            if let Some(group) = rest.strip_prefix('{') {
                // `use crate::{a::X, b};` (one line)
                let inner = group.split('}').next().unwrap_or("");
                out.extend(inner.split(',').map(ident).filter(|n| !n.is_empty()));
            } else {
                let name = ident(rest);
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// Edges between top-level modules.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let tops: BTreeSet<String> = files.iter().map(|f| top_module(&src, f)).collect();
    for f in &files {
        let from = top_module(&src, f);
        if ENTRY_POINTS.contains(&from.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(f).expect("read source");
        let edges = g.entry(from.clone()).or_default();
        for to in crate_refs(&text) {
            if to != from && tops.contains(&to) && !ENTRY_POINTS.contains(&to.as_str()) {
                edges.insert(to);
            }
        }
    }
    g
}

/// One cycle through the strongly connected component of each module, as a path.
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found: Vec<Vec<String>> = Vec::new();
    let mut seen: BTreeSet<BTreeSet<String>> = BTreeSet::new();
    for start in g.keys() {
        // Breadth-first search for the shortest path back to `start`.
        let mut prev: BTreeMap<String, String> = BTreeMap::new();
        let mut frontier = vec![start.clone()];
        let mut back = None;
        'bfs: while !frontier.is_empty() {
            let mut next = Vec::new();
            for m in &frontier {
                for to in g.get(m).into_iter().flatten() {
                    if to == start {
                        back = Some(m.clone());
                        break 'bfs;
                    }
                    if !prev.contains_key(to) {
                        prev.insert(to.clone(), m.clone());
                        next.push(to.clone());
                    }
                }
            }
            frontier = next;
        }
        let Some(mut at) = back else { continue };
        let mut path = vec![at.clone()];
        while at != *start {
            at = prev[&at].clone();
            path.push(at.clone());
        }
        path.reverse();
        let key: BTreeSet<String> = path.iter().cloned().collect();
        if seen.insert(key) {
            found.push(path);
        }
    }
    found
}

fn is_known(cycle: &[String]) -> bool {
    let set: BTreeSet<&str> = cycle.iter().map(String::as_str).collect();
    KNOWN_CYCLES
        .iter()
        .any(|k| k.iter().copied().collect::<BTreeSet<&str>>() == set)
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let g = graph();
    let bad: Vec<String> = cycles(&g)
        .into_iter()
        .filter(|c| !is_known(c))
        .map(|c| format!("{} -> {}", c.join(" -> "), c[0]))
        .collect();
    let listing: Vec<String> = g
        .iter()
        .map(|(m, e)| {
            format!(
                "  {m} -> {}",
                e.iter().cloned().collect::<Vec<_>>().join(" ")
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "import cycles between top-level modules:\n  {}\ngraph:\n{}",
        bad.join("\n  "),
        listing.join("\n")
    );
}

#[test]
fn the_cycle_finder_finds_a_planted_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let edge = |g: &mut BTreeMap<String, BTreeSet<String>>, a: &str, b: &str| {
        g.entry(a.into()).or_default().insert(b.into());
    };
    edge(&mut g, "a", "b");
    edge(&mut g, "b", "c");
    edge(&mut g, "c", "a");
    edge(&mut g, "c", "d");
    let c = cycles(&g);
    assert_eq!(c, vec![vec!["a".to_string(), "b".into(), "c".into()]]);
    assert!(crate_refs("use crate::sim::Core; // crate::x").contains("sim"));
    assert!(!crate_refs("// use crate::sim::Core;").contains("sim"));
    assert!(!crate_refs("$crate::x").contains("x"));
    let grouped = crate_refs("use crate::{a::X, b};");
    assert!(grouped.contains("a") && grouped.contains("b"));
}

#[test]
fn known_cycles_still_exist() {
    // An allowlisted cycle that is gone must leave the list, so it cannot hide a new one.
    let found = cycles(&graph());
    for k in KNOWN_CYCLES {
        let set: BTreeSet<&str> = k.iter().copied().collect();
        assert!(
            found
                .iter()
                .any(|c| c.iter().map(String::as_str).collect::<BTreeSet<_>>() == set),
            "known cycle {k:?} no longer exists: remove it from KNOWN_CYCLES"
        );
    }
}
