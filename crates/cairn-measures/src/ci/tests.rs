#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use std::collections::HashMap;

use rstest::rstest;

use super::*;

/// The whole-of-England KS4 provisional file for 2018/19 (DfE performance tables, October
/// 2019), described in `../shared/reference/public-data/README.md` §3.
const ENGLAND_KS4_2019: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/public-data/england-2018-19-perf-tables/england_ks4provisional.csv"
);

fn england_ks4_rows() -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(ENGLAND_KS4_2019).unwrap_or_else(|e| {
        panic!("the 2018/19 England KS4 file must be present at {ENGLAND_KS4_2019}: {e}")
    });
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn number(row: &HashMap<String, String>, column: &str) -> Option<f64> {
    row.get(column)?.parse().ok()
}

fn check_banding(score: f64, lower: f64, upper: f64, expected: P8Banding) {
    assert_eq!(
        P8Banding::classify(score, Interval { lower, upper }),
        expected,
        "score {score}, CI {lower} to {upper}"
    );
}

// measures.md §2.6 (FFT Education Datalab statement of the DfE rule), with boundary rows taken
// from the 2018/19 England KS4 provisional file.
#[rstest]
#[case::well_above(0.74, 0.48, 1.0, P8Banding::WellAboveAverage)]
#[case::exactly_plus_half_is_well_above(0.5, 0.2, 0.8, P8Banding::WellAboveAverage)]
#[case::above(0.3, 0.05, 0.55, P8Banding::AboveAverage)]
#[case::interval_touching_zero_is_average(0.22, 0.0, 0.44, P8Banding::Average)]
#[case::average(-0.08, -0.3, 0.14, P8Banding::Average)]
#[case::below(-0.3, -0.5, -0.1, P8Banding::BelowAverage)]
#[case::exactly_minus_half_is_below(-0.5, -0.8, -0.2, P8Banding::BelowAverage)]
#[case::well_below(-2.98, -3.6, -2.35, P8Banding::WellBelowAverage)]
fn banding_follows_the_dfe_rule(
    #[case] score: f64,
    #[case] lower: f64,
    #[case] upper: f64,
    #[case] expected: P8Banding,
) {
    check_banding(score, lower, upper, expected);
}

#[test]
fn banding_reproduces_every_published_p8_banding_in_england_2018_19() {
    let mut n_checked = 0;
    let mut mismatches = Vec::new();
    for row in england_ks4_rows() {
        let (Some(score), Some(lower), Some(upper)) = (
            number(&row, "P8MEA"),
            number(&row, "P8CILOW"),
            number(&row, "P8CIUPP"),
        ) else {
            continue;
        };
        // SUPP bandings are for schools not covering the full 11–16 range (measures.md §2.6).
        let Some(published) = row["P8_BANDING"]
            .parse::<u8>()
            .ok()
            .and_then(P8Banding::from_dfe_code)
        else {
            continue;
        };
        n_checked += 1;
        let ours = P8Banding::classify(score, Interval { lower, upper });
        if ours != published {
            mismatches.push((row["URN"].clone(), score, lower, upper, published, ours));
        }
    }
    assert!(n_checked > 3_500, "only {n_checked} schools checked");
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

/// 2018/19 national SDs of pupil Progress 8 scores implied by the published intervals
/// (measures.md §2.5: median 1.283 adjusted, 1.307 unadjusted; given to three decimals, so the
/// check allows σ ± 0.0005 on top of the two-decimal rounding of each published bound).
#[rstest]
#[case::adjusted("P8MEA", "P8CILOW", "P8CIUPP", 1.283)]
#[case::unadjusted("P8MEA_ORIG", "P8CILOW_ORIG", "P8CIUPP_ORIG", 1.307)]
fn interval_half_widths_match_every_published_2018_19_interval(
    #[case] score_column: &str,
    #[case] lower_column: &str,
    #[case] upper_column: &str,
    #[case] national_sd: f64,
) {
    let mut n_checked = 0;
    for row in england_ks4_rows() {
        let (Some(score), Some(lower), Some(upper), Some(n)) = (
            number(&row, score_column),
            number(&row, lower_column),
            number(&row, upper_column),
            number(&row, "P8PUP"),
        ) else {
            continue;
        };
        let n = n as u32;
        if n == 0 {
            continue;
        }
        n_checked += 1;
        let ours = mean_interval(score, national_sd, n, Z_95_DFE).unwrap();
        let published = Interval { lower, upper };
        // Each published bound is rounded to 0.01 (half-width error ≤ 0.005); σ is known to
        // ±0.0005.
        let tolerance = 0.005 + Z_95_DFE * 0.0005 / f64::from(n).sqrt() + 1e-9;
        let difference = (ours.half_width() - published.half_width()).abs();
        assert!(
            difference <= tolerance,
            "URN {}: n {n}, published half-width {}, ours {}",
            row["URN"],
            published.half_width(),
            ours.half_width()
        );
    }
    assert!(n_checked > 3_600, "only {n_checked} schools checked");
}

// measures.md §2.5 worked examples: σ = 1.41628 (2024 provisional); n = 150 gives a
// half-width of 0.2267, n = 30 gives 0.5068.
#[rstest]
#[case(150, 0.2267)]
#[case(30, 0.5068)]
fn p8_interval_matches_the_measures_md_examples(#[case] n: u32, #[case] half_width: f64) {
    let interval = mean_interval(0.0, 1.41628, n, Z_95_DFE).unwrap();
    assert!((interval.half_width() - half_width).abs() < 5e-5);
}

// Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I,
// method 3 (Wilson score without continuity correction).
#[rstest]
#[case(81, 263, 0.2553, 0.3662)]
#[case(15, 148, 0.0624, 0.1605)]
#[case(0, 20, 0.0, 0.1611)]
#[case(1, 29, 0.0061, 0.1718)]
fn wilson_interval_matches_newcombe_1998(
    #[case] hits: u32,
    #[case] n: u32,
    #[case] lower: f64,
    #[case] upper: f64,
) {
    let interval = wilson_interval(hits, n, Z_95).unwrap();
    assert!((interval.lower - lower).abs() < 5e-5, "{interval:?}");
    assert!((interval.upper - upper).abs() < 5e-5, "{interval:?}");
}

#[test]
fn wilson_interval_of_no_pupils_is_none() {
    assert_eq!(wilson_interval(0, 0, Z_95), None);
}

#[rstest]
#[case(Interval { lower: 0.1, upper: 0.4 }, 0.0, Significance::SignificantlyAbove)]
#[case(Interval { lower: -0.1, upper: 0.4 }, 0.0, Significance::NotSignificant)]
#[case(Interval { lower: 40.0, upper: 44.0 }, 46.7, Significance::SignificantlyBelow)]
fn comparison_with_a_reference_uses_the_interval(
    #[case] interval: Interval,
    #[case] reference: f64,
    #[case] expected: Significance,
) {
    assert_eq!(compare_with(interval, reference), expected);
}

#[test]
fn year_on_year_change_is_significant_only_beyond_the_combined_error() {
    let earlier = Estimate::of_mean(0.10, 1.41628, 150).unwrap();
    let small_rise = Estimate::of_mean(0.30, 1.41628, 150).unwrap();
    let big_rise = Estimate::of_mean(0.60, 1.41628, 150).unwrap();
    assert_eq!(
        change_between(earlier, small_rise, Z_95).1,
        Significance::NotSignificant
    );
    let (change, significance) = change_between(earlier, big_rise, Z_95);
    assert!((change - 0.5).abs() < 1e-12);
    assert_eq!(significance, Significance::SignificantlyAbove);
}

#[test]
fn funnel_limits_narrow_as_cohorts_grow_and_outer_contains_inner() {
    let small = FunnelLimits::for_proportion(0.45, 30).unwrap();
    let large = FunnelLimits::for_proportion(0.45, 300).unwrap();
    assert!(small.inner.half_width() > large.inner.half_width());
    for limits in [small, large] {
        assert!(limits.outer.lower <= limits.inner.lower);
        assert!(limits.outer.upper >= limits.inner.upper);
    }
    // 0.45 ± 1.96·√(0.45·0.55/300) = 0.45 ± 0.0563.
    assert!((large.inner.upper - 0.506_296).abs() < 1e-5);
    assert_eq!(large.position(0.60), FunnelPosition::AboveOuter);
    assert_eq!(large.position(0.46), FunnelPosition::Within);
}

#[test]
fn funnel_limits_for_means_use_the_given_sd() {
    let limits = FunnelLimits::for_mean(0.0, 1.41628, 150).unwrap();
    assert!((limits.inner.upper - 0.226_65).abs() < 1e-4);
    assert!((limits.outer.upper - 3.090_232 * 1.41628 / 150f64.sqrt()).abs() < 1e-6);
    assert_eq!(limits.position(-0.3), FunnelPosition::BelowInner);
}

/// DfE multi-academy trust KS4 measures for 2023/24 (`../shared/reference/public-data/
/// mat-performance-2023-24/`, Windows-1252): trust bandings follow the same rule.
#[test]
fn banding_reproduces_every_published_trust_banding_in_2023_24() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/public-data/mat-performance-2023-24/england_ks4-mats-performance.csv"
    );
    let bytes = std::fs::read(path)
        .unwrap_or_else(|e| panic!("the 2023/24 KS4 MAT file must be present at {path}: {e}"));
    // Trust names may be Windows-1252; the numeric columns used here are ASCII.
    let text = String::from_utf8_lossy(&bytes);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (c_score, c_lower, c_upper, c_banding) = (
        col("P8MEA_WGTAVG"),
        col("P8CILOW"),
        col("P8CIUPP"),
        col("P8_BANDING"),
    );
    let mut n_checked = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let (Ok(score), Ok(lower), Ok(upper)) = (
            record[c_score].parse::<f64>(),
            record[c_lower].parse::<f64>(),
            record[c_upper].parse::<f64>(),
        ) else {
            continue;
        };
        let ours = P8Banding::classify(score, Interval { lower, upper });
        assert_eq!(
            ours.label(),
            &record[c_banding],
            "trust {score} {lower} {upper}"
        );
        n_checked += 1;
    }
    assert_eq!(n_checked, 235);
}

/// Surrey (936) KS4 final file for 2018/19 (`../shared/reference/public-data/
/// hampshire-surrey-perf-tables/ks4/`), which has the element measures and their intervals.
/// For each of P8 and its four elements, one national σ reproduces every school's published
/// interval within rounding (the σ range implied by all schools is non-empty), which is what
/// Cairn does with the element SDs of `p8_national_standard_deviations.csv`.
#[rstest]
#[case("P8MEA", "P8CILOW", "P8CIUPP")]
#[case("P8MEAENG", "P8MEAENG_CILOW", "P8MEAENG_CIUPP")]
#[case("P8MEAMAT", "P8MEAMAT_CILOW", "P8MEAMAT_CIUPP")]
#[case("P8MEAEBAC", "P8MEAEBAC_CILOW", "P8MEAEBAC_CIUPP")]
#[case("P8MEAOPEN", "P8MEAOPEN_CILOW", "P8MEAOPEN_CIUPP")]
fn one_national_sd_per_element_reproduces_surrey_2018_19_intervals(
    #[case] score_column: &str,
    #[case] lower_column: &str,
    #[case] upper_column: &str,
) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/public-data/hampshire-surrey-perf-tables/ks4/2018-2019_936_ks4final.csv"
    );
    let bytes = std::fs::read(path)
        .unwrap_or_else(|e| panic!("the Surrey KS4 file must be present at {path}: {e}"));
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let columns = [
        col(score_column),
        col(lower_column),
        col(upper_column),
        col("P8PUP"),
    ];
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        let values: Vec<Option<f64>> = columns
            .iter()
            .map(|&c| record.get(c).and_then(|v| v.parse().ok()))
            .collect();
        if let [Some(score), Some(lower), Some(upper), Some(n)] = values[..] {
            if n > 0.0 {
                rows.push((score, Interval { lower, upper }, n as u32));
            }
        }
    }
    assert!(rows.len() > 50, "{}", rows.len());
    // The σ range consistent with each school's two-decimal bounds, intersected.
    let (mut low, mut high) = (0.0f64, f64::INFINITY);
    for (_, published, n) in &rows {
        let scale = f64::from(*n).sqrt() / Z_95_DFE;
        low = low.max((published.half_width() - 0.005) * scale);
        high = high.min((published.half_width() + 0.005) * scale);
    }
    assert!(low <= high, "no single σ fits: {low} > {high}");
    let sd = (low + high) / 2.0;
    for (score, published, n) in &rows {
        let ours = mean_interval(*score, sd, *n, Z_95_DFE).unwrap();
        assert!((ours.half_width() - published.half_width()).abs() <= 0.005 + 1e-9);
    }
}

/// DfE KS4 2018/19 provisional file, Haverstock School (URN 100049): Progress 8 −0.09 with
/// interval −0.28 to 0.09 over 178 pupils. The half-width 0.185 over 1.96 is the standard
/// error σ/√n, so σ ≈ 0.0944·√178 ≈ 1.26, the DfE's national pupil-level SD for 2019
/// (measures.md §2.5).
#[test]
fn an_estimate_from_a_published_interval_recovers_the_standard_error() {
    let e = Estimate::from_interval(
        -0.09,
        Interval {
            lower: -0.28,
            upper: 0.09,
        },
        Z_95_DFE,
    )
    .unwrap();
    assert!((e.standard_error - 0.185 / 1.96).abs() < 1e-12);
    let sd = e.standard_error * 178f64.sqrt();
    assert!((sd - 1.26).abs() < 0.01, "{sd}");
    let bad = Interval {
        lower: 1.0,
        upper: 0.0,
    };
    assert!(Estimate::from_interval(0.5, bad, Z_95_DFE).is_none());
}

#[test]
fn a_change_between_years_from_stored_intervals_is_significant_only_when_clear() {
    let year = |value: f64, half: f64| {
        Estimate::from_interval(
            value,
            Interval {
                lower: value - half,
                upper: value + half,
            },
            Z_95_DFE,
        )
        .unwrap()
    };
    // 0.40 -> 0.60 with half-widths 0.05: se of change = √2·0.0255, change 0.2 -> significant.
    let (change, sig) = change_between(year(0.40, 0.05), year(0.60, 0.05), Z_95_DFE);
    assert!((change - 0.2).abs() < 1e-12);
    assert_eq!(sig, Significance::SignificantlyAbove);
    // The same change with wide intervals is not.
    let (_, sig) = change_between(year(0.40, 0.2), year(0.60, 0.2), Z_95_DFE);
    assert_eq!(sig, Significance::NotSignificant);
}
