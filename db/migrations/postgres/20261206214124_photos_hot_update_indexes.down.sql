-- reverse: create index "photo_status_judge_queue_vote_tier_id" to table: "photos"
DROP INDEX "photo_status_judge_queue_vote_tier_id";
-- reverse: create index "photo_fit_due_id" to table: "photos"
DROP INDEX "photo_fit_due_id";
