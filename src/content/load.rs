//! Walking `content/` and parsing every file in parallel.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono_tz::Tz;
use rayon::prelude::*;
use walkdir::WalkDir;

use super::cache::{CachedParse, ParseCache, Stamp, index_files};
use super::entry::build_entry;
use super::frontmatter;
use super::{Bundle, CONTENT_DIR, Content, Entry, Kind, SectionKey, SectionSource, slug};
use crate::diagnostic::{Diagnostic, unknown_name_hint};

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
    let sorted = Sorted::of(files, &bundle_dirs, &mut diags);
    let courses = course_folders(&sorted.sources);
    check_course_indexes(&courses, &sorted.sources, &mut diags);
    let files_index = index_files(root, &sorted.assets, cache, fast);
    let parsed = parse_all(
        root,
        tz,
        cache,
        fast,
        sorted.sources,
        &bundle_dirs,
        &sorted.assets,
    );
    remember(cache, &parsed);
    let mut content = Content {
        courses,
        files: files_index,
        markdown: sorted.markdown,
        ..Content::default()
    };
    for (_, _, _, p, _) in parsed {
        match p {
            Ok(ParsedFile::Entry(e)) => content.entries.push(e),
            Ok(ParsedFile::Section(s)) => content.sections.push(*s),
            Err(d) => diags.extend(d),
        }
    }
    content.loose_files = sorted
        .assets
        .into_iter()
        .filter(|a| !bundle_dirs.iter().any(|b| a.starts_with(b)))
        .collect();
    (content, diags)
}

/// The walked files sorted out: Markdown to parse (classified), and
/// every other file (sorted).
struct Sorted {
    sources: Vec<Source>,
    assets: Vec<PathBuf>,
    markdown: BTreeSet<PathBuf>,
}

impl Sorted {
    fn of(
        files: Vec<PathBuf>,
        bundle_dirs: &BTreeSet<PathBuf>,
        diags: &mut Vec<Diagnostic>,
    ) -> Sorted {
        let mut sorted = Sorted {
            sources: Vec::new(),
            assets: Vec::new(),
            markdown: BTreeSet::new(),
        };
        for rel in files {
            if rel.extension().is_some_and(|e| e == "md") {
                sorted.markdown.insert(rel.clone());
                match classify(&rel, bundle_dirs) {
                    Ok(s) => sorted.sources.push(s),
                    Err(d) => diags.push(d),
                }
            } else {
                sorted.assets.push(rel);
            }
        }
        sorted.assets.sort();
        sorted
    }
}

/// Every course folder needs its `_index.md`.
fn check_course_indexes(courses: &[String], sources: &[Source], diags: &mut Vec<Diagnostic>) {
    for course in courses {
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
}

/// A file's parse: (file, stamp, other inputs, result, whether parsed now).
type Outcome = (
    PathBuf,
    Stamp,
    u64,
    Result<ParsedFile, Vec<Diagnostic>>,
    bool,
);

/// Parses every source in parallel, or takes its parse from the cache
/// when the file and what its parse reads (bundle, zone, data files
/// beside it) are unchanged.
fn parse_all(
    root: &Path,
    tz: Tz,
    cache: &ParseCache,
    fast: bool,
    sources: Vec<Source>,
    bundle_dirs: &BTreeSet<PathBuf>,
    assets: &[PathBuf],
) -> Vec<Outcome> {
    let tz_name = tz.name();
    let data_stamps = super::table::stamps(root, assets);
    sources
        .into_par_iter()
        .map(|s| {
            let rel = s.path().to_path_buf();
            let mut h = std::hash::DefaultHasher::new();
            tz_name.hash(&mut h);
            if let Source::Item {
                bundle: Some(dir), ..
            } = &s
            {
                bundle_assets(dir, bundle_dirs, assets).hash(&mut h);
            }
            super::table::hash_beside(&data_stamps, &rel, &mut h);
            let inputs = h.finish();
            if fast && let Some((stamp, r)) = cache.unchanged(&rel, inputs) {
                return (rel, stamp, inputs, r, false);
            }
            let stamp = std::fs::metadata(root.join(&rel))
                .map(|m| (m.len(), m.modified().ok()))
                .unwrap_or((0, None));
            match cache.lookup(&rel, stamp, inputs) {
                Some(r) => (rel, stamp, inputs, r, false),
                None => {
                    let r = parse_source(root, s, bundle_dirs, assets, tz);
                    (rel, stamp, inputs, r, true)
                }
            }
        })
        .collect()
}

/// Keeps the fresh parses for the next load and forgets removed files.
fn remember(cache: &mut ParseCache, parsed: &[Outcome]) {
    cache.changed.clear();
    let mut added = false;
    for (rel, stamp, inputs, result, fresh) in parsed {
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
pub(super) enum ParsedFile {
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
