import Foundation
import SamtakPostgres
import SamtakDomain
import SamtakIntake
import SamtakTestSupport
import SamtakPostgres

/// The rows of the authorization matrix (``AuthorizationMatrixTests``): per endpoint, the
/// request each caller makes and the answer the access rules give them. A caller without a
/// token gets 401 on every /v1 endpoint (checked for all rows).
enum MatrixRows {
    typealias Actor = MatrixWorld.Actor
    typealias E = MatrixExpect

    static func fixed(_ path: String, _ body: [String: Any]? = nil) -> @Sendable (Actor) async throws -> MatrixRequest {
        let request = MatrixRequest(path: path, body: body)
        return { _ in request }
    }

    /// 201/200 for administrators, 403 for everyone else (the register's changes).
    static func administrators(_ success: Int) -> @Sendable (Actor) -> E {
        { $0.isAdministrator ? E(success) : E(403) }
    }

    /// Everyone authenticated reads it (no child data in it).
    static let everyone: @Sendable (Actor) -> E = { _ in E(200) }

    /// The child's record and what hangs on it: whoever may see Emma, else 404 naming nothing.
    static let emmasRecord: @Sendable (Actor) -> E = { $0.seesEmma ? E(200, namesChild: true) : E(404) }

    /// A change to Emma's coordination (log, plan, coordinator): writers `success`, guardians 403, others 404.
    static func logWriters(_ success: Int) -> @Sendable (Actor) -> E {
        { $0.logWriter ? E(success) : $0.isGuardian ? E(403) : E(404) }
    }

    static let logReaders: @Sendable (Actor) -> E = { $0.logReader ? E(200) : E(404) }

    static func all(_ w: MatrixWorld) -> [MatrixRow] {
        let emma = w.emma.id
        let today = OsloTime.localDate(at: Date())
        var rows: [MatrixRow] = [
            // Health and the document: no authentication.
            MatrixRow(endpoint: "GET /health/live", request: fixed("/health/live"), expect: everyone),
            MatrixRow(endpoint: "GET /health/ready", request: fixed("/health/ready"), expect: { _ in E(200, also: [503]) }),
            MatrixRow(endpoint: "GET /openapi.yaml", request: fixed("/openapi.yaml"), expect: everyone),
            MatrixRow(endpoint: "GET /asyncapi.yaml", request: fixed("/asyncapi.yaml"), expect: everyone),
            // Codes and route templates only (no ids, no personal data); behind SAMTAK_METRICS_TOKEN when set.
            MatrixRow(endpoint: "GET /metrics", request: fixed("/metrics"), expect: everyone),

            // The register: read by everyone, changed by administrators.
            MatrixRow(endpoint: "GET /v1/me", request: fixed("/v1/me"), expect: everyone),
            MatrixRow(endpoint: "GET /v1/me/tasks", request: fixed("/v1/me/tasks"), expect: everyone),
            MatrixRow(endpoint: "POST /v1/units", request: fixed("/v1/units", ["name": "Matriseskolen", "service": "school"]), expect: administrators(201)),
            MatrixRow(endpoint: "GET /v1/units", request: fixed("/v1/units"), expect: everyone),
            MatrixRow(endpoint: "GET /v1/units/{id}", request: fixed("/v1/units/\(w.school)"), expect: everyone),
            MatrixRow(endpoint: "POST /v1/people", request: fixed("/v1/people", ["name": "Matrise Ansatt"]), expect: administrators(201)),
            MatrixRow(endpoint: "GET /v1/people", request: fixed("/v1/people"), expect: everyone),
            MatrixRow(endpoint: "GET /v1/people/{id}", request: fixed("/v1/people/\(w.frode)"), expect: everyone),
            MatrixRow(endpoint: "POST /v1/people/{id}/memberships", request: { _ in
                MatrixRequest(path: "/v1/people/\(try await w.freshStaff())/memberships", body: ["unit_id": w.school.uuidString, "role": "teacher"])
            }, expect: administrators(201)),
            MatrixRow(endpoint: "POST /v1/arenas", request: fixed("/v1/arenas", ["name": "Matrisearena", "kind": "other", "owner_unit_id": w.school.uuidString]),
                      expect: administrators(201)),
            MatrixRow(endpoint: "GET /v1/arenas", request: fixed("/v1/arenas"), expect: everyone),
            MatrixRow(endpoint: "GET /v1/arenas/{id}", request: fixed("/v1/arenas/\(w.ressursteam)"), expect: everyone),
            MatrixRow(endpoint: "PUT /v1/arenas/{id}", request: { _ in
                let seed = w.api.arena(named: "Beslutningsteam")
                let id = try await w.api.registerArena(seed)
                var body = seed.requestBody(unitIds: w.api.world.units, ownerPersonId: nil)
                body["version"] = 1
                return MatrixRequest(path: "/v1/arenas/\(id)", body: body)
            }, expect: administrators(200)),
            MatrixRow(endpoint: "POST /v1/arenas/{id}/deactivate", request: { _ in
                MatrixRequest(path: "/v1/arenas/\(try await w.api.registerArena(w.api.arena(named: "Hjelpetjenesten")))/deactivate")
            }, expect: administrators(200)),
            MatrixRow(endpoint: "POST /v1/school-holidays", request: fixed("/v1/school-holidays", [
                "school_year": "2026/2027", "name": "Vinterferie", "first_day": "2027-02-22", "last_day": "2027-02-26",
            ]), expect: administrators(201)),
            MatrixRow(endpoint: "GET /v1/school-holidays", request: fixed("/v1/school-holidays"), expect: everyone),
            MatrixRow(endpoint: "GET /v1/recurrence/preview",
                      request: fixed("/v1/recurrence/preview?rrule=FREQ%3DMONTHLY%3BBYDAY%3D1TU&start=2027-01-05T14:00&until=2027-06-30"),
                      expect: everyone),

            // Children, guardians, consent.
            MatrixRow(endpoint: "POST /v1/children", request: fixed("/v1/children", ["name": "Ny Elev", "unit_id": w.school.uuidString, "grade": 1]),
                      // Finding 5's rule: the register's administrators, and the unit's own leader and teachers into
                      // their own unit; anyone else 403 whatever the number.
                      expect: { $0.isAdministrator || $0.responsibleAtSchool ? E(201) : E(403) }),
            MatrixRow(endpoint: "GET /v1/children", variant: "as a guardian", request: fixed("/v1/children"),
                      expect: { $0.isGuardian ? E(200, namesChild: true) : E(200, namesChild: false) }),
            MatrixRow(endpoint: "GET /v1/children", variant: "a unit's children", request: fixed("/v1/children?unit_id=\(w.school)"), expect: { a in
                let ownUnitRole = a.relation == .ownUnit && AccessPolicy.ownUnitRoles.contains(a.role!)
                return ownUnitRole || a.special == .submitter || a.special == .arenaOwner ? E(200, namesChild: true) : E(403)
            }),
            MatrixRow(endpoint: "GET /v1/children/{id}", request: fixed("/v1/children/\(emma)"), expect: emmasRecord),
            // Finding 4: guardianships come from the register (an administrator), not from staff. On a fresh child
            // (Emma's guardians stay as they are for the consent rows).
            MatrixRow(endpoint: "POST /v1/children/{id}/guardians", request: { _ in
                MatrixRequest(path: "/v1/children/\(try await w.freshChild().child)/guardians",
                              body: ["name": "Ny Foresatt", "parental_responsibility": true, "daily_care": true])
            }, expect: { $0.isAdministrator ? E(201, namesChild: false) : E(403) }),
            MatrixRow(endpoint: "POST /v1/children/{id}/guardians/{guardian_id}/end", request: { _ in
                let (child, guardian) = try await w.freshGuardianship()
                return MatrixRequest(path: "/v1/children/\(child)/guardians/\(guardian)/end", body: ["reason": "wrong_person"])
            }, expect: { $0.isAdministrator ? E(200, namesChild: false) : E(403) }),
            MatrixRow(endpoint: "GET /v1/children/{id}/consents", request: fixed("/v1/children/\(emma)/consents"), expect: { $0.seesEmma ? E(200) : E(404) }),
            MatrixRow(endpoint: "POST /v1/consents", request: fixed("/v1/consents", consentBody(w, services: ["school", "health_station", "ppt"])),
                      expect: { $0.staffSeesEmma ? E(201) : E(422) }),
            // Finding 1: the probe's consents are refused for everyone.
            // Staff who see Emma but neither work at her school in a role responsible for her nor in a service the
            // consent names may not record it (403); everyone else is refused by the rules (422).
            MatrixRow(endpoint: "POST /v1/consents", variant: "young person alone at 10 for police, child welfare, NAV",
                      request: fixed("/v1/consents", consentBody(w, services: ["police", "child_welfare", "nav"], guardians: false)),
                      expect: { $0.staffSeesEmma && !$0.responsibleAtSchool ? E(403) : E(422) }),
            MatrixRow(endpoint: "POST /v1/consents", variant: "police and NAV on a school's request",
                      request: fixed("/v1/consents", consentBody(w, services: ["school", "police", "nav"])),
                      expect: { $0.staffSeesEmma && !$0.worksAtSchool ? E(403) : E(422) }),
            MatrixRow(endpoint: "POST /v1/consents", variant: "one service 10,000 times",
                      request: fixed("/v1/consents", consentBody(w, services: Array(repeating: "school", count: 10_000))),
                      expect: { _ in E(422) }),
            MatrixRow(endpoint: "GET /v1/consents/{id}", request: fixed("/v1/consents/\(w.consent)"), expect: { $0.seesEmma ? E(200) : E(404) }),
            MatrixRow(endpoint: "POST /v1/consents/{id}/withdraw", request: { _ in
                MatrixRequest(path: "/v1/consents/\(try await w.freshConsent())/withdraw")
            }, expect: { $0.seesEmma ? E(200) : E(404) }),
            MatrixRow(endpoint: "POST /v1/consents/{id}/end", request: { _ in
                MatrixRequest(path: "/v1/consents/\(try await w.freshConsent())/end", body: ["reason": "recorded_in_error"])
            }, expect: { $0.isAdministrator ? E(200, namesChild: false) : E(403) }),

            // Cases and referrals.
            MatrixRow(endpoint: "POST /v1/cases", request: fixed("/v1/cases", caseBody(w, owner: nil)),
                      expect: { $0.worksAtSchool ? E(201, namesChild: true) : E(422) }),
            // Finding 2: naming a police officer as the owner is refused for everyone.
            MatrixRow(endpoint: "POST /v1/cases", variant: "owner_id a police officer", request: fixed("/v1/cases", caseBody(w, owner: w.police)),
                      expect: { _ in E(422) }),
            MatrixRow(endpoint: "GET /v1/cases", request: fixed("/v1/cases"),
                      expect: { a in E(200, namesChild: seesNamedCase(a) || seesReferral(a) ? nil : false) }),
            MatrixRow(endpoint: "GET /v1/cases/{id}", request: fixed("/v1/cases/\(w.named)"), expect: { a in
                if seesNamedCase(a) { return E(200, namesChild: true) }
                return a.special == .policeOwner ? E(200, namesChild: false) : E(404)
            }),
            MatrixRow(endpoint: "POST /v1/cases/{id}/withdraw", request: { _ in
                MatrixRequest(path: "/v1/cases/\(try await w.freshCase())/withdraw")
            }, expect: { a in
                if a.special == .submitter || a.ressursteamOrganiser { return E(200) }
                return seesNamedCase(a) ? E(403) : E(404)
            }),
            MatrixRow(endpoint: "POST /v1/referrals", request: fixed("/v1/referrals", w.referralBody),
                      expect: { $0.worksAtSchool ? E(201, namesChild: true) : E(422) }),
            MatrixRow(endpoint: "GET /v1/referrals/{id}", request: fixed("/v1/referrals/\(w.referral)"), expect: { a in
                seesReferral(a) ? E(200, namesChild: true) : E(404)
            }),
            MatrixRow(endpoint: "POST /v1/referrals/{id}/withdraw", request: { _ in
                MatrixRequest(path: "/v1/referrals/\(try await w.freshCase(referral: true))/withdraw")
            }, expect: { a in
                if a.special == .submitter || a.ressursteamOrganiser { return E(200) }
                return seesReferral(a) ? E(403) : E(404)
            }),
            // Finding 2: an owner without a basis does not complete a referral about the child.
            MatrixRow(endpoint: "POST /v1/referrals/{id}/resubmit", request: { _ in
                MatrixRequest(path: "/v1/referrals/\(try await w.freshCase(referral: true, owner: w.police, status: "awaiting_information"))/resubmit",
                              body: ["question": "Mer informasjon"])
            }, expect: { a in
                if a.special == .submitter { return E(200) }
                return seesReferral(a) || a.special == .policeOwner ? E(403) : E(404)
            }),

            // Meetings (finding 7: the administrator is no organiser).
            MatrixRow(endpoint: "GET /v1/meetings", request: fixed("/v1/meetings?arena_id=\(w.ressursteam)"),
                      expect: { a in E(200, namesChild: seesNamedCase(a) ? nil : false) }),
            MatrixRow(endpoint: "GET /v1/meetings/{id}", request: fixed("/v1/meetings/\(w.meeting)"), expect: seesMeeting),
            MatrixRow(endpoint: "POST /v1/meetings/{id}/cancel", request: { _ in
                MatrixRequest(path: "/v1/meetings/\(try await w.freshMeeting(status: "planned"))/cancel")
            }, expect: organises),
            MatrixRow(endpoint: "POST /v1/meetings/{id}/publish-agenda", request: { _ in
                MatrixRequest(path: "/v1/meetings/\(try await w.freshMeeting(status: "planned"))/publish-agenda")
            }, expect: organises),
            // No minutes written yet: an empty document for those who see the meeting.
            MatrixRow(endpoint: "GET /v1/meetings/{id}/minutes", request: fixed("/v1/meetings/\(w.meeting)/minutes"),
                      expect: { a in let e = seesMeeting(a); return e.status == 200 ? E(200, namesChild: seesNamedCase(a) ? nil : false) : e }),
            MatrixRow(endpoint: "PUT /v1/meetings/{id}/minutes", request: { _ in
                MatrixRequest(path: "/v1/meetings/\(try await w.freshMeeting(status: "agenda_published"))/minutes", body: ["version": 0, "general_notes": "Notat"])
            }, expect: { $0.ressursteamParticipant ? E(200) : E(404) }),
            MatrixRow(endpoint: "POST /v1/meetings/{id}/minutes/approve", request: { _ in
                MatrixRequest(path: "/v1/meetings/\(try await w.freshMeeting(status: "held", minutes: true))/minutes/approve")
            }, expect: organises),
            MatrixRow(endpoint: "GET /v1/meetings/{id}/deliveries", request: fixed("/v1/meetings/\(w.meeting)/deliveries"),
                      expect: { $0.special == .uncoveredParticipant || $0.special == .submitter ? E(403) : organises($0) }),
            // Participants: the list names no child; inviting and withdrawing are the organiser's.
            MatrixRow(endpoint: "GET /v1/meetings/{id}/participants", request: fixed("/v1/meetings/\(w.meeting)/participants"),
                      expect: { a in seesMeeting(a).status == 200 ? E(200, namesChild: false) : E(404) }),
            MatrixRow(endpoint: "POST /v1/meetings/{id}/participants", request: { _ in
                MatrixRequest(path: "/v1/meetings/\(try await w.freshMeeting(status: "planned"))/participants",
                              body: ["person_id": w.police.uuidString])
            }, expect: { a in let e = organises(a); return e.status == 200 ? E(201, namesChild: false) : e }),
            MatrixRow(endpoint: "DELETE /v1/meetings/{id}/participants/{personId}", request: { _ in
                let meeting = try await w.freshMeeting(status: "planned")
                try await w.api.sql { connection in
                    try connection.execute("INSERT INTO meeting_participants (meeting_id, person_id) VALUES (\(meeting), \(w.police))")
                }
                return MatrixRequest(path: "/v1/meetings/\(meeting)/participants/\(w.police)")
            }, expect: { a in
                // The invitee takes part (sees the meeting) but does not organise it.
                if a.special == .policeOwner { return E(403) }
                let e = organises(a)
                return e.status == 200 ? E(200, namesChild: false) : e
            }),
            MatrixRow(endpoint: "POST /v1/meetings/{id}/reschedule", request: { _ in
                MatrixRequest(path: "/v1/meetings/\(try await w.freshCalledMeeting())/reschedule", body: ["starts_at": When.local(300, 9)])
            }, expect: { a in
                if a.special == .submitter { return E(200) }
                return a.isGuardian || a.special == .samarbeidOwner ? E(403) : E(404)
            }),
            MatrixRow(endpoint: "POST /v1/children/{id}/meetings", request: fixed("/v1/children/\(emma)/meetings", [
                "arena_id": w.samarbeid.uuidString, "starts_at": When.local(60, 10), "participant_ids": [w.hilde.uuidString],
                "agenda": [["title": "Status"]],
            ]), expect: logWriters(201)),
            MatrixRow(endpoint: "GET /v1/children/{id}/meetings", request: fixed("/v1/children/\(emma)/meetings"), expect: { $0.seesEmma ? E(200) : E(404) }),

            // Coordination.
            MatrixRow(endpoint: "GET /v1/children/{id}/coordinator", request: fixed("/v1/children/\(emma)/coordinator"),
                      expect: { $0.seesEmma ? E(200) : E(404) }),
            MatrixRow(endpoint: "POST /v1/children/{id}/coordinator", request: { _ in
                MatrixRequest(path: "/v1/children/\(try await w.freshChild().child)/coordinator", body: ["person_id": w.tone.uuidString, "kind": "stafettholder"])
            }, expect: logWriters(201)),
            MatrixRow(endpoint: "POST /v1/children/{id}/coordinator/release", request: { _ in
                MatrixRequest(path: "/v1/children/\(try await w.freshChild(coordinator: true).child)/coordinator/release")
            }, expect: logWriters(200)),
            MatrixRow(endpoint: "POST /v1/children/{id}/coordinator/handovers", request: { _ in
                MatrixRequest(path: "/v1/children/\(try await w.freshChild(coordinator: true).child)/coordinator/handovers",
                              body: ["to_person_id": w.nurse.uuidString])
            }, expect: { a in a.special == .coordinator ? E(201) : a.seesEmma ? E(403) : E(404) }),
            MatrixRow(endpoint: "GET /v1/coordinator-handovers/{id}", request: fixed("/v1/coordinator-handovers/\(w.handover)"),
                      expect: { $0.seesEmma ? E(200) : E(404) }),
            MatrixRow(endpoint: "POST /v1/coordinator-handovers/{id}/accept", request: { _ in
                MatrixRequest(path: "/v1/coordinator-handovers/\(try await w.freshHandover())/accept")
            }, expect: { $0.special == .coordinator ? E(403) : E(404) }),
            MatrixRow(endpoint: "POST /v1/coordinator-handovers/{id}/decline", request: { _ in
                MatrixRequest(path: "/v1/coordinator-handovers/\(try await w.freshHandover())/decline")
            }, expect: { $0.special == .coordinator ? E(403) : E(404) }),
            MatrixRow(endpoint: "POST /v1/coordinator-handovers/{id}/cancel", request: { _ in
                MatrixRequest(path: "/v1/coordinator-handovers/\(try await w.freshHandover())/cancel")
            }, expect: { $0.special == .coordinator ? E(200) : E(404) }),
            MatrixRow(endpoint: "GET /v1/children/{id}/coordination-log", request: fixed("/v1/children/\(emma)/coordination-log"), expect: logReaders),
            MatrixRow(endpoint: "POST /v1/children/{id}/coordination-log", request: { _ in
                MatrixRequest(path: "/v1/children/\(try await w.freshChild().child)/coordination-log")
            }, expect: logWriters(201)),
            MatrixRow(endpoint: "GET /v1/coordination-logs/{id}", request: fixed("/v1/coordination-logs/\(w.log)"), expect: logReaders),
            MatrixRow(endpoint: "POST /v1/coordination-logs/{id}/measures", request: fixed("/v1/coordination-logs/\(w.log)/measures", [
                "description": "Lesekurs", "owner_id": w.tone.uuidString, "starts_on": today.description, "evaluation_due_on": today.adding(days: 30).description,
            ]), expect: logWriters(201)),
            MatrixRow(endpoint: "POST /v1/coordination-logs/{id}/notes", request: fixed("/v1/coordination-logs/\(w.log)/notes", ["kind": "progress", "text": "Går bra."]),
                      expect: logWriters(201)),
            MatrixRow(endpoint: "POST /v1/coordination-logs/{id}/close", request: { _ in
                MatrixRequest(path: "/v1/coordination-logs/\(try await w.freshChild(log: true).log!)/close", body: ["reason": "goals_reached"])
            }, expect: logWriters(200)),
            MatrixRow(endpoint: "GET /v1/coordination-logs/{id}/export", request: fixed("/v1/coordination-logs/\(w.log)/export"), expect: logReaders),
            MatrixRow(endpoint: "POST /v1/coordination-measures/{id}/evaluation", request: { _ in
                MatrixRequest(path: "/v1/coordination-measures/\(try await w.freshMeasure())/evaluation", body: ["evaluation": "Nådd.", "outcome": "completed"])
            }, expect: logWriters(200)),
            MatrixRow(endpoint: "GET /v1/children/{id}/individual-plan", request: fixed("/v1/children/\(emma)/individual-plan"), expect: logReaders),
            MatrixRow(endpoint: "POST /v1/children/{id}/individual-plan", request: { _ in
                MatrixRequest(path: "/v1/children/\(try await w.freshChild().child)/individual-plan", body: ["goals": ["Lese"], "responsible_services": ["ppt"]])
            }, expect: logWriters(201)),
            MatrixRow(endpoint: "PUT /v1/individual-plans/{id}", request: { _ in
                MatrixRequest(path: "/v1/individual-plans/\(try await w.freshPlan())", body: ["goals": ["Lese", "Skrive"], "responsible_services": ["ppt"], "version": 1])
            }, expect: logWriters(200)),
            MatrixRow(endpoint: "POST /v1/individual-plans/{id}/measures", request: fixed("/v1/individual-plans/\(w.plan)/measures", [
                "description": "Lesetrening", "owner_id": w.tone.uuidString, "starts_on": today.description, "evaluation_due_on": today.adding(days: 30).description,
            ]), expect: logWriters(201)),
            MatrixRow(endpoint: "GET /v1/children/{id}/timeline", request: fixed("/v1/children/\(emma)/timeline"), expect: { $0.seesEmma ? E(200) : E(404) }),

            // Transitions (finding 3: the receiving school reads nothing of an item on a general consent).
            MatrixRow(endpoint: "POST /v1/transition-seasons", request: fixed("/v1/transition-seasons", [
                "school_year": When.schoolYear, "stage": "primary_to_lower_secondary", "arena_id": w.transition.uuidString,
                "receiving_unit_id": w.lowerSecondary.uuidString,
                "meetings": [["sending_unit_id": w.school.uuidString, "starts_at": When.local(45, 12), "children": [[String: String]]()]],
            ]), expect: { $0.special == .receivingRektor ? E(201) : E(403) }),
            MatrixRow(endpoint: "GET /v1/transition-seasons/{id}", request: fixed("/v1/transition-seasons/\(w.season)"), expect: { a in
                if a.isGuardian { return E(200, namesChild: true) }
                return a.transitionParticipant ? E(200, namesChild: false) : E(404)
            }),
            MatrixRow(endpoint: "GET /v1/transition-items/{id}", request: fixed("/v1/transition-items/\(w.item)"), expect: { a in
                if a.isGuardian { return E(200, namesChild: true) }
                return a.transitionParticipant ? E(200, namesChild: false) : E(404)
            }),
            MatrixRow(endpoint: "PUT /v1/transition-items/{id}", request: fixed("/v1/transition-items/\(w.item)", ["school_situation": "Trives."]),
                      expect: { $0.isGuardian ? E(403) : E(404) }),

            // Families (issue 17): a guardian with parental responsibility sees exactly her own child; everyone else 404
            // (the list is empty for them). Consents given here name only what Emma's consent already covers.
            MatrixRow(endpoint: "GET /v1/me/children", request: fixed("/v1/me/children"),
                      expect: { $0.isGuardian ? E(200, namesChild: true) : E(200, namesChild: false) }),
            MatrixRow(endpoint: "GET /v1/me/children/{id}", request: fixed("/v1/me/children/\(emma)"),
                      expect: { $0.isGuardian ? E(200, namesChild: true) : E(404) }),
            MatrixRow(endpoint: "POST /v1/me/children/{id}/consents", request: fixed("/v1/me/children/\(emma)/consents", [
                "services": ["school"], "valid_from": today.description, "valid_until": today.adding(days: 30).description,
            ]), expect: { $0.isGuardian ? E(201) : E(404) }),
            MatrixRow(endpoint: "POST /v1/me/consent-proposals/{id}/sign", request: { _ in
                // A fresh consent given by Emma's other guardian, waiting for Hilde.
                let given = try await w.api.call("POST", "/v1/me/children/\(emma)/consents", as: w.emma.guardians[1].id, json: [
                    "services": ["school", "ppt"], "valid_from": today.description, "valid_until": today.adding(days: 30).description,
                ] as [String: Any])
                guard let id = given.id else { throw MissingTestDependency("matrix proposal: \(given.text)") }
                return MatrixRequest(path: "/v1/me/consent-proposals/\(id)/sign")
            }, expect: { $0.isGuardian ? E(200) : E(404) }),
            MatrixRow(endpoint: "POST /v1/me/consent-proposals/{id}/cancel", request: { _ in
                // A fresh consent Hilde gave, waiting for Emma's other guardian: only Hilde (who signed it) cancels it.
                let given = try await w.api.call("POST", "/v1/me/children/\(emma)/consents", as: w.hilde, json: [
                    "services": ["school", "ppt"], "valid_from": today.description, "valid_until": today.adding(days: 30).description,
                ] as [String: Any])
                guard let id = given.id else { throw MissingTestDependency("matrix proposal to cancel: \(given.text)") }
                return MatrixRequest(path: "/v1/me/consent-proposals/\(id)/cancel")
            }, expect: { $0.isGuardian ? E(200) : E(404) }),
            MatrixRow(endpoint: "GET /v1/me/children/{id}/access-log", request: fixed("/v1/me/children/\(emma)/access-log"),
                      expect: { $0.isGuardian ? E(200, namesChild: false) : E(404) }),
            MatrixRow(endpoint: "POST /v1/children/{id}/young-person", request: { _ in
                MatrixRequest(path: "/v1/children/\(try await w.freshChild().child)/young-person", body: [String: Any]())
            }, expect: administrators(201)),
            MatrixRow(endpoint: "POST /v1/me/consents/{id}/narrow", request: { _ in
                // A fresh school-only consent Hilde gave herself, to be ended earlier.
                let given = try await w.api.call("POST", "/v1/me/children/\(emma)/consents", as: w.hilde, json: [
                    "services": ["school"], "valid_from": today.description, "valid_until": today.adding(days: 30).description,
                ] as [String: Any])
                guard let id = given.string("consent_id") else { throw MissingTestDependency("matrix consent: \(given.text)") }
                return MatrixRequest(path: "/v1/me/consents/\(id)/narrow", body: ["valid_until": today.adding(days: 10).description])
            }, expect: { $0.isGuardian ? E(201) : E(404) }),
            // BUP intake (issue 16): a rejected referral's follow-up task, owned by Emma's coordinator (PPT): only the
            // owner (or the intake arena's owner) closes it; anyone else learns nothing (404). The list is the caller's own.
            MatrixRow(endpoint: "GET /v1/referral-follow-ups", request: fixed("/v1/referral-follow-ups"), expect: everyone),
            MatrixRow(endpoint: "POST /v1/referral-follow-ups/{id}/close", request: { _ in
                MatrixRequest(path: "/v1/referral-follow-ups/\(try await freshFollowUp(w))/close", body: ["outcome": "new_referral"])
            }, expect: { [.coordinator, .arenaOwner].contains($0.special) ? E(200) : E(404) }),
            MatrixRow(endpoint: "GET /v1/referral-follow-up-owners", request: fixed("/v1/referral-follow-up-owners"),
                      expect: { $0.isGuardianAccount ? E(403) : E(200) }),
            // Notes are written by the referral's intake arena's participants; the PPT referral has no intake arena:
            // whoever sees it is refused (403), anyone else learns nothing (404).
            MatrixRow(endpoint: "POST /v1/referrals/{id}/notes", request: fixed("/v1/referrals/\(w.referral)/notes", [
                "text": "PPT kjenner familien.", "unit_id": w.school.uuidString,
            ]), expect: { seesReferral($0) ? E(403) : E(404) }),
            MatrixRow(endpoint: "GET /v1/referrable-children", request: fixed("/v1/referrable-children?target_service=ppt"),
                      expect: { E(200, namesChild: $0.staffSeesEmma) }),
            // Issue 16: the caller's own seasons (no child named); a child's arrangements only by the meeting's organiser who
            // sees the child in full: the item stands on Emma's general consent, so the receiving rektor does not, and her
            // guardian (who does) is refused.
            MatrixRow(endpoint: "GET /v1/transition-seasons", request: fixed("/v1/transition-seasons"), expect: everyone),
            MatrixRow(endpoint: "POST /v1/transition-items/{id}/arrangements", request: fixed("/v1/transition-items/\(w.item)/arrangements", [
                "attends_sfo": false, "special_needs_support": false,
            ]), expect: { $0.isGuardian ? E(403) : E(404) }),
            MatrixRow(endpoint: "POST /v1/transition-items/{id}/ansvarsgruppe", request: fixed("/v1/transition-items/\(w.item)/ansvarsgruppe", [
                "starts_at": When.local(40, 13),
            ]), expect: { $0.isGuardian ? E(403) : E(404) }),
        ]
        rows += talks(w) + asNeeded(w) + arenaFlows(w)
        // Issue 16, the coordinator's pages: who may be asked around Emma (staff the consent covers, her family).
        rows.append(MatrixRow(endpoint: "GET /v1/children/{id}/coordinator/candidates", request: fixed("/v1/children/\(emma)/coordinator/candidates"),
                              expect: { $0.staffSeesEmma ? E(200) : $0.isGuardian ? E(403) : E(404) }))
        rows.sort { $0.endpoint < $1.endpoint }
        return rows
    }

    /// Issue 18's special flows. Beredskap mot mobbing: a team around Emma is set up by staff of her
    /// own school and read by those it is for (the rektor, its responsible, members, who set it up;
    /// the school's other staff get an empty list and 404 for the team; 404 for anyone else); only
    /// the rektor delegates (403 for the school's other staff).
    static func arenaFlows(_ w: MatrixWorld) -> [MatrixRow] {
        let emma = w.emma.id
        @Sendable func freshTeam() async throws -> String {
            let team = try await w.api.call("POST", "/v1/bullying-teams", as: w.guri, json: [
                "child_id": emma.uuidString, "responsible_id": w.guri.uuidString,
            ] as [String: Any])
            guard let id = team.id else { throw MissingTestDependency("matrix bullying team: \(team.text)") }
            return id.uuidString
        }
        let isRektor: @Sendable (Actor) -> Bool = { ($0.relation == .ownUnit && $0.role == .unitLeader) || $0.special == .arenaOwner }
        // A team is seen by those it is for (BullyingTeam.maySee): here the rektor and Guri, who set it up and is responsible.
        let seesTeam: @Sendable (Actor) -> Bool = { $0.worksAtSchool && (isRektor($0) || $0.id == w.guri) }
        return [
            MatrixRow(endpoint: "POST /v1/bullying-teams", request: fixed("/v1/bullying-teams", [
                "child_id": emma.uuidString, "responsible_id": w.guri.uuidString,
            ]), expect: { $0.worksAtSchool ? E(201, namesChild: true) : E(404) }),
            MatrixRow(endpoint: "GET /v1/bullying-teams", request: { _ in
                _ = try await freshTeam()
                return MatrixRequest(path: "/v1/bullying-teams?child_id=\(emma)")
            }, expect: { seesTeam($0) ? E(200, namesChild: true) : $0.worksAtSchool ? E(200) : E(404) }),
            MatrixRow(endpoint: "GET /v1/bullying-teams/{id}", request: { _ in
                MatrixRequest(path: "/v1/bullying-teams/\(try await freshTeam())")
            }, expect: { seesTeam($0) ? E(200, namesChild: true) : E(404) }),
            MatrixRow(endpoint: "POST /v1/bullying-teams/{id}/delegation", request: { _ in
                MatrixRequest(path: "/v1/bullying-teams/\(try await freshTeam())/delegation", body: ["to_person_id": w.guri.uuidString])
            }, expect: { isRektor($0) ? E(200) : $0.worksAtSchool ? E(403) : E(404) }),
        ] + discussionTeam(w)
    }

    /// Drøftingsteam barnehage: a case from the kindergarten (Oda, about Oskar: anonymous for a reflecting team; named,
    /// with a consent naming the team, for an observation). Its owner asks (no actor here: the integration test has it);
    /// the team's participants who see the case (PPT's advisors) are refused the request (403), read it and give the
    /// feedback; everyone else (Emma's school, her family, other services) learns nothing (404).
    static func discussionTeam(_ w: MatrixWorld) -> [MatrixRow] {
        let seed = w.api.world, oskar = seed.child("oskar"), oda = seed.person(.kindergarten, .teacher)
        @Sendable func freshCase(named: Bool) async throws -> UUID {
            let arena = try await w.api.registerArena(w.api.arena(named: "Drøftingsteam barnehage"))
            var body: [String: Any] = [
                "arena_id": arena.uuidString, "kind": named ? "named" : "anonymous", "grade": 0,
                "submitting_unit_id": seed.units[.kindergarten]!.uuidString, "title": named ? "Oskar Lyng – observasjon" : "Barn – refleksjon",
                "concern": "Uro i gruppen.",
            ]
            if named {
                _ = try await w.api.recordConsent(child: oskar, by: oda, services: [.kindergarten], arenas: [arena])
                body["child_id"] = oskar.id.uuidString
            }
            let created = try await w.api.call("POST", "/v1/cases", as: oda, json: body)
            guard let id = created.id else { throw MissingTestDependency("matrix drøftingsteam case: \(created.text)") }
            return id
        }
        @Sendable func asked(named: Bool) async throws -> UUID {
            let id = try await freshCase(named: named)
            let answer = try await w.api.call("POST", "/v1/cases/\(id)/discussion-team", as: oda,
                                              json: ["mode": named ? "observation" : "reflecting_team"])
            guard answer.status == 201 else { throw MissingTestDependency("matrix drøftingsteam request: \(answer.text)") }
            return id
        }
        let pptAdvisor: @Sendable (Actor) -> Bool = { ($0.relation == .consent && $0.role == .advisor) || $0.special == .coordinator }
        return [
            MatrixRow(endpoint: "POST /v1/cases/{id}/discussion-team", request: { _ in
                MatrixRequest(path: "/v1/cases/\(try await freshCase(named: false))/discussion-team", body: ["mode": "reflecting_team"])
            }, expect: { pptAdvisor($0) ? E(403) : E(404) }),
            MatrixRow(endpoint: "GET /v1/cases/{id}/discussion-team", request: { _ in
                MatrixRequest(path: "/v1/cases/\(try await asked(named: false))/discussion-team")
            }, expect: { pptAdvisor($0) ? E(200) : E(404) }),
            MatrixRow(endpoint: "POST /v1/cases/{id}/discussion-team/feedback", request: { _ in
                MatrixRequest(path: "/v1/cases/\(try await asked(named: true))/discussion-team/feedback", body: ["feedback": "Observert i lek."])
            }, expect: { pptAdvisor($0) ? E(200) : E(404) }),
        ]
    }

    /// A follow-up task of a rejected referral about Emma, owned by her coordinator (PPT), in the
    /// ressursteam's arena (whose owner may close it too).
    static func freshFollowUp(_ w: MatrixWorld) async throws -> UUID {
        let caseId = try await w.freshCase(referral: true, status: "closed")
        let id = UUID()
        try await w.api.sql { connection in
            try connection.execute("""
                INSERT INTO referral_follow_ups (id, case_id, meeting_id, arena_id, owner_id, due_on)
                VALUES (\(id), \(caseId), \(w.meeting), \(w.ressursteam), \(w.tone), \(OsloTime.localDate(at: Date()).adding(days: 14)))
                """)
        }
        return id
    }

    // MARK: Who sees what

    /// Sees the named case on the ressursteam (Emma's consent covers the school, health station and PPT):
    /// her guardian, the school's staff (the submitting unit), and the participants the consent covers.
    static func seesNamedCase(_ a: Actor) -> Bool {
        a.isGuardian || a.worksAtSchool || (a.ressursteamParticipant && a.staffSeesEmma)
    }

    /// Sees the referral to PPT: her guardian, the school (which submitted it), and PPT (where it goes).
    static func seesReferral(_ a: Actor) -> Bool {
        a.isGuardian || a.worksAtSchool || (a.relation == .consent && !a.isAdministrator) || a.special == .coordinator
    }

    /// The ressursteam meeting: its participants, and whoever sees one of its cases in full.
    static let seesMeeting: @Sendable (Actor) -> E = { a in
        if a.ressursteamParticipant || a.special == .uncoveredParticipant { return E(200, namesChild: seesNamedCase(a) ? true : false) }
        return seesNamedCase(a) ? E(200, namesChild: true) : E(404)
    }

    /// Organiser's actions on a ressursteam meeting: the organiser, 403 to other participants, 404 to the rest.
    static let organises: @Sendable (Actor) -> E = { a in
        a.ressursteamOrganiser ? E(200) : a.ressursteamParticipant ? E(403) : E(404)
    }

    static func consentBody(_ w: MatrixWorld, services: [String], guardians: Bool = true) -> [String: Any] {
        ["child_id": w.emma.id.uuidString, "given_by": guardians ? w.emma.guardians.map(\.id.uuidString) : [String](),
         "young_person_consented": !guardians, "services": services, "valid_from": "2026-01-01", "method": "written"]
    }

    static func caseBody(_ w: MatrixWorld, owner: UUID?) -> [String: Any] {
        var body: [String: Any] = [
            "arena_id": w.ressursteam.uuidString, "kind": "named", "child_id": w.emma.id.uuidString, "grade": 5,
            "submitting_unit_id": w.school.uuidString, "title": "\(MatrixWorld.childName) – ny sak", "concern": "Bekymring.",
        ]
        if let owner { body["owner_id"] = owner.uuidString }
        return body
    }
}
