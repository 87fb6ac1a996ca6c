//! The staging folder: the built site written beside the output folder
//! and swapped in on success, and the checks that keep that safe.
//!
//! Files are written, as rendering produces them, into a fresh folder beside
//! the output folder ([`Staging`]); only when the whole build succeeded does
//! it replace the output folder ([`Staging::commit`]). A failed build drops
//! the staging folder and leaves the previous output as it was; files of
//! earlier builds that are no longer produced disappear with the old folder.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{Data, OutputFile, Sink, WriteError, ctx};

/// Opens `root/rel` for reading, refusing if any part of `rel` is a
/// symbolic link: a file swapped for a link after the content walk
/// (`photo.png -> /etc/passwd`) is not followed out of the site.
pub(crate) fn open_inside(root: &Path, rel: &Path) -> io::Result<std::fs::File> {
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        if std::fs::symlink_metadata(&at)?.file_type().is_symlink() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "符号链接不会被发布",
            ));
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(&at)
}

/// The real path of `p`: symbolic links and `..` resolved on the parts
/// that exist, the rest appended as written.
pub(crate) fn real_path(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut cur = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                cur = std::fs::canonicalize(&cur).unwrap_or(cur);
                cur.pop();
            }
            std::path::Component::CurDir => {}
            other => {
                cur.push(other);
                if let Ok(real) = std::fs::canonicalize(&cur) {
                    cur = real;
                }
            }
        }
    }
    cur
}

/// Whether `dir` holds the output of an earlier build (its `build.json`).
fn is_previous_output(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("build.json"))
        .is_ok_and(|t| t.contains("\"generator\": \"dangjian\""))
}

/// Refuses output folders whose replacement would destroy something: the
/// site itself or a folder of it (compared by real path, whatever `..` or
/// links say), an existing file, or a folder with files that no build made.
pub(crate) fn check_out_dir(root: &Path, out: &Path) -> Result<(), crate::diagnostic::Diagnostic> {
    use crate::diagnostic::Diagnostic;
    let (real_root, real_out) = (real_path(root), real_path(out));
    let protected = [
        "content",
        "themes",
        "static",
        "site.yaml",
        "src",
        ".git",
        ".dangjian-cache",
    ];
    let shown = out.display();
    let refuse =
        |msg: String, hint: &str| Err(Diagnostic::error("--out", msg).hint(hint.to_string()));
    if real_root.starts_with(&real_out)
        || protected
            .iter()
            .any(|p| real_out.starts_with(real_root.join(p)))
    {
        return refuse(
            format!("不能把网站输出到 “{shown}”：这会覆盖站点自身的文件"),
            "输出到单独的文件夹，例如站点根目录下的 output/",
        );
    }
    let out = real_out.as_path();
    match std::fs::metadata(out) {
        Ok(m) if !m.is_dir() => refuse(
            format!("不能把网站输出到 “{shown}”：这是一个文件，不是文件夹"),
            "换一个文件夹名，例如 output/",
        ),
        Ok(_) => {
            let empty = std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_none());
            if empty || is_previous_output(out) {
                Ok(())
            } else {
                refuse(
                    format!(
                        "不能把网站输出到 “{shown}”：这个文件夹里已有文件，且不是 dangjian 生成的网站（没有 build.json），覆盖会删除它们"
                    ),
                    "换一个空文件夹或不存在的文件夹；确定不再需要其中的文件时，先手动删除它",
                )
            }
        }
        Err(_) => Ok(()),
    }
}

/// A staging folder beside the output folder, receiving rendered files.
/// Dropped without [`Staging::commit`], it is removed.
pub(crate) struct Staging {
    dir: tempfile::TempDir,
    out: PathBuf,
    root: PathBuf,
    /// Folders already created, so each is made once.
    made: Mutex<HashSet<PathBuf>>,
    /// The previous output, whose files equal to new ones are hard-linked
    /// instead of written again.
    previous: Option<PathBuf>,
    /// Files written (new or changed) and files linked (unchanged).
    written: std::sync::atomic::AtomicUsize,
    linked: std::sync::atomic::AtomicUsize,
    /// Removing what earlier builds left, while this one renders.
    cleanup: Option<std::thread::JoinHandle<()>>,
    /// Held until the output is replaced: one build at a time per folder.
    _lock: std::fs::File,
}

/// The folder that holds `out` (its staging and old copies go there).
fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn name_of(out: &Path) -> String {
    out.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into())
}

/// Takes the lock of the folder that holds `out`, waiting (and saying so)
/// while another build holds it. On Unix the folder itself is locked, so
/// no lock file is left behind.
fn lock(parent: &Path, name: &str) -> Result<std::fs::File, WriteError> {
    #[cfg(unix)]
    let file = ctx(std::fs::File::open(parent), "打开文件夹", parent)?;
    #[cfg(not(unix))]
    let file = {
        let path = parent.join(format!(".{name}.lock"));
        ctx(
            std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(&path),
            "创建锁文件",
            &path,
        )?
    };
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            errln!(
                "另一个 dangjian 构建正在写入 “{}”，等待它完成……",
                parent.join(name).display()
            );
            ctx(file.lock(), "等待文件夹锁", parent).map(|_| file)
        }
        Err(std::fs::TryLockError::Error(e)) => Err(WriteError {
            action: "锁定文件夹",
            path: parent.to_path_buf(),
            source: e,
        }),
    }
}

/// What earlier builds left beside the output: staging folders of killed
/// builds and old outputs (each build leaves its predecessor to the next
/// one, which removes it while it renders). Only called with the lock
/// held, so none of them belongs to a live build.
fn stale(parent: &Path, name: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let prefixes = [format!(".{name}.new-"), format!(".{name}.old-")];
    entries
        .flatten()
        .filter(|e| {
            let file_name = e.file_name().to_string_lossy().into_owned();
            prefixes.iter().any(|p| file_name.starts_with(p))
                && e.file_type().is_ok_and(|t| t.is_dir())
        })
        .map(|e| e.path())
        .collect()
}

/// Whether the file at `path` (not a link) holds exactly `bytes`.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == bytes)
}

/// Whether two files (neither a link) have the same bytes.
fn same_files(root: &Path, rel: &Path, other: &Path) -> bool {
    let (Ok(a), Ok(b)) = (
        std::fs::symlink_metadata(root.join(rel)),
        std::fs::symlink_metadata(other),
    ) else {
        return false;
    };
    if !b.is_file() || a.len() != b.len() {
        return false;
    }
    let read_inside = || -> io::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(a.len() as usize);
        io::Read::read_to_end(&mut open_inside(root, rel)?, &mut bytes)?;
        Ok(bytes)
    };
    matches!((read_inside(), std::fs::read(other)), (Ok(x), Ok(y)) if x == y)
}

/// Whether the cache file at `path` has the bytes of `other`: at once
/// when `other` is that very file (linked by an earlier build).
fn same_cached(path: &Path, other: &Path) -> bool {
    match (std::fs::metadata(path), std::fs::symlink_metadata(other)) {
        #[cfg(unix)]
        (Ok(a), Ok(b))
            if std::os::unix::fs::MetadataExt::ino(&a)
                == std::os::unix::fs::MetadataExt::ino(&b)
                && std::os::unix::fs::MetadataExt::dev(&a)
                    == std::os::unix::fs::MetadataExt::dev(&b) =>
        {
            true
        }
        (Ok(a), Ok(b)) if b.is_file() && a.len() == b.len() => {
            matches!((std::fs::read(path), std::fs::read(other)), (Ok(x), Ok(y)) if x == y)
        }
        _ => false,
    }
}

impl Staging {
    /// Prepares to replace `out`; copied files are read relative to `root`.
    pub fn new(out: &Path, root: &Path) -> Result<Staging, WriteError> {
        let parent = parent_of(out);
        ctx(std::fs::create_dir_all(&parent), "创建文件夹", &parent)?;
        let name = name_of(out);
        let lock = lock(&parent, &name)?;
        // Listed before this build's staging folder exists, so it is never
        // among them.
        let leftovers = stale(&parent, &name);
        let cleanup = (!leftovers.is_empty()).then(|| {
            std::thread::spawn(move || {
                for dir in leftovers {
                    let _ = std::fs::remove_dir_all(dir);
                }
            })
        });
        let dir = ctx(
            tempfile::Builder::new()
                .prefix(&format!(".{name}.new-"))
                .tempdir_in(&parent),
            "创建临时文件夹",
            &parent,
        )?;
        set_readable(dir.path())?;
        let previous = std::fs::symlink_metadata(out)
            .is_ok_and(|m| m.is_dir())
            .then(|| out.to_path_buf());
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            root: root.to_path_buf(),
            made: Mutex::new(HashSet::new()),
            previous,
            written: Default::default(),
            linked: Default::default(),
            cleanup,
            _lock: lock,
        })
    }

    fn make_parent(&self, dest: &Path) -> Result<(), WriteError> {
        let Some(parent) = dest.parent() else {
            return Ok(());
        };
        let known = self
            .made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(parent);
        if !known {
            ctx(std::fs::create_dir_all(parent), "创建文件夹", parent)?;
            self.made
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(parent.to_path_buf());
        }
        Ok(())
    }

    /// Replaces the output folder with the staged files.
    /// Files written (new or changed) and files hard-linked from the
    /// previous output (unchanged) so far.
    pub(crate) fn counts(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.written.load(Relaxed), self.linked.load(Relaxed))
    }

    /// Replaces the output folder with the staged files. The previous
    /// output is moved aside (`.<name>.old-<pid>`) and left for the next
    /// build to remove while it renders: deleting a tree is slow on some
    /// disks, and most of its files are hard links to the new output.
    pub(crate) fn commit(mut self) -> Result<(), WriteError> {
        if let Some(cleanup) = self.cleanup.take() {
            let _ = cleanup.join();
        }
        let staging = self.dir.keep();
        let out = &self.out;
        let parent = staging.parent().unwrap_or(Path::new("."));
        let name = name_of(out);
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        let had_old = out.exists();
        let fail = |e: io::Error| {
            let _ = std::fs::remove_dir_all(&staging);
            WriteError {
                action: "替换输出文件夹",
                path: out.clone(),
                source: e,
            }
        };
        if had_old && let Err(e) = std::fs::rename(out, &old) {
            return Err(fail(e));
        }
        if let Err(e) = std::fs::rename(&staging, out) {
            if had_old {
                let _ = std::fs::rename(&old, out);
            }
            return Err(fail(e));
        }
        Ok(())
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        use std::sync::atomic::Ordering::Relaxed;
        let dest = self.dir.path().join(&file.path);
        self.make_parent(&dest)?;
        // An unchanged file is hard-linked from the previous output: not
        // written again, and the same bytes (the swap stays atomic).
        if let Some(prev) = &self.previous {
            let old = prev.join(&file.path);
            let same = match &file.data {
                Data::Bytes(b) => holds(&old, b),
                Data::Static(b) => holds(&old, b),
                Data::Copy(rel) => same_files(&self.root, rel, &old),
                Data::Cached(path) => same_cached(path, &old),
            };
            if same && std::fs::hard_link(&old, &dest).is_ok() {
                self.linked.fetch_add(1, Relaxed);
                return Ok(());
            }
        }
        self.written.fetch_add(1, Relaxed);
        match &file.data {
            Data::Bytes(b) => ctx(std::fs::write(&dest, b), "写入", &dest),
            Data::Static(b) => ctx(std::fs::write(&dest, b), "写入", &dest),
            Data::Copy(rel) => {
                let src = self.root.join(rel);
                let copy = || -> io::Result<()> {
                    let mut from = open_inside(&self.root, rel)?;
                    let mut to = std::fs::File::create(&dest)?;
                    io::copy(&mut from, &mut to).map(|_| ())
                };
                ctx(copy(), "复制", &src)
            }
            // A cache file is never changed in place (each is written once
            // under a name derived from its bytes), so the output may share
            // it; a copy where the cache is on another disk.
            Data::Cached(path) => match std::fs::hard_link(path, &dest) {
                Ok(()) => Ok(()),
                Err(_) => ctx(std::fs::copy(path, &dest).map(|_| ()), "复制", path),
            },
        }
    }
}

#[cfg(unix)]
fn set_readable(dir: &Path) -> Result<(), WriteError> {
    use std::os::unix::fs::PermissionsExt;
    // tempdir creates 0700; web servers need to read the output.
    ctx(
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)),
        "设置权限",
        dir,
    )
}

#[cfg(not(unix))]
fn set_readable(_: &Path) -> Result<(), WriteError> {
    Ok(())
}
