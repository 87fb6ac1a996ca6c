//! The 公示期: where it stands at the build's `now` (the one rule that
//! pages, feeds and the withdrawal of ended 公示 share), and its end when
//! written without `end`: `disclosure.default_days` working days by the
//! holiday calendar, with a warning when the period reaches a year whose
//! schedule is not known.

use crate::config::Config;
use crate::content::Entry;
use crate::diagnostic::Diagnostic;
use crate::time::{self, Instant};

/// Where a 公示期 stands at an instant.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Stage {
    /// Before its start.
    Upcoming,
    /// Started and not ended; whole days left, rounded up (none without
    /// an end).
    Active { days_left: Option<i64> },
    /// Its end has passed (an end is exclusive: at `end` it is over).
    Ended,
}

impl Stage {
    pub(crate) fn of((start, end): (Instant, Option<Instant>), now: Instant) -> Stage {
        if now < start {
            Stage::Upcoming
        } else if end.is_some_and(|e| e <= now) {
            Stage::Ended
        } else {
            // The page's script counts the days the same way.
            let days_left = end.map(|e| ((e - now).num_seconds() + 86_399) / 86_400);
            Stage::Active { days_left }
        }
    }

    /// `upcoming`, `active` or `ended` (for templates and CSS).
    pub(crate) fn key(self) -> &'static str {
        match self {
            Stage::Upcoming => "upcoming",
            Stage::Active { .. } => "active",
            Stage::Ended => "ended",
        }
    }

    /// 未开始, 公示中, 已结束
    pub(crate) fn label(self) -> &'static str {
        match self {
            Stage::Upcoming => "未开始",
            Stage::Active { .. } => "公示中",
            Stage::Ended => "已结束",
        }
    }
}

/// The computed end (none if it cannot be represented) and any problem.
pub(crate) fn default_end(
    entry: &Entry,
    start: Instant,
    config: &Config,
) -> (Option<Instant>, Option<Diagnostic>) {
    let d = &config.disclosure;
    let line = entry.field_line("period").unwrap_or(1);
    match time::add_working_days(&start, d.default_days, &d.calendar) {
        Ok((end, None)) => (Some(end), None),
        Ok((end, Some(year))) => {
            let warning = Diagnostic::warning(
                &entry.path,
                format!(
                    "公示期（{} 个工作日）经过 {year} 年，内置的国务院节假日安排中还没有 {year} 年，site.yaml 也没有给出；已按周一至周五计算，截止日期 {} 可能不准",
                    d.default_days,
                    time::format_date_zh(&end)
                ),
            )
            .line(line)
            .field("period")
            .hint(format!(
                "国务院办公厅公布 {year} 年节假日安排后升级 dangjian；在此之前，可在 site.yaml 的 disclosure.holidays 和 disclosure.workdays 中写出 {year} 年的放假和调休上班日期，或在 period 中写明 end"
            ));
            (Some(end), Some(warning))
        }
        Err(e) => (
            None,
            Some(
                Diagnostic::error(&entry.path, e.to_string())
                    .line(line)
                    .field("period")
                    .hint("检查 period 的 start 和 site.yaml 的 disclosure.default_days"),
            ),
        ),
    }
}
