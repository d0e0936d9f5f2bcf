//! An improvement plan as data: priorities with success criteria and actions, and meetings
//! with their decisions. The demo partnership builds one; the store loads it.
//!
//! Measures and pupil groups are named by their stable codes (`ks2_rwm_expected`,
//! `disadvantaged`), because the measure catalogue lives in the store and the groups in the
//! measures engine, which this crate does not depend on; the store parses them on loading
//! and refuses a code it does not know.

use chrono::NaiveDate;

use crate::{AcademicYear, ActionStatus, Comparison, MeetingKind, Rag, Scope, Username};

/// A whole plan: priorities first, then meetings, whose decisions may point at actions.
#[derive(Debug, Clone, PartialEq)]
pub struct ImprovementPlan {
    pub priorities: Vec<PlanPriority>,
    pub meetings: Vec<PlanMeeting>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanPriority {
    pub title: String,
    pub owner: Username,
    /// The group, or the one school, the priority is for.
    pub scope: Scope,
    pub from_year: AcademicYear,
    pub to_year: AcademicYear,
    pub narrative: String,
    pub criteria: Vec<PlanCriterion>,
    pub actions: Vec<PlanAction>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanCriterion {
    pub measure_code: &'static str,
    pub pupil_group_code: &'static str,
    /// Whose figure: the group or one school.
    pub scope: Scope,
    pub comparison: Comparison,
    /// The target now.
    pub target: Option<f64>,
    pub due_year: AcademicYear,
    /// When the target was moved since the criterion was set: the target it had first, who
    /// moved it and when. Loading records the move in the priority's history.
    pub moved: Option<PlanTargetMove>,
}

/// A success criterion's target as first set, before someone moved it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTargetMove {
    pub first_target: f64,
    pub by: Username,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanAction {
    pub title: String,
    pub owner: Username,
    /// The school it happens in; `None` for every school in the priority.
    pub school: Option<crate::Urn>,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: ActionStatus,
    pub rag: Rag,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanMeeting {
    pub kind: MeetingKind,
    /// The group; for a school's board meeting, the group the school belongs to.
    pub group_code: String,
    /// The school whose governing board meets, or `None` for the group's meeting.
    pub urn: Option<crate::Urn>,
    pub title: String,
    pub held_on: NaiveDate,
    pub agenda: String,
    pub attendees: String,
    pub minutes: String,
    /// Each decision, with the action it led to as (priority index, action index) in the
    /// plan.
    pub decisions: Vec<(String, Option<(usize, usize)>)>,
    /// Whether to freeze the meeting's data pack when the plan is loaded.
    pub freeze_pack: bool,
}

/// Decisions a board recorded on one entry of the early-warning risk register, found by the
/// entry's key (rule, school, measure and pupil group codes); loaded by the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRiskDecision {
    pub rule_code: &'static str,
    pub urn: crate::Urn,
    pub measure_code: &'static str,
    pub pupil_group_code: &'static str,
    /// Oldest first.
    pub decisions: Vec<PlanRiskStep>,
}

/// One decision on a risk entry: monitor, support, intervene or close, why, who and when.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRiskStep {
    pub decision_code: &'static str,
    pub note: String,
    pub by: Username,
    pub at: chrono::DateTime<chrono::Utc>,
}
