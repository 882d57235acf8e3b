import Foundation

/// Who is asking: a person and the roles they hold in units.
public struct Principal: Sendable, Hashable {
    public struct Membership: Sendable, Hashable {
        public var unitId: UUID
        public var service: ServiceKind
        public var role: Role
        public init(unitId: UUID, service: ServiceKind, role: Role) {
            self.unitId = unitId
            self.service = service
            self.role = role
        }
    }

    public var personId: UUID
    public var kind: PersonKind
    public var memberships: [Membership]

    public init(personId: UUID, kind: PersonKind, memberships: [Membership]) {
        self.personId = personId
        self.kind = kind
        self.memberships = memberships
    }

    public var isAdministrator: Bool { memberships.contains { $0.role == .administrator } }
    public var unitIds: Set<UUID> { Set(memberships.map(\.unitId)) }
    public var services: Set<ServiceKind> { Set(memberships.map(\.service)) }

    public func hasRole(_ role: Role, in unitId: UUID) -> Bool {
        memberships.contains { $0.unitId == unitId && $0.role == role }
    }
    /// Works in the unit, in any role but the register's `administrator` (administering the
    /// register is no work with the unit's children or cases).
    public func isMember(of unitId: UUID) -> Bool { memberships.contains { $0.unitId == unitId && $0.role != .administrator } }
    /// Works in the service, in any role but the register's `administrator`.
    public func isMember(ofService service: ServiceKind) -> Bool { memberships.contains { $0.service == service && $0.role != .administrator } }
}

/// A consent as the access rules see it.
public struct ConsentGrant: Sendable, Hashable {
    public var id: UUID
    public var childId: UUID
    public var services: Set<ServiceKind>
    public var arenaIds: Set<UUID>
    /// Units of unit-bound services (school, kindergarten, SFO) the consent names besides
    /// the child's own, e.g. the school the child moves to.
    public var unitIds: Set<UUID>
    public var information: Set<InformationCategory>
    public var validFrom: LocalDate
    public var validUntil: LocalDate?
    public var withdrawnAt: Date?
    public var youngPersonConsented: Bool

    public init(id: UUID, childId: UUID, services: Set<ServiceKind>, arenaIds: Set<UUID>, unitIds: Set<UUID> = [],
                information: Set<InformationCategory>, validFrom: LocalDate, validUntil: LocalDate?, withdrawnAt: Date?,
                youngPersonConsented: Bool) {
        self.id = id
        self.childId = childId
        self.services = services
        self.arenaIds = arenaIds
        self.unitIds = unitIds
        self.information = information
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.withdrawnAt = withdrawnAt
        self.youngPersonConsented = youngPersonConsented
    }

    /// In force at `instant` (Oslo date within the period, not withdrawn by then).
    public func isActive(at instant: Date) -> Bool {
        let today = OsloTime.localDate(at: instant)
        if let withdrawnAt, withdrawnAt <= instant { return false }
        if today < validFrom { return false }
        if let validUntil, today > validUntil { return false }
        return true
    }

    /// The units a unit-bound service in this consent means: the child's own and those named.
    /// "School" in a consent is the child's school, never every school.
    public func coversUnit(_ unitId: UUID, childUnitId: UUID?) -> Bool {
        unitId == childUnitId || unitIds.contains(unitId)
    }

    /// Whether the consent lifts confidentiality towards a person through this membership:
    /// its service is named, the role is not the register's `administrator` (administering
    /// the register is no service to the child), and a unit-bound service (school,
    /// kindergarten, SFO) is the child's own unit or one the consent names.
    public func covers(_ membership: Principal.Membership, childUnitId: UUID?) -> Bool {
        guard membership.role != .administrator, services.contains(membership.service) else { return false }
        return !ServiceKind.unitBound.contains(membership.service) || coversUnit(membership.unitId, childUnitId: childUnitId)
    }

    /// An arena is covered when the consent names it, or names every service that takes
    /// part in it (confidentiality is lifted between exactly those services) and every
    /// school, kindergarten or SFO in it is the child's own or named in the consent. A service
    /// that joins the arena only with consent (``ArenaScope/consentOnlyServices``) is not
    /// needed for the arena to be covered: without it the meeting goes on without that service.
    public func covers(_ arena: ArenaScope, childUnitId: UUID?) -> Bool {
        if arenaIds.contains(arena.id) { return true }
        let required = arena.participantServices.subtracting(arena.consentOnlyServices)
        guard !required.isEmpty, required.isSubset(of: services) else { return false }
        return arena.unitBoundUnitIds.allSatisfy { coversUnit($0, childUnitId: childUnitId) }
    }
}

/// What the access rules need to know about an arena.
public struct ArenaScope: Sendable, Hashable {
    public var id: UUID
    public var participantServices: Set<ServiceKind>
    /// The schools, kindergartens and SFOs that own or take part in the arena.
    public var unitBoundUnitIds: Set<UUID>
    public var youngPersonConsentAge: Int?
    /// Services that take part in the arena "only with consent" (`arena_participants.presence
    /// = 'with_consent'`, and no other way): the health nurse in "Samarbeidsmøte – skolefravær"
    /// (seed 000: "helsesykepleier (med samtykke)"). Someone who takes part only through such a
    /// service is left out of a named case's discussion (its agenda copy) unless a consent of
    /// the child names their service; a consent naming the arena alone is not enough for them.
    public var consentOnlyServices: Set<ServiceKind>
    public init(id: UUID, participantServices: Set<ServiceKind>, unitBoundUnitIds: Set<UUID> = [], youngPersonConsentAge: Int? = nil,
                consentOnlyServices: Set<ServiceKind> = []) {
        self.id = id
        self.participantServices = participantServices
        self.unitBoundUnitIds = unitBoundUnitIds
        self.youngPersonConsentAge = youngPersonConsentAge
        self.consentOnlyServices = consentOnlyServices
    }

    /// Whether `principal` takes part in the arena only through a service that joins it only
    /// with consent (and through none of its other services).
    public func joinsOnlyWithConsent(_ principal: Principal) -> Bool {
        guard !consentOnlyServices.isEmpty else { return false }
        let services = Set(principal.memberships.filter { $0.role != .administrator }.map(\.service))
        return !services.isDisjoint(with: consentOnlyServices) && services.isDisjoint(with: participantServices.subtracting(consentOnlyServices))
    }
}

/// A guardian as the register records them (foreldreansvar, daglig omsorg).
public struct Guardianship: Sendable, Hashable {
    public var guardianId: UUID
    public var parentalResponsibility: Bool
    public var dailyCare: Bool
    public init(guardianId: UUID, parentalResponsibility: Bool, dailyCare: Bool) {
        self.guardianId = guardianId
        self.parentalResponsibility = parentalResponsibility
        self.dailyCare = dailyCare
    }

    /// A guardian sees the child (and receives what a guardian receives) only with parental
    /// responsibility or daily care; without both they see nothing, as any stranger.
    public var givesAccess: Bool { parentalResponsibility || dailyCare }
}

/// A child's relations that give access without consent.
public struct ChildRelations: Sendable, Hashable {
    public var childId: UUID
    /// The guardians with access (parental responsibility or daily care, ``Guardianship/givesAccess``).
    public var guardianIds: Set<UUID>
    /// The child as a user (a young person with a login), if any.
    public var personId: UUID?
    /// The child's own kindergarten or school.
    public var unitId: UUID?
    public init(childId: UUID, guardianIds: Set<UUID>, personId: UUID?, unitId: UUID?) {
        self.childId = childId
        self.guardianIds = guardianIds
        self.personId = personId
        self.unitId = unitId
    }

    /// The relations from the register's guardianships: only those that give access count.
    public init(childId: UUID, guardianships: [Guardianship], personId: UUID?, unitId: UUID?) {
        self.init(childId: childId, guardianIds: Set(guardianships.filter(\.givesAccess).map(\.guardianId)), personId: personId, unitId: unitId)
    }
}

/// On what grounds a person may see a child's data. Recorded in the access log.
public enum AccessBasis: String, Codable, Sendable, CaseIterable {
    /// Submitted or owns the case.
    case owner
    case guardian
    /// The young person themself.
    case selfAccess = "self"
    /// A valid consent covers the person's service (and the arena).
    case consent
    /// Staff of the child's own kindergarten or school.
    case ownUnit = "own_unit"
    /// Takes part in the arena (sees anonymous and system cases, and redacted named ones).
    case participant
    /// The municipality's register (units, people, arenas): never children's data.
    case administrator
    /// Done by a worker on behalf of the system (scheduling, sending).
    case system
}

/// The outcome of an access check.
public enum AccessDecision: Sendable, Hashable {
    /// Everything, including the child's identity.
    case full(AccessBasis, consentId: UUID?)
    /// The case is visible but not who it is about (e.g. a participant whose service the
    /// consent does not cover, or after consent was withdrawn).
    case redacted(AccessBasis)
    /// Nothing: the API answers 404, so it does not reveal whether the record exists.
    case denied

    public var canSeeChild: Bool { if case .full = self { return true } else { return false } }
    public var canSeeCase: Bool { self != .denied }
    public var basis: AccessBasis? {
        switch self {
        case .full(let basis, _), .redacted(let basis): basis
        case .denied: nil
        }
    }
    public var consentId: UUID? { if case .full(_, let id) = self { return id } else { return nil } }
}

/// The facts of a case the access rules look at.
public struct CaseFacts: Sendable, Hashable {
    public var kind: CaseKind
    public var ownerId: UUID
    public var submittedBy: UUID
    public var submittingUnitId: UUID
    public var arena: ArenaScope?
    public var targetService: ServiceKind?
    public init(kind: CaseKind, ownerId: UUID, submittedBy: UUID, submittingUnitId: UUID, arena: ArenaScope?, targetService: ServiceKind?) {
        self.kind = kind
        self.ownerId = ownerId
        self.submittedBy = submittedBy
        self.submittingUnitId = submittingUnitId
        self.arena = arena
        self.targetService = targetService
    }
}

/// The rules for who sees what. Pure: the caller loads the facts, these decide.
///
/// Need to know first, then consent: a person must be involved (owner, guardian, the
/// child, a member of the submitting unit, a participant of the case's arena, or staff of
/// the service a referral goes to), and, for a named case, a valid consent must cover
/// their service (and the arena) before they see who the case is about.
///
/// Owning or submitting a case is involvement, never a basis of its own: the owner and the
/// submitter of a named case see the child while the child's own unit (their work there)
/// or the consent covers them, exactly as anyone else; without either they see the case
/// redacted, like a participant whose service the consent does not name.
public enum AccessPolicy {
    public static let ownUnitRoles: Set<Role> = [.unitLeader, .teacher, .specialNeedsCoordinator, .socialTeacher]

    /// Works at the child's own kindergarten or school in a role responsible for the child.
    public static func worksAtOwnUnit(_ principal: Principal, child: ChildRelations) -> Bool {
        guard let unit = child.unitId else { return false }
        return principal.memberships.contains { $0.unitId == unit && ownUnitRoles.contains($0.role) }
    }

    /// - Parameter takesPartAsGuest: takes part in the meeting while the case is discussed
    ///   without being one of the arena's participants (invited for the whole meeting or for
    ///   this item, or organising it): sees that the case is discussed, but a consent that
    ///   names the arena covers only the arena's own participants: a guest reads a named case
    ///   in full only when the consent covers the guest's own service.
    public static func caseAccess(
        principal: Principal, facts: CaseFacts, child: ChildRelations?, consents: [ConsentGrant],
        isArenaParticipant: Bool, takesPartAsGuest: Bool = false, at instant: Date
    ) -> AccessDecision {
        let ownsCase = principal.personId == facts.ownerId || principal.personId == facts.submittedBy
        let involvedOtherwise = ownsCase || isArenaParticipant || principal.isMember(of: facts.submittingUnitId)
            || (facts.targetService.map { principal.isMember(ofService: $0) } ?? false)
        let involved = involvedOtherwise || takesPartAsGuest
        switch facts.kind {
        case .anonymous, .system:
            guard involved else { return .denied }
            return .full(ownsCase ? .owner : isArenaParticipant ? .participant : .ownUnit, consentId: nil)
        case .named:
            if let child {
                if child.guardianIds.contains(principal.personId) { return .full(.guardian, consentId: nil) }
                if child.personId == principal.personId { return .full(.selfAccess, consentId: nil) }
            }
            guard involved else { return .denied }
            if ownsCase, let child, worksAtOwnUnit(principal, child: child) { return .full(.ownUnit, consentId: nil) }
            if let consent = coveringConsent(principal: principal, arena: facts.arena, targetService: facts.targetService,
                                             childUnitId: child?.unitId, consents: consents, arenaNameSuffices: involvedOtherwise, at: instant) {
                return .full(.consent, consentId: consent.id)
            }
            // A participant "only with consent" without one is left out of the case altogether
            // (not even its redacted line): the seed's nurse in the school-absence meeting.
            let onlyWithConsent = isArenaParticipant && !ownsCase && (facts.arena?.joinsOnlyWithConsent(principal) ?? false)
            if (isArenaParticipant && !onlyWithConsent) || takesPartAsGuest { return .redacted(.participant) }
            return ownsCase ? .redacted(.owner) : .denied
        }
    }

    /// Someone who joins an arena only with consent (``ArenaScope/joinsOnlyWithConsent(_:)``: the
    /// nurse in the school-absence meeting) takes part in one of its meetings only when a consent
    /// lets them, as a participant, see one of its named cases in full. Used for the API's
    /// agenda and for who gets the notifier's copies.
    public static func takesPartWithConsent(_ principal: Principal, namedCases: [(facts: CaseFacts, childId: UUID)],
                                            children: ChildFactsBatch, at instant: Date) -> Bool {
        namedCases.contains { facts, childId in
            facts.kind == .named && caseAccess(principal: principal, facts: facts, child: children.relations[childId],
                                               consents: children.consents[childId] ?? [], isArenaParticipant: true, at: instant).canSeeChild
        }
    }

    /// What is about the child in a meeting around one child (samarbeidsmøte, ansvarsgruppe:
    /// its items without a case, the minutes' general notes), for the API and for each
    /// copy the notifier sends: only someone taking part (invited, or who called it) who may
    /// see the child now. Organising or standing in the arena is not enough.
    public static func childMeetingContent(takesPart: Bool, principal: Principal, child: ChildRelations,
                                           consents: [ConsentGrant], at instant: Date) -> AccessDecision {
        guard takesPart else { return .denied }
        let access = childAccess(principal: principal, child: child, consents: consents, at: instant)
        return access.canSeeChild ? access : .denied
    }

    /// Whoever registered a child sees it while the child belongs to no unit of its own (a
    /// health station registering a newborn), and never as the register's administrator;
    /// once the child has a unit the ordinary bases decide. Registering is no lasting basis.
    public static func registrarAccess(principal: Principal, registeredBy: UUID, child: ChildRelations) -> Bool {
        principal.personId == registeredBy && child.unitId == nil && principal.kind == .staff
            && principal.memberships.contains { $0.role != .administrator }
    }

    /// Direct access to a child's record.
    public static func childAccess(principal: Principal, child: ChildRelations, consents: [ConsentGrant], at instant: Date) -> AccessDecision {
        if child.guardianIds.contains(principal.personId) { return .full(.guardian, consentId: nil) }
        if child.personId == principal.personId { return .full(.selfAccess, consentId: nil) }
        if worksAtOwnUnit(principal, child: child) { return .full(.ownUnit, consentId: nil) }
        for consent in consents where consent.childId == child.childId && consent.isActive(at: instant) {
            if principal.memberships.contains(where: { consent.covers($0, childUnitId: child.unitId) }) {
                return .full(.consent, consentId: consent.id)
            }
        }
        return .denied
    }

    /// The first active consent that covers the principal in this context: one that names the
    /// arena, or one that covers one of the principal's memberships (for a school, kindergarten
    /// or SFO: the child's own unit or one the consent names) and covers the arena.
    public static func coveringConsent(
        principal: Principal, arena: ArenaScope?, targetService: ServiceKind?, childUnitId: UUID?, consents: [ConsentGrant],
        arenaNameSuffices: Bool = true, at instant: Date
    ) -> ConsentGrant? {
        consents.first { consent in
            guard consent.isActive(at: instant) else { return false }
            if let targetService, !consent.services.contains(targetService) { return false }
            // A consent that names the arena lifts confidentiality among all who take part in
            // it (not among guests invited to the meeting: `arenaNameSuffices` false), except
            // those who join it only with consent: their own service must be named.
            if arenaNameSuffices, let arena, consent.arenaIds.contains(arena.id), !arena.joinsOnlyWithConsent(principal) { return true }
            guard principal.memberships.contains(where: { consent.covers($0, childUnitId: childUnitId) }) else { return false }
            if let arena, !consent.covers(arena, childUnitId: childUnitId) { return false }
            return true
        }
    }

    /// Whether a consent allows submitting a named case to `arena` (or a referral to
    /// `targetService`) for a child of `age` (nil when unknown) whose own unit is `childUnitId`.
    public static func consentAllowsSubmission(
        _ consent: ConsentGrant, arena: ArenaScope?, targetService: ServiceKind?, childAge: Int?, childUnitId: UUID?, at instant: Date
    ) -> ConsentProblem? {
        guard consent.isActive(at: instant) else { return .notActive }
        if let arena, !consent.covers(arena, childUnitId: childUnitId) { return .arenaNotCovered }
        if let targetService, !consent.services.contains(targetService) { return .serviceNotCovered }
        let requiredAge = arena?.youngPersonConsentAge ?? (targetService?.youngPersonConsentAge)
        if let requiredAge, let childAge, childAge >= requiredAge, !consent.youngPersonConsented {
            return .youngPersonMustConsent(fromAge: requiredAge)
        }
        return nil
    }
}

public enum ConsentProblem: Sendable, Hashable, CustomStringConvertible {
    case notActive
    case arenaNotCovered
    case serviceNotCovered
    case youngPersonMustConsent(fromAge: Int)

    public var code: String {
        switch self {
        case .notActive: "consent_not_active"
        case .arenaNotCovered: "consent_does_not_cover_arena"
        case .serviceNotCovered: "consent_does_not_cover_service"
        case .youngPersonMustConsent: "young_person_must_consent"
        }
    }

    public var description: String {
        switch self {
        case .notActive: "the consent is not in force (withdrawn, expired or not yet valid)"
        case .arenaNotCovered: "the consent does not cover this arena or all the services that take part in it"
        case .serviceNotCovered: "the consent does not cover the service the referral goes to"
        case .youngPersonMustConsent(let age): "from age \(age) the young person must consent too"
        }
    }
}

extension ServiceKind {
    /// Services a consent names by kind but means the child's own unit of: a consent for
    /// "school" lifts confidentiality towards the child's school, not every school.
    public static let unitBound: Set<ServiceKind> = [.school, .kindergarten, .sfo]

    /// Health services: from 16 the young person consents themself (pasient- og
    /// brukerrettighetsloven § 4-3).
    public var youngPersonConsentAge: Int? {
        switch self {
        case .bup, .healthStation, .municipalPsychologist, .generalPractitioner, .physiotherapy, .habilitation, .mentalHealth, .homeServices, .hospital: 16
        default: nil
        }
    }
}

/// Age in whole years on `date`.
public func age(bornOn birthDate: LocalDate, on date: LocalDate) -> Int {
    var years = date.year - birthDate.year
    if (date.month, date.day) < (birthDate.month, birthDate.day) { years -= 1 }
    return years
}
