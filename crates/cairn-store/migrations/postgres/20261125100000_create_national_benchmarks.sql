-- National benchmarks (published DfE figures, or the demo's synthetic national set) and the
-- comparisons a measure refresh makes against them.
-- Twin of ../sqlite/20261125100000_create_national_benchmarks.sql: change both together.
-- Measure codes are the stored measure results' codes; proportions are fractions (0 to 1),
-- context percentages are in percent.

-- Schools in the national set, per academic year, with the phase they are compared in.
CREATE TABLE national_schools (
    academic_year BIGINT NOT NULL,
    urn BIGINT NOT NULL,
    name TEXT NOT NULL,
    la_code BIGINT,
    phase TEXT NOT NULL,
    PRIMARY KEY (academic_year, urn)
);

-- One context value (pupils on roll, prior attainment, % disadvantaged, % SEN, % EAL) of a
-- school in the national set. Kept one per row because each comes from a different file.
CREATE TABLE national_school_context (
    academic_year BIGINT NOT NULL,
    urn BIGINT NOT NULL,
    feature TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (academic_year, urn, feature)
);

-- A national school's published figure (all pupils). Suppressed holds nothing, as in
-- measure_results.
CREATE TABLE national_school_results (
    academic_year BIGINT NOT NULL,
    urn BIGINT NOT NULL,
    measure TEXT NOT NULL,
    n_pupils BIGINT,
    value DOUBLE PRECISION,
    ci_low DOUBLE PRECISION,
    ci_high DOUBLE PRECISION,
    suppressed BOOLEAN NOT NULL,
    PRIMARY KEY (academic_year, urn, measure),
    CHECK (
        (suppressed AND n_pupils IS NULL AND value IS NULL AND ci_low IS NULL AND ci_high IS NULL)
        OR (NOT suppressed AND value IS NOT NULL)
    )
);
CREATE INDEX ix_national_school_results_measure ON national_school_results (academic_year, measure);

-- England figures; phase is 'all' unless the DfE publishes the figure by phase (absence).
CREATE TABLE national_figures (
    academic_year BIGINT NOT NULL,
    measure TEXT NOT NULL,
    pupil_group TEXT NOT NULL,
    phase TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (academic_year, measure, pupil_group, phase)
);

-- A partnership school's context as computed from its own pupils at a refresh.
CREATE TABLE school_contexts (
    refresh_id BIGINT NOT NULL REFERENCES measure_refreshes (id) ON DELETE CASCADE,
    academic_year BIGINT NOT NULL,
    urn BIGINT NOT NULL,
    n_pupils BIGINT,
    prior_attainment DOUBLE PRECISION,
    percent_disadvantaged DOUBLE PRECISION,
    percent_sen DOUBLE PRECISION,
    percent_eal DOUBLE PRECISION,
    PRIMARY KEY (refresh_id, academic_year, urn)
);

-- A partnership school's similar schools in one phase's national set, with why each was
-- chosen: per feature, the weighted squared standardised difference (they sum to distance²)
-- and the raw difference (neighbour minus school).
CREATE TABLE similar_schools (
    refresh_id BIGINT NOT NULL REFERENCES measure_refreshes (id) ON DELETE CASCADE,
    academic_year BIGINT NOT NULL,
    urn BIGINT NOT NULL,
    phase TEXT NOT NULL,
    neighbour_urn BIGINT NOT NULL,
    rank BIGINT NOT NULL,
    distance DOUBLE PRECISION NOT NULL,
    contribution_prior_attainment DOUBLE PRECISION NOT NULL,
    contribution_disadvantaged DOUBLE PRECISION NOT NULL,
    contribution_sen DOUBLE PRECISION NOT NULL,
    contribution_eal DOUBLE PRECISION NOT NULL,
    contribution_size DOUBLE PRECISION NOT NULL,
    difference_prior_attainment DOUBLE PRECISION,
    difference_disadvantaged DOUBLE PRECISION,
    difference_sen DOUBLE PRECISION,
    difference_eal DOUBLE PRECISION,
    difference_size DOUBLE PRECISION,
    PRIMARY KEY (refresh_id, academic_year, urn, phase, neighbour_urn)
);

-- A stored figure compared: with England, with the similar-schools average, and with the
-- year before. Significance is 'above', 'below' or 'not_significant'. For a suppressed figure
-- only the national and similar-schools figures are kept: no flag may hint at its value.
CREATE TABLE comparisons (
    refresh_id BIGINT NOT NULL REFERENCES measure_refreshes (id) ON DELETE CASCADE,
    academic_year BIGINT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_code TEXT NOT NULL,
    measure TEXT NOT NULL,
    pupil_group TEXT NOT NULL,
    national_value DOUBLE PRECISION,
    similar_average DOUBLE PRECISION,
    similar_n BIGINT,
    vs_national TEXT,
    vs_similar TEXT,
    vs_previous_year TEXT,
    similar_top_quartile BOOLEAN,
    PRIMARY KEY (refresh_id, academic_year, scope_kind, scope_code, measure, pupil_group)
);
