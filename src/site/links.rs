//! Paths and links written in content: resolved against the source file,
//! checked to stay inside `content/`, and turned into site URLs.

use std::cell::RefCell;
use std::path::{Component, Path, PathBuf};

use crate::content::{Bundle, CONTENT_DIR, Kind};
use crate::markdown::{LinkResolver, LinkTarget};

/// Why a written path could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// It leads outside `content/`.
    Escapes,
    /// Nothing (or not a plain file) is there.
    Missing(PathBuf),
}

impl PathError {
    pub fn message(&self, written: &str) -> (String, String) {
        match self {
            PathError::Escapes => (
                format!("路径 “{written}” 指向站点内容文件夹之外"),
                "只能引用 content/ 文件夹中的文件".into(),
            ),
            PathError::Missing(p) => (
                format!("找不到文件 “{written}”（{}）", p.display()),
                "检查文件名和路径是否写对；路径相对于这篇文章所在的文件夹".into(),
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
}

/// The folder a source file's relative paths start from, relative to the root.
pub fn source_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(CONTENT_DIR))
}

/// Lexically joins `written` onto `dir` (both relative to the root),
/// refusing to leave `content/`.
pub fn join_inside(dir: &Path, written: &str) -> Result<PathBuf, PathError> {
    let mut parts: Vec<&std::ffi::OsStr> = dir.iter().collect();
    for c in Path::new(written).components() {
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

/// Resolves a file path written in a file of folder `dir` (front matter or
/// body) to an asset; `bundle` is the file's bundle, if it is one.
pub fn resolve_asset(
    root: &Path,
    dir: &Path,
    bundle: Option<&Bundle>,
    written: &str,
) -> Result<Asset, PathError> {
    let rel = join_inside(dir, &percent_decode(written))?;
    let is_file = std::fs::symlink_metadata(root.join(&rel)).is_ok_and(|m| m.is_file());
    if !is_file {
        return Err(PathError::Missing(rel));
    }
    match bundle {
        Some(b) if rel.starts_with(&b.dir) => Ok(Asset::Bundle(
            rel.strip_prefix(&b.dir).unwrap_or(&rel).to_path_buf(),
        )),
        _ => Ok(Asset::Loose(rel)),
    }
}

/// The output path (relative, `/`-separated) of an asset of the item at `item_path`.
pub fn asset_output_path(item_path: &str, asset: &Asset) -> String {
    match asset {
        Asset::Bundle(rel) => format!("{item_path}{}", slash_path(rel)),
        Asset::Loose(rel) => slash_path(rel.strip_prefix(CONTENT_DIR).unwrap_or(rel)),
    }
}

pub fn slash_path(p: &Path) -> String {
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
pub fn is_external(dest: &str) -> bool {
    dest.starts_with("//")
        || dest.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && !scheme.contains('/')
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

/// Percent-encodes a URL path, keeping `/` and unreserved characters.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(v) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Resolves the links of one Markdown body.
pub struct BodyLinks<'a> {
    pub root: &'a Path,
    /// The source file's folder, relative to the root.
    pub dir: &'a Path,
    pub bundle: Option<&'a Bundle>,
    /// Source path → URL path of every entry; `None` when not published.
    pub urls: &'a rustc_hash::FxHashMap<PathBuf, Option<String>>,
    pub base_path: &'a str,
    pub item_path: &'a str,
    /// Files outside the bundle that the body uses, to be copied.
    pub used: RefCell<Vec<Asset>>,
    /// Whether a link was resolved against other items' URLs or folders.
    pub read_urls: std::cell::Cell<bool>,
    /// Whether a link looked at a file.
    pub read_files: std::cell::Cell<bool>,
}

impl LinkResolver for BodyLinks<'_> {
    fn image_size(&self, dest: &str) -> Option<(usize, usize)> {
        if dest.is_empty() || dest.starts_with('/') || is_external(dest) {
            return None;
        }
        let path = dest.split(['#', '?']).next()?;
        let src = match (
            resolve_asset(self.root, self.dir, self.bundle, path).ok()?,
            self.bundle,
        ) {
            (Asset::Bundle(rel), Some(b)) => b.dir.join(rel),
            (Asset::Bundle(rel), None) | (Asset::Loose(rel), _) => rel,
        };
        let d = imagesize::size(self.root.join(src)).ok()?;
        Some((d.width, d.height))
    }

    fn resolve(&self, dest: &str, is_image: bool) -> LinkTarget {
        if dest.is_empty() || dest.starts_with('#') || is_external(dest) {
            return LinkTarget::Keep;
        }
        if let Some(rest) = dest.strip_prefix('/') {
            return if self.base_path == "/" {
                LinkTarget::Keep
            } else {
                LinkTarget::Rewrite(format!("{}{rest}", self.base_path))
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
        if path.ends_with(".md") && !is_image {
            self.read_urls.set(true);
            self.read_files.set(true);
            let target = match join_inside(self.dir, &percent_decode(path)) {
                Ok(t) => t,
                Err(e) => return error(e),
            };
            if let Some(section) = section_path(&target).filter(|_| {
                // A listing exists whenever its folder does, `_index.md` or not.
                target.parent().is_some_and(|d| self.root.join(d).is_dir())
            }) {
                return LinkTarget::Rewrite(format!("{}{section}{fragment}", self.base_path));
            }
            return match self.urls.get(&target) {
                Some(Some(url)) => LinkTarget::Rewrite(format!("{}{url}{fragment}", self.base_path)),
                Some(None) => LinkTarget::Unlink,
                // The file exists but could not be read; its own error says why.
                None if self.root.join(&target).is_file() => LinkTarget::Unlink,
                None => LinkTarget::Error {
                    message: format!("链接的文章 “{path}” 不存在"),
                    hint: "检查文件名；链接写成相对于本文的路径，例如 ../notices/2026-11-01-tongzhi.md".into(),
                },
            };
        }
        self.read_files.set(true);
        match resolve_asset(self.root, self.dir, self.bundle, path) {
            Ok(Asset::Bundle(_)) => LinkTarget::Keep,
            Ok(asset) => {
                let out = asset_output_path(self.item_path, &asset);
                self.used.borrow_mut().push(asset);
                LinkTarget::Rewrite(format!("{}{}{fragment}", self.base_path, encode_path(&out)))
            }
            Err(e) => error(e),
        }
    }
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

    #[test]
    fn encodes_and_decodes_paths() {
        assert_eq!(
            encode_path("news/a b/附件.pdf"),
            "news/a%20b/%E9%99%84%E4%BB%B6.pdf"
        );
        assert_eq!(percent_decode("%E9%99%84%E4%BB%B6.pdf"), "附件.pdf");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
