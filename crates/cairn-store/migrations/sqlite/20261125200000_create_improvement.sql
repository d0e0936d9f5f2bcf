-- The improvement cycle: priorities with success criteria bound to stored measures, each
-- criterion's evaluation per refresh, action plans, and meetings with frozen data packs.
-- Twin of ../postgres/20261125200000_create_improvement.sql: change both together.

-- A priority is for one group or one school, like a role. `owner` is a username; it is not a
-- foreign key, so a plan can name an owner whose account is created later.
CREATE TABLE priorities (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    owner TEXT NOT NULL,
    group_code TEXT REFERENCES groups (code) ON DELETE CASCADE,
    urn INTEGER REFERENCES schools (urn) ON DELETE CASCADE,
    from_year INTEGER NOT NULL,
    to_year INTEGER NOT NULL,
    narrative TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT ck_priority_one_scope CHECK ((group_code IS NULL) <> (urn IS NULL)),
    CONSTRAINT ck_priority_years CHECK (from_year <= to_year)
);

-- A criterion names the stored figure it is judged on: measure and pupil group codes as in
-- measure_results, and a school (URN as text) or group scope.
CREATE TABLE success_criteria (
    id INTEGER PRIMARY KEY,
    priority_id INTEGER NOT NULL REFERENCES priorities (id) ON DELETE CASCADE,
    measure TEXT NOT NULL,
    pupil_group TEXT NOT NULL,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('school', 'group')),
    scope_code TEXT NOT NULL,
    comparison TEXT NOT NULL,
    target REAL,
    due_year INTEGER NOT NULL
);
CREATE INDEX ix_success_criteria_priority ON success_criteria (priority_id);

-- One evaluation per criterion and refresh; pages read the newest. `evaluation` is the JSON
-- of the engine's Evaluation (status, the judged figure, threshold, noise, trend).
CREATE TABLE criterion_evaluations (
    criterion_id INTEGER NOT NULL REFERENCES success_criteria (id) ON DELETE CASCADE,
    refresh_id INTEGER NOT NULL REFERENCES measure_refreshes (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    evaluation TEXT NOT NULL,
    PRIMARY KEY (criterion_id, refresh_id)
);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    priority_id INTEGER NOT NULL REFERENCES priorities (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    owner TEXT NOT NULL,
    urn INTEGER REFERENCES schools (urn) ON DELETE CASCADE,
    starts_on DATE NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    rag TEXT NOT NULL,
    CONSTRAINT ck_action_dates CHECK (starts_on <= due_on)
);
CREATE INDEX ix_actions_priority ON actions (priority_id);
CREATE INDEX ix_actions_owner ON actions (owner, due_on);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    group_code TEXT NOT NULL REFERENCES groups (code) ON DELETE CASCADE,
    title TEXT NOT NULL,
    held_on DATE NOT NULL,
    agenda TEXT NOT NULL,
    attendees TEXT NOT NULL,
    minutes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_meetings_group ON meetings (group_code, held_on);

CREATE TABLE meeting_decisions (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    decision TEXT NOT NULL,
    action_id INTEGER REFERENCES actions (id) ON DELETE SET NULL
);
CREATE INDEX ix_meeting_decisions_meeting ON meeting_decisions (meeting_id);

-- A pack holds a copy of the figures (JSON), not references to measure_results, so later
-- imports and refreshes never change it. The refresh it came from is recorded but is not a
-- foreign key: the pack outlives it. One pack per meeting; it is never updated.
CREATE TABLE meeting_packs (
    meeting_id INTEGER PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
    frozen_at TIMESTAMP NOT NULL,
    source_refresh_id INTEGER NOT NULL,
    snapshot TEXT NOT NULL
);
