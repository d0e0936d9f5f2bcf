#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use rstest::rstest;

use super::*;
use crate::attendance::SessionCounts;

/// A figure with a 95% interval of `value ± half`.
fn figure(value: f64, half: f64) -> RiskFigure {
    RiskFigure {
        value,
        ci: Some(Interval {
            lower: value - half,
            upper: value + half,
        }),
        n_pupils: 60,
    }
}

/// Whether the rule fired, and its difference rounded to 3 places when it did.
fn check(finding: Option<Finding>) -> Option<f64> {
    finding.map(|f| (f.difference * 1000.0).round() / 1000.0)
}

/// KS2 RWM expected (higher is better) against England's 0.61. The interval half-widths are
/// Wilson-like: ±0.09 for about 30 pupils, ±0.02 for about 2,000.
#[rstest]
// A big difference inside a wide interval (a small school) is noise: it does not fire.
#[case::big_gap_inside_the_noise(figure(0.53, 0.09), 0.61, Confidence::P95, None)]
// A small difference outside a narrow interval (a big cohort) fires.
#[case::small_gap_outside_the_noise(figure(0.58, 0.02), 0.61, Confidence::P95, Some(-0.03))]
#[case::clearly_below(figure(0.48, 0.09), 0.64, Confidence::P95, Some(-0.16))]
// Above the reference never fires, however far.
#[case::above_never_fires(figure(0.80, 0.02), 0.61, Confidence::P95, None)]
// 99% needs more: a gap 1.1 interval half-widths out fires at 95% but not at 99%.
#[case::outside_at_95(figure(0.50, 0.10), 0.61, Confidence::P95, Some(-0.11))]
#[case::inside_at_99(figure(0.50, 0.10), 0.61, Confidence::P99, None)]
// The interval touching the reference is not outside it.
#[case::touching_is_not_outside(figure(0.51, 0.10), 0.61, Confidence::P95, None)]
fn below_reference_fires_only_outside_the_noise(
    #[case] figure: RiskFigure,
    #[case] reference: f64,
    #[case] confidence: Confidence,
    #[case] expected: Option<f64>,
) {
    let fired = below_reference(RiskRule::BelowNational, figure, reference, true, confidence);
    assert_eq!(check(fired), expected);
}

#[test]
fn a_figure_without_an_interval_never_fires() {
    let bare = RiskFigure {
        value: 0.2,
        ci: None,
        n_pupils: 4000,
    };
    assert_eq!(
        below_reference(RiskRule::BelowNational, bare, 0.61, true, Confidence::P95),
        None
    );
}

/// Overall absence (lower is better): worse means above the reference.
#[rstest]
#[case::absence_above_england(figure(0.095, 0.006), 0.07, Some(0.025))]
#[case::absence_below_england(figure(0.05, 0.006), 0.07, None)]
#[case::absence_above_inside_noise(figure(0.08, 0.02), 0.07, None)]
fn for_absence_worse_is_higher(
    #[case] figure: RiskFigure,
    #[case] reference: f64,
    #[case] expected: Option<f64>,
) {
    let fired = below_reference(
        RiskRule::BelowSimilarSchools,
        figure,
        reference,
        false,
        Confidence::P95,
    );
    assert_eq!(check(fired), expected);
}

#[test]
fn a_finding_carries_the_numbers_that_decided_it() {
    let fired = below_reference(
        RiskRule::BelowSimilarSchools,
        figure(0.48, 0.09),
        0.64,
        true,
        Confidence::P95,
    )
    .unwrap();
    assert_eq!(fired.rule, RiskRule::BelowSimilarSchools);
    assert!((fired.reference - 0.64).abs() < 1e-12);
    assert!(
        (fired.margin - 0.09).abs() < 1e-9,
        "z × se is the stored half-width at 95%"
    );
    let ci = fired.interval.unwrap();
    assert!((ci.lower - 0.39).abs() < 1e-9 && (ci.upper - 0.57).abs() < 1e-9);
    assert_eq!(fired.n_pupils, Some(60));
}

/// Year on year: the change's margin is z·√(se₁² + se₂²).
#[rstest]
// Absence up from 8% to 11% with ±0.6 point intervals: margin 0.85 points, fires.
#[case::absence_rise_outside_noise(figure(0.08, 0.006), figure(0.11, 0.006), false, Some(0.03))]
// The same rise with ±2.5 point intervals (a small school): margin 3.5 points, noise.
#[case::absence_rise_inside_noise(figure(0.08, 0.025), figure(0.11, 0.025), false, None)]
// A fall in absence is an improvement.
#[case::absence_fall_is_good(figure(0.11, 0.006), figure(0.08, 0.006), false, None)]
// Progress 8 down 0.4 with ±0.23 intervals (150 pupils): margin 0.32, fires.
#[case::p8_fall(figure(0.1, 0.2267), figure(-0.3, 0.2267), true, Some(-0.4))]
// Down 0.3 with the same intervals: inside the noise.
#[case::p8_small_fall(figure(0.1, 0.2267), figure(-0.2, 0.2267), true, None)]
fn year_on_year_falls_fire_only_outside_the_noise(
    #[case] earlier: RiskFigure,
    #[case] later: RiskFigure,
    #[case] higher_is_better: bool,
    #[case] expected: Option<f64>,
) {
    let fired = fell_year_on_year(earlier, later, higher_is_better, Confidence::P95);
    assert_eq!(check(fired), expected);
}

fn gap(group: RiskFigure, comparator: RiskFigure) -> GapFigures {
    GapFigures { group, comparator }
}

/// Gaps: disadvantaged pupils' figure minus other pupils', this year against last.
#[rstest]
// Progress 8 gap from -0.5 to -1.2, each figure ±0.2: margin 0.39, fires.
#[case::p8_gap_widens(
    gap(figure(-0.4, 0.2), figure(0.1, 0.2)),
    gap(figure(-1.0, 0.2), figure(0.2, 0.2)),
    true,
    Some(-0.7)
)]
// From -0.5 to -0.8 with the same intervals: inside the noise.
#[case::p8_gap_widens_within_noise(
    gap(figure(-0.4, 0.2), figure(0.1, 0.2)),
    gap(figure(-0.6, 0.2), figure(0.2, 0.2)),
    true,
    None
)]
// A narrowing gap never fires.
#[case::gap_narrows(
    gap(figure(-1.0, 0.1), figure(0.2, 0.1)),
    gap(figure(-0.2, 0.1), figure(0.1, 0.1)),
    true,
    None
)]
// Absence: disadvantaged pupils' absence pulls further above the others'.
#[case::absence_gap_widens(
    gap(figure(0.10, 0.005), figure(0.06, 0.005)),
    gap(figure(0.14, 0.005), figure(0.06, 0.005)),
    false,
    Some(0.04)
)]
fn a_gap_fires_only_when_it_widens_outside_the_noise(
    #[case] earlier: GapFigures,
    #[case] later: GapFigures,
    #[case] higher_is_better: bool,
    #[case] expected: Option<f64>,
) {
    let fired = gap_widened(earlier, later, higher_is_better, Confidence::P95);
    assert_eq!(check(fired), expected);
}

/// Pupils against the DfE lines (measures.md §6: persistent 10% or more, severe 50% or more).
#[rstest]
#[case::regular(0.05, None)]
#[case::just_under_persistent(0.099, None)]
#[case::exactly_persistent(0.1, Some(RiskRule::PersistentAbsence))]
#[case::persistent(0.3, Some(RiskRule::PersistentAbsence))]
#[case::exactly_severe(0.5, Some(RiskRule::SevereAbsence))]
#[case::severe_is_one_entry_not_two(0.8, Some(RiskRule::SevereAbsence))]
fn pupils_fire_at_the_dfe_absence_lines(#[case] rate: f64, #[case] expected: Option<RiskRule>) {
    let config = RiskConfig {
        persistent_absence: true,
        ..RiskConfig::default()
    };
    assert_eq!(pupil_absence(rate, &config).map(|f| f.rule), expected);
}

#[test]
fn rules_that_are_off_never_fire_and_thresholds_are_the_partnerships() {
    let defaults = RiskConfig::default();
    assert_eq!(
        pupil_absence(0.3, &defaults),
        None,
        "persistent is off by default"
    );
    assert_eq!(
        pupil_absence(0.6, &defaults).map(|f| f.rule),
        Some(RiskRule::SevereAbsence)
    );
    let stricter = RiskConfig {
        severe_absence_rate: 0.4,
        ..defaults.clone()
    };
    let fired = pupil_absence(0.45, &stricter).unwrap();
    assert_eq!(fired.rule, RiskRule::SevereAbsence);
    assert!((fired.reference - 0.4).abs() < 1e-12);
    let mut none = defaults;
    for rule in RiskRule::ALL {
        none.set(rule, false);
        assert!(!none.is_on(rule));
    }
    assert_eq!(pupil_absence(0.9, &none), None);
}

#[test]
fn codes_round_trip() {
    for rule in RiskRule::ALL {
        assert_eq!(RiskRule::parse(rule.code()), Some(rule));
    }
    for confidence in Confidence::ALL {
        assert_eq!(Confidence::parse(confidence.code()), Some(confidence));
    }
    assert!(Confidence::P99.z() > Confidence::P95.z());
}

fn sessions(possible: u32, absent: u32) -> SessionCounts {
    SessionCounts::from_summary(possible, absent, 0).unwrap()
}

/// A pupil's absence, year on year, with the default ten-point minimum rise at 95%.
#[rstest]
// 5% to 20% of a full year's 380 sessions: far outside the noise and past ten points.
#[case::clear_rise(sessions(380, 19), sessions(380, 76), Some(0.15))]
// The same rates over 20 sessions (a pupil who joined late): inside the noise.
#[case::rise_inside_the_noise(sessions(20, 1), sessions(20, 4), None)]
// 5% to 11%: outside the noise of 380 sessions, but under the ten-point minimum.
#[case::small_rise_outside_the_noise(sessions(380, 19), sessions(380, 42), None)]
#[case::a_fall_is_good(sessions(380, 76), sessions(380, 19), None)]
#[case::no_sessions(sessions(0, 0), sessions(380, 76), None)]
fn a_pupils_absence_rising_fires_past_the_minimum_and_outside_the_noise(
    #[case] earlier: SessionCounts,
    #[case] later: SessionCounts,
    #[case] expected: Option<f64>,
) {
    let fired = pupil_absence_rising(earlier, later, &RiskConfig::default());
    assert_eq!(check(fired), expected);
}

#[test]
fn settings_stored_before_the_trajectory_rule_read_with_it_on() {
    let mut old = serde_json::to_value(RiskConfig::default()).unwrap();
    let map = old.as_object_mut().unwrap();
    map.remove("attainment_trajectory");
    map.remove("grade_scheme");
    let read: RiskConfig = serde_json::from_value(old).unwrap();
    assert_eq!(read, RiskConfig::default());
    assert!(read.is_on(RiskRule::AttainmentTrajectory));
    assert!(RiskRule::AttainmentTrajectory.is_pupil_level());
    assert_eq!(
        RiskRule::parse("attainment_trajectory"),
        Some(RiskRule::AttainmentTrajectory)
    );
}
