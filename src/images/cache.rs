//! The cache of processed images: `.dangjian-cache/images/` in the site
//! root, shared by `build` and `serve`.
//!
//! A file's name is a SHA-256 of the source's bytes, the recipe (width,
//! quality, stripping) and [`super::ENCODER_VERSION`]: an unchanged photo is
//! never encoded twice, whatever its name or time, and an encoder upgrade
//! makes new files. So that a warm build need not read every photo to hash
//! it, `sources.tsv` remembers each source's hash with the size and
//! modification time it had (as git's index does); a file changed within
//! two seconds of being hashed is hashed again next time. Files are written
//! to a temporary name and renamed, so a killed build leaves no half file;
//! files no build has used for [`PRUNE_AFTER`] are removed after a
//! successful build.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

/// The cache folder, relative to the site root.
pub const CACHE_DIR: &str = ".dangjian-cache/images";

/// How long a cached file no build used is kept: a preview with drafts and
/// a public build use different photos, and neither should evict the other.
pub(crate) const PRUNE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// A source's content hash and the stamp it was computed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    modified_ns: u128,
    hash: [u8; 32],
}

/// The cache of one site.
pub(crate) struct Cache {
    dir: PathBuf,
    stamps: Mutex<HashMap<String, Stamp>>,
    /// Whether `stamps` gained or lost entries since it was read.
    dirty: Mutex<bool>,
}

fn nanos(t: SystemTime) -> u128 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

impl Cache {
    /// Opens (without creating) the cache of the site at `root`.
    pub(crate) fn open(root: &Path) -> Cache {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let dir = root.join(CACHE_DIR);
        let stamps = std::fs::read_to_string(dir.join("sources.tsv"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                let path = f.next()?.to_string();
                let stamp = Stamp {
                    size: f.next()?.parse().ok()?,
                    modified_ns: f.next()?.parse().ok()?,
                    hash: unhex(f.next()?)?,
                };
                Some((path, stamp))
            })
            .collect();
        Cache {
            dir,
            stamps: Mutex::new(stamps),
            dirty: Mutex::new(false),
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The SHA-256 of the file at `path` (named `name` in the stamp list),
    /// and its bytes when they had to be read (with `read`).
    pub(crate) fn content_hash(
        &self,
        name: &str,
        path: &Path,
        read: impl FnOnce() -> std::io::Result<Vec<u8>>,
    ) -> std::io::Result<([u8; 32], Option<Vec<u8>>)> {
        let meta = std::fs::symlink_metadata(path)?;
        let modified = meta.modified().ok();
        let modified_ns = modified.map_or(0, nanos);
        let known = self.lock().get(name).copied();
        if let Some(s) = known
            && s.size == meta.len()
            && s.modified_ns == modified_ns
            && modified_ns != 0
        {
            return Ok((s.hash, None));
        }
        let bytes = read()?;
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        // A file written within the clock's resolution of now could change
        // again without changing its time: hash it again next time.
        let settled = modified.is_some_and(|m| {
            SystemTime::now()
                .duration_since(m)
                .is_ok_and(|d| d > Duration::from_secs(2))
        });
        if settled && bytes.len() as u64 == meta.len() {
            self.lock().insert(
                name.to_string(),
                Stamp {
                    size: meta.len(),
                    modified_ns,
                    hash,
                },
            );
            *self.dirty.lock().unwrap_or_else(|e| e.into_inner()) = true;
        }
        Ok((hash, Some(bytes)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Stamp>> {
        self.stamps.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cache file of `recipe` applied to the source with `hash`.
    pub(crate) fn file_for(&self, hash: &[u8; 32], recipe: &str, ext: &str) -> PathBuf {
        let mut h = Sha256::new();
        h.update(hash);
        h.update(recipe.as_bytes());
        h.update(super::ENCODER_VERSION.as_bytes());
        let key = hex(&h.finalize()[..16]);
        self.dir.join(&key[..2]).join(format!("{key}.{ext}"))
    }

    /// Writes `bytes` at `path` through a temporary file and a rename.
    pub(crate) fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
        // No fsync: a killed build leaves no half file either way, and
        // syncing every variant would cost seconds on a first build.
        tmp.write_all(bytes)?;
        #[cfg(unix)]
        {
            // Temporary files are private; the output is served to everyone.
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Marks a cached file as used now (so pruning keeps it), writing its
    /// time only when it is older than a day.
    pub(crate) fn touch(&self, path: &Path) {
        let old = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|d| d > Duration::from_secs(24 * 3600));
        if old && let Ok(f) = std::fs::File::options().write(true).open(path) {
            let _ = f.set_modified(SystemTime::now());
        }
    }

    /// Saves the stamp list, keeping only sources still in `live`.
    pub(crate) fn save(&self, live: &std::collections::HashSet<String>) -> std::io::Result<()> {
        let mut stamps = self.lock();
        let before = stamps.len();
        stamps.retain(|k, _| live.contains(k));
        let dirty = *self.dirty.lock().unwrap_or_else(|e| e.into_inner());
        if !dirty && stamps.len() == before {
            return Ok(());
        }
        let mut lines: Vec<String> = stamps
            .iter()
            .map(|(p, s)| format!("{p}\t{}\t{}\t{}\n", s.size, s.modified_ns, hex(&s.hash)))
            .collect();
        lines.sort();
        drop(stamps);
        self.write(&self.dir.join("sources.tsv"), lines.concat().as_bytes())
    }

    /// Removes cached files that are not in `used` and that no build has
    /// used for [`PRUNE_AFTER`], and temporary files of killed builds.
    /// Returns how many were removed.
    pub(crate) fn prune(&self, used: &std::collections::HashSet<PathBuf>) -> usize {
        let Ok(fans) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for fan in fans.flatten().filter(|f| f.path().is_dir()) {
            for e in std::fs::read_dir(fan.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let path = e.path();
                let stale = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|m| SystemTime::now().duration_since(m).ok())
                    .is_some_and(|age| age > PRUNE_AFTER);
                let temp = e.file_name().to_string_lossy().starts_with(".tmp-");
                if (stale || temp && stale_temp(&path)) && !used.contains(&path) {
                    removed += usize::from(std::fs::remove_file(&path).is_ok());
                }
            }
        }
        removed
    }
}

/// A temporary file older than an hour belongs to a build that was killed.
fn stale_temp(path: &Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .is_some_and(|d| d > Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_bytes_and_recipe_not_on_names() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path());
        std::fs::write(dir.path().join("a.jpg"), b"same bytes").unwrap();
        std::fs::write(dir.path().join("b.jpg"), b"same bytes").unwrap();
        let hash = |name: &str| {
            let path = dir.path().join(name);
            cache
                .content_hash(name, &path, || std::fs::read(&path))
                .unwrap()
        };
        let (ha, read) = hash("a.jpg");
        assert!(read.is_some());
        let (hb, _) = hash("b.jpg");
        assert_eq!(ha, hb);
        assert_eq!(
            cache.file_for(&ha, "w960", "jpg"),
            cache.file_for(&hb, "w960", "jpg")
        );
        assert_ne!(
            cache.file_for(&ha, "w960", "jpg"),
            cache.file_for(&ha, "w480", "jpg")
        );
        let f = cache.file_for(&ha, "w960", "jpg");
        cache.write(&f, b"encoded").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"encoded");
        let leftovers = std::fs::read_dir(f.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left");
    }

    #[test]
    fn prune_removes_only_old_unused_files() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path());
        let file = |name: &str, age_days: u64| {
            let path = cache.file_for(&[0; 32], name, "jpg");
            cache.write(&path, name.as_bytes()).unwrap();
            let then = SystemTime::now() - Duration::from_secs(age_days * 24 * 3600);
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(then).unwrap();
            path
        };
        let (old, old_used, fresh) = (file("old", 8), file("old-used", 8), file("fresh", 1));
        let used = std::collections::HashSet::from([old_used.clone()]);
        assert_eq!(cache.prune(&used), 1);
        assert!(!old.exists() && old_used.exists() && fresh.exists());
    }
}
