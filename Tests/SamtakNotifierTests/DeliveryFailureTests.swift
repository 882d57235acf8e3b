import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakNotifier
import SamtakPostgres
import SamtakTestSupport
import Testing

@Suite("Retries, permanent failures and their announcement", .timeLimit(.minutes(5)))
struct DeliveryFailureTests {
    @Test("SMTP server down, then up: the deliveries complete; a rejected address is failed and announced on Kafka")
    func downThenUpAndRejected() async throws {
        // Nothing listens on this port yet, and no other test can take it meanwhile.
        let reservation = try LoopbackPortReservation()
        let port = reservation.port
        let rejected = EngineWorld.address("Vigdis Aune")
        try await withTestDatabase { database in
            let world = try await database.pool.withTransaction { try EngineWorld.create(on: $0) }
            let harness = try EngineHarness(database: database, smtpURL: "smtp://127.0.0.1:\(port)")
            let tap = try await EventTap(topics: harness.topics)
            defer { Task { await tap.stop() } }
            let (meeting, nobody) = try await harness.sql { connection in
                let meeting = try world.insertMeeting(on: connection)
                _ = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                // A participant without an e-mail address.
                let nobody = UUID()
                try connection.execute("INSERT INTO people (id, kind, name) VALUES (\(nobody), 'staff', 'Ola Uten Epost')")
                try connection.execute("INSERT INTO meeting_participants (meeting_id, person_id) VALUES (\(meeting), \(nobody))")
                return (meeting, nobody)
            }
            try harness.startRelay()
            harness.startWorker()
            let document = try #require(try await harness.fanOut(.agenda, meeting: meeting))

            // The relay is down: deliveries go back to pending with a connection error, none is lost.
            let retried = try await eventually(timeout: .seconds(20)) {
                try await harness.sql { connection in
                    try connection.query("""
                        SELECT count(*) FROM deliveries WHERE document_id = \(document) AND state IN ('pending', 'sending') AND attempts >= 2
                        """).first?.decode(Int.self, 0) ?? 0
                } > 0
            }
            #expect(retried)
            let lastError = try await harness.sql { connection in
                try connection.query("SELECT last_error FROM deliveries WHERE document_id = \(document) AND last_error IS NOT NULL LIMIT 1")
                    .first?.decode(String.self, 0)
            }
            #expect(lastError == "curl_7")
            #expect(harness.notifier.health.problem != nil, "readiness should report the relay unreachable")
            #expect(try await harness.states(document)["sent"] == nil)

            // The relay comes up (and refuses one recipient for good).
            reservation.release()
            let sink = try await SMTPSinkProcess.start(rejecting: [rejected], port: port)
            defer { sink.stop() }
            let counts = try #require(try await harness.waitUntilComplete(document, timeout: .seconds(60)))
            #expect(counts.delivered == 7 && counts.failed == 2)
            #expect(try await sink.waitForMessages(7).count == 7)
            #expect(harness.notifier.health.problem == nil)

            // Visible to the meeting's owner: name, state and reason code per failed delivery.
            let failures = try await harness.sql { connection in
                try connection.query("""
                    SELECT recipient_name, state, failure_reason FROM meeting_deliveries WHERE meeting_id = \(meeting) AND state = 'failed'
                    ORDER BY recipient_name
                    """).map { row throws(PostgresError) in
                    "\(try row.decode(String.self, 0))|\(try row.decode(String.self, 1))|\(try row.decode(String.self, 2))"
                }
            }
            #expect(failures == ["Ola Uten Epost|failed|no_address", "Vigdis Aune|failed|smtp_550"])

            // Announced on Kafka: reason codes only, never an address.
            let announced = await eventually(timeout: .seconds(30)) { tap.events(NotificationFailed.type, subject: meeting).count >= 2 }
            #expect(announced)
            let failedEvents = tap.events(NotificationFailed.type, subject: meeting)
            let reasons = try failedEvents.map { try $0.decode(NotificationFailed.self).reasonCode }.sorted()
            #expect(reasons == ["no_address", "smtp_550"])
            for event in failedEvents {
                let payload = String(decoding: event.data, as: UTF8.self)
                #expect(!payload.contains("@") && !payload.contains("Vigdis") && !payload.contains(nobody.uuidString.lowercased()))
            }
            let sent = await tap.waitFor("agenda.sent", subject: meeting, timeout: .seconds(30))
            let event = try #require(sent)
            let payload = try event.decode(DocumentSent.self)
            #expect(payload.delivered == 7 && payload.failed == 2 && payload.documentKind == .agenda && payload.documentId == document)
            // Exactly once, even though the sweep ran meanwhile.
            #expect(try await harness.outboxEvents("agenda.sent").count == 1)
            await harness.stop()
        }
    }

    @Test("a 451 at DATA is retried with backoff and then delivered")
    func temporaryFailure() async throws {
        let sink = try await SMTPSinkProcess.start(failFirst: 3)
        defer { sink.stop() }
        try await withTestDatabase { database in
            let world = try await database.pool.withTransaction { try EngineWorld.create(on: $0) }
            let harness = try EngineHarness(database: database, smtpURL: sink.url)
            let meeting = try await harness.sql { connection in
                let meeting = try world.insertMeeting(on: connection)
                _ = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                return meeting
            }
            harness.startWorker()
            let document = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            #expect(try await harness.waitUntilComplete(document)?.delivered == 8)
            let retried = try await harness.sql { connection in
                try connection.query("SELECT count(*) FROM deliveries WHERE document_id = \(document) AND attempts > 1").first?.decode(Int.self, 0)
            }
            #expect(retried == 3)
            #expect(harness.notifier.worker.statistics.retried == 3)
            #expect(try await Mailbox.stats(sink).messages == 8)
            await harness.stop()
        }
    }

    @Test("fan-out is exactly once: the same event twice makes one document")
    func duplicateEvent() async throws {
        try await withTestDatabase { database in
            let world = try await database.pool.withTransaction { try EngineWorld.create(on: $0) }
            let harness = try EngineHarness(database: database, smtpURL: "smtp://127.0.0.1:1")
            let meeting = try await harness.sql { try world.insertMeeting(on: $0) }
            let event = try EventEnvelope(AgendaPublished(meetingId: meeting, arenaId: world.arena, itemCount: 0), source: "/samtak/scheduler")
            let fanOut = harness.notifier.fanOut
            for _ in 0..<2 {
                try await database.pool.withTransaction { connection in try fanOut.apply(event, on: connection) }
            }
            let counts = try await harness.sql { connection in
                (try connection.query("SELECT count(*) FROM documents").first?.decode(Int.self, 0),
                 try connection.query("SELECT count(*) FROM deliveries").first?.decode(Int.self, 0))
            }
            // No cases: the five participants only.
            #expect(counts.0 == 1 && counts.1 == 5)
        }
    }

    @Test("cancellations: sent for an announced meeting and for the empty-meeting rule, not for a meeting nobody heard of")
    func cancellationRule() async throws {
        try await withTestDatabase { database in
            let world = try await database.pool.withTransaction { try EngineWorld.create(on: $0) }
            let harness = try EngineHarness(database: database, smtpURL: "smtp://127.0.0.1:1")
            let (quiet, empty) = try await harness.sql { connection in
                // Series meetings nobody was invited to (no explicit participants).
                let quiet = try EngineWorld.insertMeeting(arena: world.arena, caseworker: nil, on: connection)
                let empty = try EngineWorld.insertMeeting(arena: world.arena, start: EngineWorld.meetingStart.addingTimeInterval(86400 * 28),
                                                          caseworker: nil, on: connection)
                try connection.execute("UPDATE meetings SET status = 'cancelled', agenda_published_at = NULL WHERE id = ANY(\([quiet, empty]))")
                return (quiet, empty)
            }
            #expect(try await harness.fanOut(.cancellation, meeting: quiet, reason: .seriesChanged) == nil)
            let document = try #require(try await harness.fanOut(.cancellation, meeting: empty, reason: .noCases))
            // The four arena participants.
            #expect(try await harness.states(document)["pending"] == 4)
        }
    }
}
