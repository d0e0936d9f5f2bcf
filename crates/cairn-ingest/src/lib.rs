//! Parsers for everything Cairn imports: MIS CSV exports, the DfE Common Transfer File,
//! DfE performance-tables files and GIAS extracts. Each turns bytes into `cairn-domain`
//! records (or small assessment records defined here) plus a report of every problem found.
//!
//! This crate owns *reading*: decoding, column mapping, validation against DfE rules, and
//! row-level error reports. It must not touch the database, the network or the clock: the
//! store writes what a parser returns, in one transaction, only when the report is clean.
//!
//! Import problems are data, not `Err` (STYLE.md point 5): every parser returns
//! [`Parsed`] with `records`, `errors` ([`RowError`]: file, line, column, value, rule) and
//! `warnings`. [`IngestError`] is only for a file that cannot be read at all. Line numbers
//! are physical 1-based lines (the header is line 1), right even when a quoted field spans
//! lines. User data never panics: `unwrap`, `expect` and slice indexing are denied below.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

pub mod assessments;
mod cells;
/// A date cell as every importer reads it (`DD/MM/YYYY` or `YYYY-MM-DD`), for the command
/// line's canonical files.
pub use cells::date as parse_date;
pub mod ctf;
mod decode;
pub mod files;
pub mod gias;
pub mod mis;
pub mod perf;
pub mod places;
pub mod progress;
mod report;
mod table;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

/// Runs every parser on the same bytes and ignores the results: the panic-freedom property
/// test and the fuzz targets under `fuzz/` call this, so both exercise the same paths.
#[doc(hidden)]
pub fn fuzz_all_parsers(bytes: &[u8]) {
    fuzz_all_parsers_with(bytes, None);
}

/// [`fuzz_all_parsers`] with a user column mapping applied to the MIS parsers.
#[doc(hidden)]
pub fn fuzz_all_parsers_with(bytes: &[u8], mapping: Option<&mis::UserMapping>) {
    let _ = decode(bytes);
    let _ = gias::parse_gias_establishments("f.csv", bytes);
    let _ = gias::parse_gias_groups("f.csv", bytes);
    let _ = gias::parse_gias_group_links("f.csv", bytes);
    let _ = gias::parse_gias_links("f.csv", bytes);
    let options = mis::MisOptions {
        laestabs: None,
        mapping,
        progress: None,
        context: mis::ImportContext {
            urn: cairn_domain::Urn::parse("115850").ok(),
            academic_year: cairn_domain::AcademicYear::parse("2023/24").ok(),
            term: Some(cairn_domain::Term::Spring),
        },
    };
    let _ = mis::parse_pupils("f.csv", bytes, &options);
    let _ = mis::parse_characteristics("f.csv", bytes, &options);
    let _ = mis::parse_ks2_results("f.csv", bytes, &options);
    let _ = mis::parse_ks4_results(
        "f.csv",
        bytes,
        &options,
        &assessments::SubjectCatalogue::standard(),
    );
    let _ = mis::parse_phonics("f.csv", bytes, &options);
    let _ = mis::parse_mtc("f.csv", bytes, &options);
    let _ = mis::parse_eyfs("f.csv", bytes, &options);
    let _ = mis::parse_attendance_marks("f.csv", bytes, &options);
    let _ = mis::parse_attendance_summaries("f.csv", bytes, &options);
    let _ = mis::parse_teacher_assessments("f.csv", bytes, &options);
    let _ = assessments::parse_subject_catalogue("f.csv", bytes);
    let _ = ctf::parse_ctf("f.xml", bytes);
    let _ = perf::parse_perf_table("f.csv", bytes);
    for kind in mis::ImportKind::ALL {
        let _ = mis::show_mapping(kind, bytes, &options);
    }
}

/// Header rows of each format, so property tests and the fuzz corpus reach past the header
/// check.
#[doc(hidden)]
pub const KNOWN_HEADERS: &[&str] = &[
    "URN,LA (code),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge,EstablishmentStatus (name),OpenDate,Trusts (code),Trusts (name)",
    "Group UID,Group ID,Group Name,Group Type,Open date,Closed Date,Group Status",
    "URN,Group UID,Group Name,Group Type,Joined date",
    "URN,LinkURN,LinkName,LinkType,LinkEstablishedDate",
    "UPN,Surname,Forename,DOB,Sex,NC Year,FSM,SEN Provision,First Language,Admission Date",
    "UPN,FSM,SEN,Ethnicity,Looked After,FSM6",
    "UPN,Reading,Maths,GPS,Writing TA",
    "upn,urn,subject,grade",
    "UPN,Mark",
    "UPN,Score",
    "UPN,Date,Session,Code",
    "UPN,Possible,Attended,Authorised,Unauthorised,Term",
    "UPN,Assessment,Subject,Result,Date",
    "subject,role,ebacc_pillar,double_award",
    "RECTYPE,LEA,ESTAB,URN,SCHNAME,ATT8SCR,P8MEA,PTL2BASICS_94",
    "URN,LA,ESTAB,SCHOOLTYPE,NOR,PNUMFSMEVER",
];

pub use decode::{Encoding, decode};
pub use report::{IngestError, Parsed, RowError, RowWarning, read_input};
