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

use super::{Data, OutputFile};
use crate::content::{Kind, category_label};
use crate::diagnostic::Diagnostic;
use crate::markdown::html_escape;
use crate::site::{FileRef, Item, Site};
use crate::time::{Instant, format_date_zh};

/// An enclosure: a file offered with an item.
#[derive(Debug, Clone)]
pub struct Enclosure {
    pub url: String,
    pub length: u64,
    pub mime: String,
    pub title: String,
}

/// One item as every feed shows it.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub permalink: String,
    pub title: String,
    /// Absolute HTML: full content (or the summary) with the kind's details.
    pub html: String,
    pub summary: String,
    pub author: String,
    pub categories: Vec<String>,
    pub published: Instant,
    pub updated: Instant,
    pub enclosures: Vec<Enclosure>,
    pub audio: Option<Enclosure>,
    pub order: Option<u32>,
    pub duration: Option<u32>,
}

/// A feed: where it lives and which items it carries, newest first.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    /// Listing path (`""`, `news/`, `branches/dongcun/`…); files go beside it.
    pub path: String,
    pub title: String,
    pub description: String,
    pub items: Vec<usize>,
    /// Course id, when the feed is a course's (it may also get a podcast).
    pub course: Option<String>,
}

/// The feed a page links for autodiscovery and the /feeds/ page lists.
#[derive(Debug, Clone, Serialize)]
pub struct FeedLinks {
    pub title: String,
    pub rss: String,
    pub atom: String,
    pub json: String,
    pub podcast: Option<String>,
    /// Every format with its absolute URL, for subscribing: `[{label, url}]`.
    pub formats: Vec<FeedFormat>,
}

/// One format of a feed, with its absolute URL.
#[derive(Debug, Clone, Serialize)]
pub struct FeedFormat {
    /// RSS, Atom, JSON, 音频
    pub label: &'static str,
    pub url: String,
}

/// Every feed of the site, in a stable order.
pub fn specs(site: &Site) -> Vec<FeedSpec> {
    let limit = site.config.feeds.limit;
    let feedable = |list: &[usize]| -> Vec<usize> {
        let mut v: Vec<usize> = list
            .iter()
            .copied()
            .filter(|&i| site.items[i].entry.kind != Kind::Page)
            .collect();
        v.sort_unstable(); // `items` is newest first
        v.truncate(limit);
        v
    };
    let all: Vec<usize> = (0..site.items.len()).collect();
    let title = |t: &str| format!("{t} - {}", site.config.title);
    let spec =
        |path: String, title: String, description: &str, list: &[usize], course: Option<&str>| {
            FeedSpec {
                path,
                title,
                description: description.to_string(),
                items: feedable(list),
                course: course.map(str::to_string),
            }
        };
    let mut out = vec![spec(
        String::new(),
        site.config.title.clone(),
        &site.config.description,
        &all,
        None,
    )];
    for (kind, section) in &site.sections {
        let list = site.by_kind.get(kind).map_or(&[][..], Vec::as_slice);
        out.push(spec(
            section.path.clone(),
            title(&section.title),
            &section.description,
            list,
            None,
        ));
    }
    for (key, list) in &site.categories {
        let t = title(&format!("党务公开·{}", category_label(key)));
        out.push(spec(format!("disclosure/{key}/"), t, "", list, None));
    }
    for b in &site.branches {
        out.push(spec(
            format!("branches/{}/", b.id),
            title(&b.name),
            "",
            &b.all,
            None,
        ));
    }
    for t in &site.tags {
        out.push(spec(
            format!("tags/{}/", t.slug),
            title(&format!("标签：{}", t.name)),
            "",
            &t.items,
            None,
        ));
    }
    for c in &site.courses {
        let s = &c.section;
        out.push(spec(
            s.path.clone(),
            title(&s.title),
            &s.description,
            &c.lessons,
            Some(&c.id),
        ));
    }
    out
}

/// A hash of everything a feed's files are made from: the site-wide
/// fingerprint `global`, the feed itself and the items it carries.
pub fn fingerprint(site: &Site, spec: &FeedSpec, global: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    (
        global,
        &spec.path,
        &spec.title,
        &spec.description,
        &spec.course,
    )
        .hash(&mut h);
    for &i in &spec.items {
        site.items[i].fingerprint.hash(&mut h);
    }
    // An empty feed is dated by the site's newest item.
    if spec.items.is_empty() {
        site.items
            .iter()
            .filter_map(|i| i.entry.date)
            .max()
            .hash(&mut h);
    }
    h.finish()
}

/// Whether a course feed also gets a podcast (some lesson has audio).
fn has_podcast(site: &Site, spec: &FeedSpec) -> bool {
    spec.course.is_some() && spec.items.iter().any(|&i| site.items[i].audio.is_some())
}

/// The feed URLs of a listing path (root-relative).
pub fn links(site: &Site, spec: &FeedSpec) -> FeedLinks {
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
pub fn entries(
    site: &Site,
    specs: &[&FeedSpec],
) -> Result<Vec<Option<FeedEntry>>, Vec<Diagnostic>> {
    let mut wanted = vec![false; site.items.len()];
    for spec in specs {
        for &i in &spec.items {
            wanted[i] = true;
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
pub fn files(site: &Site, spec: &FeedSpec, entries: &[Option<FeedEntry>]) -> Vec<OutputFile> {
    let es: Vec<&FeedEntry> = spec
        .items
        .iter()
        .filter_map(|&i| entries[i].as_ref())
        .collect();
    // An empty feed takes the site's newest date, never the wall clock's.
    let fallback = site
        .items
        .iter()
        .filter_map(|i| i.entry.date)
        .max()
        .unwrap_or_default();
    let updated = es.iter().map(|e| e.updated).max().unwrap_or(fallback);
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
    let mut enclosure = |f: &FileRef, field: &str| -> Option<Enclosure> {
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
    };
    let enclosures: Vec<Enclosure> = item
        .attachments
        .iter()
        .filter_map(|a| enclosure(a, "attachments"))
        .collect();
    let audio = item.audio.as_ref().and_then(|a| enclosure(a, "audio"));
    let body = if site.config.feeds.full_content {
        absolutize(&item.html, &base).map_err(|bad| {
            vec![
                Diagnostic::error(
                    &e.path,
                    format!("正文中的链接 “{bad}” 不是有效的网址，无法写入订阅"),
                )
                .field("正文链接")
                .hint("检查链接地址是否完整、是否含有空格"),
            ]
        })?
    } else {
        format!("<p>{}</p>", html_escape(&item.summary))
    };
    if !diags.is_empty() {
        return Err(diags);
    }
    let body = match (&e.table, site.config.feeds.full_content) {
        (Some(t), true) => format!("{body}{}", super::table::TableView::new(e, t).feed_html()),
        _ => body,
    };
    let details = details(site, item, &enclosures);
    let published = e.date.unwrap_or_default();
    let mut categories: Vec<String> = e.meta.tags.iter().map(|t| t.trim().to_string()).collect();
    if let Some(b) = e
        .meta
        .branch
        .as_deref()
        .and_then(|id| site.branches.iter().find(|b| b.id == id))
    {
        categories.push(b.name.clone());
    }
    Ok(FeedEntry {
        permalink,
        title: e.title.clone(),
        html: format!("{details}{body}"),
        summary: item.summary.clone(),
        author: e
            .meta
            .author
            .clone()
            .or_else(|| {
                e.meta
                    .branch
                    .as_deref()
                    .and_then(|id| site.branches.iter().find(|b| b.id == id))
                    .map(|b| b.name.clone())
            })
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
                let status = if start > now {
                    "未开始"
                } else if end.is_some_and(|x| x <= now) {
                    "已结束"
                } else {
                    "公示中"
                };
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

/// Makes every `href` and `src` in `html` absolute against `base`.
/// Returns the offending value when one is not a valid URL.
pub fn absolutize(html: &str, base: &Url) -> Result<String, String> {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    loop {
        let next = ["href=\"", "src=\""]
            .iter()
            .filter_map(|a| rest.find(a).map(|i| (i, a.len())))
            .min();
        let Some((at, len)) = next else {
            out.push_str(rest);
            return Ok(out);
        };
        let start = at + len;
        let Some(end) = rest[start..].find('"') else {
            out.push_str(rest);
            return Ok(out);
        };
        out.push_str(&rest[..start]);
        let value = rest[start..start + end].replace("&amp;", "&");
        let joined = base.join(&value).map_err(|_| value.clone())?;
        out.push_str(&html_escape(joined.as_str()));
        rest = &rest[start + end..];
    }
}

/// Feed links for a listing path, when that listing has a feed.
pub fn links_by_path(site: &Site) -> BTreeMap<String, FeedLinks> {
    specs(site)
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
    fn absolutize_reports_invalid_urls() {
        let base = Url::parse("https://e.org/").unwrap();
        assert_eq!(
            absolutize(r#"<a href="http://exa mple.org/">x</a>"#, &base),
            Err("http://exa mple.org/".into())
        );
    }
}
