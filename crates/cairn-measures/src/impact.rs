//! The measured impact of a practice: a difference-in-differences estimate.
//!
//! When some schools adopt a practice and others do not, the change in the adopters' figure
//! from before to after, less the change in the comparison schools' figure over the same
//! years, estimates the practice's effect net of whatever moved every school (a new test, a
//! national trend). This is the standard difference-in-differences estimator (Angrist and
//! Pischke, *Mostly Harmless Econometrics*, 2009, §5.2); it assumes the two sets of schools
//! would have moved in parallel without the practice, which pages must say.
//!
//! With a standard error for each of the four figures (independent samples of pupils), the
//! estimate's standard error is the square root of the sum of their squares, and its 95%
//! interval uses the DfE's multiplier of 1.96 ([`crate::ci::Z_95_DFE`]); the effect is
//! distinguishable from no effect when that interval excludes 0 ([`crate::ci::compare_with`]).

use serde::{Deserialize, Serialize};

use crate::ci::{Interval, Significance, Z_95_DFE, compare_with};

/// A figure and, when known, its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub value: f64,
    pub standard_error: Option<f64>,
}

/// The four figures of a difference-in-differences comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DidInput {
    pub adopters_before: Observed,
    pub adopters_after: Observed,
    pub comparison_before: Observed,
    pub comparison_after: Observed,
}

/// The estimated effect, the two changes it came from, and its interval when every
/// standard error is known.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DidEstimate {
    pub adopters_change: f64,
    pub comparison_change: f64,
    pub effect: f64,
    pub interval: Option<Interval>,
    pub significance: Option<Significance>,
}

/// `(adopters after - adopters before) - (comparison after - comparison before)`.
pub fn difference_in_differences(input: &DidInput) -> DidEstimate {
    let adopters_change = input.adopters_after.value - input.adopters_before.value;
    let comparison_change = input.comparison_after.value - input.comparison_before.value;
    let effect = adopters_change - comparison_change;
    let standard_error = [
        input.adopters_before,
        input.adopters_after,
        input.comparison_before,
        input.comparison_after,
    ]
    .iter()
    .map(|o| o.standard_error.filter(|se| se.is_finite() && *se >= 0.0))
    .try_fold(0.0, |sum: f64, se| se.map(|se| sum + se * se))
    .map(f64::sqrt);
    let interval = standard_error.map(|se| Interval {
        lower: effect - Z_95_DFE * se,
        upper: effect + Z_95_DFE * se,
    });
    DidEstimate {
        adopters_change,
        comparison_change,
        effect,
        interval,
        significance: interval.map(|ci| compare_with(ci, 0.0)),
    }
}

#[cfg(test)]
mod tests;
