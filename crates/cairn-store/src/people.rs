//! Users, their roles, sessions, login throttling and the audit log.

use cairn_domain::{Role, RoleKind, Scope, Urn, Username};
use chrono::{DateTime, Utc};

use crate::rows::{code_from_db, urn_from_db, urn_to_db};
use crate::{Store, StoreError, on_pool};

/// A user as stored. `password_hash` is a PHC string (argon2id); this crate never sees a
/// password.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("password_hash", &"***")
            .finish()
    }
}

/// A user and every role they hold, for listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserWithRoles {
    pub id: i64,
    pub username: Username,
    pub display_name: String,
    pub roles: Vec<Role>,
}

/// A session to create. Only a hash of the browser's token is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A live session with its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub user_id: i64,
    pub username: Username,
    pub display_name: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// One line for the audit log: who did what to which school's or pupil's data.
/// `detail` must not hold names, UPNs or dates of birth; use internal ids.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub action: String,
    pub urn: Option<Urn>,
    pub pupil_id: Option<i64>,
    pub detail: String,
}

/// An audit log line as read back, with the user's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub username: Option<String>,
    pub action: String,
    pub urn: Option<Urn>,
    pub pupil_id: Option<i64>,
    pub detail: String,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    user_id: i64,
    kind: String,
    group_code: Option<String>,
    urn: Option<i64>,
}

impl RoleRow {
    fn into_role(self) -> Result<Role, StoreError> {
        let kind = code_from_db("role", &self.kind, RoleKind::parse)?;
        let scope = match (self.group_code, self.urn) {
            (Some(code), None) => Scope::Group(code),
            (None, Some(urn)) => Scope::School(urn_from_db(urn)?),
            _ => return Err(StoreError::corrupt("role scope", &self.user_id)),
        };
        Ok(Role { kind, scope })
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    username: String,
    display_name: String,
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    at: DateTime<Utc>,
    username: Option<String>,
    action: String,
    urn: Option<i64>,
    pupil_id: Option<i64>,
    detail: String,
}

fn username_from_db(value: &str) -> Result<Username, StoreError> {
    code_from_db("username", value, Username::parse)
}

impl Store {
    /// Creates a user; a taken username is `StoreError::Conflict`.
    #[tracing::instrument(skip_all)]
    pub async fn create_user(
        &self,
        username: &Username,
        display_name: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO users (username, display_name, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(username.as_str())
            .bind(display_name)
            .bind(password_hash)
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    pub async fn user_by_username(
        &self,
        username: &Username,
    ) -> Result<Option<UserRecord>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, username, display_name, password_hash FROM users WHERE username = $1",
            )
            .bind(username.as_str())
            .fetch_optional(pool)
            .await?
        });
        row.map(|row| {
            Ok(UserRecord {
                id: row.id,
                username: username_from_db(&row.username)?,
                display_name: row.display_name,
                password_hash: row.password_hash,
            })
        })
        .transpose()
    }

    /// Replaces a user's password hash and ends all their sessions, so a changed password
    /// locks out whoever had the old one.
    #[tracing::instrument(skip_all, fields(user.id))]
    pub async fn set_password_hash(
        &self,
        username: &Username,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<i64> =
                sqlx::query_scalar("UPDATE users SET password_hash = $1 WHERE username = $2 RETURNING id")
                    .bind(password_hash)
                    .bind(username.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(id) = id else {
                return Err(StoreError::NotFound { what: "user", key: username.to_string() });
            };
            tracing::Span::current().record("user.id", id);
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Grants a role. Granting a role the user already holds changes nothing.
    /// An unknown group or school is `StoreError::NotFound`.
    #[tracing::instrument(skip_all, fields(user.id = user_id))]
    pub async fn grant_role(&self, user_id: i64, role: &Role) -> Result<(), StoreError> {
        let (group_code, urn) = match &role.scope {
            Scope::Group(code) => {
                if self.group(code).await?.is_none() {
                    return Err(StoreError::NotFound {
                        what: "group",
                        key: code.clone(),
                    });
                }
                (Some(code.clone()), None)
            }
            Scope::School(urn) => {
                if self.school(*urn).await?.is_none() {
                    return Err(StoreError::NotFound {
                        what: "school",
                        key: urn.to_string(),
                    });
                }
                (None, Some(urn_to_db(*urn)))
            }
        };
        if self.roles_of(user_id).await?.contains(role) {
            return Ok(());
        }
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO roles (user_id, kind, group_code, urn) VALUES ($1, $2, $3, $4)")
                .bind(user_id)
                .bind(role.kind.code())
                .bind(group_code)
                .bind(urn)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn roles_of(&self, user_id: i64) -> Result<Vec<Role>, StoreError> {
        let rows: Vec<RoleRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT user_id, kind, group_code, urn FROM roles WHERE user_id = $1 ORDER BY id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(RoleRow::into_role).collect()
    }

    /// Every user with their roles, by username.
    pub async fn users(&self) -> Result<Vec<UserWithRoles>, StoreError> {
        let (users, roles): (Vec<UserRow>, Vec<RoleRow>) = on_pool!(self, pool => {
            let users = sqlx::query_as(
                "SELECT id, username, display_name, password_hash FROM users ORDER BY username",
            )
            .fetch_all(pool)
            .await?;
            let roles = sqlx::query_as("SELECT user_id, kind, group_code, urn FROM roles ORDER BY id")
                .fetch_all(pool)
                .await?;
            (users, roles)
        });
        let mut out = users
            .into_iter()
            .map(|row| {
                Ok(UserWithRoles {
                    id: row.id,
                    username: username_from_db(&row.username)?,
                    display_name: row.display_name,
                    roles: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        for row in roles {
            let user_id = row.user_id;
            let role = row.into_role()?;
            if let Some(user) = out.iter_mut().find(|u| u.id == user_id) {
                user.roles.push(role);
            }
        }
        Ok(out)
    }

    pub async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&session.token_hash)
            .bind(session.user_id)
            .bind(&session.csrf_token)
            .bind(session.created_at)
            .bind(session.expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live session with this token hash, if it has not expired by `now`.
    pub async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let row: Option<SessionRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT s.user_id, u.username, u.display_name, s.csrf_token, s.expires_at \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        row.map(|row| {
            Ok(SessionRecord {
                user_id: row.user_id,
                username: username_from_db(&row.username)?,
                display_name: row.display_name,
                csrf_token: row.csrf_token,
                expires_at: row.expires_at,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Removes sessions that expired before `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    /// Records a failed login for `key` (a username), for throttling across processes.
    pub async fn record_login_failure(
        &self,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO login_failures (username, failed_at) VALUES ($1, $2)")
                .bind(key)
                .bind(at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn login_failures_since(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM login_failures WHERE username = $1 AND failed_at > $2",
            )
            .bind(key)
            .bind(since)
            .fetch_one(pool)
            .await?
        }))
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM login_failures WHERE username = $1")
                .bind(key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO audit_log (at, user_id, action, urn, pupil_id, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(entry.at)
            .bind(entry.user_id)
            .bind(&entry.action)
            .bind(entry.urn.map(urn_to_db))
            .bind(entry.pupil_id)
            .bind(&entry.detail)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Audit log lines about one school's data, newest first.
    pub async fn audit_for_school(
        &self,
        urn: Urn,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows: Vec<AuditRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.at, u.username, a.action, a.urn, a.pupil_id, a.detail \
                 FROM audit_log a LEFT JOIN users u ON u.id = a.user_id \
                 WHERE a.urn = $1 ORDER BY a.at DESC, a.id DESC LIMIT $2",
            )
            .bind(urn_to_db(urn))
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|row| {
                Ok(AuditRecord {
                    at: row.at,
                    username: row.username,
                    action: row.action,
                    urn: row.urn.map(urn_from_db).transpose()?,
                    pupil_id: row.pupil_id,
                    detail: row.detail,
                })
            })
            .collect()
    }
}
