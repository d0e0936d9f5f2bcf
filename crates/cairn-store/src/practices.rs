//! The practice library: practices a group shares, the schools that adopted them, a
//! moderated discussion on each, and each practice's measured impact.
//!
//! # Impact
//!
//! [`Store::practice_impact`] estimates a practice's effect with
//! `cairn_measures::impact::estimate_impact` (a difference-in-differences with a 95%
//! interval) from stored figures only: nothing is recomputed per request.
//!
//! * Each adopting school's series is its stored figure for the practice's measure, for all
//!   pupils, in every year of the newest refresh (suppressed years are left out).
//! * Its comparison schools are its **similar schools** as the newest refresh stored them
//!   (`measures::comparisons`: the nearest schools of the same phase in the national set, by
//!   prior attainment, disadvantage, SEN, EAL and size), matched in the last year before it
//!   adopted the practice (or the earliest stored year when it adopted before that), so the
//!   match is made on the school as it was before the practice could change it. Schools that
//!   adopted the practice themselves are left out. Their series are their published figures
//!   in the national set for the same years (or, for a partnership school among them, its own
//!   stored figures).
//!
//! Comparisons come from the national set rather than from the partnership's other schools
//! because a partnership rarely has more than a handful of schools of one phase: twenty
//! matched schools per adopter give the interval something to stand on. The national set
//! publishes figures for all pupils only, so that estimate is for all pupils. A measure the
//! national set does not publish (say phonics) has no comparison schools, and the verdict says
//! there are too few schools.
//!
//! # Impact on the targeted group
//!
//! A practice that targets a pupil group (`target_group`, say disadvantaged pupils) is also
//! measured on that group ([`TargetedImpact`], `cairn_measures::impact::estimate_group_impact`):
//! each adopter's stored figures for the group, against the partnership's own schools of the
//! same phase that did not adopt it, on their stored figures for the same group. These are the
//! only schools whose group figures Cairn holds (the national set has none), so the comparison
//! is within the partnership and its interval is as wide as its few schools make it.
//! Suppressed group figures are never used: a school whose figure is suppressed before or after
//! adoption cannot contribute, and the estimate says how many schools that left out.

use std::collections::BTreeSet;

use cairn_domain::{AcademicYear, PracticeLibrary, Urn, Username};
use cairn_measures::PupilGroup;
use cairn_measures::impact::{
    Adopter, AdopterEffect, EventPoint, GroupAdopter, GroupImpact, GroupSeries, ImpactEstimate,
    Series, estimate_group_impact, estimate_impact, event_time_means,
};
use chrono::{DateTime, NaiveDate, Utc};

use crate::improvement::higher_is_better;
use crate::rows::{code_from_db, urn_from_db, urn_to_db, year_from_db, year_to_db};
use crate::{Measure, Store, StoreError, on_pool};

/// A practice to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPractice {
    pub group_code: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub targets: String,
    /// The pupil group it targets, whose figures its impact is also measured on.
    pub target_group: Option<PupilGroup>,
    pub measure: Measure,
    pub resources: String,
    pub created_by: Username,
}

/// A stored practice with its adoptions.
#[derive(Debug, Clone, PartialEq)]
pub struct Practice {
    pub id: i64,
    pub group_code: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub targets: String,
    /// The pupil group it targets, whose figures its impact is also measured on.
    pub target_group: Option<PupilGroup>,
    pub measure: Measure,
    pub resources: String,
    pub created_by: Username,
    pub created_at: DateTime<Utc>,
    /// By adoption date.
    pub adoptions: Vec<Adoption>,
}

/// A school that adopted a practice.
#[derive(Debug, Clone, PartialEq)]
pub struct Adoption {
    pub urn: Urn,
    pub school_name: String,
    pub adopted_on: NaiveDate,
}

impl Adoption {
    /// The first academic year with the practice in place: the one it was adopted in.
    pub fn first_year(&self) -> AcademicYear {
        AcademicYear::containing(self.adopted_on)
    }
}

/// A discussion post, with its reports and, when hidden, who hid it.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub id: i64,
    pub practice_id: i64,
    pub author: Username,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub hidden: Option<Hiding>,
    pub reports: Vec<Report>,
}

/// Why and by whom a post is hidden.
#[derive(Debug, Clone, PartialEq)]
pub struct Hiding {
    pub by: Username,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// A member's report of a post.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub reporter: Username,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// One moderation decision in a practice's trail.
#[derive(Debug, Clone, PartialEq)]
pub struct ModerationEvent {
    pub post_id: i64,
    pub moderator: Username,
    /// `true`: hidden; `false`: shown again.
    pub hid: bool,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A comparison school of one adopter, and why it was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonSchool {
    pub urn: Urn,
    pub name: String,
    /// 1 for the most similar.
    pub rank: u32,
    pub distance: f64,
    pub figures: Vec<(AcademicYear, f64)>,
}

/// One adopter's part of an impact estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct AdopterImpact {
    pub urn: Urn,
    pub name: String,
    pub first_year: AcademicYear,
    pub figures: Vec<(AcademicYear, f64)>,
    /// The year the similar schools were matched in, when any are stored.
    pub matched_in: Option<AcademicYear>,
    pub comparisons: Vec<ComparisonSchool>,
    /// `None` without figures before and after, or without a comparison school with both.
    pub effect: Option<AdopterEffect>,
}

/// A practice's impact: the estimate and everything it was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct PracticeImpact {
    pub measure: Measure,
    pub higher_is_better: bool,
    pub estimate: ImpactEstimate,
    pub adopters: Vec<AdopterImpact>,
    /// Adopters and their comparison schools by years from adoption, for a chart.
    pub by_years_from_adoption: Vec<EventPoint>,
    /// The impact on the pupil group the practice targets, when it targets one.
    pub targeted: Option<TargetedImpact>,
}

/// A school's stored figures for a pupil group, by year: `None` where suppressed.
pub type GroupFigures = Vec<(AcademicYear, Option<f64>)>;

/// A practice's impact on the pupil group it targets, and what it was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetedImpact {
    pub group: PupilGroup,
    /// The estimate, and how many adopting and comparison schools suppression left out.
    pub impact: GroupImpact,
    pub adopters: Vec<TargetedAdopter>,
    /// The partnership's schools compared with, by name: URN, name and group figures.
    pub comparisons: Vec<(Urn, String, GroupFigures)>,
}

/// One adopter's group figures and its part of the targeted estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetedAdopter {
    pub urn: Urn,
    pub name: String,
    pub first_year: AcademicYear,
    pub figures: GroupFigures,
    /// Comparison schools with group figures over this adopter's years.
    pub n_comparisons: usize,
    /// `None` when its own figures (or every comparison's) lack a year before or after.
    pub effect: Option<AdopterEffect>,
}

#[derive(sqlx::FromRow)]
struct PracticeRow {
    id: i64,
    group_code: String,
    title: String,
    summary: String,
    description: String,
    targets: String,
    target_group: Option<String>,
    measure: String,
    resources: String,
    created_by: String,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PostRow {
    id: i64,
    practice_id: i64,
    author: String,
    author_name: Option<String>,
    body: String,
    created_at: DateTime<Utc>,
    hidden_by: Option<String>,
    hidden_at: Option<DateTime<Utc>>,
    hidden_reason: Option<String>,
}

/// Practice id, URN, school name, adoption date.
type AdoptionRow = (i64, i64, String, NaiveDate);
/// Post id, reporter, reason, when.
type ReportRow = (i64, String, String, DateTime<Utc>);

fn username_from_db(value: &str) -> Result<Username, StoreError> {
    code_from_db("username", value, Username::parse)
}

fn practice_from_row(row: PracticeRow, adoptions: Vec<Adoption>) -> Result<Practice, StoreError> {
    Ok(Practice {
        id: row.id,
        group_code: row.group_code,
        title: row.title,
        summary: row.summary,
        description: row.description,
        targets: row.targets,
        target_group: row
            .target_group
            .as_deref()
            .map(|code| {
                PupilGroup::parse(code).ok_or_else(|| StoreError::corrupt("pupil group", code))
            })
            .transpose()?,
        measure: Measure::parse(&row.measure)
            .ok_or_else(|| StoreError::corrupt("measure", &row.measure))?,
        resources: row.resources,
        created_by: username_from_db(&row.created_by)?,
        created_at: row.created_at,
        adoptions,
    })
}

const PRACTICE_SELECT: &str = "SELECT id, group_code, title, summary, description, targets, \
     target_group, measure, resources, created_by, created_at FROM practices";

const POST_SELECT: &str = "SELECT p.id, p.practice_id, p.author, u.display_name AS author_name, \
     p.body, p.created_at, p.hidden_by, p.hidden_at, p.hidden_reason \
     FROM practice_posts p LEFT JOIN users u ON u.username = p.author";

/// A series of shown figures by year, from stored rows.
fn series_from_db(rows: Vec<(i64, f64)>) -> Result<Vec<(AcademicYear, f64)>, StoreError> {
    rows.into_iter()
        .map(|(year, value)| Ok((year_from_db(year)?, value)))
        .collect()
}

impl Store {
    /// Creates a practice and returns its id.
    #[tracing::instrument(skip_all)]
    pub async fn create_practice(
        &self,
        practice: &NewPractice,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO practices (group_code, title, summary, description, targets, \
                 measure, resources, created_by, created_at, target_group) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(&practice.group_code)
            .bind(&practice.title)
            .bind(&practice.summary)
            .bind(&practice.description)
            .bind(&practice.targets)
            .bind(practice.measure.code())
            .bind(&practice.resources)
            .bind(practice.created_by.as_str())
            .bind(now)
            .bind(practice.target_group.map(PupilGroup::code))
            .fetch_one(pool)
            .await?
        });
        tracing::info!(practice.id = id, "practice created");
        Ok(id)
    }

    /// Every practice with its adoptions, oldest first; the web layer keeps those the viewer
    /// may see.
    pub async fn practices(&self) -> Result<Vec<Practice>, StoreError> {
        self.practices_where(None).await
    }

    pub async fn practice(&self, id: i64) -> Result<Option<Practice>, StoreError> {
        Ok(self.practices_where(Some(id)).await?.into_iter().next())
    }

    async fn practices_where(&self, id: Option<i64>) -> Result<Vec<Practice>, StoreError> {
        let (rows, adoptions): (Vec<PracticeRow>, Vec<AdoptionRow>) = on_pool!(self, pool => {
            let rows = sqlx::query_as(&format!(
                "{PRACTICE_SELECT} WHERE ($1 IS NULL OR id = $1) ORDER BY id"
            ))
            .bind(id)
            .fetch_all(pool)
            .await?;
            let adoptions = sqlx::query_as(
                "SELECT a.practice_id, a.urn, s.name, a.adopted_on FROM practice_adoptions a \
                 JOIN schools s ON s.urn = a.urn WHERE ($1 IS NULL OR a.practice_id = $1) \
                 ORDER BY a.adopted_on, s.name",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            (rows, adoptions)
        });
        rows.into_iter()
            .map(|row| {
                let mine = adoptions
                    .iter()
                    .filter(|(practice_id, ..)| *practice_id == row.id)
                    .map(|(_, urn, name, adopted_on)| {
                        Ok(Adoption {
                            urn: urn_from_db(*urn)?,
                            school_name: name.clone(),
                            adopted_on: *adopted_on,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                practice_from_row(row, mine)
            })
            .collect()
    }

    /// Records that a school adopted a practice on a day, or moves the day if it already had.
    #[tracing::instrument(skip_all, fields(practice.id = practice_id, school.urn = %urn))]
    pub async fn record_adoption(
        &self,
        practice_id: i64,
        urn: Urn,
        adopted_on: NaiveDate,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO practice_adoptions (practice_id, urn, adopted_on) VALUES ($1, $2, $3) \
                 ON CONFLICT (practice_id, urn) DO UPDATE SET adopted_on = excluded.adopted_on",
            )
            .bind(practice_id)
            .bind(urn_to_db(urn))
            .bind(adopted_on)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Adds a discussion post and returns its id.
    #[tracing::instrument(skip_all, fields(practice.id = practice_id))]
    pub async fn add_post(
        &self,
        practice_id: i64,
        author: &Username,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO practice_posts (practice_id, author, body, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(practice_id)
            .bind(author.as_str())
            .bind(body)
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// A practice's posts, oldest first, hidden ones included (pages decide who sees them),
    /// each with its reports.
    pub async fn posts(&self, practice_id: i64) -> Result<Vec<Post>, StoreError> {
        let (rows, reports): (Vec<PostRow>, Vec<ReportRow>) = on_pool!(self, pool => {
            let rows = sqlx::query_as(&format!(
                "{POST_SELECT} WHERE p.practice_id = $1 ORDER BY p.id"
            ))
            .bind(practice_id)
            .fetch_all(pool)
            .await?;
            let reports = sqlx::query_as(
                "SELECT r.post_id, r.reporter, r.reason, r.created_at \
                 FROM practice_post_reports r JOIN practice_posts p ON p.id = r.post_id \
                 WHERE p.practice_id = $1 ORDER BY r.created_at, r.reporter",
            )
            .bind(practice_id)
            .fetch_all(pool)
            .await?;
            (rows, reports)
        });
        rows.into_iter()
            .map(|row| {
                let reports = reports
                    .iter()
                    .filter(|(post_id, ..)| *post_id == row.id)
                    .map(|(_, reporter, reason, at)| {
                        Ok(Report {
                            reporter: username_from_db(reporter)?,
                            reason: reason.clone(),
                            created_at: *at,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let hidden = match (row.hidden_by, row.hidden_at) {
                    (Some(by), Some(at)) => Some(Hiding {
                        by: username_from_db(&by)?,
                        at,
                        reason: row.hidden_reason.unwrap_or_default(),
                    }),
                    _ => None,
                };
                Ok(Post {
                    id: row.id,
                    practice_id: row.practice_id,
                    author: username_from_db(&row.author)?,
                    author_name: row.author_name,
                    body: row.body,
                    created_at: row.created_at,
                    hidden,
                    reports,
                })
            })
            .collect()
    }

    /// The practice a post belongs to, or `None` for an unknown post.
    pub async fn post_practice(&self, post_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT practice_id FROM practice_posts WHERE id = $1")
                .bind(post_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Reports a post; a member's second report of the same post replaces the reason.
    #[tracing::instrument(skip_all, fields(post.id = post_id))]
    pub async fn report_post(
        &self,
        post_id: i64,
        reporter: &Username,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO practice_post_reports (post_id, reporter, reason, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (post_id, reporter) \
                 DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at",
            )
            .bind(post_id)
            .bind(reporter.as_str())
            .bind(reason)
            .bind(now)
            .execute(pool)
            .await?;
        });
        tracing::info!("post reported");
        Ok(())
    }

    /// Hides a post (`hide`) or shows it again, and records the decision in the trail. The
    /// post itself is never deleted.
    #[tracing::instrument(skip_all, fields(post.id = post_id, hide))]
    pub async fn moderate_post(
        &self,
        post_id: i64,
        moderator: &Username,
        hide: bool,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = if hide {
                sqlx::query(
                    "UPDATE practice_posts SET hidden_by = $1, hidden_at = $2, hidden_reason = $3 \
                     WHERE id = $4",
                )
                .bind(moderator.as_str())
                .bind(now)
                .bind(reason)
                .bind(post_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            } else {
                sqlx::query(
                    "UPDATE practice_posts SET hidden_by = NULL, hidden_at = NULL, \
                     hidden_reason = NULL WHERE id = $1",
                )
                .bind(post_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            };
            if n > 0 {
                sqlx::query(
                    "INSERT INTO practice_moderation (post_id, moderator, action, reason, \
                     decided_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(post_id)
                .bind(moderator.as_str())
                .bind(if hide { "hide" } else { "unhide" })
                .bind(reason)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            n
        });
        Store::one_changed(n, "post", post_id)?;
        tracing::info!("post moderated");
        Ok(())
    }

    /// Every moderation decision on a practice's posts, oldest first.
    pub async fn moderation_trail(
        &self,
        practice_id: i64,
    ) -> Result<Vec<ModerationEvent>, StoreError> {
        let rows: Vec<(i64, String, String, String, DateTime<Utc>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT m.post_id, m.moderator, m.action, m.reason, m.decided_at \
                 FROM practice_moderation m JOIN practice_posts p ON p.id = m.post_id \
                 WHERE p.practice_id = $1 ORDER BY m.id",
            )
            .bind(practice_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(post_id, moderator, action, reason, at)| {
                Ok(ModerationEvent {
                    post_id,
                    moderator: username_from_db(&moderator)?,
                    hid: action == "hide",
                    reason,
                    at,
                })
            })
            .collect()
    }

    /// A school's shown figures for a measure (all pupils) by year: a partnership school's
    /// from the newest refresh, any other school's from the national set. Also its name.
    async fn school_series(
        &self,
        refresh_id: i64,
        urn: Urn,
        measure: Measure,
    ) -> Result<(Option<String>, Vec<(i64, f64)>), StoreError> {
        Ok(on_pool!(self, pool => {
            let own: Option<String> = sqlx::query_scalar("SELECT name FROM schools WHERE urn = $1")
                .bind(urn_to_db(urn))
                .fetch_optional(pool)
                .await?;
            if own.is_some() {
                let rows: Vec<(i64, f64)> = sqlx::query_as(
                    "SELECT academic_year, value FROM measure_results WHERE refresh_id = $1 \
                     AND scope_kind = 'school' AND scope_code = $2 AND measure = $3 \
                     AND pupil_group = 'all' AND NOT suppressed AND value IS NOT NULL \
                     ORDER BY academic_year",
                )
                .bind(refresh_id)
                .bind(urn.to_string())
                .bind(measure.code())
                .fetch_all(pool)
                .await?;
                (own, rows)
            } else {
                let name: Option<String> = sqlx::query_scalar(
                    "SELECT name FROM national_schools WHERE urn = $1 \
                     ORDER BY academic_year DESC LIMIT 1",
                )
                .bind(urn_to_db(urn))
                .fetch_optional(pool)
                .await?;
                let rows: Vec<(i64, f64)> = sqlx::query_as(
                    "SELECT academic_year, value FROM national_school_results WHERE urn = $1 \
                     AND measure = $2 AND NOT suppressed AND value IS NOT NULL \
                     ORDER BY academic_year",
                )
                .bind(urn_to_db(urn))
                .bind(measure.code())
                .fetch_all(pool)
                .await?;
                (name, rows)
            }
        }))
    }

    /// A practice's impact on its measure from the newest refresh's stored figures and
    /// similar schools (see the module docs for how comparison schools are chosen).
    #[tracing::instrument(skip_all, fields(practice.id = practice.id))]
    pub async fn practice_impact(&self, practice: &Practice) -> Result<PracticeImpact, StoreError> {
        let higher = higher_is_better(practice.measure);
        let Some(refresh) = self.latest_refresh().await? else {
            return Ok(PracticeImpact {
                measure: practice.measure,
                higher_is_better: higher,
                estimate: estimate_impact(&[], higher),
                adopters: Vec::new(),
                by_years_from_adoption: Vec::new(),
                targeted: None,
            });
        };
        let adopted: BTreeSet<Urn> = practice.adoptions.iter().map(|a| a.urn).collect();
        let mut adopters = Vec::with_capacity(practice.adoptions.len());
        let mut inputs = Vec::with_capacity(practice.adoptions.len());
        for adoption in &practice.adoptions {
            let first_year = adoption.first_year();
            let (_, own) = self
                .school_series(refresh.id, adoption.urn, practice.measure)
                .await?;
            let figures = series_from_db(own)?;
            let neighbours: Vec<(i64, String, i64, i64, f64)> = on_pool!(self, pool => {
                sqlx::query_as(
                    "SELECT academic_year, phase, neighbour_urn, rank, distance \
                     FROM similar_schools WHERE refresh_id = $1 AND urn = $2 \
                     ORDER BY academic_year, phase, rank",
                )
                .bind(refresh.id)
                .bind(urn_to_db(adoption.urn))
                .fetch_all(pool)
                .await?
            });
            // Matched in the last year before adoption, else the earliest stored year.
            let years: BTreeSet<i64> = neighbours.iter().map(|n| n.0).collect();
            let first = year_to_db(first_year);
            let matched = years
                .iter()
                .rev()
                .find(|y| **y < first)
                .or_else(|| years.iter().next())
                .copied();
            let mut comparisons: Vec<ComparisonSchool> = Vec::new();
            let mut phase_used: Option<String> = None;
            for (year, phase, n_urn, rank, distance) in &neighbours {
                if Some(*year) != matched || phase_used.as_ref().is_some_and(|p| p != phase) {
                    continue;
                }
                let n_urn = urn_from_db(*n_urn)?;
                if adopted.contains(&n_urn) {
                    continue;
                }
                let (name, rows) = self
                    .school_series(refresh.id, n_urn, practice.measure)
                    .await?;
                if rows.is_empty() {
                    continue;
                }
                // An all-through school has a set per phase: keep the first with figures.
                phase_used.get_or_insert_with(|| phase.clone());
                comparisons.push(ComparisonSchool {
                    urn: n_urn,
                    name: name.unwrap_or_else(|| format!("School {n_urn}")),
                    rank: u32::try_from(*rank).map_err(|_| StoreError::corrupt("rank", rank))?,
                    distance: *distance,
                    figures: series_from_db(rows)?,
                });
            }
            let input = Adopter {
                series: Series::new(figures.iter().copied()),
                adopted_in: first_year,
                comparisons: comparisons
                    .iter()
                    .map(|c| Series::new(c.figures.iter().copied()))
                    .collect(),
            };
            let effect = estimate_impact(std::slice::from_ref(&input), higher)
                .per_adopter
                .first()
                .copied();
            inputs.push(input);
            adopters.push(AdopterImpact {
                urn: adoption.urn,
                name: adoption.school_name.clone(),
                first_year,
                figures,
                matched_in: matched.map(year_from_db).transpose()?,
                comparisons,
                effect,
            });
        }
        let targeted = match practice.target_group {
            Some(group) if group != PupilGroup::All => Some(
                self.targeted_impact(practice, group, refresh.id, higher)
                    .await?,
            ),
            _ => None,
        };
        Ok(PracticeImpact {
            measure: practice.measure,
            higher_is_better: higher,
            estimate: estimate_impact(&inputs, higher),
            adopters,
            by_years_from_adoption: event_time_means(&inputs),
            targeted,
        })
    }

    /// A partnership school's stored figures for a pupil group, suppressed ones as `None`.
    async fn group_figures(
        &self,
        refresh_id: i64,
        urn: Urn,
        measure: Measure,
        group: PupilGroup,
    ) -> Result<GroupFigures, StoreError> {
        let rows: Vec<(i64, Option<f64>, bool)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT academic_year, value, suppressed FROM measure_results \
                 WHERE refresh_id = $1 AND scope_kind = 'school' AND scope_code = $2 \
                 AND measure = $3 AND pupil_group = $4 ORDER BY academic_year",
            )
            .bind(refresh_id)
            .bind(urn.to_string())
            .bind(measure.code())
            .bind(group.code())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(year, value, suppressed)| {
                Ok((year_from_db(year)?, value.filter(|_| !suppressed)))
            })
            .collect()
    }

    /// The impact on the targeted group (see the module docs): each adopter against the
    /// partnership's schools of its phase that did not adopt the practice.
    async fn targeted_impact(
        &self,
        practice: &Practice,
        group: PupilGroup,
        refresh_id: i64,
        higher: bool,
    ) -> Result<TargetedImpact, StoreError> {
        let adopted: BTreeSet<Urn> = practice.adoptions.iter().map(|a| a.urn).collect();
        let mut inputs = Vec::with_capacity(practice.adoptions.len());
        let mut adopters = Vec::with_capacity(practice.adoptions.len());
        let mut comparisons: Vec<(Urn, String, GroupFigures)> = Vec::new();
        for adoption in &practice.adoptions {
            let same_phase: Vec<(i64, String)> = on_pool!(self, pool => {
                sqlx::query_as(
                    "SELECT urn, name FROM schools WHERE urn <> $1 AND phase = \
                     (SELECT phase FROM schools WHERE urn = $1) ORDER BY name",
                )
                .bind(urn_to_db(adoption.urn))
                .fetch_all(pool)
                .await?
            });
            let mut series = Vec::new();
            for (urn, name) in same_phase {
                let urn = urn_from_db(urn)?;
                if adopted.contains(&urn) {
                    continue;
                }
                let figures = self
                    .group_figures(refresh_id, urn, practice.measure, group)
                    .await?;
                if figures.is_empty() {
                    continue;
                }
                if !comparisons.iter().any(|(u, ..)| *u == urn) {
                    comparisons.push((urn, name, figures.clone()));
                }
                series.push(GroupSeries {
                    urn,
                    values: figures,
                });
            }
            let figures = self
                .group_figures(refresh_id, adoption.urn, practice.measure, group)
                .await?;
            let input = GroupAdopter {
                series: GroupSeries {
                    urn: adoption.urn,
                    values: figures.clone(),
                },
                adopted_in: adoption.first_year(),
                comparisons: series,
            };
            let effect = estimate_group_impact(std::slice::from_ref(&input), higher)
                .estimate
                .per_adopter
                .first()
                .copied();
            adopters.push(TargetedAdopter {
                urn: adoption.urn,
                name: adoption.school_name.clone(),
                first_year: adoption.first_year(),
                figures,
                n_comparisons: effect.map_or(0, |e| e.n_comparisons),
                effect,
            });
            inputs.push(input);
        }
        comparisons.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(TargetedImpact {
            group,
            impact: estimate_group_impact(&inputs, higher),
            adopters,
            comparisons,
        })
    }

    /// Loads a practice library (the demo's) into a store that has no practices yet. Does
    /// nothing, and returns `false`, when any practice exists, so loading twice changes
    /// nothing. A measure code the store does not know is `StoreError::NotFound`.
    #[tracing::instrument(skip_all)]
    pub async fn load_practice_library(
        &self,
        library: &PracticeLibrary,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if !self.practices().await?.is_empty() {
            return Ok(false);
        }
        for planned in &library.practices {
            let measure =
                Measure::parse(planned.measure_code).ok_or_else(|| StoreError::NotFound {
                    what: "measure",
                    key: planned.measure_code.to_owned(),
                })?;
            let id = self
                .create_practice(
                    &NewPractice {
                        group_code: planned.group_code.clone(),
                        title: planned.title.clone(),
                        summary: planned.summary.clone(),
                        description: planned.description.clone(),
                        targets: planned.targets.clone(),
                        target_group: planned
                            .target_group_code
                            .map(|code| {
                                PupilGroup::parse(code).ok_or_else(|| StoreError::NotFound {
                                    what: "pupil group",
                                    key: code.to_owned(),
                                })
                            })
                            .transpose()?,
                        measure,
                        resources: planned.resources.clone(),
                        created_by: planned.created_by.clone(),
                    },
                    now,
                )
                .await?;
            for (urn, adopted_on) in &planned.adoptions {
                self.record_adoption(id, *urn, *adopted_on).await?;
            }
            for post in &planned.posts {
                let post_id = self.add_post(id, &post.author, &post.body, now).await?;
                if let Some((reporter, reason)) = &post.report {
                    self.report_post(post_id, reporter, reason, now).await?;
                }
                if let Some((moderator, reason)) = &post.hidden {
                    self.moderate_post(post_id, moderator, true, reason, now)
                        .await?;
                }
            }
        }
        Ok(true)
    }
}

mod edits;

pub use edits::PracticeEdit;

#[cfg(test)]
mod tests;
