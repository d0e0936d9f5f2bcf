#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use super::*;

fn observed(value: f64, standard_error: Option<f64>) -> Observed {
    Observed {
        value,
        standard_error,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Worked by hand: adopters' KS2 expected standard rises from 50% to 62% (+12 points) while
/// the comparison schools rise from 55% to 58% (+3 points), so the effect is +9 points.
/// Each figure has a standard error of 3 points, so the estimate's is √(4 × 0.03²) = 0.06 and
/// its 95% interval 0.09 ± 1.96 × 0.06 = -0.0276 to 0.2076, which includes 0: not
/// distinguishable from no effect.
#[test]
fn a_hand_worked_estimate_with_its_interval() {
    let se = Some(0.03);
    let estimate = difference_in_differences(&DidInput {
        adopters_before: observed(0.50, se),
        adopters_after: observed(0.62, se),
        comparison_before: observed(0.55, se),
        comparison_after: observed(0.58, se),
    });
    assert!(close(estimate.adopters_change, 0.12));
    assert!(close(estimate.comparison_change, 0.03));
    assert!(close(estimate.effect, 0.09));
    let ci = estimate.interval.unwrap();
    assert!(
        close(ci.lower, -0.0276) && close(ci.upper, 0.2076),
        "{ci:?}"
    );
    assert_eq!(estimate.significance, Some(Significance::NotSignificant));
}

/// The same changes measured on bigger samples (standard errors of 1 point): the interval
/// 0.09 ± 1.96 × 0.02 = 0.0508 to 0.1292 excludes 0.
#[test]
fn a_precise_estimate_is_significant() {
    let se = Some(0.01);
    let estimate = difference_in_differences(&DidInput {
        adopters_before: observed(0.50, se),
        adopters_after: observed(0.62, se),
        comparison_before: observed(0.55, se),
        comparison_after: observed(0.58, se),
    });
    let ci = estimate.interval.unwrap();
    assert!(close(ci.lower, 0.0508) && close(ci.upper, 0.1292), "{ci:?}");
    assert_eq!(
        estimate.significance,
        Some(Significance::SignificantlyAbove)
    );
}

#[test]
fn without_every_standard_error_there_is_no_interval() {
    let estimate = difference_in_differences(&DidInput {
        adopters_before: observed(0.2, Some(0.1)),
        adopters_after: observed(0.1, None),
        comparison_before: observed(0.3, Some(0.1)),
        comparison_after: observed(0.3, Some(0.1)),
    });
    assert!(close(estimate.effect, -0.1));
    assert_eq!(estimate.interval, None);
    assert_eq!(estimate.significance, None);
}
