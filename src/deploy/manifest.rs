//! Manifests: path → content hash, size, Content-Type and Cache-Control,
//! for the local output (hashed here) and for what a target holds (kept on
//! the target as `.dangjian-manifest.json`, with a journal while a deploy
//! runs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::headers::{CachePolicy, content_type};

/// The manifest's name on the target, at the top of the prefix.
pub(crate) const MANIFEST: &str = ".dangjian-manifest.json";
/// The folder of journal parts written while a deploy runs.
pub(crate) const JOURNAL_DIR: &str = ".dangjian-journal/";

/// What one file is: compared whole, so a change of its bytes or of the
/// headers it is served with both mean an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// SHA-256 of the bytes, lowercase hex.
    pub(crate) hash: String,
    pub(crate) size: u64,
    #[serde(rename = "type")]
    pub(crate) content_type: String,
    pub(crate) cache: String,
}

/// The manifest kept on the target, written after everything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub(crate) generator: String,
    pub(crate) version: u32,
    /// The deploy that wrote it (journal parts of that run are stale).
    pub(crate) run: String,
    /// The scope recorded in the deployed build.json.
    pub(crate) scope: String,
    pub(crate) files: BTreeMap<String, Entry>,
}

impl Manifest {
    pub fn new(run: &str, scope: &str, files: BTreeMap<String, Entry>) -> Manifest {
        Manifest {
            generator: "dangjian".into(),
            version: 1,
            run: run.into(),
            scope: scope.into(),
            files,
        }
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// `None` for anything that is not a manifest this version can trust.
    pub(crate) fn parse(bytes: &[u8]) -> Option<Manifest> {
        serde_json::from_slice::<Manifest>(bytes)
            .ok()
            .filter(|m| m.generator == "dangjian" && m.version == 1)
    }
}

/// One part of the journal: the files of one upload batch, written before
/// the batch starts. Every part but a run's last was completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JournalPart {
    pub(crate) run: String,
    pub(crate) seq: u32,
    pub(crate) files: BTreeMap<String, Entry>,
}

impl JournalPart {
    /// Its path on the target; names sort in run, then batch order.
    pub(crate) fn path(run: &str, seq: u32) -> String {
        format!("{JOURNAL_DIR}{run}-{seq:06}.json")
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub(crate) fn parse(bytes: &[u8]) -> Option<JournalPart> {
        serde_json::from_slice(bytes).ok()
    }
}

/// A file of the local output.
#[derive(Debug, Clone)]
pub(crate) struct LocalFile {
    pub(crate) abs: PathBuf,
    pub(crate) entry: Entry,
}

/// Why the local output cannot be deployed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScanError {
    #[error("无法读取 “{path}”：{source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("文件名 “{0}” 不是 UTF-8，无法上传")]
    Name(PathBuf),
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha2::Sha256::digest(bytes))
}

pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    hex(&md5::Md5::digest(bytes))
}

/// Every file under `out`, hashed in parallel, by `/`-separated path.
pub(crate) fn scan(
    out: &Path,
    policy: &CachePolicy,
) -> Result<BTreeMap<String, LocalFile>, ScanError> {
    let mut paths = Vec::new();
    for e in walkdir::WalkDir::new(out).sort_by_file_name() {
        let e = e.map_err(|err| ScanError::Read {
            path: err.path().unwrap_or(out).to_path_buf(),
            source: err.into(),
        })?;
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e.path().strip_prefix(out).unwrap_or(e.path());
        let rel_str = rel
            .to_str()
            .ok_or_else(|| ScanError::Name(rel.to_path_buf()))?;
        paths.push((rel_str.replace('\\', "/"), e.path().to_path_buf()));
    }
    paths
        .into_par_iter()
        .map(|(rel, abs)| {
            let bytes = std::fs::read(&abs).map_err(|source| ScanError::Read {
                path: abs.clone(),
                source,
            })?;
            let entry = Entry {
                hash: sha256_hex(&bytes),
                size: bytes.len() as u64,
                content_type: content_type(&rel),
                cache: policy.for_path(&rel),
            };
            Ok((rel, LocalFile { abs, entry }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn scan_lists_files_with_slash_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("news/a")).unwrap();
        std::fs::write(dir.path().join("news/a/index.html"), "<p>x</p>").unwrap();
        std::fs::write(dir.path().join("style.css"), "p{}").unwrap();
        let m = scan(dir.path(), &CachePolicy::new(&[])).unwrap();
        assert_eq!(
            m.keys().collect::<Vec<_>>(),
            ["news/a/index.html", "style.css"]
        );
        let e = &m["news/a/index.html"].entry;
        assert_eq!(e.size, 8);
        assert_eq!(e.hash, sha256_hex(b"<p>x</p>"));
        assert_eq!(e.content_type, "text/html; charset=utf-8");
    }

    #[test]
    fn manifest_round_trips_and_rejects_strangers() {
        let mut files = BTreeMap::new();
        files.insert(
            "index.html".to_string(),
            Entry {
                hash: "00".into(),
                size: 1,
                content_type: "text/html; charset=utf-8".into(),
                cache: "public, max-age=300".into(),
            },
        );
        let m = Manifest::new("r1", "public", files);
        assert_eq!(Manifest::parse(&m.to_bytes()), Some(m));
        assert_eq!(Manifest::parse(b"{\"files\": {}}"), None);
        assert_eq!(Manifest::parse(b"<html>"), None);
        assert!(JournalPart::path("r1", 2) < JournalPart::path("r1", 10));
    }
}
