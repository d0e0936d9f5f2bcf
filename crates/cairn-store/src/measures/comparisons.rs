//! The refresh's comparisons: each partnership school's context from its own pupils, its
//! similar schools in the national set, and every headline figure compared with England, the
//! similar-schools average and the year before. Computed in Rust from the records the refresh
//! already loaded and the stored national benchmarks, and written in the refresh's
//! transaction, so pages read them and never recompute.
//!
//! Rules:
//! * **Pools.** KS2 measures compare with the national primary set, KS4 measures with the
//!   secondary set, attendance with the set of the school's own phase (first and primary
//!   schools with primaries; middle, all-through and secondary schools with secondaries), as
//!   the DfE and FBIT match within phase (measures.md §10). The partnership's schools join the
//!   pool with their context from their own pupils (replacing any national row for the same
//!   URN), so they can be one another's neighbours as they would be in the national set.
//! * **Context** (per school and year): pupils placed there that year (see `measures.rs`), %
//!   disadvantaged, % SEN (support or EHC plan), % EAL from the year's latest census, and for
//!   the secondary pool the mean KS2 average scaled score of the Year 11 pupils with one.
//! * **Similar schools**: `cairn_measures::similar::find_similar_schools`, N per school
//!   (default [`DEFAULT_SIMILAR_SCHOOLS`]).
//! * **National figure**: England's for all pupils; for disadvantaged pupils, England's for
//!   other (not disadvantaged) pupils, the DfE's reference for disadvantage gaps (measures.md
//!   §9); by phase where the DfE publishes it by phase (absence).
//! * **Significance**: against England and against the similar-schools average, the figure's
//!   95 % interval must exclude the reference (`cairn_measures::ci::compare_with`; both
//!   references are treated as fixed); year on year, the change's interval from the two
//!   years' standard errors must exclude 0 (`ci::change_between`, standard errors recovered
//!   from the stored intervals by `Estimate::from_interval`).
//! * **Top 25 %**: the figure is at or beyond the upper quartile of its similar schools'
//!   figures (lower quartile for absence), `similar::in_top_quarter`.
//! * **Suppression**: a suppressed figure gets the England figure and the similar-schools
//!   average (neither says anything about it) and no flag at all.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cairn_domain::{BenchmarkGroup, BenchmarkMeasure, ContextFeature, Phase, Urn};
use cairn_measures::ci::{Estimate, Z_95_DFE, change_between, compare_with};
use cairn_measures::similar::{
    N_FEATURES, SchoolContext, SimilarSchools, SimilarityMethod, find_similar_schools_for,
    in_top_quarter,
};
use cairn_measures::{Interval, PupilGroup};

use super::{Computed, Measure, Records, ResultRow, ResultScope, prior_attainment, prior_before};
use crate::benchmarks::{FEATURE_COLUMNS, significance_code};
use crate::imports::{Conn, Row, Spec, Ty, Val, col, small, urn_val};
use crate::rows::{code_from_db, urn_from_db};
use crate::{Store, StoreError, on_pool};

/// How many similar schools a refresh finds for each school unless told otherwise.
pub const DEFAULT_SIMILAR_SCHOOLS: usize = 20;

/// The similar-schools method a refresh uses by default: the engine's weights, 20 schools.
pub fn default_similarity() -> SimilarityMethod {
    SimilarityMethod {
        n_neighbours: DEFAULT_SIMILAR_SCHOOLS,
        ..SimilarityMethod::default()
    }
}

/// What the refresh writes beside its figures.
#[derive(Debug, Default)]
pub(super) struct Prepared {
    contexts: Vec<Row>,
    similar: Vec<Row>,
    comparisons: Vec<Row>,
}

const CONTEXTS: Spec = Spec {
    table: "school_contexts",
    keys: &[
        col("refresh_id", Ty::Int),
        col("academic_year", Ty::Int),
        col("urn", Ty::Int),
    ],
    values: &[
        col("n_pupils", Ty::Int),
        col("prior_attainment", Ty::Real),
        col("percent_disadvantaged", Ty::Real),
        col("percent_sen", Ty::Real),
        col("percent_eal", Ty::Real),
    ],
};
const SIMILAR: Spec = Spec {
    table: "similar_schools",
    keys: &[
        col("refresh_id", Ty::Int),
        col("academic_year", Ty::Int),
        col("urn", Ty::Int),
        col("phase", Ty::Text),
        col("neighbour_urn", Ty::Int),
    ],
    values: &[
        col("rank", Ty::Int),
        col("distance", Ty::Real),
        col("contribution_prior_attainment", Ty::Real),
        col("contribution_disadvantaged", Ty::Real),
        col("contribution_sen", Ty::Real),
        col("contribution_eal", Ty::Real),
        col("contribution_size", Ty::Real),
        col("difference_prior_attainment", Ty::Real),
        col("difference_disadvantaged", Ty::Real),
        col("difference_sen", Ty::Real),
        col("difference_eal", Ty::Real),
        col("difference_size", Ty::Real),
    ],
};
const COMPARISONS: Spec = Spec {
    table: "comparisons",
    keys: &[
        col("refresh_id", Ty::Int),
        col("academic_year", Ty::Int),
        col("scope_kind", Ty::Text),
        col("scope_code", Ty::Text),
        col("measure", Ty::Text),
        col("pupil_group", Ty::Text),
    ],
    values: &[
        col("national_value", Ty::Real),
        col("similar_average", Ty::Real),
        col("similar_n", Ty::Int),
        col("vs_national", Ty::Text),
        col("vs_similar", Ty::Text),
        col("vs_previous_year", Ty::Text),
        col("similar_top_quartile", Ty::Bool),
    ],
};

/// Writes the prepared rows under the refresh, inside its transaction.
pub(super) async fn write<C: Conn>(
    conn: &mut C,
    refresh_id: i64,
    prepared: &Prepared,
) -> Result<(), StoreError> {
    for (spec, rows) in [
        (&CONTEXTS, &prepared.contexts),
        (&SIMILAR, &prepared.similar),
        (&COMPARISONS, &prepared.comparisons),
    ] {
        let rows: Vec<Row> = rows
            .iter()
            .map(|(key, values)| {
                let mut key = key.clone();
                key.insert(0, Val::Int(refresh_id));
                (key, values.clone())
            })
            .collect();
        let refs: Vec<&Row> = rows.iter().collect();
        conn.insert_rows(spec, &refs, None).await?;
    }
    Ok(())
}

/// The stored national set for the refresh's years.
#[derive(Debug, Default)]
struct NationalSet {
    /// (year, phase) -> URNs.
    schools: BTreeMap<(i64, Phase), Vec<Urn>>,
    /// (year, URN) -> context in [`ContextFeature::ALL`] order.
    context: HashMap<(i64, Urn), [Option<f64>; 5]>,
    /// (year, URN, measure) -> shown value (`None` when suppressed).
    results: HashMap<(i64, Urn, Measure), Option<f64>>,
    /// (year, measure, group, phase) -> England.
    england: HashMap<(i64, Measure, BenchmarkGroup, Option<Phase>), f64>,
}

impl NationalSet {
    fn england(
        &self,
        year: i64,
        measure: Measure,
        group: BenchmarkGroup,
        phase: Option<Phase>,
    ) -> Option<f64> {
        phase
            .and_then(|p| self.england.get(&(year, measure, group, Some(p))))
            .or_else(|| self.england.get(&(year, measure, group, None)))
            .copied()
    }
}

/// The national pool a measure compares in, for a school of `phase`.
fn pool_of(measure: Measure, phase: Phase) -> Option<Phase> {
    let benchmark = BenchmarkMeasure::parse(measure.code())?;
    Some(match benchmark {
        BenchmarkMeasure::Ks2RwmExpected => Phase::Primary,
        BenchmarkMeasure::Ks4Attainment8
        | BenchmarkMeasure::Ks4Progress8
        | BenchmarkMeasure::Ks4EnglishMaths5Plus => Phase::Secondary,
        BenchmarkMeasure::AttendanceOverallAbsence
        | BenchmarkMeasure::AttendancePersistentAbsence => match phase {
            Phase::Nursery | Phase::Primary | Phase::First => Phase::Primary,
            Phase::Middle | Phase::Secondary | Phase::AllThrough | Phase::SixteenPlus => {
                Phase::Secondary
            }
            Phase::Special => Phase::Special,
            Phase::AlternativeProvision => Phase::AlternativeProvision,
        },
    })
}

fn shown(row: &ResultRow) -> Option<(f64, Option<Interval>)> {
    row.shown.ok().map(|s| (s.value, s.ci))
}

impl Store {
    async fn load_national_set(&self, years: &[i64]) -> Result<NationalSet, StoreError> {
        let mut set = NationalSet::default();
        if years.is_empty() {
            return Ok(set);
        }
        let list = years
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let (schools, context, results, england) = on_pool!(self, pool => {
            let schools: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
                "SELECT academic_year, urn, phase FROM national_schools \
                 WHERE academic_year IN ({list})"
            ))
            .fetch_all(pool)
            .await?;
            let context: Vec<(i64, i64, String, f64)> = sqlx::query_as(&format!(
                "SELECT academic_year, urn, feature, value FROM national_school_context \
                 WHERE academic_year IN ({list})"
            ))
            .fetch_all(pool)
            .await?;
            let results: Vec<(i64, i64, String, Option<f64>)> = sqlx::query_as(&format!(
                "SELECT academic_year, urn, measure, value FROM national_school_results \
                 WHERE academic_year IN ({list})"
            ))
            .fetch_all(pool)
            .await?;
            let england: Vec<(i64, String, String, String, f64)> = sqlx::query_as(&format!(
                "SELECT academic_year, measure, pupil_group, phase, value FROM national_figures \
                 WHERE academic_year IN ({list})"
            ))
            .fetch_all(pool)
            .await?;
            (schools, context, results, england)
        });
        for (year, urn, phase) in schools {
            set.schools
                .entry((year, code_from_db("phase", &phase, Phase::parse)?))
                .or_default()
                .push(urn_from_db(urn)?);
        }
        for (year, urn, feature, value) in context {
            let feature = ContextFeature::parse(&feature)
                .ok_or_else(|| StoreError::corrupt("context feature", &feature))?;
            let idx = ContextFeature::ALL
                .iter()
                .position(|f| *f == feature)
                .unwrap_or_default();
            let slot = set.context.entry((year, urn_from_db(urn)?)).or_default();
            if let Some(v) = slot.get_mut(idx) {
                *v = Some(value);
            }
        }
        for (year, urn, measure, value) in results {
            if let Some(measure) = Measure::parse(&measure) {
                set.results
                    .insert((year, urn_from_db(urn)?, measure), value);
            }
        }
        for (year, measure, group, phase, value) in england {
            let (Some(measure), Some(group)) =
                (Measure::parse(&measure), BenchmarkGroup::parse(&group))
            else {
                continue;
            };
            let phase = if phase == "all" {
                None
            } else {
                Some(code_from_db("phase", &phase, Phase::parse)?)
            };
            set.england.insert((year, measure, group, phase), value);
        }
        Ok(set)
    }

    /// Computes contexts, similar schools and comparisons for a refresh's figures.
    pub(super) async fn prepare_comparisons(
        &self,
        records: &Records,
        computed: &Computed,
        method: &SimilarityMethod,
    ) -> Result<Prepared, StoreError> {
        let years: Vec<i64> = computed
            .years
            .iter()
            .map(|y| crate::rows::year_to_db(*y))
            .collect();
        let national = self.load_national_set(&years).await?;
        let phases: HashMap<Urn, Phase> = self
            .schools()
            .await?
            .into_iter()
            .map(|s| (s.urn, s.phase))
            .collect();
        Ok(prepare(records, computed, &national, &phases, method))
    }
}

/// Each partnership school's context per year, from its own pupils.
fn own_contexts(records: &Records) -> HashMap<(i64, Urn), [Option<f64>; 5]> {
    let prior = prior_attainment(records);
    // (year, urn) -> (pupils, disadvantaged, sen, eal, prior sum, prior n)
    type Tally = (u32, u32, u32, u32, f64, u32);
    let mut tally: HashMap<(i64, Urn), Tally> = HashMap::new();
    for (&(pupil_id, year), placement) in &records.placements {
        let t = tally.entry((year, placement.urn)).or_default();
        t.0 += 1;
        if let Some(traits) = records.characteristics.get(&(pupil_id, year)) {
            t.1 += u32::from(traits.disadvantaged);
            t.2 += u32::from(traits.sen != cairn_domain::SenProvision::None);
            t.3 += u32::from(traits.eal);
        }
        if placement.nc_year == 11 {
            if let Some(average) = prior_before(&prior, pupil_id, year) {
                t.4 += average.value();
                t.5 += 1;
            }
        }
    }
    tally
        .into_iter()
        .map(|(key, (n, dis, sen, eal, prior_sum, n_prior))| {
            let pct = |k: u32| Some(100.0 * f64::from(k) / f64::from(n.max(1)));
            let prior = (n_prior > 0).then(|| prior_sum / f64::from(n_prior));
            (
                key,
                [Some(f64::from(n)), prior, pct(dis), pct(sen), pct(eal)],
            )
        })
        .collect()
}

fn school_context(urn: Urn, phase: Phase, c: &[Option<f64>; 5]) -> SchoolContext {
    let [n, prior, dis, sen, eal] = *c;
    SchoolContext {
        urn,
        phase,
        prior_attainment: prior,
        percent_disadvantaged: dis,
        percent_sen: sen,
        percent_eal: eal,
        n_pupils: n.filter(|v| *v >= 0.0 && v.is_finite()).map(|v| {
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a non-negative pupil count"
            )]
            let n = v.round().min(f64::from(u32::MAX)) as u32;
            n
        }),
    }
}

fn sig(s: Option<cairn_measures::Significance>) -> Val {
    Val::opt(s, |s| Val::text(significance_code(s)))
}

fn prepare(
    records: &Records,
    computed: &Computed,
    national: &NationalSet,
    phases: &HashMap<Urn, Phase>,
    method: &SimilarityMethod,
) -> Prepared {
    let mut out = Prepared::default();
    let own = own_contexts(records);
    // Figures by (year, scope, measure, group), for look-ups.
    let figures: HashMap<(i64, &ResultScope, Measure, PupilGroup), &ResultRow> = computed
        .rows
        .iter()
        .map(|r| ((r.year, &r.scope, r.measure, r.group), r))
        .collect();

    // Which pools each school joins, per year.
    let mut pools: BTreeMap<(i64, Phase), BTreeSet<Urn>> = BTreeMap::new();
    for row in &computed.rows {
        if let ResultScope::School(urn) = row.scope {
            let phase = phases.get(&urn).copied().unwrap_or(Phase::Secondary);
            if let Some(pool) = pool_of(row.measure, phase) {
                pools.entry((row.year, pool)).or_default().insert(urn);
            }
        }
    }
    let mut context_written: BTreeSet<(i64, Urn)> = BTreeSet::new();
    let mut similar: HashMap<(i64, Urn, Phase), SimilarSchools> = HashMap::new();
    for (&(year, pool), members) in &pools {
        let mut contexts: Vec<SchoolContext> = Vec::new();
        for urn in members {
            let c = own.get(&(year, *urn)).copied().unwrap_or_default();
            contexts.push(school_context(*urn, pool, &c));
            if context_written.insert((year, *urn)) {
                let [n, prior, dis, sen, eal] = c;
                out.contexts.push((
                    vec![Val::Int(year), urn_val(*urn)],
                    vec![
                        Val::opt(n, |v| {
                            #[expect(
                                clippy::cast_possible_truncation,
                                reason = "a pupil count held as f64"
                            )]
                            let n = v as i64;
                            small(n)
                        }),
                        Val::opt(prior, Val::real),
                        Val::opt(dis, Val::real),
                        Val::opt(sen, Val::real),
                        Val::opt(eal, Val::real),
                    ],
                ));
            }
        }
        for urn in national.schools.get(&(year, pool)).into_iter().flatten() {
            if members.contains(urn) {
                continue;
            }
            let c = national
                .context
                .get(&(year, *urn))
                .copied()
                .unwrap_or_default();
            contexts.push(school_context(*urn, pool, &c));
        }
        if contexts.len() < 2 {
            continue;
        }
        for set in find_similar_schools_for(&contexts, method, |urn| members.contains(&urn)) {
            similar.insert((year, set.urn, pool), set);
        }
    }
    let mut keys: Vec<&(i64, Urn, Phase)> = similar.keys().collect();
    keys.sort();
    for key in keys {
        let Some(set) = similar.get(key) else {
            continue;
        };
        for n in &set.neighbours {
            let mut values = vec![small(n.rank), Val::real(n.distance)];
            values.extend(n.contributions.iter().map(|c| Val::real(*c)));
            values.extend(n.differences.iter().map(|d| Val::opt(*d, Val::real)));
            out.similar.push((
                vec![
                    Val::Int(key.0),
                    urn_val(key.1),
                    Val::text(key.2.code()),
                    urn_val(n.urn),
                ],
                values,
            ));
        }
    }
    debug_assert_eq!(FEATURE_COLUMNS.len(), N_FEATURES);

    // A neighbour's value: the partnership's own figure, else the national one.
    let value_of = |year: i64, urn: Urn, measure: Measure| -> Option<f64> {
        let scope = ResultScope::School(urn);
        match figures.get(&(year, &scope, measure, PupilGroup::All)) {
            Some(row) => row.shown.ok().map(|s| s.value),
            None => national
                .results
                .get(&(year, urn, measure))
                .copied()
                .flatten(),
        }
    };

    for row in &computed.rows {
        let Some(benchmark) = BenchmarkMeasure::parse(row.measure.code()) else {
            continue;
        };
        let reference_group = match row.group {
            PupilGroup::All => BenchmarkGroup::All,
            PupilGroup::Disadvantaged => BenchmarkGroup::NotDisadvantaged,
            _ => continue,
        };
        let pool = match &row.scope {
            ResultScope::School(urn) => pool_of(
                row.measure,
                phases.get(urn).copied().unwrap_or(Phase::Secondary),
            ),
            _ => None,
        };
        let england = national.england(row.year, row.measure, reference_group, pool);
        let neighbours = match (&row.scope, pool, row.group) {
            (ResultScope::School(urn), Some(pool), PupilGroup::All) => {
                similar.get(&(row.year, *urn, pool))
            }
            _ => None,
        };
        let neighbour_values: Vec<f64> = neighbours
            .map(|set| {
                set.neighbours
                    .iter()
                    .filter_map(|n| value_of(row.year, n.urn, row.measure))
                    .collect()
            })
            .unwrap_or_default();
        let similar_average = (!neighbour_values.is_empty())
            .then(|| neighbour_values.iter().sum::<f64>() / neighbour_values.len() as f64);
        let own = shown(row);
        let interval = own.and_then(|(_, ci)| ci);
        let vs_national = interval.zip(england).map(|(ci, e)| compare_with(ci, e));
        let vs_similar = interval
            .zip(similar_average)
            .map(|(ci, s)| compare_with(ci, s));
        let previous = figures
            .get(&(row.year - 1, &row.scope, row.measure, row.group))
            .and_then(|r| shown(r));
        let estimate = |(value, ci): (f64, Option<Interval>)| {
            ci.and_then(|ci| Estimate::from_interval(value, ci, Z_95_DFE))
        };
        let vs_previous = own
            .and_then(estimate)
            .zip(previous.and_then(estimate))
            .map(|(now, before)| change_between(before, now, Z_95_DFE).1);
        let top = own.filter(|_| neighbours.is_some()).and_then(|(value, _)| {
            in_top_quarter(value, &neighbour_values, benchmark.lower_is_better())
        });
        out.comparisons.push((
            vec![
                Val::Int(row.year),
                Val::text(row.scope.kind().code()),
                Val::Text(row.scope.code()),
                Val::text(row.measure.code()),
                Val::text(row.group.code()),
            ],
            vec![
                Val::opt(england, Val::real),
                Val::opt(similar_average, Val::real),
                Val::opt(neighbours.map(|_| neighbour_values.len()), |n| {
                    Val::Int(i64::try_from(n).unwrap_or(i64::MAX))
                }),
                sig(vs_national),
                sig(vs_similar),
                sig(vs_previous),
                Val::opt(top, Val::Bool),
            ],
        ));
    }
    out
}
