//! Full-text search: an index made at build time from the items the
//! publication gate published, served as static files under `/search/i/`
//! and read by the search page's script. Nothing else is read: an item
//! that is not in [`Site::items`] is in no index file.

mod index;
pub(crate) mod preview;
mod text;
mod tokens;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::content::{Kind, category_label};
use crate::diagnostic::Diagnostic;
use crate::output::{Data, OutputFile};
use crate::site::{Item, Site};
use crate::time::format_date_zh;

/// `search:` in site.yaml.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub(crate) struct SearchConfig {
    /// Build the index, the search page and the header's search box.
    pub(crate) enabled: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { enabled: true }
    }
}

/// The keys `search:` accepts.
pub(crate) const CONFIG_KEYS: &[&str] = &["enabled"];

/// The search page's folder, and the index's folder inside the output.
pub(crate) const PAGE_DIR: &str = "search/";
pub(crate) const INDEX_DIR: &str = "search/i/";

/// Whether an output path is an index file (made by this module).
pub(crate) fn is_index_file(path: &str) -> bool {
    path.starts_with(INDEX_DIR)
}

/// What the index is made from, taken from the model: the published items
/// and the names the results show. Cheap to take (items are shared), so
/// the preview can index in the background while the model moves on.
#[derive(Clone)]
pub(crate) struct Input {
    items: Vec<Arc<Item>>,
    base_path: String,
    root_branch: String,
    /// Branch id → its name and its parent's id.
    branches: BTreeMap<String, (String, Option<String>)>,
    /// Course id → title.
    courses: BTreeMap<String, String>,
}

impl Input {
    /// The input of `site`'s index, or `None` when search is off.
    pub(crate) fn of(site: &Site) -> Option<Input> {
        if !site.config.search.enabled {
            return None;
        }
        Some(Input {
            items: site.items.clone(),
            base_path: site.config.base_path.clone(),
            root_branch: site.config.organization.id.clone(),
            branches: site
                .branches
                .iter()
                .map(|b| (b.id.clone(), (b.name.clone(), b.parent.clone())))
                .collect(),
            courses: site
                .courses
                .iter()
                .map(|c| (c.id.clone(), c.section.title.clone()))
                .collect(),
        })
    }

    /// A hash of everything the index is made from: equal hashes, equal
    /// index files.
    pub(crate) fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        for item in &self.items {
            (&item.path, item.fingerprint, item.withdrawn).hash(&mut h);
        }
        (
            &self.base_path,
            &self.root_branch,
            &self.branches,
            &self.courses,
        )
            .hash(&mut h);
        h.finish()
    }

    /// The index's files, as output files.
    pub(crate) fn files(&self) -> Vec<OutputFile> {
        let n = self.items.len();
        // Oldest first: an item keeps its number (and its result file)
        // when newer items are published.
        index::build(n, |i| self.doc(&self.items[n - 1 - i]))
            .into_iter()
            .map(|(path, bytes)| {
                OutputFile::other(format!("{INDEX_DIR}{path}"), Data::Bytes(bytes), None)
            })
            .collect()
    }

    /// The item's branch and its ancestors, nearest first.
    fn lineage<'a>(&'a self, item: &'a Item) -> Vec<(&'a str, &'a str)> {
        let mut out = Vec::new();
        let mut id = Some(
            item.entry
                .meta
                .branch
                .as_deref()
                .unwrap_or(&self.root_branch),
        );
        while let Some(i) = id {
            let Some((name, parent)) = self.branches.get(i) else {
                break;
            };
            out.push((i, name.as_str()));
            id = parent.as_deref();
        }
        out
    }

    fn doc(&self, item: &Item) -> index::Doc {
        let e = &item.entry;
        let lineage = if e.kind == Kind::Page {
            Vec::new()
        } else {
            self.lineage(item)
        };
        let branch = lineage.first().map(|(_, name)| *name);
        index::Doc {
            url: format!("{}{}", self.base_path, item.path),
            title: e.title.clone(),
            kind: e.kind.dir(),
            kind_label: e.kind.label(),
            date_zh: e.date.as_ref().map(format_date_zh),
            date_ymd: e.date.map(|d| d.format("%Y-%m-%d").to_string()),
            branch: branch.map(str::to_string),
            branch_ids: lineage.iter().map(|(id, _)| id.to_string()).collect(),
            text: self.text(item, branch),
        }
    }

    /// The searchable text besides the title: the body as a reader sees it,
    /// then the facts the page shows beside it (branch, tags, category,
    /// course, 文号, issuer, author, persons, meeting, objectives, files,
    /// date), each once.
    fn text(&self, item: &Item, branch: Option<&str>) -> String {
        let e = &item.entry;
        let m = &e.meta;
        let mut facts: Vec<&str> = branch.into_iter().collect();
        facts.extend(m.tags.iter().map(String::as_str));
        facts.extend(e.category.map(category_label));
        facts.extend(
            e.course
                .as_ref()
                .and_then(|c| self.courses.get(c))
                .map(String::as_str),
        );
        for field in [&m.doc_number, &m.issuer, &m.author, &m.source] {
            facts.extend(field.as_deref());
        }
        if let Some(meeting) = &m.meeting {
            facts.extend(meeting.kind.as_deref());
            facts.extend(meeting.topic.as_deref());
        }
        for p in &m.persons {
            facts.push(&p.name);
            facts.extend(p.stage.as_deref());
        }
        facts.extend(m.objectives.iter().map(String::as_str));
        facts.extend(item.attachments.iter().map(|a| a.title.as_str()));
        let date = e.date.as_ref().map(format_date_zh);
        facts.extend(date.as_deref());
        let mut out = text::plain_text(&item.html);
        let mut seen: Vec<&str> = Vec::new();
        for f in facts.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
            if !seen.contains(&f) {
                seen.push(f);
                out.push('\n');
                out.push_str(f);
            }
        }
        out
    }
}

/// An index being made on its own thread while the pages render.
pub(crate) struct Pending {
    job: Option<std::thread::JoinHandle<(Vec<OutputFile>, Duration)>>,
}

impl Pending {
    /// Starts indexing `site` (nothing when search is off or not `wanted`).
    pub(crate) fn start(site: &Site, wanted: bool) -> Pending {
        let job = Input::of(site).filter(|_| wanted).map(|input| {
            let clock = Instant::now();
            std::thread::spawn(move || (input.files(), clock.elapsed()))
        });
        Pending { job }
    }

    /// Waits for the index: its files and how long it took (none and zero
    /// when search is off).
    pub(crate) fn finish(self) -> Result<(Vec<OutputFile>, Duration), Diagnostic> {
        let Some(job) = self.job else {
            return Ok((Vec::new(), Duration::ZERO));
        };
        job.join().map_err(|_| {
            Diagnostic::error("搜索索引", "建立搜索索引时程序出错")
                .hint("可在 site.yaml 中写 search: {enabled: false} 暂时关闭搜索，并报告此问题")
        })
    }
}

/// The search page (not in the sitemap: it has nothing of its own to find).
pub(crate) fn page_file(html: String) -> OutputFile {
    OutputFile::other(
        format!("{PAGE_DIR}index.html"),
        Data::Bytes(html.into_bytes()),
        None,
    )
}

/// What the search page shows besides the site: its filters.
#[derive(Debug, Clone, Hash, serde::Serialize)]
pub(crate) struct PageView {
    /// URL of the index folder.
    pub(crate) index: String,
    /// URLs of the search page's script and stylesheet.
    pub(crate) script: String,
    pub(crate) stylesheet: String,
    pub(crate) kinds: Vec<Choice>,
    /// The organization tree, depth first.
    pub(crate) branches: Vec<Choice>,
    /// Listings to browse without JavaScript.
    pub(crate) listings: Vec<Choice>,
}

#[derive(Debug, Clone, Hash, serde::Serialize)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    /// Full-width spaces showing the depth in the organization tree.
    pub(crate) indent: String,
}

/// The search page's view of `site`.
pub(crate) fn page_view(site: &Site) -> PageView {
    let kinds = [
        Kind::Notice,
        Kind::News,
        Kind::Lesson,
        Kind::Disclosure,
        Kind::Page,
    ];
    let choice = |value: &str, label: &str, depth| Choice {
        value: value.to_string(),
        label: label.to_string(),
        indent: "\u{3000}".repeat(depth),
    };
    PageView {
        index: site.url(INDEX_DIR),
        script: site.url("search.js"),
        stylesheet: site.url("search.css"),
        kinds: kinds
            .iter()
            .filter(|k| site.by_kind.get(k).is_some_and(|l| !l.is_empty()))
            .map(|k| choice(k.dir(), k.label(), 0))
            .collect(),
        branches: site
            .branches
            .iter()
            .map(|b| choice(&b.id, &b.name, b.depth))
            .collect(),
        listings: [Kind::Notice, Kind::News, Kind::Lesson, Kind::Disclosure]
            .iter()
            .map(|k| {
                choice(
                    &site.url(&format!("{}/", k.dir())),
                    &site.sections[k].title,
                    0,
                )
            })
            .chain([choice(&site.url("branches/"), "组织机构", 0)])
            .collect(),
    }
}
