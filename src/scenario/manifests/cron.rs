//! CronJob schedules (`spec.schedule`, the five-field cron syntax upstream uses through
//! robfig/cron's standard parser) turned into arrival times.
//!
//! Simulated time 0 is midnight of a Monday. Supported: `*`, numbers, ranges `a-b`, steps
//! `*/n` and `a-b/n`, lists, and the macros `@hourly`, `@daily`/`@midnight`, `@weekly`;
//! day-of-month and month must be `*` (a run of a few days has no calendar), `@yearly` and
//! `@monthly` are refused. As in cron, when day-of-week is restricted, only those days match.

/// The fire times of `schedule` in `[0, until_ms)`, in ms.
pub fn fire_times(schedule: &str, until_ms: u64) -> Result<Vec<u64>, String> {
    let expanded = match schedule.trim() {
        "@hourly" => "0 * * * *",
        "@daily" | "@midnight" => "0 0 * * *",
        "@weekly" => "0 0 * * 0",
        s if s.starts_with('@') => {
            return Err(format!(
                "{s:?}: only @hourly, @daily, @midnight and @weekly are modelled"
            ))
        }
        s => s,
    };
    let fields: Vec<&str> = expanded.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = fields[..] else {
        return Err(format!(
            "{schedule:?}: expected five fields (minute hour day-of-month month day-of-week)"
        ));
    };
    for (name, f) in [("day-of-month", dom), ("month", month)] {
        if f != "*" && f != "?" {
            return Err(format!(
                "{schedule:?}: the {name} field must be * (the simulation has no calendar)"
            ));
        }
    }
    let minutes = field(minute, 0, 59).map_err(|e| format!("{schedule:?}: minute: {e}"))?;
    let hours = field(hour, 0, 23).map_err(|e| format!("{schedule:?}: hour: {e}"))?;
    let mut days = field(dow, 0, 7).map_err(|e| format!("{schedule:?}: day-of-week: {e}"))?;
    if days[7] {
        days[0] = true;
    }
    const MINUTE: u64 = 60_000;
    let mut out = Vec::new();
    let mut t = 0;
    while t < until_ms {
        let day = t / (1_440 * MINUTE);
        // Day 0 is a Monday: weekday 1.
        let weekday = ((day + 1) % 7) as usize;
        let h = ((t / (60 * MINUTE)) % 24) as usize;
        let m = ((t / MINUTE) % 60) as usize;
        if days[weekday] && hours[h] && minutes[m] {
            out.push(t);
        }
        t += MINUTE;
    }
    Ok(out)
}

/// The values `lo..=hi` a field allows.
fn field(spec: &str, lo: usize, hi: usize) -> Result<Vec<bool>, String> {
    let mut allowed = vec![false; hi + 1];
    for part in spec.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<usize>()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or_else(|| format!("bad step in {part:?}"))?,
            ),
            None => (part, 1),
        };
        let (a, b) = if range == "*" || range == "?" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (num(a, lo, hi)?, num(b, lo, hi)?)
        } else {
            let a = num(range, lo, hi)?;
            (a, if part.contains('/') { hi } else { a })
        };
        if a > b {
            return Err(format!("range {range:?} runs backwards"));
        }
        for v in (a..=b).step_by(step) {
            allowed[v] = true;
        }
    }
    Ok(allowed)
}

fn num(s: &str, lo: usize, hi: usize) -> Result<usize, String> {
    s.parse::<usize>()
        .ok()
        .filter(|v| (lo..=hi).contains(v))
        .ok_or_else(|| format!("{s:?} is not a number from {lo} to {hi}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3_600_000;

    #[test]
    fn every_fifteen_minutes_in_the_first_hour() {
        assert_eq!(
            fire_times("*/15 * * * *", H).unwrap(),
            vec![0, 900_000, 1_800_000, 2_700_000]
        );
    }

    #[test]
    fn daily_at_two_and_weekdays_only() {
        assert_eq!(
            fire_times("0 2 * * *", 48 * H).unwrap(),
            vec![2 * H, 26 * H]
        );
        // Day 0 is a Monday: Saturday and Sunday are days 5 and 6.
        let weekdays = fire_times("30 1 * * 1-5", 7 * 24 * H).unwrap();
        assert_eq!(weekdays.len(), 5);
        assert_eq!(weekdays[0], H + 1_800_000);
        assert_eq!(
            fire_times("@weekly", 14 * 24 * H).unwrap(),
            vec![6 * 24 * H, 13 * 24 * H]
        );
        assert_eq!(
            fire_times("0 0 * * 7", 7 * 24 * H).unwrap(),
            vec![6 * 24 * H]
        );
    }

    #[test]
    fn calendar_fields_and_bad_syntax_are_refused() {
        assert!(fire_times("0 0 1 * *", H)
            .unwrap_err()
            .contains("day-of-month"));
        assert!(fire_times("@yearly", H).is_err());
        assert!(fire_times("61 * * * *", H).unwrap_err().contains("minute"));
        assert!(fire_times("* * *", H).unwrap_err().contains("five fields"));
        assert!(fire_times("5-1 * * * *", H).is_err());
    }
}
