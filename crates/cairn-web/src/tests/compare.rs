//! The comparison page: who may see it, and what it shows after national figures are loaded
//! and the measures refreshed.

use axum::http::StatusCode;
use cairn_store::backend_test;

use super::{FixedClock, TestApp, urn_of};
use crate::Clock;

const HIGH: &str = "Northvale High School";
const RIVERSIDE: &str = "Riverside Academy";
const ST_JOSEPHS: &str = "St Joseph's Catholic Primary School";

/// Aggregates: anyone who can see the school. Columns: HIGH, RIVERSIDE, ST_JOSEPHS.
const TABLE: &[(Option<&str>, [u16; 3])] = &[
    (None, [303, 303, 303]),
    (Some("trust.leader"), [200, 200, 403]),
    (Some("governor"), [200, 200, 403]),
    (Some("cluster.member"), [403, 200, 200]),
    (Some("head.northvale"), [200, 403, 403]),
    (Some("data.northvale"), [200, 403, 403]),
];

backend_test! {
    async fn the_compare_page_gives_each_role_exactly_its_access(db) {
        let t = TestApp::new(db).await;
        let mut failures = Vec::new();
        for (account, expected) in TABLE {
            let cookies = match account {
                Some(username) => t.sign_in(username).await,
                None => Vec::new(),
            };
            for (school, want) in [HIGH, RIVERSIDE, ST_JOSEPHS].iter().zip(expected) {
                let route = format!("/schools/{}/compare", urn_of(school));
                let reply = t.get(&route, &cookies).await;
                if reply.status.as_u16() != *want {
                    failures.push(format!(
                        "{} GET {route}: got {}, want {want}",
                        account.unwrap_or("signed out"),
                        reply.status
                    ));
                }
                if reply.status == StatusCode::FORBIDDEN {
                    assert!(reply.body.contains("Not available to you"));
                    assert!(!reply.body.contains("compares"), "a refusal shows nothing of the school");
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        let cookies = t.sign_in("trust.leader").await;
        assert_eq!(t.get("/schools/12ab/compare", &cookies).await.status, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    async fn comparisons_show_england_similar_schools_and_a_funnel_spec(db) {
        let t = TestApp::new(db).await;
        let store = &t.state.store;
        store
            .load_national_benchmarks(&cairn_demo::national_benchmarks(cairn_demo::DEFAULT_SEED))
            .await
            .unwrap();
        store.refresh_measures("test", FixedClock.now(), Default::default()).await.unwrap();
        let cookies = t.sign_in("head.northvale").await;

        let page = t.get(&format!("/schools/{}/compare", urn_of(HIGH)), &cookies).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("How Northvale High School compares, 2024/25"), "{}", page.body);
        assert!(page.body.contains("The 20 most similar schools, nearest first"));
        assert!(page.body.contains("Closest on"));
        assert!(page.body.contains(r#"<script type="application/json" class="vega-spec">"#));
        assert!(page.body.contains("similar schools on"), "a plain-language caption");
        // Absence rising year on year is named in words, not colour alone.
        assert!(page.body.contains("Significant rise on last year"), "{}", page.body);
        let spec_start = page.body.find(r#"class="vega-spec">"#).unwrap() + r#"class="vega-spec">"#.len();
        let spec_end = spec_start + page.body[spec_start..].find("</script>").unwrap();
        let spec: serde_json::Value = serde_json::from_str(&page.body[spec_start..spec_end]).unwrap();
        assert!(spec["layer"][0]["data"]["values"].as_array().unwrap().len() > 500);
        // A head sees no other school, so the funnel highlights no partnership.
        assert!(!page.body.contains("purple square"), "{}", page.body);

        // A trust leader sees the school's partnership highlighted, in the chart and its table.
        let leader = t.sign_in("trust.leader").await;
        let page = t.get(&format!("/schools/{}/compare", urn_of(HIGH)), &leader).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("other 3 schools are the purple squares"), "{}", page.body);
        assert!(page.body.contains(", partnership</th>"), "{}", page.body);
        let spec_start = page.body.find(r#"class="vega-spec">"#).unwrap() + r#"class="vega-spec">"#.len();
        let spec_end = spec_start + page.body[spec_start..].find("</script>").unwrap();
        let spec: serde_json::Value = serde_json::from_str(&page.body[spec_start..spec_end]).unwrap();
        let layers = spec["layer"].as_array().unwrap();
        assert!(
            layers.iter().any(|l| l["mark"]["type"] == "square"
                && !l["data"]["values"].as_array().unwrap().is_empty()),
            "the partnership's schools are drawn"
        );

        let overview = t.get("/", &cookies).await;
        assert!(overview.body.contains("England "), "{}", overview.body);
        assert!(overview.body.contains("Similar "));
        assert!(overview.body.contains(&format!("/schools/{}/compare", urn_of(HIGH))));
    }
}
