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
    let files: Vec<(&str, &str, &str)> = file.map(|(n, c)| ("file", n, c)).into_iter().collect();
    upload_files(t, path, cookies, fields, &files).await
}

/// Posts the upload form with any file fields: `(field, file name, content)`.
async fn upload_files(
    t: &TestApp,
    path: &str,
    cookies: &[(String, String)],
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str)],
) -> Reply {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    for (field, file_name, content) in files {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n"
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

backend_test! {
    async fn a_mapping_file_maps_columns_shows_the_mapping_and_its_errors_name_line_and_column(db) {
        let t = TestApp::new(db).await;
        let path = format!("/schools/{}/imports", urn_of(HIGH));
        let cookies = t.sign_in("data.northvale").await;
        let token = t.get(&path, &cookies).await.hidden("csrf_token").unwrap();
        let upn = a_year_11_upn();
        let csv = format!("Pupil Ref,Subject,Final Result\n{upn},Mathematics,7\n");
        let fields = [("csrf_token", token.as_str()), ("kind", "ks4"), ("year", "2024/25")];
        let imports_before = t.state.store.imports().await.unwrap().len();

        // Without a mapping the non-standard columns are missing, and the page shows what
        // was found, as `cairn import --show-mapping` does.
        let reply = upload(&t, &path, &cookies, &fields, Some(("results.csv", &csv))).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert!(reply.body.contains("Which column each field was read from"), "{}", reply.body);
        assert!(reply.body.contains("<dt>Missing required</dt><dd>upn, grade</dd>"), "{}", reply.body);

        // Bad TOML: the mapping file's line and column, in the words the command line uses.
        let reply = upload_files(
            &t, &path, &cookies, &fields,
            &[("file", "results.csv", &csv), ("mapping", "m.toml", "[columns\nupn = \"Pupil Ref\"\n")],
        ).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert!(reply.body.contains("mapping file m.toml line 1, column 9: "), "{}", reply.body);
        let cli = cairn_ingest::mis::UserMapping::parse("m.toml", "[columns\nupn = \"Pupil Ref\"\n")
            .unwrap_err()
            .to_string();
        let escaped = cli
            .replace('&', "&amp;")
            .replace('"', "&#34;")
            .replace('\'', "&#39;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(reply.body.contains(&escaped), "{cli}\n{}", reply.body);

        // An unknown field and a column not in the file: each at its line and column.
        let bad = "[columns]\nupn = \"Pupil Ref\"\ngrade = \"Result\"\nshoe_size = \"Shoes\"\n";
        let reply = upload_files(
            &t, &path, &cookies, &fields,
            &[("file", "results.csv", &csv), ("mapping", "m.toml", bad)],
        ).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert!(reply.body.contains("the mapping file m.toml line 4, column 1 says &#34;shoe_size&#34; is not a field of this import"), "{}", reply.body);
        assert!(reply.body.contains("the mapping file m.toml line 3, column 1 says grade = &#34;Result&#34;, but the file has no column &#34;Result&#34;"), "{}", reply.body);
        assert_eq!(t.state.store.imports().await.unwrap().len(), imports_before);

        // A good mapping: imported, and the page says which column came from the mapping.
        let good = "[columns]\nupn = \"Pupil Ref\"\ngrade = \"Final Result\"\n";
        let reply = upload_files(
            &t, &path, &cookies, &fields,
            &[("file", "results.csv", &csv), ("mapping", "m.toml", good)],
        ).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains("results.csv imported"), "{}", reply.body);
        assert!(reply.body.contains("Read with the mapping file m.toml"), "{}", reply.body);
        assert!(reply.body.contains("<tr><td><code>upn</code></td><td>Pupil Ref</td><td>mapping file</td></tr>"), "{}", reply.body);
        assert!(reply.body.contains("<tr><td><code>subject</code></td><td>Subject</td><td>preset</td></tr>"), "{}", reply.body);
        assert_eq!(t.state.store.imports().await.unwrap().len(), imports_before + 1);

        // A mapping with a CTF is refused: a CTF has no columns to map.
        let reply = upload_files(
            &t, &path, &cookies, &[("csrf_token", token.as_str()), ("kind", "ctf")],
            &[("file", "pupils.xml", "<CTfile/>"), ("mapping", "m.toml", good)],
        ).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert!(reply.body.contains("there is no mapping to apply"), "{}", reply.body);
    }
}

backend_test! {
    async fn only_a_data_manager_in_scope_may_upload_with_a_mapping(db) {
        let t = TestApp::new(db).await;
        let good = "[columns]\nupn = \"Pupil Ref\"\n";
        let csv = "Pupil Ref,Subject,Grade\n";
        let imports_before = t.state.store.imports().await.unwrap().len();
        for (account, school, status) in [
            ("trust.leader", HIGH, 403),
            ("governor", HIGH, 403),
            ("cluster.member", HIGH, 403),
            ("head.northvale", HIGH, 403),
            ("data.northvale", RIVERSIDE, 403),
            ("data.northvale", HIGH, 200),
        ] {
            let cookies = t.sign_in(account).await;
            let token = t.get("/", &cookies).await.hidden("csrf_token").unwrap();
            let path = format!("/schools/{}/imports", urn_of(school));
            let reply = upload_files(
                &t, &path, &cookies, &[("csrf_token", token.as_str()), ("kind", "ks4")],
                &[("file", "r.csv", csv), ("mapping", "m.toml", good)],
            ).await;
            assert_eq!(reply.status.as_u16(), status, "{account} at {school}: {}", reply.body);
            if status == 200 {
                // A header-only file with the mapping: read, shown and logged with no rows.
                assert!(reply.body.contains("<td>Pupil Ref</td><td>mapping file</td>"), "{}", reply.body);
            }
        }
        // Only the in-scope data manager's upload reached the log.
        assert_eq!(t.state.store.imports().await.unwrap().len(), imports_before + 1);
    }
}

backend_test! {
    async fn a_ctf_naming_a_former_upn_keeps_the_pupil_one_pupil(db) {
        // A pupil already stored under one UPN (their record from earlier schools) arrives in
        // a CTF under a new UPN, with the old one as BasicDetails/FormerUPN.
        let t = TestApp::new(db).await;
        let high = urn_of(HIGH);
        let path = format!("/schools/{high}/imports");
        let cookies = t.sign_in("data.northvale").await;
        let token = t.get(&path, &cookies).await.hidden("csrf_token").unwrap();
        let old_upn = a_year_11_upn();
        let pupil = demo().pupils.iter().find(|p| p.upn.as_str() == old_upn).unwrap();
        let school = demo().schools.iter().find(|s| s.urn == high).unwrap();
        let laestab = school.laestab.to_string();
        let (lea, estab) = laestab.split_at(3);
        let year = AcademicYear::parse("2024/25").unwrap();
        let filter = cairn_store::PupilFilter { schools: vec![high], ..Default::default() };
        let before = t.state.store.pupils_matching(year, &filter).await.unwrap();
        let pupil_id = before.iter().find(|p| p.upn.as_str() == old_upn).unwrap().pupil_id;
        let timeline_before = t.state.store.pupil_timeline(pupil_id).await.unwrap().unwrap();
        let new_upn = cairn_domain::Upn::with_check_letter("999300124001").unwrap();
        assert!(demo().pupils.iter().all(|p| p.upn != new_upn));
        let ctf = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CTfile>\n<Header>\n<CTFversion>25.0</CTFversion>\n\
             <SourceSchool><LEA>{lea}</LEA><Estab>{estab}</Estab><URN>{high}</URN><AcademicYear>2024</AcademicYear></SourceSchool>\n\
             </Header>\n<CTFpupilData>\n<Pupil>\n<UPN>{new_upn}</UPN>\n<Surname>{}</Surname>\n<Forename>{}</Forename>\n\
             <DOB>{}</DOB>\n<Sex>{}</Sex>\n<BasicDetails><FormerUPN>{old_upn}</FormerUPN><NCyearActual>11</NCyearActual></BasicDetails>\n\
             </Pupil>\n</CTFpupilData>\n</CTfile>\n",
            pupil.surname, pupil.forename, pupil.date_of_birth, pupil.sex.code(),
        );
        let reply = upload(
            &t, &path, &cookies, &[("csrf_token", token.as_str()), ("kind", "ctf")],
            Some(("transfer.xml", &ctf)),
        ).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains("transfer.xml imported"), "{}", reply.body);

        let after = t.state.store.pupils_matching(year, &filter).await.unwrap();
        assert_eq!(after.len(), before.len(), "one pupil, not two");
        let moved = after.iter().find(|p| p.pupil_id == pupil_id).unwrap();
        assert_eq!(moved.upn, new_upn);
        let timeline = t.state.store.pupil_timeline(pupil_id).await.unwrap().unwrap();
        assert_eq!(timeline.upn, new_upn);
        assert_eq!(timeline.enrolments.len(), timeline_before.enrolments.len());
        assert_eq!(timeline.results.len(), timeline_before.results.len());

        // The same CTF naming its school by LA and establishment number alone, as older CTFs
        // do: the register places it at this school, so nothing changes.
        let by_laestab = ctf.replace(&format!("<URN>{high}</URN>"), "");
        assert_ne!(by_laestab, ctf);
        let reply = upload(
            &t, &path, &cookies, &[("csrf_token", token.as_str()), ("kind", "ctf")],
            Some(("older.xml", &by_laestab)),
        ).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains("older.xml imported"), "{}", reply.body);
        let timeline = t.state.store.pupil_timeline(pupil_id).await.unwrap().unwrap();
        assert_eq!(timeline.enrolments.len(), timeline_before.enrolments.len());
    }
}

backend_test! {
    async fn rows_for_a_pupil_cairn_does_not_have_are_listed_at_their_line(db) {
        let t = TestApp::new(db).await;
        let path = format!("/schools/{}/imports", urn_of(HIGH));
        let cookies = t.sign_in("data.northvale").await;
        let token = t.get(&path, &cookies).await.hidden("csrf_token").unwrap();
        let unknown = "Q801200005002";
        assert!(t.state.store.unknown_pupils(&[cairn_domain::Upn::parse(unknown).unwrap()].into()).await.unwrap().len() == 1);
        let csv = format!("UPN,Subject,Grade\n{},Mathematics,7\n{unknown},Mathematics,6\n", a_year_11_upn());
        let imports_before = t.state.store.imports().await.unwrap().len();
        let fields = [("csrf_token", token.as_str()), ("kind", "ks4"), ("year", "2024/25")];
        let reply = upload(&t, &path, &cookies, &fields, Some(("results.csv", &csv))).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert!(reply.body.contains("<td>3</td><td>UPN</td>"), "{}", reply.body);
        assert!(reply.body.contains("is not a pupil in Cairn (under this or a former UPN)"), "{}", reply.body);
        assert!(!reply.body.contains("does not exist"), "{}", reply.body);
        assert_eq!(t.state.store.imports().await.unwrap().len(), imports_before);
    }
}

backend_test! {
    async fn rows_naming_the_schools_predecessor_are_placed_at_the_school_with_a_warning(db) {
        let t = TestApp::new(db).await;
        // Northvale High replaced a school with URN 100001 (an academy conversion, say).
        let links = cairn_domain::Partnership {
            successions: vec![cairn_domain::Succession {
                predecessor: cairn_domain::Urn::from_u32(100_001).unwrap(),
                successor: urn_of(HIGH),
                link_type: "Successor".to_owned(),
                established_on: chrono::NaiveDate::from_ymd_opt(2019, 9, 1),
            }],
            ..cairn_domain::Partnership::default()
        };
        let file = cairn_store::ImportFile {
            kind: cairn_store::ImportKind::Gias,
            file_name: "links.csv".to_owned(),
            sha256: "0".repeat(64),
            user_id: None,
            at: chrono::Utc::now(),
            urn: None,
            rejected: 0,
            data: links,
        };
        t.state.store.import(&[file], false).await.unwrap();

        let path = format!("/schools/{}/imports", urn_of(HIGH));
        let cookies = t.sign_in("data.northvale").await;
        let token = t.get(&path, &cookies).await.hidden("csrf_token").unwrap();
        let csv = format!("UPN,URN,Subject,Grade\n{},100001,Statistics,8\n", a_year_11_upn());
        let fields = [("csrf_token", token.as_str()), ("kind", "ks4"), ("year", "2024/25")];
        let reply = upload(&t, &path, &cookies, &fields, Some(("results.csv", &csv))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains("Added 1 rows"), "{}", reply.body);
        assert!(
            reply.body.contains("results.csv line 2, column URN: &#34;100001&#34; is not a school in the register; GIAS records that URN"),
            "{}",
            reply.body
        );

        // A school that replaced nothing here is still another school's file.
        let csv = format!("UPN,URN,Subject,Grade\n{},100002,Statistics,8\n", a_year_11_upn());
        let reply = upload(&t, &path, &cookies, &fields, Some(("results.csv", &csv))).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert!(reply.body.contains("other school(s), first URN 100002"), "{}", reply.body);
    }
}

backend_test! {
    async fn the_import_log_shows_each_data_manager_what_they_look_after(db) {
        let t = TestApp::new(db).await;
        let (high, riverside) = (urn_of(HIGH), urn_of(RIVERSIDE));
        // A data manager for the whole trust, beside the demo's one for Northvale High.
        let trust_dm = cairn_domain::Username::parse("data.trust").unwrap();
        let id = t.state.store
            .create_user(&trust_dm, "Trust data manager", crate::tests::demo_hash(), chrono::Utc::now())
            .await
            .unwrap();
        let role = cairn_domain::Role {
            kind: cairn_domain::RoleKind::DataManager,
            scope: cairn_domain::Scope::Group(cairn_demo::TRUST_CODE.to_owned()),
        };
        t.state.store.grant_role(id, &role).await.unwrap();
        for (name, urn) in [("high.csv", Some(high)), ("riverside.csv", Some(riverside)), ("register.csv", None)] {
            let file = cairn_store::ImportFile {
                kind: cairn_store::ImportKind::Pupils,
                file_name: name.to_owned(),
                sha256: "ab".repeat(32),
                user_id: None,
                at: chrono::Utc::now(),
                urn,
                rejected: 0,
                data: cairn_domain::Partnership::default(),
            };
            t.state.store.import(&[file], false).await.unwrap();
        }

        let reply = t.get("/imports", &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.location(), Some("/login"));
        for account in ["trust.leader", "governor", "cluster.member", "head.northvale", "governor.northvale"] {
            let cookies = t.sign_in(account).await;
            assert_eq!(t.get("/imports", &cookies).await.status, StatusCode::FORBIDDEN, "{account}");
            assert!(!t.get("/", &cookies).await.body.contains("href=\"/imports\""), "{account}");
        }

        // The school's data manager: that school's imports only, with a link to upload.
        let cookies = t.sign_in("data.northvale").await;
        assert!(t.get("/", &cookies).await.body.contains("href=\"/imports\""));
        let page = t.get("/imports", &cookies).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("high.csv"), "{}", page.body);
        assert!(page.body.contains(&format!("href=\"/schools/{high}/imports\"")), "{}", page.body);
        assert!(page.body.contains("<code title=\"abababab"), "{}", page.body);
        assert!(!page.body.contains("riverside.csv"), "{}", page.body);
        assert!(!page.body.contains("register.csv"), "{}", page.body);

        // The trust's data manager: the partnership-wide file and the trust's schools that
        // share pupil-level data with it.
        let cookies = t.sign_in("data.trust").await;
        let page = t.get("/imports", &cookies).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("register.csv"), "{}", page.body);
        assert!(page.body.contains("Partnership-wide"), "{}", page.body);
        let gate_schools: Vec<_> = {
            let roles = [role.clone()];
            let memberships = &demo().memberships;
            crate::access::Gate::new(&roles, memberships, chrono::Utc::now().date_naive())
                .importable_schools()
                .collect()
        };
        assert!(!gate_schools.is_empty(), "the demo trust shares some schools' pupil data");
        for (name, urn) in [("high.csv", high), ("riverside.csv", riverside)] {
            assert_eq!(page.body.contains(name), gate_schools.contains(&urn), "{name}: {}", page.body);
        }
    }
}
