import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakStore
import SamtakTestSupport
import Testing

@Suite("Cooperation around one child: coordinator, log, ansvarsgruppe, reminders", .timeLimit(.minutes(3)))
struct CoordinationFlowTests {
    @Test("a coordinator from a service without consent is refused; a handover takes effect only when accepted; both are announced")
    func coordinatorAndHandover() async throws {
        try await withIntake { api in
            let teacher = api.world.person(.school, .teacher)
            let tone = api.world.person(.ppt, .advisor)
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let barnekoordinator = api.world.person(.municipality, .coordinator)
            let emma = api.world.child("emma")
            let path = "/v1/children/\(emma.id)/coordinator"

            // No consent yet: nobody can be coordinator.
            let none = try await api.call("POST", path, as: teacher, json: ["person_id": tone.uuidString, "kind": "stafettholder"])
            #expect(none.status == 403, "\(none.text)")
            _ = try await api.consent(emma, by: teacher, services: [.school, .ppt, .healthStation])

            // The municipality's coordinator works in a service the family has not consented to.
            let refused = try await api.call("POST", path, as: teacher, json: ["person_id": barnekoordinator.uuidString, "kind": "child_coordinator"])
            #expect(refused.status == 422)
            #expect(refused.string("code") == "consent_required")
            #expect(refused.rules == ["consent_does_not_cover_service"])
            #expect(refused.fields == ["person_id"])

            let assigned = try await api.call("POST", path, as: teacher, json: ["person_id": tone.uuidString, "kind": "stafettholder"])
            #expect(assigned.status == 201, "\(assigned.text)")
            let current = try #require(try assigned.decode(API.Coordination.self).current)
            #expect(current.personId == tone)
            #expect(current.service == "ppt")
            let event = try #require(await api.tap.waitFor(CoordinatorAssigned.type, subject: emma.id))
            #expect(try event.decode(CoordinatorAssigned.self).personId == tone)
            #expect(!String(decoding: event.data, as: UTF8.self).contains("Emma"))
            #expect(try await api.call("POST", path, as: teacher, json: ["person_id": nurse.uuidString, "kind": "stafettholder"]).status == 409)

            // A log is open, so the handover is written into it.
            let log = try await api.call("POST", "/v1/children/\(emma.id)/coordination-log", as: teacher)
            #expect(log.status == 201, "\(log.text)")

            // Only the coordinator hands over; not to someone the consent does not cover.
            let notCoordinator = try await api.call("POST", "\(path)/handovers", as: teacher, json: ["to_person_id": nurse.uuidString])
            #expect(notCoordinator.status == 403)
            let toUncovered = try await api.call("POST", "\(path)/handovers", as: tone, json: ["to_person_id": barnekoordinator.uuidString])
            #expect(toUncovered.status == 422)
            #expect(toUncovered.rules == ["consent_does_not_cover_service"])
            let requested = try await api.call("POST", "\(path)/handovers", as: tone, json: ["to_person_id": nurse.uuidString, "note": "Helsesøster følger opp videre."])
            #expect(requested.status == 201, "\(requested.text)")
            #expect(requested.string("status") == "pending")
            let handoverId = try #require(requested.id)
            #expect(await api.tap.waitFor(CoordinatorHandoverRequested.type, subject: emma.id) != nil)
            #expect(try await api.call("POST", "\(path)/handovers", as: tone, json: ["to_person_id": teacher.uuidString]).status == 409)

            // Pending: the coordinator is still the same person.
            let pending: API.Coordination = try await api.get(path, as: teacher)
            #expect(pending.current?.personId == tone)
            #expect(pending.pendingHandover?.id == handoverId)

            // Only the recipient accepts; the coordinator cannot accept for them; others see nothing.
            let bySender = try await api.call("POST", "/v1/coordinator-handovers/\(handoverId)/accept", as: tone)
            #expect(bySender.status == 403)
            #expect(bySender.string("code") == "not_recipient")
            #expect(try await api.call("POST", "/v1/coordinator-handovers/\(handoverId)/accept", as: teacher).status == 404)
            let accepted = try await api.call("POST", "/v1/coordinator-handovers/\(handoverId)/accept", as: nurse)
            #expect(accepted.status == 200, "\(accepted.text)")
            #expect(accepted.string("status") == "accepted")
            #expect(try await api.call("POST", "/v1/coordinator-handovers/\(handoverId)/accept", as: nurse).status == 409)

            let after = try await api.call("GET", path, as: teacher)
            let afterHandover = try after.decode(API.Coordination.self)
            #expect(afterHandover.current?.personId == nurse)
            #expect(afterHandover.history.map(\.status) == ["ended", "active"])
            #expect(!after.keys.contains("pending_handover"))
            let handedOver = try #require(await api.tap.waitFor(CoordinatorHandedOver.type, subject: emma.id))
            let payload = try handedOver.decode(CoordinatorHandedOver.self)
            #expect(payload.fromPersonId == tone && payload.toPersonId == nurse && payload.handoverId == handoverId)

            // The handover is in the log; a declined handover changes nothing.
            let logAfter: API.CoordinationLog = try await api.get("/v1/children/\(emma.id)/coordination-log", as: tone)
            #expect(logAfter.notes.contains { $0.kind == "handover" })
            let back = try await api.call("POST", "\(path)/handovers", as: nurse, json: ["to_person_id": tone.uuidString])
            let declined = try await api.call("POST", "/v1/coordinator-handovers/\(back.id!)/decline", as: tone)
            #expect(declined.string("status") == "declined")
            #expect(try await api.get(path, as: tone, decoding: API.Coordination.self).current?.personId == nurse)
            #expect(await api.tap.waitFor(CoordinatorHandoverClosed.type, subject: emma.id) != nil)

            // Every read and change is in the access log.
            let logged = try await api.sql { connection in
                try connection.query("SELECT DISTINCT resource FROM access_log WHERE child_id = \(emma.id)")
                    .map { row throws(PostgresError) in try row.decode(String.self, 0) }
            }
            #expect(Set(logged).isSuperset(of: ["coordinator", "coordinator_handover", "coordination_log"]))
        }
    }

    @Test("a measure past its evaluation date is reminded exactly once (measure.evaluation_due in the outbox once, on Kafka)")
    func evaluationReminderOnce() async throws {
        try await withIntake { api in
            let teacher = api.world.person(.school, .teacher)
            let tone = api.world.person(.ppt, .advisor)
            let emma = api.world.child("emma")
            _ = try await api.consent(emma, by: teacher, services: [.school, .ppt])
            _ = try await api.call("POST", "/v1/children/\(emma.id)/coordinator", as: teacher, json: ["person_id": tone.uuidString, "kind": "stafettholder"])
            let log = try await api.call("POST", "/v1/children/\(emma.id)/coordination-log", as: teacher)
            let logId = try #require(log.id)
            let overdue = try await api.call("POST", "/v1/coordination-logs/\(logId)/measures", as: teacher, json: [
                "description": "Lesekurs to ganger i uken", "owner_id": teacher.uuidString, "starts_on": When.date(-60), "evaluation_due_on": When.date(-1),
            ])
            #expect(overdue.status == 201, "\(overdue.text)")
            #expect(try overdue.decode(API.Measure.self).evaluationOverdue)
            let measureId = try #require(overdue.id)
            let later = try await api.call("POST", "/v1/coordination-logs/\(logId)/measures", as: tone, json: [
                "description": "Observasjon i klasserommet", "owner_id": tone.uuidString, "starts_on": When.date(0), "evaluation_due_on": When.date(30),
            ])
            #expect(later.status == 201)
            #expect(await api.tap.waitFor(MeasureAdded.type, subject: emma.id) != nil)

            let reminders = MeasureEvaluationReminders(outbox: Outbox(topics: api.topics, source: "/samtak/test"))
            let first = try await api.sql { try reminders.claimDue(on: $0) }
            #expect(first.map(\.measureId) == [measureId])
            #expect(first.first?.ownerId == teacher)
            #expect(first.first?.coordinatorPersonId == tone)
            let second = try await api.sql { try reminders.claimDue(on: $0) }
            #expect(second.isEmpty)
            #expect(try await reminders.claimDue(pool: api.database.pool) == 0)
            #expect(try await api.outboxCount(MeasureEvaluationDue.type) == 1)
            let announced = try #require(await api.tap.waitFor(MeasureEvaluationDue.type, subject: emma.id))
            #expect(try announced.decode(MeasureEvaluationDue.self).measureId == measureId)

            // Evaluated with a new date: the next date gets its own reminder, once.
            let evaluated = try await api.call("POST", "/v1/coordination-measures/\(measureId)/evaluation", as: tone, json: [
                "evaluation": "Noe fremgang; fortsetter.", "outcome": "continue", "next_evaluation_on": When.date(20),
            ])
            #expect(evaluated.status == 200, "\(evaluated.text)")
            #expect(evaluated.string("evaluation_due_on") == When.date(20))
            let tomorrowPlus = OsloTime.localDate(at: Date()).adding(days: 22)
            #expect(try await api.sql { try reminders.claimDue(on: $0, today: tomorrowPlus) }.map(\.measureId).contains(measureId))
            #expect(try await api.sql { try reminders.claimDue(on: $0, today: tomorrowPlus) }.isEmpty)

            // A closed log reminds no more, and is read-only.
            let closed = try await api.call("POST", "/v1/coordination-logs/\(logId)/close", as: tone, json: ["reason": "goals_reached"])
            #expect(closed.status == 200, "\(closed.text)")
            #expect(closed.string("status") == "closed")
            #expect(closed.string("access") == "read_only")
            #expect(await api.tap.waitFor(LogClosed.type, subject: emma.id) != nil)
            #expect(try await api.sql { try reminders.claimDue(on: $0, today: tomorrowPlus.adding(days: 400)) }.isEmpty)
            let write = try await api.call("POST", "/v1/coordination-logs/\(logId)/notes", as: tone, json: ["kind": "progress", "text": "Etter lukking"])
            #expect(write.status == 409)
            #expect(write.string("code") == "log_closed")
            #expect(try await api.call("POST", "/v1/coordination-measures/\(measureId)/evaluation", as: tone, json: [
                "evaluation": "x", "outcome": "completed",
            ]).status == 409)

            // The log as a document for the child's file.
            let export = try await api.call("GET", "/v1/coordination-logs/\(logId)/export", as: emma.guardians[0].id)
            #expect(export.status == 200)
            #expect(export.headers["content-type"]?.hasPrefix("text/html") == true)
            #expect(export.text.contains("Stafettlogg") && export.text.contains("Emma Nordli") && export.text.contains("Lesekurs to ganger i uken"))
            let exports = try await api.sql { connection in
                try connection.query("SELECT count(*)::int8 FROM access_log WHERE action = 'export' AND resource_id = \(logId)").first!.decode(Int.self, 0)
            }
            #expect(exports == 1)
        }
    }

    @Test("an ansvarsgruppe: called (meeting.called on Kafka), minutes required, written and approved, follow-ups become measures in the log")
    func ansvarsgruppe() async throws {
        try await withIntake { api in
            let arenaId = try await api.registerArena(api.arena(named: "Ansvarsgruppe"))
            let teacher = api.world.person(.school, .teacher)
            let tone = api.world.person(.ppt, .advisor)
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let welfare = api.world.person(.childWelfare, .caseworker)
            let emma = api.world.child("emma")
            _ = try await api.consent(emma, by: teacher, services: [.school, .ppt, .healthStation])
            _ = try await api.call("POST", "/v1/children/\(emma.id)/coordinator", as: teacher, json: ["person_id": tone.uuidString, "kind": "ip_coordinator"])
            let plan = try await api.call("POST", "/v1/children/\(emma.id)/individual-plan", as: tone, json: [
                "goals": ["Å ha en venn i klassen", "Å lese bøker selv"], "responsible_services": ["school", "ppt"],
            ])
            #expect(plan.status == 201, "\(plan.text)")
            let planId = try #require(plan.id)

            let call: [String: Any] = [
                "arena_id": arenaId.uuidString, "starts_at": When.local(10), "location": "Nordby barneskole, møterom 2",
                "participant_ids": emma.guardians.map { $0.id.uuidString } + [teacher.uuidString, nurse.uuidString],
                "agenda": [["title": "Hvordan har Emma det?"], ["title": "Tiltak i skolen", "presenter_id": teacher.uuidString]],
            ]
            // Child welfare is not covered by this consent; a helper outside it cannot be invited.
            var outsiderCall = call
            outsiderCall["participant_ids"] = [welfare.uuidString]
            outsiderCall["agenda"] = [["title": "Status"]]
            let outsider = try await api.call("POST", "/v1/children/\(emma.id)/meetings", as: tone, json: outsiderCall)
            #expect(outsider.status == 422)
            #expect(outsider.rules == ["consent_does_not_cover_service"])
            #expect(outsider.fields == ["participant_ids[0]"])
            // The teacher may not call an ansvarsgruppe (the coordinator or child welfare does).
            #expect(try await api.call("POST", "/v1/children/\(emma.id)/meetings", as: teacher, json: call).status == 403)

            let called = try await api.call("POST", "/v1/children/\(emma.id)/meetings", as: tone, json: call)
            #expect(called.status == 201, "\(called.text)")
            let meeting = try #require(try called.decode(API.Page<API.Meeting>.self).items.first)
            let meetingId = meeting.id
            #expect(meeting.status == "planned")
            #expect(meeting.childId == emma.id)
            #expect(meeting.individualPlanId == planId)
            #expect(Set(meeting.participantIds ?? []) == Set(emma.guardians.map(\.id) + [teacher, nurse, tone]))
            let event = try #require(await api.tap.waitFor(MeetingCalled.type, subject: meetingId))
            #expect(try event.decode(MeetingCalled.self).arenaId == arenaId)
            let stored = try await api.sql { connection in
                try connection.query("""
                    SELECT occurrence_date IS NULL, called_by, submission_deadline <= now(), agenda_due_at = starts_at - interval '72 hours'
                    FROM meetings WHERE id = \(meetingId)
                    """).first.map { row throws(PostgresError) in
                    (try row.decode(Bool.self, 0), try row.decode(UUID.self, 1), try row.decode(Bool.self, 2), try row.decode(Bool.self, 3))
                }
            }
            #expect(stored?.0 == true && stored?.1 == tone && stored?.2 == true && stored?.3 == true)

            // A guardian sees the meeting and its agenda; the agenda is published by the scheduler (by hand here).
            let asParent: API.Meeting = try await api.get("/v1/meetings/\(meetingId)", as: emma.guardians[0].id)
            #expect(asParent.agenda.map(\.title) == ["Hvordan har Emma det?", "Tiltak i skolen"])
            try await api.publishAgenda(meetingId)
            let first = asParent.agenda[0].id, second = asParent.agenda[1].id

            // Once it has begun, an ansvarsgruppe is written up, not cancelled.
            try await api.sql { connection in
                _ = try connection.execute("UPDATE meetings SET starts_at = now() - interval '1 hour', ends_at = now() WHERE id = \(meetingId)")
            }
            let cancel = try await api.call("POST", "/v1/meetings/\(meetingId)/cancel", as: tone)
            #expect(cancel.status == 409 && cancel.string("code") == "minutes_required", "\(cancel.text)")

            // Minutes always for an ansvarsgruppe: every item needs an entry before approval.
            let partial = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: teacher, json: [
                "version": 0, "present": [teacher.uuidString, tone.uuidString],
                "entries": [["agenda_item_id": first.uuidString, "discussion": "Trives bedre i friminuttene."]],
            ] as [String: Any])
            #expect(partial.status == 200, "\(partial.text)")
            let incomplete = try await api.call("POST", "/v1/meetings/\(meetingId)/minutes/approve", as: tone)
            #expect(incomplete.status == 409)
            #expect(incomplete.string("code") == "minutes_incomplete")
            let complete = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: teacher, json: [
                "version": 1, "present": [teacher.uuidString, tone.uuidString, nurse.uuidString],
                "entries": [
                    ["agenda_item_id": first.uuidString, "discussion": "Trives bedre i friminuttene."],
                    ["agenda_item_id": second.uuidString, "discussion": "Lesingen går sakte.", "follow_ups": [
                        ["description": "Ukentlige samtaler med helsesykepleier", "responsible_id": nurse.uuidString, "due_date": When.date(40)],
                        ["description": "Tilpasset leseopplegg", "responsible_id": teacher.uuidString],
                    ]],
                ],
            ] as [String: Any])
            #expect(complete.status == 200, "\(complete.text)")
            // The coordinator called it, so she approves it.
            let approved = try await api.call("POST", "/v1/meetings/\(meetingId)/minutes/approve", as: tone)
            #expect(approved.status == 200, "\(approved.text)")
            #expect(await api.tap.waitFor(MinutesApproved.type, subject: meetingId) != nil)

            // The follow-ups are measures in the child's individual plan (its ansvarsgruppe).
            let planAfter: API.IndividualPlan = try await api.get("/v1/children/\(emma.id)/individual-plan", as: teacher)
            let measures = planAfter.measures
            #expect(measures.map(\.description) == ["Ukentlige samtaler med helsesykepleier", "Tilpasset leseopplegg"]
                || Set(measures.map(\.description)) == ["Ukentlige samtaler med helsesykepleier", "Tilpasset leseopplegg"])
            #expect(measures.allSatisfy { $0.source == "minutes" && $0.meetingId == meetingId })
            #expect(measures.first { $0.description == "Ukentlige samtaler med helsesykepleier" }?.evaluationDueOn == When.date(40))
            #expect(planAfter.meetingIds == [meetingId])
            #expect(try await api.outboxCount(MeasureAdded.type, subject: emma.id) == 2)
        }
    }

    @Test("a samarbeidsmøte without a plan: follow-ups open the child's log; a series every 6 weeks; moved by its organiser")
    func samarbeidsmoteSeriesAndLog() async throws {
        try await withIntake { api in
            let arenaId = try await api.registerArena(api.arena(named: "Samarbeidsmøte om enkeltbarn"))
            let teacher = api.world.person(.school, .teacher)
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let noah = api.world.child("noah")
            _ = try await api.consent(noah, by: teacher, services: [.school, .healthStation])
            // Staff working with the child under the consent may call a samarbeidsmøte; a short series.
            let called = try await api.call("POST", "/v1/children/\(noah.id)/meetings", as: teacher, json: [
                "arena_id": arenaId.uuidString, "starts_at": When.local(7, 9), "rrule": "FREQ=WEEKLY;INTERVAL=6;COUNT=3",
                "participant_ids": [noah.guardians[0].id.uuidString, nurse.uuidString], "agenda": [["title": "Fravær og trivsel"]],
            ] as [String: Any])
            #expect(called.status == 201, "\(called.text)")
            let series = try called.decode(API.Page<API.Meeting>.self).items
            #expect(series.count == 3)
            let ids = series.map(\.id)
            #expect(Set(series.compactMap(\.seriesId)).count == 1)
            for id in ids { #expect(await api.tap.waitFor(MeetingCalled.type, subject: id) != nil) }
            let listed: API.Page<API.Meeting> = try await api.get("/v1/children/\(noah.id)/meetings", as: nurse)
            #expect(listed.items.map(\.id) == ids)

            // Moved by its organiser: sequence + 1, meeting.moved.
            let moved = try await api.call("POST", "/v1/meetings/\(ids[0])/reschedule", as: teacher, json: ["starts_at": When.local(8, 13), "location": "Helsestasjonen"])
            #expect(moved.status == 200, "\(moved.text)")
            #expect(try moved.decode(API.Meeting.self).sequence == 1)
            #expect(moved.string("location") == "Helsestasjonen")
            #expect(await api.tap.waitFor(MeetingMoved.type, subject: ids[0]) != nil)
            #expect(try await api.call("POST", "/v1/meetings/\(ids[0])/reschedule", as: nurse, json: ["starts_at": When.local(9)]).status == 403)

            try await api.publishAgenda(ids[0])
            let item = try #require(try await api.get("/v1/meetings/\(ids[0])", as: teacher, decoding: API.Meeting.self).agenda.first?.id)
            _ = try await api.call("PUT", "/v1/meetings/\(ids[0])/minutes", as: nurse, json: [
                "version": 0, "entries": [["agenda_item_id": item.uuidString, "discussion": "Bedre oppmøte.",
                                           "follow_ups": [["description": "Morgensamtale hver mandag", "responsible_id": teacher.uuidString]]]],
            ] as [String: Any])
            let approved = try await api.call("POST", "/v1/meetings/\(ids[0])/minutes/approve", as: teacher)
            #expect(approved.status == 200, "\(approved.text)")
            let log = try await api.call("GET", "/v1/children/\(noah.id)/coordination-log", as: nurse)
            #expect(log.status == 200, "\(log.text)")
            #expect(try log.decode(API.CoordinationLog.self).measures.map(\.description) == ["Morgensamtale hver mandag"])
            #expect(await api.tap.waitFor(LogOpened.type, subject: noah.id) != nil)
            // Approving again changes nothing (the measures are made once).
            #expect(try await api.call("POST", "/v1/meetings/\(ids[0])/minutes/approve", as: teacher).status == 409)
            #expect(try await api.outboxCount(MeasureAdded.type, subject: noah.id) == 1)
        }
    }
}
