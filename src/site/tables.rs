//! Guards on 党务公开 tables: personal data in any cell of a public item's
//! table, and data files published as files (their raw cells, other
//! worksheets and unmasked columns would bypass `mask:`).

use std::path::PathBuf;
use std::sync::Arc;

use rustc_hash::FxHashSet;

use super::pii;
use crate::content::Entry;
use crate::content::table::MaskKind;
use crate::diagnostic::Diagnostic;

/// Unmasked ID, mobile or bank card numbers in the entry's table: one
/// problem per column, at its first row, naming the file and column.
pub(crate) fn guard(entry: &Entry) -> Vec<Diagnostic> {
    let Some(t) = &entry.table else {
        return Vec::new();
    };
    let sheet = t
        .sheet
        .as_ref()
        .map(|s| format!("工作表 “{s}” "))
        .unwrap_or_default();
    let mut out = Vec::new();
    for (col, column) in t.columns.iter().enumerate() {
        let mut found = t
            .rows
            .iter()
            .flat_map(|r| pii::scan(&r.cells[col].text).into_iter().map(|f| (r.at, f)));
        let Some((at, first)) = found.next() else {
            continue;
        };
        let rows = 1 + found.count();
        let mask = match first.kind {
            pii::PiiKind::IdNumber => MaskKind::Id,
            pii::PiiKind::Mobile => MaskKind::Phone,
            pii::PiiKind::BankCard => MaskKind::Card,
        };
        let more = if rows > 1 {
            format!("（共 {rows} 处）")
        } else {
            String::new()
        };
        let mut d = Diagnostic::error(
            &t.source,
            format!(
                "{sheet}{} “{}” 中有未打码的{}{more}",
                column.label,
                column.name,
                first.kind.label()
            ),
        )
        .line(at)
        .hint(format!(
            "在 {} 的 front matter 中加上 mask: {{{}: {}}}，页面上显示为 {}；确需公开时写 allow_personal_info: 说明理由（会记入构建记录）",
            entry.path.display(),
            column.name,
            mask_key(mask),
            first.masked
        ));
        d.field = Some(column.name.clone());
        out.push(d);
    }
    out
}

fn mask_key(m: MaskKind) -> &'static str {
    match m {
        MaskKind::Name => "name",
        MaskKind::Phone => "phone",
        MaskKind::Id => "id",
        MaskKind::Card => "card",
    }
}

/// Every data file named by an entry's `data:`.
pub(crate) fn data_files(entries: &[Arc<Entry>]) -> FxHashSet<PathBuf> {
    entries
        .iter()
        .filter_map(|e| e.table.as_ref().map(|t| t.source.clone()))
        .collect()
}
