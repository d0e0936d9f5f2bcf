#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use cairn_domain::{AcademicYear, SenProvision, Sex, Urn};
use proptest::prelude::*;
use rstest::rstest;

use super::slots::{FilledSlot, SlotCandidate, fill_slots};
use super::tables::{GradeScale, GroupEstimate};
use super::*;
use crate::groups::PupilGroup;

fn year_2023_24() -> AcademicYear {
    AcademicYear::parse("2023/24").unwrap()
}

fn config() -> Ks4Config {
    Ks4Config::dfe(year_2023_24(), Release::Provisional).unwrap()
}

fn context(disadvantaged: bool) -> PupilContext {
    PupilContext {
        disadvantaged,
        sen: SenProvision::None,
        eal: false,
        sex: Sex::Female,
        prior: None,
    }
}

fn pupil(urn: u32, ks2: Option<f64>) -> Ks4Pupil {
    Ks4Pupil {
        urn: Urn::from_u32(urn).unwrap(),
        context: context(false),
        ks2_average: ks2.map(|v| Ks2Average::from_value(v).unwrap()),
    }
}

fn entries(config: &Ks4Config, pupil_idx: u32, results: &[(&str, &str)]) -> Vec<Ks4Entry> {
    results
        .iter()
        .map(|(subject, grade)| {
            let subject = config.catalogue.lookup(subject).unwrap();
            Ks4Entry {
                pupil_idx,
                subject,
                grade: config.catalogue.parse_grade(subject, grade).unwrap(),
                sitting: 0,
            }
        })
        .collect()
}

/// Computes one pupil with KS2 average `ks2` and checks A8 and the element points.
fn check(results: &[(&str, &str)], expected_a8: f64, expected_elements: [f64; 4]) {
    let config = config();
    check_entries(
        &config,
        &entries(&config, 0, results),
        expected_a8,
        expected_elements,
    );
}

/// Computes one pupil with KS2 average 105 from `entries` and checks A8 and the element points.
fn check_entries(
    config: &Ks4Config,
    results: &[Ks4Entry],
    expected_a8: f64,
    expected_elements: [f64; 4],
) {
    let pupils = [pupil(100_000, Some(105.0))];
    let output = compute_ks4(config, &pupils, results);
    assert!(output.issues.is_empty(), "{:?}", output.issues);
    let result = &output.pupils[0];
    assert!(
        (result.attainment8() - expected_a8).abs() < 1e-9,
        "A8 {} for {results:?}",
        result.attainment8()
    );
    let elements = result.element_points();
    for (got, want) in elements.iter().zip(expected_elements) {
        assert!(
            (got - want).abs() < 1e-9,
            "elements {elements:?} for {results:?}"
        );
    }
}

// measures.md §1.1 and §2.4 (worked example, constructed on the 2024 provisional table):
// English language 6 and literature 5, both taken, so English is double weighted at 12 and
// literature may count in the open element; combined science 5-5 fills two EBacc slots.
#[rstest]
#[case::worked_example(
    &[("English Language", "6"), ("English Literature", "5"), ("Mathematics", "5"),
      ("Combined Science", "5-5"), ("History", "4"), ("Art and Design", "5"), ("Music", "4")],
    50.0, [12.0, 10.0, 14.0, 14.0])]
// measures.md §1.1: English counts single weighted when only one English was taken.
#[case::single_english_is_single_weighted(
    &[("English Language", "6"), ("Mathematics", "5")], 16.0, [6.0, 10.0, 0.0, 0.0])]
// measures.md §1.1: the higher English is doubled; the lower counts in the open element.
#[case::higher_english_doubled_lower_in_open(
    &[("English Language", "4"), ("English Literature", "7"), ("Mathematics", "4")],
    26.0, [14.0, 8.0, 0.0, 4.0])]
// measures.md §1.1 (4matrix KB 121): the spare English cannot fill an EBacc slot.
#[case::spare_english_never_in_ebacc(
    &[("English Language", "9"), ("English Literature", "9")], 27.0, [18.0, 0.0, 0.0, 9.0])]
// measures.md §1.2 (4matrix KB 108, DfE Oct 2016): 5-4 is 4.5 per slot, in two EBacc slots.
#[case::combined_science_fills_two_ebacc_slots_at_its_mean(
    &[("Combined Science", "5-4"), ("Geography", "6")], 15.0, [0.0, 0.0, 15.0, 0.0])]
// measures.md §1.2: combined science may fill open slots when EBacc is full.
#[case::combined_science_spills_into_open(
    &[("History", "9"), ("Geography", "9"), ("French", "9"), ("Combined Science", "5-4")],
    36.0, [0.0, 0.0, 27.0, 9.0])]
// measures.md §1.1: grade 9 in all ten slots is 90.
#[case::all_nines_score_ninety(
    &[("English Language", "9"), ("English Literature", "9"), ("Mathematics", "9"),
      ("Physics", "9"), ("Chemistry", "9"), ("Biology", "9"), ("History", "9"),
      ("Geography", "9"), ("Spanish", "9"), ("Music", "9"), ("Drama", "9")],
    90.0, [18.0, 18.0, 27.0, 27.0])]
// measures.md §1.2: legacy A*–G on the 9–1 points scale (A* 8.5, B 5.5, C 4).
#[case::legacy_letter_grades(
    &[("History", "A*"), ("Geography", "B"), ("French", "C")], 18.0, [0.0, 0.0, 18.0, 0.0])]
// Discounting (measures.md §1.3): one result per subject counts.
#[case::a_subject_counts_once(
    &[("Mathematics", "4"), ("Mathematics", "6")], 12.0, [0.0, 12.0, 0.0, 0.0])]
// U scores 0 but is an attempt: English is double weighted when the other was a U.
#[case::ungraded_english_still_counts_as_taken(
    &[("English Language", "5"), ("English Literature", "U")], 10.0, [10.0, 0.0, 0.0, 0.0])]
fn attainment8_follows_the_slot_rules(
    #[case] results: &[(&str, &str)],
    #[case] a8: f64,
    #[case] elements: [f64; 4],
) {
    check(results, a8, elements);
}

// First entry (DfE KS4 performance tables metadata 2018/19, ks4_meta_methodology.csv, "_PTQ_EE
// suffix"): only a pupil's first attempt at a qualification counts. A pupil who took French early
// at grade 3 and again at grade 7 counts the 3, in the EBacc element (3 points); results of one
// sitting compete on points, so maths 4 and 6 together count the 6 (doubled, 12); an earlier
// sitting listed after a later one still counts.
#[rstest]
#[case::an_early_entry_counts_not_the_retake(
    &[("French", "3", 1), ("French", "7", 2)], 3.0, [0.0, 0.0, 3.0, 0.0])]
#[case::the_order_of_the_rows_does_not_matter(
    &[("French", "7", 2), ("French", "3", 1)], 3.0, [0.0, 0.0, 3.0, 0.0])]
#[case::one_sitting_counts_its_best(
    &[("Mathematics", "4", 5), ("Mathematics", "6", 5), ("Mathematics", "9", 6)],
    12.0, [0.0, 12.0, 0.0, 0.0])]
fn only_the_first_entry_counts(
    #[case] results: &[(&str, &str, u16)],
    #[case] a8: f64,
    #[case] elements: [f64; 4],
) {
    let config = config();
    let plain: Vec<(&str, &str)> = results.iter().map(|&(s, g, _)| (s, g)).collect();
    let mut entries = entries(&config, 0, &plain);
    for (entry, &(_, _, sitting)) in entries.iter_mut().zip(results) {
        entry.sitting = sitting;
    }
    check_entries(&config, &entries, a8, elements);
}

#[test]
fn technical_awards_count_only_in_the_open_element() {
    let mut config = config();
    let btec = config.catalogue.add(
        "BTEC Tech Award in Sport",
        RoleMask::NON_GCSE,
        GradeScale::TechnicalAward,
    );
    let entries = vec![Ks4Entry {
        pupil_idx: 0,
        subject: btec,
        grade: config.catalogue.parse_grade(btec, "L2D*").unwrap(),
        sitting: 0,
    }];
    let output = compute_ks4(&config, &[pupil(100_000, Some(100.0))], &entries);
    // measures.md §1.2: L2 D* is 8.5 points (UNSURE, third-party table).
    assert_eq!(output.pupils[0].element_points()[..4], [0.0, 0.0, 0.0, 8.5]);
}

// measures.md §2.4 worked example: KS2 reading 104 and maths 106 → 105.0 → group 19,
// estimate 45.12 (2024 provisional); A8 50 → P8 +0.488; English element (12 − 9.85)/2 = 1.075.
#[test]
fn progress8_matches_the_measures_md_worked_example() {
    let config = config();
    let pupils = [Ks4Pupil {
        ks2_average: Some(Ks2Average::from_scaled_scores(104, 106).unwrap()),
        ..pupil(100_000, None)
    }];
    let results = [
        ("English Language", "6"),
        ("English Literature", "5"),
        ("Mathematics", "5"),
        ("Combined Science", "5-5"),
        ("History", "4"),
        ("Art and Design", "5"),
        ("Music", "4"),
    ];
    let output = compute_ks4(&config, &pupils, &entries(&config, 0, &results));
    let progress = output.pupils[0].progress.unwrap();
    assert_eq!(progress.group, 19);
    assert!((progress.estimate - 45.12).abs() < 1e-9);
    assert!((progress.score - 0.488).abs() < 1e-9);
    assert!((progress.elements[0].unwrap() - 1.075).abs() < 1e-9);
}

// measures.md §2.2–2.3 (DfE ready reckoner p8_att8_splits.csv, 2024 provisional, efeebe6).
#[rstest]
#[case(59.0, 1, 15.96)]
#[case(82.0, 1, 15.96)]
#[case(90.0, 5, 22.00)]
#[case(96.0, 10, 29.12)]
#[case(100.0, 14, 35.46)]
#[case(105.0, 19, 45.12)]
#[case(110.0, 24, 57.60)]
#[case(115.0, 29, 70.60)]
#[case(120.0, 34, 82.03)]
fn prior_attainment_groups_and_estimates_match_the_dfe_table(
    #[case] ks2: f64,
    #[case] group: u8,
    #[case] estimate: f64,
) {
    let estimates = Estimates::dfe(year_2023_24(), Release::Provisional).unwrap();
    let found = estimates
        .group_for(Ks2Average::from_value(ks2).unwrap())
        .unwrap();
    assert_eq!(found.group, group);
    assert!((found.attainment8 - estimate).abs() < 1e-9);
}

#[test]
fn the_estimates_table_has_34_groups_whose_elements_sum_to_the_total() {
    for (year, release) in [
        ("2021/22", Release::Provisional),
        ("2021/22", Release::Revised),
        ("2022/23", Release::Provisional),
        ("2022/23", Release::Revised),
        ("2023/24", Release::Provisional),
    ] {
        let estimates = Estimates::dfe(AcademicYear::parse(year).unwrap(), release).unwrap();
        assert_eq!(estimates.groups().len(), 34, "{year}");
        // measures.md §2.3: element estimates sum to the A8 estimate ± 0.01 (rounding); the
        // DfE's 2022 revised group 5 row is off by 0.02 (26.23 against 26.21), so allow that.
        for group in estimates.groups() {
            let sum: f64 = group.elements.iter().sum();
            assert!(
                (sum - group.attainment8).abs() <= 0.0201,
                "{year} {group:?}"
            );
        }
    }
}

#[test]
fn years_without_progress8_get_attainment8_only() {
    // measures.md §2.1: no Progress 8 for 2024/25 and 2025/26.
    let config = Ks4Config::dfe(
        AcademicYear::parse("2024/25").unwrap(),
        Release::Provisional,
    )
    .unwrap();
    assert!(config.estimates.is_none());
    let pupils = [pupil(100_000, Some(105.0))];
    let output = compute_ks4(
        &config,
        &pupils,
        &entries(&config, 0, &[("Mathematics", "7")]),
    );
    assert!(output.pupils[0].progress.is_none());
    let summary = summarise_ks4(&config, SuppressionPolicy::default(), &output.pupils);
    assert!(summary.progress8.is_none());
}

// measures.md §2.5: σ for 2024 provisional is 1.41628; other SDs from the same table.
#[test]
fn national_sds_are_read_for_the_year() {
    let sds = NationalSds::dfe(year_2023_24(), Release::Provisional).unwrap();
    assert_eq!(sds.progress8, 1.41628);
    assert_eq!(sds.elements, [1.614052, 1.487134, 1.637291, 1.616699]);
}

#[rstest]
#[case(GradeScale::Gcse, "9", Ks4Grade::Gcse(9))]
#[case(GradeScale::Gcse, " u ", Ks4Grade::Gcse(0))]
#[case(GradeScale::Gcse, "A*", Ks4Grade::Legacy(0))]
#[case(GradeScale::CombinedScience, "5-4", Ks4Grade::CombinedScience(5, 4))]
#[case(GradeScale::CombinedScience, "45", Ks4Grade::CombinedScience(5, 4))]
#[case(GradeScale::CombinedScience, "U", Ks4Grade::CombinedScience(0, 0))]
#[case(GradeScale::TechnicalAward, "L1P", Ks4Grade::Technical(6))]
fn grades_parse_in_their_scale(
    #[case] scale: GradeScale,
    #[case] text: &str,
    #[case] expected: Ks4Grade,
) {
    assert_eq!(Ks4Grade::parse(scale, text).unwrap(), expected);
}

#[rstest]
#[case(GradeScale::Gcse, "10")]
#[case(GradeScale::Gcse, "0")]
#[case(GradeScale::CombinedScience, "5")]
#[case(GradeScale::CombinedScience, "0-0")]
#[case(GradeScale::TechnicalAward, "L3D")]
fn bad_grades_are_rejected_with_their_text(#[case] scale: GradeScale, #[case] text: &str) {
    let error = Ks4Grade::parse(scale, text).unwrap_err();
    assert!(error.to_string().contains(text), "{error}");
    assert_eq!(error.kind(), crate::ErrorKind::UserData);
}

#[test]
fn unknown_subjects_are_a_user_error_naming_the_subject() {
    let error = config()
        .catalogue
        .lookup("Underwater Basket Weaving")
        .unwrap_err();
    assert_eq!(
        error,
        MeasureError::UnknownSubject {
            subject: "Underwater Basket Weaving".to_owned()
        }
    );
}

#[test]
fn results_for_missing_pupils_are_reported_not_fatal() {
    let config = config();
    let mut entries = entries(&config, 0, &[("Mathematics", "5")]);
    entries.extend(self::entries(&config, 7, &[("Mathematics", "9")]));
    let output = compute_ks4(&config, &[pupil(100_000, Some(100.0))], &entries);
    assert_eq!(output.pupils.len(), 1);
    assert_eq!(output.issues.len(), 1);
    assert_eq!(output.issues[0].record_idx, 1);
    assert!(matches!(
        output.issues[0].error,
        MeasureError::UnknownPupil { pupil_idx: 7, .. }
    ));
}

#[test]
fn unsorted_results_give_the_same_answers_as_sorted() {
    let config = config();
    let pupils = [pupil(100_000, Some(100.0)), pupil(100_000, Some(110.0))];
    let mut all = entries(&config, 1, &[("Mathematics", "7"), ("History", "6")]);
    all.extend(entries(
        &config,
        0,
        &[("Mathematics", "3"), ("French", "4")],
    ));
    let unsorted = compute_ks4(&config, &pupils, &all);
    all.sort_by_key(|e| e.pupil_idx);
    let sorted = compute_ks4(&config, &pupils, &all);
    assert_eq!(unsorted.pupils, sorted.pupils);
    assert_eq!(sorted.pupils[0].attainment8(), 10.0);
    assert_eq!(sorted.pupils[1].attainment8(), 20.0);
}

// measures.md §3: grade 5+ in maths and in either English, with no need to sit both.
#[rstest]
#[case(&[("English Literature", "5"), ("Mathematics", "5")], true, true)]
#[case(&[("English Language", "4"), ("Mathematics", "9")], true, false)]
#[case(&[("English Language", "3"), ("English Literature", "4"), ("Mathematics", "4")], true, false)]
#[case(&[("English Language", "9")], false, false)]
fn english_and_maths_thresholds(
    #[case] results: &[(&str, &str)],
    #[case] grade4: bool,
    #[case] grade5: bool,
) {
    let config = config();
    let output = compute_ks4(
        &config,
        &[pupil(100_000, None)],
        &entries(&config, 0, results),
    );
    assert_eq!(output.pupils[0].english_maths_4, grade4);
    assert_eq!(output.pupils[0].english_maths_5, grade5);
}

// measures.md §3: EBacc entry needs both Englishes, maths, science, a humanity and a language;
// EBacc APS = (best English + maths + best two science + humanity + language) / 6.
#[test]
fn ebacc_entry_and_aps() {
    let config = config();
    let full = [
        ("English Language", "6"),
        ("English Literature", "4"),
        ("Mathematics", "5"),
        ("Combined Science", "5-4"),
        ("Geography", "7"),
        ("Spanish", "3"),
    ];
    let output = compute_ks4(
        &config,
        &[pupil(100_000, None)],
        &entries(&config, 0, &full),
    );
    assert!(output.pupils[0].ebacc_entered);
    // (6 + 5 + 4.5 + 4.5 + 7 + 3) / 6 = 5.0
    assert!((output.pupils[0].ebacc_aps - 5.0).abs() < 1e-12);
    let no_language = &full[..5];
    let output = compute_ks4(
        &config,
        &[pupil(100_000, None)],
        &entries(&config, 0, no_language),
    );
    assert!(!output.pupils[0].ebacc_entered);
}

#[test]
fn school_progress8_uses_the_national_sd_and_reports_adjusted_and_unadjusted() {
    let mut config = config();
    // One pupil far below the estimate; a minimum of −2.5 for their group.
    config.extreme_minimums = Some(ExtremeScoreMinimums::default().with(19, -2.5));
    let pupils: Vec<Ks4Pupil> = (0..10).map(|_| pupil(100_000, Some(105.0))).collect();
    let mut all = Vec::new();
    for i in 0..9 {
        // 45.12 estimate: grade 9 maths (18) + 9,9,9 EBacc (27) = 45 → P8 −0.012.
        all.extend(entries(
            &config,
            i,
            &[
                ("Mathematics", "9"),
                ("History", "9"),
                ("Geography", "9"),
                ("French", "9"),
            ],
        ));
    }
    // Pupil 9 scores nothing: P8 −4.512, adjusted to −2.5.
    let output = compute_ks4(&config, &pupils, &all);
    let summary = summarise_ks4(&config, SuppressionPolicy::default(), &output.pupils);
    let adjusted = summary.progress8.unwrap();
    let unadjusted = summary.progress8_unadjusted.unwrap();
    let adjusted = adjusted.all().value().unwrap();
    let unadjusted = unadjusted.all().value().unwrap();
    assert!(summary.progress8_is_adjusted);
    assert!((unadjusted.score - (9.0 * -0.012 - 4.512) / 10.0).abs() < 1e-9);
    assert!((adjusted.score - (9.0 * -0.012 - 2.5) / 10.0).abs() < 1e-9);
    let half_width = 1.96 * 1.41628 / 10f64.sqrt();
    assert!((adjusted.ci.half_width() - half_width).abs() < 1e-9);
    assert_eq!(adjusted.banding, P8Banding::Average);
    let coverage = summary.progress8_coverage.all().value().unwrap();
    assert_eq!(coverage.rate, 1.0);
}

#[test]
fn progress8_leaves_out_pupils_without_prior_attainment_but_attainment8_keeps_them() {
    let config = config();
    let pupils: Vec<Ks4Pupil> = (0..12)
        .map(|i| pupil(100_000, (i < 8).then_some(105.0)))
        .collect();
    let all: Vec<Ks4Entry> = (0..12)
        .flat_map(|i| entries(&config, i, &[("Mathematics", "5")]))
        .collect();
    let output = compute_ks4(&config, &pupils, &all);
    let summary = summarise_ks4(&config, SuppressionPolicy::default(), &output.pupils);
    assert_eq!(summary.attainment8.all().n_pupils(), Some(12));
    let progress8 = summary.progress8.unwrap();
    assert_eq!(progress8.all().n_pupils(), Some(8));
    let coverage = summary.progress8_coverage.all().value().unwrap();
    assert!((coverage.rate - 8.0 / 12.0).abs() < 1e-12);
}

#[test]
fn school_summaries_suppress_small_groups_and_pool_trusts_from_pupils() {
    let config = config();
    let mut pupils = Vec::new();
    // School A: 20 pupils, 3 disadvantaged. School B: 4 pupils.
    for i in 0..20 {
        pupils.push(Ks4Pupil {
            context: context(i < 3),
            ..pupil(100_001, Some(100.0))
        });
    }
    for _ in 0..4 {
        pupils.push(pupil(100_002, Some(100.0)));
    }
    let all: Vec<Ks4Entry> = (0..24)
        .flat_map(|i| {
            entries(
                &config,
                i,
                &[("Mathematics", if i < 20 { "4" } else { "8" })],
            )
        })
        .collect();
    let output = compute_ks4(&config, &pupils, &all);
    let policy = SuppressionPolicy::default();
    let schools = summarise_ks4_by_school(&config, policy, &pupils, &output.pupils);
    assert_eq!(schools.len(), 2);
    let (urn_a, a) = &schools[0];
    assert_eq!(urn_a.get(), 100_001);
    assert!(a.attainment8.get(PupilGroup::Disadvantaged).is_suppressed());
    assert!(
        a.attainment8
            .get(PupilGroup::NonDisadvantaged)
            .is_suppressed()
    );
    assert_eq!(a.attainment8.all().value().unwrap().mean, 8.0);
    let (_, b) = &schools[1];
    assert!(b.attainment8.all().is_suppressed());
    assert!(b.n_pupils.is_suppressed());
    // The trust pools 24 pupils: (20 × 8 + 4 × 16) / 24, not the mean of school means.
    let trust = summarise_ks4_pooled(
        &config,
        policy,
        &pupils,
        &output.pupils,
        &[
            Urn::from_u32(100_001).unwrap(),
            Urn::from_u32(100_002).unwrap(),
        ],
    );
    let mean = trust.attainment8.all().value().unwrap().mean;
    assert!((mean - (20.0 * 8.0 + 4.0 * 16.0) / 24.0).abs() < 1e-12);
}

fn candidates_strategy() -> impl Strategy<Value = Vec<SlotCandidate>> {
    let role = prop::sample::select(vec![
        RoleMask::ENGLISH_LANGUAGE,
        RoleMask::ENGLISH_LITERATURE,
        RoleMask::MATHS,
        RoleMask::SCIENCE,
        RoleMask::HUMANITIES,
        RoleMask::LANGUAGE,
        RoleMask::OTHER_GCSE,
        RoleMask::NON_GCSE,
    ]);
    prop::collection::vec((role, 0u16..=900, any::<bool>()), 0..20).prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, (role, points_x100, double))| SlotCandidate {
                entry: i as u32,
                role,
                points_x100,
                double_award: double && role == RoleMask::SCIENCE,
            })
            .collect()
    })
}

fn grade_strategy() -> impl Strategy<Value = (&'static str, String)> {
    let subjects = vec![
        "English Language",
        "English Literature",
        "Mathematics",
        "Combined Science",
        "Biology",
        "History",
        "French",
        "Music",
        "Drama",
    ];
    (prop::sample::select(subjects), 0u8..=9, 0u8..=1).prop_map(|(subject, g, lower)| {
        let grade = if subject == "Combined Science" {
            if g == 0 {
                "U".to_owned()
            } else {
                format!("{g}-{}", (g - lower).max(1))
            }
        } else if g == 0 {
            "U".to_owned()
        } else {
            g.to_string()
        };
        (subject, grade)
    })
}

proptest! {
    #[test]
    fn attainment8_is_always_between_0_and_90(
        results in prop::collection::vec(grade_strategy(), 0..25),
    ) {
        let config = config();
        let results: Vec<(&str, &str)> =
            results.iter().map(|(s, g)| (*s, g.as_str())).collect();
        let output = compute_ks4(&config, &[pupil(100_000, Some(100.0))], &entries(&config, 0, &results));
        let a8 = output.pupils[0].attainment8();
        prop_assert!((0.0..=90.0).contains(&a8), "{a8}");
        prop_assert!(output.pupils[0].slots_filled <= 10);
    }

    #[test]
    fn a_pupil_scoring_exactly_the_estimate_has_progress8_zero(
        results in prop::collection::vec(grade_strategy(), 0..25),
        ks2 in 118u16..=240,
    ) {
        let mut config = config();
        let results: Vec<(&str, &str)> =
            results.iter().map(|(s, g)| (*s, g.as_str())).collect();
        let pupils = [Ks4Pupil {
            ks2_average: Some(Ks2Average::from_value(f64::from(ks2) / 2.0).unwrap()),
            ..pupil(100_000, None)
        }];
        let entries = entries(&config, 0, &results);
        let a8 = compute_ks4(&config, &pupils, &entries).pupils[0].attainment8();
        // A one-group table whose estimate is exactly this pupil's A8.
        config.estimates = Some(Estimates::from_groups(vec![GroupEstimate {
            group: 1,
            ks2_from: 0.0,
            ks2_to: 120.0,
            attainment8: a8,
            elements: [0.0; 4],
        }]));
        let progress = compute_ks4(&config, &pupils, &entries).pupils[0].progress.unwrap();
        prop_assert_eq!(progress.score, 0.0);
    }

    #[test]
    fn slot_rules_never_double_count_a_qualification(candidates in candidates_strategy()) {
        let structure = SlotStructure::default();
        let filled: Vec<FilledSlot> = fill_slots(&structure, &candidates);
        let total_weight: u32 = filled.iter().map(|s| u32::from(s.weight)).sum();
        prop_assert!(total_weight <= 10);
        for candidate in &candidates {
            let uses = filled.iter().filter(|s| s.entry == candidate.entry).count();
            let allowed = if candidate.double_award { 2 } else { 1 };
            prop_assert!(uses <= allowed, "entry {} used {uses} times", candidate.entry);
        }
        for slot in &filled {
            let element = structure.elements()[usize::from(slot.element_idx)];
            let candidate = candidates.iter().find(|c| c.entry == slot.entry).unwrap();
            prop_assert!(candidate.role.intersects(element.accepts));
            prop_assert_eq!(slot.points_x100, candidate.points_x100);
        }
        // Non-GCSEs only ever in the open element (measures.md §1.1).
        for slot in &filled {
            let candidate = candidates.iter().find(|c| c.entry == slot.entry).unwrap();
            if candidate.role == RoleMask::NON_GCSE {
                prop_assert_eq!(structure.elements()[usize::from(slot.element_idx)].kind, ElementKind::Open);
            }
        }
    }
}

/// A rough timing of the bulk path: `cargo test --release -p cairn-measures -- --ignored`.
#[test]
#[ignore = "timing only; run in release"]
fn bulk_timing_for_600k_pupils() {
    let config = config();
    let subjects = [
        "English Language",
        "English Literature",
        "Mathematics",
        "Combined Science",
        "History",
        "French",
        "Music",
        "Drama",
    ];
    let ids: Vec<SubjectId> = subjects
        .iter()
        .map(|s| config.catalogue.lookup(s).unwrap())
        .collect();
    let n = 600_000u32;
    let pupils: Vec<Ks4Pupil> = (0..n)
        .map(|i| Ks4Pupil {
            context: context(i % 3 == 0),
            ..pupil(100_000 + i % 3_000, Some(90.0 + f64::from(i % 60) / 2.0))
        })
        .collect();
    let mut entries = Vec::new();
    for i in 0..n {
        for (k, id) in ids.iter().enumerate() {
            let g = ((i as usize + k * 7) % 9 + 1) as u8;
            let grade = if k == 3 {
                Ks4Grade::CombinedScience(g, g.saturating_sub(1).max(1))
            } else {
                Ks4Grade::Gcse(g)
            };
            entries.push(Ks4Entry {
                pupil_idx: i,
                subject: *id,
                grade,
                sitting: 0,
            });
        }
    }
    let start = std::time::Instant::now();
    let output = compute_ks4(&config, &pupils, &entries);
    let computed = start.elapsed();
    let schools = summarise_ks4_by_school(
        &config,
        SuppressionPolicy::default(),
        &pupils,
        &output.pupils,
    );
    eprintln!(
        "{} results: compute {computed:?}, summarise {:?} ({} schools)",
        entries.len(),
        start.elapsed() - computed,
        schools.len()
    );
}

// measures.md §2.7: minimum = group SD × −2.8948556948 (2022); only scores below it move.
#[rstest]
#[case(-3.5, -2.894_855_694_8)]
#[case(-2.0, -2.0)]
#[case(1.2, 1.2)]
fn extreme_negative_scores_are_raised_to_the_group_minimum(
    #[case] score: f64,
    #[case] adjusted: f64,
) {
    let minimums =
        ExtremeScoreMinimums::from_group_sds(&[(3, 1.0)], tables::DFE_2022_EXTREME_SCORE_Z);
    assert!((minimums.adjust(3, score) - adjusted).abs() < 1e-12);
    // Groups without a loaded minimum are not adjusted.
    assert_eq!(minimums.adjust(4, -9.0), -9.0);
}

#[test]
fn caller_supplied_minimums_are_read_from_csv() {
    let minimums = ExtremeScoreMinimums::parse(
        "ks2_prior_attainment_group,minimum_p8_score\n1,-2.61\n2,-2.70\n",
    )
    .unwrap();
    assert_eq!(minimums.minimum_for(2), Some(-2.70));
    let error = ExtremeScoreMinimums::parse("group,min\n1,2\n").unwrap_err();
    assert_eq!(error.kind(), crate::ErrorKind::UserData);
}
