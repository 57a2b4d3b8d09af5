DROP TRIGGER IF EXISTS moderation_entries_no_truncate ON moderation_entries;
DROP TRIGGER IF EXISTS moderation_entries_append_only ON moderation_entries;
DROP FUNCTION IF EXISTS moderation_entries_append_only();
