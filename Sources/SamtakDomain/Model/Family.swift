import Foundation

/// # Families: guardians and young people as users (issue 17)
///
/// A guardian (or a young person linked to their child record) signs in through the citizen
/// provider and sees, per child, what the seeds expect a family to see, gives consent
/// digitally, and sees who has read the child's data (innsyn).
///
/// **Who sees a child as family** (``FamilyAccess/basis(personId:guardianships:childPersonId:)``):
/// a guardian with parental responsibility (basis `guardian`) and the young person themself
/// (basis `self`). A guardian with daily care only, or without either, sees nothing through
/// the family endpoints, which answer 404 as for a child that does not exist.
///
/// **Endpoints** (intake, all under `/v1/me`, store `FamilyStore`):
/// - `GET /v1/me/children`: my children (name, unit, grade).
/// - `GET /v1/me/children/{id}`: consents in force and awaiting signatures, coming meetings
///   with this child's items only, approved minutes of those items, follow-ups agreed, the
///   coordinator, and the arenas a consent may name (those of the child's own unit).
/// - `POST /v1/me/children/{id}/consents`: give a consent digitally (a proposal; in force at
///   once when the purpose's rule is met by this signature alone).
/// - `POST /v1/me/consent-proposals/{id}/sign`: the other guardian signs it.
/// - `POST /v1/me/consent-proposals/{id}/cancel`: one who signed it cancels it while it still
///   waits (``ConsentProposalCancellation``; `consent.proposal_cancelled`).
/// - `GET /v1/me/children/{id}/access-log`: innsyn, newest first, paged, by period.
/// - `POST /v1/me/consents/{id}/narrow`: narrow a consent (``ConsentNarrowing``).
/// - `POST /v1/children/{id}/young-person` (administrator): link the child record to a new
///   person of kind `young_person`, who signs in with the child's identity number.
/// - Withdrawing stays `POST /v1/consents/{id}/withdraw` (a guardian may already).
///
/// **Tables** (`Schema/0017_families.sql`): `consent_proposals` (state machine
/// `awaiting_guardians → in_force | cancelled`), `consent_signatures` (the evidence: person,
/// party, method `digital`, signed in with the citizen provider, time, request id), and
/// `consents.method = 'digital'`, `consents.proposal_id`. A proposal is never read as a
/// consent: only the `consents` row written when it completes counts (``ConsentGrant``).
///
/// **Events**: `consent.proposed` (proposal id, child id) when a proposal waits for another
/// guardian; `consent.recorded` when a digital consent comes in force (as for paper ones);
/// `consent.proposal_cancelled` (proposal id, child id) when a signer cancels one that waits.
///
/// **Whose consent** (``DigitalConsent/giver(_:guardianships:childPersonId:purpose:childAge:)``
/// and ``FamilyPolicy/guardianRule(for:)``): the rule per purpose is the one of
/// ``ConsentPurpose/guardianRule``, with the services for which one guardian suffices
/// configurable (``FamilyPolicy/oneGuardianServices``, default the child's own school,
/// kindergarten and SFO). From the age the purpose gives (16 for health services) the young
/// person decides and the guardians no longer consent to it; below it the guardians do.
public struct FamilyPolicy: Sendable, Hashable {
    /// Services for which one guardian with parental responsibility suffices (everything else,
    /// and any arena, needs all of them).
    public var oneGuardianServices: Set<ServiceKind>
    /// Whether innsyn names the person who read (otherwise only service, unit and role).
    public var innsynShowsNames: Bool

    public init(oneGuardianServices: Set<ServiceKind> = ServiceKind.unitBound, innsynShowsNames: Bool = false) {
        self.oneGuardianServices = oneGuardianServices
        self.innsynShowsNames = innsynShowsNames
    }

    public static let standard = FamilyPolicy()

    /// The guardians' rule for a purpose under this policy.
    public func guardianRule(for purpose: ConsentPurpose) -> ConsentGiverRule {
        if !purpose.arenas.isEmpty { return .allWithParentalResponsibility }
        return purpose.services.isSubset(of: oneGuardianServices) ? .oneGuardian : .allWithParentalResponsibility
    }
}

public enum FamilyAccess {
    /// The basis on which `personId` sees the child as family, or nil (404).
    public static func basis(personId: UUID, guardianships: [Guardianship], childPersonId: UUID?) -> AccessBasis? {
        if guardianships.contains(where: { $0.guardianId == personId && $0.parentalResponsibility }) { return .guardian }
        if let childPersonId, childPersonId == personId { return .selfAccess }
        return nil
    }
}

/// The state of a digital consent (`consent_proposals.status`).
public enum ConsentProposalStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case awaitingGuardians = "awaiting_guardians"
    case inForce = "in_force"
    case cancelled
}

/// Cancelling a digital consent that still waits for another guardian's signature (issue 17):
/// `awaiting_guardians → cancelled`. Only someone who has signed it (the guardian who gave it,
/// or a co-guardian who signed already) may cancel it; a co-guardian who has not signed simply
/// does not sign. Nothing was ever in force, so nothing else changes.
public enum ConsentProposalCancellation {
    public enum Refusal: Error, Equatable, Sendable {
        /// In force or cancelled already (409).
        case notAwaiting
        /// The caller is family but has not signed it (403).
        case notASigner
    }

    /// Whether `personId` may cancel a proposal in `status` signed by `signers`.
    public static func decide(status: ConsentProposalStatus, signers: Set<UUID>, personId: UUID) -> Result<ConsentProposalStatus, Refusal> {
        guard status == .awaitingGuardians else { return .failure(.notAwaiting) }
        guard signers.contains(personId) else { return .failure(.notASigner) }
        return .success(.cancelled)
    }
}

public enum DigitalConsent {
    /// Who gives a digital consent.
    public enum Party: String, Codable, Sendable, Hashable {
        case guardian
        case youngPerson = "young_person"
    }

    /// Whether the signed-in person may give this consent, as which party and under which rule.
    /// The young person gives it alone where every service and arena named has an age from which
    /// they decide and they have reached it; then a guardian may not give it for them. Otherwise
    /// a guardian with parental responsibility gives it under `rule` (from ``FamilyPolicy``).
    public static func giver(
        _ personId: UUID, guardianships: [Guardianship], childPersonId: UUID?, purpose: ConsentPurpose, childAge: Int?,
        rule: ConsentGiverRule
    ) -> Result<(party: Party, rule: ConsentGiverRule), ConsentViolation> {
        let ownAge = purpose.youngPersonOwnConsentAge
        let youngPersonDecides = ownAge.map { age in childAge.map { $0 >= age } ?? false } ?? false
        if let childPersonId, childPersonId == personId {
            guard let ownAge else {
                return .failure(.init("services", "guardians_required",
                                      "the young person's own consent covers health services only; the guardians consent to this"))
            }
            guard youngPersonDecides else {
                return .failure(.init("services", "young_person_too_young", "the young person consents alone to this only from age \(ownAge)"))
            }
            return .success((.youngPerson, .youngPerson))
        }
        guard guardianships.contains(where: { $0.guardianId == personId && $0.parentalResponsibility }) else {
            return .failure(.init("child_id", "not_parental_responsibility", "only a guardian with parental responsibility consents"))
        }
        if youngPersonDecides {
            return .failure(.init("services", "young_person_decides", "the young person has reached the age to consent to this themself"))
        }
        return .success((.guardian, rule))
    }

    /// Whose signature is still missing under `rule`, given who has signed: empty when the
    /// consent may come in force. One guardian: any guardian with parental responsibility;
    /// all: each of them; the young person: themself (who signs first).
    public static func missing(rule: ConsentGiverRule, guardianships: [Guardianship], signed: Set<UUID>) -> [UUID] {
        let responsible = guardianships.filter(\.parentalResponsibility).map(\.guardianId)
        switch rule {
        case .youngPerson:
            return []
        case .oneGuardian:
            return responsible.contains(where: signed.contains) ? [] : responsible.sorted { $0.uuidString < $1.uuidString }
        case .allWithParentalResponsibility:
            return responsible.filter { !signed.contains($0) }.sorted { $0.uuidString < $1.uuidString }
        }
    }
}

/// Narrowing a consent (fewer services, arenas or categories, or an earlier end): a partial
/// withdrawal, which whoever may withdraw it does alone. The narrowed consent replaces the
/// original (withdrawn in the same transaction) and keeps its givers and rule.
public enum ConsentNarrowing {
    /// Why the new scope is not a narrowing of `original` (empty when it is one).
    public static func violations(original: ConsentGrant, services: Set<ServiceKind>, arenaIds: Set<UUID>,
                                  information: Set<InformationCategory>, validUntil: LocalDate?, today: LocalDate) -> [ConsentViolation] {
        var violations: [ConsentViolation] = []
        if services.isEmpty && arenaIds.isEmpty { violations.append(.init("services", "required", "keep at least one service or arena, or withdraw the consent")) }
        if !services.isSubset(of: original.services) { violations.append(.init("services", "not_narrower", "may only keep services the consent names")) }
        if !arenaIds.isSubset(of: original.arenaIds) { violations.append(.init("arena_ids", "not_narrower", "may only keep arenas the consent names")) }
        if information.isEmpty { violations.append(.init("information", "required", "keep at least one category of information")) }
        if !information.isSubset(of: original.information) {
            violations.append(.init("information", "not_narrower", "may only keep categories the consent names"))
        }
        if let validUntil {
            if let until = original.validUntil, validUntil > until { violations.append(.init("valid_until", "not_narrower", "must not be after the consent's end")) }
            if validUntil < today || validUntil < original.validFrom { violations.append(.init("valid_until", "range", "must not be before today or the consent's start")) }
        } else if original.validUntil != nil {
            violations.append(.init("valid_until", "not_narrower", "a consent with an end keeps an end"))
        }
        let unchanged = services == original.services && arenaIds == original.arenaIds && information == original.information
            && validUntil == original.validUntil
        if violations.isEmpty && unchanged { violations.append(.init("services", "unchanged", "change something, or keep the consent as it is")) }
        return violations
    }
}

/// What a row of the access log was about, as innsyn names it.
public enum InnsynSubject: String, Codable, Sendable, CaseIterable, Hashable {
    case child
    case caseRecord = "case"
    case agenda
    case minutes
    case followUp = "follow_up"
    case coordinationLog = "coordination_log"
    case coordinator
    case individualPlan = "individual_plan"
    case consent
    case guardianship
    case transition
    case timeline
    case deliveries
    case accessLog = "access_log"
    case other

    /// The access log's `resource` as a subject for the family.
    public init(resource: String) {
        switch resource {
        case "child", "person": self = .child
        case "case", "referral": self = .caseRecord
        case "agenda", "meeting": self = .agenda
        case "minutes": self = .minutes
        case "follow_up_action": self = .followUp
        case "coordination_log", "coordination_measure", "coordination_note", "measure": self = .coordinationLog
        case "coordinator", "coordinator_handover", "handover": self = .coordinator
        case "individual_plan": self = .individualPlan
        case "consent", "consent_proposal": self = .consent
        case "guardian", "guardianship": self = .guardianship
        case "transition_item": self = .transition
        case "timeline": self = .timeline
        case "meeting_deliveries": self = .deliveries
        case "access_log": self = .accessLog
        case "young_person_link": self = .child
        default: self = .other
        }
    }
}

/// A refused digital consent carries the violation as its failure.
extension ConsentViolation: Error {}

extension DeliveryMode {
    /// What a recipient gets by e-mail (issue 17): the family (guardians, the young person)
    /// always a notice with a link to Samtak, never the content or the child's name, whatever
    /// the arena chose; staff as the arena chose.
    public func forRecipient(_ kind: PersonKind) -> DeliveryMode { kind == .staff ? self : .notice }
}
