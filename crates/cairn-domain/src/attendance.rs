//! Attendance: register codes, sessions, marks and summaries.
//!
//! The code set is the one in force from 19 August 2024 (School Attendance (Pupil
//! Registration) (England) Regulations 2024), plus the four codes it withdrew, which stay
//! valid for earlier sessions. Source: `../shared/reference/measures.md` section 6 and the
//! DfE "Working together to improve school attendance" code table; `cairn-ingest` keeps a
//! copy as `data/attendance_codes_2024.csv` and a test checks the two agree.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::assessments::{AssessmentError, normalise};
use crate::{AcademicYear, Term, Upn};

/// How the DfE absence statistics treat a session with this code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StatisticalTreatment {
    Present,
    /// Attending an approved educational activity: counts as attendance.
    ApprovedActivity,
    Authorised,
    Unauthorised,
    /// Not a possible session.
    NotCounted,
}

use StatisticalTreatment::{ApprovedActivity, Authorised, NotCounted, Present, Unauthorised};

/// The 2024 code set: code and statistical treatment.
pub const ATTENDANCE_CODES_2024: &[(&str, StatisticalTreatment)] = &[
    ("/", Present),
    ("\\", Present),
    ("L", Present),
    ("K", ApprovedActivity),
    ("V", ApprovedActivity),
    ("P", ApprovedActivity),
    ("W", ApprovedActivity),
    ("B", ApprovedActivity),
    ("D", NotCounted),
    ("C1", Authorised),
    ("M", Authorised),
    ("J1", Authorised),
    ("S", Authorised),
    ("X", NotCounted),
    ("C2", Authorised),
    ("C", Authorised),
    ("T", Authorised),
    ("R", Authorised),
    ("I", Authorised),
    ("E", Authorised),
    ("Q", NotCounted),
    ("Y1", NotCounted),
    ("Y2", NotCounted),
    ("Y3", NotCounted),
    ("Y4", NotCounted),
    ("Y5", NotCounted),
    ("Y6", NotCounted),
    ("Y7", NotCounted),
    ("G", Unauthorised),
    ("N", Unauthorised),
    ("O", Unauthorised),
    ("U", Unauthorised),
    ("Z", NotCounted),
    ("#", NotCounted),
];

/// Codes withdrawn on 19 August 2024, still valid for earlier sessions: H (holiday
/// authorised), F (extended family holiday), J (interview; an approved activity until 2024,
/// now J1, authorised), Y (enforced closure; now Y1 to Y7).
pub const ATTENDANCE_CODES_WITHDRAWN_2024: &[(&str, StatisticalTreatment)] = &[
    ("H", Authorised),
    ("F", Authorised),
    ("J", ApprovedActivity),
    ("Y", NotCounted),
];

/// The day the 2024 code set replaced the old one (measures.md section 6).
pub fn attendance_codes_2024_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 8, 19).unwrap_or(NaiveDate::MIN)
}

/// An attendance register code, checked against the code set in force on the session's date.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct AttendanceCode {
    code: &'static str,
    treatment: StatisticalTreatment,
}

impl AttendanceCode {
    /// Checks a code for a session on `date`: withdrawn codes are refused from 19 August 2024.
    pub fn parse(code: &str, date: NaiveDate) -> Result<Self, AssessmentError> {
        let code = code.trim().to_ascii_uppercase();
        if let Some(found) = Self::current(&code) {
            return Ok(found);
        }
        if let Some(found) = Self::withdrawn(&code) {
            if date < attendance_codes_2024_from() {
                return Ok(found);
            }
            return Err(AssessmentError(format!(
                "was withdrawn from the attendance code set on 19 August 2024 (School Attendance Regulations 2024); use {} instead",
                match code.as_str() {
                    "J" => "J1",
                    "Y" => "Y1 to Y7",
                    _ => "G or another leave-of-absence code",
                }
            )));
        }
        Err(AssessmentError(
            "is not an attendance code in the 2024 code set".to_owned(),
        ))
    }

    /// Any code of the 2024 set or withdrawn by it, whatever the date: for reading back
    /// codes that were checked against their session's date when they were imported.
    pub fn parse_any(code: &str) -> Result<Self, AssessmentError> {
        let code = code.trim().to_ascii_uppercase();
        Self::current(&code)
            .or_else(|| Self::withdrawn(&code))
            .ok_or_else(|| AssessmentError("is not an attendance code".to_owned()))
    }

    fn current(code: &str) -> Option<Self> {
        Self::find(ATTENDANCE_CODES_2024, code)
    }

    fn withdrawn(code: &str) -> Option<Self> {
        Self::find(ATTENDANCE_CODES_WITHDRAWN_2024, code)
    }

    fn find(set: &[(&'static str, StatisticalTreatment)], code: &str) -> Option<Self> {
        set.iter()
            .find(|(c, _)| *c == code)
            .map(|(code, treatment)| AttendanceCode {
                code,
                treatment: *treatment,
            })
    }

    pub fn as_str(&self) -> &str {
        self.code
    }

    pub fn treatment(&self) -> StatisticalTreatment {
        self.treatment
    }
}

impl fmt::Display for AttendanceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl AsRef<str> for AttendanceCode {
    fn as_ref(&self) -> &str {
        self.code
    }
}

impl TryFrom<String> for AttendanceCode {
    type Error = AssessmentError;
    fn try_from(value: String) -> Result<Self, AssessmentError> {
        AttendanceCode::parse_any(&value)
    }
}

// By hand: a derived `Deserialize` would tie the `'static` code to the input's lifetime.
impl<'de> Deserialize<'de> for AttendanceCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        AttendanceCode::parse_any(&code).map_err(serde::de::Error::custom)
    }
}

impl From<AttendanceCode> for String {
    fn from(code: AttendanceCode) -> String {
        code.code.to_owned()
    }
}

/// Morning or afternoon register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Session {
    Am,
    Pm,
}

impl Session {
    pub fn parse(value: &str) -> Result<Self, AssessmentError> {
        match normalise(value).as_str() {
            "am" | "a" | "morning" => Ok(Self::Am),
            "pm" | "p" | "afternoon" => Ok(Self::Pm),
            _ => Err(AssessmentError(
                "is not a session: expected AM or PM".to_owned(),
            )),
        }
    }

    /// `AM` or `PM`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Am => "AM",
            Self::Pm => "PM",
        }
    }
}

/// One register mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceMark {
    pub upn: Upn,
    pub date: NaiveDate,
    pub session: Session,
    pub code: AttendanceCode,
}

/// Session counts for a pupil over a term or year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceSummary {
    pub upn: Upn,
    pub academic_year: AcademicYear,
    pub term: Option<Term>,
    pub sessions_possible: u32,
    pub sessions_attended: u32,
    pub sessions_authorised: u32,
    pub sessions_unauthorised: u32,
}
