//! The only place that writes the built site to disk.
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

use crate::render::{Data, OutputFile, Sink};

/// An I/O failure, naming the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("{action} “{path}” 失败：{source}")]
pub struct WriteError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn ctx<T>(r: io::Result<T>, action: &'static str, path: &Path) -> Result<T, WriteError> {
    r.map_err(|source| WriteError {
        action,
        path: path.to_path_buf(),
        source,
    })
}

/// A staging folder beside the output folder, receiving rendered files.
/// Dropped without [`Staging::commit`], it is removed.
pub struct Staging {
    dir: tempfile::TempDir,
    out: PathBuf,
    root: PathBuf,
    /// Folders already created, so each is made once.
    made: Mutex<HashSet<PathBuf>>,
}

impl Staging {
    /// Prepares to replace `out`; copied files are read relative to `root`.
    pub fn new(out: &Path, root: &Path) -> Result<Staging, WriteError> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        ctx(std::fs::create_dir_all(&parent), "创建文件夹", &parent)?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let dir = ctx(
            tempfile::Builder::new()
                .prefix(&format!(".{name}.new-"))
                .tempdir_in(&parent),
            "创建临时文件夹",
            &parent,
        )?;
        set_readable(dir.path())?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            root: root.to_path_buf(),
            made: Mutex::new(HashSet::new()),
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
    pub fn commit(self) -> Result<(), WriteError> {
        let staging = self.dir.keep();
        let out = &self.out;
        let parent = staging.parent().unwrap_or(Path::new("."));
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
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
        if had_old {
            // The new output is in place; failing to clean up the old one is harmless.
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        let dest = self.dir.path().join(&file.path);
        self.make_parent(&dest)?;
        match &file.data {
            Data::Bytes(b) => ctx(std::fs::write(&dest, b), "写入", &dest),
            Data::Static(b) => ctx(std::fs::write(&dest, b), "写入", &dest),
            Data::Copy(src) => {
                let src = self.root.join(src);
                ctx(std::fs::copy(&src, &dest), "复制", &src).map(|_| ())
            }
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
