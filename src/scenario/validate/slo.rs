//! Validation of `slo`: `maxPendingAfter` names exactly one of `fault` and `at` (and `at` lies
//! within the run), availability is a fraction of 1; per-service targets name services of the
//! scenario and lie in range.

use super::{key, Checker};
use crate::scenario::types::ScenarioFile;

pub(super) fn check(c: &mut Checker, scenario: &ScenarioFile) {
    let Some(slo) = &scenario.slo else {
        return;
    };
    if let Some(after) = &slo.max_pending_after {
        let at = key("slo", "maxPendingAfter");
        match (after.fault, after.at) {
            (Some(_), Some(_)) => c.error(&at, "give either `fault` or `at`, not both"),
            (None, None) => c.error(
                &at,
                "give `fault: <duration>` (after each fault) or `at: <duration>` (a simulated time)",
            ),
            (None, Some(t)) => {
                let duration = scenario.simulation.duration;
                if t > duration {
                    c.error(
                        key(&at, "at"),
                        format!("{t} is after the end of the run (simulation.duration {duration})"),
                    );
                }
            }
            (Some(_), None) => {}
        }
    }
    if let Some(a) = slo.min_workload_availability {
        if !(0.0..=1.0).contains(&a) {
            c.error(
                key("slo", "minWorkloadAvailability"),
                format!("{a} is not a fraction between 0 and 1 (e.g. 0.999 for 99.9 %)"),
            );
        }
    }
    for (name, t) in &slo.services {
        let at = key(&key("slo", "services"), name);
        if !scenario.services.iter().any(|s| &s.name == name) {
            let known: Vec<&str> = scenario.services.iter().map(|s| s.name.as_str()).collect();
            c.error(
                &at,
                format!(
                    "no service named {name:?} (services: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
        if let Some(a) = t.availability {
            if !(a > 0.0 && a <= 1.0) {
                c.error(
                    key(&at, "availability"),
                    format!("{a} is not a fraction in (0, 1] (e.g. 0.999 for 99.9 %)"),
                );
            }
        }
        for (field, d) in [
            ("p50Latency", t.p50_latency),
            ("p95Latency", t.p95_latency),
            ("p99Latency", t.p99_latency),
        ] {
            if d.is_some_and(|d| d.as_millis() == 0) {
                c.error(key(&at, field), "a latency target must be greater than 0");
            }
        }
        if let Some(b) = t.max_error_budget_burn {
            if !(b.is_finite() && b > 0.0) {
                c.error(
                    key(&at, "maxErrorBudgetBurn"),
                    format!("{b} is not a burn rate greater than 0 (1 = the budget's own pace)"),
                );
            } else if t.availability.is_none() {
                c.error(
                    key(&at, "maxErrorBudgetBurn"),
                    "needs `availability`: the error budget is 1 − availability",
                );
            } else if t.availability == Some(1.0) {
                c.error(
                    key(&at, "maxErrorBudgetBurn"),
                    "availability 1 leaves no error budget to burn",
                );
            }
        }
        if let Some(w) = t.burn_window {
            if w.as_millis() != 300_000 && w.as_millis() != 3_600_000 {
                c.error(key(&at, "burnWindow"), format!("{w} is not 5m or 1h"));
            }
        }
    }
}
