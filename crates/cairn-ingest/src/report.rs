//! What every parser returns: the records it could build, and every problem it found.
//!
//! Import problems are data, not `Err` (STYLE.md point 5): a parser never stops at the first
//! bad row, so a data manager can fix a whole file in one pass.
//! `Err` ([`IngestError`]) is kept for a file that cannot be read at all.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one cell (or one line, when `column` is empty) of an input file.
///
/// Displays as `results.csv line 17, column UPN: "A801200005001" has check letter A, expected B`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The file name as the user knows it (not a full path).
    pub file: String,
    /// The physical 1-based line in the file where the record starts; the header is line 1.
    pub line: u64,
    /// The column header as written in the file, or the XML element; empty for a whole line.
    pub column: String,
    /// The offending value as written (empty when the value is missing).
    pub value: String,
    /// What is wrong, worded to follow the value: `has check letter A, expected B`.
    pub rule: String,
}

/// Something a data manager should know about but that does not stop the import, such as an
/// unknown XML element that was skipped. Same shape as [`RowError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowWarning {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub message: String,
}

fn write_located(
    f: &mut fmt::Formatter<'_>,
    file: &str,
    line: u64,
    column: &str,
    value: &str,
    text: &str,
) -> fmt::Result {
    write!(f, "{file} line {line}")?;
    if !column.is_empty() {
        write!(f, ", column {column}")?;
    }
    if value.is_empty() {
        write!(f, ": {text}")
    } else {
        write!(f, ": {value:?} {text}")
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_located(
            f,
            &self.file,
            self.line,
            &self.column,
            &self.value,
            &self.rule,
        )
    }
}

impl fmt::Display for RowWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_located(
            f,
            &self.file,
            self.line,
            &self.column,
            &self.value,
            &self.message,
        )
    }
}

/// The outcome of parsing one file: the good records plus every error and warning.
///
/// A caller that writes to the store should write nothing unless `errors` is empty
/// (DESIGN.md principle 4, "nothing lost, nothing half-written").
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub records: Vec<T>,
    pub errors: Vec<RowError>,
    pub warnings: Vec<RowWarning>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            records: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl<T> Parsed<T> {
    /// True when there is nothing to fix (warnings allowed).
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every error as its one-line message, in file order.
    pub fn error_messages(&self) -> Vec<String> {
        self.errors.iter().map(ToString::to_string).collect()
    }

    /// Every warning as its one-line message, in file order.
    pub fn warning_messages(&self) -> Vec<String> {
        self.warnings.iter().map(ToString::to_string).collect()
    }

    /// Converts the records, keeping the problems.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Parsed<U> {
        Parsed {
            records: self.records.into_iter().map(f).collect(),
            errors: self.errors,
            warnings: self.warnings,
        }
    }
}

/// A file that could not be read at all. Anything wrong *inside* a file is a [`RowError`].
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A column-mapping file (TOML) that is not valid. The mapping is configuration, not data,
    /// so a bad one stops the import before any row is read.
    #[error("mapping file {file} line {line}, column {column}: {message}")]
    Mapping {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// Reads a whole file, returning its bytes and the file name to use in messages.
pub fn read_input(path: &Path) -> Result<(String, Vec<u8>), IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
        path: path.to_owned(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok((name, bytes))
}

/// Collects problems for one file while a parser walks it.
#[derive(Debug)]
pub(crate) struct Problems {
    file: String,
    pub(crate) errors: Vec<RowError>,
    pub(crate) warnings: Vec<RowWarning>,
}

impl Problems {
    pub(crate) fn new(file: &str) -> Self {
        Problems {
            file: file.to_owned(),
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, line: u64, column: &str, value: &str, rule: impl Into<String>) {
        self.errors.push(RowError {
            file: self.file.clone(),
            line,
            column: column.to_owned(),
            value: value.to_owned(),
            rule: rule.into(),
        });
    }

    pub(crate) fn warn(
        &mut self,
        line: u64,
        column: &str,
        value: &str,
        message: impl Into<String>,
    ) {
        self.warnings.push(RowWarning {
            file: self.file.clone(),
            line,
            column: column.to_owned(),
            value: value.to_owned(),
            message: message.into(),
        });
    }

    /// Takes another walk's problems (of the same file), after this one's.
    pub(crate) fn absorb(&mut self, other: Problems) {
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
    }

    pub(crate) fn n_errors(&self) -> usize {
        self.errors.len()
    }

    pub(crate) fn finish<T>(mut self, records: Vec<T>) -> Parsed<T> {
        // Errors are reported in file order whatever order the checks ran in.
        self.errors.sort_by_key(|e| e.line);
        self.warnings.sort_by_key(|w| w.line);
        Parsed {
            records,
            errors: self.errors,
            warnings: self.warnings,
        }
    }
}
