//! The partnership overview: every school the viewer may see, with pupils on roll by phase.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use cairn_domain::{AcademicYear, Access, Group, Membership, School, Urn};
use cairn_store::SchoolRoll;
use chrono::NaiveDate;

use crate::auth::Viewer;
use crate::pages::{Nav, render};
use crate::{AppState, WebError};

#[derive(Debug)]
pub(crate) struct SchoolLine {
    pub urn: String,
    pub name: String,
    pub phase: &'static str,
    pub school_type: &'static str,
    pub religious_character: Option<String>,
    pub groups: Vec<String>,
    pub n_pupils: i64,
    pub pupil_level: bool,
}

#[derive(Debug)]
pub(crate) struct PhaseLine {
    pub phase: &'static str,
    pub n_schools: usize,
    pub n_pupils: i64,
}

#[derive(Template)]
#[template(path = "overview/index.html")]
pub(crate) struct OverviewIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub year: Option<String>,
    pub census_day: Option<String>,
    pub phases: Vec<PhaseLine>,
    pub schools: Vec<SchoolLine>,
    pub n_pupils: i64,
}

/// The day whose roll the overview counts: the latest year's spring census day, or today if
/// that day has not come yet.
pub(crate) fn roll_day(latest: AcademicYear, today: NaiveDate) -> NaiveDate {
    latest.spring_census_day().min(today)
}

fn group_names(
    urn: Urn,
    memberships: &[Membership],
    groups: &[Group],
    today: NaiveDate,
) -> Vec<String> {
    memberships
        .iter()
        .filter(|m| m.urn == urn && m.is_active_on(today))
        .filter_map(|m| groups.iter().find(|g| g.code == m.group_code))
        .map(|g| g.name.clone())
        .collect()
}

/// Assembles the page from stored facts, keeping only schools the gate lets the viewer see.
pub(crate) fn build(
    viewer: &Viewer,
    schools: Vec<School>,
    groups: &[Group],
    memberships: &[Membership],
    rolls: &[SchoolRoll],
    year: Option<(AcademicYear, NaiveDate)>,
    today: NaiveDate,
) -> OverviewIndexPage {
    let mut on_roll: BTreeMap<Urn, i64> = BTreeMap::new();
    for roll in rolls {
        *on_roll.entry(roll.urn).or_default() += roll.n_pupils;
    }
    let lines: Vec<SchoolLine> = schools
        .into_iter()
        .filter(|s| viewer.gate.access(s.urn) > Access::None)
        .map(|s| SchoolLine {
            urn: s.urn.to_string(),
            groups: group_names(s.urn, memberships, groups, today),
            n_pupils: on_roll.get(&s.urn).copied().unwrap_or(0),
            pupil_level: viewer.gate.access(s.urn) == Access::PupilLevel,
            name: s.name,
            phase: s.phase.label(),
            school_type: s.school_type.label(),
            religious_character: s.religious_character,
        })
        .collect();
    let mut phases: Vec<PhaseLine> = Vec::new();
    for line in &lines {
        match phases.iter_mut().find(|p| p.phase == line.phase) {
            Some(phase) => {
                phase.n_schools += 1;
                phase.n_pupils += line.n_pupils;
            }
            None => phases.push(PhaseLine {
                phase: line.phase,
                n_schools: 1,
                n_pupils: line.n_pupils,
            }),
        }
    }
    OverviewIndexPage {
        nav: Some(Nav::of(viewer)),
        title: "Partnership overview".to_owned(),
        year: year.map(|(y, _)| y.to_string()),
        census_day: year.map(|(_, d)| d.format("%-d %B %Y").to_string()),
        n_pupils: lines.iter().map(|l| l.n_pupils).sum(),
        phases,
        schools: lines,
    }
}

/// GET /: the partnership overview.
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, WebError> {
    let today = state.clock.now().date_naive();
    let store = &state.store;
    let year = store
        .latest_academic_year()
        .await?
        .map(|y| (y, roll_day(y, today)));
    let rolls = match year {
        Some((_, day)) => store.school_rolls(day).await?,
        None => Vec::new(),
    };
    let page = build(
        &viewer,
        store.schools().await?,
        &store.groups().await?,
        &store.memberships().await?,
        &rolls,
        year,
        today,
    );
    render(&page)
}
