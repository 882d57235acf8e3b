/// # Cooperation around one child: the rules
///
/// Seeds 001–004: a child who needs help from several services gets a coordinator
/// (stafettholder, IP-koordinator or barnekoordinator) and a coordination log (stafettlogg)
/// of measures, progress and transitions; meetings around the child (samarbeidsmøte,
/// ansvarsgruppe) are called with the family and the helpers involved; an individual plan
/// may take over from the log. Confidentiality is lifted only between the services the
/// family's consent names, so consent decides everything here:
///
/// - **Covered membership.** A consent covers a person through one of their memberships
///   when the membership's service is named in the consent, the role is not the register's
///   `administrator`, and, for unit-bound services (school, kindergarten, SFO), the unit is
///   the child's own or one the consent names ("school" in a consent means the child's
///   school, not every school; ``ConsentGrant/covers(_:childUnitId:)``).
///   `municipal_administration` counts when named (the same rule as ``AccessPolicy/childAccess``):
///   the municipality's coordinating unit (barnekoordinator) is a service a family can consent to.
/// - **Coordinator.** Active staff covered by an active consent; the assignment records the
///   consent and the covering membership (unit). One at a time (database: unique index).
/// - **Handover.** Only the coordinator hands over, to active staff covered by an active
///   consent; the recipient accepts or declines (``HandoverMachine``); coverage is checked
///   again at acceptance, because consent may have been withdrawn in between.
/// - **Coordination log.** Guardians and the young person read it; staff covered by an
///   active consent read and write it (the coordinator is such staff by construction and
///   loses access with the consent). Nobody else, not even the child's own school without
///   consent: the log gathers several services' information. Closed logs are read-only.
/// - **Called meetings.** Participants are the child's guardians, the young person, and
///   staff covered by one active consent (or any staff when that consent names the arena:
///   "i samtykke til opprettelse av ansvarsgruppe oppheves taushetsplikten mellom
///   deltagerne", seed 003). The meeting stores that consent.
import Foundation

/// The three names the seeds use for the coordinator's role.
public enum CoordinatorKind: String, Codable, Sendable, CaseIterable, Hashable {
    /// Stafettholder, who keeps the stafettlogg (seed 004, BTI).
    case stafettholder
    /// Koordinator for an individual plan (seeds 003, 004).
    case ipCoordinator = "ip_coordinator"
    /// Barnekoordinator (the municipality's coordinator for families with a disabled child).
    case childCoordinator = "child_coordinator"

    public var norwegianName: String {
        switch self {
        case .stafettholder: "stafettholder"
        case .ipCoordinator: "koordinator for individuell plan"
        case .childCoordinator: "barnekoordinator"
        }
    }
}

/// Why a person cannot be coordinator (or participant) for a child: codes for problems.
public enum CoordinationRefusal: String, Error, Sendable, Hashable, CustomStringConvertible {
    case notStaff = "not_staff"
    case noActiveConsent = "consent_required"
    case serviceNotCovered = "consent_does_not_cover_service"
    case notMemberOfUnit = "not_member_of_unit"

    public var description: String {
        switch self {
        case .notStaff: "must be active staff of a service"
        case .noActiveConsent: "the child has no consent in force"
        case .serviceNotCovered: "works in no service the family's consent covers (for school, kindergarten and SFO: the child's own unit)"
        case .notMemberOfUnit: "does not work in the given unit, or the consent does not cover that unit's service"
        }
    }
}

/// What the log allows a person.
public enum LogAccess: Sendable, Hashable {
    case readWrite(AccessBasis, consentId: UUID?)
    case readOnly(AccessBasis)
    case none

    public var canRead: Bool { self != .none }
    public var canWrite: Bool { if case .readWrite = self { return true } else { return false } }
    public var basis: AccessBasis? {
        switch self {
        case .readWrite(let basis, _), .readOnly(let basis): basis
        case .none: nil
        }
    }
    public var consentId: UUID? { if case .readWrite(_, let id) = self { return id } else { return nil } }
}

/// A person as a participant of a called meeting.
public struct ParticipantFacts: Sendable, Hashable {
    public var personId: UUID
    public var kind: PersonKind
    public var active: Bool
    public var memberships: [Principal.Membership]
    public var isGuardian: Bool
    public var isChild: Bool
    public init(personId: UUID, kind: PersonKind, active: Bool, memberships: [Principal.Membership], isGuardian: Bool, isChild: Bool) {
        self.personId = personId; self.kind = kind; self.active = active; self.memberships = memberships
        self.isGuardian = isGuardian; self.isChild = isChild
    }
}

/// The outcome of checking a called meeting's participants against the child's consents.
public struct ParticipantCheck: Sendable, Hashable {
    /// The consent that covers every staff participant (nil when none does).
    public var consent: ConsentGrant?
    /// Indexes of participants that may not take part, with the reason.
    public var refused: [Int: CoordinationRefusal]
    public var isAllowed: Bool { consent != nil && refused.isEmpty }
}

public enum CoordinationPolicy {
    /// The membership through which `consent` covers a person (see the rules above).
    public static func coveredMembership(_ memberships: [Principal.Membership], consent: ConsentGrant, childUnitId: UUID?,
                                         preferredUnit: UUID? = nil) -> Principal.Membership? {
        let covered = memberships.filter { consent.covers($0, childUnitId: childUnitId) }
        if let preferredUnit { return covered.first { $0.unitId == preferredUnit } }
        return covered.first
    }

    /// The first active consent that covers a person, with the covering membership.
    public static func covering(_ memberships: [Principal.Membership], consents: [ConsentGrant], childUnitId: UUID?,
                                preferredUnit: UUID? = nil, at instant: Date) -> (consent: ConsentGrant, membership: Principal.Membership)? {
        for consent in consents where consent.isActive(at: instant) {
            if let membership = coveredMembership(memberships, consent: consent, childUnitId: childUnitId, preferredUnit: preferredUnit) {
                return (consent, membership)
            }
        }
        return nil
    }

    /// Whether `candidate` may be the child's coordinator (or receive a handover).
    public static func coordinatorEligibility(
        candidate: ParticipantFacts, child: ChildRelations, consents: [ConsentGrant], unitId: UUID?, at instant: Date
    ) -> Result<(consent: ConsentGrant, membership: Principal.Membership), CoordinationRefusal> {
        guard candidate.kind == .staff, candidate.active, !candidate.memberships.isEmpty else { return .failure(.notStaff) }
        if let unitId, !candidate.memberships.contains(where: { $0.unitId == unitId }) { return .failure(.notMemberOfUnit) }
        guard consents.contains(where: { $0.childId == child.childId && $0.isActive(at: instant) }) else { return .failure(.noActiveConsent) }
        let relevant = consents.filter { $0.childId == child.childId }
        if let found = covering(candidate.memberships, consents: relevant, childUnitId: child.unitId, preferredUnit: unitId, at: instant) {
            return .success(found)
        }
        return .failure(unitId == nil ? .serviceNotCovered : .notMemberOfUnit)
    }

    /// What the coordination log allows `principal` (see the rules above).
    public static func logAccess(principal: Principal, child: ChildRelations, consents: [ConsentGrant], at instant: Date) -> LogAccess {
        if child.guardianIds.contains(principal.personId) { return .readOnly(.guardian) }
        if child.personId == principal.personId { return .readOnly(.selfAccess) }
        guard principal.kind == .staff else { return .none }
        let relevant = consents.filter { $0.childId == child.childId }
        if let found = covering(principal.memberships, consents: relevant, childUnitId: child.unitId, at: instant) {
            return .readWrite(.consent, consentId: found.consent.id)
        }
        return .none
    }

    /// Checks a called meeting's participants: family always; staff need one active consent
    /// that covers them all (or names the arena). With `youngPersonMustConsent` (the child
    /// has reached the arena's age) the consent must include the young person's.
    public static func checkParticipants(
        _ participants: [ParticipantFacts], arenaId: UUID, child: ChildRelations, consents: [ConsentGrant],
        youngPersonMustConsent: Bool, at instant: Date
    ) -> ParticipantCheck {
        var refused: [Int: CoordinationRefusal] = [:]
        var staff: [(Int, ParticipantFacts)] = []
        for (index, participant) in participants.enumerated() {
            if participant.isGuardian || participant.isChild { continue }
            guard participant.kind == .staff, participant.active, !participant.memberships.isEmpty else {
                refused[index] = .notStaff
                continue
            }
            staff.append((index, participant))
        }
        let candidates = consents.filter {
            $0.childId == child.childId && $0.isActive(at: instant) && (!youngPersonMustConsent || $0.youngPersonConsented)
        }
        guard !candidates.isEmpty else {
            for (index, _) in staff { refused[index] = .noActiveConsent }
            return ParticipantCheck(consent: nil, refused: refused)
        }
        // The consent that leaves the fewest staff uncovered (none, ideally).
        var best: (consent: ConsentGrant, uncovered: [Int])?
        for consent in candidates {
            let uncovered = consent.arenaIds.contains(arenaId) ? [] : staff.compactMap { index, person in
                coveredMembership(person.memberships, consent: consent, childUnitId: child.unitId) == nil ? index : nil
            }
            if uncovered.count < (best?.uncovered.count ?? Int.max) { best = (consent, uncovered) }
            if uncovered.isEmpty { break }
        }
        guard let best else { return ParticipantCheck(consent: nil, refused: refused) }
        for index in best.uncovered { refused[index] = .serviceNotCovered }
        return ParticipantCheck(consent: best.uncovered.isEmpty ? best.consent : nil, refused: refused)
    }

    /// Who may call a meeting around one child: its coordinator; for an ansvarsgruppe also
    /// child welfare (as a child-welfare measure, seed 001); for a samarbeidsmøte also the
    /// staff who work with the child under the consent (school, health station, ...: seed
    /// 004, "skolen har samarbeidsmøter med foresatte ved behov"). At a transition from lower to
    /// upper secondary school the transition meeting's organiser establishes the child's new
    /// ansvarsgruppe (`organisesTransitionToUpperSecondary`, seed 003; issue 16).
    public static func mayCall(_ kind: ArenaKind, isCoordinator: Bool, logAccess: LogAccess, principal: Principal,
                               organisesTransitionToUpperSecondary: Bool = false) -> Bool {
        if isCoordinator { return true }
        if kind == .ansvarsgruppe && organisesTransitionToUpperSecondary && principal.kind == .staff { return true }
        guard principal.kind == .staff, logAccess.canWrite else { return false }
        switch kind {
        case .ansvarsgruppe: return principal.isMember(ofService: .childWelfare)
        case .samarbeidsmote: return true
        default: return false
        }
    }
}
