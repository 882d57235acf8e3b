import Foundation
import SamtakDomain
import SamtakIntake
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Testing

/// Decisions that fit the arena (issue 18): a tildelingsmøte grants or denies an application (or
/// asks for more), it does not refer on; a code of another arena is a 422 naming the entry's field.
@Suite("Decisions that fit the arena", .timeLimit(.minutes(3)))
struct ArenaDecisionTests {
    /// A system case on a meeting of `arena` held an hour ago (agenda published): (meeting, case, agenda item).
    static func heldMeeting(_ api: IntakeHarness, arena: UUID, owner: UUID, unit: UUID, title: String, date: String)
        async throws -> (meeting: UUID, caseId: UUID, item: String) {
        let caseId = UUID(), meetingId = UUID()
        try await api.sql { connection in
            try connection.execute("""
                INSERT INTO cases (id, category, kind, arena_id, submitting_unit_id, submitted_by, owner_id, title, concern, status)
                VALUES (\(caseId), 'case', 'system', \(arena), \(unit), \(owner), \(owner), \(title), 'Til behandling.', 'scheduled')
                """)
            try connection.execute("""
                INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
                VALUES (\(meetingId), \(arena), \(LocalDate(date)!), now() - interval '2 hours', now() - interval '1 hour', 12, now() - interval '3 days',
                        now() - interval '1 day', 'agenda_published')
                """)
            try connection.execute("""
                INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(UUID()), \(meetingId), \(caseId), 1, 'earliest_open_meeting')
                """)
        }
        let meeting = try await api.call("GET", "/v1/meetings/\(meetingId)", as: owner)
        let item = try #require(try meeting.decode(API.Meeting.self).agenda.first?.id.uuidString, "\(meeting.text)")
        return (meetingId, caseId, item)
    }

    @Test("a tildelingsmøte refuses refer_to_ppt at the field, grants an application and closes it; a ressursteam refuses granted")
    func tildelingsmote() async throws {
        try await withIntake { api in
            let arena = try await api.registerArena(api.arena(named: "Tildelingsmøte"))
            let caseworker = api.world.person(.municipality, .caseworker)
            let (meetingId, caseId, item) = try await Self.heldMeeting(api, arena: arena, owner: caseworker, unit: api.world.units[.municipality]!,
                                                                       title: "Søknad om avlastning", date: "2031-03-03")
            func minutes(_ decision: String) -> [String: Any] {
                ["version": 0, "entries": [["agenda_item_id": item, "discussion": "Søknaden er vurdert.", "decision": decision]]]
            }
            for wrong in ["refer_to_ppt", "call_samarbeidsmote", "follow_up", "accepted"] {
                let refused = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: caseworker, json: minutes(wrong))
                #expect(refused.status == 422 && refused.fields == ["entries[0].decision"] && refused.rules == ["not_for_arena"], "\(wrong): \(refused.text)")
            }
            let saved = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: caseworker, json: minutes("granted"))
            #expect(saved.status == 200, "\(saved.text)")
            let approved = try await api.call("POST", "/v1/meetings/\(meetingId)/minutes/approve", as: caseworker)
            #expect(approved.status == 200, "\(approved.text)")
            let (status, decided) = try await api.sql { connection in
                (try connection.query("SELECT status FROM cases WHERE id = \(caseId)").first?.decode(String.self, 0),
                 try connection.query("SELECT data->>'decision' FROM outbox WHERE event_type = 'case.decided'").first?.decode(String.self, 0))
            }
            #expect(status == "closed" && decided == "granted")

            // A ressursteam does not grant applications.
            let ressursteam = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let frode = api.world.person(.school, .unitLeader)
            let other = try await Self.heldMeeting(api, arena: ressursteam, owner: frode, unit: api.world.units[.school]!, title: "Klasseledelse",
                                                   date: "2031-03-04")
            let refused = try await api.call("PUT", "/v1/meetings/\(other.meeting)/minutes", as: frode, json: [
                "version": 0, "entries": [["agenda_item_id": other.item, "decision": "granted"]],
            ] as [String: Any])
            #expect(refused.status == 422 && refused.fields == ["entries[0].decision"], "\(refused.text)")
        }
    }
}

/// "Etter behov" (issue 18): an arena without a rhythm has a "call a meeting" action.
@Suite("Calling a meeting of an arena without a rhythm", .timeLimit(.minutes(3)))
struct ArenaCallTests {
    @Test("the owning unit's leader calls a meeting (meeting.called); others are refused; an arena with a series or around one child is called otherwise")
    func callAsNeeded() async throws {
        try await withIntake { api in
            let admin = api.world.person(.municipality, .administrator), frode = api.world.person(.school, .unitLeader)
            let created = try await api.call("POST", "/v1/arenas", as: admin, json: [
                "name": "Arbeidsgruppe mot mobbing", "kind": "other", "owner_unit_id": api.world.units[.school]!.uuidString,
                "frequency_text": "Etter behov",
            ] as [String: Any])
            let arena = try #require(created.id, "\(created.text)")
            let start = OsloTime.localDate(at: Date()).adding(days: 20).description + "T10:00"
            let called = try await api.call("POST", "/v1/arenas/\(arena)/meetings", as: frode, json: ["starts_at": start, "location": "Møterom 2"])
            #expect(called.status == 201, "\(called.text)")
            #expect(called.string("status") == "planned" && called.string("location") == "Møterom 2")
            let meetingId = try #require(called.id)
            let (calledBy, events) = try await api.sql { connection in
                (try connection.query("SELECT called_by FROM meetings WHERE id = \(meetingId)").first?.decode(UUID?.self, 0),
                 try connection.query("SELECT count(*)::int8 FROM outbox WHERE event_type = 'meeting.called' AND subject = \(meetingId.uuidString.lowercased())")
                    .first?.decode(Int.self, 0))
            }
            #expect(calledBy == frode && events == 1)
            // Not the organiser: refused; bad input names the field.
            #expect(try await api.call("POST", "/v1/arenas/\(arena)/meetings", as: api.world.person(.school, .teacher), json: ["starts_at": start]).status == 403)
            let past = try await api.call("POST", "/v1/arenas/\(arena)/meetings", as: frode, json: ["starts_at": "2026-01-05T10:00"])
            #expect(past.status == 422 && past.fields == ["starts_at"], "\(past.text)")
            let long = try await api.call("POST", "/v1/arenas/\(arena)/meetings", as: frode, json: ["starts_at": start, "duration_minutes": 2000])
            #expect(long.status == 422 && long.fields == ["duration_minutes"])
            // The ressursteam meets in a series; a samarbeidsmøte is called around a child.
            let ressursteam = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let series = try await api.call("POST", "/v1/arenas/\(ressursteam)/meetings", as: frode, json: ["starts_at": start])
            #expect(series.status == 409 && series.string("code") == "has_rhythm", "\(series.text)")
            let perChild = try await api.registerArena(api.arena(named: "Samarbeidsmøte – skolefravær"))
            let aroundChild = try await api.call("POST", "/v1/arenas/\(perChild)/meetings", as: frode, json: ["starts_at": start])
            #expect(aroundChild.status == 422 && aroundChild.fields == ["id"], "\(aroundChild.text)")
        }
    }
}
