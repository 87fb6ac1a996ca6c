//! Carrying out a plan: batches of bounded parallel uploads, each batch
//! announced in the journal first; then deletions; the manifest last.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use futures_util::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use opendal::Operator;

use super::DeployError;
use super::config::Kind;
use super::manifest::{JournalPart, LocalFile, MANIFEST, Manifest, sha256_hex};
use super::plan::{Plan, Upload};

/// A batch is journaled before it starts: at most this many files…
const BATCH_FILES: usize = 256;
/// …or bytes, so an interrupted deploy re-checks little.
const BATCH_BYTES: u64 = 64 << 20;

/// What the executor needs besides the plan.
pub(crate) struct Executor<'a> {
    pub(crate) op: &'a Operator,
    pub(crate) kind: Kind,
    pub(crate) local: &'a BTreeMap<String, LocalFile>,
    pub(crate) run: String,
    pub(crate) scope: String,
    pub(crate) jobs: usize,
    pub(crate) progress: bool,
    pub(crate) say: &'a (dyn Fn(&str) + Sync),
    pub(crate) verbose: bool,
}

/// Counts of what was done.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Done {
    pub(crate) uploaded: usize,
    pub(crate) bytes: u64,
    pub(crate) deleted: usize,
}

impl Executor<'_> {
    fn bar(&self, plan: &Plan) -> ProgressBar {
        let bar =
            ProgressBar::with_draw_target(Some(plan.upload_bytes()), ProgressDrawTarget::stderr());
        if !self.progress {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        if let Ok(style) = ProgressStyle::with_template(
            "上传 [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {msg} {decimal_bytes_per_sec} 剩余 {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    }

    /// Uploads, deletes, then writes the manifest and clears the journal.
    pub(crate) async fn execute(
        &self,
        plan: &Plan,
        write_manifest: bool,
    ) -> Result<Done, DeployError> {
        let bar = self.bar(plan);
        let files = AtomicUsize::new(0);
        let bytes = AtomicU64::new(0);
        let total = plan.uploads.len();
        for (i, batch) in plan
            .batches(BATCH_FILES, BATCH_BYTES)
            .into_iter()
            .enumerate()
        {
            let part = JournalPart {
                run: self.run.clone(),
                seq: i as u32 + 1,
                files: batch
                    .iter()
                    .map(|u| (u.path.clone(), u.entry.clone()))
                    .collect(),
            };
            self.op
                .write(&JournalPart::path(&self.run, part.seq), part.to_bytes())
                .await
                .map_err(|e| remote("写入发布日志", ".dangjian-journal", e))?;
            futures_util::stream::iter(batch)
                .map(|u| async {
                    self.upload(u).await?;
                    let n = files.fetch_add(1, Ordering::Relaxed) + 1;
                    bytes.fetch_add(u.entry.size, Ordering::Relaxed);
                    bar.inc(u.entry.size);
                    bar.set_message(format!("{n}/{total} 个文件"));
                    if self.verbose {
                        bar.suspend(|| (self.say)(&format!("  上传 {}", u.path)));
                    }
                    Ok::<_, DeployError>(())
                })
                .buffer_unordered(self.jobs.max(1))
                .try_collect::<()>()
                .await?;
        }
        bar.finish_and_clear();
        let deleted = self.delete(&plan.deletes).await?;
        if write_manifest {
            let entries = self
                .local
                .iter()
                .map(|(p, l)| (p.clone(), l.entry.clone()))
                .collect();
            let manifest = Manifest::new(&self.run, &self.scope, entries);
            self.put(
                MANIFEST,
                manifest.to_bytes(),
                "application/json; charset=utf-8",
                "no-cache",
            )
            .await
            .map_err(|e| remote("写入清单", MANIFEST, e))?;
        }
        super::remote::clear_journal(self.op)
            .await
            .map_err(|e| remote("清理发布日志", ".dangjian-journal", e))?;
        Ok(Done {
            uploaded: files.into_inner(),
            bytes: bytes.into_inner(),
            deleted,
        })
    }

    async fn upload(&self, u: &Upload) -> Result<(), DeployError> {
        let local = &self.local[&u.path];
        let data = tokio::fs::read(&local.abs)
            .await
            .map_err(|e| DeployError::Local {
                path: local.abs.clone(),
                source: e,
            })?;
        // A build that replaced the output meanwhile must not mix two sites.
        if sha256_hex(&data) != u.entry.hash {
            return Err(DeployError::Changed(local.abs.clone()));
        }
        self.put(&u.path, data, &u.entry.content_type, &u.entry.cache)
            .await
            .map_err(|e| remote("上传", &u.path, e))
    }

    /// One file written whole: on SFTP and WebDAV a write replaces the file
    /// in place, so it goes to a temporary name beside it and is renamed
    /// over the old one when complete (an SFTP posix-rename, a WebDAV MOVE).
    async fn put(
        &self,
        path: &str,
        data: Vec<u8>,
        ctype: &str,
        cache: &str,
    ) -> opendal::Result<()> {
        if !matches!(self.kind, Kind::Sftp | Kind::Webdav) {
            return self.write(path, data, ctype, cache).await;
        }
        let tmp = super::remote::temp_path(path, &self.run);
        self.write(&tmp, data, ctype, cache).await?;
        self.op.rename(&tmp, path).await
    }

    /// One write, with the headers where the service stores them.
    async fn write(
        &self,
        path: &str,
        data: Vec<u8>,
        ctype: &str,
        cache: &str,
    ) -> opendal::Result<()> {
        let cap = self.op.info().capability();
        let mut w = self.op.write_with(path, data);
        if cap.write_with_content_type {
            w = w.content_type(ctype);
        }
        if cap.write_with_cache_control {
            w = w.cache_control(cache);
        }
        w.await.map(|_| ())
    }

    async fn delete(&self, paths: &[String]) -> Result<usize, DeployError> {
        if paths.is_empty() {
            return Ok(0);
        }
        if self.verbose {
            for p in paths {
                (self.say)(&format!("  删除 {p}"));
            }
        }
        self.op
            .delete_iter(paths.iter().cloned())
            .await
            .map_err(|e| remote("删除", &paths[0], e))?;
        if !self.kind.is_s3_like() {
            self.remove_empty_dirs(paths).await;
        }
        Ok(paths.len())
    }

    /// Folders that held only deleted files (FTP, SFTP, WebDAV, folders):
    /// removed deepest first; one still in use or not empty is left alone.
    async fn remove_empty_dirs(&self, deleted: &[String]) {
        let in_use: BTreeSet<&str> = self
            .local
            .keys()
            .flat_map(|p| p.match_indices('/').map(move |(i, _)| &p[..=i]))
            .collect();
        let mut dirs: BTreeSet<&str> = BTreeSet::new();
        for p in deleted {
            for (i, _) in p.match_indices('/') {
                let d = &p[..=i];
                if !in_use.contains(d) {
                    dirs.insert(d);
                }
            }
        }
        let mut dirs: Vec<&str> = dirs.into_iter().collect();
        dirs.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
        for d in dirs {
            let _ = self.op.delete(d).await;
        }
    }
}

fn remote(action: &'static str, path: &str, e: opendal::Error) -> DeployError {
    DeployError::Remote {
        action,
        path: path.to_string(),
        message: e.to_string(),
    }
}
