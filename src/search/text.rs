//! Plain text for the index: an item's rendered (sanitized) HTML body
//! reduced to the words a reader sees.

/// Elements whose text a reader does not see as text.
const SKIPPED: &[&str] = &["script", "style", "template", "svg"];

/// The visible text of an HTML fragment: tags dropped, entities decoded,
/// block boundaries turned into line breaks so that words of two
/// paragraphs never run together, and runs of whitespace collapsed.
pub(crate) fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    let mut skipping: Option<&str> = None;
    while let Some(lt) = rest.find('<') {
        if skipping.is_none() {
            push_text(&mut out, &rest[..lt]);
        }
        let after = &rest[lt + 1..];
        let Some(gt) = tag_end(after) else {
            // A lone `<` is text.
            if skipping.is_none() {
                push_text(&mut out, "<");
            }
            rest = after;
            continue;
        };
        let tag = &after[..gt];
        rest = &after[gt + 1..];
        if tag.starts_with("!--") {
            // Comments end at `-->`, which `tag_end` may have cut short.
            if !tag.ends_with("--")
                && let Some(end) = rest.find("-->")
            {
                rest = &rest[end + 3..];
            }
            continue;
        }
        let closing = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_ascii_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if let Some(skipped) = skipping {
            if closing && name == skipped {
                skipping = None;
            }
            continue;
        }
        if !closing && let Some(s) = SKIPPED.iter().find(|s| **s == name) {
            skipping = Some(s);
            continue;
        }
        if is_break(&name) {
            out.push('\n');
        }
    }
    if skipping.is_none() {
        push_text(&mut out, rest);
    }
    collapse(&out)
}

/// Where a tag opened just before `s` ends (the index of its `>`), honouring
/// quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '>') => return Some(i),
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    None
}

/// Elements that separate what is around them (blocks, cells, breaks).
fn is_break(name: &str) -> bool {
    matches!(
        name,
        "p" | "br"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "blockquote"
            | "pre"
            | "hr"
            | "dt"
            | "dd"
            | "figure"
            | "figcaption"
            | "section"
            | "details"
            | "summary"
            | "img"
    )
}

fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match after.find(';').filter(|&n| n <= 10) {
            Some(n) => match decode_entity(&after[..n]) {
                Some(c) => {
                    out.push(c);
                    rest = &after[n + 1..];
                }
                None => {
                    out.push('&');
                    rest = after;
                }
            },
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "middot" => '·',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        _ => return None,
    })
}

/// Lines trimmed, empty lines dropped, inner whitespace runs made one space.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        for (i, w) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_tags_and_keeps_blocks_apart() {
        let html = "<h2 id=\"a\">学习</h2>\n<p>第一段<strong>重点</strong>。</p><p>second&nbsp;para &amp; more</p>";
        assert_eq!(plain_text(html), "学习\n第一段重点。\nsecond para & more");
    }

    #[test]
    fn tables_and_lists_become_lines() {
        let html =
            "<table><tr><td>走访群众</td><td>32</td></tr></table><ul><li>一</li><li>二</li></ul>";
        assert_eq!(plain_text(html), "走访群众\n32\n一\n二");
    }

    #[test]
    fn skips_scripts_comments_and_attributes() {
        let html =
            "<p title=\"a > b\">可见</p><!-- 注释 --><script>var x = '<p>';</script><p>尾</p>";
        assert_eq!(plain_text(html), "可见\n尾");
    }

    #[test]
    fn numeric_entities_and_stray_characters() {
        assert_eq!(
            plain_text("&#20826;&#x8D39; 1 < 2 &unknown; &"),
            "党费 1 < 2 &unknown; &"
        );
    }
}
