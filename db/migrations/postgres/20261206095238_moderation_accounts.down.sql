-- reverse: create index "photoserving_served_at" to table: "photo_servings"
DROP INDEX "photoserving_served_at";
-- reverse: create index "photoserving_judge_id_photo_id" to table: "photo_servings"
DROP INDEX "photoserving_judge_id_photo_id";
-- reverse: create "photo_servings" table
DROP TABLE "photo_servings";
-- reverse: create index "photoreport_reporter_id_created_at" to table: "photo_reports"
DROP INDEX "photoreport_reporter_id_created_at";
-- reverse: create index "photoreport_photo_id_reporter_id" to table: "photo_reports"
DROP INDEX "photoreport_photo_id_reporter_id";
-- reverse: create "photo_reports" table
DROP TABLE "photo_reports";
-- reverse: create index "photo_review_priority_status_reported_at_id" to table: "photos"
DROP INDEX "photo_review_priority_status_reported_at_id";
-- reverse: modify "photos" table
ALTER TABLE "photos" DROP COLUMN "review_priority", DROP COLUMN "counted_reports", DROP COLUMN "reported_at", DROP COLUMN "image_version";
-- reverse: create index "passwordreset_user_id" to table: "password_resets"
DROP INDEX "passwordreset_user_id";
-- reverse: create index "passwordreset_expires_at" to table: "password_resets"
DROP INDEX "passwordreset_expires_at";
-- reverse: create index "password_resets_token_hash_key" to table: "password_resets"
DROP INDEX "password_resets_token_hash_key";
-- reverse: create "password_resets" table
DROP TABLE "password_resets";
-- reverse: create index "dataexport_user_id_created_at" to table: "data_exports"
DROP INDEX "dataexport_user_id_created_at";
-- reverse: create index "dataexport_expires_at" to table: "data_exports"
DROP INDEX "dataexport_expires_at";
-- reverse: create "data_exports" table
DROP TABLE "data_exports";
-- reverse: create index "moderationentry_owner_id" to table: "moderation_entries"
DROP INDEX "moderationentry_owner_id";
-- reverse: create index "moderationentry_actor_id" to table: "moderation_entries"
DROP INDEX "moderationentry_actor_id";
-- reverse: create "moderation_entries" table
DROP TABLE "moderation_entries";
-- reverse: create index "banned_emails_email_hash_key" to table: "banned_emails"
DROP INDEX "banned_emails_email_hash_key";
-- reverse: create "banned_emails" table
DROP TABLE "banned_emails";
-- reverse: modify "users" table
ALTER TABLE "users" DROP COLUMN "banned_at";
-- reverse: create index "session_user_id_created_at" to table: "sessions"
DROP INDEX "session_user_id_created_at";
-- reverse: modify "sessions" table
ALTER TABLE "sessions" DROP COLUMN "user_agent";
