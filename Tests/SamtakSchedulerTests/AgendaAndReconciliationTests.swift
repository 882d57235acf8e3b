import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakScheduler
import SamtakTestSupport
import Testing

@Suite("Agendas published at their lead time", .timeLimit(.minutes(3)))
struct AgendaPublisherTests {
    @Test("an empty cancel-when-empty meeting is cancelled at its lead time; a meeting with cases is published")
    func publishOrCancel() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let beslutningsteam = try await fixture.arena(.init(name: "Beslutningsteam", kind: "beslutningsteam", cancelWhenEmpty: true))
            let ressursteam = try await fixture.arena(.init(name: "Ressursteam", kind: "ressursteam"))
            // Lead time reached (agenda due a minute ago), meeting in three days.
            let empty = try await fixture.meeting(arena: beslutningsteam, startsInHours: 72, deadlineInHours: 0.5, agendaDueInHours: -1.0 / 60)
            let withCase = try await fixture.meeting(arena: beslutningsteam, startsInHours: 73, deadlineInHours: 0.5, agendaDueInHours: 0.2)
            let emptyOrdinary = try await fixture.meeting(arena: ressursteam, startsInHours: 72, deadlineInHours: 0.5, agendaDueInHours: -0.1)
            let notDueYet = try await fixture.meeting(arena: beslutningsteam, startsInHours: 24 * 60, deadlineInHours: 24 * 50)
            let caseId = try await fixture.submitCase(arena: beslutningsteam)
            let cases = fixture.scheduler.cases
            #expect(try await fixture.transaction { try cases.schedule(caseId: caseId, on: $0) }
                    == .scheduled(meetingId: empty, position: 1, reason: .earliestOpenMeeting, overCapacity: false))
            // Move the case to the second meeting, then let that one's lead time come.
            try await fixture.transaction { connection in
                try connection.execute("UPDATE agenda_items SET meeting_id = \(withCase) WHERE case_id = \(caseId)")
                try connection.execute("UPDATE meetings SET agenda_due_at = now() - interval '1 second' WHERE id = \(withCase)")
            }

            let outcome = try await fixture.scheduler.publisher.publishDue(pool: fixture.pool)
            #expect(outcome == .init(published: 2, cancelled: 1))
            let state = try await fixture.pool.withConnection { connection in
                try connection.query("SELECT id, status, cancelled_reason, sequence, agenda_published_at IS NOT NULL FROM meetings").map { row throws(PostgresError) in
                    (id: try row.decode(UUID.self, 0), status: try row.decode(String.self, 1), reason: try row.decode(String?.self, 2),
                     sequence: try row.decode(Int.self, 3), published: try row.decode(Bool.self, 4))
                }
            }
            let byId = Dictionary(uniqueKeysWithValues: state.map { ($0.id, $0) })
            #expect(byId[empty]?.status == "cancelled" && byId[empty]?.reason == "no_cases" && byId[empty]?.sequence == 1)
            #expect(byId[withCase]?.status == "agenda_published" && byId[withCase]?.published == true)
            #expect(byId[emptyOrdinary]?.status == "agenda_published", "only arenas marked cancel-when-empty cancel empty meetings")
            #expect(byId[notDueYet]?.status == "planned")
            #expect(try await fixture.events(MeetingCancelled.self) == [MeetingCancelled(meetingId: empty, arenaId: beslutningsteam, reason: .noCases)])
            let published = try await fixture.events(AgendaPublished.self)
            #expect(Set(published.map(\.meetingId)) == [withCase, emptyOrdinary])
            #expect(published.first { $0.meetingId == withCase }?.itemCount == 1)
            #expect(published.first { $0.meetingId == emptyOrdinary }?.itemCount == 0)

            // A published agenda is frozen: a new case goes to a later meeting.
            let late = try await fixture.submitCase(arena: beslutningsteam)
            #expect(try await fixture.transaction { try cases.schedule(caseId: late, on: $0) }
                    == .scheduled(meetingId: notDueYet, position: 1, reason: .earliestOpenMeeting, overCapacity: false))
            // The next tick has nothing to do.
            #expect(try await fixture.scheduler.publisher.publishDue(pool: fixture.pool) == .init())
        }
    }

    @Test("two publishers at once publish each due meeting exactly once")
    func twoPublishers() async throws {
        try await withTestDatabase(poolSize: 12) { database in
            let fixture = try await SchedulerFixture.make(database)
            let arena = try await fixture.arena()
            for index in 0..<300 {
                try await fixture.meeting(arena: arena, startsInHours: 48 + Double(index), deadlineInHours: -2, agendaDueInHours: -1)
            }
            let publishers = (0..<2).map { _ in AgendaPublisher(outbox: fixture.outbox, logger: TestEnvironment.logger, batchSize: 10) }
            let pool = fixture.pool
            let results = try await withThrowingTaskGroup(of: AgendaPublisher.Outcome.self) { group in
                for publisher in publishers { group.addTask { try await publisher.publishDue(pool: pool) } }
                return try await group.reduce(into: [AgendaPublisher.Outcome]()) { $0.append($1) }
            }
            print("two publishers shared 300 due meetings: \(results.map(\.published))")
            #expect(results.map(\.published).reduce(0, +) == 300)
            #expect(try await fixture.count("SELECT count(*)::int8 FROM outbox WHERE event_type = 'agenda.published'") == 300)
            #expect(try await fixture.count("SELECT count(DISTINCT subject)::int8 FROM outbox WHERE event_type = 'agenda.published'") == 300)
        }
    }
}

@Suite("Reconciliation", .timeLimit(.minutes(3)))
struct ReconciliationTests {
    @Test("cases whose events were lost are scheduled; withdrawn cases leave; a cancelled meeting's cases move")
    func lostEventsAreMadeGood() async throws {
        try await withTestDatabase { database in
            // A grace long enough that the fresh case stays within it however slow the machine.
            let fixture = try await SchedulerFixture.make(database, configuration: .init(reconcileGrace: .seconds(120)))
            let arena = try await fixture.arena(.init(capacity: 30))
            let meeting = try await fixture.meeting(arena: arena, startsInHours: 24 * 7, deadlineInHours: 24, capacity: 30)
            let later = try await fixture.meeting(arena: arena, startsInHours: 24 * 14, deadlineInHours: 24 * 8, capacity: 30)
            // Twenty cases written with their events, and the events deleted before anyone published them.
            var lost: [UUID] = []
            for _ in 0..<20 { lost.append(try await fixture.submitCase(arena: arena, announce: true)) }
            _ = try await fixture.pool.withConnection { try $0.execute("DELETE FROM outbox") }
            // A fresh one is left to its event for now (grace period).
            let fresh = try await fixture.submitCase(arena: arena)
            _ = try await fixture.pool.withConnection { try $0.execute("UPDATE cases SET updated_at = now() - interval '5 minutes' WHERE id <> \(fresh)") }

            let first = try await fixture.scheduler.reconciler.sweep()
            #expect(first.scheduled == 20)
            #expect(try await fixture.agenda(meeting).map(\.caseId) == lost)
            #expect(try await fixture.status(ofCase: fresh) == "submitted")
            #expect(try await fixture.events(CaseScheduled.self).count == 20)

            // A withdrawal and a cancellation whose events were lost.
            let withdrawn = lost[3]
            try await fixture.transaction { connection in
                try connection.execute("UPDATE cases SET status = 'withdrawn' WHERE id = \(withdrawn)")
                try connection.execute("UPDATE meetings SET status = 'cancelled', cancelled_reason = 'by_owner' WHERE id = \(meeting)")
            }
            let second = try await fixture.scheduler.reconciler.sweep()
            #expect(second.cancelledMeetings == 1)
            #expect(try await fixture.agenda(meeting).isEmpty)
            #expect(try await fixture.agenda(later).map(\.caseId) == lost.filter { $0 != withdrawn })
            #expect(try await fixture.scalar("SELECT removed_reason FROM agenda_items WHERE case_id = \(withdrawn)", as: String.self) == "meeting_cancelled")
            // Nothing is left to repair.
            let third = try await fixture.scheduler.reconciler.sweep()
            #expect(third.scheduled == 0 && third.withdrawn == 0 && third.cancelledMeetings == 0)
        }
    }
}
