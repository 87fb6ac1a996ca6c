//! What `serve` keeps between loads of `content/`: every file's parse
//! and the index of the other files (size, time, image size), so that a
//! load after an edit reads only what changed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;

use super::load::ParsedFile;
use super::{CONTENT_DIR, FileIndex, FileInfo, is_image};
use crate::diagnostic::Diagnostic;

/// Parsed files kept between loads (`serve`): a file is parsed again only
/// when its size, modification time or bundle changed, or when it is named
/// as changed (a save within the clock's resolution keeps the same time).
///
/// When the caller reports every change (a file watcher does), a load
/// after edits of existing files only skips the walk and the other files'
/// metadata too ([`ParseCache::trust_reports`]).
#[derive(Default)]
pub struct ParseCache {
    pub(super) files: rustc_hash::FxHashMap<PathBuf, CachedParse>,
    /// Files named as changed since the last load.
    pub(super) changed: HashSet<PathBuf>,
    /// Whether every change is reported through [`ParseCache::touch`].
    pub(super) trusted: bool,
    /// The files found by the last walk, if the last load finished.
    pub(super) walked: Option<Vec<PathBuf>>,
    /// What the last load recorded of each non-Markdown file.
    pub(super) index: FileIndex,
}

pub(super) struct CachedParse {
    pub(super) stamp: Stamp,
    /// The bundle's asset list and the time zone, which the parse also reads.
    pub(super) inputs: u64,
    pub(super) result: Result<ParsedFile, Vec<Diagnostic>>,
}

/// Size and modification time of a file.
pub(super) type Stamp = (u64, Option<SystemTime>);

impl ParseCache {
    /// Marks a file (relative to the root) as changed: it is read again.
    pub(crate) fn touch(&mut self, rel: PathBuf) {
        self.changed.insert(rel);
    }

    /// Declares that every change will be reported through
    /// [`ParseCache::touch`] (or the whole `content` folder touched when
    /// that is not sure), so unchanged files need not even be looked at.
    pub(crate) fn trust_reports(&mut self) {
        self.trusted = true;
    }

    /// The last walk's files, if it is still valid: nothing was created or
    /// removed under content/ since (only existing files changed).
    pub(super) fn still_walked(&self, root: &Path) -> Option<Vec<PathBuf>> {
        let walked = self.walked.as_ref().filter(|_| self.trusted)?;
        let same = self.changed.iter().all(|p| {
            !p.starts_with(CONTENT_DIR)
                || (root.join(p).is_file() && walked.binary_search(p).is_ok())
        });
        same.then(|| walked.clone())
    }

    /// The cached parse of an unchanged file, without looking at it.
    pub(super) fn unchanged(
        &self,
        rel: &Path,
        inputs: u64,
    ) -> Option<(Stamp, Result<ParsedFile, Vec<Diagnostic>>)> {
        if !self.trusted || self.changed.contains(rel) {
            return None;
        }
        let c = self.files.get(rel).filter(|c| c.inputs == inputs)?;
        Some((c.stamp, c.result.clone()))
    }

    pub(super) fn lookup(
        &self,
        rel: &Path,
        stamp: Stamp,
        inputs: u64,
    ) -> Option<Result<ParsedFile, Vec<Diagnostic>>> {
        let c = self.files.get(rel)?;
        (c.stamp == stamp && c.inputs == inputs && !self.changed.contains(rel))
            .then(|| c.result.clone())
    }
}

/// Size, time and (for images) pixel size of every non-Markdown file. A
/// file is looked at again only when the cache cannot vouch for it: on a
/// trusted fast path only the files reported as changed, otherwise every
/// file's metadata, with image headers read again only when size or time
/// changed.
pub(super) fn index_files(
    root: &Path,
    assets: &[PathBuf],
    cache: &mut ParseCache,
    fast: bool,
) -> FileIndex {
    let look = |rel: &PathBuf, old: Option<&FileInfo>| -> Option<FileInfo> {
        let meta = std::fs::symlink_metadata(root.join(rel)).ok()?;
        if !meta.is_file() {
            return None;
        }
        let (size, modified) = (meta.len(), meta.modified().ok());
        let (image, raster) = match old {
            Some(o) if o.size == size && o.modified == modified => (o.image, o.raster),
            _ => crate::images::probe::look(&root.join(rel), rel, is_image(rel)),
        };
        let active = match old {
            Some(o) if o.size == size && o.modified == modified => o.active,
            _ => super::is_active(rel, || std::fs::read(root.join(rel)).ok()),
        };
        Some(FileInfo {
            size,
            modified,
            image,
            raster,
            active,
        })
    };
    let index: FileIndex = if fast {
        let mut index = cache.index.clone();
        for rel in &cache.changed {
            match assets.binary_search(rel).ok().and_then(|_| look(rel, None)) {
                Some(info) => index.insert(rel.clone(), info),
                None => index.remove(rel),
            };
        }
        index
    } else {
        let old = &cache.index;
        assets
            .par_iter()
            .filter_map(|rel| look(rel, old.get(rel)).map(|info| (rel.clone(), info)))
            .collect()
    };
    cache.index = index.clone();
    index
}
