//! Long pupil lists page: a school's roll and the pupil finder show 100 pupils a page, with
//! previous and next links that keep the filters, per route and role; every page view is
//! audit-logged with the page it showed; downloads still hold every pupil.

use axum::http::StatusCode;
use cairn_store::backend_test;

use super::{TestApp, check_routes, urn_of};

const OK: u16 = 200;
const FORBIDDEN: u16 = 403;
const BAD_REQUEST: u16 = 400;
const SIGN_IN: u16 = 303;
const HIGH: &str = "Northvale High School";

/// The rows of the first table on a page.
fn rows(body: &str) -> usize {
    body.split("<tbody>")
        .nth(1)
        .and_then(|rest| rest.split("</tbody>").next())
        .map_or(0, |tbody| tbody.matches("<tr>").count())
}

/// The `href` of the link with `rel`, unescaped.
pub(crate) fn link(body: &str, rel: &str) -> Option<String> {
    let at = body.find(&format!("rel=\"{rel}\""))?;
    let before = &body[..at];
    let start = before.rfind("href=\"")? + "href=\"".len();
    let end = start + before[start..].find('"')?;
    Some(
        before[start..end]
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

backend_test! {
    async fn a_schools_pupil_list_pages_and_the_finder_keeps_its_filters_across_pages(db) {
        let t = TestApp::new(db).await;
        let urn = urn_of(HIGH);
        let total = t
            .state
            .store
            .pupils_on_roll(urn, t.state.store.latest_academic_year().await.unwrap().unwrap())
            .await
            .unwrap()
            .len();
        assert!(total > 200, "Northvale High has hundreds of pupils: {total}");
        let data = t.sign_in("data.northvale").await;

        // The roll: 100 a page, the last page the remainder, next and previous links.
        let first = t.get(&format!("/schools/{urn}/pupils"), &data).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(rows(&first.body), 100);
        assert!(first.body.contains(&format!("{total} pupils on roll")), "the whole roll is counted");
        assert!(first.body.contains("aria-label=\"Pages of pupils\""));
        assert_eq!(link(&first.body, "prev"), None);
        let next = link(&first.body, "next").expect("a next page");
        assert_eq!(next, format!("/schools/{urn}/pupils?page=2"));
        let pages = total.div_ceil(100);
        let last = t.get(&format!("/schools/{urn}/pupils?page={pages}"), &data).await;
        assert_eq!(rows(&last.body), total - (pages - 1) * 100);
        assert_eq!(link(&last.body, "next"), None);
        assert_eq!(link(&last.body, "prev"), Some(format!("/schools/{urn}/pupils?page={}", pages - 1)));
        assert_ne!(first.body.split("<tbody>").nth(1), last.body.split("<tbody>").nth(1));
        let beyond = t.get(&format!("/schools/{urn}/pupils?page={}", pages + 5), &data).await;
        assert_eq!(rows(&beyond.body), rows(&last.body), "past the end shows the last page");

        // The finder: the filters stay in the page links, and page 2 is the next 100 that match.
        let filtered = format!("/pupils?school={urn}&disadvantaged=no");
        let page_one = t.get(&filtered, &data).await;
        assert_eq!(rows(&page_one.body), 100);
        let next = link(&page_one.body, "next").expect("a next page of the filtered list");
        assert_eq!(next, format!("{filtered}&page=2"));
        let page_two = t.get(&next, &data).await;
        assert_eq!(page_two.status, StatusCode::OK);
        assert!(page_two.body.contains("101 to 200 of"), "{}", page_two.body);
        assert_eq!(link(&page_two.body, "prev"), Some(format!("{filtered}&page=1")));
        assert!(page_two.body.contains("selected>No</option>") || page_two.body.contains("value=\"no\" selected"), "the filter stays chosen");
        // The download has every pupil that matches, whatever the page.
        let csv = t.get(&format!("{filtered}&page=2&table=pupils&format=csv"), &data).await;
        assert_eq!(csv.status, StatusCode::OK);
        let n_matching: usize = page_one
            .body
            .split(" pupils on roll")
            .next()
            .and_then(|b| b.rsplit('>').next())
            .and_then(|n| n.trim().replace(',', "").parse().ok())
            .unwrap();
        assert_eq!(csv.body.lines().count(), n_matching + 1, "a header and every pupil");

        // Each view is logged with the page it showed.
        let log = t.state.store.audit_for_school(urn, 20).await.unwrap();
        assert!(log.iter().any(|e| e.action == "pupils.index" && e.detail.contains(&format!("page {pages} of {pages}"))), "{log:?}");
        assert!(log.iter().any(|e| e.action == "pupils.search" && e.detail.contains("page 2 of")), "{log:?}");
    }
}

/// Columns: Northvale High's roll on page 2, the finder on page 2 for Northvale High, and a
/// page that is not a number (a bad request once the viewer may see the list at all).
const TABLE: &[(Option<&str>, [u16; 3])] = &[
    (None, [SIGN_IN; 3]),
    (Some("trust.leader"), [OK, OK, BAD_REQUEST]),
    (Some("governor"), [FORBIDDEN; 3]),
    (Some("governor.northvale"), [FORBIDDEN; 3]),
    (Some("cluster.member"), [FORBIDDEN; 3]),
    (Some("head.northvale"), [OK, OK, BAD_REQUEST]),
    (Some("data.northvale"), [OK, OK, BAD_REQUEST]),
    (Some("head.riverside"), [FORBIDDEN; 3]),
];

backend_test! {
    async fn every_page_of_a_pupil_list_gives_each_role_exactly_its_access(db) {
        let t = TestApp::new(db).await;
        let urn = urn_of(HIGH);
        let routes = [
            format!("/schools/{urn}/pupils?page=2"),
            format!("/pupils?school={urn}&page=2"),
            format!("/schools/{urn}/pupils?page=zero"),
        ];
        check_routes(&t, &routes, TABLE).await;
    }
}
