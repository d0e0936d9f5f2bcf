//! Imports: validated records from one or more files written in one transaction, with exact
//! counts of rows added, updated and unchanged, and a row in the import log per file.
//!
//! Every table is written the same way, described by a [`Spec`] (its natural key and its
//! other columns):
//! 1. the records become rows of plain values, keyed by natural key (pupils by UPN, or by a
//!    former UPN; schools by URN; results by pupil, year and subject ...);
//! 2. the rows are loaded into a temporary stage table (PostgreSQL `COPY`, SQLite multi-row
//!    `INSERT`s through one cached statement), or, when the table is still empty (a new
//!    database, such as the demo's, or a first import), straight into the table, all added,
//!    with no stage and no compare;
//! 3. one `UPDATE ... FROM` the stage changes the stored rows whose values differ (`IS
//!    DISTINCT FROM`), and one `INSERT ... SELECT ... WHERE NOT EXISTS` adds the new ones; the
//!    counts are the rows each statement changed, and the rest are unchanged.
//!
//! A pupil's records (results, attendance, enrolments ...) skip the stage. On SQLite a
//! multi-row `INSERT ... ON CONFLICT DO UPDATE ... WHERE` a value differs writes them in one
//! pass (see [`upsert_by_values`]), added rows counted by the table's growth. On PostgreSQL
//! the stored records of the import's pupils stream out by `COPY` and are compared in
//! process, and only the changed and new rows are written (see [`upsert_by_reading`]). Pupils' ids are looked
//! up by UPN in one statement per 50,000 UPNs (a JSON array on SQLite, an array parameter on
//! PostgreSQL). Each table's phases are timed in the debug log (`RUST_LOG=cairn_store=debug`).
//!
//! Comparing in SQL rather than reading the stored rows back through the driver is what makes
//! a re-import of a million rows take seconds rather than minutes (docs/benchmarks.md).
//!
//! So re-importing a file changes nothing and reports every row unchanged, and a corrected
//! file updates exactly the rows that changed. Nothing is written unless every file's every
//! row is written: a record naming an unknown school or pupil fails the whole import.
//!
//! SQL is shared between backends except for bulk loads, where PostgreSQL's `COPY` is an
//! order of magnitude faster than multi-row `INSERT` (see [`PgConnection`]'s [`Conn`] impl).

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use cairn_domain::{
    AttendanceMark, AttendanceSummary, Characteristics, Enrolment, EyfsResult, FormerUpn, Group,
    Ks2Result, Ks4ResultRow, Membership, MtcResult, Partnership, PhonicsResult, Pupil, School,
    Succession, TeacherAssessment, Upn, Urn,
};
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use rustc_hash::{FxHashMap, FxHashSet};
use sqlx::{PgConnection, QueryBuilder, SqliteConnection};

use crate::rows::{urn_from_db, urn_to_db, year_to_db};
use crate::{Store, StoreError};

/// What a file held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// A GIAS extract: schools, and trusts with their members.
    Gias,
    Pupils,
    Characteristics,
    Ks2,
    Ks4,
    Phonics,
    Mtc,
    Eyfs,
    AttendanceMarks,
    AttendanceSummaries,
    TeacherAssessments,
    /// A Common Transfer File.
    Ctf,
    /// DfE performance tables, KS4: national benchmarks.
    PerfKs4,
    /// DfE performance tables, KS2: national benchmarks.
    PerfKs2,
    /// DfE performance tables, school census: national schools' context.
    PerfCensus,
    /// DfE performance tables, absence: national benchmarks.
    PerfAbsence,
}

impl ImportKind {
    pub const ALL: [ImportKind; 16] = [
        Self::Gias,
        Self::Pupils,
        Self::Characteristics,
        Self::Ks2,
        Self::Ks4,
        Self::Phonics,
        Self::Mtc,
        Self::Eyfs,
        Self::AttendanceMarks,
        Self::AttendanceSummaries,
        Self::TeacherAssessments,
        Self::Ctf,
        Self::PerfKs4,
        Self::PerfKs2,
        Self::PerfCensus,
        Self::PerfAbsence,
    ];

    /// The stable code stored in the import log and used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Self::Gias => "gias",
            Self::Pupils => "pupils",
            Self::Characteristics => "characteristics",
            Self::Ks2 => "ks2",
            Self::Ks4 => "ks4",
            Self::Phonics => "phonics",
            Self::Mtc => "mtc",
            Self::Eyfs => "eyfs",
            Self::AttendanceMarks => "attendance-marks",
            Self::AttendanceSummaries => "attendance-summaries",
            Self::TeacherAssessments => "teacher-assessments",
            Self::Ctf => "ctf",
            Self::PerfKs4 => "perf-ks4",
            Self::PerfKs2 => "perf-ks2",
            Self::PerfCensus => "perf-census",
            Self::PerfAbsence => "perf-absence",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// One file to import: its validated records and what the log should say about it.
#[derive(Debug, Clone)]
pub struct ImportFile {
    pub kind: ImportKind,
    pub file_name: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The importing user; `None` from the command line.
    pub user_id: Option<i64>,
    pub at: DateTime<Utc>,
    /// The school the file is for, when it is for one.
    pub urn: Option<Urn>,
    /// Rows the parser rejected (recorded, not written).
    pub rejected: u64,
    /// The records: only the fields this kind of file fills are non-empty.
    pub data: Partnership,
}

/// Rows added, updated and unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl ImportCounts {
    pub(crate) fn add(&mut self, other: ImportCounts) {
        self.added += other.added;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }

    pub fn total(&self) -> u64 {
        self.added + self.updated + self.unchanged
    }
}

/// How far an import's writing has got, for a progress bar: rows loaded into the stage so
/// far, and whether it has moved on to comparing and saving them. Read from another thread
/// while the import runs.
#[derive(Debug, Default)]
pub struct ImportProgress {
    rows_staged: AtomicU64,
    merging: AtomicBool,
}

impl ImportProgress {
    pub fn new() -> Self {
        ImportProgress::default()
    }

    /// Rows loaded so far, over every table and file.
    pub fn rows_staged(&self) -> u64 {
        self.rows_staged.load(Ordering::Relaxed)
    }

    /// True while the staged rows are compared with the stored ones and saved.
    pub fn merging(&self) -> bool {
        self.merging.load(Ordering::Relaxed)
    }

    fn staged(&self, n: usize) {
        self.rows_staged
            .fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// The outcome of one file: its log entry and its counts by table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub record: ImportRecord,
    /// `(table, counts)` for each table the file had rows for.
    pub by_table: Vec<(&'static str, ImportCounts)>,
}

/// A row of the import log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub user_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub kind: ImportKind,
    pub file_name: String,
    pub sha256: String,
    pub counts: ImportCounts,
    pub rejected: u64,
    pub urn: Option<Urn>,
    /// Counted but not written.
    pub dry_run: bool,
}

impl Store {
    /// Writes the files' records in one transaction, file by file in order, and logs each
    /// file. All or nothing: any failure (an unknown school or pupil, a broken constraint)
    /// writes nothing at all.
    ///
    /// With `dry_run`, the same writes are made and counted, then rolled back; only the log
    /// entries (marked as dry runs) are kept.
    pub async fn import(
        &self,
        files: &[ImportFile],
        dry_run: bool,
    ) -> Result<Vec<ImportOutcome>, StoreError> {
        self.import_with_progress(files, dry_run, None).await
    }

    /// [`Store::import`], counting rows written into `progress` as it goes.
    #[tracing::instrument(skip_all, fields(n_files = files.len(), dry_run))]
    pub async fn import_with_progress(
        &self,
        files: &[ImportFile],
        dry_run: bool,
        progress: Option<&ImportProgress>,
    ) -> Result<Vec<ImportOutcome>, StoreError> {
        crate::on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut counted = Vec::with_capacity(files.len());
            for file in files {
                counted.push(write_file(&mut *tx, RecordSet::from(&file.data), progress).await?);
            }
            if dry_run {
                tx.rollback().await?;
                tx = pool.begin().await?;
            }
            let mut outcomes = Vec::with_capacity(files.len());
            for (file, by_table) in files.iter().zip(counted) {
                let mut counts = ImportCounts::default();
                for (_, c) in &by_table {
                    counts.add(*c);
                }
                let record = tx.log_import(file, counts, dry_run).await?;
                outcomes.push(ImportOutcome { record, by_table });
            }
            let started = Instant::now();
            tx.commit().await?;
            tracing::debug!(commit_ms = ms(started), "import committed");
            Ok(outcomes)
        })
    }

    /// The UPNs of `upns` that are no pupil's, current or former: records naming them cannot
    /// be written. Checked before an import, so each can be reported at its line in the file.
    pub async fn unknown_pupils(&self, upns: &BTreeSet<Upn>) -> Result<BTreeSet<Upn>, StoreError> {
        if upns.is_empty() {
            return Ok(BTreeSet::new());
        }
        let wanted: FxHashSet<&str> = upns.iter().map(Upn::as_str).collect();
        let found = crate::on_pool!(self, pool => {
            let mut conn = pool.acquire().await?;
            conn.find_pupils(&wanted).await?
        });
        Ok(upns
            .iter()
            .filter(|upn| !found.contains_key(upn.as_str()))
            .cloned()
            .collect())
    }

    /// The import log, newest first.
    pub async fn imports(&self) -> Result<Vec<ImportRecord>, StoreError> {
        let rows: Vec<ImportRow> = crate::on_pool!(self, pool => {
            sqlx::query_as(&format!("SELECT {IMPORT_COLUMNS} FROM imports ORDER BY id DESC"))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(ImportRecord::try_from).collect()
    }
}

const IMPORT_COLUMNS: &str = "id, user_id, at, kind, file_name, sha256, rows_added, \
    rows_updated, rows_unchanged, rows_rejected, urn, dry_run";

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: i64,
    user_id: Option<i64>,
    at: DateTime<Utc>,
    kind: String,
    file_name: String,
    sha256: String,
    rows_added: i64,
    rows_updated: i64,
    rows_unchanged: i64,
    rows_rejected: i64,
    urn: Option<i64>,
    dry_run: bool,
}

impl TryFrom<ImportRow> for ImportRecord {
    type Error = StoreError;
    fn try_from(row: ImportRow) -> Result<Self, StoreError> {
        let count = |n: i64| u64::try_from(n).map_err(|_| StoreError::corrupt("row count", &n));
        Ok(ImportRecord {
            id: row.id,
            user_id: row.user_id,
            at: row.at,
            kind: ImportKind::parse(&row.kind)
                .ok_or_else(|| StoreError::corrupt("import kind", &row.kind))?,
            file_name: row.file_name,
            sha256: row.sha256,
            counts: ImportCounts {
                added: count(row.rows_added)?,
                updated: count(row.rows_updated)?,
                unchanged: count(row.rows_unchanged)?,
            },
            rejected: count(row.rows_rejected)?,
            urn: row.urn.map(urn_from_db).transpose()?,
            dry_run: row.dry_run,
        })
    }
}

/// Milliseconds since `started`, for the timing logs at debug level.
fn ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn to_db_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

// ---------------------------------------------------------------------------------------
// Rows as plain values, and the tables they go to.

/// A column's SQL type, as bound and decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Int,
    Text,
    Date,
    Bool,
    /// A float, held in [`Val::Real`] by its bits so rows can be compared and hashed; stored
    /// floats come back bit for bit on both backends.
    Real,
}

/// Ordered (by variant, then value) only so a batch can be checked for keys in increasing
/// order; the order means nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
    /// `f64::to_bits`.
    Real(u64),
}

impl Val {
    pub(crate) fn text(s: impl Into<String>) -> Val {
        Val::Text(s.into())
    }

    /// A float; −0 is stored as 0, because SQLite keeps a whole-number REAL as an integer and
    /// reads back 0, which would make an unchanged row look changed.
    pub(crate) fn real(x: f64) -> Val {
        Val::Real(if x == 0.0 { 0.0f64 } else { x }.to_bits())
    }

    pub(crate) fn opt<T>(value: Option<T>, f: impl FnOnce(T) -> Val) -> Val {
        value.map_or(Val::Null, f)
    }
}

#[derive(Debug)]
pub(crate) struct Col {
    name: &'static str,
    ty: Ty,
    /// Part of a key that may be unknown: matched with COALESCE, as the unique index is.
    nullable_key: bool,
}

pub(crate) const fn col(name: &'static str, ty: Ty) -> Col {
    Col {
        name,
        ty,
        nullable_key: false,
    }
}

const fn nullable_key(name: &'static str, ty: Ty) -> Col {
    Col {
        name,
        ty,
        nullable_key: true,
    }
}

/// A table as the import writes it: natural key columns (the first one selects the stored
/// rows to compare with) and the other columns.
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) table: &'static str,
    pub(crate) keys: &'static [Col],
    pub(crate) values: &'static [Col],
}

impl Spec {
    fn columns(&self) -> impl Iterator<Item = &Col> {
        self.keys.iter().chain(self.values)
    }

    fn column_list(&self) -> String {
        self.columns()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A pupil's records (results, attendance, enrolments ...), keyed by pupil first. Their
    /// key is their table's one unique index, so no row can conflict on another constraint
    /// and rows may be written in any order, which the backends' one-pass writes rely on.
    /// Schools, groups and pupils have second unique keys (LAESTAB, UPN); their updates must
    /// all come before their inserts, as the stage does it.
    fn is_pupil_record(&self) -> bool {
        self.keys.first().is_some_and(|k| k.name == "pupil_id")
    }

    fn n_columns(&self) -> usize {
        self.keys.len() + self.values.len()
    }

    /// Rows per multi-row statement: under SQLite's 32,766 bound parameters.
    fn rows_per_statement(&self) -> usize {
        (30_000 / self.n_columns()).min(5_000)
    }
}

use Ty::{Bool, Date, Int, Text};

const SCHOOLS: Spec = Spec {
    table: "schools",
    keys: &[col("urn", Int)],
    values: &[
        col("laestab", Int),
        col("name", Text),
        col("phase", Text),
        col("school_type", Text),
        col("religious_character", Text),
        col("age_low", Int),
        col("age_high", Int),
    ],
};
/// A predecessor replaced by a successor under a new URN (GIAS links file).
const SUCCESSIONS: Spec = Spec {
    table: "school_successions",
    keys: &[col("predecessor_urn", Int), col("successor_urn", Int)],
    values: &[col("link_type", Text), col("established_on", Date)],
};
const GROUPS: Spec = Spec {
    table: "groups",
    keys: &[col("code", Text)],
    values: &[col("name", Text), col("kind", Text)],
};
const MEMBERSHIPS: Spec = Spec {
    table: "memberships",
    keys: &[
        col("group_code", Text),
        col("urn", Int),
        col("joined_on", Date),
    ],
    values: &[col("left_on", Date), col("sharing", Text)],
};
const PUPILS: Spec = Spec {
    table: "pupils",
    keys: &[col("upn", Text)],
    values: &[
        col("forename", Text),
        col("surname", Text),
        col("date_of_birth", Date),
        col("sex", Text),
    ],
};
/// A former UPN and the pupil it now belongs to.
const FORMER_UPNS: Spec = Spec {
    table: "pupil_former_upns",
    keys: &[col("upn", Text)],
    values: &[col("pupil_id", Int)],
};
const ENROLMENTS: Spec = Spec {
    table: "enrolments",
    keys: &[
        col("pupil_id", Int),
        col("urn", Int),
        col("academic_year", Int),
    ],
    values: &[
        col("nc_year", Int),
        col("started_on", Date),
        col("left_on", Date),
    ],
};
const CHARACTERISTICS: Spec = Spec {
    table: "characteristics",
    keys: &[
        col("pupil_id", Int),
        col("academic_year", Int),
        col("term", Text),
    ],
    values: &[
        col("disadvantaged", Bool),
        col("fsm", Bool),
        col("looked_after", Bool),
        col("sen", Text),
        col("sen_need", Text),
        col("eal", Bool),
        col("ethnicity", Text),
    ],
};
const KS2: Spec = Spec {
    table: "ks2_results",
    keys: &[col("pupil_id", Int), nullable_key("academic_year", Int)],
    values: &[
        col("reading", Text),
        col("maths", Text),
        col("gps", Text),
        col("writing", Text),
    ],
};
const KS4: Spec = Spec {
    table: "ks4_results",
    keys: &[
        col("pupil_id", Int),
        nullable_key("academic_year", Int),
        col("subject", Text),
    ],
    values: &[col("urn", Int), col("grade", Text)],
};
const PHONICS: Spec = Spec {
    table: "phonics_results",
    keys: &[col("pupil_id", Int), col("academic_year", Int)],
    values: &[col("outcome", Text)],
};
const MTC: Spec = Spec {
    table: "mtc_results",
    keys: &[col("pupil_id", Int), col("academic_year", Int)],
    values: &[col("outcome", Text)],
};
const EYFS: Spec = Spec {
    table: "eyfs_results",
    keys: &[
        col("pupil_id", Int),
        col("academic_year", Int),
        col("goal", Text),
    ],
    values: &[col("judgement", Text)],
};
const MARKS: Spec = Spec {
    table: "attendance_marks",
    keys: &[
        col("pupil_id", Int),
        col("date", Date),
        col("session", Text),
    ],
    values: &[col("code", Text)],
};
const SUMMARIES: Spec = Spec {
    table: "attendance_summaries",
    keys: &[
        col("pupil_id", Int),
        col("academic_year", Int),
        nullable_key("term", Text),
    ],
    values: &[
        col("sessions_possible", Int),
        col("sessions_attended", Int),
        col("sessions_authorised", Int),
        col("sessions_unauthorised", Int),
    ],
};
const TEACHER_ASSESSMENTS: Spec = Spec {
    table: "teacher_assessments",
    keys: &[
        col("pupil_id", Int),
        nullable_key("academic_year", Int),
        col("assessment", Text),
        col("subject", Text),
    ],
    values: &[col("result", Text), col("assessed_on", Date)],
};

/// A row: natural key, then the other columns.
pub(crate) type Row = (Vec<Val>, Vec<Val>);

pub(crate) fn urn_val(urn: Urn) -> Val {
    Val::Int(urn_to_db(urn))
}

pub(crate) fn year_val(year: cairn_domain::AcademicYear) -> Val {
    Val::Int(year_to_db(year))
}

pub(crate) fn small(n: impl Into<i64>) -> Val {
    Val::Int(n.into())
}

/// The records one write covers, borrowed: a file's whole [`Partnership`], or only some of a
/// partnership's tables, without copying the rest (the demo has millions of marks).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordSet<'a> {
    pub(crate) schools: &'a [School],
    pub(crate) groups: &'a [Group],
    pub(crate) memberships: &'a [Membership],
    pub(crate) pupils: &'a [Pupil],
    pub(crate) enrolments: &'a [Enrolment],
    pub(crate) characteristics: &'a [Characteristics],
    pub(crate) ks2_results: &'a [Ks2Result],
    pub(crate) ks4_results: &'a [Ks4ResultRow],
    pub(crate) phonics_results: &'a [PhonicsResult],
    pub(crate) mtc_results: &'a [MtcResult],
    pub(crate) eyfs_results: &'a [EyfsResult],
    pub(crate) attendance_marks: &'a [AttendanceMark],
    pub(crate) attendance_summaries: &'a [AttendanceSummary],
    pub(crate) teacher_assessments: &'a [TeacherAssessment],
    pub(crate) former_upns: &'a [FormerUpn],
    pub(crate) successions: &'a [Succession],
}

impl<'a> From<&'a Partnership> for RecordSet<'a> {
    fn from(p: &'a Partnership) -> Self {
        RecordSet {
            schools: &p.schools,
            groups: &p.groups,
            memberships: &p.memberships,
            pupils: &p.pupils,
            enrolments: &p.enrolments,
            characteristics: &p.characteristics,
            ks2_results: &p.ks2_results,
            ks4_results: &p.ks4_results,
            phonics_results: &p.phonics_results,
            mtc_results: &p.mtc_results,
            eyfs_results: &p.eyfs_results,
            attendance_marks: &p.attendance_marks,
            attendance_summaries: &p.attendance_summaries,
            teacher_assessments: &p.teacher_assessments,
            former_upns: &p.former_upns,
            successions: &p.successions,
        }
    }
}

/// Writes records inside the caller's transaction exactly as an import does (new rows
/// inserted, changed rows updated), without logging an import. `Store::load_partnership`
/// writes assessment and attendance records through this, so one piece of code serves both.
pub(crate) async fn write_records<C: Conn>(
    conn: &mut C,
    data: RecordSet<'_>,
) -> Result<Vec<(&'static str, ImportCounts)>, StoreError> {
    write_file(conn, data, None).await
}

/// Writes one file's records, tables in dependency order, and counts by table.
async fn write_file<C: Conn>(
    conn: &mut C,
    data: RecordSet<'_>,
    progress: Option<&ImportProgress>,
) -> Result<Vec<(&'static str, ImportCounts)>, StoreError> {
    let mut by_table = Vec::new();

    let schools = data.schools.iter().map(|s| {
        (
            vec![urn_val(s.urn)],
            vec![
                small(s.laestab.get()),
                Val::text(s.name.as_str()),
                Val::text(s.phase.code()),
                Val::text(s.school_type.code()),
                Val::opt(s.religious_character.clone(), Val::Text),
                small(s.age_low),
                small(s.age_high),
            ],
        )
    });
    write_observed(
        conn,
        &SCHOOLS,
        built(&SCHOOLS, schools),
        &mut by_table,
        progress,
    )
    .await?;
    let successions = data.successions.iter().map(|s| {
        (
            vec![urn_val(s.predecessor), urn_val(s.successor)],
            vec![
                Val::text(s.link_type.as_str()),
                Val::opt(s.established_on, Val::Date),
            ],
        )
    });
    write_observed(
        conn,
        &SUCCESSIONS,
        built(&SUCCESSIONS, successions),
        &mut by_table,
        progress,
    )
    .await?;
    let groups = data.groups.iter().map(|g| {
        (
            vec![Val::text(g.code.as_str())],
            vec![Val::text(g.name.as_str()), Val::text(g.kind.code())],
        )
    });
    write_observed(
        conn,
        &GROUPS,
        built(&GROUPS, groups),
        &mut by_table,
        progress,
    )
    .await?;

    // Every school named below must exist, now that this file's own schools are written.
    let urns: FxHashSet<Urn> =
        cairn_domain::urns_placed(data.memberships, data.enrolments, data.ks4_results).collect();
    conn.require_schools(&urns).await?;

    let memberships = data.memberships.iter().map(|m| {
        (
            vec![
                Val::text(m.group_code.as_str()),
                urn_val(m.urn),
                Val::Date(m.joined_on),
            ],
            vec![Val::opt(m.left_on, Val::Date), Val::text(m.sharing.code())],
        )
    });
    write_observed(
        conn,
        &MEMBERSHIPS,
        built(&MEMBERSHIPS, memberships),
        &mut by_table,
        progress,
    )
    .await?;
    let pupils = data.pupils.iter().map(|p| {
        (
            vec![Val::text(p.upn.as_str())],
            vec![
                Val::text(p.forename.as_str()),
                Val::text(p.surname.as_str()),
                Val::Date(p.date_of_birth),
                Val::text(p.sex.code()),
            ],
        )
    });
    adopt_former_upns(conn, data.former_upns).await?;
    write_observed(
        conn,
        &PUPILS,
        built(&PUPILS, pupils),
        &mut by_table,
        progress,
    )
    .await?;
    if !data.former_upns.is_empty() {
        let current: FxHashSet<&Upn> = data.former_upns.iter().map(|f| &f.upn).collect();
        let ids = conn.pupil_ids(&current).await?;
        let rows = data.former_upns.iter().map(|f| {
            let id = ids.get(f.upn.as_str()).copied().unwrap_or_default();
            (vec![Val::text(f.former.as_str())], vec![Val::Int(id)])
        });
        write(conn, &FORMER_UPNS, rows.collect(), &mut by_table).await?;
    }

    // Results are keyed by pupil id: find every UPN's pupil, by current or former UPN.
    let started = Instant::now();
    let upns: FxHashSet<&Upn> = data
        .enrolments
        .iter()
        .map(|r| &r.upn)
        .chain(data.characteristics.iter().map(|r| &r.upn))
        .chain(data.ks2_results.iter().map(|r| &r.upn))
        .chain(data.ks4_results.iter().map(|r| &r.upn))
        .chain(data.phonics_results.iter().map(|r| &r.upn))
        .chain(data.mtc_results.iter().map(|r| &r.upn))
        .chain(data.eyfs_results.iter().map(|r| &r.upn))
        .chain(data.attendance_marks.iter().map(|r| &r.upn))
        .chain(data.attendance_summaries.iter().map(|r| &r.upn))
        .chain(data.teacher_assessments.iter().map(|r| &r.upn))
        .collect();
    if upns.is_empty() {
        return Ok(by_table);
    }
    let ids = conn.pupil_ids(&upns).await?;
    tracing::debug!(upns = upns.len(), ms = ms(started), "pupils found by UPN");
    let id = |upn: &Upn| Val::Int(ids.get(upn.as_str()).copied().unwrap_or_default());

    let rows = data.enrolments.iter().map(|e| {
        (
            vec![id(&e.upn), urn_val(e.urn), year_val(e.academic_year)],
            vec![
                small(e.nc_year.number()),
                Val::Date(e.started_on),
                Val::opt(e.left_on, Val::Date),
            ],
        )
    });
    write_observed(
        conn,
        &ENROLMENTS,
        built(&ENROLMENTS, rows),
        &mut by_table,
        progress,
    )
    .await?;
    let rows = data.characteristics.iter().map(|c| {
        (
            vec![
                id(&c.upn),
                year_val(c.academic_year),
                Val::text(c.term.code()),
            ],
            vec![
                Val::Bool(c.disadvantaged),
                Val::Bool(c.fsm),
                Val::Bool(c.looked_after),
                Val::text(c.sen.code()),
                Val::opt(c.sen_need.clone(), Val::Text),
                Val::Bool(c.eal),
                Val::opt(c.ethnicity.clone(), Val::Text),
            ],
        )
    });
    write_observed(
        conn,
        &CHARACTERISTICS,
        built(&CHARACTERISTICS, rows),
        &mut by_table,
        progress,
    )
    .await?;
    let rows = data.ks2_results.iter().map(|r| {
        (
            vec![id(&r.upn), Val::opt(r.academic_year, year_val)],
            vec![
                Val::Text(r.reading.to_string()),
                Val::Text(r.maths.to_string()),
                Val::opt(r.gps, |g| Val::Text(g.to_string())),
                Val::Text(r.writing.to_string()),
            ],
        )
    });
    write_observed(conn, &KS2, built(&KS2, rows), &mut by_table, progress).await?;
    let rows = data.ks4_results.iter().map(|r| {
        (
            vec![
                id(&r.upn),
                Val::opt(r.academic_year, year_val),
                Val::text(r.subject.as_str()),
            ],
            vec![urn_val(r.urn), Val::Text(r.grade.to_string())],
        )
    });
    write_observed(conn, &KS4, built(&KS4, rows), &mut by_table, progress).await?;
    let rows = data.phonics_results.iter().map(|r| {
        (
            vec![id(&r.upn), year_val(r.academic_year)],
            vec![Val::Text(r.outcome.to_string())],
        )
    });
    write_observed(
        conn,
        &PHONICS,
        built(&PHONICS, rows),
        &mut by_table,
        progress,
    )
    .await?;
    let rows = data.mtc_results.iter().map(|r| {
        (
            vec![id(&r.upn), year_val(r.academic_year)],
            vec![Val::Text(r.outcome.to_string())],
        )
    });
    write_observed(conn, &MTC, built(&MTC, rows), &mut by_table, progress).await?;
    let rows = data.eyfs_results.iter().flat_map(|r| {
        r.goals.iter().map(|(goal, judgement)| {
            (
                vec![id(&r.upn), year_val(r.academic_year), Val::text(*goal)],
                vec![Val::Text(judgement.to_string())],
            )
        })
    });
    write_observed(conn, &EYFS, built(&EYFS, rows), &mut by_table, progress).await?;
    let rows = data.attendance_marks.iter().map(|m| {
        (
            vec![id(&m.upn), Val::Date(m.date), Val::text(m.session.code())],
            vec![Val::text(m.code.as_str())],
        )
    });
    write_observed(conn, &MARKS, built(&MARKS, rows), &mut by_table, progress).await?;
    let rows = data.attendance_summaries.iter().map(|s| {
        (
            vec![
                id(&s.upn),
                year_val(s.academic_year),
                Val::opt(s.term, |t| Val::text(t.code())),
            ],
            vec![
                small(s.sessions_possible),
                small(s.sessions_attended),
                small(s.sessions_authorised),
                small(s.sessions_unauthorised),
            ],
        )
    });
    write_observed(
        conn,
        &SUMMARIES,
        built(&SUMMARIES, rows),
        &mut by_table,
        progress,
    )
    .await?;
    let rows = data.teacher_assessments.iter().map(|t| {
        (
            vec![
                id(&t.upn),
                Val::opt(t.academic_year, year_val),
                Val::text(t.assessment.as_str()),
                Val::text(t.subject.as_str()),
            ],
            vec![
                Val::text(t.result.as_str()),
                Val::opt(t.assessed_on, Val::Date),
            ],
        )
    });
    write_observed(
        conn,
        &TEACHER_ASSESSMENTS,
        built(&TEACHER_ASSESSMENTS, rows),
        &mut by_table,
        progress,
    )
    .await?;
    Ok(by_table)
}

/// Gives a pupil stored under a former UPN its current one before pupils are written, so a
/// pupil who moves school under a new UPN (a CTF's `FormerUPN`) stays one pupil: the stored
/// UPN is kept as a former UPN and every record under it still reaches the pupil. A current
/// and a former UPN that are already two different pupils is a conflict: Cairn does not
/// merge pupils.
async fn adopt_former_upns<C: Conn>(conn: &mut C, links: &[FormerUpn]) -> Result<(), StoreError> {
    if links.is_empty() {
        return Ok(());
    }
    let wanted: FxHashSet<&str> = links
        .iter()
        .flat_map(|l| [l.upn.as_str(), l.former.as_str()])
        .collect();
    let mut ids = conn.find_pupils(&wanted).await?;
    for link in links {
        let current = ids.get(link.upn.as_str()).copied();
        let before = ids.get(link.former.as_str()).copied();
        match (current, before) {
            (Some(a), Some(b)) if a != b => {
                return Err(StoreError::Conflict {
                    constraint: format!(
                        "UPN {} and its former UPN {} are two different pupils already; Cairn does not merge pupils",
                        link.upn, link.former
                    ),
                });
            }
            (None, Some(id)) => {
                conn.rename_pupil(id, &link.upn, &link.former).await?;
                ids.insert(link.upn.as_str().to_owned(), id);
            }
            _ => {}
        }
    }
    Ok(())
}

/// Writes one table's rows, if there are any, and notes its counts.
pub(crate) async fn write<C: Conn>(
    conn: &mut C,
    spec: &'static Spec,
    rows: Vec<Row>,
    by_table: &mut Vec<(&'static str, ImportCounts)>,
) -> Result<(), StoreError> {
    write_observed(conn, spec, rows, by_table, None).await
}

/// Collects a table's rows, timing it for the debug log.
fn built(spec: &Spec, rows: impl Iterator<Item = Row>) -> Vec<Row> {
    let started = Instant::now();
    let rows: Vec<Row> = rows.collect();
    if !rows.is_empty() {
        tracing::debug!(
            table = spec.table,
            rows = rows.len(),
            ms = ms(started),
            "rows built"
        );
    }
    rows
}

/// [`write()`], counting rows into `progress`.
async fn write_observed<C: Conn>(
    conn: &mut C,
    spec: &'static Spec,
    rows: Vec<Row>,
    by_table: &mut Vec<(&'static str, ImportCounts)>,
    progress: Option<&ImportProgress>,
) -> Result<(), StoreError> {
    if !rows.is_empty() {
        let counts = write_table(conn, spec, &rows, progress).await?;
        by_table.push((spec.table, counts));
    }
    Ok(())
}

/// Compares the rows with those stored under the same keys, then inserts the new ones and
/// updates the changed ones: straight into an empty table, by the backend's
/// [`Conn::upsert_rows`] for a pupil's records, otherwise in SQL through a stage table. The
/// same key twice in one batch counts once, the last wins.
async fn write_table<C: Conn>(
    conn: &mut C,
    spec: &'static Spec,
    rows: &[Row],
    progress: Option<&ImportProgress>,
) -> Result<ImportCounts, StoreError> {
    let started = Instant::now();
    let (latest, index) = latest_by_key(spec, rows);
    let dedupe_ms = ms(started);
    let total = u64::try_from(latest.len()).unwrap_or(u64::MAX);
    if let Some(progress) = progress {
        progress.merging.store(false, Ordering::Relaxed);
    }
    let started = Instant::now();
    if !conn.has_rows(spec).await? {
        // Nothing stored to compare with (a new database, a first import): every row is new,
        // so the rows go straight into the table, with no stage and no compare.
        conn.insert_rows(spec, &latest, progress).await?;
        tracing::debug!(
            table = spec.table,
            rows = latest.len(),
            dedupe_ms,
            insert_ms = ms(started),
            "table written into an empty table"
        );
        return Ok(ImportCounts {
            added: total,
            updated: 0,
            unchanged: 0,
        });
    }
    if let Some((added, updated)) = conn.upsert_rows(spec, &latest, index, progress).await? {
        tracing::debug!(
            table = spec.table,
            rows = latest.len(),
            dedupe_ms,
            upsert_ms = ms(started),
            added,
            updated,
            "table written"
        );
        return Ok(ImportCounts {
            added,
            updated,
            unchanged: total.saturating_sub(added + updated),
        });
    }
    let started = Instant::now();
    conn.stage_rows(spec, &latest, progress).await?;
    let stage_ms = ms(started);
    if let Some(progress) = progress {
        progress.merging.store(true, Ordering::Relaxed);
    }
    // A table of nothing but its key has no values that could differ.
    let started = Instant::now();
    let updated = if spec.values.is_empty() {
        0
    } else {
        conn.execute_sql(&update_sql(spec)).await?
    };
    let update_ms = ms(started);
    let started = Instant::now();
    let added = conn.execute_sql(&insert_sql(spec)).await?;
    let insert_ms = ms(started);
    conn.execute_sql(&format!("DROP TABLE {}", stage_name(spec)))
        .await?;
    tracing::debug!(
        table = spec.table,
        rows = latest.len(),
        dedupe_ms,
        stage_ms,
        update_ms,
        insert_ms,
        added,
        updated,
        "table written"
    );
    Ok(ImportCounts {
        added,
        updated,
        unchanged: total.saturating_sub(added + updated),
    })
}

/// Rows' slots by their keys as the table's unique index compares keys (see [`index_key`]).
type KeyIndex<'a> = FxHashMap<Cow<'a, [Val]>, usize>;

/// Each key's last row, in first-seen order, with the index of those rows by key. Keys equal
/// as the unique index compares them are one key. Rows already in strictly increasing key
/// order (a generated or sorted file, such as the demo's millions of marks) cannot repeat a
/// key, so one pass checks that and spares hashing every key: no index then.
fn latest_by_key<'a>(spec: &Spec, rows: &'a [Row]) -> (Vec<&'a Row>, Option<KeyIndex<'a>>) {
    let nullable = spec.keys.iter().any(|c| c.nullable_key);
    if !nullable
        && rows.windows(2).all(|pair| match pair {
            [a, b] => a.0 < b.0,
            _ => true,
        })
    {
        return (rows.iter().collect(), None);
    }
    let mut index: KeyIndex<'a> =
        FxHashMap::with_capacity_and_hasher(rows.len(), Default::default());
    let mut latest: Vec<&Row> = Vec::with_capacity(rows.len());
    for row in rows {
        match index.entry(index_key(spec, &row.0)) {
            Entry::Occupied(slot) => {
                if let Some(l) = latest.get_mut(*slot.get()) {
                    *l = row;
                }
            }
            Entry::Vacant(slot) => {
                slot.insert(latest.len());
                latest.push(row);
            }
        }
    }
    (latest, Some(index))
}

/// The temporary table a table's rows are staged in.
fn stage_name(spec: &Spec) -> String {
    format!("import_stage_{}", spec.table)
}

/// `CREATE TEMP TABLE` for the stage, with the stored columns' types (PostgreSQL) or
/// affinities (SQLite), so staged and stored values compare as they would be stored.
fn create_stage_sql(spec: &Spec) -> String {
    format!(
        "CREATE TEMP TABLE {} AS SELECT {} FROM {} LIMIT 0",
        stage_name(spec),
        spec.column_list(),
        spec.table
    )
}

/// The condition that a stored row (`spec.table`) and a staged row (`s`) have the same key;
/// a nullable key part is matched through COALESCE, as the unique index is, so the index
/// serves the match.
fn key_match(spec: &Spec) -> String {
    spec.keys
        .iter()
        .map(|c| {
            if c.nullable_key {
                let none = if c.ty == Ty::Text { "''" } else { "0" };
                format!(
                    "COALESCE({t}.{n}, {none}) = COALESCE(s.{n}, {none})",
                    t = spec.table,
                    n = c.name
                )
            } else {
                format!("{t}.{n} = s.{n}", t = spec.table, n = c.name)
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The key as a conflict target: the columns of the unique index the key has, a nullable
/// part through the same COALESCE as the index.
fn conflict_target(spec: &Spec) -> String {
    spec.keys
        .iter()
        .map(|c| {
            if c.nullable_key {
                let none = if c.ty == Ty::Text { "''" } else { "0" };
                format!("COALESCE({}, {none})", c.name)
            } else {
                c.name.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQLite's `ON CONFLICT` clause for a multi-row insert: a row whose key is stored updates
/// the stored row only where some value differs (`IS NOT`, SQLite's `IS DISTINCT FROM`), so
/// the statement's change count is rows added plus rows updated.
fn upsert_clause(spec: &Spec) -> String {
    if spec.values.is_empty() {
        return format!(" ON CONFLICT ({}) DO NOTHING", conflict_target(spec));
    }
    let set = spec
        .values
        .iter()
        .map(|c| format!("{n} = excluded.{n}", n = c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let differs = spec
        .values
        .iter()
        .map(|c| format!("{t}.{n} IS NOT excluded.{n}", t = spec.table, n = c.name))
        .collect::<Vec<_>>()
        .join(" OR ");
    format!(
        " ON CONFLICT ({}) DO UPDATE SET {set} WHERE {differs}",
        conflict_target(spec)
    )
}

/// `UPDATE t SET v = s.v FROM stage AS s WHERE keys match AND some value differs`: only
/// changed rows are written, so the statement's row count is the rows updated.
fn update_sql(spec: &Spec) -> String {
    let set = spec
        .values
        .iter()
        .map(|c| format!("{n} = s.{n}", n = c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let differs = spec
        .values
        .iter()
        .map(|c| format!("{t}.{n} IS DISTINCT FROM s.{n}", t = spec.table, n = c.name))
        .collect::<Vec<_>>()
        .join(" OR ");
    format!(
        "UPDATE {t} SET {set} FROM {stage} AS s WHERE {keys} AND ({differs})",
        t = spec.table,
        stage = stage_name(spec),
        keys = key_match(spec),
    )
}

/// `INSERT INTO t SELECT ... FROM stage AS s WHERE NOT EXISTS (a stored row with the key)`.
fn insert_sql(spec: &Spec) -> String {
    let columns = spec.column_list();
    let staged = spec
        .columns()
        .map(|c| format!("s.{}", c.name))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO {t} ({columns}) SELECT {staged} FROM {stage} AS s \
         WHERE NOT EXISTS (SELECT 1 FROM {t} WHERE {keys})",
        t = spec.table,
        stage = stage_name(spec),
        keys = key_match(spec),
    )
}

/// What the import needs of a connection inside its transaction. Implemented for both
/// backends by `conn_impl!`, with bulk inserts the one place they differ.
pub(crate) trait Conn: Send {
    /// Inserts rows known to be new straight into their table.
    fn insert_rows(
        &mut self,
        spec: &'static Spec,
        rows: &[&Row],
        progress: Option<&ImportProgress>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Whether the table holds any row at all.
    fn has_rows(
        &mut self,
        spec: &'static Spec,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Creates the table's stage (see [`stage_name`]), empty, and loads the rows into it.
    fn stage_rows(
        &mut self,
        spec: &'static Spec,
        rows: &[&Row],
        progress: Option<&ImportProgress>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Writes the rows straight into their table where the backend can do so in one pass
    /// and still count them: `Some((added, updated))`; `None` when the caller should go
    /// through a stage table instead.
    /// `index` is the rows' [`KeyIndex`], when [`latest_by_key`] built one.
    fn upsert_rows(
        &mut self,
        spec: &'static Spec,
        rows: &[&Row],
        index: Option<KeyIndex<'_>>,
        progress: Option<&ImportProgress>,
    ) -> impl Future<Output = Result<Option<(u64, u64)>, StoreError>> + Send;
    /// Runs a statement without parameters; returns the rows it changed.
    fn execute_sql(&mut self, sql: &str) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Fails with `NotFound` naming the first URN with no school.
    fn require_schools(
        &mut self,
        urns: &FxHashSet<Urn>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Pupil ids by UPN, current or former, for the UPNs that have a pupil.
    fn find_pupils(
        &mut self,
        upns: &FxHashSet<&str>,
    ) -> impl Future<Output = Result<FxHashMap<String, i64>, StoreError>> + Send;
    /// Gives pupil `id` the UPN `upn`, keeping the one it had as a former UPN unless it is
    /// `former` (which the caller records, so it is counted).
    fn rename_pupil(
        &mut self,
        id: i64,
        upn: &Upn,
        former: &Upn,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Pupil ids by UPN, current or former; fails with `UnknownPupils`, naming every UPN that
    /// has no pupil, if any has none.
    fn pupil_ids(
        &mut self,
        upns: &FxHashSet<&Upn>,
    ) -> impl Future<Output = Result<FxHashMap<String, i64>, StoreError>> + Send;
    fn log_import(
        &mut self,
        file: &ImportFile,
        counts: ImportCounts,
        dry_run: bool,
    ) -> impl Future<Output = Result<ImportRecord, StoreError>> + Send;
}

/// Values per `IN (...)` list when looking rows up.
const LOOKUP_CHUNK: usize = 1000;

/// Binds a value as its column's type, so a NULL has the right type for PostgreSQL.
macro_rules! bind_val {
    ($b:expr, $val:expr, $ty:expr) => {
        match ($val, $ty) {
            (Val::Int(v), _) => $b.push_bind(*v),
            (Val::Text(v), _) => $b.push_bind(v.as_str()),
            (Val::Date(v), _) => $b.push_bind(*v),
            (Val::Bool(v), _) => $b.push_bind(*v),
            (Val::Real(v), _) => $b.push_bind(f64::from_bits(*v)),
            (Val::Null, Ty::Int) => $b.push_bind(None::<i64>),
            (Val::Null, Ty::Text) => $b.push_bind(None::<String>),
            (Val::Null, Ty::Date) => $b.push_bind(None::<NaiveDate>),
            (Val::Null, Ty::Bool) => $b.push_bind(None::<bool>),
            (Val::Null, Ty::Real) => $b.push_bind(None::<f64>),
        }
    };
}

macro_rules! conn_impl {
    ($conn:ty, $db:ty, $insert:ident, $insert_new:ident, $upsert:ident, $find_pupils:ident, $analyze:literal) => {
        impl Conn for $conn {
            async fn upsert_rows(
                &mut self,
                spec: &'static Spec,
                rows: &[&Row],
                index: Option<KeyIndex<'_>>,
                progress: Option<&ImportProgress>,
            ) -> Result<Option<(u64, u64)>, StoreError> {
                $upsert(self, spec, rows, index, progress).await
            }

            async fn insert_rows(
                &mut self,
                spec: &'static Spec,
                rows: &[&Row],
                progress: Option<&ImportProgress>,
            ) -> Result<(), StoreError> {
                $insert_new(self, spec, rows, progress).await
            }

            async fn has_rows(&mut self, spec: &'static Spec) -> Result<bool, StoreError> {
                let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", spec.table);
                Ok(sqlx::query_scalar(&sql).fetch_one(&mut *self).await?)
            }

            async fn stage_rows(
                &mut self,
                spec: &'static Spec,
                rows: &[&Row],
                progress: Option<&ImportProgress>,
            ) -> Result<(), StoreError> {
                let stage = stage_name(spec);
                sqlx::query(&format!("DROP TABLE IF EXISTS {stage}"))
                    .execute(&mut *self)
                    .await?;
                sqlx::query(&create_stage_sql(spec))
                    .execute(&mut *self)
                    .await?;
                let started = Instant::now();
                $insert(self, spec, &stage, rows, progress).await?;
                let load_ms = ms(started);
                // PostgreSQL plans the compare and merge better knowing the stage's size.
                const ANALYZE: bool = $analyze;
                let started = Instant::now();
                if ANALYZE && rows.len() > 10_000 {
                    sqlx::query(&format!("ANALYZE {stage}"))
                        .execute(&mut *self)
                        .await?;
                }
                tracing::debug!(
                    table = spec.table,
                    load_ms,
                    analyze_ms = ms(started),
                    "stage loaded"
                );
                Ok(())
            }

            async fn execute_sql(&mut self, sql: &str) -> Result<u64, StoreError> {
                Ok(sqlx::query(sql).execute(&mut *self).await?.rows_affected())
            }

            async fn require_schools(&mut self, urns: &FxHashSet<Urn>) -> Result<(), StoreError> {
                let mut wanted: Vec<Urn> = urns.iter().copied().collect();
                wanted.sort();
                for chunk in wanted.chunks(LOOKUP_CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new("SELECT urn FROM schools WHERE urn IN (");
                    let mut list = qb.separated(", ");
                    for urn in chunk {
                        list.push_bind(urn_to_db(*urn));
                    }
                    qb.push(")");
                    let found: HashSet<i64> = qb
                        .build_query_scalar::<i64>()
                        .fetch_all(&mut *self)
                        .await?
                        .into_iter()
                        .collect();
                    if let Some(missing) = chunk.iter().find(|u| !found.contains(&urn_to_db(**u))) {
                        return Err(StoreError::NotFound {
                            what: "school",
                            key: missing.to_string(),
                        });
                    }
                }
                Ok(())
            }

            async fn find_pupils(
                &mut self,
                upns: &FxHashSet<&str>,
            ) -> Result<FxHashMap<String, i64>, StoreError> {
                let started = Instant::now();
                let mut wanted: Vec<&str> = upns.iter().copied().collect();
                wanted.sort_unstable();
                let mut ids =
                    FxHashMap::with_capacity_and_hasher(wanted.len(), Default::default());
                for chunk in wanted.chunks(UPN_CHUNK) {
                    ids.extend($find_pupils(self, chunk).await?);
                }
                tracing::debug!(upns = wanted.len(), ms = ms(started), "pupil ids looked up");
                Ok(ids)
            }

            async fn rename_pupil(
                &mut self,
                id: i64,
                upn: &Upn,
                former: &Upn,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO pupil_former_upns (upn, pupil_id) SELECT upn, id FROM pupils WHERE id = $1 AND upn <> $2 ON CONFLICT (upn) DO NOTHING",
                )
                .bind(id)
                .bind(former.as_str())
                .execute(&mut *self)
                .await?;
                sqlx::query("UPDATE pupils SET upn = $1 WHERE id = $2")
                    .bind(upn.as_str())
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn pupil_ids(
                &mut self,
                upns: &FxHashSet<&Upn>,
            ) -> Result<FxHashMap<String, i64>, StoreError> {
                let wanted: FxHashSet<&str> = upns.iter().map(|u| u.as_str()).collect();
                let ids = self.find_pupils(&wanted).await?;
                let missing: BTreeSet<Upn> = upns
                    .iter()
                    .filter(|u| !ids.contains_key(u.as_str()))
                    .map(|u| (*u).clone())
                    .collect();
                if !missing.is_empty() {
                    return Err(StoreError::UnknownPupils(missing));
                }
                Ok(ids)
            }

            async fn log_import(
                &mut self,
                file: &ImportFile,
                counts: ImportCounts,
                dry_run: bool,
            ) -> Result<ImportRecord, StoreError> {
                let row: ImportRow = sqlx::query_as(&format!(
                    "INSERT INTO imports (user_id, at, kind, file_name, sha256, rows_added, \
                     rows_updated, rows_unchanged, rows_rejected, urn, dry_run) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     RETURNING {IMPORT_COLUMNS}"
                ))
                .bind(file.user_id)
                .bind(file.at)
                .bind(file.kind.code())
                .bind(&file.file_name)
                .bind(&file.sha256)
                .bind(to_db_count(counts.added))
                .bind(to_db_count(counts.updated))
                .bind(to_db_count(counts.unchanged))
                .bind(to_db_count(file.rejected))
                .bind(file.urn.map(urn_to_db))
                .bind(dry_run)
                .fetch_one(&mut *self)
                .await?;
                ImportRecord::try_from(row)
            }
        }
    };
}

conn_impl!(
    SqliteConnection,
    sqlx::Sqlite,
    insert_by_values,
    insert_new_by_values,
    upsert_by_values,
    find_pupils_sqlite,
    false
);
conn_impl!(
    PgConnection,
    sqlx::Postgres,
    insert_by_copy,
    insert_new_by_copy,
    upsert_by_reading,
    find_pupils_pg,
    true
);

/// UPNs per lookup statement.
const UPN_CHUNK: usize = 50_000;

/// The statement's result: `(upn, pupil id)` for current and former UPNs.
type UpnIds = Vec<(String, i64)>;

/// SQLite: the pupils with these UPNs, current or former, in one statement: the UPNs go in
/// as one JSON array (`json_each`), not a bound parameter each.
async fn find_pupils_sqlite(
    conn: &mut SqliteConnection,
    upns: &[&str],
) -> Result<UpnIds, StoreError> {
    let mut list = String::with_capacity(upns.len() * 16 + 2);
    list.push('[');
    for (i, upn) in upns.iter().enumerate() {
        if i > 0 {
            list.push(',');
        }
        json_string(&mut list, upn);
    }
    list.push(']');
    Ok(sqlx::query_as(
        "WITH wanted (upn) AS (SELECT value FROM json_each($1)) \
         SELECT p.upn, p.id FROM wanted JOIN pupils p ON p.upn = wanted.upn \
         UNION ALL SELECT f.upn, f.pupil_id FROM wanted \
         JOIN pupil_former_upns f ON f.upn = wanted.upn",
    )
    .bind(list)
    .fetch_all(&mut *conn)
    .await?)
}

/// PostgreSQL: the pupils with these UPNs, current or former, in one statement (`= ANY` of
/// one bound array).
async fn find_pupils_pg(conn: &mut PgConnection, upns: &[&str]) -> Result<UpnIds, StoreError> {
    Ok(sqlx::query_as(
        "SELECT upn, id FROM pupils WHERE upn = ANY($1) \
         UNION ALL SELECT upn, pupil_id FROM pupil_former_upns WHERE upn = ANY($1)",
    )
    .bind(upns)
    .fetch_all(&mut *conn)
    .await?)
}

/// A string as a JSON string literal.
fn json_string(out: &mut String, s: &str) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// SQLite: the rows inserted straight into their table by multi-row `INSERT ... ON CONFLICT
/// DO UPDATE ... WHERE` a value differs (see [`upsert_clause`]), with no stage. Each row
/// costs one probe of the key's unique index, and a write only when it is new or changed;
/// the stage's extra table, its second pass and its rows' second trip through the b-tree
/// are gone. Rows added are how many more rows the table holds after (an upsert never
/// deletes; counted, not read from rowids, because `attendance_marks` is a `WITHOUT ROWID`
/// table); the rest of the change count is rows updated.
async fn upsert_by_values(
    conn: &mut SqliteConnection,
    spec: &'static Spec,
    rows: &[&Row],
    _index: Option<KeyIndex<'_>>,
    progress: Option<&ImportProgress>,
) -> Result<Option<(u64, u64)>, StoreError> {
    if !spec.is_pupil_record() {
        return Ok(None);
    }
    let table = spec.table;
    let count = format!("SELECT count(*) FROM {table}");
    let before: i64 = sqlx::query_scalar(&count).fetch_one(&mut *conn).await?;
    let head = format!("INSERT INTO {table} ({}) ", spec.column_list());
    let clause = upsert_clause(spec);
    let mut changed = 0;
    for chunk in rows.chunks(spec.rows_per_statement()) {
        let mut qb = QueryBuilder::<sqlx::Sqlite>::new(&head);
        qb.push_values(chunk, |mut b, (key, values)| {
            for (v, c) in key.iter().chain(values).zip(spec.columns()) {
                bind_val!(b, v, c.ty);
            }
        });
        qb.push(&clause);
        changed += qb.build().execute(&mut *conn).await?.rows_affected();
        if let Some(progress) = progress {
            progress.staged(chunk.len());
        }
    }
    let after: i64 = sqlx::query_scalar(&count).fetch_one(&mut *conn).await?;
    let added = u64::try_from(after - before).unwrap_or(0);
    Ok(Some((added, changed.saturating_sub(added))))
}

/// PostgreSQL: a pupil's records compared in process. The stored rows of the import's pupils
/// stream out by `COPY ... TO STDOUT` and are matched by key against the import's rows in a
/// hash map; only then is anything written: the changed rows through a stage and one
/// `UPDATE ... FROM` it, the new rows by `COPY` (see [`insert_new_by_copy`]). A re-import
/// writes nothing at all. Joining a stage of every row to the table twice in SQL (`UPDATE ...
/// FROM`, then `INSERT ... WHERE NOT EXISTS`) took 2.1 s of a re-import of a million rows;
/// streaming them out and comparing takes 0.6 s (docs/benchmarks.md). Schools, groups and
/// pupils have second unique keys and keep the stage (see [`upsert_by_values`]).
async fn upsert_by_reading(
    conn: &mut PgConnection,
    spec: &'static Spec,
    rows: &[&Row],
    index: Option<KeyIndex<'_>>,
    progress: Option<&ImportProgress>,
) -> Result<Option<(u64, u64)>, StoreError> {
    if !spec.is_pupil_record() {
        return Ok(None);
    }
    let started = Instant::now();
    let index = match index {
        Some(index) => index,
        None => {
            let mut index: KeyIndex<'_> =
                FxHashMap::with_capacity_and_hasher(rows.len(), Default::default());
            for (slot, (key, _)) in rows.iter().enumerate() {
                index.insert(index_key(spec, key), slot);
            }
            index
        }
    };
    let pupils: FxHashSet<i64> = rows
        .iter()
        .filter_map(|(key, _)| match key.first() {
            Some(Val::Int(id)) => Some(*id),
            _ => None,
        })
        .collect();
    let mut ids: Vec<i64> = pupils.into_iter().collect();
    ids.sort_unstable();
    let index_ms = ms(started);

    let started = Instant::now();
    let mut seen = vec![false; rows.len()];
    let mut changed: Vec<&Row> = Vec::new();
    let mut read = 0u64;
    let mut stored: Vec<Val> = Vec::with_capacity(spec.n_columns());
    let mut compare = |line: &[u8]| -> Result<(), StoreError> {
        parse_copy_row(spec, line, &mut stored)?;
        let (key, values) = stored.split_at_mut(spec.keys.len());
        normalise_key(spec, key);
        if let Some(&slot) = index.get(&*key) {
            if let (Some(seen), Some(row)) = (seen.get_mut(slot), rows.get(slot)) {
                *seen = true;
                if row.1.as_slice() != &*values {
                    changed.push(*row);
                }
            }
        }
        read += 1;
        Ok(())
    };
    {
        let mut stream = conn.copy_out_raw(&stored_rows_sql(spec, &ids)).await?;
        let mut line: Vec<u8> = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            // PostgreSQL sends a row a message, but nothing here relies on it.
            let mut rest: &[u8] = &chunk;
            while let Some(end) = rest.iter().position(|b| *b == b'\n') {
                let (head, tail) = rest.split_at(end);
                if line.is_empty() {
                    compare(head)?;
                } else {
                    line.extend_from_slice(head);
                    compare(&line)?;
                    line.clear();
                }
                rest = tail.get(1..).unwrap_or_default();
            }
            line.extend_from_slice(rest);
        }
        if !line.is_empty() {
            compare(&line)?;
        }
    }
    let compare_ms = ms(started);
    let new: Vec<&Row> = rows
        .iter()
        .zip(&seen)
        .filter(|(_, seen)| !**seen)
        .map(|(row, _)| *row)
        .collect();
    if let Some(progress) = progress {
        progress.staged(rows.len().saturating_sub(new.len() + changed.len()));
    }

    let started = Instant::now();
    let updated = if changed.is_empty() {
        0
    } else {
        conn.stage_rows(spec, &changed, progress).await?;
        if let Some(progress) = progress {
            progress.merging.store(true, Ordering::Relaxed);
        }
        let updated = conn.execute_sql(&update_sql(spec)).await?;
        conn.execute_sql(&format!("DROP TABLE {}", stage_name(spec)))
            .await?;
        updated
    };
    let update_ms = ms(started);
    let started = Instant::now();
    insert_new_by_copy(conn, spec, &new, progress).await?;
    tracing::debug!(
        table = spec.table,
        pupils = ids.len(),
        stored_rows_read = read,
        index_ms,
        compare_ms,
        update_ms,
        insert_ms = ms(started),
        "stored rows compared in process"
    );
    Ok(Some((
        u64::try_from(new.len()).unwrap_or(u64::MAX),
        updated,
    )))
}
/// A key as the table's unique index compares it: an unknown (NULL) part as the COALESCE of
/// the index makes it (0, or the empty text).
fn index_key<'a>(spec: &Spec, key: &'a [Val]) -> Cow<'a, [Val]> {
    let unknown = spec
        .keys
        .iter()
        .zip(key)
        .any(|(c, v)| c.nullable_key && *v == Val::Null);
    if !unknown {
        return Cow::Borrowed(key);
    }
    let mut key = key.to_vec();
    normalise_key(spec, &mut key);
    Cow::Owned(key)
}

/// See [`index_key`].
fn normalise_key(spec: &Spec, key: &mut [Val]) {
    for (c, v) in spec.keys.iter().zip(key.iter_mut()) {
        if c.nullable_key && *v == Val::Null {
            *v = if c.ty == Ty::Text {
                Val::text("")
            } else {
                Val::Int(0)
            };
        }
    }
}

/// `COPY (the stored rows of these pupils) TO STDOUT`, columns in the spec's order, dates in
/// ISO form whatever the session's `DateStyle`. The ids are integers, written into the
/// statement because `COPY` takes no parameters.
fn stored_rows_sql(spec: &Spec, pupil_ids: &[i64]) -> String {
    use std::fmt::Write;
    let columns = spec
        .columns()
        .map(|c| match c.ty {
            Ty::Date => format!("to_char({n}, 'YYYY-MM-DD')", n = c.name),
            _ => c.name.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!(
        "COPY (SELECT {columns} FROM {t} WHERE pupil_id = ANY('{{",
        t = spec.table
    );
    for (i, id) in pupil_ids.iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        let _ = write!(sql, "{id}");
    }
    sql.push_str("}'::bigint[])) TO STDOUT");
    sql
}

/// One line of `COPY ... TO STDOUT` text (no newline) as values of the spec's column types,
/// into `out`, whose texts are reused: a million rows read are not two million allocations.
fn parse_copy_row(spec: &Spec, line: &[u8], out: &mut Vec<Val>) -> Result<(), StoreError> {
    out.resize(spec.n_columns(), Val::Null);
    let mut fields = line.split(|b| *b == b'\t');
    for (c, slot) in spec.columns().zip(out.iter_mut()) {
        let field = fields
            .next()
            .ok_or_else(|| StoreError::corrupt("copied row", &String::from_utf8_lossy(line)))?;
        copy_value(c, field, slot)?;
    }
    Ok(())
}

/// A field of `COPY` text as its column's value, into `slot`: `\N` is NULL; backslash
/// escapes are undone.
fn copy_value(c: &Col, field: &[u8], slot: &mut Val) -> Result<(), StoreError> {
    if field == b"\\N" {
        *slot = Val::Null;
        return Ok(());
    }
    let text = std::str::from_utf8(field)
        .map_err(|_| StoreError::corrupt(c.name, &String::from_utf8_lossy(field)))?;
    let bad = || StoreError::corrupt(c.name, text);
    *slot = match c.ty {
        Ty::Int => Val::Int(text.parse().map_err(|_| bad())?),
        Ty::Real => Val::real(text.parse().map_err(|_| bad())?),
        Ty::Bool => match text {
            "t" => Val::Bool(true),
            "f" => Val::Bool(false),
            _ => return Err(bad()),
        },
        Ty::Date => Val::Date(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?),
        Ty::Text => {
            let mut out = match std::mem::replace(slot, Val::Null) {
                Val::Text(out) => out,
                _ => String::with_capacity(text.len()),
            };
            out.clear();
            if !text.contains('\\') {
                out.push_str(text);
                *slot = Val::Text(out);
                return Ok(());
            }
            let mut chars = text.chars();
            while let Some(ch) = chars.next() {
                if ch != '\\' {
                    out.push(ch);
                    continue;
                }
                // The escapes COPY's text output writes.
                out.push(match chars.next() {
                    Some('b') => '\u{8}',
                    Some('f') => '\u{c}',
                    Some('n') => '\n',
                    Some('r') => '\r',
                    Some('t') => '\t',
                    Some('v') => '\u{b}',
                    Some(other) => other,
                    None => return Err(bad()),
                });
            }
            Val::Text(out)
        }
    };
    Ok(())
}

/// SQLite: multi-row `INSERT ... VALUES` into `table` (the spec's table or its stage), as
/// many rows per statement as the bound-parameter limit allows; every full chunk reuses one
/// cached prepared statement. SQLite runs in process, so this is close to its raw insert
/// speed.
async fn insert_by_values(
    conn: &mut SqliteConnection,
    spec: &'static Spec,
    table: &str,
    rows: &[&Row],
    progress: Option<&ImportProgress>,
) -> Result<(), StoreError> {
    let head = format!("INSERT INTO {table} ({}) ", spec.column_list());
    for chunk in rows.chunks(spec.rows_per_statement()) {
        let mut qb = QueryBuilder::<sqlx::Sqlite>::new(&head);
        qb.push_values(chunk, |mut b, (key, values)| {
            for (v, c) in key.iter().chain(values).zip(spec.columns()) {
                bind_val!(b, v, c.ty);
            }
        });
        qb.build().execute(&mut *conn).await?;
        if let Some(progress) = progress {
            progress.staged(chunk.len());
        }
    }
    Ok(())
}

/// SQLite: new rows straight into their table (see [`insert_by_values`]). SQLite checks a
/// foreign key with one probe of the parent's primary key, in process, so there is nothing to
/// gain from checking them set-wise.
async fn insert_new_by_values(
    conn: &mut SqliteConnection,
    spec: &'static Spec,
    rows: &[&Row],
    progress: Option<&ImportProgress>,
) -> Result<(), StoreError> {
    insert_by_values(conn, spec, spec.table, rows, progress).await
}

/// Rows from which a PostgreSQL insert into an empty table checks its foreign keys once for
/// the whole table rather than row by row (see [`insert_new_by_copy`]).
const BULK_ROWS: usize = 100_000;

/// PostgreSQL: new rows (a first load, or the new rows [`upsert_by_reading`] found) straight
/// into their table by `COPY`. Each row's foreign keys
/// (a result's pupil and school) are otherwise checked by a trigger per row and key, a query
/// each that also locks the parent row: two thirds of a first load's time. From [`BULK_ROWS`]
/// rows the table's foreign keys are dropped, the rows copied in, and the same constraints
/// (as `pg_get_constraintdef` gives them back) added again, which checks every row in one
/// join per key; a row with no parent fails the `ADD CONSTRAINT` and so the whole import.
/// Nothing is weakened: the constraints are never absent outside this transaction.
///
/// Dropping a foreign key locks its table and the tables it references (`pupils`,
/// `schools`) ACCESS EXCLUSIVE until the import commits: pages reading them wait (they do not
/// fail) for the few seconds a load this size takes, and a second import waits its turn.
/// That is acceptable for a load of this size, which replaces thousands of times as many row
/// locks on the same parents; smaller imports, such as most uploads, keep the per-row checks
/// and take no such lock.
async fn insert_new_by_copy(
    conn: &mut PgConnection,
    spec: &'static Spec,
    rows: &[&Row],
    progress: Option<&ImportProgress>,
) -> Result<(), StoreError> {
    let table = spec.table;
    let keys: Vec<(String, String)> = if rows.len() >= BULK_ROWS {
        sqlx::query_as(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await?
    } else {
        Vec::new()
    };
    if keys.is_empty() {
        return insert_by_copy(conn, spec, table, rows, progress).await;
    }
    let name = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    let drop = keys
        .iter()
        .map(|(n, _)| format!("DROP CONSTRAINT {}", name(n)))
        .collect::<Vec<_>>()
        .join(", ");
    let started = Instant::now();
    sqlx::query(&format!("ALTER TABLE {table} {drop}"))
        .execute(&mut *conn)
        .await?;
    let drop_ms = ms(started);
    let started = Instant::now();
    insert_by_copy(conn, spec, table, rows, progress).await?;
    let copy_ms = ms(started);
    let add = keys
        .iter()
        .map(|(n, definition)| format!("ADD CONSTRAINT {} {definition}", name(n)))
        .collect::<Vec<_>>()
        .join(", ");
    let started = Instant::now();
    sqlx::query(&format!("ALTER TABLE {table} {add}"))
        .execute(&mut *conn)
        .await?;
    tracing::debug!(
        table,
        keys = keys.len(),
        drop_ms,
        copy_ms,
        check_ms = ms(started),
        "copied with foreign keys checked set-wise"
    );
    Ok(())
}

/// PostgreSQL: `COPY ... FROM STDIN` in text format into `table` (the spec's table or its
/// stage), because a bound multi-row INSERT costs a round trip and a parse per few thousand
/// rows while COPY streams them.
async fn insert_by_copy(
    conn: &mut PgConnection,
    spec: &'static Spec,
    table: &str,
    rows: &[&Row],
    progress: Option<&ImportProgress>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut copy = conn
        .copy_in_raw(&format!("COPY {table} ({}) FROM STDIN", spec.column_list()))
        .await?;
    let mut buffer = String::with_capacity(1 << 20);
    let mut buffered = 0;
    for (key, values) in rows {
        for (i, v) in key.iter().chain(values).enumerate() {
            if i > 0 {
                buffer.push('\t');
            }
            copy_text(&mut buffer, v);
        }
        buffer.push('\n');
        buffered += 1;
        if buffer.len() >= 1 << 20 {
            copy.send(buffer.as_bytes()).await?;
            buffer.clear();
            if let Some(progress) = progress {
                progress.staged(buffered);
            }
            buffered = 0;
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.as_bytes()).await?;
    }
    copy.finish().await?;
    if let Some(progress) = progress {
        progress.staged(buffered);
    }
    Ok(())
}

/// A value in COPY text format: `\N` for NULL, and backslash, tab, newline and carriage
/// return escaped.
fn copy_text(out: &mut String, value: &Val) {
    use std::fmt::Write;
    match value {
        Val::Null => out.push_str("\\N"),
        Val::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Val::Date(v) => {
            let _ = write!(out, "{}", v.format("%Y-%m-%d"));
        }
        Val::Bool(v) => out.push(if *v { 't' } else { 'f' }),
        // Rust prints the shortest text that reads back as the same float, never in
        // exponent form, which COPY accepts.
        Val::Real(v) => {
            let _ = write!(out, "{}", f64::from_bits(*v));
        }
        Val::Text(s) => {
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

/// An import log entry with the name of the user who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolImport {
    pub record: ImportRecord,
    /// `None` for imports from the command line, or when the user was deleted.
    pub display_name: Option<String>,
}

impl Store {
    /// The newest `limit` imports into one school, newest first, with who made them.
    pub async fn imports_for_school(
        &self,
        urn: Urn,
        limit: u32,
    ) -> Result<Vec<SchoolImport>, StoreError> {
        self.imports_into(&[urn], false, limit).await
    }

    /// The newest `limit` imports into any of `urns` and, with `partnership_wide`, those
    /// into no one school (a GIAS extract, national benchmarks, a file of several schools
    /// from the command line), newest first, with who made them.
    pub async fn imports_into(
        &self,
        urns: &[Urn],
        partnership_wide: bool,
        limit: u32,
    ) -> Result<Vec<SchoolImport>, StoreError> {
        let columns = IMPORT_COLUMNS
            .split(", ")
            .map(|c| format!("i.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let urns: Vec<i64> = urns.iter().map(|u| urn_to_db(*u)).collect();
        let rows: Vec<(ImportRow, Option<String>)> = crate::on_pool!(self, pool => {
            let mut qb = QueryBuilder::new(format!(
                "SELECT {columns}, u.display_name FROM imports i \
                 LEFT JOIN users u ON u.id = i.user_id WHERE (1 = 0"
            ));
            if partnership_wide {
                qb.push(" OR i.urn IS NULL");
            }
            if !urns.is_empty() {
                qb.push(" OR i.urn IN (");
                let mut list = qb.separated(", ");
                for urn in &urns {
                    list.push_bind(*urn);
                }
                qb.push(")");
            }
            qb.push(") ORDER BY i.id DESC LIMIT ").push_bind(i64::from(limit));
            let rows: Vec<ImportRowNamed> = qb.build_query_as().fetch_all(pool).await?;
            rows.into_iter().map(|r| (r.row, r.display_name)).collect()
        });
        rows.into_iter()
            .map(|(row, display_name)| {
                Ok(SchoolImport {
                    record: ImportRecord::try_from(row)?,
                    display_name,
                })
            })
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct ImportRowNamed {
    #[sqlx(flatten)]
    row: ImportRow,
    display_name: Option<String>,
}
