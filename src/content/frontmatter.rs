//! Front matter: splitting a Markdown file and reading its YAML.
//!
//! Parsers take text, not files, so they are easy to test and fuzz.
//! Every line number reported is a line of the `.md` file.

use serde::{Deserialize, Serialize};

use super::Kind;
use crate::diagnostic::{Diagnostic, unknown_name_hint};
use crate::yaml;

/// A Markdown file cut into its YAML block and its body.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub(crate) yaml: &'a str,
    /// 1-based file line of the first YAML line.
    pub(crate) yaml_line: usize,
    pub(crate) body: &'a str,
    /// 1-based file line of the first body line.
    pub(crate) body_line: usize,
}

/// Why a file could not be split.
#[derive(Debug, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with `---`.
    Missing,
    /// The opening `---` has no closing `---`.
    Unclosed,
}

/// Splits `---\n yaml \n---\n body`. A UTF-8 BOM and CRLF line ends are accepted.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or(SplitError::Missing)?;
    if first.trim_end() != "---" {
        return Err(SplitError::Missing);
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for (i, line) in lines.enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let body_start = offset + line.len();
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[body_start..],
                body_line: i + 3,
            });
        }
        offset += line.len();
    }
    Err(SplitError::Unclosed)
}

/// Who may read an item. Ordered: a build at one scope publishes every
/// item whose scope is at or below it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// 公开
    #[default]
    Public,
    /// 党内
    Party,
    /// 本单位
    Unit,
}

impl Scope {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Scope::Public => "公开",
            Scope::Party => "党内",
            Scope::Unit => "本单位",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Level {
    #[default]
    Normal,
    Important,
    Urgent,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AfterPeriod {
    #[default]
    Keep,
    Archive,
    Withdraw,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Attachment {
    pub(crate) path: String,
    pub(crate) title: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Period {
    pub(crate) start: String,
    pub(crate) end: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) gender: Option<String>,
    pub(crate) age: Option<u32>,
    pub(crate) education: Option<String>,
    pub(crate) stage: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Meeting {
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) held_at: Option<String>,
    pub(crate) expected: Option<u32>,
    pub(crate) present: Option<u32>,
    pub(crate) topic: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuizQuestion {
    pub(crate) question: String,
    #[serde(default)]
    pub(crate) options: Vec<String>,
    pub(crate) answer: OneOrMore,
    pub(crate) explanation: Option<String>,
}

/// One text or a list of texts: a quiz answer (`B`, `[A, C]`) or a
/// table's `sort:` (`金额`, `[支部, 金额 降序]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub(crate) enum OneOrMore {
    One(String),
    Many(Vec<String>),
}

impl OneOrMore {
    /// The texts, one or many.
    pub(crate) fn as_slice(&self) -> &[String] {
        match self {
            OneOrMore::One(s) => std::slice::from_ref(s),
            OneOrMore::Many(v) => v,
        }
    }
}

/// Everything an item's front matter may say. Which fields a kind accepts is
/// decided by [`known_fields`]; the rest stay at their defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FrontMatter {
    pub(crate) title: Option<String>,
    pub(crate) date: Option<String>,
    pub(crate) updated: Option<String>,
    pub(crate) summary: Option<String>,
    pub(crate) author: Option<String>,
    pub(crate) branch: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) draft: bool,
    pub(crate) scope: Scope,
    pub(crate) slug: Option<String>,
    pub(crate) cover: Option<String>,
    pub(crate) cover_alt: Option<String>,
    pub(crate) aliases: Vec<String>,
    /// Why this public item may show personal data (logged in the build summary).
    pub(crate) allow_personal_info: Option<String>,
    /// Publish this item's original image files too, with their metadata
    /// (GPS, camera, time) removed without re-encoding.
    pub(crate) keep_original: bool,
    // notice
    pub(crate) expires: Option<String>,
    pub(crate) pinned: bool,
    pub(crate) level: Level,
    pub(crate) attachments: Vec<Attachment>,
    // disclosure
    pub(crate) category: Option<String>,
    pub(crate) period: Option<Period>,
    pub(crate) contact: Option<String>,
    pub(crate) doc_number: Option<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) after_period: AfterPeriod,
    pub(crate) persons: Vec<Person>,
    pub(crate) meeting: Option<Meeting>,
    // disclosure data table (see content::table)
    pub(crate) data: Option<String>,
    pub(crate) sheet: Option<String>,
    pub(crate) columns: std::collections::BTreeMap<String, super::table::ColumnKind>,
    pub(crate) totals: Vec<String>,
    pub(crate) mask: std::collections::BTreeMap<String, super::table::MaskKind>,
    pub(crate) sort: Option<OneOrMore>,
    // lesson
    pub(crate) order: Option<u32>,
    pub(crate) duration: Option<u32>,
    pub(crate) audio: Option<String>,
    pub(crate) video: Option<String>,
    pub(crate) objectives: Vec<String>,
    pub(crate) required: bool,
    pub(crate) quiz: Vec<QuizQuestion>,
    // news
    pub(crate) source: Option<String>,
    pub(crate) photographer: Option<String>,
}

/// Front matter of an `_index.md` (a section, a course, or the home page).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SectionFrontMatter {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) sort: Option<SortBy>,
    pub(crate) pagination: Option<usize>,
    pub(crate) order: Option<u32>,
    pub(crate) cover: Option<String>,
    pub(crate) cover_alt: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SortBy {
    #[default]
    Date,
    Title,
    Order,
}

const COMMON_FIELDS: &[&str] = &[
    "title",
    "date",
    "updated",
    "summary",
    "author",
    "branch",
    "tags",
    "draft",
    "scope",
    "slug",
    "cover",
    "cover_alt",
    "aliases",
    "allow_personal_info",
    "keep_original",
];
const NOTICE_FIELDS: &[&str] = &["expires", "pinned", "level", "attachments"];
const DISCLOSURE_FIELDS: &[&str] = &[
    "category",
    "period",
    "contact",
    "doc_number",
    "issuer",
    "after_period",
    "persons",
    "meeting",
    "data",
    "sheet",
    "columns",
    "totals",
    "mask",
    "sort",
];
const LESSON_FIELDS: &[&str] = &[
    "order",
    "duration",
    "audio",
    "video",
    "objectives",
    "required",
    "quiz",
];
const NEWS_FIELDS: &[&str] = &["source", "photographer"];
const SECTION_FIELDS: &[&str] = &[
    "title",
    "description",
    "sort",
    "pagination",
    "order",
    "cover",
    "cover_alt",
];

/// The fields an item of `kind` accepts.
pub(crate) fn known_fields(kind: Kind) -> Vec<&'static str> {
    let extra: &[&str] = match kind {
        Kind::News => NEWS_FIELDS,
        Kind::Notice => NOTICE_FIELDS,
        Kind::Lesson => LESSON_FIELDS,
        Kind::Disclosure => DISCLOSURE_FIELDS,
        Kind::Page => &[],
    };
    COMMON_FIELDS.iter().chain(extra).copied().collect()
}

fn kind_of_field(field: &str) -> Option<Kind> {
    [
        (Kind::Notice, NOTICE_FIELDS),
        (Kind::Disclosure, DISCLOSURE_FIELDS),
        (Kind::Lesson, LESSON_FIELDS),
        (Kind::News, NEWS_FIELDS),
    ]
    .into_iter()
    .find(|(_, fields)| fields.contains(&field))
    .map(|(k, _)| k)
}

/// The YAML of a file, parsed and checked against the fields of its kind.
pub struct Parsed<'a, T> {
    pub(crate) meta: T,
    /// The raw YAML, for finding the line of a field.
    pub(crate) yaml: &'a str,
    pub(crate) yaml_line: usize,
    pub(crate) body: &'a str,
    pub(crate) body_line: usize,
}

impl<T> Parsed<'_, T> {
    /// The file line where the field at `path` (`title`,
    /// `attachments[1].path`) is written, if it is.
    pub(crate) fn field_line(&self, path: &str) -> Option<usize> {
        field_line(self.yaml, self.yaml_line, path)
    }
}

/// The file line of the field at `path` in a YAML block that starts on
/// file line `yaml_line`. The block is parsed again: this is only asked
/// when something is wrong, and keeps no positions in memory meanwhile.
pub(crate) fn field_line(yaml: &str, yaml_line: usize, path: &str) -> Option<usize> {
    let doc = yaml::parse(yaml).ok()?;
    doc.line_of(path)
        .or_else(|| doc.line_of(path.split(['.', '[']).next()?))
        .map(|l| l + yaml_line - 1)
}

/// Parses an item's front matter; `path` is only used in diagnostics.
pub fn parse_item<'a>(
    path: &std::path::Path,
    text: &'a str,
    kind: Kind,
) -> Result<Parsed<'a, FrontMatter>, Vec<Diagnostic>> {
    parse(path, text, &known_fields(kind), |field| {
        kind_of_field(field).map(|k| format!("字段 “{field}” 只能用于{}", k.label()))
    })
}

/// Parses the front matter of an `_index.md`.
pub(crate) fn parse_section<'a>(
    path: &std::path::Path,
    text: &'a str,
) -> Result<Parsed<'a, SectionFrontMatter>, Vec<Diagnostic>> {
    parse(path, text, SECTION_FIELDS, |_| None)
}

/// A YAML problem of the front matter starting at file line `yaml_line`.
pub(crate) fn yaml_diagnostic(
    path: &std::path::Path,
    yaml_line: usize,
    e: yaml::YamlError,
) -> Diagnostic {
    let mut d = Diagnostic::error(path, e.message.clone())
        .at_line(e.line.map(|l| l + yaml_line - 1).or(Some(yaml_line)));
    d.field = e.field();
    d.hint = Some(
        e.hint
            .unwrap_or_else(|| "检查冒号后是否有空格、缩进是否对齐、引号是否成对".into()),
    );
    d
}

fn parse<'a, T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    text: &'a str,
    known: &[&str],
    misplaced: impl Fn(&str) -> Option<String>,
) -> Result<Parsed<'a, T>, Vec<Diagnostic>> {
    let split =
        split(text).map_err(|e| {
            let (line, msg) = match e {
                SplitError::Missing => (1, "文件开头缺少 front matter（以 --- 开始的信息块）"),
                SplitError::Unclosed => (1, "front matter 没有结束行 ---"),
            };
            vec![Diagnostic::error(path, msg).line(line).hint(
                "文件应以 --- 开头，接着写 title: 和 date: 等字段，再以 --- 结束，然后才是正文",
            )]
        })?;
    let doc =
        yaml::parse(split.yaml).map_err(|e| vec![yaml_diagnostic(path, split.yaml_line, e)])?;
    let unknown: Vec<Diagnostic> = yaml::Doc::unknown_keys(doc.root(), known)
        .into_iter()
        .map(|u| {
            let line = u.line.map(|l| l + split.yaml_line - 1);
            let (msg, hint) = match misplaced(&u.key) {
                Some(msg) => (
                    msg,
                    "请删除这个字段，或把文件放到对应的栏目文件夹".to_string(),
                ),
                None => ("未知字段".to_string(), unknown_name_hint(&u.key, known)),
            };
            Diagnostic::error(path, msg)
                .at_line(line)
                .field(u.key)
                .hint(hint)
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let meta: T = doc
        .deserialize()
        .map_err(|e| vec![yaml_diagnostic(path, split.yaml_line, e)])?;
    Ok(Parsed {
        meta,
        yaml: split.yaml,
        yaml_line: split.yaml_line,
        body: split.body,
        body_line: split.body_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn splits_yaml_and_body_with_lines() {
        let s = split("---\ntitle: a\ndate: 2026-01-01\n---\n正文\n").unwrap();
        assert_eq!(s.yaml, "title: a\ndate: 2026-01-01\n");
        assert_eq!(s.yaml_line, 2);
        assert_eq!(s.body, "正文\n");
        assert_eq!(s.body_line, 5);
    }

    #[test]
    fn split_accepts_bom_and_crlf() {
        let s = split("\u{feff}---\r\ntitle: a\r\n---\r\nbody").unwrap();
        assert_eq!(s.yaml, "title: a\r\n");
        assert_eq!(s.body, "body");
    }

    #[test]
    fn split_errors() {
        assert_eq!(split("title: a\n"), Err(SplitError::Missing));
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(split("---\ntitle: a\n"), Err(SplitError::Unclosed));
    }

    #[test]
    fn empty_front_matter_and_body() {
        let s = split("---\n---\n").unwrap();
        assert_eq!(s.yaml, "");
        assert_eq!(s.body, "");
    }

    #[test]
    fn yaml_error_points_at_file_line() {
        let text = "---\ntitle: a\ndate: 2026-01-01\ntags: [a, b\n---\n";
        let errs = parse_item(Path::new("a.md"), text, Kind::News)
            .err()
            .unwrap();
        assert!(errs[0].line.unwrap() >= 4, "{:?}", errs[0]);
    }

    #[test]
    fn unknown_field_suggests_closest() {
        let text = "---\ntitle: a\ndate: 2026-01-01\nsumary: x\n---\n";
        let errs = parse_item(Path::new("a.md"), text, Kind::News)
            .err()
            .unwrap();
        assert_eq!(errs[0].line, Some(4));
        assert_eq!(errs[0].field.as_deref(), Some("sumary"));
        assert!(errs[0].hint.as_ref().unwrap().contains("summary"));
    }

    #[test]
    fn field_of_other_kind_is_named() {
        let text = "---\ntitle: a\ndate: 2026-01-01\nexpires: 2026-02-01\n---\n";
        let errs = parse_item(Path::new("a.md"), text, Kind::News)
            .err()
            .unwrap();
        assert!(errs[0].message.contains("通知公告"), "{}", errs[0]);
    }

    #[test]
    fn wrong_type_names_field_and_line() {
        let text = "---\ntitle: a\ndate: 2026-01-01\ndraft: maybe\n---\n";
        let errs = parse_item(Path::new("a.md"), text, Kind::News)
            .err()
            .unwrap();
        assert_eq!(errs[0].line, Some(4));
        assert_eq!(errs[0].field.as_deref(), Some("draft"));
    }

    proptest::proptest! {
        #[test]
        fn split_and_parse_never_panic(s in "\\PC*") {
            let _ = split(&s);
            let _ = parse_item(Path::new("a.md"), &s, Kind::Notice);
            let text = format!("---\n{s}\n---\n{s}");
            let _ = parse_item(Path::new("a.md"), &text, Kind::Disclosure);
        }
    }
}
