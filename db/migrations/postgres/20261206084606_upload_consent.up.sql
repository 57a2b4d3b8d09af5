-- modify "photos" table
ALTER TABLE "photos" ADD COLUMN "consent_shows_me" boolean NOT NULL DEFAULT false, ADD COLUMN "consent_adult" boolean NOT NULL DEFAULT false, ADD COLUMN "consent_accepts_judging" boolean NOT NULL DEFAULT false, ADD COLUMN "consented_at" timestamptz NULL;
