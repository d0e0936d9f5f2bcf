//! Attendance by calendar month, from session marks, computed at each refresh and stored in
//! `monthly_attendance_results` so pages never tally marks on request.
//!
//! Marks are tallied with the August 2024 code set (measures.md §6) into each pupil's
//! sessions per school and month, summed in SQL ([`tally_sql`]) so a refresh reads one row per
//! pupil, school and month rather than millions of marks; a month belongs to the academic year
//! of its dates.
//!
//! A mark counts at the school whose enrolment covers its date (from `started_on` to
//! `left_on`, both days on roll, within the enrolment's academic year), not at the pupil's
//! school for the year: a pupil who moves mid-year is two enrolments, each with its own marks,
//! as the DfE's absence statistics count absence per enrolment (../shared/reference/measures.md
//! §6, "statistics are per enrolment", from \[S11\] "Pupil absence statistics: methodology").
//! Where a pupil's enrolments overlap on a date (dual registration, or leaving one school and
//! starting another on the same day), the mark counts once, at the enrolment that started
//! last (then the higher URN), as the parent module's placement prefers the later start.
//! A mark on a date no enrolment covers counts nowhere and is counted as a record issue the
//! refresh reports, like a mark whose code the 2024 set does not know: the store does not
//! guess a school for it.
//!
//! The engine computes each month's overall absence rate and persistent absence to date
//! (`cairn_measures::attendance::monthly`):
//! * by school, one entry per pupil and school, so persistent absence to date at a school is
//!   the pupil's absence at that school only, from their start there;
//! * pooled per group, one entry per pupil over the marks at all the group's member schools
//!   pooled: a pupil who moves between two member schools is one pupil in the group's month
//!   with both schools' sessions, and their persistent absence to date runs across both; a
//!   pupil who joins or leaves the group counts with the sessions at its member schools
//!   only, so only while in it.
//!
//! Group figures leave out members too small to publish and go through the same suppression
//! across levels as every other figure, month by month.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cairn_domain::{AcademicYear, Urn};
use cairn_measures::attendance::monthly::{
    CalendarMonth, MonthlyAttendance, MonthlyAttendancePupil,
    summarise_monthly_attendance_by_school, summarise_monthly_attendance_pooled,
};
use cairn_measures::attendance::{AttendanceCodes, SessionCounts};
use cairn_measures::{PupilContext, PupilGroup, SuppressionPolicy};

use super::{Computed, Measure, ResultRow, ResultScope, Sink, groups_with, hide_differencing};
use crate::StoreError;
use crate::rows::{urn_from_db, year_to_db};

/// A monthly figure ready to store.
#[derive(Debug, Clone)]
pub(super) struct MonthlyRow {
    pub(super) month: CalendarMonth,
    pub(super) row: ResultRow,
    /// The month's possible sessions, for a shown overall absence rate.
    pub(super) possible: Option<u64>,
}

/// Year -> (pupil, school) -> month -> sessions: each pupil's sessions by enrolment.
pub(super) type MarksByYear =
    BTreeMap<i64, BTreeMap<(i64, Urn), BTreeMap<CalendarMonth, SessionCounts>>>;

/// Every stored mark tallied by pupil, school and month, and how many marks counted nowhere:
/// a code the 2024 set does not know, or a date no enrolment of the pupil covers.
#[derive(Debug, Default)]
pub(super) struct MarkTallies {
    pub(super) by_year: MarksByYear,
    pub(super) issues: usize,
    /// Of the issues, marks on a date with no enrolment.
    pub(super) unenrolled: usize,
}

/// A row of [`tally_sql`]: pupil, URN, `YYYY-MM`, marks, possible, attended, authorised,
/// unauthorised, marks with an unknown code.
pub(super) type TallyRow = (i64, i64, String, i64, i64, i64, i64, i64, i64);

/// The backend's SQL for the dates [`tally_sql`] compares.
#[derive(Debug, Clone, Copy)]
pub(super) struct DateSql {
    /// The calendar month (`YYYY-MM`) of `m.date`.
    pub(super) month: &'static str,
    /// 1 September of the calendar year `{y}`, comparable with a stored date: the first day
    /// of the academic year starting then.
    pub(super) year_start: &'static str,
    /// 31 August of the calendar year `{y}`: the last day of the academic year ending then.
    pub(super) year_end: &'static str,
}

/// The statement that sums the stored marks by pupil, enrolling school and calendar month, so
/// a refresh reads one row per pupil, school and month rather than every mark. `$n` is the
/// n-th code of `codes`.
///
/// Each enrolment becomes a span of days (its start and last day on roll, clipped to its
/// academic year; no `left_on` runs to the year's end), and a mark joins the span covering
/// its date. Spans are read in the order of the marks' key, so each span reads its marks as
/// one range of the key (`CROSS JOIN` keeps that order on SQLite). Where a pupil's spans
/// overlap (a later-starting span begins before one ends), a mark in an overlapped span counts
/// only if no later-starting enrolment covers its date, so every mark counts at most once; the
/// check runs only for overlapped spans, so the common case reads each mark once. Marks no
/// span covers are not in the result: the caller counts them as the total less the marks
/// summed ([`tallies`]).
///
/// Each sum is a `CASE` over the codes whose one session ([`SessionCounts::of`] their
/// treatment) adds to it, so the mapping from treatment to possible, attended and absent
/// sessions stays in `SessionCounts::add`; a code not in the set counts nowhere and is counted
/// as unknown.
pub(super) fn tally_sql(dates: DateSql, codes: &AttendanceCodes) -> String {
    let fields: [fn(&SessionCounts) -> u32; 4] = [
        |c| c.possible,
        |c| c.attended,
        |c| c.authorised,
        |c| c.unauthorised,
    ];
    let mut sums = Vec::with_capacity(fields.len() + 1);
    for field in fields {
        let whens: String = codes
            .codes()
            .enumerate()
            .filter_map(|(i, (_, treatment))| {
                let n = field(&SessionCounts::of(treatment));
                (n != 0).then(|| format!(" WHEN ${} THEN {n}", i + 1))
            })
            .collect();
        sums.push(if whens.is_empty() {
            "CAST(0 AS BIGINT)".to_owned()
        } else {
            format!("CAST(SUM(CASE m.code{whens} ELSE 0 END) AS BIGINT)")
        });
    }
    let known: String = (1..=codes.codes().count())
        .map(|i| format!(" WHEN ${i} THEN 0"))
        .collect();
    sums.push(if known.is_empty() {
        "COUNT(*)".to_owned()
    } else {
        format!("CAST(SUM(CASE m.code{known} ELSE 1 END) AS BIGINT)")
    });
    let year_start = dates.year_start.replace("{y}", "academic_year");
    let year_end = dates.year_end.replace("{y}", "(academic_year + 1)");
    let month = dates.month;
    format!(
        "WITH spans AS MATERIALIZED ( \
           SELECT pupil_id, urn, academic_year, started_on, from_day, to_day, \
             LEAD(from_day) OVER (PARTITION BY pupil_id, academic_year \
                                  ORDER BY started_on, urn) <= to_day AS overlapped \
           FROM (SELECT pupil_id, urn, academic_year, started_on, \
                   CASE WHEN started_on > {year_start} THEN started_on \
                        ELSE {year_start} END AS from_day, \
                   CASE WHEN left_on IS NOT NULL AND left_on < {year_end} THEN left_on \
                        ELSE {year_end} END AS to_day \
                 FROM enrolments) AS e \
           ORDER BY pupil_id, from_day) \
         SELECT s.pupil_id, s.urn, {month}, COUNT(*), {} \
         FROM spans AS s CROSS JOIN attendance_marks AS m \
         WHERE m.pupil_id = s.pupil_id AND m.date >= s.from_day AND m.date <= s.to_day \
           AND (s.overlapped IS NOT TRUE OR NOT EXISTS ( \
             SELECT 1 FROM enrolments AS l \
             WHERE l.pupil_id = s.pupil_id AND l.academic_year = s.academic_year \
               AND l.started_on <= m.date AND (l.left_on IS NULL OR m.date <= l.left_on) \
               AND (l.started_on > s.started_on \
                    OR (l.started_on = s.started_on AND l.urn > s.urn)))) \
         GROUP BY s.pupil_id, s.urn, {month}",
        sums.join(", ")
    )
}

/// The rows of [`tally_sql`] by academic year (a month belongs to the year of its dates),
/// pupil, school and month. `total` is every stored mark: those not in a row had no
/// enrolment on their date.
pub(super) fn tallies(rows: Vec<TallyRow>, total: i64) -> Result<MarkTallies, StoreError> {
    let count = |n: i64| u32::try_from(n).map_err(|_| StoreError::corrupt("session count", &n));
    let as_usize = |n: i64| usize::try_from(n).unwrap_or(usize::MAX);
    let mut out = MarkTallies::default();
    let mut summed: i64 = 0;
    for row in rows {
        let (pupil_id, urn, month, marks, possible, attended, authorised, unauthorised, unknown) =
            row;
        summed = summed.saturating_add(marks);
        let first_day = month_from_db(&month).ok().and_then(|m| {
            chrono::NaiveDate::from_ymd_opt(m.year, u32::from(m.month), 1).map(|day| (m, day))
        });
        let Some((month, first_day)) = first_day else {
            out.issues += as_usize(marks);
            continue;
        };
        out.issues += as_usize(unknown);
        let year = year_to_db(AcademicYear::containing(first_day));
        let counts = SessionCounts {
            possible: count(possible)?,
            attended: count(attended)?,
            authorised: count(authorised)?,
            unauthorised: count(unauthorised)?,
        };
        out.by_year
            .entry(year)
            .or_default()
            .entry((pupil_id, urn_from_db(urn)?))
            .or_default()
            .insert(month, counts);
    }
    // Each mark is in at most one row, so the rest had no enrolment on their date.
    out.unenrolled = as_usize(total.saturating_sub(summed));
    out.issues += out.unenrolled;
    Ok(out)
}

/// One year's monthly figures, by school and per group, into `out.monthly`. `by_enrolment`
/// is the year of [`MarksByYear`].
pub(super) fn compute_year(
    policy: SuppressionPolicy,
    year: i64,
    by_enrolment: &BTreeMap<(i64, Urn), BTreeMap<CalendarMonth, SessionCounts>>,
    groups: &BTreeMap<&str, Vec<Urn>>,
    context: impl Fn(i64) -> PupilContext,
    out: &mut Computed,
) {
    // One entry per pupil and school: a school's figures count its own enrolments' sessions.
    let pupils: Vec<MonthlyAttendancePupil> = by_enrolment
        .iter()
        .map(|((pupil_id, urn), months)| MonthlyAttendancePupil {
            urn: *urn,
            context: context(*pupil_id),
            months: months.iter().map(|(m, c)| (*m, *c)).collect(),
        })
        .collect();
    let by_school = summarise_monthly_attendance_by_school(policy, &pupils);
    let with_pupils = groups_with(groups, pupils.iter().map(|p| p.urn));
    let months: BTreeSet<CalendarMonth> = by_school
        .iter()
        .flat_map(|(_, months)| months.iter().map(|m| m.month))
        .collect();
    // A group's pooled figures for the whole year depend only on the members pooled, which
    // may differ month by month ([`Sink::pooled_members`]); each set is computed once.
    let mut pooled: HashMap<Vec<Urn>, Vec<MonthlyAttendance>> = HashMap::new();
    for month in months {
        let mut rows: Vec<ResultRow> = Vec::new();
        let mut possible: HashMap<(ResultScope, PupilGroup), u64> = HashMap::new();
        let mut sink = Sink {
            year,
            rows: &mut rows,
            left_out: BTreeMap::new(),
        };
        for (urn, figures) in &by_school {
            if let Some(figures) = figures.iter().find(|m| m.month == month) {
                push(
                    &mut sink,
                    &mut possible,
                    &ResultScope::School(*urn),
                    figures,
                );
            }
        }
        for (code, members) in &with_pupils {
            let members = sink.pooled_members(0, code, members);
            let figures = pooled.entry(members).or_insert_with_key(|members| {
                let pupils = pooled_pupils(by_enrolment, members, &context);
                summarise_monthly_attendance_pooled(policy, &pupils, members)
            });
            if let Some(figures) = figures.iter().find(|m| m.month == month) {
                let scope = ResultScope::Group((*code).to_owned());
                push(&mut sink, &mut possible, &scope, figures);
            }
        }
        let left_out = sink.left_out;
        out.differencing += hide_differencing(policy, groups, &left_out, &mut rows);
        out.monthly.extend(rows.into_iter().map(|row| {
            let possible = match (row.measure, &row.shown) {
                (Measure::AttendanceOverallAbsence, Ok(_)) => {
                    possible.get(&(row.scope.clone(), row.group)).copied()
                }
                _ => None,
            };
            MonthlyRow {
                month,
                row,
                possible,
            }
        }));
    }
}

/// One entry per pupil with sessions at any of `members`, their months summed over those
/// schools and placed at one of them (the pooled figure only asks that it be a member): a
/// pupil who moves between member schools is one pupil of the group, and their sessions at
/// other schools do not count.
fn pooled_pupils(
    by_enrolment: &BTreeMap<(i64, Urn), BTreeMap<CalendarMonth, SessionCounts>>,
    members: &[Urn],
    context: &impl Fn(i64) -> PupilContext,
) -> Vec<MonthlyAttendancePupil> {
    let mut pupils: Vec<MonthlyAttendancePupil> = Vec::new();
    let mut months: BTreeMap<CalendarMonth, SessionCounts> = BTreeMap::new();
    let mut current: Option<(i64, Urn)> = None;
    let mut finish = |current: Option<(i64, Urn)>, months: &mut BTreeMap<_, SessionCounts>| {
        if let Some((pupil_id, urn)) = current {
            pupils.push(MonthlyAttendancePupil {
                urn,
                context: context(pupil_id),
                months: std::mem::take(months).into_iter().collect(),
            });
        }
    };
    // The map's order keeps each pupil's schools together.
    for ((pupil_id, urn), sessions) in by_enrolment {
        if !members.contains(urn) {
            continue;
        }
        if current.is_none_or(|(id, _)| id != *pupil_id) {
            finish(current, &mut months);
            current = Some((*pupil_id, *urn));
        }
        for (month, counts) in sessions {
            let total = months.entry(*month).or_default();
            *total = total.plus(*counts);
        }
    }
    finish(current, &mut months);
    pupils
}

fn push(
    sink: &mut Sink<'_>,
    possible: &mut HashMap<(ResultScope, PupilGroup), u64>,
    scope: &ResultScope,
    figures: &MonthlyAttendance,
) {
    sink.plain(
        scope,
        Measure::AttendanceOverallAbsence,
        &figures.overall_absence,
    );
    sink.plain(
        scope,
        Measure::AttendancePersistentAbsence,
        &figures.persistent_absence_to_date,
    );
    for (group, figure) in figures.overall_absence.iter() {
        if let Some(rate) = figure.value() {
            possible.insert((scope.clone(), group), rate.possible_sessions);
        }
    }
}

/// The stored `month` text, `YYYY-MM`.
pub(super) fn month_to_db(month: CalendarMonth) -> String {
    format!("{:04}-{:02}", month.year, month.month)
}

pub(super) fn month_from_db(text: &str) -> Result<CalendarMonth, StoreError> {
    let parsed = text
        .split_once('-')
        .and_then(|(y, m)| CalendarMonth::new(y.parse().ok()?, m.parse().ok()?));
    parsed.ok_or_else(|| StoreError::corrupt("month", text))
}
