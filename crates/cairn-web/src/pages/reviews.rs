//! Peer review ("support and challenge"): the group's framework of focus areas, reviews of
//! one school by a team from other schools, the evidence pack frozen for the visit, findings
//! per focus area, and follow-ups that become actions in the school's action plan.
//!
//! Each group judges findings on its own scale, which its trust leaders edit (`scale`).
//!
//! Trust leaders run their group's reviews; the reviewers record findings and read the
//! reviewed school's aggregates and the pack (never its pupils: the gate grants reviewers
//! aggregate access only); the school's leaders see the review and agree follow-ups; anyone
//! else with a role in the group reads.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use cairn_domain::{Scope, Urn, Username};
use cairn_store::{NewReview, Review, ScaleEntry, StoreError};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::pages::actions::{ActionForm, read_action};
use crate::pages::meetings::{
    FreezeForm, PackCriterionLine, PackRow, groups_where, pack_criteria, pack_rows,
    show_frozen_pack,
};
use crate::pages::priorities::{
    ActionLine, Choice, FieldError, Names, action_line, choices, error_for, field_error,
    rag_choices, read_date, status_choices,
};
use crate::pages::{Nav, render};
use crate::{AppState, WebError};

pub(crate) mod scale;

#[derive(Debug)]
pub(crate) struct ReviewLine {
    pub id: i64,
    pub title: String,
    pub school: String,
    pub group: String,
    pub visit_on: String,
    pub stage: &'static str,
    pub frozen: bool,
}

fn review_line(review: &Review, names: &Names) -> ReviewLine {
    ReviewLine {
        id: review.id,
        title: review.title.clone(),
        school: names.school(review.urn),
        group: names.group(&review.group_code),
        visit_on: review.visit_on.format("%-d %B %Y").to_string(),
        stage: review.stage().label(),
        frozen: review.pack_frozen_at.is_some(),
    }
}

/// The groups whose reviews the viewer runs.
fn runnable_groups(viewer: &Viewer) -> Vec<String> {
    groups_where(viewer, |code| viewer.gate.may_run_reviews(code))
}

/// The new-review form, as typed: its checkboxes repeat their names, so it is read as pairs.
#[derive(Debug, Default, Clone)]
pub(crate) struct ReviewForm {
    csrf_token: String,
    title: String,
    group: String,
    school: String,
    visit_on: String,
    reviewers: Vec<String>,
    focus: Vec<String>,
}

impl ReviewForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> ReviewForm {
        let mut form = ReviewForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "csrf_token" => form.csrf_token = value,
                "title" => form.title = value,
                "group" => form.group = value,
                "school" => form.school = value,
                "visit_on" => form.visit_on = value,
                "reviewer" => form.reviewers.push(value),
                "focus" => form.focus.push(value),
                _ => {}
            }
        }
        form
    }
}

#[derive(Template)]
#[template(path = "reviews/index.html")]
pub(crate) struct ReviewIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub reviews: Vec<ReviewLine>,
    pub groups: Vec<Choice>,
    pub schools: Vec<Choice>,
    pub reviewers: Vec<Choice>,
    pub focus_areas: Vec<Choice>,
    pub csrf_token: String,
    pub form_title: String,
    pub visit_on: String,
    pub errors: Vec<FieldError>,
}

impl ReviewIndexPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

async fn index_page(
    state: &AppState,
    viewer: &Viewer,
    form: &ReviewForm,
    errors: Vec<FieldError>,
) -> Result<ReviewIndexPage, WebError> {
    let names = Names::load(state).await?;
    let reviews = state
        .store
        .reviews()
        .await?
        .iter()
        .filter(|r| viewer.gate.may_see_review(r.id, &r.group_code, r.urn))
        .map(|r| review_line(r, &names))
        .collect();
    let groups = runnable_groups(viewer);
    let mut schools = Vec::new();
    for code in &groups {
        for urn in viewer.gate.group_schools(code).into_iter().flatten() {
            schools.push((urn.to_string(), names.school(*urn)));
        }
    }
    schools.sort_by(|a, b| a.1.cmp(&b.1));
    schools.dedup();
    let (reviewers, focus_areas) = if groups.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let reviewers = state
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| Choice {
                selected: form.reviewers.contains(&u.username.to_string()),
                label: format!("{} ({})", u.display_name, u.username),
                value: u.username.to_string(),
            })
            .collect();
        let focus_areas = state
            .store
            .focus_areas()
            .await?
            .into_iter()
            .filter(|a| groups.contains(&a.group_code))
            .map(|a| Choice {
                selected: form.focus.contains(&a.id.to_string()),
                label: if groups.len() > 1 {
                    format!("{} ({})", a.title, names.group(&a.group_code))
                } else {
                    a.title
                },
                value: a.id.to_string(),
            })
            .collect();
        (reviewers, focus_areas)
    };
    Ok(ReviewIndexPage {
        nav: Some(Nav::of(viewer)),
        title: "Peer reviews".to_owned(),
        reviews,
        groups: choices(
            groups.iter().map(|g| (g.clone(), names.group(g))).collect(),
            &form.group,
        ),
        schools: choices(schools, &form.school),
        reviewers,
        focus_areas,
        csrf_token: viewer.csrf_token.clone(),
        form_title: form.title.clone(),
        visit_on: form.visit_on.clone(),
        errors,
    })
}

/// GET /reviews
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, WebError> {
    render(&index_page(&state, &viewer, &ReviewForm::default(), Vec::new()).await?)
}

/// POST /reviews
pub(crate) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = ReviewForm::from_pairs(pairs);
    viewer.check_csrf(&form.csrf_token)?;
    if runnable_groups(&viewer).is_empty() {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    let title = form.title.trim();
    if title.is_empty() || title.len() > 200 {
        errors.push(field_error(
            "title",
            "Enter a title of up to 200 characters.",
        ));
    }
    let group = Some(form.group.clone()).filter(|g| viewer.gate.may_run_reviews(g));
    if group.is_none() {
        errors.push(field_error("group", "Choose the group running the review."));
    }
    let urn = Urn::parse(form.school.trim()).ok().filter(|u| {
        group
            .as_deref()
            .and_then(|g| viewer.gate.group_schools(g))
            .is_some_and(|members| members.contains(u))
    });
    if urn.is_none() {
        errors.push(field_error(
            "school",
            "Choose a school in the group to review.",
        ));
    }
    let visit_on = read_date(
        &form.visit_on,
        "visit_on",
        "Enter the date of the visit, for example 2027-02-04.",
        &mut errors,
    );
    let users = state.store.users().await?;
    let mut reviewers = Vec::new();
    for name in &form.reviewers {
        let user = Username::parse(name)
            .ok()
            .and_then(|n| users.iter().find(|u| u.username == n));
        match (user, urn) {
            (Some(user), Some(urn)) if user.roles.iter().any(|r| r.scope == Scope::School(urn)) => {
                errors.push(field_error(
                    "reviewers",
                    format!(
                        "{} works at the school being reviewed; choose reviewers from other schools.",
                        user.display_name
                    ),
                ));
            }
            (Some(user), _) => reviewers.push(user.username.clone()),
            (None, _) => errors.push(field_error("reviewers", "Choose reviewers from the list.")),
        }
    }
    if form.reviewers.is_empty() {
        errors.push(field_error("reviewers", "Choose at least one reviewer."));
    }
    let areas = state.store.focus_areas().await?;
    let focus_area_ids: Vec<i64> = areas
        .iter()
        .filter(|a| Some(&a.group_code) == group.as_ref())
        .filter(|a| form.focus.contains(&a.id.to_string()))
        .map(|a| a.id)
        .collect();
    if focus_area_ids.is_empty() || focus_area_ids.len() != form.focus.len() {
        errors.push(field_error(
            "focus",
            "Choose at least one focus area from the group's framework.",
        ));
    }
    let (Some(group_code), Some(urn), Some(visit_on), true) =
        (group, urn, visit_on, errors.is_empty())
    else {
        let page = index_page(&state, &viewer, &form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let id = state
        .store
        .create_review(
            &NewReview {
                group_code,
                urn,
                title: title.to_owned(),
                visit_on,
                reviewers,
                focus_area_ids,
            },
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/reviews/{id}")).into_response())
}

/// Loads a review the viewer may see: 404 unknown, 403 out of scope.
async fn authorise(state: &AppState, viewer: &Viewer, id: &str) -> Result<Review, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let review = state.store.review(id).await?.ok_or(WebError::NotFound)?;
    if !viewer
        .gate
        .may_see_review(review.id, &review.group_code, review.urn)
    {
        return Err(WebError::Forbidden);
    }
    Ok(review)
}

#[derive(Debug)]
pub(crate) struct FindingLine {
    pub title: String,
    pub descriptor: String,
    pub strengths: String,
    pub development: String,
    pub judgement: String,
}

/// The finding form, as typed.
#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct FindingForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    focus_area: String,
    #[serde(default)]
    strengths: String,
    #[serde(default)]
    development: String,
    #[serde(default)]
    judgement: String,
}

/// The follow-up form: an action and the priority it goes under.
#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct FollowUpForm {
    #[serde(default)]
    priority: String,
    #[serde(flatten)]
    action: ActionForm,
}

#[derive(Template)]
#[template(path = "reviews/show.html")]
pub(crate) struct ReviewShowPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub review: ReviewLine,
    pub urn: Urn,
    pub reviewers: Vec<String>,
    pub findings: Vec<FindingLine>,
    pub frozen_at: Option<String>,
    /// Who closed the review and when.
    pub closed: Option<String>,
    pub may_close: bool,
    pub may_run: bool,
    pub may_record: bool,
    pub may_follow_up: bool,
    pub csrf_token: String,
    pub focus_choices: Vec<Choice>,
    pub judgements: Vec<Choice>,
    pub finding_form: FindingForm,
    pub follow_ups: Vec<ActionLine>,
    pub priorities: Vec<Choice>,
    pub action_form: ActionForm,
    pub statuses: Vec<Choice>,
    pub rags: Vec<Choice>,
    pub errors: Vec<FieldError>,
}

impl ReviewShowPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

/// The priorities a follow-up of this review may go under: those covering the reviewed
/// school that the viewer may edit.
async fn follow_up_priorities(
    state: &AppState,
    viewer: &Viewer,
    review: &Review,
) -> Result<Vec<cairn_store::Priority>, WebError> {
    let members = &viewer.memberships;
    let today = state.clock.now().date_naive();
    Ok(state
        .store
        .priorities()
        .await?
        .into_iter()
        .filter(|p| match &p.scope {
            Scope::School(urn) => *urn == review.urn,
            Scope::Group(code) => members
                .iter()
                .any(|m| &m.group_code == code && m.urn == review.urn && m.is_active_on(today)),
        })
        .filter(|p| viewer.gate.may_add_follow_up(&p.scope, review.is_closed()))
        .collect())
}

async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    review: Review,
    finding_form: FindingForm,
    follow_up_form: FollowUpForm,
    errors: Vec<FieldError>,
) -> Result<ReviewShowPage, WebError> {
    let names = Names::load(state).await?;
    let today = state.clock.now().date_naive();
    let users = state.store.users().await?;
    let scale = state.store.judgement_scale(&review.group_code).await?;
    let reviewers = review
        .reviewers
        .iter()
        .map(|name| {
            users
                .iter()
                .find(|u| &u.username == name)
                .map_or_else(|| name.to_string(), |u| u.display_name.clone())
        })
        .collect();
    let follow_ups = state
        .store
        .follow_ups(&review)
        .await?
        .iter()
        .map(|a| action_line(a, &names, today))
        .collect();
    let priorities = follow_up_priorities(state, viewer, &review).await?;
    let may_follow_up = !priorities.is_empty();
    let action_form = if follow_up_form.action.owner.is_empty() {
        ActionForm::defaults(viewer, state)
    } else {
        follow_up_form.action
    };
    Ok(ReviewShowPage {
        nav: Some(Nav::of(viewer)),
        title: review.title.clone(),
        review: review_line(&review, &names),
        urn: review.urn,
        reviewers,
        findings: review
            .findings
            .iter()
            .map(|f| FindingLine {
                title: f.focus_area.title.clone(),
                descriptor: f.focus_area.descriptor.clone(),
                strengths: f.strengths.clone(),
                development: f.development.clone(),
                judgement: f
                    .judgement
                    .as_ref()
                    .map_or_else(|| "Not judged yet".to_owned(), |j| j.label.clone()),
            })
            .collect(),
        frozen_at: review
            .pack_frozen_at
            .map(|t| t.format("%-d %B %Y at %H:%M UTC").to_string()),
        may_run: viewer.gate.may_run_reviews(&review.group_code),
        may_record: viewer.gate.may_record_findings(
            review.id,
            &review.group_code,
            review.is_closed(),
        ),
        may_close: viewer
            .gate
            .may_close_review(&review.group_code, review.urn, review.is_closed()),
        closed: review.closed.as_ref().map(|(by, at)| {
            let name = users
                .iter()
                .find(|u| &u.username == by)
                .map_or_else(|| by.to_string(), |u| u.display_name.clone());
            format!("{name} on {}", at.format("%-d %B %Y"))
        }),
        may_follow_up,
        csrf_token: viewer.csrf_token.clone(),
        focus_choices: choices(
            review
                .findings
                .iter()
                .map(|f| (f.focus_area.id.to_string(), f.focus_area.title.clone()))
                .collect(),
            &finding_form.focus_area,
        ),
        judgements: choices(
            scale
                .iter()
                .map(|j| (j.id.to_string(), j.label.clone()))
                .collect(),
            &finding_form.judgement,
        ),
        finding_form,
        follow_ups,
        priorities: choices(
            priorities
                .iter()
                .map(|p| (p.id.to_string(), p.title.clone()))
                .collect(),
            &follow_up_form.priority,
        ),
        statuses: status_choices(&action_form),
        rags: rag_choices(&action_form),
        action_form,
        errors,
    })
}

/// GET /reviews/{id}
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let review = authorise(&state, &viewer, &id).await?;
    let page = show_page(
        &state,
        &viewer,
        review,
        FindingForm::default(),
        FollowUpForm::default(),
        Vec::new(),
    )
    .await?;
    render(&page)
}

/// POST /reviews/{id}/findings: records (or replaces) one focus area's finding.
pub(crate) async fn create_finding(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<FindingForm>,
) -> Result<Response, WebError> {
    let review = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !viewer
        .gate
        .may_record_findings(review.id, &review.group_code, review.is_closed())
    {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    let focus_area = form
        .focus_area
        .parse::<i64>()
        .ok()
        .filter(|id| review.findings.iter().any(|f| f.focus_area.id == *id));
    if focus_area.is_none() {
        errors.push(field_error(
            "focus_area",
            "Choose one of the review's focus areas.",
        ));
    }
    let strengths = form.strengths.trim();
    let development = form.development.trim();
    if strengths.is_empty() {
        errors.push(field_error("strengths", "Write the strengths you found."));
    }
    if development.is_empty() {
        errors.push(field_error(
            "development",
            "Write the areas for development you found.",
        ));
    }
    let scale = state.store.judgement_scale(&review.group_code).await?;
    let judgement = scale
        .iter()
        .find(|j| j.id.to_string() == form.judgement)
        .map(|j| j.id);
    if judgement.is_none() {
        errors.push(field_error("judgement", "Choose a judgement."));
    }
    let (Some(focus_area), Some(judgement), true) = (focus_area, judgement, errors.is_empty())
    else {
        let page = show_page(
            &state,
            &viewer,
            review,
            form,
            FollowUpForm::default(),
            errors,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    state
        .store
        .record_finding(review.id, focus_area, strengths, development, judgement)
        .await?;
    Ok(Redirect::to(&format!("/reviews/{}#findings", review.id)).into_response())
}

/// POST /reviews/{id}/follow-ups: an agreed follow-up, added as an action under a priority
/// covering the reviewed school, by whoever may edit that priority.
pub(crate) async fn create_follow_up(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(mut form): Form<FollowUpForm>,
) -> Result<Response, WebError> {
    let review = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.action.csrf_token)?;
    let priorities = follow_up_priorities(&state, &viewer, &review).await?;
    if priorities.is_empty() {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    let priority = priorities
        .iter()
        .find(|p| p.id.to_string() == form.priority);
    if priority.is_none() {
        errors.push(field_error(
            "follow_up_priority",
            "Choose the priority the follow-up belongs to.",
        ));
    }
    // A follow-up happens at the reviewed school.
    form.action.school = review.urn.to_string();
    let action = match priority {
        Some(priority) => read_action(&state, &viewer, priority, &form.action, &mut errors).await?,
        None => None,
    };
    let (Some(action), true) = (action, errors.is_empty()) else {
        let page = show_page(
            &state,
            &viewer,
            review,
            FindingForm::default(),
            form,
            errors,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    state.store.add_follow_up(review.id, &action).await?;
    Ok(Redirect::to(&format!("/reviews/{}#follow-ups", review.id)).into_response())
}

/// POST /reviews/{id}/close: closes the review; its findings become read-only and its
/// reviewers' access to the school ends.
pub(crate) async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<FreezeForm>,
) -> Result<Response, WebError> {
    let review = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !viewer
        .gate
        .may_close_review(&review.group_code, review.urn, review.is_closed())
    {
        return Err(WebError::Forbidden);
    }
    state
        .store
        .close_review(review.id, &viewer.username, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/reviews/{}", review.id)).into_response())
}

/// POST /reviews/{id}/pack: freezes the evidence pack (once).
pub(crate) async fn freeze_pack(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<FreezeForm>,
) -> Result<Response, WebError> {
    let review = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !viewer.gate.may_run_reviews(&review.group_code) {
        return Err(WebError::Forbidden);
    }
    let frozen = state
        .store
        .freeze_review_pack(review.id, state.clock.now())
        .await;
    show_frozen_pack(frozen, &format!("/reviews/{}/pack", review.id))
}

#[derive(Template)]
#[template(path = "reviews/pack.html")]
pub(crate) struct ReviewPackPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub review: ReviewLine,
    pub frozen_at: String,
    pub computed_at: String,
    pub figures_caption: String,
    pub criteria_heading: &'static str,
    pub rows: Vec<PackRow>,
    pub criteria: Vec<PackCriterionLine>,
}

/// GET /reviews/{id}/pack: the frozen evidence pack, print-ready. Aggregates only.
pub(crate) async fn show_pack(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let review = authorise(&state, &viewer, &id).await?;
    let pack = state
        .store
        .review_pack(review.id)
        .await?
        .ok_or(WebError::NotFound)?;
    let names = Names::load(&state).await?;
    let line = review_line(&review, &names);
    render(&ReviewPackPage {
        nav: Some(Nav::of(&viewer)),
        title: format!("Evidence pack: {}", review.title),
        figures_caption: format!(
            "{} and {}, every year held, as they were when the pack was frozen",
            line.school, line.group
        ),
        review: line,
        frozen_at: pack.frozen_at.format("%-d %B %Y at %H:%M UTC").to_string(),
        computed_at: pack
            .source_computed_at
            .format("%-d %B %Y at %H:%M UTC")
            .to_string(),
        criteria_heading: "The school's success criteria then",
        rows: pack_rows(&pack),
        criteria: pack_criteria(&pack),
    })
}

#[derive(Debug)]
pub(crate) struct FrameworkGroup {
    pub code: String,
    pub group: String,
    pub areas: Vec<(String, String)>,
    /// The group's judgement scale, in order.
    pub scale: Vec<ScaleLine>,
    /// Whether the viewer edits this group's framework (its trust leaders).
    pub may_edit: bool,
}

#[derive(Debug)]
pub(crate) struct ScaleLine {
    pub id: i64,
    pub label: String,
    pub description: String,
    /// "Used by 3 findings", or "Not used yet".
    pub used: String,
}

pub(crate) fn scale_line(entry: &ScaleEntry) -> ScaleLine {
    ScaleLine {
        id: entry.id,
        label: entry.label.clone(),
        description: entry.description.clone(),
        used: match entry.n_findings {
            0 => "Not used yet".to_owned(),
            1 => "Used by 1 finding".to_owned(),
            n => format!("Used by {n} findings"),
        },
    }
}

/// The add-a-focus-area form, as typed.
#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct FocusAreaForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    descriptor: String,
}

#[derive(Template)]
#[template(path = "reviews/framework.html")]
pub(crate) struct FrameworkShowPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub frameworks: Vec<FrameworkGroup>,
    pub groups: Vec<Choice>,
    pub csrf_token: String,
    pub form: FocusAreaForm,
    pub errors: Vec<FieldError>,
    /// The add-a-judgement form, as typed, and its errors.
    pub judgement_form: scale::JudgementForm,
    pub judgement_groups: Vec<Choice>,
    pub judgement_errors: Vec<FieldError>,
}

impl FrameworkShowPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    fn judgement_error(&self, field: &str) -> Option<&str> {
        error_for(&self.judgement_errors, field)
    }
}

/// The framework page's forms as typed, with their errors: a focus area's, a judgement's.
#[derive(Debug, Default)]
pub(crate) struct FrameworkForms {
    pub focus_area: FocusAreaForm,
    pub errors: Vec<FieldError>,
    pub judgement: scale::JudgementForm,
    pub judgement_errors: Vec<FieldError>,
}

/// The framework of every group the viewer holds a role in: focus areas and judgement scale.
/// A group with a scale but no focus areas yet is listed too, so its leaders can shape the
/// scale before the first review.
async fn framework_page(
    state: &AppState,
    viewer: &Viewer,
    forms: FrameworkForms,
) -> Result<FrameworkShowPage, WebError> {
    let names = Names::load(state).await?;
    let mut frameworks: Vec<FrameworkGroup> = Vec::new();
    let framework_of = |frameworks: &mut Vec<FrameworkGroup>, code: &str| -> usize {
        if let Some(idx) = frameworks.iter().position(|f| f.code == code) {
            return idx;
        }
        frameworks.push(FrameworkGroup {
            code: code.to_owned(),
            group: names.group(code),
            areas: Vec::new(),
            scale: Vec::new(),
            may_edit: viewer.gate.may_run_reviews(code),
        });
        frameworks.len() - 1
    };
    for area in state.store.focus_areas().await? {
        if viewer.gate.may_see_group(&area.group_code) {
            let idx = framework_of(&mut frameworks, &area.group_code);
            if let Some(framework) = frameworks.get_mut(idx) {
                framework.areas.push((area.title, area.descriptor));
            }
        }
    }
    for entry in state.store.judgement_scales().await? {
        if viewer.gate.may_see_group(&entry.group_code) {
            let idx = framework_of(&mut frameworks, &entry.group_code);
            if let Some(framework) = frameworks.get_mut(idx) {
                framework.scale.push(scale_line(&entry));
            }
        }
    }
    let groups = runnable_groups(viewer);
    let group_choices = |selected: &str| {
        choices(
            groups.iter().map(|g| (g.clone(), names.group(g))).collect(),
            selected,
        )
    };
    Ok(FrameworkShowPage {
        nav: Some(Nav::of(viewer)),
        title: "Peer review framework".to_owned(),
        frameworks,
        groups: group_choices(&forms.focus_area.group),
        judgement_groups: group_choices(&forms.judgement.group),
        csrf_token: viewer.csrf_token.clone(),
        form: forms.focus_area,
        errors: forms.errors,
        judgement_form: forms.judgement,
        judgement_errors: forms.judgement_errors,
    })
}

/// GET /reviews/framework
pub(crate) async fn framework(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, WebError> {
    render(&framework_page(&state, &viewer, FrameworkForms::default()).await?)
}

/// POST /reviews/framework: adds a focus area to a group's framework.
pub(crate) async fn create_focus_area(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<FocusAreaForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&form.csrf_token)?;
    if runnable_groups(&viewer).is_empty() {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    if !viewer.gate.may_run_reviews(&form.group) {
        errors.push(field_error(
            "group",
            "Choose the group whose framework it is.",
        ));
    }
    let title = form.title.trim();
    if title.is_empty() || title.len() > 200 {
        errors.push(field_error(
            "title",
            "Enter a title of up to 200 characters.",
        ));
    }
    let descriptor = form.descriptor.trim();
    if descriptor.is_empty() {
        errors.push(field_error(
            "descriptor",
            "Describe what the focus area looks for.",
        ));
    }
    if errors.is_empty() {
        match state
            .store
            .add_focus_area(&form.group, title, descriptor)
            .await
        {
            Ok(_) => return Ok(Redirect::to("/reviews/framework").into_response()),
            Err(StoreError::Conflict { .. }) => errors.push(field_error(
                "title",
                "The framework already has a focus area with this title.",
            )),
            Err(error) => return Err(error.into()),
        }
    }
    let forms = FrameworkForms {
        focus_area: form,
        errors,
        ..FrameworkForms::default()
    };
    let page = framework_page(&state, &viewer, forms).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
