import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakStore
import SamtakTestSupport
import Testing

/// Issue 16 against the real PostgreSQL and broker: BUP's weekly intake meeting asks for more
/// information, the referrer completes the referral, the next meeting rejects it, and the
/// rejection becomes a follow-up task with a municipal owner, a due date, an outcome and a
/// single overdue report.
@Suite("BUP intake and follow-up of rejected referrals", .serialized)
struct ReferralIntakeTests {
    /// A consent for a BUP referral covers every service that takes part in the intake arena.
    static let allIntakeServices: [ServiceKind] = [.bup, .ppt, .childWelfare, .healthStation, .municipalPsychologist, .school, .municipalAdministration]

    /// A published intake meeting with `caseId` on its agenda (the scheduler's work, done by hand).
    static func placeOnMeeting(_ api: IntakeHarness, arenaId: UUID, caseId: UUID, day: String) async throws -> (meeting: UUID, item: UUID) {
        try await api.sql { connection in
            let meetingId = UUID(), itemId = UUID()
            try connection.execute("""
                INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
                VALUES (\(meetingId), \(arenaId), \(LocalDate(day)!), now(), now() + interval '1 hour', 20, now() - interval '2 days',
                        now() - interval '1 day', 'agenda_published')
                """)
            try connection.execute("""
                INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(itemId), \(meetingId), \(caseId), 1, 'earliest_open_meeting')
                """)
            try connection.execute("UPDATE cases SET status = 'scheduled' WHERE id = \(caseId)")
            return (meetingId, itemId)
        }
    }

    static func referral(_ api: IntakeHarness, child: SeedWorld.SeedChild, by nurse: UUID) async throws -> UUID {
        let guardians = child.guardians.map { $0.id.uuidString }
        let response = try await api.call("POST", "/v1/referrals", as: nurse, json: [
            "target_service": "bup", "child_id": child.id.uuidString, "submitting_unit_id": api.world.units[.healthStation]!.uuidString,
            "question": "Utredning av angst", "measures_tried": "Samtaler med helsesykepleier", "current_services": ["health_station"],
            "parental_responsibility": guardians, "daily_care": guardians, "consented_by": guardians,
        ] as [String: Any])
        #expect(response.status == 201, "\(response.text)")
        return try #require(response.id)
    }

    @Test("asked for more information: the referral waits, the referrer is told what is asked, completes it, and it returns")
    func moreInformation() async throws {
        try await withIntake { api in
            let arenaId = try await api.registerArena(api.arena(named: "Lokalt inntaksmøte BUP"))
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let emma = api.world.child("emma")
            _ = try await api.recordConsent(child: emma, by: api.world.person(.school, .teacher),
                                            services: Self.allIntakeServices)
            // The nurse finds Emma among the children she may refer to BUP (and Noah, without consent, is not there).
            let children: API.Page<API.Named> = try await api.get("/v1/referrable-children?target_service=bup", as: nurse)
            #expect(children.items.map(\.name) == ["Emma Nordli"])
            #expect(try await api.call("GET", "/v1/referrable-children?target_service=nope", as: nurse).status == 422)

            let caseId = try await Self.referral(api, child: emma, by: nurse)
            let (meetingId, itemId) = try await Self.placeOnMeeting(api, arenaId: arenaId, caseId: caseId, day: "2026-12-02")
            let bup = api.world.person(.bup, .clinician)
            // The municipality adds what it knows: PPT's leader takes part in the intake meeting.
            let pptLeader = api.world.person(.ppt, .unitLeader)
            let ppt = api.world.units[.ppt]!
            let note = ["text": "PPT har fulgt Emma siden 3. trinn; lesevansker utredet 2025.", "unit_id": ppt.uuidString]
            #expect(try await api.call("POST", "/v1/referrals/\(caseId)/notes", as: nurse, json: note).status == 403)
            let wrongUnit = try await api.call("POST", "/v1/referrals/\(caseId)/notes", as: pptLeader,
                                               json: ["text": "x", "unit_id": api.world.units[.school]!.uuidString])
            #expect(wrongUnit.status == 422 && wrongUnit.fields == ["unit_id"])
            #expect(try await api.call("POST", "/v1/referrals/\(caseId)/notes", as: pptLeader, json: ["text": " ", "unit_id": ppt.uuidString]).status == 422)
            let added = try await api.call("POST", "/v1/referrals/\(caseId)/notes", as: pptLeader, json: note)
            #expect(added.status == 201, "\(added.text)")
            let noteEvent = try #require(await api.tap.waitFor(ReferralNoteAdded.type, subject: caseId))
            #expect(try noteEvent.decode(ReferralNoteAdded.self).service == .ppt)
            #expect(!String(decoding: noteEvent.data, as: UTF8.self).contains("lesevansker"))

            let bupView = try #require(try await api.get("/v1/referrals/\(caseId)", as: bup, decoding: API.Case.self).referral)
            #expect(bupView.missing.isEmpty)
            #expect(bupView.notes.count == 1 && bupView.notes.first?.service == "ppt" && bupView.notes.first?.text == note["text"])
            // The note is shown under the referral's consent: the BUP read is in the access log.
            let bupReads = try await api.sql { connection in
                try connection.query("""
                    SELECT count(*) FROM access_log WHERE actor_id = \(bup) AND resource = 'referral' AND resource_id = \(caseId) AND action = 'read'
                    """).first?.decode(Int.self, 0) ?? 0
            }
            #expect(bupReads >= 1)

            let saved = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: bup, json: [
                "version": 0, "entries": [["agenda_item_id": itemId.uuidString, "decision": "needs_more_information",
                                           "decision_text": "Beskriv søvnen og hvor lenge angsten har vart."]],
            ] as [String: Any])
            #expect(saved.status == 200, "\(saved.text)")
            let approved = try await api.call("POST", "/v1/meetings/\(meetingId)/minutes/approve", as: api.world.person(.ppt, .unitLeader))
            #expect(approved.status == 200, "\(approved.text)")

            let waiting: API.Case = try await api.get("/v1/referrals/\(caseId)", as: nurse)
            #expect(waiting.status == "awaiting_information")
            let details = try #require(waiting.referral)
            #expect(details.intakeDecision == "needs_more_information")
            #expect(details.informationRequested == "Beskriv søvnen og hvor lenge angsten har vart.")
            let asked = try #require(await api.tap.waitFor(ReferralInformationRequested.type, subject: caseId))
            let event = try asked.decode(ReferralInformationRequested.self)
            #expect(event.referrerId == nurse && event.meetingId == meetingId)
            // Ids and codes only: the text asked for never travels on Kafka.
            #expect(!String(decoding: asked.data, as: UTF8.self).contains("søvnen"))

            // Only the referrer completes it; then it waits for the next intake meeting.
            #expect(try await api.call("POST", "/v1/referrals/\(caseId)/resubmit", as: bup, json: ["note": "x"]).status == 403)
            let completed = try await api.call("POST", "/v1/referrals/\(caseId)/resubmit", as: nurse,
                                               json: ["note": "Sover dårlig siden august; angsten har vart i et halvt år."])
            #expect(completed.status == 200, "\(completed.text)")
            #expect(completed.string("status") == "submitted")
            #expect(await api.tap.waitFor(CaseResubmitted.type, subject: caseId) != nil)
            // It goes on the next intake meeting's agenda, and stays in the first meeting's agenda and minutes.
            let (nextMeeting, _) = try await Self.placeOnMeeting(api, arenaId: arenaId, caseId: caseId, day: "2026-12-09")
            let placed: API.Case = try await api.get("/v1/referrals/\(caseId)", as: nurse)
            #expect(placed.scheduled?.meetingId == nextMeeting)
            let firstEntries = try await api.get("/v1/meetings/\(meetingId)/minutes", as: bup, decoding: API.Minutes.self).entries
            #expect(firstEntries.count == 1 && firstEntries.first?.decision == "needs_more_information")
            // The note PPT added is part of the meeting's minutes.
            #expect(firstEntries.first?.notes?.first?.text == note["text"])
        }
    }

    @Test("rejected: a follow-up task with a municipal owner and the arena's due date; listed, closed with an outcome, announced")
    func rejectionFollowUp() async throws {
        try await withIntake { api in
            let arenaId = try await api.registerArena(api.arena(named: "Lokalt inntaksmøte BUP"))
            // The arena's owner-side setting: 10 days to follow up (the API keeps it; out of range is a 422).
            let admin = api.world.person(.municipality, .administrator)
            let current: API.Arena = try await api.get("/v1/arenas/\(arenaId)", as: admin)
            #expect(current.followUpDays == 14)
            let seed = api.arena(named: "Lokalt inntaksmøte BUP")
            var changed = seed.requestBody(unitIds: api.world.units, ownerPersonId: api.world.person(.municipality, .coordinator))
            changed["version"] = current.version
            changed["follow_up_days"] = 500
            let outOfRange = try await api.call("PUT", "/v1/arenas/\(arenaId)", as: admin, json: changed)
            #expect(outOfRange.status == 422 && outOfRange.fields == ["follow_up_days"])
            changed["follow_up_days"] = 10
            let updated = try await api.call("PUT", "/v1/arenas/\(arenaId)", as: admin, json: changed)
            #expect(updated.status == 200, "\(updated.text)")
            #expect(try updated.decode(API.Arena.self).followUpDays == 10)
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let emma = api.world.child("emma")
            _ = try await api.recordConsent(child: emma, by: api.world.person(.school, .teacher),
                                            services: Self.allIntakeServices)
            let caseId = try await Self.referral(api, child: emma, by: nurse)
            let (meetingId, itemId) = try await Self.placeOnMeeting(api, arenaId: arenaId, caseId: caseId, day: "2026-12-09")
            let bup = api.world.person(.bup, .clinician)
            let advisor = api.world.person(.ppt, .advisor)

            // BUP's own clinician is no municipal owner: a 422 naming the field.
            let notMunicipal = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: bup, json: [
                "version": 0, "entries": [["agenda_item_id": itemId.uuidString, "decision": "rejected", "follow_up_owner_id": bup.uuidString]],
            ] as [String: Any])
            #expect(notMunicipal.status == 422)
            #expect(notMunicipal.fields == ["entries[0].follow_up_owner_id"] && notMunicipal.rules == ["not_municipal"])

            // A municipal person the consent does not let see the child cannot own it (the task would name no one to them).
            try await api.sql { try $0.execute("UPDATE consents SET services = array_remove(services, 'child_welfare') WHERE child_id = \(emma.id)") }
            let uncovered = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: bup, json: [
                "version": 0, "entries": [["agenda_item_id": itemId.uuidString, "decision": "rejected",
                                           "follow_up_owner_id": api.world.person(.childWelfare, .caseworker).uuidString]],
            ] as [String: Any])
            #expect(uncovered.status == 422 && uncovered.rules == ["no_access_basis"])

            let ownerIds = try await api.get("/v1/referral-follow-up-owners", as: bup, decoding: API.Page<API.Named>.self).items.map(\.id)
            #expect(ownerIds.contains(advisor) && !ownerIds.contains(bup))

            let saved = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: bup, json: [
                "version": 0, "entries": [["agenda_item_id": itemId.uuidString, "decision": "rejected", "decision_text": "Ikke BUP-sak nå.",
                                           "follow_up_owner_id": advisor.uuidString]],
            ] as [String: Any])
            #expect(saved.status == 200, "\(saved.text)")
            let approved = try await api.call("POST", "/v1/meetings/\(meetingId)/minutes/approve", as: api.world.person(.ppt, .unitLeader))
            #expect(approved.status == 200, "\(approved.text)")

            let created = try #require(await api.tap.waitFor(ReferralFollowUpCreated.type, subject: caseId))
            let event = try created.decode(ReferralFollowUpCreated.self)
            let today = OsloTime.localDate(at: Date())
            #expect(event.ownerId == advisor && event.arenaId == arenaId && event.dueOn == today.adding(days: 10))

            // The owner's list: the referral's title (the consent covers PPT), due date, not overdue; logged.
            let items = try await api.get("/v1/referral-follow-ups", as: advisor, decoding: API.Page<API.Keyed<API.FollowUpTask>>.self).items
            #expect(items.count == 1)
            let task = try #require(items.first)
            // The PPT advisor takes no part in the intake meeting: the referral itself stays redacted to her, but the
            // consent covers PPT, so she sees whom to follow up.
            #expect(task.redacted && !task.keys.contains("case_id"))
            #expect(task.childName == "Emma Nordli")
            #expect(!task.overdue && task.mayClose)
            #expect(task.dueOn == today.adding(days: 10).description)
            let followUpId = task.id
            let logged = try await api.sql { connection in
                try connection.query("""
                    SELECT count(*) FROM access_log WHERE actor_id = \(advisor) AND resource = 'referral_follow_up' AND resource_id = \(followUpId)
                    """).first?.decode(Int.self, 0) ?? 0
            }
            #expect(logged == 1)
            // Someone who neither owns it nor the arena: not listed, cannot close (404, says nothing).
            #expect(try await api.get("/v1/referral-follow-ups", as: bup, decoding: API.Page<API.FollowUpTask>.self).items.isEmpty)
            #expect(try await api.call("POST", "/v1/referral-follow-ups/\(followUpId)/close", as: bup,
                                       json: ["outcome": "new_referral"]).status == 404)

            // No further action needs a reason; an unknown outcome is a 422 too.
            let noReason = try await api.call("POST", "/v1/referral-follow-ups/\(followUpId)/close", as: advisor, json: ["outcome": "no_further_action"])
            #expect(noReason.status == 422 && noReason.fields == ["note"])
            #expect(try await api.call("POST", "/v1/referral-follow-ups/\(followUpId)/close", as: advisor, json: ["outcome": "maybe"]).status == 422)
            let closed = try await api.call("POST", "/v1/referral-follow-ups/\(followUpId)/close", as: advisor,
                                            json: ["outcome": "samarbeidsmote_called", "note": "Samarbeidsmøte med skolen 12. januar."])
            #expect(closed.status == 200, "\(closed.text)")
            #expect(closed.string("status") == "closed" && closed.string("outcome") == "samarbeidsmote_called")
            let closedEvent = try #require(await api.tap.waitFor(ReferralFollowUpClosed.type, subject: caseId))
            #expect(try closedEvent.decode(ReferralFollowUpClosed.self).outcome == .samarbeidsmoteCalled)
            #expect(try await api.call("POST", "/v1/referral-follow-ups/\(followUpId)/close", as: advisor,
                                       json: ["outcome": "new_referral"]).status == 409)
            #expect(try await api.get("/v1/referral-follow-ups", as: advisor, decoding: API.Page<API.FollowUpTask>.self).items.isEmpty)
        }
    }

    @Test("overdue: reported once to the owner and the arena's owner, across two schedulers and a restart")
    func overdueOnce() async throws {
        try await withIntake { api in
            let arenaId = try await api.registerArena(api.arena(named: "Lokalt inntaksmøte BUP"))
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let emma = api.world.child("emma")
            _ = try await api.recordConsent(child: emma, by: api.world.person(.school, .teacher), services: Self.allIntakeServices)
            let caseId = try await Self.referral(api, child: emma, by: nurse)
            let (meetingId, itemId) = try await Self.placeOnMeeting(api, arenaId: arenaId, caseId: caseId, day: "2026-12-16")
            let owner = api.world.person(.childWelfare, .caseworker)
            let saved = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: api.world.person(.bup, .clinician), json: [
                "version": 0, "entries": [["agenda_item_id": itemId.uuidString, "decision": "rejected", "follow_up_owner_id": owner.uuidString]],
            ] as [String: Any])
            #expect(saved.status == 200, "\(saved.text)")
            #expect(try await api.call("POST", "/v1/meetings/\(meetingId)/minutes/approve", as: api.world.person(.ppt, .unitLeader)).status == 200)
            let today = OsloTime.localDate(at: Date())
            // Not yet due: nothing to report.
            let outbox = Outbox(topics: api.topics, source: "/samtak/scheduler")
            let reminders = ReferralFollowUpReminders(outbox: outbox)
            #expect(try await api.sql { try reminders.claimDue(on: $0, today: today) }.isEmpty)
            try await api.sql { try $0.execute("UPDATE referral_follow_ups SET due_on = \(today.adding(days: -1)) WHERE case_id = \(caseId)") }

            // Two schedulers at once, then a third after a "restart": one report in all.
            async let first = api.database.pool.withTransaction { try reminders.claimDue(on: $0, today: today) }
            async let second = api.database.pool.withTransaction { try ReferralFollowUpReminders(outbox: outbox).claimDue(on: $0, today: today) }
            let reported = try await first + second
            #expect(reported.count == 1)
            #expect(try await ReferralFollowUpReminders(outbox: outbox).claimDue(pool: api.database.pool) == 0)
            let event = try #require(reported.first)
            let arenaOwner = api.world.person(.municipality, .coordinator)
            #expect(event.ownerId == owner && event.arenaOwnerId == arenaOwner && event.caseId == caseId)
            #expect(await api.tap.waitFor(ReferralFollowUpOverdue.type, subject: caseId) != nil)

            // Overdue first in the list, for the owner and for the arena's owner (who may close it too).
            for person in [owner, arenaOwner] {
                let items = try await api.get("/v1/referral-follow-ups", as: person, decoding: API.Page<API.FollowUpTask>.self).items
                #expect(items.count == 1 && items.first?.overdue == true && items.first?.mayClose == true)
            }
        }
    }
}
