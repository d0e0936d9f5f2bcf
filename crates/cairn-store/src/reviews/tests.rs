//! The peer-review store suite, on SQLite and PostgreSQL.

use cairn_domain::{ActionStatus, Partnership, Rag, Urn};

use super::*;
use crate::backend_test;
use crate::improvement::tests::{
    at, demo_with_measures, reimport_ks2_writing_working_towards, urn_named,
};

/// The demo partnership with its measures, improvement plan and peer reviews.
async fn demo_with_reviews(store: &Store) -> Partnership {
    let partnership = demo_with_measures(store).await;
    store
        .load_improvement_plan(&cairn_demo::improvement_plan(), at(10), &|c| {
            format!("{c:?}")
        })
        .await
        .unwrap();
    assert!(
        store
            .load_peer_reviews(&cairn_demo::peer_reviews(), at(10))
            .await
            .unwrap()
    );
    partnership
}

backend_test! {
    async fn the_demo_reviews_load_once_with_findings_and_follow_ups_as_actions(db) {
        let store = db.store();
        let partnership = demo_with_reviews(store).await;
        assert!(
            !store.load_peer_reviews(&cairn_demo::peer_reviews(), at(11)).await.unwrap(),
            "a second load changes nothing"
        );
        assert_eq!(store.focus_areas().await.unwrap().len(), 4);
        let reviews = store.reviews().await.unwrap();
        assert_eq!(reviews.len(), 3);
        let high = urn_named(&partnership, "Northvale High School");
        let done = reviews.iter().find(|r| r.urn == high).unwrap();
        assert_eq!(done.stage(), ReviewStage::FollowUpsAgreed);
        assert_eq!(done.reviewers, vec![Username::parse("head.riverside").unwrap()]);
        assert_eq!(done.findings.len(), 3);
        assert!(
            done.findings
                .iter()
                .any(|f| f.judgement.as_ref().is_some_and(|j| j.label == "Working towards"))
        );
        let planned = reviews.iter().find(|r| r.urn != high).unwrap();
        assert_eq!(planned.stage(), ReviewStage::Planned);
        assert!(planned.findings.iter().all(|f| !f.is_recorded()));

        // Follow-ups are ordinary actions: on their owner's list, one overdue.
        let follow_ups = store.follow_ups(done).await.unwrap();
        assert_eq!(follow_ups.len(), 2);
        let owner = Username::parse("head.northvale").unwrap();
        let mine = store.actions_owned_by(&owner).await.unwrap();
        assert!(follow_ups.iter().all(|f| mine.contains(f)));
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(follow_ups.iter().filter(|a| a.is_overdue(today)).count(), 1);
        assert!(follow_ups.iter().all(|a| a.priority_scope == Scope::School(high)));

        let reviewer = Username::parse("head.riverside").unwrap();
        let mut reviewing: Vec<Urn> = store
            .reviews_with_reviewer(&reviewer)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, urn)| urn)
            .collect();
        reviewing.sort();
        let mut expected = vec![high, planned.urn];
        expected.sort();
        assert_eq!(reviewing, expected);

        // Last summer's review was closed: read-only, and its reviewer reaches nothing.
        let closed = reviews.iter().find(|r| r.is_closed()).unwrap();
        assert_eq!(closed.stage(), ReviewStage::Closed);
        let head = Username::parse("head.northvale").unwrap();
        assert_eq!(closed.reviewers, vec![head.clone()]);
        assert!(store.reviews_with_reviewer(&head).await.unwrap().is_empty());
        let area = closed.findings[0].focus_area.id;
        let ineffective = scale_id(store, cairn_demo::TRUST_CODE, "Ineffective").await;
        let again = store
            .record_finding(closed.id, area, "More", "Less", ineffective)
            .await;
        assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
        let twice = store.close_review(closed.id, &head, at(12)).await;
        assert!(matches!(twice, Err(StoreError::Conflict { .. })), "{twice:?}");
        let reread = store.review(closed.id).await.unwrap().unwrap();
        assert_eq!(reread.closed.as_ref().map(|(by, _)| by.as_str()), Some("trust.leader"));
        assert_eq!(reread.findings, closed.findings, "unchanged");
    }
}

backend_test! {
    async fn a_review_pack_holds_a_trend_and_is_unchanged_by_a_later_import_and_refresh(db) {
        let store = db.store();
        let partnership = demo_with_reviews(store).await;
        let millbrook = urn_named(&partnership, "Millbrook Community Primary School");
        let area = store.focus_areas().await.unwrap()[0].id;
        let review_id = store
            .create_review(
                &NewReview {
                    group_code: cairn_demo::CLUSTER_CODES[1].to_owned(),
                    urn: millbrook,
                    title: "Reading".to_owned(),
                    visit_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                    reviewers: vec![Username::parse("head.northvale").unwrap()],
                    focus_area_ids: vec![area],
                },
                at(10),
            )
            .await
            .unwrap();
        assert_eq!(store.review_pack(review_id).await.unwrap(), None);
        let returned = store.freeze_review_pack(review_id, at(10)).await.unwrap();
        let frozen = store.review_pack(review_id).await.unwrap().unwrap();
        assert_eq!(frozen.figures.len(), returned.figures.len(), "JSON round trip");
        let rwm: Vec<&PackFigureRef> = frozen
            .figures
            .iter()
            .filter(|f| {
                f.measure_code == "ks2_rwm_expected"
                    && f.pupil_group_code == "all"
                    && f.scope_name == "Millbrook Community Primary School"
            })
            .collect();
        assert_eq!(rwm.len(), 3, "a figure for each of the three years: {rwm:?}");
        assert!(rwm.iter().all(|f| f.value.is_some_and(|v| v > 0.2)));
        assert!(frozen.figures.iter().any(|f| f.pupil_group_code == "disadvantaged"));
        assert!(frozen.figures.iter().any(|f| f.scope_name == "Riverside Cluster"));
        assert!(
            frozen.figures.iter().any(|f| f.similar_average.is_some()),
            "the similar-schools average beside the figures"
        );
        assert!(!frozen.criteria.is_empty(), "Millbrook's success criteria are in the pack");

        reimport_ks2_writing_working_towards(store, &partnership, at(11)).await;
        assert_eq!(store.review_pack(review_id).await.unwrap().unwrap(), frozen);
        assert!(matches!(
            store.freeze_review_pack(review_id, at(13)).await,
            Err(StoreError::Conflict { .. })
        ));
        assert_eq!(
            store.review(review_id).await.unwrap().unwrap().stage(),
            ReviewStage::PackFrozen
        );
    }
}

type PackFigureRef = crate::PackFigure;

backend_test! {
    async fn findings_are_recorded_only_for_chosen_areas_and_follow_ups_become_actions(db) {
        let store = db.store();
        let partnership = demo_with_reviews(store).await;
        let kingsmere = urn_named(&partnership, "Kingsmere School");
        let review = store
            .reviews()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.urn == kingsmere)
            .unwrap();
        let chosen = review.findings[0].focus_area.id;
        let other = store
            .focus_areas()
            .await
            .unwrap()
            .into_iter()
            .find(|a| review.findings.iter().all(|f| f.focus_area.id != a.id))
            .unwrap();
        let leading = scale_id(store, cairn_demo::TRUST_CODE, "Leading").await;
        store
            .record_finding(review.id, chosen, "Strong", "Develop", leading)
            .await
            .unwrap();
        assert!(matches!(
            store.record_finding(review.id, other.id, "x", "y", leading).await,
            Err(StoreError::NotFound { .. })
        ));
        // A judgement from another group's scale is not the review's to use.
        let cluster_leading = scale_id(store, cairn_demo::CLUSTER_CODES[0], "Leading").await;
        assert!(matches!(
            store.record_finding(review.id, chosen, "x", "y", cluster_leading).await,
            Err(StoreError::NotFound { .. })
        ));
        let review = store.review(review.id).await.unwrap().unwrap();
        assert_eq!(review.stage(), ReviewStage::FindingsRecorded);
        assert_eq!(review.findings[0].strengths, "Strong");

        let priority = store.priorities().await.unwrap()[0].clone();
        let action_id = store
            .add_follow_up(
                review.id,
                &NewAction {
                    priority_id: priority.id,
                    title: "Share the sixth-form tracking".to_owned(),
                    owner: Username::parse("trust.leader").unwrap(),
                    school: Some(kingsmere),
                    starts_on: NaiveDate::from_ymd_opt(2027, 2, 5).unwrap(),
                    due_on: NaiveDate::from_ymd_opt(2027, 3, 5).unwrap(),
                    status: ActionStatus::NotStarted,
                    rag: Rag::Green,
                },
            )
            .await
            .unwrap();
        let review = store.review(review.id).await.unwrap().unwrap();
        assert_eq!(review.follow_up_ids, vec![action_id]);
        assert_eq!(review.stage(), ReviewStage::FollowUpsAgreed);
        let action = store.action(action_id).await.unwrap().unwrap();
        assert_eq!(action.priority_id, priority.id);
        assert!(matches!(
            store.add_focus_area(cairn_demo::TRUST_CODE, &other.title, "again").await,
            Err(StoreError::Conflict { .. })
        ));
    }
}

/// The id of the entry labelled `label` in a group's scale.
async fn scale_id(store: &Store, group_code: &str, label: &str) -> i64 {
    store
        .judgement_scale(group_code)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.label == label)
        .unwrap_or_else(|| panic!("{group_code} has no judgement {label}"))
        .id
}

backend_test! {
    async fn every_group_starts_from_the_four_point_scale_and_its_leaders_edit_it(db) {
        let store = db.store();
        demo_with_reviews(store).await;
        let labels = |scale: &[ScaleEntry]| -> Vec<String> {
            scale.iter().map(|e| e.label.clone()).collect()
        };
        let trust = cairn_demo::TRUST_CODE;
        let scale = store.judgement_scale(trust).await.unwrap();
        assert_eq!(labels(&scale), ["Leading", "Effective", "Working towards", "Ineffective"]);
        assert_eq!(scale.iter().map(|e| e.position).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert!(scale.iter().all(|e| !e.description.is_empty()));
        let effective = scale.iter().find(|e| e.label == "Effective").unwrap();
        assert!(effective.n_findings >= 3, "the demo's findings use it: {effective:?}");
        for code in cairn_demo::CLUSTER_CODES {
            assert_eq!(store.judgement_scale(code).await.unwrap().len(), 4, "{code}");
        }
        // A second load of the partnership seeds nothing more.
        store.seed_judgement_scales().await.unwrap();
        assert_eq!(store.judgement_scale(trust).await.unwrap().len(), 4);

        // An entry in use cannot be deleted: the error says how many findings use it.
        let refused = store.delete_judgement(effective.id).await;
        let Err(StoreError::Conflict { constraint }) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(
            constraint,
            format!("judgement in use by {} findings", effective.n_findings)
        );
        // Renamed, every finding that used it reads the new label.
        store
            .update_judgement(effective.id, "Secure", "Good practice, consistently")
            .await
            .unwrap();
        let reviews = store.reviews().await.unwrap();
        let secure = reviews
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.judgement.as_ref().is_some_and(|j| j.label == "Secure"))
            .count();
        assert_eq!(i64::try_from(secure).unwrap(), effective.n_findings);
        assert!(matches!(
            store.update_judgement(effective.id, "Leading", "twice").await,
            Err(StoreError::Conflict { .. })
        ));

        // Added at the end, moved up, then deleted while unused.
        let emerging = store.add_judgement(trust, "Emerging", "Early signs").await.unwrap();
        assert!(matches!(
            store.add_judgement(trust, "Emerging", "again").await,
            Err(StoreError::Conflict { .. })
        ));
        store.move_judgement(emerging, Direction::Up).await.unwrap();
        let scale = store.judgement_scale(trust).await.unwrap();
        assert_eq!(
            labels(&scale),
            ["Leading", "Secure", "Working towards", "Emerging", "Ineffective"]
        );
        let leading = scale[0].id;
        store.move_judgement(leading, Direction::Up).await.unwrap();
        store.move_judgement(leading, Direction::Down).await.unwrap();
        let scale = store.judgement_scale(trust).await.unwrap();
        assert_eq!(labels(&scale)[..2], ["Secure", "Leading"]);
        assert_eq!(scale.iter().map(|e| e.position).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        store.delete_judgement(emerging).await.unwrap();
        assert!(matches!(
            store.delete_judgement(emerging).await,
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(store.judgement_scale(trust).await.unwrap().len(), 4);
        // Another group's scale is untouched.
        let cluster = store.judgement_scale(cairn_demo::CLUSTER_CODES[0]).await.unwrap();
        assert_eq!(labels(&cluster)[1], "Effective");
    }
}

/// Findings judged before scales were editable (a code in a text column) read, after the
/// migration, as the same judgement of their group's seeded scale; every group has one.
async fn old_judgements_keep_their_meaning(db: &crate::testing::TestDb) {
    let store = db.store();
    for sql in [
        "INSERT INTO groups (code, name, kind) VALUES ('trust', 'The Trust', 'trust'), \
         ('cluster', 'The Cluster', 'cluster')",
        "INSERT INTO schools (urn, laestab, name, phase, school_type, age_low, age_high) \
         VALUES (100001, 9292001, 'Alder Primary', 'primary', 'academy_converter', 4, 11)",
        "INSERT INTO review_focus_areas (id, group_code, title, descriptor) VALUES \
         (1, 'trust', 'Reading', 'Pupils read widely'), (2, 'trust', 'Maths', 'Fluency'), \
         (3, 'trust', 'Attendance', 'Pupils attend'), (4, 'cluster', 'Reading', 'Books')",
        "INSERT INTO peer_reviews (id, group_code, urn, title, visit_on, created_at) VALUES \
         (1, 'trust', 100001, 'Autumn', '2025-11-03', '2025-10-01 09:00:00'), \
         (2, 'cluster', 100001, 'Spring', '2026-03-02', '2026-02-01 09:00:00')",
        "INSERT INTO peer_review_findings (review_id, focus_area_id, strengths, development, \
         judgement) VALUES (1, 1, 'a', 'b', 'leading'), (1, 2, 'c', 'd', 'working_towards'), \
         (1, 3, '', '', NULL), (2, 4, 'e', 'f', 'ineffective')",
    ] {
        on_pool!(store, pool => {
            sqlx::query(sql).execute(pool).await.unwrap();
        });
    }
    store.migrate().await.unwrap();
    let judged = |review: &Review| -> Vec<Option<String>> {
        review
            .findings
            .iter()
            .map(|f| f.judgement.as_ref().map(|j| j.label.clone()))
            .collect()
    };
    let autumn = store.review(1).await.unwrap().unwrap();
    assert_eq!(
        judged(&autumn),
        [
            Some("Leading".to_owned()),
            Some("Working towards".to_owned()),
            None
        ]
    );
    let spring = store.review(2).await.unwrap().unwrap();
    assert_eq!(judged(&spring), [Some("Ineffective".to_owned())]);
    for group in ["trust", "cluster"] {
        let scale = store.judgement_scale(group).await.unwrap();
        let labels: Vec<&str> = scale.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Leading", "Effective", "Working towards", "Ineffective"]
        );
        assert!(
            scale
                .iter()
                .zip(cairn_domain::Judgement::ALL)
                .all(|(e, j)| e.description == j.description()),
            "the migration's descriptions are the domain's"
        );
    }
    // Each finding points at its own group's entry.
    let cluster_ineffective = store.judgement_scale("cluster").await.unwrap()[3].id;
    assert_eq!(
        spring.findings[0].judgement.as_ref().map(|j| j.id),
        Some(cluster_ineffective)
    );
}

/// The migration that made judgement scales editable.
const SCALE_MIGRATION: i64 = 20261208300000;

mod old_judgements_keep_their_meaning_after_the_scale_migration {
    use crate::testing::TestDb;

    #[tokio::test]
    async fn sqlite() {
        let db = TestDb::sqlite_before(Some(super::SCALE_MIGRATION)).await;
        super::old_judgements_keep_their_meaning(&db).await;
        db.finish().await;
    }

    #[tokio::test]
    async fn postgres() {
        if let Some(db) = TestDb::postgres_before(Some(super::SCALE_MIGRATION)).await {
            super::old_judgements_keep_their_meaning(&db).await;
            db.finish().await;
        }
    }
}
