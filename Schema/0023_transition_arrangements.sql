-- Issue 16: one child's transition arrangements, planned by the receiving side after the
-- season is planned: whether the child will attend SFO (the SFO leader is invited), and the
-- receiving school's contact teacher for the child (invited). `special_needs_support`
-- (Schema/0005) is set by the same request and invites PPT, who is then responsible.
ALTER TABLE transition_items
    ADD COLUMN attends_sfo boolean NOT NULL DEFAULT false,
    ADD COLUMN receiving_teacher_id uuid REFERENCES people (id);

-- The ansvarsgruppe a transition to upper secondary established for the child (its first
-- meeting, a called meeting of the ansvarsgruppe arena around the child); at most one.
ALTER TABLE transition_items ADD COLUMN ansvarsgruppe_meeting_id uuid REFERENCES meetings (id);
