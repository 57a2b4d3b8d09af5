-- reverse: create index "vote_created_at_id" to table: "votes"
DROP INDEX "vote_created_at_id";
