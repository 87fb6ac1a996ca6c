//! The only place that writes the built site to disk.
//!
//! Files are written into a fresh folder beside the output folder, which
//! then replaces it. A failed build never reaches this module, and a failed
//! write leaves the previous output as it was; files of earlier builds that
//! are no longer produced disappear with the old folder.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::render::{Data, OutputFile};

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

/// Writes `files` as the new content of `out`, atomically replacing it.
/// `root` is the site root that copied files are relative to.
pub fn write(out: &Path, root: &Path, files: &[OutputFile]) -> Result<(), WriteError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    ctx(std::fs::create_dir_all(&parent), "创建文件夹", &parent)?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let staging = ctx(
        tempfile::Builder::new()
            .prefix(&format!(".{name}.new-"))
            .tempdir_in(&parent),
        "创建临时文件夹",
        &parent,
    )?;
    write_tree(staging.path(), root, files)?;
    set_readable(staging.path())?;
    let staging = staging.keep();
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let had_old = out.exists();
    if had_old && let Err(e) = std::fs::rename(out, &old) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(WriteError {
            action: "替换输出文件夹",
            path: out.to_path_buf(),
            source: e,
        });
    }
    if let Err(e) = std::fs::rename(&staging, out) {
        if had_old {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(WriteError {
            action: "替换输出文件夹",
            path: out.to_path_buf(),
            source: e,
        });
    }
    if had_old {
        // The new output is in place; failing to clean up the old one is harmless.
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// Writes every file under `dir` (which must exist).
pub fn write_tree(dir: &Path, root: &Path, files: &[OutputFile]) -> Result<(), WriteError> {
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.path).parent().map(|p| dir.join(p)))
        .collect();
    for d in &dirs {
        ctx(std::fs::create_dir_all(d), "创建文件夹", d)?;
    }
    files.par_iter().try_for_each(|f| {
        let dest = dir.join(&f.path);
        match &f.data {
            Data::Bytes(b) => ctx(std::fs::write(&dest, b), "写入", &dest),
            Data::Static(b) => ctx(std::fs::write(&dest, b), "写入", &dest),
            Data::Copy(src) => ctx(
                std::fs::copy(root.join(src), &dest),
                "复制",
                &root.join(src),
            )
            .map(|_| ()),
        }
    })
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
