//! Attendance by calendar month, from session marks, computed at each refresh and stored in
//! `monthly_attendance_results` so pages never tally marks on request.
//!
//! Marks are tallied with the August 2024 code set (measures.md §6) into each pupil's
//! sessions per month, summed in SQL ([`tally_sql`]) so a refresh reads one row per pupil and
//! month rather than millions of marks; a month belongs to the academic year of its dates.
//! The pupil's figures count at their school for the year (the placement rules in the parent
//! module), as their termly and annual attendance does. The engine computes each month's
//! overall absence rate and persistent absence to date (`cairn_measures::attendance::monthly`)
//! by school and pooled per group, with its suppression; group figures leave out members too small to publish and
//! go through the same suppression across levels as every other figure, month by month.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cairn_domain::{AcademicYear, Urn};
use cairn_measures::attendance::monthly::{
    CalendarMonth, MonthlyAttendance, MonthlyAttendancePupil,
    summarise_monthly_attendance_by_school, summarise_monthly_attendance_pooled,
};
use cairn_measures::attendance::{AttendanceCodes, SessionCounts};
use cairn_measures::{PupilContext, PupilGroup, SuppressionPolicy};

use super::{
    Computed, Measure, Placement, ResultRow, ResultScope, Sink, groups_with, hide_differencing,
};
use crate::StoreError;
use crate::rows::year_to_db;

/// A monthly figure ready to store.
#[derive(Debug, Clone)]
pub(super) struct MonthlyRow {
    pub(super) month: CalendarMonth,
    pub(super) row: ResultRow,
    /// The month's possible sessions, for a shown overall absence rate.
    pub(super) possible: Option<u64>,
}

/// Year -> pupil -> month -> sessions.
pub(super) type MarksByYear = BTreeMap<i64, BTreeMap<i64, BTreeMap<CalendarMonth, SessionCounts>>>;

/// Every stored mark tallied by pupil and month, and how many marks had a code the 2024 set
/// does not know (they count nowhere).
#[derive(Debug, Default)]
pub(super) struct MarkTallies {
    pub(super) by_year: MarksByYear,
    pub(super) issues: usize,
}

/// A row of [`tally_sql`]: pupil, `YYYY-MM`, marks, possible, attended, authorised,
/// unauthorised, marks with an unknown code.
pub(super) type TallyRow = (i64, String, i64, i64, i64, i64, i64, i64);

/// The statement that sums the stored marks by pupil and calendar month (`month` is the
/// backend's expression for a date's `YYYY-MM`), so a refresh reads one row per pupil and
/// month rather than every mark. `$n` is the n-th code of `codes`. Each sum is a `CASE` over
/// the codes whose one session ([`SessionCounts::of`] their treatment) adds to it, so the
/// mapping from treatment to possible, attended and absent sessions stays in
/// `SessionCounts::add`; a code not in the set counts nowhere and is counted as unknown.
pub(super) fn tally_sql(month: &str, codes: &AttendanceCodes) -> String {
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
            format!("CAST(SUM(CASE code{whens} ELSE 0 END) AS BIGINT)")
        });
    }
    let known: String = (1..=codes.codes().count())
        .map(|i| format!(" WHEN ${i} THEN 0"))
        .collect();
    sums.push(if known.is_empty() {
        "COUNT(*)".to_owned()
    } else {
        format!("CAST(SUM(CASE code{known} ELSE 1 END) AS BIGINT)")
    });
    format!(
        "SELECT pupil_id, {month}, COUNT(*), {} FROM attendance_marks GROUP BY pupil_id, {month}",
        sums.join(", ")
    )
}

/// The rows of [`tally_sql`] by academic year (a month belongs to the year of its dates),
/// pupil and month.
pub(super) fn tallies(rows: Vec<TallyRow>) -> Result<MarkTallies, StoreError> {
    let count = |n: i64| u32::try_from(n).map_err(|_| StoreError::corrupt("session count", &n));
    let mut out = MarkTallies::default();
    for (pupil_id, month, marks, possible, attended, authorised, unauthorised, unknown) in rows {
        let first_day = month_from_db(&month).ok().and_then(|m| {
            chrono::NaiveDate::from_ymd_opt(m.year, u32::from(m.month), 1).map(|day| (m, day))
        });
        let Some((month, first_day)) = first_day else {
            out.issues += usize::try_from(marks).unwrap_or(usize::MAX);
            continue;
        };
        out.issues += usize::try_from(unknown).unwrap_or(usize::MAX);
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
            .entry(pupil_id)
            .or_default()
            .insert(month, counts);
    }
    Ok(out)
}

/// One year's monthly figures, by school and per group, into `out.monthly`.
pub(super) fn compute_year<'r>(
    policy: SuppressionPolicy,
    year: i64,
    by_pupil: &BTreeMap<i64, BTreeMap<CalendarMonth, SessionCounts>>,
    groups: &BTreeMap<&str, Vec<Urn>>,
    place: impl Fn(i64) -> Option<&'r Placement>,
    context: impl Fn(i64) -> PupilContext,
    out: &mut Computed,
) {
    let mut pupils: Vec<MonthlyAttendancePupil> = Vec::with_capacity(by_pupil.len());
    for (pupil_id, months) in by_pupil {
        let Some(placement) = place(*pupil_id) else {
            out.unplaced += 1;
            continue;
        };
        pupils.push(MonthlyAttendancePupil {
            urn: placement.urn,
            context: context(*pupil_id),
            months: months.iter().map(|(m, c)| (*m, *c)).collect(),
        });
    }
    let by_school = summarise_monthly_attendance_by_school(policy, &pupils);
    let with_pupils = groups_with(groups, pupils.iter().map(|p| p.urn));
    let months: BTreeSet<CalendarMonth> = by_school
        .iter()
        .flat_map(|(_, months)| months.iter().map(|m| m.month))
        .collect();
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
            let pooled = summarise_monthly_attendance_pooled(policy, &pupils, &members);
            if let Some(figures) = pooled.iter().find(|m| m.month == month) {
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
