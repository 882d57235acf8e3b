import Foundation
import SamtakDomain
import SamtakKafka
import SamtakMessaging
import SamtakPostgres
import SamtakScheduler
import SamtakTestSupport
import Testing

/// The scheduling rule, called directly on a test database with rows inserted by hand.
@Suite("Cases onto meetings", .timeLimit(.minutes(3)))
struct SchedulingTests {
    func schedule(_ fixture: SchedulerFixture, _ caseId: UUID) async throws -> SchedulingOutcome {
        let cases = fixture.scheduler.cases
        return try await fixture.transaction { try cases.schedule(caseId: caseId, on: $0) }
    }

    @Test("the earliest open meeting with room takes the case, and case.scheduled says so")
    func earliestOpenMeeting() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let arena = try await fixture.arena()
            let later = try await fixture.meeting(arena: arena, startsInHours: 24 * 14, deadlineInHours: 24 * 7)
            let first = try await fixture.meeting(arena: arena, startsInHours: 24 * 7, deadlineInHours: 24)
            let caseId = try await fixture.submitCase(arena: arena)

            let outcome = try await schedule(fixture, caseId)
            #expect(outcome == .scheduled(meetingId: first, position: 1, reason: .earliestOpenMeeting, overCapacity: false))
            #expect(try await fixture.agenda(first) == [.init(caseId: caseId, position: 1, reason: "earliest_open_meeting", overCapacity: false)])
            #expect(try await fixture.agenda(later).isEmpty)
            #expect(try await fixture.status(ofCase: caseId) == "scheduled")
            let events = try await fixture.events(CaseScheduled.self)
            #expect(events == [CaseScheduled(caseId: caseId, meetingId: first, arenaId: arena, position: 1, reason: .earliestOpenMeeting, overCapacity: false)])
            // Minutes per case come from the arena; the presenter is the case's owner.
            let item = try await fixture.pool.withConnection { connection in
                try connection.query("SELECT minutes_allotted, presenter_id FROM agenda_items WHERE case_id = \(caseId)").first.map {
                    row throws(PostgresError) in (try row.decode(Int.self, 0), try row.decode(UUID.self, 1))
                }
            }
            #expect(item?.0 == 15 && item?.1 == fixture.staffId)

            // Scheduling again changes nothing: the case is no longer submitted.
            #expect(try await schedule(fixture, caseId) == .notApplicable)
            #expect(try await fixture.count("SELECT count(*)::int8 FROM agenda_items WHERE case_id = \(caseId)") == 1)
        }
    }

    @Test("deadline passed → the next meeting, reason deadline_passed")
    func deadlinePassed() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let arena = try await fixture.arena()
            let closed = try await fixture.meeting(arena: arena, startsInHours: 48, deadlineInHours: -1, agendaDueInHours: 1)
            let next = try await fixture.meeting(arena: arena, startsInHours: 24 * 9, deadlineInHours: 48)
            let caseId = try await fixture.submitCase(arena: arena)

            #expect(try await schedule(fixture, caseId) == .scheduled(meetingId: next, position: 1, reason: .deadlinePassed, overCapacity: false))
            #expect(try await fixture.agenda(closed).isEmpty)
        }
    }

    @Test("capacity full → the next meeting, reason capacity_full")
    func capacityFull() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let arena = try await fixture.arena()
            let small = try await fixture.meeting(arena: arena, startsInHours: 24 * 7, deadlineInHours: 24, capacity: 2)
            let next = try await fixture.meeting(arena: arena, startsInHours: 24 * 35, deadlineInHours: 24 * 28)
            let a = try await fixture.submitCase(arena: arena)
            let b = try await fixture.submitCase(arena: arena)
            let c = try await fixture.submitCase(arena: arena)
            #expect(try await schedule(fixture, a) == .scheduled(meetingId: small, position: 1, reason: .earliestOpenMeeting, overCapacity: false))
            #expect(try await schedule(fixture, b) == .scheduled(meetingId: small, position: 2, reason: .earliestOpenMeeting, overCapacity: false))
            #expect(try await schedule(fixture, c) == .scheduled(meetingId: next, position: 1, reason: .capacityFull, overCapacity: false))
            #expect(try await fixture.agenda(small).map(\.caseId) == [a, b])
        }
    }

    @Test("an urgent case takes the first open meeting even when it is full, and says so")
    func urgentOverCapacity() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let arena = try await fixture.arena()
            _ = try await fixture.meeting(arena: arena, startsInHours: 30, deadlineInHours: -2, agendaDueInHours: 2)  // closed
            let first = try await fixture.meeting(arena: arena, startsInHours: 24 * 7, deadlineInHours: 24, capacity: 1)
            let next = try await fixture.meeting(arena: arena, startsInHours: 24 * 14, deadlineInHours: 24 * 7)
            let ordinary = try await fixture.submitCase(arena: arena)
            let urgent = try await fixture.submitCase(arena: arena, urgent: true)
            let another = try await fixture.submitCase(arena: arena)
            let urgentWithRoom = try await fixture.submitCase(arena: arena, urgent: true)

            #expect(try await schedule(fixture, ordinary) == .scheduled(meetingId: first, position: 1, reason: .deadlinePassed, overCapacity: false))
            #expect(try await schedule(fixture, urgent) == .scheduled(meetingId: first, position: 2, reason: .urgentOverCapacity, overCapacity: true))
            #expect(try await schedule(fixture, another) == .scheduled(meetingId: next, position: 1, reason: .capacityFull, overCapacity: false))
            // Full is full for the next urgent case too: it still takes the first open meeting.
            #expect(try await schedule(fixture, urgentWithRoom) == .scheduled(meetingId: first, position: 3, reason: .urgentOverCapacity, overCapacity: true))
            let event = try await fixture.events(CaseScheduled.self).first { $0.caseId == urgent }
            #expect(event?.overCapacity == true && event?.reason == .urgentOverCapacity)
        }
    }

    @Test("no meeting in the horizon: the case stays submitted")
    func noMeeting() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let arena = try await fixture.arena()
            _ = try await fixture.meeting(arena: arena, startsInHours: 10, deadlineInHours: -5, agendaDueInHours: -1)
            let caseId = try await fixture.submitCase(arena: arena)
            #expect(try await schedule(fixture, caseId) == .noMeeting)
            #expect(try await fixture.status(ofCase: caseId) == "submitted")
            #expect(try await fixture.events(CaseScheduled.self).isEmpty)
        }
    }

    @Test("a withdrawn case leaves the agenda, the items after it close up, case.unscheduled is announced; not after the meeting was held")
    func withdrawal() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let cases = fixture.scheduler.cases
            let arena = try await fixture.arena()
            let meeting = try await fixture.meeting(arena: arena, startsInHours: 24 * 7, deadlineInHours: 24)
            var ids: [UUID] = []
            for _ in 0..<4 {
                let id = try await fixture.submitCase(arena: arena)
                _ = try await schedule(fixture, id)
                ids.append(id)
            }
            // The API sets the status; the scheduler reacts to case.withdrawn.
            let second = ids[1]
            let removed = try await fixture.transaction { connection in
                try connection.execute("UPDATE cases SET status = 'withdrawn', withdrawn_at = now() WHERE id = \(second)")
                return try cases.withdraw(caseId: second, on: connection)
            }
            #expect(removed)
            #expect(try await fixture.agenda(meeting).map(\.caseId) == [ids[0], ids[2], ids[3]])
            #expect(try await fixture.agenda(meeting).map(\.position) == [1, 2, 3])
            #expect(try await fixture.scalar("SELECT removed_reason FROM agenda_items WHERE case_id = \(second)", as: String.self) == "withdrawn")
            #expect(try await fixture.events(CaseUnscheduled.self) == [CaseUnscheduled(caseId: second, meetingId: meeting, reason: "withdrawn")])
            // A second delivery of the event finds nothing to do.
            #expect(try await fixture.transaction { try cases.withdraw(caseId: second, on: $0) } == false)

            // Once the meeting has been held, the agenda is history and stays as it was.
            let last = ids[3]
            let keptAfterHeld = try await fixture.transaction { connection in
                try connection.execute("UPDATE meetings SET status = 'held' WHERE id = \(meeting)")
                try connection.execute("UPDATE cases SET status = 'withdrawn' WHERE id = \(last)")
                return try cases.withdraw(caseId: last, on: connection)
            }
            #expect(keptAfterHeld == false)
            #expect(try await fixture.agenda(meeting).count == 3)
        }
    }

    @Test("a cancelled meeting's cases move to the next meetings in their order; a case with nowhere to go is submitted again")
    func meetingCancelledMovesCases() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let cases = fixture.scheduler.cases
            let arena = try await fixture.arena()
            let cancelled = try await fixture.meeting(arena: arena, startsInHours: 24 * 7, deadlineInHours: 24, capacity: 3)
            let earlierWithRoom = try await fixture.meeting(arena: arena, startsInHours: 24 * 5, deadlineInHours: 24, capacity: 8)
            let nextSmall = try await fixture.meeting(arena: arena, startsInHours: 24 * 14, deadlineInHours: 24 * 7, capacity: 2)
            let afterThat = try await fixture.meeting(arena: arena, startsInHours: 24 * 21, deadlineInHours: 24 * 14, capacity: 8)
            // Three cases on the meeting about to be cancelled, put there by hand.
            var onCancelled: [UUID] = []
            for _ in 0..<3 { onCancelled.append(UUID()) }
            let occupant = try await fixture.submitCase(arena: arena)
            let (unitId, staffId) = (fixture.unitId, fixture.staffId)
            try await fixture.transaction { [onCancelled] connection in
                for (index, id) in onCancelled.enumerated() {
                    try SchedulerFixture.insertCase(id, arena: arena, unitId: unitId, staffId: staffId, on: connection)
                    try connection.execute("UPDATE cases SET status = 'scheduled' WHERE id = \(id)")
                    try connection.execute("""
                        INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(UUID()), \(cancelled), \(id), \(index + 1), 'earliest_open_meeting')
                        """)
                }
            }
            #expect(try await fixture.transaction { try cases.schedule(caseId: occupant, on: $0) }
                    == .scheduled(meetingId: earlierWithRoom, position: 1, reason: .earliestOpenMeeting, overCapacity: false))

            let outcomes = try await fixture.transaction { connection in
                try connection.execute("UPDATE meetings SET status = 'cancelled', cancelled_reason = 'by_owner', sequence = sequence + 1 WHERE id = \(cancelled)")
                return try cases.meetingCancelled(meetingId: cancelled, on: connection)
            }
            // Later meetings only (the earlier one with room is not "the next meeting"), in agenda order.
            #expect(outcomes[onCancelled[0]] == .scheduled(meetingId: nextSmall, position: 1, reason: .meetingCancelled, overCapacity: false))
            #expect(outcomes[onCancelled[1]] == .scheduled(meetingId: nextSmall, position: 2, reason: .meetingCancelled, overCapacity: false))
            #expect(outcomes[onCancelled[2]] == .scheduled(meetingId: afterThat, position: 1, reason: .meetingCancelled, overCapacity: false))
            #expect(try await fixture.agenda(cancelled).isEmpty)
            #expect(try await fixture.agenda(earlierWithRoom).count == 1)
            #expect(try await fixture.count("SELECT count(*)::int8 FROM agenda_items WHERE removed_reason = 'meeting_cancelled'") == 3)
            for id in onCancelled { #expect(try await fixture.status(ofCase: id) == "scheduled") }
            let moved = try await fixture.events(CaseScheduled.self).filter { $0.reason == .meetingCancelled }
            #expect(moved.map(\.caseId) == onCancelled)

            // Cancel the last meeting too: its case finds no later meeting and is submitted again.
            _ = try await fixture.transaction { connection in
                try connection.execute("UPDATE meetings SET status = 'cancelled' WHERE id = \(afterThat)")
                return try cases.meetingCancelled(meetingId: afterThat, on: connection)
            }
            #expect(try await fixture.status(ofCase: onCancelled[2]) == "submitted")
            #expect(try await fixture.events(CaseUnscheduled.self) == [CaseUnscheduled(caseId: onCancelled[2], meetingId: afterThat, reason: "meeting_cancelled")])
            // The same event again: nothing left to move.
            #expect(try await fixture.transaction { try cases.meetingCancelled(meetingId: afterThat, on: $0) }.isEmpty)
        }
    }

    @Test("the same case.submitted envelope applied twice through the inbox gives one agenda item")
    func redeliveredEventThroughTheInbox() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let arena = try await fixture.arena()
            let meeting = try await fixture.meeting(arena: arena, startsInHours: 24 * 7, deadlineInHours: 24)
            let caseId = try await fixture.submitCase(arena: arena, announce: true)

            let logger = TestEnvironment.logger
            let producer = try KafkaProducer(configuration: TestEnvironment.kafka(), logger: logger)
            let relay = OutboxRelay(pool: fixture.pool, producer: producer, kafka: TestEnvironment.kafka(), topics: fixture.topics,
                                    configuration: .init(batchSize: 100, idlePoll: .milliseconds(200)), logger: logger)
            let events = fixture.scheduler.events
            let consumer = InboxConsumer(
                configuration: .init(name: SchedulerService.consumerName, topics: [.cases], assignment: .manual),
                pool: fixture.pool, kafka: TestEnvironment.kafka(), topics: fixture.topics, logger: logger
            ) { envelope, connection in try events.apply(envelope, on: connection) }
            let relayRunning = Running { try await relay.run() }
            let consumerRunning = Running { try await consumer.run() }

            #expect(await eventually(timeout: .seconds(30)) { (try? await fixture.agenda(meeting).count) == 1 })
            // Publish every outbox row again: the case.submitted envelope (same id) arrives a second time.
            let submittedId = try #require(try await fixture.scalar("SELECT event_id FROM outbox WHERE event_type = 'case.submitted'", as: UUID.self))
            _ = try await fixture.pool.withConnection { try $0.execute("UPDATE outbox SET published_at = NULL WHERE event_id = \(submittedId)") }
            #expect(await eventually(timeout: .seconds(30)) { consumer.statistics.duplicates >= 1 })
            await consumerRunning.stop()
            await relayRunning.stop()
            await producer.shutdown()

            #expect(try await fixture.count("SELECT count(*)::int8 FROM agenda_items WHERE case_id = \(caseId)") == 1)
            #expect(try await fixture.count("SELECT count(*)::int8 FROM inbox WHERE event_id = \(submittedId)") == 1)
            #expect(try await fixture.events(CaseScheduled.self).count == 1)

            // And without the inbox: the handler itself is idempotent (it acts on submitted cases only).
            let envelope = try EventEnvelope(CaseSubmitted(caseId: caseId, arenaId: arena, unitId: fixture.unitId, kind: .system, urgent: false),
                                             source: "/samtak/intake")
            for _ in 0..<2 { try await fixture.transaction { try events.apply(envelope, on: $0) } }
            #expect(try await fixture.count("SELECT count(*)::int8 FROM agenda_items WHERE case_id = \(caseId)") == 1)
        }
    }

    @Test("weekly BUP intake: a referral received during the week goes on the next intake meeting; a PPT referral (no arena) is left alone; a completed referral goes on again")
    func weeklyBUPIntake() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let events = fixture.scheduler.events
            // BUP's local intake meeting every Wednesday at 12:00; referrals in by the day before.
            let intake = try await fixture.arena(.init(name: "Lokalt inntaksmøte BUP", kind: "bup_intake", rrule: "FREQ=WEEKLY;BYDAY=WE",
                                                       seriesStart: LocalDateTime(year: 2026, month: 1, day: 7, hour: 12, minute: 0)!, capacity: 20,
                                                       deadlineHours: 24, leadHours: 24, holidayPolicy: "move"))
            _ = try await fixture.scheduler.planner.planAll(pool: fixture.pool)
            let next = try #require(try await fixture.scalar("""
                SELECT id FROM meetings WHERE arena_id = \(intake) AND submission_deadline > now() ORDER BY starts_at LIMIT 1
                """, as: UUID.self))
            let nextStart = try #require(try await fixture.scalar("SELECT starts_at FROM meetings WHERE id = \(next)", as: Date.self))
            #expect(nextStart.timeIntervalSinceNow < 8 * 86_400, "weekly: the next intake meeting is at most a week and a day away")

            // A referral to BUP (named, with the guardians' consent), and one to PPT, which has no intake arena.
            let (unitId, staffId) = (fixture.unitId, fixture.staffId)
            let bupReferral = UUID()
            let pptReferral = UUID()
            try await fixture.transaction { connection in
                let guardian = UUID()
                let child = UUID()
                let consent = UUID()
                try connection.execute("INSERT INTO people (id, kind, name) VALUES (\(guardian), 'guardian', 'Foresatt Testesen')")
                try connection.execute("INSERT INTO children (id, name, unit_id, created_by) VALUES (\(child), 'Barn Testesen', \(unitId), \(staffId))")
                try connection.execute("""
                    INSERT INTO consents (id, child_id, given_by, services, information, valid_from, method, recorded_by)
                    VALUES (\(consent), \(child), \([guardian]), \(["bup", "ppt"]), \(["health"]), current_date, 'written', \(staffId))
                    """)
                for (id, service, arena) in [(bupReferral, "bup", Optional(intake)), (pptReferral, "ppt", nil)] {
                    try connection.execute("""
                        INSERT INTO cases (id, category, kind, arena_id, target_service, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, concern)
                        VALUES (\(id), 'referral', 'named', \(arena), \(service), \(child), \(consent), \(unitId), \(staffId), \(staffId), 'Henvisning', 'Bekymring')
                        """)
                }
            }
            for (id, service, arena) in [(bupReferral, ServiceKind.bup, Optional(intake)), (pptReferral, ServiceKind.ppt, nil)] {
                let envelope = try EventEnvelope(ReferralCreated(caseId: id, targetService: service, arenaId: arena, unitId: unitId, urgent: false),
                                                 source: "/samtak/intake")
                try await fixture.transaction { try events.apply(envelope, on: $0) }
            }
            #expect(try await fixture.agenda(next).map(\.caseId) == [bupReferral])
            #expect(try await fixture.status(ofCase: pptReferral) == "submitted")

            // The intake meeting asks for more information; once it is complete the referral goes on the next meeting again.
            try await fixture.transaction { connection in
                try connection.execute("UPDATE agenda_items SET removed_at = now(), removed_reason = 'needs_more_information' WHERE case_id = \(bupReferral)")
                try connection.execute("UPDATE cases SET status = 'submitted' WHERE id = \(bupReferral)")  // after awaiting_information → resubmit
            }
            let resubmitted = try EventEnvelope(CaseResubmitted(caseId: bupReferral, arenaId: intake), source: "/samtak/intake")
            try await fixture.transaction { try events.apply(resubmitted, on: $0) }
            #expect(try await fixture.agenda(next).map(\.caseId) == [bupReferral])
            #expect(try await fixture.count("SELECT count(*)::int8 FROM agenda_items WHERE case_id = \(bupReferral)") == 2)
        }
    }

    @Test("an unknown event type is ignored; a malformed payload is rejected")
    func unknownAndMalformedEvents() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let events = fixture.scheduler.events
            let unknown = EventEnvelope(id: UUID(), source: "/samtak/other", type: "something.else", subject: UUID().uuidString, time: Date(), data: Array("{}".utf8))
            try await fixture.transaction { try events.apply(unknown, on: $0) }
            let malformed = EventEnvelope(id: UUID(), source: "/samtak/intake", type: CaseSubmitted.type, subject: UUID().uuidString, time: Date(),
                                          data: Array(#"{"case_id":"not-a-uuid"}"#.utf8))
            await #expect(throws: EventRejected.self) {
                try await fixture.transaction { try events.apply(malformed, on: $0) }
            }
        }
    }
}
