//! Converting one cell's text into a domain value, with the rule wording used in
//! [`RowError`](crate::RowError): each `Err` reads after the quoted value,
//! e.g. `"A801200005001" has check letter A, expected B`.

use cairn_domain::{AcademicYear, CodeError, IdError, NcYear, SenProvision, Sex, Upn, Urn};
use chrono::NaiveDate;

/// The rule text for an identifier that failed its check.
pub(crate) fn id_rule(err: &IdError) -> String {
    match err {
        IdError::Urn(_) => "is not a URN: a URN is 6 digits".to_owned(),
        IdError::Laestab(_) => {
            "is not a LAESTAB: a LAESTAB is a 3-digit LA code then a 4-digit establishment number"
                .to_owned()
        }
        IdError::UpnShape(_) => "is not a UPN: a UPN is a check letter, 11 digits, then a digit or letter (13 characters)".to_owned(),
        IdError::UpnLetter { letter, .. } => {
            format!("uses the letter {letter}, which is never used in UPNs (I, O and S are excluded)")
        }
        IdError::UpnCheckLetter {
            found, expected, ..
        } => format!("has check letter {found}, expected {expected}"),
    }
}

fn code_rule(err: &CodeError) -> String {
    format!(
        "is not a recognised {}; expected one of: {}",
        err.what, err.expected
    )
}

/// A UPN with its check letter verified (DfE UPN guide v1.2; measures.md section 7).
pub(crate) fn upn(value: &str) -> Result<Upn, String> {
    Upn::parse(value).map_err(|e| id_rule(&e))
}

pub(crate) fn urn(value: &str) -> Result<Urn, String> {
    Urn::parse(value).map_err(|e| id_rule(&e))
}

pub(crate) fn sex(value: &str) -> Result<Sex, String> {
    Sex::parse(value).map_err(|e| code_rule(&e))
}

/// SEN provision: N, K, E, plus the retired S (statement, replaced by E from 2014) as E.
pub(crate) fn sen(value: &str) -> Result<SenProvision, String> {
    SenProvision::parse(value).map_err(|e| code_rule(&e))
}

pub(crate) fn nc_year(value: &str) -> Result<NcYear, String> {
    NcYear::parse(value).map_err(|_| "is not an NC year: expected N1, N2, R, or 1 to 14".to_owned())
}

pub(crate) fn academic_year(value: &str) -> Result<AcademicYear, String> {
    // `AcademicYear::parse` slices by byte position, so non-ASCII text is refused here
    // before it can split a character.
    if !value.is_ascii() {
        return Err("is not an academic year: expected a form like 2023/24".to_owned());
    }
    AcademicYear::parse(value)
        .map_err(|_| "is not an academic year: expected a form like 2023/24".to_owned())
}

/// Yes/no flags as MIS exports write them: Y/N, Yes/No, True/False, T/F, 1/0.
pub(crate) fn flag(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "t" | "1" => Ok(true),
        "n" | "no" | "false" | "f" | "0" => Ok(false),
        _ => Err("is not a yes/no value: expected Y, N, Yes, No, True, False, 1 or 0".to_owned()),
    }
}

/// A whole number in `min..=max`.
pub(crate) fn int_in(value: &str, min: i64, max: i64) -> Result<i64, String> {
    let n: i64 = value
        .trim()
        .parse()
        .map_err(|_| format!("is not a whole number from {min} to {max}"))?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("is out of range: expected {min} to {max}"))
    }
}

/// How a date cell was written, so a whole column can be checked for US order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateShape {
    Iso,
    DayFirst,
}

/// A date written `DD/MM/YYYY`, `DD-MM-YYYY`, `DD.MM.YYYY` or `YYYY-MM-DD` (with an optional
/// `T..` or ` 00:00:00` time, as Excel and XML write it). Two-digit years are rejected: a
/// pupil born in `05` could be 1905 or 2005, and US-locale Excel writes `1/13/05`.
pub fn date(value: &str) -> Result<NaiveDate, String> {
    date_with_shape(value).map(|(d, _)| d)
}

pub(crate) fn date_with_shape(value: &str) -> Result<(NaiveDate, DateShape), String> {
    let s = value.trim();
    let s = s.split_once(['T', ' ']).map_or(s, |(day, _time)| day);
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    let shape_err = || "is not a date: expected DD/MM/YYYY or YYYY-MM-DD".to_owned();
    let [a, b, c] = parts.as_slice() else {
        return Err(shape_err());
    };
    let all_digits = [a, b, c]
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !all_digits {
        return Err(shape_err());
    }
    let num = |p: &str| p.parse::<u32>().map_err(|_| shape_err());
    let (year, month, day, shape) = if a.len() == 4 {
        (num(a)?, num(b)?, num(c)?, DateShape::Iso)
    } else if c.len() == 4 && a.len() <= 2 && b.len() <= 2 {
        (num(c)?, num(b)?, num(a)?, DateShape::DayFirst)
    } else if c.len() == 2 {
        return Err("has a two-digit year: write dates as DD/MM/YYYY".to_owned());
    } else {
        return Err(shape_err());
    };
    let year = i32::try_from(year).map_err(|_| shape_err())?;
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(d) => Ok((d, shape)),
        None if shape == DateShape::DayFirst && month > 12 && day <= 12 => Err(format!(
            "is not a valid date: there is no month {month} (is it a US-style month/day/year date?)"
        )),
        None => Err("is not a valid date".to_owned()),
    }
}

/// True when `value` cannot be day/month/year but would be a valid month/day/year date: the
/// sign of a column exported from US-locale Excel.
pub(crate) fn looks_us_ordered(value: &str) -> bool {
    let parts: Vec<&str> = value.trim().split('/').collect();
    let [m, d, y] = parts.as_slice() else {
        return false;
    };
    let (Ok(m), Ok(d), Ok(y)) = (m.parse::<u32>(), d.parse::<u32>(), y.parse::<i32>()) else {
        return false;
    };
    let year = if y < 100 { 2000 + y } else { y };
    d > 12 && m <= 12 && NaiveDate::from_ymd_opt(year, m, d).is_some()
}

/// Parses a GIAS date, where `01-01-1900` (and `1900-01-01`) stand for "not recorded".
pub(crate) fn gias_date(value: &str) -> Result<Option<NaiveDate>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let d = date(value)?;
    Ok((d.format("%Y").to_string() != "1900").then_some(d))
}
