//! The preview's incremental build: the site kept in memory and rebuilt
//! after each change, reusing every parse, item and page that the change
//! cannot have affected.
//!
//! Nothing here decides what depends on what by hand. Each stage keys what
//! it keeps by a hash of what it was made from (a file's size and time, an
//! item's source and the URLs it read, a page's items and the site-wide
//! settings), so an incremental result equals a full build of the same
//! sources; `tests/it/serve.rs` checks that with random edits.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant as Clock, SystemTime};

use crate::build::{self, BuildOptions, Caches};
use crate::diagnostic::Diagnostic;
use crate::render::{self, Data, Memo, MemorySink, Quiet, RenderError};

/// One file of the preview.
#[derive(Debug, Clone)]
pub enum Stored {
    Bytes(Arc<[u8]>),
    Static(&'static [u8]),
    /// A copy of a site file (absolute path), read when requested, with the
    /// size and time it had when built.
    Copy(PathBuf, (u64, Option<SystemTime>)),
}

impl Stored {
    /// The file's bytes (copies are read now).
    pub fn bytes(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        Ok(match self {
            Stored::Bytes(b) => std::borrow::Cow::Borrowed(b),
            Stored::Static(b) => std::borrow::Cow::Borrowed(b),
            Stored::Copy(p, _) => std::borrow::Cow::Owned(std::fs::read(p)?),
        })
    }

    fn same(&self, other: &Stored) -> bool {
        match (self, other) {
            (Stored::Bytes(a), Stored::Bytes(b)) => a == b,
            (Stored::Static(a), Stored::Static(b)) => a == b,
            (Stored::Copy(a, sa), Stored::Copy(b, sb)) => a == b && sa == sb,
            _ => false,
        }
    }
}

/// The files of the preview, by output path (`news/a/index.html`).
pub type Files = HashMap<String, Stored>;

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
    pub reused: usize,
    pub took: Duration,
}

/// The site in memory, rebuilt incrementally.
pub struct Engine {
    opts: BuildOptions,
    /// Whether `now` follows the clock (no `--now` was given).
    live_clock: bool,
    caches: Caches,
    memo: Memo,
    files: Arc<Files>,
    /// Source file → URL path of its page, from the last good build.
    pages: HashMap<PathBuf, String>,
    /// When a rebuild would next change the output by the clock alone.
    next_change: Option<crate::time::Instant>,
}

impl Engine {
    /// Prepares an engine; nothing is built until [`Engine::rebuild`].
    pub fn new(opts: BuildOptions) -> Engine {
        let live_clock = opts.now.is_none();
        Engine {
            opts,
            live_clock,
            caches: Caches::default(),
            memo: Memo::default(),
            files: Arc::default(),
            pages: HashMap::new(),
            next_change: None,
        }
    }

    /// The files of the last good build.
    pub fn files(&self) -> Arc<Files> {
        Arc::clone(&self.files)
    }

    /// Whether the clock has reached an instant that changes the output
    /// (an embargo ending, a notice expiring, a 公示期 starting or ending).
    pub fn clock_due(&self) -> bool {
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
        let sink = MemorySink::default();
        let report = render::render_memo(
            &prepared.site,
            &prepared.theme,
            &Quiet,
            &sink,
            Some(&mut self.memo),
        )
        .map_err(|e| match e {
            RenderError::Content(d) => sorted(d),
            RenderError::Write(w) => vec![Diagnostic::error(w.path.clone(), w.to_string())],
        })?;
        let root = std::path::absolute(&self.opts.root).unwrap_or(self.opts.root.clone());
        let mut fresh: HashMap<String, Stored> = sink
            .into_files()
            .into_iter()
            .map(|f| {
                let stored = match f.data {
                    Data::Bytes(b) => Stored::Bytes(b.into()),
                    Data::Static(b) => Stored::Static(b),
                    Data::Copy(rel) => {
                        let abs = root.join(rel);
                        let stamp = std::fs::metadata(&abs)
                            .map(|m| (m.len(), m.modified().ok()))
                            .unwrap_or((0, None));
                        Stored::Copy(abs, stamp)
                    }
                };
                (f.path, stored)
            })
            .collect();
        let mut files = Files::with_capacity(report.files.len());
        let mut update = Update {
            rendered: report.rendered,
            reused: report.reused,
            ..Update::default()
        };
        for meta in &report.files {
            let path = &meta.path;
            let stored = match fresh.remove(path) {
                Some(s) => s,
                // Reused from the memo: the previous build produced it.
                None => match self.files.get(path) {
                    Some(s) => s.clone(),
                    None => continue,
                },
            };
            if !self.files.get(path).is_some_and(|old| old.same(&stored)) {
                update.changed.push(path.clone());
            }
            files.insert(path.clone(), stored);
        }
        update.removed = self
            .files
            .keys()
            .filter(|p| !files.contains_key(*p))
            .cloned()
            .collect();
        update.changed.sort();
        update.removed.sort();
        let site = &prepared.site;
        self.pages = site
            .items
            .iter()
            .map(|i| (i.entry.path.clone(), site.url(&i.path)))
            .collect();
        update.edited = touched
            .iter()
            .filter_map(|t| self.pages.get(t).cloned())
            .collect();
        self.next_change = site.next_change.map(|c| c.at);
        self.files = Arc::new(files);
        update.took = clock.elapsed();
        Ok(update)
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
            };
            (f.path, bytes)
        })
        .collect())
}

/// The engine's files read into memory, for comparison with [`full_build`].
pub fn read_all(files: &Files) -> BTreeMap<String, Vec<u8>> {
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
