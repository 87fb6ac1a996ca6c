//! The HTML pages: one job per page, each rendered independently.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;
use std::sync::OnceLock;

use serde::Serialize;
use tera::Context;

use super::context::{self, DateView, ItemView, Link, ListItem, PageLink, Paginator, page_path};
use super::feeds::{self, FeedLinks};
use super::{Data, OutputFile};
use crate::content::{Kind, category_label};
use crate::diagnostic::Diagnostic;
use crate::site::{Item, Site};
use crate::theme::{Theme, template_error};

/// One page (or a paginated listing's page) to render.
#[derive(Debug, Clone, Copy)]
pub enum Job {
    Item(usize),
    Listing(Listing, usize),
    Home,
    Lessons,
    Course(usize),
    Tags,
    Branches,
    NotFound,
    Feeds,
    Search,
}

/// A paginated listing.
#[derive(Debug, Clone, Copy)]
pub enum Listing {
    Kind(Kind),
    Category(usize),
    Tag(usize),
    Branch(usize),
}

pub struct Renderer<'a> {
    site: &'a Site,
    theme: &'a Theme,
    base: Context,
    /// Item index → (previous, next) neighbour in its listing.
    neighbours: HashMap<usize, (Option<usize>, Option<usize>)>,
    /// Item index → (position, count) in its course.
    positions: HashMap<usize, (usize, usize)>,
    /// Each item's listing view, serialized once when first needed and
    /// shared by all listings.
    summaries: Vec<OnceLock<tera::Value>>,
    /// Each branch's header (counts, latest date), computed once when needed.
    branch_views: Vec<OnceLock<tera::Value>>,
    /// A hash of each branch's header, for fingerprints.
    branch_hashes: Vec<OnceLock<u64>>,
    /// Listing path → its feeds.
    feed_links: std::collections::BTreeMap<String, FeedLinks>,
}

#[derive(Serialize)]
struct Position {
    index: usize,
    total: usize,
}

#[derive(Serialize)]
struct CountedLink {
    title: String,
    url: String,
    count: usize,
}

impl<'a> Renderer<'a> {
    pub fn new(site: &'a Site, theme: &'a Theme) -> Self {
        let mut base = Context::new();
        base.insert("site", &context::site_view(site));
        base.insert("now", &DateView::new(&site.gate.now));
        let mut neighbours = HashMap::new();
        let lists = site
            .by_kind
            .iter()
            .filter(|(k, _)| !matches!(k, Kind::Lesson | Kind::Page))
            .map(|(_, l)| l)
            .chain(site.courses.iter().map(|c| &c.lessons));
        for list in lists {
            for (pos, &i) in list.iter().enumerate() {
                let prev = pos.checked_sub(1).map(|p| list[p]);
                neighbours.insert(i, (prev, list.get(pos + 1).copied()));
            }
        }
        let positions = site
            .courses
            .iter()
            .flat_map(|c| {
                let total = c.lessons.len();
                c.lessons
                    .iter()
                    .enumerate()
                    .map(move |(pos, &i)| (i, (pos + 1, total)))
            })
            .collect();
        Renderer {
            site,
            theme,
            base,
            neighbours,
            positions,
            summaries: site.items.iter().map(|_| OnceLock::new()).collect(),
            branch_views: site.branches.iter().map(|_| OnceLock::new()).collect(),
            branch_hashes: site.branches.iter().map(|_| OnceLock::new()).collect(),
            feed_links: feeds::links_by_path(site),
        }
    }

    /// A hash of everything every page reads besides its own items: the
    /// theme, the configuration, the instant, sections and courses, feeds
    /// and 党务公开 categories.
    pub fn global_fingerprint(&self) -> u64 {
        let s = self.site;
        let mut h = FxHasher::default();
        self.theme.fingerprint.hash(&mut h);
        format!("{:?}", s.config).hash(&mut h);
        format!("{:?}", s.gate).hash(&mut h);
        format!("{:?}{:?}", s.home, s.sections).hash(&mut h);
        for c in &s.courses {
            (&c.id, format!("{:?}", c.section)).hash(&mut h);
        }
        format!("{:?}", self.feed_links).hash(&mut h);
        for (key, list) in &s.categories {
            (key, list.len()).hash(&mut h);
        }
        h.finish()
    }

    /// A job's memo key and the hash of everything it renders from.
    pub fn fingerprint(&self, job: &Job, global: u64) -> (u64, u64) {
        let s = self.site;
        let mut h = FxHasher::default();
        global.hash(&mut h);
        let item_fp = |i: usize, h: &mut FxHasher| {
            (&s.items[i].path, s.items[i].fingerprint).hash(h);
        };
        let key = match *job {
            Job::Item(i) => {
                item_fp(i, &mut h);
                let (prev, next) = self.neighbours.get(&i).copied().unwrap_or_default();
                for n in [prev, next] {
                    n.is_some().hash(&mut h);
                    if let Some(n) = n {
                        item_fp(n, &mut h);
                    }
                }
                self.positions.get(&i).hash(&mut h);
                super::memo_key("item", &s.items[i].path)
            }
            Job::Listing(l, n) => {
                let (base, list, per) = self.listing_of(l);
                let per = per.max(1);
                (n, per, list.len()).hash(&mut h);
                for &i in list.iter().skip((n - 1) * per).take(per) {
                    item_fp(i, &mut h);
                }
                match l {
                    Listing::Branch(b) => self.branch_hashes[b]
                        .get_or_init(|| {
                            let mut bh = FxHasher::default();
                            self.branch_value(b).to_string().hash(&mut bh);
                            bh.finish()
                        })
                        .hash(&mut h),
                    Listing::Tag(t) => s.tags[t].name.hash(&mut h),
                    Listing::Kind(k) => k.hash(&mut h),
                    Listing::Category(_) => {}
                }
                super::memo_key("list", &page_path(&base, n))
            }
            Job::Home => {
                for kind in [Kind::Notice, Kind::News, Kind::Disclosure] {
                    for &i in s.by_kind.get(&kind).into_iter().flatten().take(8) {
                        item_fp(i, &mut h);
                    }
                }
                for c in &s.courses {
                    c.id.hash(&mut h);
                    c.lessons.iter().for_each(|&i| item_fp(i, &mut h));
                }
                super::memo_key("home", "")
            }
            Job::Lessons => {
                for c in &s.courses {
                    c.id.hash(&mut h);
                    c.lessons.iter().for_each(|&i| item_fp(i, &mut h));
                }
                super::memo_key("lessons", "")
            }
            Job::Course(c) => {
                let course = &s.courses[c];
                course.lessons.iter().for_each(|&i| item_fp(i, &mut h));
                super::memo_key("course", &course.id)
            }
            Job::Tags => {
                for t in &s.tags {
                    (&t.name, &t.slug, t.items.len()).hash(&mut h);
                }
                super::memo_key("tags", "")
            }
            Job::Branches => {
                for b in &s.branches {
                    (&b.id, b.own.len(), b.all.len()).hash(&mut h);
                }
                super::memo_key("branches", "")
            }
            Job::NotFound => super::memo_key("404", ""),
            Job::Feeds => super::memo_key("feeds", ""),
            Job::Search => {
                crate::search::page_fingerprint(s).hash(&mut h);
                super::memo_key("search", "")
            }
        };
        (key, h.finish())
    }

    /// A listing's path, items and page size.
    fn listing_of(&self, listing: Listing) -> (String, &[usize], usize) {
        let s = self.site;
        match listing {
            Listing::Kind(kind) => {
                let sec = &s.sections[&kind];
                let list = s.by_kind.get(&kind).map_or(&[][..], Vec::as_slice);
                (sec.path.clone(), list, sec.pagination)
            }
            Listing::Category(c) => {
                let (key, list) = &s.categories[c];
                let per = s.sections[&Kind::Disclosure].pagination;
                (format!("disclosure/{key}/"), list, per)
            }
            Listing::Tag(t) => {
                let tag = &s.tags[t];
                (
                    format!("tags/{}/", tag.slug),
                    &tag.items,
                    s.config.pagination,
                )
            }
            Listing::Branch(b) => {
                let branch = &s.branches[b];
                (
                    format!("branches/{}/", branch.id),
                    &branch.all,
                    s.config.pagination,
                )
            }
        }
    }

    fn branch_value(&self, b: usize) -> &tera::Value {
        self.branch_views[b].get_or_init(|| tera::to_value(self.branch_view(b)).unwrap_or_default())
    }

    pub fn jobs(&self) -> Vec<Job> {
        let s = self.site;
        let pages = |len: usize, per: usize| len.div_ceil(per.max(1)).max(1);
        let mut jobs: Vec<Job> = (0..s.items.len()).map(Job::Item).collect();
        jobs.extend([
            Job::Home,
            Job::Lessons,
            Job::Tags,
            Job::Branches,
            Job::NotFound,
            Job::Feeds,
        ]);
        jobs.extend((0..s.courses.len()).map(Job::Course));
        if s.config.search.enabled {
            jobs.push(Job::Search);
        }
        let per = s.config.pagination;
        for kind in [Kind::News, Kind::Notice, Kind::Disclosure] {
            let n = s.by_kind.get(&kind).map_or(0, Vec::len);
            let per = s.sections[&kind].pagination;
            jobs.extend((1..=pages(n, per)).map(|p| Job::Listing(Listing::Kind(kind), p)));
        }
        for (i, (_, list)) in s.categories.iter().enumerate() {
            let per = s.sections[&Kind::Disclosure].pagination;
            jobs.extend(
                (1..=pages(list.len(), per)).map(|p| Job::Listing(Listing::Category(i), p)),
            );
        }
        for (i, t) in s.tags.iter().enumerate() {
            jobs.extend((1..=pages(t.items.len(), per)).map(|p| Job::Listing(Listing::Tag(i), p)));
        }
        for (i, b) in s.branches.iter().enumerate() {
            jobs.extend((1..=pages(b.all.len(), per)).map(|p| Job::Listing(Listing::Branch(i), p)));
        }
        jobs
    }

    pub fn run(&self, job: &Job) -> Result<Vec<OutputFile>, Diagnostic> {
        let s = self.site;
        let page = |path: String, template: &str, mut ctx: Context| {
            ctx.insert("feeds", &self.feeds_for(&["", &path]));
            ctx.insert("permalink", &s.permalink(&path));
            let html = self.render(template, &ctx)?;
            Ok(vec![OutputFile::page(
                format!("{path}index.html"),
                html,
                None,
                None,
            )])
        };
        match *job {
            Job::Item(i) => self.item(i),
            Job::Listing(l, n) => self.listing(l, n),
            Job::Home => page(String::new(), "index.html", self.home()),
            Job::Lessons => page("lessons/".into(), "lessons.html", self.lessons()),
            Job::Course(c) => page(
                s.courses[c].section.path.clone(),
                "course.html",
                self.course(c),
            ),
            Job::Tags => {
                let mut ctx = self.base.clone();
                let tags: Vec<CountedLink> = s
                    .tags
                    .iter()
                    .map(|t| CountedLink {
                        title: t.name.clone(),
                        url: s.url(&format!("tags/{}/", t.slug)),
                        count: t.items.len(),
                    })
                    .collect();
                ctx.insert("tags", &tags);
                page("tags/".into(), "tags.html", ctx)
            }
            Job::Branches => {
                let mut ctx = self.base.clone();
                ctx.insert("org", &context::org_view(s, &s.config.organization));
                page("branches/".into(), "branches.html", ctx)
            }
            Job::Feeds => {
                let mut ctx = self.base.clone();
                ctx.insert("feed_groups", &self.feed_groups());
                page("feeds/".into(), "feeds.html", ctx)
            }
            Job::Search => {
                let mut ctx = self.base.clone();
                ctx.insert("search", &crate::search::page_view(s));
                ctx.insert("feeds", &self.feeds_for(&[""]));
                ctx.insert("permalink", &s.permalink(crate::search::PAGE_DIR));
                let html = self.render("search.html", &ctx)?;
                Ok(vec![crate::search::page_file(html)])
            }
            Job::NotFound => {
                let html = self.render("404.html", &self.base)?;
                Ok(vec![OutputFile::other(
                    "404.html".into(),
                    Data::Bytes(html.into_bytes()),
                    None,
                )])
            }
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

    fn render(&self, template: &str, ctx: &Context) -> Result<String, Diagnostic> {
        self.theme.tera.render(template, ctx).map_err(|e| {
            let mut d = template_error(&e, |_| None);
            if d.path.as_os_str() == "模板" {
                d.path = format!("模板 {template}").into();
            }
            d
        })
    }

    fn view(&self, i: usize) -> &tera::Value {
        self.summaries[i].get_or_init(|| {
            tera::to_value(ListItem::new(self.site, &self.site.items[i])).unwrap_or_default()
        })
    }

    fn link(&self, i: usize) -> Link {
        let it = &self.site.items[i];
        Link {
            title: it.entry.title.clone(),
            url: self.site.url(&it.path),
        }
    }

    fn item(&self, i: usize) -> Result<Vec<OutputFile>, Diagnostic> {
        let s = self.site;
        let item: &Item = &s.items[i];
        let mut ctx = self.base.clone();
        ctx.insert("page", &ItemView::new(s, item, true));
        let section = match (&item.entry.kind, &item.entry.course) {
            (Kind::Lesson, Some(c)) => format!("lessons/{c}/"),
            (kind, _) => format!("{}/", kind.dir()),
        };
        let branch = item
            .entry
            .meta
            .branch
            .as_deref()
            .map(|b| format!("branches/{b}/"))
            .unwrap_or_default();
        ctx.insert("feeds", &self.feeds_for(&["", &section, &branch]));
        let (prev, next) = self.neighbours.get(&i).copied().unwrap_or_default();
        ctx.insert("prev", &prev.map(|p| self.link(p)));
        ctx.insert("next", &next.map(|n| self.link(n)));
        if let Some(&(index, total)) = self.positions.get(&i) {
            ctx.insert("position", &Position { index, total });
        }
        let template = format!(
            "{}.html",
            match item.entry.kind {
                Kind::News => "news",
                Kind::Notice => "notice",
                Kind::Lesson => "lesson",
                Kind::Disclosure => "disclosure",
                Kind::Page => "page",
            }
        );
        let html = self.render(&template, &ctx).map_err(|mut d| {
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
                Data::Bytes(qr_svg(&s.permalink(&item.path)).into_bytes()),
                Some(item.entry.path.clone()),
            ));
        }
        Ok(files)
    }

    fn paginator(&self, base: &str, list: &[usize], per: usize, n: usize) -> Paginator<'_> {
        let s = self.site;
        let per = per.max(1);
        let total_pages = list.len().div_ceil(per).max(1);
        let url = |k: usize| s.url(&page_path(base, k));
        Paginator {
            items: list
                .iter()
                .skip((n - 1) * per)
                .take(per)
                .map(|&i| self.view(i))
                .collect(),
            current: n,
            total_pages,
            total_items: list.len(),
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

    fn listing(&self, listing: Listing, n: usize) -> Result<Vec<OutputFile>, Diagnostic> {
        let s = self.site;
        let mut ctx = self.base.clone();
        let (base, list, per) = self.listing_of(listing);
        let template = match listing {
            Listing::Kind(kind) => {
                let sec = &s.sections[&kind];
                ctx.insert(
                    "section",
                    &SectionView::new(
                        s,
                        sec.title.clone(),
                        &sec.path,
                        &sec.description,
                        &sec.intro_html,
                    ),
                );
                if kind == Kind::Disclosure {
                    ctx.insert("categories", &self.categories());
                }
                "section.html"
            }
            Listing::Category(c) => {
                let key = s.categories[c].0;
                let title = category_label(key).to_string();
                ctx.insert("section", &SectionView::new(s, title, &base, "", ""));
                ctx.insert("categories", &self.categories());
                ctx.insert("category", key);
                "section.html"
            }
            Listing::Tag(t) => {
                ctx.insert(
                    "tag",
                    &Link {
                        title: s.tags[t].name.clone(),
                        url: s.url(&base),
                    },
                );
                "tag.html"
            }
            Listing::Branch(b) => {
                ctx.insert("branch", self.branch_value(b));
                "branch.html"
            }
        };
        ctx.insert("paginator", &self.paginator(&base, list, per, n));
        ctx.insert("permalink", &s.permalink(&page_path(&base, n)));
        ctx.insert("feeds", &self.feeds_for(&["", &base]));
        let html = self.render(template, &ctx)?;
        Ok(vec![OutputFile::page(
            format!("{}index.html", page_path(&base, n)),
            html,
            None,
            None,
        )])
    }

    fn categories(&self) -> Vec<CountedLink> {
        self.site
            .categories
            .iter()
            .map(|(key, list)| CountedLink {
                title: category_label(key).to_string(),
                url: self.site.url(&format!("disclosure/{key}/")),
                count: list.len(),
            })
            .collect()
    }

    fn branch_view(&self, b: usize) -> BranchView<'a> {
        let s = self.site;
        let branch = &s.branches[b];
        let link = |id: &str| {
            s.branches.iter().find(|x| x.id == id).map(|x| CountedLink {
                title: x.name.clone(),
                url: s.url(&format!("branches/{}/", x.id)),
                count: x.all.len(),
            })
        };
        let counts = [
            Kind::Notice,
            Kind::News,
            Kind::Lesson,
            Kind::Disclosure,
            Kind::Page,
        ]
        .into_iter()
        .map(|k| CountedLink {
            title: k.label().to_string(),
            url: s.url(&format!("{}/", k.dir())),
            count: branch
                .all
                .iter()
                .filter(|&&i| s.items[i].entry.kind == k)
                .count(),
        })
        .filter(|c| c.count > 0)
        .collect();
        BranchView {
            id: &branch.id,
            name: &branch.name,
            url: s.url(&format!("branches/{}/", branch.id)),
            parent: branch.parent.as_deref().and_then(link),
            children: branch.children.iter().filter_map(|c| link(c)).collect(),
            counts,
            own_count: branch.own.len(),
            total_count: branch.all.len(),
            latest: branch
                .all
                .iter()
                .filter_map(|&i| s.items[i].entry.date)
                .max()
                .as_ref()
                .map(DateView::new),
        }
    }

    fn home(&self) -> Context {
        let s = self.site;
        let mut ctx = self.base.clone();
        let h = &s.home;
        ctx.insert(
            "section",
            &SectionView::new(s, h.title.clone(), "", &h.description, &h.intro_html),
        );
        let of = |k: Kind| s.by_kind.get(&k).cloned().unwrap_or_default();
        // The notices listing already leads with pinned, unexpired notices.
        let notices = of(Kind::Notice);
        let views = |list: Vec<usize>, n: usize| -> Vec<&tera::Value> {
            list.into_iter().take(n).map(|i| self.view(i)).collect()
        };
        ctx.insert("notices", &views(notices, 8));
        ctx.insert("news", &views(of(Kind::News), 6));
        ctx.insert("disclosures", &views(of(Kind::Disclosure), 5));
        ctx.insert("courses", &self.course_views(false));
        ctx.insert("required_lessons", &self.required_lessons(6));
        ctx
    }

    /// Required lessons of every course, in course order, at most `n`.
    fn required_lessons(&self, n: usize) -> Vec<&tera::Value> {
        let s = self.site;
        s.courses
            .iter()
            .flat_map(|c| c.lessons.iter())
            .filter(|&&i| s.items[i].entry.meta.required)
            .take(n)
            .map(|&i| self.view(i))
            .collect()
    }

    fn course_views(&self, with_lessons: bool) -> Vec<CourseView<'_>> {
        (0..self.site.courses.len())
            .map(|c| self.course_view(c, with_lessons))
            .collect()
    }

    fn course_view(&self, c: usize, with_lessons: bool) -> CourseView<'_> {
        let s = self.site;
        let course = &s.courses[c];
        let lessons = &course.lessons;
        CourseView {
            id: &course.id,
            cover: course.section.cover.as_ref(),
            cover_alt: course.section.cover_alt.as_deref(),
            title: &course.section.title,
            description: &course.section.description,
            intro: &course.section.intro_html,
            url: s.url(&course.section.path),
            lesson_count: lessons.len(),
            required_count: lessons
                .iter()
                .filter(|&&i| s.items[i].entry.meta.required)
                .count(),
            minutes: lessons
                .iter()
                .map(|&i| s.items[i].entry.meta.duration.unwrap_or(0))
                .sum(),
            lessons: if with_lessons {
                lessons.iter().map(|&i| self.view(i)).collect()
            } else {
                Vec::new()
            },
        }
    }

    fn lessons(&self) -> Context {
        let s = self.site;
        let mut ctx = self.base.clone();
        let sec = &s.sections[&Kind::Lesson];
        ctx.insert(
            "section",
            &SectionView::new(
                s,
                sec.title.clone(),
                &sec.path,
                &sec.description,
                &sec.intro_html,
            ),
        );
        ctx.insert("courses", &self.course_views(true));
        ctx.insert("required_lessons", &self.required_lessons(usize::MAX));
        ctx
    }

    fn course(&self, c: usize) -> Context {
        let mut ctx = self.base.clone();
        ctx.insert("course", &self.course_view(c, true));
        ctx
    }

    /// Redirect pages for every `aliases` entry.
    pub fn aliases(&self, diags: &mut Vec<Diagnostic>) -> Vec<OutputFile> {
        let s = self.site;
        let mut out = Vec::new();
        for item in &s.items {
            for alias in &item.entry.meta.aliases {
                let Some(path) = alias_path(alias) else {
                    diags.push(
                        item.entry
                            .error("aliases", format!("旧网址 “{alias}” 不可用"))
                            .hint("写成站内路径，以 / 开头，例如 /old/path.html；不能包含 .."),
                    );
                    continue;
                };
                let mut ctx = self.base.clone();
                ctx.insert(
                    "target",
                    &Link {
                        title: item.entry.title.clone(),
                        url: s.url(&item.path),
                    },
                );
                ctx.insert("permalink", &s.permalink(&item.path));
                match self.render("alias.html", &ctx) {
                    Ok(html) => out.push(OutputFile::other(
                        path,
                        Data::Bytes(html.into_bytes()),
                        Some(item.entry.path.clone()),
                    )),
                    Err(d) => diags.push(d),
                }
            }
        }
        out
    }
}

/// A QR code of `url` as SVG, for the printed notice: black on white, with
/// its quiet zone, scaled by the page.
pub fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
        // Only a URL longer than a QR code can hold; print without one.
        Err(_) => {
            String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>")
        }
    }
}

/// The output file for an alias, or `None` if it is not a safe site path.
fn alias_path(alias: &str) -> Option<String> {
    let rest = alias.trim().strip_prefix('/')?;
    let bad = rest.is_empty()
        || rest.contains(['\\', '?', '#', '\0'])
        || rest.split('/').any(|seg| seg == ".." || seg == ".");
    if bad || rest.starts_with('/') || rest.contains("//") {
        return None;
    }
    let last = rest.rsplit('/').next().unwrap_or("");
    Some(if rest.ends_with('/') {
        format!("{rest}index.html")
    } else if last.contains('.') {
        rest.to_string()
    } else {
        format!("{rest}/index.html")
    })
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

#[derive(Serialize)]
struct BranchView<'a> {
    id: &'a str,
    name: &'a str,
    url: String,
    parent: Option<CountedLink>,
    children: Vec<CountedLink>,
    counts: Vec<CountedLink>,
    own_count: usize,
    total_count: usize,
    latest: Option<DateView>,
}

#[cfg(test)]
mod tests {
    use super::alias_path;

    #[test]
    fn alias_paths() {
        assert_eq!(
            alias_path("/old/path.html").as_deref(),
            Some("old/path.html")
        );
        assert_eq!(
            alias_path("/old/path/").as_deref(),
            Some("old/path/index.html")
        );
        assert_eq!(
            alias_path("/old/path").as_deref(),
            Some("old/path/index.html")
        );
        assert_eq!(alias_path("/../etc/passwd"), None);
        assert_eq!(alias_path("old.html"), None);
        assert_eq!(alias_path("/"), None);
        assert_eq!(alias_path("//evil.example/x"), None);
    }
}
