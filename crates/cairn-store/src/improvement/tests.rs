//! The improvement cycle's store suite, on SQLite and PostgreSQL.

use cairn_domain::{
    AcademicYear, ActionStatus, Comparison, MeetingKind, Partnership, Rag, Scope, Urn, Username,
    WritingTa,
};
use cairn_measures::criteria::CriterionStatus;
use cairn_measures::{PupilGroup, SuppressionPolicy};
use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::backend_test;
use crate::imports::{ImportFile, ImportKind};

pub(crate) fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, hour, 0, 0)
        .single()
        .unwrap()
}

fn year(start: u16) -> AcademicYear {
    AcademicYear::starting(start).unwrap()
}

pub(crate) fn urn_named(partnership: &Partnership, name: &str) -> Urn {
    partnership
        .schools
        .iter()
        .find(|s| s.name == name)
        .unwrap()
        .urn
}

pub(crate) async fn demo_with_measures(store: &Store) -> Partnership {
    let partnership = crate::tests::demo();
    store.load_partnership(&partnership).await.unwrap();
    store
        .refresh_measures("test", at(9), SuppressionPolicy::default())
        .await
        .unwrap();
    partnership
}

/// Re-imports every KS2 result with writing marked "working towards", then refreshes the
/// measures an hour later: a later import that would change what any pack showed.
pub(crate) async fn reimport_ks2_writing_working_towards(
    store: &Store,
    partnership: &Partnership,
    at: DateTime<Utc>,
) {
    let mut ks2 = partnership.ks2_results.clone();
    for result in &mut ks2 {
        result.writing = WritingTa::WorkingTowards;
    }
    let file = ImportFile {
        kind: ImportKind::Ks2,
        file_name: "ks2-corrected.csv".to_owned(),
        sha256: "0".repeat(64),
        user_id: None,
        at,
        urn: None,
        rejected: 0,
        data: Partnership {
            ks2_results: ks2,
            ..Partnership::default()
        },
    };
    store.import(&[file], false).await.unwrap();
    store
        .refresh_measures(
            "after import",
            at + chrono::Duration::hours(1),
            SuppressionPolicy::default(),
        )
        .await
        .unwrap();
}

backend_test! {
    async fn the_demo_plan_puts_criteria_in_every_state_and_loads_once(db) {
        let store = db.store();
        demo_with_measures(store).await;
        let plan = cairn_demo::improvement_plan();
        assert!(store.load_improvement_plan(&plan, at(10), &|c| format!("{c:?}")).await.unwrap());
        assert!(!store.load_improvement_plan(&plan, at(11), &|c| format!("{c:?}")).await.unwrap(), "a second load changes nothing");

        let priorities = store.priorities().await.unwrap();
        assert_eq!(priorities.len(), plan.priorities.len());
        // The moved target is in its priority's history, the criterion holding the new one.
        let moved = plan.priorities.iter().position(|p| p.criteria.iter().any(|c| c.moved.is_some())).unwrap();
        let priority = &store.priorities().await.unwrap()[moved];
        assert_eq!(priority.title, plan.priorities[moved].title);
        let history = store.priority_history(priority.id).await.unwrap();
        let change = history.iter().find(|c| c.kind == crate::ChangeKind::CriterionChanged).expect("the move is recorded");
        assert!(change.old_value.contains("target: Some(0.7)"), "{change:?}");
        assert!(change.new_value.contains("target: Some(0.75)"), "{change:?}");
        assert_eq!(change.changed_by.as_str(), "trust.leader");
        assert!(store.criteria(Some(priority.id)).await.unwrap().iter().any(|c| c.target == Some(0.75)));

        let criteria = store.criteria(None).await.unwrap();
        let statuses: Vec<CriterionStatus> = criteria
            .iter()
            .map(|c| c.evaluation.as_ref().expect("judged on adding").evaluation.status)
            .collect();
        for status in CriterionStatus::ALL {
            assert!(statuses.contains(&status), "no criterion {status:?} in {statuses:?}");
        }
        let n_actions: usize = plan.priorities.iter().map(|p| p.actions.len()).sum();
        let actions = store.actions(None).await.unwrap();
        assert_eq!(actions.len(), n_actions);
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let mine = store.actions_owned_by(&Username::parse("trust.leader").unwrap()).await.unwrap();
        assert!(mine.iter().filter(|a| a.is_overdue(today)).count() >= 2);
        assert!(mine.iter().any(|a| a.status == ActionStatus::Done && !a.is_overdue(today)));

        let meetings = store.meetings().await.unwrap();
        assert_eq!(meetings.len(), plan.meetings.len());
        for meeting in &meetings {
            assert!(meeting.pack_frozen_at.is_some());
            let pack = store.meeting_pack(meeting.id).await.unwrap().unwrap();
            assert!(!pack.figures.is_empty(), "{}", meeting.title);
            let full = store.meeting(meeting.id).await.unwrap().unwrap();
            assert!(full.decisions.iter().any(|d| d.action_title.is_some()));
        }
    }
}

backend_test! {
    async fn criteria_are_judged_again_on_every_refresh(db) {
        let store = db.store();
        let partnership = demo_with_measures(store).await;
        let millbrook = urn_named(&partnership, "Millbrook Community Primary School");
        let priority_id = store
            .create_priority(
                &NewPriority {
                    title: "Reading".to_owned(),
                    owner: Username::parse("trust.leader").unwrap(),
                    scope: Scope::School(millbrook),
                    from_year: year(2022),
                    to_year: year(2024),
                    narrative: String::new(),
                },
                at(10),
            )
            .await
            .unwrap();
        store
            .add_criterion(&NewCriterion {
                priority_id,
                measure: Measure::Ks2RwmExpected,
                pupil_group: PupilGroup::All,
                scope: ResultScope::School(millbrook),
                comparison: Comparison::Target,
                target: Some(0.6),
                due_year: year(2024),
            })
            .await
            .unwrap();
        let first = store.criteria(Some(priority_id)).await.unwrap().remove(0);
        let first = first.evaluation.unwrap();
        assert_eq!(first.evaluation.status, CriterionStatus::Met);
        let judged = first.evaluation.judged.unwrap();
        assert_eq!(judged.academic_year, year(2024));
        assert!(judged.value.unwrap() >= 0.6);
        assert_eq!(first.evaluation.trend.len(), 2, "two earlier years");

        // A refresh that suppresses every group under 10,000 pupils: the criterion follows.
        let refresh = store
            .refresh_measures("stricter", at(11), SuppressionPolicy::new(10_000))
            .await
            .unwrap();
        let second = store.criteria(Some(priority_id)).await.unwrap().remove(0);
        let second = second.evaluation.unwrap();
        assert_eq!(second.refresh_id, refresh.refresh.id);
        assert_eq!(second.evaluation.status, CriterionStatus::NotYetMeasurable);
    }
}

backend_test! {
    async fn a_frozen_pack_is_unchanged_by_a_later_import_and_refresh(db) {
        let store = db.store();
        let partnership = demo_with_measures(store).await;
        let meeting_id = store
            .create_meeting(
                &NewMeeting {
                    kind: MeetingKind::Cluster,
                    group_code: cairn_demo::CLUSTER_CODES[1].to_owned(),
                    urn: None,
                    title: "Autumn".to_owned(),
                    held_on: NaiveDate::from_ymd_opt(2026, 10, 15).unwrap(),
                    agenda: "Results".to_owned(),
                    attendees: "Heads".to_owned(),
                },
                at(10),
            )
            .await
            .unwrap();
        let rwm = |pack: &MeetingPack| -> Vec<Option<f64>> {
            pack.figures
                .iter()
                .filter(|f| f.measure_code == Measure::Ks2RwmExpected.code())
                .map(|f| f.value)
                .collect()
        };
        // Millbrook's governing board meets too, with a pack of its own school's figures.
        let millbrook = urn_named(&partnership, "Millbrook Community Primary School");
        let board_id = store
            .create_meeting(
                &NewMeeting {
                    kind: MeetingKind::Board,
                    group_code: cairn_demo::CLUSTER_CODES[1].to_owned(),
                    urn: Some(millbrook),
                    title: "Governing board".to_owned(),
                    held_on: NaiveDate::from_ymd_opt(2026, 10, 20).unwrap(),
                    agenda: "Results".to_owned(),
                    attendees: "Governors".to_owned(),
                },
                at(10),
            )
            .await
            .unwrap();
        assert_eq!(store.meeting(board_id).await.unwrap().unwrap().urn, Some(millbrook));
        store.freeze_meeting_pack(board_id, at(10)).await.unwrap();
        let board = store.meeting_pack(board_id).await.unwrap().unwrap();
        let school_name = &board.figures[0].scope_name;
        assert_eq!(school_name, "Millbrook Community Primary School");
        assert!(board.figures.iter().all(|f| &f.scope_name == school_name), "its own figures only");
        let years: std::collections::BTreeSet<_> =
            board.figures.iter().map(|f| f.academic_year).collect();
        assert!(years.len() > 1, "every stored year: {years:?}");
        assert!(rwm(&board).iter().any(|v| v.is_some_and(|v| v > 0.3)), "{board:?}");
        let returned = store.freeze_meeting_pack(meeting_id, at(10)).await.unwrap();
        let frozen = store.meeting_pack(meeting_id).await.unwrap().unwrap();
        assert_eq!(frozen.figures.len(), returned.figures.len());
        assert!(rwm(&frozen).iter().any(|v| v.is_some_and(|v| v > 0.3)), "{frozen:?}");
        assert!(frozen.figures.iter().any(|f| f.scope_name == "Riverside Cluster"));

        // Nobody reaches the expected standard in reading, writing and maths any more.
        reimport_ks2_writing_working_towards(store, &partnership, at(11)).await;
        let now_stored = store
            .latest_results(None, &ScopeFilter::Kind(crate::ScopeKind::Group), &[Measure::Ks2RwmExpected])
            .await
            .unwrap();
        assert!(now_stored.results.iter().all(|r| r.value.value().unwrap_or(0.0) == 0.0));

        let again = store.meeting_pack(meeting_id).await.unwrap().unwrap();
        assert_eq!(again, frozen, "the pack is what the meeting saw");
        let board_again = store.meeting_pack(board_id).await.unwrap().unwrap();
        assert_eq!(board_again, board, "the school's pack is what its board saw");
        assert!(matches!(
            store.freeze_meeting_pack(meeting_id, at(13)).await,
            Err(StoreError::Conflict { .. })
        ));
    }
}

backend_test! {
    async fn actions_update_and_decisions_link_to_them(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        store.load_partnership(&partnership).await.unwrap();
        let high = urn_named(&partnership, "Northvale High School");
        let head = Username::parse("head.northvale").unwrap();
        let priority_id = store
            .create_priority(
                &NewPriority {
                    title: "Attendance".to_owned(),
                    owner: head.clone(),
                    scope: Scope::School(high),
                    from_year: year(2024),
                    to_year: year(2026),
                    narrative: "First words".to_owned(),
                },
                at(10),
            )
            .await
            .unwrap();
        store.set_priority_narrative(priority_id, "Second words").await.unwrap();
        assert_eq!(store.priority(priority_id).await.unwrap().unwrap().narrative, "Second words");
        let action_id = store
            .add_action(&NewAction {
                priority_id,
                title: "Call home".to_owned(),
                owner: head.clone(),
                school: Some(high),
                starts_on: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
                due_on: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                status: ActionStatus::InProgress,
                rag: Rag::Amber,
            })
            .await
            .unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let action = store.action(action_id).await.unwrap().unwrap();
        assert!(action.is_overdue(today));
        assert_eq!(action.priority_scope, Scope::School(high));
        store.update_action(action_id, ActionStatus::Done, Rag::Green).await.unwrap();
        assert!(!store.action(action_id).await.unwrap().unwrap().is_overdue(today));
        assert!(matches!(
            store.update_action(9_999, ActionStatus::Done, Rag::Green).await,
            Err(StoreError::NotFound { .. })
        ));

        // No refresh has run: criteria cannot be judged and packs cannot be frozen yet.
        assert_eq!(store.evaluate_criteria().await.unwrap(), 0);
        let meeting_id = store
            .create_meeting(
                &NewMeeting {
                    kind: MeetingKind::Board,
                    group_code: cairn_demo::TRUST_CODE.to_owned(),
                    urn: None,
                    title: "Board".to_owned(),
                    held_on: today,
                    agenda: String::new(),
                    attendees: String::new(),
                },
                at(10),
            )
            .await
            .unwrap();
        assert!(matches!(
            store.freeze_meeting_pack(meeting_id, at(10)).await,
            Err(StoreError::NotFound { .. })
        ));
        store.add_decision(meeting_id, "Keep calling", Some(action_id)).await.unwrap();
        store.set_meeting_minutes(meeting_id, "Minuted.").await.unwrap();
        let meeting = store.meeting(meeting_id).await.unwrap().unwrap();
        assert_eq!(meeting.minutes, "Minuted.");
        assert_eq!(meeting.decisions[0].action_title.as_deref(), Some("Call home"));
        assert_eq!(store.meeting_pack(meeting_id).await.unwrap(), None);
    }
}

#[test]
fn absence_is_the_only_family_where_lower_is_better() {
    for measure in Measure::ALL {
        assert_eq!(
            higher_is_better(*measure),
            !measure.code().starts_with("attendance_"),
            "{measure:?}"
        );
    }
}

backend_test! {
    async fn a_priority_and_its_criteria_change_with_every_change_recorded(db) {
        let store = db.store();
        let partnership = demo_with_measures(store).await;
        let millbrook = urn_named(&partnership, "Millbrook Community Primary School");
        let leader = Username::parse("trust.leader").unwrap();
        let head = Username::parse("head.millbrook").unwrap();
        let editor = |hour| Editor { by: &leader, at: at(hour) };
        let describe_scope = |s: &Scope| format!("{s:?}");
        let describe = |c: &Criterion| {
            format!("{} {:?} by {}", c.measure.code(), c.target, c.due_year)
        };
        let priority_id = store
            .create_priority(
                &NewPriority {
                    title: "Reading".to_owned(),
                    owner: leader.clone(),
                    scope: Scope::School(millbrook),
                    from_year: year(2022),
                    to_year: year(2024),
                    narrative: String::new(),
                },
                at(10),
            )
            .await
            .unwrap();
        let criterion = NewCriterion {
            priority_id,
            measure: Measure::Ks2RwmExpected,
            pupil_group: PupilGroup::All,
            scope: ResultScope::School(millbrook),
            comparison: Comparison::Target,
            target: Some(0.6),
            due_year: year(2024),
        };
        let criterion_id = store
            .add_criterion_by(&criterion, editor(10), &describe)
            .await
            .unwrap();
        let judged = |c: Vec<Criterion>| c[0].evaluation.clone().unwrap().evaluation.status;
        assert_eq!(judged(store.criteria(Some(priority_id)).await.unwrap()), CriterionStatus::Met);

        // Only the fields that changed are recorded.
        let n = store
            .update_priority(
                priority_id,
                &PriorityEdit {
                    title: "Reading for all".to_owned(),
                    owner: head.clone(),
                    scope: Scope::School(millbrook),
                    from_year: year(2022),
                    to_year: year(2025),
                },
                editor(11),
                &describe_scope,
            )
            .await
            .unwrap();
        assert_eq!(n, 3, "title, owner and years; not the scope");
        let priority = store.priority(priority_id).await.unwrap().unwrap();
        assert_eq!((priority.title.as_str(), &priority.owner), ("Reading for all", &head));
        assert_eq!(priority.to_year, year(2025));

        // A target raised out of reach is judged again at once, without a refresh.
        store
            .update_criterion(
                criterion_id,
                &NewCriterion { target: Some(0.99), ..criterion.clone() },
                editor(12),
                &describe,
            )
            .await
            .unwrap();
        let criteria = store.criteria(Some(priority_id)).await.unwrap();
        assert_eq!(criteria[0].target, Some(0.99));
        assert_ne!(judged(criteria), CriterionStatus::Met);

        // Another priority's criterion cannot be reached through this one.
        let other = store
            .create_priority(
                &NewPriority {
                    title: "Other".to_owned(),
                    owner: leader.clone(),
                    scope: Scope::School(millbrook),
                    from_year: year(2022),
                    to_year: year(2024),
                    narrative: String::new(),
                },
                at(10),
            )
            .await
            .unwrap();
        let wrong = store
            .update_criterion(
                criterion_id,
                &NewCriterion { priority_id: other, ..criterion.clone() },
                editor(12),
                &describe,
            )
            .await;
        assert!(matches!(wrong, Err(StoreError::NotFound { .. })), "{wrong:?}");
        let wrong = store.remove_criterion(other, criterion_id, editor(12), &describe).await;
        assert!(matches!(wrong, Err(StoreError::NotFound { .. })), "{wrong:?}");

        store.remove_criterion(priority_id, criterion_id, editor(13), &describe).await.unwrap();
        assert!(store.criteria(Some(priority_id)).await.unwrap().is_empty());

        let history = store.priority_history(priority_id).await.unwrap();
        let kinds: Vec<ChangeKind> = history.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::CriterionAdded,
                ChangeKind::Title,
                ChangeKind::Owner,
                ChangeKind::Years,
                ChangeKind::CriterionChanged,
                ChangeKind::CriterionRemoved,
            ]
        );
        assert_eq!(history[1].old_value, "Reading");
        assert_eq!(history[1].new_value, "Reading for all");
        assert_eq!(history[3].new_value, "2022/23 to 2025/26");
        assert_eq!(history[4].old_value, "ks2_rwm_expected Some(0.6) by 2024/25");
        assert_eq!(history[4].new_value, "ks2_rwm_expected Some(0.99) by 2024/25");
        assert!(history.iter().all(|c| c.changed_by == leader));
        assert_eq!(history[5].changed_at, at(13));

        // Removing the priority takes its actions; its history stays, the removal recorded.
        store
            .add_action(&NewAction {
                priority_id,
                title: "Reading recovery".to_owned(),
                owner: head.clone(),
                school: Some(millbrook),
                starts_on: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
                due_on: NaiveDate::from_ymd_opt(2026, 7, 17).unwrap(),
                status: ActionStatus::InProgress,
                rag: Rag::Amber,
            })
            .await
            .unwrap();
        let removal = store.priority_removal(priority_id).await.unwrap();
        assert_eq!((removal.criteria, removal.actions.len()), (0, 1));
        store.remove_priority(priority_id, editor(14)).await.unwrap();
        assert!(store.priority(priority_id).await.unwrap().is_none());
        assert!(store.actions(Some(priority_id)).await.unwrap().is_empty());
        let removed = store.removed_priorities().await.unwrap();
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].scope, Scope::School(millbrook));
        assert_eq!(removed[0].old_value, "Reading for all with 0 success criteria and 1 action");
        assert_eq!(store.priority_history(priority_id).await.unwrap().len(), 7);
        let again = store.remove_priority(priority_id, editor(15)).await;
        assert!(matches!(again, Err(StoreError::NotFound { .. })));
    }
}
