//! Pulled entries on pages: the 基层动态 listing (`/jiceng/`), and blocks
//! on the home page, `/notices/` (上级通知) and each branch's page.
//! Every entry links to its original; none has a page here.

use serde::Serialize;
use tera::Context;

use super::context::{DateView, Link, PageLink, Paginator, page_path, page_window};
use crate::pull::PulledEntry;
use crate::site::Site;

/// The URL path of the 基层动态 listing.
pub(super) const JICENG: &str = "jiceng/";
const TITLE: &str = "基层动态";
const HOME_UPSTREAM: usize = 8;
const HOME_JICENG: usize = 6;
const NOTICES_UPSTREAM: usize = 10;
const BRANCH_LATEST: usize = 10;

/// A pulled entry as templates see it.
#[derive(Serialize)]
struct EntryView<'a> {
    title: &'a str,
    /// The original page.
    url: &'a str,
    date: Option<DateView>,
    summary: &'a str,
    /// Sanitized full text, for sources that allow it.
    content: Option<&'a str>,
    author: Option<&'a str>,
    /// The branch's page on this site (基层动态 only).
    branch: Option<Link>,
    /// The source's name.
    source: &'a str,
    upstream: bool,
    /// 基层动态 or 上级通知.
    label: &'static str,
}

fn view(site: &Site, e: &PulledEntry) -> tera::Value {
    let branch = e.branch.as_deref().and_then(|id| {
        site.branches.iter().find(|b| b.id == id).map(|b| Link {
            title: b.name.clone(),
            url: site.url(&format!("branches/{id}/")),
        })
    });
    let v = EntryView {
        title: &e.title,
        url: &e.link,
        date: e.date.as_ref().map(DateView::new),
        summary: &e.summary,
        content: e.content.as_deref(),
        author: e.author.as_deref(),
        branch,
        source: &e.source_name,
        upstream: e.upstream,
        label: if e.upstream { "上级通知" } else { TITLE },
    };
    tera::to_value(v).unwrap_or_default()
}

fn views(site: &Site, list: &[usize], n: usize) -> Vec<tera::Value> {
    list.iter()
        .take(n)
        .map(|&i| view(site, &site.pulled.entries[i]))
        .collect()
}

/// Pages of the `/jiceng/` listing; none when no source feeds a branch.
pub(super) fn pages(site: &Site) -> usize {
    if !site.pulled.has_branch_sources {
        return 0;
    }
    let per = site.config.pagination.max(1);
    site.pulled.jiceng.len().div_ceil(per).max(1)
}

/// The 基层动态 link for the main navigation, when the listing exists.
pub(super) fn nav(site: &Site) -> Option<Link> {
    (pages(site) > 0).then(|| Link {
        title: TITLE.into(),
        url: site.url(JICENG),
    })
}

#[derive(Serialize)]
struct SectionView {
    title: &'static str,
    url: String,
    permalink: String,
    description: &'static str,
    intro: &'static str,
}

/// Page `n` of `/jiceng/`: its path and context (`section`, `paginator`).
pub(super) fn listing(site: &Site, mut ctx: Context, n: usize) -> (String, Context) {
    let list = &site.pulled.jiceng;
    let per = site.config.pagination.max(1);
    let total_pages = pages(site).max(1);
    let values: Vec<tera::Value> = list
        .iter()
        .skip((n - 1) * per)
        .take(per)
        .map(|&i| view(site, &site.pulled.entries[i]))
        .collect();
    let url = |k: usize| site.url(&page_path(JICENG, k));
    let paginator = Paginator {
        items: values.iter().collect(),
        current: n,
        total_pages,
        total_items: list.len(),
        first_url: url(1),
        prev_url: (n > 1).then(|| url(n - 1)),
        next_url: (n < total_pages).then(|| url(n + 1)),
        pages: page_window(n, total_pages)
            .into_iter()
            .map(|k| PageLink {
                number: k,
                url: if k == 0 { String::new() } else { url(k) },
                current: k == n,
                gap: k == 0,
            })
            .collect(),
    };
    ctx.insert(
        "section",
        &SectionView {
            title: TITLE,
            url: site.url(JICENG),
            permalink: site.permalink(JICENG),
            description: "各基层党组织网站发布的最新动态，点击标题阅读原文",
            intro: "",
        },
    );
    ctx.insert("paginator", &paginator);
    (page_path(JICENG, n), ctx)
}

/// The home page's `upstream` (上级通知) and `jiceng` (基层动态) lists.
pub(super) fn home(site: &Site, ctx: &mut Context) {
    let p = &site.pulled;
    ctx.insert("upstream", &views(site, &p.upstream, HOME_UPSTREAM));
    ctx.insert("jiceng", &views(site, &p.jiceng, HOME_JICENG));
    ctx.insert("jiceng_url", &nav(site).map(|l| l.url));
}

/// `upstream` on the first page of `/notices/`.
pub(super) fn notices(site: &Site, ctx: &mut Context) {
    ctx.insert(
        "upstream",
        &views(site, &site.pulled.upstream, NOTICES_UPSTREAM),
    );
}

#[derive(Serialize)]
struct SourceView<'a> {
    name: &'a str,
    /// The source's site, if its feed names one.
    url: Option<&'a str>,
    count: usize,
}

/// A branch page's `pulled` (the latest 基层动态 of its subtree),
/// `pulled_total`, `pulled_sources` (its own sources) and `jiceng_url`.
pub(super) fn branch(site: &Site, id: &str, ctx: &mut Context) {
    let p = &site.pulled;
    let list = p.by_branch.get(id).map_or(&[][..], Vec::as_slice);
    ctx.insert("pulled", &views(site, list, BRANCH_LATEST));
    ctx.insert("pulled_total", &list.len());
    let sources: Vec<SourceView> = p
        .sources
        .iter()
        .filter(|s| s.branch.as_deref() == Some(id))
        .map(|s| SourceView {
            name: &s.name,
            url: s.site.as_deref(),
            count: s.count,
        })
        .collect();
    ctx.insert("pulled_sources", &sources);
    ctx.insert("jiceng_url", &nav(site).map(|l| l.url));
}
