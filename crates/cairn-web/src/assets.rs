//! Static assets compiled into the binary and served under versioned paths with a year-long
//! cache: a new file gets a new path, so browsers never use a stale copy.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::WebError;

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

/// Bump the folder name when `cairn.css` changes, so caches see a new path.
pub(crate) const CSS_PATH: &str = "/assets/cairn-6/cairn.css";
pub(crate) const HTMX_PATH: &str = "/assets/vendor/htmx.org-2.0.11/htmx.min.js";
pub(crate) const VEGA_PATH: &str = "/assets/vendor/vega-6.2.0/vega.min.js";
pub(crate) const VEGA_LITE_PATH: &str = "/assets/vendor/vega-lite-6.4.0/vega-lite.min.js";
pub(crate) const VEGA_EMBED_PATH: &str = "/assets/vendor/vega-embed-7.1.0/vega-embed.min.js";
/// Bump the folder name when `charts.js` or the shim changes (and the import map in
/// `charts.rs`, which names the shim's path).
pub(crate) const CHARTS_PATH: &str = "/assets/charts-1/charts.js";

const ASSETS: &[Asset] = &[
    Asset {
        path: "cairn-6/cairn.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/cairn.css"),
    },
    Asset {
        path: "vendor/htmx.org-2.0.11/htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/htmx.org-2.0.11/htmx.min.js"),
    },
    Asset {
        path: "charts-1/charts.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/charts.js"),
    },
    Asset {
        path: "charts-1/vega-util-shim.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vega-util-shim.js"),
    },
    Asset {
        path: "vendor/vega-6.2.0/vega.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/vega-6.2.0/vega.min.js"),
    },
    Asset {
        path: "vendor/vega-lite-6.4.0/vega-lite.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/vega-lite-6.4.0/vega-lite.min.js"),
    },
    Asset {
        path: "vendor/vega-embed-7.1.0/vega-embed.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/vega-embed-7.1.0/vega-embed.min.js"),
    },
    Asset {
        path: "vendor/vega-interpreter-2.2.1/vega-interpreter.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/vega-interpreter-2.2.1/vega-interpreter.js"),
    },
];

pub(crate) async fn show(Path(path): Path<String>) -> Result<Response, WebError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.path == path)
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.body,
    )
        .into_response())
}
