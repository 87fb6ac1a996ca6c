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

/// The current time in the site's zone.
pub fn now(tz: Tz) -> Instant {
    chrono::Utc::now().with_timezone(&tz).fixed_offset()
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
    fn formats_chinese_dates() {
        let t = parse("2026-03-05", chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(format_date_zh(&t), "2026年3月5日");
    }
}
