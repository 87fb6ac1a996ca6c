//! The read-only model of a site: published items, sections, courses,
//! tags and branches. Built once per build ([`build`]), from items made one
//! by one ([`item`]) and kept between previews ([`cache`]); renderers only
//! read it. Nothing here reads files: the content walk recorded them.

mod build;
mod cache;
pub mod gate;
mod item;
pub mod links;
mod model;
mod period;
pub(crate) mod pii;
mod tables;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) use cache::ModelCache;
pub(crate) use gate::{ChangeKind, Gate, GateStats, NextChange};
pub(crate) use model::{Branch, Course, FileRef, Item, Section, Tag};
pub(crate) use period::Stage;

use crate::config::Config;
use crate::content::{Kind, SectionKey, slug};
use crate::diagnostic::Diagnostic;

/// The read-only model every renderer reads from.
pub struct Site {
    pub(crate) config: Config,
    pub(crate) root: PathBuf,
    pub(crate) gate: Gate,
    pub(crate) stats: GateStats,
    /// Published items only, newest first (then by source path).
    pub(crate) items: Vec<Arc<Item>>,
    pub(crate) home: Section,
    /// Listing sections of news, notices, lessons and disclosure.
    pub(crate) sections: BTreeMap<Kind, Section>,
    /// Items of each kind, in listing order (indices into `items`).
    pub(crate) by_kind: BTreeMap<Kind, Vec<usize>>,
    pub(crate) courses: Vec<Course>,
    pub(crate) tags: Vec<Tag>,
    /// The organization tree, depth first.
    pub(crate) branches: Vec<Branch>,
    /// Branch id → its index in `branches`.
    pub(crate) branch_index: rustc_hash::FxHashMap<String, usize>,
    /// Course id → its index in `courses`.
    pub(crate) course_index: rustc_hash::FxHashMap<String, usize>,
    /// Tag name as written (trimmed) → its index in `tags`.
    pub(crate) tag_index: rustc_hash::FxHashMap<String, usize>,
    /// 党务公开 categories that have items: key and items.
    pub(crate) categories: Vec<(&'static str, Vec<usize>)>,
    /// Files outside bundles used by published items: output path → source.
    pub(crate) loose_assets: BTreeMap<String, PathBuf>,
    /// When a rebuild would next change the output (embargo, expiry, 公示期).
    pub(crate) next_change: Option<NextChange>,
    /// Public items allowed to show personal data: source and the reason given.
    pub(crate) pii_allowed: Vec<(PathBuf, String)>,
    /// Problems that do not stop the build (a 公示期 in an unscheduled year).
    pub warnings: Vec<Diagnostic>,
    /// Entries of `sources:` read from the pull cache (filled by the build's load stage).
    pub(crate) pulled: crate::pull::Pulled,
}

/// URL segments that items may not take, because listings use them.
pub(crate) const RESERVED_TOP: &[&str] = &[
    "news",
    "notices",
    "lessons",
    "disclosure",
    "branches",
    "tags",
    "feeds",
    "page",
    "static",
    "pages",
    "search",
    "jiceng",
];

impl Site {
    /// Fills the listings that point into `items`.
    fn index(
        &mut self,
        course_ids: &[String],
        sections: &BTreeMap<SectionKey, Section>,
        diags: &mut Vec<Diagnostic>,
    ) {
        for (i, item) in self.items.iter().enumerate() {
            self.by_kind.entry(item.entry.kind).or_default().push(i);
        }
        for (kind, section) in &self.sections {
            if let Some(list) = self.by_kind.get_mut(kind) {
                model::sort_listing(list, &self.items, section.sort);
            }
        }
        // Pinned notices lead until they expire.
        let now = self.gate.now;
        let items = &self.items;
        if let Some(list) = self.by_kind.get_mut(&Kind::Notice) {
            list.sort_by_key(|&i| !items[i].is_pinned_at(now));
        }
        self.courses = model::courses(course_ids, sections, &self.items, &self.config, diags);
        // A course is published only with a published lesson: its title,
        // description and intro are not shown for drafts or 党内 lessons.
        self.courses.retain(|c| !c.lessons.is_empty());
        self.tags = model::tags(&self.items, diags);
        self.branches = model::branches(&self.config.organization, &self.items);
        self.branch_index = self
            .branches
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id.clone(), i))
            .collect();
        self.course_index = self
            .courses
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        self.tag_index = self
            .tags
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        self.categories = crate::content::CATEGORIES
            .iter()
            .filter_map(|(key, _)| {
                let list: Vec<usize> = self
                    .by_kind
                    .get(&Kind::Disclosure)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|&i| self.items[i].entry.category == Some(key))
                    .collect();
                (!list.is_empty()).then_some((*key, list))
            })
            .collect();
    }

    /// The branch with this id.
    pub(crate) fn branch(&self, id: &str) -> Option<&Branch> {
        self.branch_index.get(id).map(|&i| &self.branches[i])
    }

    /// The published course with this id.
    pub(crate) fn course(&self, id: &str) -> Option<&Course> {
        self.course_index.get(id).map(|&i| &self.courses[i])
    }

    /// The URL slug of a tag as written on an item.
    pub(crate) fn tag_slug(&self, name: &str) -> String {
        let name = name.trim();
        match self.tag_index.get(name) {
            Some(&i) => self.tags[i].slug.clone(),
            None => tag_slug(name),
        }
    }

    /// `base_path` + `path`: the root-relative URL of a site path.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_path)
    }

    /// `base_url` + `path`: the absolute URL of a site path.
    pub(crate) fn permalink(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url)
    }
}

/// The URL slug of a tag name (pinyin for Chinese).
pub(crate) fn tag_slug(name: &str) -> String {
    slug::from_text(name)
}
