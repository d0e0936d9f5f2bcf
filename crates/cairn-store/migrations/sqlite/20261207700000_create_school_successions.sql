-- Establishments replaced by others under a new URN, from the GIAS links file (academy
-- conversions, mergers, amalgamations). Neither side need be in the register: the file covers
-- England, and a predecessor closed before a partnership joined Cairn is never imported.
CREATE TABLE school_successions (
    predecessor_urn INTEGER NOT NULL,
    successor_urn INTEGER NOT NULL,
    link_type TEXT NOT NULL,
    established_on DATE,
    PRIMARY KEY (predecessor_urn, successor_urn)
);
