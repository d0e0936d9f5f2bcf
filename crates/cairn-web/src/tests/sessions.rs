//! Sign-in, sessions, CSRF, throttling and headers.

use axum::http::{StatusCode, header};
use cairn_demo::DEMO_PASSWORD;
use cairn_store::backend_test;

use super::TestApp;

backend_test! {
    async fn signing_in_shows_the_overview_with_the_users_name(db) {
        let t = TestApp::new(db).await;
        let cookies = t.sign_in("trust.leader").await;
        let reply = t.get("/", &cookies).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.body.contains("Partnership overview"));
        assert!(reply.body.contains("Priya Shah"));
    }
}

backend_test! {
    async fn a_wrong_password_re_renders_the_form_with_a_message_and_no_session(db) {
        let t = TestApp::new(db).await;
        let reply = t.try_sign_in("trust.leader", "not-the-password").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("The username or password is not right"));
        assert!(reply.body.contains("value=\"trust.leader\""), "the username is kept");
        assert!(reply.set_cookie("cairn_session").is_none());
        let unknown = t.try_sign_in("nobody", "whatever").await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "same answer for unknown users");
    }
}

backend_test! {
    async fn sign_in_without_the_matching_csrf_cookie_is_refused(db) {
        let t = TestApp::new(db).await;
        let form = t.get("/login", &[]).await;
        let token = form.hidden("csrf_token").unwrap();
        let reply = t
            .send(
                "POST",
                "/login",
                &[],
                Some(&[("username", "trust.leader"), ("password", DEMO_PASSWORD), ("csrf_token", &token)]),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.set_cookie("cairn_session").is_none());
    }
}

backend_test! {
    async fn each_sign_in_issues_a_new_session_and_ends_the_old_one(db) {
        let t = TestApp::new(db).await;
        let first = t.sign_in("governor").await;
        // Sign in again from the same browser, which still sends its first session cookie.
        let form = t.get("/login", &first).await;
        assert_eq!(form.status, StatusCode::SEE_OTHER, "a signed-in user is sent to the overview");
        let fresh = t.get("/login", &[]).await;
        let csrf = fresh.set_cookie("cairn_login_csrf").unwrap();
        let token = fresh.hidden("csrf_token").unwrap();
        let mut cookies = first.clone();
        cookies.push(("cairn_login_csrf".to_owned(), csrf));
        let reply = t
            .send(
                "POST",
                "/login",
                &cookies,
                Some(&[("username", "governor"), ("password", DEMO_PASSWORD), ("csrf_token", &token)]),
            )
            .await;
        let second = reply.set_cookie("cairn_session").unwrap();
        assert_ne!(Some(&second), first.first().map(|(_, v)| v));
        assert_eq!(t.get("/", &first).await.status, StatusCode::SEE_OTHER, "old session ended");
        let second = vec![("cairn_session".to_owned(), second)];
        assert_eq!(t.get("/", &second).await.status, StatusCode::OK);
    }
}

backend_test! {
    async fn signing_out_needs_the_csrf_token_and_ends_the_session(db) {
        let t = TestApp::new(db).await;
        let cookies = t.sign_in("trust.leader").await;
        let page = t.get("/", &cookies).await;
        let token = page.hidden("csrf_token").unwrap();
        let forged = t.send("POST", "/logout", &cookies, Some(&[("csrf_token", "forged")])).await;
        assert_eq!(forged.status, StatusCode::BAD_REQUEST);
        assert_eq!(t.get("/", &cookies).await.status, StatusCode::OK, "still signed in");
        let out = t.send("POST", "/logout", &cookies, Some(&[("csrf_token", &token)])).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.location(), Some("/login"));
        assert_eq!(t.get("/", &cookies).await.status, StatusCode::SEE_OTHER);
    }
}

backend_test! {
    async fn repeated_failures_lock_sign_in_for_that_account_even_with_the_right_password(db) {
        let t = TestApp::new(db).await;
        for _ in 0..5 {
            let reply = t.try_sign_in("head.northvale", "wrong-password").await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let locked = t.try_sign_in("head.northvale", DEMO_PASSWORD).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(locked.body.contains("too many failed sign-ins"));
        // Other accounts are unaffected.
        t.sign_in("data.northvale").await;
    }
}

backend_test! {
    async fn every_response_carries_the_security_headers(db) {
        let t = TestApp::new(db).await;
        let cookies = t.sign_in("trust.leader").await;
        for (path, cookies) in [("/login", Vec::new()), ("/", cookies.clone()), ("/nowhere", cookies)] {
            let reply = t.get(path, &cookies).await;
            let csp = reply.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}");
            assert_eq!(reply.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
            assert_eq!(reply.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        }
        let login = t.get("/login", &[]).await;
        let cookie = login.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    }
}

backend_test! {
    async fn assets_are_served_from_the_binary_with_a_long_cache(db) {
        let t = TestApp::new(db).await;
        for path in [crate::assets::CSS_PATH, crate::assets::HTMX_PATH] {
            let reply = t.get(path, &[]).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}");
            assert!(reply.headers.get(header::CACHE_CONTROL).unwrap().to_str().unwrap().contains("immutable"));
        }
        assert_eq!(t.get("/assets/nope.js", &[]).await.status, StatusCode::NOT_FOUND);
    }
}
