-- meetings.active_items: how many of a meeting's agenda items are not removed, kept by a
-- trigger on agenda_items (every writer of a meeting's agenda holds the meeting's row lock
-- already, so the trigger's update adds no waiting). The scheduler's search for a meeting
-- with room reads it instead of counting the items of every earlier, full meeting for each
-- case (issue 8). That search only orders the candidates: the count that decides is taken
-- after the chosen meeting is locked (CaseScheduler.lockAgenda), as before.
ALTER TABLE meetings ADD COLUMN active_items integer NOT NULL DEFAULT 0;

UPDATE meetings m SET active_items = c.n
FROM (SELECT meeting_id, count(*) AS n FROM agenda_items WHERE removed_at IS NULL GROUP BY meeting_id) c
WHERE c.meeting_id = m.id;

CREATE FUNCTION agenda_items_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.removed_at IS NULL THEN
        UPDATE meetings SET active_items = active_items - 1 WHERE id = OLD.meeting_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.removed_at IS NULL THEN
        UPDATE meetings SET active_items = active_items + 1 WHERE id = NEW.meeting_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER agenda_items_count AFTER INSERT OR DELETE OR UPDATE OF meeting_id, removed_at ON agenda_items
    FOR EACH ROW EXECUTE FUNCTION agenda_items_count();
