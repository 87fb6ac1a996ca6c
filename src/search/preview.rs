//! The preview's index (`dangjian serve`), made on a background thread so
//! an edit reloads the page at once: after a quiet moment the latest model
//! is indexed and its files replace the previous index's among the
//! preview's files. Until then the search page answers from the previous
//! index, a second or so stale.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{Input, is_index_file};
use crate::serve::engine::{SharedFiles, Stored};

/// Quiet time after the last change before indexing, so a burst of saves
/// is indexed once and never slows the rebuilds that answer them.
const QUIET: Duration = Duration::from_millis(400);

/// The background indexer of one preview.
pub(crate) struct Background {
    shared: Arc<Shared>,
    /// Fingerprint of the last input handed over.
    last: Option<Option<u64>>,
    worker: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    files: SharedFiles,
    /// How many index files are among the preview's files (changed only
    /// while the files are locked for writing).
    count: AtomicUsize,
}

#[derive(Default)]
struct State {
    /// The latest input not yet indexed, with its generation.
    pending: Option<(u64, Option<Input>)>,
    changed_at: Option<Instant>,
    requested: u64,
    done: u64,
    /// Index now, without waiting for quiet.
    flush: bool,
    stop: bool,
}

impl Background {
    /// A background indexer putting its files among `files`.
    pub fn new(files: SharedFiles) -> Background {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            files,
            count: AtomicUsize::new(0),
        });
        let worker = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || work(&shared))
        };
        Background {
            shared,
            last: None,
            worker: Some(worker),
        }
    }

    /// Hands over the latest model's input (`None`: search is off); nothing
    /// happens when it would give the same index as the last one.
    pub(crate) fn update(&mut self, input: Option<Input>) {
        let fp = input.as_ref().map(Input::fingerprint);
        if self.last == Some(fp) {
            return;
        }
        self.last = Some(fp);
        let mut s = lock(&self.shared.state);
        s.requested += 1;
        s.pending = Some((s.requested, input));
        s.changed_at = Some(Instant::now());
        self.shared.wake.notify_all();
    }

    /// How many index files are among the preview's files; read it only
    /// while holding those files' lock.
    pub(crate) fn count(&self) -> usize {
        self.shared.count.load(Ordering::SeqCst)
    }

    /// Waits until the last input handed over is indexed (at once, without
    /// waiting for quiet).
    pub(crate) fn wait(&self) {
        let mut s = lock(&self.shared.state);
        if s.done < s.requested {
            s.flush = true;
            self.shared.wake.notify_all();
        }
        while s.done < s.requested && !s.stop {
            s = self.shared.wake.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        lock(&self.shared.state).stop = true;
        self.shared.wake.notify_all();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn work(shared: &Shared) {
    loop {
        let (generation, input) = {
            let mut s = lock(&shared.state);
            loop {
                if s.stop {
                    return;
                }
                let quiet_for = s.changed_at.map_or(QUIET, |t| t.elapsed());
                match s.pending {
                    Some(_) if s.flush || quiet_for >= QUIET => break,
                    Some(_) => {
                        let wait = QUIET - quiet_for;
                        s = shared
                            .wake
                            .wait_timeout(s, wait)
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    }
                    None => s = shared.wake.wait(s).unwrap_or_else(|e| e.into_inner()),
                }
            }
            s.flush = false;
            s.pending.take().unwrap_or((s.requested, None))
        };
        let made = input.map(|i| i.files()).unwrap_or_default();
        {
            let mut files = shared.files.write().unwrap_or_else(|e| e.into_inner());
            files.retain(|p, _| !is_index_file(p));
            let n = made.len();
            for f in made {
                let stored = match f.data {
                    crate::output::Data::Bytes(b) => Stored::Bytes(b.into()),
                    crate::output::Data::Static(b) => Stored::Static(b),
                    // The index is made of bytes only; it copies no file.
                    crate::output::Data::Copy(_) | crate::output::Data::Cached(_) => continue,
                };
                files.insert(f.path, stored);
            }
            shared.count.store(n, Ordering::SeqCst);
        }
        let mut s = lock(&shared.state);
        s.done = generation;
        shared.wake.notify_all();
    }
}
