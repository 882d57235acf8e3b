import Foundation
import SamtakDomain
import SamtakKafka
import SamtakMessaging
import SamtakPostgres
import SamtakTestSupport
import Synchronization
import Testing

/// A test event: identifiers only, like the real ones.
struct ThingHappened: DomainEvent, Equatable {
    static let type = "test.thing_happened"
    static let topic = EventTopic.cases
    var thingId: UUID
    var sequence: Int
    var subject: UUID { thingId }
}

/// A running relay or consumer, stopped by cancelling its task.
struct Running: Sendable {
    let task: Task<Void, any Error>
    init(_ body: @escaping @Sendable () async throws -> Void) { task = Task { try await body() } }
    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

@Suite("Outbox and inbox against real PostgreSQL and the broker", .timeLimit(.minutes(3)))
struct OutboxInboxTests {
    let logger = TestEnvironment.logger

    func makeProducer() throws -> KafkaProducer {
        try KafkaProducer(configuration: TestEnvironment.kafka(), logger: logger)
    }

    /// Inserts `count` "things" and their events, each in its own transaction.
    func writeThings(_ count: Int, outbox: Outbox, pool: PostgresPool) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: count, by: 100) {
                group.addTask {
                    for sequence in chunk..<min(chunk + 100, count) {
                        try await pool.withTransaction { connection in
                            let id = UUID()
                            try connection.execute("INSERT INTO things (id, sequence) VALUES (\(id), \(sequence))")
                            try outbox.append(ThingHappened(thingId: id, sequence: sequence), on: connection)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    static let setupSQL = """
        CREATE TABLE things (id uuid PRIMARY KEY, sequence int NOT NULL);
        -- Every application of an event adds a row: a second effect would show as a duplicate.
        CREATE TABLE effects (event_id uuid NOT NULL, thing_id uuid NOT NULL, applied_at timestamptz DEFAULT now());
        """

    static let handler: InboxHandler = { envelope, connection in
        let event = try envelope.decode(ThingHappened.self)
        try connection.execute("INSERT INTO effects (event_id, thing_id) VALUES (\(envelope.id), \(event.thingId))")
    }

    @Test("a change and its event commit together; a rolled-back change publishes nothing")
    func changeAndEventCommitTogether() async throws {
        struct Abort: Error {}
        try await withTestDatabase { database in
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/test")
            try await database.pool.withConnection { try $0.run(script: Self.setupSQL) }
            let committed = UUID()
            try await database.pool.withTransaction { connection in
                try connection.execute("INSERT INTO things (id, sequence) VALUES (\(committed), 1)")
                try outbox.append(ThingHappened(thingId: committed, sequence: 1), on: connection)
            }
            await #expect(throws: Abort.self) {
                try await database.pool.withTransaction { connection in
                    let id = UUID()
                    try connection.execute("INSERT INTO things (id, sequence) VALUES (\(id), 2)")
                    try outbox.append(ThingHappened(thingId: id, sequence: 2), on: connection)
                    throw Abort()
                }
            }
            let counts = try await database.pool.withConnection { connection in
                (try connection.query("SELECT count(*)::int8 FROM things").first!.decode(Int.self, 0),
                 try connection.query("SELECT count(*)::int8 FROM outbox").first!.decode(Int.self, 0))
            }
            #expect(counts.0 == 1 && counts.1 == 1)

            // Publish, and read the topic back: only the committed event is there, in binary mode.
            let producer = try makeProducer()
            let relay = OutboxRelay(pool: database.pool, producer: producer, kafka: TestEnvironment.kafka(), topics: topics,
                                    configuration: .init(batchSize: 100, idlePoll: .milliseconds(200)), logger: logger)
            try await relay.ensureTopics()
            let running = Running { try await relay.run() }
            let consumer = try KafkaConsumer(configuration: TestEnvironment.kafka(), groupID: "t-\(UUID())",
                                             assignment: .manual(topics: [topics.name(.cases)]), logger: logger)
            var received: [KafkaConsumerMessage] = []
            let deadline = ContinuousClock.now + .seconds(20)
            while received.isEmpty && ContinuousClock.now < deadline {
                received += try await consumer.poll(maxMessages: 10, timeout: .milliseconds(500))
            }
            // Give a wrongly published second event the chance to show up.
            received += try await consumer.poll(maxMessages: 10, timeout: .seconds(1))
            await consumer.close()
            await running.stop()
            await producer.shutdown()
            #expect(received.count == 1)
            let envelope = try EventEnvelope(kafkaMessage: try #require(received.first))
            #expect(envelope.type == ThingHappened.type)
            #expect(envelope.subject == committed.uuidString.lowercased())
            #expect(try envelope.decode(ThingHappened.self) == ThingHappened(thingId: committed, sequence: 1))
            #expect(received.first?.key == Array(committed.uuidString.lowercased().utf8))
            let headerKeys = Set(received.first?.headers.map(\.key) ?? [])
            #expect(headerKeys.isSuperset(of: ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time", "content-type"]))
            let published = try await database.pool.withConnection {
                try $0.query("SELECT count(*)::int8 FROM outbox WHERE published_at IS NOT NULL").first!.decode(Int.self, 0)
            }
            #expect(published == 1)
        }
    }

    @Test("1,000 events outbox → Kafka → inbox: each applied once, across a consumer killed mid-batch and a full redelivery")
    func roundTripExactlyOnce() async throws {
        try await withTestDatabase(poolSize: 12) { database in
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/test")
            try await database.pool.withConnection { try $0.run(script: Self.setupSQL) }
            try await writeThings(1000, outbox: outbox, pool: database.pool)

            let producer = try makeProducer()
            let relay = OutboxRelay(pool: database.pool, producer: producer, kafka: TestEnvironment.kafka(), topics: topics,
                                    configuration: .init(batchSize: 200, idlePoll: .milliseconds(200)), logger: logger)
            let relayRunning = Running { try await relay.run() }
            let group = "test-consumer-\(UUID().uuidString.prefix(8))"
            func makeConsumer() -> InboxConsumer {
                InboxConsumer(configuration: .init(name: group, topics: [.cases], batchSize: 50),
                              pool: database.pool, kafka: TestEnvironment.kafka(), topics: topics, logger: logger, handler: Self.handler)
            }
            func effects() async throws -> (rows: Int, distinct: Int) {
                try await database.pool.withConnection { connection in
                    let row = try connection.query("SELECT count(*)::int8, count(DISTINCT event_id)::int8 FROM effects").first!
                    return (try row.decode(Int.self, 0), try row.decode(Int.self, 1))
                }
            }

            // First consumer: killed once some events are applied, in the middle of a batch.
            let first = makeConsumer()
            let firstRunning = Running { try await first.run() }
            #expect(await eventually(timeout: .seconds(60)) { (try? await effects().rows) ?? 0 >= 300 })
            await firstRunning.stop()
            let afterKill = try await effects()
            #expect(afterKill.rows == afterKill.distinct)
            #expect(afterKill.rows < 1000, "the consumer should have been stopped before the end")

            // A new consumer in the same group picks up from the committed offsets; events
            // applied but not yet committed come again and are recognised by the inbox.
            let second = makeConsumer()
            let secondRunning = Running { try await second.run() }
            #expect(await eventually(timeout: .seconds(60)) { (try? await effects().rows) ?? 0 >= 1000 })

            // Deliver everything a second time: the relay publishes all rows again.
            _ = try await database.pool.withConnection { try $0.execute("UPDATE outbox SET published_at = NULL") }
            #expect(await eventually(timeout: .seconds(60)) { second.statistics.duplicates >= 1000 })
            let final = try await effects()
            #expect(final.rows == 1000)
            #expect(final.distinct == 1000)
            let inbox = try await database.pool.withConnection {
                try $0.query("SELECT count(*)::int8 FROM inbox WHERE consumer = \(group)").first!.decode(Int.self, 0)
            }
            #expect(inbox == 1000)

            await secondRunning.stop()
            await relayRunning.stop()
            await producer.shutdown()
        }
    }

    @Test("one lane (the scheduler's mode): a batch's partitions in one sequence, each thing's events applied once and in order")
    func oneLaneKeepsOrder() async throws {
        try await withTestDatabase(poolSize: 8) { database in
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/test")
            try await database.pool.withConnection { connection in
                try connection.run(script: """
                    CREATE TABLE ordered (n bigserial PRIMARY KEY, event_id uuid NOT NULL, thing_id uuid NOT NULL, sequence int NOT NULL);
                    """)
            }
            // Twenty things, thirty events each, keyed by thing (so spread over the partitions),
            // written one transaction after the other so each thing's events are in order.
            let things = (0..<20).map { _ in UUID() }
            for sequence in 0..<30 {
                for thing in things {
                    try await database.pool.withTransaction { connection in
                        _ = try outbox.append(ThingHappened(thingId: thing, sequence: sequence), on: connection)
                    }
                }
            }
            let producer = try makeProducer()
            let relay = OutboxRelay(pool: database.pool, producer: producer, kafka: TestEnvironment.kafka(), topics: topics,
                                    configuration: .init(batchSize: 100, idlePoll: .milliseconds(200)), logger: logger)
            let relayRunning = Running { try await relay.run() }
            let consumer = InboxConsumer(
                configuration: .init(name: "test-one-lane-\(UUID().uuidString.prefix(8))", topics: [.cases], batchSize: 50, oneLane: true),
                pool: database.pool, kafka: TestEnvironment.kafka(), topics: topics, logger: logger
            ) { envelope, connection in
                let event = try envelope.decode(ThingHappened.self)
                try connection.execute("""
                    INSERT INTO ordered (event_id, thing_id, sequence) VALUES (\(envelope.id), \(event.thingId), \(event.sequence))
                    """)
            }
            let consuming = Running { try await consumer.run() }
            func rows() async throws -> [(thing: UUID, sequence: Int)] {
                try await database.pool.withConnection { connection in
                    try connection.query("SELECT thing_id, sequence FROM ordered ORDER BY n").map { row throws(PostgresError) in
                        (try row.decode(UUID.self, 0), try row.decode(Int.self, 1))
                    }
                }
            }
            #expect(await eventually(timeout: .seconds(60)) { (try? await rows().count) ?? 0 >= 600 })
            let applied = try await rows()
            #expect(applied.count == 600, "each event once")
            for thing in things {
                #expect(applied.filter { $0.thing == thing }.map(\.sequence) == Array(0..<30), "a thing's events in their order")
            }
            #expect(consumer.statistics.applied == 600)
            await consuming.stop()
            await relayRunning.stop()
            await producer.shutdown()
        }
    }

    @Test("two relays at once publish every row exactly once")
    func twoRelaysAtOnce() async throws {
        try await withTestDatabase(poolSize: 12) { database in
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/test")
            try await database.pool.withConnection { try $0.run(script: Self.setupSQL) }
            let producer = try makeProducer()
            let relays = (0..<2).map { _ in
                OutboxRelay(pool: database.pool, producer: producer, kafka: TestEnvironment.kafka(), topics: topics,
                            configuration: .init(batchSize: 50, idlePoll: .milliseconds(100)), logger: logger)
            }
            let running = relays.map { relay in Running { try await relay.run() } }
            // Write while both relays run, so they compete for the same rows.
            try await writeThings(2000, outbox: outbox, pool: database.pool)
            #expect(await eventually(timeout: .seconds(60)) {
                (try? await database.pool.withConnection {
                    try $0.query("SELECT count(*)::int8 FROM outbox WHERE published_at IS NULL").first!.decode(Int.self, 0)
                }) == 0
            })
            for relay in running { await relay.stop() }
            let perRelay = relays.map(\.statistics.published)
            #expect(perRelay.reduce(0, +) == 2000, "each row is published by exactly one relay: \(perRelay)")
            #expect(perRelay.allSatisfy { $0 > 0 }, "both relays took part: \(perRelay)")

            // And the topic holds each event id exactly once.
            let consumer = try KafkaConsumer(configuration: TestEnvironment.kafka(), groupID: "t-\(UUID())",
                                             assignment: .manual(topics: [topics.name(.cases)]), logger: logger)
            var ids: [String] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while ids.count < 2000 && ContinuousClock.now < deadline {
                for message in try await consumer.poll(maxMessages: 500, timeout: .milliseconds(500)) {
                    ids.append(try EventEnvelope(kafkaMessage: message).id.uuidString)
                }
            }
            ids += try await consumer.poll(maxMessages: 500, timeout: .seconds(1)).map { try EventEnvelope(kafkaMessage: $0).id.uuidString }
            await consumer.close()
            await producer.shutdown()
            #expect(ids.count == 2000)
            #expect(Set(ids).count == 2000)
        }
    }

    @Test("the relay wakes on NOTIFY instead of waiting for its poll interval")
    func relayWakesOnNotify() async throws {
        try await withTestDatabase { database in
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/test")
            try await database.pool.withConnection { try $0.run(script: Self.setupSQL) }
            let producer = try makeProducer()
            // A poll interval far longer than the test's patience: only NOTIFY can explain a quick publish.
            let relay = OutboxRelay(pool: database.pool, producer: producer, kafka: TestEnvironment.kafka(), topics: topics,
                                    configuration: .init(batchSize: 100, idlePoll: .seconds(120)), logger: logger)
            let running = Running { try await relay.run() }
            try await Task.sleep(for: .seconds(1))  // the relay is idle now
            // Written through another pool (as another process would), so the relay's own
            // pool cannot wake it: only the NOTIFY can.
            let other = PostgresPool(configuration: database.pool.configuration, maxConnections: 1, logger: logger)
            try await writeThings(1, outbox: outbox, pool: other)
            // Well inside the 120 s poll (the first send to a new topic took over 10 s once in a
            // full run on a loaded machine): only the NOTIFY can explain it.
            #expect(await eventually(timeout: .seconds(40)) { relay.statistics.published == 1 })
            await other.close()
            await running.stop()
            await producer.shutdown()
        }
    }

    @Test("a session with samtak.relay_local does not NOTIFY; the relay of its own pool is woken after the commit")
    func localRelayWake() async throws {
        try await withTestDatabase { database in
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/test")
            try await database.pool.withConnection { try $0.run(script: Self.setupSQL) }
            var configuration = database.pool.configuration
            configuration.sessionSettings["samtak.relay_local"] = "on"
            let local = PostgresPool(configuration: configuration, maxConnections: 4, logger: logger)
            let listener = PostgresListener(configuration: database.pool.configuration, channels: ["samtak_outbox"], logger: logger)
            listener.start()
            #expect(await listener.wait(timeout: .seconds(10)), "the listener is listening")
            let producer = try makeProducer()
            // A poll interval far longer than the test's patience, and no NOTIFY: only the pool can wake it.
            let relay = OutboxRelay(pool: local, producer: producer, kafka: TestEnvironment.kafka(), topics: topics,
                                    configuration: .init(batchSize: 100, idlePoll: .seconds(120)), logger: logger)
            let running = Running { try await relay.run() }
            try await Task.sleep(for: .seconds(1))  // the relay is idle now
            try await writeThings(3, outbox: outbox, pool: local)
            // Well inside the 120 s poll, as in the NOTIFY test above (a broker slowed by a
            // long run's topics once took longer than 10 s to a new topic's first send).
            #expect(await eventually(timeout: .seconds(40)) { relay.statistics.published == 3 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(listener.notificationCount == 0, "the relay_local session sent no NOTIFY")
            // A rolled-back change wakes nobody to any effect and publishes nothing.
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await local.withTransaction { connection in
                    try outbox.append(ThingHappened(thingId: UUID(), sequence: 99), on: connection)
                    throw Abort()
                }
            }
            // Any other session still NOTIFYs (writers without a relay of their own).
            try await writeThings(1, outbox: outbox, pool: database.pool)
            #expect(await eventually(timeout: .seconds(10)) { listener.notificationCount >= 1 })
            #expect(await eventually(timeout: .seconds(10)) { relay.statistics.published == 4 })
            await running.stop()
            listener.stop()
            await producer.shutdown()
            await local.close()
        }
    }

    @Test("events of types the handler does not act on are passed over: no transaction, no inbox row")
    func unhandledTypesPassedOver() async throws {
        try await withTestDatabase { database in
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/test")
            try await database.pool.withConnection { try $0.run(script: Self.setupSQL) }
            try await writeThings(10, outbox: outbox, pool: database.pool)
            let producer = try makeProducer()
            let relay = OutboxRelay(pool: database.pool, producer: producer, kafka: TestEnvironment.kafka(), topics: topics,
                                    configuration: .init(batchSize: 100, idlePoll: .milliseconds(200)), logger: logger)
            let relayRunning = Running { try await relay.run() }
            let consumer = InboxConsumer(
                configuration: .init(name: "passing-\(UUID().uuidString.prefix(8))", topics: [.cases], assignment: .manual,
                                     handledTypes: ["test.something_else"]),
                pool: database.pool, kafka: TestEnvironment.kafka(), topics: topics, logger: logger, handler: Self.handler
            )
            let consumerRunning = Running { try await consumer.run() }
            #expect(await eventually(timeout: .seconds(30)) { consumer.passedOver == 10 })
            let (inbox, effects) = try await database.pool.withConnection { connection in
                (try connection.query("SELECT count(*)::int8 FROM inbox").first!.decode(Int.self, 0),
                 try connection.query("SELECT count(*)::int8 FROM effects").first!.decode(Int.self, 0))
            }
            #expect(inbox == 0)
            #expect(effects == 0)
            #expect(consumer.statistics.applied == 0)
            await consumerRunning.stop()
            await relayRunning.stop()
            await producer.shutdown()
        }
    }

    @Test("an event the handler rejects is recorded and does not block the ones after it")
    func rejectedEventDoesNotBlock() async throws {
        try await withTestDatabase { database in
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/test")
            try await database.pool.withConnection { try $0.run(script: Self.setupSQL) }
            try await writeThings(20, outbox: outbox, pool: database.pool)
            let producer = try makeProducer()
            let relay = OutboxRelay(pool: database.pool, producer: producer, kafka: TestEnvironment.kafka(), topics: topics,
                                    configuration: .init(batchSize: 100, idlePoll: .milliseconds(200)), logger: logger)
            let relayRunning = Running { try await relay.run() }
            let consumer = InboxConsumer(
                configuration: .init(name: "rejecting-\(UUID().uuidString.prefix(8))", topics: [.cases], assignment: .manual),
                pool: database.pool, kafka: TestEnvironment.kafka(), topics: topics, logger: logger
            ) { envelope, connection in
                let event = try envelope.decode(ThingHappened.self)
                if event.sequence % 5 == 0 { throw EventRejected("sequence divisible by five") }
                try Self.handler(envelope, connection)
            }
            let consumerRunning = Running { try await consumer.run() }
            #expect(await eventually(timeout: .seconds(30)) { consumer.statistics.applied + consumer.statistics.rejected == 20 })
            #expect(consumer.statistics.rejected == 4)
            let rejectedRows = try await database.pool.withConnection {
                try $0.query("SELECT count(*)::int8 FROM inbox WHERE outcome = 'rejected'").first!.decode(Int.self, 0)
            }
            #expect(rejectedRows == 4)
            await consumerRunning.stop()
            await relayRunning.stop()
            await producer.shutdown()
        }
    }
}
