-- Foundation schema: schools, groups, memberships, pupils, enrolments, characteristics,
-- users, roles, sessions, login throttling and the audit log.
-- Twin of ../postgres/20260101000000_foundation.sql: change both together.

CREATE TABLE schools (
    urn INTEGER PRIMARY KEY,
    laestab INTEGER NOT NULL,
    name TEXT NOT NULL,
    phase TEXT NOT NULL,
    school_type TEXT NOT NULL,
    religious_character TEXT,
    age_low INTEGER NOT NULL,
    age_high INTEGER NOT NULL,
    CONSTRAINT uq_school_laestab UNIQUE (laestab)
);

CREATE TABLE groups (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE memberships (
    group_code TEXT NOT NULL REFERENCES groups (code) ON DELETE CASCADE,
    urn INTEGER NOT NULL REFERENCES schools (urn) ON DELETE CASCADE,
    joined_on DATE NOT NULL,
    left_on DATE,
    sharing TEXT NOT NULL,
    PRIMARY KEY (group_code, urn, joined_on)
);
CREATE INDEX ix_memberships_urn ON memberships (urn);

CREATE TABLE pupils (
    id INTEGER PRIMARY KEY,
    upn TEXT NOT NULL,
    forename TEXT NOT NULL,
    surname TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    sex TEXT NOT NULL,
    CONSTRAINT uq_pupil_upn UNIQUE (upn)
);

CREATE TABLE enrolments (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    urn INTEGER NOT NULL REFERENCES schools (urn) ON DELETE CASCADE,
    academic_year INTEGER NOT NULL,
    nc_year INTEGER NOT NULL,
    started_on DATE NOT NULL,
    left_on DATE,
    PRIMARY KEY (pupil_id, urn, academic_year)
);
CREATE INDEX ix_enrolments_school_year ON enrolments (urn, academic_year);

CREATE TABLE characteristics (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    academic_year INTEGER NOT NULL,
    term TEXT NOT NULL,
    disadvantaged BOOLEAN NOT NULL,
    fsm BOOLEAN NOT NULL,
    looked_after BOOLEAN NOT NULL,
    sen TEXT NOT NULL,
    sen_need TEXT,
    eal BOOLEAN NOT NULL,
    ethnicity TEXT,
    PRIMARY KEY (pupil_id, academic_year, term)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT uq_user_username UNIQUE (username)
);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    group_code TEXT REFERENCES groups (code) ON DELETE CASCADE,
    urn INTEGER REFERENCES schools (urn) ON DELETE CASCADE,
    CONSTRAINT ck_role_one_scope CHECK ((group_code IS NULL) <> (urn IS NULL))
);
-- An expression index, because a plain UNIQUE treats the NULL half of the scope as distinct.
CREATE UNIQUE INDEX uq_role ON roles (user_id, kind, COALESCE(group_code, ''), COALESCE(urn, 0));
CREATE INDEX ix_roles_user ON roles (user_id);

-- Only a hash of the session token is stored, so a leaked database does not leak live sessions.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_login_failures_username ON login_failures (username, failed_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    urn INTEGER,
    pupil_id INTEGER,
    detail TEXT NOT NULL
);
CREATE INDEX ix_audit_log_urn ON audit_log (urn, at);
