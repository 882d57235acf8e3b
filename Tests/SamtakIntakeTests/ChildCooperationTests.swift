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
            let before = try await api.call("GET", path, as: teacher)
            #expect(before.status == 200, "\(before.text)")
            #expect((before.json["staff"] as? [[String: Any]])?.isEmpty == true)
            #expect((before.json["family"] as? [[String: Any]])?.contains { $0.uuid("person_id") == guardian } == true)
            _ = try await api.consent(emma, by: teacher, services: [.school, .ppt, .healthStation])
            let assigned = try await api.call("POST", "/v1/children/\(emma.id)/coordinator", as: teacher,
                                              json: ["person_id": tone.uuidString, "kind": "stafettholder"])
            #expect(assigned.status == 201, "\(assigned.text)")

            let answer = try await api.call("GET", path, as: tone)
            #expect(answer.status == 200, "\(answer.text)")
            let staff = try #require(answer.json["staff"] as? [[String: Any]])
            let ids = Set(staff.compactMap { $0.uuid("person_id") })
            #expect(ids.contains(teacher) && ids.contains(nurse))
            #expect(!ids.contains(tone), "the current coordinator is not offered")
            #expect(!ids.contains(barnekoordinator), "the municipality's coordinator is not covered by this consent")
            #expect(staff.allSatisfy { ["school", "ppt", "health_station"].contains($0["service"] as? String ?? "") })
            #expect(staff.allSatisfy { !($0["name"] as? String ?? "").isEmpty && !($0["unit_name"] as? String ?? "").isEmpty })
            let family = try #require(answer.json["family"] as? [[String: Any]])
            #expect(family.contains { $0.uuid("person_id") == guardian && $0["relation"] as? String == "guardian" })
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

            // The coordinator's home page list: ids and codes only.
            let tasks = try await api.call("GET", "/v1/me/tasks", as: tone)
            let mine = try #require(tasks.json["coordinated_children"] as? [[String: Any]])
            #expect(mine.contains { $0.uuid("child_id") == emma.id && $0["kind"] as? String == "stafettholder" })
            let others = try await api.call("GET", "/v1/me/tasks", as: nurse)
            #expect((others.json["coordinated_children"] as? [[String: Any]])?.isEmpty == true)
        }
    }
}
