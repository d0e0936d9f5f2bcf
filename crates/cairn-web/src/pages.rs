//! Page handlers, one module per resource, and the page templates they render.

pub(crate) mod actions;
pub(crate) mod audit;
pub(crate) mod compare;
pub(crate) mod figures;
pub(crate) mod groups;
pub(crate) mod imports;
pub(crate) mod meetings;
pub(crate) mod monthly;
pub(crate) mod overview;
pub(crate) mod practices;
pub(crate) mod priorities;
pub(crate) mod pupils;
pub(crate) mod reviews;
pub(crate) mod risks;
pub(crate) mod schools;
pub(crate) mod sessions;
pub(crate) mod timeline;

use askama::Template;
use axum::response::Html;

use crate::WebError;
use crate::auth::Viewer;

/// The signed-in user's bar at the top of every page.
#[derive(Debug, Clone)]
pub(crate) struct Nav {
    pub display_name: String,
    pub username: String,
    pub csrf_token: String,
    pub roles: Vec<String>,
    /// Whether the user may see any school's pupils (the "Find pupils" link).
    pub pupil_level: bool,
}

impl Nav {
    pub(crate) fn of(viewer: &Viewer) -> Nav {
        Nav {
            display_name: viewer.display_name.clone(),
            username: viewer.username.to_string(),
            csrf_token: viewer.csrf_token.clone(),
            roles: viewer
                .gate
                .roles()
                .iter()
                .map(ToString::to_string)
                .collect(),
            pupil_level: viewer
                .gate
                .visible_schools()
                .any(|urn| viewer.gate.access(urn) == cairn_domain::Access::PupilLevel),
        }
    }
}

/// A count with thousands separators, as GOV.UK style writes numbers: `15,583`.
pub(crate) fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (idx, c) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Renders a template into a response body, or an internal error.
pub(crate) fn render(page: &impl Template) -> Result<Html<String>, WebError> {
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub status: u16,
    pub message: String,
}
