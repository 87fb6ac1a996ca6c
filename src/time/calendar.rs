//! Working days for 公示期: the State Council's holiday schedules built in,
//! with a site's own `disclosure.holidays`/`disclosure.workdays` on top.
//!
//! The schedules (放假 and 调休上班 dates of every year published so far,
//! with each year's notice as provenance) live in `holidays-cn.json` beside
//! this file and are compiled into the binary.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

/// The built-in schedules, as published.
const SCHEDULES: &str = include_str!("holidays-cn.json");

/// One year's published schedule.
#[derive(Debug, Deserialize)]
pub(crate) struct YearSchedule {
    pub(crate) year: i32,
    /// The notices it comes from (the yearly one, and any later change):
    /// provenance, checked by the tests, not used by the build.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) notices: Vec<Notice>,
    /// Days off (放假), including those that fall in the previous December.
    pub(crate) off: Vec<NaiveDate>,
    /// Weekend days worked (调休上班).
    pub(crate) work: Vec<NaiveDate>,
}

/// A State Council notice, as provenance.
#[derive(Debug, Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Notice {
    pub(crate) title: String,
    /// 文号, e.g. 国办发明电〔2025〕7号.
    pub(crate) number: String,
    /// 成文日期.
    pub(crate) date: NaiveDate,
    pub(crate) url: String,
}

#[derive(Deserialize)]
struct File {
    years: Vec<YearSchedule>,
}

/// The built-in schedules, read once.
pub(crate) fn builtin() -> &'static [YearSchedule] {
    static PARSED: OnceLock<Vec<YearSchedule>> = OnceLock::new();
    PARSED.get_or_init(|| {
        // The file is part of the source and checked by a unit test.
        serde_json::from_str::<File>(SCHEDULES)
            .map(|f| f.years)
            .unwrap_or_default()
    })
}

/// Dates with an explicit status, sorted, from the built-in schedules.
struct Builtin {
    off: Vec<NaiveDate>,
    work: Vec<NaiveDate>,
    years: BTreeSet<i32>,
}

fn builtin_days() -> &'static Builtin {
    static DAYS: OnceLock<Builtin> = OnceLock::new();
    DAYS.get_or_init(|| {
        let years = builtin();
        let mut off: Vec<NaiveDate> = years.iter().flat_map(|y| y.off.clone()).collect();
        let mut work: Vec<NaiveDate> = years.iter().flat_map(|y| y.work.clone()).collect();
        off.sort_unstable();
        work.sort_unstable();
        Builtin {
            off,
            work,
            years: years.iter().map(|y| y.year).collect(),
        }
    })
}

/// Which days are working days: built-in schedules plus a site's overrides.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct WorkCalendar {
    /// The site's `holidays` and `workdays`, sorted.
    site_off: Vec<NaiveDate>,
    site_work: Vec<NaiveDate>,
    /// Every date whose status is not simply "Monday to Friday", sorted.
    special: Vec<NaiveDate>,
    /// Years whose schedule is known: built in, or given by the site.
    covered: BTreeSet<i32>,
}

impl Default for WorkCalendar {
    fn default() -> Self {
        Self::builtin()
    }
}

// The built-in part is the same for every calendar: hash only the site's.
impl std::hash::Hash for WorkCalendar {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (&self.site_off, &self.site_work).hash(state);
    }
}

// The built-in part is the same for every calendar: show only the site's.
impl std::fmt::Debug for WorkCalendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkCalendar")
            .field("site_off", &self.site_off)
            .field("site_work", &self.site_work)
            .finish()
    }
}

/// Where counting working days ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WorkingEnd {
    /// The last working day of the period.
    pub(crate) last: NaiveDate,
    /// The first year (of a notice) the period needed but no schedule
    /// covers: its working days were counted as Monday to Friday.
    pub(crate) unscheduled: Option<i32>,
}

/// The period would end after the last date the calendar can represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("公示期的结束日期超出了可表示的日期范围")]
pub(crate) struct TooFar;

impl WorkCalendar {
    /// The built-in schedules with a site's holidays and workdays (already
    /// parsed) on top; a site date beats a built-in one.
    pub fn new(mut site_off: Vec<NaiveDate>, mut site_work: Vec<NaiveDate>) -> Self {
        site_off.sort_unstable();
        site_off.dedup();
        site_work.sort_unstable();
        site_work.dedup();
        let b = builtin_days();
        let mut special: Vec<NaiveDate> = [&b.off, &b.work, &site_off, &site_work]
            .into_iter()
            .flatten()
            .copied()
            .collect();
        special.sort_unstable();
        special.dedup();
        let covered = b
            .years
            .iter()
            .copied()
            .chain(site_off.iter().chain(&site_work).map(|d| d.year()))
            .collect();
        WorkCalendar {
            site_off,
            site_work,
            special,
            covered,
        }
    }

    /// The built-in schedules alone.
    pub(crate) fn builtin() -> Self {
        Self::new(Vec::new(), Vec::new())
    }

    pub(crate) fn is_working(&self, d: NaiveDate) -> bool {
        let has = |list: &[NaiveDate]| list.binary_search(&d).is_ok();
        if has(&self.site_work) {
            return true;
        }
        if has(&self.site_off) {
            return false;
        }
        let b = builtin_days();
        if has(&b.work) {
            return true;
        }
        !has(&b.off) && is_weekday(d)
    }

    /// The last working day of a period of `days` working days starting on
    /// `start` (counted when it is a working day). Takes time proportional
    /// to the number of special dates, not to `days`.
    pub(crate) fn add_working_days(
        &self,
        start: NaiveDate,
        days: u32,
    ) -> Result<WorkingEnd, TooFar> {
        let days = u64::from(days);
        let mut day = start;
        let mut counted = u64::from(self.is_working(day));
        while counted < days {
            let need = days - counted;
            let next = self.special.partition_point(|s| *s <= day);
            match self.special.get(next) {
                // Plain weeks until the next special date: skip them at once.
                Some(&special) => {
                    let plain = weekdays_between(day, special);
                    if need <= plain {
                        day = nth_weekday_after(day, need)?;
                        counted = days;
                    } else {
                        counted += plain + u64::from(self.is_working(special));
                        day = special;
                    }
                }
                None => {
                    day = nth_weekday_after(day, need)?;
                    counted = days;
                }
            }
        }
        let unscheduled = self
            .first_unknown_from(start)
            .filter(|u| *u <= day)
            .map(|u| self.notice_year(u));
        Ok(WorkingEnd {
            last: day,
            unscheduled,
        })
    }

    /// Whether a year's schedule is known (built in or given by the site).
    pub(crate) fn covers(&self, year: i32) -> bool {
        self.covered.contains(&year)
    }

    /// The notice year that decides date `d`: its own year, or the next one
    /// for the last week of December (元旦 arrangements reach back into it).
    fn notice_year(&self, d: NaiveDate) -> i32 {
        if self.covers(d.year()) {
            d.year() + 1
        } else {
            d.year()
        }
    }

    /// The first date on or after `from` whose status no known schedule
    /// decides. The next year's notice can move days of the last week of
    /// December (2018-12-29 was worked under the 2019 notice), so those
    /// need the next year covered too.
    fn first_unknown_from(&self, from: NaiveDate) -> Option<NaiveDate> {
        let mut year = from.year();
        loop {
            if !self.covers(year) {
                return Some(from.max(NaiveDate::from_ymd_opt(year, 1, 1)?));
            }
            if !self.covers(year + 1) {
                return Some(from.max(NaiveDate::from_ymd_opt(year, 12, 25)?));
            }
            year += 1;
        }
    }
}

fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday to Friday days strictly after `from` and strictly before `to`.
fn weekdays_between(from: NaiveDate, to: NaiveDate) -> u64 {
    let span = (to - from).num_days() - 1;
    if span <= 0 {
        return 0;
    }
    let span = span as u64;
    let mut count = span / 7 * 5;
    let mut d = from;
    for _ in 0..span % 7 {
        d = d.succ_opt().unwrap_or(d);
        count += u64::from(is_weekday(d));
    }
    count
}

/// The `n`-th Monday-to-Friday day after `from` (`n` ≥ 1).
fn nth_weekday_after(from: NaiveDate, n: u64) -> Result<NaiveDate, TooFar> {
    // Index days Monday 0 … Friday 4 from the Monday of `from`'s week (a
    // weekend day counts from that week's Friday), then step forward from
    // `from` itself so no date before it is ever formed.
    let wd = u64::from(from.weekday().num_days_from_monday());
    let target = wd.min(4).checked_add(n).ok_or(TooFar)?;
    let offset = (target / 5)
        .checked_mul(7)
        .and_then(|w| w.checked_add(target % 5))
        .ok_or(TooFar)?
        - wd;
    from.checked_add_days(Days::new(offset)).ok_or(TooFar)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn builtin_file_is_complete_and_consistent() {
        let years = builtin();
        let numbers: Vec<i32> = years.iter().map(|y| y.year).collect();
        assert_eq!(numbers, (2007..=2026).collect::<Vec<_>>());
        let mut seen = std::collections::BTreeMap::new();
        for y in years {
            assert!(!y.notices.is_empty(), "{}: no notice", y.year);
            for n in &y.notices {
                assert!(n.title.contains("通知") && n.number.contains('号'), "{n:?}");
                assert!(n.url.starts_with("https://www.gov.cn/"), "{n:?}");
                assert!(
                    n.date.year() == y.year || n.date.year() == y.year - 1,
                    "{n:?}"
                );
            }
            for (list, off) in [(&y.off, true), (&y.work, false)] {
                assert!(list.windows(2).all(|w| w[0] < w[1]), "{}: unsorted", y.year);
                for day in list {
                    // Only the year itself and the December before it.
                    assert!(
                        day.year() == y.year || (day.year() == y.year - 1 && day.month() == 12),
                        "{day}"
                    );
                    assert_eq!(
                        *seen.entry(*day).or_insert(off),
                        off,
                        "{day} both off and work"
                    );
                }
            }
        }
    }

    #[test]
    fn national_day_2026() {
        // Wed 30 Sep works; 1–7 Oct off (National Day); Sat 10 Oct worked.
        let cal = WorkCalendar::builtin();
        let end = cal.add_working_days(d("2026-09-30"), 5).unwrap();
        assert_eq!(end.last, d("2026-10-12"));
        assert_eq!(end.unscheduled, None);
        assert_eq!(
            cal.add_working_days(d("2026-09-30"), 4).unwrap().last,
            d("2026-10-10")
        );
        // Mid-Autumn 25–27 Sep, Sun 20 Sep worked.
        assert_eq!(
            cal.add_working_days(d("2026-09-18"), 2).unwrap().last,
            d("2026-09-20")
        );
        assert_eq!(
            cal.add_working_days(d("2026-09-24"), 2).unwrap().last,
            d("2026-09-28")
        );
    }

    #[test]
    fn spring_festival_2026() {
        // 15–23 Feb off; Sat 14 Feb and Sat 28 Feb worked.
        let cal = WorkCalendar::builtin();
        let cases = [
            ("2026-02-12", 3, "2026-02-14"),
            ("2026-02-13", 2, "2026-02-14"),
            ("2026-02-13", 3, "2026-02-24"),
            ("2026-02-15", 1, "2026-02-24"),
            ("2026-02-24", 5, "2026-02-28"),
            ("2026-02-24", 6, "2026-03-02"),
        ];
        for (start, n, want) in cases {
            let got = cal.add_working_days(d(start), n).unwrap().last;
            assert_eq!(got, d(want), "{start} + {n}");
        }
    }

    #[test]
    fn site_overrides_beat_the_schedule() {
        // A site that works on 8 Oct 2026 and takes 9 Oct off.
        let cal = WorkCalendar::new(vec![d("2026-10-09")], vec![d("2026-10-07")]);
        assert!(cal.is_working(d("2026-10-07")));
        assert!(!cal.is_working(d("2026-10-09")));
        assert_eq!(
            cal.add_working_days(d("2026-09-30"), 3).unwrap().last,
            d("2026-10-08")
        );
    }

    #[test]
    fn unscheduled_years_are_reported() {
        let cal = WorkCalendar::builtin();
        let end = cal.add_working_days(d("2027-03-01"), 5).unwrap();
        assert_eq!((end.last, end.unscheduled), (d("2027-03-05"), Some(2027)));
        // The last week of December waits for the next year's notice.
        let end = cal.add_working_days(d("2026-12-21"), 5).unwrap();
        assert_eq!((end.last, end.unscheduled), (d("2026-12-25"), Some(2027)));
        let end = cal.add_working_days(d("2026-12-14"), 5).unwrap();
        assert_eq!(end.unscheduled, None);
        // A year the site gives is covered.
        let cal = WorkCalendar::new(vec![d("2027-01-01")], Vec::new());
        let end = cal.add_working_days(d("2026-12-28"), 5).unwrap();
        assert_eq!((end.last, end.unscheduled), (d("2027-01-04"), None));
        // Before the first notice.
        let end = WorkCalendar::builtin()
            .add_working_days(d("2006-06-01"), 1)
            .unwrap();
        assert_eq!(end.unscheduled, Some(2006));
    }

    #[test]
    fn huge_counts_and_the_end_of_time_terminate() {
        let cal = WorkCalendar::builtin();
        let start = std::time::Instant::now();
        assert_eq!(cal.add_working_days(d("2026-01-05"), u32::MAX), Err(TooFar));
        assert_eq!(cal.add_working_days(NaiveDate::MAX, 2), Err(TooFar));
        let near = NaiveDate::MAX - chrono::Duration::days(30);
        assert!(cal.add_working_days(near, 5).is_ok());
        let far = cal.add_working_days(NaiveDate::MIN, 1_000_000).unwrap();
        assert!(far.last > NaiveDate::MIN);
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn weekday_arithmetic_matches_counting() {
        // Against a day-by-day count, from every weekday.
        for start in 0..14 {
            let from = d("2031-03-03") + chrono::Duration::days(start);
            for n in 1..40u64 {
                let mut day = from;
                let mut left = n;
                while left > 0 {
                    day = day.succ_opt().unwrap();
                    left -= u64::from(is_weekday(day));
                }
                assert_eq!(nth_weekday_after(from, n).unwrap(), day, "{from} + {n}");
                assert_eq!(weekdays_between(from, day + chrono::Duration::days(1)), n);
            }
        }
    }
}
