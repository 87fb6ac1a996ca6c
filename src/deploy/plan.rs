//! The plan of a deploy, as pure functions: what the target holds (from its
//! manifest and journal), then what to upload, delete and skip, in order.

use std::collections::BTreeMap;

use super::headers::Class;
use super::manifest::{Entry, JournalPart, Manifest};

/// What the target holds at a path, as far as we know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Remote {
    /// These bytes and headers.
    Known(Entry),
    /// Something, or nothing: a listing without hashes, or an upload that
    /// was under way when a deploy stopped (its intended entry attached).
    Unknown(Option<Entry>),
}

/// The believed state of a target.
pub(crate) type RemoteState = BTreeMap<String, Remote>;

/// The state a manifest records.
pub(crate) fn from_manifest(m: &Manifest) -> RemoteState {
    m.files
        .iter()
        .map(|(p, e)| (p.clone(), Remote::Known(e.clone())))
        .collect()
}

/// `base` (from the manifest, or a listing) updated by the journal parts of
/// deploys that did not finish (`finished` is the run that wrote the
/// manifest). Each run's parts are batches written before upload, so all
/// but a run's last batch completed; the last one is uncertain.
pub(crate) fn remote_state(
    mut state: RemoteState,
    finished: Option<&str>,
    journal: &[JournalPart],
) -> RemoteState {
    let mut parts: Vec<&JournalPart> = journal
        .iter()
        .filter(|p| Some(p.run.as_str()) != finished)
        .collect();
    parts.sort_by(|a, b| (&a.run, a.seq).cmp(&(&b.run, b.seq)));
    for (i, part) in parts.iter().enumerate() {
        let last_of_run = parts.get(i + 1).is_none_or(|next| next.run != part.run);
        for (path, entry) in &part.files {
            let r = if last_of_run {
                Remote::Unknown(Some(entry.clone()))
            } else {
                Remote::Known(entry.clone())
            };
            state.insert(path.clone(), r);
        }
    }
    state
}

/// One file to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Upload {
    pub(crate) path: String,
    pub(crate) entry: Entry,
    pub(crate) class: Class,
    /// Whether the target had no file there (新增) or another one (更新).
    pub(crate) new: bool,
}

/// What a deploy does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// In upload order: assets, feeds, pages, home page; by path within each.
    pub(crate) uploads: Vec<Upload>,
    /// In deletion order: pages before the feeds and assets they use.
    pub(crate) deletes: Vec<String>,
    pub(crate) unchanged: usize,
    pub(crate) unchanged_bytes: u64,
}

impl Plan {
    pub(crate) fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|u| u.entry.size).sum()
    }

    /// The uploads cut into batches of at most `files` files or `bytes`
    /// bytes that never mix classes: a batch starts only when the one
    /// before it is complete, which keeps the order across classes.
    pub(crate) fn batches(&self, files: usize, bytes: u64) -> Vec<&[Upload]> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut size = 0;
        for (i, u) in self.uploads.iter().enumerate() {
            let full = i - start >= files.max(1) || (i > start && size + u.entry.size > bytes);
            if i > start && (full || u.class != self.uploads[start].class) {
                out.push(&self.uploads[start..i]);
                start = i;
                size = 0;
            }
            size += u.entry.size;
        }
        if start < self.uploads.len() {
            out.push(&self.uploads[start..]);
        }
        out
    }
}

/// What to do to make the target hold `local`. `force` uploads every file.
pub(crate) fn plan(local: &BTreeMap<String, Entry>, remote: &RemoteState, force: bool) -> Plan {
    let mut p = Plan::default();
    for (path, entry) in local {
        match remote.get(path) {
            Some(Remote::Known(r)) if r == entry && !force => {
                p.unchanged += 1;
                p.unchanged_bytes += entry.size;
            }
            other => p.uploads.push(Upload {
                path: path.clone(),
                entry: entry.clone(),
                class: Class::of(path),
                new: other.is_none(),
            }),
        }
    }
    p.uploads
        .sort_by(|a, b| (a.class, &a.path).cmp(&(b.class, &b.path)));
    let mut deletes: Vec<(Class, &String)> = remote
        .keys()
        .filter(|path| !local.contains_key(*path))
        .map(|path| (Class::of(path), path))
        .collect();
    deletes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    p.deletes = deletes.into_iter().map(|(_, path)| path.clone()).collect();
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(hash: &str, size: u64) -> Entry {
        Entry {
            hash: hash.into(),
            size,
            content_type: "text/html; charset=utf-8".into(),
            cache: "public, max-age=300".into(),
        }
    }

    fn map(items: &[(&str, Entry)]) -> BTreeMap<String, Entry> {
        items
            .iter()
            .map(|(p, e)| (p.to_string(), e.clone()))
            .collect()
    }

    fn known(items: &[(&str, Entry)]) -> RemoteState {
        items
            .iter()
            .map(|(p, e)| (p.to_string(), Remote::Known(e.clone())))
            .collect()
    }

    #[test]
    fn first_deploy_uploads_everything_in_class_order() {
        let local = map(&[
            ("index.html", e("h", 1)),
            ("news/a/index.html", e("a", 1)),
            ("feed.xml", e("f", 1)),
            ("style.css", e("s", 1)),
            ("news/a/photo.png", e("p", 1)),
        ]);
        let p = plan(&local, &RemoteState::new(), false);
        let order: Vec<_> = p.uploads.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(
            order,
            [
                "news/a/photo.png",
                "style.css",
                "feed.xml",
                "news/a/index.html",
                "index.html"
            ]
        );
        assert!(p.uploads.iter().all(|u| u.new));
        assert!(p.deletes.is_empty());
    }

    #[test]
    fn unchanged_files_are_skipped_and_changes_uploaded() {
        let local = map(&[
            ("a.html", e("1", 1)),
            ("b.html", e("2", 1)),
            ("c.html", e("3", 1)),
        ]);
        let remote = known(&[
            ("a.html", e("1", 1)),
            ("b.html", e("old", 1)),
            ("gone.html", e("9", 1)),
        ]);
        let p = plan(&local, &remote, false);
        let up: Vec<_> = p.uploads.iter().map(|u| (u.path.as_str(), u.new)).collect();
        assert_eq!(up, [("b.html", false), ("c.html", true)]);
        assert_eq!(p.deletes, ["gone.html"]);
        assert_eq!(p.unchanged, 1);
        assert_eq!(plan(&local, &remote, true).uploads.len(), 3);
    }

    #[test]
    fn a_header_change_is_a_change() {
        let mut other = e("1", 1);
        other.cache = "no-cache".into();
        let p = plan(
            &map(&[("a.html", e("1", 1))]),
            &known(&[("a.html", other)]),
            false,
        );
        assert_eq!(p.uploads.len(), 1);
    }

    #[test]
    fn deletions_take_pages_before_assets() {
        let remote = known(&[
            ("style.css", e("s", 1)),
            ("old/index.html", e("o", 1)),
            ("old/feed.xml", e("f", 1)),
            ("old/pic.png", e("p", 1)),
        ]);
        let p = plan(&BTreeMap::new(), &remote, false);
        assert_eq!(
            p.deletes,
            ["old/index.html", "old/feed.xml", "old/pic.png", "style.css"]
        );
    }

    #[test]
    fn unknown_remote_files_are_uploaded_or_deleted() {
        let local = map(&[("a.html", e("1", 1))]);
        let mut remote = RemoteState::new();
        remote.insert("a.html".into(), Remote::Unknown(Some(e("1", 1))));
        remote.insert("stray.txt".into(), Remote::Unknown(None));
        let p = plan(&local, &remote, false);
        assert_eq!(p.uploads.len(), 1);
        assert!(!p.uploads[0].new);
        assert_eq!(p.deletes, ["stray.txt"]);
    }

    fn part(run: &str, seq: u32, items: &[(&str, Entry)]) -> JournalPart {
        JournalPart {
            run: run.into(),
            seq,
            files: map(items),
        }
    }

    #[test]
    fn journal_confirms_all_but_the_last_batch_of_a_run() {
        let m = Manifest::new(
            "r0",
            "public",
            map(&[("a.html", e("old", 1)), ("b.html", e("old", 1))]),
        );
        let journal = [
            part("r1", 1, &[("a.html", e("new", 1))]),
            part("r1", 2, &[("b.html", e("new", 1)), ("c.html", e("c", 1))]),
        ];
        let s = remote_state(from_manifest(&m), Some(&m.run), &journal);
        assert_eq!(s["a.html"], Remote::Known(e("new", 1)));
        assert_eq!(s["b.html"], Remote::Unknown(Some(e("new", 1))));
        assert_eq!(s["c.html"], Remote::Unknown(Some(e("c", 1))));
        // A later run that got further settles the earlier run's last batch.
        let journal2 = [
            journal[0].clone(),
            journal[1].clone(),
            part("r2", 1, &[("b.html", e("new", 1)), ("c.html", e("c", 1))]),
            part("r2", 2, &[("d.html", e("d", 1))]),
        ];
        let s = remote_state(from_manifest(&m), Some(&m.run), &journal2);
        assert_eq!(s["b.html"], Remote::Known(e("new", 1)));
        assert_eq!(s["d.html"], Remote::Unknown(Some(e("d", 1))));
    }

    #[test]
    fn journal_of_the_run_that_wrote_the_manifest_is_stale() {
        let m = Manifest::new("r1", "public", map(&[("a.html", e("new", 1))]));
        let journal = [part("r1", 1, &[("a.html", e("new", 1))])];
        assert_eq!(
            remote_state(from_manifest(&m), Some(&m.run), &journal)["a.html"],
            Remote::Known(e("new", 1))
        );
    }

    #[test]
    fn batches_respect_count_bytes_and_classes() {
        let local = map(&[
            ("a.png", e("1", 10)),
            ("b.png", e("2", 10)),
            ("c.png", e("3", 10)),
            ("feed.xml", e("4", 1)),
            ("x.html", e("5", 1)),
            ("index.html", e("6", 1)),
        ]);
        let p = plan(&local, &RemoteState::new(), false);
        let sizes: Vec<usize> = p.batches(2, 1000).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [2, 1, 1, 1, 1]);
        let sizes: Vec<usize> = p.batches(100, 15).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [1, 1, 1, 1, 1, 1]);
        let all: usize = p.batches(100, 1000).iter().map(|b| b.len()).sum();
        assert_eq!(all, 6);
    }
}
