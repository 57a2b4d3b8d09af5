-- drop index "photo_stats_updated_at" from table: "photos"
DROP INDEX "photo_stats_updated_at";
-- drop index "photo_status_judge_queue_vote_count_id" from table: "photos"
DROP INDEX "photo_status_judge_queue_vote_count_id";
