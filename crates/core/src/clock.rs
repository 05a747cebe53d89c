//! The organisation's clock: "today", periods and overdue are dates in its time zone, not UTC
//! (in Beijing, UTC is still yesterday until 8 in the morning).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The time zone an organisation starts with.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Shanghai;

/// The zones the settings page offers first (any IANA name is accepted).
pub const COMMON_TIME_ZONES: [&str; 10] = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
];

/// Parses an IANA time zone name (`Asia/Shanghai`, `Europe/Berlin`, `UTC`).
pub fn parse_time_zone(raw: &str) -> Result<Tz, &'static str> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("required");
    }
    t.parse::<Tz>().map_err(|_| "invalid_choice")
}

/// The date it is at `now` in `tz`.
pub fn today_in(tz: Tz, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn in_beijing_the_day_starts_eight_hours_before_utc() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        // 23:30 UTC on the 6th is 07:30 on the 7th in Beijing.
        assert_eq!(
            today_in(DEFAULT_TIME_ZONE, utc(2026, 12, 6, 23, 30)),
            date(2026, 12, 7)
        );
        assert_eq!(
            today_in(DEFAULT_TIME_ZONE, utc(2026, 12, 6, 15, 59)),
            date(2026, 12, 6)
        );
        assert_eq!(
            today_in(DEFAULT_TIME_ZONE, utc(2026, 12, 6, 16, 0)),
            date(2026, 12, 7)
        );
        // New York is behind UTC: still the 6th.
        let ny = parse_time_zone("America/New_York").unwrap_or(DEFAULT_TIME_ZONE);
        assert_eq!(today_in(ny, utc(2026, 12, 7, 3, 0)), date(2026, 12, 6));
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(parse_time_zone(" Asia/Shanghai "), Ok(DEFAULT_TIME_ZONE));
        assert_eq!(parse_time_zone("UTC"), Ok(chrono_tz::UTC));
        assert_eq!(parse_time_zone("Beijing"), Err("invalid_choice"));
        assert_eq!(parse_time_zone("  "), Err("required"));
        assert!(COMMON_TIME_ZONES.iter().all(|z| parse_time_zone(z).is_ok()));
    }
}
