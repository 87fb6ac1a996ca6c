//! Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, each section,
//! 党务公开 category, branch, tag and course, plus course podcasts.
//!
//! Each item's feed entry (absolute HTML, enclosures, dates) is computed
//! once and shared by every feed that carries it.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use url::Url;

mod formats;

use formats::{atom, json, rss};

use super::jobs::ItemRef;
use crate::content::{Kind, category_label};
use crate::diagnostic::Diagnostic;
use crate::html::escape as html_escape;
use crate::output::{Data, OutputFile};
use crate::site::{FileRef, Item, Site};
use crate::time::{Instant, format_date_zh};

/// An enclosure: a file offered with an item.
#[derive(Debug, Clone)]
pub(crate) struct Enclosure {
    pub(crate) url: String,
    pub(crate) length: u64,
    pub(crate) mime: String,
    pub(crate) title: String,
}

/// One item as every feed shows it.
#[derive(Debug, Clone)]
pub(crate) struct FeedEntry {
    pub(crate) permalink: String,
    pub(crate) title: String,
    /// Absolute HTML: full content (or the summary) with the kind's details.
    pub(crate) html: String,
    pub(crate) summary: String,
    pub(crate) author: String,
    pub(crate) categories: Vec<String>,
    pub(crate) published: Instant,
    pub(crate) updated: Instant,
    pub(crate) enclosures: Vec<Enclosure>,
    pub(crate) audio: Option<Enclosure>,
    pub(crate) order: Option<u32>,
    pub(crate) duration: Option<u32>,
}

/// A feed: where it lives and which items it carries, newest first.
/// Everything its files are made from besides the site-wide settings, so
/// its fingerprint is the hash of it.
#[derive(Debug, Clone, Hash)]
pub(crate) struct FeedSpec {
    /// Listing path (`""`, `news/`, `branches/dongcun/`…); files go beside it.
    pub(crate) path: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) items: Vec<ItemRef>,
    /// Course id, when the feed is a course's (it may also get a podcast).
    pub(crate) course: Option<String>,
    /// The date of an empty feed: the site's newest item's, never the clock's.
    fallback: Instant,
}

impl FeedSpec {
    /// A hash of everything the feed's files are made from.
    pub(crate) fn fingerprint(&self, global: u64) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        (global, self).hash(&mut h);
        h.finish()
    }
}

/// The feed a page links for autodiscovery and the /feeds/ page lists.
#[derive(Debug, Clone, Serialize, Hash)]
pub(crate) struct FeedLinks {
    pub(crate) title: String,
    pub(crate) rss: String,
    pub(crate) atom: String,
    pub(crate) json: String,
    pub(crate) podcast: Option<String>,
    /// Every format with its absolute URL, for subscribing: `[{label, url}]`.
    pub(crate) formats: Vec<FeedFormat>,
}

/// One format of a feed, with its absolute URL.
#[derive(Debug, Clone, Serialize, Hash)]
pub(crate) struct FeedFormat {
    /// RSS, Atom, JSON, 音频
    pub(crate) label: &'static str,
    pub(crate) url: String,
}

/// Every feed of the site, in a stable order.
pub(crate) fn specs(site: &Site) -> Vec<FeedSpec> {
    let make = SpecMaker {
        site,
        fallback: (site.items.iter().filter_map(|i| i.entry.date).max()).unwrap_or_default(),
    };
    let title = |t: &str| format!("{t} - {}", site.config.title);
    let all: Vec<usize> = (0..site.items.len()).collect();
    let (config, no_course) = (&site.config, None);
    let mut out = vec![make.spec(
        String::new(),
        config.title.clone(),
        &config.description,
        &all,
        no_course,
    )];
    for (kind, section) in &site.sections {
        let list = site.by_kind.get(kind).map_or(&[][..], Vec::as_slice);
        let t = title(&section.title);
        out.push(make.spec(
            section.path.clone(),
            t,
            &section.description,
            list,
            no_course,
        ));
    }
    for (key, list) in &site.categories {
        let t = title(&format!("党务公开·{}", category_label(key)));
        out.push(make.spec(format!("disclosure/{key}/"), t, "", list, no_course));
    }
    for b in &site.branches {
        let path = format!("branches/{}/", b.id);
        out.push(make.spec(path, title(&b.name), "", &b.all, no_course));
    }
    for t in &site.tags {
        let name = title(&format!("标签：{}", t.name));
        out.push(make.spec(format!("tags/{}/", t.slug), name, "", &t.items, no_course));
    }
    for c in &site.courses {
        let s = &c.section;
        let t = title(&s.title);
        out.push(make.spec(s.path.clone(), t, &s.description, &c.lessons, Some(&c.id)));
    }
    out
}

/// Makes feed specs of one site.
struct SpecMaker<'a> {
    site: &'a Site,
    /// The date of a feed with no items: the newest item's.
    fallback: Instant,
}

impl SpecMaker<'_> {
    fn spec(
        &self,
        path: String,
        title: String,
        description: &str,
        list: &[usize],
        course: Option<&str>,
    ) -> FeedSpec {
        FeedSpec {
            path,
            title,
            description: description.to_string(),
            items: self.feedable(list),
            course: course.map(str::to_string),
            fallback: self.fallback,
        }
    }

    /// The newest `feeds.limit` items of a listing, pages left out.
    fn feedable(&self, list: &[usize]) -> Vec<ItemRef> {
        let site = self.site;
        let mut v: Vec<usize> = list
            .iter()
            .copied()
            .filter(|&i| site.items[i].entry.kind != Kind::Page)
            .collect();
        v.sort_unstable(); // `items` is newest first
        v.truncate(site.config.feeds.limit);
        v.into_iter().map(|i| ItemRef::new(site, i)).collect()
    }
}

/// Whether a course feed also gets a podcast (some lesson has audio).
fn has_podcast(site: &Site, spec: &FeedSpec) -> bool {
    spec.course.is_some()
        && spec
            .items
            .iter()
            .any(|r| site.items[r.index].audio.is_some())
}

/// The feed URLs of a listing path (root-relative).
pub(crate) fn links(site: &Site, spec: &FeedSpec) -> FeedLinks {
    let name = |file: &str| format!("{}{file}", spec.path);
    let podcast = has_podcast(site, spec).then(|| name("podcast.xml"));
    let mut formats: Vec<FeedFormat> = [
        ("RSS", "feed.xml"),
        ("Atom", "atom.xml"),
        ("JSON", "feed.json"),
    ]
    .into_iter()
    .map(|(label, file)| FeedFormat {
        label,
        url: site.permalink(&name(file)),
    })
    .collect();
    if let Some(p) = &podcast {
        formats.push(FeedFormat {
            label: "音频",
            url: site.permalink(p),
        });
    }
    FeedLinks {
        title: spec.title.clone(),
        rss: site.url(&name("feed.xml")),
        atom: site.url(&name("atom.xml")),
        json: site.url(&name("feed.json")),
        podcast: podcast.map(|p| site.url(&p)),
        formats,
    }
}

/// The shared entries of every item some feed carries (`None` for the rest),
/// indexed like `site.items`.
pub(crate) fn entries(
    site: &Site,
    specs: &[&FeedSpec],
) -> Result<Vec<Option<FeedEntry>>, Vec<Diagnostic>> {
    let mut wanted = vec![false; site.items.len()];
    for spec in specs {
        for r in &spec.items {
            wanted[r.index] = true;
        }
    }
    let results: Vec<Option<Result<FeedEntry, Vec<Diagnostic>>>> = site
        .items
        .par_iter()
        .zip(wanted)
        .map(|(item, w)| w.then(|| entry(site, item)))
        .collect();
    let mut diags = Vec::new();
    let out = results
        .into_iter()
        .map(|r| match r {
            Some(Ok(e)) => Some(e),
            Some(Err(d)) => {
                diags.extend(d);
                None
            }
            None => None,
        })
        .collect();
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// The files of one feed (three formats, plus a podcast for courses with audio).
pub(crate) fn files(
    site: &Site,
    spec: &FeedSpec,
    entries: &[Option<FeedEntry>],
) -> Vec<OutputFile> {
    let es: Vec<&FeedEntry> = spec
        .items
        .iter()
        .filter_map(|r| entries[r.index].as_ref())
        .collect();
    let updated = es.iter().map(|e| e.updated).max().unwrap_or(spec.fallback);
    let mut files = vec![
        xml(
            format!("{}feed.xml", spec.path),
            rss(site, spec, &es, updated, false),
        ),
        xml(
            format!("{}atom.xml", spec.path),
            atom(site, spec, &es, updated),
        ),
        xml(format!("{}feed.json", spec.path), json(site, spec, &es)),
    ];
    if has_podcast(site, spec) {
        let episodes: Vec<&FeedEntry> = es.iter().copied().filter(|e| e.audio.is_some()).collect();
        files.push(xml(
            format!("{}podcast.xml", spec.path),
            rss(site, spec, &episodes, updated, true),
        ));
    }
    files
}

fn xml(path: String, text: String) -> OutputFile {
    OutputFile::other(path, Data::Bytes(text.into_bytes()), None)
}

/// The shared feed entry of one item.
fn entry(site: &Site, item: &Item) -> Result<FeedEntry, Vec<Diagnostic>> {
    let e = &item.entry;
    let permalink = site.permalink(&item.path);
    let base = Url::parse(&permalink).map_err(|err| {
        vec![
            Diagnostic::error(&e.path, format!("无法生成网址 “{permalink}”（{err}）"))
                .field("slug"),
        ]
    })?;
    let mut diags = Vec::new();
    let enclosures: Vec<Enclosure> = item
        .attachments
        .iter()
        .filter_map(|a| enclosure(item, &base, a, "attachments", &mut diags))
        .collect();
    let audio = (item.audio.as_ref()).and_then(|a| enclosure(item, &base, a, "audio", &mut diags));
    let body = body_html(site, item, &base)?;
    if !diags.is_empty() {
        return Err(diags);
    }
    let details = details(site, item, &enclosures);
    let published = e.date.unwrap_or_default();
    let branch = e.meta.branch.as_deref().and_then(|id| site.branch(id));
    let mut categories: Vec<String> = e.meta.tags.iter().map(|t| t.trim().to_string()).collect();
    categories.extend(branch.map(|b| b.name.clone()));
    Ok(FeedEntry {
        permalink,
        title: e.title.clone(),
        html: format!("{details}{body}"),
        summary: item.summary.clone(),
        author: e
            .meta
            .author
            .clone()
            .or_else(|| branch.map(|b| b.name.clone()))
            .unwrap_or_else(|| site.config.title.clone()),
        categories,
        published,
        updated: e.updated.unwrap_or(published),
        enclosures,
        audio,
        order: e.meta.order,
        duration: e.meta.duration,
    })
}

/// A file as a feed enclosure: absolute URL, size and type (a file whose
/// type cannot be told is an error, not a guess).
fn enclosure(
    item: &Item,
    base: &Url,
    f: &FileRef,
    field: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Enclosure> {
    let e = &item.entry;
    let url = match base.join(&f.url) {
        Ok(u) => u.to_string(),
        Err(err) => {
            diags.push(e.error(field, format!("地址 “{}” 无效（{err}）", f.url)));
            return None;
        }
    };
    let mime = mime_guess::from_path(&f.name)
        .first()
        .map(|m| m.essence_str().to_string());
    if mime.is_none() && !f.external {
        diags.push(
            e.error(field, format!("无法确定文件 “{}” 的类型", f.name))
                .hint("使用常见的文件扩展名，如 .pdf .docx .xlsx .jpg .png .zip .mp3 .mp4"),
        );
    }
    Some(Enclosure {
        url,
        length: f.size,
        mime: mime.unwrap_or_else(|| "application/octet-stream".into()),
        title: f.title.clone(),
    })
}

/// The entry's body: the whole text with absolute links (and its data
/// table), or only the summary when `feeds.full_content` is off.
fn body_html(site: &Site, item: &Item, base: &Url) -> Result<String, Vec<Diagnostic>> {
    let e = &item.entry;
    if !site.config.feeds.full_content {
        return Ok(format!("<p>{}</p>", html_escape(&item.summary)));
    }
    let body = absolutize(&item.html, base).map_err(|bad| {
        vec![
            Diagnostic::error(
                &e.path,
                format!("正文中的链接 “{bad}” 不是有效的网址，无法写入订阅"),
            )
            .field("正文链接")
            .hint("检查链接地址是否完整、是否含有空格"),
        ]
    })?;
    Ok(match &e.table {
        Some(t) => format!("{body}{}", super::table::TableView::new(e, t).feed_html()),
        None => body,
    })
}

/// The kind's facts, as HTML put before the body.
fn details(site: &Site, item: &Item, enclosures: &[Enclosure]) -> String {
    let e = &item.entry;
    let now = site.gate.now;
    let mut lines: Vec<String> = Vec::new();
    match e.kind {
        Kind::Notice => {
            lines.push(format!(
                "级别：{}",
                super::context::level_label(e.meta.level)
            ));
            if let Some(x) = e.expires {
                let state = if x <= now { "（已过期）" } else { "" };
                lines.push(format!("有效期至：{}{state}", format_date_zh(&x)));
            }
        }
        Kind::Disclosure => {
            if let Some(c) = e.category {
                lines.push(format!("公开类别：{}", category_label(c)));
            }
            if let Some((start, end)) = e.period {
                let end_text = end
                    .map(|x| format_date_zh(&x))
                    .unwrap_or_else(|| "—".into());
                let status = crate::site::Stage::of((start, end), now).label();
                lines.push(format!(
                    "公示期：{} 至 {end_text}（{status}）",
                    format_date_zh(&start)
                ));
            }
            if let Some(c) = e
                .meta
                .contact
                .as_deref()
                .or(site.config.disclosure.contact.as_deref())
            {
                lines.push(format!("意见反映：{c}"));
            }
        }
        Kind::Lesson => {
            if let Some(c) = site
                .courses
                .iter()
                .find(|c| Some(&c.id) == e.course.as_ref())
            {
                lines.push(format!("课程：{}", c.section.title));
            }
            if let Some(o) = e.meta.order {
                lines.push(format!("第 {o} 课"));
            }
            if let Some(d) = e.meta.duration {
                lines.push(format!("时长：约 {d} 分钟"));
            }
        }
        Kind::News | Kind::Page => {}
    }
    let mut html: String = lines
        .iter()
        .map(|l| format!("<p>{}</p>", html_escape(l)))
        .collect();
    if !enclosures.is_empty() {
        html.push_str("<p>附件：</p><ul>");
        for a in enclosures {
            html.push_str(&format!(
                "<li><a href=\"{}\">{}</a></li>",
                html_escape(&a.url),
                html_escape(&a.title)
            ));
        }
        html.push_str("</ul>");
    }
    html
}

/// Makes every `href` and `src` in `html` absolute against `base`, in one
/// pass over the text (an article with 20,000 links costs as much as its
/// length). Returns the offending value when one is not a valid URL.
pub(crate) fn absolutize(html: &str, base: &Url) -> Result<String, String> {
    static ATTRS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let attrs = ATTRS.get_or_init(|| {
        aho_corasick::AhoCorasick::new(["href=\"", "src=\"", "srcset=\""])
            .expect("three fixed patterns")
    });
    let mut out = String::with_capacity(html.len() + 256);
    let mut done = 0;
    for m in attrs.find_iter(html) {
        if m.start() < done {
            continue;
        }
        let start = m.end();
        let Some(len) = html[start..].find('"') else {
            break;
        };
        out.push_str(&html[done..start]);
        let value = html[start..start + len].replace("&amp;", "&");
        if m.pattern().as_usize() == 2 {
            // `srcset`: URLs with widths, separated by commas.
            let mut parts = Vec::new();
            for candidate in value.split(", ") {
                let (url, width) = candidate.split_once(' ').unwrap_or((candidate, ""));
                let joined = base.join(url).map_err(|_| url.to_string())?;
                parts.push(format!("{} {width}", html_escape(joined.as_str())));
            }
            out.push_str(parts.join(", ").trim_end());
        } else {
            let joined = base.join(&value).map_err(|_| value.clone())?;
            out.push_str(&html_escape(joined.as_str()));
        }
        done = start + len;
    }
    out.push_str(&html[done..]);
    Ok(out)
}

/// Feed links for a listing path, when that listing has a feed.
pub(crate) fn links_by_path(site: &Site, specs: &[FeedSpec]) -> BTreeMap<String, FeedLinks> {
    specs
        .iter()
        .map(|s| (s.path.clone(), links(site, s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolutize_makes_links_absolute() {
        let base = Url::parse("https://e.org/dj/news/a/").unwrap();
        let html = r##"<a href="/dj/notices/b/#x">b</a><img src="photo.png" alt=""><a href="https://o.org/?a=1&amp;b=2">o</a><a href="#top">t</a>"##;
        let out = absolutize(html, &base).unwrap();
        assert!(
            out.contains(r##"href="https://e.org/dj/notices/b/#x""##),
            "{out}"
        );
        assert!(out.contains(r#"src="https://e.org/dj/news/a/photo.png""#));
        assert!(out.contains(r#"href="https://o.org/?a=1&amp;b=2""#));
        assert!(out.contains(r##"href="https://e.org/dj/news/a/#top""##));
    }

    #[test]
    fn absolutize_rewrites_many_links_and_images() {
        let base = Url::parse("https://e.org/").unwrap();
        let html = "<a href=\"/a/\">x</a><img src=\"b.png\"> ".repeat(5_000);
        let out = absolutize(&html, &base).unwrap();
        assert_eq!(out.matches("https://e.org/a/").count(), 5_000);
        assert_eq!(out.matches("https://e.org/b.png").count(), 5_000);
    }

    #[test]
    fn absolutize_reports_invalid_urls() {
        let base = Url::parse("https://e.org/").unwrap();
        assert_eq!(
            absolutize(r#"<a href="http://exa mple.org/">x</a>"#, &base),
            Err("http://exa mple.org/".into())
        );
    }
}
