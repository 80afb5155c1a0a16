//! Validation of `slo`: `maxPendingAfter` names exactly one of `fault` and `at` (and `at` lies
//! within the run), availability is a fraction of 1.

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
}
