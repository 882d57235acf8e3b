import Foundation
import SamtakDomain
import SamtakIntake
import SamtakPostgres
import SamtakTestSupport
import Testing

/// The form of adaptations tried (issue 15; seed 003: "I forkant av drøfting i ressursteam skal
/// lærere fylle ut et skjema med hvilke tilpasninger de har gjort på så langt"): stored one row
/// per adaptation, given back in the case's own view to whoever sees the case in full, checked
/// like the other texts, and screened for personal data in an anonymous case.
@Suite("Cases: the form of adaptations tried", .serialized)
struct CaseAdaptationTests {
    struct Case: Decodable {
        var id: UUID
        var visibility: String
        var adaptations: [AdaptationTried]?
    }

    @Test("stored in order and read back in full; redacted readers and lists do not get them; bad entries name their field")
    func adaptationsRoundTrip() async throws {
        try await withIntake(relaying: false) { api in
            let world = try await AccessLogTests.World.make(api)
            let emma = api.world.child("emma")
            let unit = api.world.units[.school]!.uuidString
            let tried: [[String: Any]] = [
                ["what": "Lesetrening i liten gruppe", "since": "uke 36", "duration": "seks uker", "result": "Litt bedre lesing"],
                ["what": "Faste pauser"],
            ]
            let body: [String: Any] = [
                "arena_id": world.arenaId.uuidString, "kind": "named", "child_id": emma.id.uuidString, "submitting_unit_id": unit,
                "title": "Lesing og konsentrasjon", "grade": 5, "concern": "Strever med lesing.", "adaptations": tried,
            ]
            let created = try await api.call("POST", "/v1/cases", as: world.teacher, json: body)
            #expect(created.status == 201, "\(created.text)")
            let expected = [AdaptationTried(what: "Lesetrening i liten gruppe", since: "uke 36", duration: "seks uker", result: "Litt bedre lesing"),
                            AdaptationTried(what: "Faste pauser")]
            #expect(try created.decode(Case.self).adaptations == expected)
            let id = try created.decode(Case.self).id
            // The nurse sees Emma's case in full (the consent names the health station).
            let asNurse = try await api.call("GET", "/v1/cases/\(id)", as: world.nurse).decode(Case.self)
            #expect(asNurse.visibility == "full" && asNurse.adaptations == expected)
            // The PPT adviser sees Noah's case (on the ressursteam's agenda) redacted: his consent names only
            // the school. No adaptations then.
            _ = try await world.meeting(day: 0, status: "planned", startsInDays: 5, cases: [("noah", world.noahConsent)])
            let noahCase = try await api.sql { connection in
                let id = try connection.query("SELECT id FROM cases WHERE child_id = \(api.world.child("noah").id)").first!.decode(UUID.self, 0)
                try connection.execute("INSERT INTO case_adaptations (case_id, position, what) VALUES (\(id), 1, 'Tett oppfølging hjem–skole')")
                return id
            }
            let redacted = try await api.call("GET", "/v1/cases/\(noahCase)", as: world.advisor)
            #expect(redacted.status == 200, "\(redacted.text)")
            #expect(try redacted.decode(Case.self).visibility == "redacted" && !redacted.keys.contains("adaptations"))
            #expect(!redacted.text.contains("hjem–skole"))
            // The teacher who submitted it sees it in full, with them.
            #expect(try await api.call("GET", "/v1/cases/\(noahCase)", as: world.teacher).decode(Case.self).adaptations?.map(\.what)
                    == ["Tett oppfølging hjem–skole"])
            // Lists do not carry them.
            let listing = try await api.call("GET", "/v1/cases?arena_id=\(world.arenaId)", as: world.teacher)
            #expect(listing.status == 200 && !listing.text.contains("Lesetrening"))

            // Bad entries: what is required, lengths, at most 20, no unknown field.
            let cases: [([[String: Any]], String, String)] = [
                ([["since": "uke 2"]], "adaptations[0].what", "required"),
                ([["what": "  "]], "adaptations[0].what", "required"),
                ([["what": "x"], ["what": "y", "result": String(repeating: "r", count: 2001)]], "adaptations[1].result", "max_length"),
                (Array(repeating: ["what": "x"], count: 21), "adaptations", "max_items"),
                ([["what": "x", "who": "Emma"]], "adaptations[0].who", "unknown_field"),
            ]
            for (entries, field, rule) in cases {
                let answer = try await api.call("POST", "/v1/cases", as: world.teacher, json: body.merging(["adaptations": entries]) { $1 })
                #expect(answer.status == 422, "\(field): \(answer.text)")
                let violations = try answer.decode(API.Problem.self).errors ?? []
                #expect(violations.contains { $0.field == field && $0.rule == rule }, "\(field) \(rule): \(answer.text)")
            }
            // Nothing of the refused ones was stored.
            let stored = try await api.sql { try $0.query("SELECT count(*)::int8 FROM case_adaptations").first?.decode(Int.self, 0) ?? -1 }
            #expect(stored == 3, "the first case's two and the one written for Noah's")
        }
    }

    @Test("an anonymous case's adaptations are screened for personal data like its other texts")
    func anonymousAdaptationsAreScreened() async throws {
        try await withIntake(relaying: false) { api in
            let world = try await AccessLogTests.World.make(api)
            let body: [String: Any] = [
                "arena_id": world.arenaId.uuidString, "kind": "anonymous", "submitting_unit_id": api.world.units[.school]!.uuidString,
                "title": "Elev 5. trinn – lesing", "grade": 5, "concern": "Strever med lesing.",
                "adaptations": [["what": "Lesetrening", "result": "Noah Berget leser bedre"]],
            ]
            let flagged = try await api.call("POST", "/v1/cases", as: world.teacher, json: body)
            #expect(flagged.status == 422 && flagged.string("code") == "personal_data_suspected", "\(flagged.text)")
            let violations = try flagged.decode(API.Problem.self).errors ?? []
            #expect(violations.contains { $0.field == "adaptations[0].result" }, "\(flagged.text)")
            #expect(!flagged.text.contains("Noah"))
        }
    }
}
