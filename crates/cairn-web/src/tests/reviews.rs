//! Peer review's pages: authorisation per route and role from one table (a reviewer from
//! Riverside Academy sees Northvale High's pack and aggregates, never its pupils), and the
//! cycle through its forms from planning to follow-ups.

use axum::http::StatusCode;
use cairn_store::backend_test;
use cairn_store::testing::TestDb;

use super::authorisation::pupil_at;
use super::improvement::{post, with_plan};
use super::{FixedClock, TestApp, check_routes, urn_of};
use crate::Clock;

const OK: u16 = 200;
const FORBIDDEN: u16 = 403;
const SIGN_IN: u16 = 303;

const HIGH: &str = "Northvale High School";
const KINGSMERE: &str = "Kingsmere School";
const RIVERSIDE: &str = "Riverside Academy";

/// The demo with its improvement plan and peer reviews loaded.
async fn with_reviews(db: &TestDb) -> TestApp {
    let t = with_plan(db).await;
    t.state
        .store
        .load_peer_reviews(&cairn_demo::peer_reviews(), FixedClock.now())
        .await
        .unwrap();
    t
}

/// The demo's completed review (of Northvale High) and planned one (of Kingsmere).
async fn review_ids(t: &TestApp) -> (i64, i64) {
    let reviews = t.state.store.reviews().await.unwrap();
    let of = |name| reviews.iter().find(|r| r.urn == urn_of(name)).unwrap().id;
    (of(HIGH), of(KINGSMERE))
}

async fn routes(t: &TestApp) -> Vec<String> {
    let (done, planned) = review_ids(t).await;
    let high = urn_of(HIGH);
    let high_pupil = pupil_at(t, HIGH, RIVERSIDE).await;
    vec![
        "/reviews".to_owned(),
        "/reviews/framework".to_owned(),
        format!("/reviews/{done}"),
        format!("/reviews/{done}/pack"),
        format!("/reviews/{planned}"),
        format!("/schools/{high}"),
        format!("/schools/{high}/compare"),
        format!("/schools/{high}/pupils"),
        format!("/pupils?school={high}"),
        format!("/pupils/{high_pupil}"),
        format!("/schools/{}", urn_of(KINGSMERE)),
    ]
}

/// Columns follow `routes`: the reviews list, the framework, the completed review of
/// Northvale High and its pack, the planned review of Kingsmere, Northvale High's page, its
/// comparison page, its pupils, the pupil finder filtered to it, one of its pupils'
/// timeline, and Kingsmere's page.
const TABLE: &[(Option<&str>, [u16; 11])] = &[
    (None, [SIGN_IN; 11]),
    (Some("trust.leader"), [OK; 11]),
    (
        Some("governor"),
        [
            OK, OK, OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,
        ],
    ),
    (
        Some("cluster.member"),
        [
            OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN,
            FORBIDDEN, OK,
        ],
    ),
    (
        Some("head.northvale"),
        [OK, OK, OK, OK, FORBIDDEN, OK, OK, OK, OK, OK, FORBIDDEN],
    ),
    (
        Some("data.northvale"),
        [OK, OK, OK, OK, FORBIDDEN, OK, OK, OK, OK, OK, FORBIDDEN],
    ),
    (
        Some("head.riverside"),
        [
            OK, OK, OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,
        ],
    ),
];

backend_test! {
    async fn every_review_route_gives_each_role_exactly_its_access(db) {
        let t = with_reviews(db).await;
        let routes = routes(&t).await;
        check_routes(&t, &routes, TABLE).await;
    }
}

backend_test! {
    async fn a_reviewer_from_one_school_sees_the_pack_but_never_the_reviewed_schools_pupils(db) {
        let t = with_reviews(db).await;
        let (done, _) = review_ids(&t).await;
        let reviewer = t.sign_in("head.riverside").await;
        let pack = t.get(&format!("/reviews/{done}/pack"), &reviewer).await;
        assert_eq!(pack.status, StatusCode::OK);
        assert!(pack.body.contains("Overall absence") && pack.body.contains(HIGH));
        assert!(pack.body.contains("2022/23") && pack.body.contains("2024/25"), "a trend");
        let high = urn_of(HIGH);
        let pupils = t.get(&format!("/schools/{high}/pupils"), &reviewer).await;
        assert_eq!(pupils.status, StatusCode::FORBIDDEN);
        let csv = t.get(&format!("/pupils?school={high}&table=pupils&format=csv"), &reviewer).await;
        assert_eq!(csv.status, StatusCode::FORBIDDEN);
        assert!(
            t.state.store.audit_for_school(high, 10).await.unwrap().is_empty(),
            "nobody saw Northvale High's pupils"
        );
        // Their own school's pupils are still theirs.
        let own = t.get(&format!("/schools/{}/pupils", urn_of(RIVERSIDE)), &reviewer).await;
        assert_eq!(own.status, StatusCode::OK);

        // The review page shows the findings, and the follow-ups on their owner's list.
        let page = t.get(&format!("/reviews/{done}"), &reviewer).await;
        assert!(page.body.contains("Attendance and behaviour: Working towards"), "{}", page.body);
        assert!(page.body.contains("Set termly attendance targets"));
        let mine = t.get("/my", &t.sign_in("head.northvale").await).await;
        assert!(mine.body.contains("Set termly attendance targets"), "{}", mine.body);
    }
}

backend_test! {
    async fn a_review_cycle_runs_from_planning_to_a_follow_up_on_the_owners_list(db) {
        let t = with_reviews(db).await;
        let leader = t.sign_in("trust.leader").await;
        let riverside = urn_of(RIVERSIDE).to_string();
        let areas = t.state.store.focus_areas().await.unwrap();
        let area = areas[0].id.to_string();
        let plan = |reviewer: &'static str, school: String, area: String| {
            vec![
                ("title", "Summer peer review".to_owned()),
                ("group", cairn_demo::TRUST_CODE.to_owned()),
                ("school", school),
                ("visit_on", "2027-06-10".to_owned()),
                ("reviewer", reviewer.to_owned()),
                ("focus", area),
            ]
        };
        // The reviewed school's own head cannot review it; nothing is stored.
        let fields = plan("head.riverside", riverside.clone(), area.clone());
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let bad = post(&t, &leader, "/reviews", &fields).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("works at the school being reviewed"), "{}", bad.body);
        // The form's error summary, under the section's heading, names it for screen readers.
        assert!(
            bad.body.contains("aria-labelledby=\"error-title\">\n  <h3 id=\"error-title\">There is a problem</h3>"),
            "{}",
            bad.body
        );
        assert_eq!(t.state.store.reviews().await.unwrap().len(), 3);

        let fields = plan("head.northvale", riverside.clone(), area.clone());
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for account in ["governor", "head.riverside", "cluster.member"] {
            let cookies = t.sign_in(account).await;
            let reply = post(&t, &cookies, "/reviews", &fields).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{account}");
        }
        let created = post(&t, &leader, "/reviews", &fields).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let location = created.location().unwrap().to_owned();

        // The reviewer may not freeze the pack; the trust leader does.
        let reviewer = t.sign_in("head.northvale").await;
        let page = t.get(&location, &reviewer).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Planned"));
        let reply = post(&t, &reviewer, &format!("{location}/pack"), &[]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let reply = post(&t, &leader, &format!("{location}/pack"), &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let pack = t.get(&format!("{location}/pack"), &reviewer).await;
        assert_eq!(pack.status, StatusCode::OK);
        assert!(pack.body.contains("Progress 8"));

        // Findings: a missing judgement is sent back; the reviewer records one; a governor
        // may not.
        let finding = [
            ("focus_area", area.as_str()),
            ("strengths", "Sixth-form teaching is consistently strong."),
            ("development", "Disadvantaged pupils' progress lags the trust's."),
        ];
        let bad = post(&t, &reviewer, &format!("{location}/findings"), &finding).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Choose a judgement"), "{}", bad.body);
        let effective = scale_id(&t, cairn_demo::TRUST_CODE, "Effective").await;
        let mut judged = finding.to_vec();
        judged.push(("judgement", &effective));
        let governor = t.sign_in("governor").await;
        let reply = post(&t, &governor, &format!("{location}/findings"), &judged).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let reply = post(&t, &reviewer, &format!("{location}/findings"), &judged).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let page = t.get(&location, &reviewer).await;
        assert!(page.body.contains("Sixth-form teaching is consistently strong."));
        assert!(page.body.contains("Findings recorded"));

        // Follow-ups: the reviewer edits no plan of Riverside's; the trust leader agrees one
        // under the trust's priority, and it is on its owner's list.
        let priority = t.state.store.priorities().await.unwrap()[0].id.to_string();
        let follow_up = [
            ("priority", priority.as_str()),
            ("title", "Share Kingsmere's tutoring model with Riverside"),
            ("owner", "head.riverside"),
            ("starts_on", "2027-06-14"),
            ("due_on", "2027-07-16"),
            ("status", "not_started"),
            ("rag", "green"),
        ];
        let reply = post(&t, &reviewer, &format!("{location}/follow-ups"), &follow_up).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let mut late = follow_up.to_vec();
        late[4] = ("due_on", "2027-06-01");
        let bad = post(&t, &leader, &format!("{location}/follow-ups"), &late).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("must not be before the start"), "{}", bad.body);
        let reply = post(&t, &leader, &format!("{location}/follow-ups"), &follow_up).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let page = t.get(&location, &leader).await;
        assert!(page.body.contains("Follow-ups agreed"));
        let mine = t.get("/my", &t.sign_in("head.riverside").await).await;
        assert!(mine.body.contains("Share Kingsmere"), "{}", mine.body);
    }
}

backend_test! {
    async fn trust_leaders_add_focus_areas_to_their_framework(db) {
        let t = with_reviews(db).await;
        let leader = t.sign_in("trust.leader").await;
        let area = [
            ("group", cairn_demo::TRUST_CODE),
            ("title", "Sixth form"),
            ("descriptor", "Students stay, achieve and move on well."),
        ];
        let reply = post(&t, &leader, "/reviews/framework", &area).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let again = post(&t, &leader, "/reviews/framework", &area).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("already has a focus area"));
        let page = t.get("/reviews/framework", &t.sign_in("governor").await).await;
        assert!(page.body.contains("Sixth form") && page.body.contains("Working towards"));
        assert!(!page.body.contains("Add a focus area"), "governors read");
        let reply = post(&t, &t.sign_in("head.riverside").await, "/reviews/framework", &area).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
    }
}

/// The same routes once the completed review of Northvale High is closed: its reviewer from
/// Riverside Academy loses the review, its pack and Northvale High's aggregates at once, and
/// keeps the planned review they are still on. Every other role is as before.
const CLOSED_TABLE: &[(Option<&str>, [u16; 11])] = &[
    (None, [SIGN_IN; 11]),
    (Some("trust.leader"), [OK; 11]),
    (
        Some("governor"),
        [
            OK, OK, OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,
        ],
    ),
    (
        Some("cluster.member"),
        [
            OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN,
            FORBIDDEN, OK,
        ],
    ),
    (
        Some("head.northvale"),
        [OK, OK, OK, OK, FORBIDDEN, OK, OK, OK, OK, OK, FORBIDDEN],
    ),
    (
        Some("data.northvale"),
        [OK, OK, OK, OK, FORBIDDEN, OK, OK, OK, OK, OK, FORBIDDEN],
    ),
    (
        Some("head.riverside"),
        [
            OK, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN,
            FORBIDDEN, OK,
        ],
    ),
];

backend_test! {
    async fn closing_a_review_makes_findings_read_only_and_ends_the_reviewers_access(db) {
        let t = with_reviews(db).await;
        let routes = routes(&t).await;
        let (done, planned) = review_ids(&t).await;
        let close = format!("/reviews/{done}/close");
        let finding = t.state.store.review(done).await.unwrap().unwrap().findings[0]
            .focus_area
            .id
            .to_string();
        let effective = scale_id(&t, cairn_demo::TRUST_CODE, "Effective").await;
        let finding_form = [
            ("focus_area", finding.as_str()),
            ("strengths", "Clear routines"),
            ("development", "Persistent absence in Year 10"),
            ("judgement", effective.as_str()),
        ];
        // Only the school's head and the trust's leaders close it; not its reviewers.
        for account in ["head.riverside", "governor", "data.northvale", "cluster.member"] {
            let cookies = t.sign_in(account).await;
            let reply = post(&t, &cookies, &close, &[]).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{account}");
        }
        let head = t.sign_in("head.northvale").await;
        let page = t.get(&format!("/reviews/{done}"), &head).await;
        assert!(page.body.contains("Close the review"), "{}", page.body);
        let forged = [("csrf_token", "forged")];
        let reply = t.send("POST", &close, &head, Some(&forged)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let reply = post(&t, &head, &close, &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

        check_routes(&t, &routes, CLOSED_TABLE).await;
        let leader = t.sign_in("trust.leader").await;
        let before_close = t.get(&format!("/reviews/{planned}"), &leader).await;
        assert!(before_close.body.contains("Record the finding"), "open: the form is there");
        let page = t.get(&format!("/reviews/{done}"), &leader).await;
        assert!(page.body.contains("Closed by"), "{}", page.body);
        assert!(!page.body.contains("Record the finding"), "closed: read-only");
        assert!(!page.body.contains("Close the review</button>"), "closed once");
        let reply = post(&t, &head, &close, &[]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "closed once");
        let reply = post(&t, &leader, &format!("/reviews/{done}/findings"), &finding_form).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "findings are read-only");
    }
}

/// The id of the entry labelled `label` in a group's judgement scale, as a form sends it.
async fn scale_id(t: &TestApp, group_code: &str, label: &str) -> String {
    t.state
        .store
        .judgement_scale(group_code)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.label == label)
        .unwrap_or_else(|| panic!("{group_code} has no judgement {label}"))
        .id
        .to_string()
}

/// Columns: the page of a judgement of the trust's scale, and of the Riverside Cluster's.
/// Only a group's trust leaders open its judgements to edit them; everyone reads the scale on
/// the framework page.
const SCALE_TABLE: &[(Option<&str>, [u16; 2])] = &[
    (None, [SIGN_IN; 2]),
    (Some("trust.leader"), [OK, FORBIDDEN]),
    (Some("governor"), [FORBIDDEN; 2]),
    (Some("cluster.member"), [FORBIDDEN; 2]),
    (Some("head.northvale"), [FORBIDDEN; 2]),
    (Some("data.northvale"), [FORBIDDEN; 2]),
    (Some("head.riverside"), [FORBIDDEN; 2]),
];

backend_test! {
    async fn only_a_groups_trust_leaders_edit_its_judgement_scale(db) {
        let t = with_reviews(db).await;
        let trust = scale_id(&t, cairn_demo::TRUST_CODE, "Effective").await;
        let cluster = scale_id(&t, cairn_demo::CLUSTER_CODES[1], "Effective").await;
        let routes = vec![
            format!("/reviews/framework/judgements/{trust}"),
            format!("/reviews/framework/judgements/{cluster}"),
        ];
        check_routes(&t, &routes, SCALE_TABLE).await;
        assert_eq!(
            t.get("/reviews/framework/judgements/999999", &t.sign_in("trust.leader").await)
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Every write is refused to everyone but the trust's leaders, and changes nothing.
        let before = t.state.store.judgement_scales().await.unwrap();
        let add = [
            ("group", cairn_demo::TRUST_CODE),
            ("label", "Emerging"),
            ("description", "Early signs of impact."),
        ];
        let rename = [("label", "Secure"), ("description", "Good, consistently.")];
        for account in ["governor", "cluster.member", "head.northvale", "head.riverside"] {
            let cookies = t.sign_in(account).await;
            let base = format!("/reviews/framework/judgements/{trust}");
            for (path, fields) in [
                ("/reviews/framework/judgements".to_owned(), &add[..]),
                (base.clone(), &rename[..]),
                (format!("{base}/move"), &[("direction", "up")][..]),
                (format!("{base}/delete"), &[][..]),
            ] {
                let reply = post(&t, &cookies, &path, fields).await;
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{account} POST {path}");
            }
        }
        // Nor does a trust leader edit a cluster's scale.
        let leader = t.sign_in("trust.leader").await;
        let reply = post(&t, &leader, &format!("/reviews/framework/judgements/{cluster}"), &rename).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let mut to_cluster = add.to_vec();
        to_cluster[0].1 = cairn_demo::CLUSTER_CODES[1];
        let reply = post(&t, &leader, "/reviews/framework/judgements", &to_cluster).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("Choose the group whose scale it is"), "{}", reply.body);
        assert_eq!(t.state.store.judgement_scales().await.unwrap(), before);
    }
}

backend_test! {
    async fn a_scale_in_use_is_renamed_and_reordered_but_its_used_judgements_never_deleted(db) {
        let t = with_reviews(db).await;
        let (done, _) = review_ids(&t).await;
        let leader = t.sign_in("trust.leader").await;
        let page = t.get("/reviews/framework", &leader).await;
        assert!(page.body.contains("Judgement scale"), "{}", page.body);
        assert!(page.body.contains("Used by 3 findings"), "{}", page.body);
        let effective = scale_id(&t, cairn_demo::TRUST_CODE, "Effective").await;
        let base = format!("/reviews/framework/judgements/{effective}");

        // In use: the page offers no delete, and a delete sent anyway is refused, clearly.
        let page = t.get(&base, &leader).await;
        assert!(page.body.contains("cannot be deleted"), "{}", page.body);
        let refused = post(&t, &leader, &format!("{base}/delete"), &[]).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(
            refused.body.contains("cannot be deleted: 3 findings use it"),
            "{}",
            refused.body
        );

        // Renamed: the reviews that used it read the new label.
        let bad = post(&t, &leader, &base, &[("label", "Leading"), ("description", "x")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("already has a judgement called"), "{}", bad.body);
        let empty = post(&t, &leader, &base, &[("label", " "), ("description", "x")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("Enter a label"), "{}", empty.body);
        let renamed = [("label", "Secure"), ("description", "Good practice, consistently.")];
        let reply = post(&t, &leader, &base, &renamed).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let review = t.get(&format!("/reviews/{done}"), &leader).await;
        assert!(review.body.contains(": Secure</h3>"), "{}", review.body);
        assert!(!review.body.contains(">Effective<"), "{}", review.body);

        // Added, moved to the top, offered to reviewers in that order, then deleted unused.
        let add = [
            ("group", cairn_demo::TRUST_CODE),
            ("label", "Exceptional"),
            ("description", "Among the best practice in the country."),
        ];
        let reply = post(&t, &leader, "/reviews/framework/judgements", &add).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let again = post(&t, &leader, "/reviews/framework/judgements", &add).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            again.body.contains("<h3 id=\"judgement-error-title\">There is a problem</h3>"),
            "{}",
            again.body
        );
        let exceptional = scale_id(&t, cairn_demo::TRUST_CODE, "Exceptional").await;
        let new_base = format!("/reviews/framework/judgements/{exceptional}");
        for _ in 0..5 {
            let reply = post(&t, &leader, &format!("{new_base}/move"), &[("direction", "up")]).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER);
        }
        let odd = post(&t, &leader, &format!("{new_base}/move"), &[("direction", "sideways")]).await;
        assert_eq!(odd.status, StatusCode::BAD_REQUEST);
        let labels: Vec<String> = t
            .state
            .store
            .judgement_scale(cairn_demo::TRUST_CODE)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.label)
            .collect();
        assert_eq!(labels, ["Exceptional", "Leading", "Secure", "Working towards", "Ineffective"]);
        let (_, planned) = review_ids(&t).await;
        let review = t.get(&format!("/reviews/{planned}"), &leader).await;
        let options: Vec<&str> = review
            .body
            .split("<option value=\"")
            .skip(1)
            .filter_map(|o| o.split_once('>').and_then(|(_, rest)| rest.split_once('<')))
            .map(|(label, _)| label)
            .filter(|label| labels.iter().any(|l| l == label))
            .collect();
        assert_eq!(options, labels, "reviewers choose from the scale, in its order");
        // The cluster's scale is its own.
        let cluster = t.state.store.judgement_scale(cairn_demo::CLUSTER_CODES[1]).await.unwrap();
        assert_eq!(cluster[1].label, "Effective");

        let reply = post(&t, &leader, &format!("{new_base}/delete"), &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(t.get(&new_base, &leader).await.status, StatusCode::NOT_FOUND);
        // A judgement from another group's scale is not offered, nor accepted.
        let area = t.state.store.review(planned).await.unwrap().unwrap().findings[0]
            .focus_area
            .id
            .to_string();
        let other = scale_id(&t, cairn_demo::CLUSTER_CODES[1], "Effective").await;
        let finding = [
            ("focus_area", area.as_str()),
            ("strengths", "Strong"),
            ("development", "Develop"),
            ("judgement", other.as_str()),
        ];
        let reply = post(&t, &leader, &format!("/reviews/{planned}/findings"), &finding).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("Choose a judgement"), "{}", reply.body);
    }
}
