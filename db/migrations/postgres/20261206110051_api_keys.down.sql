-- reverse: create index "apikey_user_id_created_at" to table: "api_keys"
DROP INDEX "apikey_user_id_created_at";
-- reverse: create index "apikey_token_hash" to table: "api_keys"
DROP INDEX "apikey_token_hash";
-- reverse: create "api_keys" table
DROP TABLE "api_keys";
