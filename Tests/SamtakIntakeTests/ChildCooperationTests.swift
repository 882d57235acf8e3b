import Foundation
import SamtakDomain
import SamtakIntake
import SamtakPostgres
import SamtakTestSupport
import Testing

@Suite("The coordinator's pages: who can be asked around a child, and the children I coordinate", .timeLimit(.minutes(3)))
struct ChildCooperationTests {
    @Test("candidates are the staff the consent covers (not the coordinator, not an uncovered service) and the family; the read is logged")
    func candidatesFollowTheConsent() async throws {
        try await withIntake { api in
            let teacher = api.world.person(.school, .teacher)
            let tone = api.world.person(.ppt, .advisor)
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let barnekoordinator = api.world.person(.municipality, .coordinator)
            let emma = api.world.child("emma")
            let guardian = try #require(emma.guardians.first?.id)
            let path = "/v1/children/\(emma.id)/coordinator/candidates"

            // Without consent the school sees its own pupil's family, and no staff to invite.
            let before: API.Candidates = try await api.get(path, as: teacher)
            #expect(before.staff.isEmpty)
            #expect(before.family.contains { $0.personId == guardian })
            _ = try await api.consent(emma, by: teacher, services: [.school, .ppt, .healthStation])
            let assigned = try await api.call("POST", "/v1/children/\(emma.id)/coordinator", as: teacher,
                                              json: ["person_id": tone.uuidString, "kind": "stafettholder"])
            #expect(assigned.status == 201, "\(assigned.text)")

            let answer = try await api.call("GET", path, as: tone)
            #expect(answer.status == 200, "\(answer.text)")
            let candidates = try answer.decode(API.Candidates.self)
            let staff = candidates.staff
            let ids = Set(staff.map(\.personId))
            #expect(ids.contains(teacher) && ids.contains(nurse))
            #expect(!ids.contains(tone), "the current coordinator is not offered")
            #expect(!ids.contains(barnekoordinator), "the municipality's coordinator is not covered by this consent")
            #expect(staff.allSatisfy { ["school", "ppt", "health_station"].contains($0.service) })
            #expect(staff.allSatisfy { !$0.name.isEmpty && !$0.unitName.isEmpty })
            #expect(candidates.family.contains { $0.personId == guardian && $0.relation == "guardian" })
            #expect(!answer.text.contains(emma.name), "no child's name in the answer")

            // A guardian is refused, a service outside the consent learns nothing.
            #expect(try await api.call("GET", path, as: guardian).status == 403)
            #expect(try await api.call("GET", path, as: barnekoordinator).status == 404)

            let logged = try await api.sql { connection in
                try connection.query("SELECT count(*)::int8 FROM access_log WHERE resource = 'coordinator_candidates' AND child_id = \(emma.id) AND actor_id = \(tone)")
                    .first!.decode(Int.self, 0)
            }
            #expect(logged == 1)
            #expect(try await api.call("GET", path, as: nurse).status == 200)

            // The coordinator's home page list: each child with the name the rules let her see, logged once per request.
            @Sendable func childReads() async throws -> Int {
                try await api.sql { connection in
                    try connection.query("""
                        SELECT count(*) FROM access_log WHERE actor_id = \(tone) AND resource = 'child' AND child_id = \(emma.id)
                        """).first?.decode(Int.self, 0) ?? 0
                }
            }
            let readsBefore = try await childReads()
            let mine = try await api.get("/v1/me/tasks", as: tone, decoding: API.Tasks.self).coordinatedChildren
            #expect(mine.contains { $0.childId == emma.id && $0.kind == "stafettholder" && $0.name == "Emma Nordli" })
            #expect(try await childReads() == readsBefore + 1)
            #expect(try await api.get("/v1/me/tasks", as: nurse, decoding: API.Tasks.self).coordinatedChildren.isEmpty)
        }
    }

    @Test("the school calls a samarbeidsmøte with the guardians without consent; inviting another service needs one (422 naming the participant)")
    func schoolMeetsTheFamily() async throws {
        try await withIntake { api in
            let teacher = api.world.person(.school, .teacher)
            let tone = api.world.person(.ppt, .advisor)
            let otherTeacher = api.world.person(.lowerSecondary, .teacher)
            let emma = api.world.child("emma")
            let mother = try #require(emma.guardians.first?.id)
            let arena = try await api.registerArena(api.arena(named: "Samarbeidsmøte med foresatte – skole"))
            let path = "/v1/children/\(emma.id)/meetings"
            func body(_ participants: [UUID]) -> [String: Any] {
                ["arena_id": arena.uuidString, "starts_at": When.local(9), "participant_ids": participants.map(\.uuidString),
                 "agenda": [["title": "Skolehverdagen"]]]
            }

            let called = try await api.call("POST", path, as: teacher, json: body([mother]))
            #expect(called.status == 201, "\(called.text)")
            let meetingId = try #require(try called.decode(API.Page<API.Meeting>.self).items.first?.id)
            let consent = try await api.sql { connection in
                try connection.query("SELECT consent_id FROM meetings WHERE id = \(meetingId)").first!.decode(UUID?.self, 0)
            }
            #expect(consent == nil, "nothing leaves the school: no consent is used")
            #expect(try await api.call("GET", "/v1/meetings/\(meetingId)", as: mother).status == 200)

            // Another service in the meeting: the family's consent must cover it, and there is none.
            let withPPT = try await api.call("POST", path, as: teacher, json: body([mother, tone]))
            #expect(withPPT.status == 422, "\(withPPT.text)")
            #expect(withPPT.string("code") == "consent_required")
            #expect(withPPT.fields.contains("participant_ids[1]"))
            // A teacher at another school does not see Emma at all.
            #expect(try await api.call("POST", path, as: otherTeacher, json: body([mother])).status == 404)
            // An ansvarsgruppe is still not the school's to call.
            let ansvarsgruppe = try await api.registerArena(api.arena(named: "Ansvarsgruppe"))
            var asGroup = body([mother])
            asGroup["arena_id"] = ansvarsgruppe.uuidString
            #expect(try await api.call("POST", path, as: teacher, json: asGroup).status == 403)
        }
    }
}
