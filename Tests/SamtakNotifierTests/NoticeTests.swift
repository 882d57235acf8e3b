import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
@testable import SamtakNotifier
import SamtakStore
import SamtakTestSupport
import Testing

@Suite("Notices about one child's cooperation: handovers and measures due", .serialized, .timeLimit(.minutes(3)))
struct NoticeTests {
    @Test("a handover asked, declined, asked again and accepted, and a measure past its date: the right people are told, nothing about the child")
    func handoverAndEvaluationNotices() async throws {
        try await withEngine { harness, sink, world in
            let first = UUID(), second = UUID(), stale = UUID(), logId = UUID(), measureId = UUID()
            let source = "/samtak/intake"
            // The records the events speak of: Emma's coordinator, three handovers, a log with a measure past its date.
            try await harness.sql { connection in
                let coordinatorId = UUID()
                _ = try connection.execute("""
                    INSERT INTO coordinators (id, child_id, person_id, unit_id, service, kind, consent_id, assigned_by)
                    VALUES (\(coordinatorId), \(world.emma), \(world.coordinator), \(world.schoolId), 'school', 'stafettholder', \(world.consent), \(world.coordinator))
                    """)
                for (id, to, unit, status) in [(first, world.advisor, world.pptId, "pending"), (second, world.nurse, world.healthId, "accepted"),
                                                (stale, world.nurse, world.healthId, "cancelled")] {
                    _ = try connection.execute("""
                        INSERT INTO coordinator_handovers (id, child_id, from_coordinator_id, from_person_id, to_person_id, to_unit_id, consent_id, status, responded_at)
                        VALUES (\(id), \(world.emma), \(coordinatorId), \(world.coordinator), \(to), \(unit), \(world.consent), \(status),
                                CASE WHEN \(status) = 'pending' THEN NULL ELSE now() END)
                        """)
                }
                _ = try connection.execute("INSERT INTO coordination_logs (id, child_id, opened_by) VALUES (\(logId), \(world.emma), \(world.teacher))")
                _ = try connection.execute("""
                    INSERT INTO coordination_measures (id, child_id, log_id, description, owner_id, starts_on, evaluation_due_on, evaluation_due_notified_at, created_by)
                    VALUES (\(measureId), \(world.emma), \(logId), 'Lesekurs', \(world.teacher), '2027-01-01', '2027-01-15', now(), \(world.teacher))
                    """)
            }
            let asked = try await harness.apply(try EventEnvelope(CoordinatorHandoverRequested(
                childId: world.emma, handoverId: first, fromPersonId: world.coordinator, toPersonId: world.advisor), source: source))
            // A request that is no longer pending (it arrived late) tells nobody.
            let late = try await harness.apply(try EventEnvelope(CoordinatorHandoverRequested(
                childId: world.emma, handoverId: stale, fromPersonId: world.coordinator, toPersonId: world.nurse), source: source))
            #expect(late == nil)
            try await harness.sql { _ = try $0.execute("UPDATE coordinator_handovers SET status = 'declined', responded_at = now() WHERE id = \(first)") }
            let declined = try await harness.apply(try EventEnvelope(CoordinatorHandoverClosed(
                childId: world.emma, handoverId: first, fromPersonId: world.coordinator, toPersonId: world.advisor, status: .declined), source: source))
            let handedOver = try await harness.apply(try EventEnvelope(CoordinatorHandedOver(
                childId: world.emma, handoverId: second, fromPersonId: world.coordinator, toPersonId: world.nurse, coordinatorId: UUID()), source: source))
            // An accepted handover's "closed" event tells nobody: `handed_over` already does.
            let accepted = try await harness.apply(try EventEnvelope(CoordinatorHandoverClosed(
                childId: world.emma, handoverId: second, fromPersonId: world.coordinator, toPersonId: world.nurse, status: .accepted), source: source))
            #expect(accepted == nil)
            let dueEvent = try EventEnvelope(MeasureEvaluationDue(
                childId: world.emma, measureId: measureId, ownerId: world.teacher, coordinatorPersonId: world.nurse, logId: logId, planId: nil,
                evaluationDueOn: LocalDate(year: 2027, month: 1, day: 15)!), source: "/samtak/scheduler")
            let due = try await harness.apply(dueEvent)
            // The same event again (a redelivery past the inbox, e.g. a catch-up race) makes no second notice.
            _ = try await harness.apply(dueEvent)
            let documents = try [asked, declined, handedOver, due].map { try #require($0) }
            #expect(try await harness.sql { try $0.query("SELECT count(*)::int8 FROM documents WHERE kind = 'notice'").first!.decode(Int.self, 0) } == 4)

            harness.startWorker()
            for document in documents {
                #expect(try await harness.waitUntilComplete(document)?.failed == 0)
            }
            let mails = try await Mailbox.read(sink)
            func to(_ key: String) -> [ReceivedMail] {
                mails.filter { $0.recipient == EngineWorld.address(EngineWorld.names[key]!).lowercased() }
            }
            #expect(mails.count == 6, "advisor 1, coordinator 2, nurse 2, teacher 1: got \(mails.count)")
            #expect(to("advisor").map(\.subject) == ["Samtak: Du er spurt om å overta som koordinator"])
            #expect(to("advisor").first?.text.contains("/v1/coordinator-handovers/\(first.uuidString.lowercased())") == true)
            #expect(Set(to("coordinator").map(\.subject)) == [
                "Samtak: Forespørselen om å overta som koordinator er avslått", "Samtak: Koordinatoransvaret er overført",
            ])
            #expect(Set(to("nurse").map(\.subject)) == ["Samtak: Koordinatoransvaret er overført", "Samtak: Et tiltak skal evalueres"])
            #expect(to("teacher").first?.text.contains("/v1/coordination-logs/\(logId.uuidString.lowercased())") == true)
            // No notice names the child or carries anything about the child.
            for mail in mails {
                #expect(!mail.everything.contains("Emma") && !mail.everything.contains("Nordli"), "\(mail.subject)")
                #expect(mail.calendarMethod == nil)
            }
            // Notices are completed, not announced on Kafka.
            for type in ["agenda.sent", "minutes.sent", "cancellation.sent"] {
                #expect(try await harness.outboxEvents(type).isEmpty)
            }
            let accessRows = try await harness.sql { try $0.query("SELECT count(*)::int8 FROM access_log WHERE action = 'send'").first!.decode(Int.self, 0) }
            #expect(accessRows == 0, "a notice discloses nothing, so nothing is logged as disclosed")
        }
    }

    @Test("an ansvarsgruppe meeting without approved minutes two days after it: its organiser is reminded once, others are not")
    func minutesOverdue() async throws {
        try await withEngine { harness, sink, world in
            let now = Date()
            let (overdue, recent, approved, cancelled) = try await harness.sql { connection in
                _ = try connection.execute("UPDATE arenas SET kind = 'ansvarsgruppe' WHERE id = \(world.arena)")
                let overdue = try EngineWorld.insertMeeting(arena: world.arena, start: now.addingTimeInterval(-4 * 86400), caseworker: nil, on: connection)
                let recent = try EngineWorld.insertMeeting(arena: world.arena, start: now.addingTimeInterval(-3600 * 5), caseworker: nil, on: connection)
                let approved = try EngineWorld.insertMeeting(arena: world.arena, start: now.addingTimeInterval(-5 * 86400), caseworker: nil, on: connection)
                _ = try connection.execute("""
                    INSERT INTO minutes (meeting_id, status, approved_by, approved_at) VALUES (\(approved), 'approved', \(world.rektor), now())
                    """)
                let cancelled = try EngineWorld.insertMeeting(arena: world.arena, start: now.addingTimeInterval(-6 * 86400), caseworker: nil, on: connection)
                _ = try connection.execute("UPDATE meetings SET status = 'cancelled' WHERE id = \(cancelled)")
                return (overdue, recent, approved, cancelled)
            }
            let reminders = MinutesReminders(outbox: harness.outbox, due: .seconds(48 * 3600))
            let first = try await harness.sql { try reminders.claimDue(on: $0) }
            #expect(first.map(\.meetingId) == [overdue], "only the meeting past the limit without approved minutes")
            #expect(first.first?.organiserId == world.rektor, "no caller: the arena's owner is reminded")
            #expect(try await harness.sql { try reminders.claimDue(on: $0) }.isEmpty, "once per meeting")
            _ = (recent, approved, cancelled)

            let envelope = try EventEnvelope(try #require(first.first), source: "/samtak/scheduler")
            let document = try #require(try await harness.apply(envelope))
            harness.startWorker()
            #expect(try await harness.waitUntilComplete(document)?.delivered == 1)
            let mails = try await Mailbox.read(sink)
            #expect(mails.map(\.recipient) == [EngineWorld.address(EngineWorld.names["rektor"]!).lowercased()])
            #expect(mails.first?.subject == "Samtak: Referatet fra et ansvarsgruppemøte mangler")
            #expect(mails.first?.text.contains("/v1/meetings/\(overdue.uuidString.lowercased())/minutes") == true)
        }
    }

    @Test("a rejected BUP referral's follow-up past its due date: its owner and the arena's owner are told once; a closed one tells nobody")
    func referralFollowUpOverdue() async throws {
        try await withEngine { harness, sink, world in
            let today = OsloTime.localDate(at: Date())
            let (open, closed) = try await harness.sql { connection in
                let meeting = try EngineWorld.insertMeeting(arena: world.arena, start: Date().addingTimeInterval(-20 * 86400), caseworker: nil,
                                                            on: connection)
                var ids: [UUID] = []
                for status in ["open", "closed"] {
                    let caseId = UUID(), followUp = UUID()
                    try connection.execute("""
                        INSERT INTO cases (id, category, kind, arena_id, target_service, child_id, consent_id, submitting_unit_id, submitted_by, owner_id,
                                           title, concern, status)
                        VALUES (\(caseId), 'referral', 'named', \(world.arena), 'bup', \(world.emma), \(world.consent), \(world.healthId),
                                \(world.nurse), \(world.nurse), 'Henvisning til BUP', 'Bekymring.', 'closed')
                        """)
                    try connection.execute("""
                        INSERT INTO referral_follow_ups (id, case_id, meeting_id, arena_id, owner_id, due_on, status, outcome, closed_by, closed_at)
                        VALUES (\(followUp), \(caseId), \(meeting), \(world.arena), \(world.advisor), \(today.adding(days: -1)), \(status),
                                \(status == "closed" ? "new_referral" : nil), \(status == "closed" ? world.advisor : nil),
                                \(status == "closed" ? Date() : nil))
                        """)
                    ids.append(followUp)
                }
                return (ids[0], ids[1])
            }
            let reminders = ReferralFollowUpReminders(outbox: harness.outbox)
            let reported = try await harness.sql { try reminders.claimDue(on: $0, today: today) }
            #expect(reported.map(\.followUpId) == [open], "only the open task past its date")
            #expect(try await harness.sql { try reminders.claimDue(on: $0, today: today) }.isEmpty, "once per task")
            let event = try #require(reported.first)
            #expect(event.ownerId == world.advisor && event.arenaOwnerId == world.rektor)

            // The task is closed before the event arrives: nobody is told.
            let late = ReferralFollowUpOverdue(followUpId: closed, caseId: UUID(), ownerId: world.advisor, arenaOwnerId: world.rektor,
                                               dueOn: today.adding(days: -1))
            #expect(try await harness.apply(try EventEnvelope(late, source: "/samtak/scheduler")) == nil)

            let document = try #require(try await harness.apply(try EventEnvelope(event, source: "/samtak/scheduler")))
            harness.startWorker()
            #expect(try await harness.waitUntilComplete(document)?.delivered == 2)
            let mails = try await Mailbox.read(sink)
            #expect(Set(mails.map(\.recipient)) == Set(["advisor", "rektor"].map { EngineWorld.address(EngineWorld.names[$0]!).lowercased() }))
            #expect(mails.allSatisfy { $0.subject == "Samtak: Fristen for å følge opp en avslått henvisning er passert" })
            #expect(mails.allSatisfy { $0.text.contains("/v1/referral-follow-ups") && !$0.text.contains("Emma") })
        }
    }
}
