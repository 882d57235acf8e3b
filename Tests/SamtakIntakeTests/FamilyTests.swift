import Foundation
import SamtakDomain
import SamtakIntake
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Testing

/// Issue 17, families: what a guardian sees of her own children (and nothing else), giving a
/// consent digitally with two guardians, and innsyn, against the real PostgreSQL and broker.
@Suite("Intake API: families (issue 17)", .serialized, .timeLimit(.minutes(6)))
struct FamilyTests {
    /// A meeting of `arena` with `cases` on its agenda, `days` from now (negative: past).
    static func meeting(_ api: IntakeHarness, arena: UUID, cases: [UUID], days: Int, status: String = "agenda_published") async throws -> UUID {
        let id = UUID()
        try await api.sql { connection in
            try connection.execute("""
                INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
                VALUES (\(id), \(arena), \(OsloTime.localDate(at: Date()).adding(days: days + 3000)),
                        now() + \(Double(days)) * interval '1 day', now() + \(Double(days)) * interval '1 day' + interval '2 hours', 6,
                        now() + \(Double(days - 10)) * interval '1 day', now() + \(Double(days - 3)) * interval '1 day', \(status))
                """)
            for (index, caseId) in cases.enumerated() {
                try connection.execute("""
                    INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(UUID()), \(id), \(caseId), \(index + 1), 'earliest_open_meeting')
                    """)
                try connection.execute("UPDATE cases SET status = 'scheduled' WHERE id = \(caseId)")
            }
        }
        return id
    }

    static func submit(_ api: IntakeHarness, arena: UUID, child: SeedWorld.SeedChild?, title: String) async throws -> IntakeHarness.Response {
        let w = api.world
        var body: [String: Any] = [
            "arena_id": arena.uuidString, "kind": child == nil ? "anonymous" : "named", "grade": 5,
            "submitting_unit_id": w.units[.school]!.uuidString, "title": title, "concern": "Bekymring for lesing.",
        ]
        if let child { body["child_id"] = child.id.uuidString }
        return try await api.call("POST", "/v1/cases", as: w.person(.school, .teacher), json: body)
    }

    static func accessRows(_ api: IntakeHarness, actor: UUID, child: UUID) async throws -> [(resource: String, basis: String)] {
        try await api.sql { connection in
            try connection.query("SELECT resource, basis FROM access_log WHERE actor_id = \(actor) AND child_id = \(child) ORDER BY id")
                .map { row throws(PostgresError) in (try row.decode(String.self, 0), try row.decode(String.self, 1)) }
        }
    }

    @Test("my children: a guardian with parental responsibility sees her own children; without it, or for another child, 404")
    func myChildren() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let emma = w.child("emma"), hilde = emma.guardians[0].id, anita = w.child("filip").guardians[0].id
            let list: API.Page<API.FamilyChild> = try await api.get("/v1/me/children", as: hilde)
            #expect(list.items.map(\.name) == ["Emma Nordli"])
            #expect(try await api.call("GET", "/v1/me/children/\(emma.id)", as: hilde).status == 200)

            // Another child's guardian, staff of Emma's own school, and a guardian with daily care but no parental responsibility: 404.
            let dailyCareOnly = UUID()
            try await api.sql { connection in
                try connection.execute("INSERT INTO people (id, kind, name) VALUES (\(dailyCareOnly), 'guardian', 'Fosterforelder Uten Ansvar')")
                try connection.execute("""
                    INSERT INTO guardianships (child_id, guardian_id, parental_responsibility, daily_care) VALUES (\(emma.id), \(dailyCareOnly), false, true)
                    """)
            }
            for caller in [anita, w.person(.school, .teacher), dailyCareOnly] {
                let detail = try await api.call("GET", "/v1/me/children/\(emma.id)", as: caller)
                #expect(detail.status == 404)
                #expect(!detail.text.contains("Emma"))
                let innsyn = try await api.call("GET", "/v1/me/children/\(emma.id)/access-log", as: caller)
                #expect(innsyn.status == 404)
            }
            let none: API.Page<API.FamilyChild> = try await api.get("/v1/me/children", as: dailyCareOnly)
            #expect(none.items.isEmpty)
            // A child that does not exist answers as one that is not hers.
            #expect(try await api.call("GET", "/v1/me/children/\(UUID())", as: hilde).status == 404)
            // The list was logged as a read of Emma with the guardian basis.
            let rows = try await Self.accessRows(api, actor: hilde, child: emma.id)
            #expect(rows.contains { $0.resource == "child" && $0.basis == "guardian" })
        }
    }

    @Test("the child's page: consents in force, coming meetings with only this child's items, approved minutes with follow-ups, logged")
    func childPage() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let emma = w.child("emma"), hilde = emma.guardians[0].id, teacher = w.person(.school, .teacher)
            let arena = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let consent = try await api.recordConsent(child: emma, by: teacher, services: [.school, .healthStation, .ppt])
            let named = try await Self.submit(api, arena: arena, child: emma, title: "Emma – lesing")
            let anonymous = try await Self.submit(api, arena: arena, child: nil, title: "Elev 6. trinn – uro")
            let past = try await Self.submit(api, arena: arena, child: emma, title: "Emma – tidligere sak")
            guard let namedId = named.id, let anonymousId = anonymous.id, let pastId = past.id else {
                throw MissingTestDependency("cases: \(named.text) \(anonymous.text) \(past.text)")
            }
            let coming = try await Self.meeting(api, arena: arena, cases: [anonymousId, namedId], days: 14)
            let held = try await Self.meeting(api, arena: arena, cases: [pastId], days: -14, status: "minutes_approved")
            try await api.sql { connection in
                let item = try connection.query("SELECT id FROM agenda_items WHERE meeting_id = \(held)").first!.decode(UUID.self, 0)
                try connection.execute("""
                    INSERT INTO minutes (meeting_id, status, updated_by, approved_by, approved_at) VALUES (\(held), 'approved', \(teacher), \(teacher), now())
                    """)
                try connection.execute("""
                    INSERT INTO minutes_entries (meeting_id, agenda_item_id, discussion, decision, decision_text)
                    VALUES (\(held), \(item), 'Lesevansker over tid.', 'refer_to_ppt', 'Henvises til PPT.')
                    """)
                try connection.execute("""
                    INSERT INTO follow_up_actions (id, meeting_id, agenda_item_id, description, responsible_id, due_date)
                    VALUES (\(UUID()), \(held), \(item), 'Sende henvisning til PPT', \(teacher), \(OsloTime.localDate(at: Date()).adding(days: 20)))
                    """)
            }

            let response = try await api.call("GET", "/v1/me/children/\(emma.id)", as: hilde)
            #expect(response.status == 200)
            let detail = try response.decode(API.FamilyChildDetail.self)
            #expect(detail.consents.map(\.id) == [consent])
            #expect(detail.consents.first?.method == "written")
            #expect(Set(detail.consents.first?.services ?? []) == ["school", "health_station", "ppt"])
            #expect(detail.consents.first?.givers.count == 2)
            #expect(detail.meetings.map(\.id) == [coming])
            #expect(detail.meetings.first?.items.map(\.title) == ["Emma – lesing"])
            #expect(!response.text.contains("uro"))
            #expect(detail.minutes.count == 1)
            #expect(detail.minutes.first?.discussion == "Lesevansker over tid.")
            #expect(detail.minutes.first?.decision == "refer_to_ppt")
            #expect(detail.minutes.first?.followUps.first?.description == "Sende henvisning til PPT")

            let rows = try await Self.accessRows(api, actor: hilde, child: emma.id)
            #expect(rows.contains { $0.resource == "agenda" && $0.basis == "guardian" })
            #expect(rows.contains { $0.resource == "minutes" && $0.basis == "guardian" })
            #expect(rows.contains { $0.resource == "consent" && $0.basis == "guardian" })
        }
    }

    @Test("digital consent: with two guardians it is not in force until both have given it; then it covers the ressursteam; withdrawal")
    func digitalConsent() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let ella = w.child("ella"), mona = ella.guardians[0].id, rune = ella.guardians[1].id
            let arena = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let today = OsloTime.localDate(at: Date())
            let body: [String: Any] = ["arena_ids": [arena.uuidString], "valid_from": today.description,
                                       "valid_until": today.adding(days: 365).description]

            let given = try await api.call("POST", "/v1/me/children/\(ella.id)/consents", as: mona, json: body)
            #expect(given.status == 201)
            #expect(given.string("status") == "awaiting_guardians")
            #expect(given.string("guardian_rule") == "all_with_parental_responsibility")
            #expect(try given.decode(API.Proposal.self).missing.map(\.name) == ["Rune Vang"])
            guard let proposal = given.id else { throw MissingTestDependency("proposal: \(given.text)") }

            // Not in force: no named case yet, and nothing in consents.
            let refused = try await Self.submit(api, arena: arena, child: ella, title: "Ella – samspill")
            #expect(refused.status == 422)
            #expect(refused.string("code") == "consent_required")
            let forMona: API.FamilyChildDetail = try await api.get("/v1/me/children/\(ella.id)", as: mona)
            #expect(forMona.consents.isEmpty)
            #expect(forMona.awaitingSignatures.first?.awaitingMe == false)
            let forRune: API.FamilyChildDetail = try await api.get("/v1/me/children/\(ella.id)", as: rune)
            #expect(forRune.awaitingSignatures.first?.awaitingMe == true)

            // Mona cannot sign twice; another family cannot sign at all.
            #expect(try await api.call("POST", "/v1/me/consent-proposals/\(proposal)/sign", as: mona).string("code") == "already_signed")
            #expect(try await api.call("POST", "/v1/me/consent-proposals/\(proposal)/sign", as: w.child("emma").guardians[0].id).status == 404)

            let signed = try await api.call("POST", "/v1/me/consent-proposals/\(proposal)/sign", as: rune)
            #expect(signed.status == 200)
            #expect(signed.string("status") == "in_force")
            guard let consentId = signed.string("consent_id").flatMap(UUID.init(uuidString:)) else {
                throw MissingTestDependency("consent: \(signed.text)")
            }
            #expect(try await api.call("POST", "/v1/me/consent-proposals/\(proposal)/sign", as: rune).string("code") == "not_awaiting")

            // The evidence: a digital consent given by both, each giver's own time, recorded by nobody on their behalf.
            let (method, givenBy, givers, signatures, events) = try await api.sql { connection in
                let consent = try connection.query("SELECT method, given_by FROM consents WHERE id = \(consentId)").first!
                let givers = try connection.query("""
                    SELECT count(*) FROM consent_givers WHERE consent_id = \(consentId) AND method = 'digital' AND recorded_by IS NULL
                    """).first!.decode(Int.self, 0)
                let signatures = try connection.query("""
                    SELECT count(*) FROM consent_signatures WHERE proposal_id = \(proposal) AND signed_in_with = 'citizen' AND request_id IS NOT NULL
                    """).first!.decode(Int.self, 0)
                let events = try connection.query("""
                    SELECT event_type FROM outbox WHERE subject IN (\(proposal.uuidString.lowercased()), \(consentId.uuidString.lowercased())) ORDER BY id
                    """).map { row throws(PostgresError) in try row.decode(String.self, 0) }
                return (try consent.decode(String.self, 0), try consent.decode([UUID].self, 1), givers, signatures, events)
            }
            #expect(method == "digital")
            #expect(Set(givenBy) == [mona, rune])
            #expect(givers == 2)
            #expect(signatures == 2)
            #expect(events == ["consent.proposed", "consent.recorded"])

            // Now the teacher may submit Ella's case by name.
            let accepted = try await Self.submit(api, arena: arena, child: ella, title: "Ella – samspill")
            #expect(accepted.status == 201)

            // Mona withdraws it: it no longer shows, and no new named case is accepted.
            #expect(try await api.call("POST", "/v1/consents/\(consentId)/withdraw", as: mona).status == 200)
            let after: API.FamilyChildDetail = try await api.get("/v1/me/children/\(ella.id)", as: mona)
            #expect(after.consents.isEmpty)
            #expect(try await Self.submit(api, arena: arena, child: ella, title: "Ella – ny").status == 422)

            // The child's own school alone: one guardian suffices, in force at once.
            let school = try await api.call("POST", "/v1/me/children/\(ella.id)/consents", as: rune, json: [
                "services": ["school"], "valid_from": today.description, "valid_until": today.adding(days: 30).description,
            ] as [String: Any])
            #expect(school.string("status") == "in_force")
            #expect(school.string("guardian_rule") == "one_guardian")
        }
    }

    @Test("cancelling a waiting consent: the guardian who gave it cancels it before the other signs; it never comes in force")
    func cancelProposal() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let ella = w.child("ella"), mona = ella.guardians[0].id, rune = ella.guardians[1].id
            let arena = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let today = OsloTime.localDate(at: Date())
            let given = try await api.call("POST", "/v1/me/children/\(ella.id)/consents", as: mona, json: [
                "arena_ids": [arena.uuidString], "valid_from": today.description, "valid_until": today.adding(days: 365).description,
            ] as [String: Any])
            #expect(given.string("status") == "awaiting_guardians")
            #expect(try given.decode(API.Proposal.self).mayCancel)
            guard let proposal = given.id else { throw MissingTestDependency("proposal: \(given.text)") }
            let forRune: API.FamilyChildDetail = try await api.get("/v1/me/children/\(ella.id)", as: rune)
            #expect(forRune.awaitingSignatures.first?.mayCancel == false)

            // Rune has not signed it: he may not cancel it (he simply does not sign); another family learns nothing.
            let byRune = try await api.call("POST", "/v1/me/consent-proposals/\(proposal)/cancel", as: rune)
            #expect(byRune.status == 403)
            #expect(try await api.call("POST", "/v1/me/consent-proposals/\(proposal)/cancel", as: w.child("emma").guardians[0].id).status == 404)
            #expect(try await api.call("POST", "/v1/me/consent-proposals/\(UUID())/cancel", as: mona).status == 404)

            let cancelled = try await api.call("POST", "/v1/me/consent-proposals/\(proposal)/cancel", as: mona)
            #expect(cancelled.status == 200)
            #expect(cancelled.string("status") == "cancelled")
            #expect(try cancelled.decode(API.Proposal.self).missing.isEmpty)
            // Gone from the page, Rune can no longer sign it, a second cancel is a conflict, no consent exists.
            let after: API.FamilyChildDetail = try await api.get("/v1/me/children/\(ella.id)", as: rune)
            #expect(after.awaitingSignatures.isEmpty)
            #expect(after.consents.isEmpty)
            #expect(try await api.call("POST", "/v1/me/consent-proposals/\(proposal)/sign", as: rune).string("code") == "not_awaiting")
            #expect(try await api.call("POST", "/v1/me/consent-proposals/\(proposal)/cancel", as: mona).string("code") == "not_awaiting")
            #expect(try await Self.submit(api, arena: arena, child: ella, title: "Ella – samspill").string("code") == "consent_required")

            let (status, events, logged) = try await api.sql { connection in
                let status = try connection.query("SELECT status, closed_at IS NOT NULL FROM consent_proposals WHERE id = \(proposal)").first!
                let events = try connection.query("""
                    SELECT event_type, data::text FROM outbox WHERE subject = \(proposal.uuidString.lowercased()) ORDER BY id
                    """).map { row throws(PostgresError) in (try row.decode(String.self, 0), try row.decode(String.self, 1)) }
                let logged = try connection.query("""
                    SELECT count(*) FROM access_log WHERE resource = 'consent_proposal' AND resource_id = \(proposal) AND actor_id = \(mona)
                      AND action = 'update' AND basis = 'guardian'
                    """).first!.decode(Int.self, 0)
                return ("\(try status.decode(String.self, 0)) \(try status.decode(Bool.self, 1))", events, logged)
            }
            #expect(status == "cancelled true")
            #expect(events.map(\.0) == ["consent.proposed", "consent.proposal_cancelled"])
            // Ids only in the event: no name of the child or the guardian.
            #expect(events.allSatisfy { !$0.1.contains("Ella") && !$0.1.contains("Mona") })
            #expect(logged == 1)
        }
    }

    @Test("digital consent: bad input is a 422 naming the field; the young person decides health matters from 16")
    func digitalConsentRules() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let ella = w.child("ella"), mona = ella.guardians[0].id
            let today = OsloTime.localDate(at: Date())
            let path = "/v1/me/children/\(ella.id)/consents"
            let until = today.adding(days: 30).description
            let yesterday = try await api.call("POST", path, as: mona, json: ["services": ["ppt"], "valid_from": today.adding(days: -1).description, "valid_until": until])
            #expect(yesterday.status == 422 && yesterday.fields == ["valid_from"])
            let nothing = try await api.call("POST", path, as: mona, json: ["services": [String](), "valid_from": today.description, "valid_until": until])
            #expect(nothing.status == 422 && nothing.fields == ["services"])
            let backwards = try await api.call("POST", path, as: mona, json: ["services": ["ppt"], "valid_from": until, "valid_until": today.description])
            #expect(backwards.status == 422 && backwards.fields == ["valid_until"])
            let unknown = try await api.call("POST", path, as: mona, json: ["services": ["ppt"], "valid_from": today.description, "valid_until": until, "given_by": []])
            #expect(unknown.status == 422)
            let otherArena = try await api.registerArena(api.arena(named: "Ressursteam – Solsikken"))
            let notOffered = try await api.call("POST", path, as: mona, json: ["arena_ids": [otherArena.uuidString], "valid_from": today.description, "valid_until": until])
            #expect(notOffered.status == 422 && notOffered.rules == ["not_offered"])
            #expect(!notOffered.text.contains("Ella"))

            // Sara is 17: BUP is hers to consent to, not her mother's.
            let sara = w.child("sara")
            let forHer = try await api.call("POST", "/v1/me/children/\(sara.id)/consents", as: sara.guardians[0].id,
                                            json: ["services": ["bup"], "valid_from": today.description, "valid_until": until])
            #expect(forHer.status == 422 && forHer.rules == ["young_person_decides"])

            // Staff record only paper or oral consents.
            let staff = try await api.call("POST", "/v1/consents", as: w.person(.school, .teacher), json: [
                "child_id": ella.id.uuidString, "given_by": ella.guardians.map(\.id.uuidString), "services": ["ppt"],
                "valid_from": today.description, "method": "digital",
            ] as [String: Any])
            #expect(staff.status == 422 && staff.fields.contains("method"))
        }
    }

    @Test("narrowing: one guardian narrows alone; the original is withdrawn, the narrower one keeps its givers; never wider")
    func narrowing() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let emma = w.child("emma"), hilde = emma.guardians[0].id, tor = emma.guardians[1].id
            let arena = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let today = OsloTime.localDate(at: Date())
            let given = try await api.call("POST", "/v1/me/children/\(emma.id)/consents", as: hilde, json: [
                "services": ["school", "ppt"], "arena_ids": [arena.uuidString], "valid_from": today.description,
                "valid_until": today.adding(days: 200).description,
            ] as [String: Any])
            guard let proposal = given.id else { throw MissingTestDependency("proposal: \(given.text)") }
            let signed = try await api.call("POST", "/v1/me/consent-proposals/\(proposal)/sign", as: tor)
            guard let original = signed.string("consent_id") else { throw MissingTestDependency("consent: \(signed.text)") }
            #expect(try await Self.submit(api, arena: arena, child: emma, title: "Emma – før").status == 201)

            let path = "/v1/me/consents/\(original)/narrow"
            let wider = try await api.call("POST", path, as: hilde, json: ["services": ["school", "ppt", "health_station"]])
            #expect(wider.status == 422 && wider.rules == ["not_narrower"] && wider.fields == ["services"])
            let later = try await api.call("POST", path, as: hilde, json: ["valid_until": today.adding(days: 300).description])
            #expect(later.status == 422 && later.rules == ["not_narrower"])
            #expect(try await api.call("POST", path, as: hilde, json: [String: Any]()).rules == ["unchanged"])
            #expect(try await api.call("POST", path, as: w.child("filip").guardians[0].id, json: ["arena_ids": [String]()]).status == 404)

            // Hilde alone takes the ressursteam out: no longer covered, the rest stands, given by both as before.
            let narrowed = try await api.call("POST", path, as: hilde, json: ["arena_ids": [String]()])
            #expect(narrowed.status == 201)
            let narrower = try narrowed.decode(API.Consent.self)
            #expect(Set(narrower.services) == ["school", "ppt"])
            #expect(narrower.arenas.isEmpty)
            #expect(narrower.givers.count == 2)
            #expect(try await Self.submit(api, arena: arena, child: emma, title: "Emma – etter").string("code") == "consent_required")
            let detail: API.FamilyChildDetail = try await api.get("/v1/me/children/\(emma.id)", as: tor)
            #expect(detail.consents.count == 1)
            let (withdrawn, from, events) = try await api.sql { connection in
                let withdrawn = try connection.query("SELECT withdrawn_by FROM consents WHERE id = \(UUID(uuidString: original)!)").first!.decode(UUID?.self, 0)
                let from = try connection.query("SELECT narrowed_from FROM consents WHERE narrowed_from IS NOT NULL").first?.decode(UUID.self, 0)
                let events = try connection.query("""
                    SELECT event_type FROM outbox WHERE event_type IN ('consent.withdrawn', 'consent.recorded') ORDER BY id DESC LIMIT 2
                    """).map { row throws(PostgresError) in try row.decode(String.self, 0) }
                return (withdrawn, from, events)
            }
            #expect(withdrawn == hilde)
            #expect(from?.uuidString.lowercased() == original.lowercased())
            #expect(Set(events) == ["consent.withdrawn", "consent.recorded"])
            #expect(try await api.call("POST", path, as: hilde, json: ["arena_ids": [String]()]).status == 404)
        }
    }

    @Test("young people: an administrator links Sara (17) to a person; she sees herself, consents to BUP alone; her mother may not change it")
    func youngPerson() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let sara = w.child("sara"), trine = sara.guardians[0].id, admin = w.person(.municipality, .administrator)
            #expect(try await api.call("POST", "/v1/children/\(sara.id)/young-person", as: w.person(.school, .teacher), json: [String: Any]()).status == 403)
            let linked = try await api.call("POST", "/v1/children/\(sara.id)/young-person", as: admin, json: ["email": "sara.rud@nordby.example"])
            #expect(linked.status == 201)
            #expect(!linked.text.contains("Sara"))
            guard let person = linked.string("person_id").flatMap(UUID.init(uuidString:)) else { throw MissingTestDependency("link: \(linked.text)") }
            #expect(try await api.call("POST", "/v1/children/\(sara.id)/young-person", as: admin, json: [String: Any]()).string("code") == "already_linked")
            #expect(try await api.call("POST", "/v1/children/\(UUID())/young-person", as: admin, json: [String: Any]()).status == 404)

            let me: API.Page<API.FamilyChild> = try await api.get("/v1/me/children", as: person)
            #expect(me.items.map(\.accessBasis) == ["self"])
            let today = OsloTime.localDate(at: Date())
            let own = try await api.call("POST", "/v1/me/children/\(sara.id)/consents", as: person, json: [
                "services": ["bup", "health_station"], "valid_from": today.description, "valid_until": today.adding(days: 90).description,
            ] as [String: Any])
            #expect(own.status == 201 && own.string("status") == "in_force" && own.string("guardian_rule") == "young_person")
            // School is not hers alone to consent to.
            let school = try await api.call("POST", "/v1/me/children/\(sara.id)/consents", as: person, json: [
                "services": ["school"], "valid_from": today.description, "valid_until": today.adding(days: 90).description,
            ] as [String: Any])
            #expect(school.status == 422 && school.rules == ["guardians_required"])
            guard let consent = own.string("consent_id") else { throw MissingTestDependency("consent: \(own.text)") }
            #expect(try await api.call("POST", "/v1/me/consents/\(consent)/narrow", as: trine, json: ["services": ["bup"]]).status == 403)
            #expect(try await api.call("POST", "/v1/consents/\(consent)/withdraw", as: trine).status == 403)
            let narrowed = try await api.call("POST", "/v1/me/consents/\(consent)/narrow", as: person, json: ["services": ["bup"]])
            #expect(narrowed.status == 201)
            // Innsyn of her own data, as herself.
            #expect(try await api.call("GET", "/v1/me/children/\(sara.id)/access-log", as: person).status == 200)
            let given = try await api.sql { connection in
                try connection.query("SELECT party FROM consent_givers WHERE consent_id = \(UUID(uuidString: consent)!)")
                    .map { row throws(PostgresError) in try row.decode(String.self, 0) }
            }
            #expect(given == ["young_person"])
        }
    }

    @Test("innsyn: the nurse's read of the agenda with service and role, no name by default; newest first, paged, by period; logged")
    func innsyn() async throws {
        try await withIntake(relaying: false) { api in
            let w = api.world
            let emma = w.child("emma"), hilde = emma.guardians[0].id, nurse = w.person(.healthStation, .schoolNurse)
            let arena = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            _ = try await api.recordConsent(child: emma, by: w.person(.school, .teacher), services: [.school, .healthStation, .ppt])
            guard let caseId = try await Self.submit(api, arena: arena, child: emma, title: "Emma – lesing").id else {
                throw MissingTestDependency("case")
            }
            let meeting = try await Self.meeting(api, arena: arena, cases: [caseId], days: 10)
            let read = try await api.call("GET", "/v1/meetings/\(meeting)", as: nurse)
            #expect(read.status == 200 && read.text.contains("Emma"))

            let log = try await api.call("GET", "/v1/me/children/\(emma.id)/access-log", as: hilde)
            #expect(log.status == 200)
            let items = try log.decode(API.Page<API.AccessEntry>.self).items
            let actor = try #require(items.first { $0.subject == "agenda" && $0.basis == "consent" }?.actor)
            #expect(!actor.keys.contains("name"))
            #expect(actor.roles.contains { $0.service == "health_station" && $0.role == "school_nurse" })
            #expect(!log.text.contains("Randi Kvam"))
            // Newest first.
            let times = items.map(\.at)
            #expect(times == times.sorted(by: >))

            // Paged: one at a time, the next page older.
            let first = try await api.call("GET", "/v1/me/children/\(emma.id)/access-log?limit=1", as: hilde)
            let cursor = try #require(first.string("next_cursor"))
            let second = try await api.call("GET", "/v1/me/children/\(emma.id)/access-log?limit=1&cursor=\(cursor)", as: hilde)
            let a = try #require(try first.decode(API.Page<API.AccessEntry>.self).items.first?.at)
            let b = try #require(try second.decode(API.Page<API.AccessEntry>.self).items.first?.at)
            #expect(b <= a)

            // By period: tomorrow has nothing yet; a backwards period and a bad cursor are 422 naming the field.
            let tomorrow = OsloTime.localDate(at: Date()).adding(days: 1).description
            let empty: API.Page<API.AccessEntry> = try await api.get("/v1/me/children/\(emma.id)/access-log?from=\(tomorrow)", as: hilde)
            #expect(empty.items.isEmpty)
            let today = OsloTime.localDate(at: Date()).description
            #expect(try await api.call("GET", "/v1/me/children/\(emma.id)/access-log?from=\(tomorrow)&to=\(today)", as: hilde).fields == ["to"])
            #expect(try await api.call("GET", "/v1/me/children/\(emma.id)/access-log?cursor=abc", as: hilde).fields == ["cursor"])

            // Reading innsyn is itself logged.
            let rows = try await Self.accessRows(api, actor: hilde, child: emma.id)
            #expect(rows.filter { $0.resource == "access_log" && $0.basis == "guardian" }.count >= 4)
        }
    }

    @Test("innsyn with the municipality's name policy on: the reader's name is shown; one guardian suffices for the configured services")
    func innsynWithNames() async throws {
        try await withIntake(relaying: false, family: FamilyPolicy(oneGuardianServices: [.school, .ppt], innsynShowsNames: true)) { api in
            let w = api.world
            let emma = w.child("emma"), hilde = emma.guardians[0].id
            _ = try await api.call("GET", "/v1/children/\(emma.id)", as: w.person(.school, .teacher))
            let log: API.Page<API.AccessEntry> = try await api.get("/v1/me/children/\(emma.id)/access-log", as: hilde)
            #expect(log.items.contains { $0.actor.name == "Guri Solberg" })
            // School and PPT: one guardian is enough under this municipality's policy.
            let today = OsloTime.localDate(at: Date())
            let given = try await api.call("POST", "/v1/me/children/\(emma.id)/consents", as: hilde, json: [
                "services": ["school", "ppt"], "valid_from": today.description, "valid_until": today.adding(days: 30).description,
            ] as [String: Any])
            #expect(given.string("status") == "in_force" && given.string("guardian_rule") == "one_guardian")
        }
    }

    @Test("configuration: whose consent and names in innsyn are the municipality's choice")
    func configuration() throws {
        let configured = try IntakeConfiguration(environment: [
            "SAMTAK_CONSENT_ONE_GUARDIAN_SERVICES": "school,health_station", "SAMTAK_INNSYN_SHOW_NAMES": "true",
        ])
        #expect(configured.family.oneGuardianServices == [.school, .healthStation])
        #expect(configured.family.innsynShowsNames)
        let standard = try IntakeConfiguration(environment: [:])
        #expect(standard.family == .standard)
        #expect(throws: ConfigurationError.self) { try IntakeConfiguration(environment: ["SAMTAK_CONSENT_ONE_GUARDIAN_SERVICES": "skole"]) }
    }
}
