//! One pupil's timeline across the partnership's schools: enrolments, characteristics by
//! term, results and attendance. Pupil-level: shown only for years the pupil spent at schools
//! whose pupil data the viewer may see, and every view and download is audit-logged against
//! each of those schools.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use cairn_domain::{Access, Urn};
use cairn_store::{AuditEntry, PupilTimeline};

use crate::auth::Viewer;
use crate::export::{ExportQuery, download};
use crate::pages::{Nav, render};
use crate::tables::{Cell, Column, DataTable};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "pupils/show.html")]
pub(crate) struct PupilShowPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub name: String,
    pub upn: String,
    pub date_of_birth: String,
    pub sex: &'static str,
    pub n_hidden: usize,
    pub tables: Vec<DataTable>,
}

fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// The timeline's four tables.
fn tables(timeline: &PupilTimeline, path: &str) -> Vec<DataTable> {
    let mut enrolments = DataTable::new(
        "enrolments",
        "Schools attended",
        vec![
            Column::text("Academic year"),
            Column::text("School"),
            Column::text("Year group"),
            Column::text("Started"),
            Column::text("Left"),
        ],
        path,
    );
    for e in &timeline.enrolments {
        enrolments.push(vec![
            Cell::text(e.academic_year.to_string()),
            Cell::Link {
                text: e.school_name.clone(),
                href: format!("/schools/{}", e.urn),
            },
            Cell::text(e.nc_year.label()),
            Cell::text(date(e.started_on)),
            e.left_on.map_or(Cell::Empty, |d| Cell::text(date(d))),
        ]);
    }
    let mut characteristics = DataTable::new(
        "characteristics",
        "Characteristics at each census",
        vec![
            Column::text("Census"),
            Column::text("Disadvantaged"),
            Column::text("Free school meals"),
            Column::text("Looked after"),
            Column::text("SEN"),
            Column::text("Primary need"),
            Column::text("EAL"),
        ],
        path,
    );
    for c in &timeline.characteristics {
        characteristics.push(vec![
            Cell::text(format!("{} {}", c.term.label(), c.academic_year)),
            Cell::text(yes_no(c.disadvantaged)),
            Cell::text(yes_no(c.fsm)),
            Cell::text(yes_no(c.looked_after)),
            Cell::text(c.sen.label()),
            c.sen_need.clone().map_or(Cell::Empty, Cell::Text),
            Cell::text(yes_no(c.eal)),
        ]);
    }
    let mut results = DataTable::new(
        "results",
        "Assessment results",
        vec![
            Column::text("Academic year"),
            Column::text("Assessment"),
            Column::text("Subject"),
            Column::text("Result"),
        ],
        path,
    );
    for r in &timeline.results {
        results.push(vec![
            Cell::text(
                r.academic_year
                    .map_or_else(|| "Year not recorded".to_owned(), |y| y.to_string()),
            ),
            Cell::text(r.assessment),
            Cell::text(r.subject.clone()),
            Cell::text(r.result.clone()),
        ]);
    }
    let mut attendance = DataTable::new(
        "attendance",
        "Attendance",
        vec![
            Column::text("Period"),
            Column::number("Possible sessions"),
            Column::number("Attended"),
            Column::number("Authorised absence"),
            Column::number("Unauthorised absence"),
            Column::number("Absence"),
        ],
        path,
    );
    for a in &timeline.attendance {
        attendance.push(vec![
            Cell::text(match a.term {
                Some(term) => format!("{} {}", term.label(), a.academic_year),
                None => format!("Whole year {}", a.academic_year),
            }),
            Cell::count(a.sessions.possible),
            Cell::count(a.sessions.attended),
            Cell::count(a.sessions.authorised),
            Cell::count(a.sessions.unauthorised),
            match a.absence_rate {
                Some(rate) => Cell::Number {
                    text: format!("{:.1}%", rate * 100.0),
                    value: (rate * 1000.0).round() / 10.0,
                },
                None => Cell::Empty,
            },
        ]);
    }
    vec![enrolments, characteristics, results, attendance]
}

/// GET /pupils/{id}, or one of its tables with `?table=KEY&format=csv|xlsx`.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(export): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let pupil_id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let requested = export.requested()?;
    let Some(mut timeline) = state.store.pupil_timeline(pupil_id).await? else {
        return Err(WebError::NotFound);
    };
    let visible: Vec<Urn> = timeline
        .schools()
        .into_iter()
        .filter(|urn| viewer.gate.access(*urn) == Access::PupilLevel)
        .collect();
    if visible.is_empty() {
        // Whether or not the pupil exists is itself pupil-level: the same answer as a school
        // outside the viewer's scope.
        return Err(WebError::Forbidden);
    }
    let n_hidden = timeline.keep_years_at(&visible);
    let path = format!("/pupils/{pupil_id}");
    let tables = tables(&timeline, &path);
    if requested.is_some_and(|(key, _)| crate::tables::find(&tables, key).is_none()) {
        // Nothing is downloaded, so nothing is logged as exported.
        return Err(WebError::NotFound);
    }
    let detail = match requested {
        Some((key, format)) => format!(
            "exported the {key} table of pupil #{pupil_id}'s timeline ({})",
            format.label()
        ),
        None => format!("viewed pupil #{pupil_id}'s timeline"),
    };
    for urn in &visible {
        state
            .store
            .record_audit(&AuditEntry {
                at: state.clock.now(),
                user_id: Some(viewer.user_id),
                action: if requested.is_some() {
                    "pupil.export".to_owned()
                } else {
                    "pupil.show".to_owned()
                },
                urn: Some(*urn),
                pupil_id: Some(pupil_id),
                detail: detail.clone(),
            })
            .await?;
    }
    if let Some((key, format)) = requested {
        return download(&tables, key, format, &format!("pupil-{pupil_id}"));
    }
    let name = format!("{} {}", timeline.forename, timeline.surname);
    let page = PupilShowPage {
        nav: Some(Nav::of(&viewer)),
        title: name.clone(),
        name,
        upn: timeline.upn.to_string(),
        date_of_birth: date(timeline.date_of_birth),
        sex: timeline.sex.label(),
        n_hidden,
        tables,
    };
    Ok(render(&page)?.into_response())
}
