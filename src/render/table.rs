//! A 党务公开 table as templates and feeds show it: cells written for
//! readers (money with two decimals and thousands separators, Chinese
//! dates), numbers marked for right alignment, and the 合计 row.

use serde::Serialize;

use crate::content::table::{ColumnKind, Table, format_number};
use crate::content::{Entry, category_label};
use crate::html::escape as html_escape;

/// `page.table` in templates: the caption, the columns and the table as
/// HTML. The cells themselves are not handed to templates: a 50-row table
/// is 350 cells, and passing them through Tera's context tripled the time
/// to render such a page.
#[derive(Serialize)]
pub(crate) struct TableView {
    /// `党费收缴明细`: the category's name and 明细.
    pub(crate) caption: String,
    pub(crate) columns: Vec<ColumnView>,
    #[serde(skip)]
    pub(crate) rows: Vec<Vec<CellView>>,
    /// The 合计 row (`totals:`), one cell per column.
    #[serde(skip)]
    pub(crate) totals: Option<Vec<CellView>>,
    pub(crate) row_count: usize,
    /// Whether there is a 合计 row.
    pub(crate) has_totals: bool,
    /// The whole table as the default theme shows it.
    pub(crate) html: String,
}

#[derive(Serialize)]
pub(crate) struct ColumnView {
    pub(crate) name: String,
    /// `text`, `number`, `money` or `date`.
    pub(crate) kind: &'static str,
    /// Numbers and money: right-aligned.
    pub(crate) numeric: bool,
}

pub(crate) struct CellView {
    pub(crate) text: String,
    pub(crate) numeric: bool,
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
            has_totals: totals.is_some(),
            totals,
            html: String::new(),
        }
    }

    /// The view with `html` for the item's page.
    pub(crate) fn page(entry: &Entry, t: &Table) -> Self {
        let mut view = Self::new(entry, t);
        view.html = view.render(Target::Page);
        view
    }

    /// The table as plain HTML for feeds: inline alignment, no classes.
    pub(crate) fn feed_html(&self) -> String {
        self.render(Target::Feed)
    }

    fn render(&self, to: Target) -> String {
        let cells = self.columns.len().max(1) * (self.row_count + 2);
        let mut out = String::with_capacity(96 * cells + 256);
        let caption = html_escape(&self.caption);
        if to == Target::Page {
            out.push_str(&format!(
                "<div class=\"table-wrap\" role=\"region\" aria-label=\"{caption}\" tabindex=\"0\"><table class=\"data-table\">\n"
            ));
        } else {
            out.push_str("<table>");
        }
        out.push_str(&format!("<caption>{caption}</caption>\n<thead><tr>"));
        for c in &self.columns {
            out.push_str(&format!(
                "<th scope=\"col\"{}>{}</th>",
                to.align(c.numeric),
                html_escape(&c.name)
            ));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        let labels: Vec<String> = self.columns.iter().map(|c| html_escape(&c.name)).collect();
        for row in &self.rows {
            self.push_row(&mut out, row, &labels, to);
        }
        if self.rows.is_empty() {
            out.push_str(&format!(
                "<tr><td colspan=\"{}\">（无数据）</td></tr>\n",
                self.columns.len()
            ));
        }
        out.push_str("</tbody>\n");
        if let Some(totals) = &self.totals {
            out.push_str("<tfoot>");
            // On phones the row is a card: 合计 needs no column label.
            let mut labels = labels.clone();
            if let Some(first) = labels.first_mut() {
                first.clear();
            }
            self.push_row(&mut out, totals, &labels, to);
            out.push_str("</tfoot>\n");
        }
        out.push_str("</table>");
        if to == Target::Page {
            out.push_str("</div>");
        }
        out
    }

    fn push_row(&self, out: &mut String, cells: &[CellView], labels: &[String], to: Target) {
        out.push_str("<tr>");
        for (i, c) in cells.iter().enumerate() {
            let (open, close) = if i == 0 {
                ("<th scope=\"row\"", "</th>")
            } else {
                ("<td", "</td>")
            };
            out.push_str(open);
            if to == Target::Page && !labels[i].is_empty() {
                out.push_str(&format!(" data-label=\"{}\"", labels[i]));
            }
            out.push_str(to.align(c.numeric));
            out.push('>');
            out.push_str(&html_escape(&c.text));
            out.push_str(close);
        }
        out.push_str("</tr>\n");
    }
}

/// Where the table goes: a page (the theme's classes) or a feed (inline).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Page,
    Feed,
}

impl Target {
    fn align(self, numeric: bool) -> &'static str {
        match (self, numeric) {
            (_, false) => "",
            (Target::Page, true) => " class=\"num\"",
            (Target::Feed, true) => " style=\"text-align:right\"",
        }
    }
}
