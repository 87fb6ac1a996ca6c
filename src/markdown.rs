//! Markdown → HTML: heading anchors, highlighting, link rewriting,
//! sanitizing, summaries and reading time.

use std::collections::HashMap;
use std::sync::OnceLock;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// Latin words read a minute, beside the site's CJK reading speed.
pub const LATIN_WORDS_PER_MINUTE: u32 = 200;
/// Longest derived summary, in characters.
pub const SUMMARY_CHARS: usize = 140;
const MORE_MARKER: &str = "<!-- more -->";
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

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
    Error { message: String, hint: String },
}

/// Decides what each link and image destination becomes.
pub trait LinkResolver {
    fn resolve(&self, dest: &str, is_image: bool) -> LinkTarget;

    /// The pixel size of the image at `dest`, when it is a site file, so
    /// the page can reserve its space before it loads.
    fn image_size(&self, _dest: &str) -> Option<(usize, usize)> {
        None
    }
}

/// An image being read: where it points, and its alt text so far.
struct OpenImage {
    /// `None` when the image is dropped (its target is not published):
    /// only its alt text is shown.
    src: Option<String>,
    title: String,
    size: Option<(usize, usize)>,
    alt: String,
}

impl OpenImage {
    /// `<img>` with its size (when known) and lazy loading.
    fn html(&self) -> String {
        let Some(src) = &self.src else {
            return html_escape(&self.alt);
        };
        let mut s = format!(
            "<img src=\"{}\" alt=\"{}\"",
            html_escape(src),
            html_escape(&self.alt)
        );
        if !self.title.is_empty() {
            s.push_str(&format!(" title=\"{}\"", html_escape(&self.title)));
        }
        if let Some((w, h)) = self.size {
            s.push_str(&format!(" width=\"{w}\" height=\"{h}\""));
        }
        s.push_str(" loading=\"lazy\">");
        s
    }
}

/// A broken link found while rendering, with its line in the source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkError {
    pub line: usize,
    pub message: String,
    pub hint: String,
}

/// A heading of the rendered body, for a table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A rendered Markdown body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    /// Plain-text summary: text before `<!-- more -->`, else the first paragraph.
    pub summary: String,
    pub cjk_chars: usize,
    pub latin_words: usize,
    pub toc: Vec<Heading>,
    /// Whether the body had raw HTML (and so was sanitized).
    pub had_raw_html: bool,
}

impl Rendered {
    /// Whole minutes to read, at least one.
    pub fn reading_minutes(&self, cjk_per_minute: u32) -> u32 {
        reading_minutes(self.cjk_chars, self.latin_words, cjk_per_minute)
    }
}

/// Minutes to read `cjk` CJK characters and `words` Latin words, rounded up, at least 1.
pub fn reading_minutes(cjk: usize, words: usize, cjk_per_minute: u32) -> u32 {
    let minutes =
        cjk as f64 / cjk_per_minute.max(1) as f64 + words as f64 / LATIN_WORDS_PER_MINUTE as f64;
    (minutes.ceil() as u32).max(1)
}

/// The Markdown renderer of one build, holding what is costly to set up.
pub struct Markdown {
    sanitize: bool,
    highlight: bool,
    syntaxes: OnceLock<SyntaxSet>,
    sanitizer: OnceLock<ammonia::Builder<'static>>,
}

impl Markdown {
    pub fn new(sanitize: bool, highlight: bool) -> Self {
        Markdown {
            sanitize,
            highlight,
            syntaxes: OnceLock::new(),
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
        let mut r = Renderer::new(self, body, body_line, links);
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

    fn syntaxes(&self) -> &SyntaxSet {
        self.syntaxes.get_or_init(SyntaxSet::load_defaults_newlines)
    }

    fn sanitizer(&self) -> &ammonia::Builder<'static> {
        self.sanitizer.get_or_init(|| {
            let mut b = ammonia::Builder::default();
            b.add_generic_attributes(["class", "id", "title", "lang"])
                .add_tags(["input", "figure", "figcaption", "mark", "section"])
                .add_tag_attributes("input", ["type", "checked", "disabled"])
                .add_tag_attributes("pre", ["data-lang"])
                .add_tag_attributes("img", ["loading", "width", "height"]);
            b
        })
    }

    fn highlight_code(&self, code: &str, lang: &str) -> String {
        let lang_attr = html_escape(lang);
        let syntax = (self.highlight && !lang.is_empty())
            .then(|| self.syntaxes().find_syntax_by_token(lang))
            .flatten();
        let inner = match syntax {
            Some(syntax) => {
                let ss = self.syntaxes();
                let mut generator =
                    ClassedHTMLGenerator::new_with_class_style(syntax, ss, CLASS_STYLE);
                let ok = LinesWithEndings::from(code).all(|line| {
                    generator
                        .parse_html_for_line_which_includes_newline(line)
                        .is_ok()
                });
                if ok {
                    generator.finalize()
                } else {
                    html_escape(code)
                }
            }
            None => html_escape(code),
        };
        if lang.is_empty() {
            format!("<pre class=\"code\"><code>{inner}</code></pre>\n")
        } else {
            format!(
                "<pre class=\"code\" data-lang=\"{lang_attr}\"><code class=\"language-{lang_attr}\">{inner}</code></pre>\n"
            )
        }
    }
}

/// The stylesheet for highlighted code (`hl-` classes), light and dark;
/// made once per process.
pub fn highlight_css() -> &'static str {
    static CSS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSS.get_or_init(make_highlight_css)
}

fn make_highlight_css() -> String {
    let themes = syntect::highlighting::ThemeSet::load_defaults();
    let light = css_for_theme_with_class_style(&themes.themes["InspiredGitHub"], CLASS_STYLE)
        .unwrap_or_default();
    // Dark mode inverts the light colours (keeping their hues) instead of
    // shipping a second theme: half the bytes, within the page budget.
    format!(
        "/* generated by dangjian from syntect's InspiredGitHub theme */\n{}\n@media (prefers-color-scheme: dark) {{ pre.code {{ background: #f6f1ea; color: #323232; filter: invert(1) hue-rotate(180deg); }} }}\n",
        minify_css(&light)
    )
}

/// Drops the comments and the layout whitespace of generated CSS.
fn minify_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    out.push_str(rest);
    let mut min = String::with_capacity(out.len());
    for line in out.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !min.is_empty() && !min.ends_with(['{', ';', '}', ',']) {
            min.push(' ');
        }
        min.push_str(line);
        if line.ends_with('}') {
            min.push('\n');
        }
    }
    min.replace(": ", ":").replace(" {", "{")
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// A heading being read: its events are held until its id is known.
struct OpenHeading<'a> {
    level: HeadingLevel,
    id: Option<CowStr<'a>>,
    classes: Vec<CowStr<'a>>,
    events: Vec<Event<'a>>,
    title: String,
}

struct Renderer<'r, 'a> {
    md: &'r Markdown,
    links: &'r dyn LinkResolver,
    line_starts: Vec<usize>,
    body_line: usize,
    out: Rendered,
    errors: Vec<LinkError>,
    heading: Option<OpenHeading<'a>>,
    code: Option<(String, String)>,
    ids: HashMap<String, usize>,
    /// For each open link: whether it was dropped.
    link_stack: Vec<bool>,
    image: Option<OpenImage>,
    para_depth: usize,
    first_para: Option<String>,
    current_para: Option<String>,
    more_text: Option<String>,
    more_found: bool,
}

impl<'r, 'a> Renderer<'r, 'a> {
    fn new(md: &'r Markdown, body: &str, body_line: usize, links: &'r dyn LinkResolver) -> Self {
        let line_starts = std::iter::once(0)
            .chain(body.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Renderer {
            md,
            links,
            line_starts,
            body_line,
            out: Rendered::default(),
            errors: Vec::new(),
            heading: None,
            code: None,
            ids: HashMap::new(),
            link_stack: Vec::new(),
            image: None,
            para_depth: 0,
            first_para: None,
            current_para: None,
            more_text: Some(String::new()),
            more_found: false,
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.body_line + self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    fn emit(&mut self, event: Event<'a>, out: &mut Vec<Event<'a>>) {
        match &mut self.heading {
            Some(h) => h.events.push(event),
            None => out.push(event),
        }
    }

    fn text(&mut self, text: &str) {
        count_words(text, &mut self.out.cjk_chars, &mut self.out.latin_words);
        if let Some(p) = &mut self.current_para {
            p.push_str(text);
        }
        if !self.more_found
            && let Some(m) = &mut self.more_text
            && m.len() < 4 * SUMMARY_CHARS * 3
        {
            m.push_str(text);
        }
        if let Some(h) = &mut self.heading {
            h.title.push_str(text);
        }
    }

    fn event(&mut self, event: Event<'a>, offset: usize, out: &mut Vec<Event<'a>>) {
        if let Some(img) = &mut self.image {
            // Inside an image, everything is its (plain-text) alt.
            match event {
                Event::Text(t) | Event::Code(t) => img.alt.push_str(&t),
                Event::End(TagEnd::Image) => {
                    let html = img.html();
                    self.image = None;
                    self.emit(Event::InlineHtml(html.into()), out);
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Event::Text(t) if self.code.is_some() => {
                count_words(&t, &mut self.out.cjk_chars, &mut self.out.latin_words);
                if let Some((_, code)) = &mut self.code {
                    code.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, code)) = self.code.take() {
                    let html = self.md.highlight_code(&code, &lang);
                    self.emit(Event::Html(html.into()), out);
                }
            }
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => {
                self.heading = Some(OpenHeading {
                    level,
                    id,
                    classes,
                    events: Vec::new(),
                    title: String::new(),
                });
            }
            Event::End(TagEnd::Heading(_)) => self.end_heading(out),
            Event::Start(Tag::Paragraph) => {
                self.para_depth += 1;
                if self.first_para.is_none() && self.para_depth == 1 {
                    self.current_para = Some(String::new());
                }
                self.emit(Event::Start(Tag::Paragraph), out);
            }
            Event::End(TagEnd::Paragraph) => {
                self.para_depth = self.para_depth.saturating_sub(1);
                if let Some(p) = self.current_para.take()
                    && !p.trim().is_empty()
                    && !is_salutation(&p)
                {
                    self.first_para = Some(p);
                }
                self.emit(Event::End(TagEnd::Paragraph), out);
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = self.resolve(&dest_url, false, offset);
                match dest {
                    Some(dest) => {
                        self.link_stack.push(false);
                        self.emit(
                            Event::Start(Tag::Link {
                                link_type,
                                dest_url: dest,
                                title,
                                id,
                            }),
                            out,
                        );
                    }
                    None => self.link_stack.push(true),
                }
            }
            Event::End(TagEnd::Link) => {
                if !self.link_stack.pop().unwrap_or(false) {
                    self.emit(Event::End(TagEnd::Link), out);
                }
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                let size = self.links.image_size(&dest_url);
                let src = self.resolve(&dest_url, true, offset);
                self.image = Some(OpenImage {
                    src: src.map(|s| s.to_string()),
                    title: title.to_string(),
                    size,
                    alt: String::new(),
                });
            }
            Event::Html(ref h) | Event::InlineHtml(ref h) => {
                if h.contains(MORE_MARKER) {
                    self.more_found = true;
                }
                if !is_plain_comment(h) {
                    self.out.had_raw_html = true;
                }
                self.emit(event, out);
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                self.text(&t.clone());
                self.emit(event, out);
            }
            other => self.emit(other, out),
        }
    }

    fn resolve(&mut self, dest: &CowStr<'a>, is_image: bool, offset: usize) -> Option<CowStr<'a>> {
        match self.links.resolve(dest, is_image) {
            LinkTarget::Keep => Some(dest.clone()),
            LinkTarget::Rewrite(s) => Some(s.into()),
            LinkTarget::Unlink => None,
            LinkTarget::Error { message, hint } => {
                let line = self.line_of(offset);
                self.errors.push(LinkError {
                    line,
                    message,
                    hint,
                });
                // The build fails; nothing unsafe is kept meanwhile.
                None
            }
        }
    }

    fn end_heading(&mut self, out: &mut Vec<Event<'a>>) {
        let Some(OpenHeading {
            level,
            id,
            classes,
            events: buf,
            title,
        }) = self.heading.take()
        else {
            return;
        };
        let base = match &id {
            Some(id) => id.to_string(),
            None => heading_id(&title),
        };
        let n = self.ids.entry(base.clone()).or_insert(0);
        let id = if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        *n += 1;
        self.out.toc.push(Heading {
            level: level as u8,
            id: id.clone(),
            title: title.trim().to_string(),
        });
        out.push(Event::Start(Tag::Heading {
            level,
            id: Some(id.into()),
            classes,
            attrs: Vec::new(),
        }));
        out.extend(buf);
        out.push(Event::End(TagEnd::Heading(level)));
    }
}

/// An anchor id for a heading: letters (CJK included) and digits kept,
/// spaces and dashes joined by `-`, punctuation dropped.
pub fn heading_id(title: &str) -> String {
    let mut id = String::with_capacity(title.len());
    for c in title.trim().chars() {
        if c.is_alphanumeric() || c == '_' {
            id.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c == '-') && !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-');
    if id.is_empty() {
        "section".into()
    } else {
        id.to_string()
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF | 0x3040..=0x30FF)
}

/// Adds the CJK characters and Latin words of `text` to the counts.
pub fn count_words(text: &str, cjk: &mut usize, words: &mut usize) {
    let mut in_word = false;
    for c in text.chars() {
        if is_cjk(c) {
            *cjk += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                *words += 1;
            }
            in_word = true;
        } else {
            in_word = false;
        }
    }
}

/// Whether raw HTML is one comment and nothing else (`<!-- more -->`),
/// which needs no sanitizing; anything after a comment does.
fn is_plain_comment(html: &str) -> bool {
    let h = html.trim();
    h.strip_prefix("<!--")
        .and_then(|r| r.strip_suffix("-->"))
        .is_some_and(|inner| !inner.contains("--") && !inner.contains('>') && !inner.contains('<'))
}

/// A notice's opening line (“各村党支部：”) says who it is for, not what it
/// says, so it is no summary.
fn is_salutation(p: &str) -> bool {
    let p = p.trim();
    (p.ends_with('：') || p.ends_with(':')) && p.chars().count() <= 30
}

fn truncate_summary(text: &str) -> String {
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(SUMMARY_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    if !s
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
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
