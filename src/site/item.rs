//! Making one published item: its Markdown rendered, its links and files
//! resolved against the content walk (never the disk), and, once its
//! 公示期 is over, withdrawn.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use super::links::{self, Asset, BodyLinks, PathError, World, source_dir};
use super::model::{FileRef, Item};
use crate::config::Config;
use crate::content::{Bundle, Entry, Kind};
use crate::diagnostic::Diagnostic;
use crate::markdown::Markdown;
use crate::time::Instant;
use crate::urlpath::{encode_path, percent_decode};

/// What making an item read besides its own source.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Reads {
    /// Hash of the site's URLs it resolved links against, if it did.
    pub(crate) urls: Option<u64>,
    /// Hash of the content files it looked at, if it did.
    pub(crate) files: Option<u64>,
}

/// Hashes of the world items may read: published URLs and folders, and
/// every non-Markdown file with its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Inputs {
    pub(crate) urls: u64,
    pub(crate) files: u64,
}

/// A file named in front matter: its reference, its asset if it is a file
/// of the site, and the image it publishes if it is one.
pub(super) type FileUse = (FileRef, Option<Asset>, Option<crate::images::ImageUse>);

/// An item made, the files it uses outside its bundle, and its problems.
pub(super) type Made = (Arc<Item>, Vec<Asset>, Vec<Diagnostic>);

/// What every item of one build is made with.
pub(super) struct ItemContext<'a> {
    pub(crate) world: &'a World<'a>,
    pub(crate) config: &'a Config,
    pub(crate) md: &'a Markdown,
    pub(crate) now: Instant,
    pub(crate) inputs: Inputs,
}

/// The 公示期 of an entry with its end computed when not written: `start` +
/// `disclosure.default_days` working days by the holiday calendar (with a
/// warning or an error when that cannot be exact).
pub(super) fn period(
    entry: &Entry,
    config: &Config,
) -> (Option<(Instant, Option<Instant>)>, Option<Diagnostic>) {
    match entry.period {
        None => (None, None),
        Some((start, Some(end))) => (Some((start, Some(end))), None),
        Some((start, None)) => {
            let (end, problem) = super::period::default_end(entry, start, config);
            (Some((start, end)), problem)
        }
    }
}

/// Whether a 公示 with `after_period: withdraw` has ended by `now`.
pub(super) fn is_withdrawn(entry: &Entry, config: &Config, now: Instant) -> bool {
    entry.kind == Kind::Disclosure
        && entry.meta.after_period == crate::content::frontmatter::AfterPeriod::Withdraw
        && period(entry, config)
            .0
            .is_some_and(|p| super::Stage::of(p, now) == super::Stage::Ended)
}

/// Makes the item of a published `entry` at URL path `path`; `guard`
/// runs the personal-data guard of public builds over it.
pub(super) fn make_item(
    cx: &ItemContext<'_>,
    entry: Arc<Entry>,
    path: String,
    key: u64,
    guard: bool,
) -> (Item, Vec<Asset>, Vec<Diagnostic>, Reads) {
    let mut entry = Arc::unwrap_or_clone(entry);
    let mut diags = Vec::new();
    let (period, problem) = period(&entry, cx.config);
    entry.period = period;
    diags.extend(problem);
    let dir = source_dir(&entry.path).to_path_buf();
    let mut links = BodyLinks::new(cx.world, &dir, entry.bundle.as_ref(), &path);
    links.keep_original = entry.meta.keep_original;
    let rendered = render_body(cx, &entry, &links, guard, &mut diags);
    // The source is no longer needed once rendered; keep memory linear in output only.
    entry.body = String::new();
    let read_urls = links.read_urls.get();
    let mut files = FileRefs {
        cx,
        entry: &entry,
        dir: &dir,
        path: &path,
        read_files: links.read_files.get() || entry.bundle.is_some(),
        reported: links.problems.take(),
        used: links.used.into_inner(),
        images: links.images.take(),
        diags,
    };
    let media = files.media();
    let FileRefs {
        read_files,
        reported,
        used,
        mut images,
        mut diags,
        ..
    } = files;
    images.iter_mut().for_each(|u| u.user = entry.path.clone());
    if let Some(b) = &entry.bundle {
        bundle_files(
            cx.world,
            &entry,
            b,
            &path,
            &reported,
            &mut images,
            &mut diags,
        );
    }
    let (reads, fingerprint) = reads(cx, key, read_urls || read_files, read_files);
    let reading_minutes = rendered.reading_minutes(cx.config.reading_speed);
    let item = Item {
        path,
        html: rendered.html,
        // A summary written in the front matter wins over the derived one.
        summary: (entry.meta.summary.clone())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(rendered.summary),
        toc: rendered.toc,
        reading_minutes,
        chars: rendered.cjk_chars + rendered.latin_words,
        cover: media.cover,
        attachments: media.attachments,
        audio: media.audio,
        video: media.video,
        images,
        withdrawn: false,
        fingerprint,
        entry,
    };
    if is_withdrawn(&item.entry, cx.config, cx.now) {
        return (withdraw(item), Vec::new(), diags, reads);
    }
    (item, used, diags, reads)
}

/// What the item read beyond its source (the site's URLs, the file
/// index), and its fingerprint: its source's `key` and those inputs.
fn reads(cx: &ItemContext<'_>, key: u64, urls: bool, files: bool) -> (Reads, u64) {
    let reads = Reads {
        urls: urls.then_some(cx.inputs.urls),
        files: files.then_some(cx.inputs.files),
    };
    let mut h = DefaultHasher::new();
    (key, reads.urls, reads.files).hash(&mut h);
    (reads, h.finish())
}

/// Renders the body with `links`, runs the personal-data guard when
/// asked and reports broken links.
fn render_body(
    cx: &ItemContext<'_>,
    entry: &Entry,
    links: &BodyLinks<'_>,
    guard: bool,
    diags: &mut Vec<Diagnostic>,
) -> crate::markdown::Rendered {
    let (rendered, errors) = cx.md.render(&entry.body, entry.body_line, links);
    if guard {
        guard_personal_data(entry, &rendered.html, diags);
        diags.extend(objections_contact(entry, cx.config));
    }
    for e in errors {
        diags.push(
            Diagnostic::error(&entry.path, e.message)
                .line(e.line)
                .field("正文链接")
                .hint(e.hint),
        );
    }
    rendered
}

/// The files an item's front matter names.
struct Media {
    cover: Option<FileRef>,
    attachments: Vec<FileRef>,
    audio: Option<FileRef>,
    video: Option<FileRef>,
}

/// A public 公示 must say where objections go (its `contact:`, or the
/// site's `disclosure.contact`): without it the page has no 意见反映 box.
fn objections_contact(entry: &Entry, config: &Config) -> Option<Diagnostic> {
    let written = |c: Option<&str>| c.is_some_and(|c| !c.trim().is_empty());
    let ok = entry.kind != Kind::Disclosure
        || written(entry.meta.contact.as_deref())
        || written(config.disclosure.contact.as_deref());
    (!ok).then(|| {
        entry
            .error("contact", "公示没有写意见反映方式：公开的公示必须说明对公示内容有异议时向谁、怎样反映")
            .hint("在本文件的 front matter 中写 contact: 县委组织部 0633-1234567；或在 site.yaml 的 disclosure: 下写 contact:，作为所有公示的默认值")
    })
}

/// The personal-data guard of public builds over the rendered body and,
/// unless the item is allowed to show personal data, its data table.
fn guard_personal_data(entry: &Entry, html: &str, diags: &mut Vec<Diagnostic>) {
    diags.extend(super::pii::guard(entry, html));
    let allowed = (entry.meta.allow_personal_info.as_deref()).is_some_and(|r| !r.trim().is_empty());
    if !allowed {
        diags.extend(super::tables::guard(entry));
    }
}

/// The files named in an item's front matter (cover, attachments, audio,
/// video), resolved through the gate, with what they use and any problem.
struct FileRefs<'a> {
    cx: &'a ItemContext<'a>,
    entry: &'a Entry,
    dir: &'a Path,
    path: &'a str,
    read_files: bool,
    /// Files already reported as problems (not reported again).
    reported: Vec<Option<std::path::PathBuf>>,
    used: Vec<Asset>,
    images: Vec<crate::images::ImageUse>,
    diags: Vec<Diagnostic>,
}

impl FileRefs<'_> {
    /// Resolves the cover, attachments, audio and video.
    fn media(&mut self) -> Media {
        let m = &self.entry.meta;
        Media {
            cover: m.cover.as_ref().and_then(|c| self.file("cover", c)),
            attachments: (m.attachments.iter().enumerate())
                .filter_map(|(i, a)| {
                    let f = self.file(&format!("attachments[{i}].path"), &a.path)?;
                    Some(FileRef {
                        title: a.title.clone().unwrap_or_else(|| f.name.clone()),
                        ..f
                    })
                })
                .collect(),
            audio: m.audio.as_ref().and_then(|a| self.file("audio", a)),
            video: m.video.as_ref().and_then(|v| self.file("video", v)),
        }
    }

    fn file(&mut self, field: &str, written: &str) -> Option<FileRef> {
        self.read_files = true;
        let entry = self.entry;
        let keep = entry.meta.keep_original || field.starts_with("attachments");
        let found = file_ref(
            self.cx.world,
            self.dir,
            entry.bundle.as_ref(),
            self.path,
            written,
            keep,
        );
        match found {
            Ok((file, asset, image)) => {
                self.used.extend(asset);
                self.images.extend(image.map(|u| crate::images::ImageUse {
                    user: entry.path.clone(),
                    field: field.to_string(),
                    line: entry.field_line(field),
                    ..u
                }));
                Some(file)
            }
            Err((msg, hint)) => {
                let at = links::join_inside(self.dir, &percent_decode(written)).ok();
                self.reported.push(at);
                self.diags.push(entry.error(field, msg).hint(hint));
                None
            }
        }
    }
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
    item.images.clear();
    item.entry.meta.persons.clear();
    item.entry.meta.meeting = None;
    item.entry.table = None;
    item.entry.meta.summary = None;
    item.withdrawn = true;
    item
}

/// Checks the files of an item's bundle (published with its page): no
/// active content, no image that cannot be published (unless its problem
/// was already reported where it is used); every processed image is
/// recorded, so it is published as variants even if no page shows it.
fn bundle_files(
    world: &World<'_>,
    entry: &Entry,
    b: &Bundle,
    path: &str,
    reported: &[Option<std::path::PathBuf>],
    images: &mut Vec<crate::images::ImageUse>,
    diags: &mut Vec<Diagnostic>,
) {
    for rel in &b.assets {
        let src = b.dir.join(rel);
        let Some(info) = world.files.get(&src) else {
            continue;
        };
        let shown = links::slash_path(rel);
        if info.active {
            let (msg, hint) = PathError::Active(src.clone()).message(&shown);
            diags.push(Diagnostic::error(&src, msg).hint(hint));
        }
        match info.raster {
            Some(p)
                if p.problem.is_some() && !reported.iter().any(|r| r.as_ref() == Some(&src)) =>
            {
                let (msg, hint) = crate::images::problem_message(&p, &shown);
                let hint = format!("{hint}（页面包中的文件随 {} 发布）", entry.path.display());
                diags.push(Diagnostic::error(&src, msg).hint(hint));
            }
            Some(p) if p.is_processed() => images.push(crate::images::ImageUse {
                source: src,
                out: format!("{path}{shown}"),
                keep: entry.meta.keep_original,
                probe: p,
                user: entry.path.clone(),
                field: String::new(),
                line: None,
            }),
            _ => {}
        }
    }
}

/// A file named in a source file of folder `dir` (of `bundle`, if a bundle)
/// for the page at `page_path`: its reference for templates and feeds, and
/// the asset when it is a file of the site (not a URL), and for a
/// published image what it publishes (its original too when `keep`).
/// Errors are a message and a hint.
pub(super) fn file_ref(
    world: &World<'_>,
    dir: &Path,
    bundle: Option<&Bundle>,
    page_path: &str,
    written: &str,
    keep: bool,
) -> Result<FileUse, (String, String)> {
    if links::is_external(written) {
        if let Some(scheme) = links::unsafe_scheme(written, true) {
            return Err((
                format!("不安全的网址 “{written}”：不能使用 {scheme}: 开头的网址"),
                "外部文件只能是 http:// 或 https:// 开头的网址".into(),
            ));
        }
        return Ok((FileRef::external(written), None, None));
    }
    let asset = world
        .resolve_asset(dir, bundle, written)
        .map_err(|e: PathError| e.message(written))?;
    let out = super::links::asset_output_path(page_path, &asset);
    let source = match (&asset, bundle) {
        (Asset::Bundle(rel), Some(b)) => Some(b.dir.join(rel)),
        (Asset::Loose(rel), _) => Some(rel.clone()),
        (Asset::Owned { .. }, _) => super::links::join_inside(dir, &percent_decode(written)).ok(),
        (Asset::Bundle(_), None) => None,
    };
    let info = source.as_ref().and_then(|s| world.files.get(s));
    let size = info.map_or(0, |i| i.size);
    let mut file = FileRef::local(
        format!("{}{}", world.base_path, encode_path(&out)),
        &out,
        size,
    );
    if let Some((w, h)) = info.and_then(|i| i.image) {
        file.width = Some(w);
        file.height = Some(h);
    }
    let image = match (info.and_then(|i| i.raster), source) {
        (Some(p), _) if p.problem.is_some() => {
            return Err(crate::images::problem_message(&p, written));
        }
        (Some(p), Some(source)) if p.is_processed() => {
            let r = crate::images::responsive(&out, &p, world.base_path);
            file.width = Some(r.width as usize);
            file.height = Some(r.height as usize);
            file.src = r.src;
            file.srcset = r.srcset;
            file.webp_srcset = r.webp_srcset;
            if !keep {
                // The original is not published: its largest variant is.
                file.url = r.largest;
                file.size = 0;
                file.size_label = String::new();
            }
            Some(crate::images::ImageUse {
                source,
                out,
                keep,
                probe: p,
                user: Default::default(),
                field: String::new(),
                line: None,
            })
        }
        _ => None,
    };
    Ok((file, Some(asset), image))
}
