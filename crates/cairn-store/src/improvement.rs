//! The improvement cycle: priorities with success criteria bound to stored measures, the
//! criteria's evaluations, action plans, and meetings with data packs frozen at the meeting.
//!
//! Criteria are judged by `cairn_measures::criteria::evaluate` against the stored figures of
//! the newest refresh: [`Store::evaluate_criteria`] runs at the end of every
//! [`Store::refresh_measures`] and whenever a criterion is added, and keeps one evaluation per
//! criterion and refresh. Benchmarks (England, similar schools, top 25%) come through one
//! function, [`Store::criterion_benchmarks`], from the comparisons the same refresh stored.
//!
//! A frozen data pack copies the figures, with their labels, into its own row as JSON, so a
//! later import or refresh never changes what a meeting saw.

use std::collections::{BTreeMap, BTreeSet};

use cairn_domain::{
    AcademicYear, ActionStatus, Comparison, ImprovementPlan, MeetingKind, Rag, Scope, Urn, Username,
};
use cairn_measures::Interval;
use cairn_measures::PupilGroup;
use cairn_measures::criteria::{
    Benchmarks, CriterionInput, CriterionStatus, Evaluation, YearFigure, evaluate,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::rows::{code_from_db, urn_from_db, urn_to_db, year_from_db, year_to_db};
use crate::{
    Measure, ResultScope, ScopeFilter, Store, StoreError, StoredResult, StoredValue, on_pool,
};

/// Whether a higher value of the measure is better. Absence is the one family where lower is
/// better.
pub fn higher_is_better(measure: Measure) -> bool {
    !matches!(
        measure,
        Measure::AttendanceOverallAbsence
            | Measure::AttendanceAuthorisedAbsence
            | Measure::AttendanceUnauthorisedAbsence
            | Measure::AttendancePersistentAbsence
            | Measure::AttendanceSevereAbsence
    )
}

/// A priority to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPriority {
    pub title: String,
    pub owner: Username,
    pub scope: Scope,
    pub from_year: AcademicYear,
    pub to_year: AcademicYear,
    pub narrative: String,
}

/// A stored priority.
#[derive(Debug, Clone, PartialEq)]
pub struct Priority {
    pub id: i64,
    pub title: String,
    pub owner: Username,
    /// The owner's display name, when they have an account.
    pub owner_name: Option<String>,
    pub scope: Scope,
    pub from_year: AcademicYear,
    pub to_year: AcademicYear,
    pub narrative: String,
    pub created_at: DateTime<Utc>,
}

/// A success criterion to add to a priority.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCriterion {
    pub priority_id: i64,
    pub measure: Measure,
    pub pupil_group: PupilGroup,
    /// A school or group; never national.
    pub scope: ResultScope,
    pub comparison: Comparison,
    pub target: Option<f64>,
    pub due_year: AcademicYear,
}

/// A stored criterion with its newest evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub id: i64,
    pub priority_id: i64,
    pub measure: Measure,
    pub pupil_group: PupilGroup,
    pub scope: ResultScope,
    pub comparison: Comparison,
    pub target: Option<f64>,
    pub due_year: AcademicYear,
    /// `None` until a refresh has run since the criterion was added.
    pub evaluation: Option<CriterionEvaluation>,
}

/// An evaluation and the refresh whose figures it judged.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionEvaluation {
    pub refresh_id: i64,
    pub computed_at: DateTime<Utc>,
    pub evaluation: Evaluation,
}

/// An action to add to a priority.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAction {
    pub priority_id: i64,
    pub title: String,
    pub owner: Username,
    /// `None`: every school in the priority.
    pub school: Option<Urn>,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: ActionStatus,
    pub rag: Rag,
}

/// A stored action, with its priority's title and scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub id: i64,
    pub priority_id: i64,
    pub priority_title: String,
    pub priority_scope: Scope,
    pub title: String,
    pub owner: Username,
    pub owner_name: Option<String>,
    pub school: Option<Urn>,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: ActionStatus,
    pub rag: Rag,
}

impl Action {
    /// Past its due date and neither done nor dropped.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.due_on < today && !self.status.is_closed()
    }
}

/// A meeting to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMeeting {
    pub kind: MeetingKind,
    /// The group the meeting is for; for a school's board meeting, the group the school
    /// belongs to (its trust, else its cluster).
    pub group_code: String,
    /// The school whose governing board meets, or `None` for a group's meeting.
    pub urn: Option<Urn>,
    pub title: String,
    pub held_on: NaiveDate,
    pub agenda: String,
    pub attendees: String,
}

/// A stored meeting (its pack is read with [`Store::meeting_pack`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    pub id: i64,
    pub kind: MeetingKind,
    pub group_code: String,
    /// The school whose governing board met, or `None` for a group's meeting.
    pub urn: Option<Urn>,
    pub title: String,
    pub held_on: NaiveDate,
    pub agenda: String,
    pub attendees: String,
    pub minutes: String,
    pub decisions: Vec<Decision>,
    pub pack_frozen_at: Option<DateTime<Utc>>,
}

/// A decision minuted at a meeting, and the action it led to.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub id: i64,
    pub decision: String,
    pub action_id: Option<i64>,
    pub action_title: Option<String>,
}

/// The figures a meeting saw, copied when the pack was frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingPack {
    pub frozen_at: DateTime<Utc>,
    pub source_refresh_id: i64,
    pub source_computed_at: DateTime<Utc>,
    pub academic_year: Option<AcademicYear>,
    pub figures: Vec<PackFigure>,
    pub criteria: Vec<PackCriterion>,
}

/// One figure in a pack, with the labels it had then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackFigure {
    pub scope_name: String,
    pub measure_code: String,
    pub measure_label: String,
    pub pupil_group_code: String,
    pub pupil_group_label: String,
    /// `None`: suppressed.
    pub value: Option<f64>,
    pub n_pupils: Option<u32>,
    pub ci: Option<Interval>,
    /// The figure's year; absent in packs frozen before packs held several years.
    #[serde(default)]
    pub academic_year: Option<AcademicYear>,
    /// England's figure stored beside it (other pupils' for disadvantaged pupils).
    #[serde(default)]
    pub england: Option<f64>,
    #[serde(default)]
    pub similar_average: Option<f64>,
}

impl PackFigure {
    /// The figure as a stored value again, for the shared formatting.
    pub fn stored_value(&self) -> StoredValue {
        match (self.value, self.n_pupils) {
            (Some(value), Some(n_pupils)) => StoredValue::Shown {
                value,
                n_pupils,
                ci_low: self.ci.map(|c| c.lower),
                ci_high: self.ci.map(|c| c.upper),
            },
            _ => StoredValue::Suppressed,
        }
    }
}

/// A criterion of one of the group's priorities, as it stood when the pack was frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackCriterion {
    pub priority_title: String,
    pub measure_label: String,
    pub pupil_group_label: String,
    pub scope_name: String,
    pub status: Option<CriterionStatus>,
}

/// The measures a frozen pack copies, for pupils overall and disadvantaged pupils.
pub const PACK_MEASURES: [Measure; 6] = [
    Measure::EyfsGld,
    Measure::PhonicsY1Met,
    Measure::Ks2RwmExpected,
    Measure::Ks4Attainment8,
    Measure::Ks4Progress8,
    Measure::AttendanceOverallAbsence,
];
const PACK_GROUPS: [PupilGroup; 2] = [PupilGroup::All, PupilGroup::Disadvantaged];

/// What a pack copies: whose figures, which years, and which criteria.
pub(crate) struct PackSpec<'a> {
    pub scopes: Vec<ResultScope>,
    /// Every stored year (a trend), or the latest only.
    pub all_years: bool,
    pub criteria_of: &'a (dyn Fn(&Priority, &Criterion) -> bool + Sync),
}

/// Where a frozen pack is kept.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PackTable {
    Meeting,
    Review,
}

impl PackTable {
    fn what(self) -> &'static str {
        match self {
            PackTable::Meeting => "meeting pack",
            PackTable::Review => "peer review pack",
        }
    }
}

fn scope_to_db(scope: &Scope) -> (Option<&str>, Option<i64>) {
    match scope {
        Scope::Group(code) => (Some(code.as_str()), None),
        Scope::School(urn) => (None, Some(urn_to_db(*urn))),
    }
}

fn scope_from_db(group_code: Option<String>, urn: Option<i64>) -> Result<Scope, StoreError> {
    match (group_code, urn) {
        (Some(code), None) => Ok(Scope::Group(code)),
        (None, Some(urn)) => Ok(Scope::School(urn_from_db(urn)?)),
        _ => Err(StoreError::corrupt(
            "priority scope",
            "with both or neither",
        )),
    }
}

fn result_scope_to_db(scope: &ResultScope) -> Result<(&'static str, String), StoreError> {
    match scope {
        ResultScope::School(urn) => Ok(("school", urn.to_string())),
        ResultScope::Group(code) => Ok(("group", code.clone())),
        ResultScope::National => Err(StoreError::corrupt("criterion scope", "national")),
    }
}

fn result_scope_from_db(kind: &str, code: &str) -> Result<ResultScope, StoreError> {
    match kind {
        "school" => Urn::parse(code)
            .map(ResultScope::School)
            .map_err(|_| StoreError::corrupt("URN", code)),
        "group" => Ok(ResultScope::Group(code.to_owned())),
        other => Err(StoreError::corrupt("criterion scope kind", other)),
    }
}

pub(crate) fn username_from_db(value: &str) -> Result<Username, StoreError> {
    code_from_db("username", value, Username::parse)
}

#[derive(sqlx::FromRow)]
struct PriorityRow {
    id: i64,
    title: String,
    owner: String,
    owner_name: Option<String>,
    group_code: Option<String>,
    urn: Option<i64>,
    from_year: i64,
    to_year: i64,
    narrative: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<PriorityRow> for Priority {
    type Error = StoreError;
    fn try_from(row: PriorityRow) -> Result<Self, StoreError> {
        Ok(Priority {
            id: row.id,
            title: row.title,
            owner: username_from_db(&row.owner)?,
            owner_name: row.owner_name,
            scope: scope_from_db(row.group_code, row.urn)?,
            from_year: year_from_db(row.from_year)?,
            to_year: year_from_db(row.to_year)?,
            narrative: row.narrative,
            created_at: row.created_at,
        })
    }
}

const PRIORITY_SELECT: &str = "SELECT p.id, p.title, p.owner, u.display_name AS owner_name, \
     p.group_code, p.urn, p.from_year, p.to_year, p.narrative, p.created_at \
     FROM priorities p LEFT JOIN users u ON u.username = p.owner";

#[derive(sqlx::FromRow)]
struct CriterionRow {
    id: i64,
    priority_id: i64,
    measure: String,
    pupil_group: String,
    scope_kind: String,
    scope_code: String,
    comparison: String,
    target: Option<f64>,
    due_year: i64,
}

impl TryFrom<CriterionRow> for Criterion {
    type Error = StoreError;
    fn try_from(row: CriterionRow) -> Result<Self, StoreError> {
        Ok(Criterion {
            id: row.id,
            priority_id: row.priority_id,
            measure: Measure::parse(&row.measure)
                .ok_or_else(|| StoreError::corrupt("measure", &row.measure))?,
            pupil_group: PupilGroup::parse(&row.pupil_group)
                .ok_or_else(|| StoreError::corrupt("pupil group", &row.pupil_group))?,
            scope: result_scope_from_db(&row.scope_kind, &row.scope_code)?,
            comparison: code_from_db("comparison", &row.comparison, Comparison::parse)?,
            target: row.target,
            due_year: year_from_db(row.due_year)?,
            evaluation: None,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: i64,
    priority_id: i64,
    priority_title: String,
    group_code: Option<String>,
    priority_urn: Option<i64>,
    title: String,
    owner: String,
    owner_name: Option<String>,
    urn: Option<i64>,
    starts_on: NaiveDate,
    due_on: NaiveDate,
    status: String,
    rag: String,
}

impl TryFrom<ActionRow> for Action {
    type Error = StoreError;
    fn try_from(row: ActionRow) -> Result<Self, StoreError> {
        Ok(Action {
            id: row.id,
            priority_id: row.priority_id,
            priority_title: row.priority_title,
            priority_scope: scope_from_db(row.group_code, row.priority_urn)?,
            title: row.title,
            owner: username_from_db(&row.owner)?,
            owner_name: row.owner_name,
            school: row.urn.map(urn_from_db).transpose()?,
            starts_on: row.starts_on,
            due_on: row.due_on,
            status: code_from_db("action status", &row.status, ActionStatus::parse)?,
            rag: code_from_db("RAG rating", &row.rag, Rag::parse)?,
        })
    }
}

const ACTION_SELECT: &str = "SELECT a.id, a.priority_id, p.title AS priority_title, \
     p.group_code, p.urn AS priority_urn, a.title, a.owner, u.display_name AS owner_name, a.urn, \
     a.starts_on, a.due_on, a.status, a.rag \
     FROM actions a JOIN priorities p ON p.id = a.priority_id \
     LEFT JOIN users u ON u.username = a.owner";

#[derive(sqlx::FromRow)]
struct MeetingRow {
    id: i64,
    kind: String,
    group_code: String,
    urn: Option<i64>,
    title: String,
    held_on: NaiveDate,
    agenda: String,
    attendees: String,
    minutes: String,
    frozen_at: Option<DateTime<Utc>>,
}

const MEETING_SELECT: &str = "SELECT m.id, m.kind, m.group_code, m.urn, m.title, m.held_on, m.agenda, \
     m.attendees, m.minutes, k.frozen_at \
     FROM meetings m LEFT JOIN meeting_packs k ON k.meeting_id = m.id";

impl Store {
    /// Creates a priority and returns its id.
    #[tracing::instrument(skip_all)]
    pub async fn create_priority(
        &self,
        priority: &NewPriority,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let (group_code, urn) = scope_to_db(&priority.scope);
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO priorities (title, owner, group_code, urn, from_year, to_year, \
                 narrative, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&priority.title)
            .bind(priority.owner.as_str())
            .bind(group_code)
            .bind(urn)
            .bind(year_to_db(priority.from_year))
            .bind(year_to_db(priority.to_year))
            .bind(&priority.narrative)
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        tracing::info!(priority.id = id, "priority created");
        Ok(id)
    }

    /// Every priority, oldest first; the web layer keeps those the viewer may see.
    pub async fn priorities(&self) -> Result<Vec<Priority>, StoreError> {
        let rows: Vec<PriorityRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{PRIORITY_SELECT} ORDER BY p.id"))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Priority::try_from).collect()
    }

    pub async fn priority(&self, id: i64) -> Result<Option<Priority>, StoreError> {
        let row: Option<PriorityRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{PRIORITY_SELECT} WHERE p.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(Priority::try_from).transpose()
    }

    /// Replaces a priority's narrative (the annual review's words).
    #[tracing::instrument(skip_all, fields(priority.id = id))]
    pub async fn set_priority_narrative(&self, id: i64, narrative: &str) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE priorities SET narrative = $1 WHERE id = $2")
                .bind(narrative)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Store::one_changed(n, "priority", id)
    }

    /// Adds a criterion and judges it at once against the newest stored figures.
    #[tracing::instrument(skip_all, fields(priority.id = criterion.priority_id))]
    pub async fn add_criterion(&self, criterion: &NewCriterion) -> Result<i64, StoreError> {
        let (kind, code) = result_scope_to_db(&criterion.scope)?;
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO success_criteria (priority_id, measure, pupil_group, scope_kind, \
                 scope_code, comparison, target, due_year) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(criterion.priority_id)
            .bind(criterion.measure.code())
            .bind(criterion.pupil_group.code())
            .bind(kind)
            .bind(code)
            .bind(criterion.comparison.code())
            .bind(criterion.target)
            .bind(year_to_db(criterion.due_year))
            .fetch_one(pool)
            .await?
        });
        self.evaluate_criteria().await?;
        Ok(id)
    }

    /// The criteria of the given priorities (every priority when `None`), each with its
    /// newest evaluation, by priority and then in the order they were added.
    pub async fn criteria(&self, priority_id: Option<i64>) -> Result<Vec<Criterion>, StoreError> {
        let rows: Vec<CriterionRow> = on_pool!(self, pool => {
            let sql = "SELECT id, priority_id, measure, pupil_group, scope_kind, scope_code, \
                       comparison, target, due_year FROM success_criteria \
                       WHERE ($1 IS NULL OR priority_id = $1) ORDER BY priority_id, id";
            sqlx::query_as(sql).bind(priority_id).fetch_all(pool).await?
        });
        let evaluations: Vec<(i64, i64, DateTime<Utc>, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT e.criterion_id, e.refresh_id, r.computed_at, e.evaluation \
                 FROM criterion_evaluations e JOIN measure_refreshes r ON r.id = e.refresh_id \
                 ORDER BY e.refresh_id",
            )
            .fetch_all(pool)
            .await?
        });
        // Later refreshes overwrite earlier ones: the newest evaluation wins.
        let mut newest: BTreeMap<i64, CriterionEvaluation> = BTreeMap::new();
        for (criterion_id, refresh_id, computed_at, json) in evaluations {
            let evaluation: Evaluation = serde_json::from_str(&json)
                .map_err(|_| StoreError::corrupt("criterion evaluation", &criterion_id))?;
            newest.insert(
                criterion_id,
                CriterionEvaluation {
                    refresh_id,
                    computed_at,
                    evaluation,
                },
            );
        }
        rows.into_iter()
            .map(|row| {
                let mut criterion = Criterion::try_from(row)?;
                criterion.evaluation = newest.remove(&criterion.id);
                Ok(criterion)
            })
            .collect()
    }

    /// The benchmark figures a criterion is compared with, for the year being judged: the
    /// comparison the newest refresh stored for the criterion's measure, pupil group and scope
    /// (England's figure, the similar-schools average, the top-25% flag). For disadvantaged
    /// pupils England's stored figure is that of other pupils, the DfE's reference for gaps.
    /// Anything not stored stays `None`, so a criterion needing it is "not yet measurable".
    pub async fn criterion_benchmarks(
        &self,
        criterion: &Criterion,
        academic_year: AcademicYear,
    ) -> Result<Benchmarks, StoreError> {
        let found = self
            .comparisons_for(&criterion.scope, Some(academic_year))
            .await?
            .into_iter()
            .find(|c| c.measure == criterion.measure && c.pupil_group == criterion.pupil_group);
        let Some(c) = found else {
            return Ok(Benchmarks::default());
        };
        let disadvantaged = criterion.pupil_group == PupilGroup::Disadvantaged;
        Ok(Benchmarks {
            national: if disadvantaged { None } else { c.national },
            national_other: if disadvantaged { c.national } else { None },
            similar_average: c.similar_average,
            similar_top_quarter: c.similar_top_quartile,
        })
    }

    /// Judges every criterion against the newest refresh's figures and stores the results
    /// under that refresh, replacing any earlier evaluation from the same refresh. Returns how
    /// many criteria were judged (0 when no refresh has run).
    #[tracing::instrument(skip_all)]
    pub async fn evaluate_criteria(&self) -> Result<usize, StoreError> {
        let criteria = self.criteria(None).await?;
        let Some(refresh) = self.latest_refresh().await? else {
            return Ok(0);
        };
        if criteria.is_empty() {
            return Ok(0);
        }
        let scopes: BTreeSet<ResultScope> = criteria.iter().map(|c| c.scope.clone()).collect();
        let measures: BTreeSet<Measure> = criteria.iter().map(|c| c.measure).collect();
        let measures: Vec<Measure> = measures.into_iter().collect();
        let latest = self
            .latest_results(
                None,
                &ScopeFilter::Only(scopes.into_iter().collect()),
                &measures,
            )
            .await?;
        let mut judged = Vec::with_capacity(criteria.len());
        for criterion in &criteria {
            let figures = year_figures(&latest.results, criterion);
            let judged_year = figures
                .iter()
                .map(|f| f.academic_year)
                .filter(|y| *y <= criterion.due_year)
                .max()
                .unwrap_or(criterion.due_year);
            let benchmarks = self.criterion_benchmarks(criterion, judged_year).await?;
            let evaluation = evaluate(&CriterionInput {
                comparison: criterion.comparison,
                target: criterion.target,
                due_year: criterion.due_year,
                higher_is_better: higher_is_better(criterion.measure),
                figures: &figures,
                benchmarks,
            });
            let json = serde_json::to_string(&evaluation)
                .map_err(|_| StoreError::corrupt("criterion evaluation", &criterion.id))?;
            judged.push((criterion.id, evaluation.status, json));
        }
        let refresh_id = latest.refresh.map_or(refresh.id, |r| r.id);
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM criterion_evaluations WHERE refresh_id = $1")
                .bind(refresh_id)
                .execute(&mut *tx)
                .await?;
            for (criterion_id, status, json) in &judged {
                sqlx::query(
                    "INSERT INTO criterion_evaluations (criterion_id, refresh_id, status, \
                     evaluation) VALUES ($1, $2, $3, $4)",
                )
                .bind(criterion_id)
                .bind(refresh_id)
                .bind(status.code())
                .bind(json)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        tracing::info!(
            refresh.id = refresh_id,
            n_criteria = judged.len(),
            "criteria evaluated"
        );
        Ok(judged.len())
    }

    /// Adds an action to a priority.
    #[tracing::instrument(skip_all, fields(priority.id = action.priority_id))]
    pub async fn add_action(&self, action: &NewAction) -> Result<i64, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO actions (priority_id, title, owner, urn, starts_on, due_on, status, \
                 rag) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(action.priority_id)
            .bind(&action.title)
            .bind(action.owner.as_str())
            .bind(action.school.map(urn_to_db))
            .bind(action.starts_on)
            .bind(action.due_on)
            .bind(action.status.code())
            .bind(action.rag.code())
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// Sets an action's status and RAG rating.
    #[tracing::instrument(skip_all, fields(action.id = id))]
    pub async fn update_action(
        &self,
        id: i64,
        status: ActionStatus,
        rag: Rag,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE actions SET status = $1, rag = $2 WHERE id = $3")
                .bind(status.code())
                .bind(rag.code())
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Store::one_changed(n, "action", id)
    }

    /// Actions of one priority, or every action, by due date.
    pub async fn actions(&self, priority_id: Option<i64>) -> Result<Vec<Action>, StoreError> {
        let rows: Vec<ActionRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "{ACTION_SELECT} WHERE ($1 IS NULL OR a.priority_id = $1) ORDER BY a.due_on, a.id"
            ))
            .bind(priority_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Action::try_from).collect()
    }

    pub async fn action(&self, id: i64) -> Result<Option<Action>, StoreError> {
        let row: Option<ActionRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{ACTION_SELECT} WHERE a.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(Action::try_from).transpose()
    }

    /// Actions one user owns, by due date.
    pub async fn actions_owned_by(&self, owner: &Username) -> Result<Vec<Action>, StoreError> {
        let rows: Vec<ActionRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{ACTION_SELECT} WHERE a.owner = $1 ORDER BY a.due_on, a.id"))
                .bind(owner.as_str())
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Action::try_from).collect()
    }

    /// Creates a meeting and returns its id.
    #[tracing::instrument(skip_all)]
    pub async fn create_meeting(
        &self,
        meeting: &NewMeeting,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO meetings (kind, group_code, urn, title, held_on, agenda, \
                 attendees, minutes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8) \
                 RETURNING id",
            )
            .bind(meeting.kind.code())
            .bind(&meeting.group_code)
            .bind(meeting.urn.map(urn_to_db))
            .bind(&meeting.title)
            .bind(meeting.held_on)
            .bind(&meeting.agenda)
            .bind(&meeting.attendees)
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        tracing::info!(meeting.id = id, "meeting created");
        Ok(id)
    }

    /// Every meeting, newest first, without decisions.
    pub async fn meetings(&self) -> Result<Vec<Meeting>, StoreError> {
        let rows: Vec<MeetingRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{MEETING_SELECT} ORDER BY m.held_on DESC, m.id DESC"))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|row| meeting_from_row(row, Vec::new()))
            .collect()
    }

    /// One meeting with its decisions.
    pub async fn meeting(&self, id: i64) -> Result<Option<Meeting>, StoreError> {
        let row: Option<MeetingRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{MEETING_SELECT} WHERE m.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let decisions: Vec<(i64, String, Option<i64>, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT d.id, d.decision, d.action_id, a.title FROM meeting_decisions d \
                 LEFT JOIN actions a ON a.id = d.action_id WHERE d.meeting_id = $1 ORDER BY d.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let decisions = decisions
            .into_iter()
            .map(|(id, decision, action_id, action_title)| Decision {
                id,
                decision,
                action_id,
                action_title,
            })
            .collect();
        meeting_from_row(row, decisions).map(Some)
    }

    /// Replaces a meeting's minutes.
    #[tracing::instrument(skip_all, fields(meeting.id = id))]
    pub async fn set_meeting_minutes(&self, id: i64, minutes: &str) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE meetings SET minutes = $1 WHERE id = $2")
                .bind(minutes)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Store::one_changed(n, "meeting", id)
    }

    /// Minutes a decision, optionally linked to the action it led to.
    #[tracing::instrument(skip_all, fields(meeting.id = meeting_id))]
    pub async fn add_decision(
        &self,
        meeting_id: i64,
        decision: &str,
        action_id: Option<i64>,
    ) -> Result<i64, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO meeting_decisions (meeting_id, decision, action_id) \
                 VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(meeting_id)
            .bind(decision)
            .bind(action_id)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// Freezes a meeting's data pack: copies the newest refresh's figures for the meeting's
    /// group and the schools that were its members on the meeting day, with the status of the
    /// group's priorities' criteria; for a school's board meeting, that school's figures in
    /// every stored year and the criteria set on them. A pack is frozen once; freezing again is
    /// `StoreError::Conflict`, and freezing before any refresh is `StoreError::NotFound`.
    #[tracing::instrument(skip_all, fields(meeting.id = meeting_id))]
    pub async fn freeze_meeting_pack(
        &self,
        meeting_id: i64,
        now: DateTime<Utc>,
    ) -> Result<MeetingPack, StoreError> {
        let meeting = self
            .meeting(meeting_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "meeting",
                key: meeting_id.to_string(),
            })?;
        if meeting.pack_frozen_at.is_some() {
            return Err(StoreError::Conflict {
                constraint: "meeting_packs_pkey".to_owned(),
            });
        }
        let group_scope = Scope::Group(meeting.group_code.clone());
        let spec = match meeting.urn {
            // A school's board sees its own school's figures, every stored year, and every
            // criterion set on them (its own priorities' and its trust's).
            Some(urn) => PackSpec {
                scopes: vec![ResultScope::School(urn)],
                all_years: true,
                criteria_of: &move |_, criterion| criterion.scope == ResultScope::School(urn),
            },
            None => {
                let members = self
                    .memberships()
                    .await?
                    .into_iter()
                    .filter(|m| {
                        m.group_code == meeting.group_code && m.is_active_on(meeting.held_on)
                    })
                    .map(|m| ResultScope::School(m.urn));
                let mut scopes = vec![ResultScope::Group(meeting.group_code.clone())];
                scopes.extend(members);
                PackSpec {
                    scopes,
                    all_years: false,
                    criteria_of: &|priority, _| priority.scope == group_scope,
                }
            }
        };
        let pack = self.build_pack(&spec, now).await?;
        self.insert_pack(PackTable::Meeting, meeting_id, &pack)
            .await?;
        tracing::info!(n_figures = pack.figures.len(), "meeting pack frozen");
        Ok(pack)
    }

    /// Builds a frozen pack from the newest refresh: the scopes' figures (for pupils overall
    /// and disadvantaged pupils, so each gap can be read) in the latest year or every stored
    /// year, each with England's figure and the similar-schools average stored beside it, and
    /// the status of the criteria `spec` picks. Before any refresh it is
    /// `StoreError::NotFound`. Meetings and peer reviews both freeze their packs with it.
    pub(crate) async fn build_pack(
        &self,
        spec: &PackSpec<'_>,
        now: DateTime<Utc>,
    ) -> Result<MeetingPack, StoreError> {
        let refresh = self
            .latest_refresh()
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "measure refresh",
                key: "any".to_owned(),
            })?;
        let schools = self.schools().await?;
        let groups = self.groups().await?;
        let name_of = |scope: &ResultScope| match scope {
            ResultScope::School(urn) => schools
                .iter()
                .find(|s| s.urn == *urn)
                .map_or_else(|| urn.to_string(), |s| s.name.clone()),
            ResultScope::Group(code) => groups
                .iter()
                .find(|g| &g.code == code)
                .map_or_else(|| code.clone(), |g| g.name.clone()),
            ResultScope::National => "England".to_owned(),
        };
        let latest = self
            .latest_results(
                None,
                &ScopeFilter::Only(spec.scopes.clone()),
                &PACK_MEASURES,
            )
            .await?;
        let academic_year = latest.results.iter().map(|r| r.academic_year).max();
        let years: BTreeSet<AcademicYear> = if spec.all_years {
            latest.results.iter().map(|r| r.academic_year).collect()
        } else {
            academic_year.into_iter().collect()
        };
        let mut figures = Vec::new();
        for scope in &spec.scopes {
            let comparisons = self.comparisons_for(scope, None).await?;
            for measure in PACK_MEASURES {
                for group in PACK_GROUPS {
                    for year in &years {
                        let Some(result) = latest.results.iter().find(|r| {
                            r.academic_year == *year
                                && &r.scope == scope
                                && r.measure == measure
                                && r.pupil_group == group
                        }) else {
                            continue;
                        };
                        let mut figure = pack_figure(result, name_of(scope));
                        if let Some(c) = comparisons.iter().find(|c| {
                            c.academic_year == *year
                                && c.measure == measure
                                && c.pupil_group == group
                        }) {
                            figure.england = c.national;
                            figure.similar_average = c.similar_average;
                        }
                        figures.push(figure);
                    }
                }
            }
        }
        let mut criteria = Vec::new();
        let priorities = self.priorities().await?;
        let all_criteria = self.criteria(None).await?;
        for priority in &priorities {
            for criterion in all_criteria
                .iter()
                .filter(|c| c.priority_id == priority.id && (spec.criteria_of)(priority, c))
            {
                criteria.push(PackCriterion {
                    priority_title: priority.title.clone(),
                    measure_label: criterion.measure.label().to_owned(),
                    pupil_group_label: criterion.pupil_group.label().to_owned(),
                    scope_name: name_of(&criterion.scope),
                    status: criterion.evaluation.as_ref().map(|e| e.evaluation.status),
                });
            }
        }
        Ok(MeetingPack {
            frozen_at: now,
            source_refresh_id: refresh.id,
            source_computed_at: refresh.computed_at,
            academic_year,
            figures,
            criteria,
        })
    }

    /// Stores a frozen pack as JSON in its table, once.
    pub(crate) async fn insert_pack(
        &self,
        table: PackTable,
        id: i64,
        pack: &MeetingPack,
    ) -> Result<(), StoreError> {
        let json =
            serde_json::to_string(pack).map_err(|_| StoreError::corrupt(table.what(), &id))?;
        let sql = match table {
            PackTable::Meeting => {
                "INSERT INTO meeting_packs (meeting_id, frozen_at, source_refresh_id, snapshot) \
                 VALUES ($1, $2, $3, $4)"
            }
            PackTable::Review => {
                "INSERT INTO peer_review_packs (review_id, frozen_at, source_refresh_id, \
                 snapshot) VALUES ($1, $2, $3, $4)"
            }
        };
        on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(id)
                .bind(pack.frozen_at)
                .bind(pack.source_refresh_id)
                .bind(&json)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// A frozen pack from its table, if there is one.
    pub(crate) async fn stored_pack(
        &self,
        table: PackTable,
        id: i64,
    ) -> Result<Option<MeetingPack>, StoreError> {
        let sql = match table {
            PackTable::Meeting => "SELECT snapshot FROM meeting_packs WHERE meeting_id = $1",
            PackTable::Review => "SELECT snapshot FROM peer_review_packs WHERE review_id = $1",
        };
        let json: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar(sql).bind(id).fetch_optional(pool).await?
        });
        json.map(|j| serde_json::from_str(&j).map_err(|_| StoreError::corrupt(table.what(), &id)))
            .transpose()
    }

    /// A meeting's frozen pack, if it has one.
    pub async fn meeting_pack(&self, meeting_id: i64) -> Result<Option<MeetingPack>, StoreError> {
        self.stored_pack(PackTable::Meeting, meeting_id).await
    }

    /// Loads an improvement plan (the demo's) into a store that has no priorities yet: its
    /// priorities, criteria (judged at once), actions and meetings, freezing the packs the
    /// plan asks for. A criterion whose target was moved is set with its first target and then
    /// changed, so the move is in the priority's history in the words `describe` gives
    /// criteria. Does nothing, and returns `false`, when any priority exists, so loading the
    /// demo twice changes nothing. A measure or pupil group code the store does not know is
    /// `StoreError::NotFound`.
    #[tracing::instrument(skip_all)]
    pub async fn load_improvement_plan(
        &self,
        plan: &ImprovementPlan,
        now: DateTime<Utc>,
        describe: DescribeCriterion<'_>,
    ) -> Result<bool, StoreError> {
        if !self.priorities().await?.is_empty() {
            return Ok(false);
        }
        let mut action_ids: Vec<Vec<i64>> = Vec::new();
        for planned in &plan.priorities {
            let priority_id = self
                .create_priority(
                    &NewPriority {
                        title: planned.title.clone(),
                        owner: planned.owner.clone(),
                        scope: planned.scope.clone(),
                        from_year: planned.from_year,
                        to_year: planned.to_year,
                        narrative: planned.narrative.clone(),
                    },
                    now,
                )
                .await?;
            for c in &planned.criteria {
                let measure =
                    Measure::parse(c.measure_code).ok_or_else(|| StoreError::NotFound {
                        what: "measure",
                        key: c.measure_code.to_owned(),
                    })?;
                let pupil_group =
                    PupilGroup::parse(c.pupil_group_code).ok_or_else(|| StoreError::NotFound {
                        what: "pupil group",
                        key: c.pupil_group_code.to_owned(),
                    })?;
                let scope = match &c.scope {
                    Scope::Group(code) => ResultScope::Group(code.clone()),
                    Scope::School(urn) => ResultScope::School(*urn),
                };
                let criterion = NewCriterion {
                    priority_id,
                    measure,
                    pupil_group,
                    scope,
                    comparison: c.comparison,
                    target: c.target,
                    due_year: c.due_year,
                };
                match &c.moved {
                    None => {
                        self.add_criterion(&criterion).await?;
                    }
                    Some(moved) => {
                        let id = self
                            .add_criterion(&NewCriterion {
                                target: Some(moved.first_target),
                                ..criterion.clone()
                            })
                            .await?;
                        let editor = Editor {
                            by: &moved.by,
                            at: moved.at,
                        };
                        self.update_criterion(id, &criterion, editor, describe)
                            .await?;
                    }
                }
            }
            let mut ids = Vec::new();
            for a in &planned.actions {
                ids.push(
                    self.add_action(&NewAction {
                        priority_id,
                        title: a.title.clone(),
                        owner: a.owner.clone(),
                        school: a.school,
                        starts_on: a.starts_on,
                        due_on: a.due_on,
                        status: a.status,
                        rag: a.rag,
                    })
                    .await?,
                );
            }
            action_ids.push(ids);
        }
        for planned in &plan.meetings {
            let meeting_id = self
                .create_meeting(
                    &NewMeeting {
                        kind: planned.kind,
                        group_code: planned.group_code.clone(),
                        urn: planned.urn,
                        title: planned.title.clone(),
                        held_on: planned.held_on,
                        agenda: planned.agenda.clone(),
                        attendees: planned.attendees.clone(),
                    },
                    now,
                )
                .await?;
            self.set_meeting_minutes(meeting_id, &planned.minutes)
                .await?;
            for (decision, action) in &planned.decisions {
                let action_id =
                    action.and_then(|(p, a)| action_ids.get(p).and_then(|ids| ids.get(a)).copied());
                self.add_decision(meeting_id, decision, action_id).await?;
            }
            if planned.freeze_pack && self.latest_refresh().await?.is_some() {
                self.freeze_meeting_pack(meeting_id, now).await?;
            }
        }
        Ok(true)
    }
}

fn meeting_from_row(row: MeetingRow, decisions: Vec<Decision>) -> Result<Meeting, StoreError> {
    Ok(Meeting {
        id: row.id,
        kind: code_from_db("meeting kind", &row.kind, MeetingKind::parse)?,
        group_code: row.group_code,
        urn: row.urn.map(urn_from_db).transpose()?,
        title: row.title,
        held_on: row.held_on,
        agenda: row.agenda,
        attendees: row.attendees,
        minutes: row.minutes,
        decisions,
        pack_frozen_at: row.frozen_at,
    })
}

fn pack_figure(result: &StoredResult, scope_name: String) -> PackFigure {
    let (value, n_pupils, ci) = match result.value {
        StoredValue::Shown {
            value,
            n_pupils,
            ci_low,
            ci_high,
        } => (
            Some(value),
            Some(n_pupils),
            ci_low
                .zip(ci_high)
                .map(|(lower, upper)| Interval { lower, upper }),
        ),
        StoredValue::Suppressed => (None, None, None),
    };
    PackFigure {
        scope_name,
        measure_code: result.measure.code().to_owned(),
        measure_label: result.measure.label().to_owned(),
        pupil_group_code: result.pupil_group.code().to_owned(),
        pupil_group_label: result.pupil_group.label().to_owned(),
        value,
        n_pupils,
        ci,
        academic_year: Some(result.academic_year),
        england: None,
        similar_average: None,
    }
}

/// The criterion's figure in each stored year.
fn year_figures(results: &[StoredResult], criterion: &Criterion) -> Vec<YearFigure> {
    results
        .iter()
        .filter(|r| {
            r.scope == criterion.scope
                && r.measure == criterion.measure
                && r.pupil_group == criterion.pupil_group
        })
        .map(|r| match r.value {
            StoredValue::Shown {
                value,
                n_pupils,
                ci_low,
                ci_high,
            } => YearFigure {
                academic_year: r.academic_year,
                value: Some(value),
                ci: ci_low
                    .zip(ci_high)
                    .map(|(lower, upper)| Interval { lower, upper }),
                n_pupils: Some(n_pupils),
            },
            StoredValue::Suppressed => YearFigure {
                academic_year: r.academic_year,
                value: None,
                ci: None,
                n_pupils: None,
            },
        })
        .collect()
}

mod edits;

pub use edits::{
    ChangeKind, DescribeCriterion, DescribeScope, Editor, PriorityChange, PriorityEdit,
    PriorityRemoval,
};

#[cfg(test)]
pub(crate) mod tests;
