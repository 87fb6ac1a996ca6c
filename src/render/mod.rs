//! Rendering: `&Site` + `&Theme` → every output file, handed to a [`Sink`].
//!
//! Nothing here knows about the output folder: [`crate::output`] provides
//! the sink that writes (into a staging folder swapped in on success), and
//! [`crate::output::MemorySink`] keeps files in memory for tests and previews.

mod aliases;
mod context;
pub(crate) mod feeds;
mod footer;
mod jobs;
mod memo;
mod pages;
mod pulled;
mod qr;
mod sitemap;
mod table;

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::images::Outputs as Images;
use crate::output::{Data, FileMeta, OutputFile, Role, Sink, WriteError};
use crate::site::Site;
use crate::theme::{StaticFile, Theme};

pub(crate) use memo::Memo;
use memo::MemoRun;

/// Progress of rendering, reported as jobs finish.
pub trait Progress: Sync {
    /// A stage begins with `total` jobs.
    fn start(&self, _stage: &str, _total: u64) {}
    /// `n` more jobs are done.
    fn advance(&self, _n: u64) {}
    /// The stage is over.
    fn finish(&self) {}
}

/// Reports nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RenderError {
    /// Template errors or colliding outputs.
    #[error("生成页面时发现 {} 个问题", .0.len())]
    Content(Vec<Diagnostic>),
    /// The sink could not take a file.
    #[error(transparent)]
    Write(WriteError),
}

/// What rendering produced.
#[derive(Debug)]
pub(crate) struct RenderReport {
    /// Every file, sorted by path.
    pub(crate) files: Vec<FileMeta>,
    /// Time spent on feeds (part of the whole).
    pub(crate) feeds_time: std::time::Duration,
    /// Time the search index took, alongside the pages (zero when not built).
    pub(crate) search_time: std::time::Duration,
    /// Pages and feeds rendered, and those taken unchanged from the memo.
    pub(crate) rendered: usize,
    pub(crate) reused: usize,
}

/// Renders every output of the site into `sink`. On error, whatever the
/// sink received must be discarded.
pub(crate) fn render(
    site: &Site,
    theme: &Theme,
    images: &Images,
    progress: &dyn Progress,
    sink: &dyn Sink,
) -> Result<RenderReport, RenderError> {
    render_memo(site, theme, images, progress, sink, None)
}

/// [`render`], skipping the pages and feeds that `memo` shows unchanged
/// (their files are listed in the report but not handed to the sink). The
/// memo is updated only when rendering succeeds.
pub(crate) fn render_memo(
    site: &Site,
    theme: &Theme,
    images: &Images,
    progress: &dyn Progress,
    sink: &dyn Sink,
    mut memo: Option<&mut Memo>,
) -> Result<RenderReport, RenderError> {
    let run = MemoRun::new(memo.as_deref_mut());
    let result = render_with(site, theme, images, progress, sink, &run);
    run.finish(memo, result.is_ok());
    result
}

/// Every file that is not a page or a feed: theme and content files,
/// build.json, highlight.css, alias pages and the search index (whose
/// build time is returned).
fn other_files(
    site: &Site,
    theme: &Theme,
    images: &Images,
    renderer: &pages::Renderer<'_>,
    search: crate::search::Pending,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<OutputFile>, std::time::Duration) {
    let mut rest = assets(site, theme, images);
    rest.push(build_info(site));
    rest.push(OutputFile::other(
        "highlight.css".into(),
        Data::Static(crate::markdown::highlight_css().as_bytes()),
        None,
    ));
    rest.extend(renderer.aliases(diags));
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
    (rest, search_time)
}

/// The sitemap lists every page with its date: unchanged if they are.
fn sitemap_fingerprint(global: Option<u64>, metas: &[FileMeta]) -> Option<u64> {
    global.map(|g| {
        let mut h = rustc_hash::FxHasher::default();
        g.hash(&mut h);
        for m in metas {
            if let Role::Page { lastmod } = &m.role {
                (&m.path, lastmod).hash(&mut h);
            }
        }
        h.finish()
    })
}

fn render_with(
    site: &Site,
    theme: &Theme,
    images: &Images,
    progress: &dyn Progress,
    sink: &dyn Sink,
    run: &MemoRun,
) -> Result<RenderReport, RenderError> {
    // The search index builds on its own thread while the pages render; an
    // incremental render (the preview) leaves it to its caller.
    let search = crate::search::Pending::start(site, !run.active());
    let specs = feeds::specs(site);
    let feed_links = feeds::links_by_path(site, &specs);
    let global = run
        .active()
        .then(|| jobs::global_fingerprint(site, &feed_links));
    let renderer = pages::Renderer::new(site, theme, &feed_links);
    let put_all = |files: Vec<OutputFile>| -> Result<Vec<FileMeta>, RenderError> {
        files
            .into_iter()
            .map(|f| {
                let meta = f.meta();
                sink.put(f).map(|_| meta).map_err(RenderError::Write)
            })
            .collect()
    };
    let jobs = jobs::plan(site);
    progress.start("渲染页面", jobs.len() as u64);
    let results: Vec<_> = jobs
        .par_iter()
        .map(|job| {
            let fp = global.map(|g| job.fingerprint(g, theme));
            let files = run.reuse_or_render(job.key(), fp, || {
                put_all(
                    renderer
                        .run(job)
                        .map_err(|d| RenderError::Content(vec![d]))?,
                )
            });
            progress.advance(1);
            files
        })
        .collect();
    progress.finish();
    let mut metas: Vec<FileMeta> = Vec::with_capacity(jobs.len() + 64);
    let mut diags = Vec::new();
    collect(results, &mut metas, &mut diags)?;
    let clock = std::time::Instant::now();
    let feed_files = render_feeds(site, &specs, global, run, &put_all, &mut diags);
    collect(feed_files, &mut metas, &mut diags)?;
    let feeds_time = clock.elapsed();
    let (rest, search_time) = other_files(site, theme, images, &renderer, search, &mut diags);
    metas.extend(put_all(rest)?);
    metas.sort_by(|a, b| a.path.cmp(&b.path));
    if !diags.is_empty() {
        return Err(RenderError::Content(diags));
    }
    let maps = run.reuse_or_render(
        memo_key("sitemap", ""),
        sitemap_fingerprint(global, &metas),
        || put_all(sitemap::files(site, &metas)),
    )?;
    metas.extend(maps.iter().cloned());
    metas.sort_by(|a, b| a.path.cmp(&b.path));
    // Every file is known only now (robots.txt and sitemaps last): an
    // alias or a file may not take any generated file's path.
    check_collisions(&metas, &mut diags);
    if !diags.is_empty() {
        return Err(RenderError::Content(diags));
    }
    let (rendered, reused) = run.counts();
    Ok(RenderReport {
        files: metas,
        feeds_time,
        search_time,
        rendered,
        reused,
    })
}

/// Every feed, each reused when its fingerprint is unchanged; the shared
/// entries are made only for the feeds rendered now.
fn render_feeds(
    site: &Site,
    specs: &[feeds::FeedSpec],
    global: Option<u64>,
    run: &MemoRun,
    put_all: &(dyn Fn(Vec<OutputFile>) -> Result<Vec<FileMeta>, RenderError> + Sync),
    diags: &mut Vec<Diagnostic>,
) -> Vec<Result<std::sync::Arc<[FileMeta]>, RenderError>> {
    let keyed: Vec<(u64, Option<u64>)> = specs
        .iter()
        .map(|spec| {
            (
                memo_key("feed", &spec.path),
                global.map(|g| spec.fingerprint(g)),
            )
        })
        .collect();
    let changed: Vec<&feeds::FeedSpec> = specs
        .iter()
        .zip(&keyed)
        .filter(|(_, (k, fp))| run.lookup(*k, *fp).is_none())
        .map(|(s, _)| s)
        .collect();
    let entries = match feeds::entries(site, &changed) {
        Ok(e) => e,
        Err(d) => {
            diags.extend(d);
            return Vec::new();
        }
    };
    specs
        .par_iter()
        .zip(keyed)
        .map(|(spec, (key, fp))| {
            run.reuse_or_render(key, fp, || put_all(feeds::files(site, spec, &entries)))
        })
        .collect()
}

/// Adds the files of finished jobs to `metas` and their problems to
/// `diags`; a write failure ends the render at once.
fn collect(
    results: Vec<Result<std::sync::Arc<[FileMeta]>, RenderError>>,
    metas: &mut Vec<FileMeta>,
    diags: &mut Vec<Diagnostic>,
) -> Result<(), RenderError> {
    for r in results {
        match r {
            Ok(files) => metas.extend(files.iter().cloned()),
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
    Ok(())
}

/// A job's key in the memo: a hash of what it is (`feed`, `sitemap`) and
/// its path.
fn memo_key(what: &str, path: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    (what, path).hash(&mut h);
    h.finish()
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

/// Static files, bundle files and files used by items, copied; images
/// in their processed form (from the image stage), never as they are.
fn assets(site: &Site, theme: &Theme, images: &Images) -> Vec<OutputFile> {
    let mut out: Vec<OutputFile> = theme
        .statics
        .iter()
        .filter(|(path, _)| !images.replaced.contains(path.as_str()))
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
                if images.replaced.contains(&path) {
                    continue;
                }
                out.push(OutputFile::other(path, Data::Copy(src.clone()), Some(src)));
            }
        }
    }
    for (path, src) in &site.loose_assets {
        if images.replaced.contains(path) {
            continue;
        }
        out.push(OutputFile::other(
            path.clone(),
            Data::Copy(src.clone()),
            Some(src.clone()),
        ));
    }
    out.extend(images.files.iter().map(|f| {
        OutputFile::other(
            f.path.clone(),
            Data::Cached(f.data.clone()),
            Some(f.source.clone()),
        )
    }));
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
