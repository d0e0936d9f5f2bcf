#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use cairn_domain::{SenProvision, Sex, Urn};
use rstest::rstest;

use super::*;
use crate::groups::PupilGroup;

fn pupil(urn: u32, reading: &str, writing: &str, maths: &str) -> Ks2Pupil {
    Ks2Pupil {
        urn: Urn::from_u32(urn).unwrap(),
        context: PupilContext {
            disadvantaged: false,
            sen: SenProvision::None,
            eal: false,
            sex: Sex::Female,
            prior: None,
        },
        reading: TestOutcome::parse(reading).unwrap(),
        writing: WritingAssessment::parse(writing).unwrap(),
        maths: TestOutcome::parse(maths).unwrap(),
        gps: None,
    }
}

fn check(reading: &str, writing: &str, maths: &str, expected: (bool, bool)) {
    let pupil = pupil(100_000, reading, writing, maths);
    assert_eq!(
        (pupil.meets_rwm_expected(), pupil.meets_rwm_high()),
        expected,
        "{reading} {writing} {maths}"
    );
}

// measures.md §4 (ks2_meta PTRWM_EXP, PTRWM_HIGH): expected = reading ≥ 100, maths ≥ 100,
// writing EXS or GDS; higher = reading ≥ 110, maths ≥ 110, writing GDS.
#[rstest]
#[case("100", "EXS", "100", (true, false))]
#[case("99", "GDS", "120", (false, false))]
#[case("110", "GDS", "110", (true, true))]
#[case("110", "EXS", "110", (true, false))]
#[case("120", "GDS", "109", (true, false))]
#[case("105", "WTS", "105", (false, false))]
#[case("A", "EXS", "105", (false, false))]
#[case("B", "PKF", "B", (false, false))]
fn rwm_standards_follow_the_dfe_definitions(
    #[case] reading: &str,
    #[case] writing: &str,
    #[case] maths: &str,
    #[case] expected: (bool, bool),
) {
    check(reading, writing, maths, expected);
}

#[rstest]
#[case("79")]
#[case("121")]
#[case("Z9")]
fn impossible_test_outcomes_are_rejected(#[case] text: &str) {
    assert!(TestOutcome::parse(text).is_err());
}

#[test]
fn school_figures_count_absent_pupils_but_average_only_scaled_scores() {
    let mut pupils: Vec<Ks2Pupil> = (0..9)
        .map(|_| pupil(100_001, "104", "EXS", "100"))
        .collect();
    pupils.push(pupil(100_001, "A", "EXS", "A"));
    let summary = summarise_ks2(SuppressionPolicy::default(), &pupils);
    let rwm = summary.rwm_expected.all().value().unwrap();
    assert_eq!((rwm.hits, rwm.rate), (9, 0.9));
    let reading = summary.reading_average.all().value().unwrap();
    assert_eq!(reading.mean, 104.0);
    assert_eq!(summary.reading_average.all().n_pupils(), Some(9));
    assert!(summary.gps_expected.all().is_suppressed());
    assert!(summary.rwm_expected.get(PupilGroup::Male).is_suppressed());
}

#[test]
fn trust_figures_pool_pupils_not_school_percentages() {
    // School A: 10 pupils, all meet; school B: 30 pupils, none meet.
    let mut pupils: Vec<Ks2Pupil> = (0..10)
        .map(|_| pupil(100_001, "105", "EXS", "105"))
        .collect();
    pupils.extend((0..30).map(|_| pupil(100_002, "95", "WTS", "95")));
    let schools = [
        Urn::from_u32(100_001).unwrap(),
        Urn::from_u32(100_002).unwrap(),
    ];
    let trust = summarise_ks2_pooled(SuppressionPolicy::default(), &pupils, &schools);
    let rwm = trust.rwm_expected.all().value().unwrap();
    assert_eq!(rwm.rate, 0.25);
    assert!(rwm.ci.lower > 0.12 && rwm.ci.upper < 0.41, "{rwm:?}");
    let by_school = summarise_ks2_by_school(SuppressionPolicy::default(), &pupils);
    assert_eq!(by_school[0].1.rwm_expected.all().value().unwrap().rate, 1.0);
}
