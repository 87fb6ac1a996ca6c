//! Text measures of a rendered body: heading ids, CJK and Latin word
//! counts for reading time, and the derived summary.

use super::{LATIN_WORDS_PER_MINUTE, SUMMARY_CHARS};

/// Minutes to read `cjk` CJK characters and `words` Latin words, rounded up, at least 1.
pub(crate) fn reading_minutes(cjk: usize, words: usize, cjk_per_minute: u32) -> u32 {
    let minutes =
        cjk as f64 / cjk_per_minute.max(1) as f64 + words as f64 / LATIN_WORDS_PER_MINUTE as f64;
    (minutes.ceil() as u32).max(1)
}

/// An anchor id for a heading: letters (CJK included) and digits kept,
/// spaces and dashes joined by `-`, punctuation dropped.
pub(crate) fn heading_id(title: &str) -> String {
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

pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF | 0x3040..=0x30FF)
}

/// Adds the CJK characters and Latin words of `text` to the counts.
pub(crate) fn count_words(text: &str, cjk: &mut usize, words: &mut usize) {
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

/// A notice's opening line (“各村党支部：”) says who it is for, not what it
/// says, so it is no summary.
pub(super) fn is_salutation(p: &str) -> bool {
    let p = p.trim();
    (p.ends_with('：') || p.ends_with(':')) && p.chars().count() <= 30
}

pub(super) fn truncate_summary(text: &str) -> String {
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(SUMMARY_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}
