//! The upload page for data managers: who may use it, and that a file is checked in full,
//! written all or nothing, logged with its author and followed by a refresh.

use axum::body::Body;
use axum::http::StatusCode;
use cairn_domain::AcademicYear;
use cairn_store::backend_test;

use super::{Reply, TestApp, demo, urn_of};

const HIGH: &str = "Northvale High School";
const RIVERSIDE: &str = "Riverside Academy";
const BOUNDARY: &str = "cairn-test-boundary";

/// Posts the upload form as a browser does (multipart/form-data).
async fn upload(
    t: &TestApp,
    path: &str,
    cookies: &[(String, String)],
    fields: &[(&str, &str)],
    file: Option<(&str, &str)>,
) -> Reply {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    if let Some((file_name, content)) = file {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    t.send_body("POST", path, cookies, Some(&content_type), Body::from(body))
        .await
}

/// A Year 11 pupil at Northvale High in 2024/25, by UPN.
fn a_year_11_upn() -> String {
    let urn = urn_of(HIGH);
    let year = AcademicYear::parse("2024/25").unwrap();
    demo()
        .enrolments
        .iter()
        .find(|e| e.urn == urn && e.academic_year == year && e.nc_year.number() == 11)
        .map(|e| e.upn.to_string())
        .expect("a Year 11 pupil at Northvale High")
}

backend_test! {
    async fn only_the_schools_data_manager_may_open_or_post_its_upload_page(db) {
        let t = TestApp::new(db).await;
        let high = format!("/schools/{}/imports", urn_of(HIGH));
        let riverside = format!("/schools/{}/imports", urn_of(RIVERSIDE));
        let reply = t.get(&high, &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.location(), Some("/login"));
        for (account, high_status, riverside_status) in [
            ("trust.leader", 403, 403),
            ("governor", 403, 403),
            ("cluster.member", 403, 403),
            ("head.northvale", 403, 403),
            ("data.northvale", 200, 403),
        ] {
            let cookies = t.sign_in(account).await;
            assert_eq!(t.get(&high, &cookies).await.status.as_u16(), high_status, "{account}");
            assert_eq!(
                t.get(&riverside, &cookies).await.status.as_u16(),
                riverside_status,
                "{account}"
            );
        }
        // A leader's post is refused before the file is read, CSRF token or not.
        let head = t.sign_in("head.northvale").await;
        let form = t.get("/", &head).await;
        let token = form.hidden("csrf_token").unwrap();
        let reply = upload(
            &t,
            &high,
            &head,
            &[("csrf_token", &token), ("kind", "ks4")],
            Some(("ks4.csv", "UPN,Subject,Grade\n")),
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
    }
}

backend_test! {
    async fn a_file_with_problems_writes_nothing_and_lists_each_one(db) {
        let t = TestApp::new(db).await;
        let path = format!("/schools/{}/imports", urn_of(HIGH));
        let cookies = t.sign_in("data.northvale").await;
        let page = t.get(&path, &cookies).await;
        let token = page.hidden("csrf_token").unwrap();
        let upn = a_year_11_upn();
        let csv = format!("UPN,Subject,Grade\nA801200005001,Mathematics,7\n{upn},Mathematics,X\n");
        let imports_before = t.state.store.imports().await.unwrap().len();
        let reply = upload(
            &t,
            &path,
            &cookies,
            &[("csrf_token", &token), ("kind", "ks4"), ("year", "2024/25")],
            Some(("results.csv", &csv)),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert!(reply.body.contains("results.csv was not imported: nothing has changed"));
        assert!(reply.body.contains("these 2 problems"), "{}", reply.body);
        assert!(reply.body.contains("<td>2</td><td>UPN</td>"), "{}", reply.body);
        assert!(reply.body.contains("<td>3</td><td>Grade</td>"), "{}", reply.body);
        assert_eq!(t.state.store.imports().await.unwrap().len(), imports_before);

        // Rows for another school are refused on this school's page.
        let other = format!("UPN,URN,Subject,Grade\n{upn},{},Mathematics,7\n", urn_of(RIVERSIDE));
        let reply = upload(
            &t,
            &path,
            &cookies,
            &[("csrf_token", &token), ("kind", "ks4"), ("year", "2024/25")],
            Some(("results.csv", &other)),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("other school"), "{}", reply.body);
        assert_eq!(t.state.store.imports().await.unwrap().len(), imports_before);

        // No CSRF token: refused outright.
        let reply = upload(&t, &path, &cookies, &[("kind", "ks4")], Some(("r.csv", &csv))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
}

backend_test! {
    async fn a_clean_file_is_imported_logged_and_refreshed_and_a_repeat_changes_nothing(db) {
        let t = TestApp::new(db).await;
        let path = format!("/schools/{}/imports", urn_of(HIGH));
        let cookies = t.sign_in("data.northvale").await;
        let token = t.get(&path, &cookies).await.hidden("csrf_token").unwrap();
        let csv = format!("UPN,Subject,Grade\n{},Statistics,8\n", a_year_11_upn());
        let fields = [("csrf_token", token.as_str()), ("kind", "ks4"), ("year", "2024/25")];

        // A dry run counts and writes nothing but its log entry.
        let mut dry = fields.to_vec();
        dry.push(("dry_run", "yes"));
        let reply = upload(&t, &path, &cookies, &dry, Some(("results.csv", &csv))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains("checked: nothing was written"), "{}", reply.body);
        assert!(reply.body.contains("would add 1 rows"), "{}", reply.body);

        let reply = upload(&t, &path, &cookies, &fields, Some(("results.csv", &csv))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains("results.csv imported"), "{}", reply.body);
        assert!(reply.body.contains("Added 1 rows"), "{}", reply.body);
        assert!(reply.body.contains("measures have been recomputed"));
        assert!(reply.body.contains("Sam Patel"), "the log names who imported");
        let refresh = t.state.store.latest_refresh().await.unwrap().unwrap();
        assert_eq!(refresh.reason, "import of results.csv by data.northvale");

        let reply = upload(&t, &path, &cookies, &fields, Some(("results.csv", &csv))).await;
        assert!(reply.body.contains("Added 0 rows, updated 0, left 1 unchanged"), "{}", reply.body);
        let log = t.state.store.imports_for_school(urn_of(HIGH), 10).await.unwrap();
        assert_eq!(log.len(), 3);
        assert!(log.iter().all(|i| i.record.user_id.is_some()));
        assert!(log[2].record.dry_run && !log[1].record.dry_run);
    }
}
