-- A peer review is closed once its findings and follow-ups are agreed: by the reviewed
-- school's headteacher or a trust leader. Closing makes the findings read-only and ends the
-- reviewers' access to the reviewed school's aggregates.
-- Twin of ../postgres/20261206800100_close_peer_reviews.sql: change both together.

ALTER TABLE peer_reviews ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE peer_reviews ADD COLUMN closed_by TEXT;
