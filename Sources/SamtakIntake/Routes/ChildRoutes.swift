import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakStore

/// Children, their guardians and the guardians' consent. Every read and change of a
/// child's data passes `AccessPolicy.childAccess` and is written to the access log.
/// The identity number is write-only: it is validated, kept as a keyed hash and a sealed
/// copy (`IdentityNumberStorage`), and never returned; who may register, and what a number
/// already registered answers, is `ChildRegistration`.
struct ChildRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.post("children", use: createChild)
        group.get("children", use: listChildren)
        group.get("children/{id}", use: getChild)
        group.post("children/{id}/guardians", use: addGuardian)
        group.post("children/{id}/guardians/{guardian_id}/end", use: endGuardianship)
        group.get("children/{id}/consents", use: listConsents)
        group.post("consents", use: recordConsent)
        group.get("consents/{id}", use: getConsent)
        group.post("consents/{id}/withdraw", use: withdrawConsent)
        group.post("consents/{id}/end", use: endConsent)
    }

    // MARK: Bodies and resources

    struct ChildBody: StrictRequestBody {
        var name: String
        var nationalId: String?
        var birthDate: LocalDate?
        var unitId: UUID?
        var grade: Int?
    }

    struct GuardianResource: Codable, Sendable {
        var personId: UUID
        var name: String
        var email: String?
        var parentalResponsibility: Bool
        var dailyCare: Bool
    }

    struct ChildResource: Codable, Sendable {
        var id: UUID
        var name: String
        var nationalIdRegistered: Bool
        var birthDate: LocalDate?
        var unitId: UUID?
        var grade: Int?
        var guardians: [GuardianResource]
        var createdAt: Date
        /// Why the caller may see this child (`own_unit`, `consent`, `guardian`, ...).
        var accessBasis: AccessBasis
    }

    struct GuardianBody: StrictRequestBody {
        var name: String?
        var email: String?
        var personId: UUID?
        var parentalResponsibility: Bool
        var dailyCare: Bool
    }

    struct ConsentBody: StrictRequestBody {
        var childId: UUID
        var givenBy: [UUID]
        var youngPersonConsented: Bool?
        var services: [ServiceKind]
        var arenaIds: [UUID]?
        /// Schools, kindergartens or SFOs besides the child's own (e.g. the receiving school).
        var unitIds: [UUID]?
        var information: [InformationCategory]?
        var validFrom: LocalDate
        var validUntil: LocalDate?
        var method: ConsentMethod
    }

    /// An administrator's correction: why, and an optional note kept with the audit trail.
    struct CorrectionBody: StrictRequestBody {
        var reason: CorrectionReason
        var note: String?

        /// The body of a correction, for administrators only (403 before the body is read).
        static func decode(_ request: Request, context: IntakeRequestContext) async throws -> (CorrectionBody, Data) {
            try context.requirePrincipal().requireAdministrator("an administrator corrects the register")
            let (body, raw) = try await APIJSON.decode(CorrectionBody.self, from: request)
            var violations = Violations()
            violations.text(body.note, "note", required: false, max: 2000)
            try violations.throwIfAny()
            return (body, raw)
        }
    }

    struct ConsentResource: Codable, Sendable {
        var id: UUID
        var childId: UUID
        var givenBy: [UUID]
        var youngPersonConsented: Bool
        var services: [ServiceKind]
        var arenaIds: [UUID]
        var unitIds: [UUID]
        var information: [InformationCategory]
        var validFrom: LocalDate
        var validUntil: LocalDate?
        var method: ConsentMethod
        /// Whose consent its purpose needed (nil for consents recorded before the rule).
        var guardianRule: ConsentGiverRule?
        var recordedBy: UUID
        var recordedAt: Date
        var withdrawnAt: Date?
        /// Set when an administrator ended it as a correction.
        var endedReason: CorrectionReason?
        var active: Bool
    }

    // MARK: Children

    @Sendable func createChild(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let (body, raw) = try await APIJSON.decode(ChildBody.self, from: request)
        var violations = Violations()
        violations.text(body.name, "name", max: 200)
        var nationalId: NationalIdentityNumber?
        if let text = body.nationalId {
            do {
                nationalId = try NationalIdentityNumber(validating: text)
            } catch {
                // The message describes the rule, never the number.
                violations.add("national_id", "national_identity_number", "\(error)")
            }
        }
        var birthDate = body.birthDate
        if let nationalId, nationalId.kind == .birthNumber, let derived = nationalId.birthDate {
            let date = LocalDate(year: derived.year, month: derived.month, day: derived.day)
            if let given = body.birthDate, let date, given != date {
                violations.add("birth_date", "mismatch", "does not match the identity number")
            }
            // A given birth_date was checked while decoding; one taken from the number is checked here.
            if body.birthDate == nil, let date, let problem = DateInputRules.current().violation(date, kind: .birthDate) {
                violations.add("national_id", "birth_date_range", "gives a birth date that \(problem.message)")
            }
            birthDate = birthDate ?? date
        }
        if let grade = body.grade, !(0...13).contains(grade) { violations.add("grade", "range", "must be from 0 (kindergarten) to 13") }
        try violations.throwIfAny()
        // The number itself goes no further than this: SQL sees its keyed hash and sealed copy.
        let hash = nationalId.map { Data(environment.identity.lookupHash(digits: $0.digits)) }
        let sealed = nationalId.map { Data(environment.identity.seal(digits: $0.digits)) }
        let resolvedBirthDate = birthDate
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            switch ChildRegistration.refusal(principal: principal, unitId: body.unitId) {
            case nil: break
            case .unitRequired?: throw Problem.field("unit_id", "required", ChildRegistration.Refusal.unitRequired.description)
            case let refusal?: throw Problem.forbidden(refusal.description)
            }
            if let unitId = body.unitId, try !OrganisationStore.unitExists(unitId, on: connection) {
                throw Problem.field("unit_id", "not_found", "is not a registered unit")
            }
            var lookupHash = hash
            var duplicateOf: UUID?
            if let hash, let existing = try ChildStore.child(withNumberHash: hash, on: connection) {
                let access = try ChildAccessLoader.decide(principal: principal, childId: existing, on: connection)
                switch ChildRegistration.takenNumber(existing: existing, access: access, principal: principal) {
                case .conflict(let existing):
                    throw Problem(.conflict, code: "child_exists", title: "The request conflicts with the current state",
                                  detail: "a child with this identity number is already registered", existing: "/v1/children/\(existing)")
                case .separateRecord(let original):
                    lookupHash = nil
                    duplicateOf = original
                }
            }
            let id = UUID()
            // ON CONFLICT: a registration of the same number committed since the lookup is no
            // unique violation (whose message would carry the hash into the server's log).
            let inserted = try ChildStore.insert(id, name: body.name.trimmed, numberHash: lookupHash, sealed: sealed, duplicateOf: duplicateOf,
                                                 birthDate: resolvedBirthDate, unitId: body.unitId, grade: body.grade, by: principal.personId,
                                                 on: connection)
            if !inserted { throw Problem.conflict("concurrent_update", "the register changed concurrently; try again") }
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "child", resourceId: id,
                                 childId: id, basis: .owner, requestId: context.id)
            guard let child = try Self.loadChild(id, on: connection, basis: .owner) else { throw Problem.notFound("Child") }
            return try MutationResult(child, status: .created, location: "/v1/children/\(id)")
        }
    }

    @Sendable func getChild(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "child")
        let child = try await environment.read(context) { connection, principal -> ChildResource? in
            let decision = try ChildAccessLoader.decide(principal: principal, childId: id, on: connection)
            guard case .full(let basis, let consentId) = decision else { return nil }
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "child", resourceId: id,
                                 childId: id, basis: basis, consentId: consentId, requestId: context.id)
            return try Self.loadChild(id, on: connection, basis: basis)
        }
        guard let child else { throw Problem.notFound("Child") }
        return try APIJSON.response(child)
    }

    /// The children of a unit, for its own staff (and the children a guardian has).
    @Sendable func listChildren(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let page = try PageRequest(request: request)
        let unitId: UUID? = try request.query("unit_id").map { raw in
            guard let id = UUID(uuidString: raw) else { throw Problem.field("unit_id", "format", "must be a UUID") }
            return id
        }
        let rows = try await environment.read(context) { connection, principal in
            let basis: AccessBasis
            if let unitId {
                guard principal.memberships.contains(where: { $0.unitId == unitId && AccessPolicy.ownUnitRoles.contains($0.role) }) else {
                    throw Problem.forbidden("only the unit's own staff list its children")
                }
                basis = .ownUnit
            } else {
                basis = .guardian
            }
            // The unit's children, or the caller's own (the guardianships that give access, ``Guardianship/givesAccess``).
            let ids = try ChildStore.childIds(ofUnit: unitId, orGuardian: principal.personId, after: page.keysetCondition(createdAt: "c.created_at", id: "c.id"),
                                              limit: page.limit + 1, on: connection)
            return try ids.compactMap { id -> (item: ChildResource, createdAt: Date, id: UUID)? in
                guard let child = try Self.loadChild(id, on: connection, basis: basis) else { return nil }
                try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "child", resourceId: id,
                                     childId: id, basis: basis, requestId: context.id)
                return (child, child.createdAt, child.id)
            }
        }
        return try APIJSON.response(Page(rows: rows, limit: page.limit))
    }

    /// Guardianships come from the population register: an administrator enters what it
    /// says (staff never do). The answer names no child.
    @Sendable func addGuardian(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        try context.requirePrincipal().requireAdministrator(
            "guardianships come from the population register; an administrator records them")
        let (body, raw) = try await APIJSON.decode(GuardianBody.self, from: request)
        var violations = Violations()
        if body.personId == nil { violations.text(body.name, "name", max: 200) }
        if body.personId != nil && body.name != nil { violations.add("name", "exclusive", "give either person_id (an existing guardian) or name") }
        if let email = body.email { OrganisationRoutes.validateEmail(email, field: "email", into: &violations) }
        try violations.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard try RegisterStore.childExists(childId, on: connection) else { throw Problem.notFound("Child") }
            let guardianId: UUID
            if let existing = body.personId {
                guard try RegisterStore.isGuardianPerson(existing, on: connection) else {
                    throw Problem.field("person_id", "not_found", "is not a registered guardian")
                }
                guardianId = existing
            } else {
                guardianId = try RegisterStore.insertGuardianPerson(name: body.name?.trimmed ?? "", email: body.email, on: connection)
            }
            guard let guardianship = try RegisterStore.insertGuardianship(
                child: childId, guardian: guardianId, parentalResponsibility: body.parentalResponsibility, dailyCare: body.dailyCare,
                source: .administrator, recordedBy: principal.personId, on: connection)
            else { throw Problem.conflict("guardian_exists", "this person is already registered as the child's guardian") }
            try outbox.append(GuardianshipRecorded(childId: childId, guardianId: guardianId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "guardianship", resourceId: guardianId,
                                 childId: childId, basis: .administrator, requestId: context.id)
            return try MutationResult(guardianship, status: .created)
        }
    }

    /// An administrator ends a guardianship recorded in error (or no longer in the register),
    /// with a reason: kept in `register_corrections` and the access log (`guardianship.ended`).
    @Sendable func endGuardianship(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let guardianId = try request.uuidParameter("guardian_id", context: context, resource: "guardian")
        let (body, raw) = try await CorrectionBody.decode(request, context: context)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let correction = try RegisterStore.endGuardianship(child: childId, guardian: guardianId, reason: body.reason,
                                                                     note: body.note?.trimmed ?? "", by: principal.personId, on: connection)
            else { throw Problem.notFound("Guardianship") }
            try outbox.append(GuardianshipEnded(childId: childId, guardianId: guardianId, reason: body.reason), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .correct, resource: "guardianship", resourceId: guardianId,
                                 childId: childId, basis: .administrator, requestId: context.id)
            return try MutationResult(correction)
        }
    }

    // MARK: Consent

    /// Records a consent given on paper or orally, on the family's behalf, under the rules of
    /// ``ConsentRules`` (whose consent the purpose needs) and ``ConsentRecording`` (who may
    /// record it, and for what).
    @Sendable func recordConsent(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let (body, raw) = try await APIJSON.decode(ConsentBody.self, from: request)
        var violations = Violations()
        let information = body.information ?? InformationCategory.allCases
        let arenaIds = body.arenaIds ?? [], unitIds = body.unitIds ?? []
        violations.require(!body.services.isEmpty || !arenaIds.isEmpty, "services", "required",
                           "name at least one service or arena the consent covers")
        violations.list(body.services, "services", max: ServiceKind.allCases.count)
        violations.list(arenaIds, "arena_ids", max: 50)
        violations.list(unitIds, "unit_ids", max: 20)
        violations.list(information, "information", max: InformationCategory.allCases.count)
        violations.list(body.givenBy, "given_by", max: 20)
        violations.require(!information.isEmpty, "information", "required", "name at least one category of information")
        violations.require(!body.givenBy.isEmpty || body.youngPersonConsented == true, "given_by", "required",
                           "name the guardians who consented")
        if let until = body.validUntil, until < body.validFrom { violations.add("valid_until", "range", "must not be before valid_from") }
        violations.require(body.method != .digital, "method", "not_allowed",
                           "staff record written or oral consents; a digital consent is given by the family itself")
        try violations.throwIfAny()
        let outbox = environment.outbox, policy = environment.family
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            let decision = try ChildAccessLoader.decide(principal: principal, childId: body.childId, on: connection)
            guard case .full(let basis, let accessConsent) = decision, principal.kind == .staff,
                  let child = try CoordinationStore.child(body.childId, on: connection) else {
                throw Problem.field("child_id", "not_found", "is not a child you have access to")
            }
            var violations = Violations()
            var arenas: [ArenaScope] = []
            for (index, arenaId) in arenaIds.enumerated() {
                if let scope = try AccessFacts.arenaScope(arenaId, on: connection) { arenas.append(scope) } else {
                    violations.add("arena_ids[\(index)]", "not_found", "is not a registered arena")
                }
            }
            let unitServices = try RegisterStore.unitServices(unitIds, on: connection)
            for (index, unitId) in unitIds.enumerated() {
                guard let service = unitServices[unitId] else {
                    violations.add("unit_ids[\(index)]", "not_found", "is not an active unit")
                    continue
                }
                if !ServiceKind.unitBound.contains(service) {
                    violations.add("unit_ids[\(index)]", "not_unit_bound", "names a school, kindergarten or SFO; other services are named in services")
                } else if !body.services.contains(service) {
                    violations.add("unit_ids[\(index)]", "service_not_named", "its service must be named in services too")
                }
            }
            try violations.throwIfAny()
            let purpose = ConsentPurpose(services: Set(body.services), arenas: arenas)
            if let refusal = ConsentRecording.mayRecord(principal, child: child.relations, purpose: purpose, unitIds: Set(unitIds)) {
                throw Problem.forbidden(refusal == .notStaff
                    ? "consents are recorded by staff of a service"
                    : "a consent is recorded by staff of the child's own unit or of a service (or arena) it names")
            }
            let askable = ConsentRecording.askable(by: principal)
            for violation in ConsentRecording.outsideAskable(principal, services: body.services, arenas: arenas) {
                violations.add(violation.field, violation.rule, violation.message)
            }
            for (index, unitId) in unitIds.enumerated() where !(unitServices[unitId].map(askable.contains) ?? true) {
                violations.add("unit_ids[\(index)]", "not_askable", "is not a service your service may ask a family to consent to sharing with")
            }
            let guardianships = try AccessFacts.guardianships([body.childId], on: connection)[body.childId] ?? []
            let (rule, giverViolations) = ConsentRules.checkGivers(
                givenBy: body.givenBy, youngPersonConsented: body.youngPersonConsented ?? false, guardianships: guardianships,
                purpose: purpose, childAge: child.age, policy: policy)
            for violation in giverViolations { violations.add(violation.field, violation.rule, violation.message) }
            try violations.throwIfAny()
            guard let rule else { throw Problem.field("given_by", "required", "name the guardians who consented") }
            let id = UUID()
            try RegisterStore.insertConsent(body, id: id, information: information, rule: rule, recordedBy: principal.personId,
                                            youngPersonId: child.relations.personId, on: connection)
            try outbox.append(ConsentRecorded(consentId: id, childId: body.childId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "consent", resourceId: id,
                                 childId: body.childId, basis: basis, consentId: accessConsent, requestId: context.id)
            guard let consent = try Self.loadConsent(id, on: connection) else { throw Problem.notFound("Consent") }
            return try MutationResult(consent, status: .created, location: "/v1/consents/\(id)")
        }
    }

    /// An administrator ends a consent recorded in error, with a reason: it stops covering
    /// anyone at once (as a withdrawal), kept in `register_corrections` and the access log
    /// (`consent.ended`). The answer is the correction: an administrator reads no consent.
    @Sendable func endConsent(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "consent")
        let (body, raw) = try await CorrectionBody.decode(request, context: context)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let correction = try RegisterStore.endConsent(id, reason: body.reason, note: body.note?.trimmed ?? "",
                                                                by: principal.personId, on: connection) else {
                if try RegisterStore.consentExists(id, on: connection) {
                    throw Problem.conflict("already_ended", "the consent is already ended")
                }
                throw Problem.notFound("Consent")
            }
            try outbox.append(ConsentEnded(consentId: id, childId: correction.childId, reason: body.reason), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .correct, resource: "consent", resourceId: id,
                                 childId: correction.childId, basis: .administrator, requestId: context.id)
            return try MutationResult(correction)
        }
    }

    @Sendable func listConsents(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let consents = try await environment.read(context) { connection, principal -> [ConsentResource]? in
            guard case .full(let basis, let consentId) = try ChildAccessLoader.decide(principal: principal, childId: childId, on: connection) else { return nil }
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "consent", resourceId: nil,
                                 childId: childId, basis: basis, consentId: consentId, requestId: context.id)
            return try ChildStore.consentIds(of: childId, on: connection)
                .compactMap { try Self.loadConsent($0, on: connection) }
        }
        guard let consents else { throw Problem.notFound("Child") }
        return try APIJSON.response(["items": consents])
    }

    @Sendable func getConsent(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "consent")
        let consent = try await environment.read(context) { connection, principal -> ConsentResource? in
            guard let consent = try Self.loadConsent(id, on: connection),
                  case .full(let basis, let consentId) = try ChildAccessLoader.decide(principal: principal, childId: consent.childId, on: connection)
            else { return nil }
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "consent", resourceId: id,
                                 childId: consent.childId, basis: basis, consentId: consentId, requestId: context.id)
            return consent
        }
        guard let consent else { throw Problem.notFound("Consent") }
        return try APIJSON.response(consent)
    }

    /// A guardian withdraws their consent themselves, or staff with access record that they did.
    @Sendable func withdrawConsent(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "consent")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let consent = try Self.loadConsent(id, on: connection),
                  case .full(let basis, let consentId) = try ChildAccessLoader.decide(principal: principal, childId: consent.childId, on: connection)
            else { throw Problem.notFound("Consent") }
            if basis == .selfAccess && !consent.youngPersonConsented {
                throw Problem.forbidden("the guardians gave this consent")
            }
            // The young person's own consent (from the age the law gives them the say) is theirs to withdraw (issue 17).
            if basis == .guardian && consent.guardianRule == .youngPerson {
                throw Problem.forbidden("the young person gave this consent")
            }
            if try !ChildStore.withdrawConsent(id, by: principal.personId, on: connection) { throw Problem.conflict("already_withdrawn", "the consent is already withdrawn") }
            try outbox.append(ConsentWithdrawn(consentId: id, childId: consent.childId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .withdraw, resource: "consent", resourceId: id,
                                 childId: consent.childId, basis: basis, consentId: consentId, requestId: context.id)
            guard let withdrawn = try Self.loadConsent(id, on: connection) else { throw Problem.notFound("Consent") }
            return try MutationResult(withdrawn)
        }
    }

    // MARK: Persistence

    static func loadChild(_ id: UUID, on connection: PostgresConnection, basis: AccessBasis) throws -> ChildResource? {
        try ChildStore.child(id, basis: basis, on: connection)
    }

    static func loadConsent(_ id: UUID, on connection: PostgresConnection) throws -> ConsentResource? {
        try ChildStore.consent(id, on: connection)
    }
}

