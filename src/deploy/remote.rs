//! The target through OpenDAL: one operator per target type, and what we
//! learn from the target (manifest, journal, listing, probes).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use opendal::{ErrorKind, Operator};

use super::config::{Kind, Target};
use super::credentials::Credentials;
use super::manifest::{
    Entry, JOURNAL_DIR, JournalPart, LocalFile, MANIFEST, Manifest, md5_hex, sha256_hex,
};
use super::plan::{Remote, RemoteState};

/// TLS through rustls with the ring provider; installed once, before the
/// first HTTP client is made (opendal's reqwest client is made lazily).
fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    opendal::HttpTransporter::install_default(
        opendal_http_transport_reqwest::ReqwestTransport::default(),
    );
}

/// The server folder with the prefix inside it, as an OpenDAL root.
fn root_of(base: Option<&str>, prefix: &str) -> String {
    let base = base.unwrap_or("/").trim_end_matches('/');
    if prefix.is_empty() {
        format!("{base}/")
    } else {
        format!("{base}/{prefix}/")
    }
}

/// The vendor's endpoint for a region, for the S3-compatible vendors.
fn vendor_endpoint(kind: Kind, region: &str) -> Option<String> {
    match kind {
        Kind::Oss => Some(format!("https://oss-{region}.aliyuncs.com")),
        Kind::Cos => Some(format!("https://cos.{region}.myqcloud.com")),
        Kind::Obs => Some(format!("https://obs.{region}.myhuaweicloud.com")),
        _ => None,
    }
}

fn s3(t: &Target, c: &Credentials) -> opendal::Result<Operator> {
    let region = t.region.clone().unwrap_or_else(|| "us-east-1".into());
    let mut b = opendal::services::S3::default()
        .bucket(t.bucket.as_deref().unwrap_or_default())
        .root(&root_of(None, &t.prefix))
        .region(&region)
        // Nothing from ~/.aws, AWS_* variables or instance metadata: the
        // credentials are the ones dangjian documents.
        .disable_config_load()
        .disable_ec2_metadata();
    if let Some(ep) = t
        .endpoint
        .clone()
        .or_else(|| vendor_endpoint(t.kind, &region))
    {
        b = b.endpoint(&ep);
    }
    if t.kind != Kind::S3 {
        // OSS, COS and OBS answer only virtual-hosted requests.
        b = b.enable_virtual_host_style();
    }
    b = match (&c.key, &c.secret) {
        (Some(k), Some(s)) => b.access_key_id(k).secret_access_key(s),
        _ => b.skip_signature(),
    };
    Operator::new(b)
}

/// An operator for `target`, with retries and timeouts.
pub(crate) fn operator(t: &Target, c: &Credentials, site_root: &Path) -> Result<Operator, String> {
    install_tls();
    let root = t.root.as_deref();
    let op = match t.kind {
        k if k.is_s3_like() => s3(t, c),
        Kind::Ftp => {
            let mut b = opendal::services::Ftp::default()
                .endpoint(t.endpoint.as_deref().unwrap_or_default())
                .root(&root_of(root, &t.prefix));
            if let Some(u) = c.key.as_deref().or(t.user.as_deref()) {
                b = b.user(u);
            }
            if let Some(p) = &c.secret {
                b = b.password(p);
            }
            Operator::new(b)
        }
        Kind::Webdav => {
            let mut b = opendal::services::Webdav::default()
                .endpoint(t.endpoint.as_deref().unwrap_or_default())
                .root(&root_of(root, &t.prefix));
            if let Some(u) = c.key.as_deref().or(t.user.as_deref()) {
                b = b.username(u);
            }
            if let Some(p) = &c.secret {
                b = b.password(p);
            }
            Operator::new(b)
        }
        Kind::Sftp => return sftp(t, c),
        _ => {
            let base = site_root.join(root.unwrap_or_default());
            let base = base.to_string_lossy();
            Operator::new(opendal::services::Fs::default().root(&root_of(Some(&base), &t.prefix)))
        }
    };
    op.map(with_layers).map_err(|e| e.to_string())
}

#[cfg(unix)]
fn sftp(t: &Target, c: &Credentials) -> Result<Operator, String> {
    if c.secret.is_some() && c.ssh_key.is_none() {
        return Err("SFTP 只支持密钥登录（由本机的 ssh 程序完成），不支持密码：请把私钥路径放在 DANGJIAN_DEPLOY_SSH_KEY，或在 ssh-agent / ~/.ssh/config 中配置".into());
    }
    let mut b = opendal::services::Sftp::default()
        .endpoint(t.endpoint.as_deref().unwrap_or_default())
        .root(&root_of(t.root.as_deref(), &t.prefix))
        .known_hosts_strategy(t.known_hosts.as_deref().unwrap_or("add"));
    if let Some(u) = c.key.as_deref().or(t.user.as_deref()) {
        b = b.user(u);
    }
    if let Some(k) = &c.ssh_key {
        b = b.key(k);
    }
    Operator::new(b).map(with_layers).map_err(|e| e.to_string())
}

#[cfg(not(unix))]
fn sftp(_: &Target, _: &Credentials) -> Result<Operator, String> {
    Err("本平台不支持 SFTP 发布（需要 OpenSSH 客户端，仅限 Linux 和 macOS）".into())
}

fn with_layers(op: Operator) -> Operator {
    // A whole file goes up in one request: 5 minutes lets a 30 MB lesson
    // recording through a slow county uplink; a dead server is noticed by
    // its refused or reset connection long before that.
    op.layer(
        opendal::layers::TimeoutLayer::new()
            .with_timeout(Duration::from_secs(60))
            .with_io_timeout(Duration::from_secs(300)),
    )
    .layer(
        opendal::layers::RetryLayer::new()
            .with_jitter()
            .with_min_delay(Duration::from_millis(300))
            .with_max_delay(Duration::from_secs(4))
            .with_max_times(4),
    )
}

/// What the target's manifest told.
pub(crate) enum ManifestRead {
    Found(Manifest),
    Missing,
    /// Present but not a manifest this version can trust.
    Unreadable,
}

pub(crate) async fn read_manifest(op: &Operator) -> opendal::Result<ManifestRead> {
    match op.read(MANIFEST).await {
        Ok(buf) => Ok(match Manifest::parse(&buf.to_vec()) {
            Some(m) => ManifestRead::Found(m),
            None => ManifestRead::Unreadable,
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(ManifestRead::Missing),
        Err(e) => Err(e),
    }
}

/// Journal parts left by deploys that did not finish.
pub(crate) async fn read_journal(op: &Operator) -> opendal::Result<Vec<JournalPart>> {
    let entries = match op.list(JOURNAL_DIR).await {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut parts = Vec::new();
    for entry in entries.iter().filter(|e| e.path().ends_with(".json")) {
        match op.read(entry.path()).await {
            Ok(buf) => parts.extend(JournalPart::parse(&buf.to_vec())),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(parts)
}

/// Removes the journal after the manifest is written.
pub(crate) async fn clear_journal(op: &Operator) -> opendal::Result<()> {
    let entries = match op.list(JOURNAL_DIR).await {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries.iter().filter(|e| e.metadata().is_file()) {
        op.delete(entry.path()).await?;
    }
    // Servers with folders keep an empty one otherwise; object stores have none.
    let _ = op.delete(JOURNAL_DIR).await;
    Ok(())
}

fn is_ours(path: &str) -> bool {
    path == MANIFEST || path.starts_with(JOURNAL_DIR) || is_temp(path)
}

/// The marker between a file's name and the run in its temporary name.
const TEMP_MARK: &str = ".dangjian-";

/// Where an SFTP or WebDAV upload of `path` by `run` is written before it
/// is renamed into place: a hidden name in the same folder, so the rename
/// stays on one file system and web servers do not serve it.
pub(crate) fn temp_path(path: &str, run: &str) -> String {
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (&path[..=d.len()], n),
        None => ("", path),
    };
    format!("{dir}.{name}{TEMP_MARK}{run}")
}

/// A temporary name made by [`temp_path`]: hidden, with a run id
/// (13 digits, a dash, a process id) after the marker.
fn is_temp(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    rest.rsplit_once(TEMP_MARK).is_some_and(|(base, run)| {
        !base.is_empty()
            && run.split_once('-').is_some_and(|(ms, pid)| {
                ms.len() == 13
                    && ms.chars().all(|c| c.is_ascii_digit())
                    && !pid.is_empty()
                    && pid.chars().all(|c| c.is_ascii_digit())
            })
    })
}

/// Removes the temporary files that SFTP and WebDAV uploads of unfinished
/// runs may have left: those of each run's last journal part (the earlier
/// parts were completed, so renamed) and of its manifest. Each is named
/// exactly, so nothing else on the target is touched.
pub(crate) async fn sweep_rename_temps(
    op: &Operator,
    journal: &[JournalPart],
) -> opendal::Result<usize> {
    let paths = rename_temps(journal);
    let n = paths.len();
    op.delete_iter(paths).await?;
    Ok(n)
}

/// The temporary names [`sweep_rename_temps`] removes.
fn rename_temps(journal: &[JournalPart]) -> Vec<String> {
    let mut last: BTreeMap<&str, &JournalPart> = BTreeMap::new();
    for p in journal {
        let e = last.entry(&p.run).or_insert(p);
        if p.seq > e.seq {
            *e = p;
        }
    }
    last.values()
        .flat_map(|p| {
            p.files
                .keys()
                .map(String::as_str)
                .chain([MANIFEST])
                .map(|f| temp_path(f, &p.run))
        })
        .collect()
}

/// An ETag that is the MD5 of the bytes (a single PUT to an object store).
fn etag_md5(meta: &opendal::Metadata) -> Option<String> {
    let etag = meta.etag()?.trim_start_matches("W/").trim_matches('"');
    (etag.len() == 32 && etag.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| etag.to_ascii_lowercase())
}

/// The target's state from a listing, when it has no manifest: files whose
/// ETag is the MD5 of the local file (object stores) count as present; the
/// rest are unknown, so they are uploaded again or deleted.
pub(crate) async fn state_from_listing(
    op: &Operator,
    local: &BTreeMap<String, LocalFile>,
) -> opendal::Result<RemoteState> {
    let mut lister = match op.lister_with("").recursive(true).await {
        Ok(l) => l,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(RemoteState::new()),
        Err(e) => return Err(e),
    };
    let mut state = RemoteState::new();
    while let Some(entry) = lister.try_next().await? {
        let path = entry.path().trim_start_matches('/').to_string();
        if path.is_empty() || path.ends_with('/') || is_ours(&path) {
            continue;
        }
        let meta = entry.metadata();
        let same = match (local.get(&path), etag_md5(meta)) {
            (Some(l), Some(etag)) if meta.content_length() == l.entry.size => {
                read_md5(&l.abs).await.as_deref() == Some(etag.as_str())
            }
            _ => false,
        };
        let remote = match local.get(&path) {
            Some(l) if same => Remote::Known(l.entry.clone()),
            _ => Remote::Unknown(None),
        };
        state.insert(path, remote);
    }
    Ok(state)
}

async fn read_md5(path: &Path) -> Option<String> {
    tokio::fs::read(path).await.ok().map(|b| md5_hex(&b))
}

/// Settles the uploads that were under way when a deploy stopped: each is
/// present as intended (ETag = MD5 on object stores, else the same size and
/// SHA-256 of a download), absent, or unknown.
pub(crate) async fn settle(
    op: &Operator,
    state: &mut RemoteState,
    local: &BTreeMap<String, LocalFile>,
    jobs: usize,
) -> opendal::Result<usize> {
    let pending: Vec<(String, Entry)> = state
        .iter()
        .filter_map(|(p, r)| match r {
            Remote::Unknown(Some(e)) => Some((p.clone(), e.clone())),
            _ => None,
        })
        .collect();
    let n = pending.len();
    let results: Vec<(String, Option<Remote>)> = futures_util::stream::iter(pending)
        .map(|(path, intended)| async move {
            let r = probe(op, &path, &intended, local.get(&path)).await?;
            Ok::<_, opendal::Error>((path, r))
        })
        .buffer_unordered(jobs.max(1))
        .try_collect()
        .await?;
    for (path, r) in results {
        match r {
            Some(r) => state.insert(path, r),
            None => state.remove(&path),
        };
    }
    Ok(n)
}

async fn probe(
    op: &Operator,
    path: &str,
    intended: &Entry,
    local: Option<&LocalFile>,
) -> opendal::Result<Option<Remote>> {
    let meta = match op.stat(path).await {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if meta.content_length() != intended.size {
        return Ok(Some(Remote::Unknown(None)));
    }
    if let (Some(etag), Some(l)) = (etag_md5(&meta), local)
        && l.entry.hash == intended.hash
    {
        let same = read_md5(&l.abs).await.as_deref() == Some(etag.as_str());
        return Ok(Some(if same {
            Remote::Known(intended.clone())
        } else {
            Remote::Unknown(None)
        }));
    }
    let bytes = op.read(path).await?.to_vec();
    Ok(Some(if sha256_hex(&bytes) == intended.hash {
        Remote::Known(intended.clone())
    } else {
        Remote::Unknown(None)
    }))
}

/// FTP uploads go to `<name>.<8 letters or digits>` in the top folder and
/// are renamed when complete; an interrupted one leaves that file behind.
/// Removes those left by the uploads that were under way (`pending`).
pub(crate) async fn sweep_ftp_temps(op: &Operator, pending: &[String]) -> opendal::Result<usize> {
    let names: std::collections::BTreeSet<&str> = pending
        .iter()
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .collect();
    let is_temp = |name: &str| {
        name.rsplit_once('.').is_some_and(|(base, tail)| {
            tail.len() == 8
                && tail.chars().all(|c| c.is_ascii_alphanumeric())
                && names.contains(base)
        })
    };
    let entries = match op.list("").await {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut n = 0;
    for e in entries
        .iter()
        .filter(|e| e.metadata().is_file() && is_temp(e.name()))
    {
        op.delete(e.path()).await?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(run: &str, seq: u32, files: &[&str]) -> JournalPart {
        let entry = Entry {
            hash: "h".into(),
            size: 1,
            content_type: "text/html".into(),
            cache: "no-cache".into(),
        };
        JournalPart {
            run: run.into(),
            seq,
            files: files
                .iter()
                .map(|f| (f.to_string(), entry.clone()))
                .collect(),
        }
    }

    const RUN: &str = "1763800000000-4242";

    #[test]
    fn temp_path_is_hidden_beside_the_file() {
        assert_eq!(
            temp_path("news/2025/a.html", RUN),
            format!("news/2025/.a.html.dangjian-{RUN}")
        );
        assert_eq!(
            temp_path("index.html", RUN),
            format!(".index.html.dangjian-{RUN}")
        );
    }

    #[test]
    fn temp_names_are_recognised_and_site_files_are_not() {
        assert!(is_temp(&temp_path("news/a.html", RUN)));
        assert!(is_temp(&temp_path(MANIFEST, RUN)));
        assert!(is_ours(&temp_path("a/b/c.css", RUN)));
        for site in [
            "news/a.html",
            ".well-known/security.txt",
            "a.dangjian-1763800000000-4242",
            "news/.dangjian-1763800000000-4242",
            ".a.html.dangjian-12-4242",
            ".a.html.dangjian-1763800000000-",
            ".a.html.dangjian-1763800000000-42x",
        ] {
            assert!(!is_temp(site), "{site}");
        }
    }

    #[test]
    fn sweep_names_the_last_part_of_each_run_and_its_manifest() {
        let other = "1763800009999-7";
        let journal = [
            part(RUN, 1, &["style.css"]),
            part(RUN, 2, &["news/a.html", "index.html"]),
            part(other, 1, &["b.html"]),
        ];
        let mut got = rename_temps(&journal);
        got.sort();
        let mut want = vec![
            temp_path("news/a.html", RUN),
            temp_path("index.html", RUN),
            temp_path(MANIFEST, RUN),
            temp_path("b.html", other),
            temp_path(MANIFEST, other),
        ];
        want.sort();
        assert_eq!(got, want);
    }
}
