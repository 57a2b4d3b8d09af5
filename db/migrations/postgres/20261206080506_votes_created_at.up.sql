-- create index "vote_created_at_id" to table: "votes"
CREATE INDEX "vote_created_at_id" ON "votes" ("created_at", "id");
