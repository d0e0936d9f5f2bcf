//! Small random draws shared by the stages.
//!
//! `rand` 0.8 has no normal distribution without `rand_distr`, and `gen_bool` panics on a
//! probability outside 0..=1, so these helpers take plain `f64`s and never panic.

use rand::Rng;
use rand::distributions::Standard;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// The generator every stage uses: ChaCha8 is fast, portable and reproducible across platforms
/// and `rand` versions, which `StdRng` does not promise.
pub(crate) type DemoRng = ChaCha8Rng;

/// A uniform draw from `0.0..1.0`. Written with `sample` because `gen` is a reserved word in
/// edition 2024.
pub(crate) fn unit(rng: &mut DemoRng) -> f64 {
    rng.sample(Standard)
}

/// True with probability `p`; a `p` at or below 0 is never true, at or above 1 always.
pub(crate) fn chance(rng: &mut DemoRng, p: f64) -> bool {
    unit(rng) < p
}

/// A uniform draw from `low..high`.
pub(crate) fn uniform(rng: &mut DemoRng, low: f64, high: f64) -> f64 {
    low + (high - low) * unit(rng)
}

/// A standard normal draw (Box-Muller). `1 - u` keeps the logarithm away from zero.
pub(crate) fn standard_normal(rng: &mut DemoRng) -> f64 {
    let u1 = 1.0 - unit(rng);
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// One option, chosen in proportion to its weight; `None` if no weight is positive.
pub(crate) fn weighted<T: Copy>(rng: &mut DemoRng, options: &[(T, f64)]) -> Option<T> {
    let total: f64 = options.iter().map(|(_, weight)| weight.max(0.0)).sum();
    if total <= 0.0 {
        return None;
    }
    let mut remaining = unit(rng) * total;
    for &(option, weight) in options {
        let weight = weight.max(0.0);
        if remaining < weight {
            return Some(option);
        }
        remaining -= weight;
    }
    // Rounding can leave a sliver past the last weight; it belongs to the last positive option.
    options
        .iter()
        .rev()
        .find(|(_, weight)| *weight > 0.0)
        .map(|(option, _)| *option)
}

/// One option whose weights are probabilities summing to at most 1; the rest of the
/// probability is "none of these" (for example a pupil leaving the partnership).
pub(crate) fn weighted_or_none<T: Copy>(rng: &mut DemoRng, options: &[(T, f64)]) -> Option<T> {
    let mut remaining = unit(rng);
    for &(option, probability) in options {
        if remaining < probability {
            return Some(option);
        }
        remaining -= probability;
    }
    None
}

/// One item, uniformly; `None` for an empty slice.
pub(crate) fn one_of<T: Copy>(rng: &mut DemoRng, options: &[T]) -> Option<T> {
    options.choose(rng).copied()
}

/// A whole number near `value`: rounded down, plus one with probability equal to the
/// fraction, so small expected counts (2.4 joiners) come out right on average.
pub(crate) fn round_randomly(rng: &mut DemoRng, value: f64) -> usize {
    if value <= 0.0 {
        return 0;
    }
    let whole = value.floor();
    let extra = usize::from(chance(rng, value - whole));
    // The float-to-integer cast saturates, and the counts here are in the hundreds.
    whole as usize + extra
}
