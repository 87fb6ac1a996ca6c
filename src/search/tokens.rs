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
//! and digits are words of their own, and where a word meets a CJK run
//! the two characters on either side make a pair too, so `2026年党费` is
//! `2026` + `6年` + 年党 + 党费 and `第3镇` needs 第3 and 3镇 side by side.
//! The index also pairs characters across whitespace (a line break in the
//! middle of a sentence, `2026 年`); a query pairs only what touches, so
//! words it separates by spaces are looked up apart.

/// A token of the index: a word, or one or two characters (a CJK
/// character, two CJK characters, or the pair where a word meets CJK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Token<'a> {
    Word(&'a str),
    Chars(char, Option<char>),
}

impl Token<'_> {
    pub(crate) fn to_text(self) -> String {
        match self {
            Token::Word(w) => w.to_string(),
            Token::Chars(a, None) => a.to_string(),
            Token::Chars(a, Some(b)) => [a, b].iter().collect(),
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
/// each word, and the pair where two runs meet (not two words) with
/// nothing or only whitespace between them.
pub(crate) fn index_tokens<'a>(text: &'a str, mut each: impl FnMut(Token<'a>)) {
    let mut prev: Option<(char, bool)> = None;
    runs(text, |run, cjk, gap| {
        let first = run.chars().next().unwrap_or_default();
        if let Some((p, p_cjk)) = prev
            && (cjk || p_cjk)
            && gap.chars().all(char::is_whitespace)
        {
            each(Token::Chars(p, Some(first)));
        }
        if cjk {
            let mut last: Option<char> = None;
            for c in run.chars() {
                if let Some(l) = last {
                    each(Token::Chars(l, Some(c)));
                }
                each(Token::Chars(c, None));
                last = Some(c);
            }
        } else {
            each(Token::Word(cut(run)));
        }
        prev = run.chars().last().map(|c| (c, cjk));
    });
}

/// The tokens a query looks up, each once, in order: a word; a CJK run of
/// one character, or the overlapping pairs of a longer one (see
/// [`pair_starts`]); and the pair where a word and a CJK run touch. (The search page does this; here it
/// pins the rule down for the tests.)
#[cfg(test)]
pub(crate) fn query_tokens(text: &str) -> Vec<String> {
    let folded = folded(text);
    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<(char, bool)> = None;
    runs(&folded, |run, cjk, gap| {
        let mut add = |t: Token| {
            let t = t.to_text();
            if !out.contains(&t) {
                out.push(t);
            }
        };
        let chars: Vec<char> = run.chars().collect();
        if let Some((p, p_cjk)) = prev
            && (cjk || p_cjk)
            && gap.is_empty()
        {
            add(Token::Chars(p, Some(chars[0])));
        }
        prev = chars.last().map(|c| (*c, cjk));
        if !cjk {
            add(Token::Word(cut(run)));
            return;
        }
        if chars.len() == 1 {
            add(Token::Chars(chars[0], None));
        }
        for i in pair_starts(chars.len()) {
            add(Token::Chars(chars[i], Some(chars[i + 1])));
        }
    });
    out
}

/// Where the pairs a query looks up start in a CJK run of `n` characters:
/// every one in a short run; in a long one (a sentence pasted whole) every
/// other one, and the last, which still covers each character while
/// downloading half the chunks.
#[cfg(test)]
fn pair_starts(n: usize) -> Vec<usize> {
    if n < LONG_RUN {
        return (0..n.saturating_sub(1)).collect();
    }
    let mut starts: Vec<usize> = (0..n - 1).step_by(2).collect();
    if n % 2 == 1 {
        starts.push(n - 2);
    }
    starts
}

/// Length from which a query's CJK run is looked up by every other pair.
#[cfg(test)]
const LONG_RUN: usize = 5;

/// Calls `each` with every maximal run of CJK characters (`true`) or of
/// word characters (`false`) in already folded `text`, and the text
/// between it and the run before it (empty for the first run).
fn runs<'a>(text: &'a str, mut each: impl FnMut(&'a str, bool, &'a str)) {
    let mut start: Option<(usize, Class)> = None;
    let mut prev_end = 0;
    let mut emit = |s: usize, e: usize, k: Class, prev_end: &mut usize| {
        each(&text[s..e], k == Class::Cjk, &text[*prev_end..s]);
        *prev_end = e;
    };
    for (i, c) in text.char_indices() {
        let k = class(c);
        match start {
            Some((s, sk)) if sk != k => {
                emit(s, i, sk, &mut prev_end);
                start = (k != Class::Other).then_some((i, k));
            }
            None if k != Class::Other => start = Some((i, k)),
            _ => {}
        }
    }
    if let Some((s, sk)) = start {
        emit(s, text.len(), sk, &mut prev_end);
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
        assert_eq!(
            index("党费。党员"),
            ["党", "党费", "费", "党", "党员", "员"]
        );
        assert_eq!(query_tokens("两学一做"), ["两学", "学一", "一做"]);
        assert_eq!(query_tokens("党"), ["党"]);
    }

    #[test]
    fn mixed_text_splits_at_script_changes() {
        assert_eq!(query_tokens("2026年党费"), ["2026", "6年", "年党", "党费"]);
        assert_eq!(
            query_tokens("第3镇第4村"),
            ["第", "第3", "3", "3镇", "镇第", "第4", "4", "4村", "村"]
        );
        assert_eq!(
            index("ICP备12号"),
            ["icp", "p备", "备", "备1", "12", "2号", "号"]
        );
    }

    #[test]
    fn the_index_pairs_across_whitespace_a_query_does_not() {
        // A line break inside a sentence, a space before a unit.
        assert_eq!(
            index("主题\n党日"),
            ["主", "主题", "题", "题党", "党", "党日", "日"]
        );
        assert_eq!(index("2026 年"), ["2026", "6年", "年"]);
        assert_eq!(
            index("党费 abc def"),
            ["党", "党费", "费", "费a", "abc", "def"]
        );
        assert_eq!(query_tokens("党费 2026"), ["党费", "2026"]);
    }

    #[test]
    fn full_width_and_case_fold() {
        assert_eq!(query_tokens("２０２６　ＡＢＣ"), ["2026", "abc"]);
        assert_eq!(query_tokens("Éva"), ["éva"]);
    }

    #[test]
    fn long_runs_are_looked_up_by_every_other_pair() {
        assert_eq!(pair_starts(4), [0, 1, 2]);
        assert_eq!(pair_starts(5), [0, 2, 3]);
        assert_eq!(pair_starts(6), [0, 2, 4]);
        assert_eq!(query_tokens("进一步规范"), ["进一", "步规", "规范"]);
    }

    #[test]
    fn repeats_are_queried_once() {
        assert_eq!(query_tokens("党员 党员"), ["党员"]);
        assert!(query_tokens("，。！ ").is_empty());
    }

    /// The cases the search page's script must pass too (browser checks).
    #[test]
    fn shared_cases() {
        let json: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/search/tokens.json")).unwrap();
        for case in json["cases"].as_array().unwrap() {
            let query = case["query"].as_str().unwrap();
            let want: Vec<&str> = case["tokens"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert_eq!(query_tokens(query), want, "{query}");
        }
    }

    #[test]
    fn long_words_are_cut() {
        let long = "a".repeat(40);
        assert_eq!(query_tokens(&long), ["a".repeat(MAX_WORD_CHARS)]);
    }
}
