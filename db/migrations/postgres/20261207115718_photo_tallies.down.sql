-- (handwritten) Run it with this release's instances stopped: a vote
-- they store while it runs would be missing from the statistics rows (the
-- lock below makes their votes wait, and fail once the table is gone).
LOCK TABLE photo_tallies, photo_question_stats IN SHARE ROW EXCLUSIVE MODE;
-- the triggers and functions of the up migration
DROP TRIGGER photo_question_stats_fold_update ON photo_question_stats;
DROP TRIGGER photo_question_stats_fold_insert ON photo_question_stats;
DROP FUNCTION facestat_fold_question_stat();
-- the tallies back into the statistics rows, which an earlier release reads
INSERT INTO photo_question_stats (photo_id, question_id, "count", "sum", sum_sq)
SELECT t.photo_id, e.k::bigint, (e.v ->> 0)::bigint, (e.v ->> 1)::bigint, (e.v ->> 2)::bigint
FROM photo_tallies t, jsonb_each(t.tallies) AS e(k, v)
ON CONFLICT (photo_id, question_id) DO UPDATE SET "count" = EXCLUDED."count", "sum" = EXCLUDED."sum", sum_sq = EXCLUDED.sum_sq;
DROP FUNCTION facestat_add_tallies(jsonb, jsonb);
-- reverse: create index "photo_tallies_photo_id_key" to table: "photo_tallies"
DROP INDEX "photo_tallies_photo_id_key";
-- reverse: create "photo_tallies" table
DROP TABLE "photo_tallies";
