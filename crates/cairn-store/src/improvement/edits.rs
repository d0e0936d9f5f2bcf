//! Changing a priority after it was set: its title, owner, scope and years, and its success
//! criteria (added, changed, removed), each change recorded in `priority_changes` with who
//! made it, when, and the value before and after, in the same transaction as the change.
//! Removing a priority is recorded too, and its history outlives it.
//!
//! The store records values as words it is given: the caller says how a scope or a criterion
//! reads (`describe`), so the history shows what the page showed at the time.

use cairn_domain::{Scope, Username};
use chrono::{DateTime, Utc};

use super::{
    Criterion, NewCriterion, PRIORITY_SELECT, Priority, PriorityRow, result_scope_to_db,
    scope_from_db, scope_to_db, username_from_db,
};
use crate::rows::year_to_db;
use crate::{Store, StoreError, on_pool};

/// Who makes a change to a plan, and when.
#[derive(Debug, Clone, Copy)]
pub struct Editor<'a> {
    pub by: &'a Username,
    pub at: DateTime<Utc>,
}

/// A priority's title, owner, scope and years, as edited.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityEdit {
    pub title: String,
    pub owner: Username,
    pub scope: Scope,
    pub from_year: cairn_domain::AcademicYear,
    pub to_year: cairn_domain::AcademicYear,
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Title,
    Owner,
    Scope,
    Years,
    CriterionAdded,
    CriterionChanged,
    CriterionRemoved,
    PriorityRemoved,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 8] = [
        ChangeKind::Title,
        ChangeKind::Owner,
        ChangeKind::Scope,
        ChangeKind::Years,
        ChangeKind::CriterionAdded,
        ChangeKind::CriterionChanged,
        ChangeKind::CriterionRemoved,
        ChangeKind::PriorityRemoved,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Title => "title",
            ChangeKind::Owner => "owner",
            ChangeKind::Scope => "scope",
            ChangeKind::Years => "years",
            ChangeKind::CriterionAdded => "criterion_added",
            ChangeKind::CriterionChanged => "criterion_changed",
            ChangeKind::CriterionRemoved => "criterion_removed",
            ChangeKind::PriorityRemoved => "priority_removed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Title => "Title",
            ChangeKind::Owner => "Owner",
            ChangeKind::Scope => "For",
            ChangeKind::Years => "Years",
            ChangeKind::CriterionAdded => "Success criterion added",
            ChangeKind::CriterionChanged => "Success criterion changed",
            ChangeKind::CriterionRemoved => "Success criterion removed",
            ChangeKind::PriorityRemoved => "Priority removed",
        }
    }

    fn parse(code: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// One recorded change to a priority.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityChange {
    pub id: i64,
    pub priority_id: i64,
    /// The priority's title when the change was made.
    pub priority_title: String,
    /// The priority's scope when the change was made.
    pub scope: Scope,
    pub changed_by: Username,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub kind: ChangeKind,
    /// Empty for something added.
    pub old_value: String,
    /// Empty for something removed.
    pub new_value: String,
}

/// What removing a priority takes with it.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityRemoval {
    pub criteria: usize,
    /// Its actions, peer review follow-ups among them.
    pub actions: Vec<super::Action>,
    /// How many of the actions are follow-ups agreed at a peer review.
    pub follow_ups: usize,
    /// Meeting decisions that name one of the actions; they stay, without the link.
    pub decisions: usize,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: i64,
    priority_id: i64,
    priority_title: String,
    group_code: Option<String>,
    urn: Option<i64>,
    changed_by: String,
    changed_by_name: Option<String>,
    changed_at: DateTime<Utc>,
    what: String,
    old_value: String,
    new_value: String,
}

impl TryFrom<ChangeRow> for PriorityChange {
    type Error = StoreError;
    fn try_from(row: ChangeRow) -> Result<Self, StoreError> {
        Ok(PriorityChange {
            id: row.id,
            priority_id: row.priority_id,
            priority_title: row.priority_title,
            scope: scope_from_db(row.group_code, row.urn)?,
            changed_by: username_from_db(&row.changed_by)?,
            changed_by_name: row.changed_by_name,
            changed_at: row.changed_at,
            kind: ChangeKind::parse(&row.what)
                .ok_or_else(|| StoreError::corrupt("priority change", &row.what))?,
            old_value: row.old_value,
            new_value: row.new_value,
        })
    }
}

const CHANGE_SELECT: &str = "SELECT c.id, c.priority_id, c.priority_title, c.group_code, c.urn, \
     c.changed_by, u.display_name AS changed_by_name, c.changed_at, c.what, c.old_value, \
     c.new_value FROM priority_changes c LEFT JOIN users u ON u.username = c.changed_by";

const INSERT_CHANGE: &str = "INSERT INTO priority_changes (priority_id, priority_title, \
     group_code, urn, changed_by, changed_at, what, old_value, new_value) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// A change to record: kind, before, after.
type Change = (ChangeKind, String, String);

/// A scope and a criterion in words, as the page that made the change writes them.
pub type DescribeScope<'a> = &'a (dyn Fn(&Scope) -> String + Sync);
pub type DescribeCriterion<'a> = &'a (dyn Fn(&Criterion) -> String + Sync);

/// Records changes inside the caller's transaction.
macro_rules! record_changes {
    ($tx:expr, $priority:expr, $editor:expr, $changes:expr) => {{
        let (group_code, urn) = scope_to_db(&$priority.scope);
        for (kind, old_value, new_value) in $changes {
            sqlx::query(INSERT_CHANGE)
                .bind($priority.id)
                .bind(&$priority.title)
                .bind(group_code)
                .bind(urn)
                .bind($editor.by.as_str())
                .bind($editor.at)
                .bind(kind.code())
                .bind(old_value)
                .bind(new_value)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

impl Store {
    /// Changes a priority's title, owner, scope and years, recording each field that changed
    /// (the scope in the words `describe` gives it). Returns how many fields changed; an
    /// unknown priority is `StoreError::NotFound`.
    #[tracing::instrument(skip_all, fields(priority.id = id))]
    pub async fn update_priority(
        &self,
        id: i64,
        edit: &PriorityEdit,
        editor: Editor<'_>,
        describe: DescribeScope<'_>,
    ) -> Result<usize, StoreError> {
        let (group_code, urn) = scope_to_db(&edit.scope);
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<PriorityRow> =
                sqlx::query_as(&format!("{PRIORITY_SELECT} WHERE p.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let old = Priority::try_from(row.ok_or_else(|| StoreError::NotFound {
                what: "priority",
                key: id.to_string(),
            })?)?;
            let changes = priority_changes(&old, edit, describe);
            let updated = sqlx::query(
                "UPDATE priorities SET title = $1, owner = $2, group_code = $3, urn = $4, \
                 from_year = $5, to_year = $6 WHERE id = $7",
            )
            .bind(&edit.title)
            .bind(edit.owner.as_str())
            .bind(group_code)
            .bind(urn)
            .bind(year_to_db(edit.from_year))
            .bind(year_to_db(edit.to_year))
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            Store::one_changed(updated, "priority", id)?;
            let new = Priority {
                title: edit.title.clone(),
                scope: edit.scope.clone(),
                ..old
            };
            let n = changes.len();
            record_changes!(tx, new, editor, changes);
            tx.commit().await?;
            n
        });
        tracing::info!(n_changes = n, "priority updated");
        Ok(n)
    }

    /// Adds a criterion to a priority as an edit, recorded in its history, and judges it at
    /// once like [`Store::add_criterion`].
    #[tracing::instrument(skip_all, fields(priority.id = criterion.priority_id))]
    pub async fn add_criterion_by(
        &self,
        criterion: &NewCriterion,
        editor: Editor<'_>,
        describe: DescribeCriterion<'_>,
    ) -> Result<i64, StoreError> {
        let priority = self.existing_priority(criterion.priority_id).await?;
        let (kind, code) = result_scope_to_db(&criterion.scope)?;
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO success_criteria (priority_id, measure, pupil_group, scope_kind, \
                 scope_code, comparison, target, due_year) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(criterion.priority_id)
            .bind(criterion.measure.code())
            .bind(criterion.pupil_group.code())
            .bind(kind)
            .bind(&code)
            .bind(criterion.comparison.code())
            .bind(criterion.target)
            .bind(year_to_db(criterion.due_year))
            .fetch_one(&mut *tx)
            .await?;
            let added = describe(&stored_criterion(id, criterion));
            record_changes!(
                tx,
                priority,
                editor,
                [(ChangeKind::CriterionAdded, String::new(), added)]
            );
            tx.commit().await?;
            id
        });
        self.evaluate_criteria().await?;
        Ok(id)
    }

    /// Changes one of a priority's criteria, records it, forgets its old evaluations (they
    /// judged another criterion) and judges every criterion again at once, as after a
    /// refresh. A criterion that is not the priority's is `StoreError::NotFound`.
    #[tracing::instrument(skip_all, fields(priority.id = edit.priority_id, criterion.id = id))]
    pub async fn update_criterion(
        &self,
        id: i64,
        edit: &NewCriterion,
        editor: Editor<'_>,
        describe: DescribeCriterion<'_>,
    ) -> Result<(), StoreError> {
        let priority = self.existing_priority(edit.priority_id).await?;
        let (kind, code) = result_scope_to_db(&edit.scope)?;
        let old = self.criterion_of(edit.priority_id, id).await?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let updated = sqlx::query(
                "UPDATE success_criteria SET measure = $1, pupil_group = $2, scope_kind = $3, \
                 scope_code = $4, comparison = $5, target = $6, due_year = $7 \
                 WHERE id = $8 AND priority_id = $9",
            )
            .bind(edit.measure.code())
            .bind(edit.pupil_group.code())
            .bind(kind)
            .bind(&code)
            .bind(edit.comparison.code())
            .bind(edit.target)
            .bind(year_to_db(edit.due_year))
            .bind(id)
            .bind(edit.priority_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            Store::one_changed(updated, "success criterion", id)?;
            sqlx::query("DELETE FROM criterion_evaluations WHERE criterion_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let (before, after) = (describe(&old), describe(&stored_criterion(id, edit)));
            if before != after {
                record_changes!(
                    tx,
                    priority,
                    editor,
                    [(ChangeKind::CriterionChanged, before, after)]
                );
            }
            tx.commit().await?;
        });
        self.evaluate_criteria().await?;
        Ok(())
    }

    /// Removes one of a priority's criteria, with its evaluations, and records it.
    #[tracing::instrument(skip_all, fields(priority.id = priority_id, criterion.id = id))]
    pub async fn remove_criterion(
        &self,
        priority_id: i64,
        id: i64,
        editor: Editor<'_>,
        describe: DescribeCriterion<'_>,
    ) -> Result<(), StoreError> {
        let priority = self.existing_priority(priority_id).await?;
        let old = self.criterion_of(priority_id, id).await?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let removed = sqlx::query(
                "DELETE FROM success_criteria WHERE id = $1 AND priority_id = $2",
            )
                .bind(id)
                .bind(priority_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            Store::one_changed(removed, "success criterion", id)?;
            record_changes!(
                tx,
                priority,
                editor,
                [(ChangeKind::CriterionRemoved, describe(&old), String::new())]
            );
            tx.commit().await?;
        });
        Ok(())
    }

    /// What removing a priority would take with it.
    pub async fn priority_removal(&self, id: i64) -> Result<PriorityRemoval, StoreError> {
        let criteria = self.criteria(Some(id)).await?.len();
        let actions = self.actions(Some(id)).await?;
        let (follow_ups, decisions): (i64, i64) = on_pool!(self, pool => {
            let follow_ups = sqlx::query_scalar(
                "SELECT COUNT(*) FROM peer_review_follow_ups f \
                 JOIN actions a ON a.id = f.action_id WHERE a.priority_id = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await?;
            let decisions = sqlx::query_scalar(
                "SELECT COUNT(*) FROM meeting_decisions d \
                 JOIN actions a ON a.id = d.action_id WHERE a.priority_id = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await?;
            (follow_ups, decisions)
        });
        Ok(PriorityRemoval {
            criteria,
            actions,
            follow_ups: usize::try_from(follow_ups).unwrap_or(0),
            decisions: usize::try_from(decisions).unwrap_or(0),
        })
    }

    /// Removes a priority with its criteria and actions (peer review follow-ups among them;
    /// meeting decisions stay, unlinked), recording the removal in its history.
    #[tracing::instrument(skip_all, fields(priority.id = id))]
    pub async fn remove_priority(&self, id: i64, editor: Editor<'_>) -> Result<(), StoreError> {
        let priority = self.existing_priority(id).await?;
        let removal = self.priority_removal(id).await?;
        let count = |n: usize, one: &str, many: &str| match n {
            1 => format!("1 {one}"),
            n => format!("{n} {many}"),
        };
        let what_went = format!(
            "{} with {} and {}",
            priority.title,
            count(removal.criteria, "success criterion", "success criteria"),
            count(removal.actions.len(), "action", "actions"),
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let removed = sqlx::query("DELETE FROM priorities WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            Store::one_changed(removed, "priority", id)?;
            record_changes!(
                tx,
                priority,
                editor,
                [(ChangeKind::PriorityRemoved, what_went, String::new())]
            );
            tx.commit().await?;
        });
        tracing::info!("priority removed");
        Ok(())
    }

    /// A priority's recorded changes, oldest first.
    pub async fn priority_history(&self, id: i64) -> Result<Vec<PriorityChange>, StoreError> {
        let rows: Vec<ChangeRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{CHANGE_SELECT} WHERE c.priority_id = $1 ORDER BY c.id"))
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(PriorityChange::try_from).collect()
    }

    /// Every removal of a priority, newest first; the web layer keeps those the viewer may see.
    pub async fn removed_priorities(&self) -> Result<Vec<PriorityChange>, StoreError> {
        let rows: Vec<ChangeRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("{CHANGE_SELECT} WHERE c.what = $1 ORDER BY c.id DESC"))
                .bind(ChangeKind::PriorityRemoved.code())
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(PriorityChange::try_from).collect()
    }

    async fn existing_priority(&self, id: i64) -> Result<Priority, StoreError> {
        self.priority(id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "priority",
                key: id.to_string(),
            })
    }
}

/// The fields of a priority that an edit changes, in words.
fn priority_changes(
    old: &Priority,
    edit: &PriorityEdit,
    describe: DescribeScope<'_>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    if old.title != edit.title {
        changes.push((ChangeKind::Title, old.title.clone(), edit.title.clone()));
    }
    if old.owner != edit.owner {
        changes.push((
            ChangeKind::Owner,
            old.owner.to_string(),
            edit.owner.to_string(),
        ));
    }
    if old.scope != edit.scope {
        changes.push((
            ChangeKind::Scope,
            describe(&old.scope),
            describe(&edit.scope),
        ));
    }
    if (old.from_year, old.to_year) != (edit.from_year, edit.to_year) {
        changes.push((
            ChangeKind::Years,
            format!("{} to {}", old.from_year, old.to_year),
            format!("{} to {}", edit.from_year, edit.to_year),
        ));
    }
    changes
}

/// A criterion as it will be stored, before it has been judged.
fn stored_criterion(id: i64, c: &NewCriterion) -> Criterion {
    Criterion {
        id,
        priority_id: c.priority_id,
        measure: c.measure,
        pupil_group: c.pupil_group,
        scope: c.scope.clone(),
        comparison: c.comparison,
        target: c.target,
        due_year: c.due_year,
        evaluation: None,
    }
}

impl Store {
    /// One of the priority's criteria; another priority's is `StoreError::NotFound`.
    async fn criterion_of(&self, priority_id: i64, id: i64) -> Result<Criterion, StoreError> {
        self.criteria(Some(priority_id))
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| StoreError::NotFound {
                what: "success criterion",
                key: id.to_string(),
            })
    }
}
