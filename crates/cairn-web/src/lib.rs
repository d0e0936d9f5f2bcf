//! Cairn's web application: axum routes, sign-in and sessions, the authorisation gate,
//! askama pages and the vendored assets they use.
//!
//! This is the only crate that knows HTTP and HTML.
//! Handlers are thin: extract (including the signed-in [`auth::Viewer`]), ask the
//! [`access::Gate`], call one store or measures function, render.
//! There is no SQL and no arithmetic on measures here.
//!
//! [`app`] is the single constructor of the router, shared by the binary and the tests, and
//! [`serve`] runs it on an injected listener with an injected shutdown, so tests can bind
//! port 0 and stop cleanly.

pub mod access;
mod assets;
pub mod auth;
mod charts;
mod error;
mod export;
mod pages;
mod routes;
mod security;
mod tables;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use chrono::{DateTime, Utc};

use cairn_store::Store;

pub use error::WebError;
pub use pages::priorities::criterion_words;

/// The web layer's settings, built once by the binary from flags and environment.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` (serve only over HTTPS). Off for the local demo on plain HTTP.
    pub secure_cookies: bool,
    /// How long a session lasts after sign-in.
    pub session_ttl: chrono::Duration,
    /// Failed sign-ins allowed per username within `login_window` before further attempts
    /// are refused.
    pub login_max_failures: i64,
    pub login_window: chrono::Duration,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            secure_cookies: false,
            session_ttl: chrono::Duration::hours(12),
            login_max_failures: 5,
            login_window: chrono::Duration::minutes(15),
        }
    }
}

/// The time source; a trait object so tests can fix the date.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Everything a handler may use. Built by [`AppState::new`], which the binary and the tests
/// both call.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<WebSettings>,
    pub clock: Arc<dyn Clock>,
    /// The overview's facts for the newest refresh, worked out once per refresh.
    pub(crate) overview: Arc<pages::overview::OverviewCache>,
}

impl AppState {
    pub fn new(store: Store, settings: WebSettings, clock: Arc<dyn Clock>) -> Self {
        AppState {
            store,
            settings: Arc::new(settings),
            clock,
            overview: Arc::default(),
        }
    }
}

/// The whole application as a router: routes, assets, security headers, request tracing.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// Serves `app(state)` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests;
