-- Assessment results, attendance and the import log, written by `cairn import`.
-- Twin of ../postgres/20260301000000_create_results_attendance_imports.sql: change both together.
-- Results hang off pupils (one row per pupil across schools, found by UPN or a former UPN).
-- Where the academic year (or term) may be unknown, the natural key is a unique expression
-- index with COALESCE, because a plain UNIQUE treats NULLs as distinct.

CREATE TABLE pupil_former_upns (
    upn TEXT PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE
);
CREATE INDEX ix_pupil_former_upns_pupil ON pupil_former_upns (pupil_id);

CREATE TABLE ks2_results (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    academic_year INTEGER,
    reading TEXT NOT NULL,
    maths TEXT NOT NULL,
    gps TEXT,
    writing TEXT NOT NULL
);
CREATE UNIQUE INDEX uq_ks2_result ON ks2_results (pupil_id, COALESCE(academic_year, 0));

CREATE TABLE ks4_results (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    academic_year INTEGER,
    subject TEXT NOT NULL,
    urn INTEGER NOT NULL REFERENCES schools (urn) ON DELETE CASCADE,
    grade TEXT NOT NULL
);
CREATE UNIQUE INDEX uq_ks4_result ON ks4_results (pupil_id, COALESCE(academic_year, 0), subject);
CREATE INDEX ix_ks4_results_school_year ON ks4_results (urn, academic_year);

CREATE TABLE phonics_results (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    academic_year INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (pupil_id, academic_year)
);

CREATE TABLE mtc_results (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    academic_year INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (pupil_id, academic_year)
);

-- One row per early learning goal judged.
CREATE TABLE eyfs_results (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    academic_year INTEGER NOT NULL,
    goal TEXT NOT NULL,
    judgement TEXT NOT NULL,
    PRIMARY KEY (pupil_id, academic_year, goal)
);

CREATE TABLE attendance_marks (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    date DATE NOT NULL,
    session TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (pupil_id, date, session)
);

CREATE TABLE attendance_summaries (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    academic_year INTEGER NOT NULL,
    term TEXT,
    sessions_possible INTEGER NOT NULL,
    sessions_attended INTEGER NOT NULL,
    sessions_authorised INTEGER NOT NULL,
    sessions_unauthorised INTEGER NOT NULL
);
CREATE UNIQUE INDEX uq_attendance_summary
    ON attendance_summaries (pupil_id, academic_year, COALESCE(term, ''));

CREATE TABLE teacher_assessments (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    academic_year INTEGER,
    assessment TEXT NOT NULL,
    subject TEXT NOT NULL,
    result TEXT NOT NULL,
    assessed_on DATE
);
CREATE UNIQUE INDEX uq_teacher_assessment
    ON teacher_assessments (pupil_id, COALESCE(academic_year, 0), assessment, subject);

-- One row per imported file: who, when, what, and what it changed. Dry runs are logged too.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows_added INTEGER NOT NULL,
    rows_updated INTEGER NOT NULL,
    rows_unchanged INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    urn INTEGER,
    dry_run BOOLEAN NOT NULL
);
CREATE INDEX ix_imports_at ON imports (at);
