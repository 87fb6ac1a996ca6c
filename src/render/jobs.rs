//! Every page to render, described once by what it shows.
//!
//! Planning turns the model into [`Job`]s: each names its template and
//! output path and carries the data its page shows — the items it lists
//! as [`ItemRef`]s (an index with the item's fingerprint) and everything
//! else as ready-made views. The renderer builds a page only from its job
//! (and the site-wide settings), and a job's fingerprint is the hash of
//! that description, so a page cannot show something its fingerprint does
//! not cover.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

use super::context::{BranchView, CountedLink, DateView, Link, OrgView, page_path};
use super::feeds::FeedLinks;
use crate::content::{Kind, category_label};
use crate::site::Site;
use crate::theme::Theme;

/// An item a page shows, with the item's fingerprint: hashing a job hashes
/// the items it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ItemRef {
    pub(crate) index: usize,
    fingerprint: u64,
}

impl ItemRef {
    pub fn new(site: &Site, index: usize) -> Self {
        ItemRef {
            index,
            fingerprint: site.items[index].fingerprint,
        }
    }
}

/// A course as the home page, `/lessons/` and the course page show it.
#[derive(Debug, Clone, Hash)]
pub(crate) struct CourseCard {
    /// Index in `site.courses` (its title, description, cover and intro
    /// come from its `_index.md`, part of the site-wide fingerprint).
    pub(crate) course: usize,
    /// The lessons listed (empty where the card shows none).
    pub(crate) lessons: Vec<ItemRef>,
    pub(crate) lesson_count: usize,
    pub(crate) required_count: usize,
    pub(crate) minutes: u32,
}

/// What a listing page shows above its items.
#[derive(Debug, Clone, Hash)]
pub(crate) enum Header {
    /// A kind's section (with the 党务公开 categories for `disclosure/`).
    Section {
        kind: Kind,
        categories: Option<Vec<CountedLink>>,
    },
    /// A 党务公开 category.
    Category {
        key: &'static str,
        categories: Vec<CountedLink>,
    },
    Tag(Link),
    Branch(Box<BranchView>),
}

/// What one page shows.
#[derive(Debug, Clone, Hash)]
pub(crate) enum Page {
    Item {
        item: ItemRef,
        prev: Option<ItemRef>,
        next: Option<ItemRef>,
        /// Position in its course: (1-based index, count).
        position: Option<(usize, usize)>,
        /// Listing paths whose feeds the page links (site, section, branch).
        feeds: [String; 3],
    },
    Listing {
        header: Header,
        base: String,
        n: usize,
        total_pages: usize,
        total_items: usize,
        items: Vec<ItemRef>,
    },
    Home {
        notices: Vec<ItemRef>,
        news: Vec<ItemRef>,
        disclosures: Vec<ItemRef>,
        courses: Vec<CourseCard>,
        required: Vec<ItemRef>,
    },
    Lessons {
        courses: Vec<CourseCard>,
        required: Vec<ItemRef>,
    },
    Course(CourseCard),
    Tags(Vec<CountedLink>),
    Branches(OrgView),
    NotFound,
    Feeds,
    /// Page `n` of the 基层动态 listing (pulled entries, `render/pulled.rs`;
    /// they are part of the site-wide fingerprint).
    Jiceng(usize),
    /// The search page, with its filters (not in the sitemap).
    Search(Box<crate::search::PageView>),
}

/// A page to render: its template, where it goes, and what it shows.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) template: String,
    /// The page's URL path (`news/a/`, `news/page/2/`, `` for home), or
    /// the file for pages that are not an `index.html` (`404.html`).
    pub(crate) path: String,
    pub(crate) page: Page,
}

impl Job {
    /// The job's key in the memo: its output path.
    pub(crate) fn key(&self) -> u64 {
        let mut h = FxHasher::default();
        ("page", &self.path).hash(&mut h);
        h.finish()
    }

    /// A hash of everything the page is rendered from: the site-wide
    /// settings, its template (with what it includes) and its description.
    pub(crate) fn fingerprint(&self, global: u64, theme: &Theme) -> u64 {
        let mut h = FxHasher::default();
        (global, theme.template_fingerprint(&self.template), self).hash(&mut h);
        h.finish()
    }
}

impl Hash for Job {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (&self.template, &self.path, &self.page).hash(state);
    }
}

/// A hash of what every page reads besides its job: the configuration, the
/// gate (scope, instant, preview), the sections and courses as their
/// `_index.md` describe them, and every feed's links.
pub(crate) fn global_fingerprint(
    site: &Site,
    feed_links: &std::collections::BTreeMap<String, FeedLinks>,
) -> u64 {
    let mut h = FxHasher::default();
    (&site.config, &site.gate, &site.home, &site.sections).hash(&mut h);
    for c in &site.courses {
        (&c.id, &c.section).hash(&mut h);
    }
    feed_links.hash(&mut h);
    site.pulled.fingerprint.hash(&mut h);
    h.finish()
}

/// Every page of the site.
pub(crate) fn plan(site: &Site) -> Vec<Job> {
    let mut jobs = item_jobs(site);
    jobs.push(home(site));
    jobs.push(Job {
        template: "lessons.html".into(),
        path: "lessons/".into(),
        page: Page::Lessons {
            courses: (0..site.courses.len())
                .map(|c| course_card(site, c, true))
                .collect(),
            required: required_lessons(site, usize::MAX),
        },
    });
    jobs.push(Job {
        template: "tags.html".into(),
        path: "tags/".into(),
        page: Page::Tags(
            site.tags
                .iter()
                .map(|t| CountedLink {
                    title: t.name.clone(),
                    url: site.url(&format!("tags/{}/", t.slug)),
                    count: t.items.len(),
                })
                .collect(),
        ),
    });
    jobs.push(Job {
        template: "branches.html".into(),
        path: "branches/".into(),
        page: Page::Branches(super::context::org_view(site, &site.config.organization)),
    });
    jobs.push(Job {
        template: "404.html".into(),
        path: "404.html".into(),
        page: Page::NotFound,
    });
    jobs.push(Job {
        template: "feeds.html".into(),
        path: "feeds/".into(),
        page: Page::Feeds,
    });
    for c in 0..site.courses.len() {
        jobs.push(Job {
            template: "course.html".into(),
            path: site.courses[c].section.path.clone(),
            page: Page::Course(course_card(site, c, true)),
        });
    }
    if site.config.search.enabled {
        jobs.push(Job {
            template: "search.html".into(),
            path: crate::search::PAGE_DIR.into(),
            page: Page::Search(Box::new(crate::search::page_view(site))),
        });
    }
    listing_jobs(site, &mut jobs);
    for n in 1..=super::pulled::pages(site) {
        jobs.push(Job {
            template: "jiceng.html".into(),
            path: page_path(super::pulled::JICENG, n),
            page: Page::Jiceng(n),
        });
    }
    jobs
}

/// One page per item, with its neighbours in its listing (or course).
fn item_jobs(site: &Site) -> Vec<Job> {
    let mut neighbours = vec![(None, None); site.items.len()];
    let mut positions = vec![None; site.items.len()];
    let lists = site
        .by_kind
        .iter()
        .filter(|(k, _)| !matches!(k, Kind::Lesson | Kind::Page))
        .map(|(_, l)| l)
        .chain(site.courses.iter().map(|c| &c.lessons));
    for list in lists {
        for (pos, &i) in list.iter().enumerate() {
            let prev = pos.checked_sub(1).map(|p| list[p]);
            neighbours[i] = (prev, list.get(pos + 1).copied());
        }
    }
    for c in &site.courses {
        for (pos, &i) in c.lessons.iter().enumerate() {
            positions[i] = Some((pos + 1, c.lessons.len()));
        }
    }
    site.items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let e = &item.entry;
            let section = match (e.kind, &e.course) {
                (Kind::Lesson, Some(c)) => format!("lessons/{c}/"),
                (kind, _) => format!("{}/", kind.dir()),
            };
            let branch = e
                .meta
                .branch
                .as_deref()
                .map(|b| format!("branches/{b}/"))
                .unwrap_or_default();
            let (prev, next) = neighbours[i];
            Job {
                template: format!("{}.html", item_template(e.kind)),
                path: item.path.clone(),
                page: Page::Item {
                    item: ItemRef::new(site, i),
                    prev: prev.map(|p| ItemRef::new(site, p)),
                    next: next.map(|n| ItemRef::new(site, n)),
                    position: positions[i],
                    feeds: [String::new(), section, branch],
                },
            }
        })
        .collect()
}

fn item_template(kind: Kind) -> &'static str {
    match kind {
        Kind::News => "news",
        Kind::Notice => "notice",
        Kind::Lesson => "lesson",
        Kind::Disclosure => "disclosure",
        Kind::Page => "page",
    }
}

fn refs(site: &Site, list: &[usize], n: usize) -> Vec<ItemRef> {
    list.iter()
        .take(n)
        .map(|&i| ItemRef::new(site, i))
        .collect()
}

fn home(site: &Site) -> Job {
    let of = |k: Kind| site.by_kind.get(&k).map_or(&[][..], Vec::as_slice);
    Job {
        template: "index.html".into(),
        path: String::new(),
        page: Page::Home {
            // The notices listing already leads with pinned, unexpired notices.
            notices: refs(site, of(Kind::Notice), 8),
            news: refs(site, of(Kind::News), 6),
            disclosures: refs(site, of(Kind::Disclosure), 5),
            courses: (0..site.courses.len())
                .map(|c| course_card(site, c, false))
                .collect(),
            required: required_lessons(site, 6),
        },
    }
}

/// Required lessons of every course, in course order, at most `n`.
fn required_lessons(site: &Site, n: usize) -> Vec<ItemRef> {
    site.courses
        .iter()
        .flat_map(|c| c.lessons.iter())
        .filter(|&&i| site.items[i].entry.meta.required)
        .take(n)
        .map(|&i| ItemRef::new(site, i))
        .collect()
}

fn course_card(site: &Site, c: usize, with_lessons: bool) -> CourseCard {
    let lessons = &site.courses[c].lessons;
    let meta = |i: usize| &site.items[i].entry.meta;
    CourseCard {
        course: c,
        lessons: if with_lessons {
            refs(site, lessons, usize::MAX)
        } else {
            Vec::new()
        },
        lesson_count: lessons.len(),
        required_count: lessons.iter().filter(|&&i| meta(i).required).count(),
        minutes: lessons.iter().map(|&i| meta(i).duration.unwrap_or(0)).sum(),
    }
}

/// Every page of every paginated listing: sections, categories, tags, branches.
fn listing_jobs(site: &Site, jobs: &mut Vec<Job>) {
    let categories: Vec<CountedLink> = site
        .categories
        .iter()
        .map(|(key, list)| CountedLink {
            title: category_label(key).to_string(),
            url: site.url(&format!("disclosure/{key}/")),
            count: list.len(),
        })
        .collect();
    let per = site.config.pagination;
    for kind in [Kind::News, Kind::Notice, Kind::Disclosure] {
        let sec = &site.sections[&kind];
        let list = site.by_kind.get(&kind).map_or(&[][..], Vec::as_slice);
        let header = Header::Section {
            kind,
            categories: (kind == Kind::Disclosure).then(|| categories.clone()),
        };
        paginate(
            site,
            jobs,
            "section.html",
            &sec.path,
            list,
            sec.pagination,
            &header,
        );
    }
    let disclosure_per = site.sections[&Kind::Disclosure].pagination;
    for (key, list) in &site.categories {
        let header = Header::Category {
            key,
            categories: categories.clone(),
        };
        let base = format!("disclosure/{key}/");
        paginate(
            site,
            jobs,
            "section.html",
            &base,
            list,
            disclosure_per,
            &header,
        );
    }
    for t in &site.tags {
        let base = format!("tags/{}/", t.slug);
        let header = Header::Tag(Link {
            title: t.name.clone(),
            url: site.url(&base),
        });
        paginate(site, jobs, "tag.html", &base, &t.items, per, &header);
    }
    for b in 0..site.branches.len() {
        let base = format!("branches/{}/", site.branches[b].id);
        let header = Header::Branch(Box::new(branch_view(site, b)));
        let list = &site.branches[b].all;
        paginate(site, jobs, "branch.html", &base, list, per, &header);
    }
}

fn paginate(
    site: &Site,
    jobs: &mut Vec<Job>,
    template: &str,
    base: &str,
    list: &[usize],
    per: usize,
    header: &Header,
) {
    let per = per.max(1);
    let total_pages = list.len().div_ceil(per).max(1);
    for n in 1..=total_pages {
        jobs.push(Job {
            template: template.into(),
            path: page_path(base, n),
            page: Page::Listing {
                header: header.clone(),
                base: base.to_string(),
                n,
                total_pages,
                total_items: list.len(),
                items: list
                    .iter()
                    .skip((n - 1) * per)
                    .take(per)
                    .map(|&i| ItemRef::new(site, i))
                    .collect(),
            },
        });
    }
}

/// A branch's header: parent, children and counts, its latest date.
fn branch_view(site: &Site, b: usize) -> BranchView {
    let branch = &site.branches[b];
    let link = |id: &str| {
        site.branch(id).map(|x| CountedLink {
            title: x.name.clone(),
            url: site.url(&format!("branches/{}/", x.id)),
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
        url: site.url(&format!("{}/", k.dir())),
        count: branch
            .all
            .iter()
            .filter(|&&i| site.items[i].entry.kind == k)
            .count(),
    })
    .filter(|c| c.count > 0)
    .collect();
    BranchView {
        id: branch.id.clone(),
        name: branch.name.clone(),
        url: site.url(&format!("branches/{}/", branch.id)),
        parent: branch.parent.as_deref().and_then(link),
        children: branch.children.iter().filter_map(|c| link(c)).collect(),
        counts,
        own_count: branch.own.len(),
        total_count: branch.all.len(),
        latest: branch
            .all
            .iter()
            .filter_map(|&i| site.items[i].entry.date)
            .max()
            .as_ref()
            .map(DateView::new),
    }
}
