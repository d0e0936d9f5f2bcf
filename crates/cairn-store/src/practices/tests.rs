//! The practice library's store suite, on SQLite and PostgreSQL.

use chrono::TimeZone;

use super::*;
use crate::backend_test;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, hour, 0, 0)
        .single()
        .unwrap()
}

fn user(name: &str) -> Username {
    Username::parse(name).unwrap()
}

fn urn(n: u32) -> Urn {
    Urn::from_u32(n).unwrap()
}

async fn exec(store: &Store, sql: &str) {
    on_pool!(store, pool => {
        sqlx::query(sql).execute(pool).await.unwrap();
    });
}

/// Two partnership schools that adopt a practice in September 2023, their similar schools
/// matched in 2022/23 (the year before) and, as a decoy, in 2023/24, and KS2 figures for
/// 2022/23 to 2024/25. The hand-worked answer is in the test below.
async fn fixture(store: &Store) -> i64 {
    for sql in [
        "INSERT INTO groups (code, name, kind) VALUES ('trust', 'The Trust', 'trust')",
        "INSERT INTO schools (urn, laestab, name, phase, school_type, age_low, age_high) \
         VALUES (100001, 9292001, 'Alder Primary', 'primary', 'academy_converter', 4, 11), \
         (100002, 9292002, 'Birch Primary', 'primary', 'academy_converter', 4, 11)",
        "INSERT INTO national_schools (academic_year, urn, name, la_code, phase) VALUES \
         (2022, 700001, 'Cedar Primary', 900, 'primary'), \
         (2022, 700002, 'Damson Primary', 900, 'primary'), \
         (2022, 700003, 'Elm Primary', 900, 'primary'), \
         (2022, 700004, 'Fir Primary', 900, 'primary')",
        "INSERT INTO national_school_results (academic_year, urn, measure, n_pupils, value, \
         suppressed) VALUES \
         (2022, 700001, 'ks2_rwm_expected', 30, 0.50, FALSE), \
         (2023, 700001, 'ks2_rwm_expected', 30, 0.52, FALSE), \
         (2024, 700001, 'ks2_rwm_expected', 30, 0.54, FALSE), \
         (2022, 700002, 'ks2_rwm_expected', 30, 0.60, FALSE), \
         (2023, 700002, 'ks2_rwm_expected', 30, 0.60, FALSE), \
         (2024, 700002, 'ks2_rwm_expected', 30, 0.63, FALSE), \
         (2022, 700003, 'ks2_rwm_expected', 30, 0.10, FALSE), \
         (2023, 700003, 'ks2_rwm_expected', 30, 0.90, FALSE), \
         (2024, 700003, 'ks2_rwm_expected', 30, 0.90, FALSE), \
         (2022, 700004, 'ks2_rwm_expected', 30, 0.30, FALSE), \
         (2023, 700004, 'ks2_rwm_expected', 30, 0.33, FALSE), \
         (2024, 700004, 'ks2_rwm_expected', 30, 0.33, FALSE)",
    ] {
        exec(store, sql).await;
    }
    let refresh: i64 = on_pool!(store, pool => {
        sqlx::query_scalar(
            "INSERT INTO measure_refreshes (computed_at, reason) VALUES ($1, 'test') RETURNING id",
        )
        .bind(at(8))
        .fetch_one(pool)
        .await
        .unwrap()
    });
    let figures = [
        ("100001", 2022, 0.50),
        ("100001", 2023, 0.60),
        ("100001", 2024, 0.70),
        ("100002", 2022, 0.40),
        ("100002", 2023, 0.42),
        ("100002", 2024, 0.50),
    ];
    for (code, year, value) in figures {
        exec(
            store,
            &format!(
                "INSERT INTO measure_results (refresh_id, academic_year, scope_kind, scope_code, \
                 measure, pupil_group, n_pupils, value, suppressed) VALUES ({refresh}, {year}, \
                 'school', '{code}', 'ks2_rwm_expected', 'all', 30, {value}, FALSE)"
            ),
        )
        .await;
    }
    // Alder's neighbours in 2022/23: Cedar, Damson and Birch (an adopter, so left out); in
    // 2023/24 Elm, which must not be used. Birch's in 2022/23: Cedar and Fir.
    let neighbours = [
        (2022, 100001, 700001, 1),
        (2022, 100001, 700002, 2),
        (2022, 100001, 100002, 3),
        (2023, 100001, 700003, 1),
        (2022, 100002, 700001, 1),
        (2022, 100002, 700004, 2),
    ];
    for (year, school, neighbour, rank) in neighbours {
        exec(
            store,
            &format!(
                "INSERT INTO similar_schools (refresh_id, academic_year, urn, phase, neighbour_urn, \
                 rank, distance, contribution_prior_attainment, contribution_disadvantaged, \
                 contribution_sen, contribution_eal, contribution_size) VALUES ({refresh}, {year}, \
                 {school}, 'primary', {neighbour}, {rank}, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1)"
            ),
        )
        .await;
    }
    let id = store
        .create_practice(
            &NewPractice {
                group_code: "trust".to_owned(),
                title: "Daily reading aloud".to_owned(),
                summary: "Twenty minutes a day".to_owned(),
                description: "Teachers read aloud to every class daily.".to_owned(),
                targets: "Key stage 2 pupils".to_owned(),
                target_group: None,
                measure: Measure::Ks2RwmExpected,
                resources: "https://example.org/reading".to_owned(),
                created_by: user("trust.leader"),
            },
            at(9),
        )
        .await
        .unwrap();
    let september = NaiveDate::from_ymd_opt(2023, 9, 4).unwrap();
    store
        .record_adoption(id, urn(100001), september)
        .await
        .unwrap();
    store
        .record_adoption(id, urn(100002), september)
        .await
        .unwrap();
    id
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-6,
        "{actual} is not {expected}"
    );
}

backend_test! {
    async fn impact_is_a_difference_in_differences_against_the_similar_schools_matched_before_adoption(db) {
        let store = db.store();
        let id = fixture(store).await;
        let practice = store.practice(id).await.unwrap().unwrap();
        assert_eq!(practice.adoptions.len(), 2);
        assert_eq!(practice.adoptions[0].first_year().start_year(), 2023);
        let impact = store.practice_impact(&practice).await.unwrap();

        // By hand. Alder: after (0.60 + 0.70) / 2 - before 0.50 = 0.15. Its comparisons,
        // matched in 2022/23 without Birch: Cedar (0.53 - 0.50 = 0.03) and Damson
        // (0.615 - 0.60 = 0.015), mean 0.0225; effect 0.1275.
        // Birch: 0.46 - 0.40 = 0.06; Cedar 0.03 and Fir (0.33 - 0.30 = 0.03); effect 0.03.
        // Estimate (0.1275 + 0.03) / 2 = 0.07875; the two effects differ by 0.0975, so their
        // SD is 0.0975 / sqrt 2 and the half-width is t(1) 12.7062 * 0.0975 / 2 = 0.619427.
        let alder = &impact.adopters[0];
        assert_eq!(alder.name, "Alder Primary");
        assert_eq!(alder.matched_in.map(|y| y.start_year()), Some(2022));
        let names: Vec<&str> = alder.comparisons.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Cedar Primary", "Damson Primary"]);
        close(alder.effect.unwrap().effect, 0.1275);
        close(impact.adopters[1].effect.unwrap().effect, 0.03);

        let estimate = &impact.estimate;
        close(estimate.effect.unwrap(), 0.07875);
        let interval = estimate.interval.unwrap();
        close(interval.lower, 0.07875 - 0.619427);
        close(interval.upper, 0.07875 + 0.619427);
        assert_eq!(estimate.verdict, cairn_measures::impact::Verdict::NoDetectableEffect);
    }
}

backend_test! {
    async fn a_hidden_post_stays_in_the_trail_with_its_reports(db) {
        let store = db.store();
        let id = fixture(store).await;
        let kind = store.add_post(id, &user("governor"), "How long did training take?", at(10)).await.unwrap();
        let spam = store.add_post(id, &user("cluster.member"), "Buy cheap laptops", at(11)).await.unwrap();
        store.report_post(spam, &user("governor"), "Advertising", at(12)).await.unwrap();
        store.report_post(spam, &user("governor"), "Spam", at(12)).await.unwrap();
        assert_eq!(store.post_practice(spam).await.unwrap(), Some(id));
        assert_eq!(store.post_practice(9999).await.unwrap(), None);

        store.moderate_post(spam, &user("trust.leader"), true, "Spam", at(13)).await.unwrap();
        let posts = store.posts(id).await.unwrap();
        assert_eq!(posts.len(), 2, "a hidden post is kept");
        let hidden = posts.iter().find(|p| p.id == spam).unwrap();
        let hiding = hidden.hidden.as_ref().unwrap();
        assert_eq!((hiding.by.as_str(), hiding.reason.as_str()), ("trust.leader", "Spam"));
        assert_eq!(hidden.reports.len(), 1, "one report per member");
        assert_eq!(hidden.reports[0].reason, "Spam");
        assert!(posts.iter().find(|p| p.id == kind).unwrap().hidden.is_none());

        store.moderate_post(spam, &user("trust.leader"), false, "Reconsidered", at(14)).await.unwrap();
        let trail = store.moderation_trail(id).await.unwrap();
        assert_eq!(trail.len(), 2);
        assert!(trail[0].hid && !trail[1].hid);
        assert_eq!(trail[0].post_id, spam);
        assert!(store.posts(id).await.unwrap().iter().all(|p| p.hidden.is_none()));
        assert!(matches!(
            store.moderate_post(9999, &user("trust.leader"), true, "x", at(15)).await,
            Err(StoreError::NotFound { .. })
        ));
    }
}

backend_test! {
    async fn the_demo_library_has_an_improvement_a_null_and_too_few_schools(db) {
        let store = db.store();
        store.load_partnership(&crate::tests::demo()).await.unwrap();
        store
            .load_national_benchmarks(&cairn_demo::national_benchmarks(cairn_demo::DEFAULT_SEED))
            .await
            .unwrap();
        store
            .refresh_measures("test", at(8), cairn_measures::SuppressionPolicy::default())
            .await
            .unwrap();
        let library = cairn_demo::practice_library();
        assert!(store.load_practice_library(&library, at(9)).await.unwrap());
        assert!(!store.load_practice_library(&library, at(10)).await.unwrap(), "loads once");

        use cairn_measures::impact::Verdict;
        let mut verdicts = Vec::new();
        for practice in store.practices().await.unwrap() {
            let impact = store.practice_impact(&practice).await.unwrap();
            verdicts.push((practice.title.clone(), impact.estimate.verdict));
            if impact.estimate.verdict == Verdict::Improved {
                let adopter = &impact.adopters[0];
                assert!(adopter.comparisons.len() >= 10, "{}", adopter.comparisons.len());
                assert!(impact.estimate.effect.unwrap() < 0.0, "absence fell");
            }
        }
        assert_eq!(
            verdicts,
            [
                ("First-day absence calls".to_owned(), Verdict::Improved),
                ("Reading fluency pairs".to_owned(), Verdict::NoDetectableEffect),
                ("Mastery maths in Year 10".to_owned(), Verdict::TooFewSchools),
            ]
        );
        let first = &store.practices().await.unwrap()[0];
        let posts = store.posts(first.id).await.unwrap();
        assert_eq!(posts.iter().filter(|p| p.hidden.is_some()).count(), 1);
        assert_eq!(store.moderation_trail(first.id).await.unwrap().len(), 1);
    }
}

backend_test! {
    async fn a_practice_changes_and_an_adoption_recorded_in_error_leaves_the_estimate(db) {
        let store = db.store();
        let id = fixture(store).await;
        let practice = store.practice(id).await.unwrap().unwrap();
        store
            .update_practice(
                id,
                &PracticeEdit {
                    title: "Daily reading".to_owned(),
                    summary: practice.summary.clone(),
                    description: "Twenty minutes a day.".to_owned(),
                    targets: practice.targets.clone(),
                    target_group: practice.target_group,
                    measure: practice.measure,
                    resources: String::new(),
                },
            )
            .await
            .unwrap();
        let changed = store.practice(id).await.unwrap().unwrap();
        assert_eq!(changed.title, "Daily reading");
        assert_eq!(changed.description, "Twenty minutes a day.");
        assert_eq!(changed.created_by, practice.created_by, "the author stays");

        // Birch's adoption was recorded in error: the estimate is Alder's alone (worked by
        // hand above: 0.1275; Birch is now a comparison school it could be matched with).
        store.remove_adoption(id, urn(100002)).await.unwrap();
        let practice = store.practice(id).await.unwrap().unwrap();
        assert_eq!(practice.adoptions.len(), 1);
        let impact = store.practice_impact(&practice).await.unwrap();
        assert_eq!(impact.adopters.len(), 1);
        assert_eq!(impact.adopters[0].name, "Alder Primary");
        let again = store.remove_adoption(id, urn(100002)).await;
        assert!(matches!(again, Err(StoreError::NotFound { .. })), "{again:?}");
        let missing = store.update_practice(id + 100, &PracticeEdit {
            title: "x".to_owned(),
            summary: String::new(),
            description: String::new(),
            targets: String::new(),
            target_group: None,
            measure: practice.measure,
            resources: String::new(),
        }).await;
        assert!(matches!(missing, Err(StoreError::NotFound { .. })), "{missing:?}");
    }
}

backend_test! {
    async fn a_practice_targeting_disadvantaged_pupils_is_measured_on_their_figures_without_suppressed_ones(db) {
        let store = db.store();
        let id = fixture(store).await;
        let practice = store.practice(id).await.unwrap().unwrap();
        assert!(store.practice_impact(&practice).await.unwrap().targeted.is_none());
        // Three more partnership primaries that did not adopt, and a secondary (another
        // phase, never compared); disadvantaged pupils' figures, '-' suppressed:
        //
        // | school | 2022/23 | 2023/24 | 2024/25 | change from 2023/24 |
        // | Alder (adopted 2023/24) | 0.30 | 0.40 | 0.44 | 0.42 - 0.30 = 0.12 |
        // | Birch (adopted 2023/24) | - | 0.35 | 0.37 | none: left out |
        // | Cobb | 0.35 | 0.36 | 0.38 | 0.02 |
        // | Dogwood | 0.40 | - | - | none: left out |
        // | Fenn | 0.50 | 0.52 | 0.56 | 0.04 |
        //
        // Alder's effect 0.12 - 0.03 = 0.09. One adopter: the interval comes from its two
        // comparison changes (SD 0.0141421): 0.09 -/+ t(1) 12.7062 * 0.0141421 * sqrt(1.5) =
        // 0.09 -/+ 0.220078, which contains zero.
        exec(
            store,
            "INSERT INTO schools (urn, laestab, name, phase, school_type, age_low, age_high) \
             VALUES (100003, 9292003, 'Cobb Primary', 'primary', 'academy_converter', 4, 11), \
             (100004, 9292004, 'Dogwood Primary', 'primary', 'academy_converter', 4, 11), \
             (100006, 9292006, 'Fenn Primary', 'primary', 'academy_converter', 4, 11), \
             (100005, 9292005, 'Elder Secondary', 'secondary', 'academy_converter', 11, 16)",
        )
        .await;
        let refresh = store.latest_refresh().await.unwrap().unwrap().id;
        let figures = [
            ("100001", 2022, Some(0.30)),
            ("100001", 2023, Some(0.40)),
            ("100001", 2024, Some(0.44)),
            ("100002", 2022, None),
            ("100002", 2023, Some(0.35)),
            ("100002", 2024, Some(0.37)),
            ("100003", 2022, Some(0.35)),
            ("100003", 2023, Some(0.36)),
            ("100003", 2024, Some(0.38)),
            ("100004", 2022, Some(0.40)),
            ("100004", 2023, None),
            ("100004", 2024, None),
            ("100006", 2022, Some(0.50)),
            ("100006", 2023, Some(0.52)),
            ("100006", 2024, Some(0.56)),
            ("100005", 2022, Some(0.10)),
            ("100005", 2023, Some(0.90)),
        ];
        for (code, year, value) in figures {
            let (n_pupils, value, suppressed) = match value {
                Some(v) => ("8", v.to_string(), "FALSE"),
                None => ("NULL", "NULL".to_owned(), "TRUE"),
            };
            exec(
                store,
                &format!(
                    "INSERT INTO measure_results (refresh_id, academic_year, scope_kind, \
                     scope_code, measure, pupil_group, n_pupils, value, suppressed) VALUES \
                     ({refresh}, {year}, 'school', '{code}', 'ks2_rwm_expected', \
                     'disadvantaged', {n_pupils}, {value}, {suppressed})"
                ),
            )
            .await;
        }
        store
            .update_practice(
                id,
                &PracticeEdit {
                    title: practice.title.clone(),
                    summary: practice.summary.clone(),
                    description: practice.description.clone(),
                    targets: "Disadvantaged pupils in key stage 2".to_owned(),
                    target_group: Some(PupilGroup::Disadvantaged),
                    measure: practice.measure,
                    resources: practice.resources.clone(),
                },
            )
            .await
            .unwrap();
        let practice = store.practice(id).await.unwrap().unwrap();
        assert_eq!(practice.target_group, Some(PupilGroup::Disadvantaged));
        let impact = store.practice_impact(&practice).await.unwrap();
        let targeted = impact.targeted.as_ref().expect("measured on the targeted group");
        assert_eq!(targeted.group, PupilGroup::Disadvantaged);
        let names: Vec<&str> = targeted.comparisons.iter().map(|c| c.1.as_str()).collect();
        assert_eq!(names, ["Cobb Primary", "Dogwood Primary", "Fenn Primary"], "primaries only, no adopter");
        let alder = &targeted.adopters[0];
        close(alder.effect.unwrap().effect, 0.09);
        assert_eq!(alder.n_comparisons, 2, "Dogwood's suppressed figures are not used");
        assert_eq!(targeted.adopters[1].effect, None, "Birch is suppressed before adoption");
        assert_eq!(targeted.adopters[1].figures[0].1, None);
        let estimate = &targeted.impact.estimate;
        close(estimate.effect.unwrap(), 0.09);
        let interval = estimate.interval.unwrap();
        close(interval.lower, 0.09 - 0.220078);
        close(interval.upper, 0.09 + 0.220078);
        assert_eq!(estimate.verdict, cairn_measures::impact::Verdict::NoDetectableEffect);
        assert_eq!((targeted.impact.adopters_left_out, targeted.impact.comparisons_left_out), (1, 1));
        // The all-pupils estimate is unchanged by it.
        close(impact.estimate.effect.unwrap(), 0.07875);
    }
}
