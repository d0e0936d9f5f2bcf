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
