import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Testing

/// A birth number with valid check digits for a date and individual number (test data only).
func syntheticBirthNumber(day: Int, month: Int, year: Int, individual: Int) -> String {
    let base = String(format: "%02d%02d%02d%03d", day, month, year % 100, individual)
    let digits = base.compactMap { Int(String($0)) }
    let k1 = (11 - zip(digits, [3, 7, 6, 1, 8, 9, 4, 5, 2]).map(*).reduce(0, +) % 11) % 11
    let k2 = (11 - zip(digits + [k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]).map(*).reduce(0, +) % 11) % 11
    return k1 == 10 || k2 == 10 ? syntheticBirthNumber(day: day, month: month, year: year, individual: individual + 1) : base + "\(k1)\(k2)"
}

@Suite("Intake API: the flows of a municipality", .timeLimit(.minutes(3)))
struct IntakeFlowTests {
    @Test("every arena of the seeds registers through the API and announces arena.changed")
    func seedArenasRegister() async throws {
        try await withIntake { api in
            var ids: [UUID] = []
            for arena in SeedArena.all { ids.append(try await api.registerArena(arena)) }
            #expect(ids.count == SeedArena.all.count)
            let admin = api.world.person(.municipality, .administrator)
            // Read back one of each kind with its participants and rule.
            let ressursteam = try await api.call("GET", "/v1/arenas/\(ids[SeedArena.all.firstIndex { $0.kind == .ressursteam }!])", as: admin)
            #expect(ressursteam.status == 200)
            #expect(ressursteam.string("rrule") == "FREQ=MONTHLY;BYDAY=1TU")
            #expect(try ressursteam.decode(API.Arena.self).participants.count == 4)
            #expect(ressursteam.string("frequency_text") == "1 gang i måneden")
            let listed: API.Page<API.Identified> = try await api.get("/v1/arenas?limit=200", as: api.world.person(.school, .teacher))
            #expect(listed.items.count == SeedArena.all.count)
            #expect(await api.tap.waitFor(ArenaChanged.type, subject: ids[0]) != nil)

            // An update needs the current version, bumps it, and is announced.
            var body = api.arena(named: "Beslutningsteam").requestBody(unitIds: api.world.units, ownerPersonId: nil)
            body["capacity"] = 4
            let index = SeedArena.all.firstIndex { $0.name.hasPrefix("Beslutningsteam") }!
            let stale = try await api.call("PUT", "/v1/arenas/\(ids[index])", as: admin, json: body.merging(["version": 7]) { $1 })
            #expect(stale.status == 409)
            let updated = try await api.call("PUT", "/v1/arenas/\(ids[index])", as: admin, json: body.merging(["version": 1]) { $1 })
            #expect(updated.status == 200)
            let updatedArena = try updated.decode(API.Arena.self)
            #expect(updatedArena.version == 2)
            #expect(updatedArena.capacity == 4)
            // Registered (version 1) and updated (version 2): both announced.
            let deadline = ContinuousClock.now + .seconds(20)
            while api.tap.events(ArenaChanged.type, subject: ids[index]).count < 2 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let versions = api.tap.events(ArenaChanged.type, subject: ids[index]).compactMap { try? $0.decode(ArenaChanged.self).version }
            #expect(versions.sorted() == [1, 2])
        }
    }

    @Test("the register: units, people, memberships, me, school holidays, recurrence preview")
    func register() async throws {
        try await withIntake { api in
            let admin = api.world.person(.municipality, .administrator)
            let unit = try await api.call("POST", "/v1/units", as: admin, json: ["name": "Sørby skole", "service": "school"])
            #expect(unit.status == 201)
            #expect(unit.headers["location"] == "/v1/units/\(unit.string("id")!)")
            let person = try await api.call("POST", "/v1/people", as: admin, json: [
                "name": "Lene Sørby", "email": "lene@sorby.example",
                "memberships": [["unit_id": unit.string("id")!, "role": "teacher", "title": "kontaktlærer"]],
            ] as [String: Any])
            #expect(person.status == 201)
            let personId = try #require(person.id)
            let added = try await api.call("POST", "/v1/people/\(personId)/memberships", as: admin,
                                           json: ["unit_id": unit.string("id")!, "role": "social_teacher"])
            #expect(added.status == 201)
            #expect(try added.decode(API.Person.self).memberships.count == 2)
            #expect(try await api.get("/v1/me", as: personId, decoding: API.Me.self).administrator == false)
            let page1: API.Page<API.Identified> = try await api.get("/v1/units?limit=5", as: personId)
            let cursor = try #require(page1.nextCursor)
            let page2: API.Page<API.Identified> = try await api.get("/v1/units?limit=50&cursor=\(cursor)", as: personId)
            #expect(Set((page1.items + page2.items).map(\.id)).count == SeedUnit.allCases.count + 1)
            let staff: API.Page<API.Identified> = try await api.get("/v1/people?unit_id=\(api.world.units[.school]!)", as: personId)
            #expect(staff.items.count == 5)

            let holiday = try await api.call("POST", "/v1/school-holidays", as: admin, json: [
                "school_year": "2026/2027", "name": "Høstferie", "first_day": "2026-09-28", "last_day": "2026-10-02",
            ])
            #expect(holiday.status == 201)
            let holidays: API.Page<API.Opaque> = try await api.get("/v1/school-holidays?school_year=2026/2027", as: personId)
            #expect(holidays.items.count == 1)

            let preview: API.RecurrencePreview = try await api.get(
                "/v1/recurrence/preview?rrule=FREQ%3DWEEKLY%3BINTERVAL%3D5%3BBYDAY%3DTU&start=2027-03-02T12:00&until=2027-06-30&holidays=move", as: personId)
            #expect(preview.occurrences == [
                "2027-03-02T12:00:00+01:00", "2027-04-06T12:00:00+02:00", "2027-05-11T12:00:00+02:00", "2027-06-15T12:00:00+02:00",
            ])
        }
    }

    @Test("a ressursteam case: named with consent, anonymous (screened), system; read back by each role; withdrawn; events on Kafka")
    func ressursteamCases() async throws {
        try await withIntake { api in
            let arenaId = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let teacher = api.world.person(.school, .teacher)
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let emma = api.world.child("emma")
            let unit = api.world.units[.school]!.uuidString

            // Named without consent: refused, saying why.
            let caseBody: [String: Any] = [
                "arena_id": arenaId.uuidString, "kind": "named", "child_id": emma.id.uuidString, "submitting_unit_id": unit,
                "title": "Emma – fravær og uro", "grade": 5, "concern": "Økende fravær siden høstferien.",
                "adaptations_tried": "Tett oppfølging av kontaktlærer, tilpasset lekseplan.",
            ]
            let refused = try await api.call("POST", "/v1/cases", as: teacher, json: caseBody)
            #expect(refused.status == 422)
            #expect(refused.string("code") == "consent_required")

            // With a consent covering the arena's services: accepted, and announced.
            let consentId = try await api.recordConsent(child: emma, by: teacher, services: [.school, .healthStation, .ppt])
            #expect(await api.tap.waitFor(ConsentRecorded.type, subject: consentId) != nil)
            let named = try await api.call("POST", "/v1/cases", as: teacher, json: caseBody)
            #expect(named.status == 201, "\(named.text)")
            let caseId = try #require(named.id)
            #expect(named.string("status") == "submitted")
            #expect(try named.decode(API.Case.self).child?.name == "Emma Nordli")
            let event = try #require(await api.tap.waitFor(CaseSubmitted.type, subject: caseId))
            let payload = try event.decode(CaseSubmitted.self)
            #expect(payload == CaseSubmitted(caseId: caseId, arenaId: arenaId, unitId: api.world.units[.school]!, kind: .named, urgent: false))
            // No personal data in the event.
            #expect(!String(decoding: event.data, as: UTF8.self).contains("Emma"))

            // Read back as each role would.
            let asNurse = try await api.call("GET", "/v1/cases/\(caseId)", as: nurse)
            #expect(asNurse.string("visibility") == "full")
            #expect(asNurse.string("access_basis") == "consent")
            let asWelfare = try await api.call("GET", "/v1/cases/\(caseId)", as: api.world.person(.childWelfare, .caseworker))
            #expect(asWelfare.status == 404)
            let asGuardian = try await api.call("GET", "/v1/cases/\(caseId)", as: emma.guardians[0].id)
            #expect(asGuardian.string("access_basis") == "guardian")
            let asOtherSchool = try await api.call("GET", "/v1/cases/\(caseId)", as: api.world.person(.lowerSecondary, .teacher))
            #expect(asOtherSchool.status == 404)

            // Anonymous: a known child's name or an identity number in the text is flagged.
            let anonymousBody: [String: Any] = [
                "arena_id": arenaId.uuidString, "kind": "anonymous", "submitting_unit_id": unit, "title": "Elev 5. trinn – konflikter",
                "grade": 5, "concern": "Konflikter i friminuttene, særlig med Noah Berget.",
            ]
            let flagged = try await api.call("POST", "/v1/cases", as: teacher, json: anonymousBody)
            #expect(flagged.status == 422)
            #expect(flagged.string("code") == "personal_data_suspected")
            #expect(!flagged.text.contains("Noah"))
            let confirmed = try await api.call("POST", "/v1/cases", as: teacher, json: anonymousBody.merging(["confirm_no_personal_data": true]) { $1 })
            #expect(confirmed.status == 201)
            #expect(try confirmed.decode(API.Case.self).screeningFlags == ["knownName"])
            let clean = try await api.call("POST", "/v1/cases", as: teacher, json: anonymousBody.merging(["concern": "Konflikter i friminuttene."]) { $1 })
            #expect(clean.status == 201)
            #expect(!clean.keys.contains("child"))
            let system = try await api.call("POST", "/v1/cases", as: api.world.person(.school, .unitLeader), json: [
                "arena_id": arenaId.uuidString, "kind": "system", "submitting_unit_id": unit, "title": "Kompetanseheving i klasseledelse",
                "concern": "Behov for felles opplegg for 5.–7. trinn.",
            ] as [String: Any])
            #expect(system.status == 201)

            // The listing for the arena shows the nurse all four (named in full: her service is covered).
            let listing: API.Page<API.Case> = try await api.get("/v1/cases?arena_id=\(arenaId)", as: nurse)
            #expect(listing.items.count == 4)

            // Withdrawn by the owner: announced; a second withdrawal is a conflict.
            let withdrawn = try await api.call("POST", "/v1/cases/\(caseId)/withdraw", as: teacher)
            #expect(withdrawn.status == 200)
            #expect(withdrawn.string("status") == "withdrawn")
            #expect(await api.tap.waitFor(CaseWithdrawn.type, subject: caseId) != nil)
            #expect(try await api.call("POST", "/v1/cases/\(caseId)/withdraw", as: teacher).status == 409)
            #expect(try await api.call("POST", "/v1/cases/\(clean.id!)/withdraw", as: nurse).status == 403)

            // Every read of the named case is in the access log, with its basis.
            let reads = try await api.sql { connection in
                try connection.query("SELECT actor_id, basis FROM access_log WHERE resource_id = \(caseId) AND action = 'read'")
                    .map { row throws(PostgresError) in (try row.decode(UUID.self, 0), try row.decode(String.self, 1)) }
            }
            #expect(reads.contains { $0.0 == nurse && $0.1 == "consent" })
            #expect(reads.contains { $0.0 == emma.guardians[0].id && $0.1 == "guardian" })
        }
    }

    @Test("a BUP referral: incomplete says exactly what is missing; complete is accepted, announced and read by BUP")
    func bupReferral() async throws {
        try await withIntake { api in
            let intakeArena = try await api.registerArena(api.arena(named: "Lokalt inntaksmøte BUP"))
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let emma = api.world.child("emma")
            // The school records the guardians' consent; it covers the health station, which may then refer.
            _ = try await api.recordConsent(child: emma, by: api.world.person(.school, .teacher),
                                            services: [.bup, .ppt, .childWelfare, .healthStation, .municipalPsychologist, .school, .municipalAdministration])
            let incomplete = try await api.call("POST", "/v1/referrals", as: nurse, json: [
                "target_service": "bup", "child_id": emma.id.uuidString, "submitting_unit_id": api.world.units[.healthStation]!.uuidString,
                "question": "Utredning av angst", "parental_responsibility": [emma.guardians[0].id.uuidString],
            ] as [String: Any])
            #expect(incomplete.status == 422)
            #expect(incomplete.string("code") == "referral_incomplete")
            #expect(Set(incomplete.fields) == ["measures_tried", "current_services", "parental_responsibility", "daily_care", "consented_by"])

            let guardians = emma.guardians.map { $0.id.uuidString }
            let complete = try await api.call("POST", "/v1/referrals", as: nurse, json: [
                "target_service": "bup", "child_id": emma.id.uuidString, "submitting_unit_id": api.world.units[.healthStation]!.uuidString,
                "question": "Utredning av angst og søvnvansker", "measures_tried": "Samtaler med helsesykepleier over tre måneder",
                "current_services": ["health_station"], "parental_responsibility": guardians, "daily_care": guardians, "consented_by": guardians,
            ] as [String: Any])
            #expect(complete.status == 201, "\(complete.text)")
            let id = try #require(complete.id)
            #expect(complete.string("arena_id")?.lowercased() == intakeArena.uuidString.lowercased())
            let event = try #require(await api.tap.waitFor(ReferralCreated.type, subject: id))
            #expect(try event.decode(ReferralCreated.self).targetService == .bup)
            let asBUP = try await api.call("GET", "/v1/referrals/\(id)", as: api.world.person(.bup, .clinician))
            #expect(asBUP.string("visibility") == "full")
            #expect(try asBUP.decode(API.Case.self).referral?.question == "Utredning av angst og søvnvansker")
            let withdrawn = try await api.call("POST", "/v1/referrals/\(id)/withdraw", as: nurse)
            #expect(withdrawn.string("status") == "withdrawn")
        }
    }

    @Test("minutes: written by participants, approved by the principal, decisions applied (refer to PPT), announced")
    func minutesAndDecisions() async throws {
        try await withIntake { api in
            let arenaId = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let teacher = api.world.person(.school, .teacher)
            let principal = api.world.person(.school, .unitLeader)
            let emma = api.world.child("emma")
            _ = try await api.recordConsent(child: emma, by: teacher, services: [.school, .healthStation, .ppt])
            let submitted = try await api.call("POST", "/v1/cases", as: teacher, json: [
                "arena_id": arenaId.uuidString, "kind": "named", "child_id": emma.id.uuidString,
                "submitting_unit_id": api.world.units[.school]!.uuidString, "title": "Emma – lesing", "grade": 5,
                "concern": "Leser langt under forventet nivå.", "adaptations_tried": "Lesekurs og ekstra tid.",
            ] as [String: Any])
            let caseId = try #require(submitted.id)
            // The scheduler's work, done by hand here: a meeting with the case on its agenda, published.
            let (meetingId, itemId) = try await api.sql { connection in
                let meetingId = UUID(), itemId = UUID()
                try connection.execute("""
                    INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
                    VALUES (\(meetingId), \(arenaId), '2026-12-01', now(), now() + interval '2 hours', 6, now() - interval '7 days', now() - interval '3 days', 'agenda_published')
                    """)
                try connection.execute("""
                    INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(itemId), \(meetingId), \(caseId), 1, 'earliest_open_meeting')
                    """)
                try connection.execute("UPDATE cases SET status = 'scheduled' WHERE id = \(caseId)")
                return (meetingId, itemId)
            }
            let agenda: API.Meeting = try await api.get("/v1/meetings/\(meetingId)", as: api.world.person(.ppt, .advisor))
            #expect(agenda.agenda.first?.title == "Emma – lesing")
            let minutes: [String: Any] = [
                "present": [principal.uuidString, teacher.uuidString], "general_notes": "Godt møte.", "version": 0,
                "entries": [[
                    "agenda_item_id": itemId.uuidString, "discussion": "Lesevansker over tid; tiltak har ikke gitt effekt.",
                    "decision": "refer_to_ppt", "decision_text": "Henvises til PPT for utredning av lesevansker.",
                    "follow_ups": [["description": "Sende henvisning", "responsible_id": teacher.uuidString, "due_date": "2026-12-15"]],
                ]],
            ]
            let saved = try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: teacher, json: minutes)
            #expect(saved.status == 200, "\(saved.text)")
            #expect(try await api.call("POST", "/v1/meetings/\(meetingId)/minutes/approve", as: teacher).status == 403)
            let approved = try await api.call("POST", "/v1/meetings/\(meetingId)/minutes/approve", as: principal)
            #expect(approved.status == 200, "\(approved.text)")
            #expect(approved.string("status") == "approved")
            #expect(await api.tap.waitFor(MinutesApproved.type, subject: meetingId) != nil)
            let decided = try #require(await api.tap.waitFor(CaseDecided.type, subject: caseId))
            let decision = try decided.decode(CaseDecided.self)
            #expect(decision.decision == .referToPPT)
            let referralId = try #require(decision.createdCaseId)
            let referral = try await api.call("GET", "/v1/referrals/\(referralId)", as: api.world.person(.ppt, .advisor))
            #expect(referral.string("origin_case_id")?.lowercased() == caseId.uuidString.lowercased())
            #expect(referral.string("target_service") == "ppt")
            #expect(await api.tap.waitFor(ReferralCreated.type, subject: referralId) != nil)
            let original = try await api.call("GET", "/v1/cases/\(caseId)", as: teacher)
            #expect(original.string("status") == "referred_on")
            #expect(try await api.call("PUT", "/v1/meetings/\(meetingId)/minutes", as: teacher, json: minutes.merging(["version": 1]) { $1 }).status == 409)
        }
    }

    @Test("Idempotency-Key: the same request returns the first result; another body with the key is refused")
    func idempotency() async throws {
        try await withIntake { api in
            let admin = api.world.person(.municipality, .administrator)
            let body = ["name": "Østby skole", "service": "school"]
            let first = try await api.call("POST", "/v1/units", as: admin, json: body, headers: ["Idempotency-Key": "unit-østby-1".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!])
            let again = try await api.call("POST", "/v1/units", as: admin, json: body, headers: ["Idempotency-Key": "unit-østby-1".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!])
            #expect(first.status == 201)
            #expect(again.status == 201, "\(again.text)")
            #expect(first.id == again.id)
            let other = try await api.call("POST", "/v1/units", as: admin, json: ["name": "Vestby skole", "service": "school"],
                                           headers: ["Idempotency-Key": "unit-østby-1".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!])
            #expect(other.status == 422)
            #expect(other.string("code") == "idempotency_key_reused")
            let count = try await api.sql { try $0.query("SELECT count(*)::int8 FROM units WHERE name = 'Østby skole'").first!.decode(Int.self, 0) }
            #expect(count == 1)
        }
    }
}
