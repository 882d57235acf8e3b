import Foundation

/// The three transitions of seed 003 ("Overføringsmøter"). The receiving side invites; the
/// sending side's people take part; PPT takes part for children with special-needs support.
public enum TransitionStage: String, Codable, Sendable, CaseIterable, Hashable {
    case kindergartenToSchool = "kindergarten_to_school"
    case primaryToLowerSecondary = "primary_to_lower_secondary"
    case lowerSecondaryToUpperSecondary = "lower_secondary_to_upper_secondary"

    /// The grade the children leave (0 = kindergarten).
    public var leavingGrade: Int {
        switch self {
        case .kindergartenToSchool: 0
        case .primaryToLowerSecondary: 7
        case .lowerSecondaryToUpperSecondary: 10
        }
    }

    public var sendingService: ServiceKind { self == .kindergartenToSchool ? .kindergarten : .school }
    public var receivingService: ServiceKind { .school }

    public var norwegianName: String {
        switch self {
        case .kindergartenToSchool: "barnehage – skole"
        case .primaryToLowerSecondary: "barneskole – ungdomsskole"
        case .lowerSecondaryToUpperSecondary: "ungdomsskole – videregående skole"
        }
    }
}

/// Whether a child gets a named item on a transition meeting, and what it may show.
///
/// **The rule.** Information moves only with the guardians' consent (seed 003: "etter
/// samtykke fra foresatte"). A child gets a named item when an active consent covers the
/// transition arena exactly as it must for a named case to any arena
/// (``AccessPolicy/consentAllowsSubmission``: it names the arena, or every service that
/// takes part in it; from the arena's age the young person consents too) **and** releases
/// the `identity` category (without it the child cannot be named). A transition arena has
/// the receiving school in it, and "school" in a consent means the child's own school: a
/// general consent (school, health station, PPT) does not cover a transition; one that
/// names the arena, or names the receiving school (`unit_ids`), does. The item then shows only
/// the other categories that consent names (school situation, special needs, health,
/// family); the sending side cannot even write the others.
///
/// **Children without consent get no item at all**, not an anonymous one: a transition
/// meeting is about one kindergarten's or school's few children moving to one school, so an
/// "anonymous" child is identifiable by everyone in the room (seed 001: anonymous only if
/// it can realistically stay anonymous throughout), and without consent nothing may be
/// transferred anyway. The organiser sees only how many children had no consent.
public enum TransitionRules {
    public enum Decision: Sendable, Hashable {
        case named(consent: ConsentGrant, categories: [InformationCategory])
        case noItem(ConsentProblem?)
    }

    /// The information categories an item may carry besides identity, in display order.
    public static let itemCategories: [InformationCategory] = [.schoolSituation, .specialNeeds, .health, .family]

    public static func decide(consents: [ConsentGrant], arena: ArenaScope, childAge: Int?, childUnitId: UUID?, at instant: Date) -> Decision {
        var firstProblem: ConsentProblem?
        for consent in consents {
            if let problem = AccessPolicy.consentAllowsSubmission(consent, arena: arena, targetService: nil, childAge: childAge,
                                                                  childUnitId: childUnitId, at: instant) {
                firstProblem = firstProblem ?? problem
                continue
            }
            guard consent.information.contains(.identity) else { continue }
            return .named(consent: consent, categories: visibleCategories(of: consent))
        }
        return .noItem(firstProblem)
    }

    public static func visibleCategories(of consent: ConsentGrant) -> [InformationCategory] {
        itemCategories.filter { consent.information.contains($0) }
    }
}

/// # Planning one child's transition (issue 16)
///
/// After a season is planned, the receiving side plans each named child's part of the
/// meeting (``TransitionArrangements``): whether the child will attend SFO, whether the child
/// has special-needs support, and which of the receiving school's teachers will be the
/// contact teacher. Seed 003 (barnehage – skole): "Fra skolen deltar kontaktlærer som skal ha
/// førsteklasse ..., SFO-leder (for de som skal gå på SFO) ... For barn som har
/// spesialpedagogisk hjelp i barnehagen er det PPT som er ansvarlig for at møtet avholdes."
///
/// Stored in `transition_items` (`attends_sfo`, `special_needs_support`,
/// `receiving_teacher_id`, Schema/0023); each person the arrangements bring who is not yet
/// invited gets a `meeting_participants` row and `meeting.participant_invited` (ids only).
/// `POST /v1/transition-items/{id}/arrangements`: the meeting's organiser who sees the item
/// in full, while the meeting is planned or its agenda published.
public struct TransitionArrangements: Sendable, Hashable {
    public var attendsSfo: Bool
    public var specialNeedsSupport: Bool
    public var hasReceivingTeacher: Bool

    public init(attendsSfo: Bool, specialNeedsSupport: Bool, hasReceivingTeacher: Bool) {
        self.attendsSfo = attendsSfo; self.specialNeedsSupport = specialNeedsSupport; self.hasReceivingTeacher = hasReceivingTeacher
    }
}

/// Whom a child's arrangements bring to the transition meeting.
public enum TransitionInvitee: String, Codable, Sendable, Hashable, CaseIterable {
    /// The receiving school's contact teacher for the child's class.
    case receivingTeacher = "receiving_teacher"
    /// The leader of the receiving school's SFO, for a child who will attend SFO.
    case sfoLeader = "sfo_leader"
    /// PPT, for a child with special-needs support.
    case ppt
}

extension TransitionRules {
    /// Who is responsible that a child's transition meeting is held: PPT where the child has
    /// special-needs support, otherwise the receiving school (which invites).
    public static func responsibleService(specialNeedsSupport: Bool) -> ServiceKind {
        specialNeedsSupport ? .ppt : .school
    }

    /// The meeting's responsible service: PPT when any of its children has special-needs support.
    public static func responsibleService(itemsWithSpecialNeeds: [Bool]) -> ServiceKind {
        responsibleService(specialNeedsSupport: itemsWithSpecialNeeds.contains(true))
    }

    /// Whom the arrangements bring to the meeting, in a fixed order.
    public static func invitees(_ arrangements: TransitionArrangements) -> [TransitionInvitee] {
        var out: [TransitionInvitee] = []
        if arrangements.hasReceivingTeacher { out.append(.receivingTeacher) }
        if arrangements.attendsSfo { out.append(.sfoLeader) }
        if arrangements.specialNeedsSupport { out.append(.ppt) }
        return out
    }

    /// Why the arrangements cannot be stored for an item whose consent releases `information`:
    /// marking special-needs support says something in the special-needs category, so it needs
    /// that category released (nil: allowed). Unmarking it is always allowed.
    public static func arrangementRefusal(_ arrangements: TransitionArrangements, information: [InformationCategory]) -> String? {
        arrangements.specialNeedsSupport && !information.contains(.specialNeeds) ? "consent_does_not_cover_information" : nil
    }

    /// Seed 003: the meeting between lower and upper secondary school is also used to establish a
    /// new ansvarsgruppe where needed; the other transitions do not establish one.
    public static func establishesAnsvarsgruppe(_ stage: TransitionStage) -> Bool {
        stage == .lowerSecondaryToUpperSecondary
    }
}

extension TransitionRules {
    /// Who takes part in the ansvarsgruppe a transition to upper secondary establishes (seed 003:
    /// "Møtet blir også benyttet til å etablere ny ansvarsgruppe når det er nødvendig"): the
    /// child's guardians, and of the staff proposed (the organiser first, then the transition
    /// meeting's participants) those the consent covers for the ansvarsgruppe arena (it names the
    /// arena, or covers their service, ``CoordinationPolicy/coveredMembership``). Nil when the
    /// organiser is not covered: then nobody may establish it from this meeting.
    public static func ansvarsgruppeParticipants(
        organiser: ParticipantFacts, staff: [ParticipantFacts], guardianIds: Set<UUID>, consent: ConsentGrant, arenaId: UUID, childUnitId: UUID?
    ) -> [UUID]? {
        func covered(_ person: ParticipantFacts) -> Bool {
            person.kind == .staff && person.active
                && (consent.arenaIds.contains(arenaId) || CoordinationPolicy.coveredMembership(person.memberships, consent: consent, childUnitId: childUnitId) != nil)
        }
        guard covered(organiser) else { return nil }
        var out = [organiser.personId] + guardianIds.sorted { $0.uuidString < $1.uuidString }
        for person in staff where !out.contains(person.personId) && covered(person) { out.append(person.personId) }
        return out
    }
}
