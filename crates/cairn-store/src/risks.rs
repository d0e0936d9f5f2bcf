//! The early-warning risk register: each partnership's rules and thresholds, the entries the
//! rules fill at every refresh, and the decisions a board records on them.
//!
//! [`Store::update_risk_register`] runs at the end of every [`Store::refresh_measures`] (and
//! when a partnership changes its settings). It reads the newest refresh's school figures and
//! comparisons and this year's pupil attendance, asks `cairn_measures::risk` which rules fire,
//! and writes the register:
//!
//! * pupils: this year's absence against the severe and persistent lines, and its rise since
//!   last year (`pupil_absence_rising`);
//! * pupils: this year's in-year teacher assessments (`teacher_assessments`), each subject's
//!   points ordered by the date assessed (points without a date cannot be placed and are left
//!   out), read through the school's grade scheme by `attainment_trajectory`; one entry per
//!   pupil lists every subject that fired. For GCSE grades the pupil's prior attainment is
//!   their latest KS2 reading and maths average from before this year, placed in a group by
//!   the newest DfE Attainment 8 estimates published for this year or the years before (the
//!   DfE publishes a year's estimates after its exams). Results the scheme does not read are
//!   counted in [`RegisterSummary`] and logged, never guessed;
//! * an entry is keyed by rule, school, pupil (for pupil rules), measure and pupil group, so a
//!   rule that fires again updates its entry ("last fired at refresh N with these numbers")
//!   instead of adding another;
//! * an entry whose rule stops firing is never deleted: it stays listed, "no longer firing
//!   since" that refresh, until the board closes it;
//! * decisions (monitor, support, intervene, close) are appended with who and when, and never
//!   changed; a closed entry that fires at a later refresh shows as reopened.
//!
//! Which rules run, at what confidence and with which absence lines, is the partnership's
//! choice: each group may store its own `RiskConfig`. A school is judged with the settings of
//! the trust it belongs to, else of the first other group it belongs to (by code), else the
//! defaults.
//!
//! Pupil entries are pupil-level data. The store never decides who may see them, but reads
//! them only for the schools the caller names in [`RiskFilter::pupil_schools`], so the web
//! layer's gate has to say which.

use std::collections::{BTreeMap, HashMap, HashSet};

use cairn_domain::{AcademicYear, GroupKind, PlanRiskDecision, Urn, Username};
use cairn_measures::attendance::SessionCounts;
use cairn_measures::ks4::tables::{Estimates, Ks2Average, Release};
use cairn_measures::risk::trajectory::{
    AssessmentPoint, Expectation, Trajectory, TrajectoryFinding, attainment_trajectory,
};
use cairn_measures::risk::{
    Confidence, Finding, GapFigures, RiskConfig, RiskFigure, RiskRule, below_reference,
    fell_year_on_year, gap_widened, pupil_absence, pupil_absence_rising,
};
use cairn_measures::{Interval, PupilGroup};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::measures::ks2_average;
use crate::rows::{code_from_db, urn_from_db, urn_to_db, year_to_db};
use crate::{
    Measure, PupilFilter, ResultScope, ScopeFilter, ScopeKind, Store, StoreError, StoredValue,
    higher_is_better, on_pool,
};

/// The measures the register watches.
pub const RISK_MEASURES: [Measure; 8] = [
    Measure::EyfsGld,
    Measure::PhonicsY1Met,
    Measure::Ks2RwmExpected,
    Measure::Ks4Attainment8,
    Measure::Ks4Progress8,
    Measure::Ks4EnglishMaths5Plus,
    Measure::AttendanceOverallAbsence,
    Measure::AttendancePersistentAbsence,
];

/// The pupil groups whose year-on-year change is watched.
const FALL_GROUPS: [PupilGroup; 2] = [PupilGroup::All, PupilGroup::Disadvantaged];
/// The groups whose gap to their comparison group is watched.
const GAP_GROUPS: [PupilGroup; 3] = [
    PupilGroup::Disadvantaged,
    PupilGroup::SenSupport,
    PupilGroup::SenEhcp,
];

/// A decision a board records on an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskDecisionKind {
    Monitor,
    Support,
    Intervene,
    Close,
}

impl RiskDecisionKind {
    pub const ALL: [RiskDecisionKind; 4] = [
        RiskDecisionKind::Monitor,
        RiskDecisionKind::Support,
        RiskDecisionKind::Intervene,
        RiskDecisionKind::Close,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RiskDecisionKind::Monitor => "monitor",
            RiskDecisionKind::Support => "support",
            RiskDecisionKind::Intervene => "intervene",
            RiskDecisionKind::Close => "close",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskDecisionKind::Monitor => "Monitor",
            RiskDecisionKind::Support => "Support",
            RiskDecisionKind::Intervene => "Intervene",
            RiskDecisionKind::Close => "Close",
        }
    }

    pub fn parse(code: &str) -> Option<RiskDecisionKind> {
        RiskDecisionKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Where an entry stands: its newest decision, or new, or reopened when a closed entry fired
/// again at a later refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskStatus {
    New,
    Monitor,
    Support,
    Intervene,
    Closed,
    Reopened,
}

impl RiskStatus {
    pub const ALL: [RiskStatus; 6] = [
        RiskStatus::New,
        RiskStatus::Reopened,
        RiskStatus::Intervene,
        RiskStatus::Support,
        RiskStatus::Monitor,
        RiskStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RiskStatus::New => "new",
            RiskStatus::Monitor => "monitor",
            RiskStatus::Support => "support",
            RiskStatus::Intervene => "intervene",
            RiskStatus::Closed => "closed",
            RiskStatus::Reopened => "reopened",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskStatus::New => "New: no decision yet",
            RiskStatus::Monitor => "Monitor",
            RiskStatus::Support => "Support",
            RiskStatus::Intervene => "Intervene",
            RiskStatus::Closed => "Closed",
            RiskStatus::Reopened => "Reopened: fired again after it was closed",
        }
    }

    pub fn parse(code: &str) -> Option<RiskStatus> {
        RiskStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The numbers a rule fired with, and the year of the figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskFinding {
    pub academic_year: AcademicYear,
    /// For the attainment trajectory rule, `value` is the number of subjects that fired and
    /// `trajectory` holds each subject's points and expectation.
    pub finding: Finding,
    /// The confidence level the difference was judged at; `None` for pupil rules, which have
    /// no interval.
    pub confidence: Option<Confidence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trajectory: Vec<TrajectoryFinding>,
}

/// The pupil a pupil entry is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskPupil {
    pub id: i64,
    pub forename: String,
    pub surname: String,
}

/// One decision on an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskDecision {
    pub id: i64,
    pub kind: RiskDecisionKind,
    pub note: String,
    pub decided_by: Username,
    pub decided_by_name: Option<String>,
    pub decided_at: DateTime<Utc>,
    /// The newest refresh when the decision was recorded.
    pub refresh_id: Option<i64>,
}

/// One register entry, with its newest decision.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskEntry {
    pub id: i64,
    pub rule: RiskRule,
    pub urn: Urn,
    /// Set for pupil entries (pupil-level data).
    pub pupil: Option<RiskPupil>,
    pub measure: Measure,
    pub pupil_group: PupilGroup,
    pub first_fired_at: DateTime<Utc>,
    pub last_fired_at: DateTime<Utc>,
    pub last_fired_refresh_id: i64,
    pub firing: bool,
    /// When the rule stopped firing, if it has.
    pub stopped_at: Option<DateTime<Utc>>,
    /// The numbers it last fired with.
    pub finding: RiskFinding,
    pub latest_decision: Option<RiskDecision>,
    pub status: RiskStatus,
}

/// Which entries [`Store::risk_entries`] reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskFilter {
    /// Schools whose school-level entries are read.
    pub schools: Vec<Urn>,
    /// Schools whose pupil entries are read: only those whose pupil-level data the reader may
    /// see. Empty reads none.
    pub pupil_schools: Vec<Urn>,
    pub rule: Option<RiskRule>,
    pub status: Option<RiskStatus>,
}

/// What one run of [`Store::update_risk_register`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegisterSummary {
    pub firing: usize,
    pub added: usize,
    pub stopped: usize,
    /// Teacher assessments the trajectory rule could not judge (pupil and subject): a
    /// result the scheme does not read, two points on different scales, or a GCSE grade for a
    /// pupil without prior attainment.
    pub unread_results: usize,
    pub mixed_scales: usize,
    pub no_prior_attainment: usize,
}

/// One school's teacher assessments that its grade scheme cannot read
/// ([`Store::unread_teacher_assessments`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadAssessments {
    pub urn: Urn,
    /// The group whose rules judge the school (its trust, else its first other group by
    /// code); `None`: the defaults.
    pub rules_group: Option<String>,
    /// Dated assessments in the year.
    pub assessments: usize,
    /// Of those, how many the scheme cannot read.
    pub unread: usize,
    /// Each written result the scheme cannot read and how often, most frequent first.
    pub unread_results: Vec<(String, usize)>,
}

/// The group whose risk settings judge a school on `today`: its trust, else the first other
/// group it belongs to, by code.
fn rules_group<'a>(
    urn: Urn,
    memberships: &'a [cairn_domain::Membership],
    groups: &[cairn_domain::Group],
    today: NaiveDate,
) -> Option<&'a str> {
    let mut mine: Vec<(bool, &str)> = memberships
        .iter()
        .filter(|m| m.urn == urn && m.is_active_on(today))
        .map(|m| {
            let is_trust = groups
                .iter()
                .any(|g| g.code == m.group_code && g.kind == GroupKind::Trust);
            (!is_trust, m.group_code.as_str())
        })
        .collect();
    mine.sort_unstable();
    mine.first().map(|(_, code)| *code)
}

/// A rule that fired, by the entry it belongs to.
type EntryKey = (RiskRule, Urn, Option<i64>, Measure, PupilGroup);
/// A stored entry's key columns (id, rule, URN, pupil, measure, group) and whether it fires.
type KeyRow = (i64, String, i64, Option<i64>, String, String, bool);

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    rule: String,
    urn: i64,
    pupil_id: Option<i64>,
    forename: Option<String>,
    surname: Option<String>,
    measure: String,
    pupil_group: String,
    first_fired_at: DateTime<Utc>,
    last_fired_at: DateTime<Utc>,
    last_fired_refresh_id: i64,
    firing: bool,
    stopped_at: Option<DateTime<Utc>>,
    finding: String,
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    id: i64,
    entry_id: i64,
    decision: String,
    note: String,
    decided_by: String,
    decided_by_name: Option<String>,
    decided_at: DateTime<Utc>,
    refresh_id: Option<i64>,
}

const ENTRY_SELECT: &str = "SELECT e.id, e.rule, e.urn, e.pupil_id, p.forename, p.surname, \
     e.measure, e.pupil_group, e.first_fired_at, e.last_fired_at, e.last_fired_refresh_id, \
     e.firing, e.stopped_at, e.finding FROM risk_entries e \
     LEFT JOIN pupils p ON p.id = e.pupil_id";

const DECISION_SELECT: &str = "SELECT d.id, d.entry_id, d.decision, d.note, d.decided_by, \
     u.display_name AS decided_by_name, d.decided_at, d.refresh_id FROM risk_decisions d \
     LEFT JOIN users u ON u.username = d.decided_by";

fn rule_from_db(code: &str) -> Result<RiskRule, StoreError> {
    RiskRule::parse(code).ok_or_else(|| StoreError::corrupt("risk rule", code))
}

impl TryFrom<DecisionRow> for RiskDecision {
    type Error = StoreError;
    fn try_from(row: DecisionRow) -> Result<Self, StoreError> {
        Ok(RiskDecision {
            id: row.id,
            kind: RiskDecisionKind::parse(&row.decision)
                .ok_or_else(|| StoreError::corrupt("risk decision", &row.decision))?,
            note: row.note,
            decided_by: code_from_db("username", &row.decided_by, Username::parse)?,
            decided_by_name: row.decided_by_name,
            decided_at: row.decided_at,
            refresh_id: row.refresh_id,
        })
    }
}

fn entry_from_row(row: EntryRow, latest: Option<RiskDecision>) -> Result<RiskEntry, StoreError> {
    let finding: RiskFinding = serde_json::from_str(&row.finding)
        .map_err(|_| StoreError::corrupt("risk finding", &row.id))?;
    let status = match &latest {
        None => RiskStatus::New,
        Some(d) => match d.kind {
            RiskDecisionKind::Monitor => RiskStatus::Monitor,
            RiskDecisionKind::Support => RiskStatus::Support,
            RiskDecisionKind::Intervene => RiskStatus::Intervene,
            RiskDecisionKind::Close
                if d.refresh_id.is_some_and(|r| row.last_fired_refresh_id > r) =>
            {
                RiskStatus::Reopened
            }
            RiskDecisionKind::Close => RiskStatus::Closed,
        },
    };
    Ok(RiskEntry {
        id: row.id,
        rule: rule_from_db(&row.rule)?,
        urn: urn_from_db(row.urn)?,
        pupil: match (row.pupil_id, row.forename, row.surname) {
            (Some(id), Some(forename), Some(surname)) => Some(RiskPupil {
                id,
                forename,
                surname,
            }),
            (None, _, _) => None,
            _ => return Err(StoreError::corrupt("risk entry pupil", &row.id)),
        },
        measure: Measure::parse(&row.measure)
            .ok_or_else(|| StoreError::corrupt("measure", &row.measure))?,
        pupil_group: PupilGroup::parse(&row.pupil_group)
            .ok_or_else(|| StoreError::corrupt("pupil group", &row.pupil_group))?,
        first_fired_at: row.first_fired_at,
        last_fired_at: row.last_fired_at,
        last_fired_refresh_id: row.last_fired_refresh_id,
        firing: row.firing,
        stopped_at: row.stopped_at,
        finding,
        latest_decision: latest,
        status,
    })
}

/// A stored figure as the rules see it, when it is shown.
fn risk_figure(value: &StoredValue) -> Option<RiskFigure> {
    match *value {
        StoredValue::Shown {
            value,
            n_pupils,
            ci_low,
            ci_high,
        } => Some(RiskFigure {
            value,
            ci: ci_low
                .zip(ci_high)
                .map(|(lower, upper)| Interval { lower, upper }),
            n_pupils,
        }),
        StoredValue::Suppressed => None,
    }
}

/// The newest DfE Attainment 8 estimates for `year` or the years before it, revised before
/// provisional; `None` when the table has none that old.
fn newest_estimates(year: AcademicYear) -> Option<Estimates> {
    let start = year.start_year();
    (start.saturating_sub(10)..=start)
        .rev()
        .filter_map(|y| AcademicYear::starting(y).ok())
        .find_map(|y| {
            Estimates::dfe(y, Release::Revised)
                .or_else(|_| Estimates::dfe(y, Release::Provisional))
                .ok()
        })
}

impl Store {
    /// A group's rules and thresholds: its own, or the defaults.
    pub async fn risk_settings(&self, group_code: &str) -> Result<RiskConfig, StoreError> {
        Ok(self
            .all_risk_settings()
            .await?
            .remove(group_code)
            .unwrap_or_default())
    }

    async fn all_risk_settings(&self) -> Result<HashMap<String, RiskConfig>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT group_code, settings FROM risk_settings")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(code, json)| {
                let config = serde_json::from_str(&json)
                    .map_err(|_| StoreError::corrupt("risk settings", &code))?;
                Ok((code, config))
            })
            .collect()
    }

    /// Stores a group's rules and thresholds and judges the register again with them against
    /// the newest refresh.
    #[tracing::instrument(skip_all, fields(group.code = group_code))]
    pub async fn set_risk_settings(
        &self,
        group_code: &str,
        config: &RiskConfig,
        by: &Username,
        now: DateTime<Utc>,
    ) -> Result<RegisterSummary, StoreError> {
        let json = serde_json::to_string(config)
            .map_err(|_| StoreError::corrupt("risk settings", group_code))?;
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO risk_settings (group_code, settings, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (group_code) DO UPDATE SET \
                 settings = excluded.settings, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at",
            )
            .bind(group_code)
            .bind(&json)
            .bind(by.as_str())
            .bind(now)
            .execute(pool)
            .await?;
        });
        self.update_risk_register().await
    }

    /// Judges every rule against the newest refresh and writes the register (see the module
    /// documentation). Does nothing before the first refresh.
    #[tracing::instrument(skip_all)]
    pub async fn update_risk_register(&self) -> Result<RegisterSummary, StoreError> {
        let Some(refresh) = self.latest_refresh().await? else {
            return Ok(RegisterSummary::default());
        };
        let (fired, unjudged) = self.fire_rules(refresh.computed_at).await?;
        let existing: Vec<KeyRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, rule, urn, pupil_id, measure, pupil_group, firing \
                 FROM risk_entries",
            )
            .fetch_all(pool)
            .await?
        });
        let mut known: HashMap<EntryKey, (i64, bool)> = HashMap::new();
        for (id, rule, urn, pupil_id, measure, group, firing) in existing {
            let key = (
                rule_from_db(&rule)?,
                urn_from_db(urn)?,
                pupil_id,
                Measure::parse(&measure).ok_or_else(|| StoreError::corrupt("measure", &measure))?,
                PupilGroup::parse(&group)
                    .ok_or_else(|| StoreError::corrupt("pupil group", &group))?,
            );
            known.insert(key, (id, firing));
        }
        let mut summary = RegisterSummary {
            firing: fired.len(),
            ..unjudged
        };
        let at = refresh.computed_at;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for (key, finding) in &fired {
                let json = serde_json::to_string(finding)
                    .map_err(|_| StoreError::corrupt("risk finding", key.0.code()))?;
                if let Some((id, _)) = known.get(key) {
                    sqlx::query(
                        "UPDATE risk_entries SET last_fired_refresh_id = $1, last_fired_at = $2, \
                         firing = TRUE, stopped_at = NULL, finding = $3 WHERE id = $4",
                    )
                    .bind(refresh.id)
                    .bind(at)
                    .bind(&json)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                } else {
                    let (rule, urn, pupil_id, measure, group) = key;
                    sqlx::query(
                        "INSERT INTO risk_entries (rule, urn, pupil_id, measure, pupil_group, \
                         first_fired_refresh_id, first_fired_at, last_fired_refresh_id, \
                         last_fired_at, firing, stopped_at, finding) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7, TRUE, NULL, $8)",
                    )
                    .bind(rule.code())
                    .bind(urn_to_db(*urn))
                    .bind(pupil_id)
                    .bind(measure.code())
                    .bind(group.code())
                    .bind(refresh.id)
                    .bind(at)
                    .bind(&json)
                    .execute(&mut *tx)
                    .await?;
                    summary.added += 1;
                }
            }
            for (key, (id, firing)) in &known {
                if *firing && !fired.contains_key(key) {
                    sqlx::query(
                        "UPDATE risk_entries SET firing = FALSE, stopped_at = $1 WHERE id = $2",
                    )
                    .bind(at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    summary.stopped += 1;
                }
            }
            tx.commit().await?;
        });
        tracing::info!(
            refresh.id = refresh.id,
            firing = summary.firing,
            added = summary.added,
            stopped = summary.stopped,
            unread_results = summary.unread_results,
            mixed_scales = summary.mixed_scales,
            no_prior_attainment = summary.no_prior_attainment,
            "risk register updated"
        );
        Ok(summary)
    }

    /// Every rule that fires on the newest refresh, with its numbers, and how many teacher
    /// assessments the trajectory rule could not judge.
    async fn fire_rules(
        &self,
        computed_at: DateTime<Utc>,
    ) -> Result<(BTreeMap<EntryKey, RiskFinding>, RegisterSummary), StoreError> {
        let today = computed_at.date_naive();
        let settings = self.all_risk_settings().await?;
        let groups = self.groups().await?;
        let memberships = self.memberships().await?;
        let config_for = |urn: Urn| -> RiskConfig {
            rules_group(urn, &memberships, &groups, today)
                .and_then(|code| settings.get(code).cloned())
                .unwrap_or_default()
        };
        let latest = self
            .latest_results(None, &ScopeFilter::Kind(ScopeKind::School), &RISK_MEASURES)
            .await?;
        let mut figures: HashMap<(Urn, Measure, PupilGroup), BTreeMap<AcademicYear, RiskFigure>> =
            HashMap::new();
        for result in &latest.results {
            let ResultScope::School(urn) = result.scope else {
                continue;
            };
            if let Some(figure) = risk_figure(&result.value) {
                figures
                    .entry((urn, result.measure, result.pupil_group))
                    .or_default()
                    .insert(result.academic_year, figure);
            }
        }
        let mut fired: BTreeMap<EntryKey, RiskFinding> = BTreeMap::new();
        let mut fire = |urn: Urn,
                        pupil: Option<i64>,
                        measure: Measure,
                        group: PupilGroup,
                        academic_year: AcademicYear,
                        finding: Option<Finding>,
                        confidence: Option<Confidence>| {
            if let Some(finding) = finding {
                fired.insert(
                    (finding.rule, urn, pupil, measure, group),
                    RiskFinding {
                        academic_year,
                        finding,
                        confidence,
                        trajectory: Vec::new(),
                    },
                );
            }
        };

        // Against England and similar schools: the latest year's comparison, all pupils.
        for comparison in self.comparisons_query(None, None).await? {
            let ResultScope::School(urn) = comparison.scope else {
                continue;
            };
            if comparison.pupil_group != PupilGroup::All {
                continue;
            }
            let Some(years) = figures.get(&(urn, comparison.measure, PupilGroup::All)) else {
                continue;
            };
            let Some((&year, &figure)) = years.last_key_value() else {
                continue;
            };
            if year != comparison.academic_year {
                continue;
            }
            let config = config_for(urn);
            let better = higher_is_better(comparison.measure);
            for (rule, reference) in [
                (RiskRule::BelowNational, comparison.national),
                (RiskRule::BelowSimilarSchools, comparison.similar_average),
            ] {
                if !config.is_on(rule) {
                    continue;
                }
                let finding = reference.and_then(|reference| {
                    below_reference(rule, figure, reference, better, config.confidence)
                });
                let confidence = Some(config.confidence);
                fire(
                    urn,
                    None,
                    comparison.measure,
                    PupilGroup::All,
                    year,
                    finding,
                    confidence,
                );
            }
        }

        // Year on year, and gaps, each school's latest year against the year before.
        let mut keys: Vec<&(Urn, Measure, PupilGroup)> = figures.keys().collect();
        keys.sort_unstable();
        for &(urn, measure, group) in keys {
            let config = config_for(urn);
            let better = higher_is_better(measure);
            let Some(years) = figures.get(&(urn, measure, group)) else {
                continue;
            };
            let Some((&year, &now)) = years.last_key_value() else {
                continue;
            };
            let before_year = AcademicYear::starting(year.start_year().saturating_sub(1)).ok();
            let before = before_year.and_then(|y| years.get(&y).copied());
            if config.year_on_year_fall && FALL_GROUPS.contains(&group) {
                let finding = before
                    .and_then(|before| fell_year_on_year(before, now, better, config.confidence));
                fire(
                    urn,
                    None,
                    measure,
                    group,
                    year,
                    finding,
                    Some(config.confidence),
                );
            }
            let comparator = group.gap_comparator();
            if config.gap_widened && GAP_GROUPS.contains(&group) {
                let other = comparator.and_then(|c| figures.get(&(urn, measure, c)));
                let pair = |y: AcademicYear, own: RiskFigure| {
                    other.and_then(|o| o.get(&y)).map(|&comparator| GapFigures {
                        group: own,
                        comparator,
                    })
                };
                let finding = pair(year, now)
                    .zip(before_year.zip(before).and_then(|(y, b)| pair(y, b)))
                    .and_then(|(now, before)| gap_widened(before, now, better, config.confidence));
                fire(
                    urn,
                    None,
                    measure,
                    group,
                    year,
                    finding,
                    Some(config.confidence),
                );
            }
        }

        // Pupils: this year's absence at each school, and its change since last year.
        let mut unjudged = RegisterSummary::default();
        if let Some(year) = self.latest_academic_year().await? {
            let schools: Vec<Urn> = self.schools().await?.iter().map(|s| s.urn).collect();
            let filter = PupilFilter {
                schools,
                ..PupilFilter::default()
            };
            let pupils = self.pupils_matching(year, &filter).await?;
            let last_year: HashMap<i64, SessionCounts> =
                match AcademicYear::starting(year.start_year().saturating_sub(1)) {
                    Ok(before) => self
                        .pupils_matching(before, &filter)
                        .await?
                        .into_iter()
                        .filter_map(|p| p.sessions.map(|s| (p.pupil_id, s)))
                        .collect(),
                    Err(_) => HashMap::new(),
                };
            let mut seen: HashSet<(i64, Urn)> = HashSet::new();
            let mut trajectories = self.teacher_assessment_points(year).await?;
            let prior = self.ks2_prior_attainment(year).await?;
            let estimates = newest_estimates(year);
            let mut below_expected: Vec<(EntryKey, RiskFinding)> = Vec::new();
            for pupil in pupils {
                let Some(sessions) = pupil.sessions else {
                    continue;
                };
                if !seen.insert((pupil.pupil_id, pupil.urn)) {
                    continue;
                }
                let config = config_for(pupil.urn);
                if config.attainment_trajectory
                    && let Some(subjects) = trajectories.remove(&pupil.pupil_id)
                {
                    let prior = prior.get(&pupil.pupil_id).zip(estimates.as_ref()).and_then(
                        |(average, estimates)| {
                            estimates.group_for(*average).map(|g| (average.value(), g))
                        },
                    );
                    let mut subjects_fired = Vec::new();
                    for (subject, points) in subjects {
                        match attainment_trajectory(&subject, &points, prior, &config.grade_scheme)
                        {
                            Trajectory::Fired(finding) => subjects_fired.push(finding),
                            Trajectory::UnknownResult(_) => unjudged.unread_results += 1,
                            Trajectory::MixedScales => unjudged.mixed_scales += 1,
                            Trajectory::NoPriorAttainment => unjudged.no_prior_attainment += 1,
                            Trajectory::NotFiring | Trajectory::OnePoint => {}
                        }
                    }
                    if !subjects_fired.is_empty() {
                        let on_grades = subjects_fired
                            .iter()
                            .any(|f| matches!(f.expected, Expectation::Grade { .. }));
                        let count = subjects_fired.len() as f64;
                        let rule = RiskRule::AttainmentTrajectory;
                        below_expected.push((
                            (
                                rule,
                                pupil.urn,
                                Some(pupil.pupil_id),
                                if on_grades {
                                    Measure::Ks4Attainment8
                                } else {
                                    Measure::Ks2RwmExpected
                                },
                                PupilGroup::All,
                            ),
                            RiskFinding {
                                academic_year: year,
                                finding: Finding {
                                    rule,
                                    value: count,
                                    interval: None,
                                    reference: 0.0,
                                    difference: count,
                                    margin: 0.0,
                                    n_pupils: None,
                                },
                                confidence: None,
                                trajectory: subjects_fired,
                            },
                        ));
                    }
                }
                let findings = [
                    pupil
                        .absence_rate
                        .and_then(|rate| pupil_absence(rate, &config)),
                    last_year
                        .get(&pupil.pupil_id)
                        .and_then(|before| pupil_absence_rising(*before, sessions, &config)),
                ];
                for finding in findings {
                    let confidence = finding
                        .filter(|f| f.rule == RiskRule::AbsenceRising)
                        .map(|_| config.confidence);
                    fire(
                        pupil.urn,
                        Some(pupil.pupil_id),
                        Measure::AttendanceOverallAbsence,
                        PupilGroup::All,
                        year,
                        finding,
                        confidence,
                    );
                }
            }
            fired.extend(below_expected);
        }
        Ok((fired, unjudged))
    }

    /// The group whose risk settings judge the school on `today`: its trust, else the first
    /// other group it belongs to by code; `None` (the defaults) for a school in no group.
    pub async fn rules_group_of(
        &self,
        urn: Urn,
        today: NaiveDate,
    ) -> Result<Option<String>, StoreError> {
        let memberships = self.memberships().await?;
        let groups = self.groups().await?;
        Ok(rules_group(urn, &memberships, &groups, today).map(str::to_owned))
    }

    /// For each school with teacher assessments in the latest year: how many of them (dated,
    /// so the trajectory rule would read them) the grade scheme the school is judged with
    /// cannot read, and which written results those are, most frequent first. A data manager
    /// reads this beside the scheme to see why pupils are missing from the rule. An
    /// assessment counts at the school the pupil was on roll at on the day it was made.
    /// `None` before any pupil is stored.
    pub async fn unread_teacher_assessments(
        &self,
        today: NaiveDate,
    ) -> Result<Option<(AcademicYear, Vec<UnreadAssessments>)>, StoreError> {
        let Some(year) = self.latest_academic_year().await? else {
            return Ok(None);
        };
        let rows: Vec<(i64, String, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT e.urn, t.result, COUNT(*) FROM teacher_assessments t \
                 JOIN enrolments e ON e.pupil_id = t.pupil_id \
                      AND e.academic_year = t.academic_year \
                      AND e.started_on <= t.assessed_on \
                      AND (e.left_on IS NULL OR t.assessed_on <= e.left_on) \
                 WHERE t.academic_year = $1 AND t.assessed_on IS NOT NULL \
                 GROUP BY e.urn, t.result ORDER BY e.urn, t.result",
            )
            .bind(year_to_db(year))
            .fetch_all(pool)
            .await?
        });
        let settings = self.all_risk_settings().await?;
        let groups = self.groups().await?;
        let memberships = self.memberships().await?;
        let mut out: Vec<UnreadAssessments> = Vec::new();
        for (urn, result, n) in rows {
            let urn = urn_from_db(urn)?;
            let n = usize::try_from(n).unwrap_or(0);
            if out.last().is_none_or(|last| last.urn != urn) {
                out.push(UnreadAssessments {
                    urn,
                    rules_group: rules_group(urn, &memberships, &groups, today).map(str::to_owned),
                    assessments: 0,
                    unread: 0,
                    unread_results: Vec::new(),
                });
            }
            let Some(school) = out.last_mut() else {
                continue;
            };
            school.assessments += n;
            let scheme = school
                .rules_group
                .as_deref()
                .and_then(|code| settings.get(code))
                .map(|c| &c.grade_scheme)
                .cloned()
                .unwrap_or_default();
            if scheme.read(&result).is_none() {
                school.unread += n;
                school.unread_results.push((result, n));
            }
        }
        for school in &mut out {
            school
                .unread_results
                .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        }
        Ok(Some((year, out)))
    }

    /// This year's teacher assessments by pupil and subject, each subject's points oldest
    /// first; points without a date are left out, since they cannot be placed.
    async fn teacher_assessment_points(
        &self,
        year: AcademicYear,
    ) -> Result<HashMap<i64, BTreeMap<String, Vec<AssessmentPoint>>>, StoreError> {
        let rows: Vec<(i64, String, String, String, NaiveDate)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT pupil_id, subject, assessment, result, assessed_on \
                 FROM teacher_assessments WHERE academic_year = $1 \
                 AND assessed_on IS NOT NULL ORDER BY pupil_id, subject, assessed_on, assessment",
            )
            .bind(year_to_db(year))
            .fetch_all(pool)
            .await?
        });
        let mut out: HashMap<i64, BTreeMap<String, Vec<AssessmentPoint>>> = HashMap::new();
        for (pupil_id, subject, assessment, result, _) in rows {
            out.entry(pupil_id)
                .or_default()
                .entry(subject)
                .or_default()
                .push(AssessmentPoint { assessment, result });
        }
        Ok(out)
    }

    /// Each pupil's latest KS2 average from before `year` (a result with no year counts as
    /// before), as Progress 8 takes it.
    async fn ks2_prior_attainment(
        &self,
        year: AcademicYear,
    ) -> Result<HashMap<i64, Ks2Average>, StoreError> {
        let rows: Vec<(i64, Option<i64>, String, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT pupil_id, academic_year, reading, maths FROM ks2_results \
                 WHERE academic_year IS NULL OR academic_year < $1",
            )
            .bind(year_to_db(year))
            .fetch_all(pool)
            .await?
        });
        let mut latest: HashMap<i64, (Option<i64>, Ks2Average)> = HashMap::new();
        for (pupil_id, taken, reading, maths) in rows {
            let Some(average) = ks2_average(&reading, &maths) else {
                continue;
            };
            let slot = latest.entry(pupil_id).or_insert((taken, average));
            if taken >= slot.0 {
                *slot = (taken, average);
            }
        }
        Ok(latest.into_iter().map(|(id, (_, a))| (id, a)).collect())
    }

    /// The register's entries the filter asks for, each with its newest decision: firing ones
    /// first, then by school, rule and measure.
    pub async fn risk_entries(&self, filter: &RiskFilter) -> Result<Vec<RiskEntry>, StoreError> {
        let rows: Vec<EntryRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{ENTRY_SELECT} ORDER BY e.id"))
                .fetch_all(pool)
                .await?
        });
        let mut latest = self.latest_risk_decisions().await?;
        let mut out = Vec::new();
        for row in rows {
            let urn = urn_from_db(row.urn)?;
            let allowed = if row.pupil_id.is_some() {
                filter.pupil_schools.contains(&urn)
            } else {
                filter.schools.contains(&urn)
            };
            if !allowed {
                continue;
            }
            let id = row.id;
            let entry = entry_from_row(row, latest.remove(&id))?;
            if filter.rule.is_some_and(|r| r != entry.rule)
                || filter.status.is_some_and(|s| s != entry.status)
            {
                continue;
            }
            out.push(entry);
        }
        out.sort_by(|a, b| {
            (
                !a.firing,
                a.urn,
                a.rule,
                a.pupil.is_some(),
                a.measure,
                a.pupil_group,
                a.id,
            )
                .cmp(&(
                    !b.firing,
                    b.urn,
                    b.rule,
                    b.pupil.is_some(),
                    b.measure,
                    b.pupil_group,
                    b.id,
                ))
        });
        Ok(out)
    }

    /// One entry with its newest decision. For a pupil entry this is pupil-level data: the
    /// caller checks the reader may see the school's pupils before showing it.
    pub async fn risk_entry(&self, id: i64) -> Result<Option<RiskEntry>, StoreError> {
        let row: Option<EntryRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{ENTRY_SELECT} WHERE e.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let latest = self.risk_decisions(id).await?.pop();
        entry_from_row(row, latest).map(Some)
    }

    async fn latest_risk_decisions(&self) -> Result<HashMap<i64, RiskDecision>, StoreError> {
        let mut latest = HashMap::new();
        for (entry_id, decision) in self.decisions_of(None).await? {
            latest.insert(entry_id, decision);
        }
        Ok(latest)
    }

    /// An entry's decisions, oldest first.
    pub async fn risk_decisions(&self, entry_id: i64) -> Result<Vec<RiskDecision>, StoreError> {
        Ok(self
            .decisions_of(Some(entry_id))
            .await?
            .into_iter()
            .map(|(_, decision)| decision)
            .collect())
    }

    /// Decisions of one entry, or of every entry, oldest first, with their entry's id.
    async fn decisions_of(
        &self,
        entry_id: Option<i64>,
    ) -> Result<Vec<(i64, RiskDecision)>, StoreError> {
        let rows: Vec<DecisionRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "{DECISION_SELECT} WHERE ($1 IS NULL OR d.entry_id = $1) ORDER BY d.id"
            ))
            .bind(entry_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|row| Ok((row.entry_id, RiskDecision::try_from(row)?)))
            .collect()
    }

    /// Appends a decision to an entry's history, against the newest refresh.
    #[tracing::instrument(skip_all, fields(risk.id = entry_id))]
    pub async fn record_risk_decision(
        &self,
        entry_id: i64,
        kind: RiskDecisionKind,
        note: &str,
        by: &Username,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let refresh_id = self.latest_refresh().await?.map(|r| r.id);
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO risk_decisions (entry_id, decision, note, decided_by, decided_at, \
                 refresh_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(entry_id)
            .bind(kind.code())
            .bind(note)
            .bind(by.as_str())
            .bind(at)
            .bind(refresh_id)
            .fetch_one(pool)
            .await?
        });
        tracing::info!(decision = kind.code(), "risk decision recorded");
        Ok(id)
    }

    /// Records the demo's decisions on school-level entries that exist and have none yet, so
    /// loading the demo twice changes nothing. Returns how many were recorded; a planned
    /// decision whose entry did not fire is skipped.
    #[tracing::instrument(skip_all)]
    pub async fn load_risk_decisions(
        &self,
        planned: &[PlanRiskDecision],
    ) -> Result<usize, StoreError> {
        let entries = self
            .risk_entries(&RiskFilter {
                schools: self.schools().await?.iter().map(|s| s.urn).collect(),
                ..RiskFilter::default()
            })
            .await?;
        let mut recorded = 0;
        for plan in planned {
            let Some(entry) = entries.iter().find(|e| {
                e.rule.code() == plan.rule_code
                    && e.urn == plan.urn
                    && e.measure.code() == plan.measure_code
                    && e.pupil_group.code() == plan.pupil_group_code
            }) else {
                continue;
            };
            if entry.latest_decision.is_some() {
                continue;
            }
            for step in &plan.decisions {
                let kind = RiskDecisionKind::parse(step.decision_code).ok_or_else(|| {
                    StoreError::NotFound {
                        what: "risk decision",
                        key: step.decision_code.to_owned(),
                    }
                })?;
                self.record_risk_decision(entry.id, kind, &step.note, &step.by, step.at)
                    .await?;
                recorded += 1;
            }
        }
        Ok(recorded)
    }
}

#[cfg(test)]
mod tests;
