import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Testing

@Suite("Ressursteam outcomes: referral and samarbeidsmøte, linked both ways, on the child's timeline", .timeLimit(.minutes(3)))
struct CalledMeetingFlowTests {
    @Test("refer to PPT creates the referral linked both ways; call_samarbeidsmote creates a called meeting linked to the case; the timeline shows every step")
    func ressursteamOutcomes() async throws {
        try await withIntake { api in
            let ressursteam = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let schoolSamarbeid = try await api.registerArena(api.arena(named: "Samarbeidsmøte – skolefravær"))
            _ = try await api.registerArena(api.arena(named: "Samarbeidsmøte om enkeltbarn"))
            let teacher = api.world.person(.school, .teacher)
            let principal = api.world.person(.school, .unitLeader)
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let emma = api.world.child("emma")
            _ = try await api.consent(emma, by: teacher, services: [.school, .healthStation, .ppt])
            func submit(_ title: String) async throws -> UUID {
                let response = try await api.call("POST", "/v1/cases", as: teacher, json: [
                    "arena_id": ressursteam.uuidString, "kind": "named", "child_id": emma.id.uuidString,
                    "submitting_unit_id": api.world.units[.school]!.uuidString, "title": title, "grade": 5,
                    "concern": "Bekymring over tid.", "adaptations_tried": "Tilpasset opplegg i klassen.",
                ] as [String: Any])
                guard let id = response.id else { throw MissingTestDependency("case: \(response.text)") }
                return id
            }
            let readingCase = try await submit("Emma – lesing")
            let absenceCase = try await submit("Emma – fravær")
            // The scheduler's work, by hand: one meeting with both cases, agenda published.
            let (meetingId, readingItem, absenceItem) = try await api.sql { connection in
                let meetingId = UUID(), first = UUID(), second = UUID()
                try connection.execute("""
                    INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
                    VALUES (\(meetingId), \(ressursteam), \(OsloTime.localDate(at: Date())), now(), now() + interval '2 hours', 6,
                            now() - interval '7 days', now() - interval '3 days', 'agenda_published')
                    """)
                for (item, caseId, position) in [(first, readingCase, 1), (second, absenceCase, 2)] {
                    try connection.execute("""
                        INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(item), \(meetingId), \(caseId), \(position), 'earliest_open_meeting')
                        """)
                    try connection.execute("UPDATE cases SET status = 'scheduled' WHERE id = \(caseId)")
                }
                return (meetingId, first, second)
            }
            let starts = When.local(20, 10)
            let saved = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: teacher, json: [
                "version": 0, "present": [principal.uuidString, teacher.uuidString, nurse.uuidString],
                "entries": [
                    ["agenda_item_id": readingItem.uuidString, "discussion": "Lesevansker over tid.", "decision": "refer_to_ppt",
                     "decision_text": "Henvises til PPT for utredning."],
                    ["agenda_item_id": absenceItem.uuidString, "discussion": "Økende fravær.", "decision": "call_samarbeidsmote",
                     "decision_text": "Samarbeidsmøte med foreldre og helsesykepleier.", "meeting_starts_at": starts],
                ],
            ] as [String: Any])
            #expect(saved.status == 200, "\(saved.text)")
            let approved = try await api.call("POST", "/v1/meetings/\(meetingId)/minutes/approve", as: principal)
            #expect(approved.status == 200, "\(approved.text)")

            // Refer to PPT: the referral points to the case; the decision points to the referral.
            let referDecision = try #require(await api.tap.waitFor(CaseDecided.type, subject: readingCase)).decode(CaseDecided.self)
            let referralId = try #require(referDecision.createdCaseId)
            let referral = try await api.call("GET", "/v1/referrals/\(referralId)", as: api.world.person(.ppt, .advisor))
            #expect(referral.uuid("origin_case_id") == readingCase)
            #expect(await api.tap.waitFor(ReferralCreated.type, subject: referralId) != nil)

            // Call a samarbeidsmøte: a called meeting around Emma, linked to the case, in the school's own arena, at the time the minutes say.
            let callDecision = try #require(await api.tap.waitFor(CaseDecided.type, subject: absenceCase)).decode(CaseDecided.self)
            #expect(callDecision.decision == .callSamarbeidsmote)
            let calledId = try #require(callDecision.createdMeetingId)
            #expect(await api.tap.waitFor(MeetingCalled.type, subject: calledId) != nil)
            let called = try await api.call("GET", "/v1/meetings/\(calledId)", as: teacher)
            #expect(called.status == 200, "\(called.text)")
            #expect(called.uuid("origin_case_id") == absenceCase)
            #expect(called.uuid("child_id") == emma.id)
            #expect(called.uuid("arena_id") == schoolSamarbeid)
            #expect(called.string("status") == "planned")
            let participants = Set(try called.decode(API.Meeting.self).participantIds ?? [])
            #expect(participants.isSuperset(of: Set(emma.guardians.map(\.id) + [teacher, principal, nurse])))
            let consentOfMeeting = try await api.sql { connection in
                try connection.query("SELECT consent_id IS NOT NULL, to_char(starts_at AT TIME ZONE 'Europe/Oslo', 'YYYY-MM-DD\"T\"HH24:MI') FROM meetings WHERE id = \(calledId)")
                    .first.map { row throws(PostgresError) in (try row.decode(Bool.self, 0), try row.decode(String.self, 1)) }
            }
            #expect(consentOfMeeting?.0 == true)
            #expect(consentOfMeeting?.1 == starts)
            #expect(try await api.call("GET", "/v1/cases/\(absenceCase)", as: teacher).string("status") == "referred_on")

            // The timeline shows every step in time order.
            let entries = try await api.get("/v1/children/\(emma.id)/timeline", as: teacher, decoding: API.Page<API.TimelineEntry>.self).items
            #expect(entries.filter { $0.kind == "case.submitted" }.count == 2)
            #expect(entries.contains { $0.kind == "referral.created" && $0.caseId == referralId && $0.originCaseId == readingCase })
            #expect(entries.contains { $0.kind == "case.decided" && $0.caseId == readingCase && $0.createdCaseId == referralId })
            #expect(entries.contains { $0.kind == "case.decided" && $0.caseId == absenceCase && $0.createdMeetingId == calledId })
            #expect(entries.contains { $0.kind == "meeting.called" && $0.meetingId == calledId && $0.originCaseId == absenceCase })
            let times = entries.map(\.at)
            #expect(times == times.sorted())
            #expect(try await api.sql { connection in
                try connection.query("SELECT count(*)::int8 FROM access_log WHERE resource = 'timeline' AND child_id = \(emma.id)").first!.decode(Int.self, 0)
            } == 1)

            // Another unit's staff and another child's guardian see no timeline at all.
            #expect(try await api.call("GET", "/v1/children/\(emma.id)/timeline", as: api.world.person(.lowerSecondary, .teacher)).status == 404)
            #expect(try await api.call("GET", "/v1/children/\(emma.id)/timeline", as: api.world.child("noah").guardians[0].id).status == 404)
            // Emma's guardian sees the steps that concern them.
            let asParent = try await api.get("/v1/children/\(emma.id)/timeline", as: emma.guardians[0].id, decoding: API.Page<API.TimelineEntry>.self)
            #expect(asParent.items.contains { $0.meetingId == calledId })
        }
    }
}
