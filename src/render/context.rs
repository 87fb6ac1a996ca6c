//! What templates receive: serializable views over the model.
//!
//! The context is documented in `docs/templates.md`; keep the two in step.

use serde::Serialize;

use super::footer::FooterView;
use super::table::TableView;
use crate::config::OrgNode;
use crate::content::{Kind, category_label, frontmatter};
use crate::markdown::Heading;
use crate::site::{FileRef, Item, Site};
use crate::time::{Instant, format_date_zh};

#[derive(Serialize)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub base_url: &'a str,
    pub base_path: &'a str,
    pub language: &'a str,
    pub logo: Option<String>,
    /// Absolute URL of the default share picture (`og:image`), if set.
    pub share_image: Option<String>,
    pub footer: FooterView<'a>,
    pub nav: Vec<Link>,
    /// `public`, `party` or `unit`: the audience of this build.
    pub scope: &'static str,
    pub scope_label: &'static str,
    pub stylesheets: Vec<String>,
    /// URL of the code-highlighting stylesheet, for pages with code.
    pub highlight_css: String,
    /// URL of the theme's script (text size, read aloud, print).
    pub script: String,
    /// A `serve` preview: drafts, scheduled and party items carry banners.
    pub preview: bool,
    /// URL of the search page, when search is on.
    pub search: Option<String>,
}

#[derive(Debug, Serialize, Clone, Hash)]
pub struct Link {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Hash)]
pub struct DateView {
    /// RFC 3339 with the site's offset.
    pub iso: String,
    /// `2026年11月20日`
    pub zh: String,
    /// `2026-11-20`
    pub ymd: String,
}

impl DateView {
    pub fn new(t: &Instant) -> Self {
        DateView {
            iso: t.to_rfc3339(),
            zh: format_date_zh(t),
            ymd: t.format("%Y-%m-%d").to_string(),
        }
    }
}

/// Where a 公示 stands at the build's `now`.
#[derive(Serialize)]
pub struct Status {
    /// `upcoming`, `active` or `ended`.
    pub key: &'static str,
    /// 未开始, 公示中, 已结束
    pub label: &'static str,
    /// For an active 公示: days left, rounded up.
    pub days_left: Option<i64>,
}

impl Status {
    pub fn of(period: Option<(Instant, Option<Instant>)>, now: Instant) -> Option<Status> {
        let stage = crate::site::Stage::of(period?, now);
        Some(Status {
            key: stage.key(),
            label: stage.label(),
            days_left: match stage {
                crate::site::Stage::Active { days_left } => days_left,
                _ => None,
            },
        })
    }
}

/// An item as templates see it. `content` is absent in listings.
#[derive(Serialize)]
pub struct ItemView<'a> {
    pub title: &'a str,
    pub kind: Kind,
    pub kind_label: &'static str,
    pub url: String,
    pub permalink: String,
    pub path: &'a str,
    pub date: Option<DateView>,
    pub updated: Option<DateView>,
    pub summary: &'a str,
    pub content: Option<&'a str>,
    pub toc: &'a [Heading],
    pub reading_minutes: u32,
    pub chars: usize,
    pub author: Option<&'a str>,
    pub branch: Option<Link>,
    pub tags: Vec<Link>,
    pub scope: frontmatter::Scope,
    pub scope_label: &'static str,
    pub draft: bool,
    pub cover: Option<&'a FileRef>,
    pub cover_alt: Option<&'a str>,
    /// A 公示 withdrawn after its period: `content` is only a stub.
    pub withdrawn: bool,
    // notice
    pub pinned: bool,
    pub level: frontmatter::Level,
    pub level_label: &'static str,
    pub expires: Option<DateView>,
    pub expired: bool,
    pub attachments: &'a [FileRef],
    // disclosure
    pub category: Option<Link>,
    pub period_start: Option<DateView>,
    pub period_end: Option<DateView>,
    pub status: Option<Status>,
    /// `after_period: archive` and the period has ended.
    pub archived: bool,
    pub contact: Option<&'a str>,
    pub doc_number: Option<&'a str>,
    pub issuer: Option<&'a str>,
    pub persons: &'a [frontmatter::Person],
    pub meeting: Option<&'a frontmatter::Meeting>,
    /// The table of the data file (`data:`), with `content` only.
    pub table: Option<TableView>,
    // lesson
    pub course: Option<Link>,
    pub order: Option<u32>,
    pub duration: Option<u32>,
    pub required: bool,
    pub objectives: &'a [String],
    pub audio: Option<&'a FileRef>,
    pub video: Option<&'a FileRef>,
    pub quiz: &'a [frontmatter::QuizQuestion],
    // news
    pub source: Option<&'a str>,
    pub photographer: Option<&'a str>,
    /// In a preview only: why the public site would not show this item.
    pub preview_notes: Vec<PreviewNote>,
    /// Absolute URL of the picture to share the page with: its cover, else
    /// the site's share image.
    pub share_image: Option<String>,
    /// URL of the page's QR code (notices and 公示, for printing).
    pub qr: Option<String>,
    /// Whether the content has highlighted code (it then needs highlight.css).
    pub has_code: bool,
}

/// A preview banner: 草稿, 未到发布时间, 党内…
#[derive(Serialize)]
pub struct PreviewNote {
    pub label: &'static str,
    pub text: String,
}

fn preview_notes(site: &Site, item: &Item) -> Vec<PreviewNote> {
    let e = &item.entry;
    if !site.gate.preview {
        return Vec::new();
    }
    let mut notes = Vec::new();
    if e.meta.draft {
        notes.push(PreviewNote {
            label: "草稿",
            text: "正式生成网站时不会发布；写完后把 draft: true 改为 false。".into(),
        });
    }
    if let Some(d) = e.date.filter(|d| *d > site.gate.now) {
        notes.push(PreviewNote {
            label: "未到发布时间",
            text: format!("{} 之后生成网站时才会发布。", format_date_zh(&d)),
        });
    }
    match e.meta.scope {
        frontmatter::Scope::Public => {}
        frontmatter::Scope::Party => notes.push(PreviewNote {
            label: "党内",
            text: "只在党内版（--scope party）中发布，公开网站不显示。".into(),
        }),
        frontmatter::Scope::Unit => notes.push(PreviewNote {
            label: "本单位",
            text: "只在本单位内网版（--scope unit）中发布，公开网站和党内版都不显示。".into(),
        }),
    }
    notes
}

/// The absolute URL of `share_image:` from site.yaml, if set.
fn site_share_image(site: &Site) -> Option<String> {
    let l = site.config.share_image.as_ref()?;
    Some(if crate::site::links::is_external(l) {
        l.clone()
    } else {
        site.permalink(l.trim_start_matches('/'))
    })
}

/// An absolute URL for a root-relative one (`/base/news/a/cover.png`).
fn absolute(site: &Site, url: &str) -> String {
    if crate::site::links::is_external(url) {
        return url.to_string();
    }
    let rest = url
        .strip_prefix(site.config.base_path.as_str())
        .unwrap_or(url.trim_start_matches('/'));
    site.permalink(rest)
}

/// Whether the item gets a printable QR code: notices and 公示, which are
/// posted on bulletin boards.
pub fn has_qr(item: &Item) -> bool {
    matches!(item.entry.kind, Kind::Notice | Kind::Disclosure) && !item.withdrawn
}

pub fn level_label(level: frontmatter::Level) -> &'static str {
    match level {
        frontmatter::Level::Normal => "一般",
        frontmatter::Level::Important => "重要",
        frontmatter::Level::Urgent => "紧急",
    }
}

impl<'a> ItemView<'a> {
    pub fn new(site: &'a Site, item: &'a Item, with_content: bool) -> Self {
        let e = &item.entry;
        let m = &e.meta;
        let now = site.gate.now;
        ItemView {
            title: &e.title,
            kind: e.kind,
            kind_label: e.kind.label(),
            url: site.url(&item.path),
            permalink: site.permalink(&item.path),
            path: &item.path,
            date: e.date.as_ref().map(DateView::new),
            updated: e.updated.as_ref().map(DateView::new),
            summary: &item.summary,
            content: with_content.then_some(item.html.as_str()),
            toc: if with_content { &item.toc } else { &[] },
            reading_minutes: item.reading_minutes,
            chars: item.chars,
            author: m.author.as_deref(),
            branch: branch_link(site, m.branch.as_deref()),
            tags: tag_links(site, &m.tags),
            scope: m.scope,
            scope_label: m.scope.label(),
            draft: m.draft,
            cover: item.cover.as_ref(),
            cover_alt: m.cover_alt.as_deref(),
            withdrawn: item.withdrawn,
            pinned: m.pinned,
            level: m.level,
            level_label: level_label(m.level),
            expires: e.expires.as_ref().map(DateView::new),
            expired: e.expires.is_some_and(|x| x <= now),
            attachments: &item.attachments,
            category: e.category.map(|c| Link {
                title: category_label(c).to_string(),
                url: site.url(&format!("disclosure/{c}/")),
            }),
            period_start: e.period.as_ref().map(|(s, _)| DateView::new(s)),
            period_end: e
                .period
                .as_ref()
                .and_then(|(_, end)| end.as_ref().map(DateView::new)),
            status: Status::of(e.period, now),
            archived: m.after_period == frontmatter::AfterPeriod::Archive
                && e.period
                    .is_some_and(|p| crate::site::Stage::of(p, now) == crate::site::Stage::Ended),
            contact: m
                .contact
                .as_deref()
                .or(site.config.disclosure.contact.as_deref()),
            doc_number: m.doc_number.as_deref(),
            issuer: m.issuer.as_deref(),
            persons: &m.persons,
            meeting: m.meeting.as_ref(),
            table: e
                .table
                .as_ref()
                .filter(|_| with_content)
                .map(|t| TableView::page(e, t)),
            course: course_link(site, e.course.as_deref()),
            order: m.order,
            duration: m.duration,
            required: m.required,
            objectives: &m.objectives,
            audio: item.audio.as_ref(),
            video: item.video.as_ref(),
            quiz: &m.quiz,
            source: m.source.as_deref(),
            photographer: m.photographer.as_deref(),
            preview_notes: if with_content {
                preview_notes(site, item)
            } else {
                Vec::new()
            },
            share_image: share_image(site, item, with_content),
            qr: (with_content && has_qr(item)).then(|| site.url(&format!("{}qr.svg", item.path))),
            has_code: with_content && item.html.contains("<pre class=\"code\""),
        }
    }
}

/// The item's 党组织 and its page.
fn branch_link(site: &Site, id: Option<&str>) -> Option<Link> {
    site.branch(id?).map(|b| Link {
        title: b.name.clone(),
        url: site.url(&format!("branches/{}/", b.id)),
    })
}

/// A lesson's course and its page.
fn course_link(site: &Site, course: Option<&str>) -> Option<Link> {
    let c = course?;
    let title = site
        .course(c)
        .map_or(c.to_string(), |x| x.section.title.clone());
    Some(Link {
        title,
        url: site.url(&format!("lessons/{c}/")),
    })
}

fn tag_links(site: &Site, tags: &[String]) -> Vec<Link> {
    tags.iter()
        .map(|t| Link {
            title: t.trim().to_string(),
            url: site.url(&format!("tags/{}/", site.tag_slug(t))),
        })
        .collect()
}

/// The picture shared with the page: its cover, else the site's.
fn share_image(site: &Site, item: &Item, with_content: bool) -> Option<String> {
    item.cover
        .as_ref()
        .filter(|_| with_content)
        .map(|c| absolute(site, &c.url))
        .or_else(|| site_share_image(site))
}

/// An item as listings see it: what a list entry shows, computed once per
/// item and shared by every listing the item appears in.
#[derive(Serialize)]
pub struct ListItem<'a> {
    pub title: &'a str,
    pub kind: Kind,
    pub kind_label: &'static str,
    pub url: String,
    pub date: Option<DateView>,
    pub summary: &'a str,
    pub branch: Option<Link>,
    pub cover: Option<&'a FileRef>,
    pub cover_alt: Option<&'a str>,
    pub pinned: bool,
    pub level: frontmatter::Level,
    pub level_label: &'static str,
    pub expired: bool,
    pub category: Option<Link>,
    pub status: Option<Status>,
    pub required: bool,
    pub order: Option<u32>,
    pub duration: Option<u32>,
    pub draft: bool,
    pub scope: frontmatter::Scope,
}

impl<'a> ListItem<'a> {
    pub fn new(site: &'a Site, item: &'a Item) -> Self {
        let v = ItemView::new(site, item, false);
        ListItem {
            title: v.title,
            kind: v.kind,
            kind_label: v.kind_label,
            url: v.url,
            date: v.date,
            summary: v.summary,
            branch: v.branch,
            cover: v.cover,
            cover_alt: v.cover_alt,
            pinned: v.pinned,
            level: v.level,
            level_label: v.level_label,
            expired: v.expired,
            category: v.category,
            status: v.status,
            required: v.required,
            order: v.order,
            duration: v.duration,
            draft: v.draft,
            scope: v.scope,
        }
    }
}

/// A link with the number of items behind it.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct CountedLink {
    pub title: String,
    pub url: String,
    pub count: usize,
}

/// A branch's header on its listing: parent, children, counts by kind.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct BranchView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub parent: Option<CountedLink>,
    pub children: Vec<CountedLink>,
    pub counts: Vec<CountedLink>,
    pub own_count: usize,
    pub total_count: usize,
    pub latest: Option<DateView>,
}

/// A page of a listing.
#[derive(Serialize)]
pub struct Paginator<'a> {
    pub items: Vec<&'a tera::Value>,
    /// 1-based.
    pub current: usize,
    pub total_pages: usize,
    pub total_items: usize,
    pub first_url: String,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    pub pages: Vec<PageLink>,
}

/// A link in the page list; `gap` entries stand for skipped pages (…).
#[derive(Serialize)]
pub struct PageLink {
    pub number: usize,
    pub url: String,
    pub current: bool,
    pub gap: bool,
}

/// Page numbers to show: the first, the last, and two on each side of the
/// current one, with a gap marker (0) where pages are skipped.
pub fn page_window(current: usize, total: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for n in 1..=total {
        if n == 1 || n == total || n.abs_diff(current) <= 2 {
            out.push(n);
        } else if out.last() != Some(&0) {
            out.push(0);
        }
    }
    out
}

/// The URL path of page `n` (1-based) of the listing at `base`.
pub fn page_path(base: &str, n: usize) -> String {
    if n <= 1 {
        base.to_string()
    } else {
        format!("{base}page/{n}/")
    }
}

/// A node of the organization tree with its counts.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct OrgView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub own_count: usize,
    pub total_count: usize,
    pub children: Vec<OrgView>,
}

pub fn org_view(site: &Site, node: &OrgNode) -> OrgView {
    let b = site.branch(&node.id);
    OrgView {
        id: node.id.clone(),
        name: node.name.clone(),
        url: site.url(&format!("branches/{}/", node.id)),
        own_count: b.map_or(0, |b| b.own.len()),
        total_count: b.map_or(0, |b| b.all.len()),
        children: node.children.iter().map(|c| org_view(site, c)).collect(),
    }
}

pub fn site_view(site: &Site) -> SiteView<'_> {
    let c = &site.config;
    let mut nav = vec![Link {
        title: "首页".into(),
        url: site.url(""),
    }];
    for kind in [Kind::Notice, Kind::News, Kind::Lesson, Kind::Disclosure] {
        nav.push(Link {
            title: site.sections[&kind].title.clone(),
            url: site.url(&format!("{}/", kind.dir())),
        });
    }
    nav.extend(super::pulled::nav(site));
    nav.push(Link {
        title: "组织机构".into(),
        url: site.url("branches/"),
    });
    SiteView {
        title: &c.title,
        description: &c.description,
        base_url: &c.base_url,
        base_path: &c.base_path,
        language: &c.language,
        logo: c.logo.as_ref().map(|l| {
            if crate::site::links::is_external(l) {
                l.clone()
            } else {
                site.url(l.trim_start_matches('/'))
            }
        }),
        share_image: site_share_image(site),
        footer: FooterView::new(&c.footer),
        nav,
        scope: match site.gate.scope {
            frontmatter::Scope::Public => "public",
            frontmatter::Scope::Party => "party",
            frontmatter::Scope::Unit => "unit",
        },
        scope_label: site.gate.scope.label(),
        stylesheets: vec![site.url("style.css")],
        highlight_css: site.url("highlight.css"),
        script: site.url("site.js"),
        preview: site.gate.preview,
        search: c.search.enabled.then(|| site.url(crate::search::PAGE_DIR)),
    }
}
