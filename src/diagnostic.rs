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
pub(crate) enum Severity {
    Error,
    Warning,
}

/// One problem, located in a file of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub(crate) severity: Severity,
    /// Path relative to the site root (or as given, for files outside it).
    pub(crate) path: PathBuf,
    /// 1-based line in `path`, when known.
    pub line: Option<usize>,
    /// Front-matter field or configuration key the problem is about.
    pub(crate) field: Option<String>,
    /// What is wrong, in Chinese.
    pub message: String,
    /// How to fix it, in Chinese.
    pub(crate) hint: Option<String>,
}

impl Diagnostic {
    /// An error about `path` (stops a build), with a Chinese message.
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
    pub(crate) fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    pub(crate) fn line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    pub(crate) fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this stops a build (a warning does not).
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
pub(crate) fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.path, a.line, &a.field, &a.message).cmp(&(&b.path, b.line, &b.field, &b.message))
    });
}

/// The known name closest to `unknown`, if one is close enough to be a typo.
pub(crate) fn closest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(unknown, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

/// A hint suggesting the closest known name, or listing them all.
pub(crate) fn unknown_name_hint(unknown: &str, known: &[&str]) -> String {
    match closest(unknown, known) {
        Some(k) => format!("是不是想写 “{k}”？"),
        None => format!("可用的名称有：{}", known.join("、")),
    }
}

/// An I/O failure told in Chinese (the system's own text is English).
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "文件或文件夹不存在".into(),
        K::PermissionDenied => "没有权限".into(),
        K::AlreadyExists => "已经存在".into(),
        K::IsADirectory => "这是一个文件夹，不是文件".into(),
        K::NotADirectory => "路径中有一部分是文件，不是文件夹".into(),
        K::DirectoryNotEmpty => "文件夹不是空的".into(),
        K::StorageFull => "磁盘已满".into(),
        K::ReadOnlyFilesystem => "磁盘是只读的".into(),
        K::InvalidData => "文件内容无法识别".into(),
        K::Interrupted | K::TimedOut => "操作被中断".into(),
        _ => format!(
            "系统错误（{}）",
            e.raw_os_error()
                .map_or_else(|| format!("{:?}", e.kind()), |c| format!("代码 {c}"))
        ),
    }
}

/// `bytes` as UTF-8 text, or an error naming the first bad line and, when
/// the file decodes as GBK (Windows Notepad's Chinese default), saying so.
pub(crate) fn utf8_text(path: impl Into<PathBuf>, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let line = 1 + bytes[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        let (_, _, gbk_errors) = encoding_rs::GBK.decode(bytes);
        let (message, hint) = if gbk_errors {
            ("文件不是 UTF-8 编码", "用编辑器把文件另存为 UTF-8 编码")
        } else {
            (
                "文件不是 UTF-8 编码（看起来是 GBK 编码）",
                "用编辑器（如记事本的“另存为”）把文件另存为 UTF-8 编码",
            )
        };
        Diagnostic::error(path, message).line(line).hint(hint)
    })
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
