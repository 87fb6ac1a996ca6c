//! Dates in front matter and `--now`, read in the site's time zone.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// An instant with the offset it is shown in.
pub type Instant = DateTime<FixedOffset>;

/// Parses `2026-11-20`, `2026-11-20 09:30`, `2026-11-20 09:30:15`,
/// `2026-11-20T09:30`, or RFC 3339 (`2026-11-20T09:30:00+08:00`).
/// Dates without an offset are in `tz`; a bare date is midnight.
pub fn parse(text: &str, tz: Tz) -> Option<Instant> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt);
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .or_else(|| {
        ["%Y-%m-%d", "%Y/%m/%d"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
            .map(|d| d.and_time(NaiveTime::MIN))
    })?;
    // A local time skipped by a DST change does not exist; take the later valid one.
    let local = tz.from_local_datetime(&naive).earliest().or_else(|| {
        tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
    })?;
    Some(local.fixed_offset())
}

/// Like [`parse`], but a bare date is the end of that day (23:59:59): an
/// expiry or a 公示 end written as `2026-11-25` includes the 25th.
pub fn parse_end(text: &str, tz: Tz) -> Option<Instant> {
    let t = parse(text, tz)?;
    let bare = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_ok()
        || NaiveDate::parse_from_str(text.trim(), "%Y/%m/%d").is_ok();
    Some(if bare {
        t + chrono::Duration::seconds(86_399)
    } else {
        t
    })
}

/// The current time in the site's zone.
pub fn now(tz: Tz) -> Instant {
    chrono::Utc::now().with_timezone(&tz).fixed_offset()
}

/// The end of a 公示期 of `days` working days from `start`: the end of the
/// last working day, where Saturdays, Sundays and `holidays` are skipped
/// unless listed in `workdays` (调休). Dates are `YYYY-MM-DD`.
pub fn add_working_days(
    start: &Instant,
    days: u32,
    holidays: &[String],
    workdays: &[String],
) -> Instant {
    use chrono::{Datelike, Weekday};
    let listed = |list: &[String], d: NaiveDate| {
        list.iter()
            .any(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") == Ok(d))
    };
    let is_working = |d: NaiveDate| {
        listed(workdays, d)
            || !(matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || listed(holidays, d))
    };
    let mut day = start.date_naive();
    let mut counted = u32::from(is_working(day));
    while counted < days {
        day = day.succ_opt().unwrap_or(day);
        counted += u32::from(is_working(day));
    }
    let end = day.and_hms_opt(23, 59, 59).unwrap_or_default();
    start
        .offset()
        .from_local_datetime(&end)
        .earliest()
        .unwrap_or(*start)
}

/// `2026年11月20日`
pub fn format_date_zh(t: &Instant) -> String {
    t.format("%Y年%-m月%-d日").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let tz = chrono_tz::Asia::Shanghai;
        let want = "2026-11-20T09:30:00+08:00";
        for s in [
            "2026-11-20 09:30",
            "2026-11-20T09:30",
            "2026-11-20T09:30:00+08:00",
        ] {
            assert_eq!(parse(s, tz).unwrap().to_rfc3339(), want, "{s}");
        }
        assert_eq!(
            parse("2026-11-20", tz).unwrap().to_rfc3339(),
            "2026-11-20T00:00:00+08:00"
        );
        assert_eq!(
            parse("2026-11-20T01:30:00Z", tz).unwrap().to_rfc3339(),
            "2026-11-20T01:30:00+00:00"
        );
        assert!(parse("2026-13-01", tz).is_none());
        assert!(parse("昨天", tz).is_none());
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let tz = chrono_tz::Asia::Shanghai;
        // Thursday 2026-11-19 + 5 working days: Thu, Fri, Mon, Tue, Wed.
        let start = parse("2026-11-19 09:00", tz).unwrap();
        assert_eq!(
            add_working_days(&start, 5, &[], &[]).to_rfc3339(),
            "2026-11-25T23:59:59+08:00"
        );
        let hol = vec!["2026-11-23".to_string()];
        assert_eq!(
            add_working_days(&start, 5, &hol, &[]).to_rfc3339(),
            "2026-11-26T23:59:59+08:00"
        );
        let makeup = vec!["2026-11-21".to_string()];
        assert_eq!(
            add_working_days(&start, 5, &[], &makeup).to_rfc3339(),
            "2026-11-24T23:59:59+08:00"
        );
    }

    #[test]
    fn bare_end_dates_include_the_day() {
        let tz = chrono_tz::Asia::Shanghai;
        assert_eq!(
            parse_end("2026-11-25", tz).unwrap().to_rfc3339(),
            "2026-11-25T23:59:59+08:00"
        );
        assert_eq!(
            parse_end("2026-11-25 18:00", tz).unwrap().to_rfc3339(),
            "2026-11-25T18:00:00+08:00"
        );
    }

    #[test]
    fn formats_chinese_dates() {
        let t = parse("2026-03-05", chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(format_date_zh(&t), "2026年3月5日");
    }
}
