//! The dashboard pages read stored results, show suppressed figures as suppressed, export the
//! tables they show, and audit-log every pupil-level view and download.

use std::collections::BTreeSet;

use axum::http::{StatusCode, header};
use cairn_store::backend_test;

use super::authorisation::pupil_at;
use super::{FixedClock, TestApp, urn_of};
use crate::Clock;

const HIGH: &str = "Northvale High School";
const RIVERSIDE: &str = "Riverside Academy";

async fn refreshed(db: &cairn_store::testing::TestDb) -> TestApp {
    let t = TestApp::new(db).await;
    t.state
        .store
        .refresh_measures("test", FixedClock.now(), Default::default())
        .await
        .unwrap();
    t
}

backend_test! {
    async fn a_school_page_shows_stored_measures_trends_gaps_and_attendance(db) {
        let t = TestApp::new(db).await;
        let cookies = t.sign_in("governor").await;
        let path = format!("/schools/{}", urn_of(HIGH));
        let before = t.get(&path, &cookies).await;
        assert_eq!(before.status, StatusCode::OK);
        assert!(before.body.contains("No measures have been worked out for this school yet"));
        assert!(!before.body.contains("vega-spec"), "no charts without figures");

        t.state
            .store
            .refresh_measures("test", FixedClock.now(), Default::default())
            .await
            .unwrap();
        let page = t.get(&path, &cookies).await;
        assert_eq!(page.status, StatusCode::OK);
        let body = &page.body;
        for text in [
            "Attainment 8",
            "Progress 8",
            "95% confidence interval",
            "Three-year trends",
            "Are all groups of pupils doing equally well?",
            "Attendance by group",
            "Persistent absence",
            "Disadvantaged",
            "Compare with similar schools",
            "2022/23",
            "2024/25",
        ] {
            assert!(body.contains(text), "missing {text:?}");
        }
        assert!(body.contains(&format!("href=\"/schools/{}/compare\"", urn_of(HIGH))));
        // One chart per measure, with its data table beside it, and the scripts that draw them.
        let n_specs = body.matches("class=\"vega-spec\"").count();
        assert!(n_specs >= 5, "{n_specs} charts");
        assert!(body.contains("<script type=\"importmap\">"));
        assert!(body.contains("/assets/charts-1/charts.js"));
        assert!(body.contains("table=measures&#38;format=csv"), "a download link per table");
        // A governor never gets pupil-level links.
        assert!(!body.contains("Find pupils by group"));
    }
}

backend_test! {
    async fn a_school_page_shows_attendance_by_month_with_its_chart_and_downloads(db) {
        let t = TestApp::with_marks(db).await;
        t.state
            .store
            .refresh_measures("test", FixedClock.now(), Default::default())
            .await
            .unwrap();
        let cookies = t.sign_in("governor").await;
        let path = format!("/schools/{}", urn_of(HIGH));
        let page = t.get(&path, &cookies).await;
        assert_eq!(page.status, StatusCode::OK);
        let body = &page.body;
        let section = body
            .split("id=\"attendance-by-month\"")
            .nth(1)
            .expect("an Attendance by month section");
        for text in [
            "Attendance by month",
            "Persistent absence to date",
            "Sep 2024",
            "Jul 2025",
            "Oakfield Learning Trust: overall absence",
            "no monthly figure for England",
            "Each month by pupil group",
            "Disadvantaged",
            "table=attendance-by-month&#38;format=csv",
            "table=attendance-by-month-and-group&#38;format=xlsx",
        ] {
            assert!(section.contains(text), "missing {text:?}");
        }
        // The line chart is a spec with the school's and the trust's lines.
        let spec = section
            .split("class=\"vega-spec\">")
            .nth(1)
            .and_then(|rest| rest.split("</script>").next())
            .expect("a chart spec");
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap();
        assert_eq!(spec["mark"]["type"], "line");
        let series: BTreeSet<&str> = spec["data"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["series"].as_str().unwrap())
            .collect();
        assert!(series.contains("Northvale High School: overall absence"), "{series:?}");
        assert!(series.contains("Oakfield Learning Trust: overall absence"), "{series:?}");

        // The table downloads with the same months and figures.
        let csv = t.get(&format!("{path}?table=attendance-by-month&format=csv"), &cookies).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(csv.body.lines().count(), 12, "a header and eleven months:\n{}", csv.body);
        assert!(csv.body.lines().nth(1).unwrap().starts_with("Sep 2024,"));
        let xlsx = t
            .get(&format!("{path}?table=attendance-by-month-and-group&format=xlsx"), &cookies)
            .await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert!(xlsx.body.starts_with("PK"), "a zip archive");

        // Persistent absence to date by pupil group: its own table, with the stored figures.
        assert!(section.contains("Persistent absence to date by pupil group"));
        let persistent = t
            .get(&format!("{path}?table=persistent-absence-to-date-by-group&format=csv"), &cookies)
            .await;
        assert_eq!(persistent.status, StatusCode::OK);
        let lines: Vec<&str> = persistent.body.lines().collect();
        assert_eq!(lines.len(), 12, "a header and eleven months:\n{}", persistent.body);
        assert!(lines[0].trim_start_matches('\u{feff}').starts_with("Month,All pupils,Disadvantaged"), "{}", lines[0]);
        let year = cairn_domain::AcademicYear::parse("2024/25").unwrap();
        let stored = t
            .state
            .store
            .latest_monthly_attendance(year, &[cairn_store::ResultScope::School(urn_of(HIGH))])
            .await
            .unwrap();
        let july = stored
            .iter()
            .filter(|r| {
                r.measure == cairn_store::Measure::AttendancePersistentAbsence
                    && r.pupil_group == cairn_measures::PupilGroup::Disadvantaged
            })
            .max_by_key(|r| r.month)
            .expect("a stored persistent absence figure for disadvantaged pupils");
        let Some(stored_value) = july.value.value() else {
            panic!("the demo's disadvantaged group is large enough: {:?}", july.value);
        };
        let shown: f64 = lines[11].split(',').nth(2).unwrap().trim_end_matches('%').parse().unwrap();
        // Stored as a share, shown as a percentage to one decimal place.
        assert!((shown - 100.0 * stored_value).abs() < 0.051, "{shown} against {stored_value}");
    }
}

backend_test! {
    async fn a_year_with_termly_summaries_only_says_so_instead_of_a_monthly_chart(db) {
        // The demo without marks: its latest year has termly summaries only.
        let t = TestApp::new(db).await;
        t.state
            .store
            .refresh_measures("test", FixedClock.now(), Default::default())
            .await
            .unwrap();
        let cookies = t.sign_in("governor").await;
        let page = t.get(&format!("/schools/{}", urn_of(HIGH)), &cookies).await;
        assert_eq!(page.status, StatusCode::OK);
        let section = page.body.split("id=\"attendance-by-month\"").nth(1).unwrap();
        assert!(section.contains("came as termly totals"), "{section}");
        assert!(!section.contains("table=attendance-by-month&#38;format=csv"));
        let csv = t
            .get(&format!("/schools/{}?table=attendance-by-month&format=csv", urn_of(HIGH)), &cookies)
            .await;
        assert_eq!(csv.status, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    async fn suppressed_cells_never_show_a_number_on_the_page_or_in_exports(db) {
        let t = refreshed(db).await;
        let cookies = t.sign_in("trust.leader").await;
        // Find a school with a suppressed figure in its latest-year group table.
        let mut checked = false;
        for school in t.state.store.schools().await.unwrap() {
            let path = format!("/schools/{}", school.urn);
            let page = t.get(&path, &cookies).await;
            if page.status != StatusCode::OK || !page.body.contains("class=\"suppressed\"") {
                continue;
            }
            // Every cell marked suppressed holds the word, never a figure.
            for cell in page.body.split("<span class=\"suppressed\">").skip(1) {
                let shown = cell.split('<').next().unwrap_or_default();
                assert_eq!(shown, "Suppressed");
                assert!(!shown.chars().any(|c| c.is_ascii_digit()), "{shown}");
            }
            let csv = t.get(&format!("{path}?table=gaps&format=csv"), &cookies).await;
            assert_eq!(csv.status, StatusCode::OK);
            assert_eq!(
                csv.headers.get(header::CONTENT_TYPE).unwrap(),
                "text/csv; charset=utf-8"
            );
            let n_page = page
                .body
                .split("id=\"table-gaps\"")
                .nth(1)
                .and_then(|rest| rest.split("</table>").next())
                .map_or(0, |table| table.matches("class=\"suppressed\"").count());
            let n_csv = csv.body.matches("SUPP").count();
            assert_eq!(n_page, n_csv, "the export suppresses exactly what the page does");
            if n_csv > 0 {
                checked = true;
                break;
            }
        }
        assert!(checked, "the demo has small groups somewhere");
    }
}

backend_test! {
    async fn an_excel_download_is_a_workbook_named_after_the_school_and_table(db) {
        let t = refreshed(db).await;
        let cookies = t.sign_in("governor").await;
        let reply = t
            .get(&format!("/schools/{}?table=attendance&format=xlsx", urn_of(HIGH)), &cookies)
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let disposition = reply.headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap();
        assert_eq!(disposition, "attachment; filename=\"northvale-high-school-attendance.xlsx\"");
        assert!(reply.body.starts_with("PK"), "a zip archive");

        let missing = t
            .get(&format!("/schools/{}?table=nothing&format=csv", urn_of(HIGH)), &cookies)
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let bad = t
            .get(&format!("/schools/{}?table=attendance&format=pdf", urn_of(HIGH)), &cookies)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

backend_test! {
    async fn the_groups_page_lists_every_visible_school_and_group_gap(db) {
        let t = refreshed(db).await;
        // By default the page shows overall absence, the one measure every school has.
        let leader = t.get("/groups", &t.sign_in("trust.leader").await).await;
        assert_eq!(leader.status, StatusCode::OK);
        assert!(leader.body.contains("Gaps between groups of pupils, Overall absence"));
        assert!(leader.body.contains(HIGH) && leader.body.contains(RIVERSIDE));
        assert!(leader.body.contains("Oakfield Learning Trust (all its schools together)"), "{}", leader.body);
        assert!(leader.body.contains("Disadvantaged compared with not disadvantaged"));
        assert!(!leader.body.contains("St Joseph"), "not a trust school");

        let ks4 = t
            .get("/groups?measure=ks4_attainment8", &t.sign_in("head.northvale").await)
            .await;
        assert!(ks4.body.contains(HIGH));
        assert!(!ks4.body.contains(RIVERSIDE), "a head sees only their school");
        assert!(ks4.body.contains("Low prior attainment compared with all pupils"));

        let unknown = t
            .get("/groups?measure=no_such_measure", &t.sign_in("governor").await)
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    async fn a_cluster_page_shows_pooled_figures_and_its_schools_without_pupil_data(db) {
        let t = refreshed(db).await;
        let cookies = t.sign_in("cluster.member").await;
        let page = t
            .get(&format!("/groups/{}", cairn_demo::CLUSTER_CODES[1]), &cookies)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let body = &page.body;
        assert!(body.contains("All schools together"));
        assert!(body.contains(RIVERSIDE) && body.contains("St Joseph"));
        assert!(!body.contains("/pupils"), "no pupil links for a cluster member");
        assert!(!body.contains("UPN"));
        let csv = t
            .get(
                &format!("/groups/{}?table=schools&format=csv", cairn_demo::CLUSTER_CODES[1]),
                &cookies,
            )
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.contains(RIVERSIDE));
        assert!(!csv.body.contains("<a "), "exports hold text, not links");
    }
}

backend_test! {
    async fn pupil_filters_narrow_the_list_and_every_view_and_download_is_audited(db) {
        let t = refreshed(db).await;
        let urn = urn_of(HIGH);
        let data = t.sign_in("data.northvale").await;
        let all = t.get(&format!("/pupils?school={urn}"), &data).await;
        assert_eq!(all.status, StatusCode::OK);
        // The page says how many pupils match (it lists 100 of them a page).
        let count = |body: &str| -> usize {
            let marker = " pupils on roll";
            let before = body.split(marker).next().unwrap_or_default();
            let digits: String = before
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            digits.parse().unwrap_or(0)
        };
        let n_all = count(&all.body);
        assert!(n_all > 0);
        let disadvantaged = t
            .get(&format!("/pupils?school={urn}&disadvantaged=yes"), &data)
            .await;
        let others = t.get(&format!("/pupils?school={urn}&disadvantaged=no"), &data).await;
        assert_eq!(count(&disadvantaged.body) + count(&others.body), n_all);
        let severe = t.get(&format!("/pupils?school={urn}&attendance=severe"), &data).await;
        assert!(count(&severe.body) < n_all);
        let bad = t.get(&format!("/pupils?school={urn}&sen=lots"), &data).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);

        let csv = t
            .get(&format!("/pupils?school={urn}&eal=yes&table=pupils&format=csv"), &data)
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.contains("UPN"));

        let pupil = pupil_at(&t, HIGH, RIVERSIDE).await;
        let timeline = t.get(&format!("/pupils/{pupil}"), &data).await;
        assert_eq!(timeline.status, StatusCode::OK);
        assert!(timeline.body.contains("Schools attended"));
        assert!(timeline.body.contains(HIGH));
        let export = t
            .get(&format!("/pupils/{pupil}?table=attendance&format=xlsx"), &data)
            .await;
        assert_eq!(export.status, StatusCode::OK);

        let before = t.state.store.audit_for_school(urn, 100).await.unwrap().len();
        let wrong = t.get(&format!("/pupils/{pupil}?table=nothing&format=csv"), &data).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
        let wrong = t.get(&format!("/pupils?school={urn}&table=nothing&format=csv"), &data).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
        let after = t.state.store.audit_for_school(urn, 100).await.unwrap().len();
        assert_eq!(before, after, "a download that returns nothing logs nothing");

        let entries = t.state.store.audit_for_school(urn, 50).await.unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        // One row per listing that showed pupils (the severe-absence list may be empty, and the
        // refused request showed nothing).
        let n_searches = actions.iter().filter(|a| **a == "pupils.search").count();
        assert!((3..=4).contains(&n_searches), "{actions:?}");
        assert!(actions.contains(&"pupils.export"));
        assert!(actions.contains(&"pupil.show"));
        assert!(actions.contains(&"pupil.export"));
        for entry in &entries {
            assert!(!crate::tests::carries_upn(&entry.detail), "no UPNs in the log: {}", entry.detail);
        }
        // The head can read who looked.
        let log = t.get(&format!("/schools/{urn}/audit"), &t.sign_in("head.northvale").await).await;
        assert!(log.body.contains("exported (CSV) a filtered list of"), "{}", log.body);
        assert!(log.body.contains("timeline"));
    }
}

backend_test! {
    async fn a_timeline_hides_years_at_schools_the_viewer_cannot_see(db) {
        let t = refreshed(db).await;
        // A Northvale High pupil who came from another school.
        let store = &t.state.store;
        let year = store.latest_academic_year().await.unwrap().unwrap();
        let filter = cairn_store::PupilFilter {
            schools: vec![urn_of(HIGH)],
            ..cairn_store::PupilFilter::default()
        };
        let mut mover = None;
        for pupil in store.pupils_matching(year, &filter).await.unwrap() {
            let timeline = store.pupil_timeline(pupil.pupil_id).await.unwrap().unwrap();
            if let Some(other) = timeline.enrolments.iter().find(|e| e.urn != urn_of(HIGH)) {
                mover = Some((pupil.pupil_id, other.school_name.clone()));
                break;
            }
        }
        let (pupil, other) = mover.expect("a Northvale High pupil who moved from another school");
        let head = t.get(&format!("/pupils/{pupil}"), &t.sign_in("head.northvale").await).await;
        assert_eq!(head.status, StatusCode::OK);
        assert!(head.body.contains("whose pupil data you cannot see"));
        let other_escaped = other.replace('\'', "&#39;");
        assert!(!head.body.contains(&other) && !head.body.contains(&other_escaped), "{other}");
        let leader = t.get(&format!("/pupils/{pupil}"), &t.sign_in("trust.leader").await).await;
        assert_eq!(leader.status, StatusCode::OK);
        let shown = leader.body.contains(&other) || leader.body.contains(&other_escaped)
            || leader.body.contains("whose pupil data you cannot see");
        assert!(shown, "the trust leader sees the other school or is told it is hidden");
        assert_eq!(t.get("/pupils/999999999", &t.sign_in("trust.leader").await).await.status, StatusCode::NOT_FOUND);
        assert_eq!(t.get("/pupils/abc", &t.sign_in("trust.leader").await).await.status, StatusCode::NOT_FOUND);
    }
}
