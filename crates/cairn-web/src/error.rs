//! The web layer's one error type, and how each outcome becomes a response.
//!
//! Which to use where:
//! - a handler that finds nothing for a URL returns [`WebError::NotFound`];
//! - the authorisation gate refuses with [`WebError::Forbidden`] (a signed-in user out of
//!   scope) or [`WebError::SignInRequired`] (nobody signed in);
//! - a form that fails validation re-renders itself with 422 itself; [`WebError::BadRequest`]
//!   is for requests no honest form sends (a missing or wrong CSRF token);
//! - too many failed sign-ins is [`WebError::TooManyRequests`];
//! - anything else (a store fault, a template fault) is [`WebError::Internal`]: the user sees a
//!   generic page, and the error is logged once, here, inside the request's span.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::pages::ErrorPage;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// 303 to the sign-in page.
    #[error("sign-in required")]
    SignInRequired,
    /// 403: signed in, but this is outside the user's scope.
    #[error("forbidden")]
    Forbidden,
    /// 404.
    #[error("not found")]
    NotFound,
    /// 400, with a message safe to show.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// 429, with a message safe to show.
    #[error("too many requests")]
    TooManyRequests(String),
    /// 500: logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<cairn_store::StoreError> for WebError {
    fn from(error: cairn_store::StoreError) -> Self {
        WebError::Internal(anyhow::Error::new(error).context("store"))
    }
}

impl From<askama::Error> for WebError {
    fn from(error: askama::Error) -> Self {
        WebError::Internal(anyhow::Error::new(error).context("template"))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            WebError::SignInRequired => return Redirect::to("/login").into_response(),
            WebError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not available to you",
                "Your role does not cover this page. If you need it, ask your partnership's administrator for access.".to_owned(),
            ),
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing at this address. Check the link, or go back to the overview.".to_owned(),
            ),
            WebError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                "Request not accepted",
                (*message).to_owned(),
            ),
            WebError::TooManyRequests(message) => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                message.clone(),
            ),
            WebError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Cairn could not complete this request. It has been logged; please try again.".to_owned(),
                )
            }
        };
        let page = ErrorPage {
            nav: None,
            title: title.to_owned(),
            status: status.as_u16(),
            message,
        };
        match page.render() {
            Ok(html) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
            Err(_) => (status, title).into_response(),
        }
    }
}
