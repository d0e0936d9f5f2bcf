-- Stored measure results: one row per figure, per data refresh, written by `Store::refresh_measures`.
-- Twin of ../postgres/20260401000000_create_measure_results.sql: change both together.
-- Pages read the newest refresh; older refreshes are kept so a figure's history can be traced.

CREATE TABLE measure_refreshes (
    id INTEGER PRIMARY KEY,
    computed_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL
);

-- `scope_code` is the URN (as text) for a school, the group code for a group, `england` for
-- national figures. A suppressed figure holds nothing but the fact that it is suppressed, so
-- no query can leak its value or its pupil count: the CHECK makes that a rule of the table.
CREATE TABLE measure_results (
    refresh_id INTEGER NOT NULL REFERENCES measure_refreshes (id) ON DELETE CASCADE,
    academic_year INTEGER NOT NULL,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('school', 'group', 'national')),
    scope_code TEXT NOT NULL,
    measure TEXT NOT NULL,
    pupil_group TEXT NOT NULL,
    n_pupils INTEGER,
    value REAL,
    ci_low REAL,
    ci_high REAL,
    suppressed BOOLEAN NOT NULL,
    banding TEXT,
    PRIMARY KEY (refresh_id, academic_year, scope_kind, scope_code, measure, pupil_group),
    CHECK (
        (suppressed AND n_pupils IS NULL AND value IS NULL AND ci_low IS NULL
            AND ci_high IS NULL AND banding IS NULL)
        OR (NOT suppressed AND n_pupils IS NOT NULL AND value IS NOT NULL)
    )
);
CREATE INDEX ix_measure_results_scope ON measure_results (refresh_id, scope_kind, scope_code);
