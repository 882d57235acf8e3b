import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
@testable import SamtakNotifier
import SamtakTestSupport
import Testing

@Suite("The notice of a new team against bullying", .serialized, .timeLimit(.minutes(3)))
struct BullyingTeamNoticeTests {
    @Test("the responsible, the formally responsible and the members are told once, with a link and no name; not whoever set it up; an unknown team tells nobody")
    func teamEstablished() async throws {
        try await withEngine { harness, sink, world in
            let team = UUID()
            try await harness.sql { connection in
                // The rektor sets it up and keeps the formal responsibility; the teacher is responsible; the nurse and the
                // special needs coordinator are members (the teacher is one too: told once).
                try connection.execute("""
                    INSERT INTO bullying_teams (id, child_id, school_unit_id, responsible_id, formally_responsible_id, created_by)
                    VALUES (\(team), \(world.emma), \(world.schoolId), \(world.teacher), \(world.rektor), \(world.rektor))
                    """)
                try connection.execute("""
                    INSERT INTO bullying_team_members (team_id, person_id) VALUES (\(team), \(world.nurse)), (\(team), \(world.coordinator)),
                        (\(team), \(world.teacher))
                    """)
            }
            let event = try EventEnvelope(BullyingTeamEstablished(teamId: team, childId: world.emma), source: "/samtak/intake")
            let document = try #require(try await harness.apply(event))
            #expect(try await harness.apply(event) == document, "the same event again makes no second notice")
            let unknown = try EventEnvelope(BullyingTeamEstablished(teamId: UUID(), childId: world.emma), source: "/samtak/intake")
            #expect(try await harness.apply(unknown) == nil, "no such team: nobody is told")

            harness.startWorker()
            #expect(try await harness.waitUntilComplete(document)?.delivered == 3)
            let mails = try await Mailbox.read(sink)
            #expect(mails.map(\.recipient).sorted() == ["teacher", "nurse", "coordinator"].map { EngineWorld.address(EngineWorld.names[$0]!).lowercased() }.sorted())
            #expect(mails.allSatisfy { $0.subject == "Samtak: Du er med i et team mot mobbing" })
            #expect(mails.allSatisfy { $0.text.contains("/mobbing/\(team.uuidString.lowercased())") && !$0.text.contains("Emma") && !$0.text.contains("Nordli") })
            let notices = try await harness.sql { connection in
                try connection.query("SELECT count(*) FROM documents WHERE kind = 'notice' AND notice = 'bullying_team_established'").first?.decode(Int.self, 0)
            }
            #expect(notices == 1)
        }
    }
}
