//! The personal-information guard: unmasked resident ID numbers, mobile
//! numbers and bank card numbers in text meant for the public.

/// What kind of personal data a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PiiKind {
    /// 居民身份证号码: 18 characters with a valid check digit, or 15 digits
    /// with a valid birth date.
    IdNumber,
    /// 手机号码: 11 digits starting 13–19.
    Mobile,
    /// 银行卡号: 13–19 digits passing the Luhn check.
    BankCard,
}

impl PiiKind {
    pub(crate) fn label(self) -> &'static str {
        match self {
            PiiKind::IdNumber => "身份证号码",
            PiiKind::Mobile => "手机号码",
            PiiKind::BankCard => "银行卡号",
        }
    }
}

/// One unmasked number, with its 1-based line in the scanned text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) line: usize,
    pub(crate) kind: PiiKind,
    /// The masked form to write instead (`138****1234`).
    pub(crate) masked: String,
}

/// Every unmasked ID, mobile or bank card number in `text`, however it
/// is written: full-width digits, spaces or dashes between groups
/// (`138 1234 5678`, `6222 0212 3456 7890 128`), a `+86` prefix, digits
/// written as HTML character references (`&#49;`), or glued to a word
/// (`Tel13812345678`).
pub(crate) fn scan(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if digit_count(text) < MIN_DIGITS {
        return out;
    }
    for (i, line) in text.lines().enumerate() {
        // Most lines cannot hold a number of ours: skip them unread.
        if digit_count(line) < MIN_DIGITS {
            continue;
        }
        let chars: Vec<char> = normalize(line).chars().collect();
        let mut pos = 0;
        while pos < chars.len() {
            if !chars[pos].is_ascii_digit() {
                pos += 1;
                continue;
            }
            let (groups, end) = digit_groups(&chars, pos);
            let before = pos.checked_sub(1).map(|p| chars[p]);
            let after = chars.get(end).copied();
            // A number inside a longer code of letters and digits on both
            // sides (a hash, a file name) is not one of ours.
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            if !(word(before) && word(after)) {
                let plus = before == Some('+');
                for number in candidates(&groups, plus) {
                    if let Some(kind) = classify(&number) {
                        out.push(Finding {
                            line: i + 1,
                            kind,
                            masked: mask(&number, kind),
                        });
                    }
                }
            }
            pos = end.max(pos + 1);
        }
    }
    out
}

/// The fewest digits any number of ours has (a mobile number); a digit
/// written as a character reference (`&#49;`) still shows digits.
const MIN_DIGITS: usize = 11;

/// ASCII and full-width digits in `text`.
fn digit_count(text: &str) -> usize {
    let ascii = text.bytes().filter(u8::is_ascii_digit).count();
    if ascii >= MIN_DIGITS {
        return ascii;
    }
    // Full-width digits are three bytes starting 0xEF 0xBC 0x90..0x99.
    ascii
        + text
            .as_bytes()
            .windows(3)
            .filter(|w| w[0] == 0xEF && w[1] == 0xBC && (0x90..=0x99).contains(&w[2]))
            .count()
}

/// Whether markup or a character reference could join digits that the
/// source shows apart: a tag or `&` right after a digit (or a space after
/// one). Without that, the visible text holds no number the source scan
/// has not seen.
fn may_hide_digits(html: &str) -> bool {
    let b = html.as_bytes();
    (1..b.len()).any(|i| {
        matches!(b[i], b'<' | b'&')
            && (b[i - 1].is_ascii_digit()
                || (b[i - 1] == b' ' && i >= 2 && b[i - 2].is_ascii_digit()))
    })
}

/// The text a reader sees of rendered HTML: tags gone (inline ones without
/// a gap, so `138<b>1234</b>5678` reads as one number), entities decoded.
pub(crate) fn visible_text(html: &str) -> String {
    const INLINE: &[&str] = &[
        "a", "b", "strong", "em", "i", "span", "code", "mark", "del", "s", "u", "sub", "sup",
        "small", "abbr", "font",
    ];
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('>') else {
            rest = &rest[start..];
            break;
        };
        let tag = &rest[start + 1..start + len];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if !INLINE.contains(&name.as_str()) {
            out.push('\n');
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    if !out.contains('&') {
        return out;
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Full-width digits and signs as ASCII, numeric character references
/// decoded, invisible characters dropped, unusual spaces and dashes made
/// plain, so every way of writing a number reads the same.
fn normalize(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '&'
            && let Some((decoded, len)) = char_reference(rest)
        {
            push_normal(&mut out, decoded);
            rest = &rest[len..];
            continue;
        }
        push_normal(&mut out, c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn push_normal(out: &mut String, c: char) {
    match c {
        '０'..='９' => out.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
        '＋' => out.push('+'),
        'Ｘ' | 'ｘ' => out.push('X'),
        '－' | '‐' | '‑' | '‒' | '–' | '—' | '−' => out.push('-'),
        '\u{3000}' | '\u{a0}' | '\u{2002}'..='\u{200a}' | '\u{202f}' => out.push(' '),
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}' => {}
        c => out.push(c),
    }
}

/// `&#49;`, `&#x31;` or `&nbsp;` at the start of `s`: the character and
/// the reference's length.
fn char_reference(s: &str) -> Option<(char, usize)> {
    let end = s[..s.len().min(12)].find(';')?;
    let body = &s[1..end];
    let c = if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
        char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
    } else if let Some(dec) = body.strip_prefix('#') {
        char::from_u32(dec.parse().ok()?)?
    } else if body == "nbsp" {
        ' '
    } else {
        return None;
    };
    Some((c, end + 1))
}

/// The digit groups starting at `start`, joined by single spaces or dashes
/// (and an ID's final X), and where they end.
fn digit_groups(chars: &[char], start: usize) -> (Vec<String>, usize) {
    let mut groups = vec![String::new()];
    let mut pos = start;
    while pos < chars.len() {
        let c = chars[pos];
        if c.is_ascii_digit() {
            groups.last_mut().unwrap_or(&mut String::new()).push(c);
            pos += 1;
        } else if matches!(c, 'X' | 'x')
            && groups.iter().map(String::len).sum::<usize>() == 17
            && !chars
                .get(pos + 1)
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            groups.last_mut().unwrap_or(&mut String::new()).push('X');
            pos += 1;
            break;
        } else if matches!(c, ' ' | '-') && chars.get(pos + 1).is_some_and(|c| c.is_ascii_digit()) {
            groups.push(String::new());
            pos += 1;
        } else {
            break;
        }
    }
    (groups, pos)
}

/// The numbers a run of digit groups may be: all of it when the grouping is
/// one people write numbers in, else each group alone.
fn candidates(groups: &[String], plus: bool) -> Vec<String> {
    let lens: Vec<usize> = groups.iter().map(String::len).collect();
    let joined: String = groups.concat();
    let mut numbers = Vec::new();
    // A country code: +86 138…, 0086 138…
    let national = if plus && joined.starts_with("86") && joined.len() == 13 {
        Some(joined[2..].to_string())
    } else if joined.starts_with("0086") && joined.len() == 15 {
        Some(joined[4..].to_string())
    } else {
        None
    };
    if let Some(n) = national {
        numbers.push(n);
        return numbers;
    }
    let card_like = lens.len() > 1
        && lens[..lens.len() - 1].iter().all(|&l| l == 4)
        && (1..=4).contains(lens.last().unwrap_or(&0))
        && (13..=19).contains(&joined.len());
    let shaped = lens.len() == 1
        || matches!(lens.as_slice(), [3, 4, 4] | [3, 8] | [7, 4])
        || matches!(
            lens.as_slice(),
            [6, 8, 4] | [6, 6, 3] | [6, 4, 4, 4] | [6, 4, 4, 3]
        )
        || card_like;
    if shaped {
        numbers.push(joined);
    } else {
        numbers.extend(groups.iter().cloned());
    }
    numbers
}

fn classify(n: &str) -> Option<PiiKind> {
    let len = n.len();
    if len == 18 && id18_valid(n) {
        return Some(PiiKind::IdNumber);
    }
    if len == 15 && id15_valid(n) {
        return Some(PiiKind::IdNumber);
    }
    if len == 11
        && n.bytes().all(|b| b.is_ascii_digit())
        && n.starts_with('1')
        && matches!(n.as_bytes()[1], b'3'..=b'9')
    {
        return Some(PiiKind::Mobile);
    }
    if (13..=19).contains(&len) && n.bytes().all(|b| b.is_ascii_digit()) && luhn(n) {
        return Some(PiiKind::BankCard);
    }
    None
}

fn id18_valid(n: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = n.as_bytes();
    if !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

fn id15_valid(n: &str) -> bool {
    let b = n.as_bytes();
    let num = |r: std::ops::Range<usize>| n[r].parse::<u32>().unwrap_or(0);
    b.iter().all(u8::is_ascii_digit)
        && chrono::NaiveDate::from_ymd_opt(1900 + num(6..8) as i32, num(8..10), num(10..12))
            .is_some()
}

fn luhn(n: &str) -> bool {
    let sum: u32 = n
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn mask(n: &str, kind: PiiKind) -> String {
    let (head, tail) = match kind {
        PiiKind::IdNumber => (2, 2),
        PiiKind::Mobile => (3, 4),
        PiiKind::BankCard => (4, 4),
    };
    let stars = n.len() - head - tail;
    format!(
        "{}{}{}",
        &n[..head],
        "*".repeat(stars),
        &n[n.len() - tail..]
    )
}

/// Unmasked personal data in a public item: its front matter and body as
/// written, and what its rendered body shows (a number split by markup or
/// written as character references is found there), unless the item says
/// why it may show it (`allow_personal_info`).
pub(crate) fn guard(
    entry: &crate::content::Entry,
    html: &str,
) -> Vec<crate::diagnostic::Diagnostic> {
    if entry
        .meta
        .allow_personal_info
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty())
    {
        return Vec::new();
    }
    let mut found = Vec::new();
    for f in scan(&entry.yaml) {
        let line = f.line + entry.yaml_line - 1;
        let text = entry.yaml.lines().nth(f.line - 1).unwrap_or("");
        found.push((line, yaml_key(text), f));
    }
    for f in scan(&entry.body) {
        found.push((f.line + entry.body_line - 1, "正文".to_string(), f));
    }
    let seen: std::collections::HashSet<String> =
        found.iter().map(|(_, _, f)| f.masked.clone()).collect();
    let shown = if digit_count(html) >= MIN_DIGITS && may_hide_digits(html) {
        scan(&visible_text(html))
    } else {
        Vec::new()
    };
    for f in shown {
        if !seen.contains(&f.masked) {
            found.push((entry.body_line, "正文（排版后）".to_string(), f));
        }
    }
    found
        .into_iter()
        .map(|(line, field, f)| finding_diagnostic(&entry.path, line, field, &f, true))
        .collect()
}

/// Unmasked personal data in an `_index.md` (section and home pages are
/// always public).
pub(crate) fn guard_section(
    s: &crate::content::SectionSource,
) -> Vec<crate::diagnostic::Diagnostic> {
    let in_yaml = scan(&s.yaml).into_iter().map(|f| {
        let text = s.yaml.lines().nth(f.line - 1).unwrap_or("");
        (f.line + 1, yaml_key(text), f)
    });
    let in_body = scan(&s.body)
        .into_iter()
        .map(|f| (f.line + s.body_line - 1, "正文".to_string(), f));
    in_yaml
        .chain(in_body)
        .map(|(line, field, f)| finding_diagnostic(&s.path, line, field, &f, false))
        .collect()
}

fn yaml_key(line: &str) -> String {
    line.trim_start()
        .trim_start_matches("- ")
        .split(':')
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

fn finding_diagnostic(
    path: &std::path::Path,
    line: usize,
    field: String,
    f: &Finding,
    may_allow: bool,
) -> crate::diagnostic::Diagnostic {
    let allow = if may_allow {
        "；确需公开时，在 front matter 中写 allow_personal_info: 说明理由（会记入构建记录）"
    } else {
        ""
    };
    crate::diagnostic::Diagnostic::error(path, format!("公开内容中有未打码的{}", f.kind.label()))
        .line(line)
        .field(field)
        .hint(format!("改写为 {}{allow}", f.masked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ids_mobiles_and_cards() {
        let text = "身份证：11010519491231002X\n电话13812345678，卡号6222021234567890128\n旧证 110105491231002";
        let f = scan(text);
        assert_eq!(f.len(), 4, "{f:?}");
        assert_eq!(
            f[0],
            Finding {
                line: 1,
                kind: PiiKind::IdNumber,
                masked: "11**************2X".into()
            }
        );
        assert_eq!(
            f[1],
            Finding {
                line: 2,
                kind: PiiKind::Mobile,
                masked: "138****5678".into()
            }
        );
        assert_eq!(f[2].kind, PiiKind::BankCard);
        assert_eq!(f[2].masked, "6222***********0128");
        assert_eq!((f[3].line, f[3].kind), (3, PiiKind::IdNumber));
    }

    #[test]
    fn masked_forms_and_ordinary_numbers_pass() {
        let text = "138****1234 35**************23 0633-1234567 2026年11月21日 2,160.00元 \
                    编码a13812345678b 12345678901234567 编号 110105194912310021 2026 11 21 1 2 3";
        assert_eq!(
            scan(text),
            vec![],
            "wrong check digit, glued, landline, amounts"
        );
    }

    #[test]
    fn every_way_of_writing_a_number_is_found() {
        for text in [
            "138 1234 5678",
            "138-1234-5678",
            "１３８１２３４５６７８",
            "Tel13812345678",
            "&#49;3812345678",
            "1&#x33;812345678",
            "+8613912345678",
            "+86 139 1234 5678",
            "0086 13912345678",
            "138\u{200b}1234\u{200b}5678",
            "手机：138　1234　5678",
        ] {
            let f = scan(text);
            assert_eq!(f.len(), 1, "{text}: {f:?}");
            assert_eq!(f[0].kind, PiiKind::Mobile, "{text}");
        }
        let card = scan("卡号 6222 0212 3456 7890 128");
        assert_eq!(card.len(), 1);
        assert_eq!(card[0].kind, PiiKind::BankCard);
        let id = scan("110105 19491231 002X");
        assert_eq!(id[0].kind, PiiKind::IdNumber);
    }

    #[test]
    fn markup_cannot_hide_a_number() {
        let text = visible_text("<p>电话 138<strong>1234</strong>5678</p><td>1</td><td>2</td>");
        assert_eq!(scan(&text).len(), 1, "{text}");
    }

    #[test]
    fn check_digit_and_luhn() {
        assert!(id18_valid("11010519491231002X"));
        assert!(!id18_valid("110105194912310021"));
        assert!(luhn("4539578763621486"));
        assert!(!luhn("4539578763621487"));
    }
}
