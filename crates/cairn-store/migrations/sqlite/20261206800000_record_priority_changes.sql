-- Every change to a priority or its success criteria after it was set: who, when, and the
-- field before and after, so the annual review can be honest about targets that moved.
-- Twin of ../postgres/20261206800000_record_priority_changes.sql: change both together.

-- `priority_id` is not a foreign key: the history of a removed priority outlives it, with the
-- scope it had (group or school, like the priority) so the right people can still read it.
CREATE TABLE priority_changes (
    id INTEGER PRIMARY KEY,
    priority_id INTEGER NOT NULL,
    priority_title TEXT NOT NULL,
    group_code TEXT REFERENCES groups (code) ON DELETE CASCADE,
    urn INTEGER REFERENCES schools (urn) ON DELETE CASCADE,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    what TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    CONSTRAINT ck_priority_change_one_scope CHECK ((group_code IS NULL) <> (urn IS NULL))
);
CREATE INDEX ix_priority_changes_priority ON priority_changes (priority_id, id);
