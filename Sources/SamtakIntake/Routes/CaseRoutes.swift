import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// Cases to an arena (a school's ressursteam case: named with consent, anonymous, or
/// system-level) and referrals to a service (BUP, PPT). Each change writes its event
/// (`case.submitted`, `referral.created`, `case.withdrawn`, ...) in the same transaction.
struct CaseRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.post("cases", use: submitCase)
        group.get("cases", use: listCases)
        group.get("cases/{id}", use: getCase)
        group.post("cases/{id}/withdraw", use: withdraw)
        group.post("referrals", use: submitReferral)
        group.get("referrals/{id}", use: getCase)
        group.post("referrals/{id}/withdraw", use: withdraw)
        group.post("referrals/{id}/resubmit", use: resubmitReferral)
    }

    // MARK: Cases

    struct CaseBody: StrictRequestBody {
        var arenaId: UUID
        var kind: CaseKind
        var childId: UUID?
        var consentId: UUID?
        var submittingUnitId: UUID
        var ownerId: UUID?
        var title: String
        var grade: Int?
        var concern: String
        var adaptationsTried: String?
        /// The form of adaptations tried, one entry per adaptation (at most 20).
        var adaptations: [AdaptationTried]?
        var responsibleNote: String?
        var urgent: Bool?
        /// For an anonymous case whose text the screening flags: the submitter confirms it
        /// identifies no one; the flags are kept on the case for the arena's owner to see.
        var confirmNoPersonalData: Bool?
    }

    @Sendable func submitCase(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let (body, raw) = try await APIJSON.decode(CaseBody.self, from: request)
        var v = Violations()
        v.text(body.title, "title", max: 200)
        v.text(body.concern, "concern", max: 8000)
        v.text(body.adaptationsTried, "adaptations_tried", required: false, max: 8000)
        let adaptations = (body.adaptations ?? []).map(\.trimmed)
        if adaptations.count > AdaptationTried.maxCount { v.add("adaptations", "max_items", "must have at most \(AdaptationTried.maxCount) items") }
        for (index, adaptation) in adaptations.enumerated() {
            let limits = [AdaptationTried.maxWhat, AdaptationTried.maxSince, AdaptationTried.maxDuration, AdaptationTried.maxResult]
            for ((field, text), max) in zip(adaptation.fields(at: index), limits) {
                v.text(text, field, required: field.hasSuffix(".what"), max: max)
            }
        }
        v.text(body.responsibleNote, "responsible_note", required: false, max: 2000)
        if let grade = body.grade, !(0...13).contains(grade) { v.add("grade", "range", "must be from 0 (kindergarten) to 13") }
        switch body.kind {
        case .named:
            if body.childId == nil { v.add("child_id", "required", "is required for a named case") }
        case .anonymous, .system:
            if body.childId != nil { v.add("child_id", "not_allowed", "an \(body.kind.rawValue) case carries no child") }
            if body.consentId != nil { v.add("consent_id", "not_allowed", "an \(body.kind.rawValue) case needs no consent") }
        }
        if body.kind == .system && body.grade != nil { v.add("grade", "not_allowed", "a system case is about no pupil") }
        try v.throwIfAny()
        let outbox = environment.outbox
        let nameScreens = environment.nameScreens
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            try Self.requireSubmitter(principal, unitId: body.submittingUnitId)
            guard let arena = try CaseStore.submissionArena(body.arenaId, unit: body.submittingUnitId, on: connection)
            else { throw Problem.field("arena_id", "not_found", "is not a registered arena") }
            guard arena.unitTakesPart else {
                throw Problem.field("submitting_unit_id", "not_allowed", "this arena takes cases from its own unit and the units that take part in it")
            }
            guard arena.active else { throw Problem.field("arena_id", "inactive", "the arena no longer takes cases") }
            guard arena.accepts.contains(body.kind.rawValue) else {
                throw Problem.field("kind", "not_accepted", "this arena does not take \(body.kind.rawValue) cases")
            }
            var consentId: UUID?
            var basis = AccessBasis.owner
            var flags: [String] = []
            // Who takes part in the arena matters only for a child's consent (named cases);
            // an anonymous or system case's owner is checked against the submitting unit.
            let scope = body.kind == .named ? try CaseStore.arenaScope(body.arenaId, on: connection) : nil
            var facts = CaseFacts(kind: body.kind, ownerId: principal.personId, submittedBy: principal.personId,
                                  submittingUnitId: body.submittingUnitId, arena: scope, targetService: nil)
            switch body.kind {
            case .named:
                guard let childId = body.childId else { throw Problem.field("child_id", "required", "is required for a named case") }
                let consent = try Self.consent(for: childId, requested: body.consentId, principal: principal,
                                               arena: scope, targetService: nil, on: connection)
                consentId = consent.id
                basis = .consent
            case .anonymous:
                flags = try Self.screen(body, unitId: body.submittingUnitId, screens: nameScreens, on: connection)
            case .system:
                break
            }
            facts.ownerId = try Self.owner(body.ownerId, principal: principal, facts: facts, childId: body.childId, on: connection)
            let ownerId = facts.ownerId
            let id = UUID()
            // The stored row comes back with the insert: the answer is built from it.
            guard let inserted = try CaseStore.insertCase(CaseStore.CaseFields(
                id: id, kind: body.kind, arenaId: body.arenaId, childId: body.childId, consentId: consentId, submittingUnitId: body.submittingUnitId,
                submittedBy: principal.personId, ownerId: ownerId, title: body.title.trimmed, grade: body.grade, concern: body.concern.trimmed,
                adaptationsTried: body.adaptationsTried?.trimmed ?? "", responsibleNote: body.responsibleNote?.trimmed ?? "",
                urgent: body.urgent ?? false, screeningFlags: flags), on: connection) else { throw Problem.notFound("Case") }
            try CaseAdaptationStore.insert(adaptations, caseId: id, on: connection)
            try outbox.append(CaseSubmitted(caseId: id, arenaId: body.arenaId, unitId: body.submittingUnitId, kind: body.kind,
                                            urgent: body.urgent ?? false), on: connection)
            if body.kind == .named {
                try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "case", resourceId: id,
                                     childId: body.childId, basis: basis, consentId: consentId, requestId: context.id)
            }
            guard let resource = try CaseStore.readInserted(inserted, adaptations: adaptations, principal: principal, on: connection, requestId: context.id) else {
                throw Problem.notFound("Case")
            }
            return try MutationResult(resource, status: .created, location: "/v1/cases/\(id)")
        }
    }

    @Sendable func getCase(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "case")
        let resource = try await environment.read(context) { connection, principal in
            try CaseStore.read(id, principal: principal, on: connection, requestId: context.id)
        }
        guard let resource else { throw Problem.notFound("Case") }
        return try APIJSON.response(resource)
    }

    /// The cases the caller is involved in, optionally of one arena, status or category.
    @Sendable func listCases(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let page = try PageRequest(request: request)
        var v = Violations()
        let arenaId = request.query("arena_id").flatMap(UUID.init(uuidString:))
        if request.query("arena_id") != nil && arenaId == nil { v.add("arena_id", "format", "must be a UUID") }
        let status = request.query("status").flatMap(CaseStatus.init(rawValue:))
        if request.query("status") != nil && status == nil { v.add("status", "enum", "is not a case status") }
        let category = request.query("category")
        if let category, category != "case" && category != "referral" { v.add("category", "enum", "must be case or referral") }
        try v.throwIfAny()
        let rows = try await environment.read(context) { connection, principal -> ([CaseResource], String?) in
            // Candidates: cases the caller could be involved in; the access rules decide each one.
            let units = Array(principal.unitIds)
            let services = principal.services.map(\.rawValue)
            let candidates = try CaseStore.candidates(for: principal.personId, units: units, services: services,
                                                      arenaId: arenaId, status: status, category: category,
                                                      after: page.keysetCondition(createdAt: "c.created_at", id: "c.id"), limit: page.limit + 1,
                                                      on: connection)
            let out = try CaseStore.readList(candidates, principal: principal, on: connection, requestId: context.id)
            // The keyset must advance over hidden rows too, or a page of hidden rows would end the listing.
            if candidates.count > page.limit, let last = candidates.prefix(page.limit).last, out.count <= page.limit {
                let nextCursor = PageRequest.encodeCursor(createdAt: last.createdAt, id: last.id)
                return (Array(out.prefix(page.limit)), nextCursor)
            }
            return (out, nil)
        }
        struct CasePage: Encodable { var items: [CaseResource]; var nextCursor: String? }
        return try APIJSON.response(CasePage(items: rows.0, nextCursor: rows.1))
    }

    /// The owner, the submitter, or the submitting unit's leader withdraws a case.
    @Sendable func withdraw(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "case")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let row = try CaseStore.load(id, on: connection, forUpdate: true) else { throw Problem.notFound("Case") }
            let decision = try CaseStore.access(principal, to: row, on: connection)
            guard decision.canSeeCase else { throw Problem.notFound("Case") }
            guard principal.personId == row.ownerId || principal.personId == row.submittedBy
                || principal.hasRole(.unitLeader, in: row.submittingUnitId)
            else { throw Problem.forbidden("only the case's owner, its submitter or the unit's leader may withdraw it") }
            let next: CaseStatus
            do { next = try row.status.applying(.withdraw) } catch {
                throw Problem.conflict("invalid_transition", "\(error)")
            }
            try CaseStore.withdraw(id, status: next, on: connection)
            try outbox.append(CaseWithdrawn(caseId: id, arenaId: row.arenaId), on: connection)
            if row.kind == .named, let basis = decision.basis {
                try AccessLog.record(on: connection, actor: principal.personId, action: .withdraw, resource: row.category, resourceId: id,
                                     childId: row.childId, basis: basis, consentId: decision.consentId, requestId: context.id)
            }
            guard let resource = try CaseStore.read(id, principal: principal, on: connection, requestId: context.id) else {
                throw Problem.notFound("Case")
            }
            return try MutationResult(resource)
        }
    }

    // MARK: Referrals

    struct ReferralBody: StrictRequestBody {
        var targetService: ServiceKind
        var childId: UUID
        var consentId: UUID?
        var submittingUnitId: UUID
        var ownerId: UUID?
        var title: String?
        var concern: String?
        var question: String?
        var measuresTried: String?
        var currentServices: [ServiceKind]?
        var parentalResponsibility: [UUID]?
        var dailyCare: [UUID]?
        var consentedBy: [UUID]?
        var urgent: Bool?
        var originCaseId: UUID?
    }

    /// What a referral must say, and what it says wrong, in one list (``ReferralCompleteness``),
    /// plus the length of its texts.
    static func completeness(_ body: ReferralBody, guardians: [(id: UUID, responsibility: Bool, care: Bool)]) -> [Problem.Violation] {
        var v = Violations()
        v.text(body.question, "question", required: false, max: 8000)
        v.text(body.measuresTried, "measures_tried", required: false, max: 8000)
        let content = ReferralCompleteness.Content(
            question: body.question, measuresTried: body.measuresTried, currentServices: body.currentServices,
            parentalResponsibility: body.parentalResponsibility, dailyCare: body.dailyCare, consentedBy: body.consentedBy)
        for gap in ReferralCompleteness.gaps(content, guardians: guardians.map {
            ReferralCompleteness.Guardian(id: $0.id, parentalResponsibility: $0.responsibility, dailyCare: $0.care)
        }) {
            v.add(gap.field, gap.rule, gap.message)
        }
        return v.items
    }

    @Sendable func submitReferral(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let (body, raw) = try await APIJSON.decode(ReferralBody.self, from: request)
        var v = Violations()
        v.text(body.title, "title", required: false, max: 200)
        v.text(body.concern, "concern", required: false, max: 8000)
        if [.school, .kindergarten, .sfo, .municipalAdministration, .other].contains(body.targetService) {
            v.add("target_service", "not_referrable", "referrals go to a service such as bup or ppt")
        }
        try v.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            try Self.requireSubmitter(principal, unitId: body.submittingUnitId)
            guard case .full = try ChildAccessLoader.decide(principal: principal, childId: body.childId, on: connection) else {
                throw Problem.field("child_id", "not_found", "is not a child you have access to")
            }
            let guardians = try CaseStore.guardianships(of: body.childId, on: connection)
            let missing = Self.completeness(body, guardians: guardians)
            if !missing.isEmpty {
                throw Problem(.unprocessableContent, code: "referral_incomplete", title: "The referral is incomplete",
                              detail: missing.map { "\($0.field): \($0.message)" }.joined(separator: "; "), violations: missing)
            }
            // The receiving service's intake arena, when it has one (BUP's weekly intake meeting).
            let arenaKind = body.targetService == .bup ? ArenaKind.bupIntake.rawValue : "-"
            let arenaId = try CaseStore.firstActiveArena(kind: arenaKind, on: connection)
            let scope = try arenaId.flatMap { try CaseStore.arenaScope($0, on: connection) }
            let consent = try Self.consent(for: body.childId, requested: body.consentId, principal: principal, arena: scope,
                                           targetService: body.targetService, on: connection)
            let facts = CaseFacts(kind: .named, ownerId: principal.personId, submittedBy: principal.personId,
                                  submittingUnitId: body.submittingUnitId, arena: scope, targetService: body.targetService)
            let ownerId = try Self.owner(body.ownerId, principal: principal, facts: facts, childId: body.childId, on: connection)
            if let origin = body.originCaseId, try CaseStore.load(origin, on: connection) == nil {
                throw Problem.field("origin_case_id", "not_found", "is not a case")
            }
            let id = UUID()
            let title = body.title?.trimmed.isEmpty == false ? body.title!.trimmed : "Henvisning til \(body.targetService.norwegianName)"
            try CaseStore.insertReferral(CaseStore.NewReferral(
                id: id, arenaId: arenaId, targetService: body.targetService, childId: body.childId, consentId: consent.id,
                submittingUnitId: body.submittingUnitId, submittedBy: principal.personId, ownerId: ownerId, title: title,
                concern: body.concern?.trimmed ?? body.question!.trimmed, urgent: body.urgent ?? false, originCaseId: body.originCaseId,
                parentalResponsibility: body.parentalResponsibility ?? [], dailyCare: body.dailyCare ?? [], consentedBy: body.consentedBy ?? [],
                question: body.question!.trimmed, measuresTried: body.measuresTried!.trimmed, currentServices: body.currentServices ?? []),
                on: connection)
            try outbox.append(ReferralCreated(caseId: id, targetService: body.targetService, arenaId: arenaId, unitId: body.submittingUnitId,
                                              urgent: body.urgent ?? false, originCaseId: body.originCaseId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "referral", resourceId: id,
                                 childId: body.childId, basis: .consent, consentId: consent.id, requestId: context.id)
            guard let resource = try CaseStore.read(id, principal: principal, on: connection, requestId: context.id) else {
                throw Problem.notFound("Referral")
            }
            return try MutationResult(resource, status: .created, location: "/v1/referrals/\(id)")
        }
    }

    struct ResubmitBody: StrictRequestBody {
        var question: String?
        var measuresTried: String?
        var currentServices: [ServiceKind]?
        var note: String?
    }

    /// After an intake meeting asked for more information: the referrer completes it and it
    /// goes to the next intake meeting (`case.resubmitted`).
    @Sendable func resubmitReferral(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "referral")
        let (body, raw) = try await APIJSON.decode(ResubmitBody.self, from: request)
        var v = Violations()
        v.text(body.question, "question", required: false, max: 8000)
        v.text(body.measuresTried, "measures_tried", required: false, max: 8000)
        v.text(body.note, "note", required: false, max: 8000)
        try v.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let row = try CaseStore.load(id, on: connection, forUpdate: true), row.category == "referral" else { throw Problem.notFound("Referral") }
            let decision = try CaseStore.access(principal, to: row, on: connection)
            guard decision.canSeeCase else { throw Problem.notFound("Referral") }
            guard principal.personId == row.ownerId || principal.personId == row.submittedBy else {
                throw Problem.forbidden("only the referral's owner or submitter may complete it")
            }
            // Completing it writes about the child: only while the owner may see the child.
            guard decision.canSeeChild else { throw Problem.forbidden("you may no longer see the child this referral is about") }
            let next: CaseStatus
            do { next = try row.status.applying(.resubmit) } catch { throw Problem.conflict("invalid_transition", "\(error)") }
            try CaseStore.resubmitReferral(id, question: body.question?.trimmed, measuresTried: body.measuresTried?.trimmed,
                                           currentServices: body.currentServices, note: body.note?.trimmed, status: next, on: connection)
            try outbox.append(CaseResubmitted(caseId: id, arenaId: row.arenaId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "referral", resourceId: id,
                                 childId: row.childId, basis: decision.basis ?? .owner, consentId: decision.consentId, requestId: context.id)
            guard let resource = try CaseStore.read(id, principal: principal, on: connection, requestId: context.id) else {
                throw Problem.notFound("Referral")
            }
            return try MutationResult(resource)
        }
    }

    // MARK: Shared rules

    static func requireSubmitter(_ principal: Principal, unitId: UUID) throws {
        guard principal.kind == .staff, principal.isMember(of: unitId) else {
            throw Problem.field("submitting_unit_id", "not_member", "you submit on behalf of a unit you work in")
        }
    }

    /// The case's owner: the submitter, or someone who may already see what the case is
    /// about. For a named case that is the child's own unit or the consent the case stands
    /// on (``AccessPolicy/caseAccess`` for the owner-to-be); for an anonymous or system case
    /// a member of the submitting unit. Naming an owner never opens the case to anyone.
    static func owner(_ requested: UUID?, principal: Principal, facts: CaseFacts, childId: UUID?, on connection: PostgresConnection) throws -> UUID {
        guard let requested, requested != principal.personId else { return principal.personId }
        guard let candidate = try PrincipalCache.load(requested, on: connection), candidate.kind == .staff else {
            throw Problem.field("owner_id", "not_found", "is not active staff")
        }
        var ownedFacts = facts
        ownedFacts.ownerId = requested
        switch facts.kind {
        case .named:
            guard let childId, let child = try ChildAccessLoader.relations(childId, on: connection)?.0 else {
                throw Problem.field("child_id", "not_found", "is not a child you have access to")
            }
            let access = AccessPolicy.caseAccess(principal: candidate, facts: ownedFacts, child: child,
                                                 consents: try ChildAccessLoader.consents(childId, on: connection), isArenaParticipant: false, at: Date())
            guard access.canSeeChild else {
                throw Problem.field("owner_id", "no_access_basis",
                                    "must be someone the child's own unit or the consent already lets see the child")
            }
        case .anonymous, .system:
            guard candidate.isMember(of: facts.submittingUnitId) else {
                throw Problem.field("owner_id", "not_member", "must work in the submitting unit")
            }
        }
        return requested
    }

    /// The consent a named case or referral stands on: the one named, or the first that
    /// covers it. 422 names the rule when none does.
    static func consent(
        for childId: UUID, requested: UUID?, principal: Principal, arena: ArenaScope?, targetService: ServiceKind?,
        on connection: PostgresConnection
    ) throws -> ConsentGrant {
        guard case .full = try ChildAccessLoader.decide(principal: principal, childId: childId, on: connection) else {
            throw Problem.field("child_id", "not_found", "is not a child you have access to")
        }
        let consents = try ChildAccessLoader.consents(childId, on: connection)
        let birthDate = try CaseStore.birthDate(of: childId, on: connection)
        let childAge = birthDate.map { age(bornOn: $0, on: OsloTime.localDate(at: Date())) }
        let childUnitId = try ChildAccessLoader.relations(childId, on: connection)?.0.unitId
        let candidates = requested.map { id in consents.filter { $0.id == id } } ?? consents
        if requested != nil && candidates.isEmpty {
            throw Problem.field("consent_id", "not_found", "is not a consent for this child")
        }
        var problems: [ConsentProblem] = []
        for consent in candidates {
            if let problem = AccessPolicy.consentAllowsSubmission(consent, arena: arena, targetService: targetService, childAge: childAge,
                                                                  childUnitId: childUnitId, at: Date()) {
                problems.append(problem)
            } else {
                return consent
            }
        }
        let problem = problems.first
        throw Problem(.unprocessableContent, code: "consent_required", title: "A valid consent is required",
                      detail: problem?.description ?? "no consent is recorded for this child",
                      violations: [.init(field: requested == nil ? "child_id" : "consent_id", rule: problem?.code ?? "consent_required",
                                         message: problem?.description ?? "no consent covering this arena is recorded for the child")])
    }

    /// Screens an anonymous case's texts for identifying data: 11-digit numbers, phone
    /// numbers, dates of birth, names of children the unit knows and full names of the
    /// municipality's other children. Refused unless the submitter confirms; then the finding
    /// kinds (never the text) are kept on the case.
    static func screen(_ body: CaseBody, unitId: UUID, screens: ChildNameScreens, on connection: PostgresConnection) throws -> [String] {
        let screen = try screens.screen(forUnit: unitId, on: connection)
        var violations: [Problem.Violation] = []
        var kinds: Set<String> = []
        let texts = [("title", body.title), ("concern", body.concern), ("adaptations_tried", body.adaptationsTried ?? ""),
                     ("responsible_note", body.responsibleNote ?? "")]
            + (body.adaptations ?? []).enumerated().flatMap { index, adaptation in adaptation.fields(at: index) }.map { ($0.field, $0.text) }
        for (field, text) in texts {
            for finding in screen.findings(in: text) {
                kinds.insert("\(finding.kind)")
                violations.append(.init(field: field, rule: "personal_data_suspected", message: finding.fieldSafeDescription))
            }
        }
        if !violations.isEmpty && body.confirmNoPersonalData != true {
            throw Problem(.unprocessableContent, code: "personal_data_suspected",
                          title: "An anonymous case must not identify anyone",
                          detail: "remove the flagged content, or set confirm_no_personal_data if it identifies no one",
                          violations: violations)
        }
        return kinds.sorted()
    }
}
