//! Similar schools: for each school, the nearest schools nationally by context, within the
//! same phase.
//!
//! # Method (version 1)
//!
//! 1. **Features.** Five school-level context measures: prior attainment of the cohort (for
//!    secondary schools the mean KS2 average scaled score; the caller supplies the phase's
//!    equivalent), % disadvantaged, % SEN (support or EHC plan), % EAL, and size (number of
//!    pupils, taken as its natural logarithm because school sizes are right-skewed and a
//!    difference of 100 pupils matters more between small schools than large ones).
//! 2. **Comparison pool.** Only schools of the same [`Phase`] are compared (FBIT and the DfE
//!    school improvement service both match within phase, measures.md §10, PEERS.md).
//! 3. **Missing values.** A missing feature is filled with the phase median and flagged in
//!    [`SimilarSchools::imputed`] (FBIT imputes with the phase median too).
//! 4. **Standardisation.** Each feature becomes a z-score within the phase: (value − phase
//!    mean) / phase standard deviation (population SD; a feature with no spread scores 0). So
//!    one standard deviation of % EAL weighs the same as one of prior attainment before
//!    weighting. (FBIT divides by the range instead, which lets one outlier compress
//!    everyone else.)
//! 5. **Distance.** Weighted Euclidean: d = √(Σ wᵢ (zᵢ − zᵢ′)²), with the weights normalised
//!    to sum to 1. The default weights ([`SimilarityWeights::default`]) put most weight on the
//!    two strongest predictors of attainment, prior attainment (0.35) and disadvantage (0.25),
//!    then SEN (0.15), EAL (0.10) and size (0.15).
//! 6. **Selection.** The N nearest (default 30, as FBIT) other schools, ordered by distance
//!    and then by URN, so the result is reproducible whatever the input order.
//! 7. **Explanation.** Each neighbour keeps its distance, each feature's contribution
//!    wᵢ (zᵢ − zᵢ′)² (the contributions sum to d²) and the raw difference in natural units, so
//!    a page can say "chosen mainly for similar prior attainment and disadvantage".

use cairn_domain::{Phase, Urn};
use serde::{Deserialize, Serialize};

/// The number of context features.
pub const N_FEATURES: usize = 5;

/// A context feature, in the order used by every per-feature array here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    PriorAttainment,
    Disadvantaged,
    Sen,
    Eal,
    Size,
}

impl Feature {
    pub const ALL: [Feature; N_FEATURES] = [
        Feature::PriorAttainment,
        Feature::Disadvantaged,
        Feature::Sen,
        Feature::Eal,
        Feature::Size,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Feature::PriorAttainment => "prior attainment",
            Feature::Disadvantaged => "% disadvantaged",
            Feature::Sen => "% SEN",
            Feature::Eal => "% EAL",
            Feature::Size => "number of pupils",
        }
    }
}

/// One school's context row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SchoolContext {
    pub urn: Urn,
    pub phase: Phase,
    /// Mean KS2 average scaled score of the cohort (secondary) or the phase's equivalent.
    pub prior_attainment: Option<f64>,
    pub percent_disadvantaged: Option<f64>,
    pub percent_sen: Option<f64>,
    pub percent_eal: Option<f64>,
    pub n_pupils: Option<u32>,
}

impl SchoolContext {
    fn raw(&self) -> [Option<f64>; N_FEATURES] {
        [
            self.prior_attainment,
            self.percent_disadvantaged,
            self.percent_sen,
            self.percent_eal,
            self.n_pupils.map(f64::from),
        ]
        .map(|v| v.filter(|x| x.is_finite()))
    }
}

/// Feature weights (normalised to sum to 1 when used).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SimilarityWeights(pub [f64; N_FEATURES]);

impl Default for SimilarityWeights {
    fn default() -> Self {
        SimilarityWeights([0.35, 0.25, 0.15, 0.10, 0.15])
    }
}

/// How many neighbours to keep, and the weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SimilarityMethod {
    pub n_neighbours: usize,
    pub weights: SimilarityWeights,
}

impl Default for SimilarityMethod {
    fn default() -> Self {
        SimilarityMethod {
            n_neighbours: 30,
            weights: SimilarityWeights::default(),
        }
    }
}

/// A chosen neighbour and why.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Neighbour {
    pub urn: Urn,
    /// 1 for the nearest.
    pub rank: u32,
    pub distance: f64,
    /// Weighted squared standardised differences; they sum to `distance²`.
    pub contributions: [f64; N_FEATURES],
    /// Neighbour minus school, in natural units (pupils for size), when both are known.
    pub differences: [Option<f64>; N_FEATURES],
}

/// A school's similar schools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarSchools {
    pub urn: Urn,
    pub phase: Phase,
    /// Features of this school filled with the phase median.
    pub imputed: [bool; N_FEATURES],
    pub neighbours: Vec<Neighbour>,
}

impl SimilarSchools {
    /// The unweighted mean of the neighbours' values for a measure (neighbours with no value,
    /// for example suppressed, are skipped) and how many were used.
    pub fn average_of(&self, value_of: impl Fn(Urn) -> Option<f64>) -> Option<(f64, usize)> {
        let values: Vec<f64> = self
            .neighbours
            .iter()
            .filter_map(|n| value_of(n.urn))
            .collect();
        (!values.is_empty()).then(|| {
            (
                values.iter().sum::<f64>() / values.len() as f64,
                values.len(),
            )
        })
    }
}

/// Whether `value` is in the best quarter of the similar schools' values: at or above their
/// upper quartile (at or below the lower quartile when lower is better, as for absence).
/// Quartiles by linear interpolation between order statistics (Hyndman and Fan 1996,
/// definition 7, the default in R and spreadsheets). `None` with fewer than four values to
/// compare with, where a "top 25 %" would mean one school.
pub fn in_top_quarter(value: f64, similar: &[f64], lower_is_better: bool) -> Option<bool> {
    let mut sorted: Vec<f64> = similar.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.len() < 4 || !value.is_finite() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let p = if lower_is_better { 0.25 } else { 0.75 };
    let h = (sorted.len() - 1) as f64 * p;
    let below = h.floor();
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "h is between 0 and len - 1"
    )]
    let i = below as usize;
    let lo = sorted.get(i).copied()?;
    let hi = sorted.get(i + 1).copied().unwrap_or(lo);
    let quartile = lo + (h - below) * (hi - lo);
    Some(if lower_is_better {
        value <= quartile
    } else {
        value >= quartile
    })
}

/// Finds similar schools for every school, in URN order. See the module docs for the method.
pub fn find_similar_schools(
    schools: &[SchoolContext],
    method: &SimilarityMethod,
) -> Vec<SimilarSchools> {
    find_similar_schools_for(schools, method, |_| true)
}

/// [`find_similar_schools`] for only the schools `wanted` picks: the standardisation still
/// uses every school of the phase, so the result for a wanted school is the same as from
/// [`find_similar_schools`], at a fraction of the cost when few schools are wanted (a
/// partnership among a national set).
pub fn find_similar_schools_for(
    schools: &[SchoolContext],
    method: &SimilarityMethod,
    wanted: impl Fn(Urn) -> bool,
) -> Vec<SimilarSchools> {
    let weight_sum: f64 = method.weights.0.iter().filter(|w| **w > 0.0).sum();
    let weights = method.weights.0.map(|w| {
        if weight_sum > 0.0 && w > 0.0 {
            w / weight_sum
        } else {
            0.0
        }
    });
    let mut sorted: Vec<&SchoolContext> = schools.iter().collect();
    sorted.sort_by_key(|s| (s.phase, s.urn));
    sorted.dedup_by_key(|s| s.urn);
    let mut out = Vec::with_capacity(sorted.len());
    for phase_schools in sorted.chunk_by(|a, b| a.phase == b.phase) {
        similar_within_phase(
            phase_schools,
            &weights,
            method.n_neighbours,
            &wanted,
            &mut out,
        );
    }
    out.sort_by_key(|s| s.urn);
    out
}

struct Prepared {
    urn: Urn,
    raw: [Option<f64>; N_FEATURES],
    z: [f64; N_FEATURES],
    imputed: [bool; N_FEATURES],
}

fn similar_within_phase(
    schools: &[&SchoolContext],
    weights: &[f64; N_FEATURES],
    n_neighbours: usize,
    wanted: &dyn Fn(Urn) -> bool,
    out: &mut Vec<SimilarSchools>,
) {
    let Some(phase) = schools.first().map(|s| s.phase) else {
        return;
    };
    let transformed: Vec<[Option<f64>; N_FEATURES]> = schools
        .iter()
        .map(|s| {
            let mut raw = s.raw();
            if let Some(size) = raw.last_mut() {
                *size = size.map(|n| n.max(1.0).ln());
            }
            raw
        })
        .collect();
    // Per feature: median (for imputation), mean and population SD after imputation.
    let mut stats = [(0.0f64, 0.0f64, 1.0f64); N_FEATURES];
    for (f, stat) in stats.iter_mut().enumerate() {
        let mut known: Vec<f64> = transformed
            .iter()
            .filter_map(|r| r.get(f).copied().flatten())
            .collect();
        known.sort_by(f64::total_cmp);
        let median = match known.len() {
            0 => 0.0,
            n if n % 2 == 1 => known.get(n / 2).copied().unwrap_or(0.0),
            n => {
                (known.get(n / 2 - 1).copied().unwrap_or(0.0)
                    + known.get(n / 2).copied().unwrap_or(0.0))
                    / 2.0
            }
        };
        let filled = transformed
            .iter()
            .map(|r| r.get(f).copied().flatten().unwrap_or(median));
        let n = transformed.len().max(1) as f64;
        let mean = filled.clone().sum::<f64>() / n;
        let variance = filled.map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
        *stat = (median, mean, variance.sqrt());
    }
    let prepared: Vec<Prepared> = schools
        .iter()
        .zip(&transformed)
        .map(|(school, t)| {
            let mut z = [0.0; N_FEATURES];
            let mut imputed = [false; N_FEATURES];
            for (((zf, imp), value), (median, mean, sd)) in
                z.iter_mut().zip(imputed.iter_mut()).zip(t).zip(stats)
            {
                *imp = value.is_none();
                let x = value.unwrap_or(median);
                *zf = if sd > 0.0 { (x - mean) / sd } else { 0.0 };
            }
            Prepared {
                urn: school.urn,
                raw: school.raw(),
                z,
                imputed,
            }
        })
        .collect();

    let mut candidates: Vec<(f64, Urn, usize)> = Vec::with_capacity(prepared.len());
    for (i, school) in prepared.iter().enumerate() {
        if !wanted(school.urn) {
            continue;
        }
        candidates.clear();
        for (j, other) in prepared.iter().enumerate() {
            if i == j {
                continue;
            }
            let d2: f64 = school
                .z
                .iter()
                .zip(&other.z)
                .zip(weights)
                .map(|((a, b), w)| w * (a - b) * (a - b))
                .sum();
            candidates.push((d2, other.urn, j));
        }
        let by_distance_then_urn =
            |a: &(f64, Urn, usize), b: &(f64, Urn, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        let k = n_neighbours.min(candidates.len());
        if k < candidates.len() && k > 0 {
            candidates.select_nth_unstable_by(k - 1, by_distance_then_urn);
        }
        candidates.truncate(k);
        candidates.sort_by(by_distance_then_urn);
        let neighbours = candidates
            .iter()
            .zip(1u32..)
            .filter_map(|(&(d2, urn, j), rank)| {
                let other = prepared.get(j)?;
                let mut contributions = [0.0; N_FEATURES];
                let mut differences = [None; N_FEATURES];
                for f in 0..N_FEATURES {
                    let (Some(c), Some(d)) = (contributions.get_mut(f), differences.get_mut(f))
                    else {
                        continue;
                    };
                    let (za, zb) = (school.z.get(f)?, other.z.get(f)?);
                    *c = weights.get(f)? * (za - zb) * (za - zb);
                    *d = school
                        .raw
                        .get(f)
                        .copied()
                        .flatten()
                        .zip(other.raw.get(f).copied().flatten())
                        .map(|(a, b)| b - a);
                }
                Some(Neighbour {
                    urn,
                    rank,
                    distance: d2.sqrt(),
                    contributions,
                    differences,
                })
            })
            .collect();
        out.push(SimilarSchools {
            urn: school.urn,
            phase,
            imputed: school.imputed,
            neighbours,
        });
    }
}

#[cfg(test)]
mod tests;
