//! Changing a practice after it was shared, and removing an adoption recorded in error. The
//! impact estimate is computed on read ([`Store::practice_impact`]), so it follows at once.

use cairn_domain::Urn;

use cairn_measures::PupilGroup;

use crate::rows::urn_to_db;
use crate::{Measure, Store, StoreError, on_pool};

/// A practice's words and measure, as edited; its group and author stay.
#[derive(Debug, Clone, PartialEq)]
pub struct PracticeEdit {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub targets: String,
    /// The pupil group it targets, whose figures its impact is also measured on.
    pub target_group: Option<PupilGroup>,
    pub measure: Measure,
    pub resources: String,
}

impl Store {
    /// Changes a practice's title, summary, description, targets (and targeted group),
    /// measure and resources. An
    /// unknown practice is `StoreError::NotFound`.
    #[tracing::instrument(skip_all, fields(practice.id = id))]
    pub async fn update_practice(&self, id: i64, edit: &PracticeEdit) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE practices SET title = $1, summary = $2, description = $3, \
                 targets = $4, measure = $5, resources = $6, target_group = $8 WHERE id = $7",
            )
            .bind(&edit.title)
            .bind(&edit.summary)
            .bind(&edit.description)
            .bind(&edit.targets)
            .bind(edit.measure.code())
            .bind(&edit.resources)
            .bind(id)
            .bind(edit.target_group.map(PupilGroup::code))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Store::one_changed(n, "practice", id)
    }

    /// Removes a school's adoption of a practice (recorded in error). A school that had not
    /// adopted it is `StoreError::NotFound`.
    #[tracing::instrument(skip_all, fields(practice.id = practice_id, school.urn = %urn))]
    pub async fn remove_adoption(&self, practice_id: i64, urn: Urn) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("DELETE FROM practice_adoptions WHERE practice_id = $1 AND urn = $2")
                .bind(practice_id)
                .bind(urn_to_db(urn))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Store::one_changed(n, "adoption", urn)
    }
}
