import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
@testable import SamtakNotifier
import SamtakStore
import SamtakTestSupport
import Testing

@Suite("The reminder the day before a talk (utviklingssamtale)", .serialized, .timeLimit(.minutes(3)))
struct TalkReminderTests {
    @Test("tomorrow's booking is claimed once by two schedulers at once; the guardians get a link and no name; a cancelled talk tells nobody")
    func reminderOnce() async throws {
        try await withEngine { harness, sink, world in
            let round = UUID(), tomorrow = UUID(), later = UUID(), cancelled = UUID()
            let today = OsloTime.localDate(at: Date())
            try await harness.sql { connection in
                try connection.execute("""
                    INSERT INTO talk_rounds (id, kind, unit_id, grade, school_year, teacher_id, plan)
                    VALUES (\(round), 'development_talk', \(world.schoolId), 5, \(TalkCoverage.schoolYear(of: today)), \(world.teacher), '{}')
                    """)
                for (slot, day, minute) in [(tomorrow, 1, 0), (later, 2, 0), (cancelled, 1, 30)] {
                    let start = LocalDateTime(date: today.adding(days: day), time: LocalTime(hour: 12, minute: minute)!)
                    let end = LocalDateTime(date: today.adding(days: day), time: LocalTime(hour: 12, minute: minute + 20)!)
                    try connection.execute("INSERT INTO talk_slots (id, round_id, starts_at, ends_at) VALUES (\(slot), \(round), \(start), \(end))")
                }
                // Emma's talk tomorrow, and another pupil's (cancelled after the reminder was claimed).
                let other = UUID()
                try connection.execute("""
                    INSERT INTO children (id, name, birth_date, unit_id, grade, created_by) VALUES (\(other), 'Noah Berget', '2016-07-02', \(world.schoolId), 5, \(world.rektor))
                    """)
                try connection.execute("""
                    INSERT INTO talk_bookings (slot_id, round_id, child_id, booked_by) VALUES (\(tomorrow), \(round), \(world.emma), \(world.hilde)),
                        (\(cancelled), \(round), \(other), \(world.teacher))
                    """)
            }
            // Two scheduler copies claim at once: each booking is claimed by exactly one of them.
            let reminders = TalkReminders(outbox: harness.outbox)
            async let first = harness.sql { try reminders.claimDue(on: $0) }
            async let second = harness.sql { try reminders.claimDue(on: $0) }
            let claimed = try await first + second
            #expect(Set(claimed.map(\.slotId)) == [tomorrow, cancelled] && claimed.count == 2, "\(claimed)")
            #expect(try await harness.sql { try reminders.claimDue(on: $0) }.isEmpty, "once per booking")
            #expect(try await harness.outboxEvents(TalkReminderDue.type).count == 2)

            let emmas = try #require(claimed.first { $0.slotId == tomorrow })
            let document = try #require(try await harness.apply(try EventEnvelope(emmas, source: "/samtak/scheduler")))
            try await harness.sql { connection in try connection.execute("DELETE FROM talk_bookings WHERE slot_id = \(cancelled)") }
            let gone = try #require(claimed.first { $0.slotId == cancelled })
            #expect(try await harness.apply(try EventEnvelope(gone, source: "/samtak/scheduler")) == nil, "the talk was cancelled: nobody is reminded")
            harness.startWorker()
            #expect(try await harness.waitUntilComplete(document)?.delivered == 2)
            let mails = try await Mailbox.read(sink)
            #expect(Set(mails.map(\.recipient)) == Set(["hilde", "tor"].map { EngineWorld.address(EngineWorld.names[$0]!).lowercased() }))
            #expect(mails.allSatisfy { $0.subject == "Samtak: Påminnelse om samtale i morgen" })
            #expect(mails.allSatisfy { $0.text.contains("/samtaler/\(round.uuidString.lowercased())") && !$0.text.contains("Emma") })
        }
    }
}
