//! The early-warning risk register: the board (`/risks`, filtered by school, rule and status,
//! with CSV and Excel downloads), one entry with the numbers that fired and its decisions
//! (`/risks/{id}`), the decision form, and each partnership's rules and thresholds
//! (`/risks/settings`).
//!
//! The register is filled by the store at every refresh; pages only read it and say in words
//! which rule fired with which numbers. Who sees what is the gate's: school-level entries for
//! anyone who may see the school (governors and cluster members included, since they are
//! aggregates), pupil entries only where the viewer has pupil-level access to the pupil's
//! school, and every view or download of pupil entries is written to each school's access
//! log. A school's pupil entries page like its roll ([`Pager`], [`PER_PAGE`] a page, the
//! filters kept in the page links); each page viewed is logged with its page, and a download
//! holds every entry that matches. Trust leaders decide on their group's schools' entries and school leaders on their
//! school's (`Gate::may_edit_plan`); trust leaders and cluster coordinators set their group's
//! rules (`Gate::may_set_risk_rules`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use cairn_domain::{Access, Scope, Urn};
use cairn_measures::risk::trajectory::{Expectation, TrajectoryFinding};
use cairn_measures::risk::{Confidence, GradeScheme, RiskConfig, RiskRule};
use cairn_store::{
    AuditEntry, Measure, RiskDecision, RiskDecisionKind, RiskEntry, RiskFilter, RiskStatus,
    UnreadAssessments, higher_is_better,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

use crate::auth::Viewer;
use crate::export::{ExportQuery, download, query_escape};
use crate::pages::priorities::{Choice, FieldError, Names, error_for, field_error, format_value};
use crate::pages::pupils::{FilterOption, PER_PAGE, options};
use crate::pages::{Nav, Pager, render};
use crate::tables::{Cell, Column, DataTable};
use crate::{AppState, WebError};

fn date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %B %Y").to_string()
}

/// A difference in the measure's units, unsigned: percentage points for proportions.
fn format_amount(measure: Measure, amount: f64) -> String {
    let amount = amount.abs();
    if measure.is_proportion() {
        format!("{:.1} percentage points", amount * 100.0)
    } else if measure == Measure::Ks4Progress8 {
        format!("{amount:.2}")
    } else {
        format!("{amount:.1}")
    }
}

/// A gap as pages write differences: signed, proportions in points.
fn signed(measure: Measure, value: f64) -> String {
    match Cell::difference(measure, Some(value)) {
        Cell::Number { text, .. } => text,
        other => other.export_text(),
    }
}

/// What fired, in one plain sentence with its numbers, as the register and the entry say it.
pub(crate) fn describe(entry: &RiskEntry) -> String {
    let f = &entry.finding.finding;
    let measure = entry.measure;
    let year = entry.finding.academic_year;
    let value = format_value(measure, f.value);
    let ci = f.interval.map_or_else(String::new, |ci| {
        format!(
            " (95% CI {} to {})",
            format_value(measure, ci.lower),
            format_value(measure, ci.upper)
        )
    });
    let worse = if higher_is_better(measure) {
        "below"
    } else {
        "above"
    };
    let level = entry
        .finding
        .confidence
        .map_or("95", |c: Confidence| c.code());
    let noise = format!(
        "{} worse, beyond the margin of error of {} at {level}% confidence",
        format_amount(measure, f.difference),
        format_amount(measure, f.margin)
    );
    let what = if entry.pupil_group == cairn_measures::PupilGroup::All {
        measure.label().to_owned()
    } else {
        format!("{} ({})", measure.label(), entry.pupil_group.label())
    };
    match entry.finding.finding.rule {
        RiskRule::BelowNational => format!(
            "{what} in {year} was {value}{ci}, significantly {worse} England's {}: {noise}.",
            format_value(measure, f.reference)
        ),
        RiskRule::BelowSimilarSchools => format!(
            "{what} in {year} was {value}{ci}, significantly {worse} the similar schools' average of {}: {noise}.",
            format_value(measure, f.reference)
        ),
        RiskRule::YearOnYearFall => format!(
            "{what} went from {} the year before to {value}{ci} in {year}: {noise}.",
            format_value(measure, f.reference)
        ),
        RiskRule::GapWidened => {
            let comparator = entry
                .pupil_group
                .gap_comparator()
                .map_or("other pupils", |c| c.label());
            format!(
                "The gap in {} between {} pupils and {comparator} pupils went from {} the year before to {} in {year}: {noise}.",
                measure.label(),
                entry.pupil_group.label(),
                signed(measure, f.reference),
                signed(measure, f.value),
            )
        }
        RiskRule::AbsenceRising => format!(
            "Absent for {value} of possible sessions in {year}, up from {} the year before: {noise}.",
            format_value(measure, f.reference)
        ),
        RiskRule::AttainmentTrajectory => {
            let subjects: Vec<String> = entry
                .finding
                .trajectory
                .iter()
                .map(describe_trajectory)
                .collect();
            format!(
                "Below expected and not rising in {} in {year}. {}",
                plural(entry.finding.trajectory.len(), "subject"),
                subjects.join(" ")
            )
        }
        RiskRule::SevereAbsence | RiskRule::PersistentAbsence => format!(
            "Absent for {value} of possible sessions in {year}, at or past the {} line of {} (DfE absence statistics).",
            if entry.rule == RiskRule::SevereAbsence {
                "severe absence"
            } else {
                "persistent absence"
            },
            format_value(measure, f.reference)
        ),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One subject's points and what expected meant, in words.
fn describe_trajectory(t: &TrajectoryFinding) -> String {
    let moved = if t.fell { "down from" } else { "the same as" };
    let expected = match &t.expected {
        Expectation::Level { at } => format!("expected is {at} or above"),
        Expectation::Grade {
            ks2_average,
            prior_attainment_group,
            estimate,
            expected_grade,
        } => format!(
            "expected is grade {expected_grade}: pupils with the same KS2 average of \
             {ks2_average:.1} (prior attainment group {prior_attainment_group}) averaged \
             {estimate:.2} a slot in the DfE's Attainment 8 estimates"
        ),
    };
    format!(
        "{}: {} at {}, {moved} {} at {}; {expected}.",
        t.subject, t.latest.result, t.latest.assessment, t.previous.result, t.previous.assessment
    )
}

fn firing_text(entry: &RiskEntry) -> String {
    match (entry.firing, entry.stopped_at) {
        (true, _) => format!(
            "Firing (last on the figures of {})",
            date(entry.last_fired_at)
        ),
        (false, Some(at)) => format!("No longer firing since the figures of {}", date(at)),
        (false, None) => "No longer firing".to_owned(),
    }
}

fn decision_text(decision: Option<&RiskDecision>) -> String {
    decision.map_or_else(
        || "None yet".to_owned(),
        |d| {
            format!(
                "{} by {} on {}",
                d.kind.label(),
                d.decided_by_name
                    .clone()
                    .unwrap_or_else(|| d.decided_by.to_string()),
                date(d.decided_at)
            )
        },
    )
}

/// The schools whose school-level entries the viewer sees, and those whose pupil entries.
fn readable_schools(viewer: &Viewer) -> (Vec<Urn>, Vec<Urn>) {
    let schools: Vec<Urn> = viewer.gate.visible_schools().collect();
    let pupil_schools = schools
        .iter()
        .copied()
        .filter(|urn| viewer.gate.access(*urn) == Access::PupilLevel)
        .collect();
    (schools, pupil_schools)
}

/// The board's filters, as the form sends them; empty means any.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RiskQuery {
    #[serde(default)]
    school: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    status: String,
    /// The page of pupil entries (empty: the first).
    #[serde(default)]
    page: String,
    table: Option<String>,
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "risks/index.html")]
pub(crate) struct RiskIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub schools: Vec<FilterOption>,
    pub rules: Vec<FilterOption>,
    pub statuses: Vec<FilterOption>,
    pub n_firing: usize,
    pub n_undecided: usize,
    pub tables: Vec<DataTable>,
    pub pupil_level: bool,
    /// Pupil entries are shown as one row per school.
    pub folded: bool,
    /// The page of pupil entries shown, when they are listed.
    pub pager: Pager,
    /// The link to the rules page: to change them, or to read the ones judging the
    /// viewer's school.
    pub rules_link: Option<&'static str>,
    pub computed_at: Option<String>,
}

/// GET /risks: the register the viewer may see, filtered; `?table=&format=` downloads.
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<RiskQuery>,
) -> Result<Response, WebError> {
    let (mut schools, mut pupil_schools) = readable_schools(&viewer);
    if !query.school.is_empty() {
        let urn = Urn::parse(&query.school).map_err(|_| WebError::NotFound)?;
        if !schools.contains(&urn) {
            return Err(WebError::Forbidden);
        }
        schools.retain(|u| *u == urn);
        pupil_schools.retain(|u| *u == urn);
    }
    let rule = match query.rule.as_str() {
        "" => None,
        code => Some(
            RiskRule::parse(code)
                .ok_or(WebError::BadRequest("The rule is not one Cairn knows."))?,
        ),
    };
    let status = match query.status.as_str() {
        "" => None,
        code => Some(
            RiskStatus::parse(code)
                .ok_or(WebError::BadRequest("The status is not one Cairn knows."))?,
        ),
    };
    let entries = state
        .store
        .risk_entries(&RiskFilter {
            schools: schools.clone(),
            pupil_schools: pupil_schools.clone(),
            rule,
            status,
        })
        .await?;
    let names = Names::load(&state).await?;
    let filters: Vec<String> = [
        ("school", &query.school),
        ("rule", &query.rule),
        ("status", &query.status),
    ]
    .iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={}", query_escape(v)))
    .collect();
    let path = if filters.is_empty() {
        "/risks".to_owned()
    } else {
        format!("/risks?{}", filters.join("&"))
    };
    // Pupil entries from more than one school fold into one row per school, each opening
    // that school's pupils; the page then names no pupil, so it records no pupil view.
    let pupil_entry_schools: BTreeSet<Urn> = entries
        .iter()
        .filter(|e| e.pupil.is_some())
        .map(|e| e.urn)
        .collect();
    let fold = pupil_entry_schools.len() > 1;
    let mut tables = register_tables(
        &entries,
        &names,
        &path,
        !pupil_schools.is_empty(),
        fold.then_some(&query),
    );

    let export = ExportQuery {
        table: query.table.clone(),
        format: query.format.clone(),
    };
    let requested = export.requested()?;
    if let Some((key, _)) = requested {
        if !tables.iter().any(|t| t.key == key) {
            return Err(WebError::NotFound);
        }
    }
    // Listed pupil entries page like a school's roll; folded, there is nothing to page.
    let pupil_entries: Vec<&RiskEntry> = entries.iter().filter(|e| e.pupil.is_some()).collect();
    let n_listed = if fold { 0 } else { pupil_entries.len() };
    let pager = Pager::new("pupil entries", n_listed, PER_PAGE, &query.page, &path)?;
    // Pupil entries shown (this page of them) or downloaded (all that match): one audit row
    // per school, like the pupil lists.
    let pupils_shown = !fold && requested.is_none_or(|(key, _)| key == "pupils");
    if pupils_shown {
        let shown = match requested {
            Some(_) => &pupil_entries[..],
            None => pupil_entries.get(pager.rows()).unwrap_or_default(),
        };
        for urn in &pupil_schools {
            let n = shown.iter().filter(|e| e.urn == *urn).count();
            if n == 0 {
                continue;
            }
            let (action, verb, note) = match requested {
                Some((_, format)) => (
                    "risks.export",
                    format!("exported ({})", format.label()),
                    String::new(),
                ),
                None => ("risks.index", "viewed".to_owned(), pager.audit_note()),
            };
            state
                .store
                .record_audit(&AuditEntry {
                    at: state.clock.now(),
                    user_id: Some(viewer.user_id),
                    action: action.to_owned(),
                    urn: Some(*urn),
                    pupil_id: None,
                    detail: format!("{verb} {n} pupil entries of the risk register{note}"),
                })
                .await?;
        }
    }
    if let Some((key, format)) = requested {
        return download(&tables, key, format, "risk-register");
    }
    if pager.is_paged() {
        if let Some(table) = tables.iter_mut().find(|t| t.key == "pupils") {
            table.rows = table.rows.drain(pager.rows()).collect();
            table.caption = format!(
                "{} ({} to {} of {})",
                table.caption, pager.first, pager.last, pager.total
            );
        }
    }

    let all_schools: Vec<(String, String)> = viewer
        .gate
        .visible_schools()
        .map(|urn| (urn.to_string(), names.school(urn)))
        .collect();
    let page = RiskIndexPage {
        nav: Some(Nav::of(&viewer)),
        title: "Risk register".to_owned(),
        schools: options(&query.school, "All your schools", all_schools),
        rules: options(
            &query.rule,
            "Any rule",
            RiskRule::ALL
                .iter()
                .map(|r| (r.code().to_owned(), r.label().to_owned())),
        ),
        statuses: options(
            &query.status,
            "Any status",
            RiskStatus::ALL
                .iter()
                .map(|s| (s.code().to_owned(), s.label().to_owned())),
        ),
        n_firing: entries.iter().filter(|e| e.firing).count(),
        n_undecided: entries
            .iter()
            .filter(|e| matches!(e.status, RiskStatus::New | RiskStatus::Reopened))
            .count(),
        tables,
        pupil_level: !pupil_schools.is_empty(),
        folded: fold,
        pager,
        rules_link: if !configurable_groups(&viewer).is_empty() {
            Some("Change the rules and thresholds")
        } else if !readable_groups(&state, &viewer).await?.is_empty() {
            Some("See the rules that judge your school")
        } else {
            None
        },
        computed_at: state
            .store
            .latest_refresh()
            .await?
            .map(|r| r.computed_at.format("%-d %B %Y at %H:%M UTC").to_string()),
    };
    Ok(render(&page)?.into_response())
}

/// The board's tables: school-level entries, and pupil entries when the viewer may see any:
/// listed, or when `folded` (with the board's filters) one row per school counting them.
fn register_tables(
    entries: &[RiskEntry],
    names: &Names,
    path: &str,
    pupil_level: bool,
    folded: Option<&RiskQuery>,
) -> Vec<DataTable> {
    let columns = |first: &[&str]| -> Vec<Column> {
        first
            .iter()
            .chain(&["Rule", "What fired", "Status", "Firing", "Latest decision"])
            .map(|label| Column::text(*label))
            .collect()
    };
    let mut schools = DataTable::new("schools", "School entries", columns(&["School"]), path);
    let mut pupils = DataTable::new(
        "pupils",
        "Pupil entries (pupil-level: your viewing is recorded)",
        columns(&["Pupil", "School"]),
        path,
    );
    for entry in entries {
        let link = |text: String| Cell::Link {
            text,
            href: format!("/risks/{}", entry.id),
        };
        let tail = [
            Cell::text(entry.rule.label()),
            Cell::text(describe(entry)),
            Cell::text(entry.status.label()),
            Cell::text(firing_text(entry)),
            Cell::text(decision_text(entry.latest_decision.as_ref())),
        ];
        match &entry.pupil {
            None => {
                let mut row = vec![link(names.school(entry.urn))];
                row.extend(tail);
                schools.push(row);
            }
            Some(pupil) => {
                let mut row = vec![
                    link(format!("{}, {}", pupil.surname, pupil.forename)),
                    Cell::text(names.school(entry.urn)),
                ];
                row.extend(tail);
                pupils.push(row);
            }
        }
    }
    let mut tables = vec![schools];
    match folded {
        Some(query) if pupil_level => tables.push(pupils_by_school(entries, names, path, query)),
        None if pupil_level => tables.push(pupils),
        _ => {}
    }
    tables
}

/// One row per school with pupil entries: how many, how many firing and waiting for a
/// decision, and by rule, linking to the board filtered to the school.
fn pupils_by_school(
    entries: &[RiskEntry],
    names: &Names,
    path: &str,
    query: &RiskQuery,
) -> DataTable {
    let mut by_school: BTreeMap<Urn, Vec<&RiskEntry>> = BTreeMap::new();
    for entry in entries.iter().filter(|e| e.pupil.is_some()) {
        by_school.entry(entry.urn).or_default().push(entry);
    }
    let mut table = DataTable::new(
        "pupils_by_school",
        "Pupil entries by school (open a school to see its pupils)",
        vec![
            Column::text("School"),
            Column::number("Pupil entries"),
            Column::number("Firing"),
            Column::number("Waiting for a decision"),
            Column::text("By rule"),
        ],
        path,
    );
    let count = |n: usize| Cell::count(u32::try_from(n).unwrap_or(u32::MAX));
    for (urn, list) in by_school {
        let mut href = format!("/risks?school={urn}");
        for (key, value) in [("rule", &query.rule), ("status", &query.status)] {
            if !value.is_empty() {
                href.push_str(&format!("&{key}={}", query_escape(value)));
            }
        }
        let by_rule: Vec<String> = RiskRule::ALL
            .iter()
            .filter_map(|rule| {
                let n = list.iter().filter(|e| e.rule == *rule).count();
                (n > 0).then(|| format!("{}: {n}", rule.label()))
            })
            .collect();
        table.push(vec![
            Cell::Link {
                text: names.school(urn),
                href,
            },
            count(list.len()),
            count(list.iter().filter(|e| e.firing).count()),
            count(
                list.iter()
                    .filter(|e| matches!(e.status, RiskStatus::New | RiskStatus::Reopened))
                    .count(),
            ),
            Cell::text(by_rule.join("; ")),
        ]);
    }
    table
}

#[derive(Debug)]
pub(crate) struct DecisionLine {
    pub decision: &'static str,
    pub note: String,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "risks/show.html")]
pub(crate) struct RiskShowPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub id: i64,
    pub school: String,
    pub urn: String,
    pub pupil: Option<(i64, String)>,
    pub rule: &'static str,
    pub measure: &'static str,
    pub pupil_group: &'static str,
    pub description: String,
    pub status: &'static str,
    pub firing: String,
    pub first_fired: String,
    pub history: Vec<DecisionLine>,
    pub may_decide: bool,
    pub csrf_token: String,
    pub decisions: Vec<Choice>,
    pub note: String,
    pub errors: Vec<FieldError>,
}

impl RiskShowPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

/// Loads an entry the viewer may see: 404 unknown, 403 out of scope. Viewing a pupil entry is
/// written to the school's access log.
async fn authorise(state: &AppState, viewer: &Viewer, id: &str) -> Result<RiskEntry, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let entry = state
        .store
        .risk_entry(id)
        .await?
        .ok_or(WebError::NotFound)?;
    let needed = if entry.pupil.is_some() {
        Access::PupilLevel
    } else {
        Access::Aggregate
    };
    if viewer.gate.access(entry.urn) < needed {
        return Err(WebError::Forbidden);
    }
    if let Some(pupil) = &entry.pupil {
        state
            .store
            .record_audit(&AuditEntry {
                at: state.clock.now(),
                user_id: Some(viewer.user_id),
                action: "risks.show".to_owned(),
                urn: Some(entry.urn),
                pupil_id: Some(pupil.id),
                detail: format!("viewed risk register entry {}", entry.id),
            })
            .await?;
    }
    Ok(entry)
}

async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    entry: &RiskEntry,
    form: &DecisionForm,
    errors: Vec<FieldError>,
) -> Result<RiskShowPage, WebError> {
    let names = Names::load(state).await?;
    let history = state
        .store
        .risk_decisions(entry.id)
        .await?
        .into_iter()
        .map(|d| DecisionLine {
            decision: d.kind.label(),
            note: d.note,
            by: d
                .decided_by_name
                .unwrap_or_else(|| d.decided_by.to_string()),
            at: d.decided_at.format("%-d %B %Y at %H:%M UTC").to_string(),
        })
        .collect();
    let school = names.school(entry.urn);
    let pupil = entry
        .pupil
        .as_ref()
        .map(|p| (p.id, format!("{} {}", p.forename, p.surname)));
    let title = match &pupil {
        Some((_, name)) => format!("{}: {name}", entry.rule.label()),
        None => format!("{}: {school}", entry.rule.label()),
    };
    Ok(RiskShowPage {
        nav: Some(Nav::of(viewer)),
        title,
        id: entry.id,
        urn: entry.urn.to_string(),
        school,
        pupil,
        rule: entry.rule.label(),
        measure: entry.measure.label(),
        pupil_group: entry.pupil_group.label(),
        description: describe(entry),
        status: entry.status.label(),
        firing: firing_text(entry),
        first_fired: date(entry.first_fired_at),
        history,
        may_decide: viewer.gate.may_edit_plan(&Scope::School(entry.urn)),
        csrf_token: viewer.csrf_token.clone(),
        decisions: RiskDecisionKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.code().to_owned(),
                label: k.label().to_owned(),
                selected: k.code() == form.decision,
            })
            .collect(),
        note: form.note.clone(),
        errors,
    })
}

/// GET /risks/{id}
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let entry = authorise(&state, &viewer, &id).await?;
    render(
        &show_page(
            &state,
            &viewer,
            &entry,
            &DecisionForm::default(),
            Vec::new(),
        )
        .await?,
    )
}

#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// POST /risks/{id}/decisions: appends a decision (monitor, support, intervene, close).
pub(crate) async fn create_decision(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let entry = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !viewer.gate.may_edit_plan(&Scope::School(entry.urn)) {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    let kind = RiskDecisionKind::parse(&form.decision);
    if kind.is_none() {
        errors.push(field_error(
            "decision",
            "Choose monitor, support, intervene or close.",
        ));
    }
    let note = form.note.trim();
    if note.is_empty() || note.chars().count() > 1000 {
        errors.push(field_error(
            "note",
            "Say why, in up to 1,000 characters, so the board can see it later.",
        ));
    }
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        let page = show_page(&state, &viewer, &entry, &form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    state
        .store
        .record_risk_decision(entry.id, kind, note, &viewer.username, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/risks/{}#history", entry.id)).into_response())
}

/// The groups whose rules the viewer sets (`Gate::may_set_risk_rules`).
fn configurable_groups(viewer: &Viewer) -> Vec<String> {
    let mut codes: Vec<String> = viewer
        .gate
        .roles()
        .iter()
        .filter_map(|r| match &r.scope {
            Scope::Group(code) if viewer.gate.may_set_risk_rules(code) => Some(code.clone()),
            _ => None,
        })
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// The settings form as typed: a box ticked sends its name, an unticked one nothing.
#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    confidence: String,
    below_national: Option<String>,
    below_similar_schools: Option<String>,
    year_on_year_fall: Option<String>,
    gap_widened: Option<String>,
    severe_absence: Option<String>,
    persistent_absence: Option<String>,
    absence_rising: Option<String>,
    attainment_trajectory: Option<String>,
    gcse_grades: Option<String>,
    /// The grade scheme's word scale, one `result = standing` a line, lowest first.
    #[serde(default)]
    grade_levels: String,
    #[serde(default)]
    severe_absence_rate: String,
    #[serde(default)]
    persistent_absence_rate: String,
    #[serde(default)]
    absence_rising_points: String,
}

impl SettingsForm {
    fn of(group: &str, config: &RiskConfig) -> SettingsForm {
        let mut form = SettingsForm {
            group: group.to_owned(),
            confidence: config.confidence.code().to_owned(),
            severe_absence_rate: format!("{}", config.severe_absence_rate * 100.0),
            persistent_absence_rate: format!("{}", config.persistent_absence_rate * 100.0),
            absence_rising_points: format!("{}", config.absence_rising_points * 100.0),
            gcse_grades: config.grade_scheme.gcse_grades.then(|| "on".to_owned()),
            grade_levels: config.grade_scheme.levels_text(),
            ..SettingsForm::default()
        };
        for rule in RiskRule::ALL {
            *form.flag(rule) = config.is_on(rule).then(|| "on".to_owned());
        }
        form
    }

    fn flag(&mut self, rule: RiskRule) -> &mut Option<String> {
        match rule {
            RiskRule::BelowNational => &mut self.below_national,
            RiskRule::BelowSimilarSchools => &mut self.below_similar_schools,
            RiskRule::YearOnYearFall => &mut self.year_on_year_fall,
            RiskRule::GapWidened => &mut self.gap_widened,
            RiskRule::SevereAbsence => &mut self.severe_absence,
            RiskRule::PersistentAbsence => &mut self.persistent_absence,
            RiskRule::AbsenceRising => &mut self.absence_rising,
            RiskRule::AttainmentTrajectory => &mut self.attainment_trajectory,
        }
    }
}

/// One rule's tick box.
#[derive(Debug)]
pub(crate) struct RuleBox {
    pub code: &'static str,
    pub label: &'static str,
    pub on: bool,
}

/// One group's settings form.
#[derive(Debug)]
pub(crate) struct GroupSettings {
    pub code: String,
    pub name: String,
    pub confidences: Vec<Choice>,
    pub rules: Vec<RuleBox>,
    pub severe_absence_rate: String,
    pub persistent_absence_rate: String,
    pub absence_rising_points: String,
    pub gcse_grades: bool,
    pub grade_levels: String,
    pub errors: Vec<FieldError>,
    /// Whether the viewer sets these rules; a data manager reads them only.
    pub editable: bool,
    /// The schools judged by these rules that the viewer may see, with the latest year's
    /// teacher assessments the scheme cannot read.
    pub unread: DataTable,
}

impl GroupSettings {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

#[derive(Template)]
#[template(path = "risks/settings.html")]
pub(crate) struct RiskSettingsPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub csrf_token: String,
    pub groups: Vec<GroupSettings>,
    /// The year whose teacher assessments are counted, if any pupils are stored.
    pub unread_year: Option<String>,
}

/// The page with each configurable group's form; `posted` replaces one group's stored values
/// with what was typed, with its errors.
async fn settings_page(
    state: &AppState,
    viewer: &Viewer,
    posted: Option<(&SettingsForm, Vec<FieldError>)>,
) -> Result<RiskSettingsPage, WebError> {
    let names = Names::load(state).await?;
    let mut groups = Vec::new();
    let mut posted = posted;
    let today = state.clock.now().date_naive();
    let unread = state.store.unread_teacher_assessments(today).await?;
    let editable = configurable_groups(viewer);
    for code in readable_groups(state, viewer).await? {
        let stored = SettingsForm::of(&code, &state.store.risk_settings(&code).await?);
        let (mut form, errors) = match posted.take() {
            Some((form, errors)) if form.group == code => (form.clone(), errors),
            other => {
                posted = other;
                (stored, Vec::new())
            }
        };
        groups.push(GroupSettings {
            name: names.group(&code),
            confidences: Confidence::ALL
                .iter()
                .map(|c| Choice {
                    value: c.code().to_owned(),
                    label: format!("{}%", c.code()),
                    selected: c.code() == form.confidence,
                })
                .collect(),
            rules: RiskRule::ALL
                .iter()
                .map(|r| RuleBox {
                    code: r.code(),
                    label: r.label(),
                    on: form.flag(*r).is_some(),
                })
                .collect(),
            severe_absence_rate: form.severe_absence_rate.clone(),
            persistent_absence_rate: form.persistent_absence_rate.clone(),
            absence_rising_points: form.absence_rising_points.clone(),
            gcse_grades: form.gcse_grades.is_some(),
            grade_levels: form.grade_levels.clone(),
            errors,
            editable: editable.contains(&code),
            unread: unread_table(
                &code,
                unread
                    .as_ref()
                    .map_or(&[], |(_, schools)| schools.as_slice()),
                viewer,
                &names,
            ),
            code,
        });
    }
    Ok(RiskSettingsPage {
        nav: Some(Nav::of(viewer)),
        title: "Risk register rules".to_owned(),
        csrf_token: viewer.csrf_token.clone(),
        groups,
        unread_year: unread.map(|(year, _)| year.to_string()),
    })
}

/// The schools `code`'s rules judge that the viewer may see, each with its teacher
/// assessments in the latest year and how many the group's grade scheme cannot read.
fn unread_table(
    code: &str,
    unread: &[UnreadAssessments],
    viewer: &Viewer,
    names: &Names,
) -> DataTable {
    let mut table = DataTable::new(
        format!("unread-{code}"),
        "Teacher assessments this scheme cannot read, by school",
        vec![
            Column::text("School"),
            Column::number("Teacher assessments"),
            Column::number("Not read by the scheme"),
            Column::text("Results the scheme does not know"),
        ],
        "/risks/settings",
    );
    let count = |n: usize| Cell::count(u32::try_from(n).unwrap_or(u32::MAX));
    for school in unread.iter().filter(|s| {
        s.rules_group.as_deref() == Some(code) && viewer.gate.access(s.urn) > Access::None
    }) {
        let results: Vec<String> = school
            .unread_results
            .iter()
            .map(|(result, n)| format!("{result} ({n})"))
            .collect();
        table.push(vec![
            Cell::text(names.school(school.urn)),
            count(school.assessments),
            count(school.unread),
            if results.is_empty() {
                Cell::Empty
            } else {
                Cell::text(results.join(", "))
            },
        ]);
    }
    table
}

/// The groups whose rules the viewer reads on the settings page: those they set, then for a
/// data manager the groups whose rules judge the schools they import for (read only), so
/// they can see why pupils are missing from the rules.
async fn readable_groups(state: &AppState, viewer: &Viewer) -> Result<Vec<String>, WebError> {
    let mut codes = configurable_groups(viewer);
    let today = state.clock.now().date_naive();
    for urn in viewer.gate.importable_schools() {
        if let Some(code) = state.store.rules_group_of(urn, today).await? {
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
    }
    Ok(codes)
}

/// GET /risks/settings: trust leaders' and cluster coordinators' rules and thresholds for
/// their groups, each with the teacher assessments its grade scheme cannot read at the
/// schools it judges; data managers read the rules that judge their schools. The counts
/// download as CSV or Excel.
pub(crate) async fn settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(export): Query<ExportQuery>,
) -> Result<Response, WebError> {
    if readable_groups(&state, &viewer).await?.is_empty() {
        return Err(WebError::Forbidden);
    }
    let page = settings_page(&state, &viewer, None).await?;
    if let Some((key, format)) = export.requested()? {
        let tables: Vec<DataTable> = page.groups.iter().map(|g| g.unread.clone()).collect();
        return download(&tables, key, format, "risk-rules");
    }
    Ok(render(&page)?.into_response())
}

/// A percentage typed into the form, as a fraction (`50` or `50%` is 0.5), between 1 and 100.
fn parse_rate(text: &str) -> Option<f64> {
    let value: f64 = text.trim().trim_end_matches('%').trim().parse().ok()?;
    (value.is_finite() && (1.0..=100.0).contains(&value)).then_some(value / 100.0)
}

/// POST /risks/settings: stores a group's rules and judges the register again with them.
pub(crate) async fn update_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(mut form): Form<SettingsForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&form.csrf_token)?;
    if !configurable_groups(&viewer).contains(&form.group) {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    let confidence = Confidence::parse(&form.confidence);
    if confidence.is_none() {
        errors.push(field_error("confidence", "Choose 95% or 99%."));
    }
    let severe = parse_rate(&form.severe_absence_rate);
    if severe.is_none() {
        errors.push(field_error(
            "severe_absence_rate",
            "Enter a percentage between 1 and 100, for example 50.",
        ));
    }
    let persistent = parse_rate(&form.persistent_absence_rate);
    if persistent.is_none() {
        errors.push(field_error(
            "persistent_absence_rate",
            "Enter a percentage between 1 and 100, for example 10.",
        ));
    }
    let rising = parse_rate(&form.absence_rising_points);
    if rising.is_none() {
        errors.push(field_error(
            "absence_rising_points",
            "Enter a number of percentage points between 1 and 100, for example 10.",
        ));
    }
    if let (Some(severe), Some(persistent)) = (severe, persistent) {
        if persistent >= severe {
            errors.push(field_error(
                "persistent_absence_rate",
                "The persistent absence line must be below the severe absence line.",
            ));
        }
    }
    let levels = match GradeScheme::parse_levels(&form.grade_levels) {
        Ok(levels) if levels.is_empty() => {
            errors.push(field_error(
                "grade_levels",
                "List at least one written result, lowest first, for example WTS = below.",
            ));
            None
        }
        Ok(levels) => Some(levels),
        Err(e) => {
            errors.push(field_error(
                "grade_levels",
                format!("Written results, {e}."),
            ));
            None
        }
    };
    let (Some(confidence), Some(severe), Some(persistent), Some(rising), Some(levels), true) = (
        confidence,
        severe,
        persistent,
        rising,
        levels,
        errors.is_empty(),
    ) else {
        let page = settings_page(&state, &viewer, Some((&form, errors))).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let mut config = RiskConfig {
        confidence,
        severe_absence_rate: severe,
        persistent_absence_rate: persistent,
        absence_rising_points: rising,
        grade_scheme: GradeScheme {
            levels,
            gcse_grades: form.gcse_grades.is_some(),
        },
        ..RiskConfig::default()
    };
    for rule in RiskRule::ALL {
        config.set(rule, form.flag(rule).is_some());
    }
    state
        .store
        .set_risk_settings(&form.group, &config, &viewer.username, state.clock.now())
        .await?;
    Ok(Redirect::to("/risks").into_response())
}
