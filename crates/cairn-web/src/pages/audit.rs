//! Who has viewed a school's pupil-level data: its leaders can check.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use cairn_domain::Access;
use cairn_store::AuditRecord;

use crate::auth::Viewer;
use crate::pages::schools::authorise;
use crate::pages::{Nav, render};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "schools/audit.html")]
pub(crate) struct AuditIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub urn: String,
    pub school_name: String,
    pub entries: Vec<AuditRecord>,
}

#[expect(
    clippy::unused_self,
    reason = "askama templates call page helpers as methods"
)]
impl AuditIndexPage {
    fn when(&self, entry: &AuditRecord) -> String {
        entry.at.format("%-d %B %Y, %H:%M UTC").to_string()
    }
}

/// GET /schools/{urn}/audit
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(urn): Path<String>,
) -> Result<Html<String>, WebError> {
    let school = authorise(&state, &viewer, &urn, Access::PupilLevel).await?;
    if !viewer.gate.may_see_audit(school.urn) {
        return Err(WebError::Forbidden);
    }
    let entries = state.store.audit_for_school(school.urn, 200).await?;
    let page = AuditIndexPage {
        nav: Some(Nav::of(&viewer)),
        title: format!("Pupil data access at {}", school.name),
        urn: school.urn.to_string(),
        school_name: school.name,
        entries,
    };
    render(&page)
}
