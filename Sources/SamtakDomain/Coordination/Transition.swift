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
