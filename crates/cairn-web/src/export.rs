//! Downloads: any [`DataTable`] as CSV or XLSX, through this one path.
//!
//! Pages do not build files themselves. A page handler that receives `?table=KEY&format=csv`
//! (or `xlsx`) builds the same tables it would render, after the same authorisation and audit
//! logging, and hands the one asked for to [`download`]. So an export can never show more than
//! its page, and a pupil-level export is gated and logged exactly like the page.
//!
//! Suppressed cells are written as the text `SUPP`, as the DfE's performance tables do
//! (measures.md §9); numbers are written as numbers so they can be worked with.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;

use crate::WebError;
use crate::tables::{Cell, DataTable, find};

/// A download's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }

    /// A word for audit-log entries and messages.
    pub(crate) fn label(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV",
            ExportFormat::Xlsx => "Excel",
        }
    }
}

/// The query parameters that turn a page request into a download.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ExportQuery {
    pub table: Option<String>,
    pub format: Option<String>,
}

impl ExportQuery {
    /// The download asked for, if any. A table without a format (or the reverse) is a request
    /// no export link sends.
    pub(crate) fn requested(&self) -> Result<Option<(&str, ExportFormat)>, WebError> {
        let format = match self.format.as_deref() {
            None => None,
            Some("csv") => Some(ExportFormat::Csv),
            Some("xlsx") => Some(ExportFormat::Xlsx),
            Some(_) => {
                return Err(WebError::BadRequest(
                    "Downloads come as csv or xlsx; no other format is offered.",
                ));
            }
        };
        match (&self.table, format) {
            (None, None) => Ok(None),
            (Some(table), Some(format)) => Ok(Some((table, format))),
            _ => Err(WebError::BadRequest(
                "A download needs both a table and a format (csv or xlsx).",
            )),
        }
    }
}

/// The named table from `tables` as a file download called `<stem>-<table>.<ext>`.
pub(crate) fn download(
    tables: &[DataTable],
    key: &str,
    format: ExportFormat,
    stem: &str,
) -> Result<Response, WebError> {
    let table = find(tables, key).ok_or(WebError::NotFound)?;
    let body = match format {
        ExportFormat::Csv => to_csv(table)?,
        ExportFormat::Xlsx => to_xlsx(table)
            .map_err(|e| WebError::Internal(anyhow::Error::new(e).context("xlsx export")))?,
    };
    let file_name = format!(
        "{}-{}.{}",
        file_safe(stem),
        file_safe(&table.key),
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// Letters, digits and `-` only, so a file name needs no quoting or escaping anywhere.
fn file_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Percent-encodes a query-string value.
pub(crate) fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP, "CSV
/// Injection"); numbers are written as numbers, so a negative figure is untouched.
fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) | Cell::Link { text, .. } => defuse(text),
        other => other.export_text(),
    }
}

/// CSV with a header row, UTF-8 with a byte-order mark so Excel reads accents correctly.
pub(crate) fn to_csv(table: &DataTable) -> Result<Vec<u8>, WebError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let csv_error = |e: csv::Error| WebError::Internal(anyhow::Error::new(e).context("csv export"));
    writer
        .write_record(table.columns.iter().map(|c| defuse(&c.label)))
        .map_err(csv_error)?;
    for row in &table.rows {
        writer
            .write_record(row.iter().map(cell_text))
            .map_err(csv_error)?;
    }
    writer
        .into_inner()
        .map_err(|e| WebError::Internal(anyhow::anyhow!("csv export: {}", e.error())))
}

/// One worksheet: the caption, a bold header row, then the rows; numbers as numbers.
pub(crate) fn to_xlsx(table: &DataTable) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(&table.key))?;
    sheet.write_string_with_format(0, 0, &table.caption, &bold)?;
    for (col, column) in (0u16..).zip(&table.columns) {
        sheet.write_string_with_format(2, col, &column.label, &bold)?;
    }
    for (row_idx, row) in (3u32..).zip(&table.rows) {
        for (col, cell) in (0u16..).zip(row) {
            match cell {
                Cell::Number { value, .. } => {
                    sheet.write_number(row_idx, col, *value)?;
                }
                Cell::Empty => {}
                other => {
                    sheet.write_string(row_idx, col, other.export_text())?;
                }
            }
        }
    }
    sheet.autofit();
    workbook.save_to_buffer()
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(key: &str) -> String {
    let name: String = key
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if name.is_empty() {
        "Table".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Column;

    fn table() -> DataTable {
        let mut t = DataTable::new(
            "gaps",
            "Gaps, 2024/25",
            vec![
                Column::text("Group"),
                Column::number("Pupils"),
                Column::number("Progress 8"),
            ],
            "/schools/100001",
        );
        t.push(vec![
            Cell::text("Disadvantaged"),
            Cell::count(1234),
            Cell::Number {
                text: "-0.41".to_owned(),
                value: -0.41,
            },
        ]);
        t.push(vec![
            Cell::text("=HYPERLINK(\"x\")"),
            Cell::Suppressed,
            Cell::Suppressed,
        ]);
        t
    }

    #[test]
    fn csv_writes_numbers_plainly_suppressed_cells_as_supp_and_defuses_formulas() {
        let bytes = to_csv(&table()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let text = text.trim_start_matches('\u{feff}');
        assert_eq!(
            text,
            "Group,Pupils,Progress 8\nDisadvantaged,1234,-0.41\n\"'=HYPERLINK(\"\"x\"\")\",SUPP,SUPP\n"
        );
    }

    #[test]
    fn xlsx_is_a_zip_workbook_with_the_sheet_named_after_the_table() {
        let bytes = to_xlsx(&table()).unwrap();
        assert!(bytes.starts_with(b"PK"), "an xlsx file is a zip archive");
        assert!(bytes.len() > 1000);
        assert_eq!(sheet_name("a:b/c[d]"), "abcd");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
    }

    #[test]
    fn file_names_are_plain() {
        assert_eq!(
            file_safe("St Joseph's Catholic Primary"),
            "st-joseph-s-catholic-primary"
        );
        assert_eq!(query_escape("a b&c"), "a%20b%26c");
    }

    #[test]
    fn a_half_download_request_is_refused() {
        let q = ExportQuery {
            table: Some("gaps".to_owned()),
            format: None,
        };
        assert!(q.requested().is_err());
        let q = ExportQuery {
            table: Some("gaps".to_owned()),
            format: Some("pdf".to_owned()),
        };
        assert!(q.requested().is_err());
        assert!(ExportQuery::default().requested().unwrap().is_none());
    }
}
