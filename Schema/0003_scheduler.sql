-- The scheduler's own records (SamtakScheduler).
--
-- schedule_conflicts: editing or deactivating a series updates or removes the future
--   meetings that have no cases; a meeting that has cases (or whose agenda is already
--   published) is left as it is and reported here, once per (meeting, arena version, kind),
--   for the arena's owner to resolve. `series_starts_at` is where the series now puts the
--   meeting (NULL when the series no longer has it). A row is resolved when the meeting
--   matches its series again, is changed by the planner, or a newer report supersedes it.

CREATE TABLE schedule_conflicts (
    id                uuid PRIMARY KEY,
    arena_id          uuid NOT NULL REFERENCES arenas (id),
    meeting_id        uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    arena_version     integer NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('time_changed', 'not_in_series', 'arena_inactive')),
    series_starts_at  timestamptz,
    active_items      integer NOT NULL,
    detected_at       timestamptz NOT NULL DEFAULT now(),
    resolved_at       timestamptz,
    UNIQUE (meeting_id, arena_version, kind)
);
CREATE INDEX schedule_conflicts_open ON schedule_conflicts (arena_id, detected_at) WHERE resolved_at IS NULL;

-- The scheduler's walk: an arena's planned meetings in start order.
CREATE INDEX meetings_arena_planned ON meetings (arena_id, starts_at, id) WHERE status = 'planned';
-- Reconciliation: meetings cancelled while they still hold cases.
CREATE INDEX meetings_cancelled ON meetings (id) WHERE status = 'cancelled';
