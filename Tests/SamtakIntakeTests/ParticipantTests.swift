import Foundation
import SamtakDomain
import SamtakIntake
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Testing

/// Extra participants, "til hele eller deler av møtet" (seed 001): the organiser invites
/// child welfare for one pupil's item and a mother for her own child's item; what each then
/// sees is the consent's and the guardianship's answer, not the invitation's.
@Suite("Meeting participants: invited for the whole meeting or for some items", .serialized)
struct ParticipantTests {
    struct ParticipantList: Decodable {
        struct Item: Decodable {
            var personId: UUID?
            var kind: String
            var name: String?
            var source: String
            var agendaItemIds: [UUID]
            var removable: Bool
        }
        var items: [Item]
    }

    @Test("child welfare for Emma's item sees only that item, redacted; the mother only for her child's; the rules refuse the rest")
    func inviteForPartOfTheMeeting() async throws {
        try await withIntake(relaying: false) { api in
            let world = try await AccessLogTests.World.make(api)
            let emma = api.world.child("emma")
            let mother = emma.guardians[0].id
            let welfare = api.world.person(.childWelfare, .caseworker)
            let meeting = try await world.meeting(day: 0, status: "planned", startsInDays: 10,
                                                  cases: [("emma", world.emmaConsent), ("noah", world.noahConsent), nil])
            let agenda = try await api.call("GET", "/v1/meetings/\(meeting)", as: world.leader).decode(AccessLogTests.Meeting.self).agenda
            #expect(agenda.count == 3)
            let (emmaItem, noahItem) = (agenda[0].id, agenda[1].id)

            // Before the invitation child welfare sees nothing of the meeting.
            #expect(try await api.call("GET", "/v1/meetings/\(meeting)", as: welfare).status == 404)

            // Only the organiser invites.
            let byTeacher = try await api.call("POST", "/v1/meetings/\(meeting)/participants", as: world.teacher,
                                               json: ["person_id": welfare.uuidString, "agenda_item_ids": [emmaItem.uuidString]])
            #expect(byTeacher.status == 403, "\(byTeacher.text)")

            let invited = try await api.call("POST", "/v1/meetings/\(meeting)/participants", as: world.leader,
                                             json: ["person_id": welfare.uuidString, "agenda_item_ids": [emmaItem.uuidString]])
            #expect(invited.status == 201, "\(invited.text)")
            #expect(try await api.outboxCount(MeetingParticipantInvited.type) == 1)
            let again = try await api.call("POST", "/v1/meetings/\(meeting)/participants", as: world.leader,
                                           json: ["person_id": welfare.uuidString, "agenda_item_ids": [emmaItem.uuidString]])
            #expect(again.status == 409 && again.string("code") == "already_invited", "\(again.text)")

            // Child welfare now sees Emma's item, redacted: her consent does not name child welfare
            // (a consent naming the arena covers the arena's own participants, not a guest).
            let asWelfare = try await api.call("GET", "/v1/meetings/\(meeting)", as: welfare)
            #expect(asWelfare.status == 200, "\(asWelfare.text)")
            let seen = try asWelfare.decode(AccessLogTests.Meeting.self).agenda
            #expect(seen.map(\.id) == [emmaItem])
            #expect(seen.map(\.visibility) == ["redacted"])
            #expect(!asWelfare.text.contains("Emma"))
            // A guest for some items does not write the minutes.
            try await api.sql { try $0.execute("UPDATE meetings SET status = 'agenda_published' WHERE id = \(meeting)") }
            let minutes = try await api.call("PUT", "/v1/meetings/\(meeting)/minutes", as: welfare, json: ["version": 0, "general_notes": "x"])
            #expect(minutes.status == 403, "\(minutes.text)")

            // The mother: only her own child's item.
            let forNoah = try await api.call("POST", "/v1/meetings/\(meeting)/participants", as: world.leader,
                                             json: ["person_id": mother.uuidString, "agenda_item_ids": [noahItem.uuidString]])
            #expect(forNoah.status == 422 && forNoah.rules.contains("family_other_item"), "\(forNoah.text)")
            let whole = try await api.call("POST", "/v1/meetings/\(meeting)/participants", as: world.leader, json: ["person_id": mother.uuidString])
            #expect(whole.status == 422 && whole.rules.contains("family_whole_meeting"), "\(whole.text)")
            let forEmma = try await api.call("POST", "/v1/meetings/\(meeting)/participants", as: world.leader,
                                             json: ["person_id": mother.uuidString, "agenda_item_ids": [emmaItem.uuidString]])
            #expect(forEmma.status == 201, "\(forEmma.text)")

            // Bad input names the field.
            let unknownItem = try await api.call("POST", "/v1/meetings/\(meeting)/participants", as: world.leader,
                                                 json: ["person_id": welfare.uuidString, "agenda_item_ids": [UUID().uuidString]])
            #expect(unknownItem.status == 422 && unknownItem.rules.contains("unknown"), "\(unknownItem.text)")
            let unknownPerson = try await api.call("POST", "/v1/meetings/\(meeting)/participants", as: world.leader, json: ["person_id": UUID().uuidString])
            #expect(unknownPerson.status == 422, "\(unknownPerson.text)")
            let extraField = try await api.call("POST", "/v1/meetings/\(meeting)/participants", as: world.leader,
                                                json: ["person_id": welfare.uuidString, "role": "x"])
            #expect(extraField.status == 422, "\(extraField.text)")
            let standing = try await api.call("POST", "/v1/meetings/\(meeting)/participants", as: world.leader, json: ["person_id": world.nurse.uuidString])
            #expect(standing.status == 409 && standing.string("code") == "already_participant", "\(standing.text)")

            // The list: the guests with their items; the mother is named to the organiser, not to the nurse.
            let toLeader = try await api.call("GET", "/v1/meetings/\(meeting)/participants", as: world.leader).decode(ParticipantList.self).items
            let guest = try #require(toLeader.first { $0.personId == welfare })
            #expect(guest.source == "items" && guest.agendaItemIds == [emmaItem] && guest.removable)
            #expect(toLeader.contains { $0.personId == mother && $0.name != nil && $0.kind == "guardian" })
            #expect(toLeader.contains { $0.personId == world.nurse && $0.source == "arena" && !$0.removable })
            let toNurse = try await api.call("GET", "/v1/meetings/\(meeting)/participants", as: world.nurse)
            #expect(toNurse.status == 200)
            let nurseList = try toNurse.decode(ParticipantList.self).items
            #expect(nurseList.contains { $0.kind == "guardian" && $0.personId == nil && $0.name == nil })
            #expect(!toNurse.text.contains(emma.guardians[0].name))

            // Withdrawn: child welfare sees nothing again.
            let removed = try await api.call("DELETE", "/v1/meetings/\(meeting)/participants/\(welfare)", as: world.leader)
            #expect(removed.status == 200, "\(removed.text)")
            #expect(try await api.call("GET", "/v1/meetings/\(meeting)", as: welfare).status == 404)
            #expect(try await api.call("DELETE", "/v1/meetings/\(meeting)/participants/\(welfare)", as: world.leader).status == 404)
            #expect(try await api.outboxCount(MeetingParticipantRemoved.type) == 1)
        }
    }
}

extension ParticipantTests {
    @Test("the organiser moves one meeting of the ressursteam's series: new time, sequence + 1, meeting.moved, marked for the planner; others may not")
    func organiserMovesASeriesMeeting() async throws {
        try await withIntake(relaying: false) { api in
            let world = try await AccessLogTests.World.make(api)
            let meeting = try await world.meeting(day: 0, status: "planned", startsInDays: 10, cases: [("emma", world.emmaConsent)])
            let newTime = OsloTime.localDateTime(at: Date().addingTimeInterval(12 * 86400))
            let body: [String: Any] = ["starts_at": "\(newTime.date)T09:00", "location": "Møterom 2"]
            let byNurse = try await api.call("POST", "/v1/meetings/\(meeting)/reschedule", as: world.nurse, json: body)
            #expect(byNurse.status == 403, "\(byNurse.text)")
            let moved = try await api.call("POST", "/v1/meetings/\(meeting)/reschedule", as: world.leader, json: body)
            #expect(moved.status == 200, "\(moved.text)")
            #expect(try moved.decode(API.Meeting.self).location == "Møterom 2")
            #expect(try await api.outboxCount(MeetingMoved.type) == 1)
            let marked = try await api.sql { connection in
                try connection.query("SELECT moved_by_owner_at IS NOT NULL, sequence FROM meetings WHERE id = \(meeting)").first.map { row throws(PostgresError) in
                    (try row.decode(Bool.self, 0), try row.decode(Int.self, 1))
                }
            }
            #expect(marked?.0 == true && marked?.1 == 1)
            // In the past: refused naming the field.
            let past = try await api.call("POST", "/v1/meetings/\(meeting)/reschedule", as: world.leader, json: ["starts_at": "2020-01-01T09:00"])
            #expect(past.status == 422 && past.rules.contains("range"), "\(past.text)")
        }
    }
}

extension IntakeHarness {
    func outboxCount(_ type: String) async throws -> Int {
        try await sql { connection in
            try connection.query("SELECT count(*)::int8 FROM outbox WHERE event_type = \(type)").first?.decode(Int.self, 0) ?? 0
        }
    }
}
