-- reverse: create index "vote_photo_id" to table: "votes"
DROP INDEX "vote_photo_id";
-- reverse: create index "vote_judge_id_photo_id" to table: "votes"
DROP INDEX "vote_judge_id_photo_id";
-- reverse: create "votes" table
DROP TABLE "votes";
-- reverse: create index "photoword_photo_id_question_id_word" to table: "photo_words"
DROP INDEX "photoword_photo_id_question_id_word";
-- reverse: create "photo_words" table
DROP TABLE "photo_words";
-- reverse: create index "photoquestionstat_photo_id_question_id" to table: "photo_question_stats"
DROP INDEX "photoquestionstat_photo_id_question_id";
-- reverse: create "photo_question_stats" table
DROP TABLE "photo_question_stats";
-- reverse: create index "photoanswercount_photo_id_question_id_value" to table: "photo_answer_counts"
DROP INDEX "photoanswercount_photo_id_question_id_value";
-- reverse: create "photo_answer_counts" table
DROP TABLE "photo_answer_counts";
-- reverse: create index "question_key" to table: "questions"
DROP INDEX "question_key";
-- reverse: create "questions" table
DROP TABLE "questions";
-- reverse: create index "photo_status_vote_count_id" to table: "photos"
DROP INDEX "photo_status_vote_count_id";
-- reverse: modify "photos" table
ALTER TABLE "photos" DROP COLUMN "stats_updated_at", DROP COLUMN "stats_version", DROP COLUMN "vote_count";
