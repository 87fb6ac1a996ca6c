//! Data files → a grid of raw cells: CSV (UTF-8 with or without BOM, or
//! GBK as Excel writes it on Chinese Windows) with the `csv` crate, XLSX
//! with `calamine`. Takes bytes, not files, so tests need no disk.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{NaiveDate, NaiveDateTime};

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw {
    Empty,
    Text(String),
    /// A spreadsheet number, as plain decimal text (`2160`, `12.5`).
    Number(String),
    /// A spreadsheet date (with a time when it has one).
    Date(NaiveDateTime),
    /// A formula error such as `#DIV/0!`.
    Error(String),
}

impl Raw {
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Raw::Empty => true,
            Raw::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// A row with its number in the file (CSV line, or spreadsheet row).
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    pub(crate) at: usize,
    pub(crate) cells: Vec<Raw>,
}

/// The header row and the data rows of a file.
#[derive(Debug)]
pub(crate) struct Grid {
    pub(crate) header: RawRow,
    pub(crate) rows: Vec<RawRow>,
    /// Columns are named by letter (spreadsheets) rather than by number.
    pub(crate) lettered: bool,
    /// The worksheet read, for messages.
    pub(crate) sheet: Option<String>,
}

/// Why a file could not be read into a grid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReadError {
    #[error("文件编码无法识别（不是 UTF-8，也不是 GBK）")]
    Encoding { line: usize },
    #[error("文件是 UTF-16 编码（Excel 的“Unicode 文本”）")]
    Utf16,
    #[error("这是一个 Excel 工作簿，不是 CSV 文本文件")]
    Zip,
    #[error("文件中有二进制内容，不是文本")]
    Binary { line: usize },
    #[error("第 {line} 行无法按 CSV 读取（{message}）")]
    Csv { line: usize, message: String },
    #[error("第 {line} 行只有 {found} 列，表头有 {expected} 列")]
    Short {
        line: usize,
        found: usize,
        expected: usize,
    },
    #[error("第 {line} 行有 {found} 列，比表头的 {expected} 列多")]
    Long {
        line: usize,
        found: usize,
        expected: usize,
    },
    #[error("文件中没有表头和数据")]
    Empty,
    #[error("无法读取 Excel 文件（{0}）")]
    Xlsx(String),
    #[error("工作簿中没有名为 “{name}” 的工作表")]
    NoSheet { name: String, sheets: Vec<String> },
}

impl ReadError {
    /// The row the problem is on, when it is on one.
    pub(crate) fn line(&self) -> Option<usize> {
        match self {
            ReadError::Encoding { line }
            | ReadError::Binary { line }
            | ReadError::Csv { line, .. }
            | ReadError::Short { line, .. }
            | ReadError::Long { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Decodes a CSV file's bytes: UTF-8 (a BOM is dropped) or GBK.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(ReadError::Zip);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ReadError::Utf16);
    }
    let line_at = |pos: usize| 1 + bytes[..pos].iter().filter(|b| **b == b'\n').count();
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        return Err(ReadError::Binary { line: line_at(nul) });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF");
    match std::str::from_utf8(body.unwrap_or(bytes)) {
        Ok(text) => Ok(text.to_string()),
        // With a UTF-8 BOM the file says what it is: no guessing.
        Err(e) if body.is_some() => Err(ReadError::Encoding {
            line: line_at(3 + e.valid_up_to()),
        }),
        Err(e) => gbk(bytes).map_err(|gbk_at| ReadError::Encoding {
            // The reading that got further is the likelier intended one.
            line: line_at(e.valid_up_to().max(gbk_at)),
        }),
    }
}

/// Decodes GBK, or returns where the first malformed sequence starts.
fn gbk(bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = encoding_rs::GBK.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 3 / 2 + 16);
    let mut read = 0;
    loop {
        let (result, n) =
            decoder.decode_to_string_without_replacement(&bytes[read..], &mut out, true);
        read += n;
        match result {
            encoding_rs::DecoderResult::InputEmpty => return Ok(out),
            encoding_rs::DecoderResult::OutputFull => out.reserve(bytes.len() - read + 16),
            encoding_rs::DecoderResult::Malformed(bad, extra) => {
                return Err(read.saturating_sub(usize::from(bad) + usize::from(extra)));
            }
        }
    }
}

/// Reads CSV text. Rows before the header (a title line) and blank rows
/// are skipped; every other row must have the header's width.
pub(crate) fn csv(text: &str) -> Result<Grid, ReadError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ReadError::Csv {
            line: e.position().map_or(0, |p| p.line() as usize),
            message: e.to_string(),
        })?;
        let at = record
            .position()
            .map_or(0, |p| line_of(text, p.byte() as usize));
        let cells: Vec<Raw> = record.iter().map(|f| Raw::Text(f.to_string())).collect();
        rows.push(RawRow { at, cells });
    }
    let (header, rows) = split_header(rows)?;
    let width = header.cells.len();
    for row in &rows {
        let found = row.cells.len();
        if found < width {
            return Err(ReadError::Short {
                line: row.at,
                found,
                expected: width,
            });
        }
        if row.cells[width..].iter().any(|c| !c.is_empty()) {
            return Err(ReadError::Long {
                line: row.at,
                found,
                expected: width,
            });
        }
    }
    Ok(Grid {
        header,
        rows,
        lettered: false,
        sheet: None,
    })
}

/// The line a record starting at byte `at` is on. The reader may place a
/// record at the blank lines it skipped before it, so skip them here too.
fn line_of(text: &str, at: usize) -> usize {
    let before = text.get(..at).unwrap_or(text);
    let mut line = 1 + before.bytes().filter(|b| *b == b'\n').count();
    let rest = text.get(at..).unwrap_or("");
    for c in rest.chars() {
        match c {
            '\n' => line += 1,
            '\r' => {}
            _ => break,
        }
    }
    line
}

/// Reads a worksheet of an XLSX workbook: `sheet`, else the first one.
pub(crate) fn xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Grid, ReadError> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| ReadError::Xlsx(e.to_string()))?;
    let sheets = book.sheet_names();
    let name = match sheet {
        Some(s) if sheets.iter().any(|n| n == s) => s.to_string(),
        Some(s) => {
            return Err(ReadError::NoSheet {
                name: s.to_string(),
                sheets,
            });
        }
        None => sheets.first().cloned().ok_or(ReadError::Empty)?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| ReadError::Xlsx(e.to_string()))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    // Spreadsheets are addressed from A1; cells left of the used range are empty.
    let lead = vec![Raw::Empty; col0 as usize];
    let rows: Vec<RawRow> = range
        .rows()
        .enumerate()
        .map(|(i, cells)| RawRow {
            at: row0 as usize + i + 1,
            cells: lead.iter().cloned().chain(cells.iter().map(raw)).collect(),
        })
        .collect();
    let (header, rows) = split_header(rows)?;
    Ok(Grid {
        header,
        rows,
        lettered: true,
        sheet: Some(name),
    })
}

fn raw(d: &Data) -> Raw {
    match d {
        Data::Empty => Raw::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Raw::Text(s.clone()),
        Data::Int(i) => Raw::Number(i.to_string()),
        Data::Float(f) => Raw::Number(float_text(*f)),
        Data::Bool(b) => Raw::Text(if *b { "是" } else { "否" }.into()),
        Data::Error(e) => Raw::Error(e.to_string()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, h, min, s, _) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
                .and_then(|date| date.and_hms_opt(u32::from(h), u32::from(min), u32::from(s)))
                .map_or_else(|| Raw::Number(float_text(dt.as_f64())), Raw::Date)
        }
        Data::DateTime(dt) => Raw::Number(float_text(dt.as_f64())),
    }
}

/// A float as plain decimal text: integers without `.0`, others in the
/// shortest form that reads back the same (Rust never uses an exponent).
fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// The first row with at least two filled cells is the header (rows above
/// it are a title, as spreadsheets often have); blank rows go.
fn split_header(rows: Vec<RawRow>) -> Result<(RawRow, Vec<RawRow>), ReadError> {
    let filled = |r: &RawRow| r.cells.iter().filter(|c| !c.is_empty()).count();
    let widest = rows.iter().map(filled).max().unwrap_or(0);
    if widest == 0 {
        return Err(ReadError::Empty);
    }
    let at = rows
        .iter()
        .position(|r| filled(r) >= widest.min(2))
        .unwrap_or(0);
    let mut rest = rows.into_iter().skip(at);
    let header = rest.next().ok_or(ReadError::Empty)?;
    let data = rest.filter(|r| filled(r) > 0).collect();
    Ok((header, data))
}

/// `A`, `B`, … `Z`, `AA`: a spreadsheet column's letters (0-based index).
pub(crate) fn column_letters(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_bom_and_gbk() {
        assert_eq!(decode("姓名,金额\n".as_bytes()).unwrap(), "姓名,金额\n");
        assert_eq!(
            decode(b"\xEF\xBB\xBF\xE5\xA7\x93\xE5\x90\x8D").unwrap(),
            "姓名"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,金额\n张三,10\n");
        assert_eq!(decode(&gbk).unwrap(), "姓名,金额\n张三,10\n");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(
            decode(b"a,b\n\x81\x20,c\n"),
            Err(ReadError::Encoding { line: 2 })
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBFa\n\xE5\xA7\n"),
            Err(ReadError::Encoding { line: 2 })
        );
        assert_eq!(decode(b"\xFF\xFEa\x00"), Err(ReadError::Utf16));
        assert_eq!(decode(b"PK\x03\x04rest"), Err(ReadError::Zip));
        assert_eq!(decode(b"a\nb\x00"), Err(ReadError::Binary { line: 2 }));
    }

    #[test]
    fn csv_skips_titles_and_blank_rows() {
        let g = csv("2026年三季度党费\n姓名,金额\n\n张三,10\n,\n李四,20\n").unwrap();
        assert_eq!(g.header.at, 2);
        let at: Vec<usize> = g.rows.iter().map(|r| r.at).collect();
        assert_eq!(at, [4, 6]);
    }

    #[test]
    fn csv_rows_must_have_the_header_width() {
        assert_eq!(
            csv("a,b,c\n1,2\n").unwrap_err(),
            ReadError::Short {
                line: 2,
                found: 2,
                expected: 3
            }
        );
        assert_eq!(csv("a,b\n1,2,3\n").unwrap_err().line(), Some(2));
        // Trailing empty fields (Excel's) are fine.
        assert_eq!(csv("a,b\n1,2,,\n").unwrap().rows.len(), 1);
        assert_eq!(csv("\n,\n").unwrap_err(), ReadError::Empty);
    }

    #[test]
    fn quoted_fields_keep_commas_and_lines() {
        let g = csv("a,b\n\"1,234.00\",\"两\n行\"\n").unwrap();
        assert_eq!(g.rows[0].cells[0], Raw::Text("1,234.00".into()));
        assert_eq!(g.rows[0].cells[1], Raw::Text("两\n行".into()));
    }

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn floats_read_as_decimal_text() {
        assert_eq!(float_text(2160.0), "2160");
        assert_eq!(float_text(12.5), "12.5");
        assert_eq!(float_text(0.1 + 0.2), "0.30000000000000004");
    }
}
