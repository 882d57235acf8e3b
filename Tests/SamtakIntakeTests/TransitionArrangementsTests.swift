import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Testing

/// Issue 16: the seasons a person works on, and one child's arrangements (SFO leader, PPT, the
/// receiving contact teacher) on the real PostgreSQL and broker.
@Suite("Transition arrangements: SFO, PPT and the receiving contact teacher", .timeLimit(.minutes(3)))
struct TransitionArrangementsTests {
    @Test("a child attending SFO brings the SFO leader, special-needs support brings PPT (responsible), the contact teacher is invited")
    func arrangements() async throws {
        try await withIntake { api in
            let w = api.world
            let arenaId = try await api.registerArena(api.arena(named: "Overføringsmøte barnehage – skole"))
            let rektor = w.person(.school, .unitLeader), styrer = w.person(.kindergarten, .unitLeader)
            let pedagogue = w.person(.kindergarten, .teacher), schoolTeacher = w.person(.school, .teacher)
            let sfoLeader = w.person(.sfo, .unitLeader), ppt = w.person(.ppt, .advisor)
            let oskar = w.child("oskar"), maja = w.child("maja")
            // Oskar's consent releases special needs; Maja's only her identity.
            _ = try await api.consent(oskar, by: styrer, services: [], arenas: [arenaId], information: [.identity, .specialNeeds])
            _ = try await api.consent(maja, by: styrer, services: [], arenas: [arenaId], information: [.identity])
            let planned = try await api.call("POST", "/v1/transition-seasons", as: rektor, json: [
                "school_year": When.schoolYear, "stage": "kindergarten_to_school", "arena_id": arenaId.uuidString,
                "receiving_unit_id": w.units[.school]!.uuidString,
                "meetings": [["sending_unit_id": w.units[.kindergarten]!.uuidString, "starts_at": When.local(20, 10)]],
            ] as [String: Any])
            #expect(planned.status == 201, "\(planned.text)")
            let seasonId = try #require(planned.id)
            let meeting = try #require(try planned.decode(API.TransitionSeason.self).meetings.first)
            let meetingId = meeting.meetingId
            #expect(meeting.responsibleService == "school")
            func item(_ name: String) throws -> UUID {
                try #require(meeting.items.first { $0.child?.name == name }?.id)
            }
            let oskarItem = try item("Oskar Lyng"), majaItem = try item("Maja Torp")
            #expect(!meeting.participantIds.contains(sfoLeader) && !meeting.participantIds.contains(ppt))

            // The list: the rektor plans it, the kindergarten's teacher takes part, another school's teacher sees nothing.
            typealias Seasons = API.Page<API.SeasonSummary>
            let mine = try await api.get("/v1/transition-seasons", as: rektor, decoding: Seasons.self).items.first { $0.id == seasonId }
            #expect(mine?.organiser == true)
            #expect(mine?.receivingUnitName == "Nordby barneskole")
            let taking = try await api.get("/v1/transition-seasons", as: pedagogue, decoding: Seasons.self)
            #expect(taking.items.first { $0.id == seasonId }?.organiser == false)
            #expect(try await api.get("/v1/transition-seasons", as: w.person(.lowerSecondary, .teacher), decoding: Seasons.self).items.isEmpty)

            // Maja will attend SFO: the receiving school's SFO leader is invited and announced.
            let sfo = try await api.call("POST", "/v1/transition-items/\(majaItem)/arrangements", as: rektor,
                                         json: ["attends_sfo": true, "special_needs_support": false])
            #expect(sfo.status == 200, "\(sfo.text)")
            #expect(try sfo.decode(API.TransitionItem.self).attendsSfo == true)
            // Her consent does not release special needs: marking it is refused, naming the field.
            let refused = try await api.call("POST", "/v1/transition-items/\(majaItem)/arrangements", as: rektor,
                                             json: ["attends_sfo": true, "special_needs_support": true])
            #expect(refused.status == 422 && refused.fields == ["special_needs_support"])
            #expect(refused.rules == ["consent_does_not_cover_information"])

            // Oskar has special-needs support: PPT is invited and responsible; his contact teacher is invited.
            let wrongTeacher = try await api.call("POST", "/v1/transition-items/\(oskarItem)/arrangements", as: rektor, json: [
                "attends_sfo": false, "special_needs_support": true, "receiving_teacher_id": w.person(.lowerSecondary, .teacher).uuidString,
            ])
            #expect(wrongTeacher.status == 422 && wrongTeacher.rules == ["not_receiving_teacher"])
            let special = try await api.call("POST", "/v1/transition-items/\(oskarItem)/arrangements", as: rektor, json: [
                "attends_sfo": false, "special_needs_support": true, "receiving_teacher_id": schoolTeacher.uuidString,
            ])
            #expect(special.status == 200, "\(special.text)")
            let specialItem = try special.decode(API.TransitionItem.self)
            #expect(specialItem.responsibleService == "ppt")
            #expect(specialItem.receivingTeacherId == schoolTeacher)
            // Only the organiser plans a child's part; the sending kindergarten's leader is refused.
            #expect(try await api.call("POST", "/v1/transition-items/\(oskarItem)/arrangements", as: styrer,
                                       json: ["attends_sfo": false, "special_needs_support": false]).status == 403)

            let season: API.TransitionSeason = try await api.get("/v1/transition-seasons/\(seasonId)", as: rektor)
            let after = try #require(season.meetings.first)
            #expect(after.responsibleService == "ppt")
            #expect(!season.establishesAnsvarsgruppe)
            #expect(Set(after.participantIds).isSuperset(of: [sfoLeader, ppt, schoolTeacher]))
            let invited = try await api.sql { connection in
                try connection.query("""
                    SELECT count(*) FROM outbox WHERE event_type = 'meeting.participant_invited' AND lower(subject) = \(meetingId.uuidString.lowercased())
                    """).first!.decode(Int.self, 0)
            }
            #expect(invited >= 3)
            // The SFO leader now takes part, and sees the season in her list.
            #expect(try await api.get("/v1/transition-seasons", as: sfoLeader, decoding: Seasons.self).items.contains { $0.id == seasonId })
        }
    }

    @Test("lower → upper secondary establishes the child's new ansvarsgruppe once, with the guardians and the covered staff; other stages do not")
    func ansvarsgruppe() async throws {
        try await withIntake { api in
            let w = api.world
            let transition = try await api.registerArena(api.arena(named: "Overføringsmøte ungdomsskole – videregående skole"))
            let ansvarsgruppe = try await api.registerArena(api.arena(named: "Ansvarsgruppe"))
            let rektor = w.person(.upperSecondary, .unitLeader), sending = w.person(.lowerSecondary, .unitLeader)
            let filip = w.child("filip")
            // Filip's consent names the transition and the ansvarsgruppe.
            _ = try await api.consent(filip, by: sending, services: [], arenas: [transition, ansvarsgruppe], information: [.identity, .schoolSituation])
            let planned = try await api.call("POST", "/v1/transition-seasons", as: rektor, json: [
                "school_year": When.schoolYear, "stage": "lower_secondary_to_upper_secondary", "arena_id": transition.uuidString,
                "receiving_unit_id": w.units[.upperSecondary]!.uuidString,
                "meetings": [["sending_unit_id": w.units[.lowerSecondary]!.uuidString, "starts_at": When.local(20, 12),
                              "children": [["child_id": filip.id.uuidString]]]],
            ] as [String: Any])
            #expect(planned.status == 201, "\(planned.text)")
            let season = try planned.decode(API.TransitionSeason.self)
            #expect(season.establishesAnsvarsgruppe)
            let item = try #require(season.meetings.first?.items.first?.id)

            // Only the organiser; a meeting time in the past is refused at the field.
            #expect(try await api.call("POST", "/v1/transition-items/\(item)/ansvarsgruppe", as: sending,
                                       json: ["starts_at": When.local(30, 13)]).status == 403)
            let past = try await api.call("POST", "/v1/transition-items/\(item)/ansvarsgruppe", as: rektor, json: ["starts_at": When.local(-2, 13)])
            #expect(past.status == 422 && past.fields == ["starts_at"], "\(past.text)")
            let established = try await api.call("POST", "/v1/transition-items/\(item)/ansvarsgruppe", as: rektor,
                                                 json: ["starts_at": When.local(30, 13), "location": "Nordby videregående skole"])
            #expect(established.status == 200, "\(established.text)")
            let meetingId = try #require(try established.decode(API.TransitionItem.self).ansvarsgruppeMeetingId)
            #expect(await api.tap.waitFor(MeetingCalled.type, subject: meetingId) != nil)
            let meeting = try await api.call("GET", "/v1/meetings/\(meetingId)", as: rektor)
            #expect(meeting.status == 200)
            #expect(meeting.string("arena_id")?.lowercased() == ansvarsgruppe.uuidString.lowercased())
            #expect(meeting.string("child_id")?.lowercased() == filip.id.uuidString.lowercased())
            let people = try await api.sql { connection in
                try connection.query("SELECT person_id FROM meeting_participants WHERE meeting_id = \(meetingId)")
                    .map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
            }
            #expect(Set(people).isSuperset(of: [rektor, sending, filip.guardians[0].id]))
            // Once only.
            let again = try await api.call("POST", "/v1/transition-items/\(item)/ansvarsgruppe", as: rektor, json: ["starts_at": When.local(31, 13)])
            #expect(again.status == 409 && again.string("code") == "already_established")
        }
    }
}
