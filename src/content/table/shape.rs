//! A grid of raw cells → typed columns: headers, masking, types (declared
//! or inferred), sorting and totals, each problem located by row and column.

use std::cmp::Ordering;
use std::path::PathBuf;

use crate::content::frontmatter::OneOrMore;
use chrono::NaiveDateTime;

use super::cells::{Decimal, When, text_key};
use super::read::{Grid, Raw, ReadError, column_letters};
use super::{Cell, Column, ColumnKind, MaskKind, Row, Value};
use crate::content::Entry;
use crate::diagnostic::{Diagnostic, unknown_name_hint};

/// At most this many cell problems are listed per file; the rest are counted.
const MAX_CELL_ERRORS: usize = 20;

/// Headers that name identifiers, never quantities: their digits stay text.
const ID_HINTS: &[&str] = &[
    "序号", "编号", "号码", "代码", "学号", "工号", "证号", "卡号", "账号", "电话", "手机", "年度",
    "年份", "邮编",
];
/// Headers that name amounts of money.
const MONEY_HINTS: &[&str] = &[
    "金额", "元", "党费", "费用", "收入", "支出", "余额", "款", "工资", "基数", "应缴", "实缴",
];

/// Where problems are reported: the data file by row and column, or the
/// Markdown file at the option's line.
pub(super) struct Ctx<'a> {
    entry: &'a Entry,
    data: PathBuf,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(entry: &'a Entry, data: PathBuf) -> Self {
        Ctx { entry, data }
    }

    /// `由 content/disclosure/a.md 第 7 行的 data 引用`
    fn referrer(&self) -> String {
        format!(
            "这个数据文件由 {} 第 {} 行的 data 引用",
            self.entry.path.display(),
            self.entry.field_line("data").unwrap_or(1)
        )
    }

    fn in_file(&self, line: Option<usize>, msg: String, hint: &str) -> Diagnostic {
        Diagnostic::error(&self.data, msg)
            .at_line(line)
            .hint(format!("{hint}；{}", self.referrer()))
    }

    pub(super) fn read_error(&self, e: &ReadError) -> Diagnostic {
        let hint = match e {
            ReadError::Encoding { .. } | ReadError::Utf16 | ReadError::Binary { .. } => {
                "在 Excel 中用“另存为 → CSV UTF-8（逗号分隔）”重新保存；GBK 编码的 CSV 也可以"
            }
            ReadError::Zip => "把文件扩展名改为 .xlsx，并相应修改 data",
            ReadError::Short { .. } | ReadError::Long { .. } => {
                "每一行的列数要和表头一样；含逗号的内容要用英文双引号括起来"
            }
            ReadError::Csv { .. } => "检查引号是否成对",
            ReadError::Empty => "第一行写表头（列名），下面每行一条记录",
            ReadError::Xlsx(_) => "用 Excel 或 WPS 打开后另存为 .xlsx 再试",
            ReadError::NoSheet { sheets, .. } => {
                return self
                    .option("sheet", e.to_string())
                    .hint(format!("这个工作簿中的工作表有：{}", sheets.join("、")));
            }
        };
        self.in_file(e.line(), e.to_string(), hint)
    }

    /// A problem with an option written in the front matter.
    fn option(&self, field: &str, msg: String) -> Diagnostic {
        self.entry.error(field, msg)
    }
}

/// The grid's header and columns, for naming cells in messages.
struct Layout<'g> {
    grid: &'g Grid,
    /// (index in the file, name) of each column kept.
    columns: Vec<(usize, String)>,
}

impl Layout<'_> {
    fn label(&self, index: usize) -> String {
        if self.grid.lettered {
            format!("{} 列", column_letters(index))
        } else {
            format!("第 {} 列", index + 1)
        }
    }

    fn sheet(&self) -> String {
        self.grid
            .sheet
            .as_ref()
            .map(|s| format!("工作表 “{s}” "))
            .unwrap_or_default()
    }

    fn cell_error(&self, ctx: &Ctx, row: usize, col: usize, msg: &str, hint: &str) -> Diagnostic {
        let (index, name) = &self.columns[col];
        let mut d = ctx.in_file(
            Some(row),
            format!("{}{} “{name}” {msg}", self.sheet(), self.label(*index)),
            hint,
        );
        d.field = Some(name.clone());
        d
    }
}

type Shaped = (Vec<Column>, Vec<Row>, Option<Vec<Option<Decimal>>>);

/// Columns, rows (sorted) and totals of a grid, by the entry's options.
pub(super) fn shape(grid: &Grid, ctx: &Ctx) -> Result<Shaped, Vec<Diagnostic>> {
    let layout = headers(grid, ctx)?;
    let names: Vec<&str> = layout.columns.iter().map(|(_, n)| n.as_str()).collect();
    let opts = options(ctx, &names)?;
    let mut diags = Vec::new();
    let mut columns = Vec::new();
    let mut table: Vec<Vec<Cell>> = vec![Vec::new(); grid.rows.len()];
    for (col, (index, name)) in layout.columns.iter().enumerate() {
        let raw: Vec<&Raw> = grid
            .rows
            .iter()
            .map(|r| r.cells.get(*index).unwrap_or(&Raw::Empty))
            .collect();
        let mask = opts.mask(name);
        let kind = match mask {
            Some(_) => ColumnKind::Text,
            None => opts
                .declared(name)
                .unwrap_or_else(|| infer(name, &raw, opts.totals.contains(name))),
        };
        for (r, cell) in raw.iter().enumerate() {
            let at = grid.rows[r].at;
            match typed(cell, kind, mask) {
                Ok(c) => table[r].push(c),
                Err((msg, hint)) => {
                    diags.push(layout.cell_error(ctx, at, col, &msg, hint));
                    table[r].push(Cell {
                        text: String::new(),
                        value: Value::Empty,
                    });
                }
            }
        }
        columns.push(super::Column {
            name: name.clone(),
            kind,
            mask,
            label: layout.label(*index),
        });
    }
    if !diags.is_empty() {
        let more = diags.len().saturating_sub(MAX_CELL_ERRORS);
        diags.truncate(MAX_CELL_ERRORS);
        if more > 0 {
            diags.push(ctx.in_file(
                None,
                format!("还有 {more} 个单元格有同样的问题"),
                "逐个修改后重新生成",
            ));
        }
        return Err(diags);
    }
    let mut rows: Vec<Row> = grid
        .rows
        .iter()
        .zip(table)
        .map(|(r, cells)| Row { at: r.at, cells })
        .collect();
    sort(&mut rows, &opts.sort);
    let totals = totals(&rows, &columns, &opts.totals)
        .map_err(|col| vec![ctx.option("totals", format!("列 “{col}” 的合计太大，无法计算"))])?;
    Ok((columns, rows, totals))
}

/// The named columns of the header row; a column without a name must be
/// empty, and names must be unique.
fn headers<'g>(grid: &'g Grid, ctx: &Ctx) -> Result<Layout<'g>, Vec<Diagnostic>> {
    let mut layout = Layout {
        grid,
        columns: Vec::new(),
    };
    let mut diags = Vec::new();
    let width = grid
        .rows
        .iter()
        .map(|r| r.cells.len())
        .chain([grid.header.cells.len()])
        .max()
        .unwrap_or(0);
    for index in 0..width {
        let name = grid
            .header
            .cells
            .get(index)
            .map(raw_text)
            .unwrap_or_default();
        if name.is_empty() {
            let used = grid
                .rows
                .iter()
                .find(|r| r.cells.get(index).is_some_and(|c| !c.is_empty()));
            if let Some(r) = used {
                diags.push(ctx.in_file(
                    Some(r.at),
                    format!("{}有内容，但这一列没有表头（列名）", layout.label(index)),
                    &format!("在第 {} 行给这一列写上列名", grid.header.at),
                ));
            }
            continue;
        }
        if layout.columns.iter().any(|(_, n)| *n == name) {
            diags.push(ctx.in_file(
                Some(grid.header.at),
                format!("表头中有两列都叫 “{name}”"),
                "每一列的列名要不同",
            ));
            continue;
        }
        layout.columns.push((index, name));
    }
    if diags.is_empty() {
        Ok(layout)
    } else {
        Err(diags)
    }
}

/// The table options of the front matter, checked against the columns.
struct Options<'e> {
    columns: &'e std::collections::BTreeMap<String, ColumnKind>,
    masks: &'e std::collections::BTreeMap<String, MaskKind>,
    totals: Vec<String>,
    sort: Vec<(usize, bool)>,
}

impl Options<'_> {
    fn mask(&self, name: &str) -> Option<MaskKind> {
        self.masks.get(name).copied()
    }
    fn declared(&self, name: &str) -> Option<ColumnKind> {
        self.columns.get(name).copied()
    }
}

fn options<'e>(ctx: &Ctx<'e>, names: &[&str]) -> Result<Options<'e>, Vec<Diagnostic>> {
    let m = &ctx.entry.meta;
    let mut diags = Vec::new();
    let mut known = |field: &str, name: &str| {
        let ok = names.contains(&name);
        if !ok {
            diags.push(
                ctx.option(field, format!("数据文件中没有名为 “{name}” 的列"))
                    .hint(unknown_name_hint(name, names)),
            );
        }
        ok
    };
    let named = [
        ("columns", m.columns.keys().collect::<Vec<_>>()),
        ("mask", m.mask.keys().collect()),
        ("totals", m.totals.iter().collect()),
    ];
    for (field, list) in named {
        for name in list {
            known(field, name);
        }
    }
    let mut sort = Vec::new();
    for (name, desc) in sort_keys(m.sort.as_ref()) {
        if let Some(i) = names.iter().position(|n| *n == name) {
            sort.push((i, desc));
        } else {
            diags.push(
                ctx.option("sort", format!("数据文件中没有名为 “{name}” 的列"))
                    .hint(unknown_name_hint(&name, names)),
            );
        }
    }
    for name in m.mask.keys() {
        if let Some(kind) = m.columns.get(name).filter(|k| **k != ColumnKind::Text) {
            diags.push(
                ctx.option(
                    "columns",
                    format!("打码的列 “{name}” 不能是{}", kind.label()),
                )
                .hint("打码后的内容是文字；删除 columns 中的这一项"),
            );
        }
    }
    for name in &m.totals {
        let declared = m.columns.get(name).filter(|k| !k.is_numeric());
        if m.mask.contains_key(name) || declared.is_some() {
            diags.push(
                ctx.option("totals", format!("列 “{name}” 不是数字，不能合计"))
                    .hint("totals 只能写金额或数字列"),
            );
        }
    }
    if diags.is_empty() {
        Ok(Options {
            columns: &m.columns,
            masks: &m.mask,
            totals: m.totals.clone(),
            sort,
        })
    } else {
        Err(diags)
    }
}

/// `sort:` as (column name, descending) pairs (its form — a name or a list
/// of names — is checked where the front matter is read).
fn sort_keys(value: Option<&OneOrMore>) -> Vec<(String, bool)> {
    let items: Vec<String> = value.map(|v| v.as_slice().to_vec()).unwrap_or_default();
    {
        items
            .into_iter()
            .map(|s| {
                let s = s.trim();
                for (suffix, desc) in [
                    ("降序", true),
                    ("desc", true),
                    ("升序", false),
                    ("asc", false),
                ] {
                    if let Some(name) = s.strip_suffix(suffix)
                        && name.ends_with(char::is_whitespace)
                    {
                        return (name.trim().to_string(), desc);
                    }
                }
                (s.to_string(), false)
            })
            .collect()
    }
}

fn raw_text(raw: &Raw) -> String {
    match raw {
        Raw::Empty | Raw::Error(_) => String::new(),
        Raw::Text(s) => s.trim().to_string(),
        Raw::Number(s) => s.clone(),
        Raw::Date(t) => When::from_sheet(*t).format(),
    }
}

/// A column's kind from its name and cells: numbers (money when the name
/// says so), dates, or text. `numeric` forces a number (it is totalled).
fn infer(name: &str, cells: &[&Raw], numeric: bool) -> ColumnKind {
    let filled: Vec<&&Raw> = cells.iter().filter(|c| !c.is_empty()).collect();
    let id_like = ID_HINTS.iter().any(|h| name.contains(h));
    let is_number = |c: &Raw| match c {
        Raw::Number(_) => true,
        Raw::Text(s) => Decimal::parse(s).is_some() && !looks_like_id(s),
        _ => false,
    };
    let numbers = !filled.is_empty() && !id_like && filled.iter().all(|c| is_number(c));
    if numbers || numeric {
        return if MONEY_HINTS.iter().any(|h| name.contains(h)) {
            ColumnKind::Money
        } else {
            ColumnKind::Number
        };
    }
    let is_date = |c: &Raw| match c {
        Raw::Date(_) => true,
        Raw::Text(s) => When::parse(s).is_some(),
        _ => false,
    };
    if !filled.is_empty() && filled.iter().all(|c| is_date(c)) {
        return ColumnKind::Date;
    }
    ColumnKind::Text
}

/// Digits that identify rather than count: a leading zero (`007`, area
/// codes) or eleven digits or more (phones, ID and card numbers).
fn looks_like_id(s: &str) -> bool {
    let s = s.trim();
    let int: String = s
        .split('.')
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    (s.starts_with('0') && s.len() > 1 && !s.starts_with("0.")) || int.len() >= 11
}

/// One cell of a column of `kind`, or what is wrong with it.
fn typed(
    raw: &Raw,
    kind: ColumnKind,
    mask: Option<MaskKind>,
) -> Result<Cell, (String, &'static str)> {
    if let Raw::Error(e) = raw {
        return Err((
            format!("是公式错误 {e}"),
            "在 Excel 中修正这个单元格的公式，或改为数值",
        ));
    }
    let text = raw_text(raw);
    if text.is_empty() {
        return Ok(Cell {
            text,
            value: Value::Empty,
        });
    }
    let value = match kind {
        ColumnKind::Text => Value::Text,
        ColumnKind::Number | ColumnKind::Money => match Decimal::parse(&text) {
            Some(d) if !matches!(raw, Raw::Date(_)) => Value::Number(d),
            _ => {
                return Err((
                    format!("的值 “{text}” 不是{}", kind.label()),
                    "只写数字，例如 2160、2,160.00 或 -35.5（可带 ¥ 或 元）",
                ));
            }
        },
        ColumnKind::Date => match raw {
            Raw::Date(t) => Value::When(When::from_sheet(*t)),
            _ => match When::parse(&text) {
                Some(w) => Value::When(w),
                None => {
                    return Err((
                        format!("的值 “{text}” 不是日期"),
                        "写成 2026-07-15、2026/7/15、2026年7月15日或 2026-07（月份）；Excel 中请把单元格格式设为日期",
                    ));
                }
            },
        },
    };
    let text = match mask {
        Some(m) => m.apply(&text),
        None => text,
    };
    Ok(Cell { text, value })
}

/// What a row is sorted by in one column; empty cells go last.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Number(Decimal),
    Time(NaiveDateTime),
    Text(String),
}

fn sort(rows: &mut Vec<Row>, by: &[(usize, bool)]) {
    if by.is_empty() {
        return;
    }
    let key = |c: &Cell| -> Option<Key> {
        match &c.value {
            Value::Empty => None,
            Value::Number(d) => Some(Key::Number(*d)),
            Value::When(w) => Some(Key::Time(w.sort_instant())),
            Value::Text => Some(Key::Text(text_key(&c.text))),
        }
    };
    let mut keyed: Vec<(Vec<Option<Key>>, Row)> = std::mem::take(rows)
        .into_iter()
        .map(|r| (by.iter().map(|(i, _)| key(&r.cells[*i])).collect(), r))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        for ((ka, kb), (_, desc)) in a.iter().zip(b).zip(by) {
            let o = match (ka, kb) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) if *desc => y.cmp(x),
                (Some(x), Some(y)) => x.cmp(y),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    *rows = keyed.into_iter().map(|(_, r)| r).collect();
}

/// Each totalled column's sum (money summed as shown, to the cent); the
/// name of a column whose sum overflows.
fn totals(
    rows: &[Row],
    columns: &[Column],
    wanted: &[String],
) -> Result<Option<Vec<Option<Decimal>>>, String> {
    if wanted.is_empty() {
        return Ok(None);
    }
    columns
        .iter()
        .enumerate()
        .map(|(i, col)| {
            if !wanted.contains(&col.name) {
                return Ok(None);
            }
            rows.iter()
                .filter_map(|r| match r.cells[i].value {
                    Value::Number(d) if col.kind == ColumnKind::Money => Some(d.round(2)),
                    Value::Number(d) => Some(d),
                    _ => None,
                })
                .try_fold(Decimal::ZERO, Decimal::checked_add)
                .map(Some)
                .ok_or_else(|| col.name.clone())
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(cells: &[&str]) -> Vec<Raw> {
        cells.iter().map(|c| Raw::Text(c.to_string())).collect()
    }

    fn kind(name: &str, cells: &[&str], numeric: bool) -> ColumnKind {
        let raw = text(cells);
        let refs: Vec<&Raw> = raw.iter().collect();
        infer(name, &refs, numeric)
    }

    #[test]
    fn infers_kinds_from_names_and_cells() {
        assert_eq!(
            kind("金额", &["10", "2,160.00", ""], false),
            ColumnKind::Money
        );
        assert_eq!(kind("党员人数", &["48", "36"], false), ColumnKind::Number);
        assert_eq!(kind("序号", &["1", "2"], false), ColumnKind::Text);
        assert_eq!(kind("联系方式", &["13812341234"], false), ColumnKind::Text);
        assert_eq!(kind("区号", &["0633"], false), ColumnKind::Text);
        assert_eq!(
            kind("日期", &["2026-07-01", "2026年7月2日"], false),
            ColumnKind::Date
        );
        assert_eq!(kind("备注", &["10", "无"], false), ColumnKind::Text);
        // Totalled: a number whatever its cells, so bad cells are reported.
        assert_eq!(kind("实缴（元）", &["二十"], true), ColumnKind::Money);
        assert_eq!(kind("空列", &["", ""], false), ColumnKind::Text);
    }

    #[test]
    fn cells_are_typed_or_refused() {
        let money = typed(&Raw::Text("1,024.8".into()), ColumnKind::Money, None).unwrap();
        assert_eq!(money.display(ColumnKind::Money), "1,024.80");
        assert_eq!(money.text, "1,024.8");
        let err = typed(&Raw::Text("二十".into()), ColumnKind::Money, None).unwrap_err();
        assert_eq!(err.0, "的值 “二十” 不是金额");
        assert!(typed(&Raw::Error("#DIV/0!".into()), ColumnKind::Text, None).is_err());
        let masked = typed(
            &Raw::Number("13812341234".into()),
            ColumnKind::Text,
            Some(MaskKind::Phone),
        )
        .unwrap();
        assert_eq!(masked.text, "138****1234");
        let empty = typed(&Raw::Text("  ".into()), ColumnKind::Date, None).unwrap();
        assert_eq!(empty.value, Value::Empty);
    }

    #[test]
    fn sort_keys_read_directions() {
        let v = OneOrMore::Many(
            ["支部", "金额 降序", "日期 asc", "名称desc"]
                .map(String::from)
                .to_vec(),
        );
        assert_eq!(
            sort_keys(Some(&v)),
            vec![
                ("支部".to_string(), false),
                ("金额".to_string(), true),
                ("日期".to_string(), false),
                ("名称desc".to_string(), false),
            ]
        );
        let one = OneOrMore::One("金额".into());
        assert_eq!(sort_keys(Some(&one)), vec![("金额".to_string(), false)]);
    }
}
