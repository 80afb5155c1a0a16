//! The tree of the largest cascade, collapsed so it stays legible with thousands of pods: the
//! effects under one parent group that share a kind become one box (`pod_displaced × 4,120`),
//! level by level from the root, left to right.
//!
//! Which cascade: the row of `cascades.csv` with the most `effects` (its `root_id`); without
//! `cascades.csv` the run had no cascade. `effects.csv` is streamed; only the chosen
//! cascade's rows are kept (id, parent, kind, time).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::Prep;
use crate::report::columns as col;
use crate::report::data::{CsvStream, RunData};
use crate::report::error::ReportError;
use crate::report::format;

/// Levels drawn (deeper effects are counted in the last level's note).
pub const MAX_LEVELS: usize = 7;
/// Child boxes shown under one box (the smaller ones are merged into one "other" box).
pub const MAX_CHILDREN: usize = 5;
/// Boxes drawn at most.
pub const MAX_BOXES: usize = 40;

/// One box: effects of one kind under one parent box.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeBox {
    /// Kind (`fault`, `pod_displaced`, …; `other` for merged groups).
    pub kind: String,
    /// Effects in the box.
    pub count: u64,
    /// First and last effect, seconds after the root.
    pub first_s: f64,
    /// Last effect, seconds after the root.
    pub last_s: f64,
    /// Parent box (None for the root).
    pub parent: Option<usize>,
    /// Level (0 = root).
    pub level: usize,
    /// Extra text (the root's target, what "other" holds).
    pub note: String,
}

/// A prepared cascade tree.
#[derive(Debug, Clone, PartialEq)]
pub struct CascadeTree {
    /// Chart title.
    pub title: String,
    /// Under the title: size, depth, what was folded.
    pub subtitle: String,
    /// Boxes, parents before children.
    pub boxes: Vec<TreeBox>,
}

/// A record of the chosen cascade.
struct Rec {
    id: u64,
    parent: Option<u64>,
    kind: u16,
    time_s: f64,
}

/// The root id of the largest cascade according to `cascades.csv`.
fn largest_from_cascades(run: &RunData) -> Option<u64> {
    let t = run.cascades.as_ref()?;
    let (id, size) = (t.col(col::C_ROOT_ID)?, t.col(col::C_SIZE)?);
    (0..t.len())
        .filter_map(|r| {
            Some((
                t.num(r, size).unwrap_or(0.0),
                t.text(r, id).parse::<u64>().ok()?,
            ))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, id)| id)
}

const NAMES: [&str; 6] = [
    col::E_ID,
    col::E_PARENT,
    col::E_ROOT,
    col::E_KIND,
    col::E_TARGET,
    col::TIME,
];

/// An id column: empty is None, anything but an unsigned integer is an error.
fn id_of(s: &CsvStream, i: usize, name: &str) -> Result<Option<u64>, ReportError> {
    let text = std::str::from_utf8(s.field(i)).unwrap_or("").trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u64>() {
        Ok(v) => Ok(Some(v)),
        Err(_) => Err(s.bad(i, name)),
    }
}

/// The records of cascade `root`, the kind names, and the root's target.
fn read_cascade(path: &Path, root: u64) -> Result<(Vec<Rec>, Vec<String>, String), ReportError> {
    let mut s = CsvStream::open(path, &NAMES, &NAMES[..4])?;
    let mut kinds: Vec<String> = Vec::new();
    let mut kind_ix: HashMap<Vec<u8>, u16> = HashMap::new();
    let mut recs = Vec::new();
    let mut target = String::new();
    while s.next()? {
        if id_of(&s, 2, col::E_ROOT)? != Some(root) {
            continue;
        }
        let Some(id) = id_of(&s, 0, col::E_ID)? else {
            continue;
        };
        let kind = match kind_ix.get(s.field(3)) {
            Some(&k) => k,
            None => {
                kinds.push(String::from_utf8_lossy(s.field(3)).into_owned());
                let k = (kinds.len() - 1) as u16;
                kind_ix.insert(s.field(3).to_vec(), k);
                k
            }
        };
        if id == root {
            target = String::from_utf8_lossy(s.field(4)).into_owned();
        }
        recs.push(Rec {
            id,
            parent: id_of(&s, 1, col::E_PARENT)?,
            kind,
            time_s: s.num(5, col::TIME)?,
        });
    }
    Ok((recs, kinds, target))
}

/// Groups the records of one cascade into boxes (see the module doc).
fn collapse(root: u64, recs: &[Rec], kinds: &[String], target: &str) -> (Vec<TreeBox>, String) {
    let root_rec = recs.iter().find(|r| r.id == root);
    let t0 = root_rec
        .map(|r| r.time_s)
        .or_else(|| recs.iter().map(|r| r.time_s).reduce(f64::min))
        .unwrap_or(0.0);
    let known: HashMap<u64, usize> = recs.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut children: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, r) in recs.iter().enumerate() {
        if r.id == root {
            continue;
        }
        let p = r
            .parent
            .filter(|p| *p != r.id && known.contains_key(p))
            .unwrap_or(root);
        children.entry(p).or_default().push(i);
    }
    // Full groups: (parent group, kind) → group; breadth first from the root.
    struct Group {
        kind: String,
        count: u64,
        first: f64,
        last: f64,
        parent: Option<usize>,
        level: usize,
        members: Vec<u64>,
    }
    let root_kind = root_rec.map_or("root".to_owned(), |r| kinds[r.kind as usize].clone());
    let mut groups = vec![Group {
        kind: root_kind,
        count: 1,
        first: 0.0,
        last: 0.0,
        parent: None,
        level: 0,
        members: vec![root],
    }];
    let mut depth = 0;
    let mut g = 0;
    while g < groups.len() {
        let mut by_kind: BTreeMap<u16, usize> = BTreeMap::new();
        let members = std::mem::take(&mut groups[g].members);
        let level = groups[g].level + 1;
        for m in &members {
            for &c in children.get(m).map_or(&[][..], Vec::as_slice) {
                let r = &recs[c];
                let at = r.time_s - t0;
                let ix = *by_kind.entry(r.kind).or_insert_with(|| {
                    groups.push(Group {
                        kind: kinds[r.kind as usize].clone(),
                        count: 0,
                        first: f64::INFINITY,
                        last: f64::NEG_INFINITY,
                        parent: Some(g),
                        level,
                        members: Vec::new(),
                    });
                    groups.len() - 1
                });
                let gr = &mut groups[ix];
                gr.count += 1;
                gr.first = gr.first.min(at);
                gr.last = gr.last.max(at);
                gr.members.push(r.id);
                depth = depth.max(level);
            }
        }
        g += 1;
    }
    // Shown boxes: breadth first, the largest children of each box, within the limits.
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (i, gr) in groups.iter().enumerate() {
        if let Some(p) = gr.parent {
            kids[p].push(i);
        }
    }
    let mut boxes = vec![TreeBox {
        kind: groups[0].kind.clone(),
        count: 1,
        first_s: 0.0,
        last_s: 0.0,
        parent: None,
        level: 0,
        note: target.to_owned(),
    }];
    let mut queue = vec![(0usize, 0usize)]; // (group, box)
    let (mut folded_deep, mut qi) = (0u64, 0);
    let subtree = |g: usize, groups: &[Group], kids: &[Vec<usize>]| -> u64 {
        let mut n = 0;
        let mut st = vec![g];
        while let Some(x) = st.pop() {
            n += groups[x].count;
            st.extend(&kids[x]);
        }
        n
    };
    while qi < queue.len() {
        let (gi, bi) = queue[qi];
        qi += 1;
        let mut ks = kids[gi].clone();
        ks.sort_by(|a, b| {
            groups[*b]
                .count
                .cmp(&groups[*a].count)
                .then(groups[*a].kind.cmp(&groups[*b].kind))
        });
        if groups[gi].level + 1 >= MAX_LEVELS {
            folded_deep += ks.iter().map(|&k| subtree(k, &groups, &kids)).sum::<u64>();
            continue;
        }
        let room = MAX_BOXES.saturating_sub(boxes.len());
        let shown = ks.len().min(MAX_CHILDREN).min(room);
        let shown = if shown < ks.len() {
            shown.saturating_sub(1)
        } else {
            shown
        };
        for &k in &ks[..shown] {
            let gr = &groups[k];
            boxes.push(TreeBox {
                kind: gr.kind.clone(),
                count: gr.count,
                first_s: gr.first,
                last_s: gr.last,
                parent: Some(bi),
                level: gr.level,
                note: String::new(),
            });
            queue.push((k, boxes.len() - 1));
        }
        let rest = &ks[shown..];
        if !rest.is_empty() {
            let n: u64 = rest.iter().map(|&k| subtree(k, &groups, &kids)).sum();
            let first = rest
                .iter()
                .map(|&k| groups[k].first)
                .fold(f64::INFINITY, f64::min);
            let last = rest
                .iter()
                .map(|&k| groups[k].last)
                .fold(f64::NEG_INFINITY, f64::max);
            boxes.push(TreeBox {
                kind: "other".into(),
                count: n,
                first_s: first,
                last_s: last,
                parent: Some(bi),
                level: groups[gi].level + 1,
                note: format!("{} more group(s) and their effects", rest.len()),
            });
        }
    }
    let total: u64 = groups.iter().skip(1).map(|g| g.count).sum();
    let mut sub = format!(
        "{} effects, depth {depth}; boxes group the effects of one kind under one parent box",
        format::count(total as f64)
    );
    if folded_deep > 0 {
        sub.push_str(&format!(
            "; {} effects below level {} not drawn",
            format::count(folded_deep as f64),
            MAX_LEVELS - 1
        ));
    }
    (boxes, sub)
}

/// The tree of the largest cascade (`effects.csv`, `cascades.csv` to choose it).
pub fn cascade_tree(run: &RunData) -> Result<Prep, ReportError> {
    let Some(path) = &run.effects else {
        return Ok(Prep::Missing(format!("needs {}", col::EFFECTS_FILE)));
    };
    // Runs write cascades.csv exactly when they have cascades; effects.csv alone holds only
    // effects without consequences (a limit OOM kill, a routine scale-down).
    let Some(root) = largest_from_cascades(run) else {
        return Ok(Prep::Missing(format!(
            "no cascade in this run ({} is absent or empty)",
            col::CASCADES_FILE
        )));
    };
    let (recs, kinds, target) = read_cascade(path, root)?;
    if recs.is_empty() {
        return Ok(Prep::Message {
            title: "Largest cascade".into(),
            message: format!(
                "{} has no rows for root {root}, the largest cascade of {}.",
                col::EFFECTS_FILE,
                col::CASCADES_FILE
            ),
        });
    }
    let (boxes, subtitle) = collapse(root, &recs, &kinds, &target);
    let when = recs
        .iter()
        .find(|r| r.id == root)
        .map(|r| format!(" at {}", format::duration(r.time_s)))
        .unwrap_or_default();
    Ok(Prep::Tree(CascadeTree {
        title: format!(
            "Largest cascade: {} {target}{when}",
            boxes[0].kind.replace('_', " ")
        ),
        subtitle,
        boxes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: u64, parent: Option<u64>, kind: u16, t: f64) -> Rec {
        Rec {
            id,
            parent,
            kind,
            time_s: t,
        }
    }

    #[test]
    fn collapses_by_kind_per_level() {
        let kinds: Vec<String> = [
            "fault",
            "node_not_ready",
            "pod_displaced",
            "pod_rescheduled",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut recs = vec![rec(1, None, 0, 100.0)];
        for n in 0..3u64 {
            recs.push(rec(10 + n, Some(1), 1, 140.0));
            for p in 0..50u64 {
                let id = 1000 + n * 100 + p;
                recs.push(rec(id, Some(10 + n), 2, 400.0 + p as f64));
                if p % 2 == 0 {
                    recs.push(rec(id + 100_000, Some(id), 3, 500.0 + p as f64));
                }
            }
        }
        let (boxes, sub) = collapse(1, &recs, &kinds, "zone-b");
        let summary: Vec<(&str, u64, usize)> = boxes
            .iter()
            .map(|b| (b.kind.as_str(), b.count, b.level))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("fault", 1, 0),
                ("node_not_ready", 3, 1),
                ("pod_displaced", 150, 2),
                ("pod_rescheduled", 75, 3),
            ]
        );
        assert_eq!(boxes[2].first_s, 300.0);
        assert_eq!(boxes[2].last_s, 349.0);
        assert!(sub.starts_with("228 effects, depth 3"), "{sub}");
        assert_eq!(boxes[0].note, "zone-b");
    }

    #[test]
    fn many_kinds_under_one_box_are_merged_into_other() {
        let kinds: Vec<String> = (0..9).map(|k| format!("k{k}")).collect();
        let mut recs = vec![rec(1, None, 0, 0.0)];
        for k in 1..9u16 {
            for j in 0..u64::from(k) {
                recs.push(rec(u64::from(k) * 100 + j, Some(1), k, 1.0));
            }
        }
        // An effect whose parent is unknown hangs off the root.
        recs.push(rec(5000, Some(4242), 8, 2.0));
        let (boxes, _) = collapse(1, &recs, &kinds, "");
        assert_eq!(boxes.len(), 1 + MAX_CHILDREN);
        assert_eq!(boxes[1].kind, "k8");
        assert_eq!(boxes[1].count, 9);
        let other = boxes.last().unwrap();
        assert_eq!(other.kind, "other");
        assert_eq!(other.count, 1 + 2 + 3 + 4);
    }
}
