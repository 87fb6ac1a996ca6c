//! Pulled entries in the site model: read from the cache (never from the
//! network), filtered by each source's settings and the build's instant,
//! sanitized, and checked by [`super::review::admit`] before a build may
//! publish them. They have no page of their own: each links to its original.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;

use rayon::prelude::*;

use super::cache::{self, CacheFile, CachedEntry};
use super::config::Source;
use super::review;
use super::text::{sanitize, truncate};
use crate::config::{CONFIG_FILE, Config, OrgNode};
use crate::diagnostic::{Diagnostic, Severity};
use crate::site::Gate;
use crate::time::Instant;

/// Summaries shown in listings, in characters.
const SUMMARY_CHARS: usize = 140;

/// One entry of a source, as a build shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PulledEntry {
    /// The source's id.
    pub(crate) source: String,
    /// The source's display name.
    pub(crate) source_name: String,
    /// The branch whose 基层动态 this is; `None` for 上级通知.
    pub(crate) branch: Option<String>,
    pub(crate) upstream: bool,
    pub(crate) title: String,
    /// The original page (http or https).
    pub(crate) link: String,
    pub(crate) date: Option<Instant>,
    /// Plain text.
    pub(crate) summary: String,
    /// Sanitized HTML, only for sources with `full_text: true`.
    pub(crate) content: Option<String>,
    pub(crate) author: Option<String>,
}

/// A configured source as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceLink {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) branch: Option<String>,
    /// The source's site, as its feed names it.
    pub(crate) site: Option<String>,
    /// Entries shown.
    pub(crate) count: usize,
}

/// Everything pulled that a build shows, and what it has to say about it.
#[derive(Debug, Clone, Default)]
pub struct Pulled {
    /// Newest first (undated last), then by source and link.
    pub(crate) entries: Vec<PulledEntry>,
    /// Indices of branch entries (基层动态) and of upstream ones (上级通知).
    pub(crate) jiceng: Vec<usize>,
    pub(crate) upstream: Vec<usize>,
    /// Branch id → entries of the branch and its descendants.
    pub(crate) by_branch: BTreeMap<String, Vec<usize>>,
    /// Every configured source, in `sources:` order.
    pub(crate) sources: Vec<SourceLink>,
    /// Whether some source feeds 基层动态 (then `/jiceng/` exists).
    pub(crate) has_branch_sources: bool,
    /// Sources configured but never pulled.
    pub(crate) never_pulled: usize,
    /// Entries held back and unreadable caches, as warnings.
    pub(crate) notes: Vec<Diagnostic>,
    /// A hash of all of the above that pages show.
    pub(crate) fingerprint: u64,
}

/// The pulled entries a build with `gate` shows, from the cache under `root`.
pub fn load(root: &Path, config: &Config, gate: &Gate) -> Pulled {
    let sources = &config.sources.sources;
    let mut pulled = Pulled {
        has_branch_sources: config.sources.has_branch_sources(),
        ..Pulled::default()
    };
    if sources.is_empty() {
        return pulled;
    }
    let read: Vec<_> = sources
        .par_iter()
        .map(|s| (s, cache::read(root, &s.id)))
        .collect();
    let names: BTreeMap<&str, &str> = config
        .organization
        .walk()
        .into_iter()
        .map(|(n, _)| (n.id.as_str(), n.name.as_str()))
        .collect();
    for (source, file) in read {
        let file = match file {
            Ok(Some(f)) => f,
            Ok(None) => {
                pulled.never_pulled += 1;
                pulled.sources.push(link(source, None, &names, 0));
                continue;
            }
            Err(e) => {
                pulled.notes.push(
                    warning(
                        source,
                        format!("{e}，本次不显示来源 “{}” 的内容", source.id),
                    )
                    .hint("重新运行 dangjian pull 会重写这个文件"),
                );
                pulled.sources.push(link(source, None, &names, 0));
                continue;
            }
        };
        let shown = select(source, &file, gate);
        let name = display_name(source, &file, &names);
        let mut count = 0;
        for e in shown {
            let entry = make(source, &name, e, config.timezone);
            match review::admit(source, &entry, gate.scope) {
                Ok(()) => {
                    pulled.entries.push(entry);
                    count += 1;
                }
                Err(d) => pulled.notes.push(d),
            }
        }
        pulled
            .sources
            .push(link(source, Some(&file), &names, count));
    }
    pulled.entries.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.link.cmp(&b.link))
    });
    index(&mut pulled, &config.organization);
    let mut h = rustc_hash::FxHasher::default();
    (&pulled.entries, &pulled.sources, pulled.has_branch_sources).hash(&mut h);
    pulled.fingerprint = h.finish();
    pulled
}

/// A warning about a source, at its entry in site.yaml.
pub(crate) fn warning(source: &Source, message: String) -> Diagnostic {
    let mut d = Diagnostic::error(CONFIG_FILE, message)
        .at_line(source.line)
        .field(format!("sources.{}", source.id));
    d.severity = Severity::Warning;
    d
}

fn display_name(source: &Source, file: &CacheFile, names: &BTreeMap<&str, &str>) -> String {
    source
        .name
        .clone()
        .or_else(|| {
            source
                .branch()
                .and_then(|b| names.get(b))
                .map(|n| n.to_string())
        })
        .or_else(|| Some(file.feed.title.clone()).filter(|t| !t.is_empty()))
        .unwrap_or_else(|| source.id.clone())
}

fn link(
    source: &Source,
    file: Option<&CacheFile>,
    names: &BTreeMap<&str, &str>,
    count: usize,
) -> SourceLink {
    let fallback = CacheFile::new(&source.id, &source.url);
    let file = file.unwrap_or(&fallback);
    SourceLink {
        id: source.id.clone(),
        name: display_name(source, file, names),
        branch: source.branch().map(str::to_string),
        site: file.feed.link.as_deref().and_then(super::feed::web_url),
        count,
    }
}

/// The cached entries a build at `gate` shows: dated no later than its
/// instant (unless `--future`), young enough, of the kinds and categories
/// asked for, at most `limit`.
fn select<'a>(source: &Source, file: &'a CacheFile, gate: &Gate) -> Vec<&'a CachedEntry> {
    let oldest = source
        .max_age_days
        .map(|d| gate.now - chrono::Duration::days(i64::from(d)));
    let mut list: Vec<(&CachedEntry, Option<Instant>)> = file
        .entries
        .iter()
        .map(|e| (e, date_of(e)))
        .filter(|(_, d)| gate.future || d.is_none_or(|d| d <= gate.now))
        .filter(|(_, d)| oldest.is_none_or(|o| d.is_some_and(|d| d >= o)))
        .filter(|(e, _)| wanted(source, e))
        .collect();
    list.sort_by_key(|e| std::cmp::Reverse(e.1));
    list.into_iter()
        .take(source.limit)
        .map(|(e, _)| e)
        .collect()
}

fn date_of(e: &CachedEntry) -> Option<Instant> {
    e.published
        .as_deref()
        .or(e.updated.as_deref())
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
}

/// Whether an entry is of the kinds and categories the source asks for.
/// A kind is recognised by a URL segment (`/notices/`, dangjian's layout)
/// or a category naming it (通知公告, notice).
fn wanted(source: &Source, e: &CachedEntry) -> bool {
    let has_category = |name: &str| e.categories.iter().any(|c| c.eq_ignore_ascii_case(name));
    let kind_ok = source.kinds.is_empty()
        || source.kinds.iter().any(|k| {
            let segments = url::Url::parse(&e.link).ok().map(|u| {
                u.path_segments()
                    .map(|s| s.map(str::to_string).collect::<Vec<_>>())
                    .unwrap_or_default()
            });
            segments.is_some_and(|s| s.iter().any(|seg| seg == k.dir()))
                || e.categories
                    .iter()
                    .any(|c| super::config::parse_kind(c) == Some(*k))
        });
    let category_ok =
        source.categories.is_empty() || source.categories.iter().any(|c| has_category(c));
    kind_ok && category_ok
}

/// An entry as shown, dated in the site's zone `tz`.
fn make(source: &Source, name: &str, e: &CachedEntry, tz: chrono_tz::Tz) -> PulledEntry {
    PulledEntry {
        source: source.id.clone(),
        source_name: name.to_string(),
        branch: source.branch().map(str::to_string),
        upstream: source.is_upstream(),
        title: e.title.clone(),
        link: e.link.clone(),
        date: date_of(e).map(|d| d.with_timezone(&tz).fixed_offset()),
        summary: truncate(&e.summary, SUMMARY_CHARS),
        // Sanitized again: the cache is a file anyone could have edited.
        content: e
            .content
            .as_deref()
            .filter(|_| source.full_text)
            .map(|h| sanitize(h, &e.link)),
        author: e.author.clone(),
    }
}

/// Fills the lists that point into `entries`.
fn index(pulled: &mut Pulled, org: &OrgNode) {
    let mut own: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in pulled.entries.iter().enumerate() {
        match &e.branch {
            Some(b) => {
                pulled.jiceng.push(i);
                own.entry(b).or_default().push(i);
            }
            None => pulled.upstream.push(i),
        }
    }
    fn walk(
        node: &OrgNode,
        own: &BTreeMap<&str, Vec<usize>>,
        out: &mut BTreeMap<String, Vec<usize>>,
    ) -> Vec<usize> {
        let mut all = own.get(node.id.as_str()).cloned().unwrap_or_default();
        for c in &node.children {
            all.extend(walk(c, own, out));
        }
        all.sort_unstable();
        if !all.is_empty() {
            out.insert(node.id.clone(), all.clone());
        }
        all
    }
    let mut by_branch = BTreeMap::new();
    walk(org, &own, &mut by_branch);
    pulled.by_branch = by_branch;
}
