-- Hardening (issue 12).
--
-- 1. Identity numbers are no longer kept in plain text: `national_id_hash` is the keyed
--    hash (HMAC-SHA256 under SAMTAK_IDENTITY_HASH_KEY, see IdentityNumberProtection) that is
--    unique and searched, `national_id_sealed` the AES-256-GCM sealed number for the rare
--    reader that needs it. No constraint, error or log line can carry a number any more.
--    SQL cannot compute the hash (it has no key): a database that holds numbers keeps the
--    plain column until `samtak-admin migrate` has converted them and dropped it; one
--    without numbers loses it here.
--
--    A registration whose number is already registered to a child the registrar may not see
--    gets a record of its own (so the answer does not reveal that the number is known),
--    with the sealed number but no lookup hash, and `duplicate_of` naming the registered
--    child for the register's administrators (`samtak-admin duplicates`).
ALTER TABLE children
    ADD COLUMN national_id_hash   bytea CHECK (octet_length(national_id_hash) = 32),
    ADD COLUMN national_id_sealed bytea,
    ADD COLUMN duplicate_of       uuid REFERENCES children(id) ON DELETE SET NULL;
ALTER TABLE children ADD CONSTRAINT children_national_id_hash_key UNIQUE (national_id_hash);
CREATE INDEX children_duplicate_of_idx ON children (duplicate_of) WHERE duplicate_of IS NOT NULL;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM children WHERE national_id IS NOT NULL) THEN
        ALTER TABLE children DROP COLUMN national_id;
    END IF;
END
$$;

-- 2. The anonymity screen compares anonymous cases with the names of the municipality's
--    children. The intake keeps the names in memory and reloads them when this counter
--    moves: every statement that adds, renames, moves or removes children bumps it.
CREATE TABLE children_names_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL DEFAULT 0
);
INSERT INTO children_names_version (singleton, version) VALUES (true, 1);

CREATE FUNCTION samtak_bump_children_names_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE children_names_version SET version = version + 1 WHERE singleton;
    RETURN NULL;
END
$$;

CREATE TRIGGER children_names_changed
    AFTER INSERT OR DELETE OR UPDATE OF name, unit_id ON children
    FOR EACH STATEMENT EXECUTE FUNCTION samtak_bump_children_names_version();
