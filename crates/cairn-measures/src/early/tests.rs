#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use cairn_domain::{AcademicYear, SenProvision, Sex, Urn};
use rstest::rstest;

use super::*;

fn context() -> PupilContext {
    PupilContext {
        disadvantaged: false,
        sen: SenProvision::None,
        eal: false,
        sex: Sex::Male,
        prior: None,
    }
}

fn urn() -> Urn {
    Urn::from_u32(100_001).unwrap()
}

// measures.md §5 (gov.uk 2023 materials): the threshold mark is 32 every year since 2012.
#[rstest]
#[case("2011/12", Some(32))]
#[case("2022/23", Some(32))]
#[case("2024/25", Some(32))]
#[case("2010/11", None)]
fn phonics_threshold_is_32_in_every_year_to_date(#[case] year: &str, #[case] expected: Option<u8>) {
    assert_eq!(
        phonics_threshold(AcademicYear::parse(year).unwrap()),
        expected
    );
}

#[rstest]
#[case("32", true)]
#[case("40", true)]
#[case("31", false)]
#[case("A", false)]
#[case("D", false)]
fn phonics_expected_standard_is_the_threshold_mark_or_above(
    #[case] text: &str,
    #[case] meets: bool,
) {
    assert_eq!(PhonicsOutcome::parse(text).unwrap().meets(32), meets);
}

#[test]
fn phonics_marks_above_40_are_rejected() {
    assert!(PhonicsOutcome::parse("41").is_err());
}

#[test]
fn phonics_summary_counts_absent_pupils_as_not_meeting() {
    let mut pupils: Vec<PhonicsPupil> = (0..9)
        .map(|i| PhonicsPupil {
            urn: urn(),
            context: context(),
            outcome: PhonicsOutcome::Mark(28 + i),
        })
        .collect();
    pupils.push(PhonicsPupil {
        urn: urn(),
        context: context(),
        outcome: PhonicsOutcome::Absent,
    });
    let summary = summarise_phonics(SuppressionPolicy::default(), 32, &pupils);
    // Marks 32..=36 meet: 5 of 10.
    let expected = summary.expected_standard.all().value().unwrap();
    assert_eq!((expected.hits, expected.rate), (5, 0.5));
    assert_eq!(summary.average_mark.all().value().unwrap().mean, 32.0);
    assert_eq!(
        summarise_phonics_by_school(SuppressionPolicy::default(), 32, &pupils).len(),
        1
    );
}

// measures.md §5: 25 questions, no pass mark; average score and % scoring 25.
#[test]
fn mtc_reports_average_and_full_marks_over_pupils_with_a_score() {
    let scores = ["25", "25", "20", "18", "25", "22", "A", "B"];
    let pupils: Vec<MtcPupil> = scores
        .iter()
        .map(|s| MtcPupil {
            urn: urn(),
            context: context(),
            score: MtcPupil::parse_score(s).unwrap(),
        })
        .collect();
    let summary = summarise_mtc(SuppressionPolicy::default(), &pupils);
    let average = summary.average_score.all().value().unwrap();
    assert!((average.mean - 135.0 / 6.0).abs() < 1e-12);
    let full = summary.full_marks.all().value().unwrap();
    assert_eq!((full.hits, full.rate), (3, 0.5));
    assert!(MtcPupil::parse_score("26").is_err());
    assert_eq!(
        summarise_mtc_by_school(SuppressionPolicy::default(), &pupils).len(),
        1
    );
}

// measures.md §5 and eyfs_early_learning_goals.csv (EES EYFSP 2021-22): GLD is expected in the
// 12 goals of communication and language, PSED, physical development, literacy and maths.
#[test]
fn eyfs_table_has_17_goals_of_which_12_make_gld() {
    let goals = EarlyLearningGoals::dfe_2021().unwrap();
    assert_eq!(goals.goals().len(), 17);
    assert_eq!(goals.goals().iter().filter(|g| g.in_gld).count(), 12);
}

#[rstest]
#[case::all_expected(None, true)]
#[case::emerging_in_a_gld_goal(Some(0), false)]
#[case::emerging_in_numerical_patterns(Some(11), false)]
#[case::emerging_in_understanding_the_world(Some(12), true)]
#[case::emerging_in_expressive_arts(Some(16), true)]
fn gld_needs_expected_in_all_twelve_gld_goals(#[case] emerging: Option<usize>, #[case] gld: bool) {
    let goals = EarlyLearningGoals::dfe_2021().unwrap();
    let mut judgements = [Some(ElgJudgement::Expected); N_ELGS];
    if let Some(i) = emerging {
        judgements[i] = Some(ElgJudgement::Emerging);
    }
    assert_eq!(goals.is_gld(&judgements), gld);
}

#[test]
fn eyfs_summary_reports_gld_and_average_goals() {
    let goals = EarlyLearningGoals::dfe_2021().unwrap();
    let mut pupils = vec![
        EyfsPupil {
            urn: urn(),
            context: context(),
            judgements: [Some(ElgJudgement::Expected); N_ELGS],
        };
        6
    ];
    pupils[0].judgements[3] = None;
    let summary = summarise_eyfs(SuppressionPolicy::default(), &goals, &pupils);
    let gld = summary.good_level_of_development.all().value().unwrap();
    assert_eq!(gld.hits, 5);
    let average = summary.average_goals_expected.all().value().unwrap();
    assert!((average.mean - (17.0 * 5.0 + 16.0) / 6.0).abs() < 1e-12);
    assert_eq!(
        summarise_eyfs_by_school(SuppressionPolicy::default(), &goals, &pupils).len(),
        1
    );
}

#[test]
fn pooled_early_years_figures_cover_only_the_given_schools() {
    let other = Urn::from_u32(100_002).unwrap();
    let mut pupils: Vec<MtcPupil> = (0..8)
        .map(|_| MtcPupil {
            urn: urn(),
            context: context(),
            score: Some(25),
        })
        .collect();
    pupils.extend((0..8).map(|_| MtcPupil {
        urn: other,
        context: context(),
        score: Some(15),
    }));
    let one = summarise_mtc_pooled(SuppressionPolicy::default(), &pupils, &[urn()]);
    assert_eq!(one.average_score.all().value().unwrap().mean, 25.0);
    let both = summarise_mtc_pooled(SuppressionPolicy::default(), &pupils, &[urn(), other]);
    assert_eq!(both.average_score.all().value().unwrap().mean, 20.0);
    let phonics: Vec<PhonicsPupil> = (0..6)
        .map(|_| PhonicsPupil {
            urn: other,
            context: context(),
            outcome: PhonicsOutcome::Mark(35),
        })
        .collect();
    let pooled = summarise_phonics_pooled(SuppressionPolicy::default(), 32, &phonics, &[urn()]);
    assert!(pooled.expected_standard.all().is_suppressed());
    let goals = EarlyLearningGoals::dfe_2021().unwrap();
    let eyfs = [EyfsPupil {
        urn: other,
        context: context(),
        judgements: [None; N_ELGS],
    }; 6];
    let pooled = summarise_eyfs_pooled(SuppressionPolicy::default(), &goals, &eyfs, &[other]);
    assert_eq!(
        pooled.good_level_of_development.all().value().unwrap().hits,
        0
    );
}
