-- reverse: modify "photos" table
ALTER TABLE "photos" DROP COLUMN "fit_due", DROP COLUMN "vote_tier";
