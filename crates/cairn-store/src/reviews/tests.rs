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
        assert!(done.findings.iter().any(|f| f.judgement == Some(Judgement::WorkingTowards)));
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
        let again = store
            .record_finding(closed.id, area, "More", "Less", Judgement::Ineffective)
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
        store
            .record_finding(review.id, chosen, "Strong", "Develop", Judgement::Leading)
            .await
            .unwrap();
        assert!(matches!(
            store.record_finding(review.id, other.id, "x", "y", Judgement::Leading).await,
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
