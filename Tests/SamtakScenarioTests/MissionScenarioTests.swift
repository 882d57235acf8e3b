import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakTestSupport
import Testing

/// The mission end to end, as the municipality's people would live it: the three services
/// as processes, real PostgreSQL, Kafka protocol and SMTP, acting only through the API.
@Suite("Scenarios: the whole mission end to end", .serialized, .timeLimit(.minutes(5)))
struct MissionScenarioTests {
    @Test("1. School → ressursteam: named and anonymous cases, scheduled, agenda per recipient, refer to PPT, minutes sent")
    func schoolToRessursteam() async throws {
        try await withSystem { system in
            let w = system.world
            let teacher = w.person(.school, .teacher), rektor = w.person(.school, .unitLeader)
            let nurse = w.person(.healthStation, .schoolNurse), ppt = w.person(.ppt, .advisor)
            let emma = w.child("emma"), parent = emma.guardians[0].id
            let arena = system.arenaId("Ressursteam – Nordby barneskole")
            // Emma's guardians consented (demo data): school, health station, PPT.
            let named = try await system.submitCase(as: teacher, arena: arena, unit: .school, kind: .named, child: emma,
                                                    title: "Emma Nordli – lesing og konsentrasjon", concern: "Leser under forventet nivå.", grade: 5)
            let anonymous = try await system.submitCase(as: teacher, arena: arena, unit: .school, kind: .anonymous,
                                                        title: "Elev 5. trinn – konflikter i friminutt", concern: "Gjentatte konflikter.", grade: 5)
            let meeting = try await system.waitUntilScheduled(named, as: teacher)
            #expect(try await system.waitUntilScheduled(anonymous, as: teacher) == meeting)
            try await system.waitForEvent(CaseScheduled.type, subject: named)

            // The agenda as each would see it.
            // (Both were submitted at once: their order on the agenda is the order they were scheduled in.)
            #expect(Set(try await system.agendaTitles(meeting, as: nurse)) == ["Emma Nordli – lesing og konsentrasjon", "Elev 5. trinn – konflikter i friminutt"])
            #expect(try await system.agendaTitles(meeting, as: parent) == ["Emma Nordli – lesing og konsentrasjon"])
            #expect(try await system.agendaTitles(meeting, as: w.person(.childWelfare, .caseworker)).isEmpty)

            try await system.publishAgendaNow(meeting, as: rektor)
            try await system.waitForEvent("agenda.sent", subject: meeting)
            let agendaMails = try system.sink.messages().filter { $0.subject.hasPrefix("Saksliste") }
            let nurseAddress = try await system.emailOf(nurse)
            #expect(agendaMails.contains { $0.recipient.contains(nurseAddress) })
            // Notice mode (the ressursteam's choice): no e-mail names a child or a case.
            #expect(agendaMails.allSatisfy { !$0.text.contains("Emma") && !$0.text.contains("konflikter") })
            #expect(agendaMails.allSatisfy { $0.calendarMethod == "REQUEST" })

            // Minutes: written by the teacher, approved by the rektor; refer Emma to PPT.
            let items = try await system.get("/v1/meetings/\(meeting)", as: teacher, decoding: API.Meeting.self).agenda
            let namedItem = items.first { $0.caseId == named }?.id.uuidString
            let anonymousItem = items.first { $0.caseId == anonymous }?.id.uuidString
            let minutes = try await system.call("PUT", "/v1/meetings/\(meeting)/minutes", as: teacher, json: [
                "present": [rektor.uuidString, teacher.uuidString, nurse.uuidString, ppt.uuidString], "version": 0,
                "entries": [
                    ["agenda_item_id": namedItem!, "discussion": "Lesevansker over tid.", "decision": "refer_to_ppt",
                     "decision_text": "Henvises til PPT.", "follow_ups": [["description": "Sende henvisning", "responsible_id": teacher.uuidString, "due_date": "2027-02-01"]]],
                    ["agenda_item_id": anonymousItem!, "discussion": "Tiltak i friminutt.", "decision": "follow_up", "decision_text": "Ny vurdering om en måned."],
                ],
            ] as [String: Any])
            #expect(minutes.status == 200, "\(minutes.text)")
            let approved = try await system.call("POST", "/v1/meetings/\(meeting)/minutes/approve", as: rektor)
            #expect(approved.status == 200, "\(approved.text)")
            let decided = try #require(await system.tap.waitFor(CaseDecided.type, subject: named))
            let referral = try #require(try decided.decode(CaseDecided.self).createdCaseId)
            let pptView = try await system.call("GET", "/v1/referrals/\(referral)", as: ppt)
            #expect(pptView.string("target_service") == "ppt")
            #expect(pptView.string("origin_case_id")?.lowercased() == named.uuidString.lowercased())
            try await system.waitForEvent("minutes.sent", subject: meeting)
            #expect(try system.sink.messages().contains { $0.subject.hasPrefix("Referat") })

            // The organiser sees how each copy went; guardians are listed without their name.
            let deliveries: API.Deliveries = try await system.get("/v1/meetings/\(meeting)/deliveries", as: rektor)
            let rows = deliveries.items
            #expect(Set(rows.map(\.documentKind)) == ["agenda", "minutes"])
            #expect(rows.allSatisfy { $0.state == "sent" } && deliveries.failed == 0)
            let parentRows = rows.filter { $0.recipientId == parent }
            #expect(!parentRows.isEmpty && parentRows.allSatisfy { !$0.keys.contains("recipient_name") && $0.recipientKind == "guardian" })
            #expect(try await system.call("GET", "/v1/meetings/\(meeting)/deliveries", as: teacher).status == 403)
        }
    }

    @Test("2. Weekly BUP intake: five referrals in a week, one intake meeting, accept two, reject one with municipal follow-up, ask more of two")
    func weeklyBUPIntake() async throws {
        try await withSystem { system in
            let w = system.world
            let coordinator = w.person(.municipality, .coordinator)
            let referrers: [(String, SeedUnit, Role)] = [
                ("emma", .school, .teacher), ("noah", .school, .teacher), ("ella", .school, .teacher),
                ("filip", .lowerSecondary, .teacher), ("sara", .upperSecondary, .unitLeader),
            ]
            let services: [ServiceKind] = [.bup, .ppt, .childWelfare, .healthStation, .municipalPsychologist, .school, .municipalAdministration]
            var referrals: [UUID] = []
            for (key, unit, role) in referrers {
                let child = w.child(key), referrer = w.person(unit, role)
                _ = try await system.recordConsent(child: child, by: referrer, services: services, youngPerson: key == "sara")
                let guardians = child.guardians.map { $0.id.uuidString }
                let response = try await system.call("POST", "/v1/referrals", as: referrer, json: [
                    "target_service": "bup", "child_id": child.id.uuidString, "submitting_unit_id": w.units[unit]!.uuidString,
                    "question": "Vurdering av psykisk helse", "measures_tried": "Samtaler og tilrettelegging i skolen",
                    "current_services": ["school"], "parental_responsibility": guardians, "daily_care": guardians, "consented_by": guardians,
                ] as [String: Any])
                #expect(response.status == 201, "\(key): \(response.text)")
                referrals.append(try #require(response.id))
                try await system.waitForEvent(ReferralCreated.type, subject: referrals.last!)
            }
            var meetings: Set<UUID> = []
            for (index, referral) in referrals.enumerated() {
                meetings.insert(try await system.waitUntilScheduled(referral, as: w.person(referrers[index].1, referrers[index].2), path: "referrals"))
            }
            #expect(meetings.count == 1, "all five go to the next weekly intake meeting")
            let meeting = try #require(meetings.first)
            try await system.publishAgendaNow(meeting, as: coordinator)
            let published = try await system.waitForMeetingStatus(meeting, "agenda_published", as: coordinator)
            let items = try published.decode(API.Meeting.self).agenda
            #expect(items.count == 5)
            let decisions = ["accepted", "accepted", "rejected", "needs_more_information", "needs_more_information"]
            let pptLeader = w.person(.ppt, .unitLeader)
            let entries: [[String: Any]] = items.enumerated().map { index, item in
                var entry: [String: Any] = ["agenda_item_id": item.id.uuidString, "decision": decisions[index], "discussion": "Drøftet."]
                if decisions[index] == "rejected" { entry["follow_up_owner_id"] = pptLeader.uuidString }
                return entry
            }
            let saved = try await system.call("PUT", "/v1/meetings/\(meeting)/minutes", as: coordinator, json: ["version": 0, "entries": entries])
            #expect(saved.status == 200, "\(saved.text)")
            let approved = try await system.call("POST", "/v1/meetings/\(meeting)/minutes/approve", as: coordinator)
            #expect(approved.status == 200, "\(approved.text)")
            let statuses = try await system.sql { connection in
                try connection.query("""
                    SELECT c.status, r.intake_decision, r.follow_up_owner_id IS NOT NULL FROM agenda_items ai
                    JOIN cases c ON c.id = ai.case_id JOIN referral_details r ON r.case_id = c.id
                    WHERE ai.meeting_id = \(meeting) ORDER BY ai.position
                    """).map { row throws(PostgresError) in
                    "\(try row.decode(String.self, 0))/\(try row.decode(String?.self, 1) ?? "-")/\(try row.decode(Bool.self, 2))"
                }
            }
            #expect(statuses == ["closed/accepted/false", "closed/accepted/false", "closed/rejected/true",
                                 "awaiting_information/needs_more_information/false", "awaiting_information/needs_more_information/false"])
            try await system.waitForEvent("minutes.sent", subject: meeting)
        }
    }

    @Test("3. Beslutningsteam: a period with a case is held, an empty one is cancelled and the cancellation sent")
    func beslutningsteam() async throws {
        try await withSystem { system in
            let w = system.world
            let coordinator = w.person(.municipality, .coordinator), nurse = w.person(.healthStation, .schoolNurse)
            let arena = system.arenaId("Beslutningsteam")
            let sara = w.child("sara")
            _ = try await system.recordConsent(child: sara, by: w.person(.upperSecondary, .unitLeader),
                                               services: [.healthStation, .bup, .childWelfare, .ppt], arenas: [arena], youngPerson: true)
            let caseId = try await system.submitCase(as: nurse, arena: arena, unit: .healthStation, kind: .named, child: sara,
                                                     title: "Sara Rud – sammensatte behov", concern: "Behov for samordnet tilbud.", grade: 11)
            let held = try await system.waitUntilScheduled(caseId, as: nurse)
            try await system.publishAgendaNow(held, as: coordinator)
            _ = try await system.waitForMeetingStatus(held, "agenda_published", as: coordinator)
            try await system.waitForEvent("agenda.sent", subject: held)

            // The next period has no cases: at its lead time it is cancelled, not held.
            let meetings: API.Page<API.MeetingTime> = try await system.get("/v1/meetings?arena_id=\(arena)&limit=5", as: coordinator)
            let next = try #require(meetings.items.map(\.id).first { $0 != held })
            try await system.publishAgendaNow(next, as: coordinator)
            _ = try await system.waitForMeetingStatus(next, "cancelled", as: coordinator)
            try await system.waitForEvent(MeetingCancelled.type, subject: next)
            try await system.waitForEvent("cancellation.sent", subject: next)
            let cancellations = try system.sink.messages().filter { $0.subject.hasPrefix("Avlyst") }
            #expect(!cancellations.isEmpty)
            #expect(cancellations.allSatisfy { $0.calendarMethod == "CANCEL" })
        }
    }

    @Test("6. Consent withdrawn between agenda and minutes: the minutes no longer name the child")
    func consentWithdrawnBeforeMinutes() async throws {
        try await withSystem { system in
            let w = system.world
            let admin = w.person(.municipality, .administrator), teacher = w.person(.school, .teacher)
            let rektor = w.person(.school, .unitLeader), nurse = w.person(.healthStation, .schoolNurse)
            let emma = w.child("emma")
            let arena = system.arenaId("Ressursteam – Nordby barneskole")
            // This school sends the content itself (not only a link), so the e-mail shows what each recipient sees.
            let current = try await system.call("GET", "/v1/arenas/\(arena)", as: admin)
            var body = current.json
            for key in ["id", "created_at", "updated_at", "active"] { body.removeValue(forKey: key) }
            body["delivery_mode"] = "content"
            body["participants"] = (body["participants"] as? [[String: Any]] ?? []).map { $0.filter { $0.key != "service" } }
            #expect(try await system.call("PUT", "/v1/arenas/\(arena)", as: admin, json: body).status == 200)

            let caseId = try await system.submitCase(as: teacher, arena: arena, unit: .school, kind: .named, child: emma,
                                                     title: "Emma Nordli – trivsel", concern: "Trives dårlig i klassen.", grade: 5)
            let meeting = try await system.waitUntilScheduled(caseId, as: teacher)
            try await system.publishAgendaNow(meeting, as: rektor)
            try await system.waitForEvent("agenda.sent", subject: meeting)
            let nurseAddress = try await system.emailOf(nurse)
            #expect(try system.sink.messages(to: nurseAddress).contains { $0.subject.hasPrefix("Saksliste") && $0.text.contains("Emma Nordli") })

            // The guardian withdraws the consent before the minutes go out.
            let consents = try await system.get("/v1/children/\(emma.id)/consents", as: emma.guardians[0].id, decoding: API.Page<API.StaffConsent>.self)
            for consent in consents.items where consent.active {
                #expect(try await system.call("POST", "/v1/consents/\(consent.id)/withdraw", as: emma.guardians[0].id).status == 200)
            }
            let item = try await system.get("/v1/meetings/\(meeting)", as: teacher, decoding: API.Meeting.self).agenda.first?.id.uuidString
            #expect(try await system.call("PUT", "/v1/meetings/\(meeting)/minutes", as: teacher, json: [
                "version": 0, "entries": [["agenda_item_id": item!, "discussion": "Emma trenger støtte.", "decision": "follow_up"]],
            ] as [String: Any]).status == 200)
            #expect(try await system.call("POST", "/v1/meetings/\(meeting)/minutes/approve", as: rektor).status == 200)
            try await system.waitForEvent("minutes.sent", subject: meeting)
            let minutes = try system.sink.messages(to: nurseAddress).filter { $0.subject.hasPrefix("Referat") }
            #expect(minutes.count == 1)
            #expect(minutes.allSatisfy { !$0.text.contains("Emma") && $0.text.contains("anonymisert") })
            // The teacher owns the case and still sees it named.
            let teacherAddress = try await system.emailOf(teacher)
            #expect(try system.sink.messages(to: teacherAddress).contains { $0.subject.hasPrefix("Referat") && $0.text.contains("Emma Nordli") })
        }
    }

    @Test("7. Hjelpetjenesten every fifth week, and a weekly tildelingsmøte moved across public holidays")
    func rhythms() async throws {
        try await withSystem { system in
            let coordinator = system.world.person(.municipality, .coordinator)
            let caseworker = system.world.person(.municipality, .caseworker)
            func starts(_ arena: UUID, from: String, to: String) async throws -> [String] {
                // Meetings are listed for those who take part: the coordinator in hjelpetjenesten,
                // the caseworker in the tildelingsmøte.
                let reader = arena == system.arenaId("Tildelingsmøte") ? caseworker : coordinator
                let response: API.Page<API.MeetingTime> = try await system.get("/v1/meetings?arena_id=\(arena)&from=\(from)&to=\(to)&limit=200", as: reader)
                return response.items.map(\.startsAt)
            }
            let hjelpetjenesten = system.arenaId("Hjelpetjenesten")
            var planned: [String] = []
            _ = await eventually(timeout: .seconds(60)) {
                planned = (try? await starts(hjelpetjenesten, from: "2027-01-01", to: "2027-06-30")) ?? []
                return planned.count >= 5
            }
            // Tuesdays 12.00 every 35 days from 25 August 2026; the instants shift with summer time.
            #expect(planned == ["2027-01-12T11:00:00Z", "2027-02-16T11:00:00Z", "2027-03-23T11:00:00Z", "2027-04-27T10:00:00Z", "2027-06-01T10:00:00Z"])

            let tildeling = system.arenaId("Tildelingsmøte")
            var weekly: [String] = []
            _ = await eventually(timeout: .seconds(60)) {
                weekly = (try? await starts(tildeling, from: "2027-03-15", to: "2027-05-14")) ?? []
                return weekly.count >= 9
            }
            // Weekly on Thursdays at 09.00; Maundy Thursday goes past Good Friday and Easter Monday
            // to Tuesday 30 March, Ascension Day to Friday 7 May.
            #expect(weekly == ["2027-03-18T08:00:00Z", "2027-03-30T07:00:00Z", "2027-04-01T07:00:00Z", "2027-04-08T07:00:00Z",
                               "2027-04-15T07:00:00Z", "2027-04-22T07:00:00Z", "2027-04-29T07:00:00Z", "2027-05-07T07:00:00Z",
                               "2027-05-13T07:00:00Z"])
        }
    }
}

