-- Pupils on roll by school and NC year, counted at each refresh, so pages read a stored count
-- instead of counting enrolments on every request (DESIGN.md: pages read stored results).
-- Twin of ../sqlite/20261125400000_create_school_rolls.sql: change both together.

CREATE TABLE school_rolls (
    refresh_id BIGINT NOT NULL REFERENCES measure_refreshes (id) ON DELETE CASCADE,
    academic_year BIGINT NOT NULL,
    -- The day counted: the year's spring census day, or the refresh's day if that is earlier.
    on_date DATE NOT NULL,
    urn BIGINT NOT NULL,
    nc_year BIGINT NOT NULL,
    n_pupils BIGINT NOT NULL,
    PRIMARY KEY (refresh_id, academic_year, urn, nc_year)
);

-- The latest academic year is MAX(academic_year) over enrolments: an index answers it at once.
CREATE INDEX ix_enrolments_year ON enrolments (academic_year);
