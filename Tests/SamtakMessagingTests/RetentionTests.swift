import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakTestSupport
import Testing

@Suite("Retention of the tables that grow without bound", .timeLimit(.minutes(2)))
struct RetentionTests {
    let logger = TestEnvironment.logger
    static let day = Duration.seconds(24 * 3600)

    @Test("the sweep deletes, in batches, exactly the rows older than each table's period and keeps the rest")
    func sweepDeletesOnlyExpiredRows() async throws {
        try await withTestDatabase { database in
            let pool = database.pool
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/test")
            let ages = [1, 5, 9, 20, 400, 2000] // days
            // Per age: one published outbox row, one unpublished (never deleted, however old),
            // one inbox row, one idempotency key, one access-log row.
            // The outbox rows are written with their transaction's COMMIT: append them first.
            let appended = try await pool.withTransaction { connection in
                try ages.map { age in
                    (age: age, published: try outbox.append(ThingHappened(thingId: UUID(), sequence: age), on: connection).id,
                     pending: try outbox.append(ThingHappened(thingId: UUID(), sequence: -age), on: connection).id)
                }
            }
            try await pool.withTransaction { connection in
                for (age, published, pending) in appended {
                    _ = try connection.execute("""
                        UPDATE outbox SET occurred_at = now() - make_interval(days => \(age)::int4),
                            published_at = CASE WHEN event_id = \(published) THEN now() - make_interval(days => \(age)::int4) END
                        WHERE event_id IN (\(published), \(pending))
                        """)
                    _ = try connection.execute("""
                        INSERT INTO inbox (consumer, event_id, event_type, processed_at)
                        VALUES ('retention-test', \(UUID()), 'thing.happened', now() - make_interval(days => \(age)::int4))
                        """)
                    _ = try connection.execute("""
                        INSERT INTO idempotency_keys (principal_id, key, request_hash, created_at)
                        VALUES (\(UUID()), \("key-\(age)"), 'hash', now() - make_interval(days => \(age)::int4))
                        """)
                    _ = try connection.execute("""
                        INSERT INTO access_log (at, actor_id, action, resource, basis)
                        VALUES (now() - make_interval(days => \(age)::int4), \(UUID()), 'read', 'case', 'consent')
                        """)
                }
            }
            // Inbox asked for 3 days, but it must outlive the outbox (7 days): it keeps 8.
            let policy = RetentionPolicy(outbox: Self.day * 7, inbox: Self.day * 3, idempotencyKeys: Self.day * 7, accessLog: Self.day * 1827)
            let deleted = try await RetentionSweep(policy: policy, batchSize: 1).run(pool: pool, logger: logger)
            #expect(deleted == ["outbox": 4, "inbox": 4, "idempotency_keys": 4, "access_log": 1])

            let remaining = try await pool.withConnection { connection in
                func ages(_ sql: SQL) throws -> [Int] {
                    try connection.query(sql).map { row throws(PostgresError) in try row.decode(Int.self, 0) }.sorted()
                }
                return (
                    published: try ages("SELECT round(extract(epoch FROM now() - published_at) / 86400)::int8 FROM outbox WHERE published_at IS NOT NULL"),
                    pending: try ages("SELECT round(extract(epoch FROM now() - occurred_at) / 86400)::int8 FROM outbox WHERE published_at IS NULL"),
                    inbox: try ages("SELECT round(extract(epoch FROM now() - processed_at) / 86400)::int8 FROM inbox WHERE consumer = 'retention-test'"),
                    keys: try ages("SELECT round(extract(epoch FROM now() - created_at) / 86400)::int8 FROM idempotency_keys"),
                    log: try ages("SELECT round(extract(epoch FROM now() - at) / 86400)::int8 FROM access_log")
                )
            }
            #expect(remaining.published == [1, 5])
            #expect(remaining.pending == ages, "unpublished rows are never deleted")
            #expect(remaining.inbox == [1, 5], "the inbox keeps outbox retention + 1 day (8 days), not the 3 asked for")
            #expect(remaining.keys == [1, 5])
            #expect(remaining.log == [1, 5, 9, 20, 400])

            // A second sweep finds nothing more; 0 keeps a table for good.
            let again = try await RetentionSweep(policy: policy).run(pool: pool, logger: logger)
            #expect(again.isEmpty)
            let keepAll = RetentionPolicy(outbox: .zero, inbox: .zero, idempotencyKeys: .zero, accessLog: .zero)
            let none = try await RetentionSweep(policy: keepAll).run(pool: pool, logger: logger)
            #expect(none.isEmpty)
        }
    }

    @Test("the SAMTAK_RETENTION_* settings: whole days, 0 keeps, anything else refused")
    func settings() throws {
        let defaults = try RetentionPolicy(environment: [:])
        #expect(defaults == RetentionPolicy())
        #expect(defaults.outbox == Self.day * 7 && defaults.inbox == Self.day * 14 && defaults.idempotencyKeys == Self.day * 7
                && defaults.accessLog == Self.day * 1827)
        let set = try RetentionPolicy(environment: ["SAMTAK_RETENTION_OUTBOX_DAYS": "2", "SAMTAK_RETENTION_INBOX_DAYS": "30",
                                                    "SAMTAK_RETENTION_IDEMPOTENCY_DAYS": "1", "SAMTAK_RETENTION_ACCESS_LOG_DAYS": "0"])
        #expect(set == RetentionPolicy(outbox: Self.day * 2, inbox: Self.day * 30, idempotencyKeys: Self.day * 1, accessLog: .zero))
        for bad in ["-1", "1.5", "seven", "36501"] {
            #expect(throws: RetentionSettingError.self) { try RetentionPolicy(environment: ["SAMTAK_RETENTION_ACCESS_LOG_DAYS": bad]) }
        }
    }
}
