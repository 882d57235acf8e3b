import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakNotifier
import SamtakPostgres
import SamtakTestSupport
import Testing

/// Issue 12, findings 2 and 4 on the notifier's side: a meeting's documents go to a case's
/// owner and to a child's guardians only while they have a basis to see the child (the
/// consent or the child's own unit for an owner; parental responsibility or daily care for
/// a guardian), and a consent an administrator ends takes effect at the next send.
@Suite("Notifier: who receives a meeting's documents needs a basis", .serialized, .timeLimit(.minutes(5)))
struct AudienceBasisTests {
    static func recipients(_ document: UUID, harness: EngineHarness) async throws -> Set<UUID> {
        Set(try await harness.sql { connection in
            try connection.query("SELECT recipient_id FROM deliveries WHERE document_id = \(document)")
                .map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
        })
    }

    @Test("an owner the consent does not cover, and a guardian without parental responsibility or daily care, get no copy")
    func ownerAndGuardianNeedABasis() async throws {
        try await withEngine { harness, sink, world in
            let officer = UUID()
            let meeting = try await harness.sql { connection in
                let police = UUID()
                try connection.execute("INSERT INTO units (id, name, service) VALUES (\(police), 'Nordby politistasjon', 'police')")
                try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(officer), 'staff', 'Dina Skog', 'dina.skog@nordby.example')")
                try connection.execute("INSERT INTO memberships (person_id, unit_id, role, title) VALUES (\(officer), \(police), 'advisor', 'politikontakt')")
                let meeting = try world.insertMeeting(on: connection)
                let cases = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                // The named case names the officer as its owner (as the API allowed before issue 12).
                try connection.execute("UPDATE cases SET owner_id = \(officer) WHERE id = \(cases.named)")
                // Tor has neither parental responsibility nor daily care.
                try connection.execute("""
                    UPDATE guardianships SET parental_responsibility = false, daily_care = false WHERE guardian_id = \(world.tor)
                    """)
                return meeting
            }
            let document = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            let recipients = try await Self.recipients(document, harness: harness)
            #expect(!recipients.contains(officer), "an owner without a basis is no party of the meeting")
            #expect(!recipients.contains(world.tor), "a guardian without parental responsibility or daily care gets nothing")
            #expect(recipients.contains(world.hilde))
            harness.startWorker()
            #expect(try await harness.waitUntilComplete(document) != nil)
            let mails = try await Mailbox.read(sink)
            #expect(!mails.contains { $0.recipient == EngineWorld.address("Dina Skog") })
            #expect(!mails.contains { $0.recipient == EngineWorld.address(EngineWorld.names["tor"]!) })
        }
    }

    @Test("a consent ended by an administrator after the agenda was published: that send no longer names the child")
    func consentEndedBeforeSend() async throws {
        try await withEngine { harness, sink, world in
            let meeting = try await harness.sql { connection in
                let meeting = try world.insertMeeting(on: connection)
                _ = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                return meeting
            }
            let document = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            // Ended as a correction (what `POST /v1/consents/{id}/end` stores) before the worker runs.
            try await harness.sql { connection in
                _ = try connection.execute("""
                    UPDATE consents SET withdrawn_at = now(), withdrawn_by = \(world.rektor), ended_reason = 'recorded_in_error' WHERE id = \(world.consent)
                    """)
            }
            harness.startWorker()
            #expect(try await harness.waitUntilComplete(document) != nil)
            let mails = try await Mailbox.read(sink)
            for key in ["nurse", "advisor"] {
                let address = EngineWorld.address(EngineWorld.names[key]!).lowercased()
                let copy = try #require(mails.first { $0.recipient == address })
                #expect(copy.text.contains("Sak 1: elev 5. trinn, anonymisert"), "\(key)")
                #expect(!copy.everything.contains("Emma"), "\(key) must no longer see the child")
            }
        }
    }
}
