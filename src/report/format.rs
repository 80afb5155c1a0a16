//! Number, duration and unit formatting shared by the tables and the charts.

/// What a figure measures, which decides how it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Unit {
    /// A count (pods, nodes, events).
    Count,
    /// A fraction of 1, shown as a percentage.
    Fraction,
    /// Seconds, shown as a duration.
    Seconds,
    /// Seconds of latency, shown in ms or s with three significant digits.
    Latency,
}

/// `12,345` (rounded to an integer; one decimal below 10 when not whole).
pub fn count(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "n/a".into()
        } else {
            "∞".into()
        };
    }
    if v.abs() < 10.0 && v.fract().abs() > 1e-9 {
        return format!("{v:.1}");
    }
    let neg = v < 0.0;
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if neg && out != "0" {
        out.insert(0, '-');
    }
    out
}

/// `3d 4h`, `1h 05m`, `15m`, `45s`, `0s` (two most significant units).
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return if secs.is_nan() {
            "n/a".into()
        } else {
            "not recovered".into()
        };
    }
    let neg = secs < 0.0;
    let total = secs.abs().round() as u64;
    let (d, h, m, s) = (
        total / 86_400,
        total % 86_400 / 3600,
        total % 3600 / 60,
        total % 60,
    );
    let body = if d > 0 {
        if h > 0 {
            format!("{d}d {h}h")
        } else {
            format!("{d}d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h}h {m:02}m")
        } else {
            format!("{h}h")
        }
    } else if m > 0 {
        if s > 0 {
            format!("{m}m {s:02}s")
        } else {
            format!("{m}m")
        }
    } else {
        format!("{s}s")
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

/// `99.95 %` (two decimals below 100 %, fewer when whole).
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "n/a".into();
    }
    let p = fraction * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0} %")
    } else {
        format!("{p:.2} %")
    }
}

/// A value in `unit`, or `n/a`.
pub fn value(unit: Unit, v: Option<f64>) -> String {
    match v {
        None => "n/a".into(),
        Some(v) => match unit {
            Unit::Count => count(v),
            Unit::Fraction => percent(v),
            Unit::Seconds => duration(v),
            Unit::Latency => latency(v),
        },
    }
}

/// `52.0 ms`, `1.55 s`, `∞` (unbounded: overload without a queue limit).
pub fn latency(secs: f64) -> String {
    if secs.is_nan() {
        return "n/a".into();
    }
    if !secs.is_finite() {
        return "∞".into();
    }
    let ms = secs.abs() * 1000.0;
    let sign = if secs < 0.0 { "-" } else { "" };
    if ms < 10.0 {
        format!("{sign}{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{sign}{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{sign}{ms:.0} ms")
    } else {
        format!("{sign}{:.2} s", ms / 1000.0)
    }
}

/// A signed difference in `unit` (`+12`, `-3.50 pp`, `+5m`).
pub fn delta(unit: Unit, d: f64) -> String {
    if !d.is_finite() {
        return "n/a".into();
    }
    let sign = if d > 0.0 { "+" } else { "" };
    match unit {
        Unit::Count => format!("{sign}{}", count(d)),
        Unit::Fraction => format!("{sign}{:.2} pp", d * 100.0),
        Unit::Seconds => format!("{sign}{}", duration(d)),
        Unit::Latency => format!("{sign}{}", latency(d)),
    }
}

/// Bytes with a binary unit chosen for `max` (`GiB` or `TiB`): returns (divisor, unit).
pub fn bytes_unit(max: f64) -> (f64, &'static str) {
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    if max >= 10.0 * 1024.0 * GIB {
        (1024.0 * GIB, "TiB")
    } else {
        (GIB, "GiB")
    }
}

/// Simulated-time axis: the unit for a run of `max_s` seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeAxis {
    /// Seconds per unit.
    pub div: f64,
    /// Unit name for the axis label.
    pub unit: &'static str,
}

impl TimeAxis {
    /// Minutes up to 3 h, hours up to 3 days, days beyond.
    pub fn for_span(max_s: f64) -> Self {
        if max_s <= 3.0 * 3600.0 {
            TimeAxis {
                div: 60.0,
                unit: "min",
            }
        } else if max_s <= 3.0 * 86_400.0 {
            TimeAxis {
                div: 3600.0,
                unit: "h",
            }
        } else {
            TimeAxis {
                div: 86_400.0,
                unit: "d",
            }
        }
    }

    /// The axis description.
    pub fn label(&self) -> String {
        format!("simulated time ({})", self.unit)
    }
}

/// Escapes text for HTML.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for a Markdown table cell.
pub fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A non-whole value with at least `min_decimals` decimals and at least 4 significant digits,
/// with more decimals while the last shown digit is a 0 produced by rounding: so a value never
/// rounds onto a round number it is not (0.9861 is `0.9861`, not `0.99`; 0.98999 is `0.98999`,
/// not `0.9900`, which would read as meeting a 0.99 target). Exact values lose trailing zeros
/// down to `min_decimals` (2.5 is `2.50`).
pub fn verdict_safe(v: f64, min_decimals: usize) -> String {
    if !v.is_finite() {
        return count(v);
    }
    let magnitude = if v == 0.0 {
        0
    } else {
        v.abs().log10().floor() as i32
    };
    let mut d = (3 - magnitude).max(min_decimals as i32).clamp(0, 12) as usize;
    loop {
        let t = format!("{v:.d$}");
        let exact = t
            .parse::<f64>()
            .is_ok_and(|r| (r - v).abs() <= v.abs() * 1e-12);
        if exact {
            let keep = t.len() - (d - min_decimals.min(d));
            let trimmed = t.trim_end_matches('0');
            let out = if trimmed.len() < keep {
                &t[..keep]
            } else {
                trimmed
            };
            return out.trim_end_matches('.').to_string();
        }
        if !t.ends_with('0') || d >= 12 {
            return t;
        }
        d += 1;
    }
}

/// Standard base64 (RFC 4648, with padding), for embedding chart PNGs as `data:` URIs.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(count(0.0), "0");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1234.0), "1,234");
        assert_eq!(count(-1234567.0), "-1,234,567");
        assert_eq!(count(2.5), "2.5");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(0.0), "0s");
        assert_eq!(duration(45.0), "45s");
        assert_eq!(duration(900.0), "15m");
        assert_eq!(duration(930.0), "15m 30s");
        assert_eq!(duration(3900.0), "1h 05m");
        assert_eq!(duration(7200.0), "2h");
        assert_eq!(duration(7.0 * 86_400.0), "7d");
        assert_eq!(duration(f64::INFINITY), "not recovered");
    }

    #[test]
    fn percents_and_deltas() {
        assert_eq!(percent(0.5), "50 %");
        assert_eq!(percent(0.9995), "99.95 %");
        assert_eq!(delta(Unit::Count, 3.0), "+3");
        assert_eq!(delta(Unit::Count, -3.0), "-3");
        assert_eq!(delta(Unit::Fraction, -0.035), "-3.50 pp");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        // RFC 4648 section 10 test vectors.
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in cases {
            assert_eq!(base64(plain.as_bytes()), enc, "{plain}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn verdict_safe_never_rounds_onto_a_round_number() {
        assert_eq!(verdict_safe(0.9861, 2), "0.9861");
        assert_eq!(verdict_safe(0.98999, 2), "0.98999");
        assert_eq!(verdict_safe(0.99, 2), "0.99");
        assert_eq!(verdict_safe(2.5, 2), "2.50");
        assert_eq!(verdict_safe(1.0 / 3.0, 2), "0.3333");
        assert_eq!(verdict_safe(12.345678, 2), "12.35");
        assert_eq!(verdict_safe(99.996, 2), "99.996");
        assert_eq!(verdict_safe(0.00123, 2), "0.00123");
        assert_eq!(verdict_safe(-0.5, 2), "-0.50");
        assert_eq!(verdict_safe(98.5, 2), "98.50");
    }
}
