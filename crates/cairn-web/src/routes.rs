//! Every route, in one table.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tower_http::trace::TraceLayer;

use crate::pages::{audit, groups, imports, overview, pupils, schools, sessions, timeline};
use crate::{AppState, WebError, assets, security};

pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(overview::index))
        .route("/login", get(sessions::new).post(sessions::create))
        .route("/logout", axum::routing::post(sessions::delete))
        .route("/schools/{urn}", get(schools::show))
        .route("/schools/{urn}/pupils", get(pupils::index))
        .route("/schools/{urn}/audit", get(audit::index))
        .route(
            "/schools/{urn}/imports",
            get(imports::index)
                .post(imports::create)
                .layer(DefaultBodyLimit::max(imports::MAX_UPLOAD_BYTES)),
        )
        .route("/groups", get(groups::index))
        .route("/groups/{code}", get(groups::show))
        .route("/pupils", get(pupils::search))
        .route("/pupils/{id}", get(timeline::show))
        .route("/assets/{*path}", get(assets::show))
        .fallback(|| async { WebError::NotFound })
        .with_state(state);
    for layer in security::layers() {
        router = router.layer(layer);
    }
    router.layer(TraceLayer::new_for_http())
}
