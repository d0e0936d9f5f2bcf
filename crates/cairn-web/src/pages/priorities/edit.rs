//! Changing a priority after it was set: its title, owner, scope and years; its success
//! criteria, changed or removed; and removing the priority, after saying what goes with it.
//!
//! The gate decides who may: `Gate::may_edit_priority` (whoever may edit plans for the scope,
//! and the priority's owner) for edits, `Gate::may_remove_priority` for removal. The store
//! records every change with who made it and when; the priority's page shows the history.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use cairn_domain::Scope;
use cairn_measures::PupilGroup;
use cairn_store::{Criterion, Editor, Measure, Priority, PriorityEdit, ResultScope};
use serde::Deserialize;

use super::{
    ActionLine, Choice, CriterionForm, FieldError, Names, PriorityFields, PriorityForm,
    action_line, authorise, choices, criterion_line, criterion_scopes, error_for, field_error,
    parse_scope, read_criterion, read_priority_fields, scope_value,
};
use crate::auth::Viewer;
use crate::pages::{Nav, render};
use crate::{AppState, WebError};

/// Loads a priority the viewer may change: 404 unknown, 403 otherwise.
async fn editable(state: &AppState, viewer: &Viewer, id: &str) -> Result<Priority, WebError> {
    let priority = authorise(state, viewer, id).await?;
    if !viewer
        .gate
        .may_edit_priority(&priority.scope, &priority.owner)
    {
        return Err(WebError::Forbidden);
    }
    Ok(priority)
}

fn editor(
    state: &AppState,
    viewer: &Viewer,
) -> (cairn_domain::Username, chrono::DateTime<chrono::Utc>) {
    (viewer.username.clone(), state.clock.now())
}

/// A criterion, for the list of those that can be changed.
#[derive(Debug)]
pub(crate) struct CriterionItem {
    pub id: i64,
    pub description: String,
}

#[derive(Template)]
#[template(path = "improvement/priorities_edit.html")]
pub(crate) struct PriorityEditPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub csrf_token: String,
    pub id: i64,
    pub priority_title: String,
    pub form_title: String,
    pub scopes: Vec<Choice>,
    pub owner: String,
    pub from_year: String,
    pub to_year: String,
    pub criteria: Vec<CriterionItem>,
    pub may_remove: bool,
    pub errors: Vec<FieldError>,
}

impl PriorityEditPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

/// The scopes a priority may be moved to by this viewer: its own, and any they may plan for.
fn scope_options(viewer: &Viewer, priority: &Priority) -> Vec<Scope> {
    let mut scopes = vec![priority.scope.clone()];
    for scope in viewer.gate.editable_scopes() {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes
}

async fn edit_page(
    state: &AppState,
    viewer: &Viewer,
    priority: &Priority,
    form: &PriorityForm,
    errors: Vec<FieldError>,
) -> Result<PriorityEditPage, WebError> {
    let names = Names::load(state).await?;
    let criteria = state
        .store
        .criteria(Some(priority.id))
        .await?
        .iter()
        .map(|c| CriterionItem {
            id: c.id,
            description: criterion_line(c, &names).description,
        })
        .collect();
    let scopes = scope_options(viewer, priority)
        .iter()
        .map(|s| (scope_value(s), names.scope(s)))
        .collect();
    Ok(PriorityEditPage {
        nav: Some(Nav::of(viewer)),
        title: format!("Change {}", priority.title),
        csrf_token: viewer.csrf_token.clone(),
        id: priority.id,
        priority_title: priority.title.clone(),
        form_title: form.title.clone(),
        scopes: choices(scopes, &form.scope),
        owner: form.owner.clone(),
        from_year: form.from_year.clone(),
        to_year: form.to_year.clone(),
        criteria,
        may_remove: viewer.gate.may_remove_priority(&priority.scope),
        errors,
    })
}

/// GET /priorities/{id}/edit
pub(crate) async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let priority = editable(&state, &viewer, &id).await?;
    let form = PriorityForm {
        title: priority.title.clone(),
        scope: scope_value(&priority.scope),
        owner: priority.owner.to_string(),
        from_year: priority.from_year.to_string(),
        to_year: priority.to_year.to_string(),
        ..PriorityForm::default()
    };
    render(&edit_page(&state, &viewer, &priority, &form, Vec::new()).await?)
}

/// POST /priorities/{id}/edit
pub(crate) async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<PriorityForm>,
) -> Result<Response, WebError> {
    let priority = editable(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    let mut errors = Vec::new();
    let PriorityFields {
        title,
        owner,
        from_year,
        to_year,
    } = read_priority_fields(&state, &form, &mut errors).await?;
    let scope = parse_scope(&form.scope).filter(|s| scope_options(&viewer, &priority).contains(s));
    match &scope {
        None => errors.push(field_error("scope", "Choose who the priority is for.")),
        Some(scope) if *scope != priority.scope => {
            // Its criteria and actions must still lie within the priority.
            let moved = Priority {
                scope: scope.clone(),
                ..priority.clone()
            };
            let within = criterion_scopes(&viewer, &moved);
            let criteria = state.store.criteria(Some(priority.id)).await?;
            let actions = state.store.actions(Some(priority.id)).await?;
            let names = Names::load(&state).await?;
            let outside: Vec<String> = criteria
                .iter()
                .filter_map(|c| match &c.scope {
                    ResultScope::School(urn) => Some(Scope::School(*urn)),
                    ResultScope::Group(code) => Some(Scope::Group(code.clone())),
                    ResultScope::National => None,
                })
                .chain(actions.iter().filter_map(|a| a.school.map(Scope::School)))
                .filter(|s| !within.contains(s))
                .map(|s| names.scope(&s))
                .collect();
            if !outside.is_empty() {
                errors.push(field_error(
                    "scope",
                    format!(
                        "Some success criteria or actions are about {}, which is not within {}. Change or remove them first.",
                        outside.join(", "),
                        names.scope(scope)
                    ),
                ));
            }
        }
        Some(_) => {}
    }
    let (Some(scope), Some(owner), Some(from_year), Some(to_year), true) =
        (scope, owner, from_year, to_year, errors.is_empty())
    else {
        let page = edit_page(&state, &viewer, &priority, &form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let names = Names::load(&state).await?;
    let (by, at) = editor(&state, &viewer);
    state
        .store
        .update_priority(
            priority.id,
            &PriorityEdit {
                title,
                owner,
                scope,
                from_year,
                to_year,
            },
            Editor { by: &by, at },
            &|s| names.scope(s),
        )
        .await?;
    Ok(Redirect::to(&format!("/priorities/{}#history", priority.id)).into_response())
}

#[derive(Template)]
#[template(path = "improvement/criterion_edit.html")]
pub(crate) struct CriterionEditPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub csrf_token: String,
    pub priority_id: i64,
    pub priority_title: String,
    pub criterion_id: i64,
    pub description: String,
    pub measures: Vec<Choice>,
    pub pupil_groups: Vec<Choice>,
    pub criterion_scopes: Vec<Choice>,
    pub comparisons: Vec<Choice>,
    pub target: String,
    pub due_year: String,
    pub errors: Vec<FieldError>,
}

impl CriterionEditPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

/// A stored target as it is typed: a percentage for proportions.
fn target_text(measure: Measure, target: Option<f64>) -> String {
    let Some(target) = target else {
        return String::new();
    };
    let value = if measure.is_proportion() {
        target * 100.0
    } else {
        target
    };
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The criterion form filled from a stored criterion.
fn criterion_form(criterion: &Criterion) -> CriterionForm {
    CriterionForm {
        csrf_token: String::new(),
        measure: criterion.measure.code().to_owned(),
        pupil_group: criterion.pupil_group.code().to_owned(),
        scope: match &criterion.scope {
            ResultScope::School(urn) => scope_value(&Scope::School(*urn)),
            ResultScope::Group(code) => scope_value(&Scope::Group(code.clone())),
            ResultScope::National => String::new(),
        },
        comparison: criterion.comparison.code().to_owned(),
        target: target_text(criterion.measure, criterion.target),
        due_year: criterion.due_year.to_string(),
    }
}

async fn criterion_page(
    state: &AppState,
    viewer: &Viewer,
    priority: &Priority,
    criterion: &Criterion,
    form: &CriterionForm,
    errors: Vec<FieldError>,
) -> Result<CriterionEditPage, WebError> {
    let names = Names::load(state).await?;
    let scopes = criterion_scopes(viewer, priority);
    Ok(CriterionEditPage {
        nav: Some(Nav::of(viewer)),
        title: "Change a success criterion".to_owned(),
        csrf_token: viewer.csrf_token.clone(),
        priority_id: priority.id,
        priority_title: priority.title.clone(),
        criterion_id: criterion.id,
        description: criterion_line(criterion, &names).description,
        measures: choices(
            Measure::ALL
                .iter()
                .map(|m| (m.code().to_owned(), m.label().to_owned()))
                .collect(),
            &form.measure,
        ),
        pupil_groups: choices(
            PupilGroup::ALL
                .iter()
                .map(|g| (g.code().to_owned(), g.label().to_owned()))
                .collect(),
            &form.pupil_group,
        ),
        criterion_scopes: choices(
            scopes
                .iter()
                .map(|s| (scope_value(s), names.scope(s)))
                .collect(),
            &form.scope,
        ),
        comparisons: choices(
            cairn_domain::Comparison::ALL
                .iter()
                .map(|c| (c.code().to_owned(), c.label().to_owned()))
                .collect(),
            &form.comparison,
        ),
        target: form.target.clone(),
        due_year: form.due_year.clone(),
        errors,
    })
}

/// One of the priority's criteria: 404 for an unknown id or another priority's.
async fn criterion_of(
    state: &AppState,
    priority: &Priority,
    criterion: &str,
) -> Result<Criterion, WebError> {
    let id: i64 = criterion.parse().map_err(|_| WebError::NotFound)?;
    state
        .store
        .criteria(Some(priority.id))
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(WebError::NotFound)
}

/// GET /priorities/{id}/criteria/{criterion}/edit
pub(crate) async fn edit_criterion(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, criterion)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    let priority = editable(&state, &viewer, &id).await?;
    let criterion = criterion_of(&state, &priority, &criterion).await?;
    let form = criterion_form(&criterion);
    render(&criterion_page(&state, &viewer, &priority, &criterion, &form, Vec::new()).await?)
}

/// POST /priorities/{id}/criteria/{criterion}: changes the criterion and judges it again.
pub(crate) async fn update_criterion(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, criterion)): Path<(String, String)>,
    Form(form): Form<CriterionForm>,
) -> Result<Response, WebError> {
    let priority = editable(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    let criterion = criterion_of(&state, &priority, &criterion).await?;
    let edit = match read_criterion(&viewer, &priority, &form) {
        Ok(edit) => edit,
        Err(errors) => {
            let page =
                criterion_page(&state, &viewer, &priority, &criterion, &form, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let names = Names::load(&state).await?;
    let (by, at) = editor(&state, &viewer);
    state
        .store
        .update_criterion(criterion.id, &edit, Editor { by: &by, at }, &|c| {
            criterion_line(c, &names).description
        })
        .await?;
    Ok(Redirect::to(&format!("/priorities/{}#criteria", priority.id)).into_response())
}

#[derive(Deserialize, Debug)]
pub(crate) struct TokenForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    confirm: String,
}

/// POST /priorities/{id}/criteria/{criterion}/remove
pub(crate) async fn remove_criterion(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, criterion)): Path<(String, String)>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let priority = editable(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    let criterion = criterion_of(&state, &priority, &criterion).await?;
    let names = Names::load(&state).await?;
    let (by, at) = editor(&state, &viewer);
    state
        .store
        .remove_criterion(priority.id, criterion.id, Editor { by: &by, at }, &|c| {
            criterion_line(c, &names).description
        })
        .await?;
    Ok(Redirect::to(&format!("/priorities/{}#history", priority.id)).into_response())
}

#[derive(Template)]
#[template(path = "improvement/priorities_remove.html")]
pub(crate) struct PriorityRemovePage {
    pub nav: Option<Nav>,
    pub title: String,
    pub csrf_token: String,
    pub id: i64,
    pub priority_title: String,
    pub criteria: usize,
    pub actions: Vec<ActionLine>,
    pub follow_ups: usize,
    pub decisions: usize,
    pub errors: Vec<FieldError>,
}

/// Loads a priority the viewer may remove: 404 unknown, 403 otherwise.
async fn removable(state: &AppState, viewer: &Viewer, id: &str) -> Result<Priority, WebError> {
    let priority = authorise(state, viewer, id).await?;
    if !viewer.gate.may_remove_priority(&priority.scope) {
        return Err(WebError::Forbidden);
    }
    Ok(priority)
}

async fn remove_page(
    state: &AppState,
    viewer: &Viewer,
    priority: &Priority,
    errors: Vec<FieldError>,
) -> Result<PriorityRemovePage, WebError> {
    let names = Names::load(state).await?;
    let today = state.clock.now().date_naive();
    let removal = state.store.priority_removal(priority.id).await?;
    Ok(PriorityRemovePage {
        nav: Some(Nav::of(viewer)),
        title: format!("Remove {}", priority.title),
        csrf_token: viewer.csrf_token.clone(),
        id: priority.id,
        priority_title: priority.title.clone(),
        criteria: removal.criteria,
        actions: removal
            .actions
            .iter()
            .map(|a| action_line(a, &names, today))
            .collect(),
        follow_ups: removal.follow_ups,
        decisions: removal.decisions,
        errors,
    })
}

/// GET /priorities/{id}/remove: what removing the priority takes with it.
pub(crate) async fn confirm_remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let priority = removable(&state, &viewer, &id).await?;
    render(&remove_page(&state, &viewer, &priority, Vec::new()).await?)
}

/// POST /priorities/{id}/remove: a priority with actions goes only when the form confirms it.
pub(crate) async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let priority = removable(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    let has_actions = !state.store.actions(Some(priority.id)).await?.is_empty();
    if has_actions && form.confirm != "yes" {
        let errors = vec![field_error(
            "confirm",
            "Tick the box to confirm that the actions go with the priority.",
        )];
        let page = remove_page(&state, &viewer, &priority, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let (by, at) = editor(&state, &viewer);
    state
        .store
        .remove_priority(priority.id, Editor { by: &by, at })
        .await?;
    Ok(Redirect::to("/priorities#removed").into_response())
}
