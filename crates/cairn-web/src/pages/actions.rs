//! Action plans: adding an action to a priority, updating its status and RAG rating, and the
//! signed-in user's own actions with the overdue ones first (`/my`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use cairn_domain::{ActionStatus, Rag, Scope, Urn};
use cairn_store::{NewAction, Priority};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::pages::priorities::{
    ActionLine, CriterionForm, FieldError, Names, action_line, authorise, criterion_scopes,
    field_error, read_date, show_page,
};
use crate::pages::{Nav, render};
use crate::{AppState, WebError};

/// The add-an-action form, as typed.
#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct ActionForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub school: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub rag: String,
}

impl ActionForm {
    /// A blank form: the viewer owns it, starting today.
    pub(crate) fn defaults(viewer: &Viewer, state: &AppState) -> ActionForm {
        ActionForm {
            owner: viewer.username.to_string(),
            starts_on: state.clock.now().date_naive().to_string(),
            status: ActionStatus::NotStarted.code().to_owned(),
            rag: Rag::Green.code().to_owned(),
            ..ActionForm::default()
        }
    }
}

fn parse_date(text: &str, field: &'static str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    read_date(text, field, "Enter a date, for example 2026-12-18.", errors)
}

/// POST /priorities/{id}/actions
pub(crate) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    let priority = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !viewer
        .gate
        .may_edit_priority(&priority.scope, &priority.owner)
    {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    let action = read_action(&state, &viewer, &priority, &form, &mut errors).await?;
    let (Some(action), true) = (action, errors.is_empty()) else {
        let page = show_page(
            &state,
            &viewer,
            priority,
            &CriterionForm::default(),
            form,
            errors,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    state.store.add_action(&action).await?;
    Ok(Redirect::to(&format!("/priorities/{}#actions", priority.id)).into_response())
}

/// Checks an add-an-action form for `priority`, pushing a message per bad field; the action,
/// when every field is good. Serves the priority's form and a peer review's follow-ups.
pub(crate) async fn read_action(
    state: &AppState,
    viewer: &Viewer,
    priority: &Priority,
    form: &ActionForm,
    errors: &mut Vec<FieldError>,
) -> Result<Option<NewAction>, WebError> {
    let title = form.title.trim();
    if title.is_empty() || title.len() > 200 {
        errors.push(field_error(
            "action_title",
            "Enter what will be done, in up to 200 characters.",
        ));
    }
    let owner = match cairn_domain::Username::parse(form.owner.trim()) {
        Ok(name) if state.store.user_by_username(&name).await?.is_some() => Some(name),
        _ => {
            errors.push(field_error(
                "action_owner",
                "Enter the Cairn username of the person who owns the action.",
            ));
            None
        }
    };
    let school: Option<Option<Urn>> = if form.school.trim().is_empty() {
        Some(None)
    } else {
        Urn::parse(form.school.trim())
            .ok()
            .filter(|u| criterion_scopes(viewer, priority).contains(&Scope::School(*u)))
            .map(Some)
    };
    if school.is_none() {
        errors.push(field_error(
            "action_school",
            "Choose a school in the priority.",
        ));
    }
    let starts_on = parse_date(&form.starts_on, "starts_on", errors);
    let due_on = parse_date(&form.due_on, "due_on", errors);
    if let (Some(start), Some(due)) = (starts_on, due_on) {
        if due < start {
            errors.push(field_error(
                "due_on",
                "The due date must not be before the start.",
            ));
        }
    }
    let status = ActionStatus::parse(&form.status).ok();
    let rag = Rag::parse(&form.rag).ok();
    if status.is_none() {
        errors.push(field_error("action_status", "Choose a status."));
    }
    if rag.is_none() {
        errors.push(field_error("rag", "Choose a RAG rating."));
    }
    let (Some(owner), Some(school), Some(starts_on), Some(due_on), Some(status), Some(rag)) =
        (owner, school, starts_on, due_on, status, rag)
    else {
        return Ok(None);
    };
    Ok(Some(NewAction {
        priority_id: priority.id,
        title: title.to_owned(),
        owner,
        school,
        starts_on,
        due_on,
        status,
        rag,
    }))
}

#[derive(Deserialize, Debug)]
pub(crate) struct ActionUpdateForm {
    csrf_token: String,
    status: String,
    rag: String,
}

/// POST /actions/{id}: a new status and RAG rating, from the priority's editors or the
/// action's owner.
pub(crate) async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ActionUpdateForm>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let action = state.store.action(id).await?.ok_or(WebError::NotFound)?;
    if !viewer.gate.may_see_plan(&action.priority_scope) {
        return Err(WebError::Forbidden);
    }
    viewer.check_csrf(&form.csrf_token)?;
    let may_update =
        viewer.gate.may_edit_plan(&action.priority_scope) || action.owner == viewer.username;
    if !may_update {
        return Err(WebError::Forbidden);
    }
    let (Ok(status), Ok(rag)) = (ActionStatus::parse(&form.status), Rag::parse(&form.rag)) else {
        return Err(WebError::BadRequest(
            "Choose a status and a RAG rating from the lists.",
        ));
    };
    state.store.update_action(id, status, rag).await?;
    Ok(Redirect::to(&format!("/priorities/{}#actions", action.priority_id)).into_response())
}

#[derive(Template)]
#[template(path = "improvement/my.html")]
pub(crate) struct MyPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub overdue: Vec<ActionLine>,
    pub open: Vec<ActionLine>,
    pub closed: Vec<ActionLine>,
}

/// GET /my: the signed-in user's actions, overdue first.
pub(crate) async fn mine(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, WebError> {
    let names = Names::load(&state).await?;
    let today = state.clock.now().date_naive();
    let mut overdue = Vec::new();
    let mut open = Vec::new();
    let mut closed = Vec::new();
    for action in state.store.actions_owned_by(&viewer.username).await? {
        let line = action_line(&action, &names, today);
        if line.overdue {
            overdue.push(line);
        } else if action.status.is_closed() {
            closed.push(line);
        } else {
            open.push(line);
        }
    }
    let page = MyPage {
        nav: Some(Nav::of(&viewer)),
        title: "Your actions".to_owned(),
        overdue,
        open,
        closed,
    };
    render(&page)
}
