//! Markdown → HTML: heading anchors, highlighting ([`highlight`]), link
//! rewriting, sanitizing, summaries and reading time ([`text`]). The walk
//! over the parser's events is in [`events`].

mod events;
mod highlight;
mod palette;
mod text;

use std::sync::OnceLock;

use pulldown_cmark::{Options, Parser};
use serde::Serialize;

use events::BodyRenderer;
pub(crate) use highlight::highlight_css;
pub(crate) use text::reading_minutes;
use text::truncate_summary;

/// Latin words read a minute, beside the site's CJK reading speed.
pub(crate) const LATIN_WORDS_PER_MINUTE: u32 = 200;
/// Longest derived summary, in characters.
pub(crate) const SUMMARY_CHARS: usize = 140;
const MORE_MARKER: &str = "<!-- more -->";

/// What a link in the body should become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// Leave the destination as written.
    Keep,
    /// Use this destination instead.
    Rewrite(String),
    /// Drop the link and keep its text (the target is not published).
    Unlink,
    /// The link is broken.
    Error {
        /// What is wrong, in Chinese.
        message: String,
        /// How to fix it, in Chinese.
        hint: String,
    },
}

/// Decides what each link and image destination becomes.
pub trait LinkResolver {
    /// What `dest` (as written) becomes; `is_image` for `![](...)`.
    fn resolve(&self, dest: &str, is_image: bool) -> LinkTarget;

    /// The pixel size of the image at `dest`, when it is a site file, so
    /// the page can reserve its space before it loads.
    fn image_size(&self, _dest: &str) -> Option<(usize, usize)> {
        None
    }

    /// The `srcset` of the image at `dest`, when the build publishes it
    /// in several widths.
    fn image_srcset(&self, _dest: &str) -> Option<String> {
        None
    }

    /// The WebP `srcset` of the image at `dest`, when the build publishes
    /// WebP twins of its variants.
    fn image_webp_srcset(&self, _dest: &str) -> Option<String> {
        None
    }
}

/// A broken link found while rendering, with its line in the source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkError {
    pub(crate) line: usize,
    pub(crate) message: String,
    pub(crate) hint: String,
}

/// A heading of the rendered body, for a table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Heading {
    pub(crate) level: u8,
    pub(crate) id: String,
    pub(crate) title: String,
}

/// A rendered Markdown body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The body as HTML.
    pub html: String,
    /// Plain-text summary: text before `<!-- more -->`, else the first paragraph.
    pub(crate) summary: String,
    pub(crate) cjk_chars: usize,
    pub(crate) latin_words: usize,
    pub(crate) toc: Vec<Heading>,
    /// Whether the body had raw HTML (and so was sanitized).
    pub(crate) had_raw_html: bool,
}

impl Rendered {
    /// Whole minutes to read, at least one.
    pub(crate) fn reading_minutes(&self, cjk_per_minute: u32) -> u32 {
        reading_minutes(self.cjk_chars, self.latin_words, cjk_per_minute)
    }
}

/// The Markdown renderer of one build, holding what is costly to set up.
pub struct Markdown {
    sanitize: bool,
    highlight: bool,
    sanitizer: OnceLock<ammonia::Builder<'static>>,
}

impl Markdown {
    /// A renderer; `sanitize` cleans raw HTML, `highlight` colours code blocks.
    pub fn new(sanitize: bool, highlight: bool) -> Self {
        Markdown {
            sanitize,
            highlight,
            sanitizer: OnceLock::new(),
        }
    }

    /// Renders `body`, whose first line is line `body_line` of its file.
    pub fn render(
        &self,
        body: &str,
        body_line: usize,
        links: &dyn LinkResolver,
    ) -> (Rendered, Vec<LinkError>) {
        let mut r = BodyRenderer::new(self, body, body_line, links);
        let parser = Parser::new_ext(body, options()).into_offset_iter();
        let mut events = Vec::new();
        for (event, range) in parser {
            r.event(event, range.start, &mut events);
        }
        let mut html = String::with_capacity(body.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        let mut out = r.out;
        out.summary = truncate_summary(
            r.more_text
                .filter(|_| r.more_found)
                .or(r.first_para)
                .unwrap_or_default()
                .trim(),
        );
        if out.had_raw_html && self.sanitize {
            html = self.sanitizer().clean(&html).to_string();
        }
        out.html = html;
        (out, r.errors)
    }

    fn sanitizer(&self) -> &ammonia::Builder<'static> {
        self.sanitizer.get_or_init(|| {
            let mut b = ammonia::Builder::default();
            b.add_generic_attributes(["class", "id", "title", "lang"])
                .add_tags(["input", "figure", "figcaption", "mark", "section"])
                .add_tag_attributes("input", ["type", "checked", "disabled"])
                .add_tag_attributes("pre", ["data-lang"])
                .add_tag_attributes(
                    "img",
                    ["loading", "width", "height", "srcset", "sizes", "decoding"],
                );
            b
        })
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Whether raw HTML is one comment and nothing else (`<!-- more -->`),
/// which needs no sanitizing; anything after a comment does.
fn is_plain_comment(html: &str) -> bool {
    let h = html.trim();
    h.strip_prefix("<!--")
        .and_then(|r| r.strip_suffix("-->"))
        .is_some_and(|inner| !inner.contains("--") && !inner.contains('>') && !inner.contains('<'))
}

#[cfg(test)]
mod tests {
    use super::text::count_words;
    use super::*;

    struct NoLinks;
    impl LinkResolver for NoLinks {
        fn resolve(&self, dest: &str, _: bool) -> LinkTarget {
            match dest {
                "missing.md" => LinkTarget::Error {
                    message: "找不到".into(),
                    hint: String::new(),
                },
                "draft.md" => LinkTarget::Unlink,
                "other.md" => LinkTarget::Rewrite("/notices/other/".into()),
                _ => LinkTarget::Keep,
            }
        }
    }

    fn md(body: &str) -> (Rendered, Vec<LinkError>) {
        Markdown::new(true, true).render(body, 5, &NoLinks)
    }

    #[test]
    fn chinese_headings_get_unique_ids() {
        let (r, _) = md("## 学习 目标\n\n## 学习 目标\n\n## ！？\n");
        assert!(r.html.contains(r#"<h2 id="学习-目标">"#), "{}", r.html);
        assert!(r.html.contains(r#"<h2 id="学习-目标-1">"#));
        assert!(r.html.contains(r#"<h2 id="section">"#));
        assert_eq!(r.toc.len(), 3);
    }

    #[test]
    fn gfm_extensions() {
        let (r, _) = md(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~旧~~\n\n- [x] 完成\n\n脚注[^1]\n\n[^1]: 说明\n",
        );
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>旧</del>"));
        assert!(r.html.contains("checkbox"));
        assert!(r.html.contains("footnote"));
    }

    #[test]
    fn code_is_highlighted_with_classes() {
        let (r, _) = md("```rust\nfn main() {}\n```\n");
        assert!(r.html.contains("data-lang=\"rust\""));
        assert!(r.html.contains("class=\"hl-"), "{}", r.html);
    }

    #[test]
    fn raw_html_is_sanitized() {
        let (r, _) = md("你好<script>alert(1)</script><b onclick=\"x()\">粗</b>\n");
        assert!(!r.html.contains("<script"));
        assert!(!r.html.contains("onclick"));
        assert!(r.html.contains("<b>粗</b>"));
        let (r, _) = Markdown::new(false, true).render("<span onclick=\"x\">a</span>", 1, &NoLinks);
        assert!(r.html.contains("onclick"));
    }

    #[test]
    fn a_comment_does_not_skip_the_sanitizer() {
        let (r, _) = md("<!-- x --><script>alert(1)</script><img src=x onerror=alert(2)>\n");
        assert!(
            !r.html.contains("<script") && !r.html.contains("onerror"),
            "{}",
            r.html
        );
        let (r, _) = md("甲\n\n<!-- more -->\n\n乙\n");
        assert!(r.html.contains("<!-- more -->"));
    }

    #[test]
    fn summary_rules() {
        assert_eq!(md("第一段。\n\n第二段。").0.summary, "第一段。");
        assert_eq!(
            md("各村党支部：\n\n现将有关事项通知如下。").0.summary,
            "现将有关事项通知如下。"
        );
        assert_eq!(
            md("# 标题\n\n甲\n\n乙\n\n<!-- more -->\n\n丙").0.summary,
            "标题甲乙"
        );
        let long = "字".repeat(300);
        let s = md(&long).0.summary;
        assert_eq!(s.chars().count(), SUMMARY_CHARS + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn links_are_resolved_with_lines() {
        let (r, errs) = md("正文\n\n[a](other.md) [b](draft.md) [c](missing.md)\n");
        assert!(r.html.contains(r#"<a href="/notices/other/">a</a>"#));
        assert!(!r.html.contains("draft.md"));
        assert!(r.html.contains(" b "));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 7);
    }

    #[test]
    fn reading_time_counts_cjk_and_words() {
        let (mut cjk, mut words) = (0, 0);
        count_words("学习 the Party 精神 2026", &mut cjk, &mut words);
        assert_eq!((cjk, words), (4, 3));
        assert_eq!(reading_minutes(800, 0, 400), 2);
        assert_eq!(reading_minutes(801, 0, 400), 3);
        assert_eq!(reading_minutes(0, 0, 400), 1);
        assert_eq!(reading_minutes(400, 200, 400), 2);
    }

    proptest::proptest! {
        #[test]
        fn no_markdown_input_panics(s in "\\PC*") {
            let _ = md(&s);
        }
    }
}
