#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use super::*;

fn year(start: u16) -> AcademicYear {
    AcademicYear::starting(start).unwrap()
}

fn series(points: &[(u16, f64)]) -> Series {
    Series::new(points.iter().map(|&(y, v)| (year(y), v)))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 5e-4
}

/// Three adopters, two comparison schools each, worked by hand:
///
/// | adopter | adopted | change | comparison changes | mean | effect |
/// | --- | --- | --- | --- | --- | --- |
/// | A1 | 2023/24 | 56 - 50 = 6 | 50 - 48 = 2, 53 - 52 = 1 | 1.5 | 4.5 |
/// | A2 | 2024/25 | 45 - (40+42)/2 = 4 | 41 - 40 = 1, 43 - 44 = -1 | 0 | 4 |
/// | A3 | 2023/24 | (61+63)/2 - 60 = 2 | 59 - 58 = 1, 61 - 61 = 0 | 0.5 | 1.5 |
///
/// Mean effect 10/3 = 3.3333; SD of the effects sqrt(5.16667/2) = 1.60728; SE 1.60728/sqrt(3)
/// = 0.92796; t(0.975, 2) = 4.30265; interval 3.3333 -/+ 3.99269 = (-0.6594, 7.3260), which
/// contains zero: no detectable effect yet, although every adopter's effect is positive.
fn three_adopters() -> Vec<Adopter> {
    vec![
        Adopter {
            series: series(&[(2022, 50.0), (2023, 56.0)]),
            adopted_in: year(2023),
            comparisons: vec![
                series(&[(2022, 48.0), (2023, 50.0)]),
                series(&[(2022, 52.0), (2023, 53.0)]),
            ],
        },
        Adopter {
            series: series(&[(2022, 40.0), (2023, 42.0), (2024, 45.0)]),
            adopted_in: year(2024),
            comparisons: vec![
                series(&[(2022, 39.0), (2023, 41.0), (2024, 41.0)]),
                series(&[(2022, 44.0), (2023, 44.0), (2024, 43.0)]),
            ],
        },
        Adopter {
            series: series(&[(2022, 60.0), (2023, 61.0), (2024, 63.0)]),
            adopted_in: year(2023),
            comparisons: vec![
                series(&[(2022, 58.0), (2023, 59.0), (2024, 59.0)]),
                series(&[(2022, 61.0), (2023, 60.0), (2024, 62.0)]),
            ],
        },
    ]
}

#[test]
fn three_adopters_with_a_wide_interval_show_no_detectable_effect_yet() {
    let estimate = estimate_impact(&three_adopters(), true);
    let effects: Vec<f64> = estimate.per_adopter.iter().map(|a| a.effect).collect();
    assert_eq!(effects, vec![4.5, 4.0, 1.5]);
    assert!(close(estimate.effect.unwrap(), 10.0 / 3.0));
    let interval = estimate.interval.unwrap();
    assert!(close(interval.lower, -0.6594), "{interval:?}");
    assert!(close(interval.upper, 7.3260), "{interval:?}");
    assert_eq!(estimate.verdict, Verdict::NoDetectableEffect);
    assert!(
        estimate
            .verdict
            .sentence()
            .starts_with("No detectable effect yet")
    );
}

/// One adopter: its change of 6 against four comparison changes 2, 1, 0, 1 (mean 1, SD
/// sqrt(2/3) = 0.81650). Effect 5; half-width t(0.975, 3) 3.18245 x 0.81650 x sqrt(1 + 1/4)
/// = 2.90517; interval (2.0948, 7.9052), above zero: improved.
#[test]
fn one_adopter_is_judged_against_the_spread_of_its_comparisons() {
    let adopter = Adopter {
        series: series(&[(2022, 50.0), (2023, 56.0)]),
        adopted_in: year(2023),
        comparisons: [2.0, 1.0, 0.0, 1.0]
            .iter()
            .map(|d| series(&[(2022, 50.0), (2023, 50.0 + d)]))
            .collect(),
    };
    let estimate = estimate_impact(std::slice::from_ref(&adopter), true);
    assert!(close(estimate.effect.unwrap(), 5.0));
    let interval = estimate.interval.unwrap();
    assert!(close(interval.lower, 2.0948), "{interval:?}");
    assert!(close(interval.upper, 7.9052), "{interval:?}");
    assert_eq!(estimate.verdict, Verdict::Improved);
    // For an absence rate, the same rise is a change for the worse.
    assert_eq!(
        estimate_impact(&[adopter], false).verdict,
        Verdict::Worsened
    );
}

#[test]
fn too_few_schools_are_said_to_be_too_few() {
    // One adopter and one comparison: no spread to judge by.
    let adopter = Adopter {
        series: series(&[(2022, 50.0), (2023, 56.0)]),
        adopted_in: year(2023),
        comparisons: vec![series(&[(2022, 50.0), (2023, 51.0)])],
    };
    let estimate = estimate_impact(&[adopter], true);
    assert_eq!(estimate.effect, Some(5.0));
    assert_eq!(estimate.interval, None);
    assert_eq!(estimate.verdict, Verdict::TooFewSchools);
    // An adopter with no figures before adopting cannot be used at all.
    let no_before = Adopter {
        series: series(&[(2023, 56.0)]),
        adopted_in: year(2023),
        comparisons: vec![series(&[(2022, 50.0), (2023, 51.0)])],
    };
    let estimate = estimate_impact(&[no_before], true);
    assert_eq!(estimate.effect, None);
    assert!(estimate.per_adopter.is_empty());
    assert_eq!(estimate.verdict, Verdict::TooFewSchools);
}

#[test]
fn comparisons_are_measured_over_their_adopters_years_only() {
    // The comparison's 2021/22 figure is outside the adopter's years and must not count.
    let adopter = Adopter {
        series: series(&[(2022, 50.0), (2023, 52.0)]),
        adopted_in: year(2023),
        comparisons: vec![
            series(&[(2021, 10.0), (2022, 50.0), (2023, 51.0)]),
            series(&[(2022, 50.0), (2023, 51.0)]),
        ],
    };
    let estimate = estimate_impact(&[adopter], true);
    assert_eq!(estimate.per_adopter[0].comparison_change, 1.0);
    assert_eq!(estimate.per_adopter[0].effect, 1.0);
}

#[test]
fn the_before_and_after_picture_lines_adopters_up_by_years_from_adoption() {
    // Adopter A adopts in 2023/24, B in 2022/23. Years from adoption: A's 2022/23 is -1 and
    // 2023/24 is 0; B's 2021/22 is -1 and 2022/23 is 0. At -1: adopters (50 + 40) / 2 = 45,
    // comparisons (mean of 48 and 52 = 50, and 44) / 2 = 47. At 0: (60 + 46) / 2 = 53 and
    // (51 + 45) / 2 = 48. B's 2023/24 figure has no comparison figure that year and is left out.
    let a = Adopter {
        series: series(&[(2022, 50.0), (2023, 60.0)]),
        adopted_in: year(2023),
        comparisons: vec![
            series(&[(2022, 48.0), (2023, 50.0)]),
            series(&[(2022, 52.0), (2023, 52.0)]),
        ],
    };
    let b = Adopter {
        series: series(&[(2021, 40.0), (2022, 46.0), (2023, 47.0)]),
        adopted_in: year(2022),
        comparisons: vec![series(&[(2021, 44.0), (2022, 45.0)])],
    };
    let points = event_time_means(&[a, b]);
    let got: Vec<(i32, f64, f64, usize)> = points
        .iter()
        .map(|p| {
            (
                p.years_from_adoption,
                p.adopters,
                p.comparisons,
                p.n_adopters,
            )
        })
        .collect();
    assert_eq!(got, [(-1, 45.0, 47.0, 2), (0, 53.0, 48.0, 2)]);
}

fn group(urn: u32, points: &[(u16, Option<f64>)]) -> GroupSeries {
    GroupSeries {
        urn: Urn::from_u32(100_000 + urn).unwrap(),
        values: points.iter().map(|&(y, v)| (year(y), v)).collect(),
    }
}

/// Disadvantaged pupils' share reaching the expected standard, worked by hand; `-` is a
/// suppressed figure. Comparison schools C1 to C4 are the same four for every adopter:
///
/// | school | 2022/23 | 2023/24 | 2024/25 |
/// | --- | --- | --- | --- |
/// | C1 | 0.45 | 0.47 | 0.49 |
/// | C2 | 0.50 | 0.50 | 0.51 |
/// | C3 | - | 0.60 | 0.58 |
/// | C4 | - | - | 0.55 |
///
/// | adopter | adopted | figures | change | comparisons used | their mean change | effect |
/// | --- | --- | --- | --- | --- | --- | --- |
/// | A1 | 2023/24 | 0.40, 0.52 | 0.12 | C1 0.02, C2 0.00 | 0.01 | 0.11 |
/// | A2 | 2024/25 | 0.30, 0.34, 0.42 | 0.42 - 0.32 = 0.10 | C1 0.03, C2 0.01, C3 -0.02 | 0.00667 | 0.09333 |
/// | A3 | 2023/24 | -, 0.50 | none: suppressed before | | | |
/// | A4 | 2023/24 | 0.20, 0.30 | 0.10 | C1 0.02, C2 0.00 | 0.01 | 0.09 |
///
/// C3 has no shown figure before 2023/24, so A1 and A4 cannot use it, but A2 (adopted a year
/// later) can; C4 has none before any adoption. Left out by suppression: one adopter (A3) and
/// one comparison school (C4). Mean effect 0.29333/3 = 0.097778; SD of the effects 0.010715;
/// SE 0.0061864; t(0.975, 2) = 4.30265; interval (0.071160, 0.124396), above zero: improved.
#[test]
fn the_targeted_group_is_measured_on_shown_figures_and_counts_schools_suppression_left_out() {
    let c1 = &[(2022, Some(0.45)), (2023, Some(0.47)), (2024, Some(0.49))];
    let c2 = &[(2022, Some(0.50)), (2023, Some(0.50)), (2024, Some(0.51))];
    let c3 = &[(2022, None), (2023, Some(0.60)), (2024, Some(0.58))];
    let c4 = &[(2022, None), (2023, None), (2024, Some(0.55))];
    let comparisons = vec![group(11, c1), group(12, c2), group(13, c3), group(14, c4)];
    let adopter = |urn, adopted: u16, points: &[(u16, Option<f64>)]| GroupAdopter {
        series: group(urn, points),
        adopted_in: year(adopted),
        comparisons: comparisons.clone(),
    };
    let adopters = [
        adopter(1, 2023, &[(2022, Some(0.40)), (2023, Some(0.52))]),
        adopter(
            2,
            2024,
            &[(2022, Some(0.30)), (2023, Some(0.34)), (2024, Some(0.42))],
        ),
        adopter(3, 2023, &[(2022, None), (2023, Some(0.50))]),
        adopter(4, 2023, &[(2022, Some(0.20)), (2023, Some(0.30))]),
    ];
    let impact = estimate_group_impact(&adopters, true);
    let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
    let effects: Vec<f64> = impact
        .estimate
        .per_adopter
        .iter()
        .map(|a| a.effect)
        .collect();
    assert_eq!(effects.len(), 3, "A3 cannot contribute: {effects:?}");
    assert!(near(effects[0], 0.11) && near(effects[1], 0.093_333_3) && near(effects[2], 0.09));
    let used: Vec<usize> = impact
        .estimate
        .per_adopter
        .iter()
        .map(|a| a.n_comparisons)
        .collect();
    assert_eq!(used, vec![2, 3, 2], "C3 only for A2, C4 for nobody");
    assert!(near(impact.estimate.effect.unwrap(), 0.097_777_8));
    let interval = impact.estimate.interval.unwrap();
    assert!(near(interval.lower, 0.071_160), "{interval:?}");
    assert!(near(interval.upper, 0.124_396), "{interval:?}");
    assert_eq!(impact.estimate.verdict, Verdict::Improved);
    assert_eq!(
        (impact.adopters_left_out, impact.comparisons_left_out),
        (1, 1)
    );

    // The same figures with nothing suppressed are the all-pupils estimate exactly.
    let shown: Vec<Adopter> = adopters
        .iter()
        .map(|a| Adopter {
            series: a.series.shown(),
            adopted_in: a.adopted_in,
            comparisons: a.comparisons.iter().map(GroupSeries::shown).collect(),
        })
        .collect();
    assert_eq!(impact.estimate, estimate_impact(&shown, true));
}

#[test]
fn a_group_suppressed_everywhere_is_too_few_schools_with_every_school_counted_out() {
    let adopters = [GroupAdopter {
        series: group(1, &[(2022, None), (2023, None)]),
        adopted_in: year(2023),
        comparisons: vec![group(11, &[(2022, Some(0.4)), (2023, Some(0.5))])],
    }];
    let impact = estimate_group_impact(&adopters, true);
    assert_eq!(impact.estimate.verdict, Verdict::TooFewSchools);
    assert_eq!(impact.estimate.effect, None);
    assert_eq!(impact.adopters_left_out, 1);
    assert_eq!(
        impact.comparisons_left_out, 0,
        "its comparisons were never reached"
    );
}
