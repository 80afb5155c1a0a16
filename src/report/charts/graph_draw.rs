//! Drawing the service graph: services as boxes in layers (callers left of their callees, by
//! longest call path), calls as arrows coloured by breaker state, labelled with their load.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::panel::{legend_strip, title_area, Ctx, LegendItem, Swatch};
use super::style::{self, FAMILY};

/// One service box.
#[derive(Debug, Clone)]
pub struct GraphNode {
    /// Service name.
    pub name: String,
    /// Second line (error rate, ready endpoints).
    pub detail: String,
    /// Error rate at the moment drawn (colours the box).
    pub error_rate: f64,
}

/// One call arrow.
#[derive(Debug, Clone)]
pub struct GraphEdge {
    /// Caller (index into the nodes).
    pub from: usize,
    /// Callee.
    pub to: usize,
    /// Load label.
    pub label: String,
    /// Breaker colour.
    pub color: RGBColor,
    /// Drawn dashed (a queue).
    pub dashed: bool,
}

/// The graph chart.
#[derive(Debug, Clone)]
pub struct GraphChart {
    /// Title.
    pub title: String,
    /// Services.
    pub nodes: Vec<GraphNode>,
    /// Calls.
    pub edges: Vec<GraphEdge>,
}

const BOX_W: i32 = 250;
const BOX_H: i32 = 70;
const ROW_GAP: i32 = 50;

impl GraphChart {
    /// Layer of each node: the longest call path reaching it (cycles through queues cut).
    fn layers(&self) -> Vec<usize> {
        let n = self.nodes.len();
        let mut layer = vec![0usize; n];
        for _ in 0..n {
            let mut changed = false;
            for e in &self.edges {
                if e.from != e.to && layer[e.to] < layer[e.from] + 1 && layer[e.from] + 1 < n {
                    layer[e.to] = layer[e.from] + 1;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        layer
    }

    /// Pixel size.
    pub fn size(&self) -> (u32, u32) {
        let layers = self.layers();
        let rows = (0..=layers.iter().copied().max().unwrap_or(0))
            .map(|l| layers.iter().filter(|&&x| x == l).count())
            .max()
            .unwrap_or(1) as i32;
        let h = 260 + rows * (BOX_H + ROW_GAP);
        (style::SIZE.0, (h.max(style::SIZE.1 as i32)) as u32)
    }
}

fn fill_of(error_rate: f64) -> RGBColor {
    if error_rate >= 0.2 {
        RGBColor(248, 200, 190)
    } else if error_rate >= 0.01 {
        RGBColor(252, 228, 180)
    } else {
        RGBColor(204, 236, 220)
    }
}

/// Draws `g` into `root`.
pub fn draw_graph<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    g: &GraphChart,
) -> Result<(), String> {
    let body = title_area(root, &g.title)?;
    let items = [
        LegendItem::new("breaker closed", Swatch::Line(style::GREEN)),
        LegendItem::new("breaker open", Swatch::Line(style::VERMILLION)),
        LegendItem::new("half-open", Swatch::Line(style::ORANGE)),
        LegendItem::new("no breaker", Swatch::Line(style::GREY)),
        LegendItem::new("queue", Swatch::Dashed(style::GREY)),
    ];
    let area = legend_strip(&body, "Calls (attempts/s)", &items)?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let layers = g.layers();
    let n_layers = layers.iter().copied().max().unwrap_or(0) as i32 + 1;
    let col_w = if n_layers > 1 {
        (w - 80 - BOX_W) / (n_layers - 1)
    } else {
        0
    };
    let mut pos = vec![(0i32, 0i32); g.nodes.len()];
    for l in 0..n_layers as usize {
        let members: Vec<usize> = (0..g.nodes.len()).filter(|&i| layers[i] == l).collect();
        let total = members.len() as i32 * (BOX_H + ROW_GAP) - ROW_GAP;
        let top = ((h - total) / 2).max(10);
        for (k, &i) in members.iter().enumerate() {
            let x = if n_layers > 1 {
                40 + l as i32 * col_w
            } else {
                (w - BOX_W) / 2
            };
            pos[i] = (x, top + k as i32 * (BOX_H + ROW_GAP));
        }
    }
    let label_font = TextStyle::from((FAMILY, style::LEGEND_PX).into_font());
    for e in &g.edges {
        let (a, b) = (pos[e.from], pos[e.to]);
        let (x1, y1) = (a.0 + BOX_W, a.1 + BOX_H / 2);
        let (x2, y2) = if b.0 > a.0 {
            (b.0, b.1 + BOX_H / 2)
        } else {
            (b.0 + BOX_W / 2, b.1)
        };
        let style = e.color.stroke_width(3);
        if e.dashed {
            let steps = 24;
            for k in (0..steps).step_by(2) {
                let f = |t: i32, a: i32, b: i32| a + (b - a) * t / steps;
                area.draw(&PathElement::new(
                    vec![
                        (f(k, x1, x2), f(k, y1, y2)),
                        (f(k + 1, x1, x2), f(k + 1, y1, y2)),
                    ],
                    style,
                ))
                .e()?;
            }
        } else {
            area.draw(&PathElement::new(vec![(x1, y1), (x2, y2)], style))
                .e()?;
        }
        // Arrowhead.
        let (dx, dy) = ((x2 - x1) as f64, (y2 - y1) as f64);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let p = |along: f64, across: f64| {
            (
                (x2 as f64 - ux * along - uy * across) as i32,
                (y2 as f64 - uy * along + ux * across) as i32,
            )
        };
        area.draw(&Polygon::new(
            vec![(x2, y2), p(16.0, 7.0), p(16.0, -7.0)],
            e.color.filled(),
        ))
        .e()?;
        let (tw, _) = area.estimate_text_size(&e.label, &label_font).e()?;
        let (mx, my) = ((x1 + x2) / 2, (y1 + y2) / 2);
        area.draw(&Text::new(
            e.label.clone(),
            (mx - tw as i32 / 2, my - 26),
            label_font.clone(),
        ))
        .e()?;
    }
    let name_font = TextStyle::from((FAMILY, style::CAPTION_PX - 4, FontStyle::Bold).into_font());
    for (i, node) in g.nodes.iter().enumerate() {
        let (x, y) = pos[i];
        area.draw(&Rectangle::new(
            [(x, y), (x + BOX_W, y + BOX_H)],
            fill_of(node.error_rate).filled(),
        ))
        .e()?;
        area.draw(&Rectangle::new(
            [(x, y), (x + BOX_W, y + BOX_H)],
            style::INK.stroke_width(2),
        ))
        .e()?;
        area.draw(&Text::new(
            node.name.clone(),
            (x + 10, y + 8),
            name_font.clone(),
        ))
        .e()?;
        area.draw(&Text::new(
            node.detail.clone(),
            (x + 10, y + 40),
            label_font.clone(),
        ))
        .e()?;
    }
    root.present().e()
}
