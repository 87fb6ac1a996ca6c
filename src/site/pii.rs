//! The personal-information guard: unmasked resident ID numbers, mobile
//! numbers and bank card numbers in text meant for the public.

/// What kind of personal data a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind {
    /// 居民身份证号码: 18 characters with a valid check digit, or 15 digits
    /// with a valid birth date.
    IdNumber,
    /// 手机号码: 11 digits starting 13–19.
    Mobile,
    /// 银行卡号: 13–19 digits passing the Luhn check.
    BankCard,
}

impl PiiKind {
    pub fn label(self) -> &'static str {
        match self {
            PiiKind::IdNumber => "身份证号码",
            PiiKind::Mobile => "手机号码",
            PiiKind::BankCard => "银行卡号",
        }
    }
}

/// One unmasked number, with its 1-based line in the scanned text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub kind: PiiKind,
    /// The masked form to write instead (`138****1234`).
    pub masked: String,
}

/// Every unmasked ID, mobile or bank card number in `text`.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let bytes = line.as_bytes();
        let mut pos = 0;
        while pos < bytes.len() {
            if !bytes[pos].is_ascii_digit() {
                pos += 1;
                continue;
            }
            let start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            let mut end = pos;
            if end - start == 17 && matches!(bytes.get(end), Some(b'X' | b'x')) {
                end += 1;
            }
            // A number glued to letters or more digits (a code, a URL id) is not one of ours.
            let glued = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
            let before = start.checked_sub(1).and_then(|p| bytes.get(p));
            if !glued(before) && !glued(bytes.get(end)) {
                let number = &line[start..end];
                if let Some(kind) = classify(number) {
                    out.push(Finding {
                        line: i + 1,
                        kind,
                        masked: mask(number, kind),
                    });
                }
            }
            pos = end.max(pos);
        }
    }
    out
}

fn classify(n: &str) -> Option<PiiKind> {
    let len = n.len();
    if len == 18 && id18_valid(n) {
        return Some(PiiKind::IdNumber);
    }
    if len == 15 && id15_valid(n) {
        return Some(PiiKind::IdNumber);
    }
    if len == 11 && n.starts_with('1') && matches!(n.as_bytes()[1], b'3'..=b'9') {
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
                    订单号A13812345678 12345678901234567 编号 110105194912310021";
        assert_eq!(
            scan(text),
            vec![],
            "wrong check digit, glued, landline, amounts"
        );
    }

    #[test]
    fn check_digit_and_luhn() {
        assert!(id18_valid("11010519491231002X"));
        assert!(!id18_valid("110105194912310021"));
        assert!(luhn("4539578763621486"));
        assert!(!luhn("4539578763621487"));
    }
}
