import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Testing

@Suite("Transition meetings: a season for one school", .timeLimit(.minutes(3)))
struct TransitionFlowTests {
    @Test("kindergarten → school: named items only with consent, only the consented categories visible and writable")
    func kindergartenToSchoolSeason() async throws {
        try await withIntake { api in
            let arenaId = try await api.registerArena(api.arena(named: "Overføringsmøte barnehage – skole"))
            let rektor = api.world.person(.school, .unitLeader)
            let styrer = api.world.person(.kindergarten, .unitLeader)
            let pedagogue = api.world.person(.kindergarten, .teacher)
            let schoolTeacher = api.world.person(.school, .teacher)
            let oskar = api.world.child("oskar"), maja = api.world.child("maja")
            // Oskar's parents consent to the transition (naming the receiving school: "school" alone means his own, issue 12),
            // releasing identity and the school situation only; Maja's do not.
            _ = try await api.consent(oskar, by: styrer, services: [.kindergarten, .school, .ppt], units: [api.world.units[.school]!],
                                      information: [.identity, .schoolSituation])
            let body: [String: Any] = [
                "school_year": When.schoolYear, "stage": "kindergarten_to_school", "arena_id": arenaId.uuidString,
                "receiving_unit_id": api.world.units[.school]!.uuidString,
                "meetings": [["sending_unit_id": api.world.units[.kindergarten]!.uuidString, "starts_at": When.local(30, 13), "location": "Solsikken barnehage"]],
            ]
            // The receiving school invites, not the sending kindergarten.
            #expect(try await api.call("POST", "/v1/transition-seasons", as: styrer, json: body).status == 403)
            let planned = try await api.call("POST", "/v1/transition-seasons", as: rektor, json: body)
            #expect(planned.status == 201, "\(planned.text)")
            let seasonId = try #require(planned.id)
            let meeting = try #require(try planned.decode(API.TransitionSeason.self).meetings.first)
            let meetingId = meeting.meetingId
            #expect(meeting.childrenWithoutConsent == 1)
            #expect(meeting.mayArrange)
            #expect(meeting.items.count == 1)
            let item = try #require(meeting.items.first)
            let itemId = item.id
            #expect(item.child?.name == "Oskar Lyng")
            #expect(item.information == ["school_situation"])
            #expect(!planned.text.contains("Maja"))
            #expect(try await api.call("POST", "/v1/transition-seasons", as: rektor, json: body).status == 409)

            // Announced; Maja has no item, no case, nothing transferred.
            #expect(await api.tap.waitFor(MeetingCalled.type, subject: meetingId) != nil)
            #expect(await api.tap.waitFor(TransitionSeasonPlanned.type, subject: seasonId) != nil)
            let majaRecords = try await api.sql { connection in
                try connection.query("""
                    SELECT (SELECT count(*) FROM cases WHERE child_id = \(maja.id)) + (SELECT count(*) FROM transition_items WHERE child_id = \(maja.id))
                    """).first!.decode(Int.self, 0)
            }
            #expect(majaRecords == 0)

            // The sending side writes what the consent releases, and nothing else.
            let health = try await api.call("PUT", "/v1/transition-items/\(itemId)", as: pedagogue, json: [
                "school_situation": "Trives i lek, liker å tegne.", "health": "Astma",
            ])
            #expect(health.status == 422)
            #expect(health.rules == ["consent_does_not_cover_information"])
            #expect(health.fields == ["health"])
            #expect(!health.text.contains("Astma"))
            let written = try await api.call("PUT", "/v1/transition-items/\(itemId)", as: pedagogue, json: ["school_situation": "Trives i lek, liker å tegne."])
            #expect(written.status == 200, "\(written.text)")
            // The receiving school's teacher cannot write the sending side's information.
            #expect(try await api.call("PUT", "/v1/transition-items/\(itemId)", as: schoolTeacher, json: ["school_situation": "x"]).status == 403)

            // The receiving teacher reads only the consented category.
            let read = try await api.call("GET", "/v1/transition-items/\(itemId)", as: schoolTeacher)
            #expect(read.status == 200, "\(read.text)")
            #expect(read.string("visibility") == "full")
            #expect(read.string("school_situation") == "Trives i lek, liker å tegne.")
            #expect(read.keys.isDisjoint(with: ["health", "family", "special_needs"]))
            let season: API.TransitionSeason = try await api.get("/v1/transition-seasons/\(seasonId)", as: schoolTeacher)
            let seen = try #require(season.meetings.first)
            #expect(!seen.keys.contains("children_without_consent"))
            #expect(!seen.mayArrange)
            #expect(seen.items.count == 1)
            // The agenda shows the named item like any case on it.
            let agenda: API.Meeting = try await api.get("/v1/meetings/\(meetingId)", as: schoolTeacher)
            #expect(agenda.agenda.map(\.visibility) == ["full"])

            // Other schools see nothing; once the consent is withdrawn nothing more is shown.
            #expect(try await api.call("GET", "/v1/transition-seasons/\(seasonId)", as: api.world.person(.lowerSecondary, .teacher)).status == 404)
            #expect(try await api.call("GET", "/v1/transition-items/\(itemId)", as: api.world.child("noah").guardians[0].id).status == 404)
            let consentId = try #require(try await api.get("/v1/children/\(oskar.id)/consents", as: styrer, decoding: API.Page<API.StaffConsent>.self).items.first?.id)
            #expect(try await api.call("POST", "/v1/consents/\(consentId)/withdraw", as: styrer).status == 200)
            #expect(try await api.call("GET", "/v1/transition-items/\(itemId)", as: schoolTeacher).status == 404)
            #expect(try await api.call("GET", "/v1/transition-items/\(itemId)", as: rektor).status == 404)
            // The guardians still see their child's item.
            #expect(try await api.call("GET", "/v1/transition-items/\(itemId)", as: oskar.guardians[0].id).status == 200)
        }
    }

    @Test("PPT takes part when a named child has special-needs support")
    func pptForSpecialNeeds() async throws {
        try await withIntake { api in
            let arenaId = try await api.registerArena(api.arena(named: "Overføringsmøte barnehage – skole"))
            let rektor = api.world.person(.school, .unitLeader)
            let styrer = api.world.person(.kindergarten, .unitLeader)
            let oskar = api.world.child("oskar")
            _ = try await api.consent(oskar, by: styrer, services: [], arenas: [arenaId], information: [.identity, .specialNeeds])
            let planned = try await api.call("POST", "/v1/transition-seasons", as: rektor, json: [
                "school_year": When.schoolYear, "stage": "kindergarten_to_school", "arena_id": arenaId.uuidString,
                "receiving_unit_id": api.world.units[.school]!.uuidString,
                "meetings": [["sending_unit_id": api.world.units[.kindergarten]!.uuidString, "starts_at": When.local(25, 9),
                              "children": [["child_id": oskar.id.uuidString, "special_needs_support": true]]]],
            ] as [String: Any])
            #expect(planned.status == 201, "\(planned.text)")
            let meeting = try #require(try planned.decode(API.TransitionSeason.self).meetings.first)
            #expect(meeting.participantIds.contains(api.world.person(.ppt, .advisor)))
            #expect(meeting.items.first?.specialNeedsSupport == true)
            // A child who is not at the sending unit cannot be put on its meeting.
            let wrong = try await api.call("POST", "/v1/transition-seasons", as: api.world.person(.lowerSecondary, .unitLeader), json: [
                "school_year": When.schoolYear, "stage": "primary_to_lower_secondary", "arena_id": arenaId.uuidString,
                "receiving_unit_id": api.world.units[.lowerSecondary]!.uuidString,
                "meetings": [["sending_unit_id": api.world.units[.school]!.uuidString, "starts_at": When.local(25, 9),
                              "children": [["child_id": oskar.id.uuidString]]]],
            ] as [String: Any])
            #expect(wrong.status == 422, "\(wrong.text)")
            #expect(wrong.rules == ["not_at_sending_unit"])
            #expect(wrong.fields == ["meetings[0].children[0].child_id"])
        }
    }
}
