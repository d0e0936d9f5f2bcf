#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use cairn_domain::AcademicYear;
use rstest::rstest;

use super::*;
use crate::ks4::tables::{Estimates, Ks2Average, Release};

fn points(results: &[&str]) -> Vec<AssessmentPoint> {
    let terms = ["Autumn", "Spring", "Summer"];
    results
        .iter()
        .enumerate()
        .map(|(i, r)| AssessmentPoint {
            assessment: format!("Y6 {}", terms[i % 3]),
            result: (*r).to_owned(),
        })
        .collect()
}

/// The DfE's 2024 provisional Attainment 8 estimates (measures.md §2.3, KS4 Ready Reckoner
/// `p8_att8_splits.csv` at efeebe6) for a KS2 average.
fn group_2024(ks2_average: f64) -> GroupEstimate {
    let estimates =
        Estimates::dfe(AcademicYear::starting(2023).unwrap(), Release::Provisional).unwrap();
    *estimates
        .group_for(Ks2Average::from_value(ks2_average).unwrap())
        .unwrap()
}

/// A short name for what the rule did: "fired", "fell" (fired and lower), or the reason.
fn outcome(t: &Trajectory) -> String {
    match t {
        Trajectory::Fired(f) if f.fell => "fell".to_owned(),
        Trajectory::Fired(_) => "fired".to_owned(),
        Trajectory::NotFiring => "not firing".to_owned(),
        Trajectory::OnePoint => "one point".to_owned(),
        Trajectory::UnknownResult(r) => format!("unknown {r}"),
        Trajectory::MixedScales => "mixed".to_owned(),
        Trajectory::NoPriorAttainment => "no prior".to_owned(),
    }
}

/// KS2 reading on the default scale (BLW, PK1–PK6, WTS below; EXS at; GDS above).
#[rstest]
#[case::below_and_the_same(&["WTS", "WTS"], "fired")]
#[case::below_and_fell(&["WTS", "PK6"], "fell")]
#[case::slipped_from_at_to_below(&["EXS", "WTS"], "fell")]
#[case::below_but_rising(&["PK5", "WTS"], "not firing")]
#[case::at_expected_and_the_same(&["EXS", "EXS"], "not firing")]
// Above expected, even falling, is not below.
#[case::fell_but_still_at(&["GDS", "EXS"], "not firing")]
// Only the two latest points count: an earlier fall does not matter once rising.
#[case::only_the_latest_two(&["EXS", "PK6", "WTS"], "not firing")]
#[case::latest_two_steady_below(&["EXS", "WTS", "WTS"], "fired")]
// Case and spaces do not matter.
#[case::case_and_spaces(&[" wts", "Wts "], "fired")]
#[case::one_point_only(&["WTS"], "one point")]
#[case::no_points(&[], "one point")]
// A result the scheme does not know is reported, not guessed, whichever point it is.
#[case::unknown_latest(&["WTS", "Emerging"], "unknown Emerging")]
#[case::unknown_previous(&["W", "WTS"], "unknown W")]
#[case::a_level_then_a_grade(&["WTS", "4"], "mixed")]
fn word_scale(#[case] results: &[&str], #[case] expected: &str) {
    let t = attainment_trajectory("Reading", &points(results), None, &GradeScheme::default());
    assert_eq!(outcome(&t), expected);
}

#[test]
fn a_fired_level_says_what_expected_means_and_which_points() {
    let t = attainment_trajectory(
        "Maths",
        &points(&["EXS", "WTS"]),
        None,
        &GradeScheme::default(),
    );
    let Trajectory::Fired(f) = t else {
        panic!("should fire: {t:?}");
    };
    assert_eq!(f.subject, "Maths");
    assert_eq!(f.previous.assessment, "Y6 Autumn");
    assert_eq!(f.previous.result, "EXS");
    assert_eq!(f.latest.assessment, "Y6 Spring");
    assert_eq!(f.latest.result, "WTS");
    assert_eq!(
        f.expected,
        Expectation::Level {
            at: "EXS".to_owned()
        }
    );
}

/// Expected grades from the 2024 provisional estimates: KS2 average 105 is group 19, with
/// English element 9.85 (÷2 = 4.925, grade 5), maths element 8.97 (÷2 = 4.485, grade 4) and
/// A8 45.12 (÷10 = 4.512, grade 5); KS2 110 is group 24 (English 12.06 → 6.03, grade 6).
#[rstest]
#[case::english_group_19(105.0, "English Language", 19, 4.925, 5)]
#[case::maths_group_19(105.0, "Maths", 19, 4.485, 4)]
#[case::other_subject_group_19(105.0, "Combined Science", 19, 4.512, 5)]
#[case::english_group_24(110.0, "English", 24, 6.03, 6)]
// Group 5 (KS2 90): maths element 3.75 ÷ 2 = 1.875, grade 2.
#[case::maths_group_5(90.0, "Mathematics", 5, 1.875, 2)]
fn expected_grades_from_the_dfe_estimates(
    #[case] ks2: f64,
    #[case] subject: &str,
    #[case] group: u8,
    #[case] estimate: f64,
    #[case] grade: u8,
) {
    let Expectation::Grade {
        prior_attainment_group,
        estimate: e,
        expected_grade,
        ks2_average,
    } = expected_grade(subject, ks2, &group_2024(ks2))
    else {
        panic!("a grade expectation");
    };
    assert_eq!(prior_attainment_group, group);
    assert!((e - estimate).abs() < 1e-9, "{e} vs {estimate}");
    assert_eq!(expected_grade, grade);
    assert!((ks2_average - ks2).abs() < 1e-9);
}

/// Y11 predicted grades for a pupil with KS2 average 105 (expected: English 5, maths 4).
#[rstest]
#[case::english_4_then_4("English", &["4", "4"], "fired")]
#[case::english_5_then_4("English", &["5", "4"], "fell")]
// A "4+" is still a 4: below an expected 5; up from a 4, so rising.
#[case::english_rising_within_a_grade("English", &["4", "4+"], "not firing")]
#[case::english_slipping_within_a_grade("English", &["4+", "4"], "fell")]
#[case::english_at_expected("English", &["5-", "5-"], "not firing")]
// The same 4 is at expected in maths for this pupil.
#[case::maths_4_is_at("Maths", &["4", "4"], "not firing")]
#[case::maths_3_steady("Maths", &["3", "3"], "fired")]
#[case::maths_rising("Maths", &["2", "3"], "not firing")]
#[case::grade_out_of_range("Maths", &["3", "10"], "unknown 10")]
#[case::one_predicted_grade("Maths", &["3"], "one point")]
fn gcse_grades_against_prior_attainment(
    #[case] subject: &str,
    #[case] results: &[&str],
    #[case] expected: &str,
) {
    let group = group_2024(105.0);
    let t = attainment_trajectory(
        subject,
        &points(results),
        Some((105.0, &group)),
        &GradeScheme::default(),
    );
    assert_eq!(outcome(&t), expected);
}

#[test]
fn grades_without_prior_attainment_are_not_judged() {
    let t = attainment_trajectory(
        "English",
        &points(&["2", "2"]),
        None,
        &GradeScheme::default(),
    );
    assert_eq!(t, Trajectory::NoPriorAttainment);
}

#[test]
fn a_scheme_without_gcse_grades_reports_them_as_unknown() {
    let scheme = GradeScheme {
        gcse_grades: false,
        ..GradeScheme::default()
    };
    let group = group_2024(105.0);
    let t = attainment_trajectory(
        "English",
        &points(&["4", "4"]),
        Some((105.0, &group)),
        &scheme,
    );
    assert_eq!(t, Trajectory::UnknownResult("4".to_owned()));
}

#[test]
fn a_partnership_scale_reads_its_own_words() {
    let levels = GradeScheme::parse_levels(
        "Emerging = below\n\nDeveloping = below\nSecure = at\nMastery = above\n",
    )
    .unwrap();
    let scheme = GradeScheme {
        levels,
        gcse_grades: true,
    };
    let fired = attainment_trajectory("Writing", &points(&["Secure", "Developing"]), None, &scheme);
    assert_eq!(outcome(&fired), "fell");
    let Trajectory::Fired(f) = fired else {
        unreachable!()
    };
    assert_eq!(
        f.expected,
        Expectation::Level {
            at: "Secure".to_owned()
        }
    );
    // The default codes are no longer known.
    assert_eq!(
        attainment_trajectory("Writing", &points(&["WTS", "WTS"]), None, &scheme),
        Trajectory::UnknownResult("WTS".to_owned())
    );
}

#[test]
fn the_default_scale_reads_back_from_its_text() {
    let scheme = GradeScheme::default();
    assert_eq!(
        GradeScheme::parse_levels(&scheme.levels_text()).unwrap(),
        scheme.levels
    );
    assert!(scheme.levels_text().starts_with("BLW = below\nPK1 = below"));
}

#[rstest]
#[case::no_equals("WTS below", 1, "write a result")]
#[case::empty_result(" = at", 1, "is empty")]
#[case::bad_standing("EXS = expected", 1, "below, at or above")]
#[case::listed_twice("WTS = below\nwts = below", 2, "listed twice")]
#[case::not_lowest_first("EXS = at\nWTS = below", 2, "lowest first")]
#[case::a_grade("EXS = at\n5 = at", 2, "GCSE grades")]
fn a_scale_that_does_not_read_names_the_line_and_rule(
    #[case] text: &str,
    #[case] line: usize,
    #[case] problem: &str,
) {
    let error = GradeScheme::parse_levels(text).unwrap_err();
    assert_eq!(error.line, line);
    assert!(error.problem.contains(problem), "{error}");
    assert!(error.to_string().starts_with(&format!("line {line}: \"")));
}
