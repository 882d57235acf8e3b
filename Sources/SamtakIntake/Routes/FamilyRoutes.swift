/// # Families (issue 17)
///
/// What a guardian with parental responsibility (or the young person themself) sees and does
/// about a child: `GET /v1/me/children`, `GET /v1/me/children/{id}`, giving a consent
/// digitally (`POST /v1/me/children/{id}/consents`, `POST /v1/me/consent-proposals/{id}/sign`)
/// and innsyn (`GET /v1/me/children/{id}/access-log`). The rules are in
/// `SamtakDomain/Model/Family.swift` (``FamilyAccess``, ``DigitalConsent``, ``FamilyPolicy``);
/// the SQL in ``FamilyStore``. A child that is not the caller's (or a guardian without parental
/// responsibility) is 404, whether the child exists or not.
import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakStore

struct FamilyRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("me/children", use: listChildren)
        group.get("me/children/{id}", use: getChild)
        group.post("me/children/{id}/consents", use: giveConsent)
        group.post("me/consent-proposals/{id}/sign", use: signProposal)
        group.post("me/consent-proposals/{id}/cancel", use: cancelProposal)
        group.get("me/children/{id}/access-log", use: accessLog)
        group.post("me/consents/{id}/narrow", use: narrowConsent)
        group.post("children/{id}/young-person", use: linkYoungPerson)
    }

    // MARK: Resources

    struct ChildSummary: Codable, Sendable {
        var id: UUID
        var name: String
        var birthDate: LocalDate?
        var unitName: String?
        var grade: Int?
        /// `guardian` or `self` (the young person).
        var accessBasis: AccessBasis
    }

    struct NamedRef: Codable, Sendable {
        var id: UUID
        var name: String
    }

    struct GiverResource: Codable, Sendable {
        var party: DigitalConsent.Party
        var name: String?
        var method: ConsentMethod
        var givenAt: Date
    }

    struct ConsentResource: Codable, Sendable {
        var id: UUID
        var services: [ServiceKind]
        var arenas: [NamedRef]
        var information: [InformationCategory]
        var validFrom: LocalDate
        var validUntil: LocalDate?
        var method: ConsentMethod
        var guardianRule: ConsentGiverRule?
        var youngPersonConsented: Bool
        var recordedAt: Date
        /// In force now (not expired, already valid).
        var active: Bool
        var givers: [GiverResource]
    }

    struct SignatureResource: Codable, Sendable {
        var personId: UUID
        var name: String
        var signedAt: Date
    }

    struct ProposalResource: Codable, Sendable {
        var id: UUID
        var childId: UUID
        var status: ConsentProposalStatus
        var consentId: UUID?
        var services: [ServiceKind]
        var arenas: [NamedRef]
        var information: [InformationCategory]
        var validFrom: LocalDate
        var validUntil: LocalDate?
        var guardianRule: ConsentGiverRule
        var proposedAt: Date
        var signed: [SignatureResource]
        /// Whose signature is still missing (the co-guardians, whom the family knows).
        var missing: [NamedRef]
        /// The caller may sign it now.
        var awaitingMe: Bool
        /// The caller may cancel it now (they signed it and it still waits).
        var mayCancel: Bool
    }

    struct ItemResource: Codable, Sendable {
        var id: UUID
        var title: String
        var caseId: UUID?
    }

    struct MeetingResource: Codable, Sendable {
        var id: UUID
        var arenaName: String
        var startsAt: Date
        var endsAt: Date
        var location: String
        var status: MeetingStatus
        /// Only this child's items.
        var items: [ItemResource]
    }

    struct FollowUpResource: Codable, Sendable {
        var id: UUID
        var description: String
        var responsibleName: String?
        var dueDate: LocalDate?
    }

    struct MinutesResource: Codable, Sendable {
        var meetingId: UUID
        var arenaName: String
        var startsAt: Date
        var approvedAt: Date?
        var agendaItemId: UUID
        var title: String
        var discussion: String
        var decision: CaseDecision?
        var decisionText: String
        var followUps: [FollowUpResource]
    }

    struct CoordinatorResource: Codable, Sendable {
        var name: String
        var kind: String
        var service: ServiceKind
        var unitName: String
    }

    struct ArenaChoice: Codable, Sendable {
        var id: UUID
        var name: String
        var kind: ArenaKind
    }

    struct ChildDetail: Codable, Sendable {
        var child: ChildSummary
        var consents: [ConsentResource]
        var awaitingSignatures: [ProposalResource]
        var meetings: [MeetingResource]
        var minutes: [MinutesResource]
        var coordinator: CoordinatorResource?
        /// Arenas a new consent may name: those of the child's own unit.
        var arenaChoices: [ArenaChoice]
    }

    // MARK: Loading the family's view of one child

    /// The child and the caller's basis as family, or nil (404).
    static func familyChild(_ id: UUID, principal: Principal, on connection: PostgresConnection)
        throws -> (row: FamilyStore.ChildRow, basis: AccessBasis, guardianships: [Guardianship])? {
        guard let row = try FamilyStore.child(id, on: connection) else { return nil }
        let guardianships = try AccessFacts.guardianships([id], on: connection)[id] ?? []
        guard let basis = FamilyAccess.basis(personId: principal.personId, guardianships: guardianships, childPersonId: row.personId)
        else { return nil }
        return (row, basis, guardianships)
    }

    static func grant(_ consent: FamilyStore.ConsentRow, childId: UUID) -> ConsentGrant {
        ConsentGrant(id: consent.id, childId: childId, services: Set(consent.services), arenaIds: Set(consent.arenaIds),
                     information: Set(consent.information), validFrom: consent.validFrom, validUntil: consent.validUntil,
                     withdrawnAt: consent.withdrawnAt, youngPersonConsented: consent.youngPersonConsented)
    }

    static func consentResource(_ consent: FamilyStore.ConsentRow, childId: UUID, arenaNames: [UUID: String], at now: Date) -> ConsentResource {
        ConsentResource(
            id: consent.id, services: consent.services, arenas: consent.arenaIds.map { NamedRef(id: $0, name: arenaNames[$0] ?? "") },
            information: consent.information, validFrom: consent.validFrom, validUntil: consent.validUntil, method: consent.method,
            guardianRule: consent.rule, youngPersonConsented: consent.youngPersonConsented, recordedAt: consent.recordedAt,
            active: grant(consent, childId: childId).isActive(at: now),
            givers: consent.givers.map { GiverResource(party: $0.party, name: $0.name, method: $0.method, givenAt: $0.givenAt) })
    }

    static func summary(_ row: FamilyStore.ChildRow, basis: AccessBasis) -> ChildSummary {
        ChildSummary(id: row.id, name: row.name, birthDate: row.birthDate, unitName: row.unitName, grade: row.grade, accessBasis: basis)
    }

    static func proposalResource(_ proposal: FamilyStore.ProposalRow, guardianships: [Guardianship], names: [UUID: String],
                                 arenaNames: [UUID: String], caller: UUID) -> ProposalResource {
        let signed = Set(proposal.signatures.map(\.personId))
        let missing = proposal.status == .awaitingGuardians
            ? DigitalConsent.missing(rule: proposal.rule, guardianships: guardianships, signed: signed) : []
        return ProposalResource(
            id: proposal.id, childId: proposal.childId, status: proposal.status, consentId: proposal.consentId, services: proposal.services,
            arenas: proposal.arenaIds.map { NamedRef(id: $0, name: arenaNames[$0] ?? "") }, information: proposal.information,
            validFrom: proposal.validFrom, validUntil: proposal.validUntil, guardianRule: proposal.rule, proposedAt: proposal.proposedAt,
            signed: proposal.signatures.map { SignatureResource(personId: $0.personId, name: names[$0.personId] ?? "", signedAt: $0.signedAt) },
            missing: missing.map { NamedRef(id: $0, name: names[$0] ?? "") }, awaitingMe: missing.contains(caller),
            mayCancel: (try? ConsentProposalCancellation.decide(status: proposal.status, signers: signed, personId: caller).get()) != nil)
    }

    // MARK: Handlers

    @Sendable func listChildren(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let items = try await environment.read(context) { connection, principal -> [ChildSummary] in
            let rows = try FamilyStore.children(of: principal.personId, on: connection)
            let guardianships = try AccessFacts.guardianships(rows.map(\.id), on: connection)
            var disclosures = Disclosures()
            var items: [ChildSummary] = []
            for row in rows {
                guard let basis = FamilyAccess.basis(personId: principal.personId, guardianships: guardianships[row.id] ?? [],
                                                     childPersonId: row.personId) else { continue }
                items.append(Self.summary(row, basis: basis))
                disclosures.add(Disclosure(resource: "child", resourceId: row.id, childId: row.id, basis: basis))
            }
            try AccessLog.record(disclosures, actor: principal.personId, requestId: context.id, on: connection)
            return items
        }
        return try APIJSON.response(["items": items])
    }

    @Sendable func getChild(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "child")
        let detail = try await environment.read(context) { connection, principal -> ChildDetail? in
            // Load the facts (a fixed number of statements).
            guard let (row, basis, guardianships) = try Self.familyChild(id, principal: principal, on: connection) else { return nil }
            let consents = try FamilyStore.consents(child: id, on: connection)
            let proposals = try FamilyStore.awaitingProposals(child: id, on: connection)
            let items = try FamilyStore.comingItems(child: id, participant: principal.personId, on: connection)
            let minutes = try FamilyStore.approvedMinutes(child: id, on: connection)
            let followUps = try FamilyStore.followUps(child: id, on: connection)
            let coordinator = try FamilyStore.coordinator(child: id, on: connection)
            let choices = try FamilyStore.arenas(unit: row.unitId, on: connection)
            let arenaIds = Set(consents.flatMap(\.arenaIds) + proposals.flatMap(\.arenaIds))
            let arenaNames = try FamilyStore.arenaNames(Array(arenaIds), on: connection)
            let people = Set(guardianships.map(\.guardianId) + proposals.flatMap { $0.signatures.map(\.personId) })
            let names = try FamilyStore.names(Array(people), on: connection)
            let now = Date()

            // Map, and record what is shown (once per resource).
            var disclosures = Disclosures()
            disclosures.add(Disclosure(resource: "child", resourceId: id, childId: id, basis: basis))
            if !consents.isEmpty || !proposals.isEmpty { disclosures.add(Disclosure(resource: "consent", childId: id, basis: basis)) }
            var meetings: [MeetingResource] = []
            for item in items {
                if meetings.last?.id != item.meetingId {
                    meetings.append(MeetingResource(id: item.meetingId, arenaName: item.arenaName, startsAt: item.startsAt, endsAt: item.endsAt,
                                                    location: item.location, status: item.status, items: []))
                    disclosures.add(Disclosure(resource: "agenda", resourceId: item.meetingId, childId: id, basis: basis))
                }
                meetings[meetings.count - 1].items.append(ItemResource(id: item.itemId, title: item.title, caseId: item.caseId))
            }
            let followUpsByItem = Dictionary(grouping: followUps, by: \.itemId)
            let minutesShown = minutes.map { entry -> MinutesResource in
                disclosures.add(Disclosure(resource: "minutes", resourceId: entry.meetingId, childId: id, basis: basis))
                return MinutesResource(
                    meetingId: entry.meetingId, arenaName: entry.arenaName, startsAt: entry.startsAt, approvedAt: entry.approvedAt,
                    agendaItemId: entry.itemId, title: entry.title, discussion: entry.discussion, decision: entry.decision,
                    decisionText: entry.decisionText,
                    followUps: (followUpsByItem[entry.itemId] ?? []).map {
                        FollowUpResource(id: $0.id, description: $0.description, responsibleName: $0.responsibleName, dueDate: $0.dueDate)
                    })
            }
            if coordinator != nil { disclosures.add(Disclosure(resource: "coordinator", childId: id, basis: basis)) }
            try AccessLog.record(disclosures, actor: principal.personId, requestId: context.id, on: connection)

            return ChildDetail(
                child: Self.summary(row, basis: basis),
                consents: consents.map { Self.consentResource($0, childId: id, arenaNames: arenaNames, at: now) },
                awaitingSignatures: proposals.map {
                    Self.proposalResource($0, guardianships: guardianships, names: names, arenaNames: arenaNames, caller: principal.personId)
                },
                meetings: meetings, minutes: minutesShown,
                coordinator: coordinator.map { CoordinatorResource(name: $0.name, kind: $0.kind, service: $0.service, unitName: $0.unitName) },
                arenaChoices: choices.map { ArenaChoice(id: $0.id, name: $0.name, kind: $0.kind) })
        }
        guard let detail else { throw Problem.notFound("Child") }
        return try APIJSON.response(detail)
    }

    // MARK: Digital consent

    struct ConsentBody: StrictRequestBody {
        var services: [ServiceKind]?
        var arenaIds: [UUID]?
        var information: [InformationCategory]?
        var validFrom: LocalDate
        var validUntil: LocalDate
    }

    /// A guardian (or the young person) gives a consent on the page: a proposal with their
    /// signature, in force at once when the purpose's rule needs nobody else; otherwise it
    /// waits for the other guardian(s) (`consent.proposed`).
    @Sendable func giveConsent(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let (body, raw) = try await APIJSON.decode(ConsentBody.self, from: request)
        let services = body.services ?? [], arenaIds = body.arenaIds ?? []
        let information = body.information ?? InformationCategory.allCases
        var violations = Violations()
        violations.require(!services.isEmpty || !arenaIds.isEmpty, "services", "required", "name at least one service or arena the consent covers")
        violations.list(services, "services", max: ServiceKind.allCases.count)
        violations.list(arenaIds, "arena_ids", max: 50)
        violations.list(information, "information", max: InformationCategory.allCases.count)
        violations.require(!information.isEmpty, "information", "required", "name at least one category of information")
        for (index, service) in services.enumerated() where service == .other {
            violations.add("services[\(index)]", "not_allowed", "name the service; 'other' is not a service a family can consent to")
        }
        let today = OsloTime.localDate(at: Date())
        if body.validFrom < today { violations.add("valid_from", "range", "must not be before today") }
        if body.validUntil < body.validFrom { violations.add("valid_until", "range", "must not be before valid_from") }
        try violations.throwIfAny()
        let outbox = environment.outbox, policy = environment.family
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let (row, basis, guardianships) = try Self.familyChild(childId, principal: principal, on: connection) else {
                throw Problem.notFound("Child")
            }
            // The arenas must be the child's own unit's (those the page offers).
            let offered = Set(try FamilyStore.arenas(unit: row.unitId, on: connection).map(\.id))
            var violations = Violations()
            var arenas: [ArenaScope] = []
            for (index, arenaId) in arenaIds.enumerated() {
                if offered.contains(arenaId), let scope = try AccessFacts.arenaScope(arenaId, on: connection) { arenas.append(scope) } else {
                    violations.add("arena_ids[\(index)]", "not_offered", "is not an arena of the child's own school or kindergarten")
                }
            }
            try violations.throwIfAny()
            let purpose = ConsentPurpose(services: Set(services), arenas: arenas)
            let childAge = row.birthDate.map { age(bornOn: $0, on: today) }
            let giver: (party: DigitalConsent.Party, rule: ConsentGiverRule)
            switch DigitalConsent.giver(principal.personId, guardianships: guardianships, childPersonId: row.personId, purpose: purpose,
                                        childAge: childAge, rule: policy.guardianRule(for: purpose)) {
            case .success(let value): giver = value
            case .failure(let violation): throw Problem.field(violation.field, violation.rule, violation.message)
            }
            if giver.party == .guardian && !guardianships.contains(where: \.parentalResponsibility) {
                throw Problem.field("child_id", "no_parental_responsibility", "no guardian with parental responsibility is registered")
            }
            let id = UUID()
            try FamilyStore.insertProposal(id: id, child: childId, purpose: services, arenaIds: arenaIds, information: information,
                                           validFrom: body.validFrom, validUntil: body.validUntil, rule: giver.rule, by: principal.personId,
                                           on: connection)
            try FamilyStore.insertSignature(proposal: id, person: principal.personId, party: giver.party, requestId: context.id, on: connection)
            let resource = try Self.completeIfReady(id, childId: childId, basis: basis, guardianships: guardianships, principal: principal,
                                                    outbox: outbox, context: context, on: connection)
            return try MutationResult(resource, status: .created, location: "/v1/me/children/\(childId)")
        }
    }

    /// Another guardian signs a consent that waits for them.
    @Sendable func signProposal(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "consent proposal")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            let (proposal, basis, guardianships) = try Self.familyProposal(id, principal: principal, on: connection)
            guard proposal.status == .awaitingGuardians else {
                throw Problem.conflict("not_awaiting", "the consent is no longer waiting for signatures")
            }
            let missing = DigitalConsent.missing(rule: proposal.rule, guardianships: guardianships, signed: Set(proposal.signatures.map(\.personId)))
            guard missing.contains(principal.personId) else {
                if proposal.signatures.contains(where: { $0.personId == principal.personId }) {
                    throw Problem.conflict("already_signed", "you have already given this consent")
                }
                throw Problem.forbidden("this consent does not wait for your signature")
            }
            try FamilyStore.insertSignature(proposal: id, person: principal.personId, party: .guardian, requestId: context.id, on: connection)
            let resource = try Self.completeIfReady(id, childId: proposal.childId, basis: basis, guardianships: guardianships, principal: principal,
                                                    outbox: outbox, context: context, on: connection)
            return try MutationResult(resource)
        }
    }

    /// One who signed a consent still waiting for another guardian cancels it
    /// (``ConsentProposalCancellation``): it never comes in force. `consent.proposal_cancelled`;
    /// logged as a change of the child's consent data.
    @Sendable func cancelProposal(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "consent proposal")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            var (proposal, basis, guardianships) = try Self.familyProposal(id, principal: principal, on: connection)
            switch ConsentProposalCancellation.decide(status: proposal.status, signers: Set(proposal.signatures.map(\.personId)),
                                                      personId: principal.personId) {
            case .failure(.notAwaiting): throw Problem.conflict("not_awaiting", "the consent is no longer waiting for signatures")
            case .failure(.notASigner): throw Problem.forbidden("only one who has given this consent may cancel it")
            case .success(let status):
                guard try FamilyStore.cancelProposal(id, on: connection) else {
                    throw Problem.conflict("not_awaiting", "the consent is no longer waiting for signatures")
                }
                proposal.status = status
            }
            try outbox.append(ConsentProposalCancelled(proposalId: id, childId: proposal.childId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "consent_proposal", resourceId: id,
                                 childId: proposal.childId, basis: basis, requestId: context.id)
            return try MutationResult(Self.proposalAnswer(proposal, guardianships: guardianships, caller: principal.personId, on: connection))
        }
    }

    /// After a signature: puts the consent in force when nobody is missing (consent.recorded),
    /// or announces that it waits (consent.proposed, first signature only). Logged as a change.
    static func completeIfReady(_ id: UUID, childId: UUID, basis: AccessBasis, guardianships: [Guardianship], principal: Principal,
                                outbox: Outbox, context: IntakeRequestContext, on connection: PostgresConnection) throws -> ProposalResource {
        guard var proposal = try FamilyStore.proposalForUpdate(id, on: connection) else { throw Problem.notFound("Consent proposal") }
        let missing = DigitalConsent.missing(rule: proposal.rule, guardianships: guardianships, signed: Set(proposal.signatures.map(\.personId)))
        if missing.isEmpty {
            let consentId = UUID()
            try FamilyStore.putInForce(proposal, consentId: consentId, lastSigner: principal.personId, on: connection)
            try outbox.append(ConsentRecorded(consentId: consentId, childId: childId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "consent", resourceId: consentId,
                                 childId: childId, basis: basis, requestId: context.id)
            proposal.status = .inForce
            proposal.consentId = consentId
        } else {
            if proposal.signatures.count == 1 { try outbox.append(ConsentProposed(proposalId: id, childId: childId), on: connection) }
            try AccessLog.record(on: connection, actor: principal.personId, action: proposal.signatures.count == 1 ? .create : .update,
                                 resource: "consent_proposal", resourceId: id, childId: childId, basis: basis, requestId: context.id)
        }
        return try Self.proposalAnswer(proposal, guardianships: guardianships, caller: principal.personId, on: connection)
    }

    /// A proposal, locked for a change, with the caller's basis as family and the guardianships;
    /// 404 when it does not exist or is not about the caller's child.
    static func familyProposal(_ id: UUID, principal: Principal, on connection: PostgresConnection) throws
        -> (FamilyStore.ProposalRow, AccessBasis, [Guardianship]) {
        guard let proposal = try FamilyStore.proposalForUpdate(id, on: connection),
              let (_, basis, guardianships) = try Self.familyChild(proposal.childId, principal: principal, on: connection)
        else { throw Problem.notFound("Consent proposal") }
        return (proposal, basis, guardianships)
    }

    /// The answer to a change of a proposal: the resource with the names the family sees.
    static func proposalAnswer(_ proposal: FamilyStore.ProposalRow, guardianships: [Guardianship], caller: UUID,
                               on connection: PostgresConnection) throws -> ProposalResource {
        let names = try FamilyStore.names(guardianships.map(\.guardianId) + proposal.signatures.map(\.personId), on: connection)
        let arenaNames = try FamilyStore.arenaNames(proposal.arenaIds, on: connection)
        return Self.proposalResource(proposal, guardianships: guardianships, names: names, arenaNames: arenaNames, caller: caller)
    }

    // MARK: Young people as users

    struct LinkBody: StrictRequestBody {
        var email: String?
    }

    struct LinkResource: Codable, Sendable {
        var childId: UUID
        var personId: UUID
    }

    /// An administrator links a child record to a new person of kind `young_person`, who then
    /// signs in through the citizen provider with the child's identity number (the person gets
    /// the child's keyed hash) and sees their own record as `self`: meetings and minutes items
    /// about them, their own consents where the law gives them the say, innsyn. The answer
    /// names no one (an administrator reads no child's data).
    @Sendable func linkYoungPerson(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        try context.requirePrincipal().requireAdministrator("an administrator links a young person to their record")
        let (body, raw) = try await APIJSON.decode(LinkBody.self, from: request)
        var violations = Violations()
        violations.text(body.email, "email", required: false, max: 254)
        if let email = body.email, !email.contains("@") { violations.add("email", "format", "must be an e-mail address") }
        try violations.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            let personId = UUID()
            guard try FamilyStore.linkYoungPerson(child: childId, personId: personId, email: body.email, on: connection) else {
                if try FamilyStore.childExists(childId, on: connection) {
                    throw Problem.conflict("already_linked", "the child is already linked to a person")
                }
                throw Problem.notFound("Child")
            }
            try outbox.append(YoungPersonLinked(childId: childId, personId: personId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "young_person_link", resourceId: personId,
                                 childId: childId, basis: .administrator, requestId: context.id)
            return try MutationResult(LinkResource(childId: childId, personId: personId), status: .created, location: "/v1/people/\(personId)")
        }
    }

    // MARK: Narrowing

    struct NarrowBody: StrictRequestBody {
        var services: [ServiceKind]?
        var arenaIds: [UUID]?
        var information: [InformationCategory]?
        var validUntil: LocalDate?
    }

    /// The family narrows a consent (a partial withdrawal, done alone): what is absent stays as
    /// it was. The original is withdrawn and a narrower one replaces it, in one transaction
    /// (`consent.withdrawn`, `consent.recorded`); the next render of any agenda follows it.
    @Sendable func narrowConsent(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "consent")
        let (body, raw) = try await APIJSON.decode(NarrowBody.self, from: request)
        var violations = Violations()
        violations.list(body.services ?? [], "services", max: ServiceKind.allCases.count)
        violations.list(body.arenaIds ?? [], "arena_ids", max: 50)
        violations.list(body.information ?? [], "information", max: InformationCategory.allCases.count)
        try violations.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let (childId, original) = try FamilyStore.consentInForce(id, on: connection),
                  let (_, basis, _) = try Self.familyChild(childId, principal: principal, on: connection)
            else { throw Problem.notFound("Consent") }
            // The young person's own consent is theirs to change; the guardians' is the guardians'.
            if (original.rule == .youngPerson) != (basis == .selfAccess) {
                throw Problem.forbidden(basis == .selfAccess ? "the guardians gave this consent" : "the young person gave this consent")
            }
            let services = body.services ?? original.services, arenaIds = body.arenaIds ?? original.arenaIds
            let information = body.information ?? original.information
            let validUntil = body.validUntil ?? original.validUntil
            let problems = ConsentNarrowing.violations(
                original: Self.grant(original, childId: childId), services: Set(services), arenaIds: Set(arenaIds), information: Set(information),
                validUntil: validUntil, today: OsloTime.localDate(at: Date()))
            var refused = Violations()
            for problem in problems { refused.add(problem.field, problem.rule, problem.message) }
            try refused.throwIfAny()
            let narrowed = UUID()
            try FamilyStore.narrow(id, into: narrowed, services: services, arenaIds: arenaIds, information: information, validUntil: validUntil,
                                   by: principal.personId, on: connection)
            try outbox.append(ConsentWithdrawn(consentId: id, childId: childId), on: connection)
            try outbox.append(ConsentRecorded(consentId: narrowed, childId: childId), on: connection)
            var disclosures = Disclosures()
            disclosures.add(Disclosure(action: .withdraw, resource: "consent", resourceId: id, childId: childId, basis: basis))
            disclosures.add(Disclosure(action: .create, resource: "consent", resourceId: narrowed, childId: childId, basis: basis))
            try AccessLog.record(disclosures, actor: principal.personId, requestId: context.id, on: connection)
            guard let (_, row) = try FamilyStore.consentInForce(narrowed, on: connection) else { throw Problem.notFound("Consent") }
            let names = try FamilyStore.arenaNames(row.arenaIds, on: connection)
            return try MutationResult(Self.consentResource(row, childId: childId, arenaNames: names, at: Date()), status: .created,
                                      location: "/v1/me/children/\(childId)")
        }
    }

    // MARK: Innsyn

    struct ActorRole: Codable, Sendable {
        var service: ServiceKind
        var role: Role
        var title: String
        var unitName: String
    }

    struct ActorResource: Codable, Sendable {
        var kind: PersonKind?
        /// Only where the municipality's policy allows (`SAMTAK_INNSYN_SHOW_NAMES`), and always for
        /// the family itself.
        var name: String?
        var roles: [ActorRole]
        /// The caller themself.
        var isMe: Bool
    }

    struct AccessEntry: Codable, Sendable {
        var at: Date
        var action: String
        var subject: InnsynSubject
        var resourceId: UUID?
        var basis: String
        var actor: ActorResource
    }

    struct AccessPage: Codable, Sendable {
        var items: [AccessEntry]
        var nextCursor: String?
    }

    /// Every read and change of the child's data in the access log, newest first, paged
    /// (`limit`, `cursor`), within `from`–`to` (Oslo dates, both included). Reading it is logged.
    @Sendable func accessLog(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        var violations = Violations()
        let from = request.dateQuery("from", into: &violations)
        let to = request.dateQuery("to", into: &violations)
        if let from, let to, to < from { violations.add("to", "range", "must not be before from") }
        var limit = 50
        if let raw = request.query("limit") {
            if let value = Int(raw), (1...200).contains(value) { limit = value } else { violations.add("limit", "range", "must be a whole number from 1 to 200") }
        }
        var before: Int64?
        if let raw = request.query("cursor") {
            if let value = Int64(raw), value > 0 { before = value } else { violations.add("cursor", "format", "is not a cursor this API issued") }
        }
        try violations.throwIfAny()
        let showNames = environment.family.innsynShowsNames, pageSize = limit, cursor = before
        let page = try await environment.read(context) { connection, principal -> AccessPage? in
            guard let (_, basis, guardianships) = try Self.familyChild(childId, principal: principal, on: connection) else { return nil }
            let rows = try FamilyStore.accessLog(
                child: childId, from: from.map { OsloTime.instant(for: LocalDateTime(date: $0, time: .midnight)) },
                to: to.map { OsloTime.instant(for: LocalDateTime(date: $0.adding(days: 1), time: .midnight)) },
                before: cursor, limit: pageSize, on: connection)
            let shown = Array(rows.prefix(pageSize))
            let actors = try AccessFacts.people(Array(Set(shown.map(\.actorId))), on: connection)
            let family = Set(guardianships.map(\.guardianId))
            let items = shown.map { row -> AccessEntry in
                let person = actors[row.actorId]
                let isFamily = family.contains(row.actorId) || person?.kind != .staff
                let roles = (person?.memberships ?? []).map { ActorRole(service: $0.service, role: $0.role, title: $0.title, unitName: $0.unitName) }
                return AccessEntry(at: row.at, action: row.action, subject: InnsynSubject(resource: row.resource), resourceId: row.resourceId,
                                   basis: row.basis,
                                   actor: ActorResource(kind: person?.kind, name: (showNames || isFamily) ? person?.name : nil, roles: roles,
                                                        isMe: row.actorId == principal.personId))
            }
            // Reading the log is itself logged (after the read, so it shows on the next page view).
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "access_log", resourceId: nil,
                                 childId: childId, basis: basis, requestId: context.id)
            return AccessPage(items: items, nextCursor: rows.count > pageSize ? shown.last.map { String($0.id) } : nil)
        }
        guard let page else { throw Problem.notFound("Child") }
        return try APIJSON.response(page)
    }
}
