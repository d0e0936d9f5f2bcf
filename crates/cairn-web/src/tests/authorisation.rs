//! Authorisation per route and per role, from one table.

use axum::http::StatusCode;
use cairn_store::backend_test;

use super::{TestApp, urn_of};
use crate::Clock;

const HIGH: &str = "Northvale High School";
/// In the trust and in the Riverside cluster.
const RIVERSIDE: &str = "Riverside Academy";
/// In the Riverside cluster only, not the trust.
const ST_JOSEPHS: &str = "St Joseph's Catholic Primary School";

const OK: u16 = 200;
const FORBIDDEN: u16 = 403;
const SIGN_IN: u16 = 303;

/// Which status each account gets on each route. `None` is the signed-out visitor.
/// Columns: overview, then for each of HIGH, RIVERSIDE, ST_JOSEPHS: the school page, its pupils
/// and its access log.
const TABLE: &[(Option<&str>, [u16; 10])] = &[
    (None, [SIGN_IN; 10]),
    (
        Some("trust.leader"),
        [OK, OK, OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    ),
    (
        Some("governor"),
        [
            OK, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN,
        ],
    ),
    (
        Some("cluster.member"),
        [
            OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN,
        ],
    ),
    (
        Some("head.northvale"),
        [
            OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN,
        ],
    ),
    (
        Some("data.northvale"),
        [
            OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN,
        ],
    ),
];

fn routes() -> Vec<String> {
    let mut routes = vec!["/".to_owned()];
    for school in [HIGH, RIVERSIDE, ST_JOSEPHS] {
        let urn = urn_of(school);
        routes.push(format!("/schools/{urn}"));
        routes.push(format!("/schools/{urn}/pupils"));
        routes.push(format!("/schools/{urn}/audit"));
    }
    routes
}

backend_test! {
    async fn every_route_gives_each_role_exactly_its_access(db) {
        let t = TestApp::new(db).await;
        let routes = routes();
        let mut failures = Vec::new();
        for (account, expected) in TABLE {
            let cookies = match account {
                Some(username) => t.sign_in(username).await,
                None => Vec::new(),
            };
            for (route, want) in routes.iter().zip(expected) {
                let reply = t.get(route, &cookies).await;
                if reply.status.as_u16() != *want {
                    failures.push(format!(
                        "{} GET {route}: got {}, want {want}",
                        account.unwrap_or("signed out"),
                        reply.status
                    ));
                }
                if *want == SIGN_IN {
                    assert_eq!(reply.location(), Some("/login"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

backend_test! {
    async fn a_forbidden_page_says_so_kindly_and_shows_no_school_data(db) {
        let t = TestApp::new(db).await;
        let cookies = t.sign_in("head.northvale").await;
        let reply = t.get(&format!("/schools/{}", urn_of(RIVERSIDE)), &cookies).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(reply.body.contains("Not available to you"));
        assert!(!reply.body.contains(RIVERSIDE), "the page must not name the school");
    }
}

backend_test! {
    async fn overview_lists_only_the_schools_in_scope(db) {
        let t = TestApp::new(db).await;
        let head = t.get("/", &t.sign_in("head.northvale").await).await;
        assert!(head.body.contains(HIGH));
        assert!(!head.body.contains(RIVERSIDE));
        assert!(head.body.contains("1 school with"), "{}", head.body);

        let leader = t.get("/", &t.sign_in("trust.leader").await).await;
        assert!(leader.body.contains(HIGH) && leader.body.contains(RIVERSIDE));
        assert!(!leader.body.contains("St Joseph"), "not a trust school");
        assert!(leader.body.contains("10 schools with"), "{}", leader.body);

        let cluster = t.get("/", &t.sign_in("cluster.member").await).await;
        // Page text is HTML-escaped, so match the name before its apostrophe.
        assert!(cluster.body.contains("St Joseph") && cluster.body.contains(RIVERSIDE));
        assert!(!cluster.body.contains(HIGH));
        assert!(!cluster.body.contains("Pupil level"), "cluster members never get pupil data");
    }
}

backend_test! {
    async fn viewing_pupils_is_audit_logged_and_shown_to_the_schools_leaders(db) {
        let t = TestApp::new(db).await;
        let urn = urn_of(HIGH);
        let data = t.sign_in("data.northvale").await;
        let pupils = t.get(&format!("/schools/{urn}/pupils"), &data).await;
        assert_eq!(pupils.status, StatusCode::OK);
        assert!(pupils.body.contains("Your viewing has been recorded"));

        let head = t.sign_in("head.northvale").await;
        let log = t.get(&format!("/schools/{urn}/audit"), &head).await;
        assert_eq!(log.status, StatusCode::OK);
        assert!(log.body.contains("data.northvale"), "{}", log.body);
        assert!(log.body.contains("viewed the list of"), "{}", log.body);

        let entries = t.state.store.audit_for_school(urn, 10).await.unwrap();
        assert_eq!(entries.len(), 1, "only the pupil list is pupil-level, not the log itself");
        let upn_like = entries.iter().any(|e| crate::tests::carries_upn(&e.detail));
        assert!(!upn_like, "audit details must not carry UPNs");
    }
}

backend_test! {
    async fn a_malformed_or_unknown_school_is_not_found(db) {
        let t = TestApp::new(db).await;
        let cookies = t.sign_in("trust.leader").await;
        assert_eq!(t.get("/schools/12ab", &cookies).await.status, StatusCode::NOT_FOUND);
        assert_eq!(t.get("/no/such/page", &cookies).await.status, StatusCode::NOT_FOUND);
        let reply = t.get("/no/such/page", &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(reply.body.contains("Page not found"));
    }
}

/// The dashboard routes, and downloads of their tables. Columns, in order:
/// `/groups`, the trust's group page, the Riverside cluster's group page, `/pupils`,
/// `/pupils` filtered to HIGH, then to RIVERSIDE, a HIGH pupil's timeline, a RIVERSIDE pupil's
/// timeline (never at HIGH), HIGH's page as CSV, RIVERSIDE's page as Excel, the HIGH pupil list
/// as CSV, the HIGH pupil's enrolments as CSV, and `/groups` as CSV.
const DASHBOARD_TABLE: &[(Option<&str>, [u16; 15])] = &[
    (None, [SIGN_IN; 15]),
    (
        Some("trust.leader"),
        [
            OK, OK, FORBIDDEN, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
        ],
    ),
    (
        Some("governor"),
        [
            OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK,
            FORBIDDEN, FORBIDDEN, OK, OK, OK,
        ],
    ),
    (
        Some("cluster.member"),
        [
            OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN,
            OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, OK,
        ],
    ),
    (
        Some("head.northvale"),
        [
            OK, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK, OK,
            OK, FORBIDDEN,
        ],
    ),
    (
        Some("data.northvale"),
        [
            OK, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK, OK,
            OK, FORBIDDEN,
        ],
    ),
];

/// A pupil on roll at `school` in the latest year who was never at `never`.
pub(crate) async fn pupil_at(t: &TestApp, school: &str, never: &str) -> i64 {
    let store = &t.state.store;
    let year = store.latest_academic_year().await.unwrap().unwrap();
    let filter = cairn_store::PupilFilter {
        schools: vec![urn_of(school)],
        ..cairn_store::PupilFilter::default()
    };
    for pupil in store.pupils_matching(year, &filter).await.unwrap() {
        let timeline = store.pupil_timeline(pupil.pupil_id).await.unwrap().unwrap();
        if !timeline.schools().contains(&urn_of(never)) {
            return pupil.pupil_id;
        }
    }
    panic!("no pupil at {school} who was never at {never}");
}

async fn dashboard_routes(t: &TestApp) -> Vec<String> {
    let high = urn_of(HIGH);
    let riverside = urn_of(RIVERSIDE);
    let high_pupil = pupil_at(t, HIGH, RIVERSIDE).await;
    let riverside_pupil = pupil_at(t, RIVERSIDE, HIGH).await;
    vec![
        "/groups".to_owned(),
        format!("/groups/{}", cairn_demo::TRUST_CODE),
        format!("/groups/{}", cairn_demo::CLUSTER_CODES[1]),
        "/pupils".to_owned(),
        format!("/pupils?school={high}"),
        format!("/pupils?school={riverside}"),
        format!("/pupils/{high_pupil}"),
        format!("/pupils/{riverside_pupil}"),
        format!("/schools/{high}?table=measures&format=csv"),
        format!("/schools/{riverside}?table=measures&format=xlsx"),
        format!("/pupils?school={high}&table=pupils&format=csv"),
        format!("/pupils/{high_pupil}?table=enrolments&format=csv"),
        "/groups?table=gaps&format=csv".to_owned(),
        // Attendance by month: aggregates, downloadable by whoever may see the school page.
        format!("/schools/{high}?table=attendance-by-month&format=csv"),
        format!("/schools/{riverside}?table=attendance-by-month-and-group&format=xlsx"),
    ]
}

backend_test! {
    async fn every_dashboard_route_and_download_gives_each_role_exactly_its_access(db) {
        let t = TestApp::with_marks(db).await;
        t.state
            .store
            .refresh_measures("test", crate::tests::FixedClock.now(), Default::default())
            .await
            .unwrap();
        let routes = dashboard_routes(&t).await;
        let mut failures = Vec::new();
        for (account, expected) in DASHBOARD_TABLE {
            let cookies = match account {
                Some(username) => t.sign_in(username).await,
                None => Vec::new(),
            };
            for (route, want) in routes.iter().zip(expected) {
                let reply = t.get(route, &cookies).await;
                if reply.status.as_u16() != *want {
                    failures.push(format!(
                        "{} GET {route}: got {}, want {want}",
                        account.unwrap_or("signed out"),
                        reply.status
                    ));
                }
                if *want == SIGN_IN {
                    assert_eq!(reply.location(), Some("/login"));
                }
                if *want == OK && route.contains("format=") {
                    let disposition = reply
                        .headers
                        .get(axum::http::header::CONTENT_DISPOSITION)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    assert!(disposition.starts_with("attachment;"), "{route}: {disposition}");
                }
                if *want == FORBIDDEN {
                    assert!(
                        reply.body.contains("Not available to you"),
                        "{route}: a refusal is the kind error page, never a file"
                    );
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
