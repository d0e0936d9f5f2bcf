#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use rstest::rstest;

use super::*;

// measures.md §9: any measure for a group of 1–5 pupils is shown as SUPP; 6+ is published.
#[rstest]
#[case(0, None, Some("NA"))]
#[case(1, None, Some("SUPP"))]
#[case(5, None, Some("SUPP"))]
#[case(6, Some(6), None)]
#[case(95, Some(95), None)]
fn default_policy_suppresses_groups_of_one_to_five_pupils(
    #[case] n_pupils: u32,
    #[case] shown_n: Option<u32>,
    #[case] code: Option<&str>,
) {
    let figure = SuppressionPolicy::default().figure(n_pupils, 0.5_f64);
    assert_eq!(figure.n_pupils(), shown_n);
    assert_eq!(figure.dfe_code(), code);
    assert_eq!(figure.value().is_some(), shown_n.is_some());
}

#[test]
fn threshold_is_configurable() {
    let policy = SuppressionPolicy::new(10);
    assert!(policy.figure(9, 1).is_suppressed());
    assert_eq!(policy.figure(10, 1).value(), Some(&1));
}

#[test]
fn a_suppressed_figure_serialises_without_its_value_or_count() {
    let figure = SuppressionPolicy::default().figure(3, 42.125_f64);
    let json = serde_json::to_string(&figure).unwrap();
    assert_eq!(json, r#"{"status":"suppressed","reason":"small_group"}"#);
    assert!(!json.contains("42.125"), "{json}");
    assert!(!json.contains('3'), "{json}");
}

#[test]
fn mapping_a_suppressed_figure_keeps_it_suppressed() {
    let figure = SuppressionPolicy::default()
        .figure(2, 1.0_f64)
        .map(|v| v * 2.0);
    assert_eq!(
        figure.suppression_reason(),
        Some(SuppressionReason::SmallGroup)
    );
}

#[test]
fn a_shown_figure_serialises_with_value_and_count() {
    let figure = SuppressionPolicy::default().figure(30, 0.25_f64);
    let json = serde_json::to_string(&figure).unwrap();
    assert_eq!(json, r#"{"status":"shown","value":0.25,"n_pupils":30}"#);
}

/// A trust's figure over 40 pupils and its member schools' figures.
fn trust_and_members(members: &[(u32, f64)]) -> (Figure<f64>, Vec<Figure<f64>>) {
    let policy = SuppressionPolicy::default();
    let n: u32 = members.iter().map(|(n, _)| n).sum();
    let trust = policy.figure(n, 0.5);
    let schools = members.iter().map(|&(n, v)| policy.figure(n, v)).collect();
    (trust, schools)
}

#[rstest]
// Every member shown: nothing to recover, the trust figure stays.
#[case::all_members_shown(&[(20, 0.4), (17, 0.6), (8, 0.5)], false)]
// One member suppressed (3 pupils): trust minus the two shown schools is that school.
#[case::one_small_member(&[(20, 0.4), (17, 0.6), (3, 0.5)], true)]
// Two suppressed members whose remainder is still small: 2 + 3 = 5 pupils.
#[case::two_small_members_under_the_threshold(&[(20, 0.4), (2, 0.6), (3, 0.5)], true)]
// Two suppressed members pooling 4 + 5 = 9 pupils: neither school can be recovered.
#[case::two_small_members_over_the_threshold(&[(20, 0.4), (4, 0.6), (5, 0.5)], false)]
// A member with no pupils in the group hides nothing.
#[case::an_empty_member(&[(20, 0.4), (17, 0.6), (0, 0.0)], false)]
fn a_trust_figure_that_would_reveal_a_suppressed_school_is_hidden(
    #[case] members: &[(u32, f64)],
    #[case] hidden: bool,
) {
    let (mut trust, schools) = trust_and_members(members);
    let refs: Vec<&Figure<f64>> = schools.iter().collect();
    assert_eq!(
        suppress_differencing(SuppressionPolicy::default(), &mut trust, &refs),
        hidden
    );
    assert_eq!(trust.is_suppressed(), hidden);
    if hidden {
        assert_eq!(trust.dfe_code(), Some("SUPPMAT"));
    }
}

#[test]
fn a_member_hidden_for_its_complement_counts_as_suppressed() {
    // School C's non-disadvantaged figure (n = 30) is hidden because its disadvantaged group
    // is 2 pupils; the trust's non-disadvantaged figure minus A and B would give it back.
    let policy = SuppressionPolicy::default();
    let mut trust = policy.figure(90, 0.7);
    let a = policy.figure(30, 0.6);
    let b = policy.figure(30, 0.8);
    let mut c = policy.figure(30, 0.7);
    c.suppress(SuppressionReason::Complementary);
    assert!(suppress_differencing(policy, &mut trust, &[&a, &b, &c]));
}

#[test]
fn a_suppressed_trust_figure_stays_suppressed() {
    let policy = SuppressionPolicy::default();
    let mut trust = policy.figure(4, 0.5);
    let a = policy.figure(4, 0.5);
    assert!(!suppress_differencing(policy, &mut trust, &[&a]));
    assert_eq!(
        trust.suppression_reason(),
        Some(SuppressionReason::SmallGroup)
    );
}
