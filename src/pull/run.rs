//! `dangjian pull`: every source fetched into the cache at once, within
//! the limits of `pull:`. A failing source keeps its last good copy and
//! records why; it never stops the others.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant as Clock};

use serde::Serialize;

use super::cache::{self, CacheFile, LastError};
use super::config::Source;
use super::feed;
use super::fetch::{Failure, Fetcher, Request, Response};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, unknown_name_hint};
use crate::render::Progress;
use crate::time::{self, Instant};

/// Validated options of `dangjian pull`.
#[derive(Debug, Clone)]
pub struct PullOptions {
    pub(crate) root: PathBuf,
    /// `--now`: the instant recorded in the cache (default: the clock).
    pub(crate) now: Option<String>,
    /// `--only`: pull just these sources (all when empty).
    pub(crate) only: Vec<String>,
}

/// How one source's pull ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Outcome {
    /// New entries stored.
    Updated {
        /// Entries now cached.
        entries: usize,
        /// The feed's text encoding (UTF-8, GBK...).
        encoding: &'static str,
    },
    /// 304: the cached entries are current.
    NotModified {
        /// Entries in the cache.
        entries: usize,
    },
    /// The previous entries (`kept`) stay; the failure is recorded.
    Failed {
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// Why, in Chinese.
        message: String,
        /// Entries kept from the previous pull.
        kept: usize,
        /// When the source last answered (RFC 3339).
        last_success: Option<String>,
    },
}

/// One source's pull.
#[derive(Debug, Clone, Serialize)]
pub struct SourceResult {
    pub(crate) id: String,
    pub(crate) url: String,
    #[serde(flatten)]
    /// How it ended.
    pub outcome: Outcome,
    pub(crate) attempts: u32,
}

impl std::fmt::Display for SourceResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.outcome {
            Outcome::Updated { entries, encoding } => {
                write!(f, "已更新 {}：{entries} 条", self.id)?;
                if *encoding != "UTF-8" {
                    write!(f, "（{encoding} 编码）")?;
                }
                Ok(())
            }
            Outcome::NotModified { entries } => {
                write!(f, "未变化 {}：{entries} 条（304）", self.id)
            }
            Outcome::Failed {
                message,
                kept,
                last_success,
                ..
            } => {
                write!(f, "拉取失败 {}（{}）：{message}；", self.id, self.url)?;
                match last_success {
                    Some(at) => write!(f, "保留 {at} 成功拉取的 {kept} 条"),
                    None => write!(f, "此前从未成功拉取，暂无内容"),
                }
            }
        }
    }
}

/// What a pull did.
#[derive(Debug, Serialize)]
pub struct PullReport {
    /// In the order of `sources:`.
    pub results: Vec<SourceResult>,
    #[serde(skip)]
    /// How long the whole pull took.
    pub took: Duration,
}

impl PullReport {
    /// Sources that failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed { .. }))
    }
    /// Sources with new entries.
    pub fn updated(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Updated { .. }))
    }
    /// Sources unchanged since the last pull.
    pub fn not_modified(&self) -> usize {
        self.count(|o| matches!(o, Outcome::NotModified { .. }))
    }
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }
}

/// Pulls the sources of the site at `opts.root` into its cache.
pub fn run(opts: &PullOptions, progress: &dyn Progress) -> Result<PullReport, Vec<Diagnostic>> {
    let start = Clock::now();
    let config = Config::load(&opts.root)?;
    let fixed_now = match &opts.now {
        None => None,
        Some(text) => Some(time::parse(text, config.timezone).ok_or_else(|| {
            vec![
                Diagnostic::error("--now", format!("无法识别的时间 “{text}”"))
                    .hint("写成 2026-11-21T12:00:00+08:00、2026-11-21 12:00 或 2026-11-21"),
            ]
        })?),
    };
    let sources = select(&config, &opts.only)?;
    if sources.is_empty() {
        return Ok(PullReport {
            results: Vec::new(),
            took: start.elapsed(),
        });
    }
    let dir = opts.root.join(cache::CACHE_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| {
        vec![Diagnostic::error(
            cache::CACHE_DIR,
            format!("无法创建缓存文件夹（{e}）"),
        )]
    })?;
    cache::clean_leftovers(&opts.root);
    let user_agent = format!(
        "dangjian/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        config.base_url
    );
    let fetcher = Fetcher::new(&config.sources.pull, &user_agent)
        .map_err(|m| vec![Diagnostic::error(crate::config::CONFIG_FILE, m)])?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            vec![Diagnostic::error(
                "dangjian pull",
                format!("无法启动网络任务（{e}）"),
            )]
        })?;
    let job = Job {
        fetcher: Arc::new(fetcher),
        root: Arc::from(opts.root.as_path()),
        tz: config.timezone,
        fixed_now,
    };
    progress.start("拉取订阅源", sources.len() as u64);
    let mut results: Vec<SourceResult> = runtime.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for (i, source) in sources.into_iter().enumerate() {
            let job = job.clone();
            set.spawn(async move { (i, job.pull_one(source).await) });
        }
        let mut out = Vec::new();
        while let Some(done) = set.join_next().await {
            if let Ok(r) = done {
                progress.advance(1);
                out.push(r);
            }
        }
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, r)| r).collect()
    });
    progress.finish();
    results.shrink_to_fit();
    Ok(PullReport {
        results,
        took: start.elapsed(),
    })
}

/// The sources to pull: all, or those named by `--only`.
fn select(config: &Config, only: &[String]) -> Result<Vec<Source>, Vec<Diagnostic>> {
    let all = &config.sources.sources;
    let ids: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
    let unknown: Vec<Diagnostic> = only
        .iter()
        .filter(|o| !ids.contains(&o.as_str()))
        .map(|o| {
            Diagnostic::error(
                "--only",
                format!("site.yaml 的 sources 中没有编号为 “{o}” 的来源"),
            )
            .hint(unknown_name_hint(o, &ids))
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    Ok(all
        .iter()
        .filter(|s| only.is_empty() || only.contains(&s.id))
        .cloned()
        .collect())
}

/// What every source's task shares.
#[derive(Clone)]
struct Job {
    fetcher: Arc<Fetcher>,
    root: Arc<Path>,
    tz: chrono_tz::Tz,
    fixed_now: Option<Instant>,
}

impl Job {
    fn now(&self) -> String {
        self.fixed_now
            .unwrap_or_else(|| time::now(self.tz))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }

    async fn pull_one(self, source: Source) -> SourceResult {
        // Only the validators are kept while waiting for the network: with
        // a thousand sources in flight, whole caches would add up.
        let req = {
            let prev = cache::read(&self.root, &source.id).ok().flatten();
            let usable = prev
                .as_ref()
                .filter(|p| p.url == source.url && p.last_success.is_some());
            Request {
                url: source.url.clone(),
                etag: usable.and_then(|p| p.etag.clone()),
                last_modified: usable.and_then(|p| p.last_modified.clone()),
            }
        };
        let seed = {
            use std::hash::{Hash, Hasher};
            let mut h = std::hash::DefaultHasher::new();
            source.id.hash(&mut h);
            h.finish()
        };
        let (result, attempts) = self.fetcher.fetch(&req, seed).await;
        let (id, url) = (source.id.clone(), source.url.clone());
        // Parsing and the flushed write are blocking work.
        let outcome = tokio::task::spawn_blocking(move || {
            // A broken cache file is replaced by this pull's result.
            let prev = cache::read(&self.root, &source.id).ok().flatten();
            let (file, outcome) = apply(prev, &source, result, &self.now());
            match cache::write(&self.root, &file) {
                Ok(()) => outcome,
                Err(e) => Outcome::Failed {
                    status: None,
                    message: e.to_string(),
                    kept: 0,
                    last_success: None,
                },
            }
        })
        .await
        .unwrap_or_else(|e| Outcome::Failed {
            status: None,
            message: format!("内部错误（{e}）"),
            kept: 0,
            last_success: None,
        });
        SourceResult {
            id,
            url,
            outcome,
            attempts,
        }
    }
}

/// The cache after a fetch: new entries on success, the previous ones
/// (with the failure recorded) otherwise.
fn apply(
    prev: Option<CacheFile>,
    source: &Source,
    result: Result<Response, Failure>,
    now: &str,
) -> (CacheFile, Outcome) {
    let mut file = prev.unwrap_or_else(|| CacheFile::new(&source.id, &source.url));
    file.last_attempt = Some(now.to_string());
    let failure = match result {
        Ok(Response::NotModified) if file.last_success.is_some() && file.url == source.url => {
            file.last_success = Some(now.to_string());
            file.last_error = None;
            let entries = file.entries.len();
            return (file, Outcome::NotModified { entries });
        }
        Ok(Response::NotModified) => Failure {
            status: Some(304),
            message: "服务器返回 304（未修改），但本地没有这个网址的缓存".into(),
        },
        Ok(Response::Body(body)) => {
            match feed::parse(
                &body.bytes,
                body.content_type.as_deref(),
                &body.url,
                source.full_text,
            ) {
                Ok(parsed) => {
                    file.url = source.url.clone();
                    file.etag = body.etag;
                    file.last_modified = body.last_modified;
                    file.last_success = Some(now.to_string());
                    file.last_error = None;
                    file.feed = parsed.feed;
                    file.entries = parsed.entries;
                    let outcome = Outcome::Updated {
                        entries: file.entries.len(),
                        encoding: parsed.encoding,
                    };
                    return (file, outcome);
                }
                Err(message) => Failure {
                    status: Some(200),
                    message,
                },
            }
        }
        Err(f) => f,
    };
    file.last_error = Some(LastError {
        status: failure.status,
        message: failure.message.clone(),
        at: now.to_string(),
    });
    let outcome = Outcome::Failed {
        status: failure.status,
        message: failure.message,
        kept: file.entries.len(),
        last_success: file.last_success.clone(),
    };
    (file, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pull::config::Target;
    use crate::pull::fetch::Body;

    fn source() -> Source {
        Source {
            id: "a".into(),
            url: "https://a.example/feed.xml".into(),
            target: Target::Upstream,
            name: None,
            kinds: vec![],
            categories: vec![],
            limit: 20,
            max_age_days: None,
            full_text: false,
            line: None,
        }
    }

    fn body(text: &str) -> Result<Response, Failure> {
        Ok(Response::Body(Body {
            bytes: text.as_bytes().to_vec(),
            content_type: None,
            etag: Some("\"v1\"".into()),
            last_modified: None,
            url: "https://a.example/feed.xml".into(),
        }))
    }

    const FEED: &str = r#"<rss version="2.0"><channel><title>甲</title><item><title>一</title><link>https://a.example/1/</link></item></channel></rss>"#;

    #[test]
    fn failures_keep_the_last_good_entries() {
        let (good, o) = apply(None, &source(), body(FEED), "T1");
        assert!(matches!(o, Outcome::Updated { entries: 1, .. }));
        assert_eq!(good.etag.as_deref(), Some("\"v1\""));
        let (bad, o) = apply(Some(good.clone()), &source(), body("<rss><chan"), "T2");
        assert!(
            matches!(
                o,
                Outcome::Failed {
                    kept: 1,
                    status: Some(200),
                    ..
                }
            ),
            "{o:?}"
        );
        assert_eq!(bad.entries, good.entries);
        assert_eq!(
            bad.etag, good.etag,
            "a broken response's validators are not kept"
        );
        assert_eq!(bad.last_success.as_deref(), Some("T1"));
        assert_eq!(bad.last_error.as_ref().unwrap().at, "T2");
        let (same, o) = apply(Some(bad), &source(), Ok(Response::NotModified), "T3");
        assert_eq!(o, Outcome::NotModified { entries: 1 });
        assert!(same.last_error.is_none());
        assert_eq!(same.last_success.as_deref(), Some("T3"));
    }

    #[test]
    fn a_304_without_a_cache_is_a_failure() {
        let (_, o) = apply(None, &source(), Ok(Response::NotModified), "T1");
        assert!(matches!(
            o,
            Outcome::Failed {
                status: Some(304),
                kept: 0,
                ..
            }
        ));
    }
}
