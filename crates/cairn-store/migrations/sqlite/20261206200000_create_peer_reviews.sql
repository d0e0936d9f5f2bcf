-- Peer review ("support and challenge"): a partnership's framework of focus areas, reviews of
-- one school by a team from other schools, findings per focus area, a frozen evidence pack,
-- and follow-ups, which are ordinary actions linked to the review.
-- Twin of ../postgres/20261206200000_create_peer_reviews.sql: change both together.

CREATE TABLE review_focus_areas (
    id INTEGER PRIMARY KEY,
    group_code TEXT NOT NULL REFERENCES groups (code) ON DELETE CASCADE,
    title TEXT NOT NULL,
    descriptor TEXT NOT NULL,
    CONSTRAINT uq_review_focus_area UNIQUE (group_code, title)
);

CREATE TABLE peer_reviews (
    id INTEGER PRIMARY KEY,
    group_code TEXT NOT NULL REFERENCES groups (code) ON DELETE CASCADE,
    urn INTEGER NOT NULL REFERENCES schools (urn) ON DELETE CASCADE,
    title TEXT NOT NULL,
    visit_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_peer_reviews_school ON peer_reviews (urn);

-- Reviewers are usernames, like action owners.
CREATE TABLE peer_review_reviewers (
    review_id INTEGER NOT NULL REFERENCES peer_reviews (id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    PRIMARY KEY (review_id, username)
);
CREATE INDEX ix_peer_review_reviewers_username ON peer_review_reviewers (username);

-- The focus areas chosen for a review, with what the reviewers found (empty until recorded).
CREATE TABLE peer_review_findings (
    review_id INTEGER NOT NULL REFERENCES peer_reviews (id) ON DELETE CASCADE,
    focus_area_id INTEGER NOT NULL REFERENCES review_focus_areas (id) ON DELETE CASCADE,
    strengths TEXT NOT NULL,
    development TEXT NOT NULL,
    judgement TEXT,
    PRIMARY KEY (review_id, focus_area_id)
);

-- Like meeting_packs: a copy of the figures, never updated, outliving the refresh it came from.
CREATE TABLE peer_review_packs (
    review_id INTEGER PRIMARY KEY REFERENCES peer_reviews (id) ON DELETE CASCADE,
    frozen_at TIMESTAMP NOT NULL,
    source_refresh_id INTEGER NOT NULL,
    snapshot TEXT NOT NULL
);

-- A follow-up is an action (under a priority covering the school) agreed at a review.
CREATE TABLE peer_review_follow_ups (
    review_id INTEGER NOT NULL REFERENCES peer_reviews (id) ON DELETE CASCADE,
    action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    PRIMARY KEY (review_id, action_id)
);
