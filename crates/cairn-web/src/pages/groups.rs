//! Groups of learners across the partnership (`/groups`), and one group of schools, a trust or
//! a cluster, with its pooled figures and its schools' figures (`/groups/{code}`).
//! Both are aggregate pages: no pupil data, and suppression comes with the stored figures.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use cairn_domain::{Access, Group, Scope};
use cairn_store::{Measure, ResultScope, ScopeFilter};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::export::{ExportQuery, download, query_escape};
use crate::pages::overview::HEADLINES;
use crate::pages::{Nav, figures, render};
use crate::tables::{Cell, Column, DataTable};
use crate::{AppState, WebError};

#[derive(Debug, Deserialize)]
pub(crate) struct GroupsQuery {
    measure: Option<String>,
    table: Option<String>,
    format: Option<String>,
}

#[derive(Debug)]
pub(crate) struct MeasureOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "groups/index.html")]
pub(crate) struct GroupIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub year: Option<String>,
    pub measure: Option<&'static str>,
    pub options: Vec<MeasureOption>,
    pub table: DataTable,
    pub groups: Vec<(String, String)>,
}

/// The groups the viewer holds a role in: their pooled figures are theirs to see.
fn role_groups(viewer: &Viewer) -> Vec<String> {
    let mut codes: Vec<String> = viewer
        .gate
        .roles()
        .iter()
        .filter_map(|r| match &r.scope {
            Scope::Group(code) => Some(code.clone()),
            Scope::School(_) => None,
        })
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// GET /groups: every pupil group's gap in every school the viewer can see, for one measure
/// in the latest year.
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<GroupsQuery>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let schools: Vec<_> = store
        .schools()
        .await?
        .into_iter()
        .filter(|s| viewer.gate.access(s.urn) >= Access::Aggregate)
        .collect();
    let all_groups = store.groups().await?;
    let codes = role_groups(&viewer);
    let groups: Vec<&Group> = all_groups
        .iter()
        .filter(|g| codes.contains(&g.code))
        .collect();
    let mut scopes: Vec<(ResultScope, Cell)> = groups
        .iter()
        .map(|g| {
            (
                ResultScope::Group(g.code.clone()),
                Cell::Link {
                    text: format!("{} (all its schools together)", g.name),
                    href: format!("/groups/{}", query_escape(&g.code)),
                },
            )
        })
        .collect();
    scopes.extend(schools.iter().map(|s| {
        (
            ResultScope::School(s.urn),
            Cell::Link {
                text: s.name.clone(),
                href: format!("/schools/{}", s.urn),
            },
        )
    }));
    let latest = store.latest_refresh().await?;
    let results = if latest.is_some() && !scopes.is_empty() {
        let all = store
            .latest_results(
                None,
                &ScopeFilter::Only(scopes.iter().map(|(s, _)| s.clone()).collect()),
                &[],
            )
            .await?
            .results;
        let year = figures::years(&all).last().copied();
        all.into_iter()
            .filter(|r| Some(r.academic_year) == year)
            .collect()
    } else {
        Vec::new()
    };
    let year = figures::years(&results).last().copied();
    let available: Vec<Measure> = Measure::ALL
        .iter()
        .copied()
        .filter(|m| results.iter().any(|r| r.measure == *m))
        .collect();
    let measure = match query.measure.as_deref() {
        Some(code) => Some(
            Measure::parse(code)
                .filter(|m| available.contains(m))
                .ok_or(WebError::NotFound)?,
        ),
        // Overall absence is the one measure every phase has, so by default every school is
        // in the table.
        None => Some(Measure::AttendanceOverallAbsence)
            .filter(|m| available.contains(m))
            .or_else(|| available.first().copied()),
    };
    let path = match measure {
        Some(m) => format!("/groups?measure={}", m.code()),
        None => "/groups".to_owned(),
    };
    let table = match (measure, year) {
        (Some(measure), Some(year)) => figures::gaps_by_scope_table(
            "gaps",
            format!("Gaps between groups of pupils, {}, {year}", measure.label()),
            &results,
            &scopes,
            measure,
            year,
            &path,
        ),
        _ => DataTable::new(
            "gaps",
            "Gaps between groups of pupils",
            vec![Column::text("School")],
            &path,
        ),
    };
    let export = ExportQuery {
        table: query.table,
        format: query.format,
    };
    if let Some((key, format)) = export.requested()? {
        return download(&[table], key, format, "groups-of-learners");
    }
    let page = GroupIndexPage {
        nav: Some(Nav::of(&viewer)),
        title: "Groups of learners".to_owned(),
        year: year.map(|y| y.to_string()),
        measure: measure.map(Measure::label),
        options: available
            .iter()
            .map(|m| MeasureOption {
                code: m.code(),
                label: m.label(),
                selected: Some(*m) == measure,
            })
            .collect(),
        table,
        groups: groups
            .iter()
            .map(|g| (g.code.clone(), g.name.clone()))
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "groups/show.html")]
pub(crate) struct GroupShowPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub group: Group,
    pub year: Option<String>,
    pub pooled: Option<DataTable>,
    pub gaps: Option<DataTable>,
    pub attendance: Option<DataTable>,
    pub schools: Option<DataTable>,
    pub n_hidden: usize,
}

/// GET /groups/{code}: a group's pooled figures and its schools' figures, for anyone with a
/// role in the group. Aggregates only, so cluster members see it too.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(export): Query<ExportQuery>,
) -> Result<Response, WebError> {
    if !role_groups(&viewer).contains(&code) {
        return Err(WebError::Forbidden);
    }
    let store = &state.store;
    let group = store.group(&code).await?.ok_or(WebError::NotFound)?;
    let today = state.clock.now().date_naive();
    let schools = store.schools().await?;
    let members: Vec<_> = store
        .memberships()
        .await?
        .into_iter()
        .filter(|m| m.group_code == group.code && m.is_active_on(today))
        .filter_map(|m| schools.iter().find(|s| s.urn == m.urn))
        .collect();
    let visible: Vec<_> = members
        .iter()
        .filter(|s| viewer.gate.access(s.urn) >= Access::Aggregate)
        .collect();
    let pooled_scope = ResultScope::Group(group.code.clone());
    let mut scopes = vec![pooled_scope.clone()];
    scopes.extend(visible.iter().map(|s| ResultScope::School(s.urn)));
    let results = store
        .latest_results(None, &ScopeFilter::Only(scopes), &[])
        .await?
        .results;
    let year = figures::years(&results).last().copied();
    let path = format!("/groups/{}", query_escape(&group.code));
    let (pooled, gaps, attendance, schools_table) = match year {
        None => (None, None, None, None),
        Some(year) => {
            let latest: Vec<_> = results
                .iter()
                .filter(|r| r.academic_year == year)
                .cloned()
                .collect();
            let pooled = figures::summary_table(
                "pooled",
                format!(
                    "{}: every measure by year, all its schools' pupils together",
                    group.name
                ),
                &results
                    .iter()
                    .filter(|r| r.scope == pooled_scope)
                    .cloned()
                    .collect::<Vec<_>>(),
                &pooled_scope,
                &path,
            );
            let gaps = figures::gaps_table(
                "gaps",
                format!(
                    "Pupil groups across {} in {year}: each group's figure and its gap",
                    group.name
                ),
                &latest,
                &pooled_scope,
                year,
                &path,
            );
            let attendance = figures::attendance_table(
                "attendance",
                format!("Absence by pupil group across {} in {year}", group.name),
                &latest,
                &pooled_scope,
                year,
                &path,
            );
            let measures: Vec<Measure> = HEADLINES
                .iter()
                .copied()
                .filter(|m| latest.iter().any(|r| r.measure == *m))
                .collect();
            let mut columns = vec![Column::text("School")];
            columns.extend(measures.iter().map(|m| Column::number(m.label())));
            let mut table = DataTable::new(
                "schools",
                format!("{}'s schools in {year}, all pupils", group.name),
                columns,
                &path,
            );
            for school in &visible {
                let scope = ResultScope::School(school.urn);
                let mut row = vec![Cell::Link {
                    text: school.name.clone(),
                    href: format!("/schools/{}", school.urn),
                }];
                row.extend(measures.iter().map(|m| {
                    figures::find(&latest, &scope, year, *m, cairn_measures::PupilGroup::All)
                        .map_or(Cell::Empty, |r| Cell::figure(*m, &r.value))
                }));
                table.push(row);
            }
            (
                Some(pooled).filter(|t| !t.is_empty()),
                Some(gaps).filter(|t| !t.is_empty()),
                Some(attendance).filter(|t| !t.is_empty()),
                Some(table),
            )
        }
    };
    if let Some((key, format)) = export.requested()? {
        let tables: Vec<DataTable> = [&pooled, &gaps, &attendance, &schools_table]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        return download(&tables, key, format, &group.name);
    }
    let page = GroupShowPage {
        nav: Some(Nav::of(&viewer)),
        title: group.name.clone(),
        year: year.map(|y| y.to_string()),
        pooled,
        gaps,
        attendance,
        schools: schools_table,
        n_hidden: members.len() - visible.len(),
        group,
    };
    Ok(render(&page)?.into_response())
}
