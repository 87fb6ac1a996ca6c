//! One content file's front matter made into an [`Entry`]: dates in the
//! site's zone, the 公示期, the 公开类别, the slug and the list limits,
//! every problem of the file reported together.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use super::frontmatter::{self, FrontMatter};
use super::{Bundle, Entry, Kind, category_key, slug};
use crate::diagnostic::{Diagnostic, unknown_name_hint};
use crate::time::{self, Instant};

/// Where a field named in a diagnostic is written in the front matter.
fn field_path(field: &str) -> &str {
    match field {
        "start" => "period.start",
        "end" => "period.end",
        "held_at" => "meeting.held_at",
        "expected" => "meeting.expected",
        "present" => "meeting.present",
        other => other,
    }
}

/// How many entries a list field may have: beyond these, one file could
/// make a build write hundreds of megabytes (each tag and alias is a page).
const LIST_LIMITS: &[(&str, usize)] = &[
    ("tags", 30),
    ("aliases", 20),
    ("attachments", 100),
    ("persons", 2000),
    ("quiz", 100),
    ("objectives", 50),
];

fn list_len(meta: &FrontMatter, field: &str) -> usize {
    match field {
        "tags" => meta.tags.len(),
        "aliases" => meta.aliases.len(),
        "attachments" => meta.attachments.len(),
        "persons" => meta.persons.len(),
        "quiz" => meta.quiz.len(),
        "objectives" => meta.objectives.len(),
        _ => 0,
    }
}

/// The problems of one file, each located at its field's line.
struct Checks<'a> {
    path: &'a Path,
    p: &'a frontmatter::Parsed<'a, FrontMatter>,
    diags: Vec<Diagnostic>,
}

impl Checks<'_> {
    fn err(&mut self, field: &str, msg: String, hint: &str) {
        let line = self
            .p
            .field_line(field_path(field))
            .or(Some(self.p.yaml_line));
        self.diags.push(
            Diagnostic::error(self.path, msg)
                .at_line(line)
                .field(field)
                .hint(hint.to_string()),
        );
    }

    /// A date field written at `at`, in the site's zone; an end of day
    /// for `end` and `expires`.
    fn date(&mut self, field: &str, at: &str, value: Option<&String>, tz: Tz) -> Option<Instant> {
        let v = value?;
        let parse = if matches!(field, "end" | "expires") {
            time::parse_end
        } else {
            time::parse
        };
        let parsed = parse(v, tz);
        if parsed.is_none() {
            let (msg, hint) = time::explain_bad_date(v);
            let line = self.p.field_line(at).or(Some(self.p.yaml_line));
            self.diags.push(
                Diagnostic::error(self.path, msg)
                    .at_line(line)
                    .field(field)
                    .hint(hint),
            );
        }
        parsed
    }

    fn list_limits(&mut self, meta: &FrontMatter) {
        for &(field, max) in LIST_LIMITS {
            let n = list_len(meta, field);
            if n > max {
                self.err(
                    field,
                    format!("{field} 写了 {n} 项，最多 {max} 项"),
                    "请精简；确有需要时拆成几篇",
                );
            }
        }
    }

    /// A 公示期 that ends before it starts, a meeting with more present
    /// than expected.
    fn consistency(&mut self, meta: &FrontMatter, period: Option<(Instant, Option<Instant>)>) {
        if let Some((start, Some(end))) = period
            && end < start
        {
            self.err(
                "end",
                "公示结束时间早于开始时间".into(),
                "检查 period 的 start 和 end 是否写反",
            );
        }
        if let Some(m) = &meta.meeting
            && let (Some(expected), Some(present)) = (m.expected, m.present)
            && present > expected
        {
            self.err(
                "present",
                format!("实到人数 {present} 多于应到人数 {expected}"),
                "检查 meeting 的 expected 和 present",
            );
        }
    }

    fn category(&mut self, written: Option<&str>) -> Option<&'static str> {
        let c = written?;
        let key = category_key(c);
        if key.is_none() {
            let names: Vec<&str> = super::CATEGORIES.iter().map(|(_, zh)| *zh).collect();
            self.err(
                "category",
                format!("未知的公开类别 “{c}”"),
                &unknown_name_hint(c, &names),
            );
        }
        key
    }

    /// The written slug if valid, else one made from the file (or bundle
    /// folder) name and the title.
    fn slug(&mut self, written: Option<&String>, stem: &str, title: &str) -> String {
        let slug = match written {
            Some(s) if slug::is_valid(s) => s.clone(),
            Some(s) => {
                self.err(
                    "slug",
                    format!("网址别名 “{s}” 不可用"),
                    &format!(
                        "只能包含小写字母、数字、- 和 _，例如 {}",
                        slug::derive(s, s)
                    ),
                );
                String::new()
            }
            None => slug::derive(stem, title),
        };
        if slug.is_empty() && written.is_none() && !title.is_empty() {
            self.err(
                "slug",
                "无法从文件名或标题生成网址".into(),
                "请加上一行 slug: 英文或拼音网址",
            );
        }
        slug
    }
}

/// The entry of an item file, or every problem found in its front matter.
pub(super) fn build_entry(
    path: PathBuf,
    kind: Kind,
    course: Option<String>,
    bundle: Option<Bundle>,
    p: frontmatter::Parsed<'_, FrontMatter>,
    tz: Tz,
) -> Result<Entry, Vec<Diagnostic>> {
    let meta = p.meta.clone();
    let mut c = Checks {
        path: &path,
        p: &p,
        diags: Vec::new(),
    };
    c.list_limits(&meta);
    let title = meta.title.clone().unwrap_or_default().trim().to_string();
    if title.is_empty() {
        c.err("title", "缺少标题".into(), "加上一行 title: 文章标题");
    }
    let date = c.date("date", "date", meta.date.as_ref(), tz);
    let updated = c.date("updated", "updated", meta.updated.as_ref(), tz);
    let expires = c.date("expires", "expires", meta.expires.as_ref(), tz);
    let period = meta.period.as_ref().and_then(|per| {
        let start = c.date("start", "period.start", Some(&per.start), tz)?;
        Some((start, c.date("end", "period.end", per.end.as_ref(), tz)))
    });
    if let Some(held) = meta.meeting.as_ref().and_then(|m| m.held_at.as_ref()) {
        c.date("held_at", "meeting.held_at", Some(held), tz);
    }
    c.consistency(&meta, period);
    if date.is_none() && meta.date.is_none() && kind != Kind::Page {
        c.err(
            "date",
            "缺少发布日期".into(),
            "加上一行 date: 2026-11-20 09:30",
        );
    }
    let category = c.category(meta.category.as_deref());
    let stem = match &bundle {
        Some(b) => b.dir.file_name(),
        None => path.file_stem(),
    }
    .map(|s| s.to_string_lossy().into_owned())
    .unwrap_or_default();
    let slug = c.slug(meta.slug.as_ref(), &stem, &title);
    if !c.diags.is_empty() {
        return Err(c.diags);
    }
    Ok(Entry {
        kind,
        course,
        bundle,
        slug,
        title,
        date,
        updated,
        expires,
        period,
        category: category.or((kind == Kind::Disclosure).then_some("other")),
        meta,
        yaml: p.yaml.to_string(),
        yaml_line: p.yaml_line,
        body: p.body.to_string(),
        body_line: p.body_line,
        table: None,
        source_hash: 0,
        path,
    })
}
