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
pub(crate) struct SiteView<'a> {
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    pub(crate) base_url: &'a str,
    pub(crate) base_path: &'a str,
    pub(crate) language: &'a str,
    pub(crate) logo: Option<String>,
    /// Absolute URL of the default share picture (`og:image`), if set.
    pub(crate) share_image: Option<String>,
    pub(crate) footer: FooterView<'a>,
    pub(crate) nav: Vec<Link>,
    /// `public`, `party` or `unit`: the audience of this build.
    pub(crate) scope: &'static str,
    pub(crate) scope_label: &'static str,
    pub(crate) stylesheets: Vec<String>,
    /// URL of the code-highlighting stylesheet, for pages with code.
    pub(crate) highlight_css: String,
    /// URL of the theme's script (text size, read aloud, print).
    pub(crate) script: String,
    /// A `serve` preview: drafts, scheduled and party items carry banners.
    pub(crate) preview: bool,
    /// URL of the search page, when search is on.
    pub(crate) search: Option<String>,
}

#[derive(Debug, Serialize, Clone, Hash)]
pub(crate) struct Link {
    pub(crate) title: String,
    pub(crate) url: String,
}

#[derive(Debug, Clone, Serialize, Hash)]
pub(crate) struct DateView {
    /// RFC 3339 with the site's offset.
    pub(crate) iso: String,
    /// `2026年11月20日`
    pub(crate) zh: String,
    /// `2026-11-20`
    pub(crate) ymd: String,
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
pub(crate) struct Status {
    /// `upcoming`, `active` or `ended`.
    pub(crate) key: &'static str,
    /// 未开始, 公示中, 已结束
    pub(crate) label: &'static str,
    /// For an active 公示: days left, rounded up.
    pub(crate) days_left: Option<i64>,
}

impl Status {
    pub(crate) fn of(period: Option<(Instant, Option<Instant>)>, now: Instant) -> Option<Status> {
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
pub(crate) struct ItemView<'a> {
    pub(crate) title: &'a str,
    pub(crate) kind: Kind,
    pub(crate) kind_label: &'static str,
    pub(crate) url: String,
    pub(crate) permalink: String,
    pub(crate) path: &'a str,
    pub(crate) date: Option<DateView>,
    pub(crate) updated: Option<DateView>,
    pub(crate) summary: &'a str,
    pub(crate) content: Option<&'a str>,
    pub(crate) toc: &'a [Heading],
    pub(crate) reading_minutes: u32,
    pub(crate) chars: usize,
    pub(crate) author: Option<&'a str>,
    pub(crate) branch: Option<Link>,
    pub(crate) tags: Vec<Link>,
    pub(crate) scope: frontmatter::Scope,
    pub(crate) scope_label: &'static str,
    pub(crate) draft: bool,
    pub(crate) cover: Option<&'a FileRef>,
    pub(crate) cover_alt: Option<&'a str>,
    /// A 公示 withdrawn after its period: `content` is only a stub.
    pub(crate) withdrawn: bool,
    // notice
    pub(crate) pinned: bool,
    pub(crate) level: frontmatter::Level,
    pub(crate) level_label: &'static str,
    pub(crate) expires: Option<DateView>,
    pub(crate) expired: bool,
    pub(crate) attachments: &'a [FileRef],
    // disclosure
    pub(crate) category: Option<Link>,
    pub(crate) period_start: Option<DateView>,
    pub(crate) period_end: Option<DateView>,
    pub(crate) status: Option<Status>,
    /// `after_period: archive` and the period has ended.
    pub(crate) archived: bool,
    pub(crate) contact: Option<&'a str>,
    pub(crate) doc_number: Option<&'a str>,
    pub(crate) issuer: Option<&'a str>,
    pub(crate) persons: &'a [frontmatter::Person],
    pub(crate) meeting: Option<&'a frontmatter::Meeting>,
    /// The table of the data file (`data:`), with `content` only.
    pub(crate) table: Option<TableView>,
    // lesson
    pub(crate) course: Option<Link>,
    pub(crate) order: Option<u32>,
    pub(crate) duration: Option<u32>,
    pub(crate) required: bool,
    pub(crate) objectives: &'a [String],
    pub(crate) audio: Option<&'a FileRef>,
    pub(crate) video: Option<&'a FileRef>,
    pub(crate) quiz: &'a [frontmatter::QuizQuestion],
    // news
    pub(crate) source: Option<&'a str>,
    pub(crate) photographer: Option<&'a str>,
    /// In a preview only: why the public site would not show this item.
    pub(crate) preview_notes: Vec<PreviewNote>,
    /// Absolute URL of the picture to share the page with: its cover, else
    /// the site's share image.
    pub(crate) share_image: Option<String>,
    /// URL of the page's QR code (notices and 公示, for printing).
    pub(crate) qr: Option<String>,
    /// Whether the content has highlighted code (it then needs highlight.css).
    pub(crate) has_code: bool,
}

/// A preview banner: 草稿, 未到发布时间, 党内…
#[derive(Serialize)]
pub(crate) struct PreviewNote {
    pub(crate) label: &'static str,
    pub(crate) text: String,
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
pub(crate) fn has_qr(item: &Item) -> bool {
    matches!(item.entry.kind, Kind::Notice | Kind::Disclosure) && !item.withdrawn
}

pub(crate) fn level_label(level: frontmatter::Level) -> &'static str {
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
pub(crate) struct ListItem<'a> {
    pub(crate) title: &'a str,
    pub(crate) kind: Kind,
    pub(crate) kind_label: &'static str,
    pub(crate) url: String,
    pub(crate) date: Option<DateView>,
    pub(crate) summary: &'a str,
    pub(crate) branch: Option<Link>,
    pub(crate) cover: Option<&'a FileRef>,
    pub(crate) cover_alt: Option<&'a str>,
    pub(crate) pinned: bool,
    pub(crate) level: frontmatter::Level,
    pub(crate) level_label: &'static str,
    pub(crate) expired: bool,
    pub(crate) category: Option<Link>,
    pub(crate) status: Option<Status>,
    pub(crate) required: bool,
    pub(crate) order: Option<u32>,
    pub(crate) duration: Option<u32>,
    pub(crate) draft: bool,
    pub(crate) scope: frontmatter::Scope,
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
pub(crate) struct CountedLink {
    pub(crate) title: String,
    pub(crate) url: String,
    pub(crate) count: usize,
}

/// A branch's header on its listing: parent, children, counts by kind.
#[derive(Debug, Clone, Serialize, Hash)]
pub(crate) struct BranchView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) parent: Option<CountedLink>,
    pub(crate) children: Vec<CountedLink>,
    pub(crate) counts: Vec<CountedLink>,
    pub(crate) own_count: usize,
    pub(crate) total_count: usize,
    pub(crate) latest: Option<DateView>,
}

/// A page of a listing.
#[derive(Serialize)]
pub(crate) struct Paginator<'a> {
    pub(crate) items: Vec<&'a tera::Value>,
    /// 1-based.
    pub(crate) current: usize,
    pub(crate) total_pages: usize,
    pub(crate) total_items: usize,
    pub(crate) first_url: String,
    pub(crate) prev_url: Option<String>,
    pub(crate) next_url: Option<String>,
    pub(crate) pages: Vec<PageLink>,
}

/// A link in the page list; `gap` entries stand for skipped pages (…).
#[derive(Serialize)]
pub(crate) struct PageLink {
    pub(crate) number: usize,
    pub(crate) url: String,
    pub(crate) current: bool,
    pub(crate) gap: bool,
}

/// Page numbers to show: the first, the last, and two on each side of the
/// current one, with a gap marker (0) where pages are skipped.
pub(crate) fn page_window(current: usize, total: usize) -> Vec<usize> {
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
pub(crate) fn page_path(base: &str, n: usize) -> String {
    if n <= 1 {
        base.to_string()
    } else {
        format!("{base}page/{n}/")
    }
}

/// A node of the organization tree with its counts.
#[derive(Debug, Clone, Serialize, Hash)]
pub(crate) struct OrgView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) own_count: usize,
    pub(crate) total_count: usize,
    pub(crate) children: Vec<OrgView>,
}

pub(crate) fn org_view(site: &Site, node: &OrgNode) -> OrgView {
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

pub(crate) fn site_view(site: &Site) -> SiteView<'_> {
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
