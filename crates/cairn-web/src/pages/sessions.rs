//! Signing in and out.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use crate::auth::{
    self, LOGIN_CSRF_COOKIE, SESSION_COOKIE, SignInFailure, Viewer, cookie, random_token, removal,
    same_secret,
};
use crate::pages::{Nav, render};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "sessions/new.html")]
pub(crate) struct SessionNewPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub csrf_token: String,
    pub username: String,
    pub error: Option<&'static str>,
}

impl SessionNewPage {
    fn new(csrf_token: String, username: String, error: Option<&'static str>) -> Self {
        SessionNewPage {
            nav: None,
            title: "Sign in".to_owned(),
            csrf_token,
            username,
            error,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    username: String,
    password: String,
    csrf_token: String,
}

impl std::fmt::Debug for SignInForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInForm").finish_non_exhaustive()
    }
}

/// GET /login: the sign-in form, with a fresh double-submit CSRF cookie.
pub(crate) async fn new(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    if auth::load_viewer(&state.store, &jar, state.clock.now())
        .await?
        .is_some()
    {
        return Ok(Redirect::to("/").into_response());
    }
    let token = random_token()?;
    let page = SessionNewPage::new(token.clone(), String::new(), None);
    let jar = jar.add(cookie(LOGIN_CSRF_COOKIE, token, &state.settings));
    Ok((jar, render(&page)?).into_response())
}

/// POST /login: checks the credentials; on success a new session (never the old one) and a
/// redirect to the overview.
pub(crate) async fn create(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let cookie_token = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    if !cookie_token.is_some_and(|t| same_secret(&t, &form.csrf_token)) {
        return Err(WebError::BadRequest(
            "The sign-in form had expired. Go back, reload the page and sign in again.",
        ));
    }
    match auth::sign_in(&state, &form.username, &form.password).await? {
        Ok(token) => {
            // Rotation: whatever session the browser had is ended, and a new token issued.
            if let Some(old) = jar.get(SESSION_COOKIE) {
                state
                    .store
                    .delete_session(&auth::token_hash(old.value()))
                    .await?;
            }
            let jar = jar.remove(removal(LOGIN_CSRF_COOKIE)).add(cookie(
                SESSION_COOKIE,
                token,
                &state.settings,
            ));
            Ok((jar, Redirect::to("/")).into_response())
        }
        Err(SignInFailure::Mismatch) => {
            let page = SessionNewPage::new(
                form.csrf_token,
                form.username,
                Some("The username or password is not right. Check them and try again."),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(SignInFailure::Throttled) => Err(WebError::TooManyRequests(format!(
            "There have been too many failed sign-ins for this account. Wait {} minutes and try again, or ask your administrator to reset your password.",
            state.settings.login_window.num_minutes()
        ))),
    }
}

#[derive(Deserialize, Debug)]
pub(crate) struct SignOutForm {
    csrf_token: String,
}

/// POST /logout: ends this session.
pub(crate) async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<SignOutForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&form.csrf_token)?;
    state
        .store
        .delete_session(viewer.session_token_hash())
        .await?;
    Ok((jar.remove(removal(SESSION_COOKIE)), Redirect::to("/login")).into_response())
}
