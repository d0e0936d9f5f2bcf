-- The pupil group a practice targets (a cairn_measures::PupilGroup code, such as
-- 'disadvantaged'), so its impact is also measured on that group's stored figures; NULL for
-- a practice aimed at all pupils. The words in targets still say who it is for.
-- Twin of ../sqlite/20261208300100_practice_target_group.sql: change both together.

ALTER TABLE practices ADD COLUMN target_group TEXT;
