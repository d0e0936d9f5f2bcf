//! Reads for the dashboard pages: pupil lists with filters, one pupil's timeline across the
//! partnership's schools, and gaps between pupil groups taken from stored results.
//!
//! Like the rest of the store, this module answers questions worded in the domain and does not
//! decide who may ask them: callers pass the schools whose pupils may be listed.
//! Nothing here recomputes a published measure; the only arithmetic is on one pupil's own
//! records (their absence rate, through `cairn-measures`) and the difference between two
//! stored figures that are both shown.

use std::collections::HashMap;

use cairn_domain::{AcademicYear, NcYear, SenProvision, Sex, Term, Upn, Urn};
use cairn_measures::PupilGroup;
use cairn_measures::attendance::SessionCounts;
use chrono::NaiveDate;
use sqlx::QueryBuilder;

use crate::rows::{
    code_from_db, nc_year_from_db, urn_from_db, urn_to_db, year_from_db, year_to_db,
};
use crate::{Measure, ResultScope, Store, StoreError, StoredResult, StoredValue, on_pool};

/// A pupil's attendance over one academic year, in the DfE's bands (measures.md §6: a
/// persistent absentee misses at least 10 % of their possible sessions, a severe absentee at
/// least 50 %; the persistent band here excludes the severe one so the bands do not overlap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttendanceBand {
    /// Absent for less than 10 % of possible sessions.
    Regular,
    /// Absent for at least 10 % but less than 50 %.
    Persistent,
    /// Absent for at least 50 %.
    Severe,
    /// No attendance recorded this year.
    NotRecorded,
}

impl AttendanceBand {
    pub const ALL: [AttendanceBand; 4] = [
        AttendanceBand::Regular,
        AttendanceBand::Persistent,
        AttendanceBand::Severe,
        AttendanceBand::NotRecorded,
    ];

    /// The stable code used in URLs and exports.
    pub fn code(self) -> &'static str {
        match self {
            AttendanceBand::Regular => "regular",
            AttendanceBand::Persistent => "persistent",
            AttendanceBand::Severe => "severe",
            AttendanceBand::NotRecorded => "not_recorded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AttendanceBand::Regular => "Absent less than 10%",
            AttendanceBand::Persistent => "Persistently absent (10% to 50%)",
            AttendanceBand::Severe => "Severely absent (50% or more)",
            AttendanceBand::NotRecorded => "No attendance recorded",
        }
    }

    pub fn parse(code: &str) -> Option<AttendanceBand> {
        AttendanceBand::ALL.into_iter().find(|b| b.code() == code)
    }

    /// The band for one pupil's sessions over a year.
    pub fn of(sessions: Option<&SessionCounts>) -> AttendanceBand {
        match sessions {
            None => AttendanceBand::NotRecorded,
            Some(s) if s.possible == 0 => AttendanceBand::NotRecorded,
            Some(s) if s.is_severely_absent() => AttendanceBand::Severe,
            Some(s) if s.is_persistently_absent() => AttendanceBand::Persistent,
            Some(_) => AttendanceBand::Regular,
        }
    }
}

/// Which pupils [`Store::pupils_matching`] lists. Every condition left `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PupilFilter {
    /// The schools whose rolls are listed; an empty list matches nothing.
    pub schools: Vec<Urn>,
    pub nc_year: Option<NcYear>,
    pub disadvantaged: Option<bool>,
    pub sen: Option<SenProvision>,
    pub eal: Option<bool>,
    pub attendance: Option<AttendanceBand>,
}

/// One pupil on a school's roll in a year, with that year's latest characteristics and their
/// attendance for the year.
#[derive(Debug, Clone, PartialEq)]
pub struct PupilListing {
    pub pupil_id: i64,
    pub upn: Upn,
    pub forename: String,
    pub surname: String,
    pub urn: Urn,
    pub nc_year: NcYear,
    pub sen: Option<SenProvision>,
    pub disadvantaged: Option<bool>,
    pub eal: Option<bool>,
    /// Overall absence as a fraction of possible sessions, when attendance is recorded.
    pub absence_rate: Option<f64>,
    pub attendance: AttendanceBand,
    /// The year's sessions, when attendance is recorded.
    pub sessions: Option<SessionCounts>,
}

/// One enrolment of a pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEnrolment {
    pub academic_year: AcademicYear,
    pub urn: Urn,
    pub school_name: String,
    pub nc_year: NcYear,
    pub started_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// A pupil's characteristics as recorded at one census.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineCharacteristics {
    pub academic_year: AcademicYear,
    pub term: Term,
    pub disadvantaged: bool,
    pub fsm: bool,
    pub looked_after: bool,
    pub sen: SenProvision,
    pub sen_need: Option<String>,
    pub eal: bool,
}

/// One assessment result, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineResult {
    /// `None` when the result was imported without a year.
    pub academic_year: Option<AcademicYear>,
    /// "KS2", "KS4", "Phonics", "Multiplication tables check" or "EYFS".
    pub assessment: &'static str,
    /// The subject or part ("Reading", a KS4 subject code, "Early learning goals").
    pub subject: String,
    pub result: String,
}

/// A pupil's attendance for a year (or one term of it).
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineAttendance {
    pub academic_year: AcademicYear,
    /// `None` for a whole-year summary.
    pub term: Option<Term>,
    pub sessions: SessionCounts,
    pub absence_rate: Option<f64>,
}

/// Everything the store holds about one pupil, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct PupilTimeline {
    pub pupil_id: i64,
    pub upn: Upn,
    pub forename: String,
    pub surname: String,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub enrolments: Vec<TimelineEnrolment>,
    pub characteristics: Vec<TimelineCharacteristics>,
    pub results: Vec<TimelineResult>,
    pub attendance: Vec<TimelineAttendance>,
}

impl PupilTimeline {
    /// Keeps only what happened in academic years when the pupil was on the roll of one of
    /// `schools`: the caller passes the schools whose pupil-level data the viewer may see.
    /// Results recorded without a year are kept only if some enrolment is kept.
    /// Returns how many enrolments were hidden.
    pub fn keep_years_at(&mut self, schools: &[Urn]) -> usize {
        let years: Vec<AcademicYear> = self
            .enrolments
            .iter()
            .filter(|e| schools.contains(&e.urn))
            .map(|e| e.academic_year)
            .collect();
        let before = self.enrolments.len();
        self.enrolments.retain(|e| schools.contains(&e.urn));
        let hidden = before - self.enrolments.len();
        self.characteristics
            .retain(|c| years.contains(&c.academic_year));
        let any = !years.is_empty();
        self.results.retain(|r| match r.academic_year {
            Some(year) => years.contains(&year),
            None => any,
        });
        self.attendance.retain(|a| years.contains(&a.academic_year));
        hidden
    }

    /// The schools the pupil was on roll at, in the order first seen.
    pub fn schools(&self) -> Vec<Urn> {
        let mut urns: Vec<Urn> = Vec::new();
        for e in &self.enrolments {
            if !urns.contains(&e.urn) {
                urns.push(e.urn);
            }
        }
        urns
    }
}

/// The difference between a pupil group's figure and its comparison group's figure in the
/// same school (or group of schools) and year: for example disadvantaged pupils' Progress 8
/// minus other pupils' Progress 8 at the same school.
///
/// The comparison group is the one the DfE measures each gap against
/// ([`PupilGroup::gap_comparator`], after the 2018/19 KS4 metadata `DIFFN_P8MEA`); prior
/// attainment bands, which have none, are compared with all pupils.
/// The gap is `None` when either figure is suppressed, so a suppressed group can never be
/// worked back from a gap (measures.md §9, complementary suppression).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredGap {
    pub academic_year: AcademicYear,
    pub scope: ResultScope,
    pub measure: Measure,
    pub group: PupilGroup,
    pub comparator: PupilGroup,
    pub value: StoredValue,
    pub gap: Option<f64>,
}

/// The group each gap is measured against; see [`StoredGap`].
pub fn gap_comparator(group: PupilGroup) -> Option<PupilGroup> {
    match group {
        PupilGroup::All => None,
        PupilGroup::PriorLow | PupilGroup::PriorMiddle | PupilGroup::PriorHigh => {
            Some(PupilGroup::All)
        }
        other => other.gap_comparator(),
    }
}

/// Every group's gap in `results`, one per stored group figure that has a comparator.
pub fn gaps_within(results: &[StoredResult]) -> Vec<StoredGap> {
    let index: HashMap<(AcademicYear, &ResultScope, Measure, PupilGroup), &StoredValue> = results
        .iter()
        .map(|r| {
            (
                (r.academic_year, &r.scope, r.measure, r.pupil_group),
                &r.value,
            )
        })
        .collect();
    results
        .iter()
        .filter_map(|r| {
            let comparator = gap_comparator(r.pupil_group)?;
            let other = index.get(&(r.academic_year, &r.scope, r.measure, comparator));
            let gap = match (r.value.value(), other.and_then(|v| v.value())) {
                (Some(own), Some(other)) => Some(own - other),
                _ => None,
            };
            Some(StoredGap {
                academic_year: r.academic_year,
                scope: r.scope.clone(),
                measure: r.measure,
                group: r.pupil_group,
                comparator,
                value: r.value,
                gap,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct ListingRow {
    pupil_id: i64,
    upn: String,
    forename: String,
    surname: String,
    urn: i64,
    nc_year: i64,
    sen: Option<String>,
    disadvantaged: Option<bool>,
    eal: Option<bool>,
}

#[derive(sqlx::FromRow)]
struct SessionsRow {
    pupil_id: i64,
    academic_year: i64,
    term: Option<String>,
    sessions_possible: i64,
    sessions_attended: i64,
    sessions_authorised: i64,
    sessions_unauthorised: i64,
}

impl SessionsRow {
    fn counts(&self) -> Result<SessionCounts, StoreError> {
        let count = |n: i64| u32::try_from(n).map_err(|_| StoreError::corrupt("session count", &n));
        Ok(SessionCounts {
            possible: count(self.sessions_possible)?,
            attended: count(self.sessions_attended)?,
            authorised: count(self.sessions_authorised)?,
            unauthorised: count(self.sessions_unauthorised)?,
        })
    }
}

/// Each pupil's sessions for the year: the whole-year summary when there is one, else the sum
/// of the termly ones (the same rule as the measures refresh).
fn year_sessions(rows: &[SessionsRow]) -> Result<HashMap<i64, SessionCounts>, StoreError> {
    let mut out: HashMap<i64, (bool, SessionCounts)> = HashMap::new();
    for row in rows {
        let counts = row.counts()?;
        let annual = row.term.is_none();
        match out.get_mut(&row.pupil_id) {
            None => {
                out.insert(row.pupil_id, (annual, counts));
            }
            Some((true, _)) => {}
            Some(slot) if annual => *slot = (true, counts),
            Some((_, total)) => *total = total.plus(counts),
        }
    }
    Ok(out.into_iter().map(|(id, (_, c))| (id, c)).collect())
}

#[derive(sqlx::FromRow)]
struct PupilRow {
    id: i64,
    upn: String,
    forename: String,
    surname: String,
    date_of_birth: NaiveDate,
    sex: String,
}

#[derive(sqlx::FromRow)]
struct EnrolmentRow {
    academic_year: i64,
    urn: i64,
    name: String,
    nc_year: i64,
    started_on: NaiveDate,
    left_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct CharacteristicsRow {
    academic_year: i64,
    term: String,
    disadvantaged: bool,
    fsm: bool,
    looked_after: bool,
    sen: String,
    sen_need: Option<String>,
    eal: bool,
}

fn term_order(term: Term) -> u8 {
    match term.code() {
        "autumn" => 0,
        "spring" => 1,
        _ => 2,
    }
}

impl Store {
    /// The pupils on roll in `academic_year` at the filter's schools who match every condition,
    /// ordered by school, year group and name.
    #[tracing::instrument(skip_all, fields(n_schools = filter.schools.len()))]
    pub async fn pupils_matching(
        &self,
        academic_year: AcademicYear,
        filter: &PupilFilter,
    ) -> Result<Vec<PupilListing>, StoreError> {
        if filter.schools.is_empty() {
            return Ok(Vec::new());
        }
        let year = year_to_db(academic_year);
        let (rows, sessions): (Vec<ListingRow>, Vec<SessionsRow>) = on_pool!(self, pool => {
            let mut qb = QueryBuilder::new(
                "SELECT p.id AS pupil_id, p.upn, p.forename, p.surname, e.urn, e.nc_year, \
                        c.sen, c.disadvantaged, c.eal \
                 FROM enrolments e \
                 JOIN pupils p ON p.id = e.pupil_id \
                 LEFT JOIN characteristics c ON c.pupil_id = e.pupil_id \
                      AND c.academic_year = e.academic_year \
                      AND c.term = (SELECT MAX(c2.term) FROM characteristics c2 \
                                    WHERE c2.pupil_id = e.pupil_id \
                                      AND c2.academic_year = e.academic_year) \
                 WHERE e.academic_year = ",
            );
            qb.push_bind(year);
            qb.push(" AND e.urn IN (");
            let mut list = qb.separated(", ");
            for urn in &filter.schools {
                list.push_bind(urn_to_db(*urn));
            }
            qb.push(")");
            if let Some(nc_year) = filter.nc_year {
                qb.push(" AND e.nc_year = ").push_bind(i64::from(nc_year.number()));
            }
            if let Some(disadvantaged) = filter.disadvantaged {
                qb.push(" AND COALESCE(c.disadvantaged, FALSE) = ").push_bind(disadvantaged);
            }
            if let Some(eal) = filter.eal {
                qb.push(" AND COALESCE(c.eal, FALSE) = ").push_bind(eal);
            }
            if let Some(sen) = filter.sen {
                qb.push(" AND COALESCE(c.sen, 'none') = ").push_bind(sen.code());
            }
            qb.push(" ORDER BY e.urn, e.nc_year, p.surname, p.forename, p.id");
            let rows: Vec<ListingRow> = qb.build_query_as().fetch_all(pool).await?;

            let mut qb = QueryBuilder::new(
                "SELECT a.pupil_id, a.academic_year, a.term, a.sessions_possible, \
                        a.sessions_attended, a.sessions_authorised, a.sessions_unauthorised \
                 FROM attendance_summaries a \
                 JOIN enrolments e ON e.pupil_id = a.pupil_id AND e.academic_year = a.academic_year \
                 WHERE a.academic_year = ",
            );
            qb.push_bind(year);
            qb.push(" AND e.urn IN (");
            let mut list = qb.separated(", ");
            for urn in &filter.schools {
                list.push_bind(urn_to_db(*urn));
            }
            qb.push(")");
            let sessions: Vec<SessionsRow> = qb.build_query_as().fetch_all(pool).await?;
            (rows, sessions)
        });
        let sessions = year_sessions(&sessions)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let counts = sessions.get(&row.pupil_id);
            let attendance = AttendanceBand::of(counts);
            if filter.attendance.is_some_and(|band| band != attendance) {
                continue;
            }
            out.push(PupilListing {
                pupil_id: row.pupil_id,
                upn: code_from_db("UPN", &row.upn, Upn::parse)?,
                forename: row.forename,
                surname: row.surname,
                urn: urn_from_db(row.urn)?,
                nc_year: nc_year_from_db(row.nc_year)?,
                sen: row
                    .sen
                    .map(|sen| code_from_db("SEN provision", &sen, SenProvision::parse))
                    .transpose()?,
                disadvantaged: row.disadvantaged,
                eal: row.eal,
                absence_rate: counts.and_then(SessionCounts::absence_rate),
                attendance,
                sessions: counts.copied(),
            });
        }
        Ok(out)
    }

    /// Everything held about one pupil: enrolments at every school, characteristics by term,
    /// assessment results and attendance. `None` if there is no such pupil.
    #[tracing::instrument(skip_all, fields(pupil.id = pupil_id))]
    pub async fn pupil_timeline(&self, pupil_id: i64) -> Result<Option<PupilTimeline>, StoreError> {
        type Simple = (Option<i64>, String, String);
        #[allow(clippy::type_complexity, reason = "one tuple per plain select")]
        let loaded: Option<(
            PupilRow,
            Vec<EnrolmentRow>,
            Vec<CharacteristicsRow>,
            Vec<SessionsRow>,
            Vec<(Option<i64>, String, String, String)>,
            Vec<(Option<i64>, String, String)>,
            Vec<Simple>,
            Vec<Simple>,
            Vec<(i64, String, String)>,
        )> = on_pool!(self, pool => {
            let pupil: Option<PupilRow> = sqlx::query_as(
                "SELECT id, upn, forename, surname, date_of_birth, sex FROM pupils WHERE id = $1",
            )
            .bind(pupil_id)
            .fetch_optional(pool)
            .await?;
            match pupil {
                None => None,
                Some(pupil) => {
                    let enrolments = sqlx::query_as(
                        "SELECT e.academic_year, e.urn, s.name, e.nc_year, e.started_on, e.left_on \
                         FROM enrolments e JOIN schools s ON s.urn = e.urn \
                         WHERE e.pupil_id = $1 ORDER BY e.academic_year, e.started_on",
                    )
                    .bind(pupil_id)
                    .fetch_all(pool)
                    .await?;
                    let characteristics = sqlx::query_as(
                        "SELECT academic_year, term, disadvantaged, fsm, looked_after, sen, \
                                sen_need, eal \
                         FROM characteristics WHERE pupil_id = $1",
                    )
                    .bind(pupil_id)
                    .fetch_all(pool)
                    .await?;
                    let attendance = sqlx::query_as(
                        "SELECT pupil_id, academic_year, term, sessions_possible, \
                                sessions_attended, sessions_authorised, sessions_unauthorised \
                         FROM attendance_summaries WHERE pupil_id = $1",
                    )
                    .bind(pupil_id)
                    .fetch_all(pool)
                    .await?;
                    let ks2 = sqlx::query_as(
                        "SELECT academic_year, reading, writing, maths FROM ks2_results \
                         WHERE pupil_id = $1",
                    )
                    .bind(pupil_id)
                    .fetch_all(pool)
                    .await?;
                    let ks4 = sqlx::query_as(
                        "SELECT academic_year, subject, grade FROM ks4_results \
                         WHERE pupil_id = $1 ORDER BY subject",
                    )
                    .bind(pupil_id)
                    .fetch_all(pool)
                    .await?;
                    let phonics: Vec<(i64, String)> = sqlx::query_as(
                        "SELECT academic_year, outcome FROM phonics_results WHERE pupil_id = $1",
                    )
                    .bind(pupil_id)
                    .fetch_all(pool)
                    .await?;
                    let mtc: Vec<(i64, String)> = sqlx::query_as(
                        "SELECT academic_year, outcome FROM mtc_results WHERE pupil_id = $1",
                    )
                    .bind(pupil_id)
                    .fetch_all(pool)
                    .await?;
                    let eyfs = sqlx::query_as(
                        "SELECT academic_year, goal, judgement FROM eyfs_results \
                         WHERE pupil_id = $1 ORDER BY goal",
                    )
                    .bind(pupil_id)
                    .fetch_all(pool)
                    .await?;
                    let with_name = |rows: Vec<(i64, String)>| -> Vec<Simple> {
                        rows.into_iter().map(|(y, o)| (Some(y), String::new(), o)).collect()
                    };
                    Some((
                        pupil,
                        enrolments,
                        characteristics,
                        attendance,
                        ks2,
                        ks4,
                        with_name(phonics),
                        with_name(mtc),
                        eyfs,
                    ))
                }
            }
        });
        let Some((pupil, enrolments, characteristics, attendance, ks2, ks4, phonics, mtc, eyfs)) =
            loaded
        else {
            return Ok(None);
        };
        let year = |y: Option<i64>| y.map(year_from_db).transpose();

        let mut results = Vec::new();
        for (y, reading, writing, maths) in ks2 {
            let academic_year = year(y)?;
            for (subject, result) in [("Reading", reading), ("Writing", writing), ("Maths", maths)]
            {
                results.push(TimelineResult {
                    academic_year,
                    assessment: "KS2",
                    subject: subject.to_owned(),
                    result,
                });
            }
        }
        // A later entry in a subject is shown, and marked: only the first entry counts in the
        // KS4 measures (measures.md §1.3; the refresh's KS4 cohort).
        let mut first_entry: HashMap<String, i64> = HashMap::new();
        for (y, subject, _) in &ks4 {
            if let Some(y) = *y {
                let first = first_entry.entry(subject.clone()).or_insert(y);
                *first = (*first).min(y);
            }
        }
        for (y, subject, grade) in ks4 {
            let later = first_entry
                .get(&subject)
                .is_some_and(|first| y.is_some_and(|y| *first < y));
            results.push(TimelineResult {
                academic_year: year(y)?,
                assessment: "KS4",
                result: if later {
                    format!("{grade} (a later entry: the first entry in {subject} counts)")
                } else {
                    grade
                },
                subject,
            });
        }
        for (assessment, rows) in [("Phonics", phonics), ("Multiplication tables check", mtc)] {
            for (y, _, outcome) in rows {
                results.push(TimelineResult {
                    academic_year: year(y)?,
                    assessment,
                    subject: "Outcome".to_owned(),
                    result: outcome,
                });
            }
        }
        // EYFS: one line per year, counting the goals judged expected (the goal-by-goal list
        // is long and the count is what a teacher reads first).
        let mut eyfs_years: Vec<(i64, usize, usize)> = Vec::new();
        for (y, _goal, judgement) in eyfs {
            let expected = usize::from(judgement == "expected");
            match eyfs_years.iter_mut().find(|(yy, _, _)| *yy == y) {
                Some(slot) => {
                    slot.1 += expected;
                    slot.2 += 1;
                }
                None => eyfs_years.push((y, expected, 1)),
            }
        }
        for (y, expected, judged) in eyfs_years {
            results.push(TimelineResult {
                academic_year: Some(year_from_db(y)?),
                assessment: "EYFS",
                subject: "Early learning goals".to_owned(),
                result: format!("{expected} of {judged} at the expected level"),
            });
        }
        results
            .sort_by(|a, b| (a.academic_year, a.assessment).cmp(&(b.academic_year, b.assessment)));

        let mut characteristics = characteristics
            .into_iter()
            .map(|c| {
                Ok(TimelineCharacteristics {
                    academic_year: year_from_db(c.academic_year)?,
                    term: code_from_db("term", &c.term, Term::parse)?,
                    disadvantaged: c.disadvantaged,
                    fsm: c.fsm,
                    looked_after: c.looked_after,
                    sen: code_from_db("SEN provision", &c.sen, SenProvision::parse)?,
                    sen_need: c.sen_need,
                    eal: c.eal,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        characteristics.sort_by_key(|c| (c.academic_year, term_order(c.term)));

        let mut attendance = attendance
            .iter()
            .map(|row| {
                let sessions = row.counts()?;
                Ok(TimelineAttendance {
                    academic_year: year_from_db(row.academic_year)?,
                    term: row
                        .term
                        .as_deref()
                        .map(|t| code_from_db("term", t, Term::parse))
                        .transpose()?,
                    absence_rate: sessions.absence_rate(),
                    sessions,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        attendance.sort_by_key(|a| (a.academic_year, a.term.map_or(3, term_order)));

        Ok(Some(PupilTimeline {
            pupil_id: pupil.id,
            upn: code_from_db("UPN", &pupil.upn, Upn::parse)?,
            forename: pupil.forename,
            surname: pupil.surname,
            date_of_birth: pupil.date_of_birth,
            sex: code_from_db("sex", &pupil.sex, Sex::parse)?,
            enrolments: enrolments
                .into_iter()
                .map(|e| {
                    Ok(TimelineEnrolment {
                        academic_year: year_from_db(e.academic_year)?,
                        urn: urn_from_db(e.urn)?,
                        school_name: e.name,
                        nc_year: nc_year_from_db(e.nc_year)?,
                        started_on: e.started_on,
                        left_on: e.left_on,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?,
            characteristics,
            results,
            attendance,
        }))
    }
}

#[cfg(test)]
mod tests;
