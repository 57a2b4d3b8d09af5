-- reverse: create index "session_token_hash" to table: "sessions"
DROP INDEX "session_token_hash";
-- reverse: create index "session_refresh_hash" to table: "sessions"
DROP INDEX "session_refresh_hash";
-- reverse: create index "session_refresh_expires_at" to table: "sessions"
DROP INDEX "session_refresh_expires_at";
-- reverse: create "sessions" table
DROP TABLE "sessions";
-- reverse: create index "photo_owner_id_created_at_id" to table: "photos"
DROP INDEX "photo_owner_id_created_at_id";
-- reverse: create index "photo_is_public_status_created_at_id" to table: "photos"
DROP INDEX "photo_is_public_status_created_at_id";
-- reverse: create "photos" table
DROP TABLE "photos";
-- reverse: create index "user_handle" to table: "users"
DROP INDEX "user_handle";
-- reverse: create index "user_email" to table: "users"
DROP INDEX "user_email";
-- reverse: create "users" table
DROP TABLE "users";
-- reverse: create "settings" table
DROP TABLE "settings";
