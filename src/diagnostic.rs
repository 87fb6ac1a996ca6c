//! Problems found in a site, collected as values and reported together.
//!
//! Every problem about an editor's file names the file, the line and the field,
//! in Chinese, and usually a hint on how to fix it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How serious a problem is: errors stop the build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, located in a file of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the site root (or as given, for files outside it).
    pub path: PathBuf,
    /// 1-based line in `path`, when known.
    pub line: Option<usize>,
    /// Front-matter field or configuration key the problem is about.
    pub field: Option<String>,
    /// What is wrong, in Chinese.
    pub message: String,
    /// How to fix it, in Chinese.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            line: None,
            field: None,
            message: message.into(),
            hint: None,
        }
    }

    /// A problem worth telling that does not stop the build.
    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    pub fn line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    pub fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        };
        write!(f, "{label}：{}", display_path(&self.path))?;
        if let Some(line) = self.line {
            write!(f, " 第 {line} 行")?;
        }
        if let Some(field) = &self.field {
            write!(f, "，字段 “{field}”")?;
        }
        write!(f, "：{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  提示：{hint}")?;
        }
        Ok(())
    }
}

fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Sorts diagnostics into a stable order: by file, line, then message.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.path, a.line, &a.field, &a.message).cmp(&(&b.path, b.line, &b.field, &b.message))
    });
}

/// The known name closest to `unknown`, if one is close enough to be a typo.
pub fn closest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(unknown, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

/// A hint suggesting the closest known name, or listing them all.
pub fn unknown_name_hint(unknown: &str, known: &[&str]) -> String {
    match closest(unknown, known) {
        Some(k) => format!("是不是想写 “{k}”？"),
        None => format!("可用的名称有：{}", known.join("、")),
    }
}

/// Translates serde_yaml's English messages into Chinese for editors.
pub fn yaml_message(err: &serde_yaml::Error) -> String {
    let raw = err.to_string();
    // serde_yaml appends " at line N column M"; the caller reports the line itself.
    let msg = raw.split(" at line ").next().unwrap_or(&raw);
    let msg = msg
        .split_once(": ")
        .filter(|(path, _)| !path.contains(' '))
        .map(|(_, m)| m)
        .unwrap_or(msg);
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (name, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let expected = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .replace('`', "");
        return format!("未知字段 “{name}”（可用字段：{expected}）");
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("缺少必填字段 “{name}”");
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return format!(
            "类型不对：写的是 {}，这里需要 {}",
            type_name(found),
            type_name(expected)
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (name, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let expected = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .replace('`', "");
        return format!("取值 “{name}” 不可用（可用取值：{expected}）");
    }
    if msg.contains("invalid value") {
        return format!("取值无效（{msg}）");
    }
    format!("YAML 格式错误（{msg}）")
}

fn type_name(s: &str) -> String {
    let s = s.trim();
    let table = [
        ("a string", "文字"),
        ("string", "文字"),
        ("a sequence", "列表"),
        ("sequence", "列表"),
        ("a map", "键值对"),
        ("map", "键值对"),
        ("a boolean", "true/false"),
        ("boolean", "true/false"),
        ("u32", "正整数"),
        ("u16", "正整数"),
        ("u64", "正整数"),
        ("usize", "正整数"),
        ("integer", "整数"),
        ("unit value", "空值"),
    ];
    for (en, zh) in table {
        if s == en || s.starts_with(&format!("{en} ")) {
            return format!("{zh}{}", s[en.len()..].trim_end());
        }
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_typos_only() {
        let known = ["title", "date", "summary", "branch"];
        assert_eq!(closest("titel", &known), Some("title"));
        assert_eq!(closest("brnach", &known), Some("branch"));
        assert_eq!(closest("zzzzzzzz", &known), None);
    }

    #[test]
    fn display_names_file_line_field() {
        let d = Diagnostic::error("content/news/a.md", "无法解析日期")
            .line(3)
            .field("date")
            .hint("写成 2026-11-20");
        assert_eq!(
            d.to_string(),
            "错误：content/news/a.md 第 3 行，字段 “date”：无法解析日期\n  提示：写成 2026-11-20"
        );
    }
}
