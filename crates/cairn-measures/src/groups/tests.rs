#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use std::collections::{BTreeMap, BTreeSet};

use cairn_domain::{SenProvision, Sex};
use proptest::prelude::*;
use rstest::rstest;

use super::*;

fn context(disadvantaged: bool, sen: u8, eal: bool, female: bool, prior: u8) -> PupilContext {
    PupilContext {
        disadvantaged,
        sen: match sen {
            0 => SenProvision::None,
            1 => SenProvision::Support,
            _ => SenProvision::Ehcp,
        },
        eal,
        sex: if female { Sex::Female } else { Sex::Male },
        prior: match prior {
            0 => Some(PriorBand::Low),
            1 => Some(PriorBand::Middle),
            2 => Some(PriorBand::High),
            _ => None,
        },
    }
}

/// Counts pupils per group and suppresses, with each group's value its own count.
fn suppress(
    policy: SuppressionPolicy,
    pupils: &[PupilContext],
) -> (GroupFigures<u32>, [u32; N_GROUPS]) {
    let mut counts = [0u32; N_GROUPS];
    for pupil in pupils {
        let mask = pupil.groups();
        for group in PupilGroup::ALL {
            if mask.contains(group) {
                counts[group.index()] += 1;
            }
        }
    }
    (
        suppress_groups(policy, counts.map(|n| (n, Some(n)))),
        counts,
    )
}

#[test]
fn group_codes_are_stable_snake_case_and_round_trip() {
    let codes: Vec<&str> = PupilGroup::ALL.iter().map(|g| g.code()).collect();
    assert_eq!(
        codes,
        [
            "all",
            "disadvantaged",
            "non_disadvantaged",
            "sen_none",
            "sen_support",
            "sen_ehcp",
            "eal",
            "non_eal",
            "female",
            "male",
            "prior_low",
            "prior_middle",
            "prior_high"
        ]
    );
    for group in PupilGroup::ALL {
        assert_eq!(PupilGroup::parse(group.code()), Some(group));
    }
}

// measures.md §9 (verified on DfE 2016–2019 school files): when the disadvantaged group is
// 1–5 pupils, the non-disadvantaged figure is also SUPP even at n = 95.
#[rstest]
#[case(3, 95, true, true)]
#[case(6, 95, false, false)]
// DfE 2018/19 KS2 files: with no disadvantaged pupils, non-disadvantaged is SUPP too.
#[case(0, 95, false, true)]
fn small_disadvantaged_group_hides_non_disadvantaged_too(
    #[case] n_disadvantaged: usize,
    #[case] n_other: usize,
    #[case] disadvantaged_hidden: bool,
    #[case] other_hidden: bool,
) {
    let mut pupils = vec![context(true, 0, false, true, 1); n_disadvantaged];
    pupils.extend(vec![context(false, 0, false, true, 1); n_other]);
    let (figures, _) = suppress(SuppressionPolicy::default(), &pupils);
    let disadvantaged = figures.get(PupilGroup::Disadvantaged);
    if n_disadvantaged > 0 {
        assert_eq!(disadvantaged.is_suppressed(), disadvantaged_hidden);
    }
    assert_eq!(
        figures.get(PupilGroup::NonDisadvantaged).is_suppressed(),
        other_hidden
    );
    assert!(!figures.all().is_suppressed());
}

#[test]
fn pupils_with_no_prior_attainment_cannot_be_recovered_by_subtraction() {
    // 40 middle, 20 high, 3 with no KS2 data: all − middle − high would reveal those 3.
    let mut pupils = vec![context(false, 0, false, true, 1); 40];
    pupils.extend(vec![context(false, 0, false, true, 2); 20]);
    pupils.extend(vec![context(false, 0, false, true, 3); 3]);
    let (figures, _) = suppress(SuppressionPolicy::default(), &pupils);
    assert_eq!(
        figures.get(PupilGroup::PriorHigh).suppression_reason(),
        Some(SuppressionReason::Complementary)
    );
    assert!(!figures.get(PupilGroup::PriorMiddle).is_suppressed());
}

#[test]
fn a_cohort_under_the_threshold_hides_every_group() {
    let pupils = vec![context(true, 1, true, false, 0); 4];
    let (figures, _) = suppress(SuppressionPolicy::default(), &pupils);
    assert!(figures.iter().all(|(_, f)| f.is_suppressed()));
}

fn mean_figures_for(values: &[(PupilContext, f64)]) -> GroupFigures<MeanFigure> {
    let mut accs: ByGroup<MeanAcc> = ByGroup::default();
    for (context, value) in values {
        accs.add(context.groups(), |a| a.add(*value));
    }
    mean_figures(SuppressionPolicy::default(), &accs, crate::ci::Z_95_DFE)
}

#[test]
fn gaps_compare_with_the_national_figure_for_other_pupils() {
    // 20 disadvantaged pupils averaging 40 (A8), 20 others averaging 50; national
    // non-disadvantaged A8 50.3 (illustrative).
    let mut values: Vec<(PupilContext, f64)> = (0..20)
        .map(|i| (context(true, 0, false, true, 1), 38.0 + f64::from(i % 5)))
        .collect();
    values.extend((0..20).map(|i| (context(false, 0, false, true, 1), 48.0 + f64::from(i % 5))));
    let figures = mean_figures_for(&values);
    let national = NationalFigures::default().with(PupilGroup::NonDisadvantaged, 50.3);
    let gaps = gaps(&figures, &national);
    let (_, gap) = gaps
        .iter()
        .find(|(g, _)| *g == PupilGroup::Disadvantaged)
        .unwrap();
    let gap = gap.value().unwrap();
    assert_eq!(gap.comparator, PupilGroup::NonDisadvantaged);
    assert!((gap.gap - (40.0 - 50.3)).abs() < 1e-9);
    assert_eq!(gap.significance, Significance::SignificantlyBelow);
    assert!(gaps.iter().all(|(g, _)| g.gap_comparator().is_some()));
}

#[test]
fn significance_and_change_need_shown_figures() {
    let values: Vec<(PupilContext, f64)> = (0..30)
        .map(|i| (context(false, 0, false, i % 2 == 0, 1), f64::from(i % 7)))
        .collect();
    let earlier = mean_figures_for(&values);
    let later = mean_figures_for(
        &values
            .iter()
            .map(|(c, v)| (*c, v + 2.0))
            .collect::<Vec<_>>(),
    );
    let (change, significance) = change_between_figures(earlier.all(), later.all()).unwrap();
    assert!((change - 2.0).abs() < 1e-9);
    assert_eq!(significance, Significance::SignificantlyAbove);
    assert_eq!(
        significance_against(earlier.all(), 3.0),
        Some(Significance::NotSignificant)
    );
    // Disadvantaged is empty here, so suppressed: no significance can be computed.
    assert_eq!(
        significance_against(earlier.get(PupilGroup::Disadvantaged), 0.0),
        None
    );
}

fn pupils_strategy() -> impl Strategy<Value = Vec<PupilContext>> {
    prop::collection::vec(
        (any::<bool>(), 0u8..3, any::<bool>(), any::<bool>(), 0u8..4)
            .prop_map(|(d, s, e, f, p)| context(d, s, e, f, p)),
        0..80,
    )
}

proptest! {
    #[test]
    fn suppression_never_reveals_a_group_under_the_threshold(
        pupils in pupils_strategy(),
        threshold in 1u32..12,
        hide_complement_of_empty in any::<bool>(),
    ) {
        let policy = SuppressionPolicy::new(threshold)
            .hiding_complement_of_empty(hide_complement_of_empty);
        let (figures, counts) = suppress(policy, &pupils);
        for (group, figure) in figures.iter() {
            if let Some((value, n)) = figure.shown() {
                // A shown figure rests on at least the threshold and is the true value.
                prop_assert!(n >= threshold, "{group} shown with n = {n}");
                prop_assert_eq!(*value, counts[group.index()]);
            }
        }
        if figures.all().is_suppressed() {
            prop_assert!(figures.iter().all(|(_, f)| f.is_suppressed()));
        } else {
            let n_all = counts[PupilGroup::All.index()];
            for family in GroupFamily::ALL {
                // What subtraction from `all` could reveal: the pupils not in a shown group.
                let shown: u32 = family
                    .members()
                    .iter()
                    .filter_map(|g| figures.get(*g).n_pupils())
                    .sum();
                let residual = n_all - shown;
                prop_assert!(
                    residual == 0 || residual >= threshold,
                    "{family:?}: residual {residual} below {threshold}"
                );
            }
        }
    }
}

/// DfE KS2 school-level files for 2018/19, Hampshire (850) and Surrey (936)
/// (`../shared/reference/public-data/hampshire-surrey-perf-tables/ks2/`): disadvantaged and
/// non-disadvantaged RWM percentages are published only when both groups have 6 or more
/// pupils; with 0 disadvantaged pupils the non-disadvantaged figure is SUPP too.
#[rstest]
#[case("2018-2019_850_ks2final.csv")]
#[case("2018-2019_936_ks2final.csv")]
fn suppression_reproduces_the_published_2018_19_ks2_disadvantaged_split(#[case] file: &str) {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/public-data/hampshire-surrey-perf-tables/ks2/"
    );
    let path = format!("{dir}{file}");
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("the KS2 file must be present at {path}: {e}"));
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // LA and national rows are shorter than school rows.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (c_type, c_dis, c_non, c_p_dis, c_p_non) = (
        col("RECTYPE"),
        col("TFSM6CLA1A"),
        col("TNotFSM6CLA1A"),
        col("PTRWM_EXP_FSM6CLA1A"),
        col("PTRWM_EXP_NotFSM6CLA1A"),
    );
    let mut n_checked = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let cell = |c: usize| record.get(c).unwrap_or("");
        let (Ok(n_dis), Ok(n_non)) = (cell(c_dis).parse::<u32>(), cell(c_non).parse::<u32>())
        else {
            continue;
        };
        if cell(c_type) != "1" {
            continue;
        }
        let mut entries: [(u32, Option<f64>); N_GROUPS] = [(0, None); N_GROUPS];
        entries[PupilGroup::All.index()] = (n_dis + n_non, Some(0.0));
        entries[PupilGroup::Disadvantaged.index()] = (n_dis, Some(0.0));
        entries[PupilGroup::NonDisadvantaged.index()] = (n_non, Some(0.0));
        let figures = suppress_groups(SuppressionPolicy::default(), entries);
        let published = |text: &str| text.ends_with('%');
        assert_eq!(
            !figures.get(PupilGroup::Disadvantaged).is_suppressed(),
            published(cell(c_p_dis)),
            "{n_dis} disadvantaged, {n_non} not: published {:?}",
            cell(c_p_dis)
        );
        assert_eq!(
            !figures.get(PupilGroup::NonDisadvantaged).is_suppressed(),
            published(cell(c_p_non)),
            "{n_dis} disadvantaged, {n_non} not: published {:?}",
            cell(c_p_non)
        );
        n_checked += 1;
    }
    assert!(n_checked > 200, "{n_checked}");
}

/// Figures as published, from `(group, Some(n))` for shown and `(group, None)` for a small
/// suppressed group.
fn published(figures: &[(PupilGroup, Option<u32>)]) -> BTreeMap<PupilGroup, Published> {
    figures
        .iter()
        .map(|&(g, n)| {
            let published = match n {
                Some(n_pupils) => Published::Shown { n_pupils },
                None => Published::Hidden(SuppressionReason::SmallGroup),
            };
            (g, published)
        })
        .collect()
}

/// What suppression across levels hides of `trust`, beside its `members` at the default policy.
fn hides(
    trust: &BTreeMap<PupilGroup, Published>,
    members: &[BTreeMap<PupilGroup, Published>],
) -> BTreeSet<PupilGroup> {
    let members: Vec<&BTreeMap<PupilGroup, Published>> = members.iter().collect();
    differencing_hides(SuppressionPolicy::default(), trust, &members)
}

/// A trust of three schools whose third school has `n_c_disadvantaged` disadvantaged pupils
/// (suppressed when under 6) and 30 others; the trust figures pool the three.
fn trust_of_three(n_c_disadvantaged: u32) -> BTreeSet<PupilGroup> {
    use PupilGroup as G;
    let shown_if_allowed = |n: u32| (n >= 6).then_some(n);
    let school = |n_dis: u32, n_non: u32| {
        published(&[
            (G::All, Some(n_dis + n_non)),
            (G::Disadvantaged, shown_if_allowed(n_dis)),
            // Complementary suppression within the school hides the other group too.
            (G::NonDisadvantaged, shown_if_allowed(n_dis).map(|_| n_non)),
        ])
    };
    let members = [
        school(20, 40),
        school(15, 45),
        school(n_c_disadvantaged, 30),
    ];
    let n_dis = 35 + n_c_disadvantaged;
    let trust = published(&[
        (G::All, Some(n_dis + 115)),
        (G::Disadvantaged, Some(n_dis)),
        (G::NonDisadvantaged, Some(115)),
    ]);
    hides(&trust, &members)
}

#[test]
fn a_trust_split_that_would_reveal_one_schools_small_group_is_hidden_with_its_complement() {
    // School C has 3 disadvantaged pupils: the trust's disadvantaged figure minus A's and B's
    // is C's. Its non-disadvantaged figure goes too (C's 30 are hidden as C's complement, and
    // the trust's all minus non-disadvantaged would give the disadvantaged figure back).
    let hidden = trust_of_three(3);
    assert_eq!(
        hidden,
        BTreeSet::from([PupilGroup::Disadvantaged, PupilGroup::NonDisadvantaged])
    );
}

#[test]
fn a_trust_whose_members_are_all_shown_hides_nothing() {
    assert!(trust_of_three(8).is_empty());
}

#[test]
fn a_member_with_no_pupils_in_a_group_hides_nothing() {
    use PupilGroup as G;
    let members = [
        published(&[(G::All, Some(40)), (G::SenEhcp, Some(7))]),
        // No EHC plan pupils at all: no entry.
        published(&[(G::All, Some(30))]),
    ];
    let trust = published(&[(G::All, Some(70)), (G::SenEhcp, Some(7))]);
    assert!(hides(&trust, &members).is_empty());
}

#[test]
fn a_trust_all_pupils_figure_that_reveals_a_small_school_hides_every_group() {
    use PupilGroup as G;
    let members = [
        published(&[
            (G::All, Some(40)),
            (G::Female, Some(20)),
            (G::Male, Some(20)),
        ]),
        published(&[(G::All, None), (G::Female, None), (G::Male, None)]),
    ];
    let trust = published(&[
        (G::All, Some(44)),
        (G::Female, Some(22)),
        (G::Male, Some(22)),
    ]);
    let hidden = hides(&trust, &members);
    assert_eq!(hidden, BTreeSet::from([G::All, G::Female, G::Male]));
}

#[test]
fn two_suppressed_schools_pooling_enough_pupils_leave_the_trust_figure_shown() {
    use PupilGroup as G;
    let members = [
        published(&[
            (G::All, Some(60)),
            (G::Eal, Some(12)),
            (G::NonEal, Some(48)),
        ]),
        published(&[(G::All, Some(30)), (G::Eal, None), (G::NonEal, None)]),
        published(&[(G::All, Some(30)), (G::Eal, None), (G::NonEal, None)]),
    ];
    // The remainder is 4 + 5 = 9 EAL pupils in two schools: neither can be recovered.
    let trust = published(&[
        (G::All, Some(120)),
        (G::Eal, Some(21)),
        (G::NonEal, Some(99)),
    ]);
    assert!(hides(&trust, &members).is_empty());
}
