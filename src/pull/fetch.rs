//! HTTP for `dangjian pull`: conditional GETs with a per-request timeout,
//! bounded concurrency (overall and per server), retries with backoff,
//! `Retry-After`, and a size limit on the body.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use tokio::sync::Semaphore;

use super::config::PullSettings;

/// The first pause before a retry; it doubles with each further try.
const BACKOFF: Duration = Duration::from_millis(500);
/// The longest pause between tries without `Retry-After`.
const BACKOFF_MAX: Duration = Duration::from_secs(8);

/// What to ask for: the URL and the validators of the cached copy.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) url: String,
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
}

/// A response worth keeping.
#[derive(Debug)]
pub(crate) enum Response {
    /// 304: the cached copy is current.
    NotModified,
    Body(Body),
}

#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) bytes: Vec<u8>,
    pub(crate) content_type: Option<String>,
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
    /// The URL after redirects (relative links resolve against it).
    pub(crate) url: String,
}

/// Why a source could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) status: Option<u16>,
    /// In Chinese, for editors.
    pub(crate) message: String,
}

/// Whether and when to try again after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    No,
    Backoff,
    After(Duration),
}

struct AttemptError {
    failure: Failure,
    retry: Retry,
}

/// Fetches feeds with the limits of `pull:`, shared by every source of a pull.
pub(crate) struct Fetcher {
    client: reqwest::Client,
    settings: PullSettings,
    global: Semaphore,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Fetcher {
    pub fn new(settings: &PullSettings, user_agent: &str) -> Result<Fetcher, String> {
        let timeout = Duration::from_secs(settings.timeout_seconds);
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(settings.per_host)
            .build()
            .map_err(|e| format!("无法初始化网络连接（{}）", root_cause(&e)))?;
        Ok(Fetcher {
            client,
            settings: settings.clone(),
            global: Semaphore::new(settings.concurrency),
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// The semaphore of the server (scheme, host and port) of `url`.
    fn host(&self, url: &str) -> Arc<Semaphore> {
        let key = url::Url::parse(url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            hosts
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(self.settings.per_host))),
        )
    }

    /// Fetches `req`, trying again after timeouts, network errors, 429 and
    /// 5xx; returns the result and the number of attempts. `seed` spreads
    /// the retries of different sources apart.
    pub(crate) async fn fetch(&self, req: &Request, seed: u64) -> (Result<Response, Failure>, u32) {
        let host = self.host(&req.url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = {
                // The server's permit first: a source waiting for a busy
                // server does not hold one of the overall permits.
                let _host = host.acquire().await;
                let _global = self.global.acquire().await;
                self.attempt(req).await
            };
            let e = match result {
                Ok(r) => return (Ok(r), attempt),
                Err(e) => e,
            };
            if attempt > self.settings.retries {
                return (Err(e.failure), attempt);
            }
            let pause = match e.retry {
                Retry::No => return (Err(e.failure), attempt),
                Retry::Backoff => backoff(attempt, seed),
                Retry::After(d) if d.as_secs() > self.settings.retry_after_max_seconds => {
                    let mut f = e.failure;
                    f.message = format!(
                        "{}；服务器要求 {} 秒后再试，超过了 pull.retry_after_max_seconds，本次不再等待",
                        f.message,
                        d.as_secs()
                    );
                    return (Err(f), attempt);
                }
                Retry::After(d) => d,
            };
            tokio::time::sleep(pause).await;
        }
    }

    async fn attempt(&self, req: &Request) -> Result<Response, AttemptError> {
        let mut r = self.client.get(&req.url).header(
            header::ACCEPT,
            "application/feed+json, application/atom+xml, application/rss+xml, \
             application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
        );
        if let Some(e) = &req.etag {
            r = r.header(header::IF_NONE_MATCH, e);
        }
        if let Some(m) = &req.last_modified {
            r = r.header(header::IF_MODIFIED_SINCE, m);
        }
        let mut resp = r.send().await.map_err(|e| self.network(&e))?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Response::NotModified);
        }
        if !status.is_success() {
            let retry = match status.as_u16() {
                429 | 503 => retry_after(resp.headers(), chrono::Utc::now())
                    .map_or(Retry::Backoff, Retry::After),
                500 | 502 | 504 => Retry::Backoff,
                _ => Retry::No,
            };
            return Err(AttemptError {
                failure: Failure {
                    status: Some(status.as_u16()),
                    message: format!("服务器返回 HTTP {}", status_text(status)),
                },
                retry,
            });
        }
        let max = self.settings.max_kb.saturating_mul(1024);
        let too_large = || AttemptError {
            failure: Failure {
                status: Some(status.as_u16()),
                message: format!(
                    "订阅源超过大小上限 {} KB（pull.max_kb）",
                    self.settings.max_kb
                ),
            },
            retry: Retry::No,
        };
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(too_large());
        }
        let text = |name| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (content_type, etag, last_modified) = (
            text(header::CONTENT_TYPE),
            text(header::ETAG),
            text(header::LAST_MODIFIED),
        );
        let url = resp.url().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.network(&e))? {
            if (bytes.len() + chunk.len()) as u64 > max {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Response::Body(Body {
            bytes,
            content_type,
            etag,
            last_modified,
            url,
        }))
    }

    fn network(&self, e: &reqwest::Error) -> AttemptError {
        let message = if e.is_timeout() {
            format!(
                "请求超时（{} 秒内没有完成，pull.timeout_seconds）",
                self.settings.timeout_seconds
            )
        } else if e.is_connect() {
            format!("无法连接服务器（{}）", root_cause(e))
        } else {
            format!("网络错误（{}）", root_cause(e))
        };
        AttemptError {
            failure: Failure {
                status: None,
                message,
            },
            retry: Retry::Backoff,
        }
    }
}

fn status_text(s: StatusCode) -> String {
    match s.canonical_reason() {
        Some(r) => format!("{} {r}", s.as_u16()),
        None => s.as_u16().to_string(),
    }
}

/// The innermost error: reqwest's outer messages repeat the URL.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// The pause before try `attempt + 1`: doubling from [`BACKOFF`], capped,
/// with up to a quarter added, by `seed`, so sources do not retry in step.
fn backoff(attempt: u32, seed: u64) -> Duration {
    let base = BACKOFF
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_MAX);
    let spread = (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % 1000;
    base + base.mul_f64(spread as f64 / 4000.0)
}

/// `Retry-After` as seconds or an HTTP date, from `now`.
fn retry_after(headers: &HeaderMap, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (at.with_timezone(&chrono::Utc) - now).num_seconds().max(0);
    Some(Duration::from_secs(secs as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T04:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert(
            header::RETRY_AFTER,
            "Sat, 21 Nov 2026 04:01:30 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(90)));
        h.insert(header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn backoff_doubles_within_bounds() {
        for seed in [0, 1, 42, u64::MAX] {
            let d: Vec<Duration> = (1..=6).map(|a| backoff(a, seed)).collect();
            assert!(d[0] >= BACKOFF && d[0] <= BACKOFF.mul_f64(1.25), "{d:?}");
            assert!(d[1] >= BACKOFF * 2);
            assert!(d[5] <= BACKOFF_MAX.mul_f64(1.25));
        }
    }
}
