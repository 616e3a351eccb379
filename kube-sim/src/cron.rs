//! Cron schedules as CronJobs write them: five fields (minute, hour, day of
//! month, month, day of week) of `*`, numbers, ranges, lists and steps, or
//! the macros `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};

/// A parsed schedule: for each field, the set of matching values as a bit mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    fields: [u64; 5],
    /// Both day fields are restricted: a day matches when either does (as cron has it).
    either_day: bool,
}

const RANGES: [(u32, u32); 5] = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];
const NAMES: [&str; 5] = ["minute", "hour", "day of month", "month", "day of week"];

fn field(text: &str, i: usize) -> Result<u64, String> {
    let (lo, hi) = RANGES[i];
    let mut mask = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("bad step {s:?} in the {} field", NAMES[i]))?,
            ),
            None => (part, 1),
        };
        let num = |s: &str| {
            s.parse::<u32>()
                .ok()
                .map(|n| if i == 4 && n == 7 { 0 } else { n })
                .filter(|n| (lo..=hi).contains(n))
                .ok_or_else(|| format!("{s:?} is out of range {lo}-{hi} in the {} field", NAMES[i]))
        };
        let (from, to) = match range {
            "*" | "?" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (num(a)?, num(b)?),
                None if step > 1 => (num(r)?, hi),
                None => {
                    let n = num(r)?;
                    (n, n)
                }
            },
        };
        if from > to {
            return Err(format!("bad range {range:?} in the {} field", NAMES[i]));
        }
        let mut v = from;
        while v <= to {
            mask |= 1 << v;
            v += step;
        }
    }
    Ok(mask)
}

impl Schedule {
    /// Parses a schedule; the error says which field is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = match text.trim() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            t => t,
        };
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(format!("expected exactly 5 fields, found {}", parts.len()));
        }
        let mut fields = [0u64; 5];
        for (i, p) in parts.iter().enumerate() {
            fields[i] = field(p, i)?;
        }
        let restricted = |p: &str| !p.starts_with('*') && !p.starts_with('?');
        Ok(Schedule {
            fields,
            either_day: restricted(parts[2]) && restricted(parts[4]),
        })
    }

    fn day_matches(&self, t: DateTime<Utc>) -> bool {
        let dom = self.fields[2] & (1 << t.day()) != 0;
        let dow = self.fields[4] & (1 << t.weekday().num_days_from_sunday()) != 0;
        if self.either_day {
            dom || dow
        } else {
            dom && dow
        }
    }

    /// The first matching minute strictly after `after`, within four years.
    /// Skips whole months, days and hours that cannot match.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let has = |i: usize, v: u32| self.fields[i] & (1 << v) != 0;
        let limit = after + Duration::days(4 * 366);
        let mut t = after.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        while t <= limit {
            if !has(3, t.month()) {
                let (y, m) = if t.month() == 12 {
                    (t.year() + 1, 1)
                } else {
                    (t.year(), t.month() + 1)
                };
                t = Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single()?;
            } else if !self.day_matches(t) {
                t = (t + Duration::days(1)).with_hour(0)?.with_minute(0)?;
            } else if !has(1, t.hour()) {
                t = (t + Duration::hours(1)).with_minute(0)?;
            } else if !has(0, t.minute()) {
                t += Duration::minutes(1);
            } else {
                return Some(t);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_finds_next_times() {
        let at = |h, m| Utc.with_ymd_and_hms(2026, 11, 23, h, m, 30).unwrap();
        let every5 = Schedule::parse("*/5 * * * *").unwrap();
        assert_eq!(
            every5.next_after(at(10, 2)),
            Some(Utc.with_ymd_and_hms(2026, 11, 23, 10, 5, 0).unwrap())
        );
        let daily = Schedule::parse("@daily").unwrap();
        assert_eq!(
            daily.next_after(at(10, 2)),
            Some(Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap())
        );
        let weekdays = Schedule::parse("30 9 * * 1-5").unwrap();
        // 2026-11-28 is a Saturday: the next run after Friday 10:00 is Monday.
        let friday = Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap();
        assert_eq!(
            weekdays.next_after(friday),
            Some(Utc.with_ymd_and_hms(2026, 11, 30, 9, 30, 0).unwrap())
        );
        assert!(Schedule::parse("* * *").is_err());
        assert!(Schedule::parse("61 * * * *")
            .unwrap_err()
            .contains("minute"));
        assert!(Schedule::parse("*/0 * * * *").is_err());
        let yearly = Schedule::parse("@yearly").unwrap();
        assert_eq!(
            yearly.next_after(friday),
            Some(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap())
        );
        // Day of month or day of week: the 1st, or any Monday.
        let either = Schedule::parse("0 0 1 * 1").unwrap();
        assert_eq!(
            either.next_after(friday),
            Some(Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap())
        );
        // February 30th never comes.
        assert_eq!(
            Schedule::parse("0 0 30 2 *").unwrap().next_after(friday),
            None
        );
    }
}
