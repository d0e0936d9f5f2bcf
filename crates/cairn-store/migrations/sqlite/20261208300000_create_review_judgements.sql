-- A partnership's own judgement scale for peer-review findings: an ordered list of
-- judgements (label and a short description) that the group's trust leaders edit. Each group
-- starts from the four-point scale findings were judged on before (cairn_domain::Judgement),
-- and every finding's stored code is mapped to its group's entry of the same meaning, so old
-- reviews read as they did. A finding now refers to a scale entry; an entry in use cannot be
-- deleted, only renamed or moved.
-- The old text column peer_review_findings.judgement is left in place (expand/contract) and
-- is no longer read or written.
-- Twin of ../postgres/20261208300000_create_review_judgements.sql: change both together.

CREATE TABLE review_judgements (
    id INTEGER PRIMARY KEY,
    group_code TEXT NOT NULL REFERENCES groups (code) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    CONSTRAINT uq_review_judgement_label UNIQUE (group_code, label)
);

INSERT INTO review_judgements (group_code, position, label, description)
SELECT g.code, s.position, s.label, s.description
FROM groups g CROSS JOIN (
    SELECT 1 AS position, 'Leading' AS label,
        'Practice strong and secure enough for other schools to learn from.' AS description
    UNION ALL SELECT 2, 'Effective', 'Consistently good practice with a clear impact on pupils.'
    UNION ALL SELECT 3, 'Working towards', 'Improving, but not yet consistent or secure in its impact.'
    UNION ALL SELECT 4, 'Ineffective', 'Weaknesses that hold pupils back and need urgent action.'
) s
ORDER BY g.code, s.position;

ALTER TABLE peer_review_findings ADD COLUMN judgement_id INTEGER REFERENCES review_judgements (id);

UPDATE peer_review_findings SET judgement_id = (
    SELECT j.id FROM review_judgements j
    JOIN peer_reviews r ON r.group_code = j.group_code
    WHERE r.id = peer_review_findings.review_id
      AND j.label = CASE peer_review_findings.judgement
          WHEN 'leading' THEN 'Leading'
          WHEN 'effective' THEN 'Effective'
          WHEN 'working_towards' THEN 'Working towards'
          WHEN 'ineffective' THEN 'Ineffective'
      END
)
WHERE judgement IS NOT NULL;

CREATE INDEX ix_peer_review_findings_judgement ON peer_review_findings (judgement_id);
