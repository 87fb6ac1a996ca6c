//! The files of the built site and where they go: the only place that
//! writes to disk ([`Staging`], a folder swapped in when the whole build
//! succeeded), and the sinks that keep files in memory ([`MemorySink`],
//! for tests and the preview) or drop them ([`NullSink`], for `check`).
//! Rendering hands every file it makes to a [`Sink`], from many threads.

mod staging;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub(crate) use staging::{Staging, check_out_dir, open_inside, real_path};

/// An I/O failure, naming the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("{action} “{path}” 失败：{source}")]
pub struct WriteError {
    pub(crate) action: &'static str,
    pub(crate) path: PathBuf,
    #[source]
    pub(crate) source: io::Error,
}

fn ctx<T>(r: io::Result<T>, action: &'static str, path: &Path) -> Result<T, WriteError> {
    r.map_err(|source| WriteError {
        action,
        path: path.to_path_buf(),
        source,
    })
}

/// Where an output file's bytes come from.
#[derive(Debug, Clone)]
pub(crate) enum Data {
    Bytes(Vec<u8>),
    Static(&'static [u8]),
    /// Copy of a file, relative to the site root.
    Copy(PathBuf),
    /// Copy of a processed image in the cache folder (an absolute path,
    /// or relative to the working folder): never held in memory.
    Cached(PathBuf),
}

/// What an output file is, for the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// An HTML page listed in the sitemap, with its last modification.
    Page { lastmod: Option<String> },
    /// Anything else: redirects, 404, assets, feeds, the sitemap itself.
    Other,
}

/// One file of the built site.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative to the output folder, `/`-separated.
    pub(crate) path: String,
    pub(crate) data: Data,
    pub(crate) role: Role,
    /// The source this file came from, for collision errors.
    pub(crate) source: Option<PathBuf>,
}

impl OutputFile {
    pub(crate) fn page(
        path: String,
        html: String,
        lastmod: Option<String>,
        source: Option<PathBuf>,
    ) -> Self {
        OutputFile {
            path,
            data: Data::Bytes(html.into_bytes()),
            role: Role::Page { lastmod },
            source,
        }
    }

    pub(crate) fn other(path: String, data: Data, source: Option<PathBuf>) -> Self {
        OutputFile {
            path,
            data,
            role: Role::Other,
            source,
        }
    }

    pub(crate) fn meta(&self) -> FileMeta {
        FileMeta(std::sync::Arc::new(FileInfo {
            path: self.path.clone(),
            role: self.role.clone(),
            source: self.source.clone(),
            copy_of: match &self.data {
                Data::Copy(p) | Data::Cached(p) => Some(p.clone()),
                _ => None,
            },
        }))
    }
}

/// What is remembered of a file once the sink has it (cheap to clone: the
/// preview keeps the files of every unchanged page between rebuilds).
#[derive(Debug, Clone)]
pub(crate) struct FileMeta(std::sync::Arc<FileInfo>);

#[derive(Debug)]
pub(crate) struct FileInfo {
    pub(crate) path: String,
    pub(crate) role: Role,
    pub(crate) source: Option<PathBuf>,
    pub(crate) copy_of: Option<PathBuf>,
}

impl std::ops::Deref for FileMeta {
    type Target = FileInfo;
    fn deref(&self) -> &FileInfo {
        &self.0
    }
}

/// Receives rendered files as they are produced, from many threads.
pub trait Sink: Sync {
    /// Takes one finished file.
    fn put(&self, file: OutputFile) -> Result<(), WriteError>;
}

/// Keeps every file in memory (tests, previews).
#[derive(Default)]
pub(crate) struct MemorySink(Mutex<Vec<OutputFile>>);

impl MemorySink {
    /// The files received, sorted by path.
    pub(crate) fn into_files(self) -> Vec<OutputFile> {
        let mut files = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

impl Sink for MemorySink {
    fn put(&self, file: OutputFile) -> Result<(), WriteError> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(file);
        Ok(())
    }
}

/// Discards every file (`check`).
pub struct NullSink;
impl Sink for NullSink {
    fn put(&self, _: OutputFile) -> Result<(), WriteError> {
        Ok(())
    }
}
