-- A YES_NO question's histogram is derived from its statistics row (no:
-- count - sum, yes: sum; stats.Summarize), so the vote path no longer
-- writes histogram rows for it: the ones written before go.
DELETE FROM "photo_answer_counts" AS h USING "questions" AS q
WHERE q."id" = h."question_id" AND q."kind" = 'YES_NO';
