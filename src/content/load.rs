//! Walking `content/` and parsing every file in parallel.

use std::collections::{BTreeSet, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use chrono_tz::Tz;
use rayon::prelude::*;
use walkdir::WalkDir;

use super::frontmatter;
use super::{
    Bundle, CONTENT_DIR, Content, Entry, FileIndex, FileInfo, Kind, SectionKey, SectionSource,
    category_key, is_image, slug,
};
use crate::diagnostic::{Diagnostic, unknown_name_hint};
use crate::time;

/// A Markdown file and where it belongs, before parsing.
enum Source {
    Item {
        path: PathBuf,
        kind: Kind,
        course: Option<String>,
        bundle: Option<PathBuf>,
    },
    Section {
        path: PathBuf,
        key: SectionKey,
    },
}

/// Whether a file is an editor's temporary or backup file, or hidden.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || [".swp", ".swx", ".tmp", ".bak"]
            .iter()
            .any(|e| name.ends_with(e))
}

/// Parsed files kept between loads (`serve`): a file is parsed again only
/// when its size, modification time or bundle changed, or when it is named
/// as changed (a save within the clock's resolution keeps the same time).
///
/// When the caller reports every change (a file watcher does), a load
/// after edits of existing files only skips the walk and the other files'
/// metadata too ([`ParseCache::trust_reports`]).
#[derive(Default)]
pub struct ParseCache {
    files: rustc_hash::FxHashMap<PathBuf, CachedParse>,
    /// Files named as changed since the last load.
    changed: HashSet<PathBuf>,
    /// Whether every change is reported through [`ParseCache::touch`].
    trusted: bool,
    /// The files found by the last walk, if the last load finished.
    walked: Option<Vec<PathBuf>>,
    /// What the last load recorded of each non-Markdown file.
    index: FileIndex,
}

struct CachedParse {
    stamp: Stamp,
    /// The bundle's asset list and the time zone, which the parse also reads.
    inputs: u64,
    result: Result<ParsedFile, Vec<Diagnostic>>,
}

/// Size and modification time of a file.
type Stamp = (u64, Option<SystemTime>);

impl ParseCache {
    /// Marks a file (relative to the root) as changed: it is read again.
    pub fn touch(&mut self, rel: PathBuf) {
        self.changed.insert(rel);
    }

    /// Declares that every change will be reported through
    /// [`ParseCache::touch`] (or the whole `content` folder touched when
    /// that is not sure), so unchanged files need not even be looked at.
    pub fn trust_reports(&mut self) {
        self.trusted = true;
    }

    /// The last walk's files, if it is still valid: nothing was created or
    /// removed under content/ since (only existing files changed).
    fn still_walked(&self, root: &Path) -> Option<Vec<PathBuf>> {
        let walked = self.walked.as_ref().filter(|_| self.trusted)?;
        let same = self.changed.iter().all(|p| {
            !p.starts_with(CONTENT_DIR)
                || (root.join(p).is_file() && walked.binary_search(p).is_ok())
        });
        same.then(|| walked.clone())
    }

    /// The cached parse of an unchanged file, without looking at it.
    fn unchanged(
        &self,
        rel: &Path,
        inputs: u64,
    ) -> Option<(Stamp, Result<ParsedFile, Vec<Diagnostic>>)> {
        if !self.trusted || self.changed.contains(rel) {
            return None;
        }
        let c = self.files.get(rel).filter(|c| c.inputs == inputs)?;
        Some((c.stamp, c.result.clone()))
    }

    fn lookup(
        &self,
        rel: &Path,
        stamp: Stamp,
        inputs: u64,
    ) -> Option<Result<ParsedFile, Vec<Diagnostic>>> {
        let c = self.files.get(rel)?;
        (c.stamp == stamp && c.inputs == inputs && !self.changed.contains(rel))
            .then(|| c.result.clone())
    }
}

/// Reads every file under `root/content`, returning the parsed content and
/// every problem found (all of them, not just the first).
pub fn load(root: &Path, tz: Tz) -> (Content, Vec<Diagnostic>) {
    load_cached(root, tz, &mut ParseCache::default())
}

/// [`load`], reusing what `cache` holds of unchanged files and keeping
/// what it parses for the next call.
pub fn load_cached(root: &Path, tz: Tz, cache: &mut ParseCache) -> (Content, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let content_dir = root.join(CONTENT_DIR);
    if !content_dir.is_dir() {
        diags.push(
            Diagnostic::error(CONTENT_DIR, "找不到内容文件夹")
                .hint("在站点根目录创建 content/ 文件夹，或用 --root 指定站点目录"),
        );
        return (Content::default(), diags);
    }
    let still = cache.still_walked(root);
    let fast = still.is_some();
    let files = match still {
        Some(files) => files,
        None => {
            let files = walk(root, &content_dir, &mut diags);
            let mut sorted = files.clone();
            sorted.sort();
            cache.walked = diags.is_empty().then_some(sorted);
            files
        }
    };
    let bundle_dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "index.md"))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    let mut sources = Vec::new();
    let mut assets: Vec<PathBuf> = Vec::new();
    let mut markdown = BTreeSet::new();
    for rel in files {
        if rel.extension().is_some_and(|e| e == "md") {
            markdown.insert(rel.clone());
            match classify(&rel, &bundle_dirs) {
                Ok(s) => sources.push(s),
                Err(d) => diags.push(d),
            }
        } else {
            assets.push(rel);
        }
    }
    let courses = course_folders(&sources);
    for course in &courses {
        let has_index = sources.iter().any(
            |s| matches!(s, Source::Section { key: SectionKey::Course(c), .. } if c == course),
        );
        if !has_index {
            diags.push(
                Diagnostic::error(
                    format!("{CONTENT_DIR}/lessons/{course}"),
                    "课程文件夹缺少 _index.md",
                )
                .hint("在课程文件夹中新建 _index.md，写明 title（课程名称）和 description"),
            );
        }
    }
    assets.sort();
    let files_index = index_files(root, &assets, cache, fast);
    let tz_name = tz.name();
    let data_stamps = super::table::stamps(root, &assets);
    let shared: &ParseCache = cache;
    // (file, stamp, other inputs, result, whether parsed now)
    type Outcome = (
        PathBuf,
        Stamp,
        u64,
        Result<ParsedFile, Vec<Diagnostic>>,
        bool,
    );
    let parsed: Vec<Outcome> = sources
        .into_par_iter()
        .map(|s| {
            let rel = s.path().to_path_buf();
            let mut h = std::hash::DefaultHasher::new();
            tz_name.hash(&mut h);
            if let Source::Item {
                bundle: Some(dir), ..
            } = &s
            {
                bundle_assets(dir, &bundle_dirs, &assets).hash(&mut h);
            }
            super::table::hash_beside(&data_stamps, &rel, &mut h);
            let inputs = h.finish();
            if fast && let Some((stamp, r)) = shared.unchanged(&rel, inputs) {
                return (rel, stamp, inputs, r, false);
            }
            let stamp = std::fs::metadata(root.join(&rel))
                .map(|m| (m.len(), m.modified().ok()))
                .unwrap_or((0, None));
            match shared.lookup(&rel, stamp, inputs) {
                Some(r) => (rel, stamp, inputs, r, false),
                None => {
                    let r = parse_source(root, s, &bundle_dirs, &assets, tz);
                    (rel, stamp, inputs, r, true)
                }
            }
        })
        .collect();
    cache.changed.clear();
    let mut added = false;
    for (rel, stamp, inputs, result, fresh) in &parsed {
        if *fresh {
            let entry = CachedParse {
                stamp: *stamp,
                inputs: *inputs,
                result: result.clone(),
            };
            added |= cache.files.insert(rel.clone(), entry).is_none();
        }
    }
    // Forget files that are gone (only possible if the set changed).
    if added || cache.files.len() != parsed.len() {
        let seen: rustc_hash::FxHashSet<&PathBuf> = parsed.iter().map(|p| &p.0).collect();
        cache.files.retain(|p, _| seen.contains(p));
    }
    let parsed = parsed.into_iter().map(|(_, _, _, r, _)| r);
    let mut content = Content {
        courses,
        files: files_index,
        markdown,
        ..Content::default()
    };
    for p in parsed {
        match p {
            Ok(ParsedFile::Entry(e)) => content.entries.push(e),
            Ok(ParsedFile::Section(s)) => content.sections.push(*s),
            Err(d) => diags.extend(d),
        }
    }
    content.loose_files = assets
        .into_iter()
        .filter(|a| !bundle_dirs.iter().any(|b| a.starts_with(b)))
        .collect();
    (content, diags)
}

/// Size, time and (for images) pixel size of every non-Markdown file. A
/// file is looked at again only when the cache cannot vouch for it: on a
/// trusted fast path only the files reported as changed, otherwise every
/// file's metadata, with image headers read again only when size or time
/// changed.
fn index_files(root: &Path, assets: &[PathBuf], cache: &mut ParseCache, fast: bool) -> FileIndex {
    let look = |rel: &PathBuf, old: Option<&FileInfo>| -> Option<FileInfo> {
        let meta = std::fs::symlink_metadata(root.join(rel)).ok()?;
        if !meta.is_file() {
            return None;
        }
        let (size, modified) = (meta.len(), meta.modified().ok());
        let image = match old {
            Some(o) if o.size == size && o.modified == modified => o.image,
            _ if is_image(rel) => imagesize::size(root.join(rel))
                .ok()
                .map(|d| (d.width, d.height)),
            _ => None,
        };
        let active = match old {
            Some(o) if o.size == size && o.modified == modified => o.active,
            _ => super::is_active(rel, || std::fs::read(root.join(rel)).ok()),
        };
        Some(FileInfo {
            size,
            modified,
            image,
            active,
        })
    };
    let index: FileIndex = if fast {
        let mut index = cache.index.clone();
        for rel in &cache.changed {
            match assets.binary_search(rel).ok().and_then(|_| look(rel, None)) {
                Some(info) => index.insert(rel.clone(), info),
                None => index.remove(rel),
            };
        }
        index
    } else {
        let old = &cache.index;
        assets
            .par_iter()
            .filter_map(|rel| look(rel, old.get(rel)).map(|info| (rel.clone(), info)))
            .collect()
    };
    cache.index = index.clone();
    index
}

fn walk(root: &Path, content_dir: &Path, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let walker = WalkDir::new(content_dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(&e.file_name().to_string_lossy()));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(e.path())
                    .to_path_buf();
                files.push(rel);
            }
            Ok(e) if e.path_is_symlink() => diags.push(
                Diagnostic::error(
                    e.path().strip_prefix(root).unwrap_or(e.path()),
                    "内容文件夹中不能使用符号链接",
                )
                .hint("请把文件直接复制到 content/ 中"),
            ),
            Ok(_) => {}
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf());
                diags.push(Diagnostic::error(
                    path.unwrap_or_else(|| CONTENT_DIR.into()),
                    format!("无法读取（{e}）"),
                ));
            }
        }
    }
    files
}

fn classify(rel: &Path, bundle_dirs: &BTreeSet<PathBuf>) -> Result<Source, Diagnostic> {
    let parts: Vec<String> = rel
        .iter()
        .skip(1)
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let name = parts.last().map(String::as_str).unwrap_or_default();
    let path = rel.to_path_buf();
    if parts.len() == 1 {
        return if name == "_index.md" {
            Ok(Source::Section {
                path,
                key: SectionKey::Home,
            })
        } else {
            Err(Diagnostic::error(rel, "内容文件必须放在栏目文件夹中").hint(
                "放到 news/（党建动态）、notices/（通知公告）、lessons/<课程>/（学习园地）、disclosure/（党务公开）或 pages/（独立页面）中",
            ))
        };
    }
    let dirs: Vec<&str> = Kind::ALL.iter().map(|k| k.dir()).collect();
    let kind = Kind::from_dir(&parts[0]).ok_or_else(|| {
        Diagnostic::error(rel, format!("未知的栏目文件夹 “{}”", parts[0]))
            .hint(unknown_name_hint(&parts[0], &dirs))
    })?;
    let in_bundle = bundle_dirs.iter().any(|b| {
        rel.parent().is_some_and(|p| p.starts_with(b) && p != b)
            || (rel.parent() == Some(b) && name != "index.md")
    });
    if in_bundle {
        return Err(Diagnostic::error(
            rel,
            "页面包（含 index.md 的文件夹）中不能再放其他 Markdown 文件",
        )
        .hint("把这个文件移到栏目文件夹中，或改为其他格式的附件"));
    }
    let course = (kind == Kind::Lesson).then(|| parts[1].clone());
    if name == "_index.md" {
        let key = match (kind, parts.len()) {
            (_, 2) => SectionKey::Kind(kind),
            (Kind::Lesson, 3) => SectionKey::Course(parts[1].clone()),
            _ => {
                return Err(Diagnostic::error(rel, "这个位置不能放 _index.md")
                    .hint("_index.md 只能放在栏目文件夹或课程文件夹中"));
            }
        };
        return Ok(Source::Section { path, key });
    }
    if kind == Kind::Lesson && parts.len() < 3 {
        return Err(Diagnostic::error(rel, "课程内容必须放在课程文件夹中")
            .hint("放到 lessons/<课程编号>/ 中，例如 lessons/ershida/"));
    }
    if let Some(c) = &course
        && !slug::is_valid(c)
    {
        return Err(
            Diagnostic::error(rel, format!("课程文件夹名 “{c}” 不能用作网址"))
                .hint("课程文件夹名只能包含小写字母、数字、- 和 _，例如 ershida"),
        );
    }
    let bundle = (name == "index.md").then(|| rel.parent().unwrap_or(rel).to_path_buf());
    Ok(Source::Item {
        path,
        kind,
        course,
        bundle,
    })
}

fn course_folders(sources: &[Source]) -> Vec<String> {
    let set: BTreeSet<String> = sources
        .iter()
        .filter_map(|s| match s {
            Source::Item {
                course: Some(c), ..
            } => Some(c.clone()),
            Source::Section {
                key: SectionKey::Course(c),
                ..
            } => Some(c.clone()),
            _ => None,
        })
        .collect();
    set.into_iter().collect()
}

/// A content file once parsed: an item, or a section's `_index.md`.
#[derive(Clone)]
enum ParsedFile {
    Entry(Arc<Entry>),
    Section(Box<SectionSource>),
}

impl Source {
    fn path(&self) -> &Path {
        match self {
            Source::Item { path, .. } | Source::Section { path, .. } => path,
        }
    }
}

/// The files of the bundle at `dir`, relative to it.
fn bundle_assets(dir: &Path, bundle_dirs: &BTreeSet<PathBuf>, assets: &[PathBuf]) -> Vec<PathBuf> {
    if !bundle_dirs.contains(dir) {
        return Vec::new();
    }
    assets
        .iter()
        .filter_map(|a| a.strip_prefix(dir).ok().map(Path::to_path_buf))
        .collect()
}

fn read(root: &Path, rel: &Path) -> Result<String, Vec<Diagnostic>> {
    let bytes = std::fs::read(root.join(rel)).map_err(|e| {
        vec![Diagnostic::error(
            rel,
            format!("无法读取文件：{}", crate::diagnostic::io_reason(&e)),
        )]
    })?;
    crate::diagnostic::utf8_text(rel, bytes).map_err(|d| vec![d])
}

fn parse_source(
    root: &Path,
    source: Source,
    bundle_dirs: &BTreeSet<PathBuf>,
    assets: &[PathBuf],
    tz: Tz,
) -> Result<ParsedFile, Vec<Diagnostic>> {
    match source {
        Source::Section { path, key } => {
            let text = read(root, &path)?;
            let p = frontmatter::parse_section(&path, &text)?;
            Ok(ParsedFile::Section(Box::new(SectionSource {
                key,
                meta: p.meta,
                yaml: p.yaml.to_string(),
                body: p.body.to_string(),
                body_line: p.body_line,
                path,
            })))
        }
        Source::Item {
            path,
            kind,
            course,
            bundle,
        } => {
            let text = read(root, &path)?;
            let p = frontmatter::parse_item(&path, &text, kind)?;
            let bundle = bundle
                .filter(|b| bundle_dirs.contains(b))
                .map(|dir| Bundle {
                    assets: bundle_assets(&dir, bundle_dirs, assets),
                    dir,
                });
            let mut e = build_entry(path, kind, course, bundle, p, tz)?;
            super::table::attach(root, &mut e)?;
            let mut h = std::hash::DefaultHasher::new();
            text.hash(&mut h);
            e.bundle.as_ref().map(|b| &b.assets).hash(&mut h);
            e.table.as_ref().map(|t| t.hash).hash(&mut h);
            e.source_hash = h.finish();
            Ok(ParsedFile::Entry(Arc::new(e)))
        }
    }
}

/// Where a field named in a diagnostic is written in the front matter.
fn field_path(field: &str) -> &str {
    match field {
        "start" => "period.start",
        "end" => "period.end",
        "held_at" => "meeting.held_at",
        "expected" => "meeting.expected",
        "present" => "meeting.present",
        other => other,
    }
}

/// How many entries a list field may have: beyond these, one file could
/// make a build write hundreds of megabytes (each tag and alias is a page).
const LIST_LIMITS: &[(&str, usize)] = &[
    ("tags", 30),
    ("aliases", 20),
    ("attachments", 100),
    ("persons", 2000),
    ("quiz", 100),
    ("objectives", 50),
];

fn list_len(meta: &frontmatter::FrontMatter, field: &str) -> usize {
    match field {
        "tags" => meta.tags.len(),
        "aliases" => meta.aliases.len(),
        "attachments" => meta.attachments.len(),
        "persons" => meta.persons.len(),
        "quiz" => meta.quiz.len(),
        "objectives" => meta.objectives.len(),
        _ => 0,
    }
}

fn build_entry(
    path: PathBuf,
    kind: Kind,
    course: Option<String>,
    bundle: Option<Bundle>,
    p: frontmatter::Parsed<'_, frontmatter::FrontMatter>,
    tz: Tz,
) -> Result<Entry, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let err = |field: &str, msg: String, hint: &str| {
        Diagnostic::error(&path, msg)
            .at_line(p.field_line(field_path(field)).or(Some(p.yaml_line)))
            .field(field)
            .hint(hint.to_string())
    };
    let meta = p.meta.clone();
    for &(field, max) in LIST_LIMITS {
        let n = list_len(&meta, field);
        if n > max {
            diags.push(err(
                field,
                format!("{field} 写了 {n} 项，最多 {max} 项"),
                "请精简；确有需要时拆成几篇",
            ));
        }
    }
    let title = meta.title.clone().unwrap_or_default().trim().to_string();
    if title.is_empty() {
        diags.push(err("title", "缺少标题".into(), "加上一行 title: 文章标题"));
    }
    let mut date_field = |field: &str, at: &str, value: Option<&String>| {
        let v = value?;
        let parse = if matches!(field, "end" | "expires") {
            time::parse_end
        } else {
            time::parse
        };
        let parsed = parse(v, tz);
        if parsed.is_none() {
            let (msg, hint) = time::explain_bad_date(v);
            diags.push(
                Diagnostic::error(&path, msg)
                    .at_line(p.field_line(at).or(Some(p.yaml_line)))
                    .field(field)
                    .hint(hint),
            );
        }
        parsed
    };
    let date = date_field("date", "date", meta.date.as_ref());
    let updated = date_field("updated", "updated", meta.updated.as_ref());
    let expires = date_field("expires", "expires", meta.expires.as_ref());
    let period = meta.period.as_ref().and_then(|per| {
        let start = date_field("start", "period.start", Some(&per.start))?;
        Some((start, date_field("end", "period.end", per.end.as_ref())))
    });
    if let Some(held) = meta.meeting.as_ref().and_then(|m| m.held_at.as_ref()) {
        date_field("held_at", "meeting.held_at", Some(held));
    }
    if let Some((start, Some(end))) = period
        && end < start
    {
        diags.push(err(
            "end",
            "公示结束时间早于开始时间".into(),
            "检查 period 的 start 和 end 是否写反",
        ));
    }
    if let Some(m) = &meta.meeting
        && let (Some(expected), Some(present)) = (m.expected, m.present)
        && present > expected
    {
        diags.push(err(
            "present",
            format!("实到人数 {present} 多于应到人数 {expected}"),
            "检查 meeting 的 expected 和 present",
        ));
    }
    if date.is_none() && meta.date.is_none() && kind != Kind::Page {
        diags.push(err(
            "date",
            "缺少发布日期".into(),
            "加上一行 date: 2026-11-20 09:30",
        ));
    }
    let category = match meta.category.as_deref() {
        None => None,
        Some(c) => {
            let key = category_key(c);
            if key.is_none() {
                let names: Vec<&str> = super::CATEGORIES.iter().map(|(_, zh)| *zh).collect();
                diags.push(err(
                    "category",
                    format!("未知的公开类别 “{c}”"),
                    &unknown_name_hint(c, &names),
                ));
            }
            key
        }
    };
    let stem = match &bundle {
        Some(b) => b.dir.file_name(),
        None => path.file_stem(),
    }
    .map(|s| s.to_string_lossy().into_owned())
    .unwrap_or_default();
    let slug = match &meta.slug {
        Some(s) if slug::is_valid(s) => s.clone(),
        Some(s) => {
            diags.push(err(
                "slug",
                format!("网址别名 “{s}” 不可用"),
                &format!(
                    "只能包含小写字母、数字、- 和 _，例如 {}",
                    slug::derive(s, s)
                ),
            ));
            String::new()
        }
        None => slug::derive(&stem, &title),
    };
    if slug.is_empty() && meta.slug.is_none() && !title.is_empty() {
        diags.push(err(
            "slug",
            "无法从文件名或标题生成网址".into(),
            "请加上一行 slug: 英文或拼音网址",
        ));
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(Entry {
        kind,
        course,
        bundle,
        slug,
        title,
        date,
        updated,
        expires,
        period,
        category: category.or((kind == Kind::Disclosure).then_some("other")),
        meta,
        yaml: p.yaml.to_string(),
        yaml_line: p.yaml_line,
        body: p.body.to_string(),
        body_line: p.body_line,
        table: None,
        source_hash: 0,
        path,
    })
}
