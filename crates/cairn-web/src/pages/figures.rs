//! Tables and charts built from stored measure results, shared by the school page, the group
//! page and the groups-of-learners page. Everything here reads stored figures; gaps come from
//! `cairn_store::gaps_within`, so no page does arithmetic on a measure.

use cairn_domain::AcademicYear;
use cairn_measures::PupilGroup;
use cairn_store::{Measure, ResultScope, StoredResult, StoredValue, gaps_within};

use crate::charts::{Chart, trend_from_table};
use crate::tables::{Cell, Column, DataTable};

/// Attendance measures, reported in their own section.
pub(crate) const ATTENDANCE: [Measure; 5] = [
    Measure::AttendanceOverallAbsence,
    Measure::AttendanceAuthorisedAbsence,
    Measure::AttendanceUnauthorisedAbsence,
    Measure::AttendancePersistentAbsence,
    Measure::AttendanceSevereAbsence,
];

pub(crate) fn is_attendance(measure: Measure) -> bool {
    ATTENDANCE.contains(&measure)
}

/// The figure for one scope, year, measure and group, if stored.
pub(crate) fn find<'a>(
    results: &'a [StoredResult],
    scope: &ResultScope,
    year: AcademicYear,
    measure: Measure,
    group: PupilGroup,
) -> Option<&'a StoredResult> {
    results.iter().find(|r| {
        r.academic_year == year
            && &r.scope == scope
            && r.measure == measure
            && r.pupil_group == group
    })
}

/// The years with any stored figure, oldest first.
pub(crate) fn years(results: &[StoredResult]) -> Vec<AcademicYear> {
    let mut years: Vec<AcademicYear> = results.iter().map(|r| r.academic_year).collect();
    years.sort();
    years.dedup();
    years
}

/// The measures with a figure for all pupils in `scope`, in the catalogue's order.
pub(crate) fn measures_of(results: &[StoredResult], scope: &ResultScope) -> Vec<Measure> {
    Measure::ALL
        .iter()
        .copied()
        .filter(|m| {
            results
                .iter()
                .any(|r| &r.scope == scope && r.measure == *m && r.pupil_group == PupilGroup::All)
        })
        .collect()
}

/// The unit a measure's axis is labelled with.
pub(crate) fn unit(measure: Measure) -> &'static str {
    if measure.is_proportion() {
        "%"
    } else {
        match measure {
            Measure::Ks4Attainment8 => "points, 0 to 90",
            Measure::Ks4EbaccAps => "points, 0 to 9",
            Measure::Ks2ReadingAverage | Measure::Ks2MathsAverage => "scaled score",
            Measure::MtcAverageScore => "marks out of 25",
            Measure::EyfsAverageGoalsExpected => "goals out of 17",
            _ => "",
        }
    }
}

/// A CI bound as a number cell in the measure's units.
fn bound(measure: Measure, value: &StoredValue, upper: bool) -> Cell {
    match value {
        StoredValue::Suppressed => Cell::Suppressed,
        StoredValue::Shown {
            ci_low, ci_high, ..
        } => {
            let bound = if upper { ci_high } else { ci_low };
            match bound {
                Some(b) => Cell::figure(
                    measure,
                    &StoredValue::Shown {
                        value: *b,
                        n_pupils: 0,
                        ci_low: None,
                        ci_high: None,
                    },
                ),
                None => Cell::Empty,
            }
        }
    }
}

/// Every measure in `scope` for every year: one row per measure, a column per year, then the
/// latest year's interval and pupil count.
pub(crate) fn summary_table(
    key: &str,
    caption: String,
    results: &[StoredResult],
    scope: &ResultScope,
    export_path: &str,
) -> DataTable {
    let years = years(results);
    let mut columns = vec![Column::text("Measure")];
    columns.extend(years.iter().map(|y| Column::number(y.to_string())));
    if let Some(latest) = years.last() {
        columns.push(Column::text(format!("95% confidence interval, {latest}")));
        columns.push(Column::number(format!("Pupils, {latest}")));
    }
    let mut table = DataTable::new(key, caption, columns, export_path);
    for measure in measures_of(results, scope) {
        let mut row = vec![Cell::text(measure.label())];
        for year in &years {
            row.push(
                find(results, scope, *year, measure, PupilGroup::All)
                    .map_or(Cell::Empty, |r| Cell::figure(measure, &r.value)),
            );
        }
        if let Some(latest) = years.last() {
            match find(results, scope, *latest, measure, PupilGroup::All) {
                Some(r) => {
                    row.push(Cell::interval(measure, &r.value));
                    row.push(Cell::pupils(&r.value));
                }
                None => row.extend([Cell::Empty, Cell::Empty]),
            }
        }
        table.push(row);
    }
    table
}

/// One measure's trend in `scope`: a table of years (value, interval, pupils) and its chart.
pub(crate) struct Trend {
    pub measure: &'static str,
    pub table: DataTable,
    pub chart: Option<Chart>,
}

pub(crate) fn trend(
    results: &[StoredResult],
    scope: &ResultScope,
    measure: Measure,
    place: &str,
    export_path: &str,
) -> Trend {
    let mut table = DataTable::new(
        format!("trend-{}", measure.code()),
        format!("{}, {place}, by year", measure.label()),
        vec![
            Column::text("Academic year"),
            Column::number(measure.label()),
            Column::number("95% interval: from"),
            Column::number("95% interval: to"),
            Column::number("Pupils"),
        ],
        export_path,
    );
    for year in years(results) {
        if let Some(r) = find(results, scope, year, measure, PupilGroup::All) {
            table.push(vec![
                Cell::text(year.to_string()),
                Cell::figure(measure, &r.value),
                bound(measure, &r.value, false),
                bound(measure, &r.value, true),
                Cell::pupils(&r.value),
            ]);
        }
    }
    let chart = trend_from_table(&table, measure.label(), unit(measure), 1, Some((2, 3)));
    Trend {
        measure: measure.label(),
        table,
        chart,
    }
}

/// Each pupil group's figure and its gap to the group it is compared with, for every
/// non-attendance measure in `scope` in `year`.
pub(crate) fn gaps_table(
    key: &str,
    caption: String,
    results: &[StoredResult],
    scope: &ResultScope,
    year: AcademicYear,
    export_path: &str,
) -> DataTable {
    let gaps = gaps_within(results);
    let mut table = DataTable::new(
        key,
        caption,
        vec![
            Column::text("Measure"),
            Column::text("Pupil group"),
            Column::number("Pupils"),
            Column::number("Figure"),
            Column::text("95% confidence interval"),
            Column::text("Compared with"),
            Column::number("Gap"),
        ],
        export_path,
    );
    for measure in measures_of(results, scope)
        .into_iter()
        .filter(|m| !is_attendance(*m))
    {
        for group in PupilGroup::ALL {
            let Some(r) = find(results, scope, year, measure, group) else {
                continue;
            };
            let gap = gaps.iter().find(|g| {
                g.academic_year == year
                    && &g.scope == scope
                    && g.measure == measure
                    && g.group == group
            });
            table.push(vec![
                Cell::text(measure.label()),
                Cell::text(group.label()),
                Cell::pupils(&r.value),
                Cell::figure(measure, &r.value),
                Cell::interval(measure, &r.value),
                gap.map_or(Cell::Empty, |g| Cell::text(g.comparator.label())),
                gap.map_or(Cell::Empty, |g| Cell::difference(measure, g.gap)),
            ]);
        }
    }
    table
}

/// Attendance by pupil group in `scope` in `year`: pupils, overall, persistent and severe
/// absence, and the gap in overall absence to the comparison group.
pub(crate) fn attendance_table(
    key: &str,
    caption: String,
    results: &[StoredResult],
    scope: &ResultScope,
    year: AcademicYear,
    export_path: &str,
) -> DataTable {
    let gaps = gaps_within(results);
    let mut table = DataTable::new(
        key,
        caption,
        vec![
            Column::text("Pupil group"),
            Column::number("Pupils"),
            Column::number("Overall absence"),
            Column::number("Persistent absence"),
            Column::number("Severe absence"),
            Column::text("Compared with"),
            Column::number("Gap in overall absence"),
        ],
        export_path,
    );
    for group in PupilGroup::ALL {
        let overall = find(
            results,
            scope,
            year,
            Measure::AttendanceOverallAbsence,
            group,
        );
        let Some(overall) = overall else { continue };
        let cell = |measure| {
            find(results, scope, year, measure, group)
                .map_or(Cell::Empty, |r| Cell::figure(measure, &r.value))
        };
        let gap = gaps.iter().find(|g| {
            g.academic_year == year
                && &g.scope == scope
                && g.measure == Measure::AttendanceOverallAbsence
                && g.group == group
        });
        table.push(vec![
            Cell::text(group.label()),
            Cell::pupils(&overall.value),
            Cell::figure(Measure::AttendanceOverallAbsence, &overall.value),
            cell(Measure::AttendancePersistentAbsence),
            cell(Measure::AttendanceSevereAbsence),
            gap.map_or(Cell::Empty, |g| Cell::text(g.comparator.label())),
            gap.map_or(Cell::Empty, |g| {
                Cell::difference(Measure::AttendanceOverallAbsence, g.gap)
            }),
        ]);
    }
    table
}

/// A label as it reads mid-sentence: "Not EAL" becomes "not EAL", "All pupils" "all pupils",
/// but an acronym such as "EAL" stays as it is.
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_owned(),
    }
}

/// The groups shown as gap columns on the groups-of-learners page: each group once (not its
/// mirror: "not disadvantaged" is the disadvantaged gap turned round), and the prior
/// attainment bands against all pupils.
pub(crate) const GAP_GROUPS: [PupilGroup; 8] = [
    PupilGroup::Disadvantaged,
    PupilGroup::SenSupport,
    PupilGroup::SenEhcp,
    PupilGroup::Eal,
    PupilGroup::Female,
    PupilGroup::PriorLow,
    PupilGroup::PriorMiddle,
    PupilGroup::PriorHigh,
];

/// One row per scope: its all-pupils figure for `measure` in `year`, then each of
/// [`GAP_GROUPS`]' gaps. Groups with no figure at all (prior attainment outside KS4) are left
/// out as columns.
pub(crate) fn gaps_by_scope_table(
    key: &str,
    caption: String,
    results: &[StoredResult],
    scopes: &[(ResultScope, Cell)],
    measure: Measure,
    year: AcademicYear,
    export_path: &str,
) -> DataTable {
    let gaps = gaps_within(results);
    let groups: Vec<PupilGroup> = GAP_GROUPS
        .into_iter()
        .filter(|g| {
            results
                .iter()
                .any(|r| r.measure == measure && r.academic_year == year && r.pupil_group == *g)
        })
        .collect();
    let mut columns = vec![
        Column::text("School or group"),
        Column::number(format!("All pupils: {}", measure.label())),
    ];
    for group in &groups {
        let comparator = cairn_store::gap_comparator(*group).unwrap_or(PupilGroup::All);
        columns.push(Column::number(format!(
            "{} compared with {}",
            group.label(),
            in_sentence(comparator.label())
        )));
    }
    let mut table = DataTable::new(key, caption, columns, export_path);
    for (scope, name) in scopes {
        let Some(all) = find(results, scope, year, measure, PupilGroup::All) else {
            continue;
        };
        let mut row = vec![name.clone(), Cell::figure(measure, &all.value)];
        for group in &groups {
            let gap = gaps.iter().find(|g| {
                g.academic_year == year
                    && &g.scope == scope
                    && g.measure == measure
                    && g.group == *group
            });
            row.push(gap.map_or(Cell::Empty, |g| Cell::difference(measure, g.gap)));
        }
        table.push(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::in_sentence;

    #[test]
    fn labels_read_naturally_mid_sentence() {
        assert_eq!(in_sentence("Not EAL"), "not EAL");
        assert_eq!(in_sentence("No SEN"), "no SEN");
        assert_eq!(in_sentence("All pupils"), "all pupils");
        assert_eq!(in_sentence("EAL"), "EAL");
        assert_eq!(in_sentence("Male"), "male");
    }
}
