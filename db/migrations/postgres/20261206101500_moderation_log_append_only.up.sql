-- The moderation log is append-only (docs/MODERATION.md): no row is ever
-- deleted, and an update may change only actor_id, actor_handle and
-- owner_id (deleting an account replaces them with a tombstone).
CREATE FUNCTION moderation_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.id IS NOT DISTINCT FROM OLD.id
       AND NEW.action IS NOT DISTINCT FROM OLD.action
       AND NEW.photo_id IS NOT DISTINCT FROM OLD.photo_id
       AND NEW.note IS NOT DISTINCT FROM OLD.note
       AND NEW.created_at IS NOT DISTINCT FROM OLD.created_at THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'moderation_entries is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER moderation_entries_append_only BEFORE UPDATE OR DELETE ON moderation_entries
  FOR EACH ROW EXECUTE FUNCTION moderation_entries_append_only();
CREATE TRIGGER moderation_entries_no_truncate BEFORE TRUNCATE ON moderation_entries
  FOR EACH STATEMENT EXECUTE FUNCTION moderation_entries_append_only();
