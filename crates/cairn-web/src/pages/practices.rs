//! The practice library: a group's shared practices with their measured impact, the form that
//! adds one, each practice's page (adopters, the difference-in-differences estimate with its
//! interval and verdict in words, the comparison schools and why, the discussion), and the
//! moderation page.
//!
//! Anyone with a role in a group reads its library and posts; its trust leaders and cluster
//! members add practices and adoptions and moderate (`Gate::may_read_practices`,
//! `may_add_practice`, `may_moderate_practices`). Impact figures are school-level aggregates
//! read from stored results (suppressed years are left out by the store), so no page here is
//! pupil-level.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_domain::{BenchmarkMeasure, Scope, Urn};
use cairn_measures::PupilGroup;
use cairn_measures::impact::{AdopterEffect, Verdict};
use cairn_store::{
    Measure, NewPractice, Post, Practice, PracticeEdit, PracticeImpact, StoredValue, TargetedImpact,
};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::charts::{self, Chart};
use crate::export::{self, ExportQuery};
use crate::pages::figures::unit;
use crate::pages::priorities::{
    Choice, FieldError, Names, error_for, field_error, format_value, read_date,
};
use crate::pages::{Nav, render};
use crate::tables::{Cell, Column, DataTable};
use crate::{AppState, WebError};

/// The reasons a member may give for reporting a post.
const REPORT_REASONS: [&str; 3] = ["Spam", "Abusive or offensive", "Shares personal data"];

/// Measures a practice may aim to move: those the national set publishes, so its impact can
/// be measured against similar schools.
fn measures() -> Vec<Measure> {
    BenchmarkMeasure::ALL
        .iter()
        .filter_map(|m| Measure::parse(m.code()))
        .collect()
}

fn date(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

/// A difference in the measure's units, signed: percentage points for proportions.
fn format_difference(measure: Measure, value: f64) -> String {
    if measure.is_proportion() {
        format!("{:+.1} percentage points", value * 100.0)
    } else {
        format!("{value:+.2}")
    }
}

fn verdict_code(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::TooFewSchools => "too-few",
        Verdict::NoDetectableEffect => "no-effect",
        Verdict::Improved => "improved",
        Verdict::Worsened => "worsened",
    }
}

/// A practice as the library lists it.
#[derive(Debug)]
pub(crate) struct PracticeLine {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub group: String,
    pub measure: &'static str,
    pub adopters: usize,
    pub verdict: &'static str,
    pub verdict_code: &'static str,
}

fn practice_line(practice: &Practice, impact: &PracticeImpact, names: &Names) -> PracticeLine {
    PracticeLine {
        id: practice.id,
        title: practice.title.clone(),
        summary: practice.summary.clone(),
        group: names.group(&practice.group_code),
        measure: practice.measure.label(),
        adopters: practice.adoptions.len(),
        verdict: impact.estimate.verdict.sentence(),
        verdict_code: verdict_code(impact.estimate.verdict),
    }
}

#[derive(Template)]
#[template(path = "practices/index.html")]
pub(crate) struct PracticeIndexPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub practices: Vec<PracticeLine>,
    pub may_create: bool,
}

/// The groups whose libraries the viewer adds to.
fn addable_groups(viewer: &Viewer) -> Vec<String> {
    viewer
        .gate
        .roles()
        .iter()
        .filter_map(|r| match &r.scope {
            Scope::Group(code) if viewer.gate.may_add_practice(code) => Some(code.clone()),
            _ => None,
        })
        .collect()
}

/// GET /practices
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    let names = Names::load(&state).await?;
    let mut practices = Vec::new();
    for practice in state.store.practices().await? {
        if viewer.gate.may_read_practices(&practice.group_code) {
            let impact = state.store.practice_impact(&practice).await?;
            practices.push(practice_line(&practice, &impact, &names));
        }
    }
    let page = PracticeIndexPage {
        nav: Some(Nav::of(&viewer)),
        title: "Practice library".to_owned(),
        practices,
        may_create: !addable_groups(&viewer).is_empty(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Debug, Default, Clone)]
pub(crate) struct PracticeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    targets: String,
    /// A pupil group code, or empty for all pupils.
    #[serde(default)]
    target_group: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    resources: String,
}

#[derive(Template)]
#[template(path = "practices/new.html")]
pub(crate) struct PracticeNewPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub heading: String,
    pub form_action: String,
    pub submit_label: &'static str,
    /// The practice being changed; `None` when adding one.
    pub practice_id: Option<i64>,
    pub csrf_token: String,
    pub form: PracticeForm,
    pub groups: Vec<Choice>,
    pub measures: Vec<Choice>,
    pub target_groups: Vec<Choice>,
    pub errors: Vec<FieldError>,
}

impl PracticeNewPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn new_page(
    viewer: &Viewer,
    names: &Names,
    form: PracticeForm,
    errors: Vec<FieldError>,
) -> PracticeNewPage {
    let groups = addable_groups(viewer)
        .into_iter()
        .map(|code| Choice {
            selected: code == form.group,
            label: names.group(&code),
            value: code,
        })
        .collect();
    let measures = measures()
        .into_iter()
        .map(|m| Choice {
            value: m.code().to_owned(),
            label: m.label().to_owned(),
            selected: m.code() == form.measure,
        })
        .collect();
    let target_groups = std::iter::once(("", "No one group: all pupils"))
        .chain(
            PupilGroup::ALL
                .iter()
                .filter(|g| **g != PupilGroup::All)
                .map(|g| (g.code(), g.label())),
        )
        .map(|(value, label)| Choice {
            selected: value == form.target_group,
            value: value.to_owned(),
            label: label.to_owned(),
        })
        .collect();
    PracticeNewPage {
        nav: Some(Nav::of(viewer)),
        title: "Add a practice".to_owned(),
        heading: "Add a practice".to_owned(),
        form_action: "/practices".to_owned(),
        submit_label: "Add the practice",
        practice_id: None,
        csrf_token: viewer.csrf_token.clone(),
        form,
        groups,
        measures,
        target_groups,
        errors,
    }
}

/// GET /practices/new
pub(crate) async fn new(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    if addable_groups(&viewer).is_empty() {
        return Err(WebError::Forbidden);
    }
    let names = Names::load(&state).await?;
    Ok(render(&new_page(
        &viewer,
        &names,
        PracticeForm::default(),
        Vec::new(),
    ))?
    .into_response())
}

/// Checks a text field: required and at most `max` characters.
fn text_field(
    value: &str,
    field: &'static str,
    max: usize,
    message: &str,
    errors: &mut Vec<FieldError>,
) -> String {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        errors.push(field_error(field, message));
    }
    value.to_owned()
}

/// Reads a practice form: the group (one `group_ok` allows) and the practice's words and
/// measure, or the problems with each field.
fn read_practice(
    form: &PracticeForm,
    group_ok: impl Fn(&str) -> bool,
) -> Result<(String, PracticeEdit), Vec<FieldError>> {
    let mut errors = Vec::new();
    let title = text_field(
        &form.title,
        "title",
        200,
        "Enter a title of up to 200 characters.",
        &mut errors,
    );
    let group = Some(form.group.clone()).filter(|g| group_ok(g.as_str()));
    if group.is_none() {
        errors.push(field_error("group", "Choose the group that shares it."));
    }
    let summary = text_field(
        &form.summary,
        "summary",
        300,
        "Enter a one-sentence summary of up to 300 characters.",
        &mut errors,
    );
    let description = text_field(
        &form.description,
        "description",
        5000,
        "Describe what the practice is and how it runs.",
        &mut errors,
    );
    let targets = text_field(
        &form.targets,
        "targets",
        300,
        "Say which pupils or groups it is for.",
        &mut errors,
    );
    let target_group = match form.target_group.trim() {
        "" => None,
        code => {
            let group = PupilGroup::parse(code).filter(|g| *g != PupilGroup::All);
            if group.is_none() {
                errors.push(field_error(
                    "target_group",
                    "Choose the pupil group it targets from the list, or all pupils.",
                ));
            }
            group
        }
    };
    let measure = Measure::parse(&form.measure).filter(|m| measures().contains(m));
    if measure.is_none() {
        errors.push(field_error(
            "measure",
            "Choose the measure it aims to move.",
        ));
    }
    let (Some(group_code), Some(measure), true) = (group, measure, errors.is_empty()) else {
        return Err(errors);
    };
    Ok((
        group_code,
        PracticeEdit {
            title,
            summary,
            description,
            targets,
            target_group,
            measure,
            resources: form.resources.trim().to_owned(),
        },
    ))
}

/// POST /practices
pub(crate) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PracticeForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&form.csrf_token)?;
    if addable_groups(&viewer).is_empty() {
        return Err(WebError::Forbidden);
    }
    let (group_code, edit) = match read_practice(&form, |g| viewer.gate.may_add_practice(g)) {
        Ok(read) => read,
        Err(errors) => {
            let names = Names::load(&state).await?;
            let page = new_page(&viewer, &names, form, errors);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let id = state
        .store
        .create_practice(
            &NewPractice {
                group_code,
                title: edit.title,
                summary: edit.summary,
                description: edit.description,
                targets: edit.targets,
                target_group: edit.target_group,
                measure: edit.measure,
                resources: edit.resources,
                created_by: viewer.username.clone(),
            },
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/practices/{id}")).into_response())
}

/// Loads a practice the viewer may read: 404 unknown, 403 another group's.
async fn authorise(state: &AppState, viewer: &Viewer, id: &str) -> Result<Practice, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let practice = state.store.practice(id).await?.ok_or(WebError::NotFound)?;
    if !viewer.gate.may_read_practices(&practice.group_code) {
        return Err(WebError::Forbidden);
    }
    Ok(practice)
}

/// A resource line: a link when it is a web address.
#[derive(Debug)]
pub(crate) struct Resource {
    pub text: String,
    /// The address, for a link; its text is then a readable label that wraps on a phone.
    pub href: Option<String>,
}

impl Resource {
    fn of(line: &str) -> Resource {
        let Some(rest) = line
            .strip_prefix("https://")
            .or_else(|| line.strip_prefix("http://"))
        else {
            return Resource {
                text: line.to_owned(),
                href: None,
            };
        };
        let rest = rest.trim_end_matches('/');
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = host.trim_start_matches("www.");
        let last = path.rsplit('/').next().unwrap_or_default();
        let text = if last.is_empty() {
            host.to_owned()
        } else {
            format!("{host}: {}", last.replace(['-', '_'], " "))
        };
        Resource {
            text,
            href: Some(line.to_owned()),
        }
    }
}

/// A post as the discussion shows it.
#[derive(Debug)]
pub(crate) struct PostLine {
    pub id: i64,
    pub author: String,
    pub posted: String,
    /// Empty when hidden: a hidden post's words are shown only to moderators.
    pub body: String,
    pub hidden: bool,
    pub reported_by_viewer: bool,
    pub reports: Vec<String>,
    pub hidden_note: String,
}

fn post_line(post: &Post, viewer: &Viewer, moderator: bool) -> PostLine {
    let hidden_note = post.hidden.as_ref().map_or_else(String::new, |h| {
        format!(
            "Hidden by {} on {} ({})",
            h.by,
            date(h.at.date_naive()),
            h.reason
        )
    });
    PostLine {
        id: post.id,
        author: post
            .author_name
            .clone()
            .unwrap_or_else(|| post.author.to_string()),
        posted: date(post.created_at.date_naive()),
        body: if post.hidden.is_none() || moderator {
            post.body.clone()
        } else {
            String::new()
        },
        hidden: post.hidden.is_some(),
        reported_by_viewer: post.reports.iter().any(|r| r.reporter == viewer.username),
        reports: post
            .reports
            .iter()
            .map(|r| {
                format!(
                    "{} ({}, {})",
                    r.reason,
                    r.reporter,
                    date(r.created_at.date_naive())
                )
            })
            .collect(),
        hidden_note,
    }
}

/// What the form fields held when a post back failed, and the problems.
#[derive(Debug, Default)]
pub(crate) struct ShowForms {
    pub post_body: String,
    pub adoption_school: String,
    pub adopted_on: String,
    pub errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "practices/show.html")]
pub(crate) struct PracticeShowPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub line: PracticeLine,
    pub description: String,
    pub targets: String,
    pub resources: Vec<Resource>,
    pub created_by: String,
    /// School name, start date, first year, URN.
    pub adopters: Vec<(String, String, String, String)>,
    /// Whether the viewer may change the practice and remove its adoptions.
    pub may_edit: bool,
    pub effect: Option<String>,
    pub interval: Option<String>,
    pub lower_is_better: bool,
    pub tables: Vec<DataTable>,
    /// Drawn from the first table, which stays on the page.
    pub chart: Option<Chart>,
    /// The impact on the pupil group the practice targets, shown first.
    pub targeted: Option<TargetedSection>,
    pub posts: Vec<PostLine>,
    pub report_reasons: Vec<&'static str>,
    pub may_add: bool,
    pub may_moderate: bool,
    pub n_reports: usize,
    pub schools: Vec<Choice>,
    pub csrf_token: String,
    pub forms: ShowForms,
}

impl PracticeShowPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.forms.errors, field)
    }
}

/// The impact on the targeted pupil group, as the page shows it.
#[derive(Debug)]
pub(crate) struct TargetedSection {
    /// The group's label, lower-cased for a sentence ("disadvantaged").
    pub group: String,
    pub verdict: &'static str,
    pub verdict_code: &'static str,
    pub effect: Option<String>,
    pub interval: Option<String>,
    /// How many schools suppressed figures left out, in a sentence.
    pub left_out: String,
    pub tables: Vec<DataTable>,
}

/// An adopter's change, its comparison schools' change and the difference, as table cells;
/// `missing` in the first cell when the adopter has no part in the estimate.
fn effect_cells(measure: Measure, effect: Option<AdopterEffect>, missing: &str) -> [Cell; 3] {
    match effect {
        Some(e) => [
            Cell::text(format_difference(measure, e.change)),
            Cell::text(format_difference(measure, e.comparison_change)),
            Cell::text(format_difference(measure, e.effect)),
        ],
        None => [Cell::text(missing), Cell::Empty, Cell::Empty],
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The targeted group's estimate in words and its tables: each adopter's group figures and
/// part of the estimate, and the partnership schools compared with.
fn targeted_section(practice: &Practice, targeted: &TargetedImpact) -> TargetedSection {
    let measure = practice.measure;
    let path = format!("/practices/{}", practice.id);
    let group = targeted.group.label().to_lowercase();
    let figures = |list: &[(cairn_domain::AcademicYear, Option<f64>)]| {
        if list.is_empty() {
            return "None stored".to_owned();
        }
        list.iter()
            .map(|(y, v)| match v {
                Some(v) => format!("{y}: {}", format_value(measure, *v)),
                None => format!("{y}: suppressed"),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut adopters = DataTable::new(
        "targeted-adopters",
        format!("Each adopting school's {group} pupils against the partnership's other schools"),
        vec![
            Column::text("School"),
            Column::text("First year with the practice"),
            Column::text("Its figures for the group"),
            Column::number("Comparison schools"),
            Column::text("Its change"),
            Column::text("Comparison schools' change"),
            Column::text("Difference"),
        ],
        &path,
    );
    for adopter in &targeted.adopters {
        let [change, comparison, difference] = effect_cells(
            measure,
            adopter.effect,
            "Left out: no shown figures before and after",
        );
        adopters.push(vec![
            Cell::text(adopter.name.clone()),
            Cell::text(adopter.first_year.to_string()),
            Cell::text(figures(&adopter.figures)),
            Cell::count(u32::try_from(adopter.n_comparisons).unwrap_or(u32::MAX)),
            change,
            comparison,
            difference,
        ]);
    }
    let mut comparisons = DataTable::new(
        "targeted-comparisons",
        format!("The partnership's schools compared with, and their {group} pupils' figures"),
        vec![
            Column::text("Comparison school"),
            Column::text("Its figures for the group"),
        ],
        &path,
    );
    for (urn, name, list) in &targeted.comparisons {
        comparisons.push(vec![
            Cell::text(format!("{name} (URN {urn})")),
            Cell::text(figures(list)),
        ]);
    }
    let impact = &targeted.impact;
    let estimate = &impact.estimate;
    let left_out = match (impact.adopters_left_out, impact.comparisons_left_out) {
        (0, 0) => format!("No school was left out for suppressed {group} figures."),
        (a, c) => format!(
            "Left out because their figures for {group} pupils are suppressed (too few pupils \
             to publish) before or after adoption: {} and {}.",
            plural(a, "adopting school", "adopting schools"),
            plural(c, "comparison school", "comparison schools"),
        ),
    };
    TargetedSection {
        group,
        verdict: estimate.verdict.sentence(),
        verdict_code: verdict_code(estimate.verdict),
        effect: estimate.effect.map(|e| format_difference(measure, e)),
        interval: estimate.interval.map(|i| {
            format!(
                "from {} to {}",
                format_difference(measure, i.lower),
                format_difference(measure, i.upper)
            )
        }),
        left_out,
        tables: vec![adopters, comparisons],
    }
}

/// The impact's tables: each adopter's part of the estimate, and the comparison schools
/// with why each was chosen and its figures.
fn impact_tables(practice: &Practice, impact: &PracticeImpact) -> Vec<DataTable> {
    let measure = practice.measure;
    let path = format!("/practices/{}", practice.id);
    let mut adopters = DataTable::new(
        "adopters",
        "Each adopting school against its comparison schools",
        vec![
            Column::text("School"),
            Column::text("First year with the practice"),
            Column::text("Its figures"),
            Column::number("Comparison schools"),
            Column::text("Its change"),
            Column::text("Comparison schools' change"),
            Column::text("Difference"),
        ],
        &path,
    );
    let mut comparisons = DataTable::new(
        "comparisons",
        "The comparison schools and why each was chosen",
        vec![
            Column::text("Comparison school"),
            Column::text("Compared with"),
            Column::text("Why"),
            Column::text("Its figures"),
        ],
        &path,
    );
    let figures = |list: &[(cairn_domain::AcademicYear, f64)]| {
        if list.is_empty() {
            return "None shown".to_owned();
        }
        list.iter()
            .map(|(y, v)| format!("{y}: {}", format_value(measure, *v)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    for adopter in &impact.adopters {
        let [change, comparison, difference] =
            effect_cells(measure, adopter.effect, "No figures before and after yet");
        adopters.push(vec![
            Cell::text(adopter.name.clone()),
            Cell::text(adopter.first_year.to_string()),
            Cell::text(figures(&adopter.figures)),
            Cell::count(u32::try_from(adopter.comparisons.len()).unwrap_or(u32::MAX)),
            change,
            comparison,
            difference,
        ]);
        for c in &adopter.comparisons {
            let matched = adopter
                .matched_in
                .map_or_else(String::new, |y| format!(" in {y}"));
            comparisons.push(vec![
                Cell::text(format!("{} (URN {})", c.name, c.urn)),
                Cell::text(adopter.name.clone()),
                Cell::text(format!(
                    "Number {} of its 20 most similar schools{matched}, the year before it \
                     adopted the practice, by prior attainment, disadvantage, SEN, EAL and size \
                     (distance {:.2}); it has not adopted the practice",
                    c.rank, c.distance
                )),
                Cell::text(figures(&c.figures)),
            ]);
        }
    }
    let mut by_year = DataTable::new(
        "before-after",
        "Adopting schools and their comparison schools, by years from adoption",
        vec![
            Column::text("Years from adoption"),
            Column::number("Adopting schools"),
            Column::number("Comparison schools"),
            Column::number("Adopting schools with figures"),
        ],
        &path,
    );
    for point in &impact.by_years_from_adoption {
        let shown = |value| StoredValue::Shown {
            value,
            n_pupils: 0,
            ci_low: None,
            ci_high: None,
        };
        by_year.push(vec![
            Cell::text(match point.years_from_adoption {
                0 => "First year (0)".to_owned(),
                n => format!("{n:+}"),
            }),
            Cell::figure(measure, &shown(point.adopters)),
            Cell::figure(measure, &shown(point.comparisons)),
            Cell::count(u32::try_from(point.n_adopters).unwrap_or(u32::MAX)),
        ]);
    }
    vec![by_year, adopters, comparisons]
}

async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    practice: &Practice,
    forms: ShowForms,
) -> Result<PracticeShowPage, WebError> {
    let names = Names::load(state).await?;
    let impact = state.store.practice_impact(practice).await?;
    let may_moderate = viewer.gate.may_moderate_practices(&practice.group_code);
    let may_add = viewer.gate.may_add_practice(&practice.group_code);
    let posts = state.store.posts(practice.id).await?;
    let n_reports = posts
        .iter()
        .filter(|p| p.hidden.is_none() && !p.reports.is_empty())
        .count();
    let estimate = &impact.estimate;
    let tables = impact_tables(practice, &impact);
    let schools = viewer
        .gate
        .group_schools(&practice.group_code)
        .into_iter()
        .flatten()
        .map(|urn| Choice {
            value: urn.to_string(),
            label: names.school(*urn),
            selected: urn.to_string() == forms.adoption_school,
        })
        .collect();
    Ok(PracticeShowPage {
        nav: Some(Nav::of(viewer)),
        title: practice.title.clone(),
        line: practice_line(practice, &impact, &names),
        description: practice.description.clone(),
        targets: practice.targets.clone(),
        resources: practice
            .resources
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(Resource::of)
            .collect(),
        created_by: practice.created_by.to_string(),
        adopters: practice
            .adoptions
            .iter()
            .map(|a| {
                (
                    a.school_name.clone(),
                    date(a.adopted_on),
                    a.first_year().to_string(),
                    a.urn.to_string(),
                )
            })
            .collect(),
        effect: estimate
            .effect
            .map(|e| format_difference(practice.measure, e)),
        interval: estimate.interval.map(|i| {
            format!(
                "from {} to {}",
                format_difference(practice.measure, i.lower),
                format_difference(practice.measure, i.upper)
            )
        }),
        lower_is_better: !impact.higher_is_better,
        chart: tables.first().and_then(|t| {
            charts::two_lines(
                t,
                &format!("{} ({})", practice.measure.label(), unit(practice.measure)),
                "The adopting schools' average and their comparison schools' average in the \
                 years before and after adoption. The table below gives every figure.",
            )
        }),
        tables,
        targeted: impact
            .targeted
            .as_ref()
            .map(|t| targeted_section(practice, t)),
        posts: posts
            .iter()
            .map(|p| post_line(p, viewer, may_moderate))
            .collect(),
        report_reasons: REPORT_REASONS.to_vec(),
        may_add,
        may_edit: viewer
            .gate
            .may_edit_practice(&practice.group_code, &practice.created_by),
        may_moderate,
        n_reports,
        schools,
        csrf_token: viewer.csrf_token.clone(),
        forms,
    })
}

/// GET /practices/{id}, or one of its tables as a download.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let practice = authorise(&state, &viewer, &id).await?;
    let requested = query.requested()?;
    let page = show_page(&state, &viewer, &practice, ShowForms::default()).await?;
    if let Some((key, format)) = requested {
        let stem = format!("practice-{}", practice.id);
        let mut tables = page.tables;
        if let Some(targeted) = page.targeted {
            tables.extend(targeted.tables);
        }
        return export::download(&tables, key, format, &stem);
    }
    Ok(render(&page)?.into_response())
}

/// Re-renders a practice's page with the form problems, as 422.
async fn unprocessable(
    state: &AppState,
    viewer: &Viewer,
    practice: &Practice,
    forms: ShowForms,
) -> Result<Response, WebError> {
    let page = show_page(state, viewer, practice, forms).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Deserialize, Debug)]
pub(crate) struct PostForm {
    csrf_token: String,
    #[serde(default)]
    body: String,
}

/// POST /practices/{id}/posts
pub(crate) async fn create_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<PostForm>,
) -> Result<Response, WebError> {
    let practice = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    let body = form.body.trim();
    if body.is_empty() || body.chars().count() > 4000 {
        let forms = ShowForms {
            post_body: form.body.clone(),
            errors: vec![field_error(
                "post-body",
                "Write your post (up to 4,000 characters).",
            )],
            ..ShowForms::default()
        };
        return unprocessable(&state, &viewer, &practice, forms).await;
    }
    let post_id = state
        .store
        .add_post(practice.id, &viewer.username, body, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/practices/{}#post-{post_id}", practice.id)).into_response())
}

#[derive(Deserialize, Debug)]
pub(crate) struct AdoptionForm {
    csrf_token: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    adopted_on: String,
}

/// POST /practices/{id}/adoptions
pub(crate) async fn create_adoption(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<AdoptionForm>,
) -> Result<Response, WebError> {
    let practice = authorise(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !viewer.gate.may_add_practice(&practice.group_code) {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    let school = Urn::parse(form.school.trim()).ok().filter(|urn| {
        viewer
            .gate
            .group_schools(&practice.group_code)
            .is_some_and(|s| s.contains(urn))
    });
    if school.is_none() {
        errors.push(field_error(
            "adoption-school",
            "Choose one of the group's schools.",
        ));
    }
    let adopted_on = read_date(
        &form.adopted_on,
        "adopted-on",
        "Enter the day it started, for example 2025-09-01.",
        &mut errors,
    );
    let (Some(urn), Some(adopted_on)) = (school, adopted_on) else {
        let forms = ShowForms {
            adoption_school: form.school.clone(),
            adopted_on: form.adopted_on.clone(),
            errors,
            ..ShowForms::default()
        };
        return unprocessable(&state, &viewer, &practice, forms).await;
    };
    state
        .store
        .record_adoption(practice.id, urn, adopted_on)
        .await?;
    Ok(Redirect::to(&format!("/practices/{}#adopters", practice.id)).into_response())
}

/// Loads a practice the viewer may change: 404 unknown, 403 otherwise.
async fn authorise_editor(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> Result<Practice, WebError> {
    let practice = authorise(state, viewer, id).await?;
    if !viewer
        .gate
        .may_edit_practice(&practice.group_code, &practice.created_by)
    {
        return Err(WebError::Forbidden);
    }
    Ok(practice)
}

fn edit_page(
    viewer: &Viewer,
    names: &Names,
    practice: &Practice,
    form: PracticeForm,
    errors: Vec<FieldError>,
) -> PracticeNewPage {
    let mut page = new_page(viewer, names, form, errors);
    page.title = format!("Change {}", practice.title);
    page.heading = "Change this practice".to_owned();
    page.form_action = format!("/practices/{}/edit", practice.id);
    page.submit_label = "Save the changes";
    page.practice_id = Some(practice.id);
    // A practice stays in the library it was shared in.
    page.groups = vec![Choice {
        value: practice.group_code.clone(),
        label: names.group(&practice.group_code),
        selected: true,
    }];
    page
}

/// GET /practices/{id}/edit
pub(crate) async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let practice = authorise_editor(&state, &viewer, &id).await?;
    let names = Names::load(&state).await?;
    let form = PracticeForm {
        csrf_token: String::new(),
        group: practice.group_code.clone(),
        title: practice.title.clone(),
        summary: practice.summary.clone(),
        description: practice.description.clone(),
        targets: practice.targets.clone(),
        target_group: practice
            .target_group
            .map_or_else(String::new, |g| g.code().to_owned()),
        measure: practice.measure.code().to_owned(),
        resources: practice.resources.clone(),
    };
    Ok(render(&edit_page(&viewer, &names, &practice, form, Vec::new()))?.into_response())
}

/// POST /practices/{id}/edit
pub(crate) async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<PracticeForm>,
) -> Result<Response, WebError> {
    let practice = authorise_editor(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    let edit = match read_practice(&form, |g| g == practice.group_code) {
        Ok((_, edit)) => edit,
        Err(errors) => {
            let names = Names::load(&state).await?;
            let page = edit_page(&viewer, &names, &practice, form, errors);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    state.store.update_practice(practice.id, &edit).await?;
    Ok(Redirect::to(&format!("/practices/{}", practice.id)).into_response())
}

#[derive(Deserialize, Debug)]
pub(crate) struct RemoveAdoptionForm {
    #[serde(default)]
    csrf_token: String,
}

/// POST /practices/{id}/adoptions/{urn}/remove: an adoption recorded in error.
pub(crate) async fn remove_adoption(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(String, String)>,
    Form(form): Form<RemoveAdoptionForm>,
) -> Result<Response, WebError> {
    let practice = authorise_editor(&state, &viewer, &id).await?;
    viewer.check_csrf(&form.csrf_token)?;
    let urn = Urn::parse(&urn)
        .ok()
        .filter(|u| practice.adoptions.iter().any(|a| a.urn == *u))
        .ok_or(WebError::NotFound)?;
    state.store.remove_adoption(practice.id, urn).await?;
    Ok(Redirect::to(&format!("/practices/{}#adopters", practice.id)).into_response())
}

/// Loads a post of a practice the viewer may read: 404 when either is unknown or the post is
/// another practice's.
async fn authorise_post(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    post: &str,
) -> Result<(Practice, i64), WebError> {
    let practice = authorise(state, viewer, id).await?;
    let post: i64 = post.parse().map_err(|_| WebError::NotFound)?;
    if state.store.post_practice(post).await? != Some(practice.id) {
        return Err(WebError::NotFound);
    }
    Ok((practice, post))
}

#[derive(Deserialize, Debug)]
pub(crate) struct ReportForm {
    csrf_token: String,
    #[serde(default)]
    reason: String,
}

/// POST /practices/{id}/posts/{post}/report
pub(crate) async fn report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, post)): Path<(String, String)>,
    Form(form): Form<ReportForm>,
) -> Result<Response, WebError> {
    let (practice, post) = authorise_post(&state, &viewer, &id, &post).await?;
    viewer.check_csrf(&form.csrf_token)?;
    if !REPORT_REASONS.contains(&form.reason.as_str()) {
        let forms = ShowForms {
            errors: vec![field_error(
                "discussion",
                "Choose why you are reporting the post.",
            )],
            ..ShowForms::default()
        };
        return unprocessable(&state, &viewer, &practice, forms).await;
    }
    state
        .store
        .report_post(post, &viewer.username, &form.reason, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/practices/{}#post-{post}", practice.id)).into_response())
}

#[derive(Template)]
#[template(path = "practices/moderation.html")]
pub(crate) struct PracticeModerationPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub practice_id: i64,
    pub practice_title: String,
    pub queue: Vec<PostLine>,
    pub trail: Vec<(String, String, String, String, i64)>,
    pub csrf_token: String,
    /// A missing reason (field `queue`): every reason box is marked invalid.
    pub errors: Vec<FieldError>,
}

async fn moderation_page(
    state: &AppState,
    viewer: &Viewer,
    practice: &Practice,
    errors: Vec<FieldError>,
) -> Result<PracticeModerationPage, WebError> {
    let posts = state.store.posts(practice.id).await?;
    let trail = state
        .store
        .moderation_trail(practice.id)
        .await?
        .into_iter()
        .map(|e| {
            (
                date(e.at.date_naive()),
                e.moderator.to_string(),
                if e.hid { "Hidden" } else { "Shown again" }.to_owned(),
                e.reason,
                e.post_id,
            )
        })
        .collect();
    Ok(PracticeModerationPage {
        nav: Some(Nav::of(viewer)),
        title: format!("Moderation: {}", practice.title),
        practice_id: practice.id,
        practice_title: practice.title.clone(),
        queue: posts
            .iter()
            .filter(|p| p.hidden.is_some() || !p.reports.is_empty())
            .map(|p| post_line(p, viewer, true))
            .collect(),
        trail,
        csrf_token: viewer.csrf_token.clone(),
        errors,
    })
}

/// Loads a practice the viewer moderates.
async fn authorise_moderator(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> Result<Practice, WebError> {
    let practice = authorise(state, viewer, id).await?;
    if !viewer.gate.may_moderate_practices(&practice.group_code) {
        return Err(WebError::Forbidden);
    }
    Ok(practice)
}

/// GET /practices/{id}/moderation
pub(crate) async fn moderation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let practice = authorise_moderator(&state, &viewer, &id).await?;
    let page = moderation_page(&state, &viewer, &practice, Vec::new()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Debug)]
pub(crate) struct ModerateForm {
    csrf_token: String,
    #[serde(default)]
    reason: String,
}

/// POST /practices/{id}/posts/{post}/hide and /unhide: `hide` says which.
async fn moderate(
    state: AppState,
    viewer: Viewer,
    (id, post): (String, String),
    form: ModerateForm,
    hide: bool,
) -> Result<Response, WebError> {
    let practice = authorise_moderator(&state, &viewer, &id).await?;
    let (_, post) = authorise_post(&state, &viewer, &id, &post).await?;
    viewer.check_csrf(&form.csrf_token)?;
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        let errors = vec![field_error(
            "queue",
            "Give a reason of up to 300 characters; it stays in the trail.",
        )];
        let page = moderation_page(&state, &viewer, &practice, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    state
        .store
        .moderate_post(post, &viewer.username, hide, reason, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/practices/{}/moderation", practice.id)).into_response())
}

/// POST /practices/{id}/posts/{post}/hide
pub(crate) async fn hide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(ids): Path<(String, String)>,
    Form(form): Form<ModerateForm>,
) -> Result<Response, WebError> {
    moderate(state, viewer, ids, form, true).await
}

/// POST /practices/{id}/posts/{post}/unhide
pub(crate) async fn unhide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(ids): Path<(String, String)>,
    Form(form): Form<ModerateForm>,
) -> Result<Response, WebError> {
    moderate(state, viewer, ids, form, false).await
}
