//! A group's judgement scale, edited by the group's trust leaders: add a judgement (on the
//! framework page), and on one judgement's own page rename or re-describe it, move it up or
//! down the scale, or delete it. A judgement that findings use cannot be deleted (the page says
//! how many use it); renaming it renames it on every review that used it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use cairn_store::{Direction, ScaleEntry, StoreError};
use serde::Deserialize;

use super::{FrameworkForms, ScaleLine, framework_page, scale_line};
use crate::auth::Viewer;
use crate::pages::priorities::{FieldError, Names, error_for, field_error};
use crate::pages::{Nav, render};
use crate::{AppState, WebError};

/// The longest label a judgement may have; it is shown in headings and a select.
const MAX_LABEL: usize = 60;
/// The longest description: a short one, read beside the label.
const MAX_DESCRIPTION: usize = 300;

/// A judgement's form, as typed: the group only when adding.
#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct JudgementForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub description: String,
}

/// The move form: `up` or `down`.
#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct MoveForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    direction: String,
}

/// The delete form: only the CSRF token.
#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct DeleteForm {
    #[serde(default)]
    csrf_token: String,
}

/// Checks a label and description; returns them trimmed, or pushes an error per field.
fn read_judgement<'f>(form: &'f JudgementForm, errors: &mut Vec<FieldError>) -> (&'f str, &'f str) {
    let label = form.label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        errors.push(field_error(
            "judgement_label",
            format!("Enter a label of up to {MAX_LABEL} characters."),
        ));
    }
    let description = form.description.trim();
    if description.is_empty() || description.chars().count() > MAX_DESCRIPTION {
        errors.push(field_error(
            "judgement_description",
            format!("Describe the judgement in up to {MAX_DESCRIPTION} characters."),
        ));
    }
    (label, description)
}

fn duplicate_label(label: &str) -> FieldError {
    field_error(
        "judgement_label",
        format!("The scale already has a judgement called \u{201c}{label}\u{201d}."),
    )
}

/// POST /reviews/framework/judgements: adds a judgement at the end of a group's scale.
pub(crate) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<JudgementForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&form.csrf_token)?;
    if super::runnable_groups(&viewer).is_empty() {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    if !viewer.gate.may_run_reviews(&form.group) {
        errors.push(field_error(
            "judgement_group",
            "Choose the group whose scale it is.",
        ));
    }
    let (label, description) = read_judgement(&form, &mut errors);
    if errors.is_empty() {
        match state
            .store
            .add_judgement(&form.group, label, description)
            .await
        {
            Ok(_) => return Ok(Redirect::to("/reviews/framework#scales").into_response()),
            Err(StoreError::Conflict { .. }) => errors.push(duplicate_label(label)),
            Err(error) => return Err(error.into()),
        }
    }
    let forms = FrameworkForms {
        judgement: form,
        judgement_errors: errors,
        ..FrameworkForms::default()
    };
    let page = framework_page(&state, &viewer, forms).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// Loads a scale entry the viewer may edit: 404 unknown, 403 unless the viewer is one of its
/// group's trust leaders (the scale is read on the framework page by the whole group).
async fn authorise(state: &AppState, viewer: &Viewer, id: &str) -> Result<ScaleEntry, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let entry = state
        .store
        .judgement_entry(id)
        .await?
        .ok_or(WebError::NotFound)?;
    if !viewer.gate.may_run_reviews(&entry.group_code) {
        return Err(WebError::Forbidden);
    }
    Ok(entry)
}

#[derive(Template)]
#[template(path = "reviews/judgement.html")]
pub(crate) struct JudgementEditPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub group: String,
    pub entry: ScaleLine,
    /// The whole scale, this entry's place in it marked.
    pub scale: Vec<ScaleLine>,
    pub is_first: bool,
    pub is_last: bool,
    pub in_use: bool,
    pub csrf_token: String,
    pub form: JudgementForm,
    pub errors: Vec<FieldError>,
}

impl JudgementEditPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

async fn edit_page(
    state: &AppState,
    viewer: &Viewer,
    entry: &ScaleEntry,
    form: Option<JudgementForm>,
    errors: Vec<FieldError>,
) -> Result<JudgementEditPage, WebError> {
    let names = Names::load(state).await?;
    let scale = state.store.judgement_scale(&entry.group_code).await?;
    let idx = scale.iter().position(|e| e.id == entry.id);
    Ok(JudgementEditPage {
        nav: Some(Nav::of(viewer)),
        title: format!("Judgement: {}", entry.label),
        group: names.group(&entry.group_code),
        entry: scale_line(entry),
        is_first: idx == Some(0),
        is_last: idx.is_some_and(|i| i + 1 == scale.len()),
        scale: scale.iter().map(scale_line).collect(),
        in_use: entry.n_findings > 0,
        csrf_token: viewer.csrf_token.clone(),
        form: form.unwrap_or_else(|| JudgementForm {
            label: entry.label.clone(),
            description: entry.description.clone(),
            ..JudgementForm::default()
        }),
        errors,
    })
}

/// GET /reviews/framework/judgements/{id}: one judgement, to rename, move or delete.
pub(crate) async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let entry = authorise(&state, &viewer, &id).await?;
    render(&edit_page(&state, &viewer, &entry, None, Vec::new()).await?)
}

/// POST /reviews/framework/judgements/{id}: renames and re-describes a judgement.
pub(crate) async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<JudgementForm>,
) -> Result<Response, WebError> {
    let entry = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    let mut errors = Vec::new();
    let (label, description) = read_judgement(&form, &mut errors);
    if errors.is_empty() {
        match state
            .store
            .update_judgement(entry.id, label, description)
            .await
        {
            Ok(()) => return Ok(Redirect::to("/reviews/framework#scales").into_response()),
            Err(StoreError::Conflict { .. }) => errors.push(duplicate_label(label)),
            Err(error) => return Err(error.into()),
        }
    }
    let page = edit_page(&state, &viewer, &entry, Some(form), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// POST /reviews/framework/judgements/{id}/move: one place up or down the scale.
pub(crate) async fn move_entry(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, WebError> {
    let entry = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    let direction = match form.direction.as_str() {
        "up" => Direction::Up,
        "down" => Direction::Down,
        _ => return Err(WebError::BadRequest("Move a judgement up or down.")),
    };
    state.store.move_judgement(entry.id, direction).await?;
    Ok(Redirect::to(&format!("/reviews/framework/judgements/{}", entry.id)).into_response())
}

/// POST /reviews/framework/judgements/{id}/delete: deletes a judgement no finding uses; one
/// in use is refused with the number of findings that use it.
pub(crate) async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, WebError> {
    let entry = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    match state.store.delete_judgement(entry.id).await {
        Ok(()) => Ok(Redirect::to("/reviews/framework#scales").into_response()),
        Err(StoreError::Conflict { .. }) => {
            // Re-read: a finding may have been recorded since the page was opened.
            let entry = state
                .store
                .judgement_entry(entry.id)
                .await?
                .unwrap_or(entry);
            let errors = vec![field_error(
                "delete",
                format!(
                    "\u{201c}{}\u{201d} cannot be deleted: {} it. Rename it or move it instead.",
                    entry.label,
                    match entry.n_findings {
                        1 => "1 finding uses".to_owned(),
                        n => format!("{n} findings use"),
                    },
                ),
            )];
            let page = edit_page(&state, &viewer, &entry, None, errors).await?;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(error) => Err(error.into()),
    }
}
