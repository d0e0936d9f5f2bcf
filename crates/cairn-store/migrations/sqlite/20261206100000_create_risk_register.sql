-- The early-warning risk register: each partnership's (group's) rules and thresholds, the
-- entries the rules fill at every refresh, and the decisions recorded on them.
-- Twin of ../postgres/20261206100000_create_risk_register.sql: change both together.

-- One row per group that changed the defaults; `settings` is the JSON of the engine's
-- RiskConfig. A group with no row uses the defaults.
CREATE TABLE risk_settings (
    group_code TEXT PRIMARY KEY REFERENCES groups (code) ON DELETE CASCADE,
    settings TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- An entry is keyed by what it is about (rule, school, pupil, measure, pupil group), so a
-- later refresh updates it instead of adding another. It is never deleted when its rule stops
-- firing: `firing` turns false and `stopped_at` says since when. `finding` is the JSON of the
-- numbers that fired last time (with the academic year), kept after it stops.
-- Pupil entries (`pupil_id` set) are pupil-level data.
CREATE TABLE risk_entries (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    urn INTEGER NOT NULL REFERENCES schools (urn) ON DELETE CASCADE,
    pupil_id INTEGER REFERENCES pupils (id) ON DELETE CASCADE,
    measure TEXT NOT NULL,
    pupil_group TEXT NOT NULL,
    first_fired_refresh_id INTEGER NOT NULL,
    first_fired_at TIMESTAMP NOT NULL,
    last_fired_refresh_id INTEGER NOT NULL,
    last_fired_at TIMESTAMP NOT NULL,
    firing BOOLEAN NOT NULL,
    stopped_at TIMESTAMP,
    finding TEXT NOT NULL
);
CREATE UNIQUE INDEX uq_risk_entry
    ON risk_entries (rule, urn, COALESCE(pupil_id, 0), measure, pupil_group);

-- Decisions are appended, never changed: the history of what the board decided, who and when.
CREATE TABLE risk_decisions (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES risk_entries (id) ON DELETE CASCADE,
    decision TEXT NOT NULL CHECK (decision IN ('monitor', 'support', 'intervene', 'close')),
    note TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    -- The newest refresh when the decision was made (not a foreign key: the decision outlives
    -- it); a closed entry that fires at a later refresh is reopened.
    refresh_id INTEGER
);
CREATE INDEX ix_risk_decisions_entry ON risk_decisions (entry_id, id);
