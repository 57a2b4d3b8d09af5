-- reverse: create index "photoskip_photo_id" to table: "photo_skips"
DROP INDEX "photoskip_photo_id";
-- reverse: create index "photoskip_judge_id_photo_id" to table: "photo_skips"
DROP INDEX "photoskip_judge_id_photo_id";
-- reverse: create "photo_skips" table
DROP TABLE "photo_skips";
-- reverse: create index "photo_status_judge_queue_vote_count_id" to table: "photos"
DROP INDEX "photo_status_judge_queue_vote_count_id";
-- reverse: create index "photo_stats_updated_at" to table: "photos"
DROP INDEX "photo_stats_updated_at";
-- reverse: modify "photos" table
ALTER TABLE "photos" DROP COLUMN "judge_queue", DROP COLUMN "fitted_version", DROP COLUMN "owner_network";
-- reverse: drop index "photo_status_vote_count_id" from table: "photos"
CREATE INDEX "photo_status_vote_count_id" ON "photos" ("status", "vote_count", "id");
-- reverse: create index "judge_profiles_judge_id_key" to table: "judge_profiles"
DROP INDEX "judge_profiles_judge_id_key";
-- reverse: create "judge_profiles" table
DROP TABLE "judge_profiles";
-- reverse: modify "votes" table
ALTER TABLE "votes" DROP COLUMN "network";
-- reverse: modify "users" table
ALTER TABLE "users" DROP COLUMN "karma", DROP COLUMN "karma_earned";
-- reverse: modify "photo_question_stats" table
ALTER TABLE "photo_question_stats" DROP COLUMN "w_adjusted", DROP COLUMN "w_mean_sq", DROP COLUMN "w_mean", DROP COLUMN "w_neff", DROP COLUMN "w_weight";
