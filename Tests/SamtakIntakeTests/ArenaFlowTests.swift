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
            let participants = try await api.get("/v1/arenas/\(arena)", as: teacher, decoding: API.Arena.self).participants
            #expect(participants.contains { $0.role == "school_nurse" && $0.presence == "with_consent" }, "\(participants)")

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
                return try answer.decode(API.Meeting.self).agenda.map(\.title)
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
            let createdTeam = try created.decode(API.BullyingTeam.self)
            #expect(createdTeam.child.name == "Emma Nordli")
            #expect(createdTeam.responsible.id == teacher)
            #expect(createdTeam.formallyResponsible.id == rektor)
            #expect(createdTeam.mayDelegate == false)
            #expect(Set(createdTeam.members.map(\.id)) == [teacher, social])

            // Only the rektor delegates; others at the school 403; outside the school 404.
            #expect(try await api.call("POST", "/v1/bullying-teams/\(team)/delegation", as: teacher, json: ["to_person_id": social.uuidString]).status == 403)
            #expect(try await api.call("POST", "/v1/bullying-teams/\(team)/delegation", as: otherRektor, json: ["to_person_id": social.uuidString]).status == 404)
            #expect(try await api.call("GET", "/v1/bullying-teams/\(team)", as: nurse).status == 404)
            let toNurse = try await api.call("POST", "/v1/bullying-teams/\(team)/delegation", as: rektor, json: ["to_person_id": nurse.uuidString])
            #expect(toNurse.status == 422 && toNurse.fields == ["to_person_id"], "\(toNurse.text)")

            let delegated = try await api.call("POST", "/v1/bullying-teams/\(team)/delegation", as: rektor, json: ["to_person_id": social.uuidString])
            #expect(delegated.status == 200, "\(delegated.text)")
            let delegatedTeam = try delegated.decode(API.BullyingTeam.self)
            #expect(delegatedTeam.formallyResponsible.id == social)
            let history = delegatedTeam.delegations
            #expect(history.count == 1)
            #expect(history.first?.delegatedBy.id == rektor)
            #expect(history.first?.delegatedTo.id == social)
            #expect(try await api.call("POST", "/v1/bullying-teams/\(team)/delegation", as: rektor,
                                       json: ["to_person_id": social.uuidString]).string("code") != nil)

            // The school's list for Emma has it (for the school's staff only).
            let listed: API.Page<API.BullyingTeam> = try await api.get("/v1/bullying-teams?child_id=\(emma.id)", as: social)
            #expect(listed.items.map(\.id) == [team])
            #expect(try await api.call("GET", "/v1/bullying-teams?child_id=\(emma.id)", as: nurse).status == 404)
            // Staff of the school the team is not for: an empty list, and the team is 404 (BullyingTeam.maySee).
            let outsider = w.person(.school, .specialNeedsCoordinator)
            let outsiderList: API.Page<API.BullyingTeam> = try await api.get("/v1/bullying-teams?child_id=\(emma.id)", as: outsider)
            #expect(outsiderList.items.isEmpty)
            #expect(try await api.call("GET", "/v1/bullying-teams/\(team)", as: outsider).status == 404)
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

    @Test("drøftingsteam barnehage: observation refused without a consent naming the team, then asked; feedback by PPT, read by the kindergarten")
    func discussionTeam() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let oskar = w.child("oskar")
            let oda = w.person(.kindergarten, .teacher), tone = w.person(.ppt, .advisor), nils = w.person(.kindergarten, .unitLeader)
            let guri = w.person(.school, .teacher)
            let team = try await api.registerArena(api.arena(named: "Drøftingsteam barnehage"))
            // The parents agreed to the kindergarten and PPT working together, not to the team observing Oskar.
            _ = try await api.recordConsent(child: oskar, by: oda, services: [.kindergarten, .ppt])
            let created = try await api.call("POST", "/v1/cases", as: oda, json: [
                "arena_id": team.uuidString, "kind": "named", "child_id": oskar.id.uuidString, "grade": 0,
                "submitting_unit_id": w.units[.kindergarten]!.uuidString, "title": "Oskar Lyng – uro", "concern": "Uro i samlingsstund.",
            ] as [String: Any])
            #expect(created.status == 201, "\(created.text)")
            let caseId = try #require(created.id)
            let path = "/v1/cases/\(caseId)/discussion-team"

            #expect(try await api.call("GET", path, as: oda).status == 404)
            let refused = try await api.call("POST", path, as: oda, json: ["mode": "observation"])
            #expect(refused.status == 422 && refused.fields == ["mode"] && refused.rules == ["observation_consent_required"], "\(refused.text)")
            #expect(try await api.call("POST", path, as: oda, json: ["mode": "watching"]).fields == ["mode"])
            // Only the case's owner asks (PPT sees the case: 403); someone who cannot see it learns nothing (404).
            #expect(try await api.call("POST", path, as: tone, json: ["mode": "observation"]).status == 403)
            #expect(try await api.call("POST", path, as: guri, json: ["mode": "observation"]).status == 404)

            // The consent that names the team: now the observation is asked for, resting on that consent.
            let naming = try await api.recordConsent(child: oskar, by: oda, services: [.kindergarten], arenas: [team])
            let asked = try await api.call("POST", path, as: oda, json: ["mode": "observation"])
            #expect(asked.status == 201, "\(asked.text)")
            #expect(asked.string("consent_id")?.lowercased() == naming.uuidString.lowercased())
            #expect(asked.string("status") == "requested")
            #expect(try asked.decode(API.DiscussionRequest.self).mayGiveFeedback == false)
            #expect(try await api.call("POST", path, as: oda, json: ["mode": "reflecting_team"]).string("code") == "already_requested")

            // Feedback: the team's participant who sees Oskar in full; not the kindergarten itself; not empty.
            #expect(try await api.call("POST", "\(path)/feedback", as: oda, json: ["feedback": "Selvskrevet."]).status == 403)
            #expect(try await api.call("POST", "\(path)/feedback", as: tone, json: ["feedback": " "]).fields == ["feedback"])
            #expect(try await api.get(path, as: tone, decoding: API.DiscussionRequest.self).mayGiveFeedback)
            let given = try await api.call("POST", "\(path)/feedback", as: tone, json: ["feedback": "Fast plass og bildestøtte hjelper."])
            #expect(given.status == 200, "\(given.text)")
            #expect(try await api.call("POST", "\(path)/feedback", as: tone, json: ["feedback": "En gang til."]).string("code") == "not_awaiting_feedback")

            // The kindergarten's case owner and its leader read it.
            for reader in [oda, nils] {
                let read = try await api.call("GET", path, as: reader)
                #expect(read.status == 200, "\(read.text)")
                #expect(read.string("feedback") == "Fast plass og bildestøtte hjelper.")
                #expect(read.string("feedback_by_name") == "Tone Engen")
                #expect(read.string("status") == "feedback_given")
            }

            // A reflecting team for an anonymous case: no consent needed, and no feedback step.
            let anonymous = try await api.call("POST", "/v1/cases", as: oda, json: [
                "arena_id": team.uuidString, "kind": "anonymous", "grade": 0,
                "submitting_unit_id": w.units[.kindergarten]!.uuidString, "title": "Barn med uro i gruppen", "concern": "Uro.",
            ] as [String: Any])
            let anonymousId = try #require(anonymous.id, "\(anonymous.text)")
            #expect(try await api.call("POST", "/v1/cases/\(anonymousId)/discussion-team", as: oda,
                                       json: ["mode": "observation"]).rules == ["observation_needs_named_case"])
            #expect(try await api.call("POST", "/v1/cases/\(anonymousId)/discussion-team", as: oda, json: ["mode": "reflecting_team"]).status == 201)
            #expect(try await api.call("POST", "/v1/cases/\(anonymousId)/discussion-team/feedback", as: tone,
                                       json: ["feedback": "Refleksjon."]).string("code") == "not_awaiting_feedback")

            // A case to another arena cannot ask the drøftingsteam.
            let ressursteam = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let other = try await FamilyTests.submit(api, arena: ressursteam, child: nil, title: "Elev med uro")
            let otherId = try #require(other.id, "\(other.text)")
            #expect(try await api.call("POST", "/v1/cases/\(otherId)/discussion-team", as: guri,
                                       json: ["mode": "reflecting_team"]).rules == ["not_droftingsteam"])

            // Logged with Oskar and the basis; events carry ids and codes only.
            let (logged, events) = try await api.sql { connection in
                let logged = try connection.query("""
                    SELECT action, basis FROM access_log WHERE resource = 'discussion_team' AND resource_id = \(caseId) AND child_id = \(oskar.id)
                    ORDER BY id
                    """).map { row throws(PostgresError) in "\(try row.decode(String.self, 0)) \(try row.decode(String.self, 1))" }
                let events = try connection.query("""
                    SELECT event_type, data::text FROM outbox WHERE subject = \(caseId.uuidString.lowercased()) AND event_type LIKE 'discussion_team.%'
                    ORDER BY id
                    """).map { row throws(PostgresError) in (try row.decode(String.self, 0), try row.decode(String.self, 1)) }
                return (logged, events)
            }
            #expect(logged.first == "create own_unit")
            #expect(logged.contains("update consent"))
            #expect(logged.filter { $0.hasPrefix("read") }.count >= 3)
            #expect(events.map(\.0) == ["discussion_team.requested", "discussion_team.feedback_given"])
            #expect(events.allSatisfy { !$0.1.contains("Oskar") && !$0.1.contains("Fast plass") })
        }
    }
}
