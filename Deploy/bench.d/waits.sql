-- What the bench's PostgreSQL sessions are doing, sampled every 0.1 s (psql \watch; Deploy/bench
-- stops it with SIGINT). One line per state and sample, plus a "sample" line per sample:
--   CPU                   active, not waiting
--   <type>:<event>        active, waiting (Lock:transactionid = a row lock, LWLock:WALWrite /
--                         IO:WALSync = a commit's WAL flush, Lock:object = NOTIFY's commit lock, ...)
--   app, in transaction   idle in transaction: waiting for the client's next statement
SELECT CASE WHEN state = 'idle in transaction' THEN 'app, in transaction'
            WHEN wait_event IS NULL THEN 'CPU'
            ELSE wait_event_type || ':' || wait_event END, count(*)
FROM pg_stat_activity
WHERE datname LIKE 'samtak_bench%' AND state IN ('active', 'idle in transaction') AND pid <> pg_backend_pid()
GROUP BY 1
UNION ALL SELECT 'sample', 1 \watch 0.1
