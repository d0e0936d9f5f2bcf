-- Twin of ../postgres/20261207100000_store_marks_by_key.sql: change both together.
-- Session marks are by far the largest table (two a pupil a school day: about 2.5 million
-- rows for the 13-school demo) and are only ever found by their key, so SQLite keeps them in
-- their primary key's order (WITHOUT ROWID): one B-tree instead of a rowid table beside an
-- index of the same columns, which halves their share of the file.
CREATE TABLE attendance_marks_by_key (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
    date DATE NOT NULL,
    session TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (pupil_id, date, session)
) WITHOUT ROWID;
INSERT INTO attendance_marks_by_key (pupil_id, date, session, code)
    SELECT pupil_id, date, session, code FROM attendance_marks;
DROP TABLE attendance_marks;
ALTER TABLE attendance_marks_by_key RENAME TO attendance_marks;
