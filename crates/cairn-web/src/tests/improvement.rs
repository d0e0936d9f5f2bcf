//! The improvement cycle's pages: authorisation per route and role from one table, the forms,
//! overdue actions, the review export and meeting packs.

use axum::http::StatusCode;
use cairn_store::backend_test;
use cairn_store::testing::TestDb;

use super::{FixedClock, TestApp, check_routes};
use crate::Clock;

const OK: u16 = 200;
const FORBIDDEN: u16 = 403;
const SIGN_IN: u16 = 303;

/// The demo partnership with its measures computed and its improvement plan loaded.
pub(crate) async fn with_plan(db: &TestDb) -> TestApp {
    let t = TestApp::new(db).await;
    let store = &t.state.store;
    store
        .refresh_measures("test", FixedClock.now(), Default::default())
        .await
        .unwrap();
    store
        .load_improvement_plan(
            &cairn_demo::improvement_plan(),
            FixedClock.now(),
            &crate::criterion_words(store).await.unwrap(),
        )
        .await
        .unwrap();
    t
}

struct Ids {
    trust_priority: i64,
    school_priority: i64,
    cluster_meeting: i64,
    board_meeting: i64,
    /// Northvale High's governing board meeting.
    school_meeting: i64,
}

async fn ids(t: &TestApp) -> Ids {
    let priorities = t.state.store.priorities().await.unwrap();
    let meetings = t.state.store.meetings().await.unwrap();
    let priority = |group: bool| {
        priorities
            .iter()
            .find(|p| matches!(p.scope, cairn_domain::Scope::Group(_)) == group)
            .unwrap()
            .id
    };
    let meeting = |kind| {
        meetings
            .iter()
            .find(|m| m.kind == kind && m.urn.is_none())
            .unwrap()
            .id
    };
    Ids {
        trust_priority: priority(true),
        school_priority: priority(false),
        cluster_meeting: meeting(cairn_domain::MeetingKind::Cluster),
        board_meeting: meeting(cairn_domain::MeetingKind::Board),
        school_meeting: meetings.iter().find(|m| m.urn.is_some()).unwrap().id,
    }
}

fn routes(ids: &Ids) -> Vec<String> {
    vec![
        "/priorities".to_owned(),
        "/priorities/new".to_owned(),
        format!("/priorities/{}", ids.trust_priority),
        format!("/priorities/{}", ids.school_priority),
        "/review".to_owned(),
        "/review.xlsx".to_owned(),
        "/my".to_owned(),
        "/meetings".to_owned(),
        format!("/meetings/{}", ids.cluster_meeting),
        format!("/meetings/{}/pack", ids.cluster_meeting),
        format!("/meetings/{}", ids.board_meeting),
        format!("/meetings/{}/pack", ids.board_meeting),
        format!("/meetings/{}", ids.school_meeting),
        format!("/meetings/{}/pack", ids.school_meeting),
    ]
}

/// Columns follow `routes`: the priorities list, the new-priority form, the trust's priority,
/// Northvale High's priority, the review and its export, the user's actions, the meetings
/// list, the Riverside Cluster meeting and its pack, the trust board meeting and its pack,
/// Northvale High's governing board meeting and its pack. A school's board meeting is its
/// head's, its governors' and its trust's leaders'; not the trustees' (they read the trust
/// board's), the school's data manager's, the cluster's or another school's staff.
const TABLE: &[(Option<&str>, [u16; 14])] = &[
    (None, [SIGN_IN; 14]),
    (
        Some("trust.leader"),
        [
            OK, OK, OK, OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, OK, OK, OK, OK,
        ],
    ),
    (
        Some("governor"),
        [
            OK, FORBIDDEN, OK, OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN,
            FORBIDDEN,
        ],
    ),
    (
        Some("cluster.member"),
        [
            OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN,
            FORBIDDEN, FORBIDDEN,
        ],
    ),
    (
        Some("head.northvale"),
        [
            OK, OK, FORBIDDEN, OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,
            OK,
        ],
    ),
    (
        Some("governor.northvale"),
        [
            OK, FORBIDDEN, FORBIDDEN, OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN,
            FORBIDDEN, OK, OK,
        ],
    ),
    (
        Some("data.northvale"),
        [
            OK, FORBIDDEN, FORBIDDEN, OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN,
            FORBIDDEN, FORBIDDEN, FORBIDDEN,
        ],
    ),
    (
        Some("head.riverside"),
        [
            OK, OK, FORBIDDEN, FORBIDDEN, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN,
            FORBIDDEN, FORBIDDEN, FORBIDDEN,
        ],
    ),
];

backend_test! {
    async fn every_improvement_route_gives_each_role_exactly_its_access(db) {
        let t = with_plan(db).await;
        let routes = routes(&ids(&t).await);
        check_routes(&t, &routes, TABLE).await;
    }
}

/// Posts a form with the signed-in user's CSRF token, read from a page they can see.
pub(crate) async fn post(
    t: &TestApp,
    cookies: &[(String, String)],
    path: &str,
    fields: &[(&str, &str)],
) -> super::Reply {
    let page = t.get("/my", cookies).await;
    let token = page.hidden("csrf_token").expect("a CSRF token on the page");
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    t.send("POST", path, cookies, Some(&form)).await
}

backend_test! {
    async fn only_a_prioritys_editors_may_change_it(db) {
        let t = with_plan(db).await;
        let ids = ids(&t).await;
        let criterion = [
            ("measure", "ks2_rwm_expected"),
            ("pupil_group", "all"),
            ("scope", "group:oakfield-learning-trust"),
            ("comparison", "target"),
            ("target", "60"),
            ("due_year", "2025/26"),
        ];
        let trust_criteria = format!("/priorities/{}/criteria", ids.trust_priority);
        for account in ["governor", "head.northvale", "data.northvale", "cluster.member"] {
            let cookies = t.sign_in(account).await;
            let reply = post(&t, &cookies, &trust_criteria, &criterion).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{account}");
            let narrative = format!("/priorities/{}/narrative", ids.trust_priority);
            let reply = post(&t, &cookies, &narrative, &[("narrative", "Rewritten")]).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{account}");
        }
        // Headteachers edit their own school's priority, but not a governor of the trust.
        let school_narrative = format!("/priorities/{}/narrative", ids.school_priority);
        let head = t.sign_in("head.northvale").await;
        let reply = post(&t, &head, &school_narrative, &[("narrative", "Our words")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let governor = t.sign_in("governor").await;
        let reply = post(&t, &governor, &school_narrative, &[("narrative", "Theirs")]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let priority = t.state.store.priority(ids.school_priority).await.unwrap().unwrap();
        assert_eq!(priority.narrative, "Our words");

        // Without the session's CSRF token nothing is changed.
        let leader = t.sign_in("trust.leader").await;
        let mut forged = vec![("csrf_token", "forged")];
        forged.extend_from_slice(&criterion);
        let reply = t.send("POST", &trust_criteria, &leader, Some(&forged)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
}

backend_test! {
    async fn a_trust_leader_creates_a_priority_with_a_criterion_and_sees_its_status(db) {
        let t = with_plan(db).await;
        let leader = t.sign_in("trust.leader").await;
        let reply = post(&t, &leader, "/priorities", &[
            ("title", "Phonics in Year 1"),
            ("scope", "group:oakfield-learning-trust"),
            ("owner", "trust.leader"),
            ("from_year", "2024/25"),
            ("to_year", "2026/27"),
            ("narrative", ""),
        ]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let location = reply.location().unwrap().to_owned();

        // A target that is not a number is sent back with a message, and nothing is stored.
        let bad = post(&t, &leader, &format!("{location}/criteria"), &[
            ("measure", "phonics_y1_met"),
            ("pupil_group", "all"),
            ("scope", "group:oakfield-learning-trust"),
            ("comparison", "target"),
            ("target", "most"),
            ("due_year", "2024/25"),
        ]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Enter the target as a number"), "{}", bad.body);

        let good = post(&t, &leader, &format!("{location}/criteria"), &[
            ("measure", "phonics_y1_met"),
            ("pupil_group", "all"),
            ("scope", "group:oakfield-learning-trust"),
            ("comparison", "target"),
            ("target", "50"),
            ("due_year", "2024/25"),
        ]).await;
        assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
        let page = t.get(&location, &leader).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Phonics: Year 1 meeting the expected standard"));
        assert!(page.body.contains("<strong>Met</strong>"), "{}", page.body);
        assert!(page.body.contains("50.0%"), "the threshold is shown");

        // A school outside the trust is not a scope this priority can measure.
        let outside = post(&t, &leader, &format!("{location}/criteria"), &[
            ("measure", "phonics_y1_met"),
            ("pupil_group", "all"),
            ("scope", &format!("school:{}", crate::tests::urn_of("St Joseph's Catholic Primary School"))),
            ("comparison", "target"),
            ("target", "50"),
            ("due_year", "2024/25"),
        ]).await;
        assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

backend_test! {
    async fn overdue_actions_are_flagged_for_their_owner_and_can_be_closed(db) {
        let t = with_plan(db).await;
        let leader = t.sign_in("trust.leader").await;
        let mine = t.get("/my", &leader).await;
        assert!(mine.body.contains("overdue actions"), "{}", mine.body);
        assert!(mine.body.contains("Review pupil premium spending at each primary"));

        let today = FixedClock.now().date_naive();
        let overdue = t
            .state
            .store
            .actions(None)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.is_overdue(today) && a.owner.as_str() == "trust.leader")
            .unwrap();
        // The governor reads but may not update.
        let governor = t.sign_in("governor").await;
        let path = format!("/actions/{}", overdue.id);
        let fields = [("status", "done"), ("rag", "green")];
        assert_eq!(post(&t, &governor, &path, &fields).await.status, StatusCode::FORBIDDEN);
        assert_eq!(post(&t, &leader, &path, &fields).await.status, StatusCode::SEE_OTHER);
        let action = t.state.store.action(overdue.id).await.unwrap().unwrap();
        assert!(!action.is_overdue(today));

        let head = t.sign_in("head.northvale").await;
        let theirs = t.get("/my", &head).await;
        assert!(theirs.body.contains("Call home on the first day of every absence"));
        assert!(!theirs.body.contains("pupil premium"), "only their own actions");
    }
}

backend_test! {
    async fn the_annual_review_lists_visible_priorities_and_exports_them(db) {
        let t = with_plan(db).await;
        let governor = t.sign_in("governor").await;
        let review = t.get("/review", &governor).await;
        assert!(review.body.contains("Reading, writing and maths at the end of primary"));
        assert!(review.body.contains("Clear of the margin of error") || review.body.contains("Within the margin of error"));
        assert!(review.body.contains("Not yet measurable"));

        let xlsx = t.get("/review.xlsx", &governor).await;
        assert_eq!(
            xlsx.headers.get("content-type").unwrap(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(xlsx.body.starts_with("PK"), "an XLSX file is a zip");

        // A cluster member sees none of the trust's or Northvale's priorities.
        let cluster = t.get("/review", &t.sign_in("cluster.member").await).await;
        assert!(!cluster.body.contains("Reading, writing and maths at the end of primary"));
        assert!(!cluster.body.contains("Attendance in Years 9 to 11"));
    }
}

backend_test! {
    async fn a_cluster_coordinator_records_a_meeting_and_freezes_its_pack(db) {
        let t = with_plan(db).await;
        let member = t.sign_in("cluster.member").await;
        let created = post(&t, &member, "/meetings", &[
            ("title", "Spring meeting"),
            ("kind", "cluster"),
            ("group", "riverside-cluster"),
            ("held_on", "2027-03-10"),
            ("agenda", "Results"),
            ("attendees", "Heads"),
        ]).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let location = created.location().unwrap().to_owned();
        // Not their group: refused.
        let other = post(&t, &member, "/meetings", &[
            ("title", "Board"), ("kind", "board"), ("group", "oakfield-learning-trust"),
            ("held_on", "2027-03-10"), ("agenda", ""), ("attendees", ""),
        ]).await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);

        assert_eq!(post(&t, &member, &format!("{location}/decisions"), &[("decision", "Visit Millbrook"), ("action", "")]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(post(&t, &member, &format!("{location}/minutes"), &[("minutes", "All agreed.")]).await.status, StatusCode::SEE_OTHER);
        let frozen = post(&t, &member, &format!("{location}/pack"), &[]).await;
        assert_eq!(frozen.status, StatusCode::SEE_OTHER);
        let pack = t.get(&format!("{location}/pack"), &member).await;
        assert_eq!(pack.status, StatusCode::OK);
        assert!(pack.body.contains("Riverside Cluster"));
        assert!(pack.body.contains("Reading, writing and maths: expected standard"));
        let show = t.get(&location, &member).await;
        assert!(show.body.contains("Visit Millbrook") && show.body.contains("All agreed."));

        // Governors read the board's meetings but do not record them.
        let ids = ids(&t).await;
        let governor = t.sign_in("governor").await;
        let minutes = format!("/meetings/{}/minutes", ids.board_meeting);
        assert_eq!(post(&t, &governor, &minutes, &[("minutes", "x")]).await.status, StatusCode::FORBIDDEN);
    }
}

backend_test! {
    async fn the_demo_priority_shows_its_moved_target_in_its_history(db) {
        let t = with_plan(db).await;
        let ids = ids(&t).await;
        let page = t.get(&format!("/priorities/{}", ids.trust_priority), &t.sign_in("governor").await).await;
        assert_eq!(page.status, StatusCode::OK);
        let history = &page.body[page.body.find("id=\"history\"").expect("a history section")..];
        assert!(history.contains("Priya Shah"), "who moved it: {history}");
        assert!(history.contains("15 September 2025") || history.contains("2025-09-15"), "{history}");
        assert!(history.contains("(70.0%)") && history.contains("(75.0%)"), "{history}");
    }
}

backend_test! {
    async fn a_schools_governing_board_records_its_meeting_with_its_own_pack(db) {
        let t = with_plan(db).await;
        let chair = t.sign_in("governor.northvale").await;
        let form = t.get("/meetings", &chair).await;
        assert!(form.body.contains("Northvale High School governing board"), "{}", form.body);
        assert!(!form.body.contains("Riverside Academy governing board"));
        let fields = |whose: &'static str, kind: &'static str| {
            vec![
                ("title", "Spring board"),
                ("kind", kind),
                ("group", whose),
                ("held_on", "2027-03-10"),
                ("agenda", "Attendance"),
                ("attendees", "Governors"),
            ]
        };
        let high = "urn:140213";
        // Another school's board, the trust's own meetings and a cluster-kind school meeting
        // are refused.
        for (whose, kind) in [("urn:137916", "board"), ("oakfield-learning-trust", "board"), (high, "cluster")] {
            let refused = post(&t, &chair, "/meetings", &fields(whose, kind)).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{whose} {kind}");
        }
        let created = post(&t, &chair, "/meetings", &fields(high, "board")).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let location = created.location().unwrap().to_owned();
        let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
        let meeting = t.state.store.meeting(id).await.unwrap().unwrap();
        assert_eq!(meeting.urn, Some(cairn_domain::Urn::parse("140213").unwrap()));
        assert_eq!(meeting.group_code, "oakfield-learning-trust", "the school's trust");

        // Decisions link to the school's own actions only.
        let show = t.get(&location, &chair).await;
        assert!(show.body.contains("Attendance mentor for Year 10"), "{}", show.body);
        assert!(!show.body.contains("Appoint a trust lead for reading"));
        let frozen = post(&t, &chair, &format!("{location}/pack"), &[]).await;
        assert_eq!(frozen.status, StatusCode::SEE_OTHER);
        let pack = t.get(&format!("{location}/pack"), &chair).await;
        assert_eq!(pack.status, StatusCode::OK);
        assert!(pack.body.contains("Northvale High School governing board"));
        assert!(pack.body.contains("success criteria then") && !pack.body.contains("The group"));
        assert!(pack.body.contains("Attendance in Years 9 to 11"), "the school's own criteria");
        assert!(!pack.body.contains("Riverside Academy"), "its own school's figures only");

        // The trust's leaders record it too; the trustees and other schools' heads do not.
        let leader = t.sign_in("trust.leader").await;
        let minutes = format!("{location}/minutes");
        assert_eq!(post(&t, &leader, &minutes, &[("minutes", "Noted.")]).await.status, StatusCode::SEE_OTHER);
        for other in ["governor", "head.riverside", "data.northvale", "cluster.member"] {
            let cookies = t.sign_in(other).await;
            assert_eq!(post(&t, &cookies, &minutes, &[("minutes", "x")]).await.status, StatusCode::FORBIDDEN, "{other}");
            assert!(!t.get("/meetings", &cookies).await.body.contains("Spring board"), "{other}");
        }
    }
}

/// The routes that change a priority: its edit form and removal page for the trust's
/// priority and Northvale High's, and the edit form of one criterion of each.
async fn edit_routes(t: &TestApp, ids: &Ids) -> Vec<String> {
    let criterion =
        |priority: i64| async move { t.state.store.criteria(Some(priority)).await.unwrap()[0].id };
    let (trust, school) = (ids.trust_priority, ids.school_priority);
    vec![
        format!("/priorities/{trust}/edit"),
        format!("/priorities/{trust}/remove"),
        format!(
            "/priorities/{trust}/criteria/{}/edit",
            criterion(trust).await
        ),
        format!("/priorities/{school}/edit"),
        format!("/priorities/{school}/remove"),
        format!(
            "/priorities/{school}/criteria/{}/edit",
            criterion(school).await
        ),
    ]
}

/// Columns follow `edit_routes`. Trust leaders change and remove both; Northvale's head
/// changes and removes their school's; nobody else changes either.
const EDIT_TABLE: &[(Option<&str>, [u16; 6])] = &[
    (None, [SIGN_IN; 6]),
    (Some("trust.leader"), [OK; 6]),
    (Some("governor"), [FORBIDDEN; 6]),
    (Some("cluster.member"), [FORBIDDEN; 6]),
    (
        Some("head.northvale"),
        [FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, OK],
    ),
    (Some("data.northvale"), [FORBIDDEN; 6]),
];

/// After the trust leader makes Northvale's data manager the owner of the school's priority:
/// as its owner they change it and its criteria, but may not remove it.
const OWNER_TABLE: &[(Option<&str>, [u16; 6])] = &[
    (
        Some("data.northvale"),
        [FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, OK],
    ),
    (Some("governor"), [FORBIDDEN; 6]),
];

backend_test! {
    async fn only_leaders_and_a_prioritys_owner_may_change_it(db) {
        let t = with_plan(db).await;
        let ids = ids(&t).await;
        let routes = edit_routes(&t, &ids).await;
        check_routes(&t, &routes, EDIT_TABLE).await;

        let school = t.state.store.priority(ids.school_priority).await.unwrap().unwrap();
        let edit = format!("/priorities/{}/edit", school.id);
        let high = format!("school:{}", crate::tests::urn_of("Northvale High School"));
        let form = [
            ("title", "Attendance in Years 9 to 11"),
            ("scope", high.as_str()),
            ("owner", "data.northvale"),
            ("from_year", "2024/25"),
            ("to_year", "2026/27"),
        ];
        for account in ["governor", "data.northvale", "cluster.member"] {
            let cookies = t.sign_in(account).await;
            let reply = post(&t, &cookies, &edit, &form).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{account}");
        }
        let leader = t.sign_in("trust.leader").await;
        // A year that does not read is sent back with a message, and nothing changes.
        let mut bad = form.to_vec();
        bad.retain(|(k, _)| *k != "to_year");
        bad.push(("to_year", "next year"));
        let reply = post(&t, &leader, &edit, &bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("Enter an academic year like 2025/26."), "{}", reply.body);
        let reply = post(&t, &leader, &edit, &form).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        check_routes(&t, &routes, OWNER_TABLE).await;

        // Removing a priority with actions needs the box ticked; without it nothing goes.
        let remove = format!("/priorities/{}/remove", school.id);
        let reply = post(&t, &leader, &remove, &[]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("Tick the box"), "{}", reply.body);
        assert!(reply.body.contains("<h2 id=\"error-title\">There is a problem</h2>"), "{}", reply.body);
        assert!(t.state.store.priority(school.id).await.unwrap().is_some());
        let owner = t.sign_in("data.northvale").await;
        let reply = post(&t, &owner, &remove, &[("confirm", "yes")]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "an owner may not remove it");
        let reply = post(&t, &leader, &remove, &[("confirm", "yes")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert!(t.state.store.priority(school.id).await.unwrap().is_none());
        let list = t.get("/priorities", &leader).await;
        assert!(list.body.contains("Removed priorities"), "{}", list.body);
        assert!(list.body.contains("Attendance in Years 9 to 11 with"), "{}", list.body);
        let other_school = t.sign_in("cluster.member").await;
        let list = t.get("/priorities", &other_school).await;
        assert!(!list.body.contains("Attendance in Years 9 to 11"), "not their school's");
    }
}

backend_test! {
    async fn a_changed_criterion_is_judged_again_and_shows_in_the_history(db) {
        let t = with_plan(db).await;
        let ids = ids(&t).await;
        let leader = t.sign_in("trust.leader").await;
        let location = format!("/priorities/{}", ids.trust_priority);
        let criterion = t.state.store.criteria(Some(ids.trust_priority)).await.unwrap()[0].clone();
        let path = format!("{location}/criteria/{}", criterion.id);
        let form = t.get(&format!("{path}/edit"), &leader).await;
        assert_eq!(form.status, StatusCode::OK);
        let fields = [
            ("measure", "ks2_rwm_expected"),
            ("pupil_group", "all"),
            ("scope", "group:oakfield-learning-trust"),
            ("comparison", "target"),
            ("due_year", "2024/25"),
        ];
        let mut bad = fields.to_vec();
        bad.push(("target", "most"));
        let reply = post(&t, &leader, &path, &bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("Enter the target as a number"), "{}", reply.body);

        let mut easy = fields.to_vec();
        easy.push(("target", "1"));
        let reply = post(&t, &leader, &path, &easy).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let changed = t.state.store.criteria(Some(ids.trust_priority)).await.unwrap();
        let changed = changed.iter().find(|c| c.id == criterion.id).unwrap();
        assert_eq!(changed.target, Some(0.01));
        assert_eq!(
            changed.evaluation.as_ref().unwrap().evaluation.status,
            cairn_measures::criteria::CriterionStatus::Met,
            "judged again at once"
        );
        let page = t.get(&location, &leader).await;
        assert!(page.body.contains("History of changes"), "{}", page.body);
        assert!(page.body.contains("Success criterion changed"), "{}", page.body);
        assert!(page.body.contains("(1.0%) by 2024/25"), "the new target in the history");
        let csv = t.get(&format!("{location}?table=history&format=csv"), &leader).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.contains("Success criterion changed"), "{}", csv.body);

        // Another priority's criterion is not this priority's to change.
        let other = t.state.store.criteria(Some(ids.school_priority)).await.unwrap()[0].id;
        let reply = post(&t, &leader, &format!("{location}/criteria/{other}"), &easy).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);

        let reply = post(&t, &leader, &format!("{path}/remove"), &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let page = t.get(&location, &leader).await;
        assert!(page.body.contains("Success criterion removed"));
        // Forged: nothing changes.
        let mut forged = vec![("csrf_token", "forged")];
        forged.extend_from_slice(&easy);
        let reply = t.send("POST", &format!("{location}/edit"), &leader, Some(&forged)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
}
