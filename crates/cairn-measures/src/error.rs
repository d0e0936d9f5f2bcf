//! Errors of the measures engine.
//!
//! One enum, [`MeasureError`], whose variants name the failure in domain terms.
//! [`MeasureError::kind`] separates problems in the caller's data (a subject nobody has
//! catalogued, a malformed estimates table, a grade that is not a grade) from internal faults
//! (an embedded table that no longer parses), the way milli separates `UserError` and
//! `InternalError`.
//! Problems with single records (one bad grade among millions) are returned as data, as
//! [`RecordIssue`]s beside the results, so one bad row never stops a whole computation.

use serde::Serialize;

/// Whose fault an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The caller's data or tables are wrong; show the message to the user.
    UserData,
    /// A bug or a corrupted build; log it and show a generic message.
    Internal,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MeasureError {
    /// A KS4 subject that is not in the subject catalogue.
    #[error("subject {subject:?} is not in the KS4 subject catalogue")]
    UnknownSubject { subject: String },
    /// A grade that cannot be read, or has no point score in the loaded table.
    #[error("grade {grade:?} is not a recognised KS4 grade{context}")]
    UnknownGrade { grade: String, context: String },
    /// An attendance mark that is not in the loaded code set.
    #[error("attendance code {code:?} is not in the code set")]
    UnknownAttendanceCode { code: String },
    /// A KS2 average outside 0 to 120, or not a multiple of 0.5.
    #[error("KS2 average scaled score {value} is out of range (0 to 120, in steps of 0.5)")]
    Ks2AverageOutOfRange { value: String },
    /// A test score outside its scale (KS2 scaled scores 80–120, phonics 0–40, MTC 0–25).
    #[error("score {value} is outside the {scale} scale")]
    ScoreOutOfRange { value: String, scale: &'static str },
    /// A KS2 average that falls in no prior attainment group of the loaded estimates.
    #[error("KS2 average {value} falls in no prior attainment group of the estimates table")]
    NoPriorAttainmentGroup { value: String },
    /// A record that refers to a pupil that is not in the pupil list.
    #[error("record refers to pupil index {pupil_idx}, but there are only {n_pupils} pupils")]
    UnknownPupil { pupil_idx: u32, n_pupils: usize },
    /// The estimates table has no rows for the requested KS4 year and release.
    #[error("no Attainment 8 estimates for KS4 year {year} ({release})")]
    MissingEstimates { year: u16, release: String },
    /// The standard deviations table has no row for the requested KS4 year and release.
    #[error("no national Progress 8 standard deviation for KS4 year {year} ({release})")]
    MissingStandardDeviation { year: u16, release: String },
    /// A caller-supplied table could not be read.
    #[error("table {table}, line {line}: {message}")]
    TableParse {
        table: &'static str,
        line: u64,
        message: String,
    },
    /// A slot structure that cannot be used (no elements, too many slots).
    #[error("slot structure is invalid: {reason}")]
    InvalidSlotStructure { reason: String },
    /// A table embedded in this crate failed to parse: a build or packaging fault.
    #[error("embedded table {table} is corrupt: {message}")]
    EmbeddedTable {
        table: &'static str,
        message: String,
    },
}

impl MeasureError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            MeasureError::EmbeddedTable { .. } => ErrorKind::Internal,
            _ => ErrorKind::UserData,
        }
    }

    /// Turns a caller-table error into an internal one when the table was embedded.
    pub(crate) fn embedded(self) -> Self {
        match self {
            MeasureError::TableParse {
                table,
                line,
                message,
            } => MeasureError::EmbeddedTable {
                table,
                message: format!("line {line}: {message}"),
            },
            other => other,
        }
    }
}

/// A problem with one input record, returned beside the results instead of failing the run.
/// `record_idx` is the record's position in the input slice it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordIssue {
    pub record_idx: usize,
    pub error: MeasureError,
}
