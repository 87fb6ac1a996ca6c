//! Dates in front matter and `--now`, read in the site's time zone.

pub mod calendar;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

pub use calendar::WorkCalendar;

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
/// last working day, by `calendar` (the State Council's schedules and the
/// site's own `holidays`/`workdays`). Also returns the first year the
/// period reached whose schedule is unknown (counted Monday to Friday).
pub fn add_working_days(
    start: &Instant,
    days: u32,
    calendar: &WorkCalendar,
) -> Result<(Instant, Option<i32>), calendar::TooFar> {
    let end = calendar.add_working_days(start.date_naive(), days)?;
    let last = end.last.and_hms_opt(23, 59, 59).ok_or(calendar::TooFar)?;
    let at = start
        .offset()
        .from_local_datetime(&last)
        .earliest()
        .ok_or(calendar::TooFar)?;
    Ok((at, end.unscheduled))
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
        let end = |start: &str, days, cal: &WorkCalendar| {
            let (at, unknown) = add_working_days(&parse(start, tz).unwrap(), days, cal).unwrap();
            (at.to_rfc3339(), unknown)
        };
        // Thursday 2026-11-19 + 5 working days: Thu, Fri, Mon, Tue, Wed.
        let plain = WorkCalendar::builtin();
        let want = ("2026-11-25T23:59:59+08:00".to_string(), None);
        assert_eq!(end("2026-11-19 09:00", 5, &plain), want);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let hol = WorkCalendar::new(vec![d("2026-11-23")], Vec::new());
        assert_eq!(
            end("2026-11-19 09:00", 5, &hol).0,
            "2026-11-26T23:59:59+08:00"
        );
        let makeup = WorkCalendar::new(Vec::new(), vec![d("2026-11-21")]);
        assert_eq!(
            end("2026-11-19 09:00", 5, &makeup).0,
            "2026-11-24T23:59:59+08:00"
        );
        // The example: National Day and Mid-Autumn 2026.
        assert_eq!(
            end("2026-09-30 10:00", 5, &plain),
            ("2026-10-12T23:59:59+08:00".to_string(), None)
        );
        assert_eq!(end("2027-04-01", 5, &plain).1, Some(2027));
        let last = NaiveDate::MAX.and_hms_opt(0, 0, 0).unwrap();
        let far = tz
            .from_utc_datetime(&(last - chrono::Duration::days(2)))
            .fixed_offset();
        assert!(add_working_days(&far, 30, &plain).is_err());
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
