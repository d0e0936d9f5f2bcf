-- A school's governing board holds meetings too: a meeting with a school (URN) is that
-- school's board meeting, its pack the school's own figures. Its group_code is the group the
-- school belonged to when the meeting was added (its trust, else another group), so the
-- trust's leaders can find it; only the school's headteacher and governors and its trust's
-- leaders read it. A meeting without a school is the group's, as before.
-- Twin of ../sqlite/20261207500000_school_meetings.sql: change both together.

ALTER TABLE meetings ADD COLUMN urn BIGINT REFERENCES schools (urn) ON DELETE CASCADE;
CREATE INDEX ix_meetings_school ON meetings (urn, held_on);
