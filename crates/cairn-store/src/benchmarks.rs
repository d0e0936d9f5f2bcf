//! National benchmarks: the national set of schools with their context and published figures,
//! and England's figures, per academic year; and the reads pages use to compare a
//! partnership school with them (stored at refresh by `measures::comparisons`).
//!
//! Benchmarks are written like any import ([`crate::imports`]): rows keyed by their natural
//! key, compared with the stored ones, new rows inserted and changed rows updated, all in one
//! transaction, with exact added, updated and unchanged counts.

use std::collections::HashMap;

use cairn_domain::{
    AcademicYear, BenchmarkGroup, BenchmarkMeasure, BenchmarkValue, EnglandFigure,
    NationalBenchmarks, Phase, Urn,
};
use cairn_measures::Significance;
use cairn_measures::similar::{Feature, N_FEATURES};

use crate::imports::{
    Conn, ImportCounts, ImportFile, ImportOutcome, Row, Spec, Ty, Val, col, small, urn_val, write,
    year_val,
};
use crate::measures::{Measure, ResultScope};
use crate::rows::{code_from_db, urn_from_db, urn_to_db, year_to_db};
use crate::{Store, StoreError, on_pool};

const NATIONAL_SCHOOLS: Spec = Spec {
    table: "national_schools",
    keys: &[col("academic_year", Ty::Int), col("urn", Ty::Int)],
    values: &[
        col("name", Ty::Text),
        col("la_code", Ty::Int),
        col("phase", Ty::Text),
    ],
};
const NATIONAL_CONTEXT: Spec = Spec {
    table: "national_school_context",
    keys: &[
        col("academic_year", Ty::Int),
        col("urn", Ty::Int),
        col("feature", Ty::Text),
    ],
    values: &[col("value", Ty::Real)],
};
const NATIONAL_RESULTS: Spec = Spec {
    table: "national_school_results",
    keys: &[
        col("academic_year", Ty::Int),
        col("urn", Ty::Int),
        col("measure", Ty::Text),
    ],
    values: &[
        col("n_pupils", Ty::Int),
        col("value", Ty::Real),
        col("ci_low", Ty::Real),
        col("ci_high", Ty::Real),
        col("suppressed", Ty::Bool),
    ],
};
const NATIONAL_FIGURES: Spec = Spec {
    table: "national_figures",
    keys: &[
        col("academic_year", Ty::Int),
        col("measure", Ty::Text),
        col("pupil_group", Ty::Text),
        col("phase", Ty::Text),
    ],
    values: &[col("value", Ty::Real)],
};

/// The stored phase of an England figure published for all phases together.
const ALL_PHASES: &str = "all";

/// Writes a batch of benchmarks inside the caller's transaction, as an import does.
pub(crate) async fn write_benchmarks<C: Conn>(
    conn: &mut C,
    data: &NationalBenchmarks,
) -> Result<Vec<(&'static str, ImportCounts)>, StoreError> {
    let mut by_table = Vec::new();
    let rows: Vec<Row> = data
        .schools
        .iter()
        .map(|s| {
            (
                vec![year_val(s.academic_year), urn_val(s.urn)],
                vec![
                    Val::text(s.name.as_str()),
                    Val::opt(s.la_code, small),
                    Val::text(s.phase.code()),
                ],
            )
        })
        .collect();
    write(conn, &NATIONAL_SCHOOLS, rows, &mut by_table).await?;
    let rows: Vec<Row> = data
        .context
        .iter()
        .map(|c| {
            (
                vec![
                    year_val(c.academic_year),
                    urn_val(c.urn),
                    Val::text(c.feature.code()),
                ],
                vec![Val::real(c.value)],
            )
        })
        .collect();
    write(conn, &NATIONAL_CONTEXT, rows, &mut by_table).await?;
    let rows: Vec<Row> = data
        .figures
        .iter()
        .map(|f| {
            let values = match f.value {
                BenchmarkValue::Shown {
                    value,
                    n_pupils,
                    ci,
                } => vec![
                    Val::opt(n_pupils, small),
                    Val::real(value),
                    Val::opt(ci.map(|c| c.0), Val::real),
                    Val::opt(ci.map(|c| c.1), Val::real),
                    Val::Bool(false),
                ],
                BenchmarkValue::Suppressed => {
                    vec![Val::Null, Val::Null, Val::Null, Val::Null, Val::Bool(true)]
                }
            };
            (
                vec![
                    year_val(f.academic_year),
                    urn_val(f.urn),
                    Val::text(f.measure.code()),
                ],
                values,
            )
        })
        .collect();
    write(conn, &NATIONAL_RESULTS, rows, &mut by_table).await?;
    let rows: Vec<Row> = data
        .england
        .iter()
        .map(|e| {
            (
                vec![
                    year_val(e.academic_year),
                    Val::text(e.measure.code()),
                    Val::text(e.pupil_group.code()),
                    Val::text(e.phase.map_or(ALL_PHASES, Phase::code)),
                ],
                vec![Val::real(e.value)],
            )
        })
        .collect();
    write(conn, &NATIONAL_FIGURES, rows, &mut by_table).await?;
    Ok(by_table)
}

/// One benchmarks file to import: what the import log says about it (its `data` is unused
/// and may be empty) and the benchmarks it holds.
#[derive(Debug, Clone)]
pub struct BenchmarkFile {
    pub file: ImportFile,
    pub benchmarks: NationalBenchmarks,
}

/// A national school's figure on a funnel plot.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelPoint {
    pub urn: Urn,
    pub name: String,
    pub value: f64,
    pub n_pupils: u32,
}

/// Why a school was chosen as similar: per context feature, its share of the distance and
/// the difference in natural units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureReason {
    pub feature: Feature,
    /// Weighted squared standardised difference; the features' shares sum to distance².
    pub contribution: f64,
    /// Neighbour minus school (percentage points, pupils, or scaled-score points).
    pub difference: Option<f64>,
}

/// One of a school's similar schools, with its figures and the reasons it was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarSchool {
    pub phase: Phase,
    pub urn: Urn,
    /// From the national set, or the partnership's own school list.
    pub name: Option<String>,
    pub rank: u32,
    pub distance: f64,
    pub reasons: [FeatureReason; N_FEATURES],
    /// Its figures that year, by measure (suppressed figures hold nothing).
    pub figures: Vec<(Measure, StoredFigure)>,
}

/// A benchmark or stored figure as a page may show it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StoredFigure {
    Shown {
        value: f64,
        n_pupils: Option<u32>,
        ci: Option<(f64, f64)>,
    },
    Suppressed,
}

/// A partnership school's (or group's) figure compared, as stored by the newest refresh.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub academic_year: AcademicYear,
    pub scope: ResultScope,
    pub measure: Measure,
    pub pupil_group: cairn_measures::PupilGroup,
    /// England's figure: for all pupils, or for other (not disadvantaged) pupils when the
    /// figure is for disadvantaged pupils, the DfE's reference for gaps.
    pub national: Option<f64>,
    pub similar_average: Option<f64>,
    pub similar_n: Option<u32>,
    /// `None` when the figure is suppressed or has no interval.
    pub vs_national: Option<Significance>,
    pub vs_similar: Option<Significance>,
    pub vs_previous_year: Option<Significance>,
    pub similar_top_quartile: Option<bool>,
}

pub(crate) fn significance_code(s: Significance) -> &'static str {
    match s {
        Significance::SignificantlyAbove => "above",
        Significance::NotSignificant => "not_significant",
        Significance::SignificantlyBelow => "below",
    }
}

fn significance_from_code(code: &str) -> Result<Significance, StoreError> {
    match code {
        "above" => Ok(Significance::SignificantlyAbove),
        "not_significant" => Ok(Significance::NotSignificant),
        "below" => Ok(Significance::SignificantlyBelow),
        other => Err(StoreError::corrupt("significance", other)),
    }
}

/// The stored code of each similar-schools feature column, in [`Feature::ALL`] order.
pub(crate) const FEATURE_COLUMNS: [&str; N_FEATURES] =
    ["prior_attainment", "disadvantaged", "sen", "eal", "size"];

fn measure_from_db(code: &str) -> Result<Measure, StoreError> {
    Measure::parse(code).ok_or_else(|| StoreError::corrupt("measure", code))
}

fn phase_from_db(code: &str) -> Result<Phase, StoreError> {
    code_from_db("phase", code, Phase::parse)
}

fn figure_from_db(
    suppressed: bool,
    value: Option<f64>,
    n_pupils: Option<i64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
) -> Result<StoredFigure, StoreError> {
    if suppressed {
        return Ok(StoredFigure::Suppressed);
    }
    let value = value.ok_or_else(|| StoreError::corrupt("shown figure", "with no value"))?;
    Ok(StoredFigure::Shown {
        value,
        n_pupils: n_pupils
            .map(|n| u32::try_from(n).map_err(|_| StoreError::corrupt("pupil count", &n)))
            .transpose()?,
        ci: ci_low.zip(ci_high),
    })
}

/// A similar-schools row as selected: phase, neighbour, rank, distance, five contributions
/// and five differences.
type SimilarRawDb = (
    String,
    i64,
    i64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

/// A school's figure as selected: its key, measure, suppressed, value, pupils, interval.
type FigureRowDb<K> = (
    K,
    String,
    bool,
    Option<f64>,
    Option<i64>,
    Option<f64>,
    Option<f64>,
);

type SimilarRowDb = (
    String,
    i64,
    i64,
    f64,
    [f64; N_FEATURES],
    [Option<f64>; N_FEATURES],
);

impl Store {
    /// Imports benchmarks files in one transaction, all or nothing, and logs each file with
    /// its added, updated and unchanged counts. With `dry_run` the writes are counted and
    /// rolled back; only the log entries, marked as dry runs, are kept.
    #[tracing::instrument(skip_all, fields(n_files = files.len(), dry_run))]
    pub async fn import_benchmarks(
        &self,
        files: &[BenchmarkFile],
        dry_run: bool,
    ) -> Result<Vec<ImportOutcome>, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut counted = Vec::with_capacity(files.len());
            for file in files {
                counted.push(write_benchmarks(&mut *tx, &file.benchmarks).await?);
            }
            if dry_run {
                tx.rollback().await?;
                tx = pool.begin().await?;
            }
            let mut outcomes = Vec::with_capacity(files.len());
            for (file, by_table) in files.iter().zip(counted) {
                let mut counts = ImportCounts::default();
                for (_, c) in &by_table {
                    counts.add(*c);
                }
                let record = tx.log_import(&file.file, counts, dry_run).await?;
                outcomes.push(ImportOutcome { record, by_table });
            }
            tx.commit().await?;
            Ok(outcomes)
        })
    }

    /// Writes benchmarks without logging an import (the demo's national set), in one
    /// transaction; a second load of the same set changes nothing.
    #[tracing::instrument(skip_all, fields(n_rows = data.len()))]
    pub async fn load_national_benchmarks(
        &self,
        data: &NationalBenchmarks,
    ) -> Result<ImportCounts, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let by_table = write_benchmarks(&mut *tx, data).await?;
            tx.commit().await?;
            let mut counts = ImportCounts::default();
            for (_, c) in &by_table {
                counts.add(*c);
            }
            Ok(counts)
        })
    }

    /// England's figures for a year.
    pub async fn national_figures(
        &self,
        academic_year: AcademicYear,
    ) -> Result<Vec<EnglandFigure>, StoreError> {
        let rows: Vec<(String, String, String, f64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT measure, pupil_group, phase, value FROM national_figures \
                 WHERE academic_year = $1 ORDER BY measure, pupil_group, phase",
            )
            .bind(year_to_db(academic_year))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(measure, group, phase, value)| {
                Ok(EnglandFigure {
                    academic_year,
                    measure: BenchmarkMeasure::parse(&measure)
                        .ok_or_else(|| StoreError::corrupt("benchmark measure", &measure))?,
                    pupil_group: BenchmarkGroup::parse(&group)
                        .ok_or_else(|| StoreError::corrupt("pupil group", &group))?,
                    phase: if phase == ALL_PHASES {
                        None
                    } else {
                        Some(phase_from_db(&phase)?)
                    },
                    value,
                })
            })
            .collect()
    }

    /// Every national school's shown figure for a measure and year with its pupil count, for
    /// a funnel plot (figures with no pupil count cannot be placed on one and are left out).
    pub async fn funnel_points(
        &self,
        measure: Measure,
        academic_year: AcademicYear,
    ) -> Result<Vec<FunnelPoint>, StoreError> {
        let rows: Vec<(i64, String, f64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT r.urn, s.name, r.value, r.n_pupils FROM national_school_results r \
                 JOIN national_schools s ON s.academic_year = r.academic_year AND s.urn = r.urn \
                 WHERE r.academic_year = $1 AND r.measure = $2 AND NOT r.suppressed \
                 AND r.n_pupils IS NOT NULL AND r.n_pupils > 0 ORDER BY r.urn",
            )
            .bind(year_to_db(academic_year))
            .bind(measure.code())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(urn, name, value, n)| {
                Ok(FunnelPoint {
                    urn: urn_from_db(urn)?,
                    name,
                    value,
                    n_pupils: u32::try_from(n)
                        .map_err(|_| StoreError::corrupt("pupil count", &n))?,
                })
            })
            .collect()
    }

    /// A partnership school's similar schools in the newest refresh, nearest first per
    /// phase, each with its figures that year and why it was chosen.
    pub async fn similar_schools(
        &self,
        urn: Urn,
        academic_year: AcademicYear,
    ) -> Result<Vec<SimilarSchool>, StoreError> {
        let Some(refresh) = self.latest_refresh().await? else {
            return Ok(Vec::new());
        };
        let year = year_to_db(academic_year);
        let (rows, names, national, own) = on_pool!(self, pool => {
            let raw: Vec<SimilarRawDb> =
                sqlx::query_as(
                    "SELECT phase, neighbour_urn, rank, distance, \
                     contribution_prior_attainment, contribution_disadvantaged, contribution_sen, \
                     contribution_eal, contribution_size, difference_prior_attainment, \
                     difference_disadvantaged, difference_sen, difference_eal, difference_size \
                     FROM similar_schools WHERE refresh_id = $1 AND academic_year = $2 \
                     AND urn = $3 ORDER BY phase, rank",
                )
                .bind(refresh.id)
                .bind(year)
                .bind(urn_to_db(urn))
                .fetch_all(pool)
                .await?;
            let rows: Vec<SimilarRowDb> = raw
                .into_iter()
                .map(|r| (r.0, r.1, r.2, r.3, [r.4, r.5, r.6, r.7, r.8], [r.9, r.10, r.11, r.12, r.13]))
                .collect();
            let names: Vec<(i64, String)> = sqlx::query_as(
                "SELECT s.urn, s.name FROM national_schools s JOIN similar_schools n \
                 ON n.neighbour_urn = s.urn WHERE s.academic_year = $1 AND n.refresh_id = $2 \
                 AND n.academic_year = $1 AND n.urn = $3 \
                 UNION ALL SELECT p.urn, p.name FROM schools p JOIN similar_schools n \
                 ON n.neighbour_urn = p.urn WHERE n.refresh_id = $2 AND n.academic_year = $1 \
                 AND n.urn = $3",
            )
            .bind(year)
            .bind(refresh.id)
            .bind(urn_to_db(urn))
            .fetch_all(pool)
            .await?;
            let national: Vec<FigureRowDb<i64>> =
                sqlx::query_as(
                    "SELECT r.urn, r.measure, r.suppressed, r.value, r.n_pupils, r.ci_low, r.ci_high \
                     FROM national_school_results r JOIN similar_schools n \
                     ON n.neighbour_urn = r.urn WHERE r.academic_year = $1 AND n.refresh_id = $2 \
                     AND n.academic_year = $1 AND n.urn = $3",
                )
                .bind(year)
                .bind(refresh.id)
                .bind(urn_to_db(urn))
                .fetch_all(pool)
                .await?;
            // Partnership schools chosen as neighbours: their own stored figures (all pupils).
            let own: Vec<FigureRowDb<String>> =
                sqlx::query_as(
                    "SELECT m.scope_code, m.measure, m.suppressed, m.value, m.n_pupils, m.ci_low, \
                     m.ci_high FROM measure_results m WHERE m.refresh_id = $1 \
                     AND m.academic_year = $2 AND m.scope_kind = 'school' AND m.pupil_group = 'all' \
                     AND m.scope_code IN (SELECT CAST(n.neighbour_urn AS TEXT) FROM similar_schools n \
                     WHERE n.refresh_id = $1 AND n.academic_year = $2 AND n.urn = $3)",
                )
                .bind(refresh.id)
                .bind(year)
                .bind(urn_to_db(urn))
                .fetch_all(pool)
                .await?;
            (rows, names, national, own)
        });
        let names: HashMap<i64, String> = names.into_iter().collect();
        let mut figures: HashMap<i64, Vec<(Measure, StoredFigure)>> = HashMap::new();
        for (n_urn, measure, suppressed, value, n, low, high) in national {
            let Some(measure) = Measure::parse(&measure) else {
                continue;
            };
            figures
                .entry(n_urn)
                .or_default()
                .push((measure, figure_from_db(suppressed, value, n, low, high)?));
        }
        for (code, measure, suppressed, value, n, low, high) in own {
            let (Ok(n_urn), Some(measure)) = (code.parse::<i64>(), Measure::parse(&measure)) else {
                continue;
            };
            if BenchmarkMeasure::parse(measure.code()).is_none() {
                continue;
            }
            let list = figures.entry(n_urn).or_default();
            if !list.iter().any(|(m, _)| *m == measure) {
                list.push((measure, figure_from_db(suppressed, value, n, low, high)?));
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for (phase, n_urn, rank, distance, contributions, differences) in rows {
            let mut reasons = [FeatureReason {
                feature: Feature::PriorAttainment,
                contribution: 0.0,
                difference: None,
            }; N_FEATURES];
            for (((reason, feature), contribution), difference) in reasons
                .iter_mut()
                .zip(Feature::ALL)
                .zip(contributions)
                .zip(differences)
            {
                *reason = FeatureReason {
                    feature,
                    contribution,
                    difference,
                };
            }
            let mut list = figures.remove(&n_urn).unwrap_or_default();
            list.sort_by_key(|(m, _)| *m);
            out.push(SimilarSchool {
                phase: phase_from_db(&phase)?,
                urn: urn_from_db(n_urn)?,
                name: names.get(&n_urn).cloned(),
                rank: u32::try_from(rank).map_err(|_| StoreError::corrupt("rank", &rank))?,
                distance,
                reasons,
                figures: list,
            });
        }
        Ok(out)
    }

    /// A partnership school's comparisons for a year (every year when `None`) in the newest
    /// refresh, by year, measure and pupil group.
    pub async fn school_comparisons(
        &self,
        urn: Urn,
        academic_year: Option<AcademicYear>,
    ) -> Result<Vec<Comparison>, StoreError> {
        self.comparisons_for(&ResultScope::School(urn), academic_year)
            .await
    }

    /// Comparisons for every school and group in the newest refresh for a year.
    pub async fn all_comparisons(
        &self,
        academic_year: AcademicYear,
    ) -> Result<Vec<Comparison>, StoreError> {
        self.comparisons_query(None, Some(academic_year)).await
    }

    /// A school's or group's comparisons.
    pub async fn comparisons_for(
        &self,
        scope: &ResultScope,
        academic_year: Option<AcademicYear>,
    ) -> Result<Vec<Comparison>, StoreError> {
        self.comparisons_query(Some(scope), academic_year).await
    }

    pub(crate) async fn comparisons_query(
        &self,
        scope: Option<&ResultScope>,
        academic_year: Option<AcademicYear>,
    ) -> Result<Vec<Comparison>, StoreError> {
        let Some(refresh) = self.latest_refresh().await? else {
            return Ok(Vec::new());
        };
        let rows: Vec<ComparisonRowDb> = on_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT academic_year, scope_kind, scope_code, measure, pupil_group, \
                 national_value, similar_average, similar_n, vs_national, vs_similar, \
                 vs_previous_year, similar_top_quartile FROM comparisons WHERE refresh_id = ",
            );
            qb.push_bind(refresh.id);
            if let Some(scope) = scope {
                qb.push(" AND scope_kind = ")
                    .push_bind(scope.kind().code())
                    .push(" AND scope_code = ")
                    .push_bind(scope.code());
            }
            if let Some(year) = academic_year {
                qb.push(" AND academic_year = ").push_bind(year_to_db(year));
            }
            qb.push(" ORDER BY academic_year, scope_kind, scope_code, measure, pupil_group");
            qb.build_query_as().fetch_all(pool).await?
        });
        rows.into_iter().map(Comparison::try_from).collect()
    }
}

#[derive(sqlx::FromRow)]
struct ComparisonRowDb {
    academic_year: i64,
    scope_kind: String,
    scope_code: String,
    measure: String,
    pupil_group: String,
    national_value: Option<f64>,
    similar_average: Option<f64>,
    similar_n: Option<i64>,
    vs_national: Option<String>,
    vs_similar: Option<String>,
    vs_previous_year: Option<String>,
    similar_top_quartile: Option<bool>,
}

impl TryFrom<ComparisonRowDb> for Comparison {
    type Error = StoreError;
    fn try_from(row: ComparisonRowDb) -> Result<Self, StoreError> {
        let flag = |code: Option<String>| code.as_deref().map(significance_from_code).transpose();
        Ok(Comparison {
            academic_year: crate::rows::year_from_db(row.academic_year)?,
            scope: ResultScope::from_db(&row.scope_kind, &row.scope_code)?,
            measure: measure_from_db(&row.measure)?,
            pupil_group: cairn_measures::PupilGroup::parse(&row.pupil_group)
                .ok_or_else(|| StoreError::corrupt("pupil group", &row.pupil_group))?,
            national: row.national_value,
            similar_average: row.similar_average,
            similar_n: row
                .similar_n
                .map(|n| u32::try_from(n).map_err(|_| StoreError::corrupt("similar n", &n)))
                .transpose()?,
            vs_national: flag(row.vs_national)?,
            vs_similar: flag(row.vs_similar)?,
            vs_previous_year: flag(row.vs_previous_year)?,
            similar_top_quartile: row.similar_top_quartile,
        })
    }
}

#[cfg(test)]
mod tests;
