import Foundation
import SamtakDomain
import SamtakKafka
import SamtakMessaging
import SamtakPostgres
import SamtakScheduler
import SamtakTestSupport
import Synchronization
import Testing

/// The built `samtak-scheduler` executable, run as an operator runs it, against a test
/// database and a topic prefix of its own. One test at a time: they load the machine.
@Suite("The scheduler executable", .serialized, .timeLimit(.minutes(10)))
struct SchedulerProcessTests {
    func environment(_ fixture: SchedulerFixture, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "SAMTAK_PG_DATABASE": fixture.database.name,
            "SAMTAK_PG_PORT": String(fixture.database.configuration.port),
            "SAMTAK_TOPIC_PREFIX": fixture.topics.prefix,
            "SAMTAK_TOPIC_PARTITIONS": String(fixture.topics.partitions),
            "SAMTAK_LOG_LEVEL": "info",
            // No consumer group: every test's scheduler joins group `samtak-scheduler` on the
            // shared local broker otherwise, and their joins and rebalances slow each other.
            "SAMTAK_CONSUMER_ASSIGNMENT": "manual",
        ].merging(extra) { _, new in new }
    }

    func start(_ fixture: SchedulerFixture, _ extra: [String: String] = [:]) async throws -> ServiceProcess {
        let process = try ServiceProcess("samtak-scheduler", port: freePort(), environment: environment(fixture, extra))
        let ready = await process.waitUntilReady(timeout: .seconds(90))
        #expect(ready, "the scheduler never became ready:\n\(process.log.suffix(4000))")
        if !ready { throw MissingTestDependency("samtak-scheduler did not become ready") }
        return process
    }

    /// Inserts cases with their `case.submitted` events, `rate` per second (0: as fast as possible), from `writers` tasks.
    func submit(_ count: Int, arena: UUID, fixture: SchedulerFixture, rate: Double = 0, writers: Int = 4) async throws -> [UUID] {
        let ids = (0..<count).map { _ in UUID() }
        let (pool, outbox, unitId, staffId) = (fixture.pool, fixture.outbox, fixture.unitId, fixture.staffId)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for index in stride(from: writer, to: count, by: writers) {
                        if rate > 0 {
                            // Open-loop arrivals: case n is due at n / rate seconds.
                            let due = start + .milliseconds(Int(Double(index) / rate * 1000))
                            if due > ContinuousClock.now { try await Task.sleep(until: due) }
                        }
                        let id = ids[index]
                        try await pool.withTransaction { connection in
                            try SchedulerFixture.insertCase(id, arena: arena, unitId: unitId, staffId: staffId, on: connection)
                            try outbox.append(CaseSubmitted(caseId: id, arenaId: arena, unitId: unitId, kind: .system, urgent: false), on: connection)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return ids
    }

    /// submit → scheduled per case, from the database's own clocks (the case's and the agenda item's transaction start).
    func latencies(_ fixture: SchedulerFixture, _ ids: [UUID]) async throws -> [Double] {
        try await fixture.pool.withConnection { connection in
            try connection.query("""
                SELECT extract(epoch FROM ai.created_at - c.created_at)::float8 FROM cases c JOIN agenda_items ai ON ai.case_id = c.id
                WHERE c.id = ANY(\(ids)) AND ai.removed_at IS NULL
                """).map { row throws(PostgresError) in try row.decode(Double.self, 0) }
        }.sorted()
    }

    /// Where the time goes: case written → the relay's round that publishes its event begins
    /// (`published_at` is that transaction's start), → the consumer's inbox transaction
    /// begins (produce, broker, fetch, queueing in the consumer).
    func stages(_ fixture: SchedulerFixture, _ ids: [UUID]) async throws -> [(String, [Double])] {
        let rows = try await fixture.pool.withConnection { connection in
            try connection.query("""
                SELECT extract(epoch FROM o.published_at - c.created_at)::float8, extract(epoch FROM i.processed_at - o.published_at)::float8
                FROM cases c JOIN outbox o ON o.subject = c.id::text AND o.event_type = 'case.submitted'
                JOIN inbox i ON i.event_id = o.event_id
                WHERE c.id = ANY(\(ids))
                """).map { row throws(PostgresError) in (try row.decode(Double.self, 0), try row.decode(Double.self, 1)) }
        }
        return [("written → relay round", rows.map(\.0).sorted()), ("relay round → consumer", rows.map(\.1).sorted())]
    }

    func report(_ label: String, _ sorted: [Double]) -> String {
        func ms(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }
        return "\(label): n=\(sorted.count) p50 \(ms(percentile(sorted, 50))) p90 \(ms(percentile(sorted, 90))) p99 \(ms(percentile(sorted, 99))) max \(ms(sorted.last ?? .nan))"
    }

    @Test("end to end: arena.changed plans the arena, a submitted case lands on the right meeting and case.scheduled is on Kafka; latency at 200 cases/s")
    func endToEnd() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let process = try await start(fixture)

            // The API registers a monthly ressursteam (first Tuesday, 14:00): arena.changed makes its meetings.
            let arena = try await fixture.arena(.init(rrule: "FREQ=MONTHLY;BYDAY=1TU", seriesStart: LocalDateTime(year: 2026, month: 1, day: 6, hour: 14, minute: 0)!,
                                                      capacity: 200), announce: true)
            #expect(await eventually(timeout: .seconds(30)) { (try? await fixture.count("SELECT count(*)::int8 FROM meetings WHERE arena_id = \(arena)")) ?? 0 >= 11 },
                    "\(process.log.suffix(3000))")
            let expected = try #require(try await fixture.scalar("""
                SELECT id FROM meetings WHERE arena_id = \(arena) AND submission_deadline > now() ORDER BY starts_at LIMIT 1
                """, as: UUID.self))

            // case.scheduled must reach Kafka (binary mode, keyed by the case): a tap reads the topics.
            let tap = try KafkaReader(topic: fixture.topics.name(.cases))
            let clock = ContinuousClock()
            var firstCase: UUID?
            for attempt in ["cold (the process's first event on the cases topic)", "warm"] {
                let began = clock.now
                let caseId = try await fixture.submitCase(arena: arena, announce: true)
                firstCase = firstCase ?? caseId
                #expect(await eventually(timeout: .seconds(20), interval: .milliseconds(5)) { (try? await fixture.status(ofCase: caseId)) == "scheduled" },
                        "\(process.log.suffix(3000))")
                let scheduledAfter = clock.now - began
                let published = await tap.waitFor(CaseScheduled.type, subject: caseId)
                print("end to end, \(attempt): submitted → scheduled in the database after \(scheduledAfter.formatted(.units(allowed: [.milliseconds]))), "
                      + "case.scheduled read back from Kafka after \((clock.now - began).formatted(.units(allowed: [.milliseconds])))")
                for (stage, values) in try await stages(fixture, [caseId]) { print(report("  \(stage)", values)) }
                let event = try #require(published).decode(CaseScheduled.self)
                #expect(event.caseId == caseId && event.meetingId == expected && event.arenaId == arena && event.reason == .earliestOpenMeeting)
            }
            let first = try #require(firstCase)
            #expect(try await fixture.agenda(expected).first?.caseId == first)
            #expect(try await fixture.agenda(expected).map(\.position) == [1, 2])
            await tap.stop()

            // 1,000 cases at 200 per second (open loop): submit → scheduled from the database's clocks.
            let ids = try await submit(1000, arena: arena, fixture: fixture, rate: 200)
            #expect(await eventually(timeout: .seconds(120)) {
                (try? await fixture.count("SELECT count(*)::int8 FROM cases WHERE status = 'scheduled' AND id = ANY(\(ids))")) == 1000
            })
            let measured = try await latencies(fixture, ids)
            print(report("submit → scheduled at 200 cases/s (one scheduler)", measured))
            for (stage, values) in try await stages(fixture, ids) { print(report("  \(stage)", values)) }
            #expect(measured.count == 1000)
            #expect(try await fixture.agenda(expected).count == 200, "the first open meeting took its capacity, the rest went to the next")
            #expect(await process.terminate() == 0)
        }
    }

    @Test("two scheduler processes, one stream of 5,000 cases: every case on exactly one meeting, no meeting over capacity")
    func twoProcessesFiveThousandCases() async throws {
        try await withTestDatabase(poolSize: 12) { database in
            let fixture = try await SchedulerFixture.make(database)
            // A daily meeting with room for 20: 5,000 cases fill some 250 meetings, so the
            // two processes compete for the same agendas all the way.
            let arena = try await fixture.arena(.init(name: "Inntak", kind: "other", rrule: "FREQ=DAILY",
                                                      seriesStart: LocalDateTime(year: 2026, month: 1, day: 1, hour: 10, minute: 0)!, capacity: 20,
                                                      deadlineHours: 24, leadHours: 12, holidayPolicy: "keep"))
            // Both processes see every event (manual assignment, no consumer group): only the database keeps them apart.
            let extra = ["SAMTAK_SCHEDULER_RECONCILE_S": "3", "SAMTAK_LOG_LEVEL": "notice"]
            let first = try await start(fixture, extra)
            let second = try await start(fixture, extra)
            #expect(await eventually(timeout: .seconds(30)) { (try? await fixture.count("SELECT count(*)::int8 FROM meetings")) ?? 0 >= 300 })

            let clock = ContinuousClock()
            let began = clock.now
            let ids = try await submit(5000, arena: arena, fixture: fixture, writers: 8)
            let written = clock.now - began
            let done = await eventually(timeout: .seconds(420), interval: .milliseconds(250)) {
                (try? await fixture.count("SELECT count(*)::int8 FROM cases WHERE status = 'scheduled'")) == 5000
            }
            let scheduledCount = try await fixture.count("SELECT count(*)::int8 FROM cases WHERE status = 'scheduled'")
            #expect(done, "\(scheduledCount) of 5000 scheduled\n\(first.log.suffix(2000))")
            print("two schedulers: 5,000 cases written in \(written.formatted(.units(allowed: [.seconds, .milliseconds]))), all scheduled after "
                  + "\((clock.now - began).formatted(.units(allowed: [.seconds, .milliseconds])))")
            print(report("submit → scheduled, burst of 5,000 (two schedulers)", try await latencies(fixture, ids)))

            // Every case exactly once.
            #expect(try await fixture.count("SELECT count(*)::int8 FROM agenda_items WHERE removed_at IS NULL") == 5000)
            #expect(try await fixture.count("SELECT count(DISTINCT case_id)::int8 FROM agenda_items WHERE removed_at IS NULL") == 5000)
            #expect(try await fixture.count("SELECT count(*)::int8 FROM agenda_items WHERE removed_at IS NOT NULL") == 0)
            #expect(try await fixture.count("SELECT count(*)::int8 FROM outbox WHERE event_type = 'case.scheduled'") == 5000)
            // No meeting over capacity, positions 1...n on each.
            #expect(try await fixture.count("""
                SELECT count(*)::int8 FROM (SELECT m.id FROM meetings m JOIN agenda_items ai ON ai.meeting_id = m.id AND ai.removed_at IS NULL
                                            GROUP BY m.id, m.capacity HAVING count(*) > m.capacity) over
                """) == 0)
            #expect(try await fixture.count("""
                SELECT count(*)::int8 FROM (SELECT meeting_id FROM agenda_items WHERE removed_at IS NULL GROUP BY meeting_id
                                            HAVING count(DISTINCT position) <> count(*) OR max(position) <> count(*)) gaps
                """) == 0)
            // Filled in order: every meeting before the last one used is full.
            #expect(try await fixture.count("""
                WITH used AS (SELECT m.id, m.starts_at, m.capacity, count(ai.id) AS n FROM meetings m
                              LEFT JOIN agenda_items ai ON ai.meeting_id = m.id AND ai.removed_at IS NULL GROUP BY m.id)
                SELECT count(*)::int8 FROM used WHERE n < capacity AND starts_at < (SELECT max(starts_at) FROM used WHERE n > 0)
                  AND starts_at > now() + interval '1 day'
                """) == 0)
            // A case the planner's reconciliation placed before its event arrived is in the
            // inbox once the event is consumed: wait for the stream to drain, then count.
            _ = await eventually(timeout: .seconds(60), interval: .milliseconds(250)) {
                (try? await fixture.count("SELECT count(*)::int8 FROM inbox WHERE event_type = 'case.submitted'")) ?? 0 >= 5000
            }
            let inboxes = try await fixture.count("SELECT count(*)::int8 FROM inbox WHERE event_type = 'case.submitted'")
            #expect(inboxes == 5000)
            #expect(await first.terminate() == 0)
            #expect(await second.terminate() == 0)
        }
    }

    @Test("reconciliation: cases written with their events deleted before publication still get scheduled")
    func reconciliationWithoutEvents() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let arena = try await fixture.arena(.init(rrule: "FREQ=WEEKLY;BYDAY=TU", seriesStart: LocalDateTime(year: 2026, month: 1, day: 6, hour: 9, minute: 0)!,
                                                      capacity: 50))
            let process = try await start(fixture, ["SAMTAK_SCHEDULER_RECONCILE_S": "2"])
            // Cases whose events never reach the outbox (as if lost before publication): the
            // relay never sees them. (An appended row cannot be deleted in its own transaction:
            // the outbox writes it with the COMMIT.)
            let (pool, unitId, staffId) = (fixture.pool, fixture.unitId, fixture.staffId)
            for _ in 0..<30 {
                try await pool.withTransaction { connection in
                    try SchedulerFixture.insertCase(UUID(), arena: arena, unitId: unitId, staffId: staffId, on: connection)
                }
            }
            #expect(await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                (try? await fixture.count("SELECT count(*)::int8 FROM cases WHERE status = 'scheduled'")) == 30
            }, "\(process.log.suffix(3000))")
            #expect(try await fixture.count("SELECT count(DISTINCT case_id)::int8 FROM agenda_items WHERE removed_at IS NULL") == 30)
            #expect(try await fixture.count("SELECT count(*)::int8 FROM inbox") == 0, "no event reached the consumer: reconciliation did it")
            #expect(process.log.contains("reconciliation repaired"))
            #expect(await process.terminate() == 0)
        }
    }

    @Test("an empty beslutningsteam meeting is cancelled at its lead time by the running service, and meeting.cancelled goes out")
    func emptyMeetingCancelledByTheService() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let arena = try await fixture.arena(.init(name: "Beslutningsteam", kind: "beslutningsteam", cancelWhenEmpty: true))
            let meeting = try await fixture.meeting(arena: arena, startsInHours: 48, deadlineInHours: 1, agendaDueInHours: 24)
            let process = try await start(fixture, ["SAMTAK_SCHEDULER_TICK_MS": "200"])
            _ = try await fixture.pool.withConnection { try $0.execute("UPDATE meetings SET agenda_due_at = now() WHERE id = \(meeting)") }
            #expect(await eventually(timeout: .seconds(20)) {
                (try? await fixture.scalar("SELECT status FROM meetings WHERE id = \(meeting)", as: String.self)) == "cancelled"
            })
            #expect(await eventually(timeout: .seconds(20)) {
                (try? await fixture.count("SELECT count(*)::int8 FROM outbox WHERE event_type = 'meeting.cancelled' AND published_at IS NOT NULL")) == 1
            })
            #expect(await process.terminate() == 0)
        }
    }
}

/// Reads one topic from the broker in the background (a KafkaConsumer of its own, no group).
final class KafkaReader: Sendable {
    final class Seen: Sendable {
        let events = Mutex<[EventEnvelope]>([])
    }
    private let seen = Seen()
    private let task: Task<Void, Never>

    init(topic: String) throws {
        var kafka = TestEnvironment.kafka(clientID: "scheduler-test-reader")
        kafka.properties["fetch.wait.max.ms"] = "20"
        let consumer = try KafkaConsumer(configuration: kafka, groupID: "reader-\(UUID().uuidString.prefix(8))",
                                         assignment: .manual(topics: [topic]), logger: TestEnvironment.logger)
        let seen = self.seen
        task = Task {
            while !Task.isCancelled {
                guard let batch = try? await consumer.poll(maxMessages: 500, timeout: .milliseconds(200)) else { continue }
                let envelopes = batch.compactMap { try? EventEnvelope(kafkaMessage: $0) }
                if !envelopes.isEmpty { seen.events.withLock { $0.append(contentsOf: envelopes) } }
            }
            await consumer.close()
        }
    }

    /// The first event of `type` about `subject`, waiting up to `timeout`.
    func waitFor(_ type: String, subject: UUID, timeout: Duration = .seconds(20)) async -> EventEnvelope? {
        let key = subject.uuidString.lowercased()
        let deadline = ContinuousClock.now + timeout
        repeat {
            if let hit = seen.events.withLock({ $0.first { $0.type == type && $0.subject == key } }) { return hit }
            try? await Task.sleep(for: .milliseconds(5))
        } while ContinuousClock.now < deadline
        return nil
    }

    func stop() async {
        task.cancel()
        await task.value
    }
}

@Suite("samtak-scheduler preview")
struct PreviewCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let url = TestEnvironment.binDirectory.appendingPathComponent("samtak-scheduler")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw MissingTestDependency("\(url.path) is not built; run `swift build` first")
        }
        let process = ChildProcess()
        process.executableURL = url
        process.arguments = ["preview"] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test("prints one ISO 8601 line with offset per occurrence, across DST, nothing else")
    func knownRule() throws {
        let monthly = try run(["--rrule", "FREQ=MONTHLY;BYDAY=1TU", "--start", "2027-01-05T14:00", "--until", "2027-04-30", "--holidays", "keep"])
        #expect(monthly.status == 0)
        #expect(monthly.stdout == """
            2027-01-05T14:00:00+01:00
            2027-02-02T14:00:00+01:00
            2027-03-02T14:00:00+01:00
            2027-04-06T14:00:00+02:00

            """)
        #expect(monthly.stderr.isEmpty)
        // Maundy Thursday 2027 moves past Good Friday, Easter and Easter Monday to Tuesday 30 March.
        let weekly = try run(["--rrule", "FREQ=WEEKLY;BYDAY=TH", "--start", "2027-03-18T10:00", "--until", "2027-04-08", "--holidays", "move"])
        #expect(weekly.stdout.split(separator: "\n") == ["2027-03-18T10:00:00+01:00", "2027-03-30T10:00:00+02:00",
                                                         "2027-04-01T10:00:00+02:00", "2027-04-08T10:00:00+02:00"])
        let skipped = try run(["--rrule", "FREQ=WEEKLY;BYDAY=TH", "--start", "2027-03-18T10:00", "--until", "2027-04-08", "--holidays", "skip"])
        #expect(skipped.stdout.split(separator: "\n").count == 3)
    }

    @Test("a bad rule or argument exits non-zero and says what is wrong on stderr")
    func badInput() throws {
        let badRule = try run(["--rrule", "FREQ=FORTNIGHTLY", "--start", "2027-01-05T14:00", "--until", "2027-04-30"])
        #expect(badRule.status != 0)
        #expect(badRule.stdout.isEmpty)
        #expect(badRule.stderr.contains("--rrule") && badRule.stderr.contains("FREQ"), "\(badRule.stderr)")
        let badStart = try run(["--rrule", "FREQ=WEEKLY", "--start", "5 January", "--until", "2027-04-30"])
        #expect(badStart.status != 0 && badStart.stderr.contains("--start"))
        let badPolicy = try run(["--rrule", "FREQ=WEEKLY", "--start", "2027-01-05T14:00", "--until", "2027-04-30", "--holidays", "ignore"])
        #expect(badPolicy.status != 0 && badPolicy.stderr.contains("keep, skip, move"))
    }
}
