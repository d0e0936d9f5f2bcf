//! Peer review ("support and challenge"): a group's framework of focus areas, reviews of one
//! school by a team from other schools, findings per focus area judged on the group's own
//! judgement scale (`scale`: seeded from the four-point [`Judgement`](cairn_domain::Judgement) scale, edited by the
//! group's trust leaders), an evidence pack frozen with the meetings' machinery
//! ([`Store::build_pack`]: the school's and the group's figures for every stored year, with
//! England and the similar-schools average), and follow-ups.
//!
//! A review ends with an explicit close, once its findings and follow-ups are agreed
//! ([`Store::close_review`]). Closed, its findings are read-only, and its reviewers' extra
//! access to the reviewed school's aggregates ends at once: [`Store::reviews_with_reviewer`],
//! which the gate grants that access from, lists open reviews only. It ends at the close
//! rather than at a date after it because nothing the reviewers still do needs the school's
//! figures: the findings are agreed and the follow-ups belong to the school's own staff.
//!
//! A follow-up is an ordinary action under a priority that covers the reviewed school, linked
//! to the review by `peer_review_follow_ups`, so it shows on its owner's list and in the
//! priority's action plan like any other action.

mod scale;

use cairn_domain::{PeerReviewPlan, Scope, Urn, Username};
use chrono::{DateTime, NaiveDate, Utc};

use crate::improvement::{NewAction, PackSpec, PackTable, username_from_db};
use crate::rows::{urn_from_db, urn_to_db};
use crate::{Action, MeetingPack, ResultScope, Store, StoreError, on_pool};

/// One focus area of a group's review framework.
#[derive(Debug, Clone, PartialEq)]
pub struct FocusArea {
    pub id: i64,
    pub group_code: String,
    pub title: String,
    pub descriptor: String,
}

pub use scale::{Direction, ScaleEntry};

/// The judgement a finding was given: an entry of its group's scale.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingJudgement {
    pub id: i64,
    pub label: String,
}

/// A review to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReview {
    pub group_code: String,
    pub urn: Urn,
    pub title: String,
    pub visit_on: NaiveDate,
    pub reviewers: Vec<Username>,
    /// Focus areas of the group's framework.
    pub focus_area_ids: Vec<i64>,
}

/// What the reviewers found in one focus area; empty until recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub focus_area: FocusArea,
    pub strengths: String,
    pub development: String,
    pub judgement: Option<FindingJudgement>,
}

impl Finding {
    pub fn is_recorded(&self) -> bool {
        self.judgement.is_some()
    }
}

/// Where a review has got to, from what has been recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStage {
    Planned,
    PackFrozen,
    FindingsRecorded,
    FollowUpsAgreed,
    Closed,
}

impl ReviewStage {
    pub fn label(self) -> &'static str {
        match self {
            ReviewStage::Planned => "Planned",
            ReviewStage::PackFrozen => "Evidence pack frozen",
            ReviewStage::FindingsRecorded => "Findings recorded",
            ReviewStage::FollowUpsAgreed => "Follow-ups agreed",
            ReviewStage::Closed => "Closed",
        }
    }
}

/// A stored review with its team, focus areas and findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub id: i64,
    pub group_code: String,
    pub urn: Urn,
    pub title: String,
    pub visit_on: NaiveDate,
    pub reviewers: Vec<Username>,
    pub findings: Vec<Finding>,
    pub pack_frozen_at: Option<DateTime<Utc>>,
    pub follow_up_ids: Vec<i64>,
    /// Who closed the review, and when; `None` while it is open.
    pub closed: Option<(Username, DateTime<Utc>)>,
}

impl Review {
    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    pub fn stage(&self) -> ReviewStage {
        if self.is_closed() {
            ReviewStage::Closed
        } else if !self.follow_up_ids.is_empty() {
            ReviewStage::FollowUpsAgreed
        } else if self.findings.iter().any(Finding::is_recorded) {
            ReviewStage::FindingsRecorded
        } else if self.pack_frozen_at.is_some() {
            ReviewStage::PackFrozen
        } else {
            ReviewStage::Planned
        }
    }
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: i64,
    group_code: String,
    urn: i64,
    title: String,
    visit_on: NaiveDate,
    frozen_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    closed_by: Option<String>,
}

#[derive(sqlx::FromRow)]
struct FindingRow {
    review_id: i64,
    id: i64,
    group_code: String,
    title: String,
    descriptor: String,
    strengths: String,
    development: String,
    judgement_id: Option<i64>,
    judgement: Option<String>,
}

const REVIEW_SELECT: &str = "SELECT r.id, r.group_code, r.urn, r.title, r.visit_on, k.frozen_at, \
     r.closed_at, r.closed_by \
     FROM peer_reviews r LEFT JOIN peer_review_packs k ON k.review_id = r.id";

impl Store {
    /// Adds a focus area to a group's framework. A second area with the same title is
    /// `StoreError::Conflict`.
    #[tracing::instrument(skip_all, fields(group.code = group_code))]
    pub async fn add_focus_area(
        &self,
        group_code: &str,
        title: &str,
        descriptor: &str,
    ) -> Result<i64, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO review_focus_areas (group_code, title, descriptor) \
                 VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(group_code)
            .bind(title)
            .bind(descriptor)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// The focus areas of every group's framework, by group and in the order they were added.
    pub async fn focus_areas(&self) -> Result<Vec<FocusArea>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, group_code, title, descriptor FROM review_focus_areas \
                 ORDER BY group_code, id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, group_code, title, descriptor)| FocusArea {
                id,
                group_code,
                title,
                descriptor,
            })
            .collect())
    }

    /// Creates a review with its team and focus areas, in one transaction.
    #[tracing::instrument(skip_all, fields(school.urn = %review.urn))]
    pub async fn create_review(
        &self,
        review: &NewReview,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO peer_reviews (group_code, urn, title, visit_on, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(&review.group_code)
            .bind(urn_to_db(review.urn))
            .bind(&review.title)
            .bind(review.visit_on)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for reviewer in &review.reviewers {
                sqlx::query(
                    "INSERT INTO peer_review_reviewers (review_id, username) VALUES ($1, $2)",
                )
                .bind(id)
                .bind(reviewer.as_str())
                .execute(&mut *tx)
                .await?;
            }
            for focus_area_id in &review.focus_area_ids {
                sqlx::query(
                    "INSERT INTO peer_review_findings (review_id, focus_area_id, strengths, \
                     development) VALUES ($1, $2, '', '')",
                )
                .bind(id)
                .bind(focus_area_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            id
        });
        tracing::info!(review.id = id, "peer review created");
        Ok(id)
    }

    /// Every review, newest visit first; the web layer keeps those the viewer may see.
    pub async fn reviews(&self) -> Result<Vec<Review>, StoreError> {
        self.reviews_where(None).await
    }

    pub async fn review(&self, id: i64) -> Result<Option<Review>, StoreError> {
        Ok(self.reviews_where(Some(id)).await?.pop())
    }

    async fn reviews_where(&self, id: Option<i64>) -> Result<Vec<Review>, StoreError> {
        let rows: Vec<ReviewRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "{REVIEW_SELECT} WHERE ($1 IS NULL OR r.id = $1) ORDER BY r.visit_on DESC, r.id DESC"
            ))
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let reviewers: Vec<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT review_id, username FROM peer_review_reviewers \
                 WHERE ($1 IS NULL OR review_id = $1) ORDER BY review_id, username",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let findings: Vec<FindingRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT f.review_id, a.id, a.group_code, a.title, a.descriptor, f.strengths, \
                 f.development, j.id AS judgement_id, j.label AS judgement \
                 FROM peer_review_findings f \
                 JOIN review_focus_areas a ON a.id = f.focus_area_id \
                 LEFT JOIN review_judgements j ON j.id = f.judgement_id \
                 WHERE ($1 IS NULL OR f.review_id = $1) ORDER BY f.review_id, a.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let follow_ups: Vec<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT review_id, action_id FROM peer_review_follow_ups \
                 WHERE ($1 IS NULL OR review_id = $1) ORDER BY review_id, action_id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|row| {
                Ok(Review {
                    id: row.id,
                    urn: urn_from_db(row.urn)?,
                    group_code: row.group_code,
                    title: row.title,
                    visit_on: row.visit_on,
                    reviewers: reviewers
                        .iter()
                        .filter(|(r, _)| *r == row.id)
                        .map(|(_, u)| username_from_db(u))
                        .collect::<Result<_, _>>()?,
                    findings: findings
                        .iter()
                        .filter(|f| f.review_id == row.id)
                        .map(|f| {
                            Ok(Finding {
                                focus_area: FocusArea {
                                    id: f.id,
                                    group_code: f.group_code.clone(),
                                    title: f.title.clone(),
                                    descriptor: f.descriptor.clone(),
                                },
                                strengths: f.strengths.clone(),
                                development: f.development.clone(),
                                judgement: f
                                    .judgement_id
                                    .zip(f.judgement.clone())
                                    .map(|(id, label)| FindingJudgement { id, label }),
                            })
                        })
                        .collect::<Result<_, StoreError>>()?,
                    pack_frozen_at: row.frozen_at,
                    follow_up_ids: follow_ups
                        .iter()
                        .filter(|(r, _)| *r == row.id)
                        .map(|(_, a)| *a)
                        .collect(),
                    closed: match (&row.closed_by, row.closed_at) {
                        (Some(by), Some(at)) => Some((username_from_db(by)?, at)),
                        _ => None,
                    },
                })
            })
            .collect()
    }

    /// The open reviews a user is on, with the school each reviews: the gate grants reviewers
    /// aggregate access to those schools until the review is closed.
    pub async fn reviews_with_reviewer(
        &self,
        username: &Username,
    ) -> Result<Vec<(i64, Urn)>, StoreError> {
        let rows: Vec<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT r.id, r.urn FROM peer_reviews r \
                 JOIN peer_review_reviewers v ON v.review_id = r.id \
                 WHERE v.username = $1 AND r.closed_at IS NULL",
            )
            .bind(username.as_str())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, urn)| Ok((id, urn_from_db(urn)?)))
            .collect()
    }

    /// Records (or replaces) the finding for one of the review's focus areas, judged on an
    /// entry of the review's group's scale. A focus area the review did not choose, or a
    /// judgement from another group's scale, is `StoreError::NotFound`; a closed review's
    /// findings are read-only (`StoreError::Conflict`).
    #[tracing::instrument(skip_all, fields(review.id = review_id))]
    pub async fn record_finding(
        &self,
        review_id: i64,
        focus_area_id: i64,
        strengths: &str,
        development: &str,
        judgement_id: i64,
    ) -> Result<(), StoreError> {
        let review = self.open_review(review_id).await?;
        if self
            .judgement_entry(judgement_id)
            .await?
            .is_none_or(|j| j.group_code != review.group_code)
        {
            return Err(StoreError::NotFound {
                what: "judgement of the group's scale",
                key: judgement_id.to_string(),
            });
        }
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE peer_review_findings SET strengths = $1, development = $2, \
                 judgement_id = $3 WHERE review_id = $4 AND focus_area_id = $5",
            )
            .bind(strengths)
            .bind(development)
            .bind(judgement_id)
            .bind(review_id)
            .bind(focus_area_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Store::one_changed(n, "focus area of the review", focus_area_id)
    }

    /// A review that is still open: `StoreError::NotFound` if there is none,
    /// `StoreError::Conflict` once it is closed.
    async fn open_review(&self, review_id: i64) -> Result<Review, StoreError> {
        let review = self
            .review(review_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "peer review",
                key: review_id.to_string(),
            })?;
        if review.is_closed() {
            return Err(StoreError::Conflict {
                constraint: "peer review closed".to_owned(),
            });
        }
        Ok(review)
    }

    /// Closes a review once its findings and follow-ups are agreed: from then its findings
    /// and follow-ups are read-only and its reviewers no longer reach the school's
    /// aggregates. Closing a closed review is `StoreError::Conflict`.
    #[tracing::instrument(skip_all, fields(review.id = review_id))]
    pub async fn close_review(
        &self,
        review_id: i64,
        by: &Username,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.open_review(review_id).await?;
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE peer_reviews SET closed_at = $1, closed_by = $2 \
                 WHERE id = $3 AND closed_at IS NULL",
            )
            .bind(now)
            .bind(by.as_str())
            .bind(review_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Store::one_changed(n, "open peer review", review_id)?;
        tracing::info!("peer review closed");
        Ok(())
    }

    /// Adds an agreed follow-up: an action under a priority, linked to the review. A closed
    /// review takes no more (`StoreError::Conflict`).
    #[tracing::instrument(skip_all, fields(review.id = review_id))]
    pub async fn add_follow_up(
        &self,
        review_id: i64,
        action: &NewAction,
    ) -> Result<i64, StoreError> {
        self.open_review(review_id).await?;
        let action_id = self.add_action(action).await?;
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO peer_review_follow_ups (review_id, action_id) VALUES ($1, $2)",
            )
            .bind(review_id)
            .bind(action_id)
            .execute(pool)
            .await?;
        });
        Ok(action_id)
    }

    /// The review's follow-up actions, by due date.
    pub async fn follow_ups(&self, review: &Review) -> Result<Vec<Action>, StoreError> {
        Ok(self
            .actions(None)
            .await?
            .into_iter()
            .filter(|a| review.follow_up_ids.contains(&a.id))
            .collect())
    }

    /// Freezes the review's evidence pack: the school's and the group's figures for every
    /// stored year, with England and similar schools, and the criteria judged on the school's
    /// figures. Frozen once (`StoreError::Conflict` after); `StoreError::NotFound` before any
    /// refresh.
    #[tracing::instrument(skip_all, fields(review.id = review_id))]
    pub async fn freeze_review_pack(
        &self,
        review_id: i64,
        now: DateTime<Utc>,
    ) -> Result<MeetingPack, StoreError> {
        let review = self
            .review(review_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "peer review",
                key: review_id.to_string(),
            })?;
        if review.pack_frozen_at.is_some() {
            return Err(StoreError::Conflict {
                constraint: "peer_review_packs_pkey".to_owned(),
            });
        }
        let school = ResultScope::School(review.urn);
        let pack = self
            .build_pack(
                &PackSpec {
                    scopes: vec![
                        school.clone(),
                        ResultScope::Group(review.group_code.clone()),
                    ],
                    all_years: true,
                    criteria_of: &|_, criterion| criterion.scope == school,
                },
                now,
            )
            .await?;
        self.insert_pack(PackTable::Review, review_id, &pack)
            .await?;
        tracing::info!(n_figures = pack.figures.len(), "peer review pack frozen");
        Ok(pack)
    }

    /// A review's frozen evidence pack, if it has one.
    pub async fn review_pack(&self, review_id: i64) -> Result<Option<MeetingPack>, StoreError> {
        self.stored_pack(PackTable::Review, review_id).await
    }

    /// Loads a group's framework and reviews (the demo's) into a store that has no focus
    /// areas for the group yet; follow-ups go under the improvement plan's priorities named
    /// by title, which must be loaded first (`StoreError::NotFound` otherwise). Returns
    /// `false`, changing nothing, when the group already has a framework.
    #[tracing::instrument(skip_all, fields(group.code = plan.group_code))]
    pub async fn load_peer_reviews(
        &self,
        plan: &PeerReviewPlan,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if self
            .focus_areas()
            .await?
            .iter()
            .any(|a| a.group_code == plan.group_code)
        {
            return Ok(false);
        }
        let mut area_ids = Vec::new();
        for (title, descriptor) in &plan.focus_areas {
            area_ids.push(
                self.add_focus_area(&plan.group_code, title, descriptor)
                    .await?,
            );
        }
        let area = |idx: &usize| {
            area_ids
                .get(*idx)
                .copied()
                .ok_or_else(|| StoreError::NotFound {
                    what: "focus area",
                    key: idx.to_string(),
                })
        };
        let priorities = self.priorities().await?;
        // The plan judges on the seeded scale; its judgements are found by label.
        let scale = self.judgement_scale(&plan.group_code).await?;
        let scale_entry = |judgement: &cairn_domain::Judgement| {
            scale
                .iter()
                .find(|e| e.label == judgement.label())
                .map(|e| e.id)
                .ok_or_else(|| StoreError::NotFound {
                    what: "judgement of the group's scale",
                    key: judgement.label().to_owned(),
                })
        };
        for planned in &plan.reviews {
            let review_id = self
                .create_review(
                    &NewReview {
                        group_code: plan.group_code.clone(),
                        urn: planned.urn,
                        title: planned.title.clone(),
                        visit_on: planned.visit_on,
                        reviewers: planned.reviewers.clone(),
                        focus_area_ids: planned
                            .focus_areas
                            .iter()
                            .map(area)
                            .collect::<Result<_, _>>()?,
                    },
                    now,
                )
                .await?;
            if planned.freeze_pack && self.latest_refresh().await?.is_some() {
                self.freeze_review_pack(review_id, now).await?;
            }
            for (idx, strengths, development, judgement) in &planned.findings {
                self.record_finding(
                    review_id,
                    area(idx)?,
                    strengths,
                    development,
                    scale_entry(judgement)?,
                )
                .await?;
            }
            for follow_up in &planned.follow_ups {
                let priority = priorities
                    .iter()
                    .find(|p| {
                        p.title == follow_up.priority_title
                            && (p.scope == Scope::School(planned.urn)
                                || matches!(p.scope, Scope::Group(_)))
                    })
                    .ok_or_else(|| StoreError::NotFound {
                        what: "priority",
                        key: follow_up.priority_title.clone(),
                    })?;
                let a = &follow_up.action;
                self.add_follow_up(
                    review_id,
                    &NewAction {
                        priority_id: priority.id,
                        title: a.title.clone(),
                        owner: a.owner.clone(),
                        school: a.school,
                        starts_on: a.starts_on,
                        due_on: a.due_on,
                        status: a.status,
                        rag: a.rag,
                    },
                )
                .await?;
            }
            if let Some(by) = &planned.closed_by {
                self.close_review(review_id, by, now).await?;
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests;
