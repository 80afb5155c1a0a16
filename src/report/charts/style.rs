//! Sizes, fonts and colours of every chart, and the shipped font.
//!
//! Charts must render on a machine without system fonts, so the report ships DejaVu Sans
//! (`assets/fonts/`, Bitstream Vera licence) and registers it with plotters' `ab_glyph` text
//! renderer as `sans-serif` before anything is drawn.

use std::sync::Once;

use plotters::style::{register_font, FontStyle, RGBColor};

/// DejaVu Sans, embedded in the binary.
static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// The family every text uses.
pub const FAMILY: &str = "sans-serif";

/// Registers the shipped font (idempotent, thread-safe).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            if register_font(FAMILY, style, FONT).is_err() {
                panic!("the embedded DejaVu Sans font does not parse");
            }
        }
    });
}

/// Default chart size in pixels (PNG) and user units (SVG).
pub const SIZE: (u32, u32) = (1400, 800);
/// Chart title (plotters draws text at about 0.8 of the nominal size).
pub const TITLE_PX: u32 = 36;
/// Panel caption.
pub const CAPTION_PX: u32 = 25;
/// Axis descriptions.
pub const DESC_PX: u32 = 22;
/// Tick labels.
pub const TICK_PX: u32 = 19;
/// Legend entries.
pub const LEGEND_PX: u32 = 19;

/// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies).
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
/// Orange.
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
/// Bluish green.
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
/// Vermillion.
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
/// Sky blue.
pub const SKY: RGBColor = RGBColor(86, 180, 233);
/// Reddish purple.
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
/// Yellow.
pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
/// Near black for reference lines (allocatable).
pub const INK: RGBColor = RGBColor(40, 40, 40);
/// Grey.
pub const GREY: RGBColor = RGBColor(150, 150, 150);
/// Fault-window shading.
pub const FAULT: RGBColor = RGBColor(250, 214, 200);

/// Series colours in order.
pub const PALETTE: [RGBColor; 7] = [BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW];

/// The `i`-th series colour.
pub fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A perceptually ordered colour for `v` in 0..=1 (viridis, linearly interpolated).
pub fn viridis(v: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
    let x = v * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}
