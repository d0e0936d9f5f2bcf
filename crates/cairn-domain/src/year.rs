//! Academic years and National Curriculum year groups.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YearError {
    #[error("academic year must look like 2023/24 (or 2023-24, or 202324), got {0:?}")]
    AcademicYear(String),
    #[error("NC year must be N1, N2, R, or 1 to 14, got {0:?}")]
    NcYear(String),
}

/// An English school academic year, named by the calendar year it starts in: 2023/24 runs from
/// 1 September 2023 to 31 August 2024.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AcademicYear(u16);

impl AcademicYear {
    const MIN: u16 = 1990;
    const MAX: u16 = 2100;

    /// Accepts `2023/24`, `2023-24`, `2023/2024`, and the DfE file form `202324`.
    pub fn parse(value: &str) -> Result<Self, YearError> {
        let err = || YearError::AcademicYear(value.to_owned());
        let s = value.trim();
        // Byte slicing below is only safe on ASCII text.
        if !s.is_ascii() {
            return Err(err());
        }
        let (start, end) = match s.len() {
            6 if s.bytes().all(|b| b.is_ascii_digit()) => (&s[..4], &s[4..]),
            7 | 9 => {
                let (a, b) = s.split_at(4);
                let b = b.strip_prefix(['/', '-']).ok_or_else(err)?;
                (a, b)
            }
            _ => return Err(err()),
        };
        let start: u16 = start.parse().map_err(|_| err())?;
        let end: u16 = end.parse().map_err(|_| err())?;
        let next = start + 1;
        let end_ok = if end < 100 {
            end == next % 100
        } else {
            end == next
        };
        if !end_ok || !(Self::MIN..=Self::MAX).contains(&start) {
            return Err(err());
        }
        Ok(AcademicYear(start))
    }

    /// The year starting in September of `start_year`.
    pub fn starting(start_year: u16) -> Result<Self, YearError> {
        if (Self::MIN..=Self::MAX).contains(&start_year) {
            Ok(AcademicYear(start_year))
        } else {
            Err(YearError::AcademicYear(start_year.to_string()))
        }
    }

    /// The academic year a date falls in (1 September to 31 August).
    pub fn containing(date: NaiveDate) -> Self {
        let year = u16::try_from(date.year()).unwrap_or(Self::MIN);
        let start = if date.month() >= 9 { year } else { year - 1 };
        AcademicYear(start.clamp(Self::MIN, Self::MAX))
    }

    pub fn start_year(self) -> u16 {
        self.0
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(i32::from(self.0), 9, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(i32::from(self.0) + 1, 8, 31).unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Self {
        AcademicYear((self.0 + 1).min(Self::MAX))
    }

    pub fn previous(self) -> Self {
        AcademicYear((self.0 - 1).max(Self::MIN))
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.first_day() <= date && date <= self.last_day()
    }

    /// The spring school census day: the third Thursday in January.
    /// Source: DfE "School census 2024 to 2025: guide", section 1.3 (census dates): spring
    /// census day 16 January 2025; the third Thursday of January in every year the guides cover.
    pub fn spring_census_day(self) -> NaiveDate {
        let year = i32::from(self.0) + 1;
        NaiveDate::from_weekday_of_month_opt(year, 1, chrono::Weekday::Thu, 3)
            .unwrap_or(NaiveDate::MIN)
    }
}

impl fmt::Display for AcademicYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1) % 100)
    }
}

impl FromStr for AcademicYear {
    type Err = YearError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for AcademicYear {
    type Error = YearError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<AcademicYear> for String {
    fn from(value: AcademicYear) -> Self {
        value.to_string()
    }
}

/// National Curriculum year group. Nursery years are N1 and N2, reception is R, then years 1
/// to 14 (12 to 14 being post-16). Stored as a number: N1 = -2, N2 = -1, R = 0.
///
/// Source: DfE school census guide, "NC year actual" code set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NcYear(i8);

impl NcYear {
    pub const RECEPTION: NcYear = NcYear(0);

    pub fn parse(value: &str) -> Result<Self, YearError> {
        let s = value.trim().to_ascii_uppercase();
        let n = match s.as_str() {
            "N1" => -2,
            "N2" => -1,
            "R" | "REC" | "RECEPTION" | "0" => 0,
            other => {
                let digits = other.strip_prefix("Y").unwrap_or(other);
                digits
                    .parse::<i8>()
                    .ok()
                    .filter(|n| (1..=14).contains(n))
                    .ok_or_else(|| YearError::NcYear(value.to_owned()))?
            }
        };
        Ok(NcYear(n))
    }

    /// From the stored number (-2 to 14).
    pub fn from_number(n: i8) -> Result<Self, YearError> {
        if (-2..=14).contains(&n) {
            Ok(NcYear(n))
        } else {
            Err(YearError::NcYear(n.to_string()))
        }
    }

    pub fn number(self) -> i8 {
        self.0
    }

    /// The NC year a pupil born on `date_of_birth` is normally in during `year`: pupils start
    /// reception in the September after their fourth birthday (the 1 September to 31 August
    /// birth cohort). Returns `None` outside N1..14.
    pub fn expected_for(date_of_birth: NaiveDate, year: AcademicYear) -> Option<Self> {
        let birth_cohort = AcademicYear::containing(date_of_birth).start_year();
        let n = i32::from(year.start_year()) - i32::from(birth_cohort) - 5;
        i8::try_from(n).ok().and_then(|n| Self::from_number(n).ok())
    }
}

impl NcYear {
    /// A label for pages: "Nursery 1", "Reception", "Year 7".
    pub fn label(self) -> String {
        match self.0 {
            -2 => "Nursery 1".to_owned(),
            -1 => "Nursery 2".to_owned(),
            0 => "Reception".to_owned(),
            n => format!("Year {n}"),
        }
    }
}

impl fmt::Display for NcYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            -2 => f.write_str("N1"),
            -1 => f.write_str("N2"),
            0 => f.write_str("R"),
            n => write!(f, "{n}"),
        }
    }
}

impl FromStr for NcYear {
    type Err = YearError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for NcYear {
    type Error = YearError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NcYear> for String {
    fn from(value: NcYear) -> Self {
        value.to_string()
    }
}
