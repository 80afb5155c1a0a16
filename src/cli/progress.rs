//! Progress of `clustersim run` on standard error: a bar on a terminal; otherwise (a CI log,
//! a pipe, a file) one line at most every 10 s of wall time, so a long run is not silent.
//!
//! `CLUSTERSIM_PROGRESS_INTERVAL_MS` replaces the 10 s (tests use `0`: a line at every report
//! of the engine, which reports every `sim::PROGRESS_EVERY` events and once at the end).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use clustersim::sim::Progress;

/// Wall time between two progress lines when standard error is not a terminal.
pub const LINE_INTERVAL: Duration = Duration::from_secs(10);

/// The environment variable that overrides [`LINE_INTERVAL`] (milliseconds).
pub const INTERVAL_ENV: &str = "CLUSTERSIM_PROGRESS_INTERVAL_MS";

/// Progress reporting of one run.
pub struct RunProgress {
    started: Instant,
    bar: ProgressBar,
    lines: Option<Lines>,
}

/// State of the line reporter.
struct Lines {
    every: Duration,
    last_at: Instant,
    last_events: u64,
}

impl RunProgress {
    /// Nothing when `quiet`; a bar on a terminal; lines otherwise.
    pub fn new(quiet: bool, duration_s: u64) -> Self {
        let started = Instant::now();
        let hidden = RunProgress {
            started,
            bar: ProgressBar::hidden(),
            lines: None,
        };
        if quiet {
            return hidden;
        }
        if !std::io::stderr().is_terminal() {
            let every = std::env::var(INTERVAL_ENV)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_millis)
                .unwrap_or(LINE_INTERVAL);
            return RunProgress {
                lines: Some(Lines {
                    every,
                    last_at: started,
                    last_events: 0,
                }),
                ..hidden
            };
        }
        let bar = ProgressBar::with_draw_target(Some(duration_s), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} simulated s  {msg}")
                .expect("static template")
                .progress_chars("=> "),
        );
        RunProgress {
            bar,
            lines: None,
            started,
        }
    }

    /// Takes one report of the engine.
    pub fn update(&mut self, p: Progress) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        if let Some(l) = &mut self.lines {
            let now = Instant::now();
            let since = now.duration_since(l.last_at);
            if since < l.every {
                return;
            }
            let rate = (p.events_processed - l.last_events) as f64 / since.as_secs_f64().max(1e-9);
            l.last_at = now;
            l.last_events = p.events_processed;
            let _ = writeln!(std::io::stderr().lock(), "{}", line(p, rate));
            return;
        }
        self.bar.set_position(p.sim_time.as_millis() / 1000);
        self.bar
            .set_message(format!("{:.0} events/s", p.events_processed as f64 / secs));
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `progress: simulated 1h00m00.000s of 24h00m00.000s (4.2 %), 812345 events/s, 17 pods pending`
fn line(p: Progress, events_per_s: f64) -> String {
    let pct = if p.duration.as_millis() == 0 {
        100.0
    } else {
        p.sim_time.as_millis() as f64 * 100.0 / p.duration.as_millis() as f64
    };
    format!(
        "progress: simulated {} of {} ({pct:.1} %), {events_per_s:.0} events/s, {} pods pending",
        p.sim_time, p.duration, p.pods_pending
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clustersim::engine::SimTime;

    #[test]
    fn line_names_time_rate_and_pending() {
        let p = Progress {
            sim_time: SimTime(3_600_000),
            duration: SimTime(4 * 3_600_000),
            events_processed: 10,
            pods_pending: 17,
        };
        assert_eq!(
            line(p, 812_345.4),
            "progress: simulated 1h00m00.000s of 4h00m00.000s (25.0 %), 812345 events/s, 17 pods pending"
        );
    }
}
