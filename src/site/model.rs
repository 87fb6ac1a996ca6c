//! The parts of the model: items, sections, courses, tags and branches.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{Config, OrgNode};
use crate::content::frontmatter::SortBy;
use crate::content::{Entry, Kind, SectionKey};
use crate::diagnostic::Diagnostic;
use crate::markdown::Heading;

/// A published item with its rendered body.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) entry: Entry,
    /// URL path under the base path, without a leading slash (`news/a/`).
    pub(crate) path: String,
    pub(crate) html: String,
    pub(crate) summary: String,
    pub(crate) toc: Vec<Heading>,
    pub(crate) reading_minutes: u32,
    /// CJK characters plus Latin words.
    pub(crate) chars: usize,
    pub(crate) cover: Option<FileRef>,
    pub(crate) attachments: Vec<FileRef>,
    pub(crate) audio: Option<FileRef>,
    pub(crate) video: Option<FileRef>,
    /// Every image file the item publishes (cover, body, bundle, attachments).
    pub(crate) images: Vec<crate::images::ImageUse>,
    /// A 公示 withdrawn after its period (`after_period: withdraw`): only a
    /// stub is published, with no body, persons or files.
    pub(crate) withdrawn: bool,
    /// Equal fingerprints, equal items: a hash of everything the item was
    /// made from (its source, the configuration, the instant, what it read).
    pub(crate) fingerprint: u64,
}

impl Item {
    /// A pinned notice that has not expired by `now`.
    pub(crate) fn is_pinned_at(&self, now: crate::time::Instant) -> bool {
        self.entry.meta.pinned && self.entry.expires.is_none_or(|x| x > now)
    }
}

/// A file an item offers: an image, attachment or media file.
#[derive(Debug, Clone, Serialize, Hash)]
pub(crate) struct FileRef {
    /// Root-relative URL (or an external URL).
    pub(crate) url: String,
    pub(crate) title: String,
    /// File name.
    pub(crate) name: String,
    /// Lowercase extension, e.g. `pdf`.
    pub(crate) ext: String,
    pub(crate) size: u64,
    /// Human-readable size, e.g. `12.3 KB`; empty when unknown.
    pub(crate) size_label: String,
    pub(crate) external: bool,
    /// Pixel size of an image, read at build time (so pages reserve its
    /// space before it loads): of its largest variant for a processed image.
    pub(crate) width: Option<usize>,
    pub(crate) height: Option<usize>,
    /// For `<img src>`: the middle variant (1080 pixels wide) of a processed
    /// image, else `url`.
    pub(crate) src: String,
    /// For `<img srcset>`: every variant with its width (`a-480.jpg 480w,
    /// a-1080.jpg 1080w`); empty when the file is not a processed image.
    pub(crate) srcset: String,
    /// The WebP twins of `srcset` (`<source type="image/webp">`); empty
    /// unless the variants are photos (JPEG).
    pub(crate) webp_srcset: String,
}

/// `532 B`, `12.3 KB`, `4.0 MB`.
pub(crate) fn size_label(size: u64) -> String {
    match size {
        0 => String::new(),
        s if s < 1024 => format!("{s} B"),
        s if s < 1024 * 1024 => format!("{:.1} KB", s as f64 / 1024.0),
        s => format!("{:.1} MB", s as f64 / (1024.0 * 1024.0)),
    }
}

impl FileRef {
    pub(crate) fn local(url: String, out_path: &str, size: u64) -> Self {
        let name = out_path.rsplit('/').next().unwrap_or(out_path).to_string();
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        FileRef {
            src: url.clone(),
            url,
            title: name.clone(),
            name,
            ext,
            size,
            size_label: size_label(size),
            external: false,
            width: None,
            height: None,
            srcset: String::new(),
            webp_srcset: String::new(),
        }
    }

    pub(crate) fn external(url: &str) -> Self {
        let name = url.rsplit('/').next().unwrap_or(url).to_string();
        FileRef {
            url: url.to_string(),
            title: name.clone(),
            name,
            ext: String::new(),
            size: 0,
            size_label: String::new(),
            external: true,
            width: None,
            height: None,
            src: url.to_string(),
            srcset: String::new(),
            webp_srcset: String::new(),
        }
    }
}

/// A listing: a kind's section, a course, or the home page.
#[derive(Debug, Clone, Hash)]
pub(crate) struct Section {
    pub(crate) key: SectionKey,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) intro_html: String,
    pub(crate) pagination: usize,
    pub(crate) sort: SortBy,
    pub(crate) order: u32,
    /// URL path (`news/`, `lessons/ershida/`, `` for home).
    pub(crate) path: String,
    pub(crate) source: Option<std::path::PathBuf>,
    /// Cover image (courses), with its alt text.
    pub(crate) cover: Option<FileRef>,
    pub(crate) cover_alt: Option<String>,
    /// The image files it publishes (a course cover).
    pub(crate) images: Vec<crate::images::ImageUse>,
}

impl Section {
    pub(crate) fn default_for(key: SectionKey, config: &Config) -> Section {
        let (title, path, sort) = match &key {
            SectionKey::Home => (config.title.clone(), String::new(), SortBy::Date),
            SectionKey::Kind(k) => (k.label().to_string(), format!("{}/", k.dir()), SortBy::Date),
            SectionKey::Course(c) => (c.clone(), format!("lessons/{c}/"), SortBy::Order),
        };
        Section {
            key,
            title,
            description: String::new(),
            intro_html: String::new(),
            pagination: config.pagination,
            sort,
            order: u32::MAX,
            path,
            source: None,
            cover: None,
            cover_alt: None,
            images: Vec::new(),
        }
    }
}

/// A course of 学习园地 with its published lessons in order.
#[derive(Debug, Clone)]
pub(crate) struct Course {
    pub(crate) id: String,
    pub(crate) section: Section,
    pub(crate) lessons: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) items: Vec<usize>,
}

/// A node of the organization tree with the items it and its subtree published.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) depth: usize,
    pub(crate) parent: Option<String>,
    pub(crate) children: Vec<String>,
    /// Items naming this branch (items naming none belong to the root).
    pub(crate) own: Vec<usize>,
    /// Own items and those of every descendant, newest first.
    pub(crate) all: Vec<usize>,
}

/// Sorts a listing of item indices by the section's order.
pub(crate) fn sort_listing(list: &mut [usize], items: &[std::sync::Arc<Item>], sort: SortBy) {
    match sort {
        // `items` is already newest first.
        SortBy::Date => list.sort_unstable(),
        SortBy::Title => list.sort_by(|&a, &b| {
            items[a]
                .entry
                .title
                .cmp(&items[b].entry.title)
                .then(a.cmp(&b))
        }),
        SortBy::Order => list.sort_by_key(|&i| (items[i].entry.meta.order.unwrap_or(u32::MAX), i)),
    }
}

pub(crate) fn courses(
    ids: &[String],
    sections: &BTreeMap<SectionKey, Section>,
    items: &[std::sync::Arc<Item>],
    config: &Config,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Course> {
    let mut courses: Vec<Course> = ids
        .iter()
        .map(|id| {
            let key = SectionKey::Course(id.clone());
            let section = sections
                .get(&key)
                .cloned()
                .unwrap_or_else(|| Section::default_for(key, config));
            let mut lessons: Vec<usize> = items
                .iter()
                .enumerate()
                .filter(|(_, it)| {
                    it.entry.kind == Kind::Lesson && it.entry.course.as_deref() == Some(id)
                })
                .map(|(i, _)| i)
                .collect();
            sort_listing(&mut lessons, items, section.sort);
            let mut seen = BTreeMap::new();
            for &i in &lessons {
                let e = &items[i].entry;
                if let Some(order) = e.meta.order
                    && let Some(other) = seen.insert(order, &e.path)
                {
                    diags.push(
                        e.error(
                            "order",
                            format!(
                                "课程中第 {order} 课重复：{} 也是第 {order} 课",
                                other.display()
                            ),
                        )
                        .hint("同一课程中每课的 order 必须不同"),
                    );
                }
            }
            Course {
                id: id.clone(),
                section,
                lessons,
            }
        })
        .collect();
    courses.sort_by(|a, b| (a.section.order, &a.id).cmp(&(b.section.order, &b.id)));
    courses
}

pub(crate) fn tags(items: &[std::sync::Arc<Item>], diags: &mut Vec<Diagnostic>) -> Vec<Tag> {
    let mut by_slug: BTreeMap<String, Tag> = BTreeMap::new();
    // Slugs go through pinyin: make each name's once.
    let mut slugs: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    for (i, item) in items.iter().enumerate() {
        for name in &item.entry.meta.tags {
            let name = name.trim();
            let slug = slugs
                .entry(name)
                .or_insert_with(|| super::tag_slug(name))
                .clone();
            if slug.is_empty() {
                diags.push(
                    item.entry
                        .error("tags", format!("标签 “{name}” 无法生成网址"))
                        .hint("标签请用中文或字母数字"),
                );
                continue;
            }
            let tag = by_slug.entry(slug.clone()).or_insert_with(|| Tag {
                name: name.to_string(),
                slug,
                items: Vec::new(),
            });
            if tag.name != name {
                diags.push(
                    item.entry
                        .error(
                            "tags",
                            format!("标签 “{name}” 与 “{}” 的网址相同", tag.name),
                        )
                        .hint("请统一标签写法"),
                );
            }
            if tag.items.last() != Some(&i) {
                tag.items.push(i);
            }
        }
    }
    by_slug.into_values().collect()
}

pub(crate) fn branches(root: &OrgNode, items: &[std::sync::Arc<Item>]) -> Vec<Branch> {
    let mut own: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    // Standalone pages (关于我们) belong to the site, not to a branch's news.
    for (i, item) in items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.entry.kind != Kind::Page)
    {
        let id = item.entry.meta.branch.as_deref().unwrap_or(&root.id);
        own.entry(id).or_default().push(i);
    }
    let mut out = Vec::new();
    collect(root, None, 0, &own, &mut out);
    out
}

fn collect(
    node: &OrgNode,
    parent: Option<&str>,
    depth: usize,
    own: &BTreeMap<&str, Vec<usize>>,
    out: &mut Vec<Branch>,
) -> Vec<usize> {
    let at = out.len();
    let mine = own.get(node.id.as_str()).cloned().unwrap_or_default();
    out.push(Branch {
        id: node.id.clone(),
        name: node.name.clone(),
        depth,
        parent: parent.map(str::to_string),
        children: node.children.iter().map(|c| c.id.clone()).collect(),
        own: mine.clone(),
        all: Vec::new(),
    });
    let mut all = mine;
    for child in &node.children {
        all.extend(collect(child, Some(&node.id), depth + 1, own, out));
    }
    all.sort_unstable();
    out[at].all = all.clone();
    all
}
