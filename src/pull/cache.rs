//! The cache of pulled feeds: one JSON file per source under
//! `.dangjian-cache/sources/`, written atomically (temporary file, flush,
//! rename), so a killed pull leaves each file either old or new, never half.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The cache folder, relative to the site root.
pub const CACHE_DIR: &str = ".dangjian-cache/sources";

/// The version of the file format; files of another version are ignored.
const FORMAT: u32 = 1;

/// What is kept of one source between pulls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheFile {
    pub(crate) format: u32,
    pub(crate) id: String,
    /// The URL the entries and validators were fetched from.
    pub(crate) url: String,
    /// Validators of the last good response, for conditional requests.
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
    /// RFC 3339 instants, in the site's zone.
    pub(crate) last_attempt: Option<String>,
    pub(crate) last_success: Option<String>,
    /// The last pull's failure; `None` after a success.
    pub(crate) last_error: Option<LastError>,
    pub(crate) feed: FeedInfo,
    /// The entries of the last good response, newest first.
    pub(crate) entries: Vec<CachedEntry>,
}

/// Why the last pull of a source failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastError {
    /// The HTTP status, when the server answered.
    pub(crate) status: Option<u16>,
    /// What went wrong, in Chinese.
    pub(crate) message: String,
    /// When (RFC 3339).
    pub(crate) at: String,
}

/// The feed itself, as of the last good response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FeedInfo {
    pub(crate) title: String,
    /// The site the feed belongs to (http or https), if it names one.
    pub(crate) link: Option<String>,
    /// `rss2`, `atom`, `json`, `rss1` or `rss0`.
    pub(crate) format: String,
}

/// One entry of a feed, normalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedEntry {
    pub(crate) id: String,
    /// Plain text.
    pub(crate) title: String,
    /// The original page (http or https).
    pub(crate) link: String,
    /// RFC 3339.
    pub(crate) published: Option<String>,
    pub(crate) updated: Option<String>,
    /// Plain text, at most a few hundred characters.
    pub(crate) summary: String,
    /// Sanitized HTML, kept only for sources with `full_text: true`.
    pub(crate) content: Option<String>,
    pub(crate) author: Option<String>,
    pub(crate) categories: Vec<String>,
}

impl CacheFile {
    /// An empty cache for a source never pulled before.
    pub fn new(id: &str, url: &str) -> CacheFile {
        CacheFile {
            format: FORMAT,
            id: id.to_string(),
            url: url.to_string(),
            etag: None,
            last_modified: None,
            last_attempt: None,
            last_success: None,
            last_error: None,
            feed: FeedInfo::default(),
            entries: Vec::new(),
        }
    }
}

/// Why the cache could not be read or written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CacheError {
    #[error("无法读写缓存文件 {path}（{source}）")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("缓存文件 {path} 已损坏（{source}）")]
    Corrupt {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// The cache file of source `id`, relative to the site root.
pub(crate) fn file_of(id: &str) -> PathBuf {
    Path::new(CACHE_DIR).join(format!("{id}.json"))
}

/// Reads the cache of source `id`; `None` if it was never pulled (or
/// the file is of another format version).
pub(crate) fn read(root: &Path, id: &str) -> Result<Option<CacheFile>, CacheError> {
    let rel = file_of(id);
    let bytes = match std::fs::read(root.join(&rel)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(CacheError::Io { path: rel, source }),
    };
    let file: CacheFile = serde_json::from_slice(&bytes).map_err(|source| CacheError::Corrupt {
        path: rel.clone(),
        source,
    })?;
    Ok((file.format == FORMAT && file.id == id).then_some(file))
}

/// Writes a source's cache: a temporary file beside it, flushed to disk,
/// then renamed over the old one.
pub(crate) fn write(root: &Path, file: &CacheFile) -> Result<(), CacheError> {
    let rel = file_of(&file.id);
    let io = |source| CacheError::Io {
        path: rel.clone(),
        source,
    };
    let dir = root.join(CACHE_DIR);
    std::fs::create_dir_all(&dir).map_err(io)?;
    let mut text = serde_json::to_vec_pretty(file).map_err(|e| io(e.into()))?;
    text.push(b'\n');
    let prefix = format!(".{}.", file.id);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Like any file the user writes (tempfile's default is owner-only).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(io)?;
    tmp.write_all(&text).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(root.join(&rel)).map_err(|e| io(e.error))?;
    Ok(())
}

/// Removes temporary files left by a pull that was killed (older than an
/// hour, so a pull running now is not disturbed).
pub(crate) fn clean_leftovers(root: &Path) {
    let Ok(dir) = std::fs::read_dir(root.join(CACHE_DIR)) else {
        return;
    };
    let hour = std::time::Duration::from_secs(3600);
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > hour);
        if name.starts_with('.') && name.ends_with(".tmp") && old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path(), "a").unwrap().is_none());
        let mut file = CacheFile::new("a", "https://a.example/feed.xml");
        file.etag = Some("\"1\"".into());
        file.entries.push(CachedEntry {
            id: "x".into(),
            title: "标题".into(),
            link: "https://a.example/x/".into(),
            published: Some("2026-11-20T09:00:00+08:00".into()),
            updated: None,
            summary: "摘要".into(),
            content: None,
            author: None,
            categories: vec!["主题党日".into()],
        });
        write(dir.path(), &file).unwrap();
        assert_eq!(read(dir.path(), "a").unwrap(), Some(file.clone()));
        file.entries.clear();
        write(dir.path(), &file).unwrap();
        assert_eq!(read(dir.path(), "a").unwrap(), Some(file));
        let names: Vec<String> = std::fs::read_dir(dir.path().join(CACHE_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["a.json"], "no temporary file is left");
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(CACHE_DIR)).unwrap();
        std::fs::write(dir.path().join(file_of("b")), "{ half").unwrap();
        match read(dir.path(), "b").unwrap_err() {
            CacheError::Corrupt { path, .. } => {
                assert_eq!(path, Path::new(".dangjian-cache/sources/b.json"))
            }
            e => panic!("{e}"),
        }
    }
}
