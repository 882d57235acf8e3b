import Foundation
import SamtakDomain
import SamtakIntake
import SamtakPostgres
import SamtakTestSupport
import Synchronization
import Testing

/// # The authorization matrix: every endpoint × role × relation
///
/// Every route of the intake router (the list comes from the router itself, so a new
/// endpoint without a row here fails the test, and every route must be in `openapi.yaml`)
/// is called by every role in each relation to one child, Emma:
///
/// - **own unit**: a member of Emma's school in that role;
/// - **consent basis**: a member of PPT in that role (Emma's guardians consented to the
///   school, the health station and PPT sharing);
/// - **none**: a member of child welfare in that role (not covered);
///
/// and by the people whose relation the probe of issue 12 abused: Emma's guardian, a
/// guardian with neither parental responsibility nor daily care (finding 4), another
/// child's guardian, a police officer named as the owner of Emma's case (finding 2), the
/// receiving school's rektor of a transition item stored on Emma's general consent
/// (finding 3), the owner of the samarbeidsmøte arena (finding 7), the ressursteam's
/// owner, a child-welfare participant the consent does not cover, the teacher who submitted
/// the case, Emma's coordinator, and nobody (no token). The administrator role in each
/// relation covers finding 7; the consent rows with the probe's bodies cover finding 1.
///
/// Each row states the expected status per caller, and whether the answer may name the
/// child ("Emma Nordli" must not appear in any answer to a caller without a basis). Calls
/// that change something get a fresh target per caller, so each answer is the rule's, not
/// the previous caller's leftover state.
@Suite("Authorization matrix: every endpoint × role × relation", .timeLimit(.minutes(10)))
struct AuthorizationMatrixTests {
    @Test("every endpoint answers every role in every relation as the access rules say")
    func matrix() async throws {
        // No relay: the matrix makes about a thousand changes and asserts no events (the other tests do).
        try await withIntake(relaying: false) { api in
            let world = try await MatrixWorld.build(api)
            let rows = MatrixRows.all(world)

            // Every route has a row, every row a route, every route an OpenAPI entry.
            let covered = Set(rows.map(\.endpoint))
            let missing = api.routes.filter { !covered.contains($0) }.sorted()
            #expect(missing.isEmpty, "endpoints without a row in the authorization matrix: \(missing)")
            let stale = covered.subtracting(api.routes).sorted()
            #expect(stale.isEmpty, "matrix rows for routes that do not exist: \(stale)")
            let documented = MatrixWorld.openAPIOperations()
            let undocumented = api.routes.filter { !documented.contains($0) }.sorted()
            #expect(undocumented.isEmpty, "routes missing from openapi.yaml: \(undocumented)")

            var failures: [String] = []
            var calls = 0
            for row in rows {
                let outcomes = try await withThrowingTaskGroup(of: String?.self) { group in
                    var pending = world.actors.makeIterator()
                    var results: [String] = []
                    func next() -> Bool {
                        guard let actor = pending.next() else { return false }
                        group.addTask { try await Self.check(row, actor, api: api) }
                        return true
                    }
                    // A few at a time: the test pool has 8 connections for the API, the relay and the set-ups.
                    for _ in 0..<3 { _ = next() }
                    while let outcome = try await group.next() {
                        if let outcome { results.append(outcome) }
                        _ = next()
                    }
                    return results
                }
                calls += world.actors.count
                failures += outcomes
            }
            #expect(failures.isEmpty, "\(failures.count) of \(calls) calls answered otherwise than the rules say:\n\(failures.sorted().joined(separator: "\n"))")
            #expect(calls >= 70 * world.actors.count)
        }
    }

    /// One call; nil when it answered as expected, else what differed.
    static func check(_ row: MatrixRow, _ actor: MatrixWorld.Actor, api: IntakeHarness) async throws -> String? {
        let expected = actor.special == .nobody && row.endpoint.contains(" /v1/") ? MatrixExpect(401) : row.expect(actor)
        let request = try await row.request(actor)
        let parts = row.endpoint.split(separator: " ", maxSplits: 1)
        let label = "\(row.endpoint)\(row.variant.isEmpty ? "" : " [\(row.variant)]") · \(actor.label)"
        let started = ContinuousClock.now
        let response: IntakeHarness.Response
        do {
            response = try await api.call(String(parts[0]), request.path, as: actor.id, raw: request.body)
        } catch {
            return "\(label): no answer after \(ContinuousClock.now - started) (\(error))"
        }
        if response.status != expected.status && !expected.also.contains(response.status) {
            let rules = response.rules.isEmpty ? "" : " \(response.rules)"
            return "\(label): expected \(expected.status), got \(response.status)\(rules) \(response.string("code") ?? "")"
        }
        let named = response.text.contains(MatrixWorld.childName)
        let mayName = expected.namesChild ?? (response.status < 300 ? nil : false)
        if mayName == false && named { return "\(label): \(response.status) names the child without a basis" }
        if expected.namesChild == true && !named { return "\(label): \(response.status) does not show the child it should" }
        return nil
    }
}

/// What one caller should get: the status, and whether the answer names the child (true:
/// must; false: must not; nil: either, e.g. nothing about the child is in that answer).
struct MatrixExpect: Sendable {
    var status: Int
    var namesChild: Bool?
    /// Other statuses that are as right (readiness: 503 while the broker or database is slow to answer).
    var also: Set<Int> = []
    init(_ status: Int, namesChild: Bool? = nil, also: Set<Int> = []) {
        self.status = status
        self.namesChild = namesChild
        self.also = also
    }
}

struct MatrixRequest: Sendable {
    var path: String
    var body: Data?
    init(path: String, body: Any? = nil) {
        self.path = path
        self.body = body.map { try! JSONSerialization.data(withJSONObject: $0) }
    }
}

struct MatrixRow: Sendable {
    /// "METHOD /v1/path/{param}", as the router names the route.
    var endpoint: String
    var variant: String = ""
    var request: @Sendable (MatrixWorld.Actor) async throws -> MatrixRequest
    var expect: @Sendable (MatrixWorld.Actor) -> MatrixExpect
}

/// Emma's world: the records every row reads, the callers, and fresh targets for changes.
struct MatrixWorld: Sendable {
    static let childName = "Emma Nordli"

    enum Relation: String, Sendable, CaseIterable {
        case ownUnit = "own unit", consent = "consent basis", none = "no relation"
    }

    enum Special: String, Sendable {
        case guardian = "Emma's guardian"
        case guardianWithoutBasis = "guardian without parental responsibility or daily care"
        case otherGuardian = "another child's guardian"
        case policeOwner = "police officer named owner of Emma's case"
        case receivingRektor = "receiving school's rektor (transition item on a general consent)"
        case samarbeidOwner = "owner of the samarbeidsmøte arena"
        case arenaOwner = "ressursteam owner (Emma's rektor)"
        case uncoveredParticipant = "child welfare taking part in the ressursteam meeting (the consent does not cover it)"
        case submitter = "teacher who submitted Emma's case"
        case coordinator = "Emma's coordinator (PPT)"
        case nobody = "no token"
    }

    struct Actor: Sendable {
        var label: String
        var id: UUID?
        var role: Role?
        var relation: Relation?
        var special: Special?

        var isAdministrator: Bool { role == .administrator }
        /// Works at Emma's school (not as the register's administrator).
        var worksAtSchool: Bool { (relation == .ownUnit && !isAdministrator) || special == .submitter || special == .arenaOwner }
        /// Works at Emma's school in a role responsible for her (leader, teacher, special-needs coordinator, social teacher).
        var responsibleAtSchool: Bool {
            (relation == .ownUnit && role.map(AccessPolicy.ownUnitRoles.contains) == true) || special == .submitter || special == .arenaOwner
        }
        /// Staff the consent (or the own unit) lets see Emma: school and PPT, any role but administrator.
        var staffSeesEmma: Bool {
            ((relation == .ownUnit || relation == .consent) && !isAdministrator) || [.submitter, .arenaOwner, .coordinator].contains(special)
        }
        var isGuardian: Bool { special == .guardian }
        /// Logs in as a guardian (of Emma or not, with a basis or not).
        var isGuardianAccount: Bool { special == .guardian || special == .guardianWithoutBasis || special == .otherGuardian }
        var seesEmma: Bool { staffSeesEmma || isGuardian }
        /// Writes Emma's coordination log (staff the consent covers); guardians read it.
        var logWriter: Bool { staffSeesEmma }
        var logReader: Bool { logWriter || isGuardian }
        /// Takes part in the ressursteam: (school, unit leader), (school, special-needs coordinator), (PPT, advisor)
        /// by role, and its owner.
        var ressursteamParticipant: Bool {
            (relation == .ownUnit && (role == .unitLeader || role == .specialNeedsCoordinator)) || (relation == .consent && role == .advisor)
                || [.arenaOwner, .coordinator].contains(special)
        }
        /// Organises the ressursteam's meetings: its owner and the owning school's leader.
        var ressursteamOrganiser: Bool { (relation == .ownUnit && role == .unitLeader) || special == .arenaOwner }
        /// Takes part in the transition arena: (school, teacher), (lower secondary, unit leader), (PPT, advisor).
        var transitionParticipant: Bool {
            (relation == .ownUnit && role == .teacher) || (relation == .consent && role == .advisor)
                || [.submitter, .receivingRektor, .coordinator].contains(special)
        }
    }

    let api: IntakeHarness
    var actors: [Actor] = []
    var emma: SeedWorld.SeedChild
    var consent = UUID(), ressursteam = UUID(), samarbeid = UUID(), transition = UUID()
    var named = UUID(), meeting = UUID(), referral = UUID(), log = UUID(), plan = UUID(), handover = UUID()
    var season = UUID(), item = UUID()
    var admin = UUID(), guri = UUID(), frode = UUID(), tone = UUID(), nurse = UUID(), police = UUID(), hilde = UUID()
    var noBasisGuardian = UUID()
    var school = UUID(), lowerSecondary = UUID()
    let counter = Counter()

    static func build(_ api: IntakeHarness) async throws -> MatrixWorld {
        let w = api.world
        var world = MatrixWorld(api: api, emma: w.child("emma"))
        world.admin = w.person(.municipality, .administrator)
        world.guri = w.person(.school, .teacher)
        world.frode = w.person(.school, .unitLeader)
        world.tone = w.person(.ppt, .advisor)
        world.nurse = w.person(.healthStation, .schoolNurse)
        world.police = w.person(.police, .advisor)
        world.hilde = world.emma.guardians[0].id
        world.school = w.units[.school]!
        world.lowerSecondary = w.units[.lowerSecondary]!
        world.ressursteam = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
        world.samarbeid = try await api.registerArena(api.arena(named: "Samarbeidsmøte om enkeltbarn"))
        world.transition = try await api.registerArena(api.arena(named: "Overføringsmøte barneskole – ungdomsskole"))
        world.consent = try await api.recordConsent(child: world.emma, by: world.guri, services: [.school, .healthStation, .ppt])

        // The callers: every role in each relation, then the special ones.
        let relationUnits: [(Relation, UUID)] = [(.ownUnit, world.school), (.consent, w.units[.ppt]!), (.none, w.units[.childWelfare]!)]
        var actors: [Actor] = []
        for role in Role.allCases {
            for (relation, unit) in relationUnits {
                let id = UUID()
                try await api.sql { connection in
                    try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(id), 'staff', \("Matrise \(role.rawValue) \(relation.rawValue)"), NULL)")
                    try connection.execute("INSERT INTO memberships (person_id, unit_id, role) VALUES (\(id), \(unit), \(role.rawValue))")
                }
                actors.append(Actor(label: "\(role.rawValue) (\(relation.rawValue))", id: id, role: role, relation: relation))
            }
        }
        let noBasis = UUID(), welfare = w.person(.childWelfare, .caseworker)
        world.noBasisGuardian = noBasis
        try await api.sql { [world] connection in
            try connection.execute("INSERT INTO people (id, kind, name) VALUES (\(noBasis), 'guardian', 'Stefar Uten Ansvar')")
            try connection.execute("""
                INSERT INTO guardianships (child_id, guardian_id, parental_responsibility, daily_care) VALUES (\(world.emma.id), \(noBasis), false, false)
                """)
        }
        let specials: [(Special, UUID?)] = [
            (.guardian, world.hilde), (.guardianWithoutBasis, noBasis), (.otherGuardian, w.child("filip").guardians[0].id),
            (.policeOwner, world.police), (.receivingRektor, w.person(.lowerSecondary, .unitLeader)),
            (.samarbeidOwner, w.person(.municipality, .coordinator)), (.arenaOwner, world.frode), (.uncoveredParticipant, welfare),
            (.submitter, world.guri), (.coordinator, world.tone), (.nobody, nil),
        ]
        for (special, id) in specials { actors.append(Actor(label: special.rawValue, id: id, special: special)) }
        world.actors = actors

        // Emma's records: a named case (its owner set to the police officer, as the API allowed before), an anonymous
        // and a system case, all on a published ressursteam meeting; a referral to PPT; a coordinator with an open log,
        // a measure, an individual plan and a pending handover; a transition item stored on her general consent.
        let named = try await api.call("POST", "/v1/cases", as: world.guri, json: [
            "arena_id": world.ressursteam.uuidString, "kind": "named", "child_id": world.emma.id.uuidString, "grade": 5,
            "submitting_unit_id": world.school.uuidString, "title": "\(childName) – fravær", "concern": "Økende fravær.",
        ] as [String: Any])
        let anonymous = try await api.call("POST", "/v1/cases", as: world.guri, json: [
            "arena_id": world.ressursteam.uuidString, "kind": "anonymous", "grade": 6, "submitting_unit_id": world.school.uuidString,
            "title": "Elev 6. trinn", "concern": "Uro i timene.",
        ] as [String: Any])
        let system = try await api.call("POST", "/v1/cases", as: world.frode, json: [
            "arena_id": world.ressursteam.uuidString, "kind": "system", "submitting_unit_id": world.school.uuidString,
            "title": "Klasseledelse", "concern": "Felles opplegg.",
        ] as [String: Any])
        let referral = try await api.call("POST", "/v1/referrals", as: world.guri, json: world.referralBody)
        guard let namedId = named.id, let anonymousId = anonymous.id, let systemId = system.id, let referralId = referral.id else {
            throw MissingTestDependency("matrix cases: \(named.text) \(anonymous.text) \(system.text) \(referral.text)")
        }
        world.named = namedId
        world.referral = referralId
        world.meeting = try await world.freshMeeting(status: "agenda_published", cases: [namedId, anonymousId, systemId])
        try await api.sql { [world] connection in
            try connection.execute("UPDATE cases SET owner_id = \(world.police) WHERE id = \(namedId)")
            // Child welfare takes part in this meeting (not in the arena: the consent would no longer cover the arena).
            try connection.execute("INSERT INTO meeting_participants (meeting_id, person_id) VALUES (\(world.meeting), \(welfare))")
        }
        let assigned = try await api.call("POST", "/v1/children/\(world.emma.id)/coordinator", as: world.guri,
                                          json: ["person_id": world.tone.uuidString, "kind": "stafettholder"])
        let log = try await api.call("POST", "/v1/children/\(world.emma.id)/coordination-log", as: world.tone)
        let plan = try await api.call("POST", "/v1/children/\(world.emma.id)/individual-plan", as: world.tone,
                                      json: ["goals": ["Lese"], "responsible_services": ["ppt"]])
        let handover = try await api.call("POST", "/v1/children/\(world.emma.id)/coordinator/handovers", as: world.tone,
                                          json: ["to_person_id": world.nurse.uuidString])
        guard assigned.status == 201, let logId = log.id, let planId = plan.id, let handoverId = handover.id else {
            throw MissingTestDependency("matrix coordination: \(assigned.text) \(log.text) \(plan.text) \(handover.text)")
        }
        world.log = logId
        world.plan = planId
        world.handover = handoverId
        (world.season, world.item) = try await world.storedTransitionItem()
        return world
    }

    var referralBody: [String: Any] {
        let guardians = emma.guardians.map(\.id.uuidString)
        return ["target_service": "ppt", "child_id": emma.id.uuidString, "submitting_unit_id": school.uuidString, "question": "Lesevansker?",
                "measures_tried": "Lesekurs.", "current_services": [String](), "parental_responsibility": guardians, "daily_care": guardians,
                "consented_by": guardians]
    }

    /// A transition season, meeting and item on Emma's general consent, as the planner stored it before issue 12.
    func storedTransitionItem() async throws -> (season: UUID, item: UUID) {
        let receiving = api.world.person(.lowerSecondary, .unitLeader)
        let meetingId = UUID(), seasonId = UUID(), caseId = UUID()
        try await api.sql { [self] connection in
            try connection.execute("""
                INSERT INTO transition_seasons (id, school_year, stage, arena_id, receiving_unit_id, created_by)
                VALUES (\(seasonId), '2030/2031', 'primary_to_lower_secondary', \(transition), \(lowerSecondary), \(receiving))
                """)
            try connection.execute("""
                INSERT INTO meetings (id, arena_id, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status, called_by, series_id)
                VALUES (\(meetingId), \(transition), now() + interval '30 days', now() + interval '30 days 2 hours', 8, now(), now() + interval '27 days',
                        'planned', \(receiving), \(seasonId))
                """)
            try connection.execute("INSERT INTO meeting_participants (meeting_id, person_id) VALUES (\(meetingId), \(receiving)), (\(meetingId), \(guri))")
            try connection.execute("""
                INSERT INTO transition_meetings (meeting_id, season_id, sending_unit_id, children_without_consent) VALUES (\(meetingId), \(seasonId), \(school), 0)
                """)
            try connection.execute("""
                INSERT INTO cases (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade, concern, status)
                VALUES (\(caseId), 'case', 'named', \(transition), \(emma.id), \(consent), \(school), \(receiving), \(receiving),
                        \("Overgang: \(Self.childName)"), 5, 'Overføring etter samtykke.', 'scheduled')
                """)
            try connection.execute("""
                INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(UUID()), \(meetingId), \(caseId), 1, 'called')
                """)
            try connection.execute("""
                INSERT INTO transition_items (case_id, meeting_id, child_id, consent_id, information, special_needs_support, health)
                VALUES (\(caseId), \(meetingId), \(emma.id), \(consent), \(["school_situation", "health"]), false, 'Astma.')
                """)
        }
        return (seasonId, caseId)
    }

    // MARK: Fresh targets (one per call that changes something)

    /// A meeting of the ressursteam (a series occurrence) with `cases` on its agenda.
    func freshMeeting(status: String, cases: [UUID] = [], minutes: Bool = false) async throws -> UUID {
        let id = UUID(), day = counter.next()
        try await api.sql { [self] connection in
            try connection.execute("""
                INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
                VALUES (\(id), \(ressursteam), \(LocalDate(year: 2031, month: 1, day: 1)!.adding(days: day)), now() + interval '20 days',
                        now() + interval '20 days 2 hours', 6, now() + interval '10 days', now() + interval '17 days', \(status))
                """)
            for (index, caseId) in cases.enumerated() {
                try connection.execute("""
                    INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(UUID()), \(id), \(caseId), \(index + 1), 'earliest_open_meeting')
                    """)
                try connection.execute("UPDATE cases SET status = 'scheduled' WHERE id = \(caseId)")
            }
            if minutes { try connection.execute("INSERT INTO minutes (meeting_id, general_notes, updated_by) VALUES (\(id), 'Notat', \(frode))") }
        }
        return id
    }

    /// A named case on Emma (or a referral to PPT) submitted by Guri, owned by `owner`.
    func freshCase(referral: Bool = false, owner: UUID? = nil, status: String = "submitted") async throws -> UUID {
        let id = UUID()
        try await api.sql { [self] connection in
            try connection.execute("""
                INSERT INTO cases (id, category, kind, arena_id, target_service, child_id, consent_id, submitting_unit_id, submitted_by, owner_id,
                                   title, grade, concern, status)
                VALUES (\(id), \(referral ? "referral" : "case"), 'named', \(referral ? nil : ressursteam), \(referral ? "ppt" : nil), \(emma.id), \(consent),
                        \(school), \(guri), \(owner ?? guri), \("\(Self.childName) – ny"), 5, 'Bekymring.', \(status))
                """)
            if referral {
                try connection.execute("""
                    INSERT INTO referral_details (case_id, parental_responsibility, daily_care, consented_by, question, measures_tried, current_services)
                    VALUES (\(id), \(emma.guardians.map(\.id)), \(emma.guardians.map(\.id)), \(emma.guardians.map(\.id)), 'Q', 'M', \([String]()))
                    """)
            }
        }
        return id
    }

    func freshConsent(child: UUID? = nil, givenBy: [UUID]? = nil) async throws -> UUID {
        let id = UUID()
        try await api.sql { [self] connection in
            try connection.execute("""
                INSERT INTO consents (id, child_id, given_by, services, information, valid_from, method, recorded_by)
                VALUES (\(id), \(child ?? emma.id), \(givenBy ?? emma.guardians.map(\.id)), \(["school", "health_station", "ppt"]),
                        \(InformationCategory.allCases.map(\.rawValue)), '2026-01-01', 'written', \(guri))
                """)
        }
        return id
    }

    /// A guardianship recorded in error on a fresh child (Emma's guardians stay as they are).
    func freshGuardianship() async throws -> (child: UUID, guardian: UUID) {
        let (child, _) = try await freshChild()
        let id = UUID()
        try await api.sql { connection in
            try connection.execute("INSERT INTO people (id, kind, name) VALUES (\(id), 'guardian', 'Feilregistrert Foresatt')")
            try connection.execute("INSERT INTO guardianships (child_id, guardian_id) VALUES (\(child), \(id))")
        }
        return (child, id)
    }

    /// A child at Emma's school with Emma's mother as guardian (with access), the guardian without a basis, and a
    /// consent from the mother for school, health station and PPT; optionally Tone as coordinator and an open log.
    func freshChild(coordinator: Bool = false, log: Bool = false) async throws -> (child: UUID, log: UUID?) {
        let child = UUID(), consentId = UUID(), logId = log ? UUID() : nil
        try await api.sql { [self] connection in
            try connection.execute("""
                INSERT INTO children (id, name, birth_date, unit_id, grade, created_by) VALUES (\(child), 'Matrise Barn', '2016-05-05', \(school), 5, \(frode))
                """)
            try connection.execute("INSERT INTO guardianships (child_id, guardian_id) VALUES (\(child), \(hilde))")
            try connection.execute("""
                INSERT INTO guardianships (child_id, guardian_id, parental_responsibility, daily_care) VALUES (\(child), \(noBasisGuardian), false, false)
                """)
            try connection.execute("""
                INSERT INTO consents (id, child_id, given_by, services, information, valid_from, method, recorded_by)
                VALUES (\(consentId), \(child), \([hilde]), \(["school", "health_station", "ppt"]), \(InformationCategory.allCases.map(\.rawValue)),
                        '2026-01-01', 'written', \(guri))
                """)
            if coordinator {
                try connection.execute("""
                    INSERT INTO coordinators (id, child_id, person_id, unit_id, service, kind, consent_id, assigned_by)
                    VALUES (\(UUID()), \(child), \(tone), \(api.world.units[.ppt]!), 'ppt', 'stafettholder', \(consentId), \(guri))
                    """)
            }
            if let logId {
                try connection.execute("INSERT INTO coordination_logs (id, child_id, opened_by) VALUES (\(logId), \(child), \(tone))")
            }
        }
        return (child, logId)
    }

    func freshPlan() async throws -> UUID {
        let (child, _) = try await freshChild()
        let id = UUID()
        try await api.sql { connection in
            let consentId = try connection.query("SELECT id FROM consents WHERE child_id = \(child)").first!.decode(UUID.self, 0)
            try connection.execute("""
                INSERT INTO individual_plans (id, child_id, goals, responsible_services, consent_id, created_by)
                VALUES (\(id), \(child), \(["Lese"]), \(["ppt"]), \(consentId), \(tone))
                """)
        }
        return id
    }

    func freshMeasure() async throws -> UUID {
        let id = UUID()
        try await api.sql { [self] connection in
            try connection.execute("""
                INSERT INTO coordination_measures (id, child_id, log_id, description, owner_id, service, starts_on, evaluation_due_on, created_by)
                VALUES (\(id), \(emma.id), \(log), 'Lesekurs', \(tone), 'ppt', \(OsloTime.localDate(at: Date())), \(OsloTime.localDate(at: Date()).adding(days: 30)), \(tone))
                """)
        }
        return id
    }

    /// A pending handover of a fresh child's coordinator role from Tone to the school nurse.
    func freshHandover() async throws -> UUID {
        let (child, _) = try await freshChild(coordinator: true)
        let id = UUID()
        try await api.sql { [self] connection in
            let row = try connection.query("SELECT id, consent_id FROM coordinators WHERE child_id = \(child)").first!
            try connection.execute("""
                INSERT INTO coordinator_handovers (id, child_id, from_coordinator_id, from_person_id, to_person_id, to_unit_id, consent_id)
                VALUES (\(id), \(child), \(try row.decode(UUID.self, 0)), \(tone), \(nurse), \(api.world.units[.healthStation]!), \(try row.decode(UUID.self, 1)))
                """)
        }
        return id
    }

    /// A samarbeidsmøte around Emma called by Guri with Emma's guardians.
    func freshCalledMeeting() async throws -> UUID {
        let called = try await api.call("POST", "/v1/children/\(emma.id)/meetings", as: guri, json: [
            "arena_id": samarbeid.uuidString, "starts_at": When.local(40 + counter.next() % 200, 10),
            "participant_ids": [hilde.uuidString], "agenda": [["title": "Oppfølging"]],
        ] as [String: Any])
        guard let id = try? called.decode(API.Page<API.Meeting>.self).items.first?.id else {
            throw MissingTestDependency("called meeting: \(called.text)")
        }
        return id
    }

    func freshStaff() async throws -> UUID {
        let id = UUID()
        try await api.sql { connection in
            try connection.execute("INSERT INTO people (id, kind, name) VALUES (\(id), 'staff', 'Ny Ansatt')")
        }
        return id
    }

    /// "METHOD /path" of every operation in the served OpenAPI document.
    static func openAPIOperations() -> Set<String> {
        var operations: Set<String> = []
        var path: String?
        for line in OpenAPIDocument.yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /") && line.hasSuffix(":") && !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("components:") {
                path = nil
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "delete", "patch"].contains(String(method)) && line.hasSuffix(":") {
                    operations.insert("\(method.uppercased()) \(path)")
                }
            }
        }
        return operations
    }
}

/// A counter for unique dates and times of fresh meetings.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
