//! Paths and links written in content: resolved against the source file,
//! checked to stay inside `content/`, and turned into site URLs.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use crate::content::{Bundle, CONTENT_DIR, FileIndex, Kind};
use crate::markdown::{LinkResolver, LinkTarget};
use crate::urlpath::{encode_path, percent_decode};

/// Why a written path could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// It leads outside `content/`.
    Escapes,
    /// Nothing (or not a plain file) is there.
    Missing(PathBuf),
    /// It is a Markdown source, which is never published as a file.
    Source(PathBuf),
    /// It belongs to an item that this build does not publish.
    Unpublished(PathBuf),
    /// A browser would run it on the site: a web page, a script, or an SVG
    /// with scripts.
    Active(PathBuf),
    /// A `data:` file of a 党务公开 table: shown as a masked table, never
    /// published as it is.
    DataFile(PathBuf),
}

impl PathError {
    pub(crate) fn message(&self, written: &str) -> (String, String) {
        match self {
            PathError::Escapes => (
                format!("路径 “{written}” 指向站点内容文件夹之外"),
                "只能引用 content/ 文件夹中的文件".into(),
            ),
            PathError::Missing(p) => (
                format!("找不到文件 “{written}”（{}）", p.display()),
                "检查文件名和路径是否写对；路径相对于这篇文章所在的文件夹（隐藏文件、临时文件和符号链接不会发布）".into(),
            ),
            PathError::Source(p) => (
                format!("“{written}” 是 Markdown 源文件（{}），不能作为图片或附件发布", p.display()),
                "要链接另一篇文章，请写成链接 [标题](文章.md)，不要写成图片或附件".into(),
            ),
            PathError::Active(p) => (
                format!("不能发布 “{written}”（{}）：网页、脚本或含脚本的 SVG 会在本站的网址下运行", p.display()),
                "请改为 PDF 或图片；SVG 请删除其中的 <script> 和 on… 事件属性".into(),
            ),
            PathError::DataFile(p) => (
                format!(
                    "数据文件 “{}” 已作为表格公开，不能再作为附件、图片或链接发布",
                    p.file_name().unwrap_or_default().to_string_lossy()
                ),
                "原始文件可能含有未打码的个人信息或其他工作表；如需提供下载，请另存一份只含公开内容的文件，用另一个文件名".into(),
            ),
            PathError::Unpublished(p) => (
                format!("文件 “{written}” 属于未发布的内容（{}）", p.display()),
                "草稿、定时发布、范围更窄或已撤下的内容，其文件不能被其他文章引用；请把文件复制到本文的文件夹".into(),
            ),
        }
    }
}

/// Where a file used by an item comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Asset {
    /// Inside the item's own bundle (relative to the bundle folder).
    Bundle(PathBuf),
    /// Anywhere else under `content/` (relative to the site root).
    Loose(PathBuf),
    /// Inside another item's bundle, published with that item at `url`
    /// (its page's URL path) as `file` (relative to the bundle folder).
    Owned {
        /// The owner's page URL path.
        url: String,
        /// The file, relative to the bundle folder.
        file: PathBuf,
    },
}

/// Where a published entry's page is, and whether its bundle files are
/// published with it (a withdrawn 公示's are not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    /// The page's URL path.
    pub url: String,
    /// A withdrawn 公示: its page stays, its files do not.
    pub withdrawn: bool,
}

/// Source path → its route, for every entry; `None` when not published.
pub type Routes = rustc_hash::FxHashMap<PathBuf, Option<Route>>;

/// What links are resolved against: the files the content walk found,
/// every Markdown source, every bundle's owner and what is published.
/// Nothing here touches the disk.
pub struct World<'a> {
    /// Every file the walk found that is not Markdown.
    pub files: &'a FileIndex,
    /// Every Markdown source.
    pub markdown: &'a BTreeSet<PathBuf>,
    /// Bundle folder → the source of its `index.md`.
    pub bundles: &'a BTreeMap<PathBuf, PathBuf>,
    /// Every entry's route, `None` when not published.
    pub routes: &'a Routes,
    /// Courses with at least one published lesson.
    pub courses: &'a BTreeSet<String>,
    /// Files read as 党务公开 tables (`data:`), never published as files.
    pub data_files: &'a rustc_hash::FxHashSet<PathBuf>,
    /// The path of `base_url` (e.g. `/dangjian/`), prefixed to URLs.
    pub base_path: &'a str,
}

/// The folder a source file's relative paths start from, relative to the root.
pub(crate) fn source_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(CONTENT_DIR))
}

/// Lexically joins `written` onto `dir` (both relative to the root),
/// refusing to leave `content/`.
pub fn join_inside(dir: &Path, written: &str) -> Result<PathBuf, PathError> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in dir.components().chain(Path::new(written).components()) {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.len() <= 1 {
                    return Err(PathError::Escapes);
                }
                parts.pop();
            }
            Component::Normal(p) => parts.push(p),
            Component::RootDir | Component::Prefix(_) => return Err(PathError::Escapes),
        }
    }
    if parts.first().is_none_or(|p| *p != CONTENT_DIR) || parts.len() < 2 {
        return Err(PathError::Escapes);
    }
    Ok(parts.iter().collect())
}

impl World<'_> {
    /// Resolves a file path written in a file of folder `dir` (front matter
    /// or body) to an asset; `bundle` is the file's bundle, if it is one.
    /// Only files the walk found count; Markdown sources are never assets;
    /// a file of another item's bundle goes through that item's gate.
    pub(crate) fn resolve_asset(
        &self,
        dir: &Path,
        bundle: Option<&Bundle>,
        written: &str,
    ) -> Result<Asset, PathError> {
        let rel = join_inside(dir, &percent_decode(written))?;
        if self.markdown.contains(&rel) {
            return Err(PathError::Source(rel));
        }
        match self.files.get(&rel) {
            None => return Err(PathError::Missing(rel)),
            Some(info) if info.active => return Err(PathError::Active(rel)),
            Some(_) if self.data_files.contains(&rel) => return Err(PathError::DataFile(rel)),
            Some(_) => {}
        }
        if let Some(b) = bundle
            && let Ok(inside) = rel.strip_prefix(&b.dir)
        {
            return Ok(Asset::Bundle(inside.to_path_buf()));
        }
        let owner = rel
            .ancestors()
            .skip(1)
            .find_map(|d| self.bundles.get(d).map(|src| (d, src)));
        match owner {
            None => Ok(Asset::Loose(rel)),
            Some((dir, src)) => match self.routes.get(src) {
                Some(Some(route)) if !route.withdrawn => Ok(Asset::Owned {
                    url: route.url.clone(),
                    file: rel.strip_prefix(dir).unwrap_or(&rel).to_path_buf(),
                }),
                _ => Err(PathError::Unpublished(src.clone())),
            },
        }
    }

    /// Whether a folder holds anything the walk found.
    fn has_dir(&self, dir: &Path) -> bool {
        let under = |set: &mut dyn Iterator<Item = &PathBuf>| {
            set.next().is_some_and(|p| p.starts_with(dir))
        };
        under(&mut self.markdown.range(dir.to_path_buf()..))
            || under(&mut self.files.range(dir.to_path_buf()..).map(|(p, _)| p))
    }
}

/// The output path (relative, `/`-separated) of an asset of the item at `item_path`.
pub(crate) fn asset_output_path(item_path: &str, asset: &Asset) -> String {
    match asset {
        Asset::Bundle(rel) => format!("{item_path}{}", slash_path(rel)),
        Asset::Loose(rel) => slash_path(rel.strip_prefix(CONTENT_DIR).unwrap_or(rel)),
        Asset::Owned { url, file } => format!("{url}{}", slash_path(file)),
    }
}

pub(crate) fn slash_path(p: &Path) -> String {
    p.iter()
        .map(|c| c.to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The listing URL path of an `_index.md` (`content/news/_index.md` → `news/`).
fn section_path(target: &Path) -> Option<String> {
    if target.file_name()? != "_index.md" {
        return None;
    }
    let dir = target.parent()?.strip_prefix(CONTENT_DIR).ok()?;
    let parts: Vec<_> = dir.iter().map(|c| c.to_string_lossy()).collect();
    let listing = match parts.as_slice() {
        [] => true,
        [kind] => Kind::from_dir(kind).is_some_and(|k| k != Kind::Page),
        [lessons, _course] => lessons == "lessons",
        _ => false,
    };
    if !listing {
        return None;
    }
    let dir = slash_path(dir);
    Some(if dir.is_empty() {
        dir
    } else {
        format!("{dir}/")
    })
}

/// Whether a link destination is a URL rather than a path in the site.
pub(crate) fn is_external(dest: &str) -> bool {
    dest.starts_with("//")
        || dest.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && !scheme.contains('/')
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

/// Resolves the links of one Markdown body.
pub struct BodyLinks<'a> {
    pub(crate) world: &'a World<'a>,
    /// The source file's folder, relative to the root.
    pub(crate) dir: &'a Path,
    pub(crate) bundle: Option<&'a Bundle>,
    pub(crate) item_path: &'a str,
    /// Files outside the bundle that the body uses, to be copied.
    pub used: RefCell<Vec<Asset>>,
    /// Whether a link was resolved against other items' URLs or folders.
    pub(crate) read_urls: std::cell::Cell<bool>,
    /// Whether a link looked at a file.
    pub(crate) read_files: std::cell::Cell<bool>,
    /// The item publishes its original images too (`keep_original`).
    pub(crate) keep_original: bool,
    /// Images the body uses (their `user` is filled in by the caller).
    pub(crate) images: RefCell<Vec<crate::images::ImageUse>>,
    /// Image files whose problem a link error already reported.
    pub(crate) problems: RefCell<Vec<Option<PathBuf>>>,
}

impl<'a> BodyLinks<'a> {
    /// The links of the item at `item_path`, written in `dir` (its bundle, if any).
    pub fn new(
        world: &'a World<'a>,
        dir: &'a Path,
        bundle: Option<&'a Bundle>,
        item_path: &'a str,
    ) -> Self {
        BodyLinks {
            world,
            dir,
            bundle,
            item_path,
            used: RefCell::new(Vec::new()),
            read_urls: std::cell::Cell::new(false),
            read_files: std::cell::Cell::new(false),
            keep_original: false,
            images: RefCell::new(Vec::new()),
            problems: RefCell::new(Vec::new()),
        }
    }

    /// The processed image at the written `path`, if it is one: its
    /// source, output path and header.
    fn processed(&self, path: &str) -> Option<(Asset, PathBuf, crate::images::probe::Probe)> {
        let asset = self.world.resolve_asset(self.dir, self.bundle, path).ok()?;
        let source = match &asset {
            Asset::Bundle(rel) => self.bundle?.dir.join(rel),
            Asset::Loose(rel) => rel.clone(),
            Asset::Owned { .. } => join_inside(self.dir, &percent_decode(path)).ok()?,
        };
        let probe = self.world.files.get(&source)?.raster?;
        Some((asset, source, probe))
    }

    /// What a link or image to a raster image becomes: an error for a file
    /// that cannot be published, a variant for a processed image (the
    /// original when linked from an item that keeps originals).
    fn image_target(&self, path: &str, is_image: bool) -> Option<LinkTarget> {
        let (asset, source, probe) = self.processed(path)?;
        if probe.problem.is_some() {
            self.problems.borrow_mut().push(Some(source));
            let (message, hint) = crate::images::problem_message(&probe, path);
            return Some(LinkTarget::Error { message, hint });
        }
        if !probe.is_processed() {
            return None;
        }
        let out = asset_output_path(self.item_path, &asset);
        let base = self.world.base_path;
        let r = crate::images::responsive(&out, &probe, base);
        let original = format!("{base}{}", encode_path(&out));
        if matches!(asset, Asset::Loose(_)) {
            self.used.borrow_mut().push(asset);
        }
        self.images.borrow_mut().push(crate::images::ImageUse {
            source,
            out,
            keep: self.keep_original,
            probe,
            user: PathBuf::new(),
            field: if is_image {
                "正文图片"
            } else {
                "正文链接"
            }
            .into(),
            line: None,
        });
        Some(LinkTarget::Rewrite(match (is_image, self.keep_original) {
            (true, _) => r.src,
            (false, true) => original,
            (false, false) => r.largest,
        }))
    }

    fn local_image(&self, dest: &str) -> Option<(Asset, PathBuf, crate::images::probe::Probe)> {
        if dest.is_empty() || dest.starts_with('/') || is_external(dest) {
            return None;
        }
        self.processed(dest.split(['#', '?']).next()?)
    }

    /// A link to another Markdown source: its page, its listing, or no
    /// link at all when it is not published.
    fn article(&self, target: PathBuf, path: &str, fragment: &str) -> LinkTarget {
        let w = self.world;
        let base = w.base_path;
        if let Some(section) = section_path(&target)
            && target.parent().is_some_and(|d| w.has_dir(d))
        {
            // A course is published only with a published lesson.
            let course = section.strip_prefix("lessons/").filter(|c| !c.is_empty());
            if course.is_some_and(|c| !w.courses.contains(c.trim_end_matches('/'))) {
                return LinkTarget::Unlink;
            }
            return LinkTarget::Rewrite(format!("{base}{section}{fragment}"));
        }
        match w.routes.get(&target) {
            Some(Some(route)) => LinkTarget::Rewrite(format!("{base}{}{fragment}", route.url)),
            Some(None) => LinkTarget::Unlink,
            // The file exists but could not be read; its own error says why.
            None if w.markdown.contains(&target) => LinkTarget::Unlink,
            None => LinkTarget::Error {
                message: format!("链接的文章 “{path}” 不存在"),
                hint: "检查文件名；链接写成相对于本文的路径，例如 ../notices/2026-11-01-tongzhi.md"
                    .into(),
            },
        }
    }
}

impl LinkResolver for BodyLinks<'_> {
    fn image_srcset(&self, dest: &str) -> Option<String> {
        let (asset, _, probe) = self
            .local_image(dest)
            .filter(|(_, _, p)| p.is_processed())?;
        let out = asset_output_path(self.item_path, &asset);
        Some(crate::images::responsive(&out, &probe, self.world.base_path).srcset)
    }

    fn image_webp_srcset(&self, dest: &str) -> Option<String> {
        let (asset, _, probe) = self
            .local_image(dest)
            .filter(|(_, _, p)| p.is_processed())?;
        let out = asset_output_path(self.item_path, &asset);
        let r = crate::images::responsive(&out, &probe, self.world.base_path);
        Some(r.webp_srcset).filter(|s| !s.is_empty())
    }

    fn image_size(&self, dest: &str) -> Option<(usize, usize)> {
        if let Some((asset, _, probe)) = self.local_image(dest).filter(|(_, _, p)| p.is_processed())
        {
            let out = asset_output_path(self.item_path, &asset);
            let r = crate::images::responsive(&out, &probe, self.world.base_path);
            return Some((r.width as usize, r.height as usize));
        }
        if dest.is_empty() || dest.starts_with('/') || is_external(dest) {
            return None;
        }
        let path = dest.split(['#', '?']).next()?;
        let rel = join_inside(self.dir, &percent_decode(path)).ok()?;
        self.world.files.get(&rel)?.image
    }

    fn resolve(&self, dest: &str, is_image: bool) -> LinkTarget {
        if dest.is_empty() || dest.starts_with('#') {
            return LinkTarget::Keep;
        }
        if is_external(dest) {
            return match unsafe_scheme(dest, is_image) {
                None => LinkTarget::Keep,
                Some(scheme) => LinkTarget::Error {
                    message: format!(
                        "不安全的链接 “{}”：不能使用 {scheme}: 开头的网址",
                        short(dest)
                    ),
                    hint: "链接只能是 http://、https://、mailto: 或 tel: 开头的网址，或站内文件"
                        .into(),
                },
            };
        }
        if let Some(rest) = dest.strip_prefix('/') {
            return if self.world.base_path == "/" {
                LinkTarget::Keep
            } else {
                LinkTarget::Rewrite(format!("{}{rest}", self.world.base_path))
            };
        }
        let (path, fragment) = match dest.find(['#', '?']) {
            Some(i) => dest.split_at(i),
            None => (dest, ""),
        };
        let error = |e: PathError| {
            let (message, hint) = e.message(path);
            LinkTarget::Error { message, hint }
        };
        let target = match join_inside(self.dir, &percent_decode(path)) {
            Ok(t) => t,
            Err(e) => return error(e),
        };
        let is_source = self.world.markdown.contains(&target)
            || target
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("md"));
        if is_source && !is_image {
            self.read_urls.set(true);
            self.read_files.set(true);
            return self.article(target, path, fragment);
        }
        self.read_files.set(true);
        self.read_urls.set(true);
        if let Some(target) = self.image_target(path, is_image) {
            return target;
        }
        match self.world.resolve_asset(self.dir, self.bundle, path) {
            Ok(Asset::Bundle(_)) => LinkTarget::Keep,
            Ok(asset @ Asset::Owned { .. }) => LinkTarget::Rewrite(format!(
                "{}{}{fragment}",
                self.world.base_path,
                encode_path(&asset_output_path(self.item_path, &asset))
            )),
            Ok(asset) => {
                let out = asset_output_path(self.item_path, &asset);
                self.used.borrow_mut().push(asset);
                LinkTarget::Rewrite(format!(
                    "{}{}{fragment}",
                    self.world.base_path,
                    encode_path(&out)
                ))
            }
            // Another item's file, not published by this build: like a
            // link to that item, the reference goes and its text stays.
            Err(PathError::Unpublished(_)) => LinkTarget::Unlink,
            Err(e) => error(e),
        }
    }
}

/// The scheme of `dest` when a page must not carry it: scripts and data
/// URLs in links, anything but the web's own schemes in images.
pub(crate) fn unsafe_scheme(dest: &str, is_image: bool) -> Option<String> {
    if dest.starts_with("//") {
        return None;
    }
    let scheme: String = dest
        .split(':')
        .next()?
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let allowed: &[&str] = if is_image {
        &["http", "https"]
    } else {
        &["http", "https", "mailto", "tel", "sms", "ftp"]
    };
    (!allowed.contains(&scheme.as_str())).then_some(scheme)
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_stays_inside_content() {
        let dir = Path::new("content/news");
        assert_eq!(
            join_inside(dir, "a.jpg").unwrap(),
            PathBuf::from("content/news/a.jpg")
        );
        assert_eq!(
            join_inside(dir, "../notices/./b.md").unwrap(),
            PathBuf::from("content/notices/b.md")
        );
        assert_eq!(join_inside(dir, "../../site.yaml"), Err(PathError::Escapes));
        assert_eq!(
            join_inside(dir, "../../../etc/passwd"),
            Err(PathError::Escapes)
        );
        assert_eq!(join_inside(dir, "/etc/passwd"), Err(PathError::Escapes));
    }

    #[test]
    fn section_links() {
        assert_eq!(
            section_path(Path::new("content/news/_index.md")).as_deref(),
            Some("news/")
        );
        assert_eq!(
            section_path(Path::new("content/lessons/ershida/_index.md")).as_deref(),
            Some("lessons/ershida/")
        );
        assert_eq!(
            section_path(Path::new("content/_index.md")).as_deref(),
            Some("")
        );
        assert_eq!(section_path(Path::new("content/news/a.md")), None);
        assert_eq!(
            section_path(Path::new("content/news/bundle/_index.md")),
            None
        );
        assert_eq!(section_path(Path::new("content/pages/_index.md")), None);
    }

    #[test]
    fn external_links() {
        assert!(is_external("https://example.org"));
        assert!(is_external("mailto:a@b.c"));
        assert!(is_external("//cdn.example.org/x"));
        assert!(!is_external("../a.md"));
        assert!(!is_external("img/a:b.png"));
    }
}
