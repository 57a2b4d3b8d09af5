-- create index "photo_fit_due_id" to table: "photos"
CREATE INDEX "photo_fit_due_id" ON "photos" ("fit_due", "id") WHERE (fit_due IS NOT NULL);
-- create index "photo_status_judge_queue_vote_tier_id" to table: "photos"
CREATE INDEX "photo_status_judge_queue_vote_tier_id" ON "photos" ("status", "judge_queue", "vote_tier", "id");
