-- reverse: drop index "photo_status_judge_queue_vote_count_id" from table: "photos"
CREATE INDEX "photo_status_judge_queue_vote_count_id" ON "photos" ("status", "judge_queue", "vote_count", "id");
-- reverse: drop index "photo_stats_updated_at" from table: "photos"
CREATE INDEX "photo_stats_updated_at" ON "photos" ("stats_updated_at") WHERE (fitted_version < stats_version);
