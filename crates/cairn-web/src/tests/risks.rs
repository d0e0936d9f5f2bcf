//! The risk register's pages: authorisation per route and role from one table, pupil entries
//! kept from aggregate-only roles and audit-logged, the decision form and the settings form.

use axum::http::StatusCode;
use cairn_measures::risk::RiskRule;
use cairn_store::testing::TestDb;
use cairn_store::{Measure, RiskEntry, RiskFilter, backend_test};

use super::improvement::post;
use super::{FixedClock, TestApp, access_failures, urn_of};
use crate::Clock;

const HIGH: &str = "Northvale High School";
const RIVERSIDE: &str = "Riverside Academy";
/// In the Riverside cluster only, not the trust.
const ST_JOSEPHS: &str = "St Joseph's Catholic Primary School";

const OK: u16 = 200;
const FORBIDDEN: u16 = 403;
const NOT_FOUND: u16 = 404;
const SIGN_IN: u16 = 303;

/// The demo with England's figures, measures computed and the demo's decisions recorded.
async fn with_register(db: &TestDb) -> TestApp {
    let t = TestApp::new(db).await;
    let store = &t.state.store;
    store
        .load_national_benchmarks(&cairn_demo::national_benchmarks(cairn_demo::DEFAULT_SEED))
        .await
        .unwrap();
    store
        .refresh_measures("test", FixedClock.now(), Default::default())
        .await
        .unwrap();
    store
        .load_risk_decisions(&cairn_demo::risk_decisions())
        .await
        .unwrap();
    t
}

async fn entries(t: &TestApp) -> Vec<RiskEntry> {
    let all: Vec<_> = t
        .state
        .store
        .schools()
        .await
        .unwrap()
        .iter()
        .map(|s| s.urn)
        .collect();
    t.state
        .store
        .risk_entries(&RiskFilter {
            schools: all.clone(),
            pupil_schools: all,
            ..RiskFilter::default()
        })
        .await
        .unwrap()
}

fn school_entry(entries: &[RiskEntry], school: &str) -> i64 {
    entries
        .iter()
        .find(|e| e.pupil.is_none() && e.urn == urn_of(school))
        .unwrap_or_else(|| panic!("no school entry at {school}"))
        .id
}

fn pupil_entry(entries: &[RiskEntry], school: &str) -> i64 {
    entries
        .iter()
        .find(|e| e.pupil.is_some() && e.urn == urn_of(school))
        .unwrap_or_else(|| panic!("no pupil entry at {school}"))
        .id
}

fn rising_absence(entries: &[RiskEntry]) -> i64 {
    entries
        .iter()
        .find(|e| {
            e.rule == RiskRule::YearOnYearFall
                && e.urn == urn_of(HIGH)
                && e.measure == Measure::AttendanceOverallAbsence
                && e.pupil.is_none()
        })
        .expect("Northvale High's rising absence is on the register")
        .id
}

/// Columns: the board, the settings page, a Northvale High school entry, a St Joseph's (cluster
/// only) school entry, a Northvale High pupil entry, a Riverside Academy pupil entry, the
/// school entries as CSV, Northvale High's pupil entries as Excel, the pupil entries folded
/// by school as CSV (only a viewer of more than one school's pupils has that table), and a
/// trust primary's pupil below expected and not rising.
const TABLE: &[(Option<&str>, [u16; 10])] = &[
    (None, [SIGN_IN; 10]),
    (
        Some("trust.leader"),
        [OK, OK, OK, FORBIDDEN, OK, OK, OK, OK, OK, OK],
    ),
    (
        Some("governor"),
        [
            OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND, NOT_FOUND, FORBIDDEN,
        ],
    ),
    (
        Some("cluster.member"),
        [
            OK, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, NOT_FOUND, FORBIDDEN,
        ],
    ),
    (
        Some("head.northvale"),
        [
            OK, FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK, NOT_FOUND, FORBIDDEN,
        ],
    ),
    (
        Some("data.northvale"),
        [
            OK, OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK, NOT_FOUND, FORBIDDEN,
        ],
    ),
    (
        Some("governor.northvale"),
        [
            OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND, NOT_FOUND, FORBIDDEN,
        ],
    ),
];

backend_test! {
    async fn the_rules_page_counts_each_schools_teacher_assessments_the_scheme_cannot_read(db) {
        let t = with_register(db).await;
        let leader = t.sign_in("trust.leader").await;
        let page = t.get("/risks/settings", &leader).await;
        assert!(page.body.contains("Teacher assessments these rules cannot read"), "{}", page.body);
        assert!(page.body.contains("Kingsmere School"));

        // The trust stops reading GCSE grades: its secondaries' predictions become unread.
        let trust = cairn_demo::TRUST_CODE;
        let mut config = t.state.store.risk_settings(trust).await.unwrap();
        config.grade_scheme.gcse_grades = false;
        t.state
            .store
            .set_risk_settings(trust, &config, &cairn_domain::Username::parse("trust.leader").unwrap(), FixedClock.now())
            .await
            .unwrap();
        let (_, counts) = t
            .state
            .store
            .unread_teacher_assessments(FixedClock.now().date_naive())
            .await
            .unwrap()
            .unwrap();
        let high = counts.iter().find(|c| c.urn == urn_of(HIGH)).unwrap();
        assert!(high.unread > 0, "{high:?}");
        let csv = t
            .get(&format!("/risks/settings?table=unread-{trust}&format=csv"), &leader)
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        let line = csv
            .body
            .lines()
            .find(|l| l.starts_with("Northvale High School"))
            .expect("Northvale High's row");
        assert!(
            line.contains(&format!(",{},{},", high.assessments, high.unread)),
            "{line}"
        );

        // Northvale's data manager reads the trust's rules, and only their own school's counts,
        // and cannot change them.
        let data = t.sign_in("data.northvale").await;
        let page = t.get("/risks/settings", &data).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("(read only)") && page.body.contains("<fieldset disabled>"));
        assert!(page.body.contains("Northvale High School"));
        assert!(!page.body.contains("Kingsmere School"), "another school's counts");
        assert!(!page.body.contains("Save the rules"));
        let board = t.get("/risks", &data).await;
        assert!(board.body.contains("See the rules that judge your school"));
        let refused = post(
            &t,
            &data,
            "/risks/settings",
            &[("group", trust), ("confidence", "95"), ("severe_absence_rate", "50"),
              ("persistent_absence_rate", "10"), ("absence_rising_points", "10"),
              ("grade_levels", "WTS = below\nEXS = at\nGDS = above")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
}

/// A pupil entry of the trajectory rule at a trust school.
async fn trajectory_entry(t: &TestApp, entries: &[RiskEntry]) -> RiskEntry {
    let trust: Vec<_> = t
        .state
        .store
        .memberships()
        .await
        .unwrap()
        .iter()
        .filter(|m| m.group_code == cairn_demo::TRUST_CODE)
        .map(|m| m.urn)
        .collect();
    entries
        .iter()
        .find(|e| e.rule == RiskRule::AttainmentTrajectory && trust.contains(&e.urn))
        .expect("a trust pupil below expected and not rising")
        .clone()
}

backend_test! {
    async fn every_risk_route_gives_each_role_exactly_its_access(db) {
        let t = with_register(db).await;
        let entries = entries(&t).await;
        let routes = [
            "/risks".to_owned(),
            "/risks/settings".to_owned(),
            format!("/risks/{}", school_entry(&entries, HIGH)),
            format!("/risks/{}", school_entry(&entries, ST_JOSEPHS)),
            format!("/risks/{}", pupil_entry(&entries, HIGH)),
            format!("/risks/{}", pupil_entry(&entries, RIVERSIDE)),
            "/risks?table=schools&format=csv".to_owned(),
            format!("/risks?school={}&table=pupils&format=xlsx", urn_of(HIGH)),
            "/risks?table=pupils_by_school&format=csv".to_owned(),
            format!("/risks/{}", trajectory_entry(&t, &entries).await.id),
        ];
        let failures = access_failures(&t, &routes, TABLE).await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

backend_test! {
    async fn governors_and_cluster_members_never_see_pupil_entries(db) {
        let t = with_register(db).await;
        let entries = entries(&t).await;
        let pupil = entries.iter().find_map(|e| e.pupil.clone()).unwrap();
        for account in ["governor", "cluster.member"] {
            let board = t.get("/risks", &t.sign_in(account).await).await;
            assert_eq!(board.status, StatusCode::OK);
            assert!(board.body.contains("School entries"), "{account}");
            assert!(!board.body.contains("Pupil entries"), "{account}");
            assert!(!board.body.contains(&pupil.surname), "{account} sees no pupil names");
        }
        let governor = t.get("/risks", &t.sign_in("governor").await).await;
        assert!(governor.body.contains(HIGH), "governors read the trust's school entries");
        let cluster = t.get("/risks", &t.sign_in("cluster.member").await).await;
        assert!(!cluster.body.contains(HIGH), "not a Riverside cluster school");
        assert!(cluster.body.contains("St Joseph"));
        for urn in [urn_of(HIGH), urn_of(RIVERSIDE)] {
            assert!(t.state.store.audit_for_school(urn, 10).await.unwrap().is_empty());
        }
    }
}

backend_test! {
    async fn pupil_entries_are_shown_to_pupil_level_roles_and_audit_logged(db) {
        let t = with_register(db).await;
        let entries = entries(&t).await;
        let high = urn_of(HIGH);
        let head = t.sign_in("head.northvale").await;
        let board = t.get(&format!("/risks?school={high}&rule=severe_absence"), &head).await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(board.body.contains("Pupil entries"));
        assert!(board.body.contains("Pupil severely absent"));
        let log = t.state.store.audit_for_school(high, 10).await.unwrap();
        assert!(log.iter().any(|e| e.detail.contains("pupil entries of the risk register")), "{log:?}");

        let id = pupil_entry(&entries, HIGH);
        let page = t.get(&format!("/risks/{id}"), &head).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("severe absence line of 50.0%"), "{}", page.body);
        let log = t.state.store.audit_for_school(high, 10).await.unwrap();
        assert!(log.iter().any(|e| e.detail == format!("viewed risk register entry {id}")), "{log:?}");
        assert!(
            !log.iter().any(|e| crate::tests::carries_upn(&e.detail)),
            "no UPNs in the log"
        );
    }
}

backend_test! {
    async fn the_board_says_which_rule_fired_with_its_numbers_and_filters(db) {
        let t = with_register(db).await;
        let leader = t.sign_in("trust.leader").await;
        let high = urn_of(HIGH);
        let board = t
            .get(&format!("/risks?school={high}&rule=year_on_year_fall"), &leader)
            .await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(board.body.contains("Overall absence went from"), "{}", board.body);
        assert!(board.body.contains("beyond the margin of error of"));
        assert!(board.body.contains("Intervene by"), "the demo's decision");
        assert!(!board.body.contains("Riverside Academy</a>"), "filtered to one school");
        let closed = t.get("/risks?status=closed", &leader).await;
        assert!(closed.body.contains("Willow Bank School"), "{}", closed.body);
        let bad = t.get("/risks?rule=nonsense", &leader).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let csv = t.get("/risks?table=schools&format=csv", &leader).await;
        assert!(csv.body.contains("Significantly worse than last year"));
        let other = t.get(&format!("/risks?school={}", urn_of(ST_JOSEPHS)), &leader).await;
        assert_eq!(other.status, StatusCode::FORBIDDEN);
    }
}

backend_test! {
    async fn leaders_record_decisions_and_others_may_not(db) {
        let t = with_register(db).await;
        let entries = entries(&t).await;
        let id = school_entry(&entries, HIGH);
        let path = format!("/risks/{id}/decisions");
        let decision = [("decision", "support"), ("note", "Attendance officer two days a week")];
        for account in ["governor", "data.northvale"] {
            let reply = post(&t, &t.sign_in(account).await, &path, &decision).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{account}");
        }
        let head = t.sign_in("head.northvale").await;
        let invalid = post(&t, &head, &path, &[("decision", ""), ("note", " ")]).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.body.contains("Choose monitor, support, intervene or close."));
        assert!(invalid.body.contains("Say why"));
        let forged = t
            .send("POST", &path, &head, Some(&[("csrf_token", "forged"), ("decision", "close"), ("note", "x")]))
            .await;
        assert_eq!(forged.status, StatusCode::BAD_REQUEST);

        let reply = post(&t, &head, &path, &decision).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.location(), Some(format!("/risks/{id}#history").as_str()));
        let page = t.get(&format!("/risks/{id}"), &head).await;
        assert!(page.body.contains("Attendance officer two days a week"));
        assert!(page.body.contains("Helen Carter (Headteacher, Northvale High)"), "who decided");
        let history = t.state.store.risk_decisions(id).await.unwrap();
        let last = history.last().unwrap();
        assert_eq!(last.decided_by.as_str(), "head.northvale");
        assert_eq!(last.decided_at, FixedClock.now());
    }
}

backend_test! {
    async fn trust_leaders_change_the_rules_and_entries_that_stop_firing_stay_listed(db) {
        let t = with_register(db).await;
        let entries = entries(&t).await;
        let rising = rising_absence(&entries);
        let leader = t.sign_in("trust.leader").await;
        let page = t.get("/risks/settings", &leader).await;
        assert!(page.body.contains("Oakfield Learning Trust"));
        let trust = cairn_demo::TRUST_CODE;
        let mut fields = vec![
            ("group", trust),
            ("confidence", "95"),
            ("below_national", "on"),
            ("below_similar_schools", "on"),
            ("gap_widened", "on"),
            ("severe_absence", "on"),
            ("severe_absence_rate", "50"),
            ("persistent_absence_rate", "60"),
            ("absence_rising_points", "10"),
            ("grade_levels", "WTS = below\nEXS = at\nGDS = above"),
        ];
        let invalid = post(&t, &leader, "/risks/settings", &fields).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.body.contains("must be below the severe absence line"));

        let governor = t.sign_in("governor").await;
        fields[7] = ("persistent_absence_rate", "10");
        let refused = post(&t, &governor, "/risks/settings", &fields).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // A cluster's coordinator sets the cluster's rules, never the trust's.
        let coordinator = t.sign_in("cluster.member").await;
        let cluster_page = t.get("/risks/settings", &coordinator).await;
        assert!(cluster_page.body.contains("Riverside Cluster"), "{}", cluster_page.body);
        assert!(!cluster_page.body.contains("Oakfield Learning Trust"));
        let refused = post(&t, &coordinator, "/risks/settings", &fields).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // A scale that does not read names the line and the rule, and nothing is saved.
        fields[9] = ("grade_levels", "EXS = at\nWTS = below");
        let invalid = post(&t, &leader, "/risks/settings", &fields).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.body.contains("line 2: &#34;WTS = below&#34;: results go lowest first"), "{}", invalid.body);
        assert_eq!(t.state.store.risk_settings(trust).await.unwrap(), Default::default());
        fields[9] = ("grade_levels", "WTS = below\nEXS = at\nGDS = above");

        let saved = post(&t, &leader, "/risks/settings", &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let config = t.state.store.risk_settings(trust).await.unwrap();
        assert!(!config.year_on_year_fall && config.gap_widened);
        assert!(!config.attainment_trajectory && !config.grade_scheme.gcse_grades, "unticked");
        assert_eq!(config.grade_scheme.levels_text(), "WTS = below\nEXS = at\nGDS = above");
        let page = t.get(&format!("/risks/{rising}"), &leader).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("No longer firing since"), "{}", page.body);
        assert!(page.body.contains("Intervene"), "its decisions are kept");
    }
}

backend_test! {
    async fn the_board_folds_pupil_entries_by_school_and_a_school_lists_its_own(db) {
        let t = with_register(db).await;
        let entries = entries(&t).await;
        let leader = t.sign_in("trust.leader").await;
        let board = t.get("/risks", &leader).await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(board.body.contains("Pupil entries by school"), "{}", board.body);
        let high = urn_of(HIGH);
        assert!(board.body.contains(&format!("href=\"/risks?school={high}\"")));
        for e in entries.iter().filter(|e| e.pupil.is_some()) {
            let pupil = e.pupil.as_ref().unwrap();
            assert!(!board.body.contains(&format!("{}, {}", pupil.surname, pupil.forename)), "no pupil named");
        }
        for urn in [high, urn_of(RIVERSIDE)] {
            assert!(t.state.store.audit_for_school(urn, 10).await.unwrap().is_empty(), "counts name no pupil");
        }
        // The folded table downloads as counts; the pupil list has no download unfolded.
        let folded = t.get("/risks?table=pupils_by_school&format=csv", &leader).await;
        assert_eq!(folded.status, StatusCode::OK);
        let n_high = entries.iter().filter(|e| e.pupil.is_some() && e.urn == high).count();
        assert!(folded.body.contains(&format!("{HIGH},{n_high},")), "{}", folded.body);
        assert_eq!(t.get("/risks?table=pupils&format=csv", &leader).await.status, StatusCode::NOT_FOUND);

        // Opening a school lists its pupils, and the download is that school's whole list.
        let school = t.get(&format!("/risks?school={high}"), &leader).await;
        assert!(school.body.contains("Pupil entries (pupil-level"));
        let csv = t.get(&format!("/risks?school={high}&table=pupils&format=csv"), &leader).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(csv.body.lines().count(), n_high + 1, "the filtered set, header and rows");
        assert!(csv.body.lines().skip(1).all(|l| l.contains(HIGH)));
        let log = t.state.store.audit_for_school(high, 10).await.unwrap();
        assert!(log.iter().any(|e| e.detail == format!("exported (CSV) {n_high} pupil entries of the risk register")), "{log:?}");
        assert!(t.state.store.audit_for_school(urn_of(RIVERSIDE), 10).await.unwrap().is_empty());

        // Filters carry into each school's link.
        let severe = t.get("/risks?rule=severe_absence", &leader).await;
        assert!(severe.body.contains(&format!("/risks?school={high}&#38;rule=severe_absence")), "{}", severe.body);
    }
}

backend_test! {
    async fn a_pupil_below_expected_says_which_points_and_what_expected_meant(db) {
        let t = with_register(db).await;
        let entries = entries(&t).await;
        let entry = trajectory_entry(&t, &entries).await;
        let leader = t.sign_in("trust.leader").await;
        let page = t.get(&format!("/risks/{}", entry.id), &leader).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Below expected and not rising in"), "{}", page.body);
        let first = &entry.finding.trajectory[0];
        let words = format!(
            "{}: {} at {}, ",
            first.subject, first.latest.result, first.latest.assessment
        );
        assert!(page.body.contains(&words), "{words} in {}", page.body);
        assert!(page.body.contains(&format!(" {} at {}; expected is EXS or above.", first.previous.result, first.previous.assessment)));
        let log = t.state.store.audit_for_school(entry.urn, 10).await.unwrap();
        assert!(log.iter().any(|e| e.detail == format!("viewed risk register entry {}", entry.id)), "{log:?}");
        // Aggregate-only roles never see it, on the board or by its address.
        for account in ["governor", "cluster.member"] {
            let who = t.sign_in(account).await;
            assert_eq!(t.get(&format!("/risks/{}", entry.id), &who).await.status, StatusCode::FORBIDDEN);
            let board = t.get("/risks?rule=attainment_trajectory", &who).await;
            assert!(!board.body.contains("Pupil entries"), "{account}");
            assert!(!board.body.contains("Below expected and not rising in"), "{account}");
        }
    }
}

/// The rows of the pupil entries' table on a board page.
fn pupil_rows(body: &str) -> usize {
    body.split("Pupil entries (pupil-level")
        .nth(1)
        .and_then(|rest| rest.split("<tbody>").nth(1))
        .and_then(|rest| rest.split("</tbody>").next())
        .map_or(0, |tbody| tbody.matches("<tr>").count())
}

/// Columns: the first and second page of Northvale High's persistent-absence pupil entries,
/// and a page that is not a number.
const PAGED_TABLE: &[(Option<&str>, [u16; 3])] = &[
    (None, [SIGN_IN; 3]),
    (Some("trust.leader"), [OK, OK, BAD_REQUEST]),
    (Some("governor"), [OK, OK, BAD_REQUEST]),
    (Some("cluster.member"), [FORBIDDEN; 3]),
    (Some("head.northvale"), [OK, OK, BAD_REQUEST]),
    (Some("data.northvale"), [OK, OK, BAD_REQUEST]),
    (Some("head.riverside"), [FORBIDDEN; 3]),
];

const BAD_REQUEST: u16 = 400;

backend_test! {
    async fn a_schools_pupil_entries_page_100_at_a_time_keeping_filters_and_each_page_is_logged(db) {
        let t = with_register(db).await;
        let high = urn_of(HIGH);
        // Persistent absence on at the DfE's 10% line: Northvale High's list runs to pages.
        let group = t
            .state
            .store
            .rules_group_of(high, FixedClock.now().date_naive())
            .await
            .unwrap()
            .unwrap();
        let config = cairn_measures::risk::RiskConfig {
            persistent_absence: true,
            ..Default::default()
        };
        let by = cairn_domain::Username::parse("trust.leader").unwrap();
        t.state.store.set_risk_settings(&group, &config, &by, FixedClock.now()).await.unwrap();
        let n_high = entries(&t)
            .await
            .iter()
            .filter(|e| e.pupil.is_some() && e.urn == high && e.rule == RiskRule::PersistentAbsence)
            .count();
        assert!(n_high > 200, "more than two pages: {n_high}");
        let filtered = format!("/risks?school={high}&rule=persistent_absence");
        let routes = [
            filtered.clone(),
            format!("{filtered}&page=2"),
            format!("{filtered}&page=two"),
        ];
        let failures = access_failures(&t, &routes, PAGED_TABLE).await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // A governor's board names no pupil on any page.
        let governor = t.get(&format!("{filtered}&page=2"), &t.sign_in("governor").await).await;
        assert_eq!(pupil_rows(&governor.body), 0);
        assert!(!governor.body.contains("Pages of pupil entries"));

        let audit_before = t.state.store.audit_for_school(high, 1000).await.unwrap().len();
        let data = t.sign_in("data.northvale").await;
        let first = t.get(&filtered, &data).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(pupil_rows(&first.body), 100);
        assert!(first.body.contains(&format!("1 to 100 of {n_high}")), "{}", first.body);
        assert!(first.body.contains("aria-label=\"Pages of pupil entries\""));
        assert_eq!(crate::tests::paging::link(&first.body, "prev"), None);
        let next = crate::tests::paging::link(&first.body, "next").expect("a next page");
        assert_eq!(next, format!("{filtered}&page=2"), "the filters are kept");
        let second = t.get(&next, &data).await;
        assert_eq!(pupil_rows(&second.body), 100);
        assert!(second.body.contains(&format!("101 to 200 of {n_high}")));
        assert!(second.body.contains("value=\"persistent_absence\" selected"), "the filter stays chosen");
        assert_eq!(crate::tests::paging::link(&second.body, "prev"), Some(format!("{filtered}&page=1")));
        let pages = n_high.div_ceil(100);
        let last = t.get(&format!("{filtered}&page={pages}"), &data).await;
        assert_eq!(pupil_rows(&last.body), n_high - (pages - 1) * 100);
        assert_eq!(crate::tests::paging::link(&last.body, "next"), None);
        let listed = |reply: &crate::tests::Reply| {
            reply.body.split("Pupil entries (pupil-level").nth(1).unwrap_or_default().to_owned()
        };
        assert!(!listed(&first).is_empty());
        assert_ne!(listed(&first), listed(&second), "another hundred pupils");

        // Each page viewed is logged with its page; the download has every entry.
        let log = t.state.store.audit_for_school(high, 1000).await.unwrap();
        assert_eq!(log.len(), audit_before + 3);
        for page in [1, 2] {
            let detail = format!("viewed 100 pupil entries of the risk register, page {page} of {pages}");
            assert!(log.iter().any(|e| e.detail == detail), "{detail}: {log:?}");
        }
        assert!(!log.iter().any(|e| crate::tests::carries_upn(&e.detail)));
        let csv = t.get(&format!("{filtered}&table=pupils&format=csv"), &data).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(csv.body.lines().count(), n_high + 1, "header and every entry");
        let log = t.state.store.audit_for_school(high, 1000).await.unwrap();
        assert!(log.iter().any(|e| e.detail == format!("exported (CSV) {n_high} pupil entries of the risk register")));
    }
}
