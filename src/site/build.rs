//! Building the model: the gate decides, published entries become items
//! (in parallel, reusing the cache), and the listings are indexed.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::cache::{CachedItem, LastInputs, ModelCache, inputs, item_key, section_inputs};
use super::gate::{self, ChangeKind, Decision, Gate, GateStats};
use super::item::{ItemContext, Made, Reads, file_ref, is_withdrawn, make_item};
use super::links::{Asset, BodyLinks, Route, Routes, World, asset_output_path, source_dir};
use super::model::Section;
use super::{RESERVED_TOP, Site, pii};
use crate::config::Config;
use crate::content::{Content, Entry, Kind, Scope, SectionKey, SectionSource};
use crate::diagnostic::{Diagnostic, unknown_name_hint};
use crate::markdown::Markdown;

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
    pub(crate) fn build_cached(
        root: &Path,
        config: Config,
        content: Content,
        gate: Gate,
        md: &Markdown,
        cache: &mut ModelCache,
    ) -> Result<Site, Vec<Diagnostic>> {
        let plan = Plan::of(&content, &config, &gate);
        let world = plan.world(&content, &config);
        let cx = ItemContext {
            world: &world,
            config: &config,
            md,
            now: gate.now,
            inputs: inputs(&content, &plan.routes),
        };
        if let Some(site) = cache.patch(&cx, &content, gate, plan.setting) {
            return Ok(site);
        }
        cache.last = None;
        let mut diags = Vec::new();
        check_paths(&content.entries, &plan.paths, &mut diags);
        check_branches(&content.entries, &config, &mut diags);
        let mut stats = GateStats::default();
        plan.decisions.iter().for_each(|d| stats.count(*d));
        let results = make_items(&cx, cache, &content, &plan, &gate);
        remember(cache, &results);
        let (items, mut loose_assets) = published(results, &mut diags);
        let sections = published_sections(
            &world,
            &content,
            &config,
            md,
            &gate,
            &plan,
            &mut loose_assets,
            &mut diags,
        );
        let mut site = Site {
            home: section_or_default(&sections, SectionKey::Home, &config),
            sections: kind_sections(&sections, &config),
            by_kind: BTreeMap::new(),
            courses: Vec::new(),
            tags: Vec::new(),
            branches: Vec::new(),
            branch_index: Default::default(),
            course_index: Default::default(),
            tag_index: Default::default(),
            categories: Vec::new(),
            loose_assets,
            next_change: None,
            pii_allowed: pii_allowed(&content, &plan.decisions, &gate),
            warnings: Vec::new(),
            pulled: crate::pull::Pulled::default(),
            config: config.clone(),
            root: root.to_path_buf(),
            gate,
            stats,
            items,
        };
        site.index(&content.courses, &sections, &mut diags);
        // A preview publishes future items with a 未到发布时间 banner, which
        // goes when their time comes: that is a change by the clock too.
        let embargoes = (content.entries.iter().zip(&plan.decisions))
            .filter(|(_, d)| {
                **d == Decision::Embargoed || (gate.preview && **d == Decision::Published)
            })
            .filter_map(|(e, _)| e.date);
        site.next_change = gate::next_change(gate.now, next_changes(&site, embargoes));
        if diags.iter().any(Diagnostic::is_error) {
            return Err(diags);
        }
        site.warnings = diags;
        cache.last = Some(last_inputs(&content, cx.inputs, plan));
        Ok(site)
    }
}

/// What the gate decided for every entry, and what links resolve against:
/// URL paths, routes of published items, bundles, published courses and
/// data files.
struct Plan {
    /// A hash of the settings and the clock every item depends on.
    setting: u64,
    paths: Vec<String>,
    decisions: Vec<Decision>,
    routes: Routes,
    bundles: BTreeMap<PathBuf, PathBuf>,
    courses: BTreeSet<String>,
    data_files: rustc_hash::FxHashSet<PathBuf>,
}

impl Plan {
    /// What links resolve against, under this plan.
    fn world<'a>(&'a self, content: &'a Content, config: &'a Config) -> World<'a> {
        World {
            files: &content.files,
            markdown: &content.markdown,
            bundles: &self.bundles,
            routes: &self.routes,
            courses: &self.courses,
            data_files: &self.data_files,
            base_path: &config.base_path,
        }
    }

    fn of(content: &Content, config: &Config, gate: &Gate) -> Plan {
        let mut h = rustc_hash::FxHasher::default();
        (config, gate.now).hash(&mut h);
        let setting = h.finish();
        let entries = &content.entries;
        let paths: Vec<String> = entries
            .iter()
            .map(|e| gate::url_path(e.kind, e.course.as_deref(), &e.slug))
            .collect();
        let decisions: Vec<Decision> = entries.iter().map(|e| gate.decide(e)).collect();
        let routes: Routes = entries
            .iter()
            .zip(&paths)
            .zip(&decisions)
            .map(|((e, p), d)| {
                let route = (*d == Decision::Published).then(|| Route {
                    url: p.clone(),
                    withdrawn: is_withdrawn(e, config, gate.now),
                });
                (e.path.clone(), route)
            })
            .collect();
        let bundles = entries
            .iter()
            .filter_map(|e| e.bundle.as_ref().map(|b| (b.dir.clone(), e.path.clone())))
            .collect();
        let courses = entries
            .iter()
            .zip(&decisions)
            .filter(|(e, d)| **d == Decision::Published && e.kind == Kind::Lesson)
            .filter_map(|(e, _)| e.course.clone())
            .collect();
        Plan {
            setting,
            data_files: super::tables::data_files(entries),
            paths,
            decisions,
            routes,
            bundles,
            courses,
        }
    }
}

/// An entry made (or taken from the cache): source, cache key, what it
/// read (when made now), the item with its assets and problems, and the
/// gate's decision.
type Outcome = (PathBuf, u64, Option<Reads>, Made, Decision);

/// Makes the items of published entries in parallel, and of embargoed
/// ones for their errors only (a broken link must not wait for the
/// scheduled build that publishes it); unchanged ones come from the cache.
fn make_items(
    cx: &ItemContext<'_>,
    cache: &ModelCache,
    content: &Content,
    plan: &Plan,
    gate: &Gate,
) -> Vec<Outcome> {
    let guarded = |e: &Entry, d: Decision| {
        e.meta.scope == Scope::Public
            && (gate.check
                || (gate.scope == Scope::Public
                    && matches!(d, Decision::Published | Decision::Embargoed)))
    };
    let made: Vec<(Arc<Entry>, String, Decision)> = content
        .entries
        .iter()
        .zip(&plan.paths)
        .zip(&plan.decisions)
        .filter(|(_, d)| matches!(d, Decision::Published | Decision::Embargoed))
        .map(|((e, p), d)| (Arc::clone(e), p.clone(), *d))
        .collect();
    made.into_par_iter()
        .map(|(entry, path, decision)| {
            let guard = guarded(&entry, decision);
            let key = item_key(&entry, &path, plan.setting, guard);
            let src = entry.path.clone();
            if let Some(made) = cache.get(&src, key, &cx.inputs) {
                return (src, key, None, made, decision);
            }
            let (item, used, problems, reads) = make_item(cx, entry, path, key, guard);
            let made = (Arc::new(item), used, problems);
            (src, key, Some(reads), made, decision)
        })
        .collect()
}

/// Keeps the items made now for the next build and forgets items whose
/// source is gone.
fn remember(cache: &mut ModelCache, results: &[Outcome]) {
    let mut added = false;
    for (src, key, reads, made, _) in results {
        if let Some(reads) = reads {
            let made = made.clone();
            let (reads, key) = (*reads, *key);
            added |= cache
                .items
                .insert(src.clone(), CachedItem { key, reads, made })
                .is_none();
        }
    }
    // Only possible if the count or the set of sources changed.
    if added || cache.items.len() != results.len() {
        let live: rustc_hash::FxHashSet<&PathBuf> = results.iter().map(|r| &r.0).collect();
        cache.items.retain(|p, _| live.contains(p));
    }
}

/// The published items, newest first, and the loose files they use;
/// every item's problems go to `diags`.
fn published(
    results: Vec<Outcome>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Arc<super::Item>>, BTreeMap<String, PathBuf>) {
    let mut items = Vec::with_capacity(results.len());
    let mut loose_assets = BTreeMap::new();
    for (_, _, _, (item, used, d), decision) in results {
        diags.extend(d);
        if decision != Decision::Published {
            continue;
        }
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
    (items, loose_assets)
}

/// The published items allowed to show personal data, with their reason
/// (logged by public builds).
fn pii_allowed(content: &Content, decisions: &[Decision], gate: &Gate) -> Vec<(PathBuf, String)> {
    if gate.scope != Scope::Public {
        return Vec::new();
    }
    content
        .entries
        .iter()
        .zip(decisions)
        .filter(|(_, d)| **d == Decision::Published)
        .filter_map(|(e, _)| {
            e.meta
                .allow_personal_info
                .clone()
                .map(|r| (e.path.clone(), r))
        })
        .collect()
}

/// The sections made from their `_index.md` files (with the personal-data
/// guard of public builds); the loose files of published ones are added to
/// `loose_assets` (a course with no published lesson is not published).
#[allow(clippy::too_many_arguments)]
fn published_sections(
    world: &World<'_>,
    content: &Content,
    config: &Config,
    md: &Markdown,
    gate: &Gate,
    plan: &Plan,
    loose_assets: &mut BTreeMap<String, PathBuf>,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<SectionKey, Section> {
    let sections = make_sections(world, &content.sections, config, md, diags);
    for (key, section) in &sections {
        if let SectionKey::Course(c) = key
            && !plan.courses.contains(c)
        {
            continue;
        }
        loose_assets.extend(section.1.iter().cloned());
    }
    if gate.scope == Scope::Public || gate.check {
        for s in &content.sections {
            diags.extend(pii::guard_section(s));
        }
    }
    sections.into_iter().map(|(k, (s, _))| (k, s)).collect()
}

/// What the fast path of the next build compares with.
fn last_inputs(content: &Content, inputs: super::item::Inputs, plan: Plan) -> LastInputs {
    LastInputs {
        entries: content.entries.clone(),
        sections: section_inputs(content),
        courses: content.courses.clone(),
        loose_files: content.loose_files.clone(),
        inputs,
        routes: plan.routes,
        setting: plan.setting,
    }
}

/// The section of each kind that has a listing, as written or by default.
fn kind_sections(
    sections: &BTreeMap<SectionKey, Section>,
    config: &Config,
) -> BTreeMap<Kind, Section> {
    [Kind::News, Kind::Notice, Kind::Lesson, Kind::Disclosure]
        .into_iter()
        .map(|k| (k, section_or_default(sections, SectionKey::Kind(k), config)))
        .collect()
}

fn section_or_default(
    sections: &BTreeMap<SectionKey, Section>,
    key: SectionKey,
    config: &Config,
) -> Section {
    sections
        .get(&key)
        .cloned()
        .unwrap_or_else(|| Section::default_for(key, config))
}

/// Every instant at which the output would change by the clock alone.
fn next_changes(
    site: &Site,
    embargoes: impl Iterator<Item = crate::time::Instant>,
) -> Vec<(crate::time::Instant, ChangeKind)> {
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
    embargoes
        .map(|d| (d, ChangeKind::Embargo))
        .chain(timed)
        .collect()
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

/// Each `_index.md` made into a section, with the files it uses outside
/// bundles (a course cover): output path → source.
type MadeSection = (Section, Vec<(String, PathBuf)>);

/// Resolves a section's `cover`; a loose file is published beside the
/// section page.
fn section_cover(
    world: &World<'_>,
    s: &SectionSource,
    cover: &str,
    section: &mut Section,
    assets: &mut Vec<(String, PathBuf)>,
    diags: &mut Vec<Diagnostic>,
) {
    let dir = source_dir(&s.path);
    let line = crate::content::frontmatter::field_line(&s.yaml, 2, "cover");
    match file_ref(world, dir, None, &section.path, cover, false) {
        Ok((file, asset, image)) => {
            if let Some(asset @ Asset::Loose(src)) = &asset {
                assets.push((asset_output_path(&section.path, asset), src.clone()));
            }
            section
                .images
                .extend(image.map(|u| crate::images::ImageUse {
                    user: s.path.clone(),
                    field: "cover".into(),
                    line,
                    ..u
                }));
            section.cover = Some(file);
            section.cover_alt = s.meta.cover_alt.clone();
        }
        Err((msg, hint)) => {
            diags.push(
                Diagnostic::error(&s.path, msg)
                    .at_line(line)
                    .field("cover")
                    .hint(hint),
            );
        }
    }
}

fn make_sections(
    world: &World<'_>,
    sources: &[SectionSource],
    config: &Config,
    md: &Markdown,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<SectionKey, MadeSection> {
    sources
        .iter()
        .map(|s| {
            let mut section = Section::default_for(s.key.clone(), config);
            let mut assets = Vec::new();
            let links = BodyLinks::new(world, source_dir(&s.path), None, &section.path);
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
                section_cover(world, s, cover, &mut section, &mut assets, diags);
            }
            (s.key.clone(), (section, assets))
        })
        .collect()
}
