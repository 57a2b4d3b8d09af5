-- reverse: modify "photos" table
ALTER TABLE "photos" DROP COLUMN "consented_at", DROP COLUMN "consent_accepts_judging", DROP COLUMN "consent_adult", DROP COLUMN "consent_shows_me";
