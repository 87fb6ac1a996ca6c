//! Dates in front matter and `--now`, read in the site's time zone.

pub(crate) mod calendar;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

pub(crate) use calendar::WorkCalendar;

/// An instant with the offset it is shown in.
pub(crate) type Instant = DateTime<FixedOffset>;

/// Parses `2026-11-20`, `2026-11-20 09:30`, `2026-11-20 09:30:15`,
/// `2026-11-20T09:30`, or RFC 3339 (`2026-11-20T09:30:00+08:00`).
/// Dates without an offset are in `tz`; a bare date is midnight.
pub(crate) fn parse(text: &str, tz: Tz) -> Option<Instant> {
    let normalized = chinese_date(text.trim());
    let text = normalized.as_deref().unwrap_or(text.trim());
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return in_range(dt.date_naive()).then_some(dt);
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
    if !in_range(naive.date()) {
        return None;
    }
    // A local time skipped by a DST change does not exist; take the later valid one.
    let local = tz.from_local_datetime(&naive).earliest().or_else(|| {
        tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
    })?;
    Some(local.fixed_offset())
}

/// Like [`parse`], but a bare date is the end of that day (23:59:59): an
/// expiry or a 公示 end written as `2026-11-25` includes the 25th.
pub(crate) fn parse_end(text: &str, tz: Tz) -> Option<Instant> {
    let t = parse(text, tz)?;
    let bare = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_ok()
        || NaiveDate::parse_from_str(text.trim(), "%Y/%m/%d").is_ok();
    if bare {
        t.checked_add_signed(chrono::Duration::seconds(86_399))
    } else {
        Some(t)
    }
}

/// The years a date may name: wide enough for any archive, narrow enough
/// that date arithmetic (a 公示期 of working days) can never overflow.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

fn in_range(d: NaiveDate) -> bool {
    use chrono::Datelike;
    YEARS.contains(&d.year())
}

/// `2026年11月20日` (an editor's habit), with an optional time after it,
/// rewritten as `2026-11-20`.
fn chinese_date(text: &str) -> Option<String> {
    let (y, rest) = text.split_once('年')?;
    let (m, rest) = rest.split_once('月')?;
    let (d, rest) = rest.split_once(['日', '号'])?;
    let num = |s: &str| s.trim().parse::<u32>().ok();
    let (y, m, d) = (num(y)?, num(m)?, num(d)?);
    let rest = rest.trim();
    Some(if rest.is_empty() {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {rest}")
    })
}

/// Why `text` is not a date, and how to write it: the message and hint of
/// the error an editor sees.
pub(crate) fn explain_bad_date(text: &str) -> (String, String) {
    let hint = "写成 2026-11-20、2026-11-20 09:30 或 2026-11-20T09:30:00+08:00".to_string();
    let normalized = chinese_date(text.trim()).unwrap_or_else(|| text.trim().replace('/', "-"));
    let date_part = normalized.split([' ', 'T']).next().unwrap_or("");
    let parts: Vec<Option<i64>> = date_part.split('-').map(|p| p.parse().ok()).collect();
    if let [Some(y), Some(m), Some(d)] = parts[..] {
        if !(1900..=2999).contains(&y) {
            return (
                format!("无法识别的日期 “{text}”：年份 {y} 不在 1900 至 2999 之间"),
                hint,
            );
        }
        if !(1..=12).contains(&m) {
            return (format!("无法识别的日期 “{text}”：一年没有 {m} 月"), hint);
        }
        let days = NaiveDate::from_ymd_opt(y as i32, m as u32, 1)
            .and_then(|first| {
                let next = if m == 12 {
                    NaiveDate::from_ymd_opt(y as i32 + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(y as i32, m as u32 + 1, 1)
                };
                next.map(|n| (n - first).num_days())
            })
            .unwrap_or(31);
        if d < 1 || d > days {
            return (
                format!("无法识别的日期 “{text}”：{y} 年 {m} 月只有 {days} 天"),
                "检查日期是否写错".into(),
            );
        }
        return (format!("无法识别的时间 “{text}”"), hint);
    }
    (format!("无法识别的日期 “{text}”"), hint)
}

/// The current time in the site's zone.
pub(crate) fn now(tz: Tz) -> Instant {
    chrono::Utc::now().with_timezone(&tz).fixed_offset()
}

/// The end of a 公示期 of `days` working days from `start`: the end of the
/// last working day, by `calendar` (the State Council's schedules and the
/// site's own `holidays`/`workdays`). Also returns the first year the
/// period reached whose schedule is unknown (counted Monday to Friday).
pub(crate) fn add_working_days(
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
pub(crate) fn format_date_zh(t: &Instant) -> String {
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
    fn chinese_and_impossible_dates() {
        let tz = chrono_tz::Asia::Shanghai;
        assert_eq!(
            parse("2026年11月20日", tz).unwrap().to_rfc3339(),
            "2026-11-20T00:00:00+08:00"
        );
        assert_eq!(
            parse("2026年11月20日 09:30", tz).unwrap().to_rfc3339(),
            "2026-11-20T09:30:00+08:00"
        );
        assert!(parse("2026-11-31", tz).is_none());
        assert!(explain_bad_date("2026-11-31").0.contains("只有 30 天"));
        assert!(explain_bad_date("2026-02-29").0.contains("只有 28 天"));
        assert!(explain_bad_date("2026-13-01").0.contains("13 月"));
        // Years far away are refused instead of overflowing later (issue 19).
        let ny = chrono_tz::America::New_York;
        assert!(parse_end("+262142-12-31", ny).is_none());
        assert!(parse("9999-12-31", tz).is_none());
    }

    #[test]
    fn formats_chinese_dates() {
        let t = parse("2026-03-05", chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(format_date_zh(&t), "2026年3月5日");
    }
}
