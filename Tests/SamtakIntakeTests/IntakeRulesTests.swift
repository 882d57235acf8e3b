import Foundation
import SamtakDomain
import SamtakIntake
import SamtakPostgres
import SamtakTestSupport
import Testing

@Suite("Intake API: bad input, consent and who may see what", .timeLimit(.minutes(3)))
struct IntakeRulesTests {
    struct BadRequest: Sendable, CustomStringConvertible {
        var name: String
        var method = "POST"
        var path: String
        var body: String?
        var contentType = "application/json"
        var status: Int
        var rule: String?
        var field: String?
        var description: String { name }
    }

    /// Each bad input gives the named 4xx with a problem body naming the field and rule.
    static let badRequests: [BadRequest] = [
        .init(name: "wrong content type", path: "/v1/units", body: "name=x", contentType: "application/x-www-form-urlencoded", status: 415),
        .init(name: "malformed JSON", path: "/v1/units", body: "{\"name\": ", status: 400),
        .init(name: "JSON that is not an object", path: "/v1/units", body: "[1,2]", status: 422, rule: "type"),
        .init(name: "unknown field", path: "/v1/units", body: #"{"name":"X","service":"school","colour":"red"}"#, status: 422, rule: "unknown_field", field: "colour"),
        .init(name: "missing field", path: "/v1/units", body: #"{"service":"school"}"#, status: 422, rule: "required", field: "name"),
        .init(name: "unknown enum value", path: "/v1/units", body: #"{"name":"X","service":"spaceport"}"#, status: 422, rule: "format", field: "service"),
        .init(name: "wrong type", path: "/v1/units", body: #"{"name":42,"service":"school"}"#, status: 422, rule: "type", field: "name"),
        .init(name: "empty name", path: "/v1/units", body: #"{"name":"  ","service":"school"}"#, status: 422, rule: "required", field: "name"),
        .init(name: "too long", path: "/v1/units", body: "{\"name\":\"\(String(repeating: "x", count: 300))\",\"service\":\"school\"}", status: 422, rule: "max_length", field: "name"),
        .init(name: "invalid UUID in body", path: "/v1/units", body: #"{"name":"X","service":"school","parent_id":"not-a-uuid"}"#, status: 422, rule: "format", field: "parent_id"),
        .init(name: "invalid UUID in path", method: "GET", path: "/v1/units/not-a-uuid", status: 422, rule: "format", field: "id"),
        .init(name: "unknown id", method: "GET", path: "/v1/units/3f1c2a00-0000-4000-8000-000000000000", status: 404),
        .init(name: "invalid RRULE", path: "/v1/arenas", body: #"{"name":"X","kind":"ressursteam","owner_unit_id":"UNIT","rrule":"FREQ=FORTNIGHTLY","series_start":"2027-01-05T14:00"}"#, status: 422, rule: "rrule", field: "rrule"),
        .init(name: "RRULE without start", path: "/v1/arenas", body: #"{"name":"X","kind":"ressursteam","owner_unit_id":"UNIT","rrule":"FREQ=MONTHLY;BYDAY=1TU"}"#, status: 422, rule: "required", field: "series_start"),
        .init(name: "invalid local time", path: "/v1/arenas", body: #"{"name":"X","kind":"ressursteam","owner_unit_id":"UNIT","rrule":"FREQ=MONTHLY","series_start":"2027-02-30T14:00"}"#, status: 422, rule: "format", field: "series_start"),
        .init(name: "capacity out of range", path: "/v1/arenas", body: #"{"name":"X","kind":"ressursteam","owner_unit_id":"UNIT","capacity":0}"#, status: 422, rule: "range", field: "capacity"),
        .init(name: "unknown participant field", path: "/v1/arenas", body: #"{"name":"X","kind":"ressursteam","owner_unit_id":"UNIT","participants":[{"role":"teacher","unit_id":"UNIT","vip":true}]}"#, status: 422, rule: "unknown_field", field: "participants[0].vip"),
        .init(name: "invalid date", path: "/v1/school-holidays", body: #"{"school_year":"2026/2027","name":"Høstferie","first_day":"2026-13-01","last_day":"2026-10-02"}"#, status: 422, rule: "format", field: "first_day"),
        .init(name: "holiday outside the school year", path: "/v1/school-holidays", body: #"{"school_year":"2026/2027","name":"X","first_day":"2025-10-01","last_day":"2025-10-02"}"#, status: 422, rule: "range", field: "first_day"),
        .init(name: "preview without rule", method: "GET", path: "/v1/recurrence/preview?start=2027-01-05T14:00&until=2027-03-01", status: 422, rule: "required", field: "rrule"),
        .init(name: "preview with a bad rule", method: "GET", path: "/v1/recurrence/preview?rrule=FREQ%3DWEEKLY%3BBYDAY%3D1TU&start=2027-01-05T14:00&until=2027-03-01", status: 422, rule: "rrule", field: "rrule"),
        .init(name: "bad page size", method: "GET", path: "/v1/units?limit=1000", status: 422, rule: "range", field: "limit"),
        .init(name: "forged cursor", method: "GET", path: "/v1/units?cursor=abc", status: 422, rule: "format", field: "cursor"),
        .init(name: "unknown route", method: "GET", path: "/v1/nowhere", status: 404),
    ]

    @Test("bad input gets a specific 4xx problem naming the field and rule", arguments: badRequests)
    func badInput(_ bad: BadRequest) async throws {
        try await withIntake { api in
            let admin = api.world.person(.municipality, .administrator)
            let body = bad.body?.replacingOccurrences(of: "UNIT", with: api.world.units[.school]!.uuidString)
            let response = try await api.call(bad.method, bad.path, as: admin, raw: body.map { Data($0.utf8) }, contentType: bad.contentType)
            #expect(response.status == bad.status, "\(bad.name): \(response.status) \(response.text)")
            #expect(response.headers["content-type"] == "application/problem+json")
            #expect(try response.decode(API.Problem.self).status == bad.status)
            if let rule = bad.rule { #expect(response.rules.contains(rule), "\(bad.name): \(response.text)") }
            if let field = bad.field { #expect(response.fields.contains(field), "\(bad.name): \(response.text)") }
            #expect(!response.text.contains("SQL") && !response.text.contains("Swift"))
        }
    }

    @Test("oversized bodies are refused with 413 and nothing is stored")
    func oversized() async throws {
        try await withIntake { api in
            let huge = "{\"name\":\"\(String(repeating: "x", count: 400_000))\",\"service\":\"school\"}"
            let response = try await api.call("POST", "/v1/units", as: api.world.person(.municipality, .administrator), raw: Data(huge.utf8))
            #expect(response.status == 413)
        }
    }

    @Test("identity numbers: valid ones are accepted and never returned; invalid ones are refused without echoing them")
    func identityNumbers() async throws {
        try await withIntake { api in
            let teacher = api.world.person(.school, .teacher)
            let valid = syntheticBirthNumber(day: 14, month: 3, year: 2016, individual: 512)
            let created = try await api.call("POST", "/v1/children", as: teacher, json: [
                "name": "Petter Ny", "national_id": valid, "unit_id": api.world.units[.school]!.uuidString, "grade": 5,
            ] as [String: Any])
            #expect(created.status == 201, "\(created.text)")
            #expect(try created.decode(API.Child.self).nationalIdRegistered)
            #expect(created.string("birth_date") == "2016-03-14")
            #expect(!created.text.contains(valid))
            let again = try await api.call("POST", "/v1/children", as: teacher, json: [
                "name": "Petter Ny", "national_id": valid, "unit_id": api.world.units[.school]!.uuidString,
            ])
            #expect(again.status == 409)
            #expect(!again.text.contains(valid))
            var wrong = Array(valid)
            wrong[10] = wrong[10] == "0" ? "1" : "0"
            for number in [String(wrong), "1234567890", "123456789012", "14031651X00", "31021651200"] {
                let refused = try await api.call("POST", "/v1/children", as: teacher, json: ["name": "X", "national_id": number])
                #expect(refused.status == 422, "\(number): \(refused.text)")
                #expect(refused.rules == ["national_identity_number"])
                #expect(!refused.text.contains(number))
            }
            // A D-number is accepted, and no birth date is derived from it.
            let dNumber = syntheticBirthNumber(day: 54, month: 3, year: 2016, individual: 512)  // day 14 + 40
            let d = try await api.call("POST", "/v1/children", as: teacher, json: [
                "name": "D Nummer", "national_id": dNumber, "unit_id": api.world.units[.school]!.uuidString,
            ])
            #expect(d.status == 201, "\(d.text)")
            #expect(!d.keys.contains("birth_date"))
        }
    }

    @Test("without valid authentication: 401 problems")
    func authentication() async throws {
        try await withIntake { api in
            let none = try await api.call("GET", "/v1/me", as: nil)
            #expect(none.status == 401)
            #expect(none.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            let forged = try await api.call("GET", "/v1/me", as: nil, headers: ["Authorization": "Bearer \(api.token(api.world.person(.school, .teacher)).dropLast(2))xx"])
            #expect(forged.status == 401)
            let other = JWTSigner(secret: String(repeating: "k", count: 40))
            let foreign = other.sign(.init(sub: api.world.person(.school, .teacher).uuidString, iss: "samtak", aud: "samtak-api",
                                           exp: Int(Date().timeIntervalSince1970) + 600, iat: Int(Date().timeIntervalSince1970)))
            #expect(try await api.call("GET", "/v1/me", as: nil, headers: ["Authorization": "Bearer \(foreign)"]).status == 401)
            let expired = api.configuration.token(for: api.world.person(.school, .teacher), lifetime: -3600)
            #expect(try await api.call("GET", "/v1/me", as: nil, headers: ["Authorization": "Bearer \(expired)"]).status == 401)
            let none2 = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0."
            #expect(try await api.call("GET", "/v1/me", as: nil, headers: ["Authorization": "Bearer \(none2)"]).status == 401)
            let stranger = try await api.call("GET", "/v1/me", as: UUID())
            #expect(stranger.status == 401)
        }
    }

    @Test("consent withdrawn: the child's data is no longer visible to the arena's participants; the owner keeps the case")
    func consentWithdrawal() async throws {
        try await withIntake { api in
            let arenaId = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let teacher = api.world.person(.school, .teacher)
            let nurse = api.world.person(.healthStation, .schoolNurse)
            let emma = api.world.child("emma")
            let consentId = try await api.recordConsent(child: emma, by: teacher, services: [.school, .healthStation, .ppt])
            let submitted = try await api.call("POST", "/v1/cases", as: teacher, json: [
                "arena_id": arenaId.uuidString, "kind": "named", "child_id": emma.id.uuidString, "grade": 5,
                "submitting_unit_id": api.world.units[.school]!.uuidString, "title": "Emma Nordli – trivsel", "concern": "Trives dårlig.",
            ] as [String: Any])
            let caseId = try #require(submitted.id)
            #expect(try await api.call("GET", "/v1/cases/\(caseId)", as: nurse).string("visibility") == "full")
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: nurse).status == 200)

            // The guardian withdraws the consent herself.
            let withdrawn = try await api.call("POST", "/v1/consents/\(consentId)/withdraw", as: emma.guardians[0].id)
            #expect(withdrawn.status == 200, "\(withdrawn.text)")
            #expect(try withdrawn.decode(API.StaffConsent.self).active == false)
            #expect(await api.tap.waitFor(ConsentWithdrawn.type, subject: consentId) != nil)

            let redacted = try await api.call("GET", "/v1/cases/\(caseId)", as: nurse)
            #expect(redacted.status == 200)
            #expect(redacted.string("visibility") == "redacted")
            #expect(redacted.string("title") == "Sak: elev 5. trinn, anonymisert")
            #expect(redacted.keys.isDisjoint(with: ["child", "concern"]))
            #expect(!redacted.text.contains("Emma"))
            #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: nurse).status == 404)
            #expect(try await api.call("GET", "/v1/cases/\(caseId)", as: teacher).string("visibility") == "full")
            // A new named case now needs a new consent.
            let refused = try await api.call("POST", "/v1/cases", as: teacher, json: [
                "arena_id": arenaId.uuidString, "kind": "named", "child_id": emma.id.uuidString,
                "submitting_unit_id": api.world.units[.school]!.uuidString, "title": "Ny sak", "concern": "x",
            ] as [String: Any])
            #expect(refused.string("code") == "consent_required")
            #expect(try await api.call("POST", "/v1/consents/\(consentId)/withdraw", as: teacher).status == 409)
        }
    }

    @Test("consent covers only the arenas and services it names; from 16 the young person consents to BUP too")
    func consentScope() async throws {
        try await withIntake { api in
            let ressursteam = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            _ = try await api.registerArena(api.arena(named: "Lokalt inntaksmøte BUP"))
            let teacher = api.world.person(.school, .teacher)
            let emma = api.world.child("emma")
            // School and health station only: PPT takes part in the ressursteam, so it is not covered...
            _ = try await api.recordConsent(child: emma, by: teacher, services: [.school, .healthStation])
            let body: [String: Any] = [
                "arena_id": ressursteam.uuidString, "kind": "named", "child_id": emma.id.uuidString,
                "submitting_unit_id": api.world.units[.school]!.uuidString, "title": "T", "concern": "C",
            ]
            let notCovered = try await api.call("POST", "/v1/cases", as: teacher, json: body)
            #expect(notCovered.rules == ["consent_does_not_cover_arena"])
            // ...unless the consent names the arena itself.
            _ = try await api.recordConsent(child: emma, by: teacher, services: [.school], arenas: [ressursteam])
            #expect(try await api.call("POST", "/v1/cases", as: teacher, json: body).status == 201)

            // Sara is 17: her guardians' consent alone does not cover a BUP referral.
            let sara = api.world.child("sara")
            let upper = api.world.person(.upperSecondary, .unitLeader)
            _ = try await api.recordConsent(child: sara, by: upper, services: [.bup, .ppt, .childWelfare, .healthStation, .municipalPsychologist, .school, .municipalAdministration])
            let guardians = sara.guardians.map { $0.id.uuidString }
            let referral: [String: Any] = [
                "target_service": "bup", "child_id": sara.id.uuidString, "submitting_unit_id": api.world.units[.upperSecondary]!.uuidString,
                "question": "Q", "measures_tried": "M", "current_services": [String](), "parental_responsibility": guardians,
                "daily_care": guardians, "consented_by": guardians,
            ]
            let refused = try await api.call("POST", "/v1/referrals", as: upper, json: referral)
            #expect(refused.rules == ["young_person_must_consent"], "\(refused.text)")
            _ = try await api.recordConsent(child: sara, by: upper, services: [.bup, .ppt, .childWelfare, .healthStation, .municipalPsychologist, .school, .municipalAdministration],
                                            youngPerson: true)
            #expect(try await api.call("POST", "/v1/referrals", as: upper, json: referral).status == 201)
        }
    }

    /// Who may do what: each role against each kind of endpoint, including another unit's data.
    @Test("authorization matrix: roles × endpoints")
    func authorizationMatrix() async throws {
        try await withIntake { api in
            let w = api.world
            let arenaId = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let emma = w.child("emma")
            _ = try await api.recordConsent(child: emma, by: w.person(.school, .teacher), services: [.school, .healthStation, .ppt])
            let named = try await api.call("POST", "/v1/cases", as: w.person(.school, .teacher), json: [
                "arena_id": arenaId.uuidString, "kind": "named", "child_id": emma.id.uuidString, "grade": 5,
                "submitting_unit_id": w.units[.school]!.uuidString, "title": "Emma – språk", "concern": "C",
            ] as [String: Any])
            let anonymous = try await api.call("POST", "/v1/cases", as: w.person(.school, .teacher), json: [
                "arena_id": arenaId.uuidString, "kind": "anonymous", "grade": 5,
                "submitting_unit_id": w.units[.school]!.uuidString, "title": "Elev 5. trinn", "concern": "Uro i timene.",
            ] as [String: Any])
            let namedId = try #require(named.id), anonymousId = try #require(anonymous.id)
            let newUnit = ["name": "Ny enhet", "service": "school"]

            struct Row { let who: String; let person: UUID; let createUnit: Int; let readChild: Int; let namedCase: Int; let namedVisibility: String?; let anonymousCase: Int; let submitToOtherUnit: Int }
            let rows: [Row] = [
                Row(who: "administrator", person: w.person(.municipality, .administrator), createUnit: 201, readChild: 404, namedCase: 404, namedVisibility: nil, anonymousCase: 404, submitToOtherUnit: 422),
                Row(who: "rektor (own unit, participant)", person: w.person(.school, .unitLeader), createUnit: 403, readChild: 200, namedCase: 200, namedVisibility: "full", anonymousCase: 200, submitToOtherUnit: 422),
                Row(who: "teacher (owner)", person: w.person(.school, .teacher), createUnit: 403, readChild: 200, namedCase: 200, namedVisibility: "full", anonymousCase: 200, submitToOtherUnit: 422),
                Row(who: "school nurse (participant, consent covers)", person: w.person(.healthStation, .schoolNurse), createUnit: 403, readChild: 200, namedCase: 200, namedVisibility: "full", anonymousCase: 200, submitToOtherUnit: 422),
                Row(who: "PPT advisor (participant, consent covers)", person: w.person(.ppt, .advisor), createUnit: 403, readChild: 200, namedCase: 200, namedVisibility: "full", anonymousCase: 200, submitToOtherUnit: 422),
                Row(who: "child welfare (not involved)", person: w.person(.childWelfare, .caseworker), createUnit: 403, readChild: 404, namedCase: 404, namedVisibility: nil, anonymousCase: 404, submitToOtherUnit: 422),
                Row(who: "BUP clinician (not involved)", person: w.person(.bup, .clinician), createUnit: 403, readChild: 404, namedCase: 404, namedVisibility: nil, anonymousCase: 404, submitToOtherUnit: 422),
                Row(who: "teacher at another school", person: w.person(.lowerSecondary, .teacher), createUnit: 403, readChild: 404, namedCase: 404, namedVisibility: nil, anonymousCase: 404, submitToOtherUnit: 422),
                Row(who: "Emma's guardian", person: emma.guardians[0].id, createUnit: 403, readChild: 200, namedCase: 200, namedVisibility: "full", anonymousCase: 404, submitToOtherUnit: 422),
                Row(who: "another child's guardian", person: w.child("noah").guardians[0].id, createUnit: 403, readChild: 404, namedCase: 404, namedVisibility: nil, anonymousCase: 404, submitToOtherUnit: 422),
            ]
            for row in rows {
                #expect(try await api.call("POST", "/v1/units", as: row.person, json: newUnit).status == row.createUnit, "\(row.who): create unit")
                #expect(try await api.call("GET", "/v1/children/\(emma.id)", as: row.person).status == row.readChild, "\(row.who): read child")
                let namedCase = try await api.call("GET", "/v1/cases/\(namedId)", as: row.person)
                #expect(namedCase.status == row.namedCase, "\(row.who): named case")
                #expect(namedCase.string("visibility") == row.namedVisibility, "\(row.who): named case visibility")
                #expect(try await api.call("GET", "/v1/cases/\(anonymousId)", as: row.person).status == row.anonymousCase, "\(row.who): anonymous case")
                let other = try await api.call("POST", "/v1/cases", as: row.person, json: [
                    "arena_id": arenaId.uuidString, "kind": "system", "submitting_unit_id": w.units[.lowerSecondary]!.uuidString,
                    "title": "T", "concern": "C",
                ] as [String: Any])
                #expect(other.status == row.submitToOtherUnit, "\(row.who): submit for another unit")
                // 404 answers are identical for a record that exists and one that does not.
                if row.namedCase == 404 {
                    let missing = try await api.call("GET", "/v1/cases/\(UUID())", as: row.person)
                    #expect(try missing.decode(API.Problem.self).title == namedCase.decode(API.Problem.self).title)
                }
            }
            // The published documents and /metrics (no personal data; a token only if SAMTAK_METRICS_TOKEN is set): every role, and no token.
            for path in ["/openapi.yaml", "/asyncapi.yaml", "/metrics"] {
                #expect(try await api.call("GET", path, as: nil).status == 200, "anonymous: \(path)")
                for row in rows { #expect(try await api.call("GET", path, as: row.person).status == 200, "\(row.who): \(path)") }
            }
            // Withdrawal: only the owner, the submitter or the unit leader.
            #expect(try await api.call("POST", "/v1/cases/\(namedId)/withdraw", as: w.person(.healthStation, .schoolNurse)).status == 403)
            #expect(try await api.call("POST", "/v1/cases/\(namedId)/withdraw", as: w.person(.childWelfare, .caseworker)).status == 404)
            #expect(try await api.call("POST", "/v1/cases/\(namedId)/withdraw", as: w.person(.school, .unitLeader)).status == 200)
            // Arenas and the register are readable by all staff, changed by administrators only.
            #expect(try await api.call("GET", "/v1/arenas/\(arenaId)", as: w.person(.bup, .clinician)).status == 200)
            #expect(try await api.call("POST", "/v1/arenas/\(arenaId)/deactivate", as: w.person(.school, .unitLeader)).status == 403)
        }
    }
}
