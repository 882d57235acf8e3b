import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakTestSupport
import Testing

/// Issue 12, findings 1–4 and 7: each reproduced against the API as the probe did it, and
/// the corrections an administrator makes (with their audit trail). Every test here failed
/// before the fix (see the issue's note).
@Suite("Intake API: access control findings of issue 12", .serialized, .timeLimit(.minutes(6)))
struct AccessFindingsTests {
    static func consentBody(_ child: SeedWorld.SeedChild, givenBy: [UUID], services: [String], youngPerson: Bool = false,
                            arenas: [UUID] = [], units: [UUID]? = nil) -> [String: Any] {
        var body: [String: Any] = [
            "child_id": child.id.uuidString, "given_by": givenBy.map(\.uuidString), "young_person_consented": youngPerson,
            "services": services, "arena_ids": arenas.map(\.uuidString), "valid_from": When.date(-1), "method": "written",
        ]
        if let units { body["unit_ids"] = units.map(\.uuidString) }
        return body
    }

    // MARK: Finding 1

    @Test("finding 1: a young person's own consent only from the purpose's age; guardians as the purpose's rule says; recorders limited")
    func consentRules() async throws {
        try await withIntake { api in
            let w = api.world
            let teacher = w.person(.school, .teacher), police = w.person(.police, .advisor)
            let ella = w.child("ella")  // born 2015: 11 years old, two guardians with parental responsibility
            let guardians = ella.guardians.map(\.id)

            // The probe: the teacher records "the young person's consent" for an 11-year-old, for police, child welfare and NAV.
            let alone = try await api.call("POST", "/v1/consents", as: teacher,
                                           json: Self.consentBody(ella, givenBy: [], services: ["police", "child_welfare", "nav"], youngPerson: true))
            #expect(alone.status == 422, "\(alone.text)")
            #expect(alone.rules.contains("young_person_too_young") || alone.rules.contains("guardians_required"), "\(alone.text)")
            #expect(try await api.call("GET", "/v1/children/\(ella.id)", as: police).status == 404)

            // With both guardians: police and NAV are still outside what a teacher may ask a family to consent to.
            let outside = try await api.call("POST", "/v1/consents", as: teacher,
                                             json: Self.consentBody(ella, givenBy: guardians, services: ["school", "police", "nav"]))
            #expect(outside.status == 422, "\(outside.text)")
            #expect(Set(outside.fields) == ["services[1]", "services[2]"], "\(outside.text)")
            #expect(outside.rules.allSatisfy { $0 == "not_askable" })

            // Cooperation with the health station and PPT needs every guardian with parental responsibility ...
            let oneOfTwo = try await api.call("POST", "/v1/consents", as: teacher,
                                              json: Self.consentBody(ella, givenBy: [guardians[0]], services: ["school", "health_station", "ppt"]))
            #expect(oneOfTwo.status == 422)
            #expect(oneOfTwo.rules == ["parental_responsibility"], "\(oneOfTwo.text)")
            // ... while one guardian suffices for the child's own school alone.
            let schoolOnly = try await api.call("POST", "/v1/consents", as: teacher,
                                                json: Self.consentBody(ella, givenBy: [guardians[0]], services: ["school"]))
            #expect(schoolOnly.status == 201, "\(schoolOnly.text)")
            #expect(schoolOnly.string("guardian_rule") == "one_guardian")

            // A guardian without parental responsibility gives no consent.
            try await api.sql { connection in
                _ = try connection.execute("UPDATE guardianships SET parental_responsibility = false WHERE guardian_id = \(guardians[1])")
            }
            let noResponsibility = try await api.call("POST", "/v1/consents", as: teacher,
                                                      json: Self.consentBody(ella, givenBy: [guardians[1]], services: ["school"]))
            #expect(noResponsibility.status == 422)
            #expect(noResponsibility.rules.contains("not_parental_responsibility"), "\(noResponsibility.text)")

            // Sara is 17: her own consent is enough for health services (from 16), not for the police.
            let sara = w.child("sara"), upper = w.person(.upperSecondary, .unitLeader)
            let health = try await api.call("POST", "/v1/consents", as: upper,
                                            json: Self.consentBody(sara, givenBy: [], services: ["health_station", "bup"], youngPerson: true))
            #expect(health.status == 201, "\(health.text)")
            #expect(health.string("guardian_rule") == "young_person")
            let saraPolice = try await api.call("POST", "/v1/consents", as: upper,
                                                json: Self.consentBody(sara, givenBy: [], services: ["health_station", "police"], youngPerson: true))
            #expect(saraPolice.status == 422, "\(saraPolice.text)")

            // The services array is bounded and has no repeats (the probe stored 10,000 entries).
            let repeated = try await api.call("POST", "/v1/consents", as: teacher,
                                              json: Self.consentBody(ella, givenBy: [guardians[0]], services: Array(repeating: "school", count: 10_000)))
            #expect(repeated.status == 422)
            #expect(repeated.rules.contains("max_items") || repeated.rules.contains("unique"), "\(repeated.text.prefix(300))")
            let twice = try await api.call("POST", "/v1/consents", as: teacher,
                                           json: Self.consentBody(ella, givenBy: [guardians[0]], services: ["school", "school"]))
            #expect(twice.status == 422)
            #expect(twice.rules == ["unique"], "\(twice.text)")

            // Who records: staff of the child's own unit, or of a service the consent names. The PPT advisor (who sees Emma
            // through a consent naming PPT) may not record one for the school and the health station alone.
            let emma = w.child("emma")
            _ = try await api.recordConsent(child: emma, by: teacher, services: [.school, .healthStation, .ppt])
            let advisor = w.person(.ppt, .advisor)
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: advisor).status == 200)
            let notHers = try await api.call("POST", "/v1/consents", as: advisor,
                                             json: Self.consentBody(emma, givenBy: emma.guardians.map(\.id), services: ["school", "health_station"]))
            #expect(notHers.status == 403, "\(notHers.text)")
            let hers = try await api.call("POST", "/v1/consents", as: advisor,
                                          json: Self.consentBody(emma, givenBy: emma.guardians.map(\.id), services: ["ppt", "health_station"]))
            #expect(hers.status == 201, "\(hers.text)")

            // Who gave it, how and when is kept per giver.
            let givers = try await api.sql { connection in
                try connection.query("SELECT party, person_id, method FROM consent_givers WHERE consent_id = \(hers.id!) ORDER BY person_id")
                    .map { row throws(PostgresError) in "\(try row.decode(String.self, 0)) \(try row.decode(String.self, 2))" }
            }
            #expect(givers == ["guardian written", "guardian written"])
        }
    }

    // MARK: Finding 2

    @Test("finding 2: owner_id opens nothing: an owner needs a basis, and ownership does not outlive the consent")
    func ownership() async throws {
        try await withIntake { api in
            let w = api.world
            let arenaId = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let teacher = w.person(.school, .teacher), police = w.person(.police, .advisor), nurse = w.person(.healthStation, .schoolNurse)
            let emma = w.child("emma")
            let consentId = try await api.recordConsent(child: emma, by: teacher, services: [.school, .healthStation, .ppt])
            var body: [String: Any] = [
                "arena_id": arenaId.uuidString, "kind": "named", "child_id": emma.id.uuidString, "grade": 5,
                "submitting_unit_id": w.units[.school]!.uuidString, "title": "Emma Nordli – fravær", "concern": "Mye fravær.",
            ]
            // The probe: the teacher names a police officer as the owner.
            body["owner_id"] = police.uuidString
            let refused = try await api.call("POST", "/v1/cases", as: teacher, json: body)
            #expect(refused.status == 422, "\(refused.text)")
            #expect(refused.fields == ["owner_id"] && refused.rules == ["no_access_basis"], "\(refused.text)")
            #expect(!refused.text.contains("Emma"))
            // Someone the consent covers may own it.
            body["owner_id"] = nurse.uuidString
            let owned = try await api.call("POST", "/v1/cases", as: teacher, json: body)
            #expect(owned.status == 201, "\(owned.text)")
            let caseId = try #require(owned.id)

            // A case that already names the officer (stored before the fix): the officer sees no more than a redacted case,
            // does not take part in its meeting, and writes no minutes.
            let meetingId = try await api.sql { connection in
                let meetingId = UUID()
                try connection.execute("UPDATE cases SET owner_id = \(police), status = 'scheduled' WHERE id = \(caseId)")
                try connection.execute("""
                    INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
                    VALUES (\(meetingId), \(arenaId), \(OsloTime.localDate(at: Date()).adding(days: 3)), now() + interval '3 days',
                            now() + interval '3 days 2 hours', 6, now() - interval '1 day', now() - interval '1 hour', 'agenda_published')
                    """)
                try connection.execute("""
                    INSERT INTO agenda_items (id, meeting_id, case_id, position, presenter_id, reason)
                    VALUES (\(UUID()), \(meetingId), \(caseId), 1, \(police), 'earliest_open_meeting')
                    """)
                return meetingId
            }
            let asPolice = try await api.call("GET", "/v1/cases/\(caseId)", as: police)
            #expect(asPolice.string("visibility") != "full", "\(asPolice.text)")
            #expect(!asPolice.text.contains("Emma") && !asPolice.text.contains("fravær"))
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: police).status == 404)
            #expect(try await api.call("GET", "/v1/meetings/\(meetingId)", as: police).status == 404)
            #expect(try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: police, json: ["version": 0]).status == 404)

            // The nurse submits a case herself (her service takes part in the ressursteam); after the guardian withdraws,
            // her submission is no basis: she sees it as the other participants do, without the child.
            let own = try await api.call("POST", "/v1/cases", as: nurse, json: [
                "arena_id": arenaId.uuidString, "kind": "named", "child_id": emma.id.uuidString, "grade": 5,
                "submitting_unit_id": w.units[.healthStation]!.uuidString, "title": "Emma Nordli – hodepine", "concern": "Hyppig hodepine.",
            ] as [String: Any])
            #expect(own.status == 201, "\(own.text)")
            #expect(try await api.call("POST", "/v1/consents/\(consentId)/withdraw", as: emma.guardians[0].id).status == 200)
            let after = try await api.call("GET", "/v1/cases/\(own.id!)", as: nurse)
            #expect(after.status == 200)
            #expect(after.string("visibility") == "redacted", "\(after.text)")
            #expect(!after.text.contains("Emma") && !after.text.contains("hodepine"))
            // The teacher works at Emma's school: that basis remains.
            #expect(try await api.call("GET", "/v1/cases/\(caseId)", as: teacher).string("visibility") == "full")
        }
    }

    // MARK: Finding 3

    @Test("finding 3: 'school' in a consent is the child's own school; a transition needs a consent for the transition")
    func transitionNeedsItsOwnConsent() async throws {
        try await withIntake { api in
            let w = api.world
            let arenaId = try await api.registerArena(api.arena(named: "Overføringsmøte barneskole – ungdomsskole"))
            let receiving = w.person(.lowerSecondary, .unitLeader)
            let emma = w.child("emma"), noah = w.child("noah")
            // Emma's guardians consent to school, health station and PPT; no arena, no receiving school.
            _ = try await api.consent(emma, by: w.person(.school, .teacher), services: [.school, .healthStation, .ppt])
            // Noah's name the receiving school.
            let noahConsent = try await api.call("POST", "/v1/consents", as: w.person(.school, .teacher),
                                                 json: Self.consentBody(noah, givenBy: noah.guardians.map(\.id), services: ["school", "ppt"],
                                                                        units: [w.units[.lowerSecondary]!]))
            #expect(noahConsent.status == 201, "\(noahConsent.text)")
            let day = When.local(30, 12)
            let planned = try await api.call("POST", "/v1/transition-seasons", as: receiving, json: [
                "school_year": When.schoolYear, "stage": "primary_to_lower_secondary", "arena_id": arenaId.uuidString,
                "receiving_unit_id": w.units[.lowerSecondary]!.uuidString,
                "meetings": [["sending_unit_id": w.units[.school]!.uuidString, "starts_at": day,
                              "children": [["child_id": emma.id.uuidString], ["child_id": noah.id.uuidString]]] as [String: Any]],
            ] as [String: Any])
            #expect(planned.status == 201, "\(planned.text)")
            #expect(!planned.text.contains("Emma"), "the receiving school must not see Emma: \(planned.text)")
            #expect(planned.text.contains("Noah Berget"))
            let meeting = try #require(try planned.decode(API.TransitionSeason.self).meetings.first)
            #expect(meeting.childrenWithoutConsent == 1)
            #expect(meeting.items.count == 1)

            // An item stored before the fix on Emma's general consent: the receiving rektor reads nothing of it.
            let meetingId = meeting.meetingId
            let emmaItem = try await api.sql { connection in
                let consent = try connection.query("SELECT id FROM consents WHERE child_id = \(emma.id)").first!.decode(UUID.self, 0)
                let caseId = UUID()
                try connection.execute("""
                    INSERT INTO cases (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade,
                                       concern, status)
                    VALUES (\(caseId), 'case', 'named', \(arenaId), \(emma.id), \(consent), \(w.units[.school]!), \(receiving), \(receiving),
                            'Overgang: Emma Nordli', 5, 'Overføring etter samtykke.', 'scheduled')
                    """)
                try connection.execute("""
                    INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(UUID()), \(meetingId), \(caseId), 2, 'called')
                    """)
                try connection.execute("""
                    INSERT INTO transition_items (case_id, meeting_id, child_id, consent_id, information, special_needs_support, health)
                    VALUES (\(caseId), \(meetingId), \(emma.id), \(consent), \(["school_situation", "special_needs", "health"]), true, 'Astma.')
                    """)
                return caseId
            }
            let item = try await api.call("GET", "/v1/transition-items/\(emmaItem)", as: receiving)
            #expect(item.string("visibility") != "full", "\(item.text)")
            #expect(!item.text.contains("Emma") && !item.text.contains("Astma") && !item.text.contains("2016-03-14"))
            #expect(try await api.call("GET", "/v1/cases/\(emmaItem)", as: receiving).string("visibility") != "full")
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: receiving).status == 404)
            // Noah's consent names the receiving school: its rektor reads his record too.
            #expect(try await api.call("GET", "/v1/children/\(noah.id)", as: receiving).status == 200)
        }
    }

    // MARK: Finding 4

    @Test("finding 4: guardianships come from the register; a guardian without parental responsibility or daily care sees nothing")
    func guardianships() async throws {
        try await withIntake { api in
            let w = api.world
            let teacher = w.person(.school, .teacher), admin = w.person(.municipality, .administrator)
            let emma = w.child("emma")
            // The probe: staff make an existing guardian account a guardian of a child they can see.
            let stranger = w.child("filip").guardians[0].id
            let byStaff = try await api.call("POST", "/v1/children/\(emma.id)/guardians", as: teacher,
                                             json: ["person_id": stranger.uuidString, "parental_responsibility": false, "daily_care": false])
            #expect(byStaff.status == 403, "\(byStaff.text)")
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: stranger).status == 404)

            // The administrator records the register's guardianships (and the answer names no child).
            let byAdmin = try await api.call("POST", "/v1/children/\(emma.id)/guardians", as: admin,
                                             json: ["person_id": stranger.uuidString, "parental_responsibility": false, "daily_care": false])
            #expect(byAdmin.status == 201, "\(byAdmin.text)")
            #expect(byAdmin.string("source") == "administrator")
            #expect(!byAdmin.text.contains("Emma"))
            // Neither parental responsibility nor daily care: nothing of the child.
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: stranger).status == 404)
            #expect(try await api.call("GET", "/v1/children/\(emma.id)/timeline", as: stranger).status == 404)
            #expect(!(try await api.call("GET", "/v1/children", as: stranger).text.lowercased().contains(emma.id.uuidString.lowercased())))
            // Daily care alone is a basis.
            try await api.sql { connection in
                _ = try connection.execute("UPDATE guardianships SET daily_care = true WHERE guardian_id = \(stranger) AND child_id = \(emma.id)")
            }
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: stranger).status == 200)
        }
    }

    // MARK: Finding 7

    @Test("finding 7: the administrator administers the register and organises no meeting; a per-child meeting moves by its caller or coordinator")
    func administratorIsNoOrganiser() async throws {
        try await withIntake { api in
            let w = api.world
            let admin = w.person(.municipality, .administrator), rektor = w.person(.school, .unitLeader)
            let arenaId = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let emma = w.child("emma")
            _ = try await api.recordConsent(child: emma, by: w.person(.school, .teacher), services: [.school, .healthStation, .ppt])
            let named = try await api.call("POST", "/v1/cases", as: w.person(.school, .teacher), json: [
                "arena_id": arenaId.uuidString, "kind": "named", "child_id": emma.id.uuidString, "grade": 5,
                "submitting_unit_id": w.units[.school]!.uuidString, "title": "Emma – språk", "concern": "C",
            ] as [String: Any])
            let caseId = try #require(named.id)
            func meeting(_ status: String) async throws -> UUID {
                try await api.sql { connection in
                    let id = UUID()
                    try connection.execute("""
                        INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
                        VALUES (\(id), \(arenaId), \(OsloTime.localDate(at: Date()).adding(days: Int.random(in: 10...300))), now() + interval '10 days',
                                now() + interval '10 days 2 hours', 6, now() + interval '5 days', now() + interval '7 days', \(status))
                        """)
                    return id
                }
            }
            let planned = try await meeting("planned")
            let published = try await meeting("agenda_published")
            try await api.sql { connection in
                _ = try connection.execute("""
                    INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(UUID()), \(published), \(caseId), 1, 'earliest_open_meeting')
                    """)
                _ = try connection.execute("UPDATE cases SET status = 'scheduled' WHERE id = \(caseId)")
            }
            #expect(try await api.call("POST", "/v1/meetings/\(planned)/publish-agenda", as: admin).status == 404)
            #expect(try await api.call("POST", "/v1/meetings/\(published)/cancel", as: admin).status == 404)
            #expect(try await api.call("PUT", "/v1/meetings/\(published)/minutes", as: admin, json: ["version": 0, "general_notes": "x"]).status == 404)
            #expect(try await api.call("POST", "/v1/meetings/\(published)/minutes/approve", as: admin).status == 404)
            #expect(try await api.call("GET", "/v1/meetings/\(published)/deliveries", as: admin).status == 404)
            #expect(try await api.call("GET", "/v1/meetings/\(published)", as: admin).status == 404)
            // The arena's owner still organises it.
            #expect(try await api.call("POST", "/v1/meetings/\(planned)/publish-agenda", as: rektor).status == 200)
            #expect(try await api.call("GET", "/v1/meetings/\(published)/deliveries", as: rektor).status == 200)

            // A samarbeidsmøte around Emma called by her teacher: the arena's owner (the municipality's coordinator) does not move it.
            let samarbeid = try await api.registerArena(api.arena(named: "Samarbeidsmøte om enkeltbarn"))
            let called = try await api.call("POST", "/v1/children/\(emma.id)/meetings", as: w.person(.school, .teacher), json: [
                "arena_id": samarbeid.uuidString, "starts_at": When.local(14, 10), "participant_ids": emma.guardians.map(\.id.uuidString),
                "agenda": [["title": "Oppfølging"]],
            ] as [String: Any])
            #expect(called.status == 201, "\(called.text)")
            let calledId = try #require(try called.decode(API.Page<API.Meeting>.self).items.first?.id)
            let arenaOwner = w.person(.municipality, .coordinator)
            let move: [String: Any] = ["starts_at": When.local(15, 10)]
            #expect(try await api.call("POST", "/v1/meetings/\(calledId)/reschedule", as: arenaOwner, json: move).status == 403)
            #expect(try await api.call("POST", "/v1/meetings/\(calledId)/reschedule", as: admin, json: move).status == 404)
            #expect(try await api.call("POST", "/v1/meetings/\(calledId)/reschedule", as: w.person(.school, .teacher), json: move).status == 200)
        }
    }

    // MARK: Corrections

    @Test("corrections: an administrator ends a wrong consent or guardianship with a reason; audit trail, access log and events")
    func corrections() async throws {
        try await withIntake { api in
            let w = api.world
            let admin = w.person(.municipality, .administrator), teacher = w.person(.school, .teacher), nurse = w.person(.healthStation, .schoolNurse)
            let emma = w.child("emma")
            let consentId = try await api.recordConsent(child: emma, by: teacher, services: [.school, .healthStation, .ppt])
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: nurse).status == 200)

            // Only an administrator corrects; bad input is named.
            let body: [String: Any] = ["reason": "recorded_in_error", "note": "Registrert på feil skjema"]
            #expect(try await api.call("POST", "/v1/consents/\(consentId)/end", as: teacher, json: body).status == 403)
            #expect(try await api.call("POST", "/v1/consents/\(consentId)/end", as: emma.guardians[0].id, json: body).status == 403)
            let badReason = try await api.call("POST", "/v1/consents/\(consentId)/end", as: admin, json: ["reason": "because"])
            #expect(badReason.status == 422 && badReason.fields == ["reason"], "\(badReason.text)")
            #expect(!badReason.text.contains("because"))
            #expect(try await api.call("POST", "/v1/consents/\(UUID())/end", as: admin, json: body).status == 404)

            // The consent ends at once, as a withdrawal; the answer names no child.
            let ended = try await api.call("POST", "/v1/consents/\(consentId)/end", as: admin, json: body)
            #expect(ended.status == 200, "\(ended.text)")
            #expect(ended.string("kind") == "consent_ended" && ended.string("reason") == "recorded_in_error")
            #expect(!ended.text.contains("Emma") && !ended.text.contains("feil skjema"))
            #expect(try await api.call("POST", "/v1/consents/\(consentId)/end", as: admin, json: body).status == 409)
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: nurse).status == 404)
            let consent: API.StaffConsent = try await api.get("/v1/consents/\(consentId)", as: teacher)
            #expect(!consent.active)
            #expect(consent.endedReason == "recorded_in_error")
            let endedEvent = try #require(await api.tap.waitFor(ConsentEnded.type, subject: consentId))
            #expect(try endedEvent.decode(ConsentEnded.self) == ConsentEnded(consentId: consentId, childId: emma.id, reason: .recordedInError))
            #expect(!String(decoding: endedEvent.data, as: UTF8.self).contains("feil skjema"))

            // A guardianship recorded in error: the person sees nothing of the child from now on.
            let tor = emma.guardians[1].id
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: tor).status == 200)
            #expect(try await api.call("POST", "/v1/children/\(emma.id)/guardians/\(tor)/end", as: teacher,
                                       json: ["reason": "wrong_person"]).status == 403)
            let endedGuardian = try await api.call("POST", "/v1/children/\(emma.id)/guardians/\(tor)/end", as: admin, json: ["reason": "wrong_person"])
            #expect(endedGuardian.status == 200, "\(endedGuardian.text)")
            #expect(endedGuardian.string("kind") == "guardianship_ended")
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: tor).status == 404)
            #expect(try await api.call("POST", "/v1/children/\(emma.id)/guardians/\(tor)/end", as: admin, json: ["reason": "wrong_person"]).status == 404)
            let guardians = try await api.get("/v1/children/\(emma.id)", as: teacher, decoding: API.Child.self).guardians
            #expect(guardians.map(\.personId) == [emma.guardians[0].id])
            #expect(await api.tap.waitFor(GuardianshipEnded.type, subject: emma.id) != nil)

            // The audit trail: what was ended, by whom, why (with the note), and the access log.
            let trail = try await api.sql { connection in
                try connection.query("""
                    SELECT kind, reason, note, corrected_by, parental_responsibility, guardianship_source FROM register_corrections
                    WHERE child_id = \(emma.id) ORDER BY corrected_at, kind
                    """).map { row throws(PostgresError) in
                    "\(try row.decode(String.self, 0)) \(try row.decode(String.self, 1)) \(try row.decode(String.self, 2)) "
                        + "\(try row.decode(UUID.self, 3) == admin) \(try row.decode(Bool?.self, 4).map(String.init) ?? "-") \(try row.decode(String?.self, 5) ?? "-")"
                }
            }
            #expect(trail == ["consent_ended recorded_in_error Registrert på feil skjema true - -",
                              "guardianship_ended wrong_person  true true register"], "\(trail)")
            let logged = try await api.sql { connection in
                try connection.query("""
                    SELECT resource, basis FROM access_log WHERE actor_id = \(admin) AND action = 'correct' AND child_id = \(emma.id) ORDER BY id
                    """).map { row throws(PostgresError) in "\(try row.decode(String.self, 0))/\(try row.decode(String.self, 1))" }
            }
            #expect(logged == ["consent/administrator", "guardianship/administrator"])

            // The register says so after all: the administrator records the guardianship again.
            let again = try await api.call("POST", "/v1/children/\(emma.id)/guardians", as: admin,
                                           json: ["person_id": tor.uuidString, "parental_responsibility": true, "daily_care": true])
            #expect(again.status == 201, "\(again.text)")
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: tor).status == 200)
        }
    }
}
