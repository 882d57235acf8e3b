-- Extra participants ("til hele eller deler av møtet", seed 001): the organiser invites
-- someone for the whole meeting (meeting_participants, as for called meetings, now with who
-- invited and when) or for some agenda items only (meeting_item_participants). An invitee
-- for part of the meeting takes part only while those items are discussed; what they see of
-- a named case is still decided by the consent (SamtakDomain.AgendaVisibility, partOnly).
ALTER TABLE meeting_participants
    ADD COLUMN invited_by uuid REFERENCES people (id),
    ADD COLUMN invited_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE meeting_item_participants (
    agenda_item_id uuid NOT NULL REFERENCES agenda_items (id) ON DELETE CASCADE,
    person_id      uuid NOT NULL REFERENCES people (id),
    meeting_id     uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    invited_by     uuid REFERENCES people (id),
    invited_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agenda_item_id, person_id)
);
CREATE INDEX meeting_item_participants_meeting ON meeting_item_participants (meeting_id, person_id);
