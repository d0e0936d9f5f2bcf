//! A school's page.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use cairn_domain::{Access, School, Urn};

use crate::auth::Viewer;
use crate::pages::overview::roll_day;
use crate::pages::{Nav, count, render};
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
}

/// GET /schools/{urn}
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(urn): Path<String>,
) -> Result<Html<String>, WebError> {
    let school = authorise(&state, &viewer, &urn, Access::Aggregate).await?;
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
        school,
    };
    render(&page)
}
