//! The HTML pages: each [`Job`] rendered from its description alone (and
//! the site-wide settings), so what a page shows is what its fingerprint
//! covers.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;
use tera::Context;

use super::context::{self, DateView, ItemView, Link, ListItem, PageLink, Paginator, page_path};
use super::feeds::FeedLinks;
use super::jobs::{CourseCard, Header, ItemRef, Job, Page};
use crate::content::{Kind, category_label};
use crate::diagnostic::Diagnostic;
use crate::output::{Data, OutputFile};
use crate::site::{Item, Site};
use crate::theme::{Theme, template_error};

/// Renders pages; holds what every page shares, made once per render.
pub(crate) struct Renderer<'a> {
    pub(super) site: &'a Site,
    theme: &'a Theme,
    /// The context every page starts from (`site`, `now`).
    pub(super) base: Context,
    /// Each item's listing view, serialized once when first needed and
    /// shared by all listings.
    summaries: Vec<OnceLock<tera::Value>>,
    /// Listing path → its feeds.
    feed_links: &'a BTreeMap<String, FeedLinks>,
}

#[derive(Serialize)]
struct Position {
    index: usize,
    total: usize,
}

#[derive(Serialize)]
struct FeedGroup<'a> {
    title: &'static str,
    feeds: Vec<&'a FeedLinks>,
}

#[derive(Serialize)]
struct SectionView<'a> {
    title: String,
    url: String,
    permalink: String,
    description: &'a str,
    intro: &'a str,
}

impl<'a> SectionView<'a> {
    fn new(site: &Site, title: String, path: &str, description: &'a str, intro: &'a str) -> Self {
        SectionView {
            title,
            url: site.url(path),
            permalink: site.permalink(path),
            description,
            intro,
        }
    }
}

#[derive(Serialize)]
struct CourseView<'a> {
    id: &'a str,
    cover: Option<&'a crate::site::FileRef>,
    cover_alt: Option<&'a str>,
    title: &'a str,
    description: &'a str,
    intro: &'a str,
    url: String,
    lesson_count: usize,
    required_count: usize,
    minutes: u32,
    lessons: Vec<&'a tera::Value>,
}

impl<'a> Renderer<'a> {
    pub fn new(
        site: &'a Site,
        theme: &'a Theme,
        feed_links: &'a BTreeMap<String, FeedLinks>,
    ) -> Self {
        let mut base = Context::new();
        base.insert("site", &context::site_view(site));
        base.insert("now", &DateView::new(&site.gate.now));
        Renderer {
            site,
            theme,
            base,
            summaries: site.items.iter().map(|_| OnceLock::new()).collect(),
            feed_links,
        }
    }

    /// The files of one page.
    pub fn run(&self, job: &Job) -> Result<Vec<OutputFile>, Diagnostic> {
        let s = self.site;
        let mut ctx = self.base.clone();
        match &job.page {
            Page::Item { .. } => return self.item(job),
            Page::NotFound => {
                let html = self.render(&job.template, &ctx)?;
                return Ok(vec![OutputFile::other(
                    job.path.clone(),
                    Data::Bytes(html.into_bytes()),
                    None,
                )]);
            }
            Page::Listing { .. } => self.listing(&mut ctx, &job.page),
            Page::Home { .. } => self.home(&mut ctx, &job.page),
            Page::Lessons { courses, required } => {
                let sec = &s.sections[&Kind::Lesson];
                let view = SectionView::new(
                    s,
                    sec.title.clone(),
                    &sec.path,
                    &sec.description,
                    &sec.intro_html,
                );
                ctx.insert("section", &view);
                ctx.insert("courses", &self.course_views(courses));
                ctx.insert("required_lessons", &self.views(required));
            }
            Page::Course(card) => ctx.insert("course", &self.course_view(card)),
            Page::Tags(tags) => ctx.insert("tags", tags),
            Page::Branches(org) => ctx.insert("org", org),
            Page::Feeds => ctx.insert("feed_groups", &self.feed_groups()),
            Page::Jiceng(n) => ctx = super::pulled::listing(s, ctx, *n).1,
            Page::Search(view) => ctx.insert("search", view),
        }
        if !matches!(job.page, Page::Listing { .. }) {
            ctx.insert("feeds", &self.feeds_for(&["", &job.path]));
        }
        ctx.insert("permalink", &s.permalink(&job.path));
        let html = self.render(&job.template, &ctx)?;
        if matches!(job.page, Page::Search(_)) {
            return Ok(vec![crate::search::page_file(html)]);
        }
        Ok(vec![OutputFile::page(
            format!("{}index.html", job.path),
            html,
            None,
            None,
        )])
    }

    /// A listing page's context: header, pulled entries (on the first page
    /// of branches and notices), paginator and feeds.
    fn listing(&self, ctx: &mut Context, page: &Page) {
        let Page::Listing {
            header,
            base,
            n,
            total_pages,
            total_items,
            items,
        } = page
        else {
            return;
        };
        let s = self.site;
        self.header(ctx, header, base);
        match header {
            Header::Branch(b) if *n == 1 => super::pulled::branch(s, &b.id, ctx),
            Header::Section {
                kind: Kind::Notice, ..
            } if *n == 1 => super::pulled::notices(s, ctx),
            _ => {}
        }
        ctx.insert(
            "paginator",
            &self.paginator(base, items, *n, *total_pages, *total_items),
        );
        ctx.insert("feeds", &self.feeds_for(&["", base]));
    }

    /// The home page's context: its blocks of each kind, courses, required
    /// lessons and pulled entries.
    fn home(&self, ctx: &mut Context, page: &Page) {
        let Page::Home {
            notices,
            news,
            disclosures,
            courses,
            required,
        } = page
        else {
            return;
        };
        let (s, h) = (self.site, &self.site.home);
        ctx.insert(
            "section",
            &SectionView::new(s, h.title.clone(), "", &h.description, &h.intro_html),
        );
        ctx.insert("notices", &self.views(notices));
        ctx.insert("news", &self.views(news));
        ctx.insert("disclosures", &self.views(disclosures));
        ctx.insert("courses", &self.course_views(courses));
        ctx.insert("required_lessons", &self.views(required));
        super::pulled::home(s, ctx);
    }

    fn item(&self, job: &Job) -> Result<Vec<OutputFile>, Diagnostic> {
        let Page::Item {
            item,
            prev,
            next,
            position,
            feeds,
        } = &job.page
        else {
            return Ok(Vec::new());
        };
        let s = self.site;
        let item: &Item = &s.items[item.index];
        let mut ctx = self.base.clone();
        ctx.insert("page", &ItemView::new(s, item, true));
        let feeds: Vec<&str> = feeds.iter().map(String::as_str).collect();
        ctx.insert("feeds", &self.feeds_for(&feeds));
        ctx.insert("prev", &prev.map(|p| self.link(&p)));
        ctx.insert("next", &next.map(|n| self.link(&n)));
        if let Some((index, total)) = *position {
            ctx.insert("position", &Position { index, total });
        }
        let html = self.render(&job.template, &ctx).map_err(|mut d| {
            d.message = format!("{}（渲染 {} 时）", d.message, item.entry.path.display());
            d
        })?;
        let lastmod = item
            .entry
            .updated
            .or(item.entry.date)
            .map(|d| d.to_rfc3339());
        let mut files = vec![OutputFile::page(
            format!("{}index.html", item.path),
            html,
            lastmod,
            Some(item.entry.path.clone()),
        )];
        if context::has_qr(item) {
            files.push(OutputFile::other(
                format!("{}qr.svg", item.path),
                Data::Bytes(super::qr::qr_svg(&s.permalink(&item.path)).into_bytes()),
                Some(item.entry.path.clone()),
            ));
        }
        Ok(files)
    }

    /// What a listing shows above its items.
    fn header(&self, ctx: &mut Context, header: &Header, base: &str) {
        let s = self.site;
        match header {
            Header::Section { kind, categories } => {
                let sec = &s.sections[kind];
                let view = SectionView::new(
                    s,
                    sec.title.clone(),
                    &sec.path,
                    &sec.description,
                    &sec.intro_html,
                );
                ctx.insert("section", &view);
                if let Some(c) = categories {
                    ctx.insert("categories", c);
                }
            }
            Header::Category { key, categories } => {
                let title = category_label(key).to_string();
                ctx.insert("section", &SectionView::new(s, title, base, "", ""));
                ctx.insert("categories", categories);
                ctx.insert("category", key);
            }
            Header::Tag(link) => ctx.insert("tag", link),
            Header::Branch(view) => ctx.insert("branch", view),
        }
    }

    fn paginator(
        &self,
        base: &str,
        items: &[ItemRef],
        n: usize,
        total_pages: usize,
        total_items: usize,
    ) -> Paginator<'_> {
        let s = self.site;
        let url = |k: usize| s.url(&page_path(base, k));
        Paginator {
            items: self.views(items),
            current: n,
            total_pages,
            total_items,
            first_url: url(1),
            prev_url: (n > 1).then(|| url(n - 1)),
            next_url: (n < total_pages).then(|| url(n + 1)),
            pages: context::page_window(n, total_pages)
                .into_iter()
                .map(|k| PageLink {
                    number: k,
                    url: if k == 0 { String::new() } else { url(k) },
                    current: k == n,
                    gap: k == 0,
                })
                .collect(),
        }
    }

    fn course_views(&self, cards: &[CourseCard]) -> Vec<CourseView<'_>> {
        cards.iter().map(|c| self.course_view(c)).collect()
    }

    fn course_view(&self, card: &CourseCard) -> CourseView<'_> {
        let s = self.site;
        let course = &s.courses[card.course];
        CourseView {
            id: &course.id,
            cover: course.section.cover.as_ref(),
            cover_alt: course.section.cover_alt.as_deref(),
            title: &course.section.title,
            description: &course.section.description,
            intro: &course.section.intro_html,
            url: s.url(&course.section.path),
            lesson_count: card.lesson_count,
            required_count: card.required_count,
            minutes: card.minutes,
            lessons: self.views(&card.lessons),
        }
    }

    /// The feeds of these listing paths, for `<link rel="alternate">`.
    fn feeds_for(&self, paths: &[&str]) -> Vec<&FeedLinks> {
        let mut out: Vec<&FeedLinks> = Vec::new();
        for p in paths {
            if let Some(f) = self.feed_links.get(*p)
                && !out.iter().any(|x| std::ptr::eq(*x, f))
            {
                out.push(f);
            }
        }
        out
    }

    /// Every feed, grouped for the /feeds/ page.
    fn feed_groups(&self) -> Vec<FeedGroup<'_>> {
        let group = |title: &'static str, pred: &dyn Fn(&str) -> bool| FeedGroup {
            title,
            feeds: self
                .feed_links
                .iter()
                .filter(|(p, _)| pred(p))
                .map(|(_, f)| f)
                .collect(),
        };
        let sections = ["news/", "notices/", "lessons/", "disclosure/"];
        vec![
            group("全站", &|p| p.is_empty()),
            group("栏目", &|p| sections.contains(&p)),
            group("党务公开类别", &|p| {
                p.starts_with("disclosure/") && p != "disclosure/"
            }),
            group("学习课程", &|p| {
                p.starts_with("lessons/") && p != "lessons/"
            }),
            group("党组织", &|p| p.starts_with("branches/")),
            group("标签", &|p| p.starts_with("tags/")),
        ]
    }

    pub(super) fn render(&self, template: &str, ctx: &Context) -> Result<String, Diagnostic> {
        self.theme.tera.render(template, ctx).map_err(|e| {
            let mut d = template_error(&e, |_| None);
            if d.path.as_os_str() == "模板" {
                d.path = format!("模板 {template}").into();
            }
            d
        })
    }

    /// The listing views of these items.
    fn views(&self, items: &[ItemRef]) -> Vec<&tera::Value> {
        items.iter().map(|r| self.view(r.index)).collect()
    }

    /// An item's listing view, with its list entry rendered once
    /// (`partials/item_entry.html`) for every listing that shows it.
    fn view(&self, i: usize) -> &tera::Value {
        self.summaries[i].get_or_init(|| {
            let mut value =
                tera::to_value(ListItem::new(self.site, &self.site.items[i])).unwrap_or_default();
            let mut ctx = Context::new();
            ctx.insert("it", &value);
            let entry = self
                .theme
                .tera
                .render("partials/item_entry.html", &ctx)
                .unwrap_or_default();
            if let tera::Value::Object(map) = &mut value {
                map.insert("entry".into(), tera::Value::String(entry));
            }
            value
        })
    }

    fn link(&self, r: &ItemRef) -> Link {
        let it = &self.site.items[r.index];
        Link {
            title: it.entry.title.clone(),
            url: self.site.url(&it.path),
        }
    }
}
