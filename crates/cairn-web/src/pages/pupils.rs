//! The pupils on a school's roll: pupil-level, so gated at `Access::PupilLevel` and
//! audit-logged on every view.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use cairn_domain::Access;
use cairn_store::{AuditEntry, PupilOnRoll};

use crate::auth::Viewer;
use crate::pages::schools::authorise;
use crate::pages::{Nav, render};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "pupils/index.html")]
pub(crate) struct PupilIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub urn: String,
    pub school_name: String,
    pub year: Option<String>,
    pub pupils: Vec<PupilOnRoll>,
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "Not recorded",
    }
}

#[expect(
    clippy::unused_self,
    reason = "askama templates call page helpers as methods"
)]
impl PupilIndexPage {
    fn disadvantaged(&self, pupil: &PupilOnRoll) -> &'static str {
        yes_no(pupil.disadvantaged)
    }
    fn eal(&self, pupil: &PupilOnRoll) -> &'static str {
        yes_no(pupil.eal)
    }
    fn sen(&self, pupil: &PupilOnRoll) -> &'static str {
        pupil.sen.map_or("Not recorded", |s| s.label())
    }
}

/// GET /schools/{urn}/pupils
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(urn): Path<String>,
) -> Result<Html<String>, WebError> {
    let school = authorise(&state, &viewer, &urn, Access::PupilLevel).await?;
    let year = state.store.latest_academic_year().await?;
    let pupils = match year {
        Some(year) => state.store.pupils_on_roll(school.urn, year).await?,
        None => Vec::new(),
    };
    state
        .store
        .record_audit(&AuditEntry {
            at: state.clock.now(),
            user_id: Some(viewer.user_id),
            action: "pupils.index".to_owned(),
            urn: Some(school.urn),
            pupil_id: None,
            detail: format!(
                "viewed the list of {} pupils on roll{}",
                pupils.len(),
                year.map(|y| format!(" in {y}")).unwrap_or_default()
            ),
        })
        .await?;
    let page = PupilIndexPage {
        nav: Some(Nav::of(&viewer)),
        title: format!("Pupils at {}", school.name),
        urn: school.urn.to_string(),
        school_name: school.name,
        year: year.map(|y| y.to_string()),
        pupils,
    };
    render(&page)
}
