//! 党务公开 tables: the data file a disclosure names with `data:` (CSV or
//! XLSX beside it), read, typed, masked, sorted and totalled here, so the
//! model only ever holds masked cells.
//!
//! Front matter (disclosures only):
//! `data` (the file), `sheet` (XLSX worksheet, else the first),
//! `columns` (`{列名: text|number|money|date}`, else inferred),
//! `totals` (`[列名]`: a 合计 row), `mask` (`{列名: name|phone|id|card}`),
//! `sort` (`列名`, or a list; `列名 降序` for descending).

mod cells;
mod mask;
mod read;
mod shape;

use std::hash::{Hash, Hasher};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub(crate) use cells::{Decimal, When};
pub(crate) use mask::MaskKind;

use super::Entry;
use crate::diagnostic::Diagnostic;

/// What a column holds, declared in `columns:` or inferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ColumnKind {
    #[serde(alias = "文本")]
    Text,
    #[serde(alias = "数字")]
    Number,
    /// Two decimals, thousands separators.
    #[serde(alias = "金额")]
    Money,
    #[serde(alias = "日期")]
    Date,
}

impl ColumnKind {
    pub(crate) fn key(self) -> &'static str {
        match self {
            ColumnKind::Text => "text",
            ColumnKind::Number => "number",
            ColumnKind::Money => "money",
            ColumnKind::Date => "date",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            ColumnKind::Text => "文本",
            ColumnKind::Number => "数字",
            ColumnKind::Money => "金额",
            ColumnKind::Date => "日期",
        }
    }

    pub(crate) fn is_numeric(self) -> bool {
        matches!(self, ColumnKind::Number | ColumnKind::Money)
    }
}

/// A table read from a data file, with masked columns already masked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    /// The data file, relative to the site root.
    pub(crate) source: PathBuf,
    /// The worksheet read (XLSX).
    pub(crate) sheet: Option<String>,
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: Vec<Row>,
    /// Per column, its sum: present when `totals:` is given.
    pub(crate) totals: Option<Vec<Option<Decimal>>>,
    /// A hash of the file's bytes: equal hashes, equal tables.
    pub(crate) hash: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) kind: ColumnKind,
    pub(crate) mask: Option<MaskKind>,
    /// Where it is in the file: `第 3 列` or `C 列`.
    pub(crate) label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// Its line (CSV) or row number (spreadsheet).
    pub(crate) at: usize,
    pub(crate) cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cell {
    /// The cell's text as written (masked, for masked columns): what the
    /// personal-data guard reads.
    pub(crate) text: String,
    pub(crate) value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Empty,
    Text,
    Number(Decimal),
    When(When),
}

impl Cell {
    /// The cell as readers see it: `2,160.00`, `2026年7月15日`, text.
    pub(crate) fn display(&self, kind: ColumnKind) -> String {
        match &self.value {
            Value::Empty => String::new(),
            Value::Text => self.text.clone(),
            Value::Number(d) => format_number(*d, kind),
            Value::When(w) => w.format(),
        }
    }
}

/// Money with two decimals; other numbers as precise as written.
pub(crate) fn format_number(d: Decimal, kind: ColumnKind) -> String {
    match kind {
        ColumnKind::Money => d.format(2),
        _ => d.format(d.scale()),
    }
}

/// The data formats read, by lowercase extension.
const FORMATS: &[&str] = &["csv", "xlsx"];

/// Whether a content file could be a data file (for change tracking).
pub(crate) fn is_data_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| FORMATS.contains(&e.to_ascii_lowercase().as_str()))
}

/// A data-like file's path and a hash of its path, size and modification time.
pub(crate) type Stamp = (PathBuf, u64);

/// The stamps of every data-like file among `files` (relative to `root`),
/// sorted by path: a page is parsed again when one beside it changes.
pub(crate) fn stamps(root: &Path, files: &[PathBuf]) -> Vec<Stamp> {
    let mut out: Vec<Stamp> = files
        .iter()
        .filter(|p| is_data_file(p))
        .map(|p| {
            let meta = std::fs::metadata(root.join(p)).ok();
            let mut h = std::hash::DefaultHasher::new();
            (p, meta.map(|m| (m.len(), m.modified().ok()))).hash(&mut h);
            (p.clone(), h.finish())
        })
        .collect();
    out.sort();
    out
}

/// Hashes the stamps of the data files the page at `md` may name: those
/// in its folder and below (a contiguous run of the sorted stamps).
pub(crate) fn hash_beside(stamps: &[Stamp], md: &Path, h: &mut impl Hasher) {
    let Some(dir) = md.parent() else { return };
    let from = stamps.partition_point(|(p, _)| p.as_path() < dir);
    stamps[from..]
        .iter()
        .take_while(|(p, _)| p.starts_with(dir))
        .for_each(|(_, stamp)| h.write_u64(*stamp));
}

/// Reads the data file the entry names with `data:` into `entry.table`,
/// and takes it out of the bundle's files (its unmasked cells must never
/// be copied to the output as they are).
pub(crate) fn attach(root: &Path, entry: &mut Entry) -> Result<(), Vec<Diagnostic>> {
    let Some(written) = entry.meta.data.clone() else {
        return stray_options(entry);
    };
    let err = |field: &str, msg: String, hint: &str| vec![entry.error(field, msg).hint(hint)];
    let Some(rel) = resolve(&entry.path, &written) else {
        return Err(err(
            "data",
            format!("数据文件 “{written}” 必须放在这篇文章所在的文件夹中"),
            "写文件名，例如 data: dues-2026q3.csv，并把文件放在文章旁边",
        ));
    };
    let ext = rel
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if !FORMATS.contains(&ext.as_str()) {
        return Err(err(
            "data",
            format!("不支持的数据文件 “{written}”"),
            "数据文件只能是 CSV（.csv）或 Excel 工作簿（.xlsx）；.xls 请在 Excel 中另存为 .xlsx",
        ));
    }
    if ext == "csv" && entry.meta.sheet.is_some() {
        return Err(err(
            "sheet",
            "CSV 文件没有工作表".into(),
            "sheet 只用于 .xlsx 文件；请删除这一行",
        ));
    }
    let bytes = std::fs::read(root.join(&rel)).map_err(|e| {
        let msg = match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!("找不到数据文件 “{written}”（{}）", rel.display())
            }
            _ => format!("无法读取数据文件 “{written}”（{e}）"),
        };
        err(
            "data",
            msg,
            "检查文件名是否写对，文件要和这篇文章放在同一个文件夹中",
        )
    })?;
    let ctx = shape::Ctx::new(entry, rel.clone());
    let grid = match ext.as_str() {
        "csv" => read::decode(&bytes).and_then(|text| read::csv(&text)),
        _ => read::xlsx(&bytes, entry.meta.sheet.as_deref()),
    }
    .map_err(|e| vec![ctx.read_error(&e)])?;
    let (columns, rows, totals) = shape::shape(&grid, &ctx)?;
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    let table = Table {
        source: rel.clone(),
        sheet: grid.sheet,
        columns,
        rows,
        totals,
        hash: h.finish(),
    };
    entry.table = Some(Arc::new(table));
    if let Some(b) = &mut entry.bundle {
        let dir = b.dir.clone();
        b.assets.retain(|a| dir.join(a) != rel);
    }
    Ok(())
}

/// Table options without `data:` are a mistake worth naming.
fn stray_options(entry: &Entry) -> Result<(), Vec<Diagnostic>> {
    let m = &entry.meta;
    let given = [
        ("sheet", m.sheet.is_some()),
        ("columns", !m.columns.is_empty()),
        ("totals", !m.totals.is_empty()),
        ("mask", !m.mask.is_empty()),
        ("sort", m.sort.is_some()),
    ];
    let errs: Vec<Diagnostic> = given
        .iter()
        .filter(|(_, set)| *set)
        .map(|(field, _)| {
            entry
                .error(field, format!("没有 data（数据文件），{field} 不起作用"))
                .hint("加上一行 data: 数据文件名，或删除这一行")
        })
        .collect();
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// The data file's path from the root: beside the Markdown file (or in a
/// folder under it), never above it.
fn resolve(md: &Path, written: &str) -> Option<PathBuf> {
    let dir = md.parent()?;
    let mut out = dir.to_path_buf();
    let mut any = false;
    for c in Path::new(written.trim()).components() {
        match c {
            Component::Normal(p) => {
                out.push(p);
                any = true;
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    any.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_files_stay_beside_their_page() {
        let md = Path::new("content/disclosure/a.md");
        assert_eq!(
            resolve(md, "dues.csv"),
            Some(PathBuf::from("content/disclosure/dues.csv"))
        );
        assert_eq!(
            resolve(md, "./data/dues.csv"),
            Some(PathBuf::from("content/disclosure/data/dues.csv"))
        );
        assert_eq!(resolve(md, "../news/x.csv"), None);
        assert_eq!(resolve(md, "/etc/passwd"), None);
        assert_eq!(resolve(md, ""), None);
    }

    #[test]
    fn kinds_read_english_and_chinese() {
        #[derive(serde::Deserialize)]
        struct T {
            k: ColumnKind,
            m: MaskKind,
        }
        let t: T = marked_yaml::from_yaml(0, "k: 金额\nm: phone\n").unwrap();
        assert_eq!(t.k, ColumnKind::Money);
        assert_eq!(t.m, MaskKind::Phone);
    }
}
