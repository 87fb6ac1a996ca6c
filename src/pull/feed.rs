//! A fetched feed's bytes → normalized entries: the text encoding found
//! (UTF-8, GBK, GB18030…), the format parsed by feed-rs (RSS, Atom, JSON
//! Feed), and every entry reduced to what the cache keeps.
//!
//! Parsers take bytes, not responses, so they are easy to test.

use encoding_rs::Encoding;
use feed_rs::model;

use super::cache::{CachedEntry, FeedInfo};
use super::text::{html_to_text, sanitize, truncate};

/// At most this many entries of a feed are kept, newest first.
const MAX_ENTRIES: usize = 200;
/// Summaries are kept this long (characters); pages show less.
const SUMMARY_CHARS: usize = 300;

/// A feed reduced to what the cache keeps.
#[derive(Debug)]
pub(crate) struct ParsedFeed {
    pub(crate) feed: FeedInfo,
    pub(crate) entries: Vec<CachedEntry>,
    /// The encoding the bytes were in (`UTF-8`, `GBK`…).
    pub(crate) encoding: &'static str,
}

/// Decodes and parses a feed fetched from `url`, whose response said
/// `content_type`. `full_text` keeps the entries' sanitized HTML.
pub(crate) fn parse(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &str,
    full_text: bool,
) -> Result<ParsedFeed, String> {
    let (text, encoding) = decode(bytes, content_type)?;
    let text = declare_utf8(&text);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(url))
        // feed-rs falls back to a random UUID for entries with neither id
        // nor link; a stable one keeps the cache (and builds) deterministic.
        .id_generator(|links, title, _| {
            links.first().map(|l| l.href.clone()).unwrap_or_else(|| {
                title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default()
            })
        })
        .build();
    let feed = parser.parse(text.as_bytes()).map_err(describe)?;
    Ok(ParsedFeed {
        feed: FeedInfo {
            title: feed.title.as_ref().map(plain).unwrap_or_default(),
            link: feed
                .links
                .iter()
                .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .find_map(|l| web_url(&l.href)),
            format: match feed.feed_type {
                model::FeedType::Atom => "atom",
                model::FeedType::JSON => "json",
                model::FeedType::RSS0 => "rss0",
                model::FeedType::RSS1 => "rss1",
                model::FeedType::RSS2 => "rss2",
            }
            .to_string(),
        },
        entries: entries(&feed.entries, full_text),
        encoding: encoding.name(),
    })
}

fn describe(e: feed_rs::parser::ParseFeedError) -> String {
    use feed_rs::parser::{ParseErrorKind, ParseFeedError};
    match e {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            "不是 RSS、Atom 或 JSON Feed 订阅源（可能是网页或错误页面）".into()
        }
        ParseFeedError::JsonUnsupportedVersion(v) => format!("不支持的 JSON Feed 版本 {v}"),
        other => format!("订阅源格式错误，无法解析（{other}）"),
    }
}

fn entries(list: &[model::Entry], full_text: bool) -> Vec<CachedEntry> {
    let mut out: Vec<CachedEntry> = list.iter().filter_map(|e| entry(e, full_text)).collect();
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert(e.id.clone()));
    // Newest first; undated entries last, in feed order.
    out.sort_by(|a, b| {
        let date = |e: &CachedEntry| e.published.clone().or(e.updated.clone());
        match (date(a), date(b)) {
            (Some(x), Some(y)) => instant(&y).cmp(&instant(&x)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
    out.truncate(MAX_ENTRIES);
    out
}

fn instant(s: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(s).ok()
}

fn entry(e: &model::Entry, full_text: bool) -> Option<CachedEntry> {
    // The link to the original is the point of an entry: none, no entry.
    let link = e
        .links
        .iter()
        .filter(|l| {
            l.rel
                .as_deref()
                .is_none_or(|r| r == "alternate" || r == "related")
        })
        .find_map(|l| web_url(&l.href))?;
    let html = e
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .or_else(|| e.summary.as_ref().map(|s| s.content.clone()));
    let summary_source = e
        .summary
        .as_ref()
        .map(plain)
        .filter(|s| !s.is_empty())
        .or_else(|| html.as_deref().map(html_to_text))
        .unwrap_or_default();
    let summary = truncate(&summary_source, SUMMARY_CHARS);
    let title = e
        .title
        .as_ref()
        .map(plain)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| truncate(&summary, 40));
    if title.is_empty() {
        return None;
    }
    let date = |d: &Option<chrono::DateTime<chrono::Utc>>| d.map(|d| d.to_rfc3339());
    Some(CachedEntry {
        id: e.id.clone(),
        title,
        content: html
            .filter(|_| full_text)
            .map(|h| sanitize(&h, &link))
            .filter(|h| !h.trim().is_empty()),
        link,
        published: date(&e.published).or(date(&e.updated)),
        updated: date(&e.updated),
        summary,
        author: e
            .authors
            .iter()
            .find_map(|a| a.name.as_deref().map(str::trim).filter(|n| !n.is_empty()))
            .map(str::to_string),
        categories: e
            .categories
            .iter()
            .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
    })
}

/// A text construct as plain text (HTML ones lose their tags).
fn plain(t: &model::Text) -> String {
    let text = if t.content_type.to_string().contains("html") {
        html_to_text(&t.content)
    } else {
        t.content.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    text.trim().to_string()
}

/// `href` if it is an absolute http or https URL (so no `javascript:`).
pub(crate) fn web_url(href: &str) -> Option<String> {
    let u = url::Url::parse(href.trim()).ok()?;
    (matches!(u.scheme(), "http" | "https") && u.host_str().is_some()).then(|| u.to_string())
}

/// The text of `bytes`: a byte-order mark wins, then the first of the HTTP
/// charset, the XML declaration, UTF-8 and GB18030 that decodes without
/// error (Chinese servers often send GBK under a wrong or missing label).
pub(crate) fn decode(
    bytes: &[u8],
    content_type: Option<&str>,
) -> Result<(String, &'static Encoding), String> {
    if let Some((enc, len)) = Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling_and_without_replacement(&bytes[len..])
            .map(|s| (s.into_owned(), enc))
            .ok_or_else(|| format!("订阅源不是有效的 {} 文字", enc.name()));
    }
    let declared = [content_type.and_then(http_charset), xml_encoding(bytes)];
    let candidates = declared
        .into_iter()
        .flatten()
        .filter_map(|label| Encoding::for_label(label.trim().as_bytes()))
        .chain([encoding_rs::UTF_8, encoding_rs::GB18030]);
    for enc in candidates {
        if let Some(s) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
            return Ok((s.into_owned(), enc));
        }
    }
    Err("无法识别订阅源的文字编码".into())
}

/// `charset` of a Content-Type header.
fn http_charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// `encoding` of an XML declaration at the start of `bytes`.
fn xml_encoding(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(200)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    if !head[start..].starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[start..end]).ok()?;
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    rest[1..].split(quote).next()
}

/// The text with its XML declaration saying UTF-8, which it now is
/// (feed-rs would otherwise decode it again by the old declaration).
fn declare_utf8(text: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = text.trim_start();
    if trimmed.starts_with("<?xml")
        && let Some(end) = trimmed.find("?>")
    {
        let rest = &trimmed[end + 2..];
        return format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{rest}").into();
    }
    text.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>东村党支部</title><link>https://dongcun.example.org/</link>
<item><title>主题党日活动</title><link>https://dongcun.example.org/news/a/</link><guid>a</guid>
<pubDate>Fri, 20 Nov 2026 01:30:00 GMT</pubDate><description>&lt;p&gt;全体党员&lt;b&gt;参加&lt;/b&gt;。&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description>
<category>主题党日</category></item>
<item><title>坏链接</title><link>javascript:alert(1)</link></item>
<item><title>较早的</title><link>/news/b/</link><pubDate>Thu, 19 Nov 2026 01:30:00 GMT</pubDate></item>
</channel></rss>"#;

    #[test]
    fn rss_entries_are_normalized() {
        let p = parse(
            RSS.as_bytes(),
            None,
            "https://dongcun.example.org/feed.xml",
            true,
        )
        .unwrap();
        assert_eq!(p.feed.title, "东村党支部");
        assert_eq!(p.feed.format, "rss2");
        assert_eq!(p.feed.link.as_deref(), Some("https://dongcun.example.org/"));
        assert_eq!(p.entries.len(), 2, "{:?}", p.entries);
        let a = &p.entries[0];
        assert_eq!(a.title, "主题党日活动");
        assert_eq!(a.summary, "全体党员参加。");
        assert_eq!(a.published.as_deref(), Some("2026-11-20T01:30:00+00:00"));
        assert_eq!(a.categories, vec!["主题党日"]);
        let html = a.content.as_deref().unwrap();
        assert!(
            html.contains("<b>参加</b>") && !html.contains("script"),
            "{html}"
        );
        assert_eq!(p.entries[1].link, "https://dongcun.example.org/news/b/");
    }

    #[test]
    fn gbk_is_found_from_the_declaration_or_the_header() {
        let xml = RSS.replace("UTF-8", "GBK");
        let (gbk, _, _) = encoding_rs::GBK.encode(&xml);
        let p = parse(&gbk, Some("text/xml"), "https://x.example/f.xml", false).unwrap();
        assert_eq!(p.encoding, "GBK");
        assert_eq!(p.entries[0].title, "主题党日活动");
        assert!(
            p.entries[0].content.is_none(),
            "no full text unless allowed"
        );
        // Declared UTF-8 but sent as GB18030 with the header saying so.
        let (gb, _, _) = encoding_rs::GB18030.encode(RSS);
        let p = parse(
            &gb,
            Some("application/rss+xml; charset=\"gb18030\""),
            "https://x.example/",
            false,
        )
        .unwrap();
        assert_eq!(p.encoding, "gb18030");
        assert_eq!(p.feed.title, "东村党支部");
        // No label at all: not UTF-8, so GB18030.
        let bare = RSS.replace(r#" encoding="UTF-8""#, "");
        let (gb, _, _) = encoding_rs::GB18030.encode(&bare);
        assert_eq!(decode(&gb, None).unwrap().0, bare);
    }

    #[test]
    fn atom_and_json_feed_parse() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>西村</title>
<link href="https://xicun.example.org/"/><id>x</id><updated>2026-11-20T00:00:00Z</updated>
<entry><title type="html">&lt;em&gt;学习&lt;/em&gt; 会</title><id>urn:1</id><link href="https://xicun.example.org/a/"/>
<updated>2026-11-20T00:00:00Z</updated><summary>摘要</summary></entry></feed>"#;
        let p = parse(
            atom.as_bytes(),
            None,
            "https://xicun.example.org/atom.xml",
            false,
        )
        .unwrap();
        assert_eq!(
            (p.feed.format.as_str(), p.entries[0].title.as_str()),
            ("atom", "学习 会")
        );
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"县委","home_page_url":"https://county.example.org/",
"items":[{"id":"1","url":"https://county.example.org/notices/a/","title":"通知","content_html":"<p>内容</p>","date_published":"2026-11-20T09:00:00+08:00","tags":["通知公告"]}]}"#;
        let p = parse(
            json.as_bytes(),
            Some("application/feed+json"),
            "https://county.example.org/feed.json",
            false,
        )
        .unwrap();
        assert_eq!(p.feed.format, "json");
        assert_eq!(p.entries[0].summary, "内容");
        assert_eq!(p.entries[0].categories, vec!["通知公告"]);
    }

    #[test]
    fn malformed_and_html_pages_are_errors() {
        assert!(parse(b"<rss><channel><item>", None, "https://x.example/", false).is_err());
        let e = parse(
            b"<html><body>404</body></html>",
            None,
            "https://x.example/",
            false,
        )
        .unwrap_err();
        assert!(e.contains("不是 RSS"), "{e}");
        assert!(parse(b"", None, "https://x.example/", false).is_err());
    }
}
