-- The outbox trigger NOTIFYs only for writers without a relay of their own.
--
-- A transaction that NOTIFYs holds a database-wide lock from its commit record until its
-- commit is flushed, so such commits cannot share a WAL flush: every writer of the outbox
-- queued behind every other one (issue 8). A service that runs its own outbox relay
-- (SamtakRuntime.ServiceHost: intake, scheduler, notifier) sets `samtak.relay_local = on`
-- for its sessions and wakes its relay in-process once its transaction has committed
-- (PostgresPool commit observers); its inserts skip pg_notify. Every other writer (admin
-- tools, tests, a process without a relay) still NOTIFYs, so the relays of all processes
-- wake for its rows. Relays of other instances still find these rows: each instance's
-- relay publishes what it finds (FOR UPDATE SKIP LOCKED keeps two relays off one row), and
-- every relay polls at least every `idlePoll` (2 s) as before.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('samtak.relay_local', true), '') <> 'on' THEN
        PERFORM pg_notify('samtak_outbox', '');
    END IF;
    RETURN NULL;
END;
$$;
