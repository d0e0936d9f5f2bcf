//! Every route, in one table.

use axum::Router;
use axum::routing::get;
use tower_http::trace::TraceLayer;

use crate::pages::{audit, compare, overview, pupils, schools, sessions};
use crate::{AppState, WebError, assets, security};

pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(overview::index))
        .route("/login", get(sessions::new).post(sessions::create))
        .route("/logout", axum::routing::post(sessions::delete))
        .route("/schools/{urn}", get(schools::show))
        .route("/schools/{urn}/pupils", get(pupils::index))
        .route("/schools/{urn}/audit", get(audit::index))
        .route("/schools/{urn}/compare", get(compare::show))
        .route("/assets/{*path}", get(assets::show))
        .fallback(|| async { WebError::NotFound })
        .with_state(state);
    for layer in security::layers() {
        router = router.layer(layer);
    }
    router.layer(TraceLayer::new_for_http())
}
