-- Issue 17, families: guardians and young people give consent digitally; innsyn.
--
-- consents.method: 'digital' besides 'written' and 'oral_recorded'. A digital consent is put
--   in force by the family itself (consent_proposals below): `recorded_by` is the guardian (or
--   young person) whose signature completed it; each giver's own row in consent_givers has
--   method 'digital' and recorded_by NULL (nobody recorded it on their behalf).
-- consent_proposals: a consent a guardian (or the young person) gave on the page, while it
--   waits for the other guardians the purpose's rule needs. State machine:
--     awaiting_guardians → in_force   (the last required signature; the consent row is written
--                                      in the same transaction, consent.recorded)
--     awaiting_guardians → cancelled  (reserved: a guardian who signed cancels it before it is
--                                      complete; no endpoint does this yet)
--   A proposal is never a consent: nothing reads it as one (AccessFacts reads `consents` only).
-- consent_signatures: the evidence of a digital consent: who signed (the signed-in person,
--   through the citizen provider: a guardian or young person's session), as which party, when,
--   and the request id. Kept when the proposal completes (the consent's givers point back).

ALTER TABLE consents DROP CONSTRAINT consents_method_check;
ALTER TABLE consents ADD CONSTRAINT consents_method_check CHECK (method IN ('written', 'oral_recorded', 'digital'));
ALTER TABLE consents ADD COLUMN proposal_id uuid;
-- A consent the family narrowed (fewer services, arenas or categories, or an earlier end) points
-- to the one it replaced; that one is withdrawn in the same transaction. Narrowing is a partial
-- withdrawal: the one who narrows does it alone, the givers stay those of the original.
ALTER TABLE consents ADD COLUMN narrowed_from uuid REFERENCES consents (id);

CREATE TABLE consent_proposals (
    id             uuid PRIMARY KEY,
    child_id       uuid NOT NULL REFERENCES children (id),
    services       text[] NOT NULL DEFAULT '{}' CHECK (cardinality(services) <= 32),
    arena_ids      uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(arena_ids) <= 50),
    information    text[] NOT NULL,
    valid_from     date NOT NULL,
    valid_until    date,
    guardian_rule  text NOT NULL CHECK (guardian_rule IN ('one_guardian', 'all_with_parental_responsibility', 'young_person')),
    status         text NOT NULL DEFAULT 'awaiting_guardians' CHECK (status IN ('awaiting_guardians', 'in_force', 'cancelled')),
    consent_id     uuid REFERENCES consents (id),
    proposed_by    uuid NOT NULL REFERENCES people (id),
    proposed_at    timestamptz NOT NULL DEFAULT now(),
    closed_at      timestamptz,
    CHECK ((status = 'in_force') = (consent_id IS NOT NULL)),
    CHECK ((status = 'awaiting_guardians') = (closed_at IS NULL))
);
CREATE INDEX consent_proposals_child ON consent_proposals (child_id, proposed_at);

CREATE TABLE consent_signatures (
    proposal_id    uuid NOT NULL REFERENCES consent_proposals (id),
    person_id      uuid NOT NULL REFERENCES people (id),
    party          text NOT NULL CHECK (party IN ('guardian', 'young_person')),
    method         text NOT NULL DEFAULT 'digital' CHECK (method = 'digital'),
    signed_in_with text NOT NULL DEFAULT 'citizen' CHECK (signed_in_with = 'citizen'),
    signed_at      timestamptz NOT NULL DEFAULT now(),
    request_id     text,
    PRIMARY KEY (proposal_id, person_id)
);
