//! What an incremental render remembers: for each page, feed and sitemap,
//! the fingerprint it was rendered from and the files it produced.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use super::RenderError;
use crate::output::FileMeta;

type Entries = FxHashMap<u64, (u64, Arc<[FileMeta]>)>;

/// The memo of the last successful render (`serve`). A job whose
/// fingerprint is unchanged is not rendered again, and its files are not
/// handed to the sink.
#[derive(Default)]
pub(crate) struct Memo {
    jobs: Entries,
}

/// One render's use of a memo: reads the last render's entries and
/// collects this one's, kept only if the render succeeds.
pub(crate) struct MemoRun {
    old: Option<Entries>,
    new: Mutex<Entries>,
    rendered: AtomicUsize,
    reused: AtomicUsize,
}

impl MemoRun {
    /// Takes the memo's entries for one render (see [`MemoRun::finish`]).
    pub fn new(memo: Option<&mut Memo>) -> Self {
        MemoRun {
            old: memo.map(|m| std::mem::take(&mut m.jobs)),
            new: Mutex::new(FxHashMap::default()),
            rendered: AtomicUsize::new(0),
            reused: AtomicUsize::new(0),
        }
    }

    /// Whether fingerprints are needed at all (there is a memo to fill).
    pub(crate) fn active(&self) -> bool {
        self.old.is_some()
    }

    /// The files of a job rendered last time from the same fingerprint.
    pub(crate) fn lookup(&self, key: u64, fingerprint: Option<u64>) -> Option<Arc<[FileMeta]>> {
        let fp = fingerprint?;
        self.old
            .as_ref()?
            .get(&key)
            .filter(|(old, _)| *old == fp)
            .map(|(_, files)| Arc::clone(files))
    }

    /// The job's files from last time if its fingerprint is unchanged,
    /// else those `render` makes now; either way remembered for next time.
    pub(crate) fn reuse_or_render(
        &self,
        key: u64,
        fingerprint: Option<u64>,
        render: impl FnOnce() -> Result<Vec<FileMeta>, RenderError>,
    ) -> Result<Arc<[FileMeta]>, RenderError> {
        let files = match self.lookup(key, fingerprint) {
            Some(files) => {
                self.reused.fetch_add(1, Ordering::Relaxed);
                files
            }
            None => {
                self.rendered.fetch_add(1, Ordering::Relaxed);
                render()?.into()
            }
        };
        if let Some(fp) = fingerprint {
            self.new
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, (fp, Arc::clone(&files)));
        }
        Ok(files)
    }

    /// How many jobs were rendered and how many reused.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (
            self.rendered.load(Ordering::Relaxed),
            self.reused.load(Ordering::Relaxed),
        )
    }

    /// Gives `memo` this render's entries if it succeeded, else its own
    /// back unchanged.
    pub(crate) fn finish(self, memo: Option<&mut Memo>, succeeded: bool) {
        if let Some(memo) = memo {
            memo.jobs = if succeeded {
                self.new.into_inner().unwrap_or_else(|e| e.into_inner())
            } else {
                self.old.unwrap_or_default()
            };
        }
    }
}
