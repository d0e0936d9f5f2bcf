//! The overview's headline measures come from stored results, never computed on request.

use cairn_store::backend_test;

use super::{FixedClock, TestApp};
use crate::Clock;

backend_test! {
    async fn overview_shows_stored_headline_measures_only_after_a_refresh(db) {
        let t = TestApp::new(db).await;
        let cookies = t.sign_in("trust.leader").await;
        let before = t.get("/", &cookies).await;
        assert!(before.body.contains("No measures have been computed yet"));

        t.state
            .store
            .refresh_measures("test", FixedClock.now(), Default::default())
            .await
            .unwrap();
        let after = t.get("/", &cookies).await;
        assert!(after.body.contains("Headline measures, 2024/25"), "{}", after.body);
        assert!(after.body.contains("Attainment 8"));
        assert!(after.body.contains("Persistent absence"));
        // Every school has attendance, so percentages appear in the table.
        assert!(after.body.matches('%').count() >= 20, "{}", after.body);
    }
}

backend_test! {
    async fn overview_facts_kept_between_requests_follow_each_refresh_and_each_viewers_gate(db) {
        let t = TestApp::new(db).await;
        let store = &t.state.store;
        store
            .refresh_measures("test", FixedClock.now(), Default::default())
            .await
            .unwrap();
        let leader = t.sign_in("trust.leader").await;
        let first = t.get("/", &leader).await;
        assert!(first.body.contains("Riverside Academy"), "{}", first.body);
        assert!(!first.body.contains("Suppressed (fewer than 6 pupils)"), "{}", first.body);

        // The head of one school reads the same kept facts but sees only that school.
        let head = t.sign_in("head.northvale").await;
        let own = t.get("/", &head).await;
        assert!(own.body.contains("Northvale High School"));
        assert!(!own.body.contains("Riverside Academy"), "{}", own.body);

        // A new refresh (here suppressing every figure) replaces what was kept.
        store
            .refresh_measures("test", FixedClock.now(), cairn_measures::SuppressionPolicy::new(100_000))
            .await
            .unwrap();
        let after = t.get("/", &leader).await;
        assert!(after.body.contains("Suppressed (fewer than 6 pupils)"), "{}", after.body);
    }
}

#[test]
fn figures_are_formatted_as_people_read_them() {
    use cairn_store::{Measure, StoredValue};

    use crate::pages::overview::format_figure;
    let shown = |value, low, high| StoredValue::Shown {
        value,
        n_pupils: 120,
        ci_low: low,
        ci_high: high,
    };
    assert_eq!(
        format_figure(
            Measure::AttendancePersistentAbsence,
            &shown(0.2149, None, None)
        ),
        "21.5%"
    );
    assert_eq!(
        format_figure(Measure::Ks4Attainment8, &shown(46.27, None, None)),
        "46.3"
    );
    assert_eq!(
        format_figure(
            Measure::Ks4Progress8,
            &shown(-0.12, Some(-0.31), Some(0.07))
        ),
        "-0.12 (-0.31 to +0.07)"
    );
    assert_eq!(
        format_figure(Measure::Ks2RwmExpected, &StoredValue::Suppressed),
        "Suppressed (fewer than 6 pupils)"
    );
}
