//! ASCII slugs for URLs: stable, readable, derived from pinyin when needed.

use pinyin::ToPinyin;

/// Longest derived slug, in bytes; cut at a word boundary.
pub(crate) const MAX_LEN: usize = 60;

/// Whether `s` is already a valid slug: lowercase ASCII letters, digits, `-`, `_`.
pub(crate) fn is_valid(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(['-', '.'])
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Slug of an ASCII file stem: lowercased, other characters turned into `-`.
pub(crate) fn from_ascii(stem: &str) -> String {
    let mut out = String::with_capacity(stem.len());
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    cut(out.trim_matches('-'))
}

/// Slug of any text: Chinese characters become toneless pinyin syllables
/// joined by `-`; ASCII letters and digits are kept; the rest separates words.
pub(crate) fn from_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    let mut in_word = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if !in_word && !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
            in_word = true;
        } else if let Some(p) = c.to_pinyin() {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            // Toneless pinyin still has ü (绿 lü); URLs write it v, as pinyin keyboards do.
            out.extend(p.plain().chars().map(|c| if c == 'ü' { 'v' } else { c }));
            in_word = false;
        } else {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            in_word = false;
        }
    }
    cut(out.trim_matches('-'))
}

/// Slug of a file stem, or of the title when the stem is not ASCII.
pub(crate) fn derive(stem: &str, title: &str) -> String {
    if stem.is_ascii() && stem.chars().any(|c| c.is_ascii_alphanumeric()) {
        from_ascii(stem)
    } else {
        let s = from_text(title);
        if s.is_empty() { from_text(stem) } else { s }
    }
}

fn cut(s: &str) -> String {
    if s.len() <= MAX_LEN {
        return s.to_string();
    }
    let head = &s[..MAX_LEN];
    match head.rfind('-') {
        Some(i) if i > MAX_LEN / 2 => head[..i].to_string(),
        _ => head.trim_end_matches('-').to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_stems_are_kept() {
        assert_eq!(derive("2026-11-20-visit", "走访"), "2026-11-20-visit");
        assert_eq!(derive("Hello World", "x"), "hello-world");
    }

    #[test]
    fn chinese_titles_become_pinyin() {
        assert_eq!(
            derive("主题党日", "关于开展11月主题党日活动的通知"),
            "guan-yu-kai-zhan-11-yue-zhu-ti-dang-ri-huo-dong-de-tong-zhi"
        );
        assert_eq!(from_text("党建 2026：学习"), "dang-jian-2026-xue-xi");
    }

    #[test]
    fn u_umlaut_becomes_v() {
        assert_eq!(from_text("组织纪律"), "zu-zhi-ji-lv");
        assert_eq!(from_text("绿色女性"), "lv-se-nv-xing");
    }

    #[test]
    fn long_slugs_are_cut_at_words() {
        let s = from_text(&"学习贯彻党的二十大精神".repeat(5));
        assert!(s.len() <= MAX_LEN);
        assert!(!s.ends_with('-'));
        assert!(s.starts_with("xue-xi-guan-che"));
    }

    #[test]
    fn validity() {
        assert!(is_valid("zhuti-dangri-2026-11"));
        assert!(!is_valid("Zhuti"));
        assert!(!is_valid("../x"));
        assert!(!is_valid(""));
    }

    proptest::proptest! {
        #[test]
        fn derived_slugs_are_always_valid_or_empty(s in "\\PC{0,80}") {
            let slug = derive(&s, &s);
            proptest::prop_assert!(slug.is_empty() || is_valid(&slug), "{}", slug);
            proptest::prop_assert!(slug.len() <= MAX_LEN);
        }
    }
}
