//! The walk over pulldown-cmark's events that makes a body ours: heading
//! ids, highlighted code, resolved links and images, the summary and the
//! word counts.

use std::collections::HashMap;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Tag, TagEnd};

use super::highlight::code_block;
use super::text::{count_words, heading_id, is_salutation};
use super::{
    Heading, LinkError, LinkResolver, LinkTarget, MORE_MARKER, Markdown, Rendered, SUMMARY_CHARS,
};
use crate::html::escape as html_escape;

/// An image being read: where it points, and its alt text so far.
struct OpenImage {
    /// `None` when the image is dropped (its target is not published):
    /// only its alt text is shown.
    src: Option<String>,
    title: String,
    size: Option<(usize, usize)>,
    srcset: Option<String>,
    webp_srcset: Option<String>,
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
        if let Some(srcset) = &self.srcset {
            s.push_str(&format!(
                " srcset=\"{}\" sizes=\"{}\"",
                html_escape(srcset),
                crate::images::SIZES
            ));
        }
        if let Some((w, h)) = self.size {
            s.push_str(&format!(" width=\"{w}\" height=\"{h}\""));
        }
        s.push_str(" loading=\"lazy\" decoding=\"async\">");
        // Browsers that read WebP take the smaller twins; the <img> stays
        // the fallback and carries the size, alt text and lazy loading.
        match &self.webp_srcset {
            Some(webp) => format!(
                "<picture><source type=\"image/webp\" srcset=\"{}\" sizes=\"{}\">{s}</picture>",
                html_escape(webp),
                crate::images::SIZES
            ),
            None => s,
        }
    }
}

/// A heading being read: its events are held until its id is known.
struct OpenHeading<'a> {
    level: HeadingLevel,
    id: Option<CowStr<'a>>,
    classes: Vec<CowStr<'a>>,
    events: Vec<Event<'a>>,
    title: String,
}

pub(super) struct BodyRenderer<'r, 'a> {
    md: &'r Markdown,
    links: &'r dyn LinkResolver,
    line_starts: Vec<usize>,
    body_line: usize,
    pub(super) out: Rendered,
    pub(super) errors: Vec<LinkError>,
    heading: Option<OpenHeading<'a>>,
    code: Option<(String, String)>,
    ids: HashMap<String, usize>,
    /// For each open link: whether it was dropped.
    link_stack: Vec<bool>,
    image: Option<OpenImage>,
    para_depth: usize,
    pub(super) first_para: Option<String>,
    current_para: Option<String>,
    pub(super) more_text: Option<String>,
    pub(super) more_found: bool,
}

impl<'r, 'a> BodyRenderer<'r, 'a> {
    pub(super) fn new(
        md: &'r Markdown,
        body: &str,
        body_line: usize,
        links: &'r dyn LinkResolver,
    ) -> Self {
        let line_starts = std::iter::once(0)
            .chain(body.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        BodyRenderer {
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

    pub(super) fn event(&mut self, event: Event<'a>, offset: usize, out: &mut Vec<Event<'a>>) {
        if self.image.is_some() {
            return self.image_event(event, out);
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                // The language is the info string's first word.
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().map(str::to_string)
                    }
                    CodeBlockKind::Indented => None,
                };
                self.code = Some((lang.unwrap_or_default(), String::new()));
            }
            Event::Text(t) if self.code.is_some() => {
                count_words(&t, &mut self.out.cjk_chars, &mut self.out.latin_words);
                if let Some((_, code)) = &mut self.code {
                    code.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, code)) = self.code.take() {
                    let html = code_block(&code, &lang, self.md.highlight);
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
            Event::End(TagEnd::Paragraph) => self.end_paragraph(out),
            Event::Start(link @ Tag::Link { .. }) => self.start_link(link, offset, out),
            Event::End(TagEnd::Link) => {
                if !self.link_stack.pop().unwrap_or(false) {
                    self.emit(Event::End(TagEnd::Link), out);
                }
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => self.start_image(&dest_url, &title, offset),
            Event::Html(ref h) | Event::InlineHtml(ref h) => {
                self.more_found |= h.contains(MORE_MARKER);
                self.out.had_raw_html |= !super::is_plain_comment(h);
                self.emit(event, out);
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                self.text(&t.clone());
                self.emit(event, out);
            }
            other => self.emit(other, out),
        }
    }

    /// A link with its destination resolved; one that resolves to nothing
    /// keeps only its text.
    fn start_link(&mut self, link: Tag<'a>, offset: usize, out: &mut Vec<Event<'a>>) {
        let Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        } = link
        else {
            return;
        };
        match self.resolve(&dest_url, false, offset) {
            Some(dest_url) => {
                self.link_stack.push(false);
                let link = Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                };
                self.emit(Event::Start(link), out);
            }
            None => self.link_stack.push(true),
        }
    }

    /// Inside an image, everything is its (plain-text) alt; the image is
    /// written when it ends.
    fn image_event(&mut self, event: Event<'a>, out: &mut Vec<Event<'a>>) {
        let Some(img) = &mut self.image else { return };
        match event {
            Event::Text(t) | Event::Code(t) => img.alt.push_str(&t),
            Event::End(TagEnd::Image) => {
                let html = img.html();
                self.image = None;
                self.emit(Event::InlineHtml(html.into()), out);
            }
            _ => {}
        }
    }

    fn start_image(&mut self, dest_url: &CowStr<'a>, title: &str, offset: usize) {
        let size = self.links.image_size(dest_url);
        let src = self.resolve(dest_url, true, offset);
        let srcset = src.as_ref().and_then(|_| self.links.image_srcset(dest_url));
        let webp_srcset = srcset
            .as_ref()
            .and_then(|_| self.links.image_webp_srcset(dest_url));
        self.image = Some(OpenImage {
            src: src.map(|s| s.to_string()),
            title: title.to_string(),
            size,
            srcset,
            webp_srcset,
            alt: String::new(),
        });
    }

    /// The first real paragraph (not a salutation such as 各位党员：) is
    /// the summary's fallback.
    fn end_paragraph(&mut self, out: &mut Vec<Event<'a>>) {
        self.para_depth = self.para_depth.saturating_sub(1);
        if let Some(p) = self.current_para.take()
            && !p.trim().is_empty()
            && !is_salutation(&p)
        {
            self.first_para = Some(p);
        }
        self.emit(Event::End(TagEnd::Paragraph), out);
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
