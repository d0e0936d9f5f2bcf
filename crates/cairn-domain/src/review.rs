//! Peer review as data: a partnership's framework of focus areas and its reviews, with their
//! findings and follow-ups. The demo partnership builds one; the store loads it.

use chrono::NaiveDate;

use crate::{Judgement, PlanAction, Urn, Username};

/// A group's framework and the reviews it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerReviewPlan {
    pub group_code: String,
    /// The framework's focus areas: title and descriptor.
    pub focus_areas: Vec<(String, String)>,
    pub reviews: Vec<PlanReview>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanReview {
    pub urn: Urn,
    pub title: String,
    pub visit_on: NaiveDate,
    pub reviewers: Vec<Username>,
    /// Indices into the framework's focus areas.
    pub focus_areas: Vec<usize>,
    /// Whether to freeze the evidence pack when the plan is loaded.
    pub freeze_pack: bool,
    /// (focus area index, strengths, areas for development, judgement).
    pub findings: Vec<(usize, String, String, Judgement)>,
    pub follow_ups: Vec<PlanFollowUp>,
    /// Who closed the review once its findings and follow-ups were agreed; `None`: open.
    pub closed_by: Option<Username>,
}

/// An agreed follow-up: an action under the named priority of the improvement plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFollowUp {
    pub priority_title: String,
    pub action: PlanAction,
}
