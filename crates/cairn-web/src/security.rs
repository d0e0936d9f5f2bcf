//! Security headers on every response.

use std::sync::OnceLock;

use axum::http::{HeaderName, HeaderValue, header};
use base64::Engine;
use sha2::{Digest, Sha256};
use tower_http::set_header::SetResponseHeaderLayer;

/// Scripts, styles and images only from Cairn itself; no framing (clickjacking); forms post
/// only to Cairn. htmx's inline indicator styles are switched off in `base.html` so no
/// `'unsafe-inline'` is needed. The one inline script allowed is the charts' import map, by
/// the SHA-256 of its exact text; charts use vega's expression interpreter, so there is no
/// `'unsafe-eval'` either.
fn csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        let digest = Sha256::digest(crate::charts::IMPORT_MAP.as_bytes());
        let hash = base64::engine::general_purpose::STANDARD.encode(digest);
        format!(
            "default-src 'self'; script-src 'self' 'sha256-{hash}'; style-src 'self'; \
             img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'"
        )
    })
}

pub(crate) fn layers() -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let fixed =
        |name: HeaderName, value: HeaderValue| SetResponseHeaderLayer::if_not_present(name, value);
    vec![
        fixed(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp()),
        ),
        fixed(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        fixed(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        fixed(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        fixed(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_policy_allows_the_import_map_by_hash_and_never_eval_or_inline_script() {
        let csp = super::csp();
        assert!(csp.contains("script-src 'self' 'sha256-"), "{csp}");
        assert!(!csp.contains("unsafe-eval") && !csp.contains("unsafe-inline"));
    }
}
