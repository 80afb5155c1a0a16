//! Drawing the collapsed cascade tree: boxes left to right by level, leaves evenly spaced top
//! to bottom, a parent at the middle of its children, elbow connectors.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::panel::{title_area, Ctx};
use super::style::{self, BLUE, FAMILY, GREEN, GREY, INK, ORANGE, PURPLE, SKY, VERMILLION};
use super::tree::{CascadeTree, TreeBox};
use crate::report::format;

impl CascadeTree {
    /// Pixel size: taller with more leaves.
    pub fn size(&self) -> (u32, u32) {
        let leaves = self.leaves().len().max(1) as u32;
        (style::SIZE.0, (200 + leaves * 92).clamp(500, 3800))
    }

    /// Boxes without children, in drawing order (depth first).
    fn leaves(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut st = vec![0usize];
        while let Some(b) = st.pop() {
            let kids: Vec<usize> = (0..self.boxes.len())
                .filter(|&k| self.boxes[k].parent == Some(b))
                .collect();
            if kids.is_empty() {
                out.push(b);
            }
            st.extend(kids.into_iter().rev());
        }
        out
    }
}

fn kind_color(kind: &str) -> RGBColor {
    const KINDS: [&str; 7] = [
        "fault",
        "node_not_ready",
        "eviction",
        "oom_kill",
        "overload_failure",
        "pod_displaced",
        "pod_rescheduled",
    ];
    const COLORS: [RGBColor; 7] = [VERMILLION, INK, ORANGE, SKY, PURPLE, GREEN, BLUE];
    KINDS
        .iter()
        .position(|k| *k == kind)
        .map_or(GREY, |i| COLORS[i])
}

/// Draws a [`CascadeTree`].
pub fn draw_tree<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    t: &CascadeTree,
) -> Result<(), String> {
    let body = title_area(root, &t.title)?;
    let small = TextStyle::from((FAMILY, style::LEGEND_PX).into_font());
    body.draw(&Text::new(t.subtitle.clone(), (20, 4), small.clone()))
        .e()?;
    let (w, h) = body.dim_in_pixel();
    let (top, bottom) = (44i32, h as i32 - 16);
    let levels = t.boxes.iter().map(|b| b.level).max().unwrap_or(0) + 1;
    let col_w = (w as i32 - 40) / levels as i32;
    let box_w = (col_w - 28).min(330);
    let box_h = 76;
    // y: leaves evenly spaced, a parent at the middle of its children.
    let leaves = t.leaves();
    let slot = (bottom - top) as f64 / leaves.len().max(1) as f64;
    let mut y = vec![f64::NAN; t.boxes.len()];
    for (i, &l) in leaves.iter().enumerate() {
        y[l] = top as f64 + slot * (i as f64 + 0.5);
    }
    for b in (0..t.boxes.len()).rev() {
        if y[b].is_nan() {
            let ys: Vec<f64> = (0..t.boxes.len())
                .filter(|&k| t.boxes[k].parent == Some(b))
                .map(|k| y[k])
                .collect();
            y[b] = ys.iter().sum::<f64>() / ys.len().max(1) as f64;
        }
    }
    let x_of = |b: &TreeBox| 20 + b.level as i32 * col_w;
    for (i, b) in t.boxes.iter().enumerate() {
        if let Some(p) = b.parent {
            let (px, py) = (x_of(&t.boxes[p]) + box_w, y[p] as i32);
            let (cx, cy) = (x_of(b), y[i] as i32);
            let mid = (px + cx) / 2;
            body.draw(&PathElement::new(
                vec![(px, py), (mid, py), (mid, cy), (cx, cy)],
                INK.mix(0.5).stroke_width(2),
            ))
            .e()?;
        }
    }
    let bold = TextStyle::from((FAMILY, style::LEGEND_PX, FontStyle::Bold).into_font())
        .pos(Pos::new(HPos::Left, VPos::Top));
    let plain = small.pos(Pos::new(HPos::Left, VPos::Top));
    for (i, b) in t.boxes.iter().enumerate() {
        let (x, yc) = (x_of(b), y[i] as i32);
        let c = kind_color(&b.kind);
        body.draw(&Rectangle::new(
            [(x, yc - box_h / 2), (x + box_w, yc + box_h / 2)],
            c.mix(0.18).filled(),
        ))
        .e()?;
        body.draw(&Rectangle::new(
            [(x, yc - box_h / 2), (x + box_w, yc + box_h / 2)],
            c.stroke_width(2),
        ))
        .e()?;
        body.draw(&Rectangle::new(
            [(x, yc - box_h / 2), (x + 6, yc + box_h / 2)],
            c.filled(),
        ))
        .e()?;
        let (head, count) = if b.parent.is_none() {
            (b.kind.replace('_', " "), String::new())
        } else {
            (
                b.kind.replace('_', " "),
                format!("× {}", format::count(b.count as f64)),
            )
        };
        let when = if b.parent.is_none() || !b.note.is_empty() {
            b.note.clone()
        } else if (b.last_s - b.first_s).abs() < 0.5 {
            format!("at +{}", format::duration(b.first_s))
        } else {
            format!(
                "+{} – {}",
                format::duration(b.first_s),
                format::duration(b.last_s)
            )
        };
        let fit = |s: String, style: &TextStyle| {
            let mut s = s;
            while s.chars().count() > 4
                && body
                    .estimate_text_size(&s, style)
                    .is_ok_and(|(tw, _)| tw as i32 > box_w - 16)
            {
                s.pop();
                s.pop();
                s.push('…');
            }
            s
        };
        let top = yc - box_h / 2 + 5;
        let lines = [(head, &bold), (count, &bold), (when, &plain)];
        let mut row = 0;
        for (text, style) in lines {
            if text.is_empty() {
                continue;
            }
            body.draw(&Text::new(
                fit(text, style),
                (x + 12, top + row * 23),
                style.clone(),
            ))
            .e()?;
            row += 1;
        }
    }
    root.present().e()
}
