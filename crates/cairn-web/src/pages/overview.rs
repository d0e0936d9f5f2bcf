//! The partnership overview: every school the viewer may see, with pupils on roll by phase.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use cairn_domain::{AcademicYear, Access, Group, Membership, Phase, School, Urn};
use cairn_store::SchoolRoll;
use chrono::NaiveDate;

use crate::auth::Viewer;
use crate::pages::{Nav, count, render};
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
    pub n_pupils_text: String,
    pub pupil_level: bool,
}

#[derive(Debug)]
pub(crate) struct PhaseLine {
    pub phase: &'static str,
    pub n_schools: usize,
    pub n_pupils: String,
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
    pub n_pupils: String,
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
    let mut by_phase: BTreeMap<Phase, (usize, i64)> = BTreeMap::new();
    let mut lines: Vec<SchoolLine> = Vec::new();
    for school in schools {
        if viewer.gate.access(school.urn) == Access::None {
            continue;
        }
        let n_pupils = on_roll.get(&school.urn).copied().unwrap_or(0);
        let phase = by_phase.entry(school.phase).or_default();
        phase.0 += 1;
        phase.1 += n_pupils;
        lines.push(SchoolLine {
            urn: school.urn.to_string(),
            groups: group_names(school.urn, memberships, groups, today),
            n_pupils,
            n_pupils_text: count(n_pupils),
            pupil_level: viewer.gate.access(school.urn) == Access::PupilLevel,
            name: school.name,
            phase: school.phase.label(),
            school_type: school.school_type.label(),
            religious_character: school.religious_character,
        });
    }
    let phases = by_phase
        .into_iter()
        .map(|(phase, (n_schools, n_pupils))| PhaseLine {
            phase: phase.label(),
            n_schools,
            n_pupils: count(n_pupils),
        })
        .collect();
    OverviewIndexPage {
        nav: Some(Nav::of(viewer)),
        title: "Partnership overview".to_owned(),
        year: year.map(|(y, _)| y.to_string()),
        census_day: year.map(|(_, d)| d.format("%-d %B %Y").to_string()),
        n_pupils: count(lines.iter().map(|l| l.n_pupils).sum()),
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
