import Foundation

/// What decides who organises a meeting.
public struct MeetingOrganisation: Sendable, Hashable {
    public var arenaOwnerPersonId: UUID?
    public var arenaOwnerUnitId: UUID
    /// Whoever called the meeting (a meeting around one child, a transition meeting); nil for
    /// a meeting of an arena's series.
    public var calledBy: UUID?
    /// A meeting around one child (samarbeidsmøte, ansvarsgruppe).
    public var aroundChild: Bool

    public init(arenaOwnerPersonId: UUID?, arenaOwnerUnitId: UUID, calledBy: UUID?, aroundChild: Bool) {
        self.arenaOwnerPersonId = arenaOwnerPersonId
        self.arenaOwnerUnitId = arenaOwnerUnitId
        self.calledBy = calledBy
        self.aroundChild = aroundChild
    }
}

/// Who organises a meeting (publishes its agenda early, cancels it, approves its minutes,
/// reads its deliveries, moves a called one):
///
/// - a meeting of an arena's series (or a transition meeting): the arena's owner, the
///   owning unit's leader, and whoever called it;
/// - a meeting around one child: whoever called it; the child's coordinator may also move
///   it. The arena's owner and the owning unit's leader manage the arena, not the child's
///   meetings.
///
/// The register's administrator is never an organiser by that role: administering units,
/// people and arenas is not organising meetings.
public enum MeetingRoles {
    public static func isOrganiser(_ principal: Principal, _ meeting: MeetingOrganisation) -> Bool {
        if let calledBy = meeting.calledBy, calledBy == principal.personId { return true }
        if meeting.aroundChild { return false }
        return meeting.arenaOwnerPersonId == principal.personId || principal.hasRole(.unitLeader, in: meeting.arenaOwnerUnitId)
    }

    /// Who moves a called meeting: its organiser, or (around one child) the child's coordinator.
    public static func mayMove(_ principal: Principal, _ meeting: MeetingOrganisation, isChildsCoordinator: Bool) -> Bool {
        isOrganiser(principal, meeting) || (meeting.aroundChild && isChildsCoordinator)
    }
}

extension MeetingRoles {
    /// The owner (or submitter) of a case on a meeting's agenda takes part in the meeting
    /// and receives its documents (the teacher responsible joins for their pupil's case, seed
    /// 001) only while they may see that case in full (``AccessPolicy/caseAccess``): owning a
    /// case the consent no longer covers, or never covered, makes no one a participant.
    public static func caseOwnerTakesPart(_ ownerAccess: AccessDecision) -> Bool {
        ownerAccess.canSeeChild
    }
}

/// Who may be invited to a meeting besides its standing participants ("til hele eller deler
/// av møtet", seed 001). Staff may be invited to the whole meeting or to some items: what they
/// then see of a named case is still decided by the consent (``AgendaVisibility``). A guardian
/// or young person takes part only in what is about their own child: the items whose named
/// case is about that child, or the whole of a meeting around that child.
public enum MeetingInvitation {
    public enum Refusal: String, Sendable, Equatable {
        /// A family member invited for the whole of a meeting that is not around their child.
        case familyWholeMeeting = "family_whole_meeting"
        /// A family member invited for an item that is not their own child's named case.
        case familyOtherItem = "family_other_item"
    }

    /// Nil when `person` may be invited for `items` (empty: the whole meeting).
    public static func refusal(personId: UUID, kind: PersonKind, items: [AgendaItemFacts], meetingChildId: UUID?,
                               children: [UUID: ChildRelations]) -> Refusal? {
        guard kind != .staff else { return nil }
        func isFamily(of childId: UUID?) -> Bool {
            guard let childId, let relations = children[childId] else { return false }
            return relations.guardianIds.contains(personId) || relations.personId == personId
        }
        if items.isEmpty { return isFamily(of: meetingChildId) ? nil : .familyWholeMeeting }
        for item in items {
            guard let onAgenda = item.onAgenda, onAgenda.facts.kind == .named, isFamily(of: onAgenda.childId) else {
                return isFamily(of: meetingChildId) ? nil : .familyOtherItem
            }
        }
        return nil
    }
}
