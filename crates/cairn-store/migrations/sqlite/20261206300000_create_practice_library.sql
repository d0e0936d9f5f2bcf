-- The practice library: shared practices of a group, the schools that adopted them, and a
-- moderated discussion on each. Twin of ../postgres/20261206300000_create_practice_library.sql:
-- change both together.

-- A practice belongs to the group that shares it. `measure` is the stored measure code it
-- aims to move (as in measure_results); its impact is estimated from stored figures on read.
CREATE TABLE practices (
    id INTEGER PRIMARY KEY,
    group_code TEXT NOT NULL REFERENCES groups (code) ON DELETE CASCADE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    targets TEXT NOT NULL,
    measure TEXT NOT NULL,
    resources TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_practices_group ON practices (group_code);

-- The first academic year with the practice in place is the one containing `adopted_on`.
CREATE TABLE practice_adoptions (
    practice_id INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    urn INTEGER NOT NULL REFERENCES schools (urn) ON DELETE CASCADE,
    adopted_on DATE NOT NULL,
    PRIMARY KEY (practice_id, urn)
);

-- A hidden post is kept: hidden_* say who hid it, when and why, and the moderation trail
-- below keeps every hide and unhide.
CREATE TABLE practice_posts (
    id INTEGER PRIMARY KEY,
    practice_id INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    hidden_by TEXT,
    hidden_at TIMESTAMP,
    hidden_reason TEXT
);
CREATE INDEX ix_practice_posts_practice ON practice_posts (practice_id, id);

-- One report per member and post.
CREATE TABLE practice_post_reports (
    post_id INTEGER NOT NULL REFERENCES practice_posts (id) ON DELETE CASCADE,
    reporter TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (post_id, reporter)
);

-- Every moderation decision, never updated or deleted.
CREATE TABLE practice_moderation (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES practice_posts (id) ON DELETE CASCADE,
    moderator TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('hide', 'unhide')),
    reason TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_practice_moderation_post ON practice_moderation (post_id);
