//! Typed cell values: exact decimals for money and numbers, dates, and how
//! each is written for readers (thousands separators, Chinese dates).

use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// An exact decimal: `units` × 10^-`scale`. Money is never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Decimal {
    units: i128,
    scale: u8,
}

/// Digits a decimal may have: far beyond any amount, well inside i128.
const MAX_DIGITS: usize = 30;

impl Decimal {
    pub(crate) const ZERO: Decimal = Decimal { units: 0, scale: 0 };

    /// Reads `2160`, `2,160.00`, `-12.5`, `¥1,200`, `300元`, `(1,200.00)`
    /// (accounting negative). Thousands separators must group by three.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let mut s = text.trim();
        let mut negative = false;
        if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            negative = true;
            s = inner.trim();
        }
        for sign in ['-', '−', '－'] {
            if let Some(rest) = s.strip_prefix(sign) {
                negative = !negative;
                s = rest.trim_start();
                break;
            }
        }
        s = s.strip_prefix('+').unwrap_or(s);
        s = s.trim_start_matches(['¥', '￥']).trim();
        s = s.strip_suffix('元').unwrap_or(s).trim_end();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let int = if int.contains(',') {
            let groups: Vec<&str> = int.split(',').collect();
            let ok = (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
            if !ok {
                return None;
            }
            groups.concat()
        } else {
            int.to_string()
        };
        let digits = int.len() + frac.len();
        if digits == 0 || digits > MAX_DIGITS {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let units: i128 = format!("{int}{frac}").parse().ok()?;
        Some(Decimal {
            units: if negative { -units } else { units },
            scale: frac.len() as u8,
        })
    }

    pub(crate) fn scale(self) -> u8 {
        self.scale
    }

    /// Rounded to `scale` places, halves away from zero (Chinese
    /// accounting's 四舍五入).
    pub(crate) fn round(self, scale: u8) -> Decimal {
        match self.scale.cmp(&scale) {
            Ordering::Equal => self,
            Ordering::Less => Decimal {
                units: self.units * 10i128.pow(u32::from(scale - self.scale)),
                scale,
            },
            Ordering::Greater => {
                let div = 10i128.pow(u32::from(self.scale - scale));
                let (q, r) = (self.units / div, self.units % div);
                let away = r.abs() * 2 >= div;
                Decimal {
                    units: q + if away { self.units.signum() } else { 0 },
                    scale,
                }
            }
        }
    }

    /// The exact sum, or `None` if it would not fit.
    pub(crate) fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let (a, b) = (self.round(scale), other.round(scale));
        Some(Decimal {
            units: a.units.checked_add(b.units)?,
            scale,
        })
    }

    /// `1,234,567.50`: thousands separators, exactly `scale` decimals.
    pub(crate) fn format(self, scale: u8) -> String {
        let d = self.round(scale);
        let digits = d.units.unsigned_abs().to_string();
        let scale = usize::from(scale);
        let digits = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = digits.split_at(digits.len() - scale);
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
        if d.units < 0 {
            out.push('-');
        }
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
        out
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let scale = self.scale.max(other.scale);
        self.round(scale).units.cmp(&other.round(scale).units)
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A point in time a date column holds, as precise as the file wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum When {
    /// `2026-07` → 2026年7月
    Month(NaiveDate),
    /// `2026-07-15` → 2026年7月15日
    Day(NaiveDate),
    /// `2026-07-15 09:30` → 2026年7月15日 09:30
    Time(NaiveDateTime),
}

impl When {
    /// Reads `2026-07-15`, `2026/7/15`, `2026.7.15`, `2026年7月15日` (each
    /// with an optional ` 09:30` or ` 09:30:00`), and months `2026-07`,
    /// `2026/7`, `2026年7月`.
    pub(crate) fn parse(text: &str) -> Option<When> {
        let s = text.trim();
        let (date, time) = match s.split_once([' ', 'T']) {
            Some((d, t)) => (d, Some(t.trim())),
            None => (s, None),
        };
        let parts: Vec<&str> = date
            .trim_end_matches('日')
            .split(['-', '/', '.', '年', '月'])
            .collect();
        let num = |p: &str| -> Option<u32> {
            (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        };
        let parts: Vec<&str> = match parts.as_slice() {
            // `2026年7月` splits into a trailing empty part.
            [y, m, ""] if date.ends_with('月') => vec![y, m],
            _ => parts,
        };
        // `2026.5` is a number, not May: dots only in full dates.
        if parts[0].len() != 4 || (date.contains('.') && parts.len() != 3) {
            return None;
        }
        let year = i32::try_from(num(parts[0])?).ok()?;
        match (parts.as_slice(), time) {
            ([_, m], None) => NaiveDate::from_ymd_opt(year, num(m)?, 1).map(When::Month),
            ([_, m, d], None) => NaiveDate::from_ymd_opt(year, num(m)?, num(d)?).map(When::Day),
            ([_, m, d], Some(t)) => {
                let day = NaiveDate::from_ymd_opt(year, num(m)?, num(d)?)?;
                let mut hms = t.split(':').map(num);
                let (h, min) = (hms.next()??, hms.next()??);
                let sec = hms.next().unwrap_or(Some(0))?;
                if hms.next().is_some() {
                    return None;
                }
                day.and_hms_opt(h, min, sec).map(When::Time)
            }
            _ => None,
        }
    }

    /// A spreadsheet date: a day, or a day and time when it has one.
    pub(crate) fn from_sheet(t: NaiveDateTime) -> When {
        if t.time() == chrono::NaiveTime::MIN {
            When::Day(t.date())
        } else {
            When::Time(t)
        }
    }

    /// `2026年7月15日`, `2026年7月`, `2026年7月15日 09:30`.
    pub(crate) fn format(self) -> String {
        match self {
            When::Month(d) => format!("{}年{}月", d.year(), d.month()),
            When::Day(d) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            When::Time(t) => format!(
                "{}年{}月{}日 {:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute()
            ),
        }
    }

    /// The instant it starts, for sorting mixed precisions.
    pub(crate) fn sort_instant(self) -> NaiveDateTime {
        match self {
            When::Month(d) | When::Day(d) => d.and_time(chrono::NaiveTime::MIN),
            When::Time(t) => t,
        }
    }
}

/// Text as Chinese readers sort it: by pinyin, then by the text itself.
pub(crate) fn text_key(text: &str) -> String {
    use pinyin::ToPinyin;
    let mut key = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        match c.to_pinyin() {
            Some(p) => key.push_str(p.plain()),
            None => key.extend(c.to_lowercase()),
        }
        key.push(' ');
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn parses_amounts() {
        assert_eq!(dec("2160").format(2), "2,160.00");
        assert_eq!(dec("2,160.5").format(2), "2,160.50");
        assert_eq!(dec(" ¥1,234,567.891 ").format(2), "1,234,567.89");
        assert_eq!(dec("300元").format(2), "300.00");
        assert_eq!(dec("-12.345").format(2), "-12.35");
        assert_eq!(dec("(1,200.00)").format(2), "-1,200.00");
        assert_eq!(dec("－5").format(0), "-5");
        assert_eq!(dec(".5").format(1), "0.5");
        assert_eq!(dec("0.004").format(2), "0.00");
        for bad in [
            "", "二十", "12a", "1,23", "12,3456", "1.2.3", "--1", "¥", "1e5", "12%",
        ] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
        assert_eq!(Decimal::parse(&"9".repeat(31)), None);
    }

    #[test]
    fn sums_are_exact() {
        let sum = ["0.1", "0.2", "1,000.70"]
            .iter()
            .try_fold(Decimal::ZERO, |a, s| a.checked_add(dec(s)))
            .unwrap();
        assert_eq!(sum.format(2), "1,001.00");
        assert!(dec("1.5") > dec("1.25"));
        assert_eq!(dec("1.50").cmp(&dec("1.5")), Ordering::Equal);
    }

    #[test]
    fn formats_numbers_with_separators() {
        assert_eq!(dec("1234567").format(0), "1,234,567");
        assert_eq!(dec("123").format(0), "123");
        assert_eq!(dec("-1234.5").format(1), "-1,234.5");
        assert_eq!(dec("0").format(2), "0.00");
    }

    #[test]
    fn parses_dates() {
        let day = |s| When::parse(s).map(When::format);
        for s in ["2026-07-15", "2026/7/15", "2026.07.15", "2026年7月15日"] {
            assert_eq!(day(s).as_deref(), Some("2026年7月15日"), "{s}");
        }
        assert_eq!(day("2026-07").as_deref(), Some("2026年7月"));
        assert_eq!(day("2026年7月").as_deref(), Some("2026年7月"));
        assert_eq!(
            day("2026-07-15 09:30").as_deref(),
            Some("2026年7月15日 09:30")
        );
        for bad in [
            "2026-13-01",
            "26-07-15",
            "2026",
            "七月",
            "2026-07-15 25:00",
            "1,234",
            "2026.5",
        ] {
            assert_eq!(When::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_sorts_by_pinyin() {
        let mut names = vec!["张三", "李四", "王五", "安六"];
        names.sort_by_key(|n| text_key(n));
        assert_eq!(names, ["安六", "李四", "王五", "张三"]);
    }
}
