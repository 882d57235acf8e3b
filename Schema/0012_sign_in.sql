-- Sign-in through the municipality's OpenID Connect providers (issue 14): who an external
-- identity is, the web's server-side sessions, sign-ins in progress and the sign-in audit.
-- `samtak-web` reads and writes these tables itself (authentication is its job); everything
-- else it shows comes through the intake API with the person's short-lived token.

-- A citizen's (guardian's, young person's) national identity number, as the keyed hash
-- `IdentityNumberProtection.lookupHash` (HMAC-SHA256 under SAMTAK_IDENTITY_HASH_KEY): an
-- ID-porten sign-in's `pid` is matched against it; the number itself is never stored.
ALTER TABLE people ADD COLUMN national_id_hash bytea UNIQUE CHECK (octet_length(national_id_hash) = 32);

-- Young people are matched through their child record (children.person_id) by the same hash.
-- Migration 0011 (identity numbers at rest) creates this column; on a branch without 0011
-- this adds it, after 0011 it is a no-op.
ALTER TABLE children ADD COLUMN IF NOT EXISTS national_id_hash bytea;

-- An external identity linked to a person of the register: staff are linked at their first
-- sign-in by the provider's verified e-mail, and found by (issuer, subject) from then on.
-- The subject is kept as a keyed hash (providers' subjects may be e-mail addresses).
CREATE TABLE identity_links (
    issuer          text NOT NULL,
    subject_hash    bytea NOT NULL CHECK (octet_length(subject_hash) = 32),
    person_id       uuid NOT NULL REFERENCES people (id),
    linked_by       text NOT NULL CHECK (linked_by IN ('email', 'pid')),
    linked_at       timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject_hash)
);
CREATE INDEX identity_links_person ON identity_links (person_id);

-- A sign-in in progress: from the redirect to the provider until its answer comes back
-- (single use: the row is deleted when the answer arrives). Keyed by a hash of `state`;
-- bound to the browser that started it by a hash of a cookie only that browser has.
CREATE TABLE web_sign_in_attempts (
    state_hash     bytea PRIMARY KEY,
    browser_hash   bytea NOT NULL,
    provider       text NOT NULL,              -- the configured provider's name
    nonce          text NOT NULL,
    code_verifier  text NOT NULL,              -- PKCE (RFC 7636)
    return_to      text NOT NULL DEFAULT '/',
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX web_sign_in_attempts_expiry ON web_sign_in_attempts (expires_at);

-- The web's sessions, shared by every copy of samtak-web. Keyed by a hash of the cookie's
-- value (a stolen table row is not a usable cookie). Ended sessions are deleted.
CREATE TABLE web_sessions (
    id_hash          bytea PRIMARY KEY,
    person_id        uuid NOT NULL REFERENCES people (id),
    provider         text NOT NULL,
    issuer           text NOT NULL,
    csrf_token       text NOT NULL,
    -- The ID token, sealed (AES-256-GCM, SAMTAK_IDENTITY_ENCRYPTION_KEY): the provider's
    -- sign-out wants it back as id_token_hint, and a citizen's carries the identity number.
    id_token_sealed  bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at     timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL
);
CREATE INDEX web_sessions_person ON web_sessions (person_id);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- Every sign-in, failed sign-in, sign-out and refused session: who (when known), when,
-- which provider, the outcome code. No names, e-mail addresses or identity numbers: a
-- subject is kept only as the same keyed hash as in identity_links.
CREATE TABLE sign_in_events (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    event         text NOT NULL CHECK (event IN ('sign_in', 'sign_in_failed', 'sign_out', 'session_refused')),
    outcome       text NOT NULL,               -- 'ok' or a failure code (see SignInFailure)
    provider      text,
    issuer        text,
    person_id     uuid REFERENCES people (id),
    subject_hash  bytea,
    session_hash  bytea,
    request_id    text
);
CREATE INDEX sign_in_events_at ON sign_in_events (at);
CREATE INDEX sign_in_events_person ON sign_in_events (person_id, at);
