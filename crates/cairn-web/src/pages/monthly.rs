//! The "Attendance by month" section of a school's page: the school's monthly overall
//! absence against the same month in each group it belongs to, and by pupil group, read from
//! the figures the refresh stored from session marks (never tallied on request).
//!
//! England has no line: the DfE publishes in-year attendance by week and year to date
//! ("Pupil attendance in schools"), not by calendar month, and Cairn holds no monthly national
//! figure, so the page says so rather than draw one.

use cairn_domain::{AcademicYear, School};
use cairn_measures::PupilGroup;
use cairn_store::{Measure, MonthlyResult, ResultScope, StoredValue};

use crate::charts::{self, Chart};
use crate::tables::{Cell, Column, DataTable};

/// Export keys of the section's tables.
pub(crate) const MONTHLY_TABLE: &str = "attendance-by-month";
pub(crate) const MONTHLY_GROUPS_TABLE: &str = "attendance-by-month-and-group";
pub(crate) const PERSISTENT_GROUPS_TABLE: &str = "persistent-absence-to-date-by-group";

/// The pupil groups shown month by month (prior attainment applies to KS4 only).
const GROUPS: [PupilGroup; 9] = [
    PupilGroup::All,
    PupilGroup::Disadvantaged,
    PupilGroup::NonDisadvantaged,
    PupilGroup::SenSupport,
    PupilGroup::SenEhcp,
    PupilGroup::Eal,
    PupilGroup::NonEal,
    PupilGroup::Female,
    PupilGroup::Male,
];

/// What the section shows for the school's latest year.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one value per page render, moved once into the page"
)]
pub(crate) enum MonthlySection {
    /// Monthly figures from session marks.
    Figures {
        year: String,
        chart: Option<Chart>,
        caption: String,
        table: DataTable,
        by_group: DataTable,
        /// Persistent absence to date each month, by pupil group.
        persistent_by_group: DataTable,
    },
    /// The year's attendance came as termly summaries only: no month can be shown.
    TermlyOnly { year: String },
}

/// A group of schools the school belongs to, by code and name.
#[derive(Debug)]
pub(crate) struct Partner {
    pub code: String,
    pub name: String,
}

/// Builds the section from the stored monthly figures for the school and its groups;
/// `None` when the year has no attendance at all, `TermlyOnly` when it has attendance but no
/// monthly figures.
pub(crate) fn section(
    school: &School,
    year: AcademicYear,
    has_termly: bool,
    stored: &[MonthlyResult],
    partners: &[Partner],
    export_path: &str,
) -> Option<MonthlySection> {
    let scope = ResultScope::School(school.urn);
    let find = |scope: &ResultScope, month, measure, group| {
        stored.iter().find(|r| {
            &r.scope == scope && r.month == month && r.measure == measure && r.pupil_group == group
        })
    };
    let mut months: Vec<_> = stored
        .iter()
        .filter(|r| r.scope == scope)
        .map(|r| r.month)
        .collect();
    months.sort();
    months.dedup();
    if months.is_empty() {
        return has_termly.then(|| MonthlySection::TermlyOnly {
            year: year.to_string(),
        });
    }
    let partners: Vec<&Partner> = partners
        .iter()
        .filter(|p| {
            let group = ResultScope::Group(p.code.clone());
            stored.iter().any(|r| r.scope == group)
        })
        .collect();

    let mut columns = vec![
        Column::text("Month"),
        Column::number(format!("{}: overall absence", school.name)),
    ];
    columns.extend(
        partners
            .iter()
            .map(|p| Column::number(format!("{}: overall absence", p.name))),
    );
    columns.extend([
        Column::text("School's 95% confidence interval"),
        Column::number("Possible sessions"),
        Column::number("Pupils"),
        Column::number("Persistent absence to date"),
    ]);
    let mut table = DataTable::new(
        MONTHLY_TABLE,
        format!(
            "Overall absence each month of {year} at {}{}",
            school.name,
            if partners.is_empty() {
                String::new()
            } else {
                format!(
                    " and in {}",
                    partners
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" and ")
                )
            }
        ),
        columns,
        export_path,
    );
    let overall = Measure::AttendanceOverallAbsence;
    let persistent = Measure::AttendancePersistentAbsence;
    let figure = |r: Option<&MonthlyResult>, measure| {
        r.map_or(Cell::Empty, |r| Cell::figure(measure, &r.value))
    };
    for &month in &months {
        let own = find(&scope, month, overall, PupilGroup::All);
        let mut row = vec![Cell::text(month.short_label()), figure(own, overall)];
        for partner in &partners {
            let group = ResultScope::Group(partner.code.clone());
            row.push(figure(
                find(&group, month, overall, PupilGroup::All),
                overall,
            ));
        }
        row.push(own.map_or(Cell::Empty, |r| Cell::interval(overall, &r.value)));
        row.push(match own {
            Some(r) => match (&r.value, r.possible_sessions) {
                (StoredValue::Shown { .. }, Some(n)) => {
                    Cell::count(u32::try_from(n).unwrap_or(u32::MAX))
                }
                (StoredValue::Suppressed, _) => Cell::Suppressed,
                _ => Cell::Empty,
            },
            None => Cell::Empty,
        });
        row.push(own.map_or(Cell::Empty, |r| Cell::pupils(&r.value)));
        row.push(figure(
            find(&scope, month, persistent, PupilGroup::All),
            persistent,
        ));
        table.push(row);
    }

    let mut group_columns = vec![Column::text("Month")];
    group_columns.extend(GROUPS.iter().map(|g| Column::number(g.label())));
    let mut by_group = DataTable::new(
        MONTHLY_GROUPS_TABLE,
        format!(
            "Overall absence each month of {year} at {} by pupil group",
            school.name
        ),
        group_columns,
        export_path,
    );
    let mut persistent_by_group = DataTable::new(
        PERSISTENT_GROUPS_TABLE,
        format!(
            "Persistent absence to date each month of {year} at {} by pupil group",
            school.name
        ),
        by_group.columns.clone(),
        export_path,
    );
    for &month in &months {
        for (table, measure) in [
            (&mut by_group, overall),
            (&mut persistent_by_group, persistent),
        ] {
            let mut row = vec![Cell::text(month.short_label())];
            row.extend(
                GROUPS
                    .iter()
                    .map(|g| figure(find(&scope, month, measure, *g), measure)),
            );
            table.push(row);
        }
    }

    let series: Vec<usize> = (1..=1 + partners.len()).collect();
    let against = if partners.is_empty() {
        String::new()
    } else {
        format!(
            " The other line{} show{} the same month across {}, all their pupils pooled.",
            if partners.len() > 1 { "s" } else { "" },
            if partners.len() > 1 { "" } else { "s" },
            partners
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        )
    };
    let caption = format!(
        "Overall absence at {} each month of {year}: the share of possible sessions pupils \
         missed, for any reason. Higher means more school missed.{against} A month with a \
         gap was too small to show. There is no line for England: the Department for \
         Education publishes attendance by week and for the year to date, not by calendar \
         month, so Cairn has no monthly figure for England to compare with.",
        school.name
    );
    let chart = charts::lines(&table, "Month", "Overall absence (%)", &caption, &series);
    Some(MonthlySection::Figures {
        year: year.to_string(),
        chart,
        caption,
        table,
        by_group,
        persistent_by_group,
    })
}
