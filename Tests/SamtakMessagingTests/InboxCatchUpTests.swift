import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakTestSupport
import Testing

@Suite("Catch-up from the outbox of events the broker lost", .timeLimit(.minutes(2)))
struct InboxCatchUpTests {
    let logger = TestEnvironment.logger

    @Test("events published but never delivered are applied once; delivered, recent and foreign ones are left alone")
    func catchUpAppliesWhatIsMissing() async throws {
        try await withTestDatabase { database in
            let pool = database.pool
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/test")
            try await pool.withConnection { try $0.run(script: OutboxInboxTests.setupSQL) }
            let name = "catch-up-\(UUID().uuidString.prefix(8))"
            // Ten events that were relayed five minutes ago; the broker then lost them.
            let lost = try await pool.withTransaction { connection in
                try (0..<10).map { index in
                    try outbox.append(ThingHappened(thingId: UUID(), sequence: index), on: connection).id
                }
            }
            // One of another topic, one published just now (the broker may still deliver it).
            let (foreign, recent) = try await pool.withTransaction { connection in
                let envelope = try EventEnvelope(ThingHappened(thingId: UUID(), sequence: 99), source: "/samtak/test")
                try outbox.append(envelope, topic: .meetings, on: connection)
                return (envelope.id, try outbox.append(ThingHappened(thingId: UUID(), sequence: 100), on: connection).id)
            }
            try await pool.withConnection { connection in
                _ = try connection.execute("UPDATE outbox SET published_at = now() - interval '5 minutes' WHERE event_id <> \(recent)")
                _ = try connection.execute("UPDATE outbox SET published_at = now() WHERE event_id = \(recent)")
            }
            // Three of the ten did arrive: applied through the inbox as the consumer does.
            let consumer = InboxConsumer(configuration: .init(name: name, topics: [.cases]), pool: pool, kafka: TestEnvironment.kafka(),
                                         topics: topics, logger: logger, handler: OutboxInboxTests.handler)
            try await pool.withTransaction { connection in
                for id in lost.prefix(3) {
                    _ = try connection.execute("INSERT INTO inbox (consumer, event_id, event_type) VALUES (\(name), \(id), \(ThingHappened.type))")
                    _ = try connection.execute("INSERT INTO effects (event_id, thing_id) VALUES (\(id), \(UUID()))")
                }
            }
            let catchUp = InboxCatchUp(consumer: consumer, configuration: .init(eventTypes: [ThingHappened.type], grace: .seconds(60)),
                                       logger: logger)

            func effects() async throws -> [UUID: Int] {
                try await pool.withConnection { connection in
                    var counts: [UUID: Int] = [:]
                    for row in try connection.query("SELECT event_id, count(*)::int8 FROM effects GROUP BY event_id") {
                        counts[try row.decode(UUID.self, 0)] = try row.decode(Int.self, 1)
                    }
                    return counts
                }
            }

            let next = try await catchUp.round()
            var counts = try await effects()
            #expect(Set(counts.keys) == Set(lost), "every lost event applied, nothing else")
            #expect(counts.values.allSatisfy { $0 == 1 }, "each once: \(counts)")
            #expect(counts[foreign] == nil && counts[recent] == nil)

            // A second round finds nothing more; the recent event, once older than the grace
            // (and published inside the overlap of the two rounds), is picked up then.
            try await pool.withConnection { connection in
                _ = try connection.execute("UPDATE outbox SET published_at = now() - interval '90 seconds' WHERE event_id = \(recent)")
            }
            try await catchUp.round(since: next)
            counts = try await effects()
            #expect(Set(counts.keys) == Set(lost + [recent]))
            #expect(counts.values.allSatisfy { $0 == 1 }, "each once: \(counts)")

            // The broker copy arriving afterwards is a no-op (the inbox row exists).
            let inboxRows = try await pool.withConnection {
                try $0.query("SELECT count(*)::int8 FROM inbox WHERE consumer = \(name)").first!.decode(Int.self, 0)
            }
            #expect(inboxRows == 11)
        }
    }
}
