//! Text of pulled entries: HTML made safe (ammonia) or reduced to plain text.

use std::collections::HashSet;

/// Tags dropped from pulled HTML on top of ammonia's defaults: pictures
/// would be loaded from another site, which pages must not need.
const DROPPED_TAGS: &[&str] = &["img"];

/// `html` sanitized like raw HTML in local Markdown, with relative links
/// made absolute against `base` (the entry's page) and images dropped.
pub(crate) fn sanitize(html: &str, base: &str) -> String {
    let mut b = ammonia::Builder::default();
    b.rm_tags(DROPPED_TAGS.iter().copied())
        .link_rel(Some("noopener noreferrer"));
    if let Ok(url) = url::Url::parse(base) {
        b.url_relative(ammonia::UrlRelative::RewriteWithBase(url));
    } else {
        b.url_relative(ammonia::UrlRelative::Deny);
    }
    b.clean(html).to_string().trim().to_string()
}

/// The text of an HTML fragment: tags and scripts gone, entities decoded,
/// whitespace collapsed, block ends kept apart by a space.
pub(crate) fn html_to_text(html: &str) -> String {
    let spaced = space_blocks(html);
    let clean = ammonia::Builder::empty()
        .clean_content_tags(HashSet::from(["script", "style", "title"]))
        .clean(&spaced)
        .to_string();
    let text = clean
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A space before each tag that ends a block, so `<p>a</p><p>b</p>` reads `a b`.
fn space_blocks(html: &str) -> String {
    const BLOCK: &[&str] = &[
        "br",
        "/p",
        "p>",
        "p ",
        "/div",
        "/li",
        "/h1",
        "/h2",
        "/h3",
        "/h4",
        "/h5",
        "/h6",
        "/tr",
        "/td",
        "/th",
        "/blockquote",
    ];
    let mut out = String::with_capacity(html.len() + 16);
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let lower: String = after.chars().take(12).collect::<String>().to_lowercase();
        if BLOCK.iter().any(|t| lower.starts_with(t)) {
            out.push(' ');
        }
        out.push('<');
        rest = after;
    }
    out.push_str(rest);
    out
}

/// At most `max` characters of `s`, with `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((at, _)) => format!("{}…", s[..at].trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_html() {
        assert_eq!(
            html_to_text("<p>全体党员<b>参加</b>。</p><p>a &amp; b&nbsp;c</p><script>x()</script>"),
            "全体党员参加。 a & b c"
        );
        assert_eq!(html_to_text("1 &lt; 2"), "1 < 2");
    }

    #[test]
    fn sanitized_html_keeps_text_and_links_only() {
        let out = sanitize(
            r#"<p onclick="x()">正文<img src="/a.png"><a href="../b/">相关</a><a href="javascript:alert(1)">坏</a></p><script>alert(1)</script>"#,
            "https://dongcun.example.org/news/a/",
        );
        assert_eq!(
            out,
            r#"<p>正文<a href="https://dongcun.example.org/news/b/" rel="noopener noreferrer">相关</a><a rel="noopener noreferrer">坏</a></p>"#
        );
    }

    #[test]
    fn truncates_by_characters() {
        assert_eq!(truncate("一二三四", 2), "一二…");
        assert_eq!(truncate("一二", 2), "一二");
    }
}
