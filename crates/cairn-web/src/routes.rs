//! Every route, in one table.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use crate::pages::practices;
use crate::pages::reviews;
use crate::pages::risks;
use crate::pages::{
    actions, audit, compare, groups, imports, meetings, overview, priorities, pupils, schools,
    sessions, timeline,
};
use crate::{AppState, WebError, assets, security};

pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(overview::index))
        .route("/login", get(sessions::new).post(sessions::create))
        .route("/logout", post(sessions::delete))
        .route("/schools/{urn}", get(schools::show))
        .route("/schools/{urn}/pupils", get(pupils::index))
        .route("/schools/{urn}/audit", get(audit::index))
        .route(
            "/schools/{urn}/imports",
            get(imports::index)
                .post(imports::create)
                .layer(DefaultBodyLimit::max(imports::MAX_UPLOAD_BYTES)),
        )
        .route("/imports", get(imports::log))
        .route("/groups", get(groups::index))
        .route("/groups/{code}", get(groups::show))
        .route("/pupils", get(pupils::search))
        .route("/pupils/{id}", get(timeline::show))
        .route(
            "/priorities",
            get(priorities::index).post(priorities::create),
        )
        .route("/priorities/new", get(priorities::new))
        .route("/priorities/{id}", get(priorities::show))
        .route(
            "/priorities/{id}/edit",
            get(priorities::edit::edit).post(priorities::edit::update),
        )
        .route(
            "/priorities/{id}/remove",
            get(priorities::edit::confirm_remove).post(priorities::edit::remove),
        )
        .route(
            "/priorities/{id}/criteria/{criterion}",
            post(priorities::edit::update_criterion),
        )
        .route(
            "/priorities/{id}/criteria/{criterion}/edit",
            get(priorities::edit::edit_criterion),
        )
        .route(
            "/priorities/{id}/criteria/{criterion}/remove",
            post(priorities::edit::remove_criterion),
        )
        .route(
            "/priorities/{id}/criteria",
            post(priorities::create_criterion),
        )
        .route("/priorities/{id}/actions", post(actions::create))
        .route(
            "/priorities/{id}/narrative",
            post(priorities::update_narrative),
        )
        .route("/actions/{id}", post(actions::update))
        .route("/my", get(actions::mine))
        .route("/review", get(priorities::review))
        .route("/review.xlsx", get(priorities::review_xlsx))
        .route("/meetings", get(meetings::index).post(meetings::create))
        .route("/meetings/{id}", get(meetings::show))
        .route("/meetings/{id}/minutes", post(meetings::update_minutes))
        .route("/meetings/{id}/decisions", post(meetings::create_decision))
        .route(
            "/meetings/{id}/pack",
            get(meetings::show_pack).post(meetings::freeze_pack),
        )
        .route("/schools/{urn}/compare", get(compare::show))
        .route("/reviews", get(reviews::index).post(reviews::create))
        .route(
            "/reviews/framework",
            get(reviews::framework).post(reviews::create_focus_area),
        )
        .route(
            "/reviews/framework/judgements",
            post(reviews::scale::create),
        )
        .route(
            "/reviews/framework/judgements/{id}",
            get(reviews::scale::edit).post(reviews::scale::update),
        )
        .route(
            "/reviews/framework/judgements/{id}/move",
            post(reviews::scale::move_entry),
        )
        .route(
            "/reviews/framework/judgements/{id}/delete",
            post(reviews::scale::delete),
        )
        .route("/reviews/{id}", get(reviews::show))
        .route("/reviews/{id}/findings", post(reviews::create_finding))
        .route("/reviews/{id}/follow-ups", post(reviews::create_follow_up))
        .route("/reviews/{id}/close", post(reviews::close))
        .route(
            "/reviews/{id}/pack",
            get(reviews::show_pack).post(reviews::freeze_pack),
        )
        .route("/practices", get(practices::index).post(practices::create))
        .route("/practices/new", get(practices::new))
        .route("/practices/{id}", get(practices::show))
        .route(
            "/practices/{id}/edit",
            get(practices::edit).post(practices::update),
        )
        .route(
            "/practices/{id}/adoptions/{urn}/remove",
            post(practices::remove_adoption),
        )
        .route(
            "/practices/{id}/adoptions",
            post(practices::create_adoption),
        )
        .route("/practices/{id}/posts", post(practices::create_post))
        .route(
            "/practices/{id}/posts/{post}/report",
            post(practices::report),
        )
        .route("/practices/{id}/posts/{post}/hide", post(practices::hide))
        .route(
            "/practices/{id}/posts/{post}/unhide",
            post(practices::unhide),
        )
        .route("/practices/{id}/moderation", get(practices::moderation))
        .route("/risks", get(risks::index))
        .route(
            "/risks/settings",
            get(risks::settings).post(risks::update_settings),
        )
        .route("/risks/{id}", get(risks::show))
        .route("/risks/{id}/decisions", post(risks::create_decision))
        .route("/assets/{*path}", get(assets::show))
        .fallback(|| async { WebError::NotFound })
        .with_state(state);
    for layer in security::layers() {
        router = router.layer(layer);
    }
    router.layer(TraceLayer::new_for_http())
}
