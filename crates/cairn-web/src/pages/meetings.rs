//! Cluster and board meetings: agenda, attendees, minutes, decisions linked to actions, and a
//! data pack frozen at the meeting, shown as a print-ready page.
//!
//! A group's meetings are for the people who hold a role in that group: its trust leaders and
//! cluster members record them, its governors read them. A school's governing board meeting
//! is for the school's headteacher and governors and its trust's leaders, who record it; its
//! pack is the school's own figures. Packs hold aggregates only, copied when frozen, so they
//! show what the meeting saw even after later imports.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use cairn_domain::{GroupKind, MeetingKind, Scope, Urn};
use cairn_store::{Measure, Meeting, MeetingPack, NewMeeting, StoreError};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::pages::overview::format_figure;
use crate::pages::priorities::{
    Choice, FieldError, Names, error_for, field_error, format_value, read_date,
};
use crate::pages::{Nav, render};
use crate::{AppState, WebError};

#[derive(Debug)]
pub(crate) struct MeetingLine {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    /// The group, or the school whose governing board met.
    pub group: String,
    pub held_on: String,
    pub frozen: bool,
}

fn meeting_line(meeting: &Meeting, names: &Names) -> MeetingLine {
    MeetingLine {
        id: meeting.id,
        title: meeting.title.clone(),
        kind: meeting.kind.label(),
        group: match meeting.urn {
            Some(urn) => format!("{} governing board", names.school(urn)),
            None => names.group(&meeting.group_code),
        },
        held_on: meeting.held_on.format("%-d %B %Y").to_string(),
        frozen: meeting.pack_frozen_at.is_some(),
    }
}

#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct MeetingForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    attendees: String,
}

#[derive(Template)]
#[template(path = "improvement/meetings_index.html")]
pub(crate) struct MeetingIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub meetings: Vec<MeetingLine>,
    pub groups: Vec<Choice>,
    /// Schools whose governing board meetings the viewer adds.
    pub boards: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub csrf_token: String,
    pub form_title: String,
    pub held_on: String,
    pub agenda: String,
    pub attendees: String,
    pub errors: Vec<FieldError>,
}

impl MeetingIndexPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

async fn index_page(
    state: &AppState,
    viewer: &Viewer,
    form: &MeetingForm,
    errors: Vec<FieldError>,
) -> Result<MeetingIndexPage, WebError> {
    let names = Names::load(state).await?;
    let meetings = state
        .store
        .meetings()
        .await?
        .iter()
        .filter(|m| viewer.gate.may_see_meeting(&m.group_code, m.urn))
        .map(|m| meeting_line(m, &names))
        .collect();
    let groups = runnable_groups(viewer)
        .into_iter()
        .map(|code| Choice {
            selected: code == form.group,
            label: names.group(&code),
            value: code,
        })
        .collect();
    let boards = viewer
        .gate
        .board_schools()
        .into_iter()
        .map(|urn| {
            let value = board_value(urn);
            Choice {
                selected: value == form.group,
                label: format!("{} governing board", names.school(urn)),
                value,
            }
        })
        .collect();
    let kinds = MeetingKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code().to_owned(),
            label: k.label().to_owned(),
            selected: k.code() == form.kind,
        })
        .collect();
    Ok(MeetingIndexPage {
        nav: Some(Nav::of(viewer)),
        title: "Meetings".to_owned(),
        meetings,
        groups,
        boards,
        kinds,
        csrf_token: viewer.csrf_token.clone(),
        form_title: form.title.clone(),
        held_on: form.held_on.clone(),
        agenda: form.agenda.clone(),
        attendees: form.attendees.clone(),
        errors,
    })
}

/// The groups whose meetings the viewer records.
fn runnable_groups(viewer: &Viewer) -> Vec<String> {
    groups_where(viewer, |code| viewer.gate.may_run_meetings(code))
}

/// The groups the viewer holds a role in that pass `allowed` (a gate question), in role
/// order.
pub(crate) fn groups_where(viewer: &Viewer, allowed: impl Fn(&str) -> bool) -> Vec<String> {
    viewer
        .gate
        .roles()
        .iter()
        .filter_map(|r| match &r.scope {
            Scope::Group(code) if allowed(code) => Some(code.clone()),
            _ => None,
        })
        .collect()
}

/// The form's value for a school's governing board ("whose meeting" holds group codes and
/// these).
fn board_value(urn: Urn) -> String {
    format!("urn:{urn}")
}

/// Whose meeting the form chose: a group the viewer runs meetings for, or a school whose
/// board meetings the viewer records, with the group it belongs to today (its trust first).
async fn read_whose(
    state: &AppState,
    viewer: &Viewer,
    chosen: &str,
) -> Result<Option<(String, Option<Urn>)>, WebError> {
    if let Some(urn) = chosen.strip_prefix("urn:") {
        let Some(urn) = Urn::parse(urn)
            .ok()
            .filter(|u| viewer.gate.board_schools().contains(u))
        else {
            return Ok(None);
        };
        let today = state.clock.now().date_naive();
        let groups = state.store.groups().await?;
        let is_trust = |code: &str| {
            groups
                .iter()
                .any(|g| g.code == code && g.kind == GroupKind::Trust)
        };
        let mut belongs: Vec<String> = state
            .store
            .memberships()
            .await?
            .into_iter()
            .filter(|m| m.urn == urn && m.is_active_on(today))
            .map(|m| m.group_code)
            .collect();
        belongs.sort_by_key(|code| !is_trust(code));
        return Ok(belongs.into_iter().next().map(|code| (code, Some(urn))));
    }
    Ok(Some(chosen.to_owned())
        .filter(|g| viewer.gate.may_run_meetings(g))
        .map(|g| (g, None)))
}

/// GET /meetings
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Html<String>, WebError> {
    render(&index_page(&state, &viewer, &MeetingForm::default(), Vec::new()).await?)
}

/// POST /meetings
pub(crate) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<MeetingForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&form.csrf_token)?;
    if runnable_groups(&viewer).is_empty() && viewer.gate.board_schools().is_empty() {
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
    let kind = MeetingKind::parse(&form.kind).ok();
    if kind.is_none() {
        errors.push(field_error("kind", "Choose the kind of meeting."));
    }
    let whose = read_whose(&state, &viewer, &form.group).await?;
    if whose.is_none() {
        errors.push(field_error(
            "group",
            "Choose the group or the school's governing board whose meeting this is.",
        ));
    }
    if whose.as_ref().is_some_and(|(_, urn)| urn.is_some()) && kind == Some(MeetingKind::Cluster) {
        errors.push(field_error(
            "kind",
            "A school's governing board meeting is a board meeting.",
        ));
    }
    let held_on = read_date(
        &form.held_on,
        "held_on",
        "Enter the meeting date, for example 2026-12-10.",
        &mut errors,
    );
    let (Some(kind), Some((group_code, urn)), Some(held_on), true) =
        (kind, whose, held_on, errors.is_empty())
    else {
        let page = index_page(&state, &viewer, &form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let id = state
        .store
        .create_meeting(
            &NewMeeting {
                kind,
                group_code,
                urn,
                title: title.to_owned(),
                held_on,
                agenda: form.agenda.trim().to_owned(),
                attendees: form.attendees.trim().to_owned(),
            },
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/meetings/{id}")).into_response())
}

/// Loads a meeting the viewer may see: 404 unknown, 403 out of scope.
async fn authorise(state: &AppState, viewer: &Viewer, id: &str) -> Result<Meeting, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let meeting = state.store.meeting(id).await?.ok_or(WebError::NotFound)?;
    if !viewer
        .gate
        .may_see_meeting(&meeting.group_code, meeting.urn)
    {
        return Err(WebError::Forbidden);
    }
    Ok(meeting)
}

/// Whether the viewer records this meeting.
fn may_run(viewer: &Viewer, meeting: &Meeting) -> bool {
    viewer
        .gate
        .may_run_meeting(&meeting.group_code, meeting.urn)
}

/// Whose plan the meeting's decisions may lead to actions in: the group's, or the school's.
fn plan_scope(meeting: &Meeting) -> Scope {
    match meeting.urn {
        Some(urn) => Scope::School(urn),
        None => Scope::Group(meeting.group_code.clone()),
    }
}

#[derive(Debug)]
pub(crate) struct DecisionLine {
    pub decision: String,
    pub action: Option<(i64, String)>,
}

#[derive(Template)]
#[template(path = "improvement/meetings_show.html")]
pub(crate) struct MeetingShowPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub meeting: MeetingLine,
    pub agenda: String,
    pub attendees: String,
    pub minutes: String,
    pub decisions: Vec<DecisionLine>,
    pub frozen_at: Option<String>,
    pub may_run: bool,
    pub csrf_token: String,
    pub actions: Vec<Choice>,
}

/// GET /meetings/{id}
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let meeting = authorise(&state, &viewer, &id).await?;
    let names = Names::load(&state).await?;
    let may_run = may_run(&viewer, &meeting);
    // Decisions may link to actions of the group's (or the school's) own priorities.
    let actions = state
        .store
        .actions(None)
        .await?
        .into_iter()
        .filter(|a| a.priority_scope == plan_scope(&meeting))
        .map(|a| Choice {
            value: a.id.to_string(),
            label: format!("{} ({})", a.title, a.priority_title),
            selected: false,
        })
        .collect();
    let page = MeetingShowPage {
        nav: Some(Nav::of(&viewer)),
        title: meeting.title.clone(),
        meeting: meeting_line(&meeting, &names),
        agenda: meeting.agenda.clone(),
        attendees: meeting.attendees.clone(),
        minutes: meeting.minutes.clone(),
        decisions: meeting
            .decisions
            .iter()
            .map(|d| DecisionLine {
                decision: d.decision.clone(),
                action: d.action_id.zip(d.action_title.clone()),
            })
            .collect(),
        frozen_at: meeting
            .pack_frozen_at
            .map(|t| t.format("%-d %B %Y at %H:%M UTC").to_string()),
        may_run,
        csrf_token: viewer.csrf_token.clone(),
        actions,
    };
    render(&page)
}

#[derive(Deserialize, Debug)]
pub(crate) struct MinutesForm {
    csrf_token: String,
    minutes: String,
}

/// POST /meetings/{id}/minutes
pub(crate) async fn update_minutes(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<MinutesForm>,
) -> Result<Response, WebError> {
    let meeting = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !may_run(&viewer, &meeting) {
        return Err(WebError::Forbidden);
    }
    state
        .store
        .set_meeting_minutes(meeting.id, form.minutes.trim())
        .await?;
    Ok(Redirect::to(&format!("/meetings/{}#minutes", meeting.id)).into_response())
}

#[derive(Deserialize, Debug)]
pub(crate) struct DecisionForm {
    csrf_token: String,
    decision: String,
    #[serde(default)]
    action: String,
}

/// POST /meetings/{id}/decisions
pub(crate) async fn create_decision(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let meeting = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !may_run(&viewer, &meeting) {
        return Err(WebError::Forbidden);
    }
    let decision = form.decision.trim();
    if decision.is_empty() {
        return Err(WebError::BadRequest("Write the decision before adding it."));
    }
    let action_id = if form.action.is_empty() {
        None
    } else {
        let id: i64 = form
            .action
            .parse()
            .map_err(|_| WebError::BadRequest("Choose an action from the list."))?;
        let action = state
            .store
            .action(id)
            .await?
            .filter(|a| a.priority_scope == plan_scope(&meeting))
            .ok_or(WebError::BadRequest("Choose an action from the list."))?;
        Some(action.id)
    };
    state
        .store
        .add_decision(meeting.id, decision, action_id)
        .await?;
    Ok(Redirect::to(&format!("/meetings/{}#decisions", meeting.id)).into_response())
}

#[derive(Deserialize, Debug)]
pub(crate) struct FreezeForm {
    pub csrf_token: String,
}

/// POST /meetings/{id}/pack: freezes the data pack (once).
pub(crate) async fn freeze_pack(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<FreezeForm>,
) -> Result<Response, WebError> {
    let meeting = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !may_run(&viewer, &meeting) {
        return Err(WebError::Forbidden);
    }
    let frozen = state
        .store
        .freeze_meeting_pack(meeting.id, state.clock.now())
        .await;
    show_frozen_pack(frozen, &format!("/meetings/{}/pack", meeting.id))
}

/// After freezing a pack (a meeting's or a peer review's): to the pack, also when it was
/// frozen already; a kind error when there are no figures to freeze yet.
pub(crate) fn show_frozen_pack(
    frozen: Result<MeetingPack, StoreError>,
    pack_path: &str,
) -> Result<Response, WebError> {
    match frozen {
        Ok(_) | Err(StoreError::Conflict { .. }) => {}
        Err(StoreError::NotFound { .. }) => {
            return Err(WebError::BadRequest(
                "There are no computed figures to put in a pack yet. Import data and refresh the measures first.",
            ));
        }
        Err(error) => return Err(error.into()),
    }
    Ok(Redirect::to(pack_path).into_response())
}

#[derive(Debug)]
pub(crate) struct PackRow {
    pub scope: String,
    pub year: String,
    pub measure: String,
    pub pupils: String,
    pub figure: String,
    pub england: String,
    pub similar: String,
}

#[derive(Debug)]
pub(crate) struct PackCriterionLine {
    pub priority: String,
    pub criterion: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "improvement/pack.html")]
pub(crate) struct PackPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub meeting: MeetingLine,
    pub frozen_at: String,
    pub computed_at: String,
    pub academic_year: String,
    pub figures_caption: String,
    pub criteria_heading: &'static str,
    pub rows: Vec<PackRow>,
    pub criteria: Vec<PackCriterionLine>,
}

/// A frozen pack's figures as table rows, in the measures' own formats. Meeting packs and
/// peer-review evidence packs both show them (`improvement/pack_body.html`).
pub(crate) fn pack_rows(pack: &MeetingPack) -> Vec<PackRow> {
    pack.figures
        .iter()
        .map(|f| {
            let measure = Measure::parse(&f.measure_code);
            let benchmark = |value: Option<f64>| match (measure, value) {
                (Some(measure), Some(value)) => format_value(measure, value),
                _ => "–".to_owned(),
            };
            PackRow {
                scope: f.scope_name.clone(),
                year: f
                    .academic_year
                    .or(pack.academic_year)
                    .map_or_else(String::new, |y| y.to_string()),
                measure: f.measure_label.clone(),
                pupils: f.pupil_group_label.clone(),
                figure: match measure {
                    Some(measure) => format_figure(measure, &f.stored_value()),
                    None => f.value.map_or_else(
                        || "Suppressed (fewer than 6 pupils)".to_owned(),
                        |v| format!("{v:.3}"),
                    ),
                },
                england: benchmark(f.england),
                similar: benchmark(f.similar_average),
            }
        })
        .collect()
}

/// A frozen pack's criteria as table rows.
pub(crate) fn pack_criteria(pack: &MeetingPack) -> Vec<PackCriterionLine> {
    pack.criteria
        .iter()
        .map(|c| PackCriterionLine {
            priority: c.priority_title.clone(),
            criterion: format!(
                "{}, {}, {}",
                c.measure_label, c.pupil_group_label, c.scope_name
            ),
            status: c.status.map_or("Not judged yet", |s| s.label()),
        })
        .collect()
}

fn pack_page(viewer: &Viewer, meeting: &Meeting, names: &Names, pack: &MeetingPack) -> PackPage {
    let school = meeting.urn.is_some();
    let meeting = meeting_line(meeting, names);
    let academic_year = pack
        .academic_year
        .map_or_else(|| "no year".to_owned(), |y| y.to_string());
    PackPage {
        nav: Some(Nav::of(viewer)),
        title: format!("Data pack: {}", meeting.title),
        meeting,
        frozen_at: pack.frozen_at.format("%-d %B %Y at %H:%M UTC").to_string(),
        computed_at: pack
            .source_computed_at
            .format("%-d %B %Y at %H:%M UTC")
            .to_string(),
        figures_caption: if school {
            format!(
                "The school's figures up to {academic_year}, as they were when the pack was frozen"
            )
        } else {
            format!("Figures for {academic_year}, as they were when the pack was frozen")
        },
        criteria_heading: if school {
            "The school's success criteria then"
        } else {
            "The group's success criteria then"
        },
        academic_year,
        rows: pack_rows(pack),
        criteria: pack_criteria(pack),
    }
}

/// GET /meetings/{id}/pack: the frozen pack, print-ready.
pub(crate) async fn show_pack(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let meeting = authorise(&state, &viewer, &id).await?;
    let pack = state
        .store
        .meeting_pack(meeting.id)
        .await?
        .ok_or(WebError::NotFound)?;
    let names = Names::load(&state).await?;
    render(&pack_page(&viewer, &meeting, &names, &pack))
}
