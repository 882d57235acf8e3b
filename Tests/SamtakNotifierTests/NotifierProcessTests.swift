import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakNotifier
import SamtakPostgres
import SamtakTestSupport
import Testing

/// The built `samtak-notifier` executable, run as an operator runs it, against a test
/// database, a topic prefix of its own and the sink; events arrive through the broker.
/// One test at a time: they start processes and load the machine.
@Suite("The notifier executable", .serialized, .timeLimit(.minutes(10)))
struct NotifierProcessTests {
    func environment(_ database: TestDatabase, topics: TopicNaming, sink: SMTPSinkProcess, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "SAMTAK_PG_DATABASE": database.name,
            "SAMTAK_PG_PORT": String(database.configuration.port),
            "SAMTAK_TOPIC_PREFIX": topics.prefix,
            "SAMTAK_LOG_LEVEL": "info",
            "SAMTAK_CONSUMER_ASSIGNMENT": "manual",
            "SAMTAK_SMTP_URL": sink.url,
            "SAMTAK_SMTP_STARTTLS": "never",
            "SAMTAK_SMTP_TIMEOUT_S": "2",
            "SAMTAK_NOTIFIER_LEASE_S": "3",
            "SAMTAK_NOTIFIER_RETRY_BASE_MS": "200",
            "SAMTAK_NOTIFIER_RETRY_MAX_S": "2",
            "SAMTAK_NOTIFIER_POLL_MS": "200",
            "SAMTAK_NOTIFIER_SWEEP_S": "1",
            "SAMTAK_PUBLIC_URL": "https://samtak.nordby.example",
        ].merging(extra) { _, new in new }
    }

    func start(_ environment: [String: String]) async throws -> ServiceProcess {
        let process = try ServiceProcess("samtak-notifier", port: freePort(), environment: environment)
        let ready = await process.waitUntilReady(timeout: .seconds(90))
        #expect(ready, "the notifier never became ready:\n\(process.log.suffix(4000))")
        if !ready { throw MissingTestDependency("samtak-notifier did not become ready") }
        return process
    }

    /// A meeting of the engine world's ressursteam whose arena also has `extra` teachers of
    /// another school taking part: 5 + `extra` recipients.
    static func crowdedMeeting(_ world: EngineWorld, extra: Int, on connection: PostgresConnection) throws -> UUID {
        let unit = UUID()
        try connection.execute("INSERT INTO units (id, name, service) VALUES (\(unit), 'Nordby ungdomsskole', 'school')")
        let ids = (0..<extra).map { _ in UUID() }
        let names = (0..<extra).map { "Lærer \($0 + 1)" }
        let emails = (0..<extra).map { "laerer\($0 + 1)@\(EngineWorld.mailDomain)" }
        try connection.execute("""
            INSERT INTO people (id, kind, name, email)
            SELECT id, 'staff', name, email FROM unnest(\(ids)::uuid[], \(names)::text[], \(emails)::text[]) AS t(id, name, email)
            """)
        try connection.execute("""
            INSERT INTO memberships (person_id, unit_id, role, title) SELECT p, \(unit), 'teacher', 'kontaktlærer' FROM unnest(\(ids)::uuid[]) AS p
            """)
        try connection.execute("INSERT INTO arena_participants (id, arena_id, unit_id, role) VALUES (\(UUID()), \(world.arena), \(unit), 'teacher')")
        return try world.insertMeeting(on: connection)
    }

    static func publishAgenda(_ meeting: UUID, world: EngineWorld, outbox: Outbox, pool: PostgresPool) async throws {
        _ = try await pool.withTransaction { connection in
            try outbox.append(AgendaPublished(meetingId: meeting, arenaId: world.arena, itemCount: 0), on: connection)
        }
    }

    static func document(of meeting: UUID, kind: DocumentKind, pool: PostgresPool) async throws -> UUID? {
        try await pool.withConnection { connection in
            try connection.query("SELECT id FROM documents WHERE meeting_id = \(meeting) AND kind = \(kind.rawValue)").first?.decode(UUID.self, 0)
        }
    }

    static func sentCount(_ document: UUID, pool: PostgresPool) async throws -> Int {
        try await pool.withConnection { connection in
            try connection.query("SELECT count(*) FROM deliveries WHERE document_id = \(document) AND state = 'sent'").first?.decode(Int.self, 0) ?? 0
        }
    }

    /// Messages per recipient in the sink's mailbox.
    static func perRecipient(_ sink: SMTPSinkProcess) async throws -> [String: Int] {
        Dictionary(grouping: try await Mailbox.read(sink), by: \.recipient).mapValues(\.count)
    }

    @Test("killed with SIGKILL halfway through 200 recipients and restarted: every recipient has exactly one message")
    func killAndRestart() async throws {
        // The sink waits 30 ms after storing a message before it answers: a kill lands while
        // several messages are stored but not yet acknowledged (the re-send window).
        let sink = try await SMTPSinkProcess.start(delayMs: 30)
        defer { sink.stop() }
        try await withTestDatabase { database in
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/scheduler")
            let world = try await database.pool.withTransaction { try EngineWorld.create(on: $0) }
            let meeting = try await database.pool.withTransaction { try Self.crowdedMeeting(world, extra: 195, on: $0) }
            let env = environment(database, topics: topics, sink: sink)
            let first = try await start(env)
            try await Self.publishAgenda(meeting, world: world, outbox: outbox, pool: database.pool)

            let halfway = await eventually(timeout: .seconds(60), interval: .milliseconds(5)) { sink.messages().count >= 100 }
            #expect(halfway, "the first notifier did not get halfway:\n\(first.log.suffix(3000))")
            await first.kill9()
            let document = try #require(try await Self.document(of: meeting, kind: .agenda, pool: database.pool))
            let atKill = (stored: sink.messages().count, recorded: try await Self.sentCount(document, pool: database.pool))

            let second = try await start(env)
            let done = try await eventually(timeout: .seconds(90), interval: .milliseconds(100)) {
                try await database.pool.withConnection { connection in
                    try connection.query("SELECT completed_at IS NOT NULL FROM documents WHERE id = \(document)").first?.decode(Bool.self, 0) ?? false
                }
            }
            #expect(done, "not completed after the restart:\n\(second.log.suffix(3000))")
            await second.terminate()

            let perRecipient = try await Self.perRecipient(sink)
            #expect(perRecipient.count == 200)
            #expect(perRecipient.values.allSatisfy { $0 == 1 }, "a recipient has more than one message")
            let stats = try await Mailbox.stats(sink)
            #expect(stats.messages == 200)
            #expect(try await Self.sentCount(document, pool: database.pool) == 200)
            let announcements = try await database.pool.withConnection { connection in
                try connection.query("SELECT count(*) FROM outbox WHERE event_type = 'agenda.sent'").first?.decode(Int.self, 0)
            }
            #expect(announcements == 1)
            print("""
                [notifier kill test] 200 recipients; at SIGKILL: \(atKill.stored) messages stored by the sink, \(atKill.recorded) recorded sent; \
                re-sends after restart (same Message-ID, dropped by the mailbox): \(stats.resends)
                """)
        }
    }

    @Test("two notifier processes on the same documents: one message per recipient, no re-send")
    func twoProcesses() async throws {
        let sink = try await SMTPSinkProcess.start(delayMs: 5)
        defer { sink.stop() }
        try await withTestDatabase { database in
            let topics = TestEnvironment.uniqueTopics()
            let outbox = Outbox(topics: topics, source: "/samtak/scheduler")
            let world = try await database.pool.withTransaction { try EngineWorld.create(on: $0) }
            let meeting = try await database.pool.withTransaction { try Self.crowdedMeeting(world, extra: 195, on: $0) }
            let env = environment(database, topics: topics, sink: sink, ["SAMTAK_NOTIFIER_LEASE_S": "30", "SAMTAK_SMTP_TIMEOUT_S": "10"])
            async let a = start(env)
            async let b = start(env)
            let processes = try await [a, b]
            try await Self.publishAgenda(meeting, world: world, outbox: outbox, pool: database.pool)
            let complete = try await eventually(timeout: .seconds(90), interval: .milliseconds(100)) {
                guard let document = try await Self.document(of: meeting, kind: .agenda, pool: database.pool) else { return false }
                return try await database.pool.withConnection { connection in
                    try connection.query("SELECT completed_at IS NOT NULL FROM documents WHERE id = \(document)").first?.decode(Bool.self, 0) ?? false
                }
            }
            #expect(complete)
            for process in processes { await process.terminate() }
            let perRecipient = try await Self.perRecipient(sink)
            #expect(perRecipient.count == 200 && perRecipient.values.allSatisfy { $0 == 1 })
            let stats = try await Mailbox.stats(sink)
            #expect(stats.messages == 200 && stats.resends == 0)
            let counts = try await database.pool.withConnection { connection in
                (try connection.query("SELECT count(*) FROM documents").first?.decode(Int.self, 0),
                 try connection.query("SELECT count(*) FROM outbox WHERE event_type = 'agenda.sent'").first?.decode(Int.self, 0))
            }
            #expect(counts.0 == 1 && counts.1 == 1)
            let logs = processes.map { $0.log.components(separatedBy: "document delivered").count - 1 }
            print("[notifier two processes] 200 recipients, 0 re-sends; completion recorded by process A: \(logs[0]), B: \(logs[1])")
        }
    }

    @Test("approving minutes ends in a minutes.sent event on Kafka")
    func minutesSent() async throws {
        let sink = try await SMTPSinkProcess.start()
        defer { sink.stop() }
        try await withTestDatabase { database in
            let topics = TestEnvironment.uniqueTopics()
            let tap = try await EventTap(topics: topics)
            let outbox = Outbox(topics: topics, source: "/samtak/intake")
            let world = try await database.pool.withTransaction { try EngineWorld.create(on: $0) }
            let process = try await start(environment(database, topics: topics, sink: sink))
            // What the intake API's approval does: minutes approved, case decisions, the event, one transaction.
            let meeting = try await database.pool.withTransaction { connection in
                let meeting = try world.insertMeeting(on: connection)
                let cases = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                try DocumentDeliveryTests.insertMinutes(meeting: meeting, named: cases.named, world: world, on: connection)
                try outbox.append(MinutesApproved(meetingId: meeting, arenaId: world.arena, version: 1), on: connection)
                return meeting
            }
            let sent = await tap.waitFor("minutes.sent", subject: meeting, timeout: .seconds(60))
            let event = try #require(sent, "no minutes.sent:\n\(process.log.suffix(3000))")
            let payload = try event.decode(DocumentSent.self)
            #expect(payload.documentKind == .minutes && payload.delivered == 8 && payload.failed == 0)
            let mails = try await Mailbox.read(sink)
            #expect(mails.count == 8 && mails.allSatisfy { $0.subject.hasPrefix("Referat: ") })
            #expect(!process.log.contains("@\(EngineWorld.mailDomain)"), "the log must not contain e-mail addresses")
            #expect(!process.log.contains("Emma"), "the log must not contain names")
            await process.terminate()
            await tap.stop()
        }
    }
}

@Suite("Throughput", .serialized, .timeLimit(.minutes(10)))
struct NotifierThroughputTests {
    @Test("render and deliver one agenda to 1,000 recipients (time printed, not asserted)")
    func thousandRecipients() async throws {
        try await withEngine { harness, sink, world in
            let meeting = try await harness.sql { connection in
                let meeting = try NotifierProcessTests.crowdedMeeting(world, extra: 992, on: connection)
                _ = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                return meeting
            }
            harness.startWorker()
            let started = ContinuousClock.now
            let document = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            let fannedOut = ContinuousClock.now - started
            let counts = try await harness.waitUntilComplete(document, timeout: .seconds(300))
            let elapsed = ContinuousClock.now - started
            #expect(counts?.delivered == 1000)
            print("""
                [notifier throughput] agenda to \(counts?.delivered ?? 0) recipients (8 concurrent sends, local sink): \
                fan-out \(fannedOut), rendered and delivered in \(elapsed) \
                (\(String(format: "%.0f", Double(counts?.delivered ?? 0) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))) messages/s)
                """)
        }
    }
}
