//! The end of a 公示期 written without `end`: `disclosure.default_days`
//! working days by the holiday calendar, with a warning when the period
//! reaches a year whose schedule is not known.

use crate::config::Config;
use crate::content::Entry;
use crate::diagnostic::Diagnostic;
use crate::time::{self, Instant};

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
