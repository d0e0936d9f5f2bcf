//! Sign-in, sessions and CSRF.
//!
//! - Passwords are hashed with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, the
//!   OWASP minimum), off the async runtime.
//! - A session is a random 256-bit token in an `HttpOnly`, `SameSite=Lax` cookie; the database
//!   keeps only its SHA-256, so sessions live in the database and any `cairn serve` process
//!   sharing it accepts them. Every sign-in issues a new token (session rotation).
//! - Each session has its own CSRF token, checked on every form post; the sign-in form, which
//!   has no session yet, uses a double-submit cookie.
//! - Failed sign-ins are counted per username in the database, so throttling holds across
//!   processes.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use cairn_domain::{Membership, Username};
use cairn_store::{NewSession, Store};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::access::Gate;
use crate::{AppState, WebError, WebSettings};

pub(crate) const SESSION_COOKIE: &str = "cairn_session";
pub(crate) const LOGIN_CSRF_COOKIE: &str = "cairn_login_csrf";

/// Hashes a password as a PHC string (argon2id, random salt).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC `hash`. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of a password nobody has, checked when the username is unknown so that a wrong
/// username takes as long as a wrong password and does not reveal which accounts exist.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("cairn-no-such-user").unwrap_or_default())
}

/// A random token, URL-safe base64 of 32 bytes.
pub(crate) fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| WebError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

pub(crate) fn cookie(name: &'static str, value: String, settings: &WebSettings) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.secure_cookies)
        .build()
}

pub(crate) fn removal(name: &'static str) -> Cookie<'static> {
    Cookie::build((name, "")).path("/").build()
}

/// Why a sign-in did not succeed.
#[derive(Debug)]
pub(crate) enum SignInFailure {
    /// Wrong username or password (deliberately not saying which).
    Mismatch,
    /// Too many recent failures for this username.
    Throttled,
}

/// Checks credentials with throttling; on success creates a session and returns its token.
pub(crate) async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<Result<String, SignInFailure>, WebError> {
    let now = state.clock.now();
    let key = username.trim().to_lowercase();
    let since = now - state.settings.login_window;
    if state.store.login_failures_since(&key, since).await? >= state.settings.login_max_failures {
        return Ok(Err(SignInFailure::Throttled));
    }
    let user = match Username::parse(&key) {
        Ok(name) => state.store.user_by_username(&name).await?,
        Err(_) => None,
    };
    let hash = user
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| WebError::Internal(e.into()))?;
    let Some(user) = user.filter(|_| matches) else {
        state.store.record_login_failure(&key, now).await?;
        return Ok(Err(SignInFailure::Mismatch));
    };
    state.store.clear_login_failures(&key).await?;
    let token = random_token()?;
    state
        .store
        .create_session(&NewSession {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf_token: random_token()?,
            created_at: now,
            expires_at: now + state.settings.session_ttl,
        })
        .await?;
    tracing::info!(user.id = user.id, "signed in");
    Ok(Ok(token))
}

/// The signed-in user of a request, with what they may see. Extracting it fails with
/// [`WebError::SignInRequired`] when there is no live session.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: i64,
    pub username: Username,
    pub display_name: String,
    pub csrf_token: String,
    pub gate: Arc<Gate>,
    /// Every school's dated group memberships, as read for the gate: pages that name a
    /// school's groups use these rather than reading them again.
    pub memberships: Arc<[Membership]>,
    session_token_hash: String,
}

impl Viewer {
    /// Refuses a form post whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if same_secret(token, &self.csrf_token) {
            Ok(())
        } else {
            Err(WebError::BadRequest(
                "This form has expired or did not come from Cairn. Go back, reload the page and try again.",
            ))
        }
    }

    pub(crate) fn session_token_hash(&self) -> &str {
        &self.session_token_hash
    }
}

pub(crate) async fn load_viewer(
    store: &Store,
    jar: &CookieJar,
    now: DateTime<Utc>,
) -> Result<Option<Viewer>, WebError> {
    let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let Some(session) = store.session(&hash, now).await? else {
        return Ok(None);
    };
    let roles = store.roles_of(session.user_id).await?;
    let memberships = store.memberships().await?;
    let mut gate =
        Gate::new(&roles, &memberships, now.date_naive()).for_user(session.username.clone());
    gate.grant_reviews(&store.reviews_with_reviewer(&session.username).await?);
    Ok(Some(Viewer {
        user_id: session.user_id,
        username: session.username,
        display_name: session.display_name,
        csrf_token: session.csrf_token,
        gate: Arc::new(gate),
        memberships: memberships.into(),
        session_token_hash: hash,
    }))
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let jar = CookieJar::from_headers(&parts.headers);
        load_viewer(&state.store, &jar, state.clock.now())
            .await?
            .ok_or(WebError::SignInRequired)
    }
}
