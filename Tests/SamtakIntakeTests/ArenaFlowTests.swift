import Foundation
import SamtakDomain
import SamtakIntake
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Testing

/// Issue 18's special flows against the real PostgreSQL and broker: the nurse "only with
/// consent" in the school-absence meeting (seed 000).
@Suite("Intake API: the arenas' special flows (issue 18)", .serialized, .timeLimit(.minutes(6)))
struct ArenaFlowTests {
    @Test("skolefravær: the nurse is left out of a named case's agenda copy until a consent names the health station")
    func nurseOnlyWithConsent() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let ella = w.child("ella"), guardians = ella.guardians.map(\.id)
            let teacher = w.person(.school, .teacher), nurse = w.person(.healthStation, .schoolNurse)
            let socialTeacher = w.person(.school, .socialTeacher)
            let arena = try await api.registerArena(api.arena(named: "Samarbeidsmøte – skolefravær"))
            let participants = try await api.call("GET", "/v1/arenas/\(arena)", as: teacher).json["participants"] as? [[String: Any]] ?? []
            #expect(participants.contains { $0["role"] as? String == "school_nurse" && $0["presence"] as? String == "with_consent" },
                    "\(participants)")

            // Both guardians consent to the meeting by its name (and the school): not to the health station.
            let byName = try await api.call("POST", "/v1/consents", as: teacher, json: AccessFindingsTests.consentBody(
                ella, givenBy: guardians, services: ["school"], arenas: [arena]))
            #expect(byName.status == 201, "\(byName.text)")
            let submitted = try await FamilyTests.submit(api, arena: arena, child: ella, title: "Ella Vang – fravær")
            #expect(submitted.status == 201, "\(submitted.text)")
            let caseId = try #require(submitted.id)
            let meeting = try await FamilyTests.meeting(api, arena: arena, cases: [caseId], days: 7)

            func agendaTitles(_ person: UUID) async throws -> [String]? {
                let answer = try await api.call("GET", "/v1/meetings/\(meeting)", as: person)
                guard answer.status == 200 else { return nil }
                return (answer.json["agenda"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
            }
            // The school's social teacher takes part in full; the nurse does not even see an anonymised line.
            #expect(try await agendaTitles(socialTeacher) == ["Ella Vang – fravær"])
            // Without the consent she does not take part in the meeting at all (404), as the notifier sends her nothing.
            #expect(try await agendaTitles(nurse) == nil)
            #expect(try await api.call("GET", "/v1/cases/\(caseId)", as: nurse).status == 404)
            let nurseReads = { () async throws -> Int in
                try await api.sql { connection in
                    try connection.query("SELECT count(*) FROM access_log WHERE actor_id = \(nurse) AND child_id = \(ella.id)").first!.decode(Int.self, 0)
                }
            }
            #expect(try await nurseReads() == 0)

            // A consent that names the health station: now she takes part in the discussion (logged, on consent).
            let health = try await api.call("POST", "/v1/consents", as: teacher, json: AccessFindingsTests.consentBody(
                ella, givenBy: guardians, services: ["school", "health_station"], arenas: [arena]))
            #expect(health.status == 201, "\(health.text)")
            #expect(try await agendaTitles(nurse) == ["Ella Vang – fravær"])
            let basis = try await api.sql { connection in
                try connection.query("""
                    SELECT basis FROM access_log WHERE actor_id = \(nurse) AND child_id = \(ella.id) ORDER BY id DESC LIMIT 1
                    """).first?.decode(String.self, 0)
            }
            #expect(basis == "consent")
        }
    }

    @Test("beredskap mot mobbing: a team around Emma, the rektor formally responsible, delegated to the social teacher (who, to whom, when)")
    func bullyingTeam() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let emma = w.child("emma")
            let teacher = w.person(.school, .teacher), rektor = w.person(.school, .unitLeader), social = w.person(.school, .socialTeacher)
            let nurse = w.person(.healthStation, .schoolNurse), otherRektor = w.person(.lowerSecondary, .unitLeader)

            // Bad input: a responsible from another unit, an unknown member; a pupil of another school is 404.
            let bad = try await api.call("POST", "/v1/bullying-teams", as: teacher, json: [
                "child_id": emma.id.uuidString, "responsible_id": nurse.uuidString, "member_ids": [UUID().uuidString],
            ] as [String: Any])
            #expect(bad.status == 422)
            #expect(Set(bad.fields) == ["responsible_id", "member_ids[0]"], "\(bad.text)")
            #expect(try await api.call("POST", "/v1/bullying-teams", as: nurse, json: [
                "child_id": emma.id.uuidString, "responsible_id": teacher.uuidString,
            ] as [String: Any]).status == 404)
            #expect(try await api.call("POST", "/v1/bullying-teams", as: teacher, json: ["child_id": "nope"] as [String: Any]).status == 422)

            let created = try await api.call("POST", "/v1/bullying-teams", as: teacher, json: [
                "child_id": emma.id.uuidString, "responsible_id": teacher.uuidString, "member_ids": [social.uuidString],
            ] as [String: Any])
            #expect(created.status == 201, "\(created.text)")
            let team = try #require(created.id)
            #expect((created.json["child"] as? [String: Any])?["name"] as? String == "Emma Nordli")
            #expect(((created.json["responsible"] as? [String: Any])?["id"] as? String)?.lowercased() == teacher.uuidString.lowercased())
            #expect(((created.json["formally_responsible"] as? [String: Any])?["id"] as? String)?.lowercased() == rektor.uuidString.lowercased())
            #expect(created.json["may_delegate"] as? Bool == false)
            #expect(Set((created.json["members"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? String)?.lowercased() })
                    == [teacher.uuidString.lowercased(), social.uuidString.lowercased()])

            // Only the rektor delegates; others at the school 403; outside the school 404.
            #expect(try await api.call("POST", "/v1/bullying-teams/\(team)/delegation", as: teacher, json: ["to_person_id": social.uuidString]).status == 403)
            #expect(try await api.call("POST", "/v1/bullying-teams/\(team)/delegation", as: otherRektor, json: ["to_person_id": social.uuidString]).status == 404)
            #expect(try await api.call("GET", "/v1/bullying-teams/\(team)", as: nurse).status == 404)
            let toNurse = try await api.call("POST", "/v1/bullying-teams/\(team)/delegation", as: rektor, json: ["to_person_id": nurse.uuidString])
            #expect(toNurse.status == 422 && toNurse.fields == ["to_person_id"], "\(toNurse.text)")

            let delegated = try await api.call("POST", "/v1/bullying-teams/\(team)/delegation", as: rektor, json: ["to_person_id": social.uuidString])
            #expect(delegated.status == 200, "\(delegated.text)")
            #expect(((delegated.json["formally_responsible"] as? [String: Any])?["id"] as? String)?.lowercased() == social.uuidString.lowercased())
            let history = delegated.json["delegations"] as? [[String: Any]] ?? []
            #expect(history.count == 1)
            #expect(((history.first?["delegated_by"] as? [String: Any])?["id"] as? String)?.lowercased() == rektor.uuidString.lowercased())
            #expect(((history.first?["delegated_to"] as? [String: Any])?["id"] as? String)?.lowercased() == social.uuidString.lowercased())
            #expect(history.first?["delegated_at"] as? String != nil)
            #expect(try await api.call("POST", "/v1/bullying-teams/\(team)/delegation", as: rektor,
                                       json: ["to_person_id": social.uuidString]).string("code") != nil)

            // The school's list for Emma has it (for the school's staff only).
            let listed = try await api.call("GET", "/v1/bullying-teams?child_id=\(emma.id)", as: social)
            #expect((listed.json["items"] as? [[String: Any]])?.compactMap { ($0["id"] as? String)?.lowercased() } == [team.uuidString.lowercased()])
            #expect(try await api.call("GET", "/v1/bullying-teams?child_id=\(emma.id)", as: nurse).status == 404)
            #expect(try await api.call("GET", "/v1/bullying-teams", as: social).fields == ["child_id"])
            // The social teacher reads it; every read and change is logged with the pupil and basis own unit; ids only in the events.
            let read = try await api.call("GET", "/v1/bullying-teams/\(team)", as: social)
            #expect(read.status == 200)
            let (logged, events) = try await api.sql { connection in
                let logged = try connection.query("""
                    SELECT action FROM access_log WHERE resource = 'bullying_team' AND resource_id = \(team) AND child_id = \(emma.id)
                      AND basis = 'own_unit' ORDER BY id
                    """).map { row throws(PostgresError) in try row.decode(String.self, 0) }
                let events = try connection.query("""
                    SELECT event_type, data::text FROM outbox WHERE event_type LIKE 'bullying_team.%' ORDER BY id
                    """).map { row throws(PostgresError) in (try row.decode(String.self, 0), try row.decode(String.self, 1)) }
                return (logged, events)
            }
            #expect(logged == ["create", "update", "read", "read"])
            #expect(events.map(\.0) == ["bullying_team.established", "bullying_team.responsibility_delegated"])
            #expect(events.allSatisfy { !$0.1.contains("Emma") && $0.1.lowercased().contains(team.uuidString.lowercased()) })
        }
    }
}
