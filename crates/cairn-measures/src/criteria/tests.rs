#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use rstest::rstest;

use super::*;

fn year(start: u16) -> AcademicYear {
    AcademicYear::starting(start).unwrap()
}

fn shown(start: u16, value: f64) -> YearFigure {
    YearFigure {
        academic_year: year(start),
        value: Some(value),
        ci: None,
        n_pupils: Some(60),
    }
}

fn with_ci(start: u16, value: f64, lower: f64, upper: f64) -> YearFigure {
    YearFigure {
        ci: Some(Interval { lower, upper }),
        ..shown(start, value)
    }
}

fn suppressed(start: u16) -> YearFigure {
    YearFigure {
        academic_year: year(start),
        value: None,
        ci: None,
        n_pupils: None,
    }
}

/// Progress 8 interval half-widths from measures.md §2.5 (DfE KS4 ready reckoner): with the
/// 2024 provisional national SD 1.41628, n = 150 gives ±0.2267 and n = 30 gives ±0.5068.
const HALF_150: f64 = 0.2267;
const HALF_30: f64 = 0.5068;

struct Case {
    comparison: Comparison,
    target: Option<f64>,
    due: u16,
    higher_is_better: bool,
    figures: Vec<YearFigure>,
    benchmarks: Benchmarks,
}

fn case(comparison: Comparison, target: Option<f64>, due: u16, figures: Vec<YearFigure>) -> Case {
    Case {
        comparison,
        target,
        due,
        higher_is_better: true,
        figures,
        benchmarks: Benchmarks::default(),
    }
}

fn lower_is_better(mut c: Case) -> Case {
    c.higher_is_better = false;
    c
}

fn benchmarks(mut c: Case, benchmarks: Benchmarks) -> Case {
    c.benchmarks = benchmarks;
    c
}

/// Judges a case and returns what the tests compare: status, reason and noise.
fn check(c: &Case) -> (CriterionStatus, Reason, Option<Noise>) {
    let evaluation = evaluate(&CriterionInput {
        comparison: c.comparison,
        target: c.target,
        due_year: year(c.due),
        higher_is_better: c.higher_is_better,
        figures: &c.figures,
        benchmarks: c.benchmarks,
    });
    (evaluation.status, evaluation.reason, evaluation.noise)
}

use Comparison as C;
use CriterionStatus as S;

#[rstest]
// Progress 8 of +0.30 from 150 pupils: interval 0.07 to 0.53, wholly above 0, which the DfE
// bands "above average" (measures.md §2.6): met, and outside the noise.
#[case::p8_met_outside_noise(
    case(C::Target, Some(0.0), 2024, vec![with_ci(2024, 0.30, 0.30 - HALF_150, 0.30 + HALF_150)]),
    (S::Met, Reason::Reached, Some(Noise::Outside)))]
// The same figure against a target of +0.5 in its due year: not met, but the interval includes
// 0.5, so the shortfall is within the noise.
#[case::p8_not_met_within_noise(
    case(C::Target, Some(0.5), 2024, vec![with_ci(2024, 0.30, 0.30 - HALF_150, 0.30 + HALF_150)]),
    (S::NotMet, Reason::NotReachedByDueYear, Some(Noise::Within)))]
// +0.10 from 30 pupils: interval -0.41 to +0.61 includes 0, DfE "average" (§2.6): the target
// of 0 is reached, but within the noise.
#[case::p8_met_within_noise(
    case(C::Target, Some(0.0), 2024, vec![with_ci(2024, 0.10, 0.10 - HALF_30, 0.10 + HALF_30)]),
    (S::Met, Reason::Reached, Some(Noise::Within)))]
// -0.40 from 150 pupils: interval -0.63 to -0.17, wholly below 0: clearly not met.
#[case::p8_not_met_outside_noise(
    case(C::Target, Some(0.0), 2024, vec![with_ci(2024, -0.40, -0.40 - HALF_150, -0.40 + HALF_150)]),
    (S::NotMet, Reason::NotReachedByDueYear, Some(Noise::Outside)))]
// Absence, lower is better: 7.5% against a 8% target is met; the interval 6.8% to 8.2%
// straddles the target.
#[case::absence_met_within_noise(
    lower_is_better(case(C::Target, Some(0.08), 2024, vec![with_ci(2024, 0.075, 0.068, 0.082)])),
    (S::Met, Reason::Reached, Some(Noise::Within)))]
// Absence of 9% with a target of 8% is not met, whatever higher-is-better would say.
#[case::absence_above_target_not_met(
    lower_is_better(case(C::Target, Some(0.08), 2024, vec![with_ci(2024, 0.09, 0.085, 0.095)])),
    (S::NotMet, Reason::NotReachedByDueYear, Some(Noise::Outside)))]
// 50% then 62.5% a year later, aiming for 80% two years on: the line rises 12.5 points a
// year and reaches 87.5% by the due year, so on track. No interval, so the noise is unknown.
#[case::rising_on_track(
    case(C::Target, Some(0.8), 2025, vec![shown(2022, 0.5), shown(2023, 0.625)]),
    (S::OnTrack, Reason::ProjectedToReach { projected: 0.875 }, None))]
// 50% then 56.25%: 6.25 points a year reaches only 68.75% by the due year.
#[case::rising_too_slowly(
    case(C::Target, Some(0.8), 2025, vec![shown(2022, 0.5), shown(2023, 0.5625)]),
    (S::NotMet, Reason::ProjectedToFallShort { projected: 0.6875 }, None))]
// Absence rising from 8% to 11% against a 7% target: moving the wrong way.
#[case::absence_rising_off_track(
    lower_is_better(case(C::Target, Some(0.07), 2026, vec![shown(2022, 0.08), shown(2023, 0.11)])),
    (S::NotMet, Reason::ProjectedToFallShort { projected: 0.11 + 0.03 * 3.0 }, None))]
// One year, short of the target, before the due year: no trend to judge by.
#[case::one_year_no_trend(
    case(C::Target, Some(0.8), 2025, vec![shown(2023, 0.6)]),
    (S::NotYetMeasurable, Reason::NoTrend, None))]
// Three years 0.25, 0.5, 0.625: the line from the earliest to the latest (0.1875 a year)
// reaches 0.8125 by 2025.
#[case::projection_uses_earliest_and_latest(
    case(C::Target, Some(0.8), 2025, vec![shown(2024, 0.625), shown(2022, 0.25), shown(2023, 0.5)]),
    (S::OnTrack, Reason::ProjectedToReach { projected: 0.625 + 0.1875 }, None))]
#[case::suppressed_latest_year(
    case(C::Target, Some(0.5), 2024, vec![shown(2023, 0.6), suppressed(2024)]),
    (S::NotYetMeasurable, Reason::Suppressed, None))]
#[case::no_figures(
    case(C::Target, Some(0.5), 2024, vec![]),
    (S::NotYetMeasurable, Reason::NoFigure, None))]
// A figure after the due year is not the one judged: the due year's is.
#[case::later_years_ignored(
    case(C::Target, Some(0.5), 2023, vec![shown(2023, 0.4), shown(2024, 0.7)]),
    (S::NotMet, Reason::NotReachedByDueYear, None))]
#[case::target_missing(
    case(C::Target, None, 2024, vec![shown(2024, 0.6)]),
    (S::NotYetMeasurable, Reason::NoTarget, None))]
// Disadvantaged pupils at 45%, other pupils nationally at 67%, aiming for a gap of at most
// 15 points: the figure must reach 52%; the interval 38% to 52% ends at 52%, so it includes
// the threshold and the shortfall is within the noise.
#[case::gap_not_closed(
    benchmarks(
        case(C::GapToNationalOther, Some(0.15), 2024, vec![with_ci(2024, 0.45, 0.38, 0.52)]),
        Benchmarks { national_other: Some(0.67), ..Benchmarks::default() }),
    (S::NotMet, Reason::NotReachedByDueYear, Some(Noise::Within)))]
#[case::gap_closed(
    benchmarks(
        case(C::GapToNationalOther, Some(0.25), 2024, vec![with_ci(2024, 0.45, 0.38, 0.52)]),
        Benchmarks { national_other: Some(0.67), ..Benchmarks::default() }),
    (S::Met, Reason::Reached, Some(Noise::Within)))]
// Absence gap, lower is better: 12% against 6% nationally for other pupils, allowed 4 points,
// must reach 10%.
#[case::absence_gap_not_closed(
    lower_is_better(benchmarks(
        case(C::GapToNationalOther, Some(0.04), 2024, vec![with_ci(2024, 0.12, 0.105, 0.135)]),
        Benchmarks { national_other: Some(0.06), ..Benchmarks::default() })),
    (S::NotMet, Reason::NotReachedByDueYear, Some(Noise::Outside)))]
#[case::gap_without_national_figure(
    case(C::GapToNationalOther, Some(0.15), 2024, vec![shown(2024, 0.45)]),
    (S::NotYetMeasurable, Reason::NoNationalOther, None))]
#[case::similar_average_reached(
    benchmarks(
        case(C::SimilarSchoolsAverage, None, 2024, vec![with_ci(2024, 0.62, 0.55, 0.69)]),
        Benchmarks { similar_average: Some(0.6), ..Benchmarks::default() }),
    (S::Met, Reason::Reached, Some(Noise::Within)))]
#[case::similar_average_unknown(
    case(C::SimilarSchoolsAverage, None, 2024, vec![shown(2024, 0.62)]),
    (S::NotYetMeasurable, Reason::NoSimilarAverage, None))]
#[case::top_quarter(
    benchmarks(
        case(C::SimilarSchoolsTopQuarter, None, 2024, vec![shown(2024, 0.7)]),
        Benchmarks { similar_top_quarter: Some(true), ..Benchmarks::default() }),
    (S::Met, Reason::Reached, None))]
#[case::not_top_quarter_by_due_year(
    benchmarks(
        case(C::SimilarSchoolsTopQuarter, None, 2024, vec![shown(2024, 0.7)]),
        Benchmarks { similar_top_quarter: Some(false), ..Benchmarks::default() }),
    (S::NotMet, Reason::NotReachedByDueYear, None))]
#[case::top_quarter_unknown(
    case(C::SimilarSchoolsTopQuarter, None, 2024, vec![shown(2024, 0.7)]),
    (S::NotYetMeasurable, Reason::NoTopQuarterFlag, None))]
fn criteria_are_judged_by_the_rules(
    #[case] c: Case,
    #[case] expected: (CriterionStatus, Reason, Option<Noise>),
) {
    let (status, reason, noise) = check(&c);
    assert_eq!(status, expected.0);
    assert_eq!(noise, expected.2);
    match (reason, expected.1) {
        (Reason::ProjectedToReach { projected: a }, Reason::ProjectedToReach { projected: b })
        | (
            Reason::ProjectedToFallShort { projected: a },
            Reason::ProjectedToFallShort { projected: b },
        ) => assert!((a - b).abs() < 1e-9, "projected {a}, expected {b}"),
        (got, want) => assert_eq!(got, want),
    }
}

#[test]
fn an_evaluation_keeps_the_figures_that_decided_it() {
    let figures = [
        shown(2022, 0.5),
        suppressed(2023),
        with_ci(2024, 0.625, 0.6, 0.65),
    ];
    let evaluation = evaluate(&CriterionInput {
        comparison: Comparison::Target,
        target: Some(0.6),
        due_year: year(2025),
        higher_is_better: true,
        figures: &figures,
        benchmarks: Benchmarks::default(),
    });
    assert_eq!(evaluation.judged, Some(figures[2]));
    assert_eq!(evaluation.threshold, Some(0.6));
    assert_eq!(
        evaluation.trend,
        vec![(year(2022), 0.5)],
        "suppressed years leave no trend point"
    );
    let json = serde_json::to_string(&evaluation).unwrap();
    let back: Evaluation = serde_json::from_str(&json).unwrap();
    assert_eq!(back, evaluation, "evaluations round-trip through storage");
}

#[test]
fn status_codes_round_trip() {
    for status in CriterionStatus::ALL {
        assert_eq!(CriterionStatus::parse(status.code()), Some(status));
    }
}
