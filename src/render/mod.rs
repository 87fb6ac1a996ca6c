//! Rendering: `&Site` + `&Theme` → every output file, handed to a [`Sink`].
//!
//! Nothing here knows about the output folder: [`crate::output`] provides
//! the sink that writes (into a staging folder swapped in on success), and
//! [`MemorySink`] keeps files in memory for tests and previews.

mod context;
pub mod feeds;
mod pages;
mod sitemap;

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::output::WriteError;
use crate::site::Site;
use crate::theme::{StaticFile, Theme};

pub use context::page_path;

/// Where an output file's bytes come from.
#[derive(Debug, Clone)]
pub enum Data {
    Bytes(Vec<u8>),
    Static(&'static [u8]),
    /// Copy of a file, relative to the site root.
    Copy(PathBuf),
}

/// What an output file is, for the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// An HTML page listed in the sitemap, with its last modification.
    Page { lastmod: Option<String> },
    /// Anything else: redirects, 404, assets, feeds, the sitemap itself.
    Other,
}

/// One file of the built site.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    pub data: Data,
    pub role: Role,
    /// The source this file came from, for collision errors.
    pub source: Option<PathBuf>,
}

impl OutputFile {
    pub fn page(
        path: String,
        html: String,
        lastmod: Option<String>,
        source: Option<PathBuf>,
    ) -> Self {
        OutputFile {
            path,
            data: Data::Bytes(html.into_bytes()),
            role: Role::Page { lastmod },
            source,
        }
    }

    pub fn other(path: String, data: Data, source: Option<PathBuf>) -> Self {
        OutputFile {
            path,
            data,
            role: Role::Other,
            source,
        }
    }

    fn meta(&self) -> FileMeta {
        FileMeta(std::sync::Arc::new(FileInfo {
            path: self.path.clone(),
            role: self.role.clone(),
            source: self.source.clone(),
            copy_of: match &self.data {
                Data::Copy(p) => Some(p.clone()),
                _ => None,
            },
        }))
    }
}

/// What is remembered of a file once the sink has it (cheap to clone: the
/// preview keeps the files of every unchanged page between rebuilds).
#[derive(Debug, Clone)]
pub struct FileMeta(std::sync::Arc<FileInfo>);

#[derive(Debug)]
pub struct FileInfo {
    pub path: String,
    pub role: Role,
    pub source: Option<PathBuf>,
    copy_of: Option<PathBuf>,
}

impl std::ops::Deref for FileMeta {
    type Target = FileInfo;
    fn deref(&self) -> &FileInfo {
        &self.0
    }
}

/// Receives rendered files as they are produced, from many threads.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<(), WriteError>;
}

/// Keeps every file in memory (tests, previews).
#[derive(Default)]
pub struct MemorySink(Mutex<Vec<OutputFile>>);

impl MemorySink {
    /// The files received, sorted by path.
    pub fn into_files(self) -> Vec<OutputFile> {
        let mut files = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

impl Sink for MemorySink {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(file);
        Ok(())
    }
}

/// Discards every file (`check`).
pub struct NullSink;
impl Sink for NullSink {
    fn put(&self, _: OutputFile) -> Result<(), WriteError> {
        Ok(())
    }
}

/// Progress of rendering, reported as jobs finish.
pub trait Progress: Sync {
    fn start(&self, _stage: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// Reports nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// Why rendering failed.
#[derive(Debug)]
pub enum RenderError {
    /// Template errors or colliding outputs.
    Content(Vec<Diagnostic>),
    /// The sink could not take a file.
    Write(WriteError),
}

/// What rendering produced.
#[derive(Debug)]
pub struct RenderReport {
    /// Every file, sorted by path.
    pub files: Vec<FileMeta>,
    /// Time spent on feeds (part of the whole).
    pub feeds_time: std::time::Duration,
    /// Time the search index took, alongside the pages (zero when not built).
    pub search_time: std::time::Duration,
    /// Pages and feeds rendered, and those taken unchanged from the memo.
    pub rendered: usize,
    pub reused: usize,
}

/// What an incremental render remembers of the previous one: for each page
/// and feed, a fingerprint of everything it was rendered from and the files
/// it produced. A job whose fingerprint is unchanged is not rendered again,
/// and its files are not handed to the sink.
#[derive(Default)]
pub struct Memo {
    jobs: rustc_hash::FxHashMap<u64, (u64, std::sync::Arc<[FileMeta]>)>,
}

/// A job's key in the memo: a hash of what it is (`item`, `list`…) and
/// its path.
pub(crate) fn memo_key(what: &str, path: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    (what, path).hash(&mut h);
    h.finish()
}

/// Renders every output of the site into `sink`. On error, whatever the
/// sink received must be discarded.
pub fn render(
    site: &Site,
    theme: &Theme,
    progress: &dyn Progress,
    sink: &dyn Sink,
) -> Result<RenderReport, RenderError> {
    render_memo(site, theme, progress, sink, None)
}

/// [`render`], skipping the pages and feeds that `memo` shows unchanged
/// (their files are listed in the report but not handed to the sink). The
/// memo is updated only when rendering succeeds.
pub fn render_memo(
    site: &Site,
    theme: &Theme,
    progress: &dyn Progress,
    sink: &dyn Sink,
    memo: Option<&mut Memo>,
) -> Result<RenderReport, RenderError> {
    // The search index builds on its own thread while the pages render; an
    // incremental render (the preview) leaves it to its caller.
    let search = crate::search::Pending::start(site, memo.is_none());
    let renderer = pages::Renderer::new(site, theme);
    let jobs = renderer.jobs();
    let global = memo.as_ref().map(|_| renderer.global_fingerprint());
    let old = memo.as_deref().map(|m| &m.jobs);
    // Each job's memo key and fingerprint, and its files if unchanged.
    type Keyed = (Option<(u64, u64)>, Option<std::sync::Arc<[FileMeta]>>);
    let keyed: Vec<Keyed> = jobs
        .par_iter()
        .map(|job| {
            let Some(g) = global else {
                return (None, None);
            };
            let key = Some(renderer.fingerprint(job, g));
            let reused = key.as_ref().and_then(|(k, fp)| {
                old.and_then(|o| o.get(k))
                    .filter(|(old_fp, _)| old_fp == fp)
                    .map(|(_, metas)| std::sync::Arc::clone(metas))
            });
            (key, reused)
        })
        .collect();
    let reused = keyed.iter().filter(|(_, r)| r.is_some()).count();
    let put_all = |files: Vec<OutputFile>| -> Result<Vec<FileMeta>, WriteError> {
        files
            .into_iter()
            .map(|f| {
                let meta = f.meta();
                sink.put(f).map(|_| meta)
            })
            .collect()
    };
    progress.start("渲染页面", jobs.len() as u64);
    let results: Vec<Result<Vec<FileMeta>, RenderError>> = jobs
        .par_iter()
        .zip(&keyed)
        .map(|(job, (_, reused))| {
            if reused.is_some() {
                progress.advance(1);
                return Ok(Vec::new());
            }
            let files = renderer
                .run(job)
                .map_err(|d| RenderError::Content(vec![d]))?;
            progress.advance(1);
            put_all(files).map_err(RenderError::Write)
        })
        .collect();
    progress.finish();
    let mut rendered = jobs.len() - reused;
    let mut new_memo = rustc_hash::FxHashMap::default();
    new_memo.reserve(jobs.len());
    let mut metas = Vec::with_capacity(jobs.len() + 64);
    let mut diags = Vec::new();
    for (r, (key, reused)) in results.into_iter().zip(keyed) {
        match r.map(|m| reused.unwrap_or_else(|| m.into())) {
            Ok(m) => {
                metas.extend(m.iter().cloned());
                if let Some((k, fp)) = key {
                    new_memo.insert(k, (fp, m));
                }
            }
            Err(RenderError::Write(e)) => return Err(RenderError::Write(e)),
            Err(RenderError::Content(ds)) => {
                for d in ds {
                    if !diags.contains(&d) {
                        diags.push(d);
                    }
                }
            }
        }
    }
    let clock = std::time::Instant::now();
    let specs = feeds::specs(site);
    let feed_keys: Vec<Option<(u64, u64)>> = specs
        .iter()
        .map(|spec| {
            global.map(|g| {
                (
                    memo_key("feed", &spec.path),
                    feeds::fingerprint(site, spec, g),
                )
            })
        })
        .collect();
    let (same, changed): (Vec<_>, Vec<_>) = specs.iter().zip(feed_keys).partition(|(_, key)| {
        key.as_ref().is_some_and(|(k, fp)| {
            old.and_then(|o| o.get(k))
                .is_some_and(|(old_fp, _)| old_fp == fp)
        })
    });
    for (_, key) in same {
        if let Some((k, fp)) = key
            && let Some((_, m)) = old.and_then(|o| o.get(&k))
        {
            metas.extend(m.iter().cloned());
            new_memo.insert(k, (fp, std::sync::Arc::clone(m)));
        }
    }
    let changed_specs: Vec<&feeds::FeedSpec> = changed.iter().map(|(s, _)| *s).collect();
    rendered += changed_specs.len();
    match feeds::entries(site, &changed_specs) {
        Ok(entries) => {
            let written: Result<Vec<Vec<FileMeta>>, WriteError> = changed_specs
                .par_iter()
                .map(|spec| put_all(feeds::files(site, spec, &entries)))
                .collect();
            for (m, (_, key)) in written
                .map_err(RenderError::Write)?
                .into_iter()
                .zip(changed)
            {
                metas.extend(m.iter().cloned());
                if let Some((k, fp)) = key {
                    new_memo.insert(k, (fp, m.into()));
                }
            }
        }
        Err(d) => diags.extend(d),
    }
    let feeds_time = clock.elapsed();
    let mut rest = assets(site, theme);
    rest.push(build_info(site));
    rest.push(OutputFile::other(
        "highlight.css".into(),
        Data::Static(crate::markdown::highlight_css().as_bytes()),
        None,
    ));
    rest.extend(renderer.aliases(&mut diags));
    let search_time = match search.finish() {
        Ok((files, took)) => {
            rest.extend(files);
            took
        }
        Err(d) => {
            diags.push(d);
            std::time::Duration::ZERO
        }
    };
    metas.extend(put_all(rest).map_err(RenderError::Write)?);
    metas.sort_by(|a, b| a.path.cmp(&b.path));
    check_collisions(&metas, &mut diags);
    if !diags.is_empty() {
        return Err(RenderError::Content(diags));
    }
    // The sitemap lists every page with its date: unchanged if they are.
    let map_key = memo_key("sitemap", "");
    let map_fp = global.map(|g| {
        let mut h = rustc_hash::FxHasher::default();
        g.hash(&mut h);
        for m in &metas {
            if let Role::Page { lastmod } = &m.role {
                (&m.path, lastmod).hash(&mut h);
            }
        }
        h.finish()
    });
    let old_map = old
        .and_then(|o| o.get(&map_key))
        .filter(|(fp, _)| Some(*fp) == map_fp);
    let map_metas: std::sync::Arc<[FileMeta]> = match old_map {
        Some((_, m)) => std::sync::Arc::clone(m),
        None => {
            let maps = sitemap::files(site, &metas);
            rendered += 1;
            put_all(maps).map_err(RenderError::Write)?.into()
        }
    };
    metas.extend(map_metas.iter().cloned());
    if let Some(fp) = map_fp {
        new_memo.insert(map_key, (fp, map_metas));
    }
    metas.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(memo) = memo {
        memo.jobs = new_memo;
    }
    Ok(RenderReport {
        files: metas,
        feeds_time,
        search_time,
        rendered,
        reused,
    })
}

/// `build.json`: when the site was built and when a scheduled job should
/// rebuild it. It names no item, so nothing unpublished leaks through it.
fn build_info(site: &Site) -> OutputFile {
    #[derive(serde::Serialize)]
    struct Info {
        generator: &'static str,
        built_at: String,
        scope: crate::content::Scope,
        next_rebuild: Option<String>,
        next_rebuild_reason: Option<crate::site::ChangeKind>,
    }
    let info = Info {
        generator: "dangjian",
        built_at: site.gate.now.to_rfc3339(),
        scope: site.gate.scope,
        next_rebuild: site.next_change.map(|c| c.at.to_rfc3339()),
        next_rebuild_reason: site.next_change.map(|c| c.kind),
    };
    let mut text = serde_json::to_string_pretty(&info).unwrap_or_default();
    text.push('\n');
    OutputFile::other("build.json".into(), Data::Bytes(text.into_bytes()), None)
}

fn assets(site: &Site, theme: &Theme) -> Vec<OutputFile> {
    let mut out: Vec<OutputFile> = theme
        .statics
        .iter()
        .map(|(path, src)| match src {
            StaticFile::Builtin(b) => OutputFile::other(
                path.clone(),
                Data::Static(b),
                Some(PathBuf::from(format!("内置主题/static/{path}"))),
            ),
            StaticFile::Disk(p) => {
                OutputFile::other(path.clone(), Data::Copy(p.clone()), Some(p.clone()))
            }
        })
        .collect();
    for item in site.items.iter().filter(|i| !i.withdrawn) {
        if let Some(b) = &item.entry.bundle {
            for rel in &b.assets {
                let src = b.dir.join(rel);
                let path = format!("{}{}", item.path, crate::site::links::slash_path(rel));
                out.push(OutputFile::other(path, Data::Copy(src.clone()), Some(src)));
            }
        }
    }
    for (path, src) in &site.loose_assets {
        out.push(OutputFile::other(
            path.clone(),
            Data::Copy(src.clone()),
            Some(src.clone()),
        ));
    }
    out
}

/// Two sources writing one output path is an error naming both.
fn check_collisions(files: &[FileMeta], diags: &mut Vec<Diagnostic>) {
    let mut seen: rustc_hash::FxHashMap<&str, &FileMeta> = rustc_hash::FxHashMap::default();
    seen.reserve(files.len());
    for f in files {
        if let Some(prev) = seen.insert(&f.path, f) {
            // The same file copied twice (two items using one image) is fine.
            if prev.copy_of.is_some() && prev.copy_of == f.copy_of {
                continue;
            }
            let name = |o: &FileMeta| {
                o.source
                    .as_ref()
                    .map_or("生成的页面".into(), |p| p.display().to_string())
            };
            diags.push(
                Diagnostic::error(
                    f.source.clone().unwrap_or_default(),
                    format!(
                        "输出文件 “{}” 重复：{} 也会生成这个文件",
                        f.path,
                        name(prev)
                    ),
                )
                .hint("修改其中一个的 slug、aliases 或文件名"),
            );
        }
    }
}
