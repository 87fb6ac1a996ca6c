//! Checks of site.yaml values that need more than their types: the 公示
//! calendar's dates and the footer's identity lines.

use chrono::NaiveDate;

use super::{CONFIG_FILE, DisclosureConfig, Footer};
use crate::diagnostic::Diagnostic;
use crate::time::WorkCalendar;
use crate::yaml::Doc;

/// The built-in holiday schedules with the site's `holidays` and
/// `workdays` on top; a date that cannot be read is an error.
pub(super) fn calendar(
    d: &DisclosureConfig,
    doc: &Doc,
    diags: &mut Vec<Diagnostic>,
) -> WorkCalendar {
    let mut parse = |key: &str, list: &[String]| -> Vec<NaiveDate> {
        list.iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let date = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
                if date.is_none() {
                    diags.push(
                        Diagnostic::error(CONFIG_FILE, format!("无法识别的日期 “{s}”"))
                            .field(format!("disclosure.{key}"))
                            .at_line(doc.line_of(&format!("disclosure.{key}[{i}]")))
                            .hint("写成 2026-10-01 这样的日期"),
                    );
                }
                date
            })
            .collect()
    };
    let off = parse("holidays", &d.holidays);
    let work = parse("workdays", &d.workdays);
    WorkCalendar::new(off, work)
}

/// Identity lines that an inspection checks and a typo would spoil.
pub(super) fn footer(f: &Footer, doc: &Doc, diags: &mut Vec<Diagnostic>) {
    let mut bad = |key: &str, _value: &str, msg: String, hint: &str| {
        diags.push(
            Diagnostic::error(CONFIG_FILE, msg)
                .field(format!("footer.{key}"))
                .at_line(doc.line_of(&format!("footer.{key}")))
                .hint(hint.to_string()),
        );
    };
    if let Some(code) = &f.site_code
        && (code.trim().is_empty() || !code.trim().chars().all(|c| c.is_ascii_alphanumeric()))
    {
        bad(
            "site_code",
            code,
            format!("网站标识码 “{code}” 只能由字母和数字组成"),
            "照网站标识码证书填写，例如 site_code: \"1100000001\"",
        );
    }
    if let Some(url) = &f.party_gov_mark
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        bad(
            "party_gov_mark",
            url,
            format!("党政机关网站标识的地址 “{url}” 不是完整网址"),
            "填写标识的查验地址，以 http:// 或 https:// 开头",
        );
    }
    if let Some(police) = &f.police
        && police_code(police).is_none()
    {
        bad(
            "police",
            police,
            format!("公安备案号 “{police}” 中没有备案编号"),
            "照备案证书填写，例如 京公网安备11010502030000号",
        );
    }
    diags.extend(filing_provinces(f, doc));
}

/// The provinces' one-character names and the first two digits of their
/// administrative division codes (GB/T 2260), which begin a 公安备案 number.
const PROVINCES: [(char, &str); 31] = [
    ('京', "11"),
    ('津', "12"),
    ('冀', "13"),
    ('晋', "14"),
    ('蒙', "15"),
    ('辽', "21"),
    ('吉', "22"),
    ('黑', "23"),
    ('沪', "31"),
    ('苏', "32"),
    ('浙', "33"),
    ('皖', "34"),
    ('闽', "35"),
    ('赣', "36"),
    ('鲁', "37"),
    ('豫', "41"),
    ('鄂', "42"),
    ('湘', "43"),
    ('粤', "44"),
    ('桂', "45"),
    ('琼', "46"),
    ('渝', "50"),
    ('川', "51"),
    ('黔', "52"),
    ('滇', "53"),
    ('藏', "54"),
    ('陕', "61"),
    ('甘', "62"),
    ('青', "63"),
    ('宁', "64"),
    ('新', "65"),
];

/// An error when the ICP and 公安 filing numbers name different provinces,
/// or the 公安 number's division code is not its province's: almost always
/// a number copied from another site.
fn filing_provinces(f: &Footer, doc: &Doc) -> Option<Diagnostic> {
    let province = |t: &Option<String>| {
        let c = t.as_deref()?.trim().chars().next()?;
        PROVINCES.iter().find(|(p, _)| *p == c).copied()
    };
    let warn = |key: &str, msg: String| {
        Some(
            Diagnostic::error(CONFIG_FILE, msg)
                .field(format!("footer.{key}"))
                .at_line(doc.line_of(&format!("footer.{key}")))
                .hint("照本网站的备案证书填写两个备案号（两者的省份简称应相同，公安备案编号的前两位是该省的行政区划代码）".to_string()),
        )
    };
    let police = province(&f.police);
    if let (Some((icp, _)), Some((pol, _))) = (province(&f.icp), police)
        && icp != pol
    {
        return warn(
            "police",
            format!("ICP 备案号是 “{icp}”，公安备案号却是 “{pol}”：两个备案号不是同一省份"),
        );
    }
    let (pol, code) = police?;
    let number = police_code(f.police.as_deref()?)?;
    (!number.starts_with(code)).then(|| {
        warn(
            "police",
            format!(
                "公安备案号 “{}” 以 “{pol}” 开头，编号却不是以该省的行政区划代码 {code} 开头",
                f.police.as_deref().unwrap_or_default()
            ),
        )
    })?
}

/// The record number in a 公安备案 line (`京公网安备11010502030000号` →
/// `11010502030000`): its longest run of digits.
pub(crate) fn police_code(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .max_by_key(|s| s.len())
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    const MINIMAL: &str = "title: 测试站\nbase_url: https://example.org/\n";

    #[test]
    fn filing_numbers_of_two_provinces_are_refused() {
        let footer = |icp: &str, police: &str| {
            let text = format!("{MINIMAL}footer:\n  icp: {icp}\n  police: {police}\n");
            Config::parse(&text).err().unwrap_or_default()
        };
        assert!(footer("鲁ICP备12345678号-1", "鲁公网安备37110202000001号").is_empty());
        let mixed = footer("京ICP备12345678号-1", "鲁公网安备37110202000001号");
        assert_eq!(mixed.len(), 1, "{mixed:?}");
        assert!(mixed[0].is_error());
        assert!(mixed[0].message.contains("不是同一省份"));
        assert_eq!(mixed[0].line, Some(5));
        let code = footer("鲁ICP备12345678号-1", "鲁公网安备11010502030000号");
        assert!(code[0].message.contains("行政区划代码 37"), "{code:?}");
    }

    #[test]
    fn calendar_dates_are_checked() {
        let c = Config::parse(&format!(
            "{MINIMAL}disclosure:\n  holidays: [2027-01-01]\n  workdays: [2027-01-03]\n"
        ))
        .unwrap();
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(!c.disclosure.calendar.is_working(d("2027-01-01")));
        assert!(c.disclosure.calendar.is_working(d("2027-01-03")));
        assert!(c.disclosure.calendar.covers(2027));
        let diags = Config::parse(&format!("{MINIMAL}disclosure:\n  holidays: [2027-13-01]\n"))
            .unwrap_err();
        assert_eq!(diags[0].field.as_deref(), Some("disclosure.holidays"));
        assert_eq!(diags[0].line, Some(4));
    }

    #[test]
    fn footer_identity_is_checked() {
        let ok = format!(
            "{MINIMAL}footer:\n  sponsor: 中共示范县委组织部\n  organizer: 示范县融媒体中心\n  site_code: \"1100000001\"\n  party_gov_mark: https://bszs.conac.cn/sitename?method=show&id=1\n  police: 京公网安备11010502030000号\n"
        );
        let c = Config::parse(&ok).unwrap();
        assert_eq!(c.footer.sponsor.as_deref(), Some("中共示范县委组织部"));
        let bad = format!(
            "{MINIMAL}footer:\n  site_code: 标识码\n  party_gov_mark: conac.cn\n  police: 京公网安备\n"
        );
        let diags = Config::parse(&bad).unwrap_err();
        let fields: Vec<_> = diags.iter().filter_map(|d| d.field.as_deref()).collect();
        assert_eq!(
            fields,
            ["footer.site_code", "footer.party_gov_mark", "footer.police"]
        );
        assert_eq!(diags[0].line, Some(4));
    }

    #[test]
    fn police_code_is_the_number() {
        assert_eq!(
            police_code("京公网安备11010502030000号"),
            Some("11010502030000")
        );
        assert_eq!(
            police_code("京公网安备 11010502030000 号"),
            Some("11010502030000")
        );
        assert_eq!(police_code("京公网安备"), None);
    }
}
