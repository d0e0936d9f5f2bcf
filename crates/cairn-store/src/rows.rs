//! Conversions between domain values and the integers and strings stored in rows.
//! Every read goes back through the domain type's parser, so a bad stored value is an error,
//! never a silently wrong figure.

use cairn_domain::{AcademicYear, Laestab, NcYear, Urn};

use crate::StoreError;

pub(crate) fn urn_to_db(urn: Urn) -> i64 {
    i64::from(urn.get())
}

pub(crate) fn urn_from_db(value: i64) -> Result<Urn, StoreError> {
    u32::try_from(value)
        .ok()
        .and_then(|v| Urn::from_u32(v).ok())
        .ok_or_else(|| StoreError::corrupt("URN", &value))
}

pub(crate) fn laestab_from_db(value: i64) -> Result<Laestab, StoreError> {
    Laestab::parse(&format!("{value:07}")).map_err(|_| StoreError::corrupt("LAESTAB", &value))
}

pub(crate) fn year_to_db(year: AcademicYear) -> i64 {
    i64::from(year.start_year())
}

pub(crate) fn year_from_db(value: i64) -> Result<AcademicYear, StoreError> {
    u16::try_from(value)
        .ok()
        .and_then(|v| AcademicYear::starting(v).ok())
        .ok_or_else(|| StoreError::corrupt("academic year", &value))
}

pub(crate) fn nc_year_from_db(value: i64) -> Result<NcYear, StoreError> {
    i8::try_from(value)
        .ok()
        .and_then(|v| NcYear::from_number(v).ok())
        .ok_or_else(|| StoreError::corrupt("NC year", &value))
}

/// Parses a stored code with its domain parser.
pub(crate) fn code_from_db<T, E>(
    what: &'static str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<T, StoreError> {
    parse(value).map_err(|_| StoreError::corrupt(what, &value))
}
