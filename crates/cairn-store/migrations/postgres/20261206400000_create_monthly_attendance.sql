-- Twin of ../sqlite/20261206400000_create_monthly_attendance.sql: change both together.
-- Attendance by calendar month, computed from session marks at each refresh (measures.rs), so
-- pages never tally marks on request. `month` is 'YYYY-MM'; `measure` is
-- attendance_overall_absence (the month's rate, with its possible sessions) or
-- attendance_persistent_absence (persistent absence from the start of the year to the end of
-- the month). As in measure_results, a suppressed figure holds nothing else.
CREATE TABLE monthly_attendance_results (
    refresh_id BIGINT NOT NULL REFERENCES measure_refreshes (id) ON DELETE CASCADE,
    academic_year BIGINT NOT NULL,
    month TEXT NOT NULL,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('school', 'group')),
    scope_code TEXT NOT NULL,
    measure TEXT NOT NULL,
    pupil_group TEXT NOT NULL,
    n_pupils BIGINT,
    possible_sessions BIGINT,
    value DOUBLE PRECISION,
    ci_low DOUBLE PRECISION,
    ci_high DOUBLE PRECISION,
    suppressed BOOLEAN NOT NULL,
    PRIMARY KEY (refresh_id, scope_kind, scope_code, month, measure, pupil_group),
    CHECK (
        (suppressed AND n_pupils IS NULL AND possible_sessions IS NULL AND value IS NULL
            AND ci_low IS NULL AND ci_high IS NULL)
        OR (NOT suppressed AND n_pupils IS NOT NULL AND value IS NOT NULL)
    )
);
