//! Masking a column's values before anything else sees them (`mask:`).

use serde::Deserialize;

/// How a column is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MaskKind {
    /// 张三 → 张*, 张小三 → 张*三
    #[serde(alias = "姓名")]
    Name,
    /// 13812345678 → 138****5678
    #[serde(alias = "电话", alias = "手机")]
    Phone,
    /// 11010519491231002X → 11**************2X
    #[serde(alias = "身份证")]
    Id,
    /// 6222021234567890128 → 6222***********0128
    #[serde(alias = "银行卡")]
    Card,
}

impl MaskKind {
    /// The masked form of `text`.
    pub(crate) fn apply(self, text: &str) -> String {
        let text = text.trim();
        match self {
            MaskKind::Name => name(text),
            MaskKind::Phone => digits(text, 3, 4),
            MaskKind::Id => id(text),
            MaskKind::Card => digits(text, 4, 4),
        }
    }
}

/// Keeps the first and last character: 张*三, 欧**明; two characters keep
/// the first (张*).
fn name(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// Masks the digits between the first `head` and the last `tail`, keeping
/// separators (`0633-1234567` → `063*-***4567`). Short numbers keep only
/// their last two digits, so at least half is always hidden.
fn digits(text: &str, head: usize, tail: usize) -> String {
    let count = text.chars().filter(char::is_ascii_digit).count();
    let (head, tail) = if count >= head + tail + 4 {
        (head, tail)
    } else {
        (0, 2.min(count / 2))
    };
    let mut seen = 0;
    text.chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= head || seen > count - tail {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Keeps the first two and last two characters of an ID number.
fn id(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    if n < 6 {
        return "*".repeat(n);
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < 2 || i >= n - 2 { *c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_documented() {
        assert_eq!(MaskKind::Name.apply("张三"), "张*");
        assert_eq!(MaskKind::Name.apply("张小三"), "张*三");
        assert_eq!(MaskKind::Name.apply("欧阳小明"), "欧**明");
        assert_eq!(MaskKind::Name.apply("王"), "*");
        assert_eq!(MaskKind::Phone.apply("13812341234"), "138****1234");
        assert_eq!(MaskKind::Phone.apply("0633-1234567"), "063*-***4567");
        assert_eq!(MaskKind::Phone.apply("12345"), "***45");
        assert_eq!(
            MaskKind::Id.apply("11010519491231002X"),
            "11**************2X"
        );
        assert_eq!(
            MaskKind::Card.apply("6222021234567890128"),
            "6222***********0128"
        );
        assert_eq!(
            MaskKind::Card.apply("6222 0212 3456 7890"),
            "6222 **** **** 7890"
        );
        assert_eq!(MaskKind::Phone.apply(""), "");
    }

    #[test]
    fn masked_values_pass_the_guard() {
        for (kind, raw) in [
            (MaskKind::Phone, "13812341234"),
            (MaskKind::Id, "11010519491231002X"),
            (MaskKind::Card, "6222021234567890128"),
        ] {
            assert!(!crate::site::pii::scan(raw).is_empty(), "{raw}");
            assert!(crate::site::pii::scan(&kind.apply(raw)).is_empty(), "{raw}");
        }
    }
}
