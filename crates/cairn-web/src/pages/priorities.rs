//! Improvement priorities: the list, a priority with its success criteria and actions, the
//! forms that create them, and the annual review (a page and an XLSX workbook).
//!
//! Criteria show their stored evaluation (judged after every refresh), never a fresh
//! calculation. Trust leaders edit their group's priorities and its schools', headteachers
//! their school's; everyone else who may see the scope reads.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use cairn_domain::{AcademicYear, Comparison, Group, School, Scope, Urn, Username};
use cairn_measures::PupilGroup;
use cairn_measures::criteria::{CriterionStatus, Noise, Reason};
use cairn_store::{
    Criterion, Editor, Measure, NewCriterion, NewPriority, Priority, PriorityChange, ResultScope,
};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::export::{self, ExportQuery};
use crate::pages::overview::format_figure;
use crate::pages::{Nav, render};
use crate::tables::{Cell, Column, DataTable};
use crate::{AppState, WebError};

pub(crate) mod edit;

/// Names of schools and groups, for labels.
pub(crate) struct Names {
    schools: Vec<School>,
    groups: Vec<Group>,
}

impl Names {
    pub(crate) async fn load(state: &AppState) -> Result<Names, WebError> {
        Ok(Names::of_store(&state.store).await?)
    }

    async fn of_store(store: &cairn_store::Store) -> Result<Names, cairn_store::StoreError> {
        Ok(Names {
            schools: store.schools().await?,
            groups: store.groups().await?,
        })
    }

    pub(crate) fn school(&self, urn: Urn) -> String {
        self.schools
            .iter()
            .find(|s| s.urn == urn)
            .map_or_else(|| format!("School {urn}"), |s| s.name.clone())
    }

    pub(crate) fn group(&self, code: &str) -> String {
        self.groups
            .iter()
            .find(|g| g.code == code)
            .map_or_else(|| code.to_owned(), |g| g.name.clone())
    }

    pub(crate) fn scope(&self, scope: &Scope) -> String {
        match scope {
            Scope::Group(code) => self.group(code),
            Scope::School(urn) => self.school(*urn),
        }
    }

    fn result_scope(&self, scope: &ResultScope) -> String {
        match scope {
            ResultScope::School(urn) => self.school(*urn),
            ResultScope::Group(code) => self.group(code),
            ResultScope::National => "England".to_owned(),
        }
    }
}

/// A scope as a form value: `group:CODE` or `school:URN`.
pub(crate) fn scope_value(scope: &Scope) -> String {
    match scope {
        Scope::Group(code) => format!("group:{code}"),
        Scope::School(urn) => format!("school:{urn}"),
    }
}

pub(crate) fn parse_scope(value: &str) -> Option<Scope> {
    match value.split_once(':')? {
        ("group", code) if !code.is_empty() => Some(Scope::Group(code.to_owned())),
        ("school", urn) => Urn::parse(urn).ok().map(Scope::School),
        _ => None,
    }
}

/// A value for a select box.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn choices(options: Vec<(String, String)>, selected: &str) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == selected,
            value,
            label,
        })
        .collect()
}

/// The action form's status choices, the typed one selected.
pub(crate) fn status_choices(form: &crate::pages::actions::ActionForm) -> Vec<Choice> {
    choices(
        cairn_domain::ActionStatus::ALL
            .iter()
            .map(|s| (s.code().to_owned(), s.label().to_owned()))
            .collect(),
        &form.status,
    )
}

/// The action form's RAG choices, the typed one selected.
pub(crate) fn rag_choices(form: &crate::pages::actions::ActionForm) -> Vec<Choice> {
    choices(
        cairn_domain::Rag::ALL
            .iter()
            .map(|r| (r.code().to_owned(), r.label().to_owned()))
            .collect(),
        &form.rag,
    )
}

/// A form problem: the field's id and a message saying how to put it right.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    pub field: &'static str,
    pub message: String,
}

pub(crate) fn field_error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// A date typed into a form as `YYYY-MM-DD`; a date that does not read adds `message` to
/// `errors` against `field`.
pub(crate) fn read_date(
    text: &str,
    field: &'static str,
    message: &str,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    if date.is_none() {
        errors.push(field_error(field, message));
    }
    date
}

/// Looks up a field's error for the template.
pub(crate) fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// A number typed into a form: a percentage for proportions (`65` or `65%` means 0.65), the
/// measure's own units otherwise.
fn parse_target(measure: Measure, text: &str) -> Result<Option<f64>, String> {
    let text = text.trim().trim_end_matches('%').trim();
    if text.is_empty() {
        return Ok(None);
    }
    let value: f64 = text.parse().map_err(|_| {
        format!("Enter the target as a number, for example 65 (you entered {text:?}).")
    })?;
    if !value.is_finite() {
        return Err("Enter the target as a number, for example 65.".to_owned());
    }
    if measure.is_proportion() {
        if !(0.0..=100.0).contains(&value) {
            return Err("Enter a percentage between 0 and 100.".to_owned());
        }
        Ok(Some(value / 100.0))
    } else {
        Ok(Some(value))
    }
}

/// A value in the measure's units, as pages write it.
pub(crate) fn format_value(measure: Measure, value: f64) -> String {
    if measure.is_proportion() {
        format!("{:.1}%", value * 100.0)
    } else if measure == Measure::Ks4Progress8 {
        format!("{value:+.2}")
    } else {
        format!("{value:.1}")
    }
}

/// One criterion's evidence, in words and figures.
#[derive(Debug, Clone)]
pub(crate) struct CriterionLine {
    pub description: String,
    pub measure: String,
    pub pupil_group: String,
    pub scope: String,
    pub comparison: String,
    pub target: String,
    pub due_year: String,
    pub status_code: &'static str,
    pub status: &'static str,
    pub year: String,
    pub figure: String,
    pub threshold: String,
    pub noise: &'static str,
    pub trend: String,
    pub why: String,
}

fn describe_target(criterion: &Criterion) -> String {
    match (criterion.comparison, criterion.target) {
        (Comparison::GapToNationalOther, Some(gap)) => {
            if criterion.measure.is_proportion() {
                format!("gap of at most {:.1} percentage points", gap * 100.0)
            } else {
                format!("gap of at most {gap:.2}")
            }
        }
        (_, Some(target)) => format_value(criterion.measure, target),
        (_, None) => "–".to_owned(),
    }
}

/// The words the priority pages give a success criterion in its history, for callers that
/// record changes outside a request (the demo's improvement plan, loaded by `cairn demo`).
pub async fn criterion_words(
    store: &cairn_store::Store,
) -> Result<impl Fn(&Criterion) -> String + Sync, cairn_store::StoreError> {
    let names = Names::of_store(store).await?;
    Ok(move |criterion: &Criterion| criterion_line(criterion, &names).description)
}

pub(crate) fn criterion_line(criterion: &Criterion, names: &Names) -> CriterionLine {
    let measure = criterion.measure;
    let scope = names.result_scope(&criterion.scope);
    let target = describe_target(criterion);
    let comparison = match criterion.comparison {
        Comparison::Target if !cairn_store::higher_is_better(measure) => "At or below a target",
        Comparison::Target => "At or above a target",
        Comparison::SimilarSchoolsAverage if !cairn_store::higher_is_better(measure) => {
            "At or below the similar-schools average"
        }
        other => other.label(),
    };
    let description = format!(
        "{}, {}, {}: {}{} by {}",
        measure.label(),
        criterion.pupil_group.label(),
        scope,
        comparison.to_lowercase(),
        if criterion.target.is_some() {
            format!(" ({target})")
        } else {
            String::new()
        },
        criterion.due_year
    );
    let mut line = CriterionLine {
        description,
        measure: measure.label().to_owned(),
        pupil_group: criterion.pupil_group.label().to_owned(),
        scope,
        comparison: comparison.to_owned(),
        target,
        due_year: criterion.due_year.to_string(),
        status_code: "not_judged",
        status: "Not judged yet",
        year: String::new(),
        figure: "–".to_owned(),
        threshold: "–".to_owned(),
        noise: "–",
        trend: "–".to_owned(),
        why: "Cairn judges criteria each time it computes the measures; no figures have been computed yet.".to_owned(),
    };
    let Some(stored) = &criterion.evaluation else {
        return line;
    };
    let evaluation = &stored.evaluation;
    line.status_code = evaluation.status.code();
    line.status = evaluation.status.label();
    if let Some(judged) = evaluation.judged {
        line.year = judged.academic_year.to_string();
        line.figure = match judged.value {
            Some(value) => {
                format_figure(
                    measure,
                    &cairn_store::StoredValue::Shown {
                        value,
                        n_pupils: judged.n_pupils.unwrap_or(0),
                        ci_low: judged.ci.map(|c| c.lower),
                        ci_high: judged.ci.map(|c| c.upper),
                    },
                ) + &match (judged.ci, measure == Measure::Ks4Progress8) {
                    (Some(ci), false) => format!(
                        " ({} to {})",
                        format_value(measure, ci.lower),
                        format_value(measure, ci.upper)
                    ),
                    _ => String::new(),
                } + &judged
                    .n_pupils
                    .map(|n| format!(", {n} pupils"))
                    .unwrap_or_default()
            }
            None => "Suppressed (fewer than 6 pupils)".to_owned(),
        };
    }
    if let Some(threshold) = evaluation.threshold {
        line.threshold = format_value(measure, threshold);
    }
    line.noise = match evaluation.noise {
        Some(Noise::Outside) => "Clear of the margin of error",
        Some(Noise::Within) => "Within the margin of error",
        None => "No interval to judge by",
    };
    if !evaluation.trend.is_empty() {
        line.trend = evaluation
            .trend
            .iter()
            .map(|(year, value)| format!("{year}: {}", format_value(measure, *value)))
            .collect::<Vec<_>>()
            .join("; ");
    }
    line.why = match evaluation.reason {
        Reason::NoFigure => "There is no figure for this yet.".to_owned(),
        Reason::Suppressed => {
            "The latest figure is hidden because fewer than 6 pupils are in the group.".to_owned()
        }
        Reason::NoTarget => "The criterion has no target.".to_owned(),
        Reason::NoNationalOther => {
            "Cairn does not hold the national figure for other pupils yet.".to_owned()
        }
        Reason::NoSimilarAverage => {
            "Cairn does not hold the similar-schools average yet.".to_owned()
        }
        Reason::NoTopQuarterFlag => {
            "Cairn does not hold the similar-schools ranking yet.".to_owned()
        }
        Reason::NoTrend => {
            "Not reached yet, and there is only one year of figures, so there is no trend to judge by.".to_owned()
        }
        Reason::Reached => "The figure has reached the target.".to_owned(),
        Reason::ProjectedToReach { projected } => format!(
            "Not reached yet, but if the trend continues it will be {} by {} (Cairn's projection, a straight line through the first and latest years).",
            format_value(measure, projected),
            criterion.due_year
        ),
        Reason::ProjectedToFallShort { projected } => format!(
            "Not reached, and if the trend continues it will be only {} by {} (Cairn's projection, a straight line through the first and latest years).",
            format_value(measure, projected),
            criterion.due_year
        ),
        Reason::NotReachedByDueYear => "The figure did not reach the target by the due year.".to_owned(),
    };
    line
}

/// A priority's overall status: the worst of its criteria's, from not met to met.
pub(crate) fn overall_status(lines: &[CriterionLine]) -> &'static str {
    let order = [
        ("not_met", CriterionStatus::NotMet.label()),
        ("on_track", CriterionStatus::OnTrack.label()),
        (
            "not_yet_measurable",
            CriterionStatus::NotYetMeasurable.label(),
        ),
        ("not_judged", "Not judged yet"),
        ("met", CriterionStatus::Met.label()),
    ];
    if lines.is_empty() {
        return "No success criteria yet";
    }
    for (code, label) in order {
        if lines.iter().any(|l| l.status_code == code) {
            return label;
        }
    }
    "No success criteria yet"
}

#[derive(Debug)]
pub(crate) struct PriorityLine {
    pub id: i64,
    pub title: String,
    pub owner: String,
    pub scope: String,
    pub years: String,
    pub status: &'static str,
    pub criteria: Vec<CriterionLine>,
    pub narrative: String,
}

fn owner_label(priority: &Priority) -> String {
    match &priority.owner_name {
        Some(name) => name.clone(),
        None => priority.owner.to_string(),
    }
}

/// The priorities the viewer may see, with their criteria's evidence.
pub(crate) async fn visible_priorities(
    state: &AppState,
    viewer: &Viewer,
    names: &Names,
) -> Result<Vec<PriorityLine>, WebError> {
    let priorities = state.store.priorities().await?;
    let mut criteria: BTreeMap<i64, Vec<CriterionLine>> = BTreeMap::new();
    for criterion in state.store.criteria(None).await? {
        criteria
            .entry(criterion.priority_id)
            .or_default()
            .push(criterion_line(&criterion, names));
    }
    Ok(priorities
        .into_iter()
        .filter(|p| viewer.gate.may_see_plan(&p.scope))
        .map(|p| {
            let lines = criteria.remove(&p.id).unwrap_or_default();
            PriorityLine {
                id: p.id,
                owner: owner_label(&p),
                scope: names.scope(&p.scope),
                years: format!("{} to {}", p.from_year, p.to_year),
                status: overall_status(&lines),
                criteria: lines,
                narrative: p.narrative,
                title: p.title,
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "improvement/priorities_index.html")]
pub(crate) struct PriorityIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub priorities: Vec<PriorityLine>,
    pub may_create: bool,
    pub removed: Vec<RemovedLine>,
}

/// A removed priority, as its history recorded it.
#[derive(Debug)]
pub(crate) struct RemovedLine {
    pub what: String,
    pub scope: String,
    pub by: String,
    pub at: String,
}

/// Who made a change, by name when they have an account.
fn changed_by(change: &PriorityChange) -> String {
    change
        .changed_by_name
        .clone()
        .unwrap_or_else(|| change.changed_by.to_string())
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %B %Y at %H:%M UTC").to_string()
}

/// A priority's history as a table: when, who, what changed, before and after.
fn history_table(priority_id: i64, history: &[PriorityChange]) -> DataTable {
    let mut table = DataTable::new(
        "history",
        "Changes to this priority and its success criteria",
        vec![
            Column::text("When"),
            Column::text("Who"),
            Column::text("What changed"),
            Column::text("Before"),
            Column::text("After"),
        ],
        format!("/priorities/{priority_id}"),
    );
    for change in history {
        let text = |value: &str| {
            if value.is_empty() {
                Cell::Empty
            } else {
                Cell::text(value)
            }
        };
        table.push(vec![
            Cell::text(when(change.changed_at)),
            Cell::text(changed_by(change)),
            Cell::text(change.kind.label()),
            text(&change.old_value),
            text(&change.new_value),
        ]);
    }
    table
}

/// GET /priorities
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, WebError> {
    let names = Names::load(&state).await?;
    let page = PriorityIndexPage {
        nav: Some(Nav::of(&viewer)),
        title: "Improvement priorities".to_owned(),
        priorities: visible_priorities(&state, &viewer, &names).await?,
        may_create: !viewer.gate.editable_scopes().is_empty(),
        removed: state
            .store
            .removed_priorities()
            .await?
            .iter()
            .filter(|c| viewer.gate.may_see_plan(&c.scope))
            .map(|c| RemovedLine {
                what: c.old_value.clone(),
                scope: names.scope(&c.scope),
                by: changed_by(c),
                at: when(c.changed_at),
            })
            .collect(),
    };
    render(&page)
}

#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct PriorityForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    from_year: String,
    #[serde(default)]
    to_year: String,
    #[serde(default)]
    narrative: String,
}

#[derive(Template)]
#[template(path = "improvement/priorities_new.html")]
pub(crate) struct PriorityNewPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub csrf_token: String,
    pub form_title: String,
    pub scopes: Vec<Choice>,
    pub owner: String,
    pub from_year: String,
    pub to_year: String,
    pub narrative: String,
    pub errors: Vec<FieldError>,
}

impl PriorityNewPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn new_page(
    viewer: &Viewer,
    names: &Names,
    form: &PriorityForm,
    errors: Vec<FieldError>,
) -> PriorityNewPage {
    let scopes = viewer
        .gate
        .editable_scopes()
        .iter()
        .map(|s| (scope_value(s), names.scope(s)))
        .collect();
    PriorityNewPage {
        nav: Some(Nav::of(viewer)),
        title: "New priority".to_owned(),
        csrf_token: viewer.csrf_token.clone(),
        form_title: form.title.clone(),
        scopes: choices(scopes, &form.scope),
        owner: form.owner.clone(),
        from_year: form.from_year.clone(),
        to_year: form.to_year.clone(),
        narrative: form.narrative.clone(),
        errors,
    }
}

/// GET /priorities/new
pub(crate) async fn new(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, WebError> {
    if viewer.gate.editable_scopes().is_empty() {
        return Err(WebError::Forbidden);
    }
    let names = Names::load(&state).await?;
    let this_year = AcademicYear::containing(state.clock.now().date_naive());
    let form = PriorityForm {
        owner: viewer.username.to_string(),
        from_year: this_year.to_string(),
        to_year: this_year.next().next().to_string(),
        ..PriorityForm::default()
    };
    render(&new_page(&viewer, &names, &form, Vec::new()))
}

async fn check_owner(state: &AppState, owner: &str) -> Result<Result<Username, String>, WebError> {
    let Ok(username) = Username::parse(owner) else {
        return Ok(Err(
            "Enter the owner's Cairn username, for example trust.leader.".to_owned(),
        ));
    };
    if state.store.user_by_username(&username).await?.is_none() {
        return Ok(Err(format!("There is no Cairn account called {username}.")));
    }
    Ok(Ok(username))
}

fn parse_year(
    text: &str,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<AcademicYear> {
    match AcademicYear::parse(text) {
        Ok(year) => Some(year),
        Err(_) => {
            errors.push(field_error(field, "Enter an academic year like 2025/26."));
            None
        }
    }
}

/// What a priority's create and edit forms share, read and checked once: the title, the owner
/// and the years. Each field's problem is added to `errors`, and the field is `None`.
struct PriorityFields {
    title: String,
    owner: Option<Username>,
    from_year: Option<AcademicYear>,
    to_year: Option<AcademicYear>,
}

async fn read_priority_fields(
    state: &AppState,
    form: &PriorityForm,
    errors: &mut Vec<FieldError>,
) -> Result<PriorityFields, WebError> {
    let title = form.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(field_error(
            "title",
            "Enter a title of up to 200 characters.",
        ));
    }
    let owner = match check_owner(state, form.owner.trim()).await? {
        Ok(owner) => Some(owner),
        Err(message) => {
            errors.push(field_error("owner", message));
            None
        }
    };
    let from_year = parse_year(&form.from_year, "from_year", errors);
    let to_year = parse_year(&form.to_year, "to_year", errors);
    if let (Some(from), Some(to)) = (from_year, to_year) {
        if to < from {
            errors.push(field_error(
                "to_year",
                "The last year must not be before the first.",
            ));
        }
    }
    Ok(PriorityFields {
        title: title.to_owned(),
        owner,
        from_year,
        to_year,
    })
}

/// POST /priorities
pub(crate) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PriorityForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&form.csrf_token)?;
    let scope = parse_scope(&form.scope);
    if let Some(scope) = &scope {
        if !viewer.gate.may_edit_plan(scope) {
            return Err(WebError::Forbidden);
        }
    } else if viewer.gate.editable_scopes().is_empty() {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    if scope.is_none() {
        errors.push(field_error("scope", "Choose who the priority is for."));
    }
    let PriorityFields {
        title,
        owner,
        from_year,
        to_year,
    } = read_priority_fields(&state, &form, &mut errors).await?;
    let (Some(scope), Some(owner), Some(from_year), Some(to_year), true) =
        (scope, owner, from_year, to_year, errors.is_empty())
    else {
        let names = Names::load(&state).await?;
        let page = new_page(&viewer, &names, &form, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let id = state
        .store
        .create_priority(
            &NewPriority {
                title,
                owner,
                scope,
                from_year,
                to_year,
                narrative: form.narrative.trim().to_owned(),
            },
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/priorities/{id}")).into_response())
}

#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct CriterionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    pupil_group: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    comparison: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    due_year: String,
}

#[derive(Debug)]
pub(crate) struct ActionLine {
    pub id: i64,
    pub title: String,
    pub owner: String,
    pub school: String,
    pub starts_on: String,
    pub due_on: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub rag: &'static str,
    pub rag_code: &'static str,
    pub overdue: bool,
    pub priority_id: i64,
    pub priority_title: String,
}

pub(crate) fn action_line(
    action: &cairn_store::Action,
    names: &Names,
    today: chrono::NaiveDate,
) -> ActionLine {
    ActionLine {
        id: action.id,
        title: action.title.clone(),
        owner: action
            .owner_name
            .clone()
            .unwrap_or_else(|| action.owner.to_string()),
        school: match action.school {
            Some(urn) => names.school(urn),
            None => format!("All of {}", names.scope(&action.priority_scope)),
        },
        starts_on: action.starts_on.format("%-d %B %Y").to_string(),
        due_on: action.due_on.format("%-d %B %Y").to_string(),
        status: action.status.label(),
        status_code: action.status.code(),
        rag: action.rag.label(),
        rag_code: action.rag.code(),
        overdue: action.is_overdue(today),
        priority_id: action.priority_id,
        priority_title: action.priority_title.clone(),
    }
}

#[derive(Template)]
#[template(path = "improvement/priorities_show.html")]
pub(crate) struct PriorityShowPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub priority: PriorityLine,
    pub actions: Vec<ActionLine>,
    pub may_edit: bool,
    pub csrf_token: String,
    pub measures: Vec<Choice>,
    pub pupil_groups: Vec<Choice>,
    pub criterion_scopes: Vec<Choice>,
    pub comparisons: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub rags: Vec<Choice>,
    pub target: String,
    pub due_year: String,
    pub action_schools: Vec<Choice>,
    pub action_form: crate::pages::actions::ActionForm,
    pub errors: Vec<FieldError>,
    pub may_remove: bool,
    pub history: DataTable,
}

impl PriorityShowPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

/// The schools and groups a criterion (or action) of this priority may be about.
pub(crate) fn criterion_scopes(viewer: &Viewer, priority: &Priority) -> Vec<Scope> {
    match &priority.scope {
        Scope::School(urn) => vec![Scope::School(*urn)],
        Scope::Group(code) => {
            let mut scopes = vec![Scope::Group(code.clone())];
            if let Some(members) = viewer.gate.group_schools(code) {
                scopes.extend(members.iter().map(|u| Scope::School(*u)));
            }
            scopes
        }
    }
}

/// Loads a priority the viewer may see: 404 for an unknown id, 403 out of scope.
pub(crate) async fn authorise(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> Result<Priority, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let priority = state.store.priority(id).await?.ok_or(WebError::NotFound)?;
    if !viewer.gate.may_see_plan(&priority.scope) {
        return Err(WebError::Forbidden);
    }
    Ok(priority)
}

pub(crate) async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    priority: Priority,
    criterion_form: &CriterionForm,
    action_form: crate::pages::actions::ActionForm,
    errors: Vec<FieldError>,
) -> Result<PriorityShowPage, WebError> {
    let names = Names::load(state).await?;
    let today = state.clock.now().date_naive();
    let criteria: Vec<CriterionLine> = state
        .store
        .criteria(Some(priority.id))
        .await?
        .iter()
        .map(|c| criterion_line(c, &names))
        .collect();
    let actions = state
        .store
        .actions(Some(priority.id))
        .await?
        .iter()
        .map(|a| action_line(a, &names, today))
        .collect();
    let scopes = criterion_scopes(viewer, &priority);
    let mut action_schools = vec![(
        String::new(),
        format!("All of {}", names.scope(&priority.scope)),
    )];
    action_schools.extend(scopes.iter().filter_map(|s| match s {
        Scope::School(urn) => Some((urn.to_string(), names.school(*urn))),
        Scope::Group(_) => None,
    }));
    let may_edit = viewer
        .gate
        .may_edit_priority(&priority.scope, &priority.owner);
    let line = PriorityLine {
        id: priority.id,
        owner: owner_label(&priority),
        scope: names.scope(&priority.scope),
        years: format!("{} to {}", priority.from_year, priority.to_year),
        status: overall_status(&criteria),
        criteria,
        narrative: priority.narrative.clone(),
        title: priority.title.clone(),
    };
    let due_default = if criterion_form.due_year.is_empty() {
        priority.to_year.to_string()
    } else {
        criterion_form.due_year.clone()
    };
    Ok(PriorityShowPage {
        nav: Some(Nav::of(viewer)),
        title: priority.title.clone(),
        priority: line,
        actions,
        may_edit,
        csrf_token: viewer.csrf_token.clone(),
        measures: choices(
            Measure::ALL
                .iter()
                .map(|m| (m.code().to_owned(), m.label().to_owned()))
                .collect(),
            &criterion_form.measure,
        ),
        pupil_groups: choices(
            PupilGroup::ALL
                .iter()
                .map(|g| (g.code().to_owned(), g.label().to_owned()))
                .collect(),
            if criterion_form.pupil_group.is_empty() {
                "all"
            } else {
                &criterion_form.pupil_group
            },
        ),
        criterion_scopes: choices(
            scopes
                .iter()
                .map(|s| (scope_value(s), names.scope(s)))
                .collect(),
            &criterion_form.scope,
        ),
        comparisons: choices(
            Comparison::ALL
                .iter()
                .map(|c| (c.code().to_owned(), c.label().to_owned()))
                .collect(),
            &criterion_form.comparison,
        ),
        statuses: status_choices(&action_form),
        rags: rag_choices(&action_form),
        target: criterion_form.target.clone(),
        due_year: due_default,
        action_schools: choices(action_schools, &action_form.school),
        action_form,
        errors,
        may_remove: viewer.gate.may_remove_priority(&priority.scope),
        history: history_table(
            priority.id,
            &state.store.priority_history(priority.id).await?,
        ),
    })
}

/// GET /priorities/{id}, or its history as a download.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let priority = authorise(&state, &viewer, &id).await?;
    let requested = query.requested()?;
    let stem = format!("priority-{}", priority.id);
    let action_form = crate::pages::actions::ActionForm::defaults(&viewer, &state);
    let page = show_page(
        &state,
        &viewer,
        priority,
        &CriterionForm::default(),
        action_form,
        Vec::new(),
    )
    .await?;
    if let Some((key, format)) = requested {
        return export::download(std::slice::from_ref(&page.history), key, format, &stem);
    }
    Ok(render(&page)?.into_response())
}

/// Reads a criterion form for a priority: the criterion, or the problems with each field.
fn read_criterion(
    viewer: &Viewer,
    priority: &Priority,
    form: &CriterionForm,
) -> Result<NewCriterion, Vec<FieldError>> {
    let mut errors = Vec::new();
    let measure = Measure::parse(&form.measure);
    if measure.is_none() {
        errors.push(field_error("measure", "Choose a measure."));
    }
    let pupil_group = PupilGroup::parse(&form.pupil_group);
    if pupil_group.is_none() {
        errors.push(field_error("pupil_group", "Choose a group of pupils."));
    }
    let scope = parse_scope(&form.scope).filter(|s| criterion_scopes(viewer, priority).contains(s));
    if scope.is_none() {
        errors.push(field_error(
            "criterion_scope",
            "Choose a school or group within the priority.",
        ));
    }
    let comparison = Comparison::parse(&form.comparison).ok();
    if comparison.is_none() {
        errors.push(field_error(
            "comparison",
            "Choose how the figure is judged.",
        ));
    }
    let target = match measure.map(|m| parse_target(m, &form.target)) {
        Some(Ok(target)) => target,
        Some(Err(message)) => {
            errors.push(field_error("target", message));
            None
        }
        None => None,
    };
    if target.is_none()
        && matches!(
            comparison,
            Some(Comparison::Target | Comparison::GapToNationalOther)
        )
        && error_for(&errors, "target").is_none()
    {
        errors.push(field_error(
            "target",
            "This comparison needs a target. Enter one, for example 65.",
        ));
    }
    let due_year = parse_year(&form.due_year, "due_year", &mut errors);
    let (Some(measure), Some(pupil_group), Some(scope), Some(comparison), Some(due_year), true) = (
        measure,
        pupil_group,
        scope,
        comparison,
        due_year,
        errors.is_empty(),
    ) else {
        return Err(errors);
    };
    let scope = match scope {
        Scope::Group(code) => ResultScope::Group(code),
        Scope::School(urn) => ResultScope::School(urn),
    };
    Ok(NewCriterion {
        priority_id: priority.id,
        measure,
        pupil_group,
        scope,
        comparison,
        target,
        due_year,
    })
}

/// POST /priorities/{id}/criteria
pub(crate) async fn create_criterion(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CriterionForm>,
) -> Result<Response, WebError> {
    let priority = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !viewer
        .gate
        .may_edit_priority(&priority.scope, &priority.owner)
    {
        return Err(WebError::Forbidden);
    }
    let criterion = match read_criterion(&viewer, &priority, &form) {
        Ok(criterion) => criterion,
        Err(errors) => {
            let action_form = crate::pages::actions::ActionForm::defaults(&viewer, &state);
            let page = show_page(&state, &viewer, priority, &form, action_form, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let names = Names::load(&state).await?;
    state
        .store
        .add_criterion_by(
            &criterion,
            Editor {
                by: &viewer.username,
                at: state.clock.now(),
            },
            &|c| criterion_line(c, &names).description,
        )
        .await?;
    Ok(Redirect::to(&format!("/priorities/{}#criteria", priority.id)).into_response())
}

#[derive(Deserialize, Debug)]
pub(crate) struct NarrativeForm {
    csrf_token: String,
    narrative: String,
}

/// POST /priorities/{id}/narrative
pub(crate) async fn update_narrative(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<NarrativeForm>,
) -> Result<Response, WebError> {
    let priority = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !viewer
        .gate
        .may_edit_priority(&priority.scope, &priority.owner)
    {
        return Err(WebError::Forbidden);
    }
    state
        .store
        .set_priority_narrative(priority.id, form.narrative.trim())
        .await?;
    Ok(Redirect::to(&format!("/priorities/{}#narrative", priority.id)).into_response())
}

#[derive(Template)]
#[template(path = "improvement/review.html")]
pub(crate) struct ReviewPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub priorities: Vec<PriorityLine>,
    pub computed_at: Option<String>,
}

/// GET /review: the annual review of every priority the viewer may see.
pub(crate) async fn review(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, WebError> {
    let names = Names::load(&state).await?;
    let page = ReviewPage {
        nav: Some(Nav::of(&viewer)),
        title: "Annual review of priorities".to_owned(),
        priorities: visible_priorities(&state, &viewer, &names).await?,
        computed_at: state
            .store
            .latest_refresh()
            .await?
            .map(|r| r.computed_at.format("%-d %B %Y at %H:%M UTC").to_string()),
    };
    render(&page)
}

/// A table as headers and rows of text, for a spreadsheet export.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExportTable {
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The review as one table: a row per criterion (or per priority without criteria).
pub(crate) fn review_table(priorities: &[PriorityLine]) -> ExportTable {
    let headers = [
        "Priority",
        "For",
        "Owner",
        "Years",
        "Priority status",
        "Criterion",
        "Pupils",
        "Status",
        "Year judged",
        "Figure",
        "Had to reach",
        "Margin of error",
        "Earlier years",
        "Why",
        "Narrative",
    ];
    let mut rows = Vec::new();
    for p in priorities {
        let head = [
            p.title.clone(),
            p.scope.clone(),
            p.owner.clone(),
            p.years.clone(),
            p.status.to_owned(),
        ];
        if p.criteria.is_empty() {
            let mut row = head.to_vec();
            row.extend(std::iter::repeat_n(String::new(), 14));
            row.push(p.narrative.clone());
            rows.push(row);
        }
        for c in &p.criteria {
            let mut row = head.to_vec();
            row.extend([
                c.description.clone(),
                c.measure.clone(),
                c.pupil_group.clone(),
                c.scope.clone(),
                c.comparison.clone(),
                c.target.clone(),
                c.due_year.clone(),
                c.status.to_owned(),
                c.year.clone(),
                c.figure.clone(),
                c.threshold.clone(),
                c.noise.to_owned(),
                c.trend.clone(),
                c.why.clone(),
                p.narrative.clone(),
            ]);
            rows.push(row);
        }
    }
    ExportTable {
        sheet: "Annual review".to_owned(),
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    }
}

/// Writes a table as an XLSX workbook: bold headers, frozen header row, sensible widths.
pub(crate) fn xlsx(table: &ExportTable) -> Result<Vec<u8>, WebError> {
    let internal =
        |e: rust_xlsxwriter::XlsxError| WebError::Internal(anyhow::Error::new(e).context("xlsx"));
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold().set_text_wrap();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    let sheet = workbook.add_worksheet();
    sheet.set_name(&table.sheet).map_err(internal)?;
    for (col, header) in table.headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(|e| WebError::Internal(e.into()))?;
        sheet
            .write_string_with_format(0, col, header, &bold)
            .map_err(internal)?;
        sheet.set_column_width(col, 24).map_err(internal)?;
    }
    for (row_idx, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(row_idx + 1).map_err(|e| WebError::Internal(e.into()))?;
        for (col, cell) in row.iter().enumerate() {
            let col = u16::try_from(col).map_err(|e| WebError::Internal(e.into()))?;
            sheet
                .write_string_with_format(r, col, cell, &wrap)
                .map_err(internal)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(internal)?;
    workbook.save_to_buffer().map_err(internal)
}

/// GET /review.xlsx
pub(crate) async fn review_xlsx(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    let names = Names::load(&state).await?;
    let table = review_table(&visible_priorities(&state, &viewer, &names).await?);
    let bytes = xlsx(&table)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"annual-review.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
