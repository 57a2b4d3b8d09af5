-- reverse: create index "photo_status_judge_queue_vote_tier_id" to table: "photos"
DROP INDEX "photo_status_judge_queue_vote_tier_id";
-- reverse: create index "photo_fit_due_id" to table: "photos"
DROP INDEX "photo_fit_due_id";
-- reverse: modify "photos" table
ALTER TABLE "photos" DROP COLUMN "fit_due", DROP COLUMN "vote_tier";
-- reverse: drop index "photo_status_judge_queue_vote_count_id" from table: "photos"
CREATE INDEX "photo_status_judge_queue_vote_count_id" ON "photos" ("status", "judge_queue", "vote_count", "id");
-- reverse: drop index "photo_stats_updated_at" from table: "photos"
CREATE INDEX "photo_stats_updated_at" ON "photos" ("stats_updated_at") WHERE (fitted_version < stats_version);
