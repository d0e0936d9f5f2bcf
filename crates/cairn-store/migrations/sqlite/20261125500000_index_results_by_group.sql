-- Pages ask the newest refresh for a few measures of one pupil group (the overview: five
-- headline measures for all pupils); this index finds those rows without walking the refresh.
-- Twin of ../postgres/20261125500000_index_results_by_group.sql: change both together.

CREATE INDEX ix_measure_results_group ON measure_results (refresh_id, pupil_group, measure);
