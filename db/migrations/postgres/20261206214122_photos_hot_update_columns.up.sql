-- modify "photos" table: nextPhoto's vote tier and the refit's due time
-- (see the three migrations after this one; each its own transaction, so
-- that no lock on photos outlasts a statement that needs it)
ALTER TABLE "photos" ADD COLUMN "vote_tier" bigint NOT NULL DEFAULT 0, ADD COLUMN "fit_due" timestamptz NULL;
