//! Watching the site's sources: content/, themes/, static/ and site.yaml.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

/// Folders watched (recursively) under the site root.
const FOLDERS: &[&str] = &["content", "themes", "static"];

/// How long the sources must stay quiet before a rebuild: editors save in
/// several steps (write a temporary file, rename it over the original).
const QUIET: Duration = Duration::from_millis(15);
/// The longest a rebuild waits for quiet during a stream of saves.
const MAX_WAIT: Duration = Duration::from_millis(150);

/// Reports batches of changed source paths, relative to the root.
pub(crate) struct SourceWatcher {
    root: PathBuf,
    watcher: notify::RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    watched: BTreeSet<&'static str>,
}

impl SourceWatcher {
    pub fn new(root: &Path) -> notify::Result<SourceWatcher> {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let (tx, events) = channel();
        let mut watcher = notify::recommended_watcher(move |e| {
            let _ = tx.send(e);
        })?;
        // The root itself, for site.yaml and folders created later.
        watcher.watch(&root, RecursiveMode::NonRecursive)?;
        let mut w = SourceWatcher {
            root,
            watcher,
            events,
            watched: BTreeSet::new(),
        };
        w.watch_folders();
        Ok(w)
    }

    fn watch_folders(&mut self) {
        for f in FOLDERS {
            let dir = self.root.join(f);
            if !self.watched.contains(f)
                && dir.is_dir()
                && self.watcher.watch(&dir, RecursiveMode::Recursive).is_ok()
            {
                self.watched.insert(f);
            }
            if self.watched.contains(f) && !dir.is_dir() {
                let _ = self.watcher.unwatch(&dir);
                self.watched.remove(f);
            }
        }
    }

    /// Waits up to `timeout` for changes, then for quiet; returns the
    /// changed sources (empty on timeout), or `None` if the watcher stopped.
    pub(crate) fn next_batch(&mut self, timeout: Duration) -> Option<Vec<PathBuf>> {
        let mut touched = BTreeSet::new();
        match self.events.recv_timeout(timeout) {
            Ok(e) => self.collect(e, &mut touched),
            Err(RecvTimeoutError::Timeout) => return Some(Vec::new()),
            Err(RecvTimeoutError::Disconnected) => return None,
        }
        let start = Instant::now();
        while start.elapsed() < MAX_WAIT {
            match self.events.recv_timeout(QUIET) {
                Ok(e) => self.collect(e, &mut touched),
                Err(RecvTimeoutError::Timeout) if !touched.is_empty() => break,
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
        self.watch_folders();
        Some(touched.into_iter().collect())
    }

    fn collect(&self, event: notify::Result<notify::Event>, touched: &mut BTreeSet<PathBuf>) {
        let Ok(event) = event else {
            // A lost event (queue overflow): rescan everything.
            touched.insert(PathBuf::from("content"));
            return;
        };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for path in event.paths {
            if let Some(rel) = source_path(&self.root, &path) {
                touched.insert(rel);
            }
        }
    }
}

/// `path` relative to the root if it is a site source, not an editor's
/// temporary file and not the output.
pub(crate) fn source_path(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let source = first == crate::config::CONFIG_FILE || FOLDERS.contains(&first);
    let name = rel.file_name()?.to_string_lossy();
    (source && !crate::content::is_ignored(&name)).then(|| rel.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::source_path;
    use std::path::Path;

    #[test]
    fn only_sources_count() {
        let root = Path::new("/site");
        let rel = |p: &str| source_path(root, Path::new(p));
        assert_eq!(
            rel("/site/content/news/a.md"),
            Some("content/news/a.md".into())
        );
        assert_eq!(rel("/site/site.yaml"), Some("site.yaml".into()));
        assert_eq!(rel("/site/static/x.css"), Some("static/x.css".into()));
        assert_eq!(rel("/site/content/news/.a.md.swp"), None);
        assert_eq!(rel("/site/content/news/a.md~"), None);
        assert_eq!(rel("/site/output/index.html"), None);
        assert_eq!(rel("/site/.output.new-x/index.html"), None);
        assert_eq!(rel("/elsewhere/content/a.md"), None);
    }
}
