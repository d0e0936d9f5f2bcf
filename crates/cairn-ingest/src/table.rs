//! Reading a delimited text file into a header and rows that remember their physical line.
//!
//! Shared by every CSV parser so they all accept the same things: any encoding
//! [`decode()`](crate::decode()) understands, CRLF or LF, quoted fields with embedded newlines,
//! blank lines (including Excel's trailing `,,,,` rows), ragged rows, comma, tab or semicolon
//! separators, and thousands of columns.

use crate::decode::{Encoding, decode};
use crate::progress::Progress;
use crate::report::Problems;

/// A decoded file: its header row and data rows.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Row>,
    #[expect(
        dead_code,
        reason = "kept for import reports; not read by every parser yet"
    )]
    pub(crate) encoding: Encoding,
}

/// One data row and the physical 1-based line it starts on.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) line: u64,
    /// The row's cells in one buffer (two allocations a row, not one a cell).
    fields: csv::StringRecord,
}

impl Row {
    /// The field at `idx`, trimmed; empty when the row is shorter than the header.
    pub(crate) fn get(&self, idx: usize) -> &str {
        self.fields.get(idx).map_or("", |f| f.trim())
    }

    /// Every field, trimmed, in column order.
    pub(crate) fn cells(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(str::trim)
    }

    /// The field for an optional column.
    pub(crate) fn opt(&self, idx: Option<usize>) -> &str {
        idx.map_or("", |i| self.get(i))
    }
}

/// Lower-cases a header and drops everything but letters and digits, so `Date of Birth`,
/// `date_of_birth` and `DateOfBirth` compare equal.
pub(crate) fn normalise_header(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .flat_map(|c| c.to_lowercase())
        .collect()
}

impl Table {
    /// The index of the first column whose header matches one of `names` (normalised).
    pub(crate) fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|name| {
            let wanted = normalise_header(name);
            self.headers
                .iter()
                .position(|h| normalise_header(h) == wanted)
        })
    }

    /// Warns about rows with more non-empty fields than the header has columns. GIAS
    /// extracts do not call this: their last column, `Linked establishments`, legitimately
    /// spills one link per extra field.
    pub(crate) fn warn_wide_rows(&self, problems: &mut Problems) {
        let n_columns = self.headers.len();
        for row in &self.rows {
            let extra = row
                .fields
                .iter()
                .skip(n_columns)
                .filter(|f| !f.trim().is_empty())
                .count();
            if extra > 0 {
                problems.warn(
                    row.line,
                    "",
                    "",
                    format!(
                        "has {} fields but the header has {n_columns}; the extra fields were ignored",
                        row.fields.len()
                    ),
                );
            }
        }
    }

    /// The header text of column `idx`, for messages.
    pub(crate) fn header(&self, idx: usize) -> &str {
        self.headers.get(idx).map_or("", String::as_str)
    }

    /// Looks up required columns, reporting each one that is missing on line 1. Returns
    /// `None` if any is missing, since no row can then be read.
    pub(crate) fn require<const N: usize>(
        &self,
        names: [&str; N],
        problems: &mut Problems,
    ) -> Option<[usize; N]> {
        let mut found = [0usize; N];
        let mut ok = true;
        for (slot, name) in found.iter_mut().zip(names) {
            match self.find(&[name]) {
                Some(idx) => *slot = idx,
                None => {
                    problems.error(1, name, "", "required column is missing from the header");
                    ok = false;
                }
            }
        }
        ok.then_some(found)
    }
}

fn guess_delimiter(text: &str) -> u8 {
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let n_commas = first_line.matches(',').count();
    let n_tabs = first_line.matches('\t').count();
    let n_semicolons = first_line.matches(';').count();
    if n_tabs > n_commas && n_tabs >= n_semicolons {
        b'\t'
    } else if n_semicolons > n_commas {
        b';'
    } else {
        b','
    }
}

/// Decodes and splits a file. Returns `None`, with an error on line 1, when there is no
/// header row at all.
pub(crate) fn read_table(bytes: &[u8], problems: &mut Problems) -> Option<Table> {
    read_table_counted(bytes, problems, None)
}

/// [`read_table`], counting the bytes read into `progress` as it goes.
pub(crate) fn read_table_counted(
    bytes: &[u8],
    problems: &mut Problems,
    progress: Option<&Progress>,
) -> Option<Table> {
    let (text, encoding) = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(guess_delimiter(&text))
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(text.as_bytes());
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let byte = record.position().map_or(0, csv::Position::byte);
                let line = lines.line_at(byte);
                if let Some(progress) = progress.filter(|_| line % 4096 == 0) {
                    progress.read_to(byte);
                }
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                match &headers {
                    None => {
                        let header_row: Vec<String> =
                            record.iter().map(|h| h.trim().to_owned()).collect();
                        warn_duplicate_headers(&header_row, line, problems);
                        headers = Some(header_row);
                    }
                    Some(_) => {
                        rows.push(Row {
                            line,
                            fields: record.clone(),
                        });
                    }
                }
            }
            Err(err) => {
                // With `flexible` and decoded text the reader has nothing left to reject, but a
                // future csv release might; report it as data rather than stop.
                let line = lines.line_at(err.position().map_or(0, csv::Position::byte));
                problems.error(line, "", "", format!("could not be read as CSV: {err}"));
                break;
            }
        }
    }
    match headers {
        Some(headers) => Some(Table {
            headers,
            rows,
            encoding,
        }),
        None => {
            problems.error(1, "", "", "the file is empty; expected a header row");
            None
        }
    }
}

fn warn_duplicate_headers(headers: &[String], line: u64, problems: &mut Problems) {
    for (idx, header) in headers.iter().enumerate() {
        let key = normalise_header(header);
        if key.is_empty() {
            continue;
        }
        let earlier = headers.iter().take(idx).any(|h| normalise_header(h) == key);
        if earlier {
            problems.warn(
                line,
                header,
                "",
                "appears more than once in the header; the first one is used",
            );
        }
    }
}

/// Turns the byte offset where csv says a record starts into its physical line.
///
/// csv's own `Position::line` miscounts after CRLF endings and blank lines (it reports the
/// line of the previous terminator), and its byte offset can point at that terminator too. A
/// record never starts with a line break, so skipping forward over `\r` and `\n` finds the
/// record's real first byte; the line is one plus the newlines before it.
#[derive(Debug)]
struct LineCounter<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    n_newlines: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            counted_to: 0,
            n_newlines: 0,
        }
    }

    fn line_at(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.counted_to {
            // Offsets only move forward; recount from the start if one ever does not.
            self.counted_to = 0;
            self.n_newlines = 0;
        }
        let newlines = self
            .bytes
            .get(self.counted_to..start)
            .map_or(0, |s| s.iter().filter(|b| **b == b'\n').count());
        self.n_newlines += u64::try_from(newlines).unwrap_or(0);
        self.counted_to = start;
        self.n_newlines + 1
    }
}
