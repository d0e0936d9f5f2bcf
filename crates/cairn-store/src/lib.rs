//! Cairn's persistence: one [`Store`] over SQLite or PostgreSQL, chosen by URL at run time.
//!
//! This crate is the only one that knows SQL.
//! It owns the schema (embedded migrations for both backends, in `migrations/{sqlite,postgres}`),
//! transactions, and the mapping between rows and `cairn-domain` records.
//! Its API is worded in the domain (`load_partnership`, `pupils_on_roll`, `create_session`),
//! never in tables, so handlers never learn which backend is in use.
//!
//! One set of SQL serves both backends: statements use `$n` placeholders and the dialect both
//! share (`ON CONFLICT ... DO UPDATE`, `RETURNING`).
//! The `on_pool!` macro runs the same body against whichever pool is open; where the dialects
//! truly differ, a named function says why.
//!
//! It must not know HTTP or HTML, and must not decide who may see what: that is the web layer's
//! authorisation gate, which asks this crate for facts (roles, memberships).

mod benchmarks;
mod error;
mod imports;
mod improvement;
mod measures;
mod partnership;
mod people;
mod practices;
mod reads;
mod reviews;
mod risks;
mod rows;
mod successions;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use benchmarks::{
    BenchmarkFile, Comparison, FeatureReason, FunnelPoint, SimilarSchool, StoredFigure,
};
pub use error::StoreError;
pub use imports::{
    ImportCounts, ImportFile, ImportKind, ImportOutcome, ImportProgress, ImportRecord, SchoolImport,
};
pub use improvement::{
    Action, Criterion, CriterionEvaluation, Decision, Meeting, MeetingPack, NewAction,
    NewCriterion, NewMeeting, NewPriority, PACK_MEASURES, PackCriterion, PackFigure, Priority,
    higher_is_better,
};
pub use improvement::{
    ChangeKind, DescribeCriterion, DescribeScope, Editor, PriorityChange, PriorityEdit,
    PriorityRemoval,
};
pub use measures::comparisons::{DEFAULT_SIMILAR_SCHOOLS, default_similarity};
pub use measures::{
    CalendarMonth, LatestResults, Measure, MeasureRefresh, MonthlyResult, RefreshSummary,
    ResultScope, ScopeFilter, ScopeKind, StoredResult, StoredValue,
};
pub use partnership::{LoadSummary, PupilOnRoll, SchoolRoll};
pub use people::{AuditEntry, AuditRecord, NewSession, SessionRecord, UserRecord, UserWithRoles};
pub use practices::PracticeEdit;
pub use practices::{
    AdopterImpact, Adoption, ComparisonSchool, Hiding, ModerationEvent, NewPractice, Post,
    Practice, PracticeImpact, Report, TargetedAdopter, TargetedImpact,
};
pub use reads::{
    AttendanceBand, PupilFilter, PupilListing, PupilTimeline, StoredGap, TimelineAttendance,
    TimelineCharacteristics, TimelineEnrolment, TimelineResult, gap_comparator, gaps_within,
};
pub use reviews::{
    Direction, Finding, FindingJudgement, FocusArea, NewReview, Review, ReviewStage, ScaleEntry,
};
pub use risks::{
    RISK_MEASURES, RegisterSummary, RiskDecision, RiskDecisionKind, RiskEntry, RiskFilter,
    RiskFinding, RiskPupil, RiskStatus, UnreadAssessments,
};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the open pool, whichever backend it is.
/// The body is compiled once per backend, so it may only use SQL both dialects accept.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The one handle on Cairn's database. Cheap to clone: it wraps a connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// After an UPDATE or DELETE of one row by its key: `StoreError::NotFound` naming `what`
    /// and `key` when no row changed, so a missing row is never taken for a done write.
    pub(crate) fn one_changed(
        rows_affected: u64,
        what: &'static str,
        key: impl std::fmt::Display,
    ) -> Result<(), StoreError> {
        if rows_affected == 0 {
            return Err(StoreError::NotFound {
                what,
                key: key.to_string(),
            });
        }
        Ok(())
    }

    /// Opens a store from a URL: `sqlite:PATH` (created if missing) or `postgres://...`.
    /// Does not run migrations; call [`Store::migrate`].
    #[tracing::instrument(skip_all, fields(db.backend))]
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let pool = if url.starts_with("sqlite:") {
            tracing::Span::current().record("db.backend", "sqlite");
            // WAL lets readers and a writer work at once, and several `cairn serve` processes
            // share one file; foreign keys are off by default in SQLite. Temporary tables
            // (an import's stage) live in memory rather than in a temporary file.
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .pragma("temp_store", "memory")
                .busy_timeout(Duration::from_secs(10));
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options)
                    .await?,
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            tracing::Span::current().record("db.backend", "postgres");
            let options = PgConnectOptions::from_str(url)?;
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?,
            )
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        Ok(Store { pool })
    }

    /// Applies any migrations not yet applied. Safe to run from several processes at once:
    /// sqlx takes a database lock while migrating.
    #[tracing::instrument(skip_all)]
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// After a bulk load into SQLite, copies the write-ahead log into the database file and
    /// empties it, so the log does not hold a second copy of what was loaded beside the file
    /// for as long as the store is open. Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if let Pool::Sqlite(pool) = &self.pool {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes every pooled connection; used before deleting a test database.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}

/// A database URL fit for messages and logs: the password, if any, replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
