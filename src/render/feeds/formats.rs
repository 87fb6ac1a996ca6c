//! The three feed formats, written with libraries that escape correctly:
//! the `rss` crate (with the iTunes extension for podcasts),
//! `atom_syndication`, and serde_json for JSON Feed 1.1.

use serde::Serialize;
use url::Url;

use super::{FeedEntry, FeedSpec};
use crate::site::Site;
use crate::time::Instant;

fn rfc2822(t: &Instant) -> String {
    t.to_rfc2822()
}

pub(super) fn rss(
    site: &Site,
    spec: &FeedSpec,
    entries: &[&FeedEntry],
    updated: Instant,
    podcast: bool,
) -> String {
    use rss::extension::atom::{AtomExtension, Link};
    let self_name = if podcast { "podcast.xml" } else { "feed.xml" };
    let mut channel = rss::Channel::default();
    channel.set_title(if podcast {
        format!("{}（音频）", spec.title)
    } else {
        spec.title.clone()
    });
    channel.set_link(site.permalink(&spec.path));
    channel.set_description(if spec.description.is_empty() {
        spec.title.clone()
    } else {
        spec.description.clone()
    });
    channel.set_language(site.config.language.clone());
    channel.set_generator("dangjian".to_string());
    channel.set_last_build_date(rfc2822(&updated));
    let mut self_link = Link::default();
    self_link.set_href(site.permalink(&format!("{}{self_name}", spec.path)));
    self_link.set_rel("self");
    self_link.set_mime_type(Some("application/rss+xml".to_string()));
    let mut atom = AtomExtension::default();
    atom.set_links(vec![self_link]);
    channel.set_atom_ext(atom);
    if podcast {
        channel.set_itunes_ext(podcast_channel(site, channel.description()));
    }
    channel.set_items(
        entries
            .iter()
            .map(|e| rss_item(e, podcast))
            .collect::<Vec<_>>(),
    );
    // The rss crate writes the XML declaration itself.
    let mut text = channel.to_string();
    text.push('\n');
    text
}

/// One RSS item; a podcast's carries its audio and iTunes tags, another
/// feed's its first attachment (or audio) as the enclosure.
fn rss_item(e: &FeedEntry, podcast: bool) -> rss::Item {
    use rss::extension::dublincore::DublinCoreExtension;
    use rss::extension::itunes::ITunesItemExtension;
    let mut item = rss::Item::default();
    item.set_title(e.title.clone());
    item.set_link(e.permalink.clone());
    let mut guid = rss::Guid::default();
    guid.set_value(e.permalink.clone());
    guid.set_permalink(true);
    item.set_guid(guid);
    item.set_pub_date(rfc2822(&e.published));
    item.set_description(e.summary.clone());
    item.set_content(e.html.clone());
    item.set_categories(
        e.categories
            .iter()
            .map(|c| {
                let mut cat = rss::Category::default();
                cat.set_name(c.clone());
                cat
            })
            .collect::<Vec<_>>(),
    );
    let mut dc = DublinCoreExtension::default();
    dc.set_creators(vec![e.author.clone()]);
    item.set_dublin_core_ext(dc);
    let enclosure = if podcast {
        e.audio.as_ref()
    } else {
        e.enclosures.first().or(e.audio.as_ref())
    };
    if let Some(a) = enclosure {
        let mut enc = rss::Enclosure::default();
        enc.set_url(a.url.clone());
        enc.set_length(a.length.to_string());
        enc.set_mime_type(a.mime.clone());
        item.set_enclosure(enc);
    }
    if podcast {
        let mut it = ITunesItemExtension::default();
        it.set_author(e.author.clone());
        it.set_explicit("false".to_string());
        it.set_duration(
            e.duration
                .map(|d| format!("{:02}:{:02}:00", d / 60, d % 60)),
        );
        it.set_episode(e.order.map(|o| o.to_string()));
        it.set_summary(e.summary.clone());
        item.set_itunes_ext(it);
    }
    item
}

/// The iTunes tags of a podcast channel.
fn podcast_channel(
    site: &Site,
    description: &str,
) -> rss::extension::itunes::ITunesChannelExtension {
    use rss::extension::itunes::{ITunesCategory, ITunesChannelExtension};
    let mut it = ITunesChannelExtension::default();
    it.set_author(site.config.title.clone());
    it.set_explicit("false".to_string());
    it.set_summary(description.to_string());
    if let Some(logo) = &site.config.logo {
        let base = Url::parse(&site.config.base_url).ok();
        it.set_image(
            base.and_then(|b| b.join(logo.trim_start_matches('/')).ok())
                .map(|u| u.to_string()),
        );
    }
    let mut cat = ITunesCategory::default();
    cat.set_text("Education".to_string());
    it.set_categories(vec![cat]);
    it
}

pub(super) fn atom(
    site: &Site,
    spec: &FeedSpec,
    entries: &[&FeedEntry],
    updated: Instant,
) -> String {
    use atom_syndication::{Feed, Text};
    let mut feed = Feed::default();
    feed.set_id(site.permalink(&format!("{}atom.xml", spec.path)));
    feed.set_title(Text::plain(spec.title.clone()));
    if !spec.description.is_empty() {
        feed.set_subtitle(Some(Text::plain(spec.description.clone())));
    }
    feed.set_updated(updated);
    feed.set_lang(Some(site.config.language.clone()));
    feed.set_authors(vec![atom_person(&site.config.title)]);
    feed.set_links(vec![
        atom_link(
            site.permalink(&spec.path),
            "alternate",
            Some("text/html"),
            None,
            None,
        ),
        atom_link(
            site.permalink(&format!("{}atom.xml", spec.path)),
            "self",
            Some("application/atom+xml"),
            None,
            None,
        ),
    ]);
    let mut generator = atom_syndication::Generator::default();
    generator.set_value("dangjian".to_string());
    feed.set_generator(Some(generator));
    feed.set_entries(entries.iter().map(|e| atom_entry(e)).collect::<Vec<_>>());
    // atom_syndication writes the XML declaration itself.
    let mut text = feed.to_string();
    text.push('\n');
    text
}

fn atom_link(
    href: String,
    rel: &str,
    mime: Option<&str>,
    length: Option<u64>,
    title: Option<&str>,
) -> atom_syndication::Link {
    let mut l = atom_syndication::Link::default();
    l.set_href(href);
    l.set_rel(rel.to_string());
    l.set_mime_type(mime.map(str::to_string));
    l.set_length(length.map(|n| n.to_string()));
    l.set_title(title.map(str::to_string));
    l
}

fn atom_person(name: &str) -> atom_syndication::Person {
    let mut p = atom_syndication::Person::default();
    p.set_name(name.to_string());
    p
}

/// One Atom entry, every attachment and audio as an enclosure link.
fn atom_entry(e: &FeedEntry) -> atom_syndication::Entry {
    use atom_syndication::{Category, Content, Entry, Text};
    let mut entry = Entry::default();
    entry.set_id(e.permalink.clone());
    entry.set_title(Text::plain(e.title.clone()));
    entry.set_updated(e.updated);
    entry.set_published(Some(e.published));
    entry.set_authors(vec![atom_person(&e.author)]);
    let mut links = vec![atom_link(
        e.permalink.clone(),
        "alternate",
        Some("text/html"),
        None,
        None,
    )];
    for a in e.enclosures.iter().chain(e.audio.iter()) {
        links.push(atom_link(
            a.url.clone(),
            "enclosure",
            Some(&a.mime),
            Some(a.length),
            Some(&a.title),
        ));
    }
    entry.set_links(links);
    entry.set_summary(Some(Text::plain(e.summary.clone())));
    let mut content = Content::default();
    content.set_content_type(Some("html".to_string()));
    content.set_value(Some(e.html.clone()));
    entry.set_content(Some(content));
    entry.set_categories(
        e.categories
            .iter()
            .map(|c| {
                let mut cat = Category::default();
                cat.set_term(c.clone());
                cat
            })
            .collect::<Vec<_>>(),
    );
    entry
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    language: &'a str,
    authors: Vec<JsonAuthor<'a>>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    content_html: &'a str,
    summary: &'a str,
    date_published: String,
    date_modified: String,
    authors: Vec<JsonAuthor<'a>>,
    tags: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<JsonAttachment<'a>>,
}

#[derive(Serialize)]
struct JsonAttachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    title: &'a str,
    size_in_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_in_seconds: Option<u64>,
}

pub(super) fn json(site: &Site, spec: &FeedSpec, entries: &[&FeedEntry]) -> String {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &spec.title,
        home_page_url: site.permalink(&spec.path),
        feed_url: site.permalink(&format!("{}feed.json", spec.path)),
        description: &spec.description,
        language: &site.config.language,
        authors: vec![JsonAuthor {
            name: &site.config.title,
        }],
        items: entries
            .iter()
            .map(|e| JsonItem {
                id: &e.permalink,
                url: &e.permalink,
                title: &e.title,
                content_html: &e.html,
                summary: &e.summary,
                date_published: e.published.to_rfc3339(),
                date_modified: e.updated.to_rfc3339(),
                authors: vec![JsonAuthor { name: &e.author }],
                tags: &e.categories,
                attachments: e
                    .enclosures
                    .iter()
                    .map(|a| (a, None))
                    .chain(
                        e.audio
                            .iter()
                            .map(|a| (a, e.duration.map(|d| u64::from(d) * 60))),
                    )
                    .map(|(a, duration_in_seconds)| JsonAttachment {
                        url: &a.url,
                        mime_type: &a.mime,
                        title: &a.title,
                        size_in_bytes: a.length,
                        duration_in_seconds,
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&feed).unwrap_or_default();
    text.push('\n');
    text
}
