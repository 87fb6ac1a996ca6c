//! How each source stands (last success, last error, entries), for
//! `dangjian check` and the site's health report.

use std::path::Path;

use serde::Serialize;

use super::cache::{self, LastError};
use super::model::warning;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::time::Instant;

/// One source's state, as of its cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceStatus {
    pub(crate) id: String,
    pub(crate) url: String,
    /// The branch it feeds; `None` for upstream.
    pub(crate) branch: Option<String>,
    pub(crate) upstream: bool,
    /// RFC 3339, or `None` if never.
    pub(crate) last_attempt: Option<String>,
    pub(crate) last_success: Option<String>,
    /// The failure of the last pull, if it failed.
    pub(crate) last_error: Option<LastError>,
    /// Entries in the cache.
    pub(crate) entries: usize,
    /// Days since the last success, whole days rounded down.
    pub(crate) days_since_success: Option<i64>,
    /// No success for more than `pull.stale_days` (or never).
    pub(crate) stale: bool,
    /// The cache file exists but cannot be read.
    pub(crate) unreadable: Option<String>,
}

/// Every configured source's state at `now`, in `sources:` order.
pub(crate) fn statuses(root: &Path, config: &Config, now: Instant) -> Vec<SourceStatus> {
    let stale_days = i64::from(config.sources.pull.stale_days);
    config
        .sources
        .sources
        .iter()
        .map(|s| {
            let (file, unreadable) = match cache::read(root, &s.id) {
                Ok(f) => (f, None),
                Err(e) => (None, Some(e.to_string())),
            };
            let last_success = file.as_ref().and_then(|f| f.last_success.clone());
            let days = last_success
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| (now - t).num_days());
            SourceStatus {
                id: s.id.clone(),
                url: s.url.clone(),
                branch: s.branch().map(str::to_string),
                upstream: s.is_upstream(),
                last_attempt: file.as_ref().and_then(|f| f.last_attempt.clone()),
                last_error: file.as_ref().and_then(|f| f.last_error.clone()),
                entries: file.as_ref().map_or(0, |f| f.entries.len()),
                stale: days.is_none_or(|d| d > stale_days),
                days_since_success: days,
                last_success,
                unreadable,
            }
        })
        .collect()
}

/// Warnings for `check`: sources whose last pull failed, that are stale or
/// never pulled. One per source at most (an unreadable cache is reported
/// by [`super::load`]).
pub(crate) fn diagnostics(config: &Config, statuses: &[SourceStatus]) -> Vec<Diagnostic> {
    let stale_days = config.sources.pull.stale_days;
    config
        .sources
        .sources
        .iter()
        .zip(statuses)
        .filter_map(|(source, st)| {
            let id = &st.id;
            let since = match (&st.last_success, st.days_since_success) {
                (Some(at), Some(d)) => {
                    format!("上次成功拉取是 {at}（{d} 天前，{} 条）", st.entries)
                }
                _ => "此前从未成功拉取".to_string(),
            };
            let (message, hint) = if st.unreadable.is_some() {
                // Reported by the build's loading, which skips the source.
                return None;
            } else if st.last_attempt.is_none() {
                (
                    format!("来源 “{id}” 尚未拉取，网站不会显示它的内容"),
                    "运行 dangjian pull 拉取",
                )
            } else if let Some(e) = &st.last_error {
                (
                    format!(
                        "来源 “{id}” 上次拉取失败（{}，{}）；{since}",
                        e.message, e.at
                    ),
                    "检查网址是否正确、对方网站是否正常，再运行 dangjian pull",
                )
            } else if st.stale {
                (
                    format!("来源 “{id}” 已超过 {stale_days} 天没有成功拉取；{since}"),
                    "定期运行 dangjian pull（例如每小时一次的定时任务）",
                )
            } else {
                return None;
            };
            Some(warning(source, message).hint(hint))
        })
        .collect()
}

/// Statuses and warnings of the site at `root`, for `check`; nothing if
/// site.yaml cannot be read (`check` reports that already). `now` is
/// `--now` as written.
pub fn check(root: &Path, now: Option<&str>) -> (Vec<SourceStatus>, Vec<Diagnostic>) {
    let Ok(config) = Config::load(root) else {
        return (Vec::new(), Vec::new());
    };
    let now = now
        .and_then(|t| crate::time::parse(t, config.timezone))
        .unwrap_or_else(|| crate::time::now(config.timezone));
    let list = statuses(root, &config, now);
    let mut diags = diagnostics(&config, &list);
    // What a public build would hold back (check itself looks at everything).
    let gate = crate::site::Gate {
        scope: crate::content::Scope::Public,
        now,
        drafts: false,
        future: false,
        preview: false,
        check: false,
    };
    diags.extend(super::model::load(root, &config, &gate).notes);
    (list, diags)
}

impl std::fmt::Display for SourceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let whose = match &self.branch {
            Some(b) => format!("基层动态 · {b}"),
            None => "上级通知".into(),
        };
        write!(f, "来源 {}（{whose}）：", self.id)?;
        match (&self.last_success, &self.last_error, &self.last_attempt) {
            (_, _, None) => write!(f, "尚未拉取"),
            (ok, Some(e), _) => {
                write!(f, "上次拉取失败（{}）", e.message)?;
                match ok {
                    Some(at) => write!(f, "，保留 {at} 成功拉取的 {} 条", self.entries),
                    None => write!(f, "，从未成功"),
                }
            }
            (Some(at), None, _) => write!(f, "正常，{} 条，上次成功 {at}", self.entries),
            (None, None, Some(_)) => write!(f, "从未成功"),
        }
    }
}
