//! A 党务公开 table as templates and feeds show it: cells written for
//! readers (money with two decimals and thousands separators, Chinese
//! dates), numbers marked for right alignment, and the 合计 row.

use serde::Serialize;

use crate::content::table::{ColumnKind, Table, format_number};
use crate::content::{Entry, category_label};
use crate::markdown::html_escape;

/// `page.table` in templates.
#[derive(Serialize)]
pub struct TableView {
    /// `党费收缴明细`: the category's name and 明细.
    pub caption: String,
    pub columns: Vec<ColumnView>,
    pub rows: Vec<Vec<CellView>>,
    /// The 合计 row (`totals:`), one cell per column.
    pub totals: Option<Vec<CellView>>,
    pub row_count: usize,
}

#[derive(Serialize)]
pub struct ColumnView {
    pub name: String,
    /// `text`, `number`, `money` or `date`.
    pub kind: &'static str,
    /// Numbers and money: right-aligned.
    pub numeric: bool,
}

#[derive(Serialize)]
pub struct CellView {
    pub text: String,
    pub numeric: bool,
    /// The column's name (for phones, where each row becomes a card);
    /// empty for the 合计 cell.
    pub label: String,
}

impl TableView {
    pub fn new(entry: &Entry, t: &Table) -> Self {
        let columns: Vec<ColumnView> = t
            .columns
            .iter()
            .map(|c| ColumnView {
                name: c.name.clone(),
                kind: c.kind.key(),
                numeric: c.kind.is_numeric(),
            })
            .collect();
        let cell = |i: usize, text: String| CellView {
            text,
            numeric: columns[i].numeric,
            label: columns[i].name.clone(),
        };
        let rows = t
            .rows
            .iter()
            .map(|r| {
                r.cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| cell(i, c.display(t.columns[i].kind)))
                    .collect()
            })
            .collect();
        let totals = t.totals.as_ref().map(|sums| {
            sums.iter()
                .enumerate()
                .map(|(i, sum)| {
                    let text = match sum {
                        Some(d) => format_number(*d, t.columns[i].kind),
                        None => String::new(),
                    };
                    cell(i, text)
                })
                .collect::<Vec<_>>()
        });
        // The first cell heads the 合计 row unless it holds a sum itself.
        let totals = totals.map(|mut cells| {
            if let Some(first) = cells.first_mut() {
                first.text = if first.text.is_empty() {
                    "合计".into()
                } else {
                    format!("合计 {}", first.text)
                };
                first.numeric = first.numeric && t.columns[0].kind != ColumnKind::Text;
                // On phones the row is a card: 合计 needs no column label.
                first.label = String::new();
            }
            cells
        });
        let caption = format!(
            "{}明细",
            entry
                .category
                .map(category_label)
                .filter(|l| *l != "其他")
                .unwrap_or("公开")
        );
        TableView {
            caption,
            columns,
            row_count: t.rows.len(),
            rows,
            totals,
        }
    }

    /// The table as plain HTML for feeds: inline alignment, no classes.
    pub fn html(&self) -> String {
        let mut out = String::with_capacity(64 * (self.row_count + 2) * self.columns.len().max(1));
        out.push_str("<table><caption>");
        out.push_str(&html_escape(&self.caption));
        out.push_str("</caption><thead><tr>");
        for c in &self.columns {
            out.push_str(&format!(
                "<th scope=\"col\"{}>{}</th>",
                align(c.numeric),
                html_escape(&c.name)
            ));
        }
        out.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            push_row(&mut out, row);
        }
        if self.rows.is_empty() {
            out.push_str(&format!(
                "<tr><td colspan=\"{}\">（无数据）</td></tr>",
                self.columns.len()
            ));
        }
        out.push_str("</tbody>");
        if let Some(totals) = &self.totals {
            out.push_str("<tfoot>");
            push_row(&mut out, totals);
            out.push_str("</tfoot>");
        }
        out.push_str("</table>");
        out
    }
}

fn align(numeric: bool) -> &'static str {
    if numeric {
        " style=\"text-align:right\""
    } else {
        ""
    }
}

fn push_row(out: &mut String, cells: &[CellView]) {
    out.push_str("<tr>");
    for (i, c) in cells.iter().enumerate() {
        let (open, close) = if i == 0 {
            ("<th scope=\"row\"", "</th>")
        } else {
            ("<td", "</td>")
        };
        out.push_str(&format!(
            "{open}{}>{}{close}",
            align(c.numeric),
            html_escape(&c.text)
        ));
    }
    out.push_str("</tr>");
}
