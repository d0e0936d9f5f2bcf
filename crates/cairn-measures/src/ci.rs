//! Uncertainty: confidence intervals, Progress 8 bandings, funnel limits and significance.
//!
//! * Means: `mean ± z·σ/√n`. For Progress 8 σ is the DfE **national** standard deviation of
//!   pupil scores for the year, not the school's own (measures.md §2.5, DfE KS4 ready reckoner
//!   `server.R`); for other means the sample standard deviation is used.
//! * Proportions: the Wilson score interval, which stays inside 0–1 and behaves at 0 % and
//!   100 % where the normal approximation does not (Wilson 1927; Newcombe 1998, method 3).
//! * Funnel plots: control limits around a target at 95 % and 99.8 % (Spiegelhalter 2005,
//!   "Funnel plots for comparing institutional performance"), using the normal approximation
//!   to the binomial for proportions.
//! * Significance: an estimate differs from a reference value when its interval excludes it;
//!   a change between two independent estimates is significant when the interval of the
//!   difference, with standard error `√(se₁² + se₂²)`, excludes 0.

use serde::{Deserialize, Serialize};

/// The multiplier the DfE uses for 95 % intervals on performance tables (ready reckoner
/// `server.R`: `1.96 * sd / sqrt(n)`). Reproducing published intervals needs exactly 1.96.
pub const Z_95_DFE: f64 = 1.96;
/// The exact two-sided 95 % normal quantile, Φ⁻¹(0.975), for funnel limits.
pub const Z_95: f64 = 1.959_963_984_540_054;
/// The two-sided 99.8 % normal quantile, Φ⁻¹(0.999), for the outer funnel limits.
pub const Z_99_8: f64 = 3.090_232_306_167_813;

/// A closed interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
}

impl Interval {
    pub fn contains(self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }

    pub fn half_width(self) -> f64 {
        (self.upper - self.lower) / 2.0
    }

    /// Shifts both ends by `delta` (a gap against a fixed reference value).
    pub fn shifted(self, delta: f64) -> Interval {
        Interval {
            lower: self.lower + delta,
            upper: self.upper + delta,
        }
    }
}

/// `mean ± z·sd/√n`; `None` when `n` is 0 or the inputs are not finite.
pub fn mean_interval(mean: f64, sd: f64, n: u32, z: f64) -> Option<Interval> {
    if n == 0 || !mean.is_finite() || !sd.is_finite() || sd < 0.0 {
        return None;
    }
    let half = z * sd / f64::from(n).sqrt();
    Some(Interval {
        lower: mean - half,
        upper: mean + half,
    })
}

/// The Wilson score interval for `hits` successes out of `n`, as proportions (0–1).
pub fn wilson_interval(hits: u32, n: u32, z: f64) -> Option<Interval> {
    if n == 0 || hits > n {
        return None;
    }
    let n_f = f64::from(n);
    let p = f64::from(hits) / n_f;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denominator;
    Some(Interval {
        lower: (centre - half).max(0.0),
        upper: (centre + half).min(1.0),
    })
}

/// Whether an estimate is significantly above or below a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Significance {
    SignificantlyAbove,
    NotSignificant,
    SignificantlyBelow,
}

/// Compares an interval with a reference value (national, or a similar-schools average):
/// significant when the interval lies entirely on one side of it.
pub fn compare_with(interval: Interval, reference: f64) -> Significance {
    if interval.lower > reference {
        Significance::SignificantlyAbove
    } else if interval.upper < reference {
        Significance::SignificantlyBelow
    } else {
        Significance::NotSignificant
    }
}

/// An estimate with its standard error, for comparing two years or two groups.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub standard_error: f64,
}

impl Estimate {
    /// A mean's standard error `sd/√n`.
    pub fn of_mean(mean: f64, sd: f64, n: u32) -> Option<Self> {
        (n > 0).then(|| Estimate {
            value: mean,
            standard_error: sd / f64::from(n).sqrt(),
        })
    }

    /// The estimate behind a stored 95 % interval: the standard error is the half-width over
    /// `z`. Exact for mean intervals (`mean ± z·σ/√n`); for a Wilson interval, whose centre
    /// is pulled towards ½, it is the usual normal approximation and close for n above about
    /// 30. Used to compare stored figures between years without the pupil-level data.
    /// `None` when the interval is empty, inverted or not finite, or `z` is not positive.
    pub fn from_interval(value: f64, interval: Interval, z: f64) -> Option<Self> {
        let half = interval.half_width();
        (value.is_finite() && half.is_finite() && half >= 0.0 && z > 0.0).then(|| Estimate {
            value,
            standard_error: half / z,
        })
    }

    /// A proportion's standard error `√(p(1−p)/n)`.
    pub fn of_proportion(hits: u32, n: u32) -> Option<Self> {
        (n > 0 && hits <= n).then(|| {
            let p = f64::from(hits) / f64::from(n);
            Estimate {
                value: p,
                standard_error: (p * (1.0 - p) / f64::from(n)).sqrt(),
            }
        })
    }
}

/// The change from `earlier` to `later` and whether it is significant at multiplier `z`,
/// treating the two years' cohorts as independent samples.
pub fn change_between(earlier: Estimate, later: Estimate, z: f64) -> (f64, Significance) {
    let change = later.value - earlier.value;
    let se = earlier.standard_error.hypot(later.standard_error);
    let interval = Interval {
        lower: change - z * se,
        upper: change + z * se,
    };
    (change, compare_with(interval, 0.0))
}

/// The DfE Progress 8 banding shown on the performance tables, with its `P8_BANDING` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum P8Banding {
    WellAboveAverage = 1,
    AboveAverage = 2,
    Average = 3,
    BelowAverage = 4,
    WellBelowAverage = 5,
}

impl P8Banding {
    /// The banding for a Progress 8 score and its 95 % interval (measures.md §2.6, FFT
    /// Education Datalab's statement of the DfE rule, verified on the 2018/19 England file):
    /// well above when the score is at least +0.5 and the interval is entirely above 0; above
    /// when the interval is entirely above 0; well below when the score is below −0.5 and the
    /// interval is entirely below 0; below when the interval is entirely below 0; otherwise
    /// average (an interval touching 0 includes it).
    pub fn classify(score: f64, interval: Interval) -> P8Banding {
        if interval.lower > 0.0 {
            if score >= 0.5 {
                P8Banding::WellAboveAverage
            } else {
                P8Banding::AboveAverage
            }
        } else if interval.upper < 0.0 {
            if score < -0.5 {
                P8Banding::WellBelowAverage
            } else {
                P8Banding::BelowAverage
            }
        } else {
            P8Banding::Average
        }
    }

    /// The `P8_BANDING` value in DfE performance-tables files (1 = well above … 5 = well below).
    pub fn dfe_code(self) -> u8 {
        self as u8
    }

    pub fn from_dfe_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(P8Banding::WellAboveAverage),
            2 => Some(P8Banding::AboveAverage),
            3 => Some(P8Banding::Average),
            4 => Some(P8Banding::BelowAverage),
            5 => Some(P8Banding::WellBelowAverage),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            P8Banding::WellAboveAverage => "Well above average",
            P8Banding::AboveAverage => "Above average",
            P8Banding::Average => "Average",
            P8Banding::BelowAverage => "Below average",
            P8Banding::WellBelowAverage => "Well below average",
        }
    }
}

/// Funnel plot control limits around a target for a group of `n` pupils.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FunnelLimits {
    pub target: f64,
    /// 95 % limits (about 1 in 20 schools outside by chance alone).
    pub inner: Interval,
    /// 99.8 % limits (about 1 in 500 schools outside by chance alone).
    pub outer: Interval,
}

/// Where a point falls against its funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelPosition {
    AboveOuter,
    AboveInner,
    Within,
    BelowInner,
    BelowOuter,
}

impl FunnelLimits {
    /// Limits for a proportion (0–1) with target rate `target`, normal approximation to the
    /// binomial, clamped to 0–1. `None` when `n` is 0 or the target is outside 0–1.
    pub fn for_proportion(target: f64, n: u32) -> Option<Self> {
        if n == 0 || !(0.0..=1.0).contains(&target) {
            return None;
        }
        let se = (target * (1.0 - target) / f64::from(n)).sqrt();
        let limits = |z: f64| Interval {
            lower: (target - z * se).max(0.0),
            upper: (target + z * se).min(1.0),
        };
        Some(FunnelLimits {
            target,
            inner: limits(Z_95),
            outer: limits(Z_99_8),
        })
    }

    /// Limits for a mean with target `target` and pupil-level standard deviation `sd`
    /// (for Progress 8, the national SD).
    pub fn for_mean(target: f64, sd: f64, n: u32) -> Option<Self> {
        Some(FunnelLimits {
            target,
            inner: mean_interval(target, sd, n, Z_95)?,
            outer: mean_interval(target, sd, n, Z_99_8)?,
        })
    }

    pub fn position(&self, value: f64) -> FunnelPosition {
        if value > self.outer.upper {
            FunnelPosition::AboveOuter
        } else if value > self.inner.upper {
            FunnelPosition::AboveInner
        } else if value < self.outer.lower {
            FunnelPosition::BelowOuter
        } else if value < self.inner.lower {
            FunnelPosition::BelowInner
        } else {
            FunnelPosition::Within
        }
    }
}

#[cfg(test)]
mod tests;
