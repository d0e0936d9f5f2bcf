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
    /// Whether the user looks after any data (the "Imports" link).
    pub imports: bool,
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
            imports: viewer.gate.importable_schools().next().is_some()
                || viewer.gate.may_see_partnership_imports(),
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

/// One page of a long list (`partials/pager.html`): which rows it shows, and links to the
/// pages either side that keep the list's filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pager {
    /// What the list holds, in the plural ("pupils").
    pub what: &'static str,
    /// 1-based.
    pub page: usize,
    pub pages: usize,
    pub per_page: usize,
    /// The first and last rows shown, 1-based (0 and 0 for an empty list).
    pub first: usize,
    pub last: usize,
    pub total: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// The page `requested` (the `page` query value: empty for the first; one past the last
    /// shows the last) of a list of `total` rows, `per_page` to a page. `path` is the list's
    /// address with its filters, which the links extend. A page that is not a positive whole
    /// number is a bad request.
    pub(crate) fn new(
        what: &'static str,
        total: usize,
        per_page: usize,
        requested: &str,
        path: &str,
    ) -> Result<Pager, WebError> {
        let per_page = per_page.max(1);
        let pages = total.div_ceil(per_page).max(1);
        let page = match requested.trim() {
            "" => 1,
            text => text
                .parse::<usize>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or(WebError::BadRequest(
                    "The page is a whole number from 1, as the page links give it.",
                ))?
                .min(pages),
        };
        let first = (page - 1) * per_page;
        let last = (first + per_page).min(total);
        let separator = if path.contains('?') { '&' } else { '?' };
        let link = |p: usize| format!("{path}{separator}page={p}");
        Ok(Pager {
            what,
            page,
            pages,
            per_page,
            first: if total == 0 { 0 } else { first + 1 },
            last,
            total,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        })
    }

    /// The rows this page shows, 0-based, to slice the whole list with.
    pub(crate) fn rows(&self) -> std::ops::Range<usize> {
        self.first.saturating_sub(1)..self.last
    }

    /// Whether the list runs to more than one page.
    pub(crate) fn is_paged(&self) -> bool {
        self.pages > 1
    }

    /// For the audit log: which page was shown, or nothing for a one-page list.
    pub(crate) fn audit_note(&self) -> String {
        if self.is_paged() {
            format!(", page {} of {}", self.page, self.pages)
        } else {
            String::new()
        }
    }
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

#[cfg(test)]
mod tests {
    use super::Pager;

    /// Rows, the page asked for, then the page, pages, first and last rows shown, and the
    /// previous and next links.
    type Case = (
        usize,
        &'static str,
        usize,
        usize,
        usize,
        usize,
        Option<&'static str>,
        Option<&'static str>,
    );

    #[test]
    fn a_pager_slices_a_list_and_links_either_side_keeping_the_filters() {
        // (total, requested, page, pages, first, last, prev, next)
        let cases: &[Case] = &[
            (0, "", 1, 1, 0, 0, None, None),
            (7, "", 1, 1, 1, 7, None, None),
            (10, "", 1, 1, 1, 10, None, None),
            (11, "", 1, 2, 1, 10, None, Some("/p?x=1&page=2")),
            (11, "2", 2, 2, 11, 11, Some("/p?x=1&page=1"), None),
            (
                25,
                "2",
                2,
                3,
                11,
                20,
                Some("/p?x=1&page=1"),
                Some("/p?x=1&page=3"),
            ),
            (25, "9", 3, 3, 21, 25, Some("/p?x=1&page=2"), None),
        ];
        for &(total, requested, page, pages, first, last, prev, next) in cases {
            let p = Pager::new("pupils", total, 10, requested, "/p?x=1").unwrap();
            assert_eq!(
                (
                    p.page,
                    p.pages,
                    p.first,
                    p.last,
                    p.prev.as_deref(),
                    p.next.as_deref()
                ),
                (page, pages, first, last, prev, next),
                "{total} rows, page {requested:?}"
            );
            assert_eq!(
                p.rows().len(),
                if total == 0 { 0 } else { last - first + 1 }
            );
        }
        let p = Pager::new("pupils", 25, 10, "", "/p").unwrap();
        assert_eq!(
            p.next.as_deref(),
            Some("/p?page=2"),
            "a path without filters"
        );
        assert_eq!(p.audit_note(), ", page 1 of 3");
        assert_eq!(
            Pager::new("pupils", 5, 10, "", "/p").unwrap().audit_note(),
            ""
        );
        for bad in ["0", "-1", "two", "1.5"] {
            assert!(Pager::new("pupils", 25, 10, bad, "/p").is_err(), "{bad}");
        }
    }
}
