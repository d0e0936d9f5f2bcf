//! A school's page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use cairn_domain::{Access, School, Urn};
use cairn_store::{ResultScope, ScopeFilter};

use crate::auth::Viewer;
use crate::export::{ExportQuery, download};
use crate::pages::figures::{self, Trend};
use crate::pages::monthly::{self, MonthlySection, Partner};
use crate::pages::overview::roll_day;
use crate::pages::{Nav, count, render};
use crate::tables::DataTable;
use crate::{AppState, WebError};

/// Parses the URN in a path and checks the viewer has at least `needed` access to it.
/// A malformed URN is 404; a school outside the viewer's scope is 403.
pub(crate) async fn authorise(
    state: &AppState,
    viewer: &Viewer,
    urn: &str,
    needed: Access,
) -> Result<School, WebError> {
    let urn = Urn::parse(urn).map_err(|_| WebError::NotFound)?;
    if viewer.gate.access(urn) < needed {
        return Err(WebError::Forbidden);
    }
    state.store.school(urn).await?.ok_or(WebError::NotFound)
}

#[derive(Debug)]
pub(crate) struct MembershipLine {
    pub group: String,
    pub joined_on: String,
    pub left_on: Option<String>,
    pub sharing: &'static str,
}

#[derive(Debug)]
pub(crate) struct RollLine {
    pub nc_year: String,
    pub n_pupils: i64,
    pub n_pupils_text: String,
}

#[derive(Template)]
#[template(path = "schools/show.html")]
pub(crate) struct SchoolShowPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub school: School,
    pub laestab: String,
    pub memberships: Vec<MembershipLine>,
    pub year: Option<String>,
    pub census_day: Option<String>,
    pub rolls: Vec<RollLine>,
    pub n_pupils: String,
    pub pupil_level: bool,
    pub may_see_audit: bool,
    pub may_import: bool,
    pub figures: SchoolFigures,
}

/// The school's stored measures as tables and charts.
pub(crate) struct SchoolFigures {
    /// The latest year with figures, if any refresh has run.
    pub latest: Option<String>,
    pub computed_at: Option<String>,
    pub summary: DataTable,
    pub trends: Vec<Trend>,
    pub gaps: Option<DataTable>,
    pub attendance: Option<DataTable>,
    /// Attendance by month in the latest year, or why there is none.
    pub monthly: Option<MonthlySection>,
}

impl SchoolFigures {
    fn tables(&self) -> Vec<DataTable> {
        let mut tables = vec![self.summary.clone()];
        tables.extend(self.trends.iter().map(|t| t.table.clone()));
        tables.extend(self.gaps.clone());
        tables.extend(self.attendance.clone());
        if let Some(MonthlySection::Figures {
            table,
            by_group,
            persistent_by_group,
            ..
        }) = &self.monthly
        {
            tables.push(table.clone());
            tables.push(by_group.clone());
            tables.push(persistent_by_group.clone());
        }
        tables
    }
}

impl std::fmt::Debug for SchoolFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchoolFigures")
            .field("latest", &self.latest)
            .finish_non_exhaustive()
    }
}

/// Reads the school's stored figures (never computes them) and lays them out.
async fn school_figures(state: &AppState, school: &School) -> Result<SchoolFigures, WebError> {
    let scope = ResultScope::School(school.urn);
    let path = format!("/schools/{}", school.urn);
    let stored = state
        .store
        .latest_results(None, &ScopeFilter::Only(vec![scope.clone()]), &[])
        .await?;
    let results = stored.results;
    let latest = figures::years(&results).last().copied();
    let monthly = match latest {
        Some(year) => {
            // The groups the school is in today, whose pooled months are drawn beside its own.
            let today = state.clock.now().date_naive();
            let groups = state.store.groups().await?;
            let partners: Vec<Partner> = state
                .store
                .memberships()
                .await?
                .into_iter()
                .filter(|m| m.urn == school.urn && m.joined_on <= today)
                .filter(|m| m.left_on.is_none_or(|left| today < left))
                .filter_map(|m| {
                    let group = groups.iter().find(|g| g.code == m.group_code)?;
                    Some(Partner {
                        code: group.code.clone(),
                        name: group.name.clone(),
                    })
                })
                .collect();
            let mut scopes = vec![scope.clone()];
            scopes.extend(partners.iter().map(|p| ResultScope::Group(p.code.clone())));
            let stored = state.store.latest_monthly_attendance(year, &scopes).await?;
            let has_termly = results.iter().any(|r| {
                r.academic_year == year
                    && r.measure == cairn_store::Measure::AttendanceOverallAbsence
            });
            monthly::section(school, year, has_termly, &stored, &partners, &path)
        }
        None => None,
    };
    let summary = figures::summary_table(
        "measures",
        format!("{}: every measure by year, for all pupils", school.name),
        &results,
        &scope,
        &path,
    );
    let trends = figures::measures_of(&results, &scope)
        .into_iter()
        .map(|m| figures::trend(&results, &scope, m, &school.name, &path))
        .collect();
    let gaps = latest.map(|year| {
        figures::gaps_table(
            "gaps",
            format!(
                "Pupil groups at {} in {year}: each group's figure and its gap",
                school.name
            ),
            &results,
            &scope,
            year,
            &path,
        )
    });
    let attendance = latest.map(|year| {
        figures::attendance_table(
            "attendance",
            format!("Absence by pupil group at {} in {year}", school.name),
            &results,
            &scope,
            year,
            &path,
        )
    });
    Ok(SchoolFigures {
        latest: latest.map(|y| y.to_string()),
        computed_at: stored
            .refresh
            .map(|r| r.computed_at.format("%-d %B %Y at %H:%M UTC").to_string()),
        summary,
        trends,
        gaps: gaps.filter(|t| !t.is_empty()),
        attendance: attendance.filter(|t| !t.is_empty()),
        monthly,
    })
}

/// GET /schools/{urn}, or one of its tables as a download with `?table=KEY&format=csv|xlsx`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(urn): Path<String>,
    Query(export): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let school = authorise(&state, &viewer, &urn, Access::Aggregate).await?;
    let figures = school_figures(&state, &school).await?;
    if let Some((table, format)) = export.requested()? {
        return download(&figures.tables(), table, format, &school.name);
    }
    let store = &state.store;
    let today = state.clock.now().date_naive();
    let groups = store.groups().await?;
    let memberships = store
        .memberships()
        .await?
        .into_iter()
        .filter(|m| m.urn == school.urn)
        .map(|m| MembershipLine {
            group: groups
                .iter()
                .find(|g| g.code == m.group_code)
                .map_or_else(|| m.group_code.clone(), |g| g.name.clone()),
            joined_on: m.joined_on.format("%-d %B %Y").to_string(),
            left_on: m.left_on.map(|d| d.format("%-d %B %Y").to_string()),
            sharing: m.sharing.label(),
        })
        .collect();
    let year = store
        .latest_academic_year()
        .await?
        .map(|y| (y, roll_day(y, today)));
    let rolls: Vec<RollLine> = match year {
        Some((_, day)) => store
            .school_rolls(day)
            .await?
            .into_iter()
            .filter(|r| r.urn == school.urn)
            .map(|r| RollLine {
                nc_year: r.nc_year.label(),
                n_pupils: r.n_pupils,
                n_pupils_text: count(r.n_pupils),
            })
            .collect(),
        None => Vec::new(),
    };
    let page = SchoolShowPage {
        nav: Some(Nav::of(&viewer)),
        title: school.name.clone(),
        laestab: school.laestab.to_string(),
        memberships,
        year: year.map(|(y, _)| y.to_string()),
        census_day: year.map(|(_, d)| d.format("%-d %B %Y").to_string()),
        n_pupils: count(rolls.iter().map(|r| r.n_pupils).sum()),
        rolls,
        pupil_level: viewer.gate.access(school.urn) == Access::PupilLevel,
        may_see_audit: viewer.gate.may_see_audit(school.urn),
        may_import: viewer.gate.may_import(school.urn),
        figures,
        school,
    };
    Ok(render(&page)?.into_response())
}
