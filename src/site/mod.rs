//! The read-only model of a site: published items, sections, courses,
//! tags and branches. Built once per build; renderers only read it.

pub mod gate;
pub mod links;
mod model;
pub mod pii;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

pub use gate::{ChangeKind, Decision, Gate, GateStats, NextChange};
pub use model::{Branch, Course, FileRef, Item, Section, Tag};

use crate::config::Config;
use crate::content::{Content, Entry, Kind, SectionKey, SectionSource, slug};
use crate::diagnostic::{Diagnostic, unknown_name_hint};
use crate::markdown::Markdown;
use links::{Asset, BodyLinks, asset_output_path, encode_path, resolve_asset, source_dir};

/// The read-only model every renderer reads from.
pub struct Site {
    pub config: Config,
    pub root: PathBuf,
    pub gate: Gate,
    pub stats: GateStats,
    /// Published items only, newest first (then by source path).
    pub items: Vec<Arc<Item>>,
    pub home: Section,
    /// Listing sections of news, notices, lessons and disclosure.
    pub sections: BTreeMap<Kind, Section>,
    /// Items of each kind, in listing order (indices into `items`).
    pub by_kind: BTreeMap<Kind, Vec<usize>>,
    pub courses: Vec<Course>,
    pub tags: Vec<Tag>,
    /// The organization tree, depth first.
    pub branches: Vec<Branch>,
    /// 党务公开 categories that have items: key and items.
    pub categories: Vec<(&'static str, Vec<usize>)>,
    /// Files outside bundles used by published items: output path → source.
    pub loose_assets: BTreeMap<String, PathBuf>,
    /// When a rebuild would next change the output (embargo, expiry, 公示期).
    pub next_change: Option<NextChange>,
    /// Public items allowed to show personal data: source and the reason given.
    pub pii_allowed: Vec<(PathBuf, String)>,
    /// Entries of `sources:` read from the pull cache (filled by the build's load stage).
    pub pulled: crate::pull::Pulled,
}

/// URL segments that items may not take, because listings use them.
const RESERVED_TOP: &[&str] = &[
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

/// Items kept between builds (`serve`): an item is made again only when its
/// source, the configuration or the instant changed, or when something it
/// read did (the site's URLs for links to other items, the files for
/// images, attachments and their sizes).
///
/// When the previous model is handed back ([`ModelCache::keep`]) and only
/// item bodies changed since (same front matter, same files, same
/// settings), the next build patches those items into it instead of
/// building the listings again.
#[derive(Default)]
pub struct ModelCache {
    items: rustc_hash::FxHashMap<PathBuf, CachedItem>,
    /// What the last successful build was made from.
    last: Option<LastInputs>,
    /// The last successful build's model, when handed back.
    site: Option<Site>,
}

/// The inputs of the last successful build that the fast path compares.
struct LastInputs {
    entries: Vec<Arc<Entry>>,
    sections: Vec<(PathBuf, String, String)>,
    courses: Vec<String>,
    loose_files: Vec<PathBuf>,
    urls: rustc_hash::FxHashMap<PathBuf, Option<String>>,
    world: World,
    setting: u64,
}

struct CachedItem {
    key: u64,
    reads: Reads,
    made: Made,
}

/// What making an item read besides its own source.
#[derive(Debug, Clone, Copy, Default)]
struct Reads {
    /// Hash of the site's URLs it resolved links against, if it did.
    urls: Option<u64>,
    /// Hash of the content files it looked at, if it did.
    files: Option<u64>,
}

type Made = (Arc<Item>, Vec<Asset>, Vec<Diagnostic>);

/// Hashes of the world items may read: published URLs and folders, and
/// every non-Markdown file with its size and modification time.
#[derive(PartialEq, Eq)]
struct World {
    urls: u64,
    files: u64,
}

impl World {
    fn new(
        root: &Path,
        content: &Content,
        urls: &rustc_hash::FxHashMap<PathBuf, Option<String>>,
    ) -> World {
        // Sums of each element's hash: the same whatever the order.
        let sum =
            |hashes: &mut dyn Iterator<Item = u64>| hashes.fold(0u64, |a, b| a.wrapping_add(b));
        let one = |x: &dyn Fn(&mut rustc_hash::FxHasher)| {
            let mut h = rustc_hash::FxHasher::default();
            x(&mut h);
            h.finish()
        };
        let folders: rustc_hash::FxHashSet<&Path> = content
            .entries
            .iter()
            .filter_map(|e| e.path.parent())
            .chain(content.loose_files.iter().filter_map(|p| p.parent()))
            .collect();
        let urls = sum(&mut urls.iter().map(|u| one(&|h| u.hash(h))))
            ^ sum(&mut folders.iter().map(|f| one(&|h| (1u8, f).hash(h))));
        let mut h = DefaultHasher::new();
        let bundled = content
            .entries
            .iter()
            .filter_map(|e| e.bundle.as_ref())
            .flat_map(|b| b.assets.iter().map(|a| b.dir.join(a)));
        for file in content.loose_files.iter().cloned().chain(bundled) {
            let meta = std::fs::metadata(root.join(&file)).ok();
            (file, meta.as_ref().map(|m| (m.len(), m.modified().ok()))).hash(&mut h);
        }
        World {
            urls,
            files: h.finish(),
        }
    }
}

/// What the sections are made from: each `_index.md`'s path, YAML and body.
fn section_inputs(content: &Content) -> Vec<(PathBuf, String, String)> {
    content
        .sections
        .iter()
        .map(|s| (s.path.clone(), s.yaml.clone(), s.body.clone()))
        .collect()
}

impl ModelCache {
    /// Hands back the model of the last build, for the next one to patch.
    pub fn keep(&mut self, site: Site) {
        if self.last.is_some() {
            self.site = Some(site);
        }
    }

    /// The last model with the items whose body changed made again, if
    /// nothing else changed; `None` sends the build down the full path.
    fn patch(
        &mut self,
        root: &Path,
        config: &Config,
        content: &Content,
        gate: Gate,
        md: &Markdown,
        setting: u64,
    ) -> Option<Site> {
        let mut site = self.site.take()?;
        let last = self.last.as_ref()?;
        let same = setting == last.setting
            && site.gate == gate
            && content.entries.len() == last.entries.len()
            && section_inputs(content) == last.sections
            && content.courses == last.courses
            && content.loose_files == last.loose_files;
        if !same {
            return None;
        }
        let mut changed = Vec::new();
        for (new, old) in content.entries.iter().zip(&last.entries) {
            if Arc::ptr_eq(new, old) {
                continue;
            }
            let bundle = |e: &Entry| e.bundle.as_ref().map(|b| b.assets.clone());
            if new.path != old.path || new.yaml != old.yaml || bundle(new) != bundle(old) {
                return None;
            }
            changed.push(Arc::clone(new));
        }
        if World::new(root, content, &last.urls) != last.world {
            return None;
        }
        for entry in changed {
            let Some(Some(path)) = last.urls.get(&entry.path).cloned() else {
                continue; // not published, before or now
            };
            let at = site.items.iter().position(|i| i.entry.path == entry.path)?;
            let mut pii = if gate.scope == crate::content::Scope::Public {
                guard_pii(&entry)
            } else {
                Vec::new()
            };
            let mut h = rustc_hash::FxHasher::default();
            (entry.source_hash, &path, setting).hash(&mut h);
            let key = h.finish();
            let src = entry.path.clone();
            let (item, used, diags, reads) = make_item(
                root,
                entry,
                path,
                &last.urls,
                config,
                md,
                gate.now,
                key,
                &last.world,
            );
            let old_used = self.items.get(&src).map(|c| &c.made.1);
            pii.extend(diags.iter().cloned());
            if !pii.is_empty() || old_used != Some(&used) {
                return None;
            }
            let item = Arc::new(item);
            site.items[at] = Arc::clone(&item);
            let made = (item, used, diags);
            self.items.insert(src, CachedItem { key, reads, made });
        }
        if let Some(last) = self.last.as_mut() {
            last.entries = content.entries.clone();
        }
        Some(site)
    }

    fn get(&self, path: &Path, key: u64, world: &World) -> Option<Made> {
        let c = self.items.get(path)?;
        let fresh = c.key == key
            && c.reads.urls.is_none_or(|u| u == world.urls)
            && c.reads.files.is_none_or(|f| f == world.files);
        fresh.then(|| c.made.clone())
    }
}

impl Site {
    /// Builds the model from loaded content. Only entries the gate publishes
    /// enter it; every entry's front matter is still checked.
    pub fn build(
        root: &Path,
        config: Config,
        content: Content,
        gate: Gate,
        md: &Markdown,
    ) -> Result<Site, Vec<Diagnostic>> {
        Site::build_cached(root, config, content, gate, md, &mut ModelCache::default())
    }

    /// [`Site::build`], reusing the items of `cache` that are still valid
    /// and keeping the items made for the next call.
    pub fn build_cached(
        root: &Path,
        config: Config,
        content: Content,
        gate: Gate,
        md: &Markdown,
        cache: &mut ModelCache,
    ) -> Result<Site, Vec<Diagnostic>> {
        let mut h = DefaultHasher::new();
        format!("{config:?}").hash(&mut h);
        gate.now.hash(&mut h);
        let setting = h.finish();
        if let Some(site) = cache.patch(root, &config, &content, gate, md, setting) {
            return Ok(site);
        }
        cache.last = None;
        let last_entries = content.entries.clone();
        let last_sections = section_inputs(&content);
        let mut diags = Vec::new();
        let paths: Vec<String> = content
            .entries
            .iter()
            .map(|e| gate::url_path(e.kind, e.course.as_deref(), &e.slug))
            .collect();
        check_paths(&content.entries, &paths, &mut diags);
        check_branches(&content.entries, &config, &mut diags);
        let mut stats = GateStats::default();
        let decisions: Vec<Decision> = content.entries.iter().map(|e| gate.decide(e)).collect();
        decisions.iter().for_each(|d| stats.count(*d));
        let urls: rustc_hash::FxHashMap<PathBuf, Option<String>> = content
            .entries
            .iter()
            .zip(&paths)
            .zip(&decisions)
            .map(|((e, p), d)| {
                (
                    e.path.clone(),
                    (*d == Decision::Published).then(|| p.clone()),
                )
            })
            .collect();
        let embargoes: Vec<crate::time::Instant> = content
            .entries
            .iter()
            .zip(&decisions)
            .filter(|(_, d)| **d == Decision::Embargoed)
            .filter_map(|(e, _)| e.date)
            .collect();
        let world = World::new(root, &content, &urls);
        let published: Vec<(Arc<Entry>, String)> = content
            .entries
            .into_iter()
            .zip(paths)
            .zip(&decisions)
            .filter(|(_, d)| **d == Decision::Published)
            .map(|(pair, _)| pair)
            .collect();
        let mut pii_allowed = Vec::new();
        if gate.scope == crate::content::Scope::Public {
            let found: Vec<Vec<Diagnostic>> =
                published.par_iter().map(|(e, _)| guard_pii(e)).collect();
            diags.extend(found.into_iter().flatten());
            pii_allowed = published
                .iter()
                .filter_map(|(e, _)| {
                    e.meta
                        .allow_personal_info
                        .clone()
                        .map(|r| (e.path.clone(), r))
                })
                .collect();
        }
        let shared: &ModelCache = cache;
        let results: Vec<(PathBuf, u64, Option<Reads>, Made)> = published
            .into_par_iter()
            .map(|(entry, path)| {
                let mut h = rustc_hash::FxHasher::default();
                (entry.source_hash, &path, setting).hash(&mut h);
                let key = h.finish();
                let src = entry.path.clone();
                if let Some(made) = shared.get(&src, key, &world) {
                    return (src, key, None, made);
                }
                let (item, used, diags, reads) =
                    make_item(root, entry, path, &urls, &config, md, gate.now, key, &world);
                (src, key, Some(reads), (Arc::new(item), used, diags))
            })
            .collect();
        let mut items = Vec::with_capacity(results.len());
        let mut loose_assets = BTreeMap::new();
        let mut added = false;
        for (src, key, reads, made) in &results {
            if let Some(reads) = reads {
                let made = made.clone();
                let reads = *reads;
                let key = *key;
                added |= cache
                    .items
                    .insert(src.clone(), CachedItem { key, reads, made })
                    .is_none();
            }
        }
        // Forget items whose source is gone (only possible if the count or
        // the set of sources changed).
        if added || cache.items.len() != results.len() {
            let live: rustc_hash::FxHashSet<&PathBuf> = results.iter().map(|r| &r.0).collect();
            cache.items.retain(|p, _| live.contains(p));
        }
        for (_, _, _, made) in results {
            let (item, used, d) = made;
            diags.extend(d);
            for a in used {
                if let Asset::Loose(src) = &a {
                    loose_assets.insert(asset_output_path(&item.path, &a), src.clone());
                }
            }
            items.push(item);
        }
        items.sort_by(|a, b| {
            b.entry
                .date
                .cmp(&a.entry.date)
                .then_with(|| a.entry.path.cmp(&b.entry.path))
        });
        let mut section_assets = Vec::new();
        let sections = make_sections(
            root,
            &content.sections,
            &config,
            &urls,
            md,
            &mut diags,
            &mut section_assets,
        );
        loose_assets.extend(section_assets);
        let mut site = Site {
            home: sections
                .get(&SectionKey::Home)
                .cloned()
                .unwrap_or_else(|| Section::default_for(SectionKey::Home, &config)),
            sections: [Kind::News, Kind::Notice, Kind::Lesson, Kind::Disclosure]
                .into_iter()
                .map(|k| {
                    let key = SectionKey::Kind(k);
                    let s = sections
                        .get(&key)
                        .cloned()
                        .unwrap_or_else(|| Section::default_for(key, &config));
                    (k, s)
                })
                .collect(),
            by_kind: BTreeMap::new(),
            courses: Vec::new(),
            tags: Vec::new(),
            branches: Vec::new(),
            categories: Vec::new(),
            loose_assets,
            next_change: None,
            pii_allowed,
            pulled: crate::pull::Pulled::default(),
            config,
            root: root.to_path_buf(),
            gate,
            stats,
            items,
        };
        site.index(&content.courses, &sections, &mut diags);
        let timed = site.items.iter().flat_map(|it| {
            let e = &it.entry;
            let expiry = e
                .expires
                .filter(|_| e.kind == Kind::Notice)
                .map(|x| (x, ChangeKind::NoticeExpiry));
            let (start, end) = match e.period.filter(|_| e.kind == Kind::Disclosure) {
                Some((s, end)) => (
                    Some((s, ChangeKind::DisclosureStart)),
                    end.map(|x| (x, ChangeKind::DisclosureEnd)),
                ),
                None => (None, None),
            };
            [expiry, start, end].into_iter().flatten()
        });
        let candidates: Vec<_> = embargoes
            .into_iter()
            .map(|d| (d, ChangeKind::Embargo))
            .chain(timed)
            .collect();
        site.next_change = gate::next_change(gate.now, candidates);
        if diags.iter().any(Diagnostic::is_error) {
            return Err(diags);
        }
        cache.last = Some(LastInputs {
            entries: last_entries,
            sections: last_sections,
            courses: content.courses.clone(),
            loose_files: content.loose_files.clone(),
            urls,
            world,
            setting,
        });
        Ok(site)
    }

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
        self.tags = model::tags(&self.items, diags);
        self.branches = model::branches(&self.config.organization, &self.items);
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

    /// `base_path` + `path`: the root-relative URL of a site path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_path)
    }

    /// `base_url` + `path`: the absolute URL of a site path.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url)
    }
}

fn check_paths(entries: &[Arc<Entry>], paths: &[String], diags: &mut Vec<Diagnostic>) {
    let mut seen: rustc_hash::FxHashMap<&str, &Entry> = rustc_hash::FxHashMap::default();
    for (entry, path) in entries.iter().zip(paths) {
        let clash = match entry.kind {
            Kind::Page => RESERVED_TOP.contains(&entry.slug.as_str()),
            Kind::Disclosure => {
                entry.slug == "page" || crate::content::category_key(&entry.slug).is_some()
            }
            _ => entry.slug == "page" || entry.slug == "podcast",
        };
        if clash {
            diags.push(
                entry
                    .error("slug", format!("网址 “/{path}” 与栏目或列表页的网址冲突"))
                    .hint("请用 slug: 字段另取一个网址"),
            );
        }
        if let Some(other) = seen.insert(path, entry) {
            diags.push(
                entry
                    .error(
                        "slug",
                        format!(
                            "网址 “/{path}” 重复：{} 也用了这个网址",
                            other.path.display()
                        ),
                    )
                    .hint("在其中一个文件里用 slug: 字段另取一个网址"),
            );
        }
    }
}

fn check_branches(entries: &[Arc<Entry>], config: &Config, diags: &mut Vec<Diagnostic>) {
    let ids = config.organization.ids();
    for entry in entries {
        if let Some(b) = &entry.meta.branch
            && !ids.contains(&b.as_str())
        {
            diags.push(
                entry
                    .error(
                        "branch",
                        format!("site.yaml 的组织机构中没有编号为 “{b}” 的党组织"),
                    )
                    .hint(unknown_name_hint(b, &ids)),
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn make_item(
    root: &Path,
    entry: Arc<Entry>,
    path: String,
    urls: &rustc_hash::FxHashMap<PathBuf, Option<String>>,
    config: &Config,
    md: &Markdown,
    now: crate::time::Instant,
    key: u64,
    world: &World,
) -> (Item, Vec<Asset>, Vec<Diagnostic>, Reads) {
    let mut entry = Arc::unwrap_or_clone(entry);
    let mut diags = Vec::new();
    if let Some((start, None)) = entry.period {
        let d = &config.disclosure;
        let end = crate::time::add_working_days(&start, d.default_days, &d.holidays, &d.workdays);
        entry.period = Some((start, Some(end)));
    }
    let dir = source_dir(&entry.path);
    let links = BodyLinks {
        root,
        dir,
        bundle: entry.bundle.as_ref(),
        urls,
        base_path: &config.base_path,
        item_path: &path,
        used: RefCell::new(Vec::new()),
        read_urls: Cell::new(false),
        read_files: Cell::new(false),
    };
    let (rendered, errors) = md.render(&entry.body, entry.body_line, &links);
    // The source is no longer needed once rendered; keep memory linear in output only.
    entry.body = String::new();
    for e in errors {
        diags.push(
            Diagnostic::error(&entry.path, e.message)
                .line(e.line)
                .field("正文链接")
                .hint(e.hint),
        );
    }
    let read_urls = links.read_urls.get();
    let mut read_files = links.read_files.get() || entry.bundle.is_some();
    let mut used = links.used.into_inner();
    let mut file = |field: &str, written: &str| -> Option<FileRef> {
        if links::is_external(written) {
            return Some(FileRef::external(written));
        }
        read_files = true;
        match file_ref(
            root,
            dir,
            entry.bundle.as_ref(),
            &path,
            &config.base_path,
            written,
        ) {
            Ok((file, asset)) => {
                used.push(asset);
                Some(file)
            }
            Err(e) => {
                let (msg, hint) = e.message(written);
                diags.push(entry.error(field, msg).hint(hint));
                None
            }
        }
    };
    let cover = entry.meta.cover.clone().and_then(|c| file("cover", &c));
    let attachments = entry
        .meta
        .attachments
        .clone()
        .iter()
        .filter_map(|a| {
            file("attachments", &a.path).map(|f| FileRef {
                title: a.title.clone().unwrap_or_else(|| f.name.clone()),
                ..f
            })
        })
        .collect();
    let audio = entry.meta.audio.clone().and_then(|a| file("audio", &a));
    let video = entry.meta.video.clone().and_then(|v| file("video", &v));
    let reads = Reads {
        urls: read_urls.then_some(world.urls),
        files: read_files.then_some(world.files),
    };
    let mut h = DefaultHasher::new();
    (key, reads.urls, reads.files).hash(&mut h);
    let fingerprint = h.finish();
    let reading_minutes = rendered.reading_minutes(config.reading_speed);
    let summary = entry
        .meta
        .summary
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(rendered.summary);
    let item = Item {
        path,
        html: rendered.html,
        summary,
        toc: rendered.toc,
        reading_minutes,
        chars: rendered.cjk_chars + rendered.latin_words,
        cover,
        attachments,
        audio,
        video,
        withdrawn: false,
        fingerprint,
        entry,
    };
    if is_withdrawn(&item.entry, now) {
        return (withdraw(item), Vec::new(), diags, reads);
    }
    (item, used, diags, reads)
}

/// Unmasked personal data in a public item's front matter or body, unless
/// the item says why it may show it (`allow_personal_info`).
fn guard_pii(entry: &Entry) -> Vec<Diagnostic> {
    if entry
        .meta
        .allow_personal_info
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty())
    {
        return Vec::new();
    }
    let in_yaml = pii::scan(&entry.yaml).into_iter().map(|f| {
        let line = f.line + entry.yaml_line - 1;
        let text = entry.yaml.lines().nth(f.line - 1).unwrap_or("");
        let field = text
            .trim_start()
            .trim_start_matches("- ")
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        (line, field, f)
    });
    let in_body = pii::scan(&entry.body)
        .into_iter()
        .map(|f| (f.line + entry.body_line - 1, "正文".to_string(), f));
    in_yaml
        .chain(in_body)
        .map(|(line, field, f)| {
            Diagnostic::error(&entry.path, format!("公开内容中有未打码的{}", f.kind.label()))
                .line(line)
                .field(field)
                .hint(format!(
                    "改写为 {}；确需公开时，在 front matter 中写 allow_personal_info: 说明理由（会记入构建记录）",
                    f.masked
                ))
        })
        .collect()
}

/// Whether a 公示 with `after_period: withdraw` has ended by `now`.
fn is_withdrawn(entry: &Entry, now: crate::time::Instant) -> bool {
    entry.kind == Kind::Disclosure
        && entry.meta.after_period == crate::content::frontmatter::AfterPeriod::Withdraw
        && entry
            .period
            .is_some_and(|(_, end)| end.is_some_and(|e| e <= now))
}

/// The stub left of a withdrawn 公示: title, dates and category stay; the
/// body, the persons, attachments and bundle files go from every output.
fn withdraw(mut item: Item) -> Item {
    const STUB: &str = "本公示的公示期已结束，公示内容已按规定撤下。";
    item.html = format!("<p class=\"withdrawn\">{STUB}</p>\n");
    item.summary = STUB.to_string();
    item.toc.clear();
    item.attachments.clear();
    item.cover = None;
    item.audio = None;
    item.video = None;
    item.entry.meta.persons.clear();
    item.entry.meta.meeting = None;
    item.entry.meta.summary = None;
    item.withdrawn = true;
    item
}

/// A file named in a source file of folder `dir` (of `bundle`, if a bundle),
/// used by the page at `page_path`: its reference for templates and feeds,
/// and where it comes from.
fn file_ref(
    root: &Path,
    dir: &Path,
    bundle: Option<&crate::content::Bundle>,
    page_path: &str,
    base_path: &str,
    written: &str,
) -> Result<(FileRef, Asset), links::PathError> {
    let asset = resolve_asset(root, dir, bundle, written)?;
    let out = asset_output_path(page_path, &asset);
    let src = match (&asset, bundle) {
        (Asset::Bundle(rel), Some(b)) => b.dir.join(rel),
        (Asset::Bundle(rel), None) | (Asset::Loose(rel), _) => rel.clone(),
    };
    let full = root.join(src);
    let size = std::fs::metadata(&full).map_or(0, |m| m.len());
    let mut file = FileRef::local(format!("{base_path}{}", encode_path(&out)), &out, size);
    if let Ok(dim) = imagesize::size(&full) {
        file.width = Some(dim.width);
        file.height = Some(dim.height);
    }
    Ok((file, asset))
}

fn make_sections(
    root: &Path,
    sources: &[SectionSource],
    config: &Config,
    urls: &rustc_hash::FxHashMap<PathBuf, Option<String>>,
    md: &Markdown,
    diags: &mut Vec<Diagnostic>,
    assets: &mut Vec<(String, PathBuf)>,
) -> BTreeMap<SectionKey, Section> {
    sources
        .iter()
        .map(|s| {
            let mut section = Section::default_for(s.key.clone(), config);
            let links = BodyLinks {
                root,
                dir: source_dir(&s.path),
                bundle: None,
                urls,
                base_path: &config.base_path,
                item_path: &section.path,
                used: RefCell::new(Vec::new()),
                read_urls: Cell::new(false),
                read_files: Cell::new(false),
            };
            let (rendered, errors) = md.render(&s.body, s.body_line, &links);
            for e in errors {
                diags.push(
                    Diagnostic::error(&s.path, e.message)
                        .line(e.line)
                        .hint(e.hint),
                );
            }
            if !links.used.borrow().is_empty() {
                diags.push(
                    Diagnostic::error(&s.path, "栏目说明中不能引用文件")
                        .hint("请把图片或附件放到文章里"),
                );
            }
            if let Some(t) = s.meta.title.clone().filter(|t| !t.trim().is_empty()) {
                section.title = t;
            }
            section.description = s.meta.description.clone().unwrap_or_default();
            section.intro_html = rendered.html;
            section.order = s.meta.order.unwrap_or(u32::MAX);
            if let Some(n) = s.meta.pagination {
                if n == 0 {
                    diags
                        .push(Diagnostic::error(&s.path, "每页条数必须大于 0").field("pagination"));
                }
                section.pagination = n.max(1);
            }
            section.sort = s.meta.sort.unwrap_or(section.sort);
            section.source = Some(s.path.clone());
            if let Some(cover) = &s.meta.cover {
                match file_ref(
                    root,
                    source_dir(&s.path),
                    None,
                    &section.path,
                    &config.base_path,
                    cover,
                ) {
                    Ok((file, asset)) => {
                        let out = asset_output_path(&section.path, &asset);
                        if let Asset::Loose(src) = asset {
                            assets.push((out, src));
                        }
                        section.cover = Some(file);
                        section.cover_alt = s.meta.cover_alt.clone();
                    }
                    Err(e) => {
                        let (msg, hint) = e.message(cover);
                        let line = crate::yaml::key_line(&s.yaml, "cover", 1).map(|l| l + 1);
                        diags.push(
                            Diagnostic::error(&s.path, msg)
                                .at_line(line)
                                .field("cover")
                                .hint(hint),
                        );
                    }
                }
            }
            (s.key.clone(), section)
        })
        .collect()
}

/// The URL slug of a tag name (pinyin for Chinese).
pub(crate) fn tag_slug(name: &str) -> String {
    slug::from_text(name)
}
