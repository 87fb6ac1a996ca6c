//! The preview's incremental build: the site kept in memory and rebuilt
//! after each change, reusing every parse, item and page that the change
//! cannot have affected.
//!
//! Nothing here decides what depends on what by hand. Each stage keys what
//! it keeps by a hash of what it was made from (a file's size and time, an
//! item's source and the URLs it read, a page's items and the site-wide
//! settings), so an incremental result equals a full build of the same
//! sources; `tests/it/serve.rs` checks that with random edits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant as Clock, SystemTime};

use crate::build::{self, BuildOptions, Caches};
use crate::diagnostic::Diagnostic;
use crate::output::{Data, MemorySink};
use crate::render::{self, Memo, Quiet, RenderError};

/// One file of the preview.
#[derive(Debug, Clone)]
pub(crate) enum Stored {
    Bytes(Arc<[u8]>),
    Static(&'static [u8]),
    /// A copy of a site file (the site root and the file relative to it),
    /// read when requested, with the size and time it had when built.
    Copy(Arc<Path>, PathBuf, (u64, Option<SystemTime>)),
    /// A processed image in the cache folder (its name changes with its bytes).
    Cached(Arc<Path>),
}

impl Stored {
    /// The file's bytes (copies are read now).
    pub(crate) fn bytes(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        Ok(match self {
            Stored::Bytes(b) => std::borrow::Cow::Borrowed(b),
            Stored::Static(b) => std::borrow::Cow::Borrowed(b),
            Stored::Copy(root, rel, _) => {
                // Never through a link: a file swapped for a symbolic link
                // after the build is not served (`serve` shows the site only).
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(
                    &mut crate::output::open_inside(root, rel)?,
                    &mut bytes,
                )?;
                std::borrow::Cow::Owned(bytes)
            }
            Stored::Cached(path) => std::borrow::Cow::Owned(std::fs::read(path)?),
        })
    }

    fn same(&self, other: &Stored) -> bool {
        match (self, other) {
            (Stored::Bytes(a), Stored::Bytes(b)) => a == b,
            (Stored::Static(a), Stored::Static(b)) => a == b,
            (Stored::Copy(ra, a, sa), Stored::Copy(rb, b, sb)) => ra == rb && a == b && sa == sb,
            (Stored::Cached(a), Stored::Cached(b)) => a == b,
            _ => false,
        }
    }
}

/// The files of the preview, by output path (`news/a/index.html`).
pub(crate) type Files = rustc_hash::FxHashMap<String, Stored>;

/// The files, shared between the engine (which updates them in place after
/// each good build) and the server.
pub(crate) type SharedFiles = Arc<RwLock<Files>>;

/// What a rebuild changed.
#[derive(Debug, Default, Clone)]
pub struct Update {
    /// Output paths added or changed, sorted.
    pub changed: Vec<String>,
    /// Output paths no longer produced, sorted.
    pub removed: Vec<String>,
    /// URL paths of the pages made from the touched sources.
    pub edited: Vec<String>,
    /// Pages and feeds rendered, and those reused unchanged.
    pub rendered: usize,
    /// Pages and feeds whose fingerprint was unchanged.
    pub reused: usize,
    /// How long the rebuild took.
    pub took: Duration,
    /// Problems that did not stop the rebuild (shown in the terminal).
    pub(crate) warnings: Vec<Diagnostic>,
    /// Time of each stage.
    pub(crate) timings: Vec<(&'static str, Duration)>,
}

/// The site in memory, rebuilt incrementally.
pub struct Engine {
    opts: BuildOptions,
    /// Whether `now` follows the clock (no `--now` was given).
    live_clock: bool,
    caches: Caches,
    memo: Memo,
    files: SharedFiles,
    /// When a rebuild would next change the output by the clock alone.
    next_change: Option<crate::time::Instant>,
    /// The search index, made in the background after each rebuild.
    search: crate::search::preview::Background,
}

impl Engine {
    /// Prepares an engine; nothing is built until [`Engine::rebuild`].
    pub fn new(opts: BuildOptions) -> Engine {
        let live_clock = opts.now.is_none();
        let mut caches = Caches::default();
        // The watcher reports every change (or the whole folder).
        caches.parse.trust_reports();
        let files: SharedFiles = Arc::default();
        Engine {
            opts,
            live_clock,
            caches,
            memo: Memo::default(),
            search: crate::search::preview::Background::new(Arc::clone(&files)),
            files,
            next_change: None,
        }
    }

    /// The files of the last good build.
    pub(crate) fn files(&self) -> SharedFiles {
        Arc::clone(&self.files)
    }

    /// Every file of the last good build, read into memory (copies too):
    /// what a full build with the same options must equal.
    pub fn read_all(&self) -> BTreeMap<String, Vec<u8>> {
        self.search.wait();
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files
            .iter()
            .map(|(p, s)| {
                (
                    p.clone(),
                    s.bytes().map(|b| b.into_owned()).unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Whether the clock has reached an instant that changes the output
    /// (an embargo ending, a notice expiring, a 公示期 starting or ending).
    pub(crate) fn clock_due(&self) -> bool {
        self.live_clock
            && self
                .next_change
                .is_some_and(|at| at <= chrono::Utc::now().fixed_offset())
    }

    /// Rebuilds after `touched` (paths relative to the site root) changed.
    /// On error the previous files stay in place.
    pub fn rebuild(&mut self, touched: &[PathBuf]) -> Result<Update, Vec<Diagnostic>> {
        let clock = Clock::now();
        for p in touched {
            self.caches.parse.touch(p.clone());
        }
        // The preview's clock stands still between changes, so that a page
        // is rendered again only when its sources change; it moves on
        // when a scheduled change falls due.
        if self.clock_due() {
            self.opts.now = None;
        }
        let prepared =
            build::prepare_cached(&self.opts, &Quiet, &mut self.caches).map_err(sorted)?;
        if self.live_clock {
            self.opts.now = Some(prepared.site.gate.now.to_rfc3339());
        }
        let mut timings = prepared.timings.clone();
        let lap = Clock::now();
        let images = build::process_images(
            &prepared.site,
            &prepared.theme,
            crate::images::plan::Mode::Build,
            &Quiet,
        )
        .map_err(|e| match e {
            build::BuildError::Content(d) => d,
            build::BuildError::Write(w) => vec![Diagnostic::error(w.path.clone(), w.to_string())],
        })?;
        timings.push(("处理图片", lap.elapsed()));
        let lap = Clock::now();
        let sink = MemorySink::default();
        let report = render::render_memo(
            &prepared.site,
            &prepared.theme,
            &images,
            &Quiet,
            &sink,
            Some(&mut self.memo),
        )
        .map_err(|e| match e {
            RenderError::Content(d) => sorted(d),
            RenderError::Write(w) => vec![Diagnostic::error(w.path.clone(), w.to_string())],
        })?;
        timings.push(("渲染", lap.elapsed()));
        let lap = Clock::now();
        let mut update = Update {
            rendered: report.rendered,
            reused: report.reused,
            ..Update::default()
        };
        self.store(sink.into_files(), &report.files, &mut update);
        update.changed.sort();
        update.removed.sort();
        let site = &prepared.site;
        update.edited = site
            .items
            .iter()
            .filter(|i| touched.contains(&i.entry.path))
            .map(|i| site.url(&i.path))
            .collect();
        self.next_change = site.next_change.map(|c| c.at);
        self.search.update(crate::search::Input::of(site));
        update.warnings = site.warnings.clone();
        self.caches.model.keep(prepared.site);
        timings.push(("比较与更新", lap.elapsed()));
        update.timings = timings;
        update.took = clock.elapsed();
        Ok(update)
    }

    /// Puts the rendered files in the served map, noting which changed,
    /// and drops the files no longer listed (the search index excepted).
    fn store(
        &self,
        rendered: Vec<crate::output::OutputFile>,
        listed: &[crate::output::FileMeta],
        update: &mut Update,
    ) {
        let root: Arc<Path> = std::path::absolute(&self.opts.root)
            .unwrap_or(self.opts.root.clone())
            .into();
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        for f in rendered {
            let stored = match f.data {
                Data::Bytes(b) => Stored::Bytes(b.into()),
                Data::Static(b) => Stored::Static(b),
                Data::Copy(rel) => {
                    let stamp = std::fs::symlink_metadata(root.join(&rel))
                        .map(|m| (m.len(), m.modified().ok()))
                        .unwrap_or((0, None));
                    Stored::Copy(Arc::clone(&root), rel, stamp)
                }
                Data::Cached(path) => Stored::Cached(path.into()),
            };
            if !files.get(&f.path).is_some_and(|old| old.same(&stored)) {
                update.changed.push(f.path.clone());
                files.insert(f.path, stored);
            }
        }
        // Every file listed was either handed over now or kept from before,
        // so the files are a superset of the listed ones; equal counts mean
        // nothing was removed. The search index is not listed: it is
        // replaced in the background.
        if files.len() != listed.len() + self.search.count() {
            let names: rustc_hash::FxHashSet<&str> =
                listed.iter().map(|m| m.path.as_str()).collect();
            files.retain(|p, _| {
                let keep = names.contains(p.as_str()) || crate::search::is_index_file(p);
                if !keep {
                    update.removed.push(p.clone());
                }
                keep
            });
        }
        drop(files);
    }
}

fn sorted(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    crate::diagnostic::sort(&mut diags);
    diags.dedup();
    diags
}

/// Every file of a full build with `opts`, read into memory: what the
/// engine's files must equal.
pub fn full_build(opts: &BuildOptions) -> Result<BTreeMap<String, Vec<u8>>, Vec<Diagnostic>> {
    let sink = MemorySink::default();
    build::render_site(opts, &Quiet, &sink).map_err(|e| match e {
        build::BuildError::Content(d) => d,
        build::BuildError::Write(w) => vec![Diagnostic::error(w.path.clone(), w.to_string())],
    })?;
    let root: &Path = &opts.root;
    Ok(sink
        .into_files()
        .into_iter()
        .map(|f| {
            let bytes = match f.data {
                Data::Bytes(b) => b,
                Data::Static(b) => b.to_vec(),
                Data::Copy(rel) => std::fs::read(root.join(rel)).unwrap_or_default(),
                Data::Cached(path) => std::fs::read(path).unwrap_or_default(),
            };
            (f.path, bytes)
        })
        .collect())
}
