-- reverse: the YES_NO histogram rows, rebuilt from the statistics rows
-- (value 0: count - sum, value 1: sum), positive counts only.
INSERT INTO "photo_answer_counts" ("photo_id", "question_id", "value", "count")
SELECT s."photo_id", s."question_id", v."value", CASE v."value" WHEN 1 THEN s."sum" ELSE s."count" - s."sum" END
FROM "photo_question_stats" AS s
JOIN "questions" AS q ON q."id" = s."question_id" AND q."kind" = 'YES_NO'
CROSS JOIN (VALUES (0), (1)) AS v("value")
WHERE CASE v."value" WHEN 1 THEN s."sum" ELSE s."count" - s."sum" END > 0
ON CONFLICT ("photo_id", "question_id", "value") DO UPDATE SET "count" = EXCLUDED."count";
