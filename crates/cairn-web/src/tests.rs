//! The web suite: every test runs through `app(state).oneshot(...)` on SQLite and on
//! PostgreSQL, against the demo partnership and its demo accounts.

mod authorisation;
mod compare;
mod dashboards;
mod imports;
mod improvement;
mod overview;
mod paging;
mod practices;
mod reviews;
mod risks;
mod sessions;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cairn_demo::{DEMO_PASSWORD, demo_logins};
use cairn_domain::{Urn, Username};
use cairn_store::testing::TestDb;
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::{AppState, Clock, WebSettings, app};

/// A clock stopped at 09:00 on 25 November 2026.
#[derive(Debug)]
pub(crate) struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }
}

/// The demo partnership, generated once for the whole suite.
fn demo() -> &'static cairn_domain::Partnership {
    static DEMO: OnceLock<cairn_domain::Partnership> = OnceLock::new();
    DEMO.get_or_init(|| cairn_demo::generate(cairn_demo::DEFAULT_SEED))
}

/// The demo without its register marks (millions of rows that only the attendance-by-month
/// tests need): its latest year then has termly summaries only, as a school that sends no
/// marks would.
fn demo_without_marks() -> &'static cairn_domain::Partnership {
    static DEMO: OnceLock<cairn_domain::Partnership> = OnceLock::new();
    DEMO.get_or_init(|| cairn_domain::Partnership {
        attendance_marks: Vec::new(),
        ..demo().clone()
    })
}

/// One hash of the demo password, computed once for the whole suite.
fn demo_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| crate::auth::hash_password(DEMO_PASSWORD).unwrap())
}

/// The demo partnership and accounts in `db`, and the app on top.
pub(crate) struct TestApp {
    pub app: Router,
    pub state: AppState,
}

impl TestApp {
    /// The demo without register marks ([`demo_without_marks`]).
    pub async fn new(db: &TestDb) -> TestApp {
        TestApp::of(db, demo_without_marks()).await
    }

    /// The whole demo, register marks and all.
    pub async fn with_marks(db: &TestDb) -> TestApp {
        TestApp::of(db, demo()).await
    }

    async fn of(db: &TestDb, partnership: &cairn_domain::Partnership) -> TestApp {
        let store = db.store().clone();
        store.load_partnership(partnership).await.unwrap();
        for login in demo_logins() {
            let username = Username::parse(login.username).unwrap();
            let id = store
                .create_user(&username, login.display_name, demo_hash(), FixedClock.now())
                .await
                .unwrap();
            store.grant_role(id, &login.role).await.unwrap();
        }
        let state = AppState::new(store, WebSettings::default(), Arc::new(FixedClock));
        TestApp {
            app: app(state.clone()),
            state,
        }
    }

    /// Sends one request with the given cookies and, for POST, a form body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        cookies: &[(String, String)],
        form: Option<&[(&str, &str)]>,
    ) -> Reply {
        match form {
            Some(fields) => {
                let body = Body::from(encode_form(fields));
                let form_type = "application/x-www-form-urlencoded";
                self.send_body(method, path, cookies, Some(form_type), body)
                    .await
            }
            None => {
                self.send_body(method, path, cookies, None, Body::empty())
                    .await
            }
        }
    }

    /// Sends one request with the given cookies and a body of the given content type.
    pub async fn send_body(
        &self,
        method: &str,
        path: &str,
        cookies: &[(String, String)],
        content_type: Option<&str>,
        body: Body,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if !cookies.is_empty() {
            let cookie = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, cookies: &[(String, String)]) -> Reply {
        self.send("GET", path, cookies, None).await
    }

    /// Signs in through the real form; returns the session cookie.
    pub async fn sign_in(&self, username: &str) -> Vec<(String, String)> {
        let reply = self.try_sign_in(username, DEMO_PASSWORD).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let session = reply.set_cookie("cairn_session").expect("a session cookie");
        vec![("cairn_session".to_owned(), session)]
    }

    pub async fn try_sign_in(&self, username: &str, password: &str) -> Reply {
        let form = self.get("/login", &[]).await;
        let csrf = form.set_cookie("cairn_login_csrf").expect("a CSRF cookie");
        let token = form.hidden("csrf_token").expect("a CSRF field");
        self.send(
            "POST",
            "/login",
            &[("cairn_login_csrf".to_owned(), csrf)],
            Some(&[
                ("username", username),
                ("password", password),
                ("csrf_token", &token),
            ]),
        )
        .await
    }
}

pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| v.to_owned())
    }

    /// The value of the first hidden input called `name`.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body.get(start..)?.find('"')?;
        self.body.get(start..start + end).map(str::to_owned)
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

fn encode_form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", percent(k), percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A demo school's URN, by name.
pub(crate) fn urn_of(name: &str) -> Urn {
    demo()
        .schools
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.urn)
        .unwrap_or_else(|| panic!("no demo school called {name}"))
}

/// Signs in as each account of an access table (`None`: signed out) and GETs every route;
/// returns one line per status that differs from the table's.
pub(crate) async fn access_failures<const N: usize>(
    t: &TestApp,
    routes: &[String],
    table: &[(Option<&str>, [u16; N])],
) -> Vec<String> {
    let mut failures = Vec::new();
    for (account, expected) in table {
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
        }
    }
    failures
}

/// Whether an audit detail carries anything shaped like a UPN (13 characters, a letter and
/// 12 more, mostly digits); audit details must not.
pub(crate) fn carries_upn(detail: &str) -> bool {
    detail
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| word.len() == 13 && word.chars().filter(char::is_ascii_digit).count() >= 11)
}

/// [`access_failures`], asserting there are none and listing every mismatch at once.
pub(crate) async fn check_routes<const N: usize>(
    t: &TestApp,
    routes: &[String],
    table: &[(Option<&str>, [u16; N])],
) {
    let failures = access_failures(t, routes, table).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
