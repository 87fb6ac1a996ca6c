//! The tokenizer shared by the index (here) and the search page
//! (`themes/default/static/search.js`, which repeats these rules line for
//! line; `tests/fixtures/search/tokens.json` holds cases both must pass).
//!
//! Chinese has no spaces, and a dictionary segmenter splits queries in
//! ways nobody can predict (Chromium's cuts 党费 into 党 / 费). So every
//! run of CJK characters is indexed as all its single characters and all
//! its overlapping pairs (bigrams), the classic CJK approach: a query of
//! one character looks up that character; a longer one looks up its
//! overlapping pairs, all of which an item must contain. Runs of letters
//! and digits are words of their own, so `2026年党费` is `2026` + 年党 +
//! 党费.

/// A token of the index: a word, or one or two CJK characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Token<'a> {
    Word(&'a str),
    Cjk(char, Option<char>),
}

impl Token<'_> {
    pub(crate) fn to_text(self) -> String {
        match self {
            Token::Word(w) => w.to_string(),
            Token::Cjk(a, None) => a.to_string(),
            Token::Cjk(a, Some(b)) => [a, b].iter().collect(),
        }
    }
}

/// Longest word kept, in characters (longer runs are cut, on both sides).
pub(crate) const MAX_WORD_CHARS: usize = 32;

/// What a character is to the tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Cjk,
    Word,
    Other,
}

/// The character as searched: full-width ASCII made half-width, the
/// ideographic space a space, letters lowercased (one character to one).
pub(crate) fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => {
            char::from_u32(c as u32 - 0xFEE0).map_or(c, |a| a.to_ascii_lowercase())
        }
        '\u{3000}' => ' ',
        'A'..='Z' => c.to_ascii_lowercase(),
        _ if !c.is_ascii() && class(c) == Class::Word => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        }
        _ => c,
    }
}

fn class(c: char) -> Class {
    match c as u32 {
        0x3007 | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF => {
            Class::Cjk
        }
        0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x30000..=0x3134F => Class::Cjk,
        0x30..=0x39 | 0x61..=0x7A | 0x41..=0x5A => Class::Word,
        0xC0..=0x24F if c != '\u{D7}' && c != '\u{F7}' => Class::Word,
        0x370..=0x4FF => Class::Word,
        _ => Class::Other,
    }
}

/// `text` folded (see [`fold`]).
pub(crate) fn folded(text: &str) -> String {
    text.chars().map(fold).collect()
}

/// Calls `each` with every token of folded `text`, in order, repeats
/// included: each CJK character, each pair of adjacent CJK characters,
/// and each word.
pub(crate) fn index_tokens<'a>(text: &'a str, mut each: impl FnMut(Token<'a>)) {
    runs(text, |run, cjk| {
        if cjk {
            let mut prev: Option<char> = None;
            for c in run.chars() {
                if let Some(p) = prev {
                    each(Token::Cjk(p, Some(c)));
                }
                each(Token::Cjk(c, None));
                prev = Some(c);
            }
        } else {
            each(Token::Word(cut(run)));
        }
    });
}

/// The tokens a query looks up, each once, in order: a CJK run of one
/// character is that character, a longer one its overlapping pairs. (The
/// search page does this; here it pins the rule down for the tests.)
#[cfg(test)]
pub(crate) fn query_tokens(text: &str) -> Vec<String> {
    let folded = folded(text);
    let mut out: Vec<String> = Vec::new();
    runs(&folded, |run, cjk| {
        let mut add = |t: Token| {
            let t = t.to_text();
            if !out.contains(&t) {
                out.push(t);
            }
        };
        if !cjk {
            add(Token::Word(cut(run)));
            return;
        }
        let chars: Vec<char> = run.chars().collect();
        if chars.len() == 1 {
            add(Token::Cjk(chars[0], None));
        }
        for pair in chars.windows(2) {
            add(Token::Cjk(pair[0], Some(pair[1])));
        }
    });
    out
}

/// Calls `each` with every maximal run of CJK characters (`true`) or of
/// word characters (`false`) in already folded `text`.
fn runs<'a>(text: &'a str, mut each: impl FnMut(&'a str, bool)) {
    let mut start: Option<(usize, Class)> = None;
    for (i, c) in text.char_indices() {
        let k = class(c);
        match start {
            Some((s, sk)) if sk != k => {
                each(&text[s..i], sk == Class::Cjk);
                start = (k != Class::Other).then_some((i, k));
            }
            None if k != Class::Other => start = Some((i, k)),
            _ => {}
        }
    }
    if let Some((s, sk)) = start {
        each(&text[s..], sk == Class::Cjk);
    }
}

fn cut(word: &str) -> &str {
    match word.char_indices().nth(MAX_WORD_CHARS) {
        Some((i, _)) => &word[..i],
        None => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str) -> Vec<String> {
        let f = folded(text);
        let mut out = Vec::new();
        index_tokens(&f, |t| out.push(t.to_text()));
        out
    }

    #[test]
    fn cjk_runs_give_characters_and_pairs() {
        assert_eq!(index("党费。"), ["党", "党费", "费"]);
        assert_eq!(query_tokens("两学一做"), ["两学", "学一", "一做"]);
        assert_eq!(query_tokens("党"), ["党"]);
    }

    #[test]
    fn mixed_text_splits_at_script_changes() {
        assert_eq!(query_tokens("2026年党费"), ["2026", "年党", "党费"]);
        assert_eq!(query_tokens("第3镇第4村"), ["第", "3", "镇第", "4", "村"]);
        assert_eq!(index("ICP备12号"), ["icp", "备", "12", "号"]);
    }

    #[test]
    fn full_width_and_case_fold() {
        assert_eq!(query_tokens("２０２６　ＡＢＣ"), ["2026", "abc"]);
        assert_eq!(query_tokens("Éva"), ["éva"]);
    }

    #[test]
    fn repeats_are_queried_once() {
        assert_eq!(query_tokens("党员 党员"), ["党员"]);
        assert!(query_tokens("，。！ ").is_empty());
    }

    #[test]
    fn long_words_are_cut() {
        let long = "a".repeat(40);
        assert_eq!(query_tokens(&long), ["a".repeat(MAX_WORD_CHARS)]);
    }
}
