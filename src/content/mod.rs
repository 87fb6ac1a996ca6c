//! The content of a site: the only reader of `content/`.
//!
//! [`load`] walks the folder, classifies each file by where it lies, and
//! parses front matter in parallel. It decides nothing about publication.

mod cache;
mod entry;
pub mod frontmatter;
mod load;
pub(crate) mod slug;
pub(crate) mod table;

use std::path::PathBuf;

use serde::Serialize;

pub use cache::ParseCache;
pub use frontmatter::{FrontMatter, Scope, SectionFrontMatter};
pub use load::{is_ignored, load, load_cached};

use crate::diagnostic::Diagnostic;
use crate::time::Instant;

/// The folder under the site root that holds Markdown sources.
pub(crate) const CONTENT_DIR: &str = "content";

/// What an item is, decided by the folder it lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 党建动态 (`content/news/`).
    News,
    /// 通知公告 (`content/notices/`).
    Notice,
    /// 学习园地 (`content/lessons/`), in courses.
    Lesson,
    /// 党务公开/公示 (`content/disclosures/`).
    Disclosure,
    /// A standalone page (`content/pages/`).
    Page,
}

impl Kind {
    pub(crate) const ALL: [Kind; 5] = [
        Kind::News,
        Kind::Notice,
        Kind::Lesson,
        Kind::Disclosure,
        Kind::Page,
    ];

    /// The folder under `content/` and the first URL segment.
    pub(crate) fn dir(self) -> &'static str {
        match self {
            Kind::News => "news",
            Kind::Notice => "notices",
            Kind::Lesson => "lessons",
            Kind::Disclosure => "disclosure",
            Kind::Page => "pages",
        }
    }

    pub(crate) fn from_dir(dir: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.dir() == dir)
    }

    /// The Chinese name editors know the kind by.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::News => "党建动态",
            Kind::Notice => "通知公告",
            Kind::Lesson => "学习园地",
            Kind::Disclosure => "党务公开",
            Kind::Page => "页面",
        }
    }
}

/// The fixed 党务公开 categories: URL key and Chinese name.
pub(crate) const CATEGORIES: &[(&str, &str)] = &[
    ("dues", "党费收缴"),
    ("membership", "发展党员"),
    ("evaluation", "民主评议"),
    ("meetings", "组织生活"),
    ("election", "换届选举"),
    ("decisions", "决议决定"),
    ("finance", "财务公开"),
    ("other", "其他"),
];

/// The category key for a name written either in Chinese or as the key.
pub(crate) fn category_key(name: &str) -> Option<&'static str> {
    let name = name.trim();
    CATEGORIES
        .iter()
        .find(|(k, zh)| *k == name || *zh == name)
        .map(|(k, _)| *k)
}

pub(crate) fn category_label(key: &str) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, zh)| *zh)
        .unwrap_or("其他")
}

/// A page bundle: `index.md` with files beside it.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The bundle folder, relative to the site root.
    pub(crate) dir: PathBuf,
    /// Every other file of the bundle, relative to `dir`, sorted.
    pub(crate) assets: Vec<PathBuf>,
}

/// One parsed content file, before any publication decision.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Source file, relative to the site root (`content/news/a.md`).
    pub(crate) path: PathBuf,
    pub(crate) kind: Kind,
    /// The course folder name, for lessons.
    pub(crate) course: Option<String>,
    pub(crate) bundle: Option<Bundle>,
    pub(crate) slug: String,
    pub(crate) title: String,
    pub(crate) date: Option<Instant>,
    pub(crate) updated: Option<Instant>,
    pub(crate) expires: Option<Instant>,
    pub(crate) period: Option<(Instant, Option<Instant>)>,
    pub(crate) category: Option<&'static str>,
    pub(crate) meta: FrontMatter,
    /// The raw YAML block and its first file line, to locate fields later.
    pub(crate) yaml: String,
    pub(crate) yaml_line: usize,
    pub(crate) body: String,
    pub(crate) body_line: usize,
    /// The table of the data file named by `data:`, already masked.
    pub(crate) table: Option<std::sync::Arc<table::Table>>,
    /// A hash of the file's text, bundle files and data file: equal
    /// hashes, equal entries.
    pub(crate) source_hash: u64,
}

impl Entry {
    /// The file line where the field at `path` (`cover`,
    /// `attachments[1].path`) is written, if it is.
    pub(crate) fn field_line(&self, path: &str) -> Option<usize> {
        frontmatter::field_line(&self.yaml, self.yaml_line, path)
    }

    /// An error about this entry's field at `field` (a path such as
    /// `attachments[1].path` points at that entry), located at its line (or
    /// at the front matter's first line when the field is not written).
    pub fn error(&self, field: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(&self.path, message)
            .line(self.field_line(field).unwrap_or(1))
            .field(field)
    }
}

/// Which listing an `_index.md` describes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum SectionKey {
    Home,
    Kind(Kind),
    Course(String),
}

/// An `_index.md`: title, description and intro text of a listing.
#[derive(Debug, Clone)]
pub(crate) struct SectionSource {
    pub(crate) path: PathBuf,
    pub(crate) key: SectionKey,
    pub(crate) meta: SectionFrontMatter,
    /// The raw YAML block (it starts on line 2), to locate fields.
    pub(crate) yaml: String,
    pub(crate) body: String,
    pub(crate) body_line: usize,
}

/// What the walk recorded of a file that is not Markdown: enough for the
/// model to decide everything without touching the disk again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileInfo {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, where the file system gives one.
    pub modified: Option<std::time::SystemTime>,
    /// Pixel size as shown (EXIF orientation applied), for raster and
    /// vector images whose header could be read.
    pub image: Option<(usize, usize)>,
    /// What the header of a raster image says (format, stored size,
    /// orientation, problems), for files named as raster images.
    pub raster: Option<crate::images::probe::Probe>,
    /// Whether a browser would run it as part of the site: a web page, a
    /// script, or an SVG with scripts or event handlers.
    pub active: bool,
}

/// File types a browser runs with the site's rights when served from it.
const ACTIVE_TYPES: &[&str] = &[
    "html", "htm", "xhtml", "xht", "shtml", "mht", "mhtml", "js", "mjs", "xml", "xsl", "xslt",
    "svgz", "swf", "php", "asp", "aspx", "jsp", "wasm",
];

/// Whether the file at `path` (its name, and for SVG its text) would run
/// as active content on the site's origin.
pub(crate) fn is_active(path: &std::path::Path, read: impl FnOnce() -> Option<Vec<u8>>) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ACTIVE_TYPES.contains(&ext.as_str()) {
        return true;
    }
    if ext != "svg" {
        return false;
    }
    let Some(bytes) = read() else { return true };
    let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
    let handler = text
        .split(|c: char| c.is_whitespace() || c == '/')
        .any(|w| {
            w.strip_prefix("on")
                .and_then(|r| r.split_once('='))
                .is_some_and(|(name, _)| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic())
                })
        });
    handler
        || [
            "<script",
            "javascript:",
            "<foreignobject",
            "<iframe",
            "<embed",
            "<object",
            "data:text/html",
            "<!entity",
        ]
        .iter()
        .any(|p| text.contains(p))
}

/// Every file under `content/` that a page may use (not Markdown, not
/// hidden or an editor's temporary file, not a symbolic link), by path
/// relative to the site root. A path not in here does not exist for the
/// model, whatever the disk says.
pub(crate) type FileIndex = std::collections::BTreeMap<PathBuf, FileInfo>;

/// Whether a file name is one of the image types whose size pages show.
pub(crate) fn is_image(path: &std::path::Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "png" | "jpg" | "jpeg" | "gif" | "webp" | "svg" | "bmp" | "avif"
        )
    })
}

/// Everything found under `content/`.
#[derive(Debug, Default)]
pub struct Content {
    /// Items, sorted by source path.
    pub(crate) entries: Vec<std::sync::Arc<Entry>>,
    pub(crate) sections: Vec<SectionSource>,
    /// Course folders under `lessons/`, sorted.
    pub(crate) courses: Vec<String>,
    /// Files under `content/` that belong to no bundle, relative to the root.
    pub(crate) loose_files: Vec<PathBuf>,
    /// Every non-Markdown file under `content/` with its size and time.
    pub(crate) files: FileIndex,
    /// Every Markdown source under `content/` (sources are never output).
    pub(crate) markdown: std::collections::BTreeSet<PathBuf>,
}
