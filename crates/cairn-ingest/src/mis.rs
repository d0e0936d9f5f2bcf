//! MIS CSV exports: pupils and enrolments, characteristics, KS2 and KS4 results, phonics,
//! MTC, EYFS, attendance marks and summaries, and in-year teacher assessments.
//!
//! Columns are found by header, never by position: built-in presets know the names SIMS,
//! Arbor, Bromcom and the DfE census extract use (`UPN`, `Legal Surname`, `DOB`,
//! `NCyearActual`, `FSMeligible`, `SENProvision` …), and a user mapping file
//! ([`UserMapping`]) covers anything else. [`show_mapping`] says which column each field
//! would come from, for `cairn import --show-mapping`.
//!
//! Dates are `DD/MM/YYYY` or `YYYY-MM-DD`. A column that looks like US month/day/year (Excel
//! in a US locale, as in the DfE MTC census samples) is rejected as a whole, since its
//! day-12-or-less dates would otherwise be read with day and month swapped.

mod mapping;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};

use rustc_hash::FxHashMap;

use cairn_domain::{
    AcademicYear, Characteristics, Enrolment, Laestab, Pupil, SenProvision, Term, Upn, Urn,
};
pub use mapping::{ColumnMapping, FieldMatch, FieldSpec, MatchedBy, UserMapping};
use mapping::{field, resolve_mapping};

use crate::assessments::{
    AttendanceCodeSet, AttendanceMark, AttendanceSummary, EARLY_LEARNING_GOALS, EyfsJudgement,
    EyfsResult, Ks2Result, Ks2TestOutcome, Ks4Grade, Ks4ResultRow, MtcOutcome, MtcResult,
    PhonicsOutcome, PhonicsResult, Session, SubjectCatalogue, TeacherAssessment, WritingTa,
};
use crate::cells;
use crate::progress::Progress;
use crate::report::{Parsed, Problems};
use crate::table::{Row, Table, read_table, read_table_counted};

#[cfg(test)]
mod tests;

/// What an MIS file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    Pupils,
    Characteristics,
    Ks2Results,
    Ks4Results,
    Phonics,
    Mtc,
    Eyfs,
    AttendanceMarks,
    AttendanceSummaries,
    TeacherAssessments,
}

impl ImportKind {
    pub const ALL: [ImportKind; 10] = [
        Self::Pupils,
        Self::Characteristics,
        Self::Ks2Results,
        Self::Ks4Results,
        Self::Phonics,
        Self::Mtc,
        Self::Eyfs,
        Self::AttendanceMarks,
        Self::AttendanceSummaries,
        Self::TeacherAssessments,
    ];

    /// The fields this kind reads, with their header presets.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            Self::Pupils => PUPIL_FIELDS,
            Self::Characteristics => CHARACTERISTICS_FIELDS,
            Self::Ks2Results => KS2_FIELDS,
            Self::Ks4Results => KS4_FIELDS,
            Self::Phonics => PHONICS_FIELDS,
            Self::Mtc => MTC_FIELDS,
            Self::Eyfs => &EYFS_FIELDS,
            Self::AttendanceMarks => ATTENDANCE_MARK_FIELDS,
            Self::AttendanceSummaries => ATTENDANCE_SUMMARY_FIELDS,
            Self::TeacherAssessments => TEACHER_ASSESSMENT_FIELDS,
        }
    }
}

/// Values the whole file shares, given by the user when the export has no column for them
/// (a school's own MIS export rarely carries its URN or the academic year).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportContext {
    pub urn: Option<Urn>,
    pub academic_year: Option<AcademicYear>,
    pub term: Option<Term>,
}

impl ImportContext {
    fn defaulted(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.urn.is_some() {
            names.push("urn");
        }
        if self.academic_year.is_some() {
            names.push("academic_year");
        }
        if self.term.is_some() {
            names.push("term");
        }
        names
    }
}

/// How to read an MIS file: an optional user mapping and the shared context.
#[derive(Debug, Clone, Copy, Default)]
pub struct MisOptions<'a> {
    pub mapping: Option<&'a UserMapping>,
    pub context: ImportContext,
    /// The register's schools by LAESTAB, for a file that names its school only by its LA
    /// and establishment numbers (a CTF from a system that writes no URN). `None` when there
    /// is no register to hand (the fuzz targets, parser tests): such a school is not placed.
    pub laestabs: Option<&'a BTreeMap<Laestab, Urn>>,
    /// Counts bytes read and rows checked, for a progress bar on a large file.
    pub progress: Option<&'a Progress>,
}

const UPN: FieldSpec = field!(
    "upn",
    true,
    [
        "UPN",
        "Unique Pupil Number",
        "Pupil UPN",
        "UPN (Unique Pupil Number)"
    ]
);
const URN_OPTIONAL: FieldSpec = field!("urn", false, ["URN", "School URN"]);
const URN_REQUIRED: FieldSpec = field!("urn", true, ["URN", "School URN"]);
const ACADEMIC_YEAR_OPTIONAL: FieldSpec = field!(
    "academic_year",
    false,
    ["Academic Year", "Year of Assessment", "Assessment Year"]
);
const ACADEMIC_YEAR_REQUIRED: FieldSpec = field!(
    "academic_year",
    true,
    ["Academic Year", "Year of Assessment", "Assessment Year"]
);
const TERM: FieldSpec = field!("term", true, ["Term", "Census Term"]);
const TERM_OPTIONAL: FieldSpec = field!("term", false, ["Term", "Census Term"]);

const FSM: FieldSpec = field!(
    "fsm",
    false,
    [
        "FSM",
        "FSM Eligible",
        "FSMeligible",
        "Free School Meals",
        "FSM Eligibility",
        "Eligible for FSM",
        "FSM Status"
    ]
);
const DISADVANTAGED: FieldSpec = field!(
    "disadvantaged",
    false,
    [
        "Disadvantaged",
        "FSM6",
        "Ever 6 FSM",
        "FSM Ever 6",
        "FSM6CLA1A",
        "Pupil Premium",
        "Pupil Premium Indicator",
        "PP"
    ]
);
const LOOKED_AFTER: FieldSpec = field!(
    "looked_after",
    false,
    [
        "Looked After",
        "In Care",
        "InCare",
        "CLA",
        "Looked After Child",
        "LAC",
        "Child Looked After"
    ]
);
const SEN: FieldSpec = field!(
    "sen",
    false,
    [
        "SEN Provision",
        "SEN Status",
        "SENProvision",
        "SEN",
        "SEN Stage",
        "SENF",
        "SEN Provision Type"
    ]
);
const SEN_NEED: FieldSpec = field!(
    "sen_need",
    false,
    [
        "Primary Need",
        "SEN Primary Need",
        "SEN Need",
        "SEN Type",
        "SENtype",
        "SEN Need Type",
        "Primary SEN Need"
    ]
);
const EAL: FieldSpec = field!(
    "eal",
    false,
    [
        "EAL",
        "English as an Additional Language",
        "EAL Status",
        "EnglishAsAdditionalLanguage"
    ]
);
const FIRST_LANGUAGE: FieldSpec = field!(
    "first_language",
    false,
    [
        "First Language",
        "Language",
        "Home Language",
        "LANG1ST",
        "Main Language",
        "First Language Code"
    ]
);
const ETHNICITY: FieldSpec = field!(
    "ethnicity",
    false,
    [
        "Ethnicity",
        "Ethnic Group",
        "Ethnicity Code",
        "ETHNIC",
        "Ethnic Origin"
    ]
);

const PUPIL_FIELDS: &[FieldSpec] = &[
    UPN,
    field!(
        "former_upn",
        false,
        ["Former UPN", "FormerUPN", "Previous UPN", "Old UPN"]
    ),
    field!(
        "surname",
        true,
        [
            "Legal Surname",
            "Surname",
            "Last Name",
            "Legal Last Name",
            "Family Name"
        ]
    ),
    field!(
        "forename",
        true,
        [
            "Legal Forename",
            "Forename",
            "First Name",
            "Legal First Name",
            "Given Name"
        ]
    ),
    field!(
        "middle_names",
        false,
        [
            "Middle Names",
            "Middlenames",
            "Middle name(s)",
            "Middle Name"
        ]
    ),
    field!(
        "date_of_birth",
        true,
        ["DOB", "Date of Birth", "Birth Date", "Birthdate"]
    ),
    field!("sex", true, ["Sex", "Gender", "Legal Sex"]),
    field!(
        "nc_year",
        false,
        [
            "NC Year",
            "NCyearActual",
            "NC Year Actual",
            "Year",
            "Year Group",
            "Curriculum Year",
            "National Curriculum Year",
            "ACTYRGRP"
        ]
    ),
    URN_OPTIONAL,
    field!(
        "admission_date",
        false,
        [
            "Admission Date",
            "Date of Admission",
            "Entry Date",
            "Date of Entry",
            "Start Date",
            "ENTRYDAT"
        ]
    ),
    field!(
        "leaving_date",
        false,
        ["Leaving Date", "Date of Leaving", "Leave Date", "End Date"]
    ),
    ACADEMIC_YEAR_OPTIONAL,
    TERM_OPTIONAL,
    FSM,
    DISADVANTAGED,
    LOOKED_AFTER,
    SEN,
    SEN_NEED,
    EAL,
    FIRST_LANGUAGE,
    ETHNICITY,
];

const CHARACTERISTICS_FIELDS: &[FieldSpec] = &[
    UPN,
    ACADEMIC_YEAR_REQUIRED,
    TERM,
    field!(
        "fsm",
        true,
        [
            "FSM",
            "FSM Eligible",
            "FSMeligible",
            "Free School Meals",
            "FSM Eligibility",
            "Eligible for FSM",
            "FSM Status"
        ]
    ),
    DISADVANTAGED,
    LOOKED_AFTER,
    field!(
        "sen",
        true,
        [
            "SEN Provision",
            "SEN Status",
            "SENProvision",
            "SEN",
            "SEN Stage",
            "SENF",
            "SEN Provision Type"
        ]
    ),
    SEN_NEED,
    EAL,
    FIRST_LANGUAGE,
    ETHNICITY,
];

const KS2_FIELDS: &[FieldSpec] = &[
    UPN,
    ACADEMIC_YEAR_OPTIONAL,
    field!(
        "reading",
        true,
        [
            "Reading Scaled Score",
            "KS2 Reading Scaled Score",
            "Reading SS",
            "Reading Score",
            "KS2 Reading",
            "Reading"
        ]
    ),
    field!(
        "maths",
        true,
        [
            "Maths Scaled Score",
            "Mathematics Scaled Score",
            "KS2 Maths Scaled Score",
            "Maths SS",
            "Maths Score",
            "KS2 Maths",
            "Maths",
            "Mathematics"
        ]
    ),
    field!(
        "gps",
        false,
        [
            "GPS Scaled Score",
            "SPaG Scaled Score",
            "Grammar, Punctuation and Spelling Scaled Score",
            "GPS SS",
            "GPS",
            "SPaG"
        ]
    ),
    field!(
        "writing_ta",
        true,
        [
            "Writing TA",
            "Writing Teacher Assessment",
            "KS2 Writing TA",
            "Writing"
        ]
    ),
];

const KS4_FIELDS: &[FieldSpec] = &[
    UPN,
    URN_REQUIRED,
    field!(
        "subject",
        true,
        [
            "Subject",
            "Qualification",
            "Subject Name",
            "Qualification Title",
            "Course"
        ]
    ),
    field!(
        "grade",
        true,
        ["Grade", "Result", "Final Grade", "Awarded Grade"]
    ),
    ACADEMIC_YEAR_OPTIONAL,
    field!(
        "exam_date",
        false,
        [
            "Exam Date",
            "Exam Series",
            "Series",
            "Date Achieved",
            "Result Date",
            "Award Date"
        ]
    ),
];

const PHONICS_FIELDS: &[FieldSpec] = &[
    UPN,
    ACADEMIC_YEAR_REQUIRED,
    field!(
        "mark",
        true,
        [
            "Phonics Mark",
            "Phonics Score",
            "PSC Mark",
            "Mark",
            "Score",
            "Result"
        ]
    ),
];

const MTC_FIELDS: &[FieldSpec] = &[
    UPN,
    ACADEMIC_YEAR_REQUIRED,
    field!(
        "score",
        true,
        ["MTC Score", "MTC Result", "Score", "Mark", "Result"]
    ),
];

#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build, never an import"
)]
const fn eyfs_fields() -> [FieldSpec; 19] {
    let mut fields = [UPN; 19];
    fields[1] = ACADEMIC_YEAR_REQUIRED;
    let mut idx = 0;
    while idx < 17 {
        let (name, _, _) = EARLY_LEARNING_GOALS[idx];
        fields[idx + 2] = FieldSpec {
            name,
            aliases: &[],
            required: true,
        };
        idx += 1;
    }
    fields
}

/// UPN, academic year, then one column per early learning goal. Goal columns are found by
/// canonical name, by the goal's full name, or by `ELG01` to `ELG17` (see `elg_aliases`).
static EYFS_FIELDS: [FieldSpec; 19] = eyfs_fields();

const ATTENDANCE_MARK_FIELDS: &[FieldSpec] = &[
    UPN,
    field!(
        "date",
        true,
        ["Date", "Session Date", "Attendance Date", "Register Date"]
    ),
    field!(
        "session",
        true,
        ["Session", "AM/PM", "Session (AM/PM)", "Register"]
    ),
    field!(
        "code",
        true,
        [
            "Code",
            "Mark",
            "Attendance Code",
            "Attendance Mark",
            "Register Mark"
        ]
    ),
];

const ATTENDANCE_SUMMARY_FIELDS: &[FieldSpec] = &[
    UPN,
    ACADEMIC_YEAR_REQUIRED,
    TERM_OPTIONAL,
    field!(
        "sessions_possible",
        true,
        [
            "Possible Sessions",
            "Sessions Possible",
            "SessionsPossible",
            "Possible"
        ]
    ),
    field!(
        "sessions_attended",
        true,
        [
            "Sessions Attended",
            "SessionsAttended",
            "Attended",
            "Present",
            "Attendances"
        ]
    ),
    field!(
        "sessions_authorised",
        true,
        [
            "Authorised Absences",
            "Sessions Authorised",
            "SessionsAuthorised",
            "Authorised Absence",
            "Authorised"
        ]
    ),
    field!(
        "sessions_unauthorised",
        true,
        [
            "Unauthorised Absences",
            "Sessions Unauthorised",
            "SessionsUnauthorised",
            "Unauthorised Absence",
            "Unauthorised"
        ]
    ),
];

const TEACHER_ASSESSMENT_FIELDS: &[FieldSpec] = &[
    UPN,
    ACADEMIC_YEAR_OPTIONAL,
    field!(
        "assessment",
        true,
        [
            "Assessment",
            "Result Set",
            "Assessment Point",
            "Data Collection",
            "Aspect",
            "Marksheet"
        ]
    ),
    field!("subject", true, ["Subject", "Subject Name", "Course"]),
    field!(
        "result",
        true,
        ["Result", "Grade", "Predicted Grade", "Working At", "Value"]
    ),
    field!(
        "assessed_on",
        false,
        ["Date", "Assessment Date", "Result Date"]
    ),
];

/// The names an EYFS column may have for a goal: the canonical field name, the ELG's full
/// name, or `ELG01`…`ELG17` in [`EARLY_LEARNING_GOALS`] order.
fn elg_aliases(field: &str) -> Vec<String> {
    EARLY_LEARNING_GOALS
        .iter()
        .enumerate()
        .filter(|(_, (name, _, _))| *name == field)
        .flat_map(|(idx, (_, full, _))| [(*full).to_owned(), format!("ELG{:02}", idx + 1)])
        .collect()
}

/// Reads only the header of `bytes` and returns the mapping an import of `kind` would use.
pub fn show_mapping(kind: ImportKind, bytes: &[u8], options: &MisOptions<'_>) -> ColumnMapping {
    let mut problems = Problems::new("");
    let headers = read_table(bytes, &mut problems)
        .map(|t| t.headers)
        .unwrap_or_default();
    mapping_for(kind, &headers, options)
}

fn mapping_for(kind: ImportKind, headers: &[String], options: &MisOptions<'_>) -> ColumnMapping {
    let defaulted = options.context.defaulted();
    if kind != ImportKind::Eyfs {
        return resolve_mapping(kind.fields(), headers, options.mapping, &defaulted);
    }
    // EYFS goal columns: add each goal's full name and ELG number as aliases at run time.
    let aliases: Vec<Vec<String>> = EYFS_FIELDS.iter().map(|f| elg_aliases(f.name)).collect();
    let mut renamed: Vec<String> = headers.to_vec();
    for header in &mut renamed {
        let key = crate::table::normalise_header(header);
        for (spec, names) in EYFS_FIELDS.iter().zip(&aliases) {
            if names
                .iter()
                .any(|n| crate::table::normalise_header(n) == key)
            {
                spec.name.clone_into(header);
            }
        }
    }
    let mut mapping = resolve_mapping(&EYFS_FIELDS, &renamed, options.mapping, &defaulted);
    // Report headers as the file wrote them.
    for m in &mut mapping.matches {
        if let Some(original) = headers.get(m.column) {
            original.clone_into(&mut m.header);
        }
    }
    mapping
}

/// One row's cells, looked up by canonical field.
struct Cells<'a> {
    row: &'a Row,
    mapping: &'a ColumnMapping,
}

impl Cells<'_> {
    fn line(&self) -> u64 {
        self.row.line
    }

    fn has(&self, field: &str) -> bool {
        self.mapping.column(field).is_some()
    }

    /// The trimmed cell, or "" when the field has no column.
    fn raw(&self, field: &str) -> &str {
        self.row.opt(self.mapping.column(field))
    }

    fn column<'s>(&'s self, field: &'s str) -> &'s str {
        self.mapping.header(field).unwrap_or(field)
    }

    fn error(&self, p: &mut Problems, field: &str, rule: impl Into<String>) {
        p.error(self.line(), self.column(field), self.raw(field), rule);
    }

    /// A required non-empty value, parsed.
    fn req<T>(
        &self,
        p: &mut Problems,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.raw(field);
        if value.is_empty() {
            self.error(p, field, "is required");
            return None;
        }
        parse(value).map_err(|rule| self.error(p, field, rule)).ok()
    }

    /// An optional value: `Ok(None)` when there is no column or the cell is empty.
    fn opt<T>(
        &self,
        p: &mut Problems,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ()> {
        let value = self.raw(field);
        if value.is_empty() {
            return Ok(None);
        }
        parse(value)
            .map(Some)
            .map_err(|rule| self.error(p, field, rule))
    }

    /// A value from its column when the file has one, else from the import context.
    fn or_context<T: Copy>(
        &self,
        p: &mut Problems,
        field: &str,
        context: Option<T>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if self.has(field) {
            let value = self.raw(field);
            if value.is_empty() {
                if context.is_some() {
                    return context;
                }
                self.error(p, field, "is required");
                return None;
            }
            parse(value).map_err(|rule| self.error(p, field, rule)).ok()
        } else {
            context
        }
    }

    fn upn(&self, p: &mut Problems) -> Option<Upn> {
        self.req(p, "upn", cells::upn)
    }

    /// The record's academic year: its own column, or the year given for the whole file
    /// (`--year`, the upload form's year) when the file has no column or the cell is blank.
    fn academic_year(&self, p: &mut Problems, context: &ImportContext) -> Option<AcademicYear> {
        self.or_context(
            p,
            "academic_year",
            context.academic_year,
            cells::academic_year,
        )
    }
}

/// A parsed record and the line it came from, before duplicate checks.
struct Lined<T> {
    line: u64,
    record: T,
}

/// Rows per chunk when rows are built in parallel: big enough that a chunk's bookkeeping is
/// noise, small enough that two cores share a large file evenly.
const ROWS_PER_CHUNK: usize = 16_384;

/// Reads the table and mapping, reports header problems, then calls `build` for each row.
/// A record is kept only when its row raised no error.
///
/// Rows are built in parallel chunks (rayon), each with its own problems; records and
/// problems are put back in file order, so the result is the same as one pass.
fn run<T: Send>(
    kind: ImportKind,
    file: &str,
    bytes: &[u8],
    options: &MisOptions<'_>,
    build: impl Fn(&Cells<'_>, &mut Problems) -> Option<T> + Sync,
) -> (Vec<Lined<T>>, Problems, Option<(Table, ColumnMapping)>) {
    use rayon::prelude::*;

    let mut problems = Problems::new(file);
    let started = std::time::Instant::now();
    let Some(table) = read_table_counted(bytes, &mut problems, options.progress) else {
        return (Vec::new(), problems, None);
    };
    tracing::debug!(
        file,
        rows = table.rows.len(),
        ms = started.elapsed().as_millis(),
        "file decoded and split into rows"
    );
    let started = std::time::Instant::now();
    let mapping = mapping_for(kind, &table.headers, options);
    for entry in &mapping.bad_user_entries {
        problems.error(1, "", "", entry.clone());
    }
    for field in &mapping.missing_required {
        let spec = kind.fields().iter().find(|s| s.name == *field);
        let looked_for: Vec<String> = spec
            .map(|s| {
                std::iter::once(s.name)
                    .chain(s.aliases.iter().copied())
                    .map(str::to_owned)
                    .chain(elg_aliases(s.name))
                    .collect()
            })
            .unwrap_or_default();
        problems.error(
            1,
            field,
            "",
            format!(
                "required column is missing from the header (looked for: {}); map it in a mapping file",
                looked_for.join(", ")
            ),
        );
    }
    if !mapping.is_complete() {
        return (Vec::new(), problems, Some((table, mapping)));
    }
    table.warn_wide_rows(&mut problems);
    check_date_columns(kind, &table, &mapping, &mut problems);
    if let Some(progress) = options.progress {
        progress.found_rows(table.rows.len());
    }
    let chunks: Vec<(Vec<Lined<T>>, Problems)> = table
        .rows
        .par_chunks(ROWS_PER_CHUNK)
        .map(|rows| {
            let mut problems = Problems::new(file);
            let mut records = Vec::with_capacity(rows.len());
            for row in rows {
                let n_errors_before = problems.n_errors();
                let cells = Cells {
                    row,
                    mapping: &mapping,
                };
                let record = build(&cells, &mut problems);
                if let Some(record) = record {
                    if problems.n_errors() == n_errors_before {
                        records.push(Lined {
                            line: row.line,
                            record,
                        });
                    }
                }
            }
            if let Some(progress) = options.progress {
                progress.checked_rows(rows.len());
            }
            (records, problems)
        })
        .collect();
    let mut records = Vec::with_capacity(table.rows.len());
    for (mut chunk, chunk_problems) in chunks {
        records.append(&mut chunk);
        problems.absorb(chunk_problems);
    }
    tracing::debug!(
        file,
        records = records.len(),
        ms = started.elapsed().as_millis(),
        "rows checked"
    );
    (records, problems, Some((table, mapping)))
}

/// Date fields whose columns are checked for US month/day/year order.
const DATE_FIELDS: &[&str] = &[
    "date_of_birth",
    "admission_date",
    "leaving_date",
    "date",
    "assessed_on",
];

fn check_date_columns(kind: ImportKind, table: &Table, mapping: &ColumnMapping, p: &mut Problems) {
    for spec in kind
        .fields()
        .iter()
        .filter(|s| DATE_FIELDS.contains(&s.name))
    {
        let Some(col) = mapping.column(spec.name) else {
            continue;
        };
        if let Some(row) = table
            .rows
            .iter()
            .find(|r| cells::looks_us_ordered(r.get(col)))
        {
            p.error(
                1,
                table.header(col),
                "",
                format!(
                    "dates are in US month/day/year order (line {} has {:?}), so no date in this column can be trusted; export dates as DD/MM/YYYY",
                    row.line,
                    row.get(col)
                ),
            );
        }
    }
}

/// Reports every repeat of a key, naming both lines.
fn report_duplicates<'r, T, K: Eq + Hash>(
    records: &'r [Lined<T>],
    p: &mut Problems,
    key: impl Fn(&'r T) -> K,
    describe: impl Fn(&T, u64, u64) -> (String, String, String),
) -> HashSet<u64> {
    // Keys borrow from the records, so checking a million rows allocates nothing per row.
    let started = std::time::Instant::now();
    let mut first_line: FxHashMap<K, u64> =
        FxHashMap::with_capacity_and_hasher(records.len(), Default::default());
    let mut repeated: HashSet<u64> = HashSet::new();
    for lined in records {
        match first_line.entry(key(&lined.record)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let first = *first.get();
                let (column, value, rule) = describe(&lined.record, first, lined.line);
                p.error(lined.line, &column, &value, rule);
                repeated.insert(first);
                repeated.insert(lined.line);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(lined.line);
            }
        }
    }
    tracing::debug!(
        records = records.len(),
        ms = started.elapsed().as_millis(),
        "repeated keys checked"
    );
    repeated
}

/// The records whose lines are not in `lines` (those [`report_duplicates`] reported).
fn without_lines<T>(records: Vec<Lined<T>>, lines: &HashSet<u64>) -> Vec<T> {
    records
        .into_iter()
        .filter(|l| !lines.contains(&l.line))
        .map(|l| l.record)
        .collect()
}

/// Reports each UPN that appears on more than one row, comparing the cells as written (so a
/// repeated UPN is reported even when its check letter is also wrong). Returns every line
/// involved, whose records are then dropped.
fn report_repeated_upns(tm: Option<&(Table, ColumnMapping)>, p: &mut Problems) -> HashSet<u64> {
    let Some((table, mapping)) = tm else {
        return HashSet::new();
    };
    let Some(col) = mapping.column("upn") else {
        return HashSet::new();
    };
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut involved = HashSet::new();
    for row in &table.rows {
        let key = row.get(col).to_ascii_uppercase();
        if key.is_empty() {
            continue;
        }
        match first_line.get(&key) {
            Some(&first) => {
                p.error(
                    row.line,
                    table.header(col),
                    row.get(col),
                    format!("appears twice: lines {first} and {}", row.line),
                );
                involved.insert(first);
                involved.insert(row.line);
            }
            None => {
                first_line.insert(key, row.line);
            }
        }
    }
    involved
}

fn header_of(table_mapping: Option<&(Table, ColumnMapping)>, field: &str) -> String {
    table_mapping
        .and_then(|(_, m)| m.header(field))
        .unwrap_or(field)
        .to_owned()
}

/// A pupil, with their enrolment and characteristics when the file has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilImport {
    pub pupil: Pupil,
    /// The UPN the pupil had before, from a "Former UPN" column (the CTF's `FormerUPN`).
    pub former_upn: Option<Upn>,
    /// Present when the file has an NC year and the URN and academic year are known (from
    /// columns or the import context). Starts on the admission date, or else on the first
    /// day of the academic year.
    pub enrolment: Option<Enrolment>,
    /// Present when the file has an FSM or SEN column and the academic year and term are
    /// known.
    pub characteristics: Option<Characteristics>,
}

/// Whether a first-language code means English as an additional language: ENG and ENB
/// (believed English) are English; NOT (not obtained) and REF (refused) are unknown, counted
/// as not EAL. Source: DfE school census guide, "first language" codes.
fn eal_from_language(code: &str) -> bool {
    !matches!(
        code.trim().to_ascii_uppercase().as_str(),
        "" | "ENG" | "ENB" | "ENGLISH" | "NOT" | "REF"
    )
}

/// Characteristics from the cells of one row. Flags left empty mean "no", as MIS exports
/// write them; an empty SEN cell means no SEN (N).
fn characteristics_of(
    c: &Cells<'_>,
    p: &mut Problems,
    upn: &Upn,
    academic_year: AcademicYear,
    term: Term,
) -> Option<Characteristics> {
    let flag =
        |p: &mut Problems, field: &str| c.opt(p, field, cells::flag).map(Option::unwrap_or_default);
    let fsm = flag(p, "fsm");
    let looked_after = flag(p, "looked_after");
    let disadvantaged = c.opt(p, "disadvantaged", cells::flag);
    let eal = if c.has("eal") {
        flag(p, "eal")
    } else {
        Ok(eal_from_language(c.raw("first_language")))
    };
    let sen = c
        .opt(p, "sen", cells::sen)
        .map(|s| s.unwrap_or(SenProvision::None));
    let (Ok(fsm), Ok(looked_after), Ok(disadvantaged), Ok(eal), Ok(sen)) =
        (fsm, looked_after, disadvantaged, eal, sen)
    else {
        return None;
    };
    let text = |field: &str| {
        let v = c.raw(field);
        (!v.is_empty()).then(|| v.to_ascii_uppercase())
    };
    Some(Characteristics {
        upn: upn.clone(),
        academic_year,
        term,
        // Without an FSM6 column, current FSM or looked after is the best available; a
        // warning says so (DfE KS4 guidance: disadvantaged is FSM6, CLA or adopted from care).
        disadvantaged: disadvantaged.unwrap_or(fsm || looked_after),
        fsm,
        looked_after,
        sen,
        sen_need: text("sen_need").filter(|_| sen != SenProvision::None),
        eal,
        ethnicity: text("ethnicity"),
    })
}

fn warn_no_disadvantaged(mapping: Option<&(Table, ColumnMapping)>, p: &mut Problems) {
    if let Some((_, m)) = mapping {
        if m.column("disadvantaged").is_none() && m.column("fsm").is_some() {
            p.warn(
                1,
                "",
                "",
                "no disadvantaged (FSM6) column: disadvantaged is set from current FSM and looked-after status, which undercounts pupils eligible in the last six years",
            );
        }
    }
}

/// Parses a pupil list: UPN, names, date of birth and sex, plus NC year (giving an
/// enrolment) and characteristics when present. The same UPN twice is an error naming both
/// lines.
pub fn parse_pupils(file: &str, bytes: &[u8], options: &MisOptions<'_>) -> Parsed<PupilImport> {
    let context = options.context;
    // Set from rows built in parallel.
    let enrolment_made = AtomicBool::new(false);
    let characteristics_made = AtomicBool::new(false);
    let (records, mut p, tm) = run(ImportKind::Pupils, file, bytes, options, |c, p| {
        let upn = c.upn(p);
        let surname = c.req(p, "surname", |v| Ok(v.to_owned()));
        let forename = c.req(p, "forename", |v| Ok(v.to_owned()));
        let date_of_birth = c.req(p, "date_of_birth", cells::date);
        let sex = c.req(p, "sex", cells::sex);
        let nc_year = c.opt(p, "nc_year", cells::nc_year);
        let urn = c.or_context(p, "urn", context.urn, cells::urn);
        let academic_year = c.academic_year(p, &context);
        let term = c.or_context(p, "term", context.term, |v| {
            Term::parse(v).map_err(|e| format!("is not a term; expected one of: {}", e.expected))
        });
        let former_upn = c.opt(p, "former_upn", cells::upn);
        let admitted = c.opt(p, "admission_date", cells::date);
        let left = c.opt(p, "leaving_date", cells::date);
        let upn = upn?;
        let enrolment = match (nc_year, urn, academic_year, admitted, left) {
            (Ok(Some(nc_year)), Some(urn), Some(academic_year), Ok(admitted), Ok(left_on)) => {
                enrolment_made.store(true, Ordering::Relaxed);
                Some(Enrolment {
                    upn: upn.clone(),
                    urn,
                    academic_year,
                    nc_year,
                    started_on: admitted.unwrap_or_else(|| academic_year.first_day()),
                    left_on,
                })
            }
            _ => None,
        };
        let has_characteristics = c.has("fsm") || c.has("sen");
        let characteristics = match (has_characteristics, academic_year, term) {
            (true, Some(year), Some(term)) => {
                characteristics_made.store(true, Ordering::Relaxed);
                characteristics_of(c, p, &upn, year, term)
            }
            _ => None,
        };
        // A former UPN the same as the current one says nothing.
        let former_upn = former_upn.ok()?.filter(|f| *f != upn);
        Some(PupilImport {
            former_upn,
            pupil: Pupil {
                upn,
                forename: forename?,
                surname: surname?,
                date_of_birth: date_of_birth?,
                sex: sex?,
            },
            enrolment,
            characteristics,
        })
    });
    let enrolment_ok = enrolment_made.into_inner();
    let characteristics_ok = characteristics_made.into_inner();
    if let Some((_, m)) = &tm {
        if m.column("nc_year").is_some() && !enrolment_ok && !records.is_empty() {
            p.warn(1, m.header("nc_year").unwrap_or("nc_year"), "", "NC years were read but no enrolments made: give the school URN and academic year (columns or import options)");
        }
        if (m.column("fsm").is_some() || m.column("sen").is_some())
            && !characteristics_ok
            && !records.is_empty()
        {
            p.warn(1, "", "", "FSM and SEN were read but no characteristics made: give the academic year and census term (columns or import options)");
        }
        if characteristics_ok {
            warn_no_disadvantaged(tm.as_ref(), &mut p);
        }
    }
    let repeated = report_repeated_upns(tm.as_ref(), &mut p);
    let records = records
        .into_iter()
        .filter(|l| !repeated.contains(&l.line))
        .map(|l| l.record)
        .collect();
    p.finish(records)
}

fn term_of(v: &str) -> Result<Term, String> {
    Term::parse(v).map_err(|e| format!("is not a term; expected one of: {}", e.expected))
}

/// Parses termly characteristics: UPN, FSM, SEN provision, and optionally disadvantaged
/// (FSM6), looked after, SEN need, EAL or first language, ethnicity.
pub fn parse_characteristics(
    file: &str,
    bytes: &[u8],
    options: &MisOptions<'_>,
) -> Parsed<Characteristics> {
    let context = options.context;
    let (records, mut p, tm) = run(ImportKind::Characteristics, file, bytes, options, |c, p| {
        let upn = c.upn(p);
        let year = c.academic_year(p, &context);
        let term = c.or_context(p, "term", context.term, term_of);
        if c.raw("fsm").is_empty() {
            c.error(p, "fsm", "is required");
        }
        characteristics_of(c, p, &upn?, year?, term?)
    });
    warn_no_disadvantaged(tm.as_ref(), &mut p);
    let column = header_of(tm.as_ref(), "upn");
    let repeated = report_duplicates(
        &records,
        &mut p,
        |r| (&r.upn, r.academic_year, r.term),
        |r, first, line| {
            (
                column.clone(),
                r.upn.to_string(),
                format!(
                    "has two rows for {} {}: lines {first} and {line}",
                    r.term, r.academic_year
                ),
            )
        },
    );
    let records = without_lines(records, &repeated);
    p.finish(records)
}

/// Parses KS2 results: reading and maths scaled scores (or codes), writing TA, and GPS
/// when present.
pub fn parse_ks2_results(file: &str, bytes: &[u8], options: &MisOptions<'_>) -> Parsed<Ks2Result> {
    let context = options.context;
    let (records, mut p, tm) = run(ImportKind::Ks2Results, file, bytes, options, |c, p| {
        let upn = c.upn(p);
        let academic_year = c.academic_year(p, &context);
        let reading = c.req(p, "reading", |v| {
            Ks2TestOutcome::parse(v).map_err(String::from)
        });
        let maths = c.req(p, "maths", |v| {
            Ks2TestOutcome::parse(v).map_err(String::from)
        });
        let gps = c
            .opt(p, "gps", |v| Ks2TestOutcome::parse(v).map_err(String::from))
            .ok()?;
        let writing = c.req(p, "writing_ta", |v| {
            WritingTa::parse(v).map_err(String::from)
        });
        Some(Ks2Result {
            upn: upn?,
            academic_year,
            reading: reading?,
            maths: maths?,
            gps,
            writing: writing?,
        })
    });
    let column = header_of(tm.as_ref(), "upn");
    let repeated = report_duplicates(
        &records,
        &mut p,
        |r| &r.upn,
        |r, first, line| {
            (
                column.clone(),
                r.upn.to_string(),
                format!("appears twice: lines {first} and {line}"),
            )
        },
    );
    let records = without_lines(records, &repeated);
    p.finish(records)
}

/// An exam date or series as MIS exports write it: a date (`DD/MM/YYYY`, `YYYY-MM-DD`) or a
/// series such as `June 2024`, `Nov 2023` or `Summer 2024` (taken as its first day; the
/// seasons are the exam series: spring March, summer June, autumn or winter November).
fn exam_series(value: &str) -> Result<chrono::NaiveDate, String> {
    if let Ok(date) = cells::date(value) {
        return Ok(date);
    }
    let err = || {
        "is not an exam date or series: expected a date (DD/MM/YYYY) or a series such as \
         June 2024"
            .to_owned()
    };
    let mut words = value.split_whitespace();
    let (Some(name), Some(year), None) = (words.next(), words.next(), words.next()) else {
        return Err(err());
    };
    let month = match name.to_ascii_lowercase().as_str() {
        "jan" | "january" => 1,
        "feb" | "february" => 2,
        "mar" | "march" | "spring" => 3,
        "apr" | "april" => 4,
        "may" => 5,
        "jun" | "june" | "summer" => 6,
        "jul" | "july" => 7,
        "aug" | "august" => 8,
        "sep" | "sept" | "september" => 9,
        "oct" | "october" => 10,
        "nov" | "november" | "autumn" | "winter" => 11,
        "dec" | "december" => 12,
        _ => return Err(err()),
    };
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (1990..=2100).contains(y))
        .ok_or_else(err)?;
    chrono::NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(err)
}

/// Parses KS4 results, canonical columns `upn,urn,subject,grade`. Subjects must be in
/// `catalogue`; combined science (a double award) takes grades 9-9 to 1-1 and other subjects
/// single grades. The same subject twice for one pupil is an error naming both lines.
pub fn parse_ks4_results(
    file: &str,
    bytes: &[u8],
    options: &MisOptions<'_>,
    catalogue: &SubjectCatalogue,
) -> Parsed<Ks4ResultRow> {
    let context = options.context;
    let (records, mut p, tm) = run(ImportKind::Ks4Results, file, bytes, options, |c, p| {
        let upn = c.upn(p);
        let urn = c.or_context(p, "urn", context.urn, cells::urn);
        // A result's year is the year it was achieved: an early entry in year 10 is stored in
        // that year, so the refresh can count a pupil's first entry (measures.md §1.3). The
        // exam date gives it when the file has one; a year column that disagrees is an error,
        // never a guess.
        let exam_year = c
            .opt(p, "exam_date", exam_series)
            .map(|d| d.map(AcademicYear::containing));
        let academic_year = match exam_year {
            Ok(Some(exam_year)) if c.has("academic_year") => {
                let given = c
                    .opt(p, "academic_year", cells::academic_year)
                    .ok()
                    .flatten();
                if given.is_some_and(|given| given != exam_year) {
                    c.error(
                        p,
                        "academic_year",
                        format!(
                            "disagrees with the exam date {:?}, which falls in {exam_year}; \
                             give the year the result was achieved, or leave it blank",
                            c.raw("exam_date")
                        ),
                    );
                    return None;
                }
                Some(exam_year)
            }
            Ok(Some(exam_year)) => Some(exam_year),
            Ok(None) => c.academic_year(p, &context),
            Err(()) => None,
        };
        let subject = c.req(p, "subject", |v| {
            catalogue.find(v).ok_or_else(|| {
                "is not in the KS4 subject catalogue; check the spelling, or add it to an extended catalogue".to_owned()
            })
        });
        let grade = c.req(p, "grade", |v| Ks4Grade::parse(v).map_err(String::from));
        let (subject, grade) = (subject?, grade?);
        if subject.double_award && matches!(grade, Ks4Grade::Single(_)) {
            c.error(
                p,
                "grade",
                format!(
                    "is a single grade, but {} is a double award graded 9-9 to 1-1",
                    subject.name
                ),
            );
            return None;
        }
        if !subject.double_award && grade.is_double() {
            c.error(
                p,
                "grade",
                format!(
                    "is a double-award grade, but {} takes a single grade 9 to 1",
                    subject.name
                ),
            );
            return None;
        }
        Some(Ks4ResultRow {
            upn: upn?,
            urn: urn?,
            subject: subject.name.clone(),
            grade,
            academic_year,
        })
    });
    let column = header_of(tm.as_ref(), "subject");
    let repeated = report_duplicates(
        &records,
        &mut p,
        |r| (&r.upn, r.subject.as_str(), r.academic_year),
        |r, first, line| {
            (
                column.clone(),
                r.subject.clone(),
                format!("is repeated for UPN {}: lines {first} and {line}", r.upn),
            )
        },
    );
    let records = without_lines(records, &repeated);
    p.finish(records)
}

fn one_per_pupil<T>(
    records: Vec<Lined<T>>,
    p: &mut Problems,
    tm: Option<&(Table, ColumnMapping)>,
    upn_of: impl Fn(&T) -> &Upn,
    year_of: impl Fn(&T) -> AcademicYear,
) -> Vec<T> {
    let column = header_of(tm, "upn");
    let repeated = report_duplicates(
        &records,
        p,
        |r| (upn_of(r), year_of(r)),
        |r, first, line| {
            (
                column.clone(),
                upn_of(r).to_string(),
                format!("appears twice: lines {first} and {line}"),
            )
        },
    );
    without_lines(records, &repeated)
}

/// Parses phonics screening check marks (0 to 40, or A, D, L, Q).
pub fn parse_phonics(file: &str, bytes: &[u8], options: &MisOptions<'_>) -> Parsed<PhonicsResult> {
    let context = options.context;
    let (records, mut p, tm) = run(ImportKind::Phonics, file, bytes, options, |c, p| {
        let upn = c.upn(p);
        let academic_year = c.academic_year(p, &context);
        let outcome = c.req(p, "mark", |v| {
            PhonicsOutcome::parse(v).map_err(String::from)
        });
        Some(PhonicsResult {
            upn: upn?,
            academic_year: academic_year?,
            outcome: outcome?,
        })
    });
    let records = one_per_pupil(
        records,
        &mut p,
        tm.as_ref(),
        |r| &r.upn,
        |r| r.academic_year,
    );
    p.finish(records)
}

/// Parses multiplication tables check scores (0 to 25, or an MTC code).
pub fn parse_mtc(file: &str, bytes: &[u8], options: &MisOptions<'_>) -> Parsed<MtcResult> {
    let context = options.context;
    let (records, mut p, tm) = run(ImportKind::Mtc, file, bytes, options, |c, p| {
        let upn = c.upn(p);
        let academic_year = c.academic_year(p, &context);
        let outcome = c.req(p, "score", |v| MtcOutcome::parse(v).map_err(String::from));
        Some(MtcResult {
            upn: upn?,
            academic_year: academic_year?,
            outcome: outcome?,
        })
    });
    let records = one_per_pupil(
        records,
        &mut p,
        tm.as_ref(),
        |r| &r.upn,
        |r| r.academic_year,
    );
    p.finish(records)
}

/// Parses EYFS profile outcomes: one column per early learning goal, Expected or Emerging.
pub fn parse_eyfs(file: &str, bytes: &[u8], options: &MisOptions<'_>) -> Parsed<EyfsResult> {
    let context = options.context;
    let (records, mut p, tm) = run(ImportKind::Eyfs, file, bytes, options, |c, p| {
        let upn = c.upn(p);
        let academic_year = c.academic_year(p, &context);
        let mut goals = Vec::new();
        for (name, _, _) in EARLY_LEARNING_GOALS {
            if let Some(judgement) =
                c.req(p, name, |v| EyfsJudgement::parse(v).map_err(String::from))
            {
                goals.push((name, judgement));
            }
        }
        Some(EyfsResult {
            upn: upn?,
            academic_year: academic_year?,
            goals,
        })
    });
    let records = one_per_pupil(
        records,
        &mut p,
        tm.as_ref(),
        |r| &r.upn,
        |r| r.academic_year,
    );
    p.finish(records)
}

/// Parses attendance register marks, one session per row: UPN, date, AM/PM and a code from
/// the code set in force that day. The same session twice is an error naming both lines.
pub fn parse_attendance_marks(
    file: &str,
    bytes: &[u8],
    options: &MisOptions<'_>,
) -> Parsed<AttendanceMark> {
    let codes = AttendanceCodeSet::standard();
    let (records, mut p, tm) = run(ImportKind::AttendanceMarks, file, bytes, options, |c, p| {
        let upn = c.upn(p);
        let date = c.req(p, "date", cells::date);
        let session = c.req(p, "session", |v| Session::parse(v).map_err(String::from));
        // The code set depends on the date: codes withdrawn in August 2024 are still
        // valid for earlier sessions.
        let date = date?;
        let code = c.req(p, "code", |v| codes.lookup(v, date));
        Some(AttendanceMark {
            upn: upn?,
            date,
            session: session?,
            code: code?,
        })
    });
    let column = header_of(tm.as_ref(), "upn");
    let repeated = report_duplicates(
        &records,
        &mut p,
        |r| (&r.upn, r.date, r.session),
        |r, first, line| {
            (
                column.clone(),
                r.upn.to_string(),
                format!(
                    "has two marks for the {} session of {}: lines {first} and {line}",
                    if r.session == Session::Am { "AM" } else { "PM" },
                    r.date.format("%d/%m/%Y")
                ),
            )
        },
    );
    let records = without_lines(records, &repeated);
    p.finish(records)
}

/// Parses termly or yearly attendance summaries. Possible sessions should equal attended plus
/// authorised plus unauthorised (as in CTF attendance); a mismatch is a warning, since some
/// MIS count approved activities or not-counted codes differently.
pub fn parse_attendance_summaries(
    file: &str,
    bytes: &[u8],
    options: &MisOptions<'_>,
) -> Parsed<AttendanceSummary> {
    let context = options.context;
    let (records, mut p, tm) = run(
        ImportKind::AttendanceSummaries,
        file,
        bytes,
        options,
        |c, p| {
            let upn = c.upn(p);
            let academic_year = c.academic_year(p, &context);
            let term = c.opt(p, "term", term_of).ok()?.or(context.term);
            let count = |p: &mut Problems, field: &str| {
                c.req(p, field, |v| {
                    cells::int_in(v, 0, 1000).map(|n| u32::try_from(n).unwrap_or(0))
                })
            };
            let possible = count(p, "sessions_possible");
            let attended = count(p, "sessions_attended");
            let authorised = count(p, "sessions_authorised");
            let unauthorised = count(p, "sessions_unauthorised");
            let (possible, attended, authorised, unauthorised) =
                (possible?, attended?, authorised?, unauthorised?);
            if attended + authorised + unauthorised != possible {
                p.warn(
                c.line(),
                c.column("sessions_possible"),
                c.raw("sessions_possible"),
                format!("is not attended + authorised + unauthorised ({attended} + {authorised} + {unauthorised})"),
            );
            }
            Some(AttendanceSummary {
                upn: upn?,
                academic_year: academic_year?,
                term,
                sessions_possible: possible,
                sessions_attended: attended,
                sessions_authorised: authorised,
                sessions_unauthorised: unauthorised,
            })
        },
    );
    let column = header_of(tm.as_ref(), "upn");
    let repeated = report_duplicates(
        &records,
        &mut p,
        |r| (&r.upn, r.academic_year, r.term),
        |r, first, line| {
            (
                column.clone(),
                r.upn.to_string(),
                format!("appears twice for the same period: lines {first} and {line}"),
            )
        },
    );
    let records = without_lines(records, &repeated);
    p.finish(records)
}

/// Parses in-year teacher assessments and predicted grades.
pub fn parse_teacher_assessments(
    file: &str,
    bytes: &[u8],
    options: &MisOptions<'_>,
) -> Parsed<TeacherAssessment> {
    let context = options.context;
    let (records, mut p, tm) = run(
        ImportKind::TeacherAssessments,
        file,
        bytes,
        options,
        |c, p| {
            let upn = c.upn(p);
            let academic_year = if c.has("academic_year") {
                c.opt(p, "academic_year", cells::academic_year)
                    .ok()?
                    .or(context.academic_year)
            } else {
                context.academic_year
            };
            let assessment = c.req(p, "assessment", |v| Ok(v.to_owned()));
            let subject = c.req(p, "subject", |v| Ok(v.to_owned()));
            let result = c.req(p, "result", |v| Ok(v.to_owned()));
            let assessed_on = c.opt(p, "assessed_on", cells::date).ok()?;
            Some(TeacherAssessment {
                upn: upn?,
                academic_year,
                assessment: assessment?,
                subject: subject?,
                result: result?,
                assessed_on,
            })
        },
    );
    let column = header_of(tm.as_ref(), "subject");
    let repeated = report_duplicates(
        &records,
        &mut p,
        |r| (&r.upn, &r.assessment, r.subject.as_str()),
        |r, first, line| {
            (
                column.clone(),
                r.subject.clone(),
                format!(
                    "is repeated for UPN {} in {:?}: lines {first} and {line}",
                    r.upn, r.assessment
                ),
            )
        },
    );
    let records = without_lines(records, &repeated);
    p.finish(records)
}
