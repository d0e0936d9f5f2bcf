//! A group's judgement scale: the ordered judgements (label and short description) its peer
//! reviews' findings are judged on. Every group starts from [`Judgement`]'s four points, seeded
//! when the group is loaded (and by the migration that made scales editable, for groups that
//! already existed); from then the group's trust leaders rename, describe, reorder, add and
//! delete entries. A finding refers to an entry, so an entry in use cannot be deleted
//! (`StoreError::Conflict` saying how many findings use it): renaming it renames it in every
//! review that used it, which is what a partnership that rewords its scale wants.

use cairn_domain::Judgement;

use crate::{Store, StoreError, on_pool};

/// One judgement of a group's scale, with how many findings use it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleEntry {
    pub id: i64,
    pub group_code: String,
    /// 1 for the first (best) judgement; the scale reads in this order.
    pub position: i64,
    pub label: String,
    pub description: String,
    pub n_findings: i64,
}

/// Which way to move an entry along its scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

const SCALE_SELECT: &str = "SELECT j.id, j.group_code, j.position, j.label, j.description, \
     (SELECT COUNT(*) FROM peer_review_findings f WHERE f.judgement_id = j.id) \
     FROM review_judgements j";

type ScaleRow = (i64, String, i64, String, String, i64);

fn entry(row: ScaleRow) -> ScaleEntry {
    let (id, group_code, position, label, description, n_findings) = row;
    ScaleEntry {
        id,
        group_code,
        position,
        label,
        description,
        n_findings,
    }
}

impl Store {
    /// Seeds the scale of every group that has none from [`Judgement`], in its order; run
    /// after each partnership load, so every group has a scale to edit and to judge by.
    pub(crate) async fn seed_judgement_scales(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let groups: Vec<(String,)> = sqlx::query_as(
                "SELECT g.code FROM groups g WHERE NOT EXISTS \
                 (SELECT 1 FROM review_judgements j WHERE j.group_code = g.code) ORDER BY g.code",
            )
            .fetch_all(&mut *tx)
            .await?;
            for (group_code,) in &groups {
                for (position, judgement) in (1_i64..).zip(Judgement::ALL) {
                    sqlx::query(
                        "INSERT INTO review_judgements (group_code, position, label, description) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(group_code)
                    .bind(position)
                    .bind(judgement.label())
                    .bind(judgement.description())
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every group's judgement scale, by group and in scale order.
    pub async fn judgement_scales(&self) -> Result<Vec<ScaleEntry>, StoreError> {
        let rows: Vec<ScaleRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{SCALE_SELECT} ORDER BY j.group_code, j.position, j.id"))
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(entry).collect())
    }

    /// One group's judgement scale, in order.
    pub async fn judgement_scale(&self, group_code: &str) -> Result<Vec<ScaleEntry>, StoreError> {
        let rows: Vec<ScaleRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "{SCALE_SELECT} WHERE j.group_code = $1 ORDER BY j.position, j.id"
            ))
            .bind(group_code)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(entry).collect())
    }

    /// One scale entry, if it exists.
    pub async fn judgement_entry(&self, id: i64) -> Result<Option<ScaleEntry>, StoreError> {
        let row: Option<ScaleRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{SCALE_SELECT} WHERE j.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(entry))
    }

    /// Adds a judgement at the end of a group's scale. A label the scale already has is
    /// `StoreError::Conflict`.
    #[tracing::instrument(skip_all, fields(group.code = group_code))]
    pub async fn add_judgement(
        &self,
        group_code: &str,
        label: &str,
        description: &str,
    ) -> Result<i64, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO review_judgements (group_code, position, label, description) \
                 VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM review_judgements \
                 WHERE group_code = $1), $2, $3) RETURNING id",
            )
            .bind(group_code)
            .bind(label)
            .bind(description)
            .fetch_one(pool)
            .await?
        });
        tracing::info!(judgement.id = id, "judgement added to the scale");
        Ok(id)
    }

    /// Renames and re-describes a judgement; every finding that uses it reads the new label.
    /// A label another entry of the scale has is `StoreError::Conflict`.
    #[tracing::instrument(skip_all, fields(judgement.id = id))]
    pub async fn update_judgement(
        &self,
        id: i64,
        label: &str,
        description: &str,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE review_judgements SET label = $1, description = $2 WHERE id = $3")
                .bind(label)
                .bind(description)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Store::one_changed(n, "judgement", id)
    }

    /// Swaps a judgement with its neighbour above or below; at the end of the scale it stays
    /// where it is. Positions are renumbered 1, 2, ... in the same transaction.
    #[tracing::instrument(skip_all, fields(judgement.id = id))]
    pub async fn move_judgement(&self, id: i64, direction: Direction) -> Result<(), StoreError> {
        let moved = self
            .judgement_entry(id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "judgement",
                key: id.to_string(),
            })?;
        let mut order: Vec<i64> = self
            .judgement_scale(&moved.group_code)
            .await?
            .iter()
            .map(|e| e.id)
            .collect();
        if let Some(idx) = order.iter().position(|e| *e == id) {
            match direction {
                Direction::Up if idx > 0 => order.swap(idx, idx - 1),
                Direction::Down if idx + 1 < order.len() => order.swap(idx, idx + 1),
                _ => {}
            }
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for (position, entry_id) in (1_i64..).zip(&order) {
                sqlx::query("UPDATE review_judgements SET position = $1 WHERE id = $2")
                    .bind(position)
                    .bind(entry_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Deletes a judgement no finding uses. One in use is `StoreError::Conflict` naming how
    /// many findings use it (rename it instead); a missing one is `StoreError::NotFound`.
    #[tracing::instrument(skip_all, fields(judgement.id = id))]
    pub async fn delete_judgement(&self, id: i64) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (in_use,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM peer_review_findings WHERE judgement_id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if in_use > 0 {
                return Err(StoreError::Conflict {
                    constraint: format!(
                        "judgement in use by {in_use} finding{}",
                        if in_use == 1 { "" } else { "s" }
                    ),
                });
            }
            let n = sqlx::query("DELETE FROM review_judgements WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            n
        });
        Store::one_changed(n, "judgement", id)
    }
}
